// Where the warm-up transient really ends. Pure: shared by the profiler, the CLI and the webview
// bundle, so no Node built-ins and no `vscode` here.

import type { SteadyState } from './result';
import { median } from './stats';

/** Below this many runs (warm-up and measured together) MSER has too few batches to judge by. */
export const STEADY_STATE_MIN_RUNS = 50;

const BATCH = 5;

/**
 * Batch medians beyond median ± this many robust standard deviations (1.4826·MAD) of all batch
 * medians are pulled in to that fence. A batch median still reaches the far tail when three of
 * its five runs are spikes; MSER truncates past any single huge deviation in the first half,
 * however far in, since dropping it cuts the squared error by more than the lost batches cost.
 * Clipping caps what one batch can buy, while a real transient, a long run of batches above the
 * fence, still outweighs its cost and is truncated as before.
 */
const WINSOR_SIGMAS = 3;

/** Scales the MAD to a standard deviation for normal data (1 / Φ⁻¹(0.75)). */
const MAD_TO_SIGMA = 1.4826;

/** The `method` reported, naming the batch statistic, since MSER-5 alone would imply batch means. */
export const STEADY_STATE_METHOD = `MSER-${BATCH} (batch medians, winsorised at ±${WINSOR_SIGMAS} robust SD)`;

/**
 * Finds where steady state begins in the timeline of warm-up runs followed by measured runs
 * (the cold first inference already excluded), with MSER-5: the runs are cut into batches of 5,
 * and the truncation d (in batches) minimising Σ_{j≥d}(Y_j − Ȳ_d)² / (k − d)² over the k batch
 * statistics Y is chosen, d searched over the first half only so the rule cannot "truncate" into
 * the end of the run, where a few batches always fit themselves well. Ties go to the earliest d.
 *
 * Latency is heavy-tailed, so Y is the batch median, not the batch mean: one GC spike makes its
 * batch's mean an outlier that MSER then truncates past, wherever it sits in the first half.
 * Medians are then winsorised (see WINSOR_SIGMAS) against the rare batch that holds three
 * spikes. In simulation (500 seeds, log-normal σ = 0.1, 1050 runs, 1% of runs 5–20× spikes) the
 * index exceeded 50 in 194 series with batch means, 16 with batch medians and 11 with winsorised
 * medians; with 3% spikes over 5000 runs the 95th-percentile index was 135, 1795 (a batch of
 * three spikes, left unclipped) and 30. On a 3× exponential warm-up (τ = 30 runs) and a step at
 * run 300 the three agreed to within a batch or two.
 *
 * A remainder of fewer than 5 runs at the end is left out of the batches: its statistic would
 * be noisier than the rest, and the end of the run does not bear on where warm-up ends.
 *
 * @param warmupMs warm-up latencies in run order; may be empty, in which case any transient is
 *   in the measured runs, and that is exactly what is reported.
 * @param measuredMs measured latencies in run order.
 * @returns null when the timeline has fewer than STEADY_STATE_MIN_RUNS runs.
 * @throws RangeError when a latency is not a finite number.
 */
export function detectSteadyState(warmupMs: readonly number[], measuredMs: readonly number[]): SteadyState | null {
  assertFinite(warmupMs, 'warm-up');
  assertFinite(measuredMs, 'measured');
  const warmupRuns = warmupMs.length;
  const runs = warmupRuns + measuredMs.length;
  if (runs < STEADY_STATE_MIN_RUNS) return null;

  const at = (i: number): number => (i < warmupRuns ? warmupMs[i]! : measuredMs[i - warmupRuns]!);
  const k = Math.floor(runs / BATCH);
  const y = new Array<number>(k);
  const batch = new Array<number>(BATCH);
  for (let j = 0; j < k; j++) {
    for (let b = 0; b < BATCH; b++) batch[b] = at(j * BATCH + b);
    batch.sort((a, c) => a - c);
    y[j] = batch[BATCH >> 1]!;
  }
  winsorise(y);

  const d = mserTruncation(y, Math.floor(k / 2));
  const index = d * BATCH;
  return {
    index,
    method: STEADY_STATE_METHOD,
    warmupRuns,
    transientMeasuredRuns: Math.max(0, index - warmupRuns),
  };
}

/** In place; skipped when the MAD is 0 (a coarse timer), since the fence would flatten everything. */
function winsorise(y: number[]): void {
  const m = median(y);
  const sigma = MAD_TO_SIGMA * median(y.map((v) => Math.abs(v - m)));
  if (!(sigma > 0)) return;
  const lo = m - WINSOR_SIGMAS * sigma;
  const hi = m + WINSOR_SIGMAS * sigma;
  for (let j = 0; j < y.length; j++) y[j] = Math.min(hi, Math.max(lo, y[j]!));
}

/**
 * The d in [0, dMax] minimising SSE(y[d..]) / (k − d)². The suffix sums are built backwards with
 * Welford's update rather than as Σy² − m·ȳ²: latencies large next to their spread would lose
 * every digit of the SSE to cancellation, and the choice of d would become rounding noise.
 */
function mserTruncation(y: readonly number[], dMax: number): number {
  const k = y.length;
  const statAt = new Array<number>(dMax + 1);
  let mean = 0;
  let m2 = 0;
  for (let j = k - 1; j >= 0; j--) {
    const count = k - j;
    const delta = y[j]! - mean;
    mean += delta / count;
    m2 += delta * (y[j]! - mean);
    if (j <= dMax) statAt[j] = m2 / (count * count);
  }
  let best = 0;
  for (let d = 1; d <= dMax; d++) if (statAt[d]! < statAt[best]!) best = d;
  return best;
}

function assertFinite(values: readonly number[], which: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`detectSteadyState: ${which} sample ${i} is not a finite number (${v})`);
  }
}
