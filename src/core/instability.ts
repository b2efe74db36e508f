// Is the run stable: spread of the bulk, several modes, order effects, drift. Pure: shared by
// the profiler, the CLI and the webview bundle, so no Node built-ins and no `vscode` here.

import { normalUpperTail } from './normal';
import type { Instability } from './result';
import { percentile } from './stats';

/**
 * Below this many samples each third holds fewer than 10, which is too few for the normal
 * approximation of the Mann–Whitney test and for a density to show a second mode.
 */
export const INSTABILITY_MIN_SAMPLES = 30;

/** Scales the MAD to a standard deviation for normal data (1 / Φ⁻¹(0.75)). */
const MAD_TO_SIGMA = 1.4826;

/** Two-sided 1% point of the standard normal: each check may fire falsely on 1 run in 100. */
const Z_99 = 2.5758293035489004;

/** Drift must be both unlikely by chance and at least this large to matter. */
const DRIFT_P = 0.01;
const DRIFT_MIN_CHANGE = 0.02;

/** KDE grid size; the cost is this times the kernel's width in grid points, whatever n is. */
const GRID = 1024;

/**
 * A mode must hold at least this share of the samples; a thinner bump is a tail. In simulation
 * (200 seeds, n = 1000) a 1 ms / 2 ms mixture (±3%) was called bimodal every time at 80/20 and
 * 90/10, about half the time at 95/5, never at 97/3, and a log-normal with 1.3% or 3% of runs
 * at 4–11 ms never.
 */
export const MODE_MIN_SHARE = 0.05;

/**
 * …and at least this many samples: among 30 runs two spikes are 6.7%. With it, false calls at
 * n = 30 fell from 8% to 1% on that 1.3%-tail log-normal and from 2% to 1% on a plain one,
 * while an 80/20 mixture of 30 runs was still found 61% of the time (98% at n = 50).
 */
export const MODE_MIN_COUNT = 5;

/**
 * Density at the valley between two modes, as a fraction of the lower peak, at most. At 0.5 no
 * unimodal shape simulated (log-normal σ 0.05–1, normal, uniform, quantised timers) was called
 * bimodal at n ≥ 100, nor over 2% of the time at n = 30; a 50/50 mixture of 1 and 1.15 ms (±3%)
 * was found at n ≥ 1000, 1 and 1.1 ms never. At 0.7 the uniform and n = 30 cases rose to 4–8%.
 */
export const MODE_MAX_VALLEY = 0.5;

/**
 * Stability diagnostics of measured latencies, in run order.
 *
 * - robustCv: 1.4826·MAD ÷ median, the spread of the bulk (0 when the median is 0).
 * - bimodality: see {@link kdeModes}.
 * - autocorrelation: lag-1 autocorrelation of the mid-ranks, so a spike counts as one rank, not
 *   as its size. Under independence it is about N(−1/n, 1/n), so |lag1| > 2.576/√n is the
 *   two-sided 1% bound (`threshold`): above it is a 'trend' (neighbours alike: slowing,
 *   speeding up, clumps), below minus it 'alternating' (fast and slow runs taking turns).
 * - drift: medians of the first and last thirds (⌊n/3⌋ runs each), change = last/first − 1, and
 *   the two-sided p-value of a Mann–Whitney U test between the thirds. Significant only when
 *   p < 0.01 and |change| ≥ 2%: over 1000 runs a 1% drift is statistically real yet changes no
 *   decision, and the threshold keeps the flag for drifts worth reading. When the first third's
 *   median is 0 (a timer too coarse for the model) no relative change exists; it is given as 0.
 *
 * @param samplesMs latencies in ms, in run order.
 * @returns null below INSTABILITY_MIN_SAMPLES samples.
 * @throws RangeError when a sample is not a finite number.
 */
export function analyzeInstability(samplesMs: readonly number[]): Instability | null {
  const n = samplesMs.length;
  for (let i = 0; i < n; i++) {
    const v = samplesMs[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`analyzeInstability: sample ${i} is not a finite number (${v})`);
  }
  if (n < INSTABILITY_MIN_SAMPLES) return null;

  const sorted = sortAsc(samplesMs);
  const med = percentile(sorted, 0.5);
  const mad = percentile(sortAsc(sorted.map((x) => Math.abs(x - med))), 0.5);
  const robustCv = med > 0 ? (MAD_TO_SIGMA * mad) / med : 0;

  const modesMs = kdeModes(sorted);

  const lag1 = lag1RankAutocorrelation(samplesMs, sorted);
  const threshold = Z_99 / Math.sqrt(n);
  const pattern = lag1 > threshold ? 'trend' : lag1 < -threshold ? 'alternating' : 'none';

  const third = Math.floor(n / 3);
  const first = samplesMs.slice(0, third);
  const last = samplesMs.slice(n - third);
  const firstThirdP50Ms = percentile(sortAsc(first), 0.5);
  const lastThirdP50Ms = percentile(sortAsc(last), 0.5);
  const change = firstThirdP50Ms > 0 ? lastThirdP50Ms / firstThirdP50Ms - 1 : 0;
  const { pValue } = mannWhitneyU(first, last);

  return {
    robustCv,
    bimodality: { bimodal: modesMs.length >= 2, modesMs },
    autocorrelation: { lag1, threshold, pattern },
    drift: {
      firstThirdP50Ms,
      lastThirdP50Ms,
      change,
      pValue,
      significant: pValue < DRIFT_P && Math.abs(change) >= DRIFT_MIN_CHANGE,
    },
  };
}

/**
 * Modes of the latency distribution, in ms, ascending: one entry for a unimodal sample.
 *
 * A Gaussian kernel density on log(latency) (latency is right-skewed and its modes are
 * multiplicative, "twice as slow"; linear when a sample is ≤ 0), bandwidth by Silverman's rule
 * 0.9·min(sd, IQR/1.349)·n^(−1/5), which undersmooths rather than merge real modes. The
 * bandwidth is never below half the timer's resolution q (the median gap between distinct
 * values; on the log axis q ÷ median): a quantised timer's values form a comb, and Gaussians
 * spaced 2h apart sum to a ripple under 1%, where narrower ones read as a mode per tick. Nor is
 * it below 2 grid steps, else a far spike stretching the grid leaves a kernel narrower than a
 * step.
 * The data are linearly binned onto a 1024-point grid over [min − 4h, max + 4h] and convolved,
 * so the cost is O(n) after the sort.
 *
 * Every local maximum starts as a mode; the valley between two neighbours is the lowest density
 * between them. Then, shallowest first, neighbours whose valley is above MODE_MAX_VALLEY of the
 * lower peak merge (a bump on a slope is not a mode), and then, thinnest first, a mode holding
 * under MODE_MIN_SHARE of the density (or under MODE_MIN_COUNT samples' worth) merges into the
 * neighbour across its higher valley: a 1–2% cluster of far GC spikes is a tail, not a mode.
 * Merging only lowers valleys relative to peaks, so the second pass cannot undo the first.
 *
 * The locations are peaks of the density of log(latency); for a log-normal that is its median,
 * not the (lower) peak of its density in ms.
 *
 * @param sortedAsc finite latencies, sorted ascending (not checked); at least one.
 */
export function kdeModes(sortedAsc: readonly number[]): number[] {
  const n = sortedAsc.length;
  const useLog = sortedAsc[0]! > 0;
  const v = useLog ? sortedAsc.map(Math.log) : sortedAsc.slice();
  const fromAxis = useLog ? Math.exp : (x: number) => x;
  const lo = v[0]!;
  const hi = v[n - 1]!;
  if (!(hi > lo)) return [sortedAsc[0]!];

  const spread = Math.min(standardDeviation(v), (percentile(v, 0.75) - percentile(v, 0.25)) / 1.349);
  // An IQR of 0 (over half the values equal) leaves the sd, which is > 0 since hi > lo.
  const scale = spread > 0 ? spread : standardDeviation(v);
  let h = 0.9 * scale * n ** -0.2;
  h = Math.max(h, resolution(sortedAsc, useLog) / 2);
  // The grid spans the data plus 4h each side, so its step grows with h; h = 2·step solves to
  // h = 2·(hi − lo)/(GRID − 17).
  let start = lo - 4 * h;
  let step = (hi - lo + 8 * h) / (GRID - 1);
  if (h < 2 * step) {
    h = (2 * (hi - lo)) / (GRID - 1 - 16);
    start = lo - 4 * h;
    step = (hi - lo + 8 * h) / (GRID - 1);
  }

  const counts = new Float64Array(GRID);
  for (const x of v) {
    const pos = (x - start) / step;
    const i = Math.min(GRID - 2, Math.max(0, Math.floor(pos)));
    const w = pos - i;
    counts[i]! += 1 - w;
    counts[i + 1]! += w;
  }
  const reach = Math.ceil((4 * h) / step);
  const kernel = new Float64Array(reach + 1);
  for (let k = 0; k <= reach; k++) kernel[k] = Math.exp(-0.5 * ((k * step) / h) ** 2);
  const f = new Float64Array(GRID);
  for (let i = 0; i < GRID; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const a = Math.max(0, i - reach);
    const b = Math.min(GRID - 1, i + reach);
    for (let j = a; j <= b; j++) f[j]! += c * kernel[Math.abs(j - i)]!;
  }

  return mergeModes(f, Math.max(MODE_MIN_SHARE, MODE_MIN_COUNT / n)).map((i) => fromAxis(start + i * step));
}

interface Mode {
  /** Grid index of the peak. */
  peak: number;
  mass: number;
}

/** Grid indices of the surviving modes, ascending. */
function mergeModes(f: Float64Array, minShare: number): number[] {
  const g = f.length;
  // Local maxima, a plateau counting once (at its middle); there is at least one, since f > 0
  // somewhere and is 0 or falling at both ends of the grid.
  const peaks: number[] = [];
  for (let s = 0; s < g; ) {
    let e = s + 1;
    while (e < g && f[e] === f[s]) e++;
    if (f[s]! > 0 && (s === 0 || f[s - 1]! < f[s]!) && (e === g || f[e]! < f[s]!)) peaks.push((s + e - 1) >> 1);
    s = e;
  }
  const modes: Mode[] = [];
  /** valleys[j]: density at the lowest point between modes[j] and modes[j + 1]. */
  const valleys: number[] = [];
  let regionStart = 0;
  for (let j = 0; j + 1 < peaks.length; j++) {
    let lowest = peaks[j]!;
    for (let i = lowest + 1; i < peaks[j + 1]!; i++) if (f[i]! < f[lowest]!) lowest = i;
    modes.push({ peak: peaks[j]!, mass: sum(f, regionStart, lowest) });
    valleys.push(f[lowest]!);
    regionStart = lowest;
  }
  modes.push({ peak: peaks[peaks.length - 1]!, mass: sum(f, regionStart, g) });

  const join = (j: number): void => {
    const a = modes[j]!;
    const b = modes[j + 1]!;
    modes.splice(j, 2, { peak: f[a.peak]! >= f[b.peak]! ? a.peak : b.peak, mass: a.mass + b.mass });
    valleys.splice(j, 1);
  };

  for (;;) {
    let worst = -1;
    let worstRatio = MODE_MAX_VALLEY;
    for (let j = 0; j < valleys.length; j++) {
      const ratio = valleys[j]! / Math.min(f[modes[j]!.peak]!, f[modes[j + 1]!.peak]!);
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = j;
      }
    }
    if (worst < 0) break;
    join(worst);
  }

  const total = sum(f, 0, g);
  while (modes.length > 1) {
    let thinnest = 0;
    for (let j = 1; j < modes.length; j++) if (modes[j]!.mass < modes[thinnest]!.mass) thinnest = j;
    if (modes[thinnest]!.mass >= minShare * total) break;
    const left = thinnest > 0 ? valleys[thinnest - 1]! : -Infinity;
    const right = thinnest < valleys.length ? valleys[thinnest]! : -Infinity;
    join(left >= right ? thinnest - 1 : thinnest);
  }
  return modes.map((m) => m.peak);
}

/**
 * Two-sided Mann–Whitney U test of a against b, by the normal approximation with the tie
 * correction and a continuity correction of ½ (as scipy.stats.mannwhitneyu's default
 * 'asymptotic' method), which keeps the p-value on the safe side for small samples.
 *
 * @returns u: pairs (x from a, y from b) with x > y, ties counting ½; z: the corrected
 *   standardised |U − n₁n₂/2| (0 when no spread); pValue: 1 when either sample is empty or
 *   every value is tied.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): { u: number; z: number; pValue: number } {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, pValue: 1 };
  const pooled = sortAsc([...a, ...b]);
  let rankSumA = 0;
  for (const x of a) rankSumA += midRank(pooled, x);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const total = n1 + n2;
  const variance = ((n1 * n2) / 12) * (total + 1 - tieTerm(pooled) / (total * (total - 1)));
  if (!(variance > 0)) return { u, z: 0, pValue: 1 };
  const z = Math.max(0, Math.abs(u - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u, z, pValue: Math.min(1, 2 * normalUpperTail(z)) };
}

/** 1-based rank of x in sortedAsc (which holds it), ties sharing their mean rank. */
function midRank(sortedAsc: readonly number[], x: number): number {
  // Binary searches against one sorted copy: sorting an index array with a comparator is several
  // times slower than the typed-array sort behind sortAsc, which matters at 100,000 samples.
  let lo = 0;
  let hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedAsc[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  hi = sortedAsc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedAsc[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  // Positions first … lo − 1 (0-based) hold x: ranks first + 1 … lo, whose mean this is.
  return (first + 1 + lo) / 2;
}

/** Σ(t³ − t) over the groups of t tied values, for the Mann–Whitney variance. */
function tieTerm(sortedAsc: readonly number[]): number {
  let term = 0;
  for (let s = 0; s < sortedAsc.length; ) {
    let e = s + 1;
    while (e < sortedAsc.length && sortedAsc[e] === sortedAsc[s]) e++;
    const t = e - s;
    term += t * t * t - t;
    s = e;
  }
  return term;
}

/** Lag-1 autocorrelation of the mid-ranks; 0 when every value is tied (nothing to correlate). */
function lag1RankAutocorrelation(values: readonly number[], sortedAsc: readonly number[]): number {
  const n = values.length;
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) ranks[i] = midRank(sortedAsc, values[i]!);
  // Mid-ranks always average (n + 1) / 2.
  const mean = (n + 1) / 2;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = ranks[i]! - mean;
    den += d * d;
    if (i + 1 < n) num += d * (ranks[i + 1]! - mean);
  }
  return den > 0 ? num / den : 0;
}

/** Median gap between consecutive distinct values, on the KDE's axis; about 0 for a fine timer. */
function resolution(sortedAsc: readonly number[], useLog: boolean): number {
  const gaps: number[] = [];
  for (let i = 1; i < sortedAsc.length; i++) {
    const gap = sortedAsc[i]! - sortedAsc[i - 1]!;
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return 0;
  const gap = percentile(sortAsc(gaps), 0.5);
  return useLog ? gap / percentile(sortedAsc, 0.5) : gap;
}

function standardDeviation(v: readonly number[]): number {
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
}

function sum(f: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += f[i]!;
  return s;
}

/**
 * Ascending copy. A Float64Array sorts numerically without a comparator callback, several times
 * faster than Array.prototype.sort with one; the values are finite, so NaN ordering is moot.
 */
function sortAsc(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort());
}
