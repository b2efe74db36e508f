// An OpenAI-compatible LLM endpoint, streamed (`latency bench --openai URL --model M --prompts F`):
// a closed loop at a fixed concurrency, each worker sending the next prompt of the file (in turn,
// wrapping around) with `stream: true` and reading the Server-Sent Events to the end.
//
// - Per request (streamClient.ts, core/openaiStream.ts): TTFT = send → first token-bearing
//   chunk; the gaps between token-bearing chunks (ITL); e2e = send → end of the response; the
//   output tokens from the server's usage (asked for with stream_options.include_usage) or, when
//   it sends none, the token-bearing chunks counted.
// - The result is an HTTP endpoint's: samplesMs are the e2e latencies, so the statistics, the
//   panel, comparisons and history work unchanged; `target.llm` says what was asked and
//   `result.streaming` (core/llmMetrics.ts) holds TTFT, TPOT, ITL, tokens/s and goodput of the
//   measured requests.
// - Phases as for any endpoint (httpBenchmark.ts): the first request is the cold start (fresh
//   connection; a server's first generation often compiles or allocates), then `warmup` requests,
//   then `iterations` measured ones (or an adaptive stop on the e2e CIs). A request counts towards
//   its phase whether it succeeded or failed.
// - Failures are counted apart (result.errors), never samples: refused, timeout (no complete
//   answer within the timeout), status, malformed (not an event stream, a chunk that is not JSON,
//   a stream without a single token), dropped (closed mid-stream), other (an error event in the
//   stream). A refused first request, or no success among the first MAX_FAILURES_BEFORE_SUCCESS,
//   is an error ('httpFailed'), not a result.
// - Cancel (polled after every answer and on a timer) aborts what is in flight and returns the
//   partial result, streaming figures of the requests that finished included.

import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { AdaptiveStopper } from '../core/adaptiveStop';
import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import { buildStreamingReport, isEmptySlo, type Slo } from '../core/llmMetrics';
import { openAiEndpoint, type OpenAiApi, type StreamRecord } from '../core/openaiStream';
import { PromptsError, checkPromptsForApi, parsePrompts, requestBody, sharedPrefixText } from '../core/prompts';
import type { BenchmarkResult, HttpTarget, StopReason } from '../core/result';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { SystemSnapshot } from '../core/system';
import { DEFAULT_MAX_TOKENS, DEFAULT_OPENAI_TIMEOUT_SECONDS, type OpenAiSpec } from '../core/target';
import { computeVerdicts } from '../core/verdicts';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { ErrorTally, describeTally, firstFailedError, formatSeconds, mergeRequestErrors } from './httpClient';
import type { ResolvedRequest } from './httpRequest';
import { runClosedLoop } from './closedLoop';
import { EndpointSession } from './endpointSession';
import { prepareMachine, type BenchmarkEvents } from './onnxBenchmark';
import { runRepeated } from './repeatBenchmark';
import { StreamClient, type StreamOutcome } from './streamClient';
import { TelemetrySampler } from './telemetry';

export interface OpenAiBenchmarkOptions {
  spec: OpenAiSpec;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  repeat?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;


/** The spec settled: the endpoint, the bodies to send in turn, what the target records. */
export interface ResolvedOpenAi {
  api: OpenAiApi;
  /** For the HTTP client's error helpers (firstFailedError). */
  request: ResolvedRequest;
  headers: Record<string, string>;
  /** One JSON body per prompt, sent in turn. */
  bodies: string[];
  slo: Slo | undefined;
  target: HttpTarget;
}

/** Reads and checks everything before the first request: the URL, the numbers, the prompts file. */
export async function resolveOpenAi(spec: OpenAiSpec): Promise<ResolvedOpenAi> {
  let endpoint: { url: string; api: OpenAiApi };
  try {
    endpoint = openAiEndpoint(spec.url, spec.api);
  } catch (err) {
    throw new BenchmarkError((err as Error).message, { kind: 'httpFailed', hint: 'Give the base URL, e.g. http://127.0.0.1:8000/v1, and pick the API with --api chat|completions.' });
  }
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    throw new BenchmarkError(`Not a valid URL: ${spec.url}`, { kind: 'httpFailed', hint: 'Write the server\'s base address, e.g. http://127.0.0.1:8000/v1.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BenchmarkError(`Only http:// and https:// URLs can be benchmarked, not ${url.protocol}// (${spec.url})`, { kind: 'httpFailed', hint: 'Write the address the server listens on, e.g. http://127.0.0.1:8000/v1.' });
  }
  if (!spec.model.trim()) throw new BenchmarkError('No model named: an OpenAI-compatible server needs "model" in every request', { kind: 'httpFailed', hint: 'Give --model NAME (the name the server lists at GET /v1/models).' });
  const concurrency = spec.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`runOpenAiBenchmark: concurrency must be an integer ≥ 1, got ${concurrency}`);
  const maxTokens = spec.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new RangeError(`runOpenAiBenchmark: maxTokens must be an integer ≥ 1, got ${maxTokens}`);
  const prefixWords = spec.sharedPrefix ?? 0;
  if (!(Number.isInteger(prefixWords) && prefixWords >= 0)) throw new RangeError(`runOpenAiBenchmark: sharedPrefix must be an integer ≥ 0, got ${prefixWords}`);
  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_OPENAI_TIMEOUT_SECONDS;
  if (!(timeoutSeconds > 0)) throw new RangeError(`runOpenAiBenchmark: timeoutSeconds must be > 0, got ${timeoutSeconds}`);

  const file = path.resolve(spec.promptsFile);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new BenchmarkError(`Cannot read the prompts file ${file}: ${(err as Error).message}`, { kind: 'inputRejected', hint: 'Give --prompts FILE: one prompt per line (.txt), or {"prompt": …} / {"messages": […]} per line (.jsonl).' });
  }
  let bodies: string[];
  let count: number;
  try {
    const prompts = parsePrompts(bytes.toString('utf8'), path.basename(file));
    checkPromptsForApi(prompts, endpoint.api, path.basename(file));
    const prefix = sharedPrefixText(prefixWords);
    bodies = prompts.map((p) => JSON.stringify(requestBody(p, { api: endpoint.api, model: spec.model, maxTokens, prefix })));
    count = prompts.length;
  } catch (err) {
    if (!(err instanceof PromptsError)) throw err;
    throw new BenchmarkError(`Bad prompts file: ${err.message}`, { kind: 'inputRejected', hint: 'A .txt file holds one prompt per line; a .jsonl file one {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]} per line; a .json file an array of them.' });
  }
  const timeoutMs = Math.min(timeoutSeconds * 1000, MAX_TIMER_MS);
  const headers = { ...(spec.headers ?? {}) };
  const slo = isEmptySlo(spec.slo) ? undefined : { ...spec.slo };
  const href = endpoint.url;
  return {
    api: endpoint.api,
    // Only what the shared error messages read: each request's body is one of `bodies`, sent by the stream client.
    request: { url, href, method: 'POST', headers, body: undefined, next: () => ({ body: undefined, headers }), concurrency, expectedStatus: undefined, timeoutMs },
    headers,
    bodies,
    slo,
    target: {
      kind: 'http',
      path: href,
      name: `POST ${href}`,
      url: href,
      method: 'POST',
      concurrency,
      timeoutMs,
      llm: { api: endpoint.api, model: spec.model, prompts: { file, count, sha256: createHash('sha256').update(bytes).digest('hex') }, maxTokens, sharedPrefixWords: prefixWords },
    },
  };
}

export async function runOpenAiBenchmark(opts: OpenAiBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runOpenAiBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  const resolved = await resolveOpenAi(opts.spec);
  const system = await prepareMachine(opts.config, events.log ?? (() => undefined));
  events.log?.('info', `${resolved.target.llm!.prompts.count} prompts from ${resolved.target.llm!.prompts.file}, sent in turn to ${resolved.target.url} (${resolved.api} API, max_tokens ${resolved.target.llm!.maxTokens})`);
  const ctx: SessionContext = { ...opts, resolved, system };
  if (repeat === 1) return (await runSession(ctx, events)).result;
  // The repeats' streaming figures are pooled from their requests, as their samples are.
  const kept: Session[] = [];
  const result = await runRepeated(
    repeat,
    async (ev) => {
      const s = await runSession(ctx, ev);
      if (!s.result.partial) kept.push(s);
      return s.result;
    },
    events,
  );
  if (result.repeats && kept.length > 0) {
    if (!result.errors) result.errors = mergeRequestErrors(kept.map((s) => s.result.errors!));
    result.streaming = buildStreamingReport(
      kept.flatMap((s) => s.records),
      { attempted: kept.reduce((a, s) => a + s.attempted, 0), wallMs: kept.reduce((a, s) => a + s.wallMs, 0), ...(resolved.slo ? { slo: resolved.slo } : {}) },
    );
  }
  return result;
}

interface SessionContext extends OpenAiBenchmarkOptions {
  resolved: ResolvedOpenAi;
  system: SystemSnapshot | null;
}

interface Session {
  result: BenchmarkResult;
  records: StreamRecord[];
  attempted: number;
  wallMs: number;
}

async function runSession(ctx: SessionContext, events: BenchmarkEvents): Promise<Session> {
  const { config, resolved, system } = ctx;
  const client = new StreamClient({ url: resolved.request.url, api: resolved.api, headers: resolved.headers, concurrency: resolved.request.concurrency, timeoutMs: resolved.request.timeoutMs });
  const session = await EndpointSession.open({ target: resolved.target, config, system, events, cancel: () => client.cancelAll() });
  const records: StreamRecord[] = [];
  let noDone = 0;
  let next = 0;
  const send = () => client.send(resolved.bodies[next++ % resolved.bodies.length]!);

  const finish = async (stopReason: StopReason, partialReason?: string, measuredWallMs?: number): Promise<Session> => {
    const result = await session.finish(stopReason, { ...(partialReason !== undefined ? { partialReason } : {}), ...(measuredWallMs !== undefined ? { measuredWallMs } : {}), planned: config.iterations });
    const wallMs = measuredWallMs ?? 0;
    const attempted = session.measuredErrors.attempted;
    result.streaming = buildStreamingReport(records, { attempted, wallMs, ...(resolved.slo ? { slo: resolved.slo } : {}) });
    if (noDone > 0) session.log('info', `${noDone} streams ended without "data: [DONE]" (their answers were complete, so they count)`);
    if (result.streaming.requests > 0 && result.streaming.tokenCount !== 'usage') {
      session.log('info', 'the server sent no usage with the stream (stream_options.include_usage): output tokens are counted as token-bearing chunks, which is exact only when it sends one token per chunk');
    }
    return { result, records, attempted, wallMs };
  };

  try {
    if (events.isCancelled()) return await finish('cancelled', 'cancelled');
    const cold = await send();
    // Nothing listens: no use trying nine more times. (An 'other' may be an error event in one stream.)
    if (!session.coldStart('ok' in cold && cold.ok ? { ok: true, ms: cold.record.e2eMs } : cold, resolved.request, ['refused'])) return await finish('cancelled', 'cancelled');
    if ('ok' in cold && cold.ok) session.log('info', `cold start: first token after ${cold.record.ttftMs.toFixed(1)} ms, whole answer (${cold.record.outputTokens} tokens) after ${cold.record.e2eMs.toFixed(1)} ms`);
    const end = await runClosedLoop<Extract<StreamOutcome, { ok: true }>>(session, { send, cancelAll: () => client.cancelAll() }, {
      config,
      concurrency: resolved.request.concurrency,
      ...(ctx.progressIntervalMs !== undefined ? { progressIntervalMs: ctx.progressIntervalMs } : {}),
      sampleOf: (o) => o.record.e2eMs,
      onSuccess: (o, phase) => {
        if (!o.sawDone) noDone++;
        if (phase === 'measure') records.push(o.record);
      },
      allFailed: () => allFailedError(resolved, session.beforeSuccess),
    });
    return await finish(end.stopReason, end.stopReason === 'cancelled' ? 'cancelled' : undefined, end.measuredWallMs);
  } finally {
    client.close();
    await session.dispose();
  }
}

/** Nothing streamed: what failed, with a hint for the kind that did. */
function allFailedError(r: ResolvedOpenAi, t: ErrorTally): BenchmarkError {
  const kinds = Object.keys(t.byKind);
  const only = kinds.length === 1 ? kinds[0] : undefined;
  const model = r.target.llm!.model;
  const hint =
    only === 'status'
      ? `Check the URL (the API's path is added to a base such as http://host:8000/v1), the model name ("${model}", as GET /v1/models lists it) and any --header the server needs (an API key); the details hold the server's own answers.`
      : only === 'timeout'
        ? `Raise --timeout (now ${formatSeconds(r.request.timeoutMs)}) if one whole answer really takes this long, or lower --max-tokens.`
        : only === 'malformed'
          ? 'The server did not stream OpenAI-style chunks: check that it supports "stream": true on this endpoint (curl -N it), and the details for what it sent.'
          : 'Check the endpoint with curl -N; the details hold the first errors verbatim.';
  return new BenchmarkError(`Every request to POST ${r.request.href} failed: ${t.count} of ${t.count} failed (${describeTally(t)}).`, { kind: 'httpFailed', hint, details: t.examples.join('\n') });
}
