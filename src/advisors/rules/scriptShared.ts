/**
 * Helpers shared by the JavaScript / TypeScript rules (LAT001, LAT002, LAT003, LAT004, LAT108).
 * Pure: no `vscode`. Nothing here walks the whole tree: callers anchor on words through
 * `ctx.index` and these helpers climb with `.parent` or look at one small subtree.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { Range } from '../findings';
import { rangeOfNode } from '../pyEdit';
import type { ScriptRuleContext } from '../rule';
import { unparen } from '../nodes';
import { SCRIPT_FUNCTIONS } from '../scriptImports';

export { rangeOfNode };


export const LOOPS: ReadonlySet<string> = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);

/** `x` climbed through parentheses holding only it, and the parent of the outermost one. */
export function upThroughParens(x: Node): { outer: Node; parent: Node | null } {
  let cur = x;
  for (;;) {
    const p = cur.parent;
    if (p && p.type === 'parenthesized_expression') {
      const inner = p.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      if (inner.length === 1 && inner[0]!.id === cur.id) {
        cur = p;
        continue;
      }
    }
    return { outer: cur, parent: p };
  }
}

export function sameNode(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.id === b.id;
}

/** Named children that are not comments. */
export function children(n: Node | null | undefined): Node[] {
  if (!n) return [];
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

/** Whether identifier-like node `id` is where a name is bound (declared, a parameter, imported) or assigned. */
export function isBindingOccurrence(id: Node): boolean {
  if (id.type === 'shorthand_property_identifier_pattern') return true;
  const p = id.parent;
  if (!p) return false;
  switch (p.type) {
    case 'variable_declarator':
    case 'function_declaration':
    case 'function_expression':
    case 'function':
    case 'generator_function_declaration':
    case 'generator_function':
    case 'class_declaration':
    case 'class':
      return sameNode(p.childForFieldName('name'), id);
    case 'formal_parameters':
    case 'rest_pattern':
    case 'array_pattern':
    case 'import_clause':
    case 'namespace_import':
      return true;
    case 'required_parameter':
    case 'optional_parameter':
      return sameNode(p.childForFieldName('pattern'), id);
    case 'assignment_pattern':
    case 'assignment_expression':
    case 'augmented_assignment_expression':
    case 'for_in_statement':
      return sameNode(p.childForFieldName('left'), id);
    case 'arrow_function':
      return sameNode(p.childForFieldName('parameter'), id);
    case 'catch_clause':
      return sameNode(p.childForFieldName('parameter'), id);
    case 'pair_pattern':
      return sameNode(p.childForFieldName('value'), id);
    case 'import_specifier':
      return sameNode(p.childForFieldName('alias') ?? p.childForFieldName('name'), id);
    case 'update_expression':
      return true;
    default:
      return false;
  }
}

/**
 * Whether `name` is bound or assigned anywhere in the file other than by an import whose
 * qualified name is in `allowedImports` (so `Date`, `performance`, `process` are the globals).
 */
export function boundInFile(ctx: ScriptRuleContext, name: string, allowedImports: readonly string[] = []): boolean {
  for (const b of ctx.imports.imports) if (b.local === name && !allowedImports.includes(b.qualified)) return true;
  for (const id of ctx.index.named(name)) {
    if (id.type !== 'identifier' && id.type !== 'shorthand_property_identifier_pattern') continue;
    if (!isBindingOccurrence(id)) continue;
    // An allowed import binds the name in its import statement: that is fine.
    let inImport = false;
    for (let p = id.parent; p; p = p.parent) {
      if (p.type === 'import_statement') {
        inImport = true;
        break;
      }
      if (p.type === 'program' || SCRIPT_FUNCTIONS.has(p.type)) break;
    }
    if (inImport) continue;
    // `const { performance } = require('perf_hooks')`: an allowed import.
    const st = topLevelStatement(id);
    if (st && ctx.imports.imports.some((b) => b.local === name && b.statement.id === st.id && allowedImports.includes(b.qualified))) continue;
    return true;
  }
  return false;
}

/** Innermost function containing `n` (not `n` itself), or undefined at module level. */
export function enclosingFunction(n: Node): Node | undefined {
  for (let p = n.parent; p; p = p.parent) if (SCRIPT_FUNCTIONS.has(p.type)) return p;
  return undefined;
}

/** The statement of the program (module level) that contains `n`. */
export function topLevelStatement(n: Node): Node | undefined {
  let cur: Node = n;
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'program') return cur;
    cur = p;
  }
  return undefined;
}

/** The statement containing `n` that sits directly in a statement block / program / case. */
export function enclosingStatement(n: Node): Node | undefined {
  let cur: Node = n;
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'statement_block' || p.type === 'program' || p.type === 'switch_case' || p.type === 'switch_default') return cur;
    if (SCRIPT_FUNCTIONS.has(p.type) && !sameNode(p.childForFieldName('body'), cur)) return undefined;
    cur = p;
  }
  return undefined;
}

/** Whether only spaces / tabs precede `n` on its line. */
export function startsLine(source: string, n: Node): boolean {
  for (let i = n.startIndex - 1; i >= 0; i--) {
    const c = source[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

/** Whether only spaces, tabs, `;` or a line comment follow `n` on its line. */
export function endsLine(source: string, n: Node): boolean {
  const nl = source.indexOf('\n', n.endIndex);
  const rest = source.slice(n.endIndex, nl < 0 ? source.length : nl).replace(/\r$/, '');
  return /^[ \t;]*(\/\/.*)?$/.test(rest);
}

/** Identifier nodes (references and bindings) in the subtree of `n`; a small subtree only. */
export function identifiersIn(n: Node): Node[] {
  const out: Node[] = [];
  const walk = (x: Node): void => {
    if (x.type === 'identifier' || x.type === 'shorthand_property_identifier' || x.type === 'shorthand_property_identifier_pattern') out.push(x);
    for (const c of x.namedChildren) if (c) walk(c);
  };
  walk(n);
  return out;
}

/** Whether the subtree of `n` has a node of one of `types` (a small subtree only). */
export function hasNodeOfType(n: Node, types: ReadonlySet<string>): boolean {
  if (types.has(n.type)) return true;
  for (const c of n.children) if (c && hasNodeOfType(c, types)) return true;
  return false;
}

export function rangeOf(n: Node): Range {
  return rangeOfNode(n);
}

/** The numeric value of a `number` literal node (`1_000`, `1e3`, `0x10`), if finite. */
export function numberValue(n: Node | null | undefined): number | undefined {
  if (!n || n.type !== 'number') return undefined;
  const v = Number(n.text.replace(/_/g, ''));
  return Number.isFinite(v) ? v : undefined;
}

export const ORT_MODULES: readonly string[] = ['onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common', 'onnxruntime-web/webgpu', 'onnxruntime-react-native'];

const createCache = new WeakMap<ScriptRuleContext, Node[]>();

/**
 * Every `InferenceSession.create(...)` call resolving (through the file's imports) to an
 * onnxruntime package, in source order (cached per analysis). Found from the word `create`
 * preceded in the text by `InferenceSession.` (or a name imported as it), so `create` methods
 * and other `.create(` calls never reach the tree.
 */
export function sessionCreateCalls(ctx: ScriptRuleContext): Node[] {
  const hit = createCache.get(ctx);
  if (hit) return hit;
  const out: Node[] = [];
  createCache.set(ctx, out);
  const wanted = new Set(ORT_MODULES.map((m) => `${m}.InferenceSession.create`));
  const owners = new Set(['InferenceSession']);
  for (const b of ctx.imports.imports) if (b.qualified.endsWith('.InferenceSession')) owners.add(b.local);
  const ownerRe = new RegExp(`(?:^|[^\\w$])(?:${[...owners].map((o) => o.replace(/\$/g, '\\$')).join('|')})\\s*\\.\\s*$`);
  for (const p of wordOffsets(ctx.source, 'create')) {
    if (!ownerRe.test(ctx.source.slice(Math.max(0, p - 200), p))) continue;
    const id = ctx.root.namedDescendantForIndex(p, p + 6);
    if (!id || id.type !== 'property_identifier' || id.startIndex !== p) continue;
    const member = id.parent;
    if (!member || member.type !== 'member_expression' || !sameNode(member.childForFieldName('property'), id)) continue;
    const { outer, parent: call } = upThroughParens(member);
    if (!call || call.type !== 'call_expression' || !sameNode(call.childForFieldName('function'), outer)) continue;
    const q = ctx.imports.qualifiedName(call);
    if (q && wanted.has(q)) out.push(call);
  }
  return out;
}

/** One indentation step as the file writes it (2 spaces when the file gives no clue, the usual JS style). */
export function scriptIndentUnit(source: string): string {
  const m = /\n([ \t]+)\S/.exec(source);
  if (!m) return '  ';
  return m[1]!.startsWith('\t') ? '\t' : m[1]!.length <= 8 ? m[1]! : '  ';
}

/** The leading whitespace of the line `n` starts on (from `n`'s offset: no scan from the top of the file). */
export function indentOf(source: string, n: Node): string {
  const start = source.lastIndexOf('\n', n.startIndex - 1) + 1;
  let end = start;
  while (end < source.length && (source[end] === ' ' || source[end] === '\t')) end++;
  return source.slice(start, end);
}

/** A node on the path from the root to a position. */
export type Frame = Node;

/**
 * The nodes from the root down to the smallest one spanning [start, end), found top-down with
 * `childWithDescendant` — the work of a single `.parent` call (each `.parent` descends from the
 * root again), so a whole path costs about what one step up would.
 */
export function ancestry(root: Node, start: number, end: number): Node[] {
  const leaf = root.descendantForIndex(start, end);
  const out: Node[] = [root];
  if (!leaf) return out;
  let n: Node = root;
  while (n.id !== leaf.id) {
    const next = n.childWithDescendant(leaf);
    if (!next || next.id === n.id) break;
    out.push(next);
    n = next;
  }
  return out;
}

const topCache = new WeakMap<ScriptRuleContext, { nodes: Node[]; starts: number[]; ends: number[] }>();

/**
 * {@link ancestry} starting from the module-level statement holding the range, found by binary
 * search over the program's children (read once per analysis): the root's own scan over
 * thousands of statements is then paid once, not once per lookup.
 */
export function ancestryIn(ctx: ScriptRuleContext, start: number, end: number): Node[] {
  let top = topCache.get(ctx);
  if (!top) {
    const nodes = ctx.root.children.filter((c): c is Node => c !== null);
    top = { nodes, starts: nodes.map((n) => n.startIndex), ends: nodes.map((n) => n.endIndex) };
    topCache.set(ctx, top);
  }
  let lo = 0;
  let hi = top.starts.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (top.starts[mid]! <= start) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (i < 0 || top.ends[i]! < end) return ancestry(ctx.root, start, end);
  return [ctx.root, ...ancestry(top.nodes[i]!, start, end)];
}

const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;

/** Offsets where `word` occurs as a whole word in the text (comments and strings included: callers check the tree). */
export function wordOffsets(source: string, word: string): number[] {
  const out: number[] = [];
  for (let p = source.indexOf(word); p >= 0; p = source.indexOf(word, p + 1)) {
    if (p > 0 && isWord(source.charCodeAt(p - 1))) continue;
    if (isWord(source.charCodeAt(p + word.length))) continue;
    out.push(p);
  }
  return out;
}

/** Occurrences of a word as an identifier token, with the path to each (cached per analysis). */
export function wordChains(ctx: ScriptRuleContext, word: string, filter: 'all' | 'member' | 'clock-member' | 'maybe-binding' = 'all'): Frame[][] {
  let byWord = chainCache.get(ctx);
  if (!byWord) chainCache.set(ctx, (byWord = new Map()));
  const cacheKey = `${word}\u0000${filter}`;
  let hit = byWord.get(cacheKey);
  if (!hit) {
    hit = [];
    for (const p of wordOffsets(ctx.source, word)) {
      // Cheap text checks first, so most occurrences never reach the tree.
      if ((filter === 'member' || filter === 'clock-member') && ctx.source[prevNonSpace(ctx.source, p)] !== '.') continue;
      if (filter === 'clock-member' && !nearSubtractionOrAssignment(ctx.source, p)) continue;
      if (filter === 'maybe-binding' && !maybeBinding(ctx.source, p, word.length)) continue;
      const chain = ancestryIn(ctx, p, p + word.length);
      const leaf = chain[chain.length - 1]!;
      if (leaf.startIndex === p && leaf.endIndex === p + word.length && IDENTIFIER_TYPES.has(leaf.type)) hit.push(chain);
    }
    byWord.set(cacheKey, hit);
  }
  return hit;
}

function prevNonSpace(source: string, p: number): number {
  let i = p - 1;
  while (i >= 0 && /\s/.test(source[i]!)) i--;
  return i;
}

/**
 * Whether the identifier token at `p` could be a binding or an assignment target, from the text
 * around it: one followed by `.` (`Date.now`) or preceded by `new` / `.` never is.
 */
function maybeBinding(source: string, p: number, len: number): boolean {
  let j = p + len;
  while (j < source.length && /\s/.test(source[j]!)) j++;
  if (source[j] === '.' && source[j + 1] !== '.') return false;
  const i = prevNonSpace(source, p);
  if (i >= 0 && source[i] === '.' && source[i - 1] !== '.') return false;
  if (i >= 2 && source.slice(i - 2, i + 1) === 'new' && (i < 3 || !/[\w$]/.test(source[i - 3]!))) return false;
  return true;
}

const chainCache = new WeakMap<ScriptRuleContext, Map<string, Frame[][]>>();
const IDENTIFIER_TYPES = new Set(['identifier', 'property_identifier', 'shorthand_property_identifier', 'shorthand_property_identifier_pattern']);
/** Parent types under which an identifier may be a binding (see {@link isBindingOccurrence}). */
const BINDING_PARENTS = new Set([
  'variable_declarator', 'function_declaration', 'function_expression', 'function', 'generator_function_declaration', 'generator_function',
  'class_declaration', 'class', 'formal_parameters', 'rest_pattern', 'array_pattern', 'import_clause', 'namespace_import', 'required_parameter',
  'optional_parameter', 'assignment_pattern', 'assignment_expression', 'augmented_assignment_expression', 'for_in_statement', 'arrow_function',
  'catch_clause', 'pair_pattern', 'import_specifier', 'update_expression', 'object_pattern',
]);

const boundCache = new WeakMap<ScriptRuleContext, Map<string, boolean>>();

/**
 * {@link boundInFile}, found from tree-cursor paths (cached per analysis): only occurrences whose
 * parent may bind are turned into nodes.
 */
export function boundInFileFast(ctx: ScriptRuleContext, name: string, allowedImports: readonly string[] = []): boolean {
  let m = boundCache.get(ctx);
  if (!m) boundCache.set(ctx, (m = new Map()));
  const key = `${name}\u0000${allowedImports.join(',')}`;
  const hit = m.get(key);
  if (hit !== undefined) return hit;
  let bound = false;
  for (const b of ctx.imports.imports) if (b.local === name && !allowedImports.includes(b.qualified)) bound = true;
  if (!bound) {
    for (const chain of wordChains(ctx, name, 'maybe-binding')) {
      const leaf = chain[chain.length - 1]!;
      const parent = chain[chain.length - 2];
      if (leaf.type !== 'identifier' && leaf.type !== 'shorthand_property_identifier_pattern') continue;
      if (!parent || !BINDING_PARENTS.has(parent.type)) continue;
      if (chain.some((f) => f.type === 'import_statement')) continue;
      const id = leaf;
      if (!isBindingOccurrence(id)) continue;
      const st = topLevelStatement(id);
      if (st && ctx.imports.imports.some((b) => b.local === name && b.statement.id === st.id && allowedImports.includes(b.qualified))) continue;
      bound = true;
      break;
    }
  }
  m.set(key, bound);
  return bound;
}

/**
 * Text check before any tree access: a reading that can be part of an interval sits on a line with
 * a `-` or an assignment `=`, or on a line continuing one that ends with `-` / `=` or continued by
 * one that starts with `-` (timestamps in object literals, comparisons and calls cost nothing).
 */
export function nearSubtractionOrAssignment(source: string, p: number): boolean {
  const ls = source.lastIndexOf('\n', p - 1) + 1;
  let le = source.indexOf('\n', p);
  if (le < 0) le = source.length;
  if (/-|(^|[^=!<>])=($|[^=>])/.test(source.slice(ls, le))) return true;
  if (ls > 0 && /[-=]\s*$/.test(source.slice(source.lastIndexOf('\n', ls - 2) + 1, ls - 1))) return true;
  return le < source.length && /^\s*-/.test(source.slice(le + 1, le + 200));
}

