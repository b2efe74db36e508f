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
import { docsLink, type Finding, type Fix, type FixImport, type Range } from '../findings';
import type { PythonImports } from '../pythonImports';
import { pythonImportInsertion, rangeOfNode } from '../pyEdit';
import { createNodeIndex, type NodeIndex } from '../textIndex';

export const WRONG_CLOCK_CODE = 'LAT001';

/** What LAT001 needs; a full `PythonRuleContext` satisfies it. */
export interface WrongClockContext {
  source: string;
  root: Node;
  imports: PythonImports;
  index?: NodeIndex;
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
  /** Node whose subtree is the scope (module, or function_definition / class_definition). */
  node: Node;
  /** Readings directly in the scope, in source order. */
  readings: Node[];
  /**
   * Binary `-` directly in the scope with at least one operand that is a reading of the scope
   * or an identifier named like a candidate clock variable, in pre-order. (The other
   * subtractions of the scope can never be intervals.)
   */
  subtractions: Node[];
  /** Simple `name = <reading>` assignments directly in the scope, in source order. */
  assignments: { name: Node; right: Node | null }[];
}

/** `x` climbed through parentheses that hold only it (the inverse of {@link unparen}), and that node's parent. */
function upThroughParens(x: Node): { outer: Node; parent: Node | null } {
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

/**
 * The rule's per-scope facts, found from the text rather than by walking the whole tree: a
 * reading's callee contains the identifier `time` (`<x>.time`) or a name imported as
 * `time.time`, so every reading is found from the identifier nodes with those names; assignments
 * of readings and subtractions are their (paren-skipping) parents; the scope of a node is its
 * innermost enclosing def / class (decorators / defaults / superclasses are attributed to the
 * inner scope: they cannot be part of an interval anyway).
 */
function collectScopes(ctx: WrongClockContext, index: IdentifierIndex): { scope: ScopeInfo; occurrences: () => Map<string, Node[]> }[] {
  const root = ctx.root;
  const timeTimeLocals = new Set(ctx.imports.imports.filter((i) => i.qualified === 'time.time').map((i) => i.local));
  let defs: ReturnType<IdentifierIndex['scopeNodes']> | undefined;
  /** Innermost def / class containing `n` (by position), else the root. */
  const scopeNodeOf = (n: Node): Node => {
    defs ??= index.scopeNodes();
    const x = n.startIndex;
    let lo = 0;
    let hi = defs.length - 1;
    let i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (defs[mid]!.start <= x) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    while (i >= 0 && (x >= defs[i]!.end || defs[i]!.node.id === n.id)) i = defs[i]!.parent;
    return i >= 0 ? defs[i]!.node : root;
  };
  const scopes = new Map<number, ScopeInfo>();
  const scopeFor = (node: Node): ScopeInfo => {
    let s = scopes.get(node.id);
    if (!s) scopes.set(node.id, (s = { node, readings: [], subtractions: [], assignments: [] }));
    return s;
  };
  const subtractionOf = (x: Node, up = upThroughParens(x)): Node | undefined => {
    const { outer, parent } = up;
    if (!parent || parent.type !== 'binary_operator' || parent.childForFieldName('operator')?.type !== '-') return undefined;
    return parent.childForFieldName('left')?.id === outer.id || parent.childForFieldName('right')?.id === outer.id ? parent : undefined;
  };
  const seenCalls = new Set<number>();
  const found = index.identifiers(new Set(['time', ...timeTimeLocals]), root.startIndex, root.endIndex);
  for (const [name, ids] of found) {
    for (const id of ids) {
      let fn: Node | null = null;
      const p = id.parent;
      if (name === 'time' && p && p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) fn = p;
      else if (timeTimeLocals.has(name)) fn = id;
      if (!fn) continue;
      const { outer, parent: call } = upThroughParens(fn);
      if (!call || call.type !== 'call' || call.childForFieldName('function')?.id !== outer.id || seenCalls.has(call.id)) continue;
      seenCalls.add(call.id);
      const args = call.childForFieldName('arguments');
      if (!(args && args.type === 'argument_list' && args.namedChildCount === 0 && ctx.imports.qualifiedName(call) === 'time.time')) continue;
      const scope = scopeFor(scopeNodeOf(call));
      scope.readings.push(call);
      const up = upThroughParens(call);
      const a = up.parent;
      if (a && a.type === 'assignment' && a.childForFieldName('right')?.id === up.outer.id) {
        const left = a.childForFieldName('left');
        if (left?.type === 'identifier') scope.assignments.push({ name: left, right: a.childForFieldName('right') });
      }
      const sub = subtractionOf(call, up);
      if (sub) scope.subtractions.push(sub);
    }
  }
  const byStart = (a: Node, b: Node): number => a.startIndex - b.startIndex || b.endIndex - a.endIndex;
  const list = [...scopes.values()].sort((a, b) => (a.node.id === root.id ? -1 : b.node.id === root.id ? 1 : byStart(a.node, b.node)));
  return list.map((scope) => {
    scope.readings.sort(byStart);
    scope.assignments.sort((a, b) => byStart(a.name, b.name));
    const candidates = new Set(scope.assignments.map((a) => a.name.text));
    let occ: Map<string, Node[]> | undefined;
    const occurrences = (): Map<string, Node[]> => {
      if (!occ) {
        occ = candidates.size > 0 ? identifiersNamed(scope.node, candidates, index) : new Map<string, Node[]>();
        const subs = new Map(scope.subtractions.map((s) => [s.id, s]));
        for (const ids of occ.values()) {
          for (const id of ids) {
            const sub = subtractionOf(id);
            if (sub && !subs.has(sub.id) && scopeNodeOf(sub).id === scope.node.id) subs.set(sub.id, sub);
          }
        }
        scope.subtractions = [...subs.values()].sort(byStart);
      }
      return occ;
    };
    return { scope, occurrences };
  });
}

type IdentifierIndex = NodeIndex;


function identifiersNamed(scopeNode: Node, names: Iterable<string>, index: IdentifierIndex): Map<string, Node[]> {
  const byName = index.identifiers(names, scopeNode.startIndex, scopeNode.endIndex);
  // The def's own name is bound in the enclosing scope.
  const own = scopeNode.type === 'function_definition' ? scopeNode.childForFieldName('name') : null;
  if (own) for (const [k, v] of byName) byName.set(k, v.filter((i) => i.id !== own.id));
  return byName;
}

interface Group {
  readings: Node[];
  intervals: Node[];
}

function analyzeScope({ scope, occurrences: lookup }: { scope: ScopeInfo; occurrences: () => Map<string, Node[]> }): Group[] {
  if (scope.readings.length === 0) return [];
  const readingIds = new Set(scope.readings.map((r) => r.id));
  const isReading = (n: Node | null): n is Node => !!n && readingIds.has(n.id);

  // Candidate clock variables: names with at least one `name = <reading>`.
  const candidates = new Set<string>();
  const assigned = scope.assignments.map((a) => ({ name: a.name, text: a.name.text, right: unparen(a.right) }));
  for (const a of assigned) if (isReading(a.right)) candidates.add(a.text);

  const operandCache = new Map<number, [Node | null, Node | null]>();
  const operands = (s: Node): [Node | null, Node | null] => {
    let o = operandCache.get(s.id);
    if (!o) operandCache.set(s.id, (o = [unparen(s.childForFieldName('left')), unparen(s.childForFieldName('right'))]));
    return o;
  };
  const isClockOperand = (n: Node | null): boolean => !!n && (readingIds.has(n.id) || (n.type === 'identifier' && candidates.has(n.text)));
  let intervals: Node[] = [];
  // Occurrences of the candidate names in the scope, looked up once.
  const occurrences = lookup(); // also completes scope.subtractions

  for (;;) {
    intervals = scope.subtractions.filter((s) => operands(s).every(isClockOperand));
    const allowed = new Set<number>();
    for (const s of intervals) for (const o of operands(s)) if (o?.type === 'identifier') allowed.add(o.id);
    for (const a of assigned) if (isReading(a.right)) allowed.add(a.name.id);
    let changed = false;
    for (const name of [...candidates]) {
      if ((occurrences.get(name) ?? []).some((i) => !allowed.has(i.id))) {
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
  for (const a of assigned) {
    const right = a.right;
    if (isReading(right) && candidates.has(a.text) && usedVars.has(a.text)) {
      union(`r:${right.id}`, `v:${a.text}`);
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

interface Replacement {
  callee: string;
  import?: string;
}

function replacementAt(ctx: WrongClockContext, call: Node): Replacement | undefined {
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

export function checkWrongClock(ctx: WrongClockContext): Finding[] {
  // A node's range is asked for once per finding that mentions it: compute it once.
  const ranges = new Map<number, Range>();
  const rangeOf = (n: Node): Range => {
    let r = ranges.get(n.id);
    if (!r) ranges.set(n.id, (r = rangeOfNode(n)));
    return { start: { ...r.start }, end: { ...r.end } };
  };
  const index = ctx.index ?? createNodeIndex(ctx.root, ctx.source);
  const groups = collectScopes(ctx, index).flatMap(analyzeScope);
  if (groups.length === 0) return [];
  const firstReading = Math.min(...groups.flatMap((g) => g.readings.map((r) => r.startIndex)));
  const importEdits = new Map<string, FixImport>();
  const importFor = (statement: string): FixImport => {
    let e = importEdits.get(statement);
    if (!e) importEdits.set(statement, (e = pythonImportInsertion(ctx.source, ctx.root, firstReading, statement)));
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
