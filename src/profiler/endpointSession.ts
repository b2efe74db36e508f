// What every endpoint session shares, whatever drives its requests (a closed loop for plain
// endpoints and LLM streams, a schedule for the open loop): the run header and the result
// assembler, the failure tallies, telemetry, the cancel poll, the first request as the cold
// start, progress events, and the end of the run. One place, so that the three load models
// count a failed request, judge a hopeless run and mark a partial one the same way.

import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import type { BenchmarkResult, HttpTarget, RequestErrorKind, StopReason } from '../core/result';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { SystemSnapshot } from '../core/system';
import { computeVerdicts } from '../core/verdicts';
import { collectEnvironment } from './environment';
import { ErrorTally, describeTally, firstFailedError, type RequestFailure } from './httpClient';
import type { ResolvedRequest } from './httpRequest';
import type { BenchmarkEvents } from './onnxBenchmark';
import { TelemetrySampler } from './telemetry';

/** With no success among this many first requests, the run stops with an error. */
export const MAX_FAILURES_BEFORE_SUCCESS = 10;
/** While requests are in flight, a cancel is looked for this often (besides after every answer). */
const CANCEL_POLL_MS = 100;
const TELEMETRY_INTERVAL_MS = 500;

export type Phase = 'warmup' | 'measure';

/** The profiler's own peak RSS: the endpoint runs in another process, whose memory is out of reach. */
export const ownPeakRss = (): number => process.resourceUsage().maxRSS * 1024;

export interface SessionSetup {
  target: HttpTarget;
  /** The configuration the result records (an open loop records its own count of requests). */
  config: BenchmarkConfig;
  system: SystemSnapshot | null;
  events: BenchmarkEvents;
  /** Ends what is in flight: called by the cancel poll. */
  cancel: () => void;
}

export class EndpointSession {
  readonly assembler = new ResultAssembler();
  /** Failures of measured requests: result.errors. */
  readonly measuredErrors = new ErrorTally();
  /** Every failure before the first success, any phase: what the 'httpFailed' error describes. */
  readonly beforeSuccess = new ErrorTally();
  readonly where: { phase: Phase; run: number } = { phase: 'warmup', run: 0 };
  readonly telemetry: TelemetrySampler;
  readonly log: NonNullable<BenchmarkEvents['log']>;
  succeeded = 0;
  warmupFailures = 0;
  private readonly cancelTimer: NodeJS.Timeout;

  private constructor(
    readonly setup: SessionSetup,
    header: RunHeader,
  ) {
    const { events, system } = setup;
    this.log = events.log ?? (() => undefined);
    this.assembler.start(header);
    events.onStarted?.(header);
    this.telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: system?.gpu.status === 'present', where: this.where, mode: 'polled' });
    this.cancelTimer = setInterval(() => {
      if (events.isCancelled()) setup.cancel();
    }, CANCEL_POLL_MS);
    this.telemetry.start();
  }

  /** Starts a session: the environment is read before the first request (systeminformation starts processes of its own). */
  static async open(setup: SessionSetup): Promise<EndpointSession> {
    const startedAt = new Date().toISOString();
    const environment = await collectEnvironment();
    const header: RunHeader = { target: setup.target, config: recordedRunConfig(setup.config, { inputs: [] }), environment, startedAt, loadMs: 0, system: setup.system };
    return new EndpointSession(setup, header);
  }

  /**
   * The first request, on a fresh connection: its time is the cold start. A failure of one of
   * `fatalKinds` (nothing answered at all) ends the run at once with firstFailedError; another is
   * counted and the run goes on. Returns false when the request was cancelled.
   */
  coldStart(outcome: { ok: true; ms: number } | RequestFailure | { cancelled: true }, request: ResolvedRequest, fatalKinds: readonly RequestErrorKind[]): boolean {
    if ('cancelled' in outcome) return false;
    if (outcome.ok) {
      this.succeeded++;
      this.assembler.coldStart(outcome.ms);
      this.setup.events.onColdStart?.(outcome.ms);
      return true;
    }
    this.beforeSuccess.add(outcome);
    if (fatalKinds.includes(outcome.kind)) throw firstFailedError(request, outcome);
    this.log('warn', `the first request failed (${outcome.message}); going on, as long as one of the first ${MAX_FAILURES_BEFORE_SUCCESS} succeeds`);
    return true;
  }

  /** Counts an answered request of a phase (after the cold start). */
  count(outcome: { ok: true } | RequestFailure, phase: Phase): void {
    if (outcome.ok) this.succeeded++;
    else {
      if (this.succeeded === 0) this.beforeSuccess.add(outcome);
      if (phase === 'measure') this.measuredErrors.add(outcome);
      else this.warmupFailures++;
    }
    if (phase === 'measure') this.measuredErrors.attempted++;
  }

  /** Every request so far failed, and enough of them to give up. */
  get hopeless(): boolean {
    return this.succeeded === 0 && this.beforeSuccess.count >= MAX_FAILURES_BEFORE_SUCCESS;
  }

  /**
   * Hands a phase's new samples to the assembler and the progress event. `telemetry`: whether
   * this event carries the readings taken since the last (one event per flush does).
   */
  progress(phase: Phase, done: number, total: number, samplesMs: number[], wallMs: number | undefined, telemetry = true): void {
    if (phase === 'warmup') this.assembler.addWarmup(samplesMs);
    else this.assembler.addMeasured(samplesMs, wallMs);
    const newTelemetry = telemetry ? this.telemetry.drain() : [];
    this.assembler.addTelemetry(newTelemetry);
    this.setup.events.onProgress?.({
      phase,
      done,
      total,
      newSamplesMs: samplesMs,
      ...(phase === 'measure' && wallMs !== undefined ? { measuredWallMs: wallMs } : {}),
      peakRssBytes: ownPeakRss(),
      ...(newTelemetry.length ? { telemetry: newTelemetry } : {}),
    });
  }

  /**
   * The result. `planned`: the measured requests the run was to send; failed ones count towards
   * it but leave no sample, so a run that sent them all is complete, which the assembler (counting
   * samples) cannot tell. `decorate` adds what the load model knows before the verdicts are drawn.
   */
  async finish(
    stopReason: StopReason,
    o: { partialReason?: string; measuredWallMs?: number; planned: number; decorate?: (r: BenchmarkResult) => void },
  ): Promise<BenchmarkResult> {
    this.assembler.addTelemetry(await this.telemetry.stop());
    const result = this.assembler.finish({
      peakRssBytes: ownPeakRss(),
      stopReason,
      ...(o.measuredWallMs !== undefined ? { measuredWallMs: o.measuredWallMs } : {}),
      ...(o.partialReason !== undefined ? { partialReason: o.partialReason } : {}),
    }) as BenchmarkResult;
    result.errors = this.measuredErrors.toErrors();
    let changed = o.decorate !== undefined;
    o.decorate?.(result);
    if (result.partial && o.partialReason === undefined && stopReason === 'iterations' && (result.sampling?.total ?? result.samplesMs.length) + this.measuredErrors.count >= o.planned) {
      result.partial = false;
      delete result.partialReason;
      changed = true;
    }
    if (changed) {
      const { verdicts: _, ...analysed } = result;
      result.verdicts = computeVerdicts(analysed);
    }
    if (this.warmupFailures > 0) this.log('warn', `${this.warmupFailures} of ${this.setup.config.warmup} warm-up requests failed (not counted in the errors of the measured requests)`);
    const e = this.measuredErrors;
    if (e.count > 0) this.log('warn', `${e.count} of ${e.attempted} measured requests failed: ${describeTally(e)}; they are counted apart, not in the latencies`);
    return result;
  }

  /** Idempotent, and reached on every way out, so the nvidia-smi child never outlives the run. */
  async dispose(): Promise<void> {
    clearInterval(this.cancelTimer);
    await this.telemetry.stop();
  }
}
