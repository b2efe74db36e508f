// Open-loop load on one endpoint: requests start at scheduled instants (core/openLoop.ts:
// constant or Poisson arrivals at `rate` per second) whether or not earlier ones have answered.
// There is no worker pool: a timer fires each request when its time comes.
//
// - Latency = end of the response body − the request's INTENDED send time. A request the
//   generator sent late, or that waited for a socket, counts that delay; a server that falls
//   behind makes every later request wait in its queue, and that wait is in the figures (no
//   coordinated omission). The send lag (actual − intended) is recorded apart, with the rate
//   actually sent: a generator that could not keep the rate (send lag p99 over 2 ms, under 95%
//   of the rate sent, or the socket cap reached) gets result.openLoop.kept = false, a warning
//   log and verdict LOAD004.
// - The client allows OPEN_LOOP_MAX_IN_FLIGHT (4,096) sockets, kept alive: an open loop needs as
//   many connections as requests in flight, which only the server's speed bounds. Beyond the cap
//   a request waits in the client for a socket (counted as a cap hit).
// - Timing: setTimeout until about 1 ms before the next send, then setImmediate turns until it is
//   due (a timer alone wakes 1 ms or more late); sends that are due together go out in one turn.
// - The first request is sent alone and reported as the cold start, as in the closed loop; then
//   the schedule runs `warmup` + `iterations` requests without a break, the first `warmup` of
//   them warm-up samples. `durationSeconds` sets iterations = rate × duration. The measured
//   wall time runs from the first measured request's intended send time to the last answer, so
//   throughput is what the server answered over the time the load was offered.
// - An adaptive stopping rule does not apply (the count is the schedule): the run sends
//   `iterations` and says so in the log.
// - Failures, nothing-succeeds and cancel behave as in the closed loop (httpBenchmark.ts).

import { DEFAULT_ARRIVAL_SEED, OPEN_LOOP_MAX_IN_FLIGHT, arrivalSchedule, judgeOpenLoop, type Arrival, type SendRecord } from '../core/openLoop';
import type { BenchmarkResult, HttpTarget, StopReason } from '../core/result';
import type { BenchmarkError } from './benchmarkError';
import { EndpointSession } from './endpointSession';
import { prepareHttpRun, type HttpBenchmarkOptions } from './httpBenchmark';
import { HttpClient, failedError } from './httpClient';
import { httpTargetOf } from './httpRequest';
import { keepAwake } from './keepAwake';
import type { BenchmarkEvents } from './onnxBenchmark';

/** Below this wait the scheduler turns with setImmediate instead of sleeping on a timer. */
const SPIN_BELOW_MS = 2;

const now = (): bigint => process.hrtime.bigint();

export async function runHttpOpenLoop(opts: HttpBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { spec, config } = opts;
  const rate = spec.rate;
  if (rate === undefined || !(rate > 0 && Number.isFinite(rate))) throw new RangeError(`runHttpOpenLoop: rate must be > 0, got ${rate}`);
  if ((opts.repeat ?? 1) !== 1) throw new RangeError('runHttpOpenLoop: an open loop is not repeated');
  const arrival: Arrival = spec.arrival ?? 'constant';
  const seed = DEFAULT_ARRIVAL_SEED;
  const log = events.log ?? (() => undefined);
  const ctx = await prepareHttpRun(opts, events);
  const iterations = spec.durationSeconds !== undefined ? Math.max(1, Math.round(rate * spec.durationSeconds)) : config.iterations;
  const warmup = config.warmup;
  if (config.stopping.mode === 'adaptive') log('info', `an open loop sends its schedule: ${iterations} measured requests, the adaptive stopping rule does not apply`);
  const runConfig = { ...config, iterations, stopping: { ...config.stopping, mode: 'fixed' as const } };

  // The socket cap travels as the request's concurrency: HttpClient sizes its connection pool by it.
  const request = { ...ctx.request, concurrency: OPEN_LOOP_MAX_IN_FLIGHT };
  const target: HttpTarget = {
    ...httpTargetOf({ ...ctx.request, concurrency: 1 }),
    openLoop: { ratePerSec: rate, arrival, ...(arrival === 'poisson' ? { seed } : {}) },
  };
  const client = new HttpClient(request);
  /** Stops the schedule at once (set while it runs): a slow rate must not hold a cancel until its next send. */
  let stopSchedule: (() => void) | undefined;
  const session = await EndpointSession.open({
    target,
    config: runConfig,
    system: ctx.system,
    events,
    cancel: () => {
      client.cancelAll();
      stopSchedule?.();
    },
  });
  const { telemetry, where } = session;
  let cancelled = false;
  let fatal: BenchmarkError | undefined;
  const sends: SendRecord[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let capHits = 0;

  const total = warmup + iterations;
  let measuredStart: bigint | undefined;
  let lastAnswer: bigint | undefined;
  let measuredWallMs: number | undefined;
  const pending = { warmup: [] as number[], measure: [] as number[] };
  let doneWarmup = 0;
  let doneMeasured = 0;
  let lastFlush = now();
  const flushEveryNs = BigInt(Math.round((opts.progressIntervalMs ?? 200) * 1e6));
  const flush = () => {
    telemetry.sampleIfDue();
    if (pending.warmup.length) {
      session.progress('warmup', doneWarmup, warmup, pending.warmup, undefined, false);
      pending.warmup = [];
    }
    const wall = measuredStart !== undefined && lastAnswer !== undefined && lastAnswer > measuredStart ? Number(lastAnswer - measuredStart) / 1e6 : undefined;
    if (pending.measure.length || measuredStart !== undefined) {
      session.progress('measure', doneMeasured, iterations, pending.measure, wall);
      pending.measure = [];
    }
    lastFlush = now();
  };

  const finish = (stopReason: StopReason, partialReason?: string): Promise<BenchmarkResult> =>
    session.finish(stopReason, {
      ...(partialReason !== undefined ? { partialReason } : {}),
      ...(measuredWallMs !== undefined ? { measuredWallMs } : {}),
      planned: iterations,
      decorate: (result: BenchmarkResult) => {
        result.openLoop = judgeOpenLoop({ arrival, ...(arrival === 'poisson' ? { seed } : {}), targetRatePerSec: rate, scheduled: total, sends, maxInFlight, inFlightCap: OPEN_LOOP_MAX_IN_FLIGHT, capHits, ...(result.summary ? { latencyP50Ms: result.summary.p50Ms } : {}) });
        (result.target as HttpTarget).concurrency = Math.max(1, maxInFlight);
        const o = result.openLoop;
        if (!o.kept) log('warn', `the load generator did not keep ${rate} req/s: ${(o.notKept ?? []).join('; ')}`);
      },
    });

  const awake = ctx.request.busyPoll ? keepAwake() : undefined;
  try {
    if (events.isCancelled()) return await finish('cancelled', 'cancelled');
    if (!session.coldStart(await client.send(), ctx.request, ['refused', 'other'])) return await finish('cancelled', 'cancelled');

    const schedule = arrivalSchedule(total, rate, arrival, seed);
    if (warmup === 0) telemetry.sampleIfDue(true);
    const t0 = now();
    const intendedAt = (i: number): bigint => t0 + BigInt(Math.round(schedule[i]! * 1e6));
    if (warmup === 0) measuredStart = t0;

    await new Promise<void>((allDone) => {
      let next = 0;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      const settleIfDone = () => {
        if ((next >= total || stopped) && inFlight === 0) allDone();
      };
      const stop = () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        client.cancelAll();
        settleIfDone();
      };
      stopSchedule = () => {
        cancelled = true;
        stop();
      };
      const fire = (i: number) => {
        const intended = intendedAt(i);
        const actual = now();
        const lagMs = Number(actual - intended) / 1e6;
        sends.push({ intendedMs: schedule[i]!, actualMs: schedule[i]! + lagMs });
        if (inFlight >= OPEN_LOOP_MAX_IN_FLIGHT) capHits++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const phase = i < warmup ? 'warmup' : 'measure';
        if (i === warmup) {
          measuredStart = intended;
          where.phase = 'measure';
          telemetry.sampleIfDue(true);
        }
        void client.send().then((outcome) => {
          inFlight--;
          if ('cancelled' in outcome) return settleIfDone();
          lastAnswer = now();
          if (phase === 'warmup') doneWarmup++;
          else doneMeasured++;
          where.run = doneMeasured;
          session.count(outcome, phase);
          if (outcome.ok) {
            // From the intended send time to the end of the answer, read here rather than summed
            // from the send lag and outcome.ms: the client batches its sends (httpClient.ts), and
            // the wait for that dispatch belongs in the latency too.
            pending[phase].push(Number(lastAnswer - intended) / 1e6);
          }
          if (session.hopeless && !fatal) {
            fatal = failedError(ctx.request, session.beforeSuccess);
            stop();
            return;
          }
          if (lastAnswer - lastFlush >= flushEveryNs) flush();
          settleIfDone();
        });
      };
      const tick = () => {
        if (stopped) return settleIfDone();
        if (events.isCancelled()) {
          cancelled = true;
          return stop();
        }
        while (next < total && intendedAt(next) <= now()) fire(next++);
        if (next >= total) return settleIfDone();
        const waitMs = Number(intendedAt(next) - now()) / 1e6;
        if (now() - lastFlush >= flushEveryNs) flush();
        if (waitMs > SPIN_BELOW_MS) timer = setTimeout(tick, waitMs - 1);
        else setImmediate(tick);
      };
      tick();
    });
    if (measuredStart !== undefined && lastAnswer !== undefined && lastAnswer > measuredStart) measuredWallMs = Number(lastAnswer - measuredStart) / 1e6;
    flush();
    if (fatal) throw fatal;
    if (events.isCancelled()) cancelled = true;
    if (session.succeeded === 0 && !cancelled) throw failedError(ctx.request, session.beforeSuccess);
    return await finish(cancelled ? 'cancelled' : 'iterations', cancelled ? 'cancelled' : undefined);
  } finally {
    awake?.stop();
    client.close();
    await session.dispose();
  }
}
