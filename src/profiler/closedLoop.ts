// The closed loop of an endpoint session, after its cold start: `concurrency` workers each send
// a request, wait for the whole answer, and send the next, so exactly `concurrency` requests are
// in flight (save while a phase ramps down). Plain endpoints (httpBenchmark.ts) and LLM streams
// (openaiBenchmark.ts) run the same loop with their own client.
//
// - Phases are counted in requests issued: warm-up issues `warmup` and waits for them all, then
//   the measured phase issues `iterations` (fixed) or up to maxIterations (adaptive). A request
//   counts whether it succeeded or failed, so a failing server cannot keep a run going for ever.
// - The measured phase's wall clock runs from its start to its last answer.
// - One worker stopping (cancel, adaptive stop, nothing succeeds) stops them all; a cancel is
//   also looked for after every answer.
// - With `keepAwake`, the event loop never sleeps while a phase runs (see keepAwake.ts).

import { AdaptiveStopper } from '../core/adaptiveStop';
import type { BenchmarkConfig } from '../core/config';
import type { StopReason } from '../core/result';
import type { BenchmarkError } from './benchmarkError';
import type { EndpointSession, Phase } from './endpointSession';
import type { RequestFailure } from './httpClient';
import { keepAwake } from './keepAwake';

export interface ClosedLoopClient<S extends { ok: true }> {
  send(): Promise<S | RequestFailure | { cancelled: true }>;
  cancelAll(): void;
}

export interface ClosedLoopOptions<S extends { ok: true }> {
  config: BenchmarkConfig;
  concurrency: number;
  progressIntervalMs?: number;
  keepAwake?: boolean;
  /** The latency sample of a success. */
  sampleOf(outcome: S): number;
  /** A success of a phase, after it was counted (what a stream adds to its own figures). */
  onSuccess?(outcome: S, phase: Phase): void;
  /** Every request so far failed: the error the run ends with. */
  allFailed(): BenchmarkError;
}

export interface ClosedLoopEnd {
  stopReason: StopReason;
  measuredWallMs: number | undefined;
}

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/** Runs warm-up and measured phases; throws the allFailed error when nothing succeeds. */
export async function runClosedLoop<S extends { ok: true }>(session: EndpointSession, client: ClosedLoopClient<S>, o: ClosedLoopOptions<S>): Promise<ClosedLoopEnd> {
  const { config } = o;
  const { events } = session.setup;
  const stopper = new AdaptiveStopper(config.stopping, config.iterations);
  const adaptive = config.stopping.mode === 'adaptive';
  const phases = [
    { phase: 'warmup' as const, total: config.warmup },
    { phase: 'measure' as const, total: adaptive ? config.stopping.maxIterations : config.iterations },
  ];
  const flushEveryNs = BigInt(Math.round((o.progressIntervalMs ?? 200) * 1e6));
  let stopReason: StopReason | undefined;
  let fatal: BenchmarkError | undefined;
  let measuredWallMs: number | undefined;
  const awake = o.keepAwake ? keepAwake() : undefined;
  try {
    for (const { phase, total } of phases) {
      if (stopReason !== undefined || fatal) break;
      const samples = phase === 'warmup' ? session.assembler.warmupSamplesMs : session.assembler.samplesMs;
      session.where.phase = phase;
      session.where.run = 0;
      if (phase === 'measure') session.telemetry.sampleIfDue(true);
      let pending: number[] = [];
      let done = 0;
      const phaseStart = process.hrtime.bigint();
      let lastAnswer = phaseStart;
      let lastFlush = phaseStart;
      const flush = () => {
        session.telemetry.sampleIfDue();
        session.progress(phase, done, total, pending, Number(lastAnswer - phaseStart) / 1e6);
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
          session.where.run = done;
          session.count(outcome, phase);
          if (outcome.ok) {
            pending.push(o.sampleOf(outcome as S));
            o.onSuccess?.(outcome as S, phase);
          }
          if (session.hopeless) {
            fatal = o.allFailed();
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
        if (stopReason !== undefined || fatal) stop = true;
      };
      const workers = Math.max(0, Math.min(o.concurrency, total));
      await Promise.all(Array.from({ length: workers }, worker));
      if (phase === 'measure') measuredWallMs = Number(lastAnswer - phaseStart) / 1e6;
      flush();
      if (events.isCancelled()) stopReason = 'cancelled';
    }
  } finally {
    awake?.stop();
  }
  if (fatal) throw fatal;
  if (session.succeeded === 0 && stopReason !== 'cancelled') throw o.allFailed();
  return { stopReason: stopReason ?? (adaptive ? 'maxIterations' : 'iterations'), measuredWallMs };
}
