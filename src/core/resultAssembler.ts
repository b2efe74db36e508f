// Builds a BenchmarkResult from the events of a run. The profiler uses it for its own result and
// the extension host feeds it the same events from progress notifications, so when the profiler
// dies mid-run the host still holds every sample it reported, and the two never disagree.

import { summarize } from './stats';
import {
  PERCENTILE_ESTIMATOR,
  RESULT_SCHEMA_VERSION,
  type BenchmarkResult,
  type Environment,
  type RunConfig,
} from './result';

export interface RunHeader {
  target: BenchmarkResult['target'];
  config: RunConfig;
  environment: Environment;
  startedAt: string;
  loadMs: number;
}

export interface RunEnd {
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
    const complete = this.samplesMs.length >= h.config.iterations;
    const partial = end.partialReason !== undefined || !complete;
    const result: BenchmarkResult = {
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
      partial,
      startedAt: h.startedAt,
      finishedAt: end.finishedAt ?? new Date().toISOString(),
    };
    if (partial) {
      const count = (n: number) => n.toLocaleString('en-US');
      result.partialReason = `${end.partialReason ?? 'stopped early'} after ${count(this.samplesMs.length)} of ${count(h.config.iterations)} measured runs`;
    }
    return result;
  }
}
