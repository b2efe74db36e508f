/**
 * LAT003 (no warm-up) and LAT004 (too few samples) for JavaScript / TypeScript benchmark code.
 *
 * A *clock reading* is `performance.now()` (the global, or `performance` from `perf_hooks`),
 * `Date.now()`, `process.hrtime()` or `process.hrtime.bigint()`, while the file does not bind
 * `performance` / `Date` / `process` to something else. A *timed statement* is a statement of
 * the form `await f(…)`, `const x = await f(…)` or `x = await f(…)` (an awaited call, such as
 * `session.run(feeds)` or `fetch(url)`). A *timing loop* is either
 * - (per-iteration) a `for` / `for…of` / `while` / `do` loop whose block holds, as direct
 *   statements, a statement with a clock reading, then at least one timed statement, then
 *   another statement with a clock reading; or
 * - (bracketed) a loop with timed statements in its body, directly preceded by a statement with
 *   a clock reading and directly followed by another one.
 *
 * LAT003: the first timed call of a timing loop has no earlier call of the same callee (same
 * text, e.g. `session.run`) in the enclosing function (or module) before the timed region, the
 * callee is not itself a parameter of that function (`await fn()` in a generic helper whose
 * caller may warm up), no `if` in the loop body
 * might skip or discard iterations, and nothing named `warm…` appears in the function up to the
 * loop's end. Fix (unsafe: it runs the call ten more times): insert, above the loop (or the
 * reading before it), `for (let i = 0; i < 10; i++) { <timed statements> }` — a declaration is
 * reduced to its awaited call. No fix when the timed statements use names bound in the loop other
 * than a `for` counter (whose name the warm-up loop then reuses).
 *
 * LAT004: a timing loop `for (let i = S; i < N; i++)` (or `<=`, `i += 1`, `++i`) not inside
 * another loop of the same function, whose count `N - S` (`+1` for `<=`) is below
 * `options.minSamples` (default 1000), N being a number literal or a `const` bound once in the
 * file to one. Fix (unsafe: the benchmark runs longer, and a const may be used elsewhere):
 * raise that literal so the loop takes `minSamples` samples.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type RelatedLocation } from '../findings';
import { pointRange } from '../pyEdit';
import type { Rule, ScriptRuleContext } from '../rule';
import {
  boundInFileFast,
  children,
  enclosingFunction,
  type Frame,
  identifiersIn,
  indentOf,
  isBindingOccurrence,
  LOOPS,
  numberValue,
  rangeOf,
  sameNode,
  scriptIndentUnit,
  startsLine,
  upThroughParens,
  wordChains,
} from './scriptShared';
import { unparen } from '../nodes';

export const SCRIPT_NO_WARMUP_CODE = 'LAT003';
export const SCRIPT_SMALL_SAMPLES_CODE = 'LAT004';

const PERF_HOOKS = ['perf_hooks.performance', 'node:perf_hooks.performance'];
const PERF_NOW = new Set(['perf_hooks.performance.now', 'node:perf_hooks.performance.now']);
const WARMUP_RUNS = 10;

function argCount(call: Node): number {
  return children(call.childForFieldName('arguments')).length;
}

/** Whether `call` (a call_expression) is a clock reading. */
function isClockCall(ctx: ScriptRuleContext, call: Node): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'member_expression') return false;
  const prop = fn.childForFieldName('property')?.text;
  const obj = fn.childForFieldName('object');
  if (prop === 'now') {
    if (argCount(call) !== 0) return false;
    if (obj?.type === 'identifier' && obj.text === 'performance') return !boundInFileFast(ctx, 'performance', PERF_HOOKS);
    if (obj?.type === 'identifier' && obj.text === 'Date') return !boundInFileFast(ctx, 'Date');
    return PERF_NOW.has(ctx.imports.qualifiedName(call) ?? '');
  }
  if (prop === 'hrtime') return obj?.type === 'identifier' && obj.text === 'process' && !boundInFileFast(ctx, 'process');
  if (prop === 'bigint' && argCount(call) === 0 && obj?.type === 'member_expression' && obj.childForFieldName('property')?.text === 'hrtime') {
    const o = obj.childForFieldName('object');
    return o?.type === 'identifier' && o.text === 'process' && !boundInFileFast(ctx, 'process');
  }
  return false;
}

const BLOCKS = new Set(['statement_block', 'program', 'switch_case', 'switch_default']);
const FUNCTION_TYPES = new Set(['function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function_declaration', 'generator_function']);
/** After a statement: blank space and comments, then a loop keyword. */
const LOOP_NEXT = /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(?:for|while|do)(?![\w$])/;

/** A clock-reading-shaped call found by its path, before any Node is made. */
interface ReadingSite {
  call: Frame;
  stmt: Frame;
  /** `start:end:type` of the statement (node getters cross into wasm: computed once). */
  stmtKey: string;
  block: Frame;
  /** The loop whose body block holds the statement, if any. */
  loop?: Frame;
}

/**
 * Statement-level calls shaped like `X.now()`, `X.hrtime(…)`, `X.hrtime.bigint()` found from the
 * words `now` / `hrtime` by one tree-cursor descent each, with their statement and its loop; no
 * Node is made until a loop (or a statement followed by a loop keyword) asks for them.
 */
function readingSites(ctx: ScriptRuleContext): ReadingSite[] {
  const out: ReadingSite[] = [];
  for (const word of ['now', 'hrtime']) {
    for (const chain of wordChains(ctx, word, word === 'now' ? 'clock-member' : 'member')) {
      const n = chain.length;
      if (chain[n - 1]!.type !== 'property_identifier' || chain[n - 2]?.type !== 'member_expression') continue;
      let ci = n - 3;
      if (word === 'hrtime' && chain[ci]?.type === 'member_expression') ci--;
      const call = chain[ci];
      if (!call || call.type !== 'call_expression') continue;
      let si = -1;
      for (let i = ci; i > 0; i--) {
        if (FUNCTION_TYPES.has(chain[i]!.type)) break;
        if (BLOCKS.has(chain[i - 1]!.type)) {
          si = i;
          break;
        }
      }
      if (si < 1) continue;
      const stmt = chain[si]!;
      const block = chain[si - 1]!;
      const loopFrame = si >= 2 && block.type === 'statement_block' && LOOPS.has(chain[si - 2]!.type) ? chain[si - 2] : undefined;
      // Every statement-level site is kept: one after a loop may close a bracketed timing.
      out.push({ call, stmt, stmtKey: `${stmt.startIndex}:${stmt.endIndex}:${stmt.type}`, block, ...(loopFrame ? { loop: loopFrame } : {}) });
    }
  }
  return out.sort((a, b) => a.call.startIndex - b.call.startIndex);
}

/** The awaited call of a timed statement (`await f()`, `const x = await f()`, `x = await f()`). */
function timedCall(stmt: Node): { call: Node; copy: Node } | undefined {
  let expr: Node | null = null;
  if (stmt.type === 'expression_statement') {
    expr = unparen(stmt.namedChild(0));
    if (expr?.type === 'assignment_expression') expr = unparen(expr.childForFieldName('right'));
  } else if (stmt.type === 'lexical_declaration' || stmt.type === 'variable_declaration') {
    const decls = children(stmt);
    if (decls.length !== 1 || decls[0]!.type !== 'variable_declarator') return undefined;
    expr = unparen(decls[0]!.childForFieldName('value'));
  }
  if (!expr || expr.type !== 'await_expression') return undefined;
  const call = unparen(expr.namedChild(0));
  if (!call || call.type !== 'call_expression') return undefined;
  return { call, copy: stmt.type === 'expression_statement' && unparen(stmt.namedChild(0))?.type === 'await_expression' ? stmt : expr };
}

interface TimingLoop {
  kind: 'per-iteration' | 'bracketed';
  loop: Node;
  /** Statements whose awaited calls are timed, in order. */
  timed: { stmt: Node; call: Node; copy: Node }[];
  /** First statement of the timed region (LAT003 looks for earlier calls before it). */
  regionStart: Node;
  /** Where a warm-up loop goes (the loop, or the reading statement above it). */
  insertBefore: Node;
  readings: Node[];
}

function bodyStatements(loop: Node): Node[] {
  const body = loop.childForFieldName('body');
  if (!body) return [];
  return body.type === 'statement_block' ? children(body) : [body];
}

const loopCache = new WeakMap<ScriptRuleContext, TimingLoop[]>();

/** The file's timing loops (computed once per analysis: LAT003 and LAT004 share them). */
export function timingLoops(ctx: ScriptRuleContext): TimingLoop[] {
  let hit = loopCache.get(ctx);
  if (!hit) loopCache.set(ctx, (hit = findTimingLoops(ctx)));
  return hit;
}

function findTimingLoops(ctx: ScriptRuleContext): TimingLoop[] {
  const sites = readingSites(ctx);
  if (sites.length < 2) return [];
  const key = (f: Frame): string => `${f.startIndex}:${f.endIndex}:${f.type}`;
  /** Statement → its clock-reading-shaped calls. */
  const byStmt = new Map<string, ReadingSite[]>();
  for (const s of sites) {
    const k = s.stmtKey;
    const list = byStmt.get(k);
    if (list) list.push(s);
    else byStmt.set(k, [s]);
  }
  const verified = new Map<string, Node[]>();
  /** The verified readings of a statement (Nodes made only here). */
  const readingsOf = (stmtKey: string): Node[] => {
    let r = verified.get(stmtKey);
    if (!r) {
      r = [];
      for (const s of byStmt.get(stmtKey) ?? []) {
        if (isClockCall(ctx, s.call)) r.push(s.call);
      }
      verified.set(stmtKey, r);
    }
    return r;
  };
  const loops = new Map<string, TimingLoop>();
  // Per-iteration: reading statements inside a loop body.
  const inLoop = new Map<string, { loop: Frame; stmtKeys: Set<string> }>();
  for (const s of sites) {
    if (!s.loop) continue;
    const lk = key(s.loop);
    let e = inLoop.get(lk);
    if (!e) inLoop.set(lk, (e = { loop: s.loop, stmtKeys: new Set() }));
    e.stmtKeys.add(s.stmtKey);
  }
  for (const [lk, { loop: lf, stmtKeys }] of inLoop) {
    if (stmtKeys.size < 2) continue;
    const loop = lf;
    const body = loop.childForFieldName('body');
    if (!body || body.type !== 'statement_block') continue;
    const stmts = children(body);
    const idx = stmts.map((st, i) => (stmtKeys.has(key(st)) && readingsOf(key(st)).length > 0 ? i : -1)).filter((i) => i >= 0);
    if (idx.length < 2) continue;
    const a = idx[0]!;
    const k = idx[idx.length - 1]!;
    const timed = stmts.slice(a + 1, k).flatMap((st) => {
      const t = timedCall(st);
      return t ? [{ stmt: st, ...t }] : [];
    });
    if (timed.length === 0) continue;
    loops.set(lk, {
      kind: 'per-iteration',
      loop,
      timed,
      regionStart: stmts[a + 1]!,
      insertBefore: loop,
      readings: idx.flatMap((i) => readingsOf(key(stmts[i]!))),
    });
  }
  // Bracketed: reading; loop; reading.
  for (const s of sites) {
    if (s.loop || !LOOP_NEXT.test(ctx.source.slice(s.stmt.endIndex, s.stmt.endIndex + 4000))) continue;
    const sk = s.stmtKey;
    if (readingsOf(sk).length === 0) continue;
    const stmt = s.stmt;
    let next = stmt.nextNamedSibling;
    while (next && next.type === 'comment') next = next.nextNamedSibling;
    if (!next || !LOOPS.has(next.type) || loops.has(key(next))) continue;
    let after = next.nextNamedSibling;
    while (after && after.type === 'comment') after = after.nextNamedSibling;
    if (!after) continue;
    const ak = key(after);
    if (!byStmt.has(ak) || readingsOf(ak).length === 0) continue;
    const timed = bodyStatements(next).flatMap((st) => {
      const t = timedCall(st);
      return t ? [{ stmt: st, ...t }] : [];
    });
    if (timed.length === 0) continue;
    loops.set(key(next), {
      kind: 'bracketed',
      loop: next,
      timed,
      regionStart: stmt,
      insertBefore: stmt,
      readings: [...readingsOf(sk), ...readingsOf(ak)],
    });
  }
  return [...loops.values()].sort((a, b) => a.loop.startIndex - b.loop.startIndex);
}

/** `for (let i = S; i < N; i++)`: the counter, start, limit node and whether the bound is inclusive. */
function counted(loop: Node): { counter: string; start: number; limit: Node; inclusive: boolean } | undefined {
  if (loop.type !== 'for_statement') return undefined;
  const init = loop.childForFieldName('initializer');
  let cond = loop.childForFieldName('condition');
  const inc = loop.childForFieldName('increment');
  if (cond?.type === 'expression_statement') cond = cond.namedChild(0);
  if (!init || !cond || !inc) return undefined;
  const decls = init.type === 'lexical_declaration' || init.type === 'variable_declaration' ? children(init) : [];
  if (decls.length !== 1) return undefined;
  const name = decls[0]!.childForFieldName('name');
  const start = numberValue(decls[0]!.childForFieldName('value'));
  if (name?.type !== 'identifier' || start === undefined) return undefined;
  const counter = name.text;
  const incOk =
    (inc.type === 'update_expression' && inc.text.replace(/\s/g, '').replace(counter, '') === '++') ||
    (inc.type === 'augmented_assignment_expression' && inc.childForFieldName('left')?.text === counter && inc.text.replace(/\s/g, '') === `${counter}+=1`);
  if (!incOk || cond.type !== 'binary_expression') return undefined;
  const op = cond.childForFieldName('operator')?.type;
  const left = unparen(cond.childForFieldName('left'));
  const right = unparen(cond.childForFieldName('right'));
  if (!left || !right) return undefined;
  if ((op === '<' || op === '<=') && left.type === 'identifier' && left.text === counter) return { counter, start, limit: right, inclusive: op === '<=' };
  if ((op === '>' || op === '>=') && right.type === 'identifier' && right.text === counter) return { counter, start, limit: left, inclusive: op === '>=' };
  return undefined;
}

function forCounter(loop: Node): string | undefined {
  if (loop.type !== 'for_statement') return undefined;
  const init = loop.childForFieldName('initializer');
  const decls = init && (init.type === 'lexical_declaration' || init.type === 'variable_declaration') ? children(init) : [];
  const name = decls.length === 1 ? decls[0]!.childForFieldName('name') : null;
  return name?.type === 'identifier' ? name.text : undefined;
}

/** The number literal a loop limit stands for: the literal itself, or a `const` bound once to one. */
function limitLiteral(ctx: ScriptRuleContext, limit: Node): { literal: Node; viaConst?: Node } | undefined {
  if (limit.type === 'number') return { literal: limit };
  if (limit.type !== 'identifier') return undefined;
  const bindings = ctx.index.named(limit.text).filter((n) => n.type === 'identifier' && isBindingOccurrence(n));
  if (bindings.length !== 1) return undefined;
  const decl = bindings[0]!.parent;
  if (decl?.type !== 'variable_declarator' || !sameNode(decl.childForFieldName('name'), bindings[0]!)) return undefined;
  const kw = decl.parent;
  if (kw?.type !== 'lexical_declaration' || !kw.text.startsWith('const')) return undefined;
  const value = unparen(decl.childForFieldName('value'));
  if (!value || value.type !== 'number') return undefined;
  return { literal: value, viaConst: decl };
}

function insideAnotherLoop(loop: Node): boolean {
  for (let p = loop.parent; p; p = p.parent) {
    if (LOOPS.has(p.type)) return true;
    if (p.type === 'program' || p.type === 'function_declaration' || p.type === 'arrow_function' || p.type === 'function_expression' || p.type === 'method_definition') return false;
  }
  return false;
}

function loopRelated(t: TimingLoop): RelatedLocation[] {
  return t.readings.map((r) => ({ range: rangeOf(r), message: 'clock read here' }));
}

function calleeName(call: Node): string {
  return (call.childForFieldName('function')?.text ?? 'the call').replace(/\s+/g, '');
}

// ---------------------------------------------------------------- LAT003

function hasEarlierCall(ctx: ScriptRuleContext, t: TimingLoop, scope: Node): boolean {
  const fn = t.timed[0]!.call.childForFieldName('function');
  if (!fn) return true;
  const want = fn.text.replace(/\s+/g, '');
  const last = fn.type === 'member_expression' ? fn.childForFieldName('property') : fn;
  if (!last) return true;
  const ids = ctx.index.identifiers([last.text], scope.startIndex, t.regionStart.startIndex).get(last.text) ?? [];
  for (const id of ids) {
    const callee = id.parent?.type === 'member_expression' && sameNode(id.parent.childForFieldName('property'), id) ? id.parent : id;
    const call = upThroughParens(callee).parent;
    if (call?.type === 'call_expression' && callee.text.replace(/\s+/g, '') === want) return true;
  }
  return false;
}

function isParameterOf(fn: Node | undefined, name: string): boolean {
  if (!fn) return false;
  const params = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (!params) return false;
  if (params.type === 'identifier') return params.text === name;
  return identifiersIn(params).some((id) => id.text === name && isBindingOccurrence(id));
}

/** A binding that declares the name (mutations such as `i++` or `x = …` leave it visible above the loop). */
function isDeclaration(id: Node): boolean {
  const p = id.parent?.type;
  return isBindingOccurrence(id) && p !== 'assignment_expression' && p !== 'augmented_assignment_expression' && p !== 'update_expression';
}

function warmupFix(ctx: ScriptRuleContext, t: TimingLoop): Fix | undefined {
  const at = t.insertBefore;
  if (!startsLine(ctx.source, at)) return undefined;
  const counter = forCounter(t.loop);
  // Names the copies use must mean the same above the loop: none bound in the loop (or between the insertion point and it).
  const used = new Set<string>();
  for (const c of t.timed) {
    const own = new Set(identifiersIn(c.copy).filter(isBindingOccurrence).map((n) => n.id));
    for (const id of identifiersIn(c.copy)) if (!own.has(id.id)) used.add(id.text);
  }
  for (const name of used) {
    if (name === counter) continue;
    const ids = ctx.index.identifiers([name], at.startIndex, t.loop.endIndex).get(name) ?? [];
    if (ids.some((id) => isDeclaration(id) && !t.timed.some((c) => c.copy.startIndex <= id.startIndex && id.endIndex <= c.copy.endIndex))) return undefined;
  }
  let v: string;
  if (counter && used.has(counter)) v = counter;
  else v = ['i', 'w', 'warm'].find((n) => !used.has(n)) ?? '';
  if (!v) return undefined;
  const indent = indentOf(ctx.source, at);
  const firstBody = t.kind === 'per-iteration' ? t.timed[0]!.stmt : undefined;
  let unit = scriptIndentUnit(ctx.source);
  if (firstBody && startsLine(ctx.source, firstBody)) {
    const bodyIndent = indentOf(ctx.source, firstBody);
    if (bodyIndent.startsWith(indent) && bodyIndent.length > indent.length) unit = bodyIndent.slice(indent.length);
  }
  const inner = indent + unit;
  const lines: string[] = [`${indent}for (let ${v} = 0; ${v} < ${WARMUP_RUNS}; ${v}++) {`];
  for (const c of t.timed) {
    const orig = indentOf(ctx.source, c.stmt);
    let text = c.copy.text;
    if (c.copy.type === 'await_expression') text += c.stmt.text.trimEnd().endsWith(';') ? ';' : '';
    const parts = text.split(/\r?\n/);
    lines.push(inner + parts[0]);
    for (const p of parts.slice(1)) lines.push(p.startsWith(orig) ? inner + p.slice(orig.length) : p);
  }
  lines.push(`${indent}}`);
  return {
    title: `Add ${WARMUP_RUNS} untimed warm-up calls before the timing loop`,
    safety: 'unsafe',
    edits: [{ range: pointRange({ line: at.startPosition.row, character: 0 }), newText: lines.map((l) => l + ctx.eol).join('') }],
    imports: [],
  };
}

export function checkScriptNoWarmup(ctx: ScriptRuleContext): Finding[] {
  const findings: Finding[] = [];
  for (const t of timingLoops(ctx)) {
    const scope = enclosingFunction(t.loop) ?? ctx.root;
    const first = t.timed[0]!;
    const fn = first.call.childForFieldName('function');
    // `await fn()` with `fn` a parameter: a generic helper whose caller may warm up. (A method of a
    // parameter, `session.run`, is still reported: the helper times the first runs itself.)
    if (fn?.type === 'identifier' && isParameterOf(enclosingFunction(t.loop), fn.text)) continue;
    if (t.kind === 'per-iteration' && bodyStatements(t.loop).some((s) => s.type === 'if_statement')) continue;
    if (/warm/i.test(ctx.source.slice(scope.startIndex, t.loop.endIndex))) continue;
    if (hasEarlierCall(ctx, t, scope)) continue;
    const fix = warmupFix(ctx, t);
    const name = calleeName(first.call);
    findings.push({
      code: SCRIPT_NO_WARMUP_CODE,
      severity: 'warning',
      // The loop header, as in the Python rule: the fix goes above the loop.
      range: { start: rangeOf(t.loop).start, end: rangeOf(t.loop.childForFieldName('body')?.previousSibling ?? t.loop).end },
      message:
        `No warm-up: the first timed ${name}() call is the first call at all, so it pays one-time costs (lazy initialisation, ` +
        'memory arenas, JIT, caches) inside the measurement — a 6-layer encoder\'s first call took 201 ms against a 1.0 ms steady p50 in our ' +
        'measurements, enough to dominate a mean or a tail. Make a few untimed calls first.',
      docs: docsLink(SCRIPT_NO_WARMUP_CODE),
      related: [{ range: rangeOf(first.call), message: 'timed call, first executed inside the timing loop' }, ...loopRelated(t)],
      fixes: fix ? [fix] : [],
    });
  }
  return findings;
}

// ---------------------------------------------------------------- LAT004

export function checkScriptSmallSamples(ctx: ScriptRuleContext): Finding[] {
  const min = ctx.options.minSamples;
  const findings: Finding[] = [];
  for (const t of timingLoops(ctx)) {
    const c = counted(t.loop);
    if (!c || insideAnotherLoop(t.loop)) continue;
    const lit = limitLiteral(ctx, c.limit);
    const limit = numberValue(lit?.literal);
    if (!lit || limit === undefined || !Number.isInteger(limit) || !Number.isInteger(c.start)) continue;
    const count = limit - c.start + (c.inclusive ? 1 : 0);
    if (count <= 0 || count >= min) continue;
    const newLimit = c.start + min - (c.inclusive ? 1 : 0);
    const why =
      t.kind === 'per-iteration'
        ? `This timing loop takes only ${count} samples (fewer than ${min}): percentiles from so few runs are noise — the p99 of 100 samples is the second-worst run`
        : `This timed loop averages only ${count} iterations (fewer than ${min}): one slow run (GC, a scheduler hiccup) moves such a mean`;
    findings.push({
      code: SCRIPT_SMALL_SAMPLES_CODE,
      severity: 'warning',
      range: rangeOf(c.limit),
      message:
        `${why}, and run-to-run variation (CV 1–13% on a quiet host, 10–200% on small VMs in our measurements) swamps small differences. ` +
        `Take at least ${min} samples (the minSamples advisor option sets this threshold).`,
      docs: docsLink(SCRIPT_SMALL_SAMPLES_CODE),
      related: [
        ...(lit.viaConst ? [{ range: rangeOf(lit.viaConst), message: 'iteration count set here' }] : []),
        { range: rangeOf(t.timed[0]!.call), message: 'timed call' },
      ],
      fixes: [
        {
          title: `Take ${min} samples`,
          safety: 'unsafe',
          edits: [{ range: rangeOf(lit.literal), newText: String(newLimit) }],
          imports: [],
        },
      ],
    });
  }
  return findings;
}

export const SCRIPT_NO_WARMUP: Rule = {
  code: SCRIPT_NO_WARMUP_CODE,
  id: 'no-warmup',
  title: 'Timing loop without warm-up',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkScript: checkScriptNoWarmup,
};

export const SCRIPT_SMALL_SAMPLES: Rule = {
  code: SCRIPT_SMALL_SAMPLES_CODE,
  id: 'small-samples',
  title: 'Too few timing samples',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkScript: checkScriptSmallSamples,
};
