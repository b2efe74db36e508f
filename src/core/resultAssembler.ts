// Builds a BenchmarkResult from the events of a run. The profiler uses it for its own result and
// the extension host feeds it the same events from progress notifications, so when the profiler
// dies mid-run the host still holds every sample it reported, and the two never disagree.
//
// Long runs: up to `sampleCap` measured samples (DEFAULT_SAMPLE_CAP) everything is kept and the
// result is exactly what it always was. Past the cap, memory stays flat: every sample goes into
// a LatencyHistogram (the summary comes from it: n, mean, stdev, min, max exact, percentiles and
// CIs within its RELATIVE_ERROR), and a uniform reservoir of `sampleCap` samples (Algorithm R,
// seeded, so a rerun of the same events gives the same result) becomes result.samplesMs, in
// measurement order, for the charts and the subset analyses; result.sampling says so.
// `samplesMs` (the live array the runners read) then stops growing at the first `sampleCap`
// samples: it stays append-only, which AdaptiveStopper requires (past the cap an adaptive run
// judges precision on those first samples; DEFAULT_STOPPING.maxIterations is below the cap).

import { achievedPrecision } from './adaptiveStop';
import { LatencyHistogram, RELATIVE_ERROR } from './histogram';
import { achievedFromSummary, summarizeHistogram } from './histogramSummary';
import { analyzeInstability } from './instability';
import { findOutliers } from './outliers';
import { median, summarize } from './stats';
import { detectSteadyState } from './steadyState';
import type { SystemSnapshot, TelemetrySample } from './system';
import { computeVerdicts } from './verdicts';
import {
  PERCENTILE_ESTIMATOR,
  RESULT_SCHEMA_VERSION,
  type BenchmarkResult,
  type Environment,
  type RunConfig,
  type SampledStorage,
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

/**
 * Measured samples a result keeps in full. 200,000 doubles are 1.6 MB in memory and ~2–4 MB of
 * JSON, which the panel and history still handle; it is 2× the adaptive default maxIterations,
 * so only long fixed-count runs (an HTTP endpoint at thousands of requests/s) ever reach it.
 */
export const DEFAULT_SAMPLE_CAP = 200_000;

/** Past the cap: every sample bucketed, and a uniform reservoir of `cap` of them with their indexes. */
interface Overflow {
  histogram: LatencyHistogram;
  /** Up to `sampleCap` values, and the measurement index of each. */
  reservoir: number[];
  reservoirAt: number[];
  /** Samples the reservoir has been offered, counting a sampled repeat's stored ones by their weight. */
  seen: number;
  random: () => number;
}

export class ResultAssembler {
  private header: RunHeader | undefined;
  private firstMs: number | null = null;
  readonly warmupSamplesMs: number[] = [];
  /** Every measured sample up to the cap, then the first `sampleCap` (see the file notes). */
  readonly samplesMs: number[] = [];
  readonly telemetry: TelemetrySample[] = [];
  private peakRssBytes = 0;
  private measuredWallMs = 0;
  private overflow: Overflow | undefined;

  constructor(private readonly sampleCap = DEFAULT_SAMPLE_CAP) {
    if (!(Number.isInteger(sampleCap) && sampleCap >= 1)) throw new RangeError(`ResultAssembler: sampleCap must be an integer ≥ 1, got ${sampleCap}`);
  }

  /** Measured samples so far, stored or not. */
  get measuredCount(): number {
    return this.overflow ? this.overflow.histogram.count : this.samplesMs.length;
  }

  /** The median of every measured sample so far (from the histogram past the cap); undefined before any. */
  runningP50Ms(): number | undefined {
    if (this.overflow) return this.overflow.histogram.quantile(0.5);
    return this.samplesMs.length ? median(this.samplesMs) : undefined;
  }

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
    if (!this.overflow && this.samplesMs.length + samples.length <= this.sampleCap) this.samplesMs.push(...samples);
    else for (let i = 0; i < samples.length; i++) this.addBeyond(samples[i]!);
    if (measuredWallMs !== undefined) this.measuredWallMs = measuredWallMs;
  }

  private addBeyond(x: number): void {
    let o = this.overflow;
    if (!o) {
      if (this.samplesMs.length < this.sampleCap) {
        this.samplesMs.push(x);
        return;
      }
      o = this.overflow = startOverflow(this.samplesMs);
    }
    // Checked here as summarize checks its samples: a NaN must not slip into the buckets.
    if (!Number.isFinite(x)) throw new RangeError(`ResultAssembler: sample ${o.histogram.count} is not a finite number (${x})`);
    o.histogram.record(x);
    this.offer(o, x, 1);
  }

  /** Algorithm R: the i-th sample (0-based) takes a random slot with probability cap / (i + 1). */
  private offer(o: Overflow, x: number, weight: number): void {
    const i = o.seen;
    o.seen += weight;
    if (o.reservoir.length < this.sampleCap) {
      o.reservoir.push(x);
      o.reservoirAt.push(i);
      return;
    }
    const j = Math.floor(o.random() * o.seen);
    if (j < this.sampleCap) {
      o.reservoir[j] = x;
      o.reservoirAt[j] = i;
    }
  }

  /**
   * A finished run's measured samples, as combineRepeats adds each repeat. Unsampled, exactly
   * addMeasured(samplesMs). Sampled: its histogram is merged (the summary stays exact as far as
   * the histogram goes) and its stored samples are offered to the reservoir, each standing for
   * total / stored of its samples, so the combined reservoir is about uniform over all repeats.
   */
  addMeasuredFrom(result: { samplesMs: readonly number[]; sampling?: SampledStorage }): void {
    const sampling = result.sampling;
    if (!sampling) {
      this.addMeasured(result.samplesMs);
      return;
    }
    const o = (this.overflow ??= startOverflow(this.samplesMs));
    o.histogram.merge(LatencyHistogram.fromJSON(sampling.histogram));
    const weight = sampling.total / Math.max(1, result.samplesMs.length);
    for (const x of result.samplesMs) this.offer(o, x, weight);
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
    const o = this.overflow;
    const summary = o ? summarizeHistogram(o.histogram, wall) : summarize(this.samplesMs, wall);
    const stored = o ? inMeasurementOrder(o) : this.samplesMs;
    const measured = this.measuredCount;
    const stopping = h.config.stopping;
    const stopReason: StopReason =
      end.stopReason ??
      (end.partialReason === undefined ? (stopping.mode === 'fixed' ? 'iterations' : 'maxIterations') : end.partialReason === 'cancelled' ? 'cancelled' : 'error');
    // An adaptive run that stopped on its own terms is complete whatever its count.
    const complete =
      stopping.mode === 'adaptive' ? ['precision', 'maxIterations', 'maxSeconds'].includes(stopReason) : measured >= h.config.iterations;
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
      samplesMs: [...stored],
      memory: { peakRssBytes: this.peakRssBytes },
      environment: h.environment,
      stopping: {
        mode: stopping.mode,
        reason: stopReason,
        achieved: o && summary ? achievedFromSummary(summary, stopping.targetPercentile) : achievedPrecision(stored, stopping),
      },
      steadyState: detectSteadyState(this.warmupSamplesMs, stored),
      outliers: findOutliers(stored),
      instability: analyzeInstability(stored),
      system: h.system,
      telemetry: [...this.telemetry],
      partial,
      startedAt: h.startedAt,
      finishedAt: end.finishedAt ?? new Date().toISOString(),
    };
    if (o) analysed.sampling = { method: 'reservoir', stored: stored.length, total: measured, relativeError: RELATIVE_ERROR, histogram: o.histogram.toJSON() };
    if (partial) {
      const count = (n: number) => n.toLocaleString('en-US');
      const planned = stopping.mode === 'fixed' ? ` of ${count(h.config.iterations)}` : '';
      analysed.partialReason = `${end.partialReason ?? 'stopped early'} after ${count(measured)}${planned} measured runs`;
    }
    return { ...analysed, verdicts: computeVerdicts(analysed) };
  }
}

function startOverflow(first: readonly number[]): Overflow {
  const histogram = new LatencyHistogram();
  histogram.recordAll(first);
  return {
    histogram,
    reservoir: first.slice(),
    reservoirAt: first.map((_, i) => i),
    seen: first.length,
    random: mulberry32(0x1a7e9c),
  };
}

/** The reservoir sorted by when each sample was measured. */
function inMeasurementOrder(o: Overflow): number[] {
  const order = Array.from(o.reservoirAt.keys()).sort((a, b) => o.reservoirAt[a]! - o.reservoirAt[b]!);
  return order.map((k) => o.reservoir[k]!);
}

/** A small seeded uniform [0, 1) generator: the reservoir must not depend on Math.random's state. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
