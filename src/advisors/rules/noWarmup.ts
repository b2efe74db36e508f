/**
 * LAT003 — timing loop without a warm-up (Python).
 *
 * Flags a timing loop (see `timingLoops.ts`) when nothing before it warms up what it times:
 * - none of its timed callees (`model`, `session.run`, `self.model.generate`; a forward-like
 *   method of the same object counts, so `model(x)` warms `model.generate`) is called earlier in
 *   the same function (the module when at top level; the whole class for `self.` callees);
 * - no identifier containing `warm` (any case) appears in that scope before the loop ends
 *   (`warmup()`, `WARMUP = 5`, `if i < n_warmup: continue`);
 * - the loop body does not compare its loop variable (`if i >= 5:` discards early iterations)
 *   and the collected samples are never sliced (`lat[10:]`);
 * - when the loop is in a function called from this file, no call site is preceded in its
 *   scope by a warm-up (a `warm` name, or a call of the object passed for the timed callee).
 * A callee that is not a plain name / attribute chain (`models[k](x)`) is never flagged.
 *
 * Fix (unsafe): a warm-up loop `for _ in range(10):` calling the timed call expressions,
 * inserted before the loop (before the opening clock reading for whole-loop timing). It runs
 * the timed calls ten more times: side effects, random-number state, remote requests and run
 * time change, so it is never applied in bulk. Offered only when the timed calls use no name
 * bound inside the loop (the loop variable, a per-iteration input).
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type RelatedLocation } from '../findings';
import { indentUnit, insertLinesBefore, lineIndent, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext, Rule } from '../rule';
import {
  calleeKey,
  enclosingFunction,
  findTimingLoops,
  identifiersIn,
  isBindingSite,
  loopHeaderEnd,
  startsLine,
  type TimingContext,
  type TimingLoop,
} from '../timingLoops';

export const NO_WARMUP_CODE = 'LAT003';

const INFER_METHODS = ['forward', 'generate', '__call__', 'predict', 'run', 'infer', 'inference', 'invoke', 'encode', 'embed', 'transcribe'];
const CHAIN = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** The callee texts whose earlier call counts as warming `key` up. */
function warmingKeys(key: string): Set<string> {
  const out = new Set([key]);
  const dot = key.lastIndexOf('.');
  const last = key.slice(dot + 1);
  if (dot > 0 && INFER_METHODS.includes(last)) {
    const base = key.slice(0, dot);
    out.add(base);
    for (const m of INFER_METHODS) out.add(`${base}.${m}`);
  } else {
    for (const m of INFER_METHODS) out.add(`${key}.${m}`);
  }
  return out;
}

/** Whether some call in [start, end) (outside `skip`) has a callee text in `keys`. */
function calledIn(ctx: TimingContext, key: string, start: number, end: number, skip?: Node): boolean {
  const keys = warmingKeys(key);
  const rootName = key.split('.')[0]!;
  const depth = key.split('.').length + 1;
  for (const id of ctx.index.identifiers([rootName], start, end).get(rootName) ?? []) {
    if (skip && id.startIndex >= skip.startIndex && id.startIndex < skip.endIndex) continue;
    let cur: Node = id;
    for (let d = 0; d < depth; d++) {
      const p = cur.parent;
      if (keys.has(cur.text) && p && p.type === 'call' && p.childForFieldName('function')?.id === cur.id) return true;
      if (!p || p.type !== 'attribute' || p.childForFieldName('object')?.id !== cur.id) break;
      cur = p;
    }
  }
  return false;
}

/** Whether an identifier containing `warm` appears in [start, end). */
function warmWordIn(ctx: TimingContext, start: number, end: number): boolean {
  const re = /warm/gi;
  const text = ctx.source.slice(start, end);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let s = start + m.index;
    let e = s + 4;
    while (s > 0 && /\w/.test(ctx.source[s - 1]!)) s--;
    while (e < ctx.source.length && /\w/.test(ctx.source[e]!)) e++;
    const n = ctx.root.namedDescendantForIndex(s, e);
    if (n && n.type === 'identifier' && n.startIndex === s && n.endIndex === e) return true;
    re.lastIndex = Math.max(re.lastIndex, e - start);
  }
  return false;
}

/** The loop discards early iterations (`if i >= 5:`) or its samples are sliced (`lat[10:]`). */
function discardsEarlyRuns(ctx: TimingContext, l: TimingLoop): boolean {
  const body = l.loop.childForFieldName('body');
  const left = l.loop.type === 'for_statement' ? l.loop.childForFieldName('left') : null;
  if (body && left?.type === 'identifier' && left.text !== '_') {
    for (const id of ctx.index.identifiers([left.text], body.startIndex, body.endIndex).get(left.text) ?? []) {
      if (id.parent?.type === 'comparison_operator') return true;
    }
  }
  const scope = l.fn ?? ctx.root;
  for (const s of l.samples) {
    for (const id of ctx.index.identifiers([s.list], scope.startIndex, scope.endIndex).get(s.list) ?? []) {
      const p = id.parent;
      if (p?.type === 'subscript' && p.childForFieldName('value')?.id === id.id && p.childForFieldName('subscript')?.type === 'slice') return true;
    }
  }
  return false;
}

/** The function holding the loop is called from this file after a warm-up of what it is given. */
function callersWarm(ctx: TimingContext, fn: Node, keys: readonly string[]): boolean {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return false;
  const params = (fn.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => !!p);
  const paramName = (p: Node): string | undefined =>
    p.type === 'identifier' ? p.text : (p.childForFieldName('name') ?? p.namedChild(0))?.text;
  const names = params.map(paramName);
  for (const id of ctx.index.named(name)) {
    const p = id.parent;
    const fnExpr = p?.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id ? p : id;
    const call = fnExpr.parent;
    if (!call || call.type !== 'call' || call.childForFieldName('function')?.id !== fnExpr.id) continue;
    const outer = enclosingFunction(call);
    const start = outer ? outer.startIndex : 0;
    if (warmWordIn(ctx, start, call.startIndex)) return true;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
    const positional = args.filter((a) => a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat');
    const shift = fnExpr.type === 'attribute' && names[0] === 'self' ? 1 : 0;
    for (const key of keys) {
      const root = key.split('.')[0]!;
      const i = names.indexOf(root);
      if (i < 0) continue;
      const kw = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === root);
      const arg = kw ? kw.childForFieldName('value') : positional[i - shift];
      if (!arg || !CHAIN.test(arg.text)) continue;
      if (calledIn(ctx, arg.text + key.slice(root.length), start, call.startIndex)) return true;
    }
  }
  return false;
}

function warmedUp(ctx: PythonRuleContext, l: TimingLoop, keys: readonly string[], anchor: Node): boolean {
  const scope = l.fn ?? ctx.root;
  if (warmWordIn(ctx, scope.startIndex, l.loop.endIndex)) return true;
  if (keys.some((k) => calledIn(ctx, k, scope.startIndex, anchor.startIndex))) return true;
  if (l.fn) {
    const cls = l.fn.parent?.type === 'block' ? l.fn.parent.parent : null;
    if (cls?.type === 'class_definition' && keys.some((k) => k.startsWith('self.') && calledIn(ctx, k, cls.startIndex, cls.endIndex, l.loop))) return true;
  }
  if (discardsEarlyRuns(ctx, l)) return true;
  return !!l.fn && callersWarm(ctx, l.fn, keys);
}

function warmupFix(ctx: PythonRuleContext, l: TimingLoop, anchor: Node): Fix | undefined {
  if (!startsLine(ctx.source, anchor)) return undefined;
  const texts: string[] = [];
  const names = new Set<string>();
  for (const call of l.timedCalls) {
    for (const id of identifiersIn(call)) {
      const p = id.parent;
      if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) continue;
      if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) continue;
      names.add(id.text);
    }
    const outer = call.parent?.type === 'await' ? call.parent : call;
    if (!texts.includes(outer.text)) texts.push(outer.text);
  }
  if (names.has('_')) return undefined;
  const inLoop = ctx.index.identifiers(names, l.loop.startIndex, l.loop.endIndex);
  for (const ids of inLoop.values()) if (ids.some(isBindingSite)) return undefined;
  const indent = lineIndent(ctx.source, anchor.startPosition.row);
  const unit = indentUnit(ctx.source);
  const lines = ['for _ in range(10):  # warm-up: first calls pay for lazy init, caches, JIT', ...texts.map((t) => unit + t)];
  return {
    title: 'Add an untimed warm-up loop before the timing loop',
    safety: 'unsafe',
    edits: [insertLinesBefore(anchor.startPosition.row, indent, lines, ctx.eol)],
    imports: [],
  };
}

export function checkNoWarmup(ctx: PythonRuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const l of findTimingLoops(ctx)) {
    const keys = [...new Set(l.timedCalls.map(calleeKey))];
    if (keys.length === 0 || keys.some((k) => !CHAIN.test(k))) continue;
    const anchor = l.mode === 'whole-loop' ? l.regions[0]!.open.statement : l.loop;
    if (warmedUp(ctx, l, keys, anchor)) continue;
    const header = loopHeaderEnd(l.loop);
    const related: RelatedLocation[] = l.timedCalls.map((c) => ({ range: rangeOfNode(c), message: 'timed call, first executed inside the timing loop' }));
    if (l.mode === 'whole-loop') related.push({ range: rangeOfNode(l.regions[0]!.open.call), message: 'the clock starts here, before the first (cold) call' });
    const fix = warmupFix(ctx, l, anchor);
    findings.push({
      code: NO_WARMUP_CODE,
      severity: 'warning',
      range: { start: rangeOfNode(l.loop).start, end: rangeOfNode(header).end },
      message:
        `This loop times ${keys[0]}(…) with no warm-up before it: the first calls pay for lazy initialisation, memory ` +
        'allocation, cache fills, kernel autotuning and JIT compilation (a cold first call measured ≈200× the steady p50 on a ' +
        'small encoder, 201 ms vs 1.0 ms), which inflates the mean and the tail. Run a few untimed calls first.',
      docs: docsLink(NO_WARMUP_CODE),
      related,
      fixes: fix ? [fix] : [],
    });
  }
  return findings;
}

export const NO_WARMUP_RULE: Rule = {
  code: NO_WARMUP_CODE,
  id: 'no-warmup',
  title: 'Timing loop without warm-up',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkPython: checkNoWarmup,
};
