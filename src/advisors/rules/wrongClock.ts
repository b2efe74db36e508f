/**
 * LAT001 — wall clock used to measure elapsed time (Python).
 *
 * `time.time()` is the wall clock: low resolution on some platforms and not
 * monotonic (NTP slews, DST-free but still adjustable), so latencies measured
 * with it can be coarse, negative or wrong. `time.perf_counter()` is the
 * clock meant for intervals.
 *
 * Precise rule (kept narrow for few false positives). Per scope — the module
 * top level, or one function (`def`, including its parameters; lambdas belong
 * to the enclosing scope; nested defs/classes are their own scopes):
 * - a *reading* is a call resolving (through any import / alias form) to
 *   `time.time` with no arguments;
 * - a *clock variable* is a name `t` such that every occurrence of `t` in the
 *   scope (nested functions included, parameters and `global` statements
 *   included) is either the target of a plain `t = <reading>` (optionally
 *   annotated) written directly in the scope, or an operand of an *interval*;
 * - an *interval* is a binary `-` written directly in the scope whose two
 *   operands (parentheses allowed) are each a reading or a clock variable.
 * Every reading that is an operand of an interval, or assigned to a clock
 * variable that is used in an interval, is reported. A timestamp that is
 * logged, stored, returned, passed on, or compared with a value from outside
 * the scope is never reported.
 *
 * Fix (safe): every reading connected to the same interval(s) is replaced
 * together by `perf_counter` — as `<m>.perf_counter` if some name is bound to
 * the `time` module at the call site, else a name already bound to
 * `time.perf_counter`, else `time.perf_counter` plus `import time` when the
 * name `time` is free in the module, else `perf_counter` plus
 * `from time import perf_counter` when that name is free; otherwise the
 * finding has no fix. (With only `from time import time`, the name `time` is
 * the function, so the fix adds `from time import perf_counter` rather than
 * `import time`, which would rebind `time` for the file's other uses.)
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { detectEol, docsLink, type Finding, type Fix, type FixImport, type Range } from '../findings';
import type { PythonImports } from '../pythonImports';

export const WRONG_CLOCK_CODE = 'LAT001';

export interface PythonRuleContext {
  source: string;
  root: Node;
  imports: PythonImports;
}

function rangeOf(n: Node): Range {
  return {
    start: { line: n.startPosition.row, character: n.startPosition.column },
    end: { line: n.endPosition.row, character: n.endPosition.column },
  };
}

function unparen(n: Node | null): Node | null {
  while (n && n.type === 'parenthesized_expression') {
    const inner = n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    if (inner.length !== 1) return n;
    n = inner[0]!;
  }
  return n;
}

interface ScopeInfo {
  /** Node whose subtree is the scope (module, or function_definition). */
  node: Node;
  readings: Node[];
  subtractions: Node[];
  /** Simple `name = <expr>` assignments directly in the scope. */
  assignments: { name: Node; right: Node | null }[];
}

function collectScopes(root: Node, ctx: PythonRuleContext): ScopeInfo[] {
  const scopes: ScopeInfo[] = [];
  // Cheap pre-filter before full resolution: `<x>.time()` or `<name>()` where <name> is imported as time.time.
  const timeTimeLocals = new Set(ctx.imports.imports.filter((i) => i.qualified === 'time.time').map((i) => i.local));
  const mayBeTimeTime = (call: Node): boolean => {
    const fn = unparen(call.childForFieldName('function'));
    if (!fn) return false;
    if (fn.type === 'identifier') return timeTimeLocals.has(fn.text);
    return fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'time';
  };
  const walk = (n: Node, scope: ScopeInfo): void => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'function_definition' || c.type === 'class_definition') {
        const s: ScopeInfo = { node: c, readings: [], subtractions: [], assignments: [] };
        scopes.push(s);
        // Decorators / defaults / superclasses are evaluated in the outer scope but are
        // attributed to the inner one here: they cannot be part of an interval anyway.
        walk(c, s);
        continue;
      }
      if (c.type === 'call') {
        const args = c.childForFieldName('arguments');
        if (args && args.type === 'argument_list' && args.namedChildCount === 0 && mayBeTimeTime(c) && ctx.imports.qualifiedName(c) === 'time.time') {
          scope.readings.push(c);
        }
      } else if (c.type === 'binary_operator' && c.childForFieldName('operator')?.type === '-') {
        scope.subtractions.push(c);
      } else if (c.type === 'assignment') {
        const left = c.childForFieldName('left');
        if (left?.type === 'identifier') scope.assignments.push({ name: left, right: c.childForFieldName('right') });
      }
      walk(c, scope);
    }
  };
  const top: ScopeInfo = { node: root, readings: [], subtractions: [], assignments: [] };
  scopes.push(top);
  walk(root, top);
  return scopes;
}

function identifiersNamed(scopeNode: Node, name: string): Node[] {
  const out: Node[] = [];
  const walk = (n: Node): void => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'identifier') {
        if (c.text === name) out.push(c);
      } else walk(c);
    }
  };
  walk(scopeNode);
  // The def's own name is bound in the enclosing scope.
  const own = scopeNode.type === 'function_definition' ? scopeNode.childForFieldName('name') : null;
  return own ? out.filter((i) => i.id !== own.id) : out;
}

interface Group {
  readings: Node[];
  intervals: Node[];
}

function analyzeScope(scope: ScopeInfo): Group[] {
  const readingIds = new Set(scope.readings.map((r) => r.id));
  const isReading = (n: Node | null): n is Node => !!n && readingIds.has(n.id);

  // Candidate clock variables: names with at least one `name = <reading>`.
  const candidates = new Set<string>();
  for (const a of scope.assignments) if (isReading(unparen(a.right))) candidates.add(a.name.text);

  const operands = (s: Node): [Node | null, Node | null] => [unparen(s.childForFieldName('left')), unparen(s.childForFieldName('right'))];
  const isClockOperand = (n: Node | null): boolean => !!n && (readingIds.has(n.id) || (n.type === 'identifier' && candidates.has(n.text)));
  let intervals: Node[] = [];

  for (;;) {
    intervals = scope.subtractions.filter((s) => operands(s).every(isClockOperand));
    const allowed = new Set<number>();
    for (const s of intervals) for (const o of operands(s)) if (o?.type === 'identifier') allowed.add(o.id);
    for (const a of scope.assignments) if (isReading(unparen(a.right))) allowed.add(a.name.id);
    let changed = false;
    for (const name of [...candidates]) {
      if (identifiersNamed(scope.node, name).some((i) => !allowed.has(i.id))) {
        candidates.delete(name);
        changed = true;
      }
    }
    if (!changed) break;
  }
  if (intervals.length === 0) return [];

  // Union-find over readings and clock variables connected through intervals / assignments.
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let p = parent.get(k) ?? k;
    if (p !== k) {
      p = find(p);
      parent.set(k, p);
    }
    return p;
  };
  const union = (a: string, b: string): void => {
    parent.set(find(a), find(b));
  };
  const keyOf = (n: Node): string => (n.type === 'identifier' ? `v:${n.text}` : `r:${n.id}`);
  const usedVars = new Set<string>();
  for (const s of intervals) {
    const [l, r] = operands(s);
    union(keyOf(l!), keyOf(r!));
    union(`i:${s.id}`, keyOf(l!));
    for (const o of [l, r]) if (o?.type === 'identifier') usedVars.add(o.text);
  }
  const flagged: Node[] = [];
  for (const s of intervals) for (const o of operands(s)) if (isReading(o)) flagged.push(o);
  for (const a of scope.assignments) {
    const right = unparen(a.right);
    if (isReading(right) && candidates.has(a.name.text) && usedVars.has(a.name.text)) {
      union(`r:${right.id}`, `v:${a.name.text}`);
      flagged.push(right);
    }
  }
  const groups = new Map<string, Group>();
  const groupOf = (k: string): Group => {
    const root = find(k);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { readings: [], intervals: [] }));
    return g;
  };
  const seen = new Set<number>();
  for (const r of flagged) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    groupOf(`r:${r.id}`).readings.push(r);
  }
  for (const s of intervals) groupOf(`i:${s.id}`).intervals.push(s);
  for (const g of groups.values()) g.readings.sort((a, b) => a.startIndex - b.startIndex);
  return [...groups.values()].filter((g) => g.readings.length > 0);
}

/** Where a new top-level import goes: after the last top-level import before `before`, else after docstring / start. */
function importInsertion(ctx: PythonRuleContext, before: number, statement: string): FixImport {
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

interface Replacement {
  callee: string;
  import?: string;
}

function replacementAt(ctx: PythonRuleContext, call: Node): Replacement | undefined {
  for (const imp of ctx.imports.imports) {
    if (imp.qualified !== 'time') continue;
    const r = ctx.imports.resolveName(imp.local, call);
    if (r.status === 'import' && r.qualified === 'time') return { callee: `${imp.local}.perf_counter` };
  }
  for (const imp of ctx.imports.imports) {
    if (imp.qualified !== 'time.perf_counter') continue;
    const r = ctx.imports.resolveName(imp.local, call);
    if (r.status === 'import' && r.qualified === 'time.perf_counter') return { callee: imp.local };
  }
  if (ctx.imports.resolveName('time', call).status === 'unbound' && !ctx.imports.moduleBinds('time')) {
    return { callee: 'time.perf_counter', import: 'import time' };
  }
  if (ctx.imports.resolveName('perf_counter', call).status === 'unbound' && !ctx.imports.moduleBinds('perf_counter')) {
    return { callee: 'perf_counter', import: 'from time import perf_counter' };
  }
  return undefined;
}

export function checkWrongClock(ctx: PythonRuleContext): Finding[] {
  const groups = collectScopes(ctx.root, ctx).flatMap(analyzeScope);
  if (groups.length === 0) return [];
  const firstReading = Math.min(...groups.flatMap((g) => g.readings.map((r) => r.startIndex)));
  const importEdits = new Map<string, FixImport>();
  const importFor = (statement: string): FixImport => {
    let e = importEdits.get(statement);
    if (!e) importEdits.set(statement, (e = importInsertion(ctx, firstReading, statement)));
    return e;
  };

  const findings: Finding[] = [];
  for (const g of groups) {
    const reps = g.readings.map((r) => replacementAt(ctx, r));
    let fix: Fix | undefined;
    if (reps.every((x): x is Replacement => x !== undefined)) {
      const imports = [...new Set(reps.map((x) => x.import).filter((s): s is string => !!s))].map(importFor);
      fix = {
        title: g.readings.length > 1 ? 'Use time.perf_counter() for these readings' : 'Use time.perf_counter()',
        safety: 'safe',
        edits: g.readings.map((r, i) => ({ range: rangeOf(r.childForFieldName('function')!), newText: reps[i]!.callee })),
        imports,
      };
    }
    for (const r of g.readings) {
      findings.push({
        code: WRONG_CLOCK_CODE,
        severity: 'warning',
        range: rangeOf(r),
        message:
          'time.time() is the wall clock (coarse, can jump); this reading is used to measure elapsed time — use time.perf_counter().',
        docs: docsLink(WRONG_CLOCK_CODE),
        related: [
          ...g.intervals.map((s) => ({ range: rangeOf(s), message: 'elapsed time computed here' })),
          ...g.readings.filter((o) => o.id !== r.id).map((o) => ({ range: rangeOf(o), message: 'other clock reading of this interval' })),
        ],
        fixes: fix ? [fix] : [],
      });
    }
  }
  return findings;
}
