/**
 * LAT005 — CUDA work timed with a host clock without synchronising (Python).
 *
 * Flags the closing clock reading of a host-clock timed region (see `timingLoops.ts`: per
 * iteration, around a whole loop, or straight-line `t0 = ...; y = model(x); t1 = ...`) when
 * - the module imports torch;
 * - a timed call works on CUDA: its callee object or an argument is a name placed on CUDA in
 *   this file (`m = Net().cuda()`, `model.to("cuda")`, `x = torch.randn(..., device="cuda")`,
 *   `device = torch.device("cuda")` then `.to(device)` / `device=device`, `device_map="cuda"`),
 *   matched by name text (`self.model` also matches `model`), or the call itself holds such a
 *   placement (`model(x.cuda())`);
 * - nothing between the opening reading and the closing one synchronises: no
 *   `torch.cuda.synchronize()` (any alias), no `<x>.synchronize()` (stream / event), and no
 *   implicit synchronisation through `.item()`, `.cpu()`, `.tolist()`, `.numpy()`, `.decode()` /
 *   `.batch_decode()` (tokenizers read the ids on the host).
 * `generate(...)` calls (they read token ids back on the host every step) and objects built by
 * `transformers.pipeline` (they return host objects) are not counted as CUDA work. CUDA-event
 * timing (`start.record()` ... `end.record()`) is never flagged.
 *
 * Fix (safe — only where the clock is read changes, not what is computed): insert
 * `torch.cuda.synchronize()` on its own line before the statement holding the closing reading.
 * When the only evidence is a conditional device (`"cuda" if torch.cuda.is_available() else
 * "cpu"`), the inserted call is guarded by `if torch.cuda.is_available():`, so CPU runs
 * keep working.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type FixImport } from '../findings';
import { indentUnit, insertLinesBefore, lineIndent, pythonNameFor, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext, Rule } from '../rule';
import { analyzeTiming, calleeKey, rootCall, startsLine, type TimedRegion } from '../timingLoops';
import { unparen } from '../nodes';

export const MISSING_SYNCHRONIZE_CODE = 'LAT005';

type Strength = 'always' | 'maybe';

interface Placements {
  names: Map<string, Strength>;
  calls: { start: number; end: number; strength: Strength }[];
}

const placementCache = new WeakMap<object, Placements>();

function callOfFunction(fn: Node): Node | null {
  const p = fn.parent;
  return p && p.type === 'call' && p.childForFieldName('function')?.id === fn.id ? p : null;
}

function methodName(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
}

/** What this file places on CUDA (computed once per analysis). */
function placements(ctx: PythonRuleContext): Placements {
  const hit = placementCache.get(ctx.index);
  if (hit) return hit;
  const names = new Map<string, Strength>();
  const calls: Placements['calls'] = [];
  const addName = (text: string, s: Strength): void => {
    for (const t of [text, text.slice(text.lastIndexOf('.') + 1)]) if (names.get(t) !== 'always') names.set(t, s);
  };
  /** `call` moves / creates something on CUDA: record where the result goes. */
  const mark = (call: Node, s: Strength): void => {
    if (ctx.imports.qualifiedName(call) === 'transformers.pipeline') return;
    calls.push({ start: call.startIndex, end: call.endIndex, strength: s });
    let top = call;
    for (;;) {
      const p = top.parent;
      if (p && p.type === 'attribute' && p.childForFieldName('object')?.id === top.id) top = p;
      else if (p && p.type === 'call' && p.childForFieldName('function')?.id === top.id) top = p;
      else break;
    }
    const p = top.parent;
    if (p?.type === 'assignment' && p.childForFieldName('right')?.id === top.id) {
      const left = p.childForFieldName('left');
      if (left && (left.type === 'identifier' || left.type === 'attribute')) addName(left.text, s);
    } else if (p?.type === 'expression_statement') {
      const m = methodName(call);
      const obj = unparen(call.childForFieldName('function')?.childForFieldName('object') ?? null);
      if ((m === 'to' || m === 'cuda') && obj && (obj.type === 'identifier' || obj.type === 'attribute')) addName(obj.text, s); // nn.Module.to is in place
    }
  };
  const deviceVars = new Map<string, Strength>();
  /** `expr` evaluates to a CUDA device: follow it into `.to(...)`, `device=...`, or a variable. */
  const deviceUse = (expr: Node, s: Strength): void => {
    const p = expr.parent;
    if (!p) return;
    if (p.type === 'assignment' && p.childForFieldName('right')?.id === expr.id) {
      const left = p.childForFieldName('left');
      if (left && (left.type === 'identifier' || left.type === 'attribute') && deviceVars.get(left.text) !== 'always') deviceVars.set(left.text, s);
    } else if (p.type === 'keyword_argument' && p.childForFieldName('value')?.id === expr.id) {
      const name = p.childForFieldName('name')?.text;
      const call = p.parent?.parent;
      if ((name === 'device' || name === 'device_map') && call?.type === 'call') mark(call, s);
    } else if (p.type === 'argument_list') {
      const call = p.parent;
      if (!call || call.type !== 'call') return;
      if (methodName(call) === 'to') mark(call, s);
      else if (ctx.imports.qualifiedName(call) === 'torch.device') deviceUse(call, s);
    } else if (p.type === 'conditional_expression') {
      deviceUse(p, 'maybe');
    }
  };
  // `x.cuda()`
  for (const id of ctx.index.named('cuda')) {
    const attr = id.parent;
    if (!attr || attr.type !== 'attribute' || attr.childForFieldName('attribute')?.id !== id.id) continue;
    const call = callOfFunction(attr);
    const obj = attr.childForFieldName('object');
    if (call && obj && ctx.imports.qualifiedName(obj) !== 'torch') mark(call, 'always');
  }
  // "cuda" / 'cuda:0' string literals.
  const re = /(["'])cuda(?::\d+)?\1/g;
  for (let m = re.exec(ctx.source); m; m = re.exec(ctx.source)) {
    let n: Node | null = ctx.root.namedDescendantForIndex(m.index + 1, m.index + 2);
    while (n && n.type !== 'string' && n.startIndex >= m.index) n = n.parent;
    if (!n || n.type !== 'string' || n.startIndex !== m.index || n.endIndex !== m.index + m[0].length) continue;
    deviceUse(n, 'always');
  }
  // Device variables used in `.to(device)` / `device=device`.
  for (const [v, s] of deviceVars) {
    const last = v.slice(v.lastIndexOf('.') + 1);
    for (const id of ctx.index.named(last)) {
      let expr: Node = id;
      if (v !== last) {
        const p = id.parent;
        if (!p || p.type !== 'attribute' || p.childForFieldName('attribute')?.id !== id.id || p.text !== v) continue;
        expr = p;
      } else if (id.parent?.type === 'attribute' && id.parent.childForFieldName('attribute')?.id === id.id) continue;
      const p = expr.parent;
      if (p?.type === 'argument_list' || p?.type === 'keyword_argument') deviceUse(expr, s);
    }
  }
  const result = { names, calls };
  placementCache.set(ctx.index, result);
  return result;
}

/** Names a timed call works on: its callee object and its arguments. */
function namesOf(call: Node): string[] {
  const out: string[] = [];
  const root = rootCall(call);
  const fn = root.childForFieldName('function');
  if (fn) {
    out.push(fn.text);
    if (fn.type === 'attribute') {
      const obj = unparen(fn.childForFieldName('object'));
      if (obj) out.push(obj.text);
    }
  }
  const visit = (n: Node): void => {
    if (n.type === 'attribute') {
      out.push(n.text);
      const obj = n.childForFieldName('object');
      if (obj) visit(obj);
      return;
    }
    if (n.type === 'identifier') {
      const p = n.parent;
      if (!(p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id)) out.push(n.text);
      return;
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  const args = root.childForFieldName('arguments');
  if (args) visit(args);
  return out;
}

function cudaStrength(ctx: PythonRuleContext, call: Node): Strength | undefined {
  const key = calleeKey(call);
  if (key.endsWith('.generate')) return undefined;
  const pl = placements(ctx);
  let best: Strength | undefined;
  for (const c of pl.calls) if (c.start >= call.startIndex && c.end <= call.endIndex) best = best === 'always' ? best : c.strength;
  for (const n of namesOf(call)) {
    const s = pl.names.get(n);
    if (s) best = best === 'always' ? best : s;
  }
  return best;
}

// Reading a CUDA tensor's values on the host waits for the GPU. Tokenizers' `decode` /
// `batch_decode` turn the ids into a list first (transformers' to_py_obj), so they wait too.
const SYNC_WORDS = ['synchronize', 'item', 'cpu', 'tolist', 'numpy', 'decode', 'batch_decode'];

function synchronized(ctx: PythonRuleContext, region: TimedRegion): boolean {
  const found = ctx.index.identifiers(SYNC_WORDS, region.open.statement.endIndex, region.close.call.startIndex);
  for (const [word, ids] of found) {
    for (const id of ids) {
      const attr = id.parent;
      if (attr?.type === 'attribute' && attr.childForFieldName('attribute')?.id === id.id && callOfFunction(attr)) return true;
      if (word === 'synchronize' && callOfFunction(id) && ctx.imports.qualifiedName(id) === 'torch.cuda.synchronize') return true;
    }
  }
  return false;
}

export function checkMissingSynchronize(ctx: PythonRuleContext): Finding[] {
  if (!ctx.imports.imports.some((i) => i.qualified === 'torch' || i.qualified?.startsWith('torch.'))) return [];
  const findings: Finding[] = [];
  const regions = analyzeTiming(ctx).regions.filter((r) => r.kind === 'host');
  if (regions.length === 0) return [];
  const pl = placements(ctx);
  if (pl.names.size === 0 && pl.calls.length === 0) return [];
  for (const region of regions) {
    const cuda = region.timedCalls.map((c) => ({ call: c, s: cudaStrength(ctx, c) })).filter((x) => x.s !== undefined);
    if (cuda.length === 0 || synchronized(ctx, region)) continue;
    const strength: Strength = cuda.some((x) => x.s === 'always') ? 'always' : 'maybe';
    const close = region.close;
    const imports: FixImport[] = [];
    let lines: string[] | undefined;
    const sync = pythonNameFor(ctx.source, ctx.root, ctx.imports, close.statement, 'torch.cuda.synchronize');
    if (sync && startsLine(ctx.source, close.statement)) {
      if (sync.import) imports.push(sync.import);
      lines = [`${sync.spelling}()`];
      if (strength === 'maybe') {
        const avail = pythonNameFor(ctx.source, ctx.root, ctx.imports, close.statement, 'torch.cuda.is_available');
        if (avail) {
          if (avail.import && !imports.some((i) => i.statement === avail.import!.statement)) imports.push(avail.import);
          lines = [`if ${avail.spelling}():`, indentUnit(ctx.source) + lines[0]!];
        } else lines = undefined;
      }
    }
    const first = cuda[0]!.call;
    findings.push({
      code: MISSING_SYNCHRONIZE_CODE,
      severity: 'warning',
      range: rangeOfNode(close.call),
      message:
        `${calleeKey(first)}(…) runs on CUDA, but nothing synchronises before this clock reading: CUDA kernels launch ` +
        'asynchronously, so the host clock measures the launch, not the execution (the work finishes later, inside whatever ' +
        'happens to synchronise next). Call torch.cuda.synchronize() before reading the clock, or time with CUDA events.',
      docs: docsLink(MISSING_SYNCHRONIZE_CODE),
      related: [
        ...cuda.map((x) => ({ range: rangeOfNode(x.call), message: 'CUDA work launched here' })),
        { range: rangeOfNode(region.open.call), message: 'the clock starts here' },
      ],
      fixes: lines
        ? [
            {
              title: 'Insert torch.cuda.synchronize() before reading the clock',
              safety: 'safe',
              edits: [insertLinesBefore(close.statement.startPosition.row, lineIndent(ctx.source, close.statement.startPosition.row), lines, ctx.eol)],
              imports,
            },
          ]
        : [],
    });
  }
  return findings;
}

export const MISSING_SYNCHRONIZE_RULE: Rule = {
  code: MISSING_SYNCHRONIZE_CODE,
  id: 'missing-synchronize',
  title: 'CUDA work timed with a host clock without synchronising',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkPython: checkMissingSynchronize,
};
