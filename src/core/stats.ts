// Latency statistics. Pure: shared by the profiler, the CLI and the webview bundle, so no
// Node built-ins and no `vscode` here.

import { CI_LEVEL, percentileCIs } from './quantileCI';
import type { Summary } from './result';

/**
 * The q-quantile of an ascending-sorted sample, Hyndman–Fan type 7 (the numpy and Excel
 * default, see PERCENTILE_ESTIMATOR): with h = (n − 1)·q, linear interpolation between the
 * values at ranks ⌊h⌋ and ⌈h⌉ (0-based). q = 0 gives the minimum, q = 1 the maximum.
 *
 * The input must already be sorted ascending; it is not checked, because callers take several
 * percentiles of one sorted copy and an O(n) check per call would dominate.
 *
 * @throws RangeError on an empty sample or q outside [0, 1] (NaN included).
 */
export function percentile(sortedAsc: readonly number[], q: number): number {
  const n = sortedAsc.length;
  if (n === 0) throw new RangeError('percentile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile: q must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sortedAsc[lo]!;
  // Returning early also keeps Infinity samples from producing Infinity·0 = NaN.
  if (lo === hi) return a;
  const b = sortedAsc[hi]!;
  const t = h - lo;
  // numpy's lerp form: interpolating from the nearer end keeps the result within [a, b]
  // despite rounding.
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t);
}

/** Median (type 7, so the mean of the middle two for even n) of an unsorted sample; the input is not modified. */
export function median(values: readonly number[]): number {
  return percentile(sortAsc(values), 0.5);
}

/**
 * Summary statistics of measured latencies.
 *
 * @param samplesMs per-inference latencies in milliseconds, any order.
 * @param wallMs wall time of the whole measured phase; when given (and > 0) throughput is
 *   n / wall time, which counts per-iteration overhead the samples leave out. Without it,
 *   throughput falls back to n / Σ samples; that is 0 when every sample is 0, since a rate
 *   cannot be derived (and Infinity would not survive JSON).
 * @returns null when there are no samples.
 * @throws RangeError when a sample is not a finite number: a NaN would otherwise corrupt the
 *   sort and every figure silently.
 */
export function summarize(samplesMs: readonly number[], wallMs?: number): Summary | null {
  const n = samplesMs.length;
  if (n === 0) return null;
  assertFinite(samplesMs, 'summarize');
  const sorted = sortAsc(samplesMs);

  // Two-pass with compensated summation: a naive Σx² − n·mean² loses every significant digit
  // when latencies are large relative to their spread (e.g. timestamps-as-samples bugs, or
  // multi-second runs varying by microseconds).
  const sum = compensatedSum(samplesMs);
  const mean = sum / n;
  let ss = 0;
  let dev = 0;
  for (const x of samplesMs) {
    const d = x - mean;
    ss += d * d;
    dev += d;
  }
  // The correction term removes the rounding error left in `mean` (Chan, Golub & LeVeque).
  const variance = n > 1 ? Math.max(0, (ss - (dev * dev) / n) / (n - 1)) : 0;
  const stdev = Math.sqrt(variance);

  let throughputPerSec: number;
  if (wallMs !== undefined && Number.isFinite(wallMs) && wallMs > 0) throughputPerSec = n / (wallMs / 1000);
  else throughputPerSec = sum > 0 ? n / (sum / 1000) : 0;

  return {
    n,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    meanMs: mean,
    stdevMs: stdev,
    cv: mean === 0 ? 0 : stdev / mean,
    minMs: sorted[0]!,
    maxMs: sorted[n - 1]!,
    throughputPerSec,
    ci: percentileCIs(sorted),
    ciLevel: CI_LEVEL,
  };
}

export interface HistogramOptions {
  /** Upper bound on the number of bins (default 60). */
  maxBins?: number;
  /** Lower bound on the number of bins (default 10); lowered to maxBins when it exceeds it. */
  minBins?: number;
  /**
   * How the edges are spaced (default 'linear'). 'log' gives geometric edges, each bin the
   * same ratio wide (HDR-histogram style), for data spanning orders of magnitude; it needs
   * every sample > 0 and falls back to 'linear' otherwise.
   */
  scale?: HistogramScale;
}

export type HistogramScale = 'linear' | 'log';

export interface Histogram {
  /** counts.length + 1 ascending edges; edges[0] is the minimum sample, the last edge the maximum. */
  edges: number[];
  /** Bins are [edges[i], edges[i+1]) except the last, which is closed so it holds the maximum. */
  counts: number[];
}

/**
 * Histogram over [min, max] of the samples, with equal-width bins (scale 'linear', the
 * default) or equal-ratio bins (scale 'log': edges min·r^i, so each bin is the same width on a
 * logarithmic axis).
 *
 * The bin count comes from the Freedman–Diaconis width 2·IQR·n^(−1/3) (robust to the long
 * tails latency data has), as ⌈range / width⌉, then clamped to [minBins, maxBins]; for 'log'
 * the range and IQR are measured in log₂ units (log₂(max/min) and log₂(Q3/Q1)). The clamp
 * matters most for long tails: one 1e6 ms outlier among 1 ms samples would otherwise ask for
 * millions of linear bins. When the IQR is 0 (most samples identical) FD is undefined and
 * Sturges' ⌈log₂ n⌉ + 1 is used instead, as numpy's 'auto' does.
 *
 * 'log' needs a positive minimum; with a sample ≤ 0 the edges are linear instead, since no
 * geometric sequence can start at or below zero.
 *
 * All-equal samples give a single zero-width bin, edges [x, x]: there is no honest width to
 * invent, so a chart must give it a nominal one. No samples give no bins.
 *
 * @throws RangeError for a non-finite sample, or maxBins / minBins below 1 or not finite.
 */
export function histogram(samplesMs: readonly number[], opts: HistogramOptions = {}): Histogram {
  const maxBins = binOption(opts.maxBins, 60, 'maxBins');
  const minBins = Math.min(binOption(opts.minBins, 10, 'minBins'), maxBins);
  const scale = opts.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') throw new RangeError(`histogram: scale must be 'linear' or 'log', got ${String(scale)}`);
  const n = samplesMs.length;
  if (n === 0) return { edges: [], counts: [] };
  assertFinite(samplesMs, 'histogram');

  const sorted = sortAsc(samplesMs);
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  if (max === min) return { edges: [min, max], counts: [n] };

  const log = scale === 'log' && min > 0;
  // Positions on the axis the bins are equal on: the value itself, or its log₂.
  const pos = log ? Math.log2 : (x: number) => x;
  const lo = pos(min);
  // log₂(max) − log₂(min) rather than log₂(max / min): the quotient overflows for a subnormal min.
  const range = pos(max) - lo;

  const iqr = pos(percentile(sorted, 0.75)) - pos(percentile(sorted, 0.25));
  const wanted = iqr > 0 ? Math.ceil(range / (2 * iqr * Math.cbrt(1 / n))) : Math.ceil(Math.log2(n)) + 1;
  // `wanted` can be Infinity when the IQR is subnormal next to the range; the clamp absorbs it.
  const bins = Math.max(minBins, Math.min(maxBins, wanted));

  const edges = new Array<number>(bins + 1);
  edges[0] = min;
  for (let i = 1; i < bins; i++) {
    const e = log ? 2 ** (lo + (range * i) / bins) : min + (range * i) / bins;
    // Rounding must not make the edges step backwards or past the max, however narrow the range.
    edges[i] = Math.min(max, Math.max(edges[i - 1]!, e));
  }
  // Exact end points, so the max sample is never beyond the last edge through rounding.
  edges[bins] = max;

  const counts = new Array<number>(bins).fill(0);
  for (const x of sorted) {
    let i = Math.min(bins - 1, Math.max(0, Math.floor(((pos(x) - lo) / range) * bins)));
    // The direct index can disagree with the rounded edges near a boundary; settle it against
    // the edges returned, so every sample is counted in the bin that displays it.
    while (i > 0 && x < edges[i]!) i--;
    while (i < bins - 1 && x >= edges[i + 1]!) i++;
    counts[i]!++;
  }
  return { edges, counts };
}

function sortAsc(values: readonly number[]): number[] {
  return values.slice().sort((a, b) => a - b);
}

/** Neumaier's compensated sum: a plain running sum of 1e5+ samples drifts in the last digits. */
function compensatedSum(values: readonly number[]): number {
  let sum = 0;
  let c = 0;
  for (const x of values) {
    const t = sum + x;
    c += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
  }
  return sum + c;
}

function assertFinite(values: readonly number[], where: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`${where}: sample ${i} is not a finite number (${v})`);
  }
}

function binOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1) throw new RangeError(`histogram: ${name} must be a finite number ≥ 1, got ${value}`);
  return Math.floor(value);
}
