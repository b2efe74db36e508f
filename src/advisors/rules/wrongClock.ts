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
import { docsLink, lineStarts, positionAt, type Finding, type Fix, type FixImport, type Position, type Range } from '../findings';
import type { PythonImports } from '../pythonImports';
import { clockGroups, Components, type ClockGroup } from '../clockGroups';
import { pythonImportInsertion } from '../pyEdit';
import { createNodeIndex, type NodeIndex } from '../textIndex';

export const WRONG_CLOCK_CODE = 'LAT001';

/** What LAT001 needs; a full `PythonRuleContext` satisfies it. */
export interface WrongClockContext {
  source: string;
  root: Node;
  imports: PythonImports;
  index?: NodeIndex;
}

/*
 * Cost model (every node access crosses into wasm and allocates a wrapper): candidates come
 * from the text (the words `time` and the names imported as `time.time`); in an error-free
 * tree, text checks that are exact for valid code drop the spots that cannot matter (a `time`
 * not after `.` nor before `(` / `)`, an occurrence of a clock variable next to no `-`), and
 * the usual `<chain>()` reading is fetched as one node. Nodes are identified by offsets where
 * possible, and what is asked of a node is asked once. With syntax errors every spot goes to
 * the tree, as the definitions above say.
 */

const isAsciiWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
/** Blanks within a line (the lexer's extras other than newlines, comments and continuations). */
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 12 || c === 11;
const LPAREN = 40;
const RPAREN = 41;
const MINUS = 45;
const DOT = 46;
const EQUALS = 61;
/** A dotted chain of ASCII identifiers. */
const CHAIN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** The name of a `def` whose header is plain text (`def name` / `async def name`). */
const DEF_NAME = /(?:async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]|[^\x00-\x7f])/y;

/**
 * The first character of the token after offset `i` on the same line, or -1 when the text
 * alone cannot tell (line end, comment, line continuation, non-ASCII, end of text).
 */
function nextCode(s: string, i: number): number {
  while (i < s.length && isBlank(s.charCodeAt(i))) i++;
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i);
  return c === 10 || c === 13 || c === 35 || c === 92 || c > 127 ? -1 : c;
}

/** The last character of the token before offset `i` on the same line, or -1 when the text alone cannot tell. */
function prevCode(s: string, i: number): number {
  i--;
  while (i >= 0 && isBlank(s.charCodeAt(i))) i--;
  if (i < 0) return -1;
  const c = s.charCodeAt(i);
  return c === 10 || c === 13 || c === 92 || c > 127 ? -1 : c;
}

/** `n` without parentheses that hold only it (comments aside), and the type of the node reached (asked once). */
function unparenTyped(n: Node | null): { node: Node | null; type: string | undefined } {
  let t = n?.type;
  while (n && t === 'parenthesized_expression') {
    const inner = n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    if (inner.length !== 1) return { node: n, type: t };
    n = inner[0]!;
    t = n.type;
  }
  return { node: n, type: t };
}

/** `x` climbed through parentheses that hold only it (the inverse of {@link unparenTyped}), and that node's parent (with its type). */
function upThroughParens(x: Node): { outer: Node; parent: Node | null; parentType: string | undefined } {
  let cur = x;
  for (;;) {
    const p = cur.parent;
    const t = p?.type;
    if (p && t === 'parenthesized_expression') {
      const inner = p.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      if (inner.length === 1 && inner[0]!.id === cur.id) {
        cur = p;
        continue;
      }
    }
    return { outer: cur, parent: p, parentType: t };
  }
}

/** A clock reading (a call resolving to `time.time` with no arguments). */
interface Reading {
  call: Node;
  id: number;
  start: number;
  end: number;
  /** The callee (`call.function`: `time.time`, `now`, `(time.time)`). */
  fnStart: number;
  fnEnd: number;
}

/** A binary `-`, with its operand fields as far as they were asked for. */
interface Subtraction {
  node: Node;
  id: number;
  start: number;
  end?: number;
  /** The operand fields, undefined until asked for. */
  left: Node | null | undefined;
  right: Node | null | undefined;
}

interface Assignment {
  /** Start of the identifier assigned. */
  nameStart: number;
  name: string;
  reading: Reading;
}

/** An operand of a subtraction (through parentheses): what the rule asks of it, asked once. */
interface Operand {
  id: number;
  start: number;
  /** The identifier's name, when the operand is an identifier (never for a reading). */
  ident: string | undefined;
}

interface ScopeInfo {
  /** Node whose subtree is the scope (module, or function_definition / class_definition). */
  node: Node;
  start: number;
  end: number;
  /** Readings directly in the scope, in source order. */
  readings: Reading[];
  /**
   * Binary `-` directly in the scope with at least one operand that is a reading of the scope
   * or an identifier named like a candidate clock variable, in pre-order. (The other
   * subtractions of the scope can never be intervals.)
   */
  subtractions: Subtraction[];
  /** Simple `name = <reading>` assignments directly in the scope, in source order. */
  assignments: Assignment[];
}

/** Occurrences of the candidate clock variables of a scope, by name: offsets, confirmed lazily. */
interface Occurrences {
  positions: Map<string, number[]>;
  /** Whether an identifier named `name` starts at `p` (other than the def's own name). */
  isIdentifier(name: string, p: number): boolean;
}

interface Collected {
  scope: ScopeInfo;
  readingById: Map<number, Reading>;
  /** The operands of a subtraction of the scope (cached). */
  operands: (s: Subtraction) => [Operand | null, Operand | null];
  occurrences: () => Occurrences;
}

/**
 * `NAME` and its start when the text before a call at `start` reads `NAME = ` with NAME the first
 * thing on its line (the line before not continued onto it). With the call's parent an
 * assignment, that parent is then `NAME = <call>` (exact for valid code).
 */
function assignedNameBefore(s: string, start: number): { nameStart: number; name: string } | undefined {
  let i = start - 1;
  while (i >= 0 && isBlank(s.charCodeAt(i))) i--;
  if (i < 0 || s.charCodeAt(i) !== EQUALS) return undefined;
  let j = i - 1;
  while (j >= 0 && isBlank(s.charCodeAt(j))) j--;
  let k = j;
  while (k >= 0 && isAsciiWordChar(s.charCodeAt(k))) k--;
  const nameStart = k + 1;
  if (nameStart > j) return undefined;
  const first = s.charCodeAt(nameStart);
  if (first >= 48 && first <= 57) return undefined;
  let m = k;
  while (m >= 0 && isBlank(s.charCodeAt(m))) m--;
  if (m >= 0) {
    if (s.charCodeAt(m) !== 10) return undefined;
    let q = m - 1;
    if (q >= 0 && s.charCodeAt(q) === 13) q--;
    if (q >= 0 && s.charCodeAt(q) === 92) return undefined;
  }
  return { nameStart, name: s.slice(nameStart, j + 1) };
}

/**
 * The rule's per-scope facts, found from the text rather than by walking the whole tree: a
 * reading's callee contains the identifier `time` (`<x>.time`) or a name imported as
 * `time.time`, so every reading is found from the identifier nodes with those names; assignments
 * of readings and subtractions are their (paren-skipping) parents; the scope of a node is its
 * innermost enclosing def / class (decorators / defaults / superclasses are attributed to the
 * inner scope: they cannot be part of an interval anyway).
 */
function collectScopes(ctx: WrongClockContext, index: NodeIndex): Collected[] {
  const { root, source } = ctx;
  // Text shortcuts are exact for valid code only: with syntax errors, ask the tree everywhere.
  const exact = !root.hasError;
  const rootStart = root.startIndex;
  const rootEnd = root.endIndex;
  const timeTimeLocals = new Set(ctx.imports.imports.filter((i) => i.qualified === 'time.time').map((i) => i.local));
  let defs: ReturnType<NodeIndex['scopeNodes']> | undefined;
  /** Innermost def / class containing offset `x` (readings and subtractions are never defs themselves), else the root. */
  const scopeNodeAt = (x: number): Node => {
    defs ??= index.scopeNodes();
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
    while (i >= 0 && x >= defs[i]!.end) i = defs[i]!.parent;
    return i >= 0 ? defs[i]!.node : root;
  };
  const scopes = new Map<number, ScopeInfo>();
  const scopeFor = (node: Node): ScopeInfo => {
    let s = scopes.get(node.id);
    if (!s) {
      const isRoot = node.id === root.id;
      scopes.set(node.id, (s = { node, start: isRoot ? rootStart : node.startIndex, end: isRoot ? rootEnd : node.endIndex, readings: [], subtractions: [], assignments: [] }));
    }
    return s;
  };
  const subtraction = (node: Node, left: Node | null | undefined, right: Node | null | undefined): Subtraction => ({ node, id: node.id, start: node.startIndex, left, right });
  const subtractionOf = (up: { outer: Node; parent: Node | null; parentType: string | undefined }): Subtraction | undefined => {
    const { outer, parent, parentType } = up;
    if (!parent || parentType !== 'binary_operator' || parent.childForFieldName('operator')?.type !== '-') return undefined;
    const left = parent.childForFieldName('left');
    if (left?.id === outer.id) return subtraction(parent, left, undefined);
    const right = parent.childForFieldName('right');
    if (right?.id === outer.id) return subtraction(parent, left, right);
    return undefined;
  };

  type Up = { outer: Node; parent: Node | null; parentType: string | undefined };
  /**
   * `upThroughParens(x)` for `x` spanning text with `before` / `after` next to it ({@link prevCode}
   * / {@link nextCode}): parentheses around x would put `(` before it and `)` after it, so when
   * the text shows either is missing, x's parent is the node to look at.
   */
  const upOf = (x: Node, before: number, after: number): Up => {
    if (exact && ((before !== -1 && before !== LPAREN) || (after !== -1 && after !== RPAREN))) {
      const parent = x.parent;
      return { outer: x, parent, parentType: parent?.type };
    }
    return upThroughParens(x);
  };
  /**
   * `subtractionOf(up)` for `up` climbed from `x` spanning [start, ...): when x is a direct
   * operand of a binary operator, the operator is the token after x (x the left operand: the
   * operator starts where x does) or before it.
   */
  const subtractionAt = (x: Node, up: Up, start: number, before: number, after: number): Subtraction | undefined => {
    const { outer, parent, parentType } = up;
    if (exact && outer === x && parent && parentType === 'binary_operator') {
      const isLeft = parent.startIndex === start;
      const op = isLeft ? after : before;
      if (op !== -1) return op !== MINUS ? undefined : isLeft ? subtraction(parent, x, undefined) : subtraction(parent, undefined, x);
    }
    return subtractionOf(up);
  };

  const seenCalls = new Set<number>();
  const addReading = (call: Node, start: number, end: number, fnStart: number, fnEnd: number): void => {
    const reading: Reading = { call, id: call.id, start, end, fnStart, fnEnd };
    const scope = scopeFor(scopeNodeAt(start));
    scope.readings.push(reading);
    const before = exact ? prevCode(source, start) : -1;
    const after = exact ? nextCode(source, end) : -1;
    // The parent can only be an assignment (`= <reading>`) or a subtraction (`- <reading>`,
    // `<reading> -`) when the text next to the call says so (or parentheses / a line break leave it open).
    if (exact && before !== -1 && before !== LPAREN && before !== EQUALS && before !== MINUS && after !== -1 && after !== RPAREN && after !== MINUS) return;
    const up = upOf(call, before, after);
    const a = up.parent;
    if (a && up.parentType === 'assignment') {
      // After `=` (no parentheses), the call is the right side; `NAME = ` opening a line makes NAME the target.
      const simple = exact && up.outer === call && before === EQUALS ? assignedNameBefore(source, start) : undefined;
      if (simple) scope.assignments.push({ ...simple, reading });
      else if (a.childForFieldName('right')?.id === up.outer.id) {
        const left = a.childForFieldName('left');
        if (left?.type === 'identifier') scope.assignments.push({ nameStart: left.startIndex, name: left.text, reading });
      }
      return;
    }
    const sub = subtractionAt(call, up, start, before, after);
    if (sub) scope.subtractions.push(sub);
  };

  for (const name of new Set(['time', ...timeTimeLocals])) {
    const len = name.length;
    const isLocal = timeTimeLocals.has(name);
    for (const p of index.positions(name, rootStart, rootEnd)) {
      if (exact) {
        // The callee ends here: the next token is `(` (the arguments) or `)` (parentheses around it).
        const after = nextCode(source, p + len);
        if (after !== -1 && after !== LPAREN && after !== RPAREN) continue;
        // `time` counts as `<x>.time` only after a `.`; a bare name only when imported as `time.time`.
        const before = prevCode(source, p);
        if (!isLocal && !(name === 'time' && (before === -1 || before === DOT))) continue;
        // The usual form, `<chain>()` written plainly: ask for the call node directly.
        if (source.charCodeAt(p + len) === LPAREN && source.charCodeAt(p + len + 1) === RPAREN) {
          let cs = p;
          while (cs > 0) {
            const c = source.charCodeAt(cs - 1);
            if (!isAsciiWordChar(c) && c !== DOT) break;
            cs--;
          }
          const fnEnd = p + len;
          const callEnd = fnEnd + 2;
          const attr = cs < p;
          const chain = source.slice(cs, fnEnd);
          if ((attr ? name === 'time' : isLocal) && !(cs > 0 && source.charCodeAt(cs - 1) > 127) && CHAIN.test(chain)) {
            const call = index.nodeAt(cs, callEnd, 'call');
            if (call) {
              if (seenCalls.has(call.id)) continue;
              seenCalls.add(call.id);
              // The callee is a plain dotted chain: its qualified name is its root name's resolution plus the rest.
              const dot = chain.indexOf('.');
              const r = ctx.imports.resolveName(dot < 0 ? chain : chain.slice(0, dot), call);
              if (r.status === 'import' && r.qualified + (dot < 0 ? '' : chain.slice(dot)) === 'time.time') addReading(call, cs, callEnd, cs, fnEnd);
              continue;
            }
          }
        }
      }
      const id = index.identifierAt(p, len);
      if (!id) continue;
      let fn: Node | null = null;
      const pa = id.parent;
      if (name === 'time' && pa && pa.type === 'attribute' && pa.childForFieldName('attribute')?.id === id.id) fn = pa;
      else if (isLocal) fn = id;
      if (!fn) continue;
      const { outer, parent: call, parentType } = upThroughParens(fn);
      if (!call || parentType !== 'call' || call.childForFieldName('function')?.id !== outer.id || seenCalls.has(call.id)) continue;
      seenCalls.add(call.id);
      const args = call.childForFieldName('arguments');
      if (!(args && args.type === 'argument_list' && args.namedChildCount === 0 && ctx.imports.qualifiedName(call) === 'time.time')) continue;
      addReading(call, call.startIndex, call.endIndex, outer.startIndex, outer.endIndex);
    }
  }

  const subEnd = (s: Subtraction): number => (s.end ??= s.node.endIndex);
  const byStart = (a: Subtraction, b: Subtraction): number => a.start - b.start || subEnd(b) - subEnd(a);
  const list = [...scopes.values()].sort((a, b) => (a.node.id === root.id ? -1 : b.node.id === root.id ? 1 : a.start - b.start || b.end - a.end));
  return list.map((scope) => {
    scope.readings.sort((a, b) => a.start - b.start || b.end - a.end);
    scope.assignments.sort((a, b) => a.nameStart - b.nameStart);
    const readingById = new Map(scope.readings.map((r) => [r.id, r]));
    const operandOf = (raw: Node | null): Operand | null => {
      if (raw && readingById.has(raw.id)) return { id: raw.id, start: raw.startIndex, ident: undefined };
      const { node, type } = unparenTyped(raw);
      if (!node) return null;
      const id = node.id;
      return { id, start: node.startIndex, ident: !readingById.has(id) && type === 'identifier' ? node.text : undefined };
    };
    const operandCache = new Map<number, [Operand | null, Operand | null]>();
    const operands = (s: Subtraction): [Operand | null, Operand | null] => {
      let o = operandCache.get(s.id);
      if (!o) {
        const left = s.left !== undefined ? s.left : (s.left = s.node.childForFieldName('left'));
        const right = s.right !== undefined ? s.right : (s.right = s.node.childForFieldName('right'));
        operandCache.set(s.id, (o = [operandOf(left), operandOf(right)]));
      }
      return o;
    };
    let occ: Occurrences | undefined;
    const occurrences = (): Occurrences => {
      if (occ) return occ;
      const candidates = new Set(scope.assignments.map((a) => a.name));
      // The def's own name is bound in the enclosing scope.
      let own = -1;
      if (candidates.size > 0 && scope.node.id !== root.id) {
        let m: RegExpExecArray | null = null;
        if (exact) {
          DEF_NAME.lastIndex = scope.start;
          m = DEF_NAME.exec(source);
        }
        if (m) own = scope.start + m[0].length - m[1]!.length;
        else if (scope.node.type === 'function_definition') own = scope.node.childForFieldName('name')?.startIndex ?? -1;
      }
      const positions = new Map<string, number[]>();
      const subs = new Map<number, Subtraction>();
      for (const s of scope.subtractions) if (!subs.has(s.id)) subs.set(s.id, s);
      // Identifiers that are operands of the subtractions found so far lead to those again, and
      // the targets of the assignments collected have the assignment as parent.
      const known = new Set<number>();
      if (candidates.size > 0) {
        for (const s of subs.values()) for (const o of operands(s)) if (o?.ident !== undefined) known.add(o.start);
        for (const a of scope.assignments) known.add(a.nameStart);
      }
      for (const name of candidates) {
        const len = name.length;
        const at = index.positions(name, scope.start, scope.end, candidates.size);
        positions.set(name, at);
        for (const p of at) {
          if (p === own || known.has(p)) continue;
          const before = exact ? prevCode(source, p) : -1;
          const after = exact ? nextCode(source, p + len) : -1;
          // An operand of `-` (maybe in parentheses) has `-`, `(` or `)` next to it.
          if (exact && after !== -1 && after !== RPAREN && after !== MINUS && before !== -1 && before !== LPAREN && before !== MINUS) continue;
          const id = index.identifierAt(p, len);
          if (!id) continue;
          const up = upOf(id, before, after);
          if (up.parent && subs.has(up.parent.id)) continue;
          const sub = subtractionAt(id, up, p, before, after);
          if (sub && scopeNodeAt(sub.start).id === scope.node.id) subs.set(sub.id, sub);
        }
      }
      scope.subtractions = [...subs.values()].sort(byStart);
      occ = {
        positions,
        isIdentifier: (name, p) => p !== own && index.identifierAt(p, name.length) !== null,
      };
      return occ;
    };
    return { scope, readingById, operands, occurrences };
  });
}

type Group = ClockGroup<Reading, Subtraction>;

const operandKey = (o: Operand): string => (o.ident !== undefined ? `v:${o.ident}` : `r:${o.id}`);

function analyzeScope({ scope, readingById, operands, occurrences: lookup }: Collected): Group[] {
  if (scope.readings.length === 0) return [];
  // Occurrences of the candidate names in the scope, looked up once.
  const occurrences = lookup(); // also completes scope.subtractions
  if (scope.subtractions.length === 0) return [];

  // Candidate clock variables: names with at least one `name = <reading>` (the right side of
  // every assignment collected is a reading of this scope).
  const candidates = new Set<string>();
  const assigned = scope.assignments;
  for (const a of assigned) candidates.add(a.name);
  const isClockOperand = (o: Operand | null): boolean => !!o && (readingById.has(o.id) || (o.ident !== undefined && candidates.has(o.ident)));

  let intervals: Subtraction[] = [];
  for (;;) {
    intervals = scope.subtractions.filter((s) => operands(s).every(isClockOperand));
    const allowed = new Set<number>();
    for (const s of intervals) for (const o of operands(s)) if (o?.ident !== undefined) allowed.add(o.start);
    for (const a of assigned) allowed.add(a.nameStart);
    let changed = false;
    for (const name of [...candidates]) {
      if ((occurrences.positions.get(name) ?? []).some((p) => !allowed.has(p) && occurrences.isIdentifier(name, p))) {
        candidates.delete(name);
        changed = true;
      }
    }
    if (!changed) break;
  }
  if (intervals.length === 0) return [];

  // Union-find over readings and clock variables connected through intervals / assignments.
  const uf = new Components();
  const usedVars = new Set<string>();
  for (const s of intervals) {
    const [l, r] = operands(s);
    uf.union(operandKey(l!), operandKey(r!));
    uf.union(`i:${s.id}`, operandKey(l!));
    for (const o of [l, r]) if (o?.ident !== undefined) usedVars.add(o.ident);
  }
  const flagged: Reading[] = [];
  for (const s of intervals) for (const o of operands(s)) if (o && readingById.has(o.id)) flagged.push(readingById.get(o.id)!);
  for (const a of assigned) {
    if (candidates.has(a.name) && usedVars.has(a.name)) {
      uf.union(`r:${a.reading.id}`, `v:${a.name}`);
      flagged.push(a.reading);
    }
  }
  return clockGroups(uf, flagged, intervals, (x) => x.start);
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

/** Offset → position, as tree-sitter counts them for a JS string (rows end at `\n`, columns in UTF-16 units). */
function positionsOf(source: string): (offset: number) => Position {
  const starts = lineStarts(source);
  return (offset) => positionAt(starts, offset);
}

export function checkWrongClock(ctx: WrongClockContext): Finding[] {
  const index = ctx.index ?? createNodeIndex(ctx.root, ctx.source);
  const groups = collectScopes(ctx, index).flatMap(analyzeScope);
  if (groups.length === 0) return [];
  const positionAt = positionsOf(ctx.source);
  const rangeOf = (start: number, end: number): Range => ({ start: positionAt(start), end: positionAt(end) });
  const firstReading = Math.min(...groups.flatMap((g) => g.readings.map((r) => r.start)));
  const importEdits = new Map<string, FixImport>();
  const importFor = (statement: string): FixImport => {
    let e = importEdits.get(statement);
    if (!e) importEdits.set(statement, (e = pythonImportInsertion(ctx.source, ctx.root, firstReading, statement)));
    return e;
  };

  const findings: Finding[] = [];
  for (const g of groups) {
    const reps = g.readings.map((r) => replacementAt(ctx, r.call));
    let fix: Fix | undefined;
    if (reps.every((x): x is Replacement => x !== undefined)) {
      const imports = [...new Set(reps.map((x) => x.import).filter((s): s is string => !!s))].map(importFor);
      fix = {
        title: g.readings.length > 1 ? 'Use time.perf_counter() for these readings' : 'Use time.perf_counter()',
        safety: 'safe',
        edits: g.readings.map((r, i) => ({ range: rangeOf(r.fnStart, r.fnEnd), newText: reps[i]!.callee })),
        imports,
      };
    }
    const intervalRanges = g.intervals.map((s) => ({ start: s.start, end: (s.end ??= s.node.endIndex) }));
    for (const r of g.readings) {
      findings.push({
        code: WRONG_CLOCK_CODE,
        severity: 'warning',
        range: rangeOf(r.start, r.end),
        message:
          'time.time() is the wall clock (coarse, can jump); this reading is used to measure elapsed time — use time.perf_counter().',
        docs: docsLink(WRONG_CLOCK_CODE),
        related: [
          ...intervalRanges.map((s) => ({ range: rangeOf(s.start, s.end), message: 'elapsed time computed here' })),
          ...g.readings.filter((o) => o.id !== r.id).map((o) => ({ range: rangeOf(o.start, o.end), message: 'other clock reading of this interval' })),
        ],
        fixes: fix ? [fix] : [],
      });
    }
  }
  return findings;
}
