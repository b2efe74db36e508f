// Outlier labelling. Pure: shared by the profiler, the CLI and the webview bundle, so no Node
// built-ins and no `vscode` here.

import type { Outliers } from './result';
import { percentile } from './stats';

/**
 * Tukey's "far out" multiple. Latency is right-skewed: of a log-normal's perfectly honest
 * samples the usual 1.5·IQR fence labels 3.8% at σ = 0.5 and 7.8% at σ = 1, the 3·IQR fence
 * 0.65% and 3.3%; only the latter reads as "something else happened here".
 */
const IQR_MULTIPLE = 3;

/**
 * For normal data Q3 + 3·IQR lies 7·z₀.₇₅ ≈ 4.72 σ above the median, and σ = √(π/2)·(mean
 * absolute deviation); the fallback fence keeps that distance.
 */
const Z75 = 0.6744897501960817;
const MEAN_AD_MULTIPLE = (1 + 2 * IQR_MULTIPLE) * Z75 * Math.sqrt(Math.PI / 2);

/** The `method` reported with the usual fences. */
export const OUTLIER_METHOD = `Tukey fences, ${IQR_MULTIPLE}×IQR`;
/** The `method` reported when the IQR is 0 and the fences come from the mean absolute deviation. */
export const OUTLIER_FALLBACK_METHOD =
  `median ± ${MEAN_AD_MULTIPLE.toFixed(2)}× mean absolute deviation (IQR is 0; matches Tukey's ${IQR_MULTIPLE}×IQR for normal data)`;

/**
 * Labels outliers with Tukey's far-out fences Q1 − 3·IQR and Q3 + 3·IQR (type-7 quartiles, as
 * everywhere else); a sample strictly beyond a fence is an outlier. Nothing is dropped: every
 * other figure still counts these samples, this only says which they are.
 *
 * When the IQR is 0, more than about half the samples are identical, typically a coarse timer
 * (say 900 runs at exactly 1 ms, 90 at 2 ms, 10 at 15 ms). The median absolute deviation is then
 * 0 as well, so a MAD rule would label every sample that differs at all. The fences fall back to
 * the median ± 5.92 × the mean absolute deviation from the median, which is 0 only when every
 * sample is equal, and reproduces the 3·IQR fences for normal data; in the example it gives
 * (−0.36, 2.36) ms, labelling the 15 ms runs and not the 2 ms ones. All samples equal: fences at
 * that value, nothing labelled.
 *
 * @param samplesMs latencies in ms, any order.
 * @returns null for no samples; otherwise the fences, and the outliers' indices into samplesMs
 *   in ascending order.
 * @throws RangeError when a sample is not a finite number.
 */
export function findOutliers(samplesMs: readonly number[]): Outliers | null {
  const n = samplesMs.length;
  if (n === 0) return null;
  for (let i = 0; i < n; i++) {
    const v = samplesMs[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`findOutliers: sample ${i} is not a finite number (${v})`);
  }
  // A Float64Array sorts numerically without a comparator callback, several times faster.
  const sorted = Array.from(Float64Array.from(samplesMs).sort());
  const q1 = percentile(sorted, 0.25);
  const q3 = percentile(sorted, 0.75);
  const iqr = q3 - q1;

  let method = OUTLIER_METHOD;
  let lowFenceMs = q1 - IQR_MULTIPLE * iqr;
  let highFenceMs = q3 + IQR_MULTIPLE * iqr;
  if (!(iqr > 0)) {
    method = OUTLIER_FALLBACK_METHOD;
    const med = percentile(sorted, 0.5);
    let absDev = 0;
    for (const x of sorted) absDev += Math.abs(x - med);
    const reach = MEAN_AD_MULTIPLE * (absDev / n);
    lowFenceMs = med - reach;
    highFenceMs = med + reach;
  }

  const indices: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = samplesMs[i]!;
    if (x < lowFenceMs || x > highFenceMs) indices.push(i);
  }
  return { method, lowFenceMs, highFenceMs, count: indices.length, indices };
}
