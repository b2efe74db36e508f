// One HTTP endpoint benchmark: a closed loop at a fixed concurrency (closedLoop.ts). The result
// has the same shape as an ONNX run's: the first request (on a fresh connection, whose TCP
// connect and TLS handshake are not timed: see below) is the cold start, then `warmup` requests,
// then `iterations` measured ones; loadMs is 0 (the server was loaded before the benchmark
// began); no session, no inputs.
//
// - The client (httpClient.ts) keeps at most `concurrency` keep-alive connections of its own
//   (node:net / node:tls, http-parser-js), so every worker keeps one connection and reuses it.
// - A sample runs from just before the request's bytes are written to its connection to the end
//   of the response body (performance.now()): waiting for a connection and connecting are the
//   client's time, not the server's. A JSON body is parsed after the clock stopped, only to
//   check it.
// - A failed request is never a sample: refused, timeout (no full response within the timeout:
//   the request is aborted), status (not expected), malformed (a JSON content type whose body
//   does not parse), dropped (the connection closed before the response was complete), other.
//   They are counted in `result.errors` (measured requests only; warm-up failures are logged)
//   and the run goes on; throughput is successful responses per second.
// - Nothing to measure is an error, not a result: a refused (or otherwise unconnectable) first
//   request, or no success among the first MAX_FAILURES_BEFORE_SUCCESS requests (or in the whole
//   run, when it is shorter) throws BenchmarkError 'httpFailed'.
// - Cancellation aborts the requests in flight (not counted) and returns a partial result. The
//   client is closed on every way out, so no socket outlives the run.
// - Peak memory: the endpoint runs in another process, often on another machine, so its memory
//   cannot be read from here. memory.peakRssBytes is the profiler's own peak RSS, which says what
//   the client cost, not what the model did.

import type { BenchmarkConfig } from '../core/config';
import type { BenchmarkResult, RequestErrors } from '../core/result';
import type { SystemSnapshot } from '../core/system';
import type { HttpSpec } from '../core/target';
import { runClosedLoop } from './closedLoop';
import { EndpointSession } from './endpointSession';
import { HttpClient, failedError, mergeRequestErrors } from './httpClient';
import { httpTargetOf, resolveRequest, type ResolvedRequest } from './httpRequest';
import { prepareMachine, type BenchmarkEvents } from './onnxBenchmark';
import { runRepeated } from './repeatBenchmark';

export interface HttpBenchmarkOptions {
  spec: HttpSpec;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  /** Complete runs (fresh connections, cold start, warm-up, measured requests), combined as for ONNX. */
  repeat?: number;
}

/** With no success among this many first requests, the run stops with an error. */
export const MAX_FAILURES_BEFORE_SUCCESS = 10;
/** While requests are in flight, a cancel is looked for this often (besides after every response). */
const CANCEL_POLL_MS = 100;
const TELEMETRY_INTERVAL_MS = 500;

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
/** The profiler's own peak RSS: the endpoint's memory is out of reach (see the file notes). */
const ownPeakRss = (): number => process.resourceUsage().maxRSS * 1024;

export async function runHttpBenchmark(opts: HttpBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runHttpBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  if (opts.spec.sweep !== undefined || opts.spec.rate !== undefined) throw new RangeError('runHttpBenchmark: a sweep or an open loop goes through runHttpTarget (httpLoad.ts)');
  const ctx = await prepareHttpRun(opts, events);
  // combineRepeats knows nothing of request errors: those of the repeats kept are added up here.
  const kept: RequestErrors[] = [];
  const once = async (ev: BenchmarkEvents) => {
    const r = await runHttpSession(ctx, ev);
    if (r.errors && !r.partial) kept.push(r.errors);
    return r;
  };
  if (repeat === 1) return runHttpSession(ctx, events);
  const result = await runRepeated(repeat, once, events);
  if (!result.errors && kept.length > 0) result.errors = mergeRequestErrors(kept);
  return result;
}

// ---------------------------------------------------------------------------------------------
// One session: fresh connections, cold start, warm-up, measured requests

export interface HttpSessionContext extends HttpBenchmarkOptions {
  /** The request, its `concurrency` the number of workers (a sweep runs one session per level). */
  request: ResolvedRequest;
  system: SystemSnapshot | null;
}

/** The request settled and the machine prepared (pinning, pre-flight readings): once per run, whatever the sessions. */
export async function prepareHttpRun(opts: HttpBenchmarkOptions, events: BenchmarkEvents): Promise<HttpSessionContext> {
  const request = resolveRequest(opts.spec);
  const system = await prepareMachine(opts.config, events.log ?? (() => undefined));
  return { ...opts, request, system };
}

/** One closed-loop session at `ctx.request.concurrency` (see the file notes). */
export async function runHttpSession(ctx: HttpSessionContext, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { config, request, system } = ctx;
  const target = httpTargetOf(request);
  const client = new HttpClient(request);
  const session = await EndpointSession.open({ target, config, system, events, cancel: () => client.cancelAll() });
  try {
    if (events.isCancelled()) return await session.finish('cancelled', { partialReason: 'cancelled', planned: config.iterations });
    // Nothing answered at all: no use trying nine more times.
    if (!session.coldStart(await client.send(), request, ['refused', 'other'])) return await session.finish('cancelled', { partialReason: 'cancelled', planned: config.iterations });
    if (config.warmup < request.concurrency) {
      session.log('info', `fewer warm-up requests (${config.warmup}) than concurrency (${request.concurrency}): some measured requests open a fresh connection`);
    }
    const end = await runClosedLoop(session, client, {
      config,
      concurrency: request.concurrency,
      ...(ctx.progressIntervalMs !== undefined ? { progressIntervalMs: ctx.progressIntervalMs } : {}),
      keepAwake: request.busyPoll === true,
      sampleOf: (o) => o.ms,
      allFailed: () => failedError(request, session.beforeSuccess),
    });
    return await session.finish(end.stopReason, {
      ...(end.stopReason === 'cancelled' ? { partialReason: 'cancelled' } : {}),
      ...(end.measuredWallMs !== undefined ? { measuredWallMs: end.measuredWallMs } : {}),
      planned: config.iterations,
    });
  } finally {
    client.close();
    await session.dispose();
  }
}
