/**
 * LAT001 — wall clock used to measure elapsed time (JavaScript / TypeScript).
 *
 * `Date.now()` is the wall clock: whole milliseconds, and it jumps when the system clock is
 * adjusted (NTP, a user, a VM resuming), so intervals measured with it are coarse and can be
 * negative or wrong. `performance.now()` is monotonic with sub-millisecond resolution, and it
 * counts milliseconds too, so the arithmetic around it stays the same.
 *
 * Precise rule (as narrow as the Python side):
 * - a *reading* is `Date.now()`, `new Date().getTime()` / `.valueOf()` or `+new Date()` (no
 *   arguments to `Date`), and only while nothing in the file binds or assigns the name `Date`;
 * - a *clock variable* is a `const` / `let` / `var` name `t`, not exported, declared in a
 *   function (or the module) with a reading as its value or with no value, such that every
 *   occurrence of `t` in that function (nested functions included) is such a declaration,
 *   `t = <reading>`, or an operand of an interval;
 * - an *interval* is a binary `-` whose two operands (parentheses allowed) are each a reading
 *   or a clock variable.
 * Every reading that is an operand of an interval, or the value of a clock variable used in one,
 * is reported. A timestamp that is logged, stored, returned, passed on, serialised or compared
 * with a value from elsewhere is never reported.
 *
 * Fix (safe): every reading connected to the same interval(s) becomes `performance.now()`
 * together (a global in Node ≥ 16 and browsers; a `performance` imported from `perf_hooks` is the
 * same object). No fix when something else in the file binds the name `performance`.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix } from '../findings';
import type { Rule, ScriptRuleContext } from '../rule';
import { boundInFileFast, nearSubtractionOrAssignment, rangeOf, wordOffsets, sameNode, upThroughParens } from './scriptShared';
import { SCRIPT_FUNCTIONS } from '../scriptImports';
import { unparen } from '../nodes';
import { clockGroups, Components, type ClockGroup } from '../clockGroups';

export const SCRIPT_WRONG_CLOCK_CODE = 'LAT001';

const PERF_HOOKS = ['perf_hooks.performance', 'node:perf_hooks.performance'];

function argCount(call: Node | null): number {
  const args = call?.childForFieldName('arguments');
  if (!args) return 0;
  return args.namedChildren.filter((c) => c && c.type !== 'comment').length;
}

/** The wall-clock readings of the file, found from the word `Date`. */
export function dateReadings(ctx: ScriptRuleContext): Node[] {
  const out: Node[] = [];
  for (const at of wordOffsets(ctx.source, 'Date')) {
    if (!nearSubtractionOrAssignment(ctx.source, at)) continue;
    const id = ctx.root.namedDescendantForIndex(at, at + 4);
    if (!id || id.type !== 'identifier' || id.startIndex !== at || id.endIndex !== at + 4) continue;
    const p = id.parent;
    if (!p) continue;
    if (p.type === 'member_expression' && sameNode(p.childForFieldName('object'), id) && p.childForFieldName('property')?.text === 'now') {
      const { outer, parent: call } = upThroughParens(p);
      if (call?.type === 'call_expression' && sameNode(call.childForFieldName('function'), outer) && argCount(call) === 0) out.push(call);
      continue;
    }
    if (p.type !== 'new_expression' || !sameNode(p.childForFieldName('constructor'), id) || argCount(p) !== 0) continue;
    const { outer, parent } = upThroughParens(p);
    if (!parent) continue;
    if (parent.type === 'unary_expression' && parent.childForFieldName('operator')?.type === '+' && sameNode(parent.childForFieldName('argument'), outer)) {
      out.push(parent);
    } else if (parent.type === 'member_expression' && sameNode(parent.childForFieldName('object'), outer)) {
      const prop = parent.childForFieldName('property')?.text;
      if (prop !== 'getTime' && prop !== 'valueOf') continue;
      const up = upThroughParens(parent);
      const call = up.parent;
      if (call?.type === 'call_expression' && sameNode(call.childForFieldName('function'), up.outer) && argCount(call) === 0) out.push(call);
    }
  }
  return out;
}

function scopeOf(n: Node, root: Node): Node {
  for (let p = n.parent; p; p = p.parent) if (SCRIPT_FUNCTIONS.has(p.type)) return p;
  return root;
}

function isSubtraction(n: Node | null): n is Node {
  return !!n && n.type === 'binary_expression' && n.childForFieldName('operator')?.type === '-';
}

/** The subtraction `x` is a direct (paren-skipping) operand of. */
function subtractionOf(x: Node): Node | undefined {
  const { outer, parent } = upThroughParens(x);
  if (!isSubtraction(parent)) return undefined;
  return sameNode(parent.childForFieldName('left'), outer) || sameNode(parent.childForFieldName('right'), outer) ? parent : undefined;
}

interface Candidate {
  key: string;
  name: string;
  scope: Node;
  /** Declarations / assignments whose value is a reading, with that reading. */
  sources: { target: Node; reading: Node }[];
  /** Declarations without a value (`let t;`). */
  bare: Node[];
  occurrences: Node[];
}

type Group = ClockGroup<Node, Node>;

function analyze(ctx: ScriptRuleContext, readings: Node[]): Group[] {
  const root = ctx.root;
  const readingIds = new Set(readings.map((r) => r.id));
  const candidates = new Map<string, Candidate>();
  const subtractions = new Map<number, Node>();
  for (const r of readings) {
    const sub = subtractionOf(r);
    if (sub) subtractions.set(sub.id, sub);
    const { outer, parent } = upThroughParens(r);
    let target: Node | null = null;
    if (parent?.type === 'variable_declarator' && sameNode(parent.childForFieldName('value'), outer)) {
      const decl = parent.parent;
      if (decl && (decl.type === 'lexical_declaration' || decl.type === 'variable_declaration') && decl.parent?.type !== 'export_statement') {
        target = parent.childForFieldName('name');
      }
    } else if (parent?.type === 'assignment_expression' && sameNode(parent.childForFieldName('right'), outer)) {
      target = parent.childForFieldName('left');
    }
    if (!target || target.type !== 'identifier') continue;
    const scope = scopeOf(target, root);
    const key = `${scope.id}:${target.text}`;
    let c = candidates.get(key);
    if (!c) candidates.set(key, (c = { key, name: target.text, scope, sources: [], bare: [], occurrences: [] }));
    c.sources.push({ target, reading: r });
  }
  // Occurrences of each candidate name in its scope (references only: `obj.t0` is another thing).
  for (const c of candidates.values()) {
    const found = ctx.index.identifiers([c.name], c.scope.startIndex, c.scope.endIndex).get(c.name) ?? [];
    c.occurrences = found.filter((n) => n.type === 'identifier' || n.type === 'shorthand_property_identifier' || n.type === 'shorthand_property_identifier_pattern');
    for (const o of c.occurrences) {
      const sub = subtractionOf(o);
      if (sub) subtractions.set(sub.id, sub);
      const p = o.parent;
      if (p?.type === 'variable_declarator' && sameNode(p.childForFieldName('name'), o) && !p.childForFieldName('value')) {
        const decl = p.parent;
        if (decl && decl.type !== 'lexical_declaration' && decl.type !== 'variable_declaration') continue;
        if (decl?.parent?.type === 'export_statement') continue;
        c.bare.push(o);
      }
    }
  }
  /** The live candidate an identifier refers to: the innermost enclosing scope that has one by that name. */
  const live = new Set(candidates.keys());
  // `t = <reading>` only counts when `t` is declared in that same function: otherwise the variable
  // belongs to an outer scope whose other uses are not known here.
  for (const c of candidates.values()) {
    const declared = c.sources.some((s) => s.target.parent?.type === 'variable_declarator') || c.bare.some((b) => scopeOf(b, root).id === c.scope.id);
    if (!declared) live.delete(c.key);
  }
  const candidateOf = (id: Node): Candidate | undefined => {
    for (let s: Node | null = id.parent; s; s = s.parent) {
      if (!SCRIPT_FUNCTIONS.has(s.type) && s.type !== 'program') continue;
      const key = `${s.type === 'program' ? root.id : s.id}:${id.text}`;
      if (candidates.has(key)) return live.has(key) ? candidates.get(key) : undefined;
    }
    return undefined;
  };
  const operands = (s: Node): [Node | null, Node | null] => [unparen(s.childForFieldName('left')), unparen(s.childForFieldName('right'))];
  const isClockOperand = (n: Node | null): boolean => !!n && (readingIds.has(n.id) || (n.type === 'identifier' && candidateOf(n) !== undefined));
  const subs = [...subtractions.values()];
  let intervals: Node[] = [];
  for (;;) {
    intervals = subs.filter((s) => operands(s).every(isClockOperand));
    const allowed = new Set<number>();
    for (const s of intervals) for (const o of operands(s)) if (o?.type === 'identifier') allowed.add(o.id);
    let changed = false;
    for (const key of [...live]) {
      const c = candidates.get(key)!;
      for (const src of c.sources) allowed.add(src.target.id);
      for (const b of c.bare) allowed.add(b.id);
      if (c.occurrences.some((o) => !allowed.has(o.id))) {
        live.delete(key);
        changed = true;
      }
    }
    if (!changed) break;
  }
  if (intervals.length === 0) return [];

  const components = new Components();
  const find = (k: string): string => components.find(k);
  const union = (a: string, b: string): void => components.union(a, b);
  const keyOf = (n: Node): string => (n.type === 'identifier' ? `v:${candidateOf(n)!.key}` : `r:${n.id}`);
  const usedVars = new Set<string>();
  const flagged: Node[] = [];
  for (const s of intervals) {
    const [l, r] = operands(s);
    union(keyOf(l!), keyOf(r!));
    union(`i:${s.id}`, keyOf(l!));
    for (const o of [l!, r!]) {
      if (o.type === 'identifier') usedVars.add(candidateOf(o)!.key);
      else flagged.push(o);
    }
  }
  for (const key of live) {
    if (!usedVars.has(key)) continue;
    for (const src of candidates.get(key)!.sources) {
      union(`r:${src.reading.id}`, `v:${key}`);
      flagged.push(src.reading);
    }
  }
  return clockGroups(components, flagged, intervals, (x) => x.startIndex);
}

function describe(reading: Node): string {
  if (reading.type === 'unary_expression') return '+new Date()';
  const fn = reading.childForFieldName('function');
  if (fn?.childForFieldName('property')?.text === 'now') return 'Date.now()';
  return `new Date().${fn?.childForFieldName('property')?.text ?? 'getTime'}()`;
}

export function checkScriptWrongClock(ctx: ScriptRuleContext): Finding[] {
  const readings = dateReadings(ctx);
  if (readings.length === 0 || boundInFileFast(ctx, 'Date')) return [];
  const groups = analyze(ctx, readings);
  if (groups.length === 0) return [];
  const canFix = !boundInFileFast(ctx, 'performance', PERF_HOOKS);
  const findings: Finding[] = [];
  for (const g of groups) {
    const fix: Fix | undefined = canFix
      ? {
          title: g.readings.length > 1 ? 'Use performance.now() for these readings' : 'Use performance.now()',
          safety: 'safe',
          edits: g.readings.map((r) => ({ range: rangeOf(r), newText: 'performance.now()' })),
          imports: [],
        }
      : undefined;
    for (const r of g.readings) {
      findings.push({
        code: SCRIPT_WRONG_CLOCK_CODE,
        severity: 'warning',
        range: rangeOf(r),
        message:
          `${describe(r)} is the wall clock (whole milliseconds, jumps when the system clock is adjusted); ` +
          'this reading is used to measure elapsed time, so short latencies round to 0–1 ms and an interval can even be negative — ' +
          'use performance.now() (monotonic, sub-millisecond, also in milliseconds).',
        docs: docsLink(SCRIPT_WRONG_CLOCK_CODE),
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

export const SCRIPT_WRONG_CLOCK: Rule = {
  code: SCRIPT_WRONG_CLOCK_CODE,
  id: 'wrong-clock',
  title: 'Wall clock used to measure elapsed time',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkScript: checkScriptWrongClock,
};
