// One HTTP endpoint benchmark: a closed loop at a fixed concurrency. `concurrency` workers each
// send a request, wait for the whole response, and send the next, so exactly `concurrency`
// requests are in flight at any moment (save while a phase ramps down). The result has the same
// shape as an ONNX run's: the first request (on a fresh connection, whose TCP connect and TLS
// handshake are not timed: see below) is the cold start, then `warmup` requests, then
// `iterations` measured ones; loadMs is 0 (the server was loaded before the benchmark began); no
// session, no inputs.
//
// - The client (httpClient.ts) keeps at most `concurrency` keep-alive connections of its own
//   (node:net / node:tls, http-parser-js), so every worker keeps one connection and reuses it.
// - A sample runs from just before the request's bytes are written to its connection to the end
//   of the response body (performance.now()): waiting for a connection and connecting are the
//   client's time, not the server's. A JSON body is parsed after the clock stopped, only to
//   check it.
// - Phases are counted in requests issued: warm-up issues `warmup` requests and waits for them
//   all, then the measured phase issues `iterations` (fixed) or up to maxIterations (adaptive).
//   A request counts whether it succeeded or failed, so a failing server cannot keep a run
//   going for ever. The measured phase's wall clock runs from its start to its last response;
//   throughput is successful responses per second over it (summarize(samples, wall)).
// - A failed request is never a sample: refused, timeout (no full response within the timeout:
//   the request is aborted), status (not expected), malformed (a JSON content type whose body
//   does not parse), dropped (the connection closed before the response was complete), other.
//   They are counted in `result.errors` (measured requests only; warm-up failures are logged)
//   and the run goes on.
// - Nothing to measure is an error, not a result: a refused (or otherwise unconnectable) first
//   request, or no success among the first MAX_FAILURES_BEFORE_SUCCESS requests (or in the whole
//   run, when it is shorter) throws BenchmarkError 'httpFailed'.
// - Cancellation is polled after every response and on a timer (CANCEL_POLL_MS); it aborts the
//   requests in flight (not counted) and returns a partial result. The client is closed on
//   every way out, so no socket outlives the run.
// - Peak memory: the endpoint runs in another process, often on another machine, so its memory
//   cannot be read from here. memory.peakRssBytes is the profiler's own peak RSS
//   (process.resourceUsage().maxRSS), which says what the client cost, not what the model did.

import { AdaptiveStopper } from '../core/adaptiveStop';
import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import type { BenchmarkResult, RequestErrors, StopReason } from '../core/result';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { SystemSnapshot } from '../core/system';
import type { HttpSpec } from '../core/target';
import { computeVerdicts } from '../core/verdicts';
import type { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { ErrorTally, HttpClient, describeTally, failedError, firstFailedError, mergeRequestErrors } from './httpClient';
import { httpTargetOf, resolveRequest, type ResolvedRequest } from './httpRequest';
import { prepareMachine, type BenchmarkEvents } from './onnxBenchmark';
import { runRepeated } from './repeatBenchmark';
import { TelemetrySampler } from './telemetry';

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
  const log = events.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  // Before the first request: systeminformation starts processes of its own.
  const environment = await collectEnvironment();
  const target = httpTargetOf(request);
  const header: RunHeader = { target, config: recordedRunConfig(config, { inputs: [] }), environment, startedAt, loadMs: 0, system };
  const assembler = new ResultAssembler();
  assembler.start(header);
  events.onStarted?.(header);

  const client = new HttpClient(request);
  const measuredErrors = new ErrorTally();
  /** Every failure before the first success, any phase: what the 'httpFailed' error describes. */
  const beforeSuccess = new ErrorTally();
  let succeeded = 0;
  let warmupFailures = 0;
  let measuredWallMs: number | undefined;
  const where = { phase: 'warmup' as 'warmup' | 'measure', run: 0 };
  const telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: system?.gpu.status === 'present', where, mode: 'polled' });
  const cancelTimer = setInterval(() => {
    if (events.isCancelled()) client.cancelAll();
  }, CANCEL_POLL_MS);

  const finish = (stopReason: StopReason, partialReason?: string): BenchmarkResult => {
    const result = assembler.finish({
      peakRssBytes: ownPeakRss(),
      stopReason,
      ...(measuredWallMs !== undefined ? { measuredWallMs } : {}),
      ...(partialReason !== undefined ? { partialReason } : {}),
    }) as BenchmarkResult;
    result.errors = measuredErrors.toErrors();
    // Failed requests count towards `iterations` but leave no sample: such a run did all it was
    // asked and is complete, which the assembler (counting samples) cannot tell.
    if (result.partial && partialReason === undefined && stopReason === 'iterations' && (result.sampling?.total ?? result.samplesMs.length) + measuredErrors.count >= config.iterations) {
      result.partial = false;
      delete result.partialReason;
      const { verdicts: _, ...analysed } = result;
      result.verdicts = computeVerdicts(analysed);
    }
    if (warmupFailures > 0) log('warn', `${warmupFailures} of ${config.warmup} warm-up requests failed (not counted in the errors of the measured requests)`);
    if (measuredErrors.count > 0) {
      log('warn', `${measuredErrors.count} of ${measuredErrors.attempted} measured requests failed: ${describeTally(measuredErrors)}; they are counted apart, not in the latencies`);
    }
    return result;
  };
  const stopWith = async (stopReason: StopReason, partialReason?: string) => {
    assembler.addTelemetry(await telemetry.stop());
    return finish(stopReason, partialReason);
  };
  /** The run cannot measure anything: every request so far failed. */
  const nothingSucceeded = (): BenchmarkError => failedError(request, beforeSuccess);

  telemetry.start();
  try {
    if (events.isCancelled()) return await stopWith('cancelled', 'cancelled');
    const cold = await client.send();
    if ('cancelled' in cold) return await stopWith('cancelled', 'cancelled');
    if (cold.ok) {
      succeeded++;
      assembler.coldStart(cold.ms);
      events.onColdStart?.(cold.ms);
    } else {
      beforeSuccess.add(cold);
      // Nothing answered at all: no use trying nine more times.
      if (cold.kind === 'refused' || cold.kind === 'other') throw firstFailedError(request, cold);
      log('warn', `the first request failed (${cold.message}); going on, as long as one of the first ${MAX_FAILURES_BEFORE_SUCCESS} succeeds`);
    }

    const stopper = new AdaptiveStopper(config.stopping, config.iterations);
    const adaptive = config.stopping.mode === 'adaptive';
    const phases = [
      { phase: 'warmup' as const, total: config.warmup },
      { phase: 'measure' as const, total: adaptive ? config.stopping.maxIterations : config.iterations },
    ];
    if (config.warmup < request.concurrency) {
      log('info', `fewer warm-up requests (${config.warmup}) than concurrency (${request.concurrency}): some measured requests open a fresh connection`);
    }
    const flushEveryNs = BigInt(Math.round((ctx.progressIntervalMs ?? 200) * 1e6));
    let stopReason: StopReason | undefined;
    let fatal: BenchmarkError | undefined;

    for (const { phase, total } of phases) {
      if (stopReason !== undefined || fatal) break;
      const samples = phase === 'warmup' ? assembler.warmupSamplesMs : assembler.samplesMs;
      where.phase = phase;
      where.run = 0;
      if (phase === 'measure') telemetry.sampleIfDue(true);
      let pending: number[] = [];
      let done = 0;
      const phaseStart = process.hrtime.bigint();
      let lastAnswer = phaseStart;
      let lastFlush = phaseStart;
      const flush = () => {
        telemetry.sampleIfDue();
        const wallMs = Number(lastAnswer - phaseStart) / 1e6;
        if (phase === 'warmup') assembler.addWarmup(pending);
        else assembler.addMeasured(pending, wallMs);
        const newTelemetry = telemetry.drain();
        assembler.addTelemetry(newTelemetry);
        events.onProgress?.({
          phase,
          done,
          total,
          newSamplesMs: pending,
          ...(phase === 'measure' ? { measuredWallMs: wallMs } : {}),
          peakRssBytes: ownPeakRss(),
          ...(newTelemetry.length ? { telemetry: newTelemetry } : {}),
        });
        pending = [];
        lastFlush = process.hrtime.bigint();
      };

      let issued = 0;
      let stop = false;
      const worker = async () => {
        while (!stop && issued < total) {
          if (events.isCancelled()) {
            stopReason = 'cancelled';
            break;
          }
          issued++;
          const outcome = await client.send();
          if ('cancelled' in outcome) {
            stopReason = 'cancelled';
            break;
          }
          lastAnswer = process.hrtime.bigint();
          done++;
          where.run = done;
          if (outcome.ok) {
            succeeded++;
            pending.push(outcome.ms);
          } else {
            if (succeeded === 0) beforeSuccess.add(outcome);
            if (phase === 'measure') measuredErrors.add(outcome);
            else warmupFailures++;
          }
          if (phase === 'measure') measuredErrors.attempted++;
          if (succeeded === 0 && beforeSuccess.count >= MAX_FAILURES_BEFORE_SUCCESS) {
            fatal = nothingSucceeded();
            client.cancelAll();
            break;
          }
          if (lastAnswer - lastFlush >= flushEveryNs) flush();
          if (phase === 'measure' && adaptive && stopReason === undefined && stopper.shouldCheck(samples.length + pending.length, hrMs(phaseStart))) {
            flush();
            const verdict = stopper.check(samples, hrMs(phaseStart));
            if (verdict.stop) stopReason = verdict.reason;
          }
          if (stopReason !== undefined || events.isCancelled()) break;
        }
        // One worker stopping (cancelled, adaptive stop, nothing succeeds) stops them all.
        if (stopReason !== undefined || fatal) stop = true;
      };
      const workers = Math.max(0, Math.min(request.concurrency, total));
      await Promise.all(Array.from({ length: workers }, worker));
      if (phase === 'measure') measuredWallMs = Number(lastAnswer - phaseStart) / 1e6;
      flush();
      if (events.isCancelled()) stopReason = 'cancelled';
    }
    if (fatal) throw fatal;
    if (succeeded === 0 && stopReason !== 'cancelled') throw nothingSucceeded();
    if (stopReason === undefined) stopReason = adaptive ? 'maxIterations' : 'iterations';
    return await stopWith(stopReason, stopReason === 'cancelled' ? 'cancelled' : undefined);
  } finally {
    clearInterval(cancelTimer);
    client.close();
    // Idempotent: also reached on an error, so the nvidia-smi child never outlives the run.
    await telemetry.stop();
  }
}
