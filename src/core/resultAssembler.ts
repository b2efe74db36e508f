// Builds a BenchmarkResult from the events of a run. The profiler uses it for its own result and
// the extension host feeds it the same events from progress notifications, so when the profiler
// dies mid-run the host still holds every sample it reported, and the two never disagree.

import { achievedPrecision } from './adaptiveStop';
import { analyzeInstability } from './instability';
import { findOutliers } from './outliers';
import { summarize } from './stats';
import { detectSteadyState } from './steadyState';
import type { SystemSnapshot, TelemetrySample } from './system';
import { computeVerdicts } from './verdicts';
import {
  PERCENTILE_ESTIMATOR,
  RESULT_SCHEMA_VERSION,
  type BenchmarkResult,
  type Environment,
  type RunConfig,
  type StopReason,
} from './result';

export interface RunHeader {
  target: BenchmarkResult['target'];
  config: RunConfig;
  environment: Environment;
  startedAt: string;
  loadMs: number;
  /** Pre-flight readings; null when they could not be taken. */
  system: SystemSnapshot | null;
}

export interface RunEnd {
  /** Why measuring stopped; derived from partialReason when absent (a dead profiler reports none). */
  stopReason?: StopReason;
  partialReason?: string;
  peakRssBytes?: number;
  /** Wall time of the measured phase, for throughput; falls back to the sum of samples. */
  measuredWallMs?: number;
  finishedAt?: string;
}

export class ResultAssembler {
  private header: RunHeader | undefined;
  private firstMs: number | null = null;
  readonly warmupSamplesMs: number[] = [];
  readonly samplesMs: number[] = [];
  readonly telemetry: TelemetrySample[] = [];
  private peakRssBytes = 0;
  private measuredWallMs = 0;

  get started(): boolean {
    return this.header !== undefined;
  }

  start(header: RunHeader): void {
    this.header = header;
  }

  coldStart(firstMs: number): void {
    this.firstMs = firstMs;
  }

  addWarmup(samples: readonly number[]): void {
    this.warmupSamplesMs.push(...samples);
  }

  addMeasured(samples: readonly number[], measuredWallMs?: number): void {
    this.samplesMs.push(...samples);
    if (measuredWallMs !== undefined) this.measuredWallMs = measuredWallMs;
  }

  addTelemetry(samples: readonly TelemetrySample[]): void {
    this.telemetry.push(...samples);
  }

  notePeakRss(bytes: number): void {
    this.peakRssBytes = Math.max(this.peakRssBytes, bytes);
  }

  /** undefined until the run header arrived: before that there is nothing worth keeping. */
  finish(end: RunEnd = {}): BenchmarkResult | undefined {
    const h = this.header;
    if (!h) return undefined;
    if (end.peakRssBytes !== undefined) this.notePeakRss(end.peakRssBytes);
    const wall = end.measuredWallMs ?? (this.measuredWallMs || undefined);
    const summary = summarize(this.samplesMs, wall);
    const stopping = h.config.stopping;
    const stopReason: StopReason =
      end.stopReason ??
      (end.partialReason === undefined ? (stopping.mode === 'fixed' ? 'iterations' : 'maxIterations') : end.partialReason === 'cancelled' ? 'cancelled' : 'error');
    // An adaptive run that stopped on its own terms is complete whatever its count.
    const complete =
      stopping.mode === 'adaptive' ? ['precision', 'maxIterations', 'maxSeconds'].includes(stopReason) : this.samplesMs.length >= h.config.iterations;
    const partial = end.partialReason !== undefined || !complete;
    const analysed: Omit<BenchmarkResult, 'verdicts'> = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      target: h.target,
      config: h.config,
      summary,
      estimator: PERCENTILE_ESTIMATOR,
      coldStart: {
        loadMs: h.loadMs,
        firstMs: this.firstMs,
        ratio: summary && this.firstMs !== null && summary.p50Ms > 0 ? this.firstMs / summary.p50Ms : null,
      },
      warmupSamplesMs: [...this.warmupSamplesMs],
      samplesMs: [...this.samplesMs],
      memory: { peakRssBytes: this.peakRssBytes },
      environment: h.environment,
      stopping: { mode: stopping.mode, reason: stopReason, achieved: achievedPrecision(this.samplesMs, stopping) },
      steadyState: detectSteadyState(this.warmupSamplesMs, this.samplesMs),
      outliers: findOutliers(this.samplesMs),
      instability: analyzeInstability(this.samplesMs),
      system: h.system,
      telemetry: [...this.telemetry],
      partial,
      startedAt: h.startedAt,
      finishedAt: end.finishedAt ?? new Date().toISOString(),
    };
    if (partial) {
      const count = (n: number) => n.toLocaleString('en-US');
      const planned = stopping.mode === 'fixed' ? ` of ${count(h.config.iterations)}` : '';
      analysed.partialReason = `${end.partialReason ?? 'stopped early'} after ${count(this.samplesMs.length)}${planned} measured runs`;
    }
    return { ...analysed, verdicts: computeVerdicts(analysed) };
  }
}
