/**
 * LAT101 — a request handler runs the model on one item per request (Python).
 *
 * Flags a route handler (FastAPI / Starlette / Flask / Quart / Sanic; not Triton, whose server
 * batches through `dynamic_batching` in the model config) that makes exactly one call on a
 * model known in the module (`m(...)`, `m.forward/run/predict/encode(...)`, tokenizers not
 * counted), has no `for` / `while` / comprehension before or around that call (it may already
 * handle a list), pads or stacks nothing before it (`padding=`, `torch.cat` / `stack`,
 * `np.concatenate`: a batch is being built), takes no parameter annotated as a list
 * (`List[...]`, `list[...]`, `Sequence[...]`, or a class of the file with such a field), and
 * does not pass `batch_size=` or a multi-item list literal. Models created in the handler
 * itself count too (hint only: LAT002 comes first).
 *
 * Fix (unsafe: it changes the call path — requests wait up to 5 ms for company, share one model
 * call run in the event loop's default executor, and an error fails the whole batch) for async
 * handlers whose inference statement is `y = m(x, <module-level kwargs>)` on a module-level
 * `transformers.pipeline` with a literal task whose batch output lines up with single calls
 * (text / token classification, fill-mask, zero-shot, image classification), or
 * `y = m.encode(x, ...)` on a `SentenceTransformer`: inserts a small `MicroBatcher` class (an
 * `asyncio.Queue` of `(item, future)`, a worker that takes the first item, picks a batch size
 * from the queue length — 1 when nobody else waits, 8 when a few do, 32 when many do — gathers
 * until that size or 5 ms, runs the batch function once and resolves each future), a batch
 * function making the same call on a list, and `y = await BATCHER.submit(x)` in the handler.
 * Sync handlers and other models get the finding without a fix.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type FixImport, type TextEdit } from '../findings';
import { indentUnit, insertLinesBefore, pythonNameFor, rangeOfNode } from '../pyEdit';
import { fileScopes, scopeType } from '../pyModels';
import type { PythonRuleContext } from '../rule';
import {
  describeHandler,
  enclosingDef,
  field,
  freeModuleName,
  type Handler,
  hasMultilineString,
  isLocalName,
  keywordArg,
  kids,
  loopSpansIn,
  type ModelUse,
  modelUsesIn,
  ownsLines,
  parameterList,
  positionalArgs,
  readNames,
  rowAbove,
  same,
  servingModule,
  statementOf,
} from '../pyServing';

export const BATCHING_CODE = 'LAT101';

const USE_METHODS: ReadonlySet<string> = new Set(['forward', 'run', 'predict', 'encode']);
/** Pipeline tasks where `pipe(list)[i]` is what `pipe(item)` returns (text-classification: wrapped in a list). */
const BATCHABLE_TASKS = new Set(['text-classification', 'sentiment-analysis', 'token-classification', 'ner', 'fill-mask', 'zero-shot-classification', 'image-classification']);
const BUILDS_BATCH = /\bpadding\s*=|\b(cat|stack|vstack|concatenate|concat|pad_sequence)\s*\(/;
const LEGACY_LIST_TASKS = new Set(['text-classification', 'sentiment-analysis']);
const LIST_TYPE = /^\s*(typing\.)?(List|list|Sequence|Iterable|Tuple|tuple|Set|set|conlist)\b/;
const LIST_FIELD = /:\s*(typing\.)?(List|list|Sequence|Iterable|Tuple|tuple|conlist)\b|=\s*conlist\(/;

/**
 * Whether a loop or comprehension of the handler runs the call or comes before it (it may
 * already handle a list of items). Loops after the call only post-process its result.
 */
function loopsBefore(ctx: PythonRuleContext, body: Node, call: Node): boolean {
  const b0 = body.startIndex;
  const b1 = body.endIndex;
  const c0 = call.startIndex;
  const c1 = call.endIndex;
  return loopSpansIn(ctx, b0, b1).some((l) => l.start >= b0 && l.end <= b1 && (l.start < c0 || (c0 >= l.start && c1 <= l.end)));
}

/** Whether a parameter is annotated as a list, or as a class of this file with a list field. */
function takesList(ctx: PythonRuleContext, fn: Node): boolean {
  for (const p of parameterList(fn)) {
    const type = field(p, 'type');
    if (!type) continue;
    if (LIST_TYPE.test(type.text)) return true;
    const t = kids(type)[0];
    if (t?.type === 'identifier' && listClasses(ctx).has(t.text)) return true;
  }
  return false;
}

const listClassCache = new WeakMap<object, Set<string>>();

/** Names of the file's classes with a list-typed field (request bodies carrying several items). */
function listClasses(ctx: PythonRuleContext): Set<string> {
  let hit = listClassCache.get(ctx.index);
  if (!hit) {
    hit = new Set();
    for (const s of fileScopes(ctx)) {
      const n = s.node;
      if (scopeType(s) === 'class_definition' && LIST_FIELD.test(field(n, 'body')?.text ?? '')) hit.add(field(n, 'name')?.text ?? '');
    }
    listClassCache.set(ctx.index, hit);
  }
  return hit;
}

function pipelineTask(call: Node): string | undefined {
  const t = keywordArg(call, 'task') ?? positionalArgs(call)[0];
  if (!t || t.type !== 'string') return undefined;
  return kids(t).find((k) => k.type === 'string_content')?.text;
}

interface Candidate {
  h: Handler;
  use: ModelUse;
  /** Batch function body (`return ...`), when a fix is possible. */
  batchReturn?: string;
  /** Why no fix. */
  reason?: string;
}

function planCandidate(ctx: PythonRuleContext, h: Handler, use: ModelUse): { batchReturn?: string; reason?: string } {
  const noFix = (reason: string): { reason: string } => ({ reason });
  if (!h.isAsync) return noFix('the handler is synchronous; batch across requests in the server instead: a queue in front of the model, or a serving runtime with dynamic batching');
  const m = use.model;
  const c = m.creation;
  if (m.scope) return noFix('the model is created in the handler itself: load it once first (LAT002)');
  const task = c.kind === 'pipeline' ? pipelineTask(c.call) : undefined;
  const isPipe = c.kind === 'pipeline' && use.method === '' && !!task && BATCHABLE_TASKS.has(task);
  const isST = c.kind === 'sentence-transformers' && c.qualified.endsWith('.SentenceTransformer') && use.method === 'encode';
  if (!isPipe && !isST) return noFix('batching this model means stacking inputs into one batch and splitting its outputs; write that batch function and queue requests as docs/rules/LAT101.md shows');
  const stmt = statementOf(use.call);
  const asg = kids(stmt)[0];
  const body = field(h.fn, 'body');
  if (
    stmt.type !== 'expression_statement' ||
    asg?.type !== 'assignment' ||
    !same(field(asg, 'right'), use.call) ||
    field(asg, 'left')?.type !== 'identifier' ||
    !same(stmt.parent, body) ||
    !ownsLines(ctx.source, stmt) ||
    hasMultilineString(use.call.text) ||
    h.top.parent?.type !== 'module' ||
    m.key.startsWith('self.')
  ) {
    return noFix('the inference statement is not a simple `y = model(x)` in an async handler at module level');
  }
  const args = kids(field(use.call, 'arguments')!).filter((a) => a.type !== 'comment');
  const positional = args.filter((a) => a.type !== 'keyword_argument');
  if (positional.length !== 1 || args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return noFix('the call does not take exactly one input');
  const kwargs = args.filter((a) => a.type === 'keyword_argument');
  for (const kw of kwargs) {
    const v = field(kw, 'value');
    const names = v ? readNames(v) : [];
    if (names.some((n) => n.type !== 'identifier' || isLocalName(ctx, h.fn, n.text) || ctx.imports.resolveName(n.text, h.top).status === 'unbound')) {
      return noFix('the call has keyword arguments that depend on the request');
    }
  }
  if (enclosingDef(m.statement) !== null || ctx.imports.resolveName(m.key, h.top).status === 'unbound') return noFix('the model is not defined above the handler');
  const kwText = kwargs.map((k) => `, ${k.text.replace(/\r?\n\s*/g, ' ')}`).join('');
  if (isST) return { batchReturn: `return ${m.key}.encode(items${kwText})` };
  const call = `${m.key}(items, batch_size=len(items)${kwText})`;
  const legacy = LEGACY_LIST_TASKS.has(task!) && !kwargs.some((k) => field(k, 'name')?.text === 'top_k');
  return { batchReturn: legacy ? `return [[result] for result in ${call}]` : `return ${call}` };
}

function batcherClass(a: string, u: string, name: string): string[] {
  const b = (n: number, l: string): string => u.repeat(n) + l;
  return [
    `class ${name}:`,
    b(1, '"""Dynamic micro-batching: single items wait up to max_wait_ms to share one batch_fn call."""'),
    '',
    b(1, 'def __init__(self, batch_fn, max_wait_ms=5.0, batch_sizes=(1, 8, 32)):'),
    b(2, 'self.batch_fn = batch_fn'),
    b(2, 'self.max_wait = max_wait_ms / 1000'),
    b(2, 'self.batch_sizes = batch_sizes'),
    b(2, 'self.queue = None'),
    b(2, 'self.worker = None'),
    '',
    b(1, 'def max_batch_size(self):'),
    b(2, '# 1 when nobody else waits (no added latency), larger as the queue grows.'),
    b(2, 'waiting = self.queue.qsize()'),
    b(2, 'if waiting == 0:'),
    b(3, 'return self.batch_sizes[0]'),
    b(2, 'if waiting < self.batch_sizes[1]:'),
    b(3, 'return self.batch_sizes[1]'),
    b(2, 'return self.batch_sizes[2]'),
    '',
    b(1, 'async def submit(self, item):'),
    b(2, `loop = ${a}.get_running_loop()`),
    b(2, 'if self.queue is None:'),
    b(3, `self.queue = ${a}.Queue()`),
    b(2, 'if self.worker is None or self.worker.done():'),
    b(3, 'self.worker = loop.create_task(self.run())'),
    b(2, 'future = loop.create_future()'),
    b(2, 'self.queue.put_nowait((item, future))'),
    b(2, 'return await future'),
    '',
    b(1, 'async def run(self):'),
    b(2, `loop = ${a}.get_running_loop()`),
    b(2, 'while True:'),
    b(3, 'batch = [await self.queue.get()]'),
    b(3, 'size = self.max_batch_size()'),
    b(3, 'deadline = loop.time() + self.max_wait'),
    b(3, 'while len(batch) < size:'),
    b(4, 'while len(batch) < size and not self.queue.empty():'),
    b(5, 'batch.append(self.queue.get_nowait())'),
    b(4, 'if len(batch) >= size or loop.time() >= deadline:'),
    b(5, 'break'),
    b(4, `await ${a}.sleep(min(0.001, deadline - loop.time()))`),
    b(3, 'try:'),
    b(4, 'results = await loop.run_in_executor(None, self.batch_fn, [item for item, _ in batch])'),
    b(4, 'if len(results) != len(batch):'),
    b(5, 'raise RuntimeError(f"batch_fn returned {len(results)} results for {len(batch)} items")'),
    b(3, 'except Exception as exc:'),
    b(4, 'for _, future in batch:'),
    b(5, 'if not future.done():'),
    b(6, 'future.set_exception(exc)'),
    b(4, 'continue'),
    b(3, 'for (_, future), result in zip(batch, results):'),
    b(4, 'if not future.done():'),
    b(5, 'future.set_result(result)'),
  ];
}

/** An existing module-level `class MicroBatcher` with `submit`, if any. */
function existingBatcher(ctx: PythonRuleContext): string | undefined {
  for (const id of ctx.index.named('MicroBatcher')) {
    const cls = id.parent;
    if (cls?.type === 'class_definition' && same(field(cls, 'name'), id) && cls.parent?.type === 'module' && /\bdef submit\b/.test(cls.text)) return 'MicroBatcher';
  }
  return undefined;
}

export function checkBatching(ctx: PythonRuleContext): Finding[] {
  const serving = servingModule(ctx);
  const candidates: Candidate[] = [];
  for (const h of serving.handlers) {
    if (h.framework === 'triton') continue;
    const body = field(h.fn, 'body');
    if (!body) continue;
    const uses = modelUsesIn(ctx, h, USE_METHODS).filter((u) => u.model.creation.kind !== 'hf-aux');
    if (uses.length !== 1) continue;
    const use = uses[0]!;
    if (loopsBefore(ctx, body, use.call) || takesList(ctx, h.fn)) continue;
    // Padding several texts, or stacking rows, builds a batch already (text test: errs towards silence).
    if (BUILDS_BATCH.test(ctx.source.slice(body.startIndex, use.call.startIndex))) continue;
    if (keywordArg(use.call, 'batch_size')) continue;
    const first = positionalArgs(use.call)[0];
    if (first && (first.type === 'list' || first.type === 'tuple') && first.namedChildCount > 1) continue;
    candidates.push({ h, use, ...planCandidate(ctx, h, use) });
  }
  if (candidates.length === 0) return [];

  const fixable = candidates.filter((c) => c.batchReturn);
  const unit = indentUnit(ctx.source);
  let classEdit: TextEdit | undefined;
  let asyncioImport: FixImport | undefined;
  let className: string | undefined;
  const taken = new Set<string>();
  if (fixable.length > 0) {
    const first = fixable[0]!;
    const a = pythonNameFor(ctx.source, ctx.root, ctx.imports, first.h.top, 'asyncio');
    className = existingBatcher(ctx);
    if (!a) {
      for (const c of fixable) {
        c.reason = 'no free name for the asyncio module';
        delete c.batchReturn;
      }
    } else {
      asyncioImport = a.import;
      if (!className) {
        className = freeModuleName(ctx, 'MicroBatcher', taken);
        classEdit = insertLinesBefore(rowAbove(first.h.top), '', [...batcherClass(a.spelling, unit, className), '', ''], ctx.eol);
      }
    }
  }

  const findings: Finding[] = [];
  for (const c of candidates) {
    const { h, use } = c;
    const callee = field(use.call, 'function')?.text ?? use.model.key;
    let fix: Fix | undefined;
    if (c.batchReturn && className) {
      const fnName = freeModuleName(ctx, `_${h.name}_batch`, taken);
      const batcher = freeModuleName(ctx, `_${h.name.toUpperCase()}_BATCHER`, taken);
      const arg = positionalArgs(use.call)[0]!;
      const lines = [`def ${fnName}(items):`, unit + c.batchReturn, '', '', `${batcher} = ${className}(${fnName}, max_wait_ms=5.0)`, '', ''];
      fix = {
        title: `Queue requests into a dynamic micro-batcher (changes the call path: waits up to 5 ms, one \`${use.model.key}\` call per batch)`,
        safety: 'unsafe',
        edits: [...(classEdit ? [classEdit] : []), insertLinesBefore(rowAbove(h.top), '', lines, ctx.eol), { range: rangeOfNode(use.call), newText: `await ${batcher}.submit(${arg.text})` }],
        imports: asyncioImport ? [asyncioImport] : [],
      };
    }
    findings.push({
      code: BATCHING_CODE,
      severity: 'information',
      range: rangeOfNode(use.call),
      message:
        `Request handler ${describeHandler(h)} runs \`${callee}(...)\` on one input per request, so concurrent requests each pay a full model call. ` +
        `Batching them can raise throughput at some latency cost: on one host, batching 1 → 64 took a small encoder from 1,031 to 8,449 items/s ` +
        `while p50 rose from 0.97 to 7.6 ms — measure yours under your load and latency budget.` +
        (fix ? '' : ` No automatic fix (${c.reason ?? 'unsupported shape'}).`),
      docs: docsLink(BATCHING_CODE),
      related: [
        { range: rangeOfNode(field(h.fn, 'name') ?? h.fn), message: 'request handler' },
        { range: rangeOfNode(use.model.creation.call), message: `\`${use.model.key}\` is created here` },
      ],
      fixes: fix ? [fix] : [],
    });
  }
  return findings;
}
