/**
 * Helpers shared by Python fixes: ranges, indentation, and where a new import goes.
 * Pure: no `vscode`.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { detectEol, lineStarts, type FixImport, type Position, type Range, type TextEdit } from './findings';
import type { PythonImports } from './pythonImports';

export function rangeOfNode(n: Node): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

export function pointRange(p: Position): Range {
  return { start: { ...p }, end: { ...p } };
}

/** Line starts of the last source asked about: rules ask about one document many times in a row. */
let startsCache: { source: string; starts: number[] } | undefined;

function lineStartsOf(source: string): number[] {
  if (startsCache?.source !== source) startsCache = { source, starts: lineStarts(source) };
  return startsCache.starts;
}

/** The leading whitespace of line `row`. */
export function lineIndent(source: string, row: number): string {
  const at = lineStartsOf(source)[row];
  if (at === undefined) return '';
  let end = at;
  while (end < source.length && (source[end] === ' ' || source[end] === '\t')) end++;
  return source.slice(at, end);
}

/** One indentation step as the file writes it (4 spaces when the file gives no clue). */
export function indentUnit(source: string): string {
  const m = /\n([ \t]+)\S/.exec(source);
  if (!m) return '    ';
  return m[1]!.startsWith('\t') ? '\t' : m[1]!.length <= 8 ? m[1]! : '    ';
}

/** An edit inserting whole `lines` before line `row`, each prefixed with `indent`. */
export function insertLinesBefore(row: number, indent: string, lines: readonly string[], eol: string): TextEdit {
  const pos = { line: row, character: 0 };
  return { range: pointRange(pos), newText: lines.map((l) => (l ? indent + l : l) + eol).join('') };
}

/**
 * An edit inserting whole `lines` after the statement `node` (after the line it ends on,
 * keeping a trailing `# comment` with that line), each prefixed with `indent`.
 */
export function insertLinesAfter(source: string, node: Node, indent: string, lines: readonly string[], eol: string): TextEdit {
  const nl = source.indexOf('\n', node.endIndex);
  const text = lines.map((l) => (l ? indent + l : l));
  if (nl < 0) {
    const lastLineStart = source.lastIndexOf('\n') + 1;
    const end = { line: node.endPosition.row, character: source.length - lastLineStart };
    return { range: pointRange(end), newText: eol + text.join(eol) };
  }
  return { range: pointRange({ line: node.endPosition.row + 1, character: 0 }), newText: text.map((l) => l + eol).join('') };
}

/** Whether a top-level statement with exactly this text (ignoring spacing) is already there. */
export function hasTopLevelImport(root: Node, statement: string): boolean {
  const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const want = norm(statement);
  for (const c of root.namedChildren) {
    if (c && (c.type === 'import_statement' || c.type === 'import_from_statement') && norm(c.text) === want) return true;
  }
  return false;
}

/**
 * The import a fix needs so that `name` (a module, or `module.attr`) can be written as
 * `spelling` at `at`: reuses a binding that already resolves there, else adds `import m`
 * (or `from m import a`) when that name is free in the module. Undefined when no safe
 * spelling exists.
 */
export function pythonNameFor(
  source: string,
  root: Node,
  imports: PythonImports,
  at: Node,
  qualified: string,
): { spelling: string; import?: FixImport } | undefined {
  for (const imp of imports.imports) {
    if (!imp.qualified) continue;
    if (qualified === imp.qualified || qualified.startsWith(imp.qualified + '.')) {
      const r = imports.resolveName(imp.local, at);
      if (r.status === 'import' && r.qualified === imp.qualified) return { spelling: imp.local + qualified.slice(imp.qualified.length) };
    }
  }
  const dot = qualified.indexOf('.');
  const top = dot < 0 ? qualified : qualified.slice(0, dot);
  if (imports.resolveName(top, at).status === 'unbound' && !imports.moduleBinds(top)) {
    const statement = `import ${top}`;
    return { spelling: qualified, import: pythonImportInsertion(source, root, at.startIndex, statement) };
  }
  const last = qualified.lastIndexOf('.');
  if (last > 0) {
    const name = qualified.slice(last + 1);
    if (imports.resolveName(name, at).status === 'unbound' && !imports.moduleBinds(name)) {
      const statement = `from ${qualified.slice(0, last)} import ${name}`;
      return { spelling: name, import: pythonImportInsertion(source, root, at.startIndex, statement) };
    }
  }
  return undefined;
}

/** Where a new top-level import goes: after the last top-level import before `before`, else after docstring / start. */
export function pythonImportInsertion(source: string, root: Node, before: number, statement: string): FixImport {
  const ctx = { source, root };
  const eol = detectEol(ctx.source);
  let anchor: Node | null = null;
  for (const c of ctx.root.namedChildren) {
    if (!c || c.endIndex > before) break;
    if (c.type === 'import_statement' || c.type === 'import_from_statement' || c.type === 'future_import_statement') anchor = c;
  }
  if (!anchor) {
    const first = ctx.root.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
    if (first && first.type === 'expression_statement' && first.namedChild(0)?.type === 'string' && first.endIndex <= before) anchor = first;
  }
  if (!anchor) {
    // Top of file, but after a shebang / encoding comment block.
    let line = 0;
    for (const c of ctx.root.namedChildren) {
      if (c && c.type === 'comment' && c.startPosition.row === line && /^#(!|.*coding[:=])/.test(c.text)) line++;
      else break;
    }
    const pos = { line, character: 0 };
    return { statement, edit: { range: { start: pos, end: pos }, newText: statement + eol } };
  }
  const nl = ctx.source.indexOf('\n', anchor.endIndex);
  if (nl < 0) {
    const end = { line: anchor.endPosition.row, character: ctx.source.length - (ctx.source.lastIndexOf('\n') + 1) };
    return { statement, edit: { range: { start: end, end }, newText: eol + statement } };
  }
  // Start of the line after the one the anchor ends on (keeps a trailing `# comment` with its line).
  const pos = { line: ctx.source.slice(0, nl + 1).split('\n').length - 1, character: 0 };
  return { statement, edit: { range: { start: pos, end: pos }, newText: statement + eol } };
}

