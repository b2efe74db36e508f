// Distribution-free confidence intervals on percentiles, from order statistics. Pure: shared by
// the profiler, the CLI and the webview bundle, so no Node built-ins and no `vscode` here.
//
// The idea: of n independent samples, the number B that fall below the true q-quantile ξq is
// Binomial(n, q), whatever the latency distribution. X(l) ≤ ξq exactly when B ≥ l, and
// X(u) ≥ ξq exactly when B ≤ u − 1, so P(X(l) ≤ ξq ≤ X(u)) = P(l ≤ B ≤ u − 1): a statement about
// a binomial alone. Only the choice of ranks needs arithmetic.

import { normalCdf, normalQuantile } from './normal';
import type { Interval, PercentileCIs, PercentileKey } from './result';

// scripts/bench-stats.ts draws its reference distributions with these from here.
export { normalCdf, normalQuantile } from './normal';

/** The confidence level of every interval Latency reports. */
export const CI_LEVEL = 0.95;

/** The probability each reported percentile stands for. */
export const PERCENTILE_PROBABILITIES: Readonly<Record<PercentileKey, number>> = Object.freeze({
  p50: 0.5,
  p95: 0.95,
  p99: 0.99,
  p999: 0.999,
});

/**
 * How the binomial tails are evaluated: 'exact' sums the probabilities, 'normal' uses the
 * normal approximation with continuity and skewness corrections, 'auto' (the default) sums
 * unless the binomial's standard deviation exceeds EXACT_MAX_SD.
 */
export type RankMethod = 'auto' | 'exact' | 'normal';

export interface RankIntervalOptions {
  /**
   * Interpolate between adjacent order statistics (default true) so each tail misses with
   * probability (1 − level)/2 rather than at most that; false gives whole ranks, whose coverage
   * is exact and at least `level`.
   */
  interpolate?: boolean;
  method?: RankMethod;
}

export interface RankInterval {
  /** 1-based rank of the lower end; fractional when interpolated (r = k + f: X(k) + f·(X(k+1) − X(k))). */
  lower: number;
  /** 1-based rank of the upper end, likewise. */
  upper: number;
  /**
   * P(X(lower) ≤ ξq ≤ X(upper)). Exact (a binomial probability, ≥ level) for whole ranks; for
   * interpolated ranks it is the value under the locally-uniform model the interpolation
   * assumes, which is `level` by construction.
   */
  coverage: number;
}

/**
 * The summation costs O(sd) steps (it walks ~9 standard deviations each side of the mode); at
 * sd = 2000 that is ~40k multiply-adds, a fraction of a millisecond. Above it, the corrected
 * normal approximation is off by well under a hundredth of a rank (the skewness term is
 * O(1/sd) and the next one O(1/sd²)), so summing more would buy nothing. Every n up to ~10^7
 * at the median, and more in the tails, is summed exactly.
 */
export const EXACT_MAX_SD = 2000;

/** Terms below this fraction of the mode's probability end the walk: the tail they leave is < 1e-19 of the total. */
const NEGLIGIBLE = 1e-18;

/**
 * Order-statistic ranks for a two-sided, equal-tailed confidence interval on the q-quantile
 * from n samples: each end misses ξq with probability at most (1 − level)/2.
 *
 * Why interpolate by default: whole ranks can only reach the coverages the binomial's steps
 * allow, and at the sizes benchmarks use the nearest step is often well above the level: at
 * n = 1000 the whole-rank 95% interval has exact coverage 95.4% for p50 but 97.6% for p99
 * (98.0% for p99.9 at n = 5000, 98.3% for p95 at n = 100). A 97.6% interval is wider than the
 * 95% it is labelled as, and makes adaptive stopping run longer than it needs to. So each end
 * is placed between the two order statistics whose miss
 * probabilities straddle (1 − level)/2, at the point where, if the density is roughly constant
 * across that one gap, the miss probability is exactly (1 − level)/2. For the median this is
 * Hettmansperger & Sheather's (1986) interpolation; the general-q weight comes from the same
 * argument, with the gaps below and above ξq exponential at rates ∝ k/q and (n − k)/(1 − q).
 * The trade: whole ranks guarantee ≥ level for any continuous distribution; interpolated ends
 * (each moved by less than one rank) hit the level approximately, and the approximation is
 * good. Measured by bench:stats on log-normal, shifted-exponential and a heavy-tailed mixture
 * (2000 replications each): 94.5–95.7% for p50, p95 and p99 at n = 1000, 94.1–95.4% for p99.9
 * at n = 5000, where whole ranks gave 95.0–98.4%. With ties, as from a coarse timer, the
 * interpolation between equal values changes nothing.
 *
 * @param n sample size, a non-negative integer.
 * @param q the quantile, in (0, 1).
 * @param level confidence level, in (0, 1).
 * @returns null when n < minSamplesToBound(q, level): then even the sample's extreme cannot
 *   bound ξq on its side with the required probability.
 * @throws RangeError for n not a non-negative integer, q or level outside (0, 1), or an
 *   unknown method.
 */
export function quantileRankInterval(n: number, q: number, level = CI_LEVEL, options: RankIntervalOptions = {}): RankInterval | null {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`quantileRankInterval: n must be a non-negative integer, got ${n}`);
  checkUnit(q, 'q', 'quantileRankInterval');
  checkUnit(level, 'level', 'quantileRankInterval');
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'exact' && method !== 'normal') {
    throw new RangeError(`quantileRankInterval: method must be 'auto', 'exact' or 'normal', got ${String(method)}`);
  }
  if (n < minSamplesToBound(q, level)) return null;

  const tail = (1 - level) / 2;
  const qc = 1 - q;
  const sd = Math.sqrt(n * q * qc);
  const useExact = method === 'exact' || (method === 'auto' && sd <= EXACT_MAX_SD);
  const ends = useExact ? exactEnds(n, q, qc, tail) : normalEnds(n, q, qc, tail);
  // minSamplesToBound decides existence; should summation rounding disagree at the boundary,
  // clamping keeps the extreme rank, which is what minSamplesToBound promised.
  const l = Math.max(1, ends.l);
  const u = Math.min(n, ends.u);

  if (options.interpolate === false) return { lower: l, upper: u, coverage: 1 - ends.lowTail - ends.highTail };

  // Share of the boundary rank's probability still allowed in each tail, in [0, 1).
  const iLow = clampFraction((tail - ends.lowTail) / ends.lowStep);
  const iHigh = clampFraction((tail - ends.highTail) / ends.highStep);
  // Gap rates below and above ξq, per unit density, for the gap each end sits in.
  const lower = l + gapWeight(iLow, l / q, (n - l) / qc);
  const upper = u - gapWeight(iHigh, (n - u + 1) / qc, (u - 1) / q);
  // Only possible at absurdly low levels (one binomial atom holding nearly all the mass): fall
  // back to whole ranks rather than return crossed ends.
  if (!(lower < upper)) return { lower: l, upper: u, coverage: 1 - ends.lowTail - ends.highTail };
  return { lower, upper, coverage: 1 - 2 * tail };
}

/**
 * The smallest n for which quantileRankInterval(n, q, level) is not null: each tail of the
 * equal-tailed interval may miss with (1 − level)/2, so the sample extreme on the far side of
 * ξq must lie beyond it with probability ≥ 1 − (1 − level)/2. For q ≥ 0.5 that is the maximum:
 * P(max < ξq) = q^n ≤ (1 − level)/2, n = ⌈ln((1 − level)/2) / ln q⌉.
 *
 * At 95%: p50 → 6, p95 → 72, p99 → 368, p99.9 → 3688. Compare the textbook one-sided figure
 * (minSamplesOneSided), "59 runs for p95" from 1 − 0.95^59 ≥ 0.95: that bounds p95 from above
 * only, with the whole 5% miss on that one side. Two-sided with equal tails, the maximum must
 * exceed p95 with probability ≥ 0.975: 0.95^72 = 0.0249 ≤ 0.025 < 0.95^71, so 72.
 *
 * @throws RangeError for q or level outside (0, 1).
 */
export function minSamplesToBound(q: number, level = CI_LEVEL): number {
  checkUnit(q, 'q', 'minSamplesToBound');
  checkUnit(level, 'level', 'minSamplesToBound');
  return minSamplesFor(Math.max(q, 1 - q), (1 - level) / 2);
}

/**
 * The smallest n for which the sample extreme on the far side of ξq (the maximum for q ≥ 0.5,
 * the minimum below) is a one-sided bound at `level`: max(q, 1 − q)^n ≤ 1 − level. For p95 at
 * 95% this is the familiar 59 (0.95^59 = 0.0485); p99 → 299, p99.9 → 2995.
 *
 * @throws RangeError for q or level outside (0, 1).
 */
export function minSamplesOneSided(q: number, level = CI_LEVEL): number {
  checkUnit(q, 'q', 'minSamplesOneSided');
  checkUnit(level, 'level', 'minSamplesOneSided');
  return minSamplesFor(Math.max(q, 1 - q), 1 - level);
}

/**
 * Confidence interval [low, high] on the true q-quantile of the distribution the sample came
 * from, at the ranks quantileRankInterval gives (interpolated linearly between adjacent order
 * statistics).
 *
 * The input must already be sorted ascending; it is not checked (as for `percentile`), since
 * callers take several intervals from one sorted copy.
 *
 * @returns null when the sample is too small to bound the quantile (see minSamplesToBound).
 * @throws RangeError for q or level outside (0, 1).
 */
export function quantileCI(sortedAsc: readonly number[], q: number, level = CI_LEVEL): Interval | null {
  const ranks = quantileRankInterval(sortedAsc.length, q, level);
  if (!ranks) return null;
  return [atRank(sortedAsc, ranks.lower), atRank(sortedAsc, ranks.upper)];
}

/**
 * quantileCI for p50, p95, p99 and p99.9 of one ascending-sorted sample.
 *
 * @throws RangeError for level outside (0, 1).
 */
export function percentileCIs(sortedAsc: readonly number[], level = CI_LEVEL): PercentileCIs {
  const P = PERCENTILE_PROBABILITIES;
  return {
    p50: quantileCI(sortedAsc, P.p50, level),
    p95: quantileCI(sortedAsc, P.p95, level),
    p99: quantileCI(sortedAsc, P.p99, level),
    p999: quantileCI(sortedAsc, P.p999, level),
  };
}

/**
 * Half the interval's width relative to the estimate: 0.01 reads "±1%".
 *
 * @returns null for a null interval, or an estimate that is not > 0 (a relative width has no
 *   meaning there).
 */
export function relativeHalfWidth(ci: Interval | null, estimate: number): number | null {
  if (ci === null || !(estimate > 0)) return null;
  return (ci[1] - ci[0]) / 2 / estimate;
}

interface Ends {
  /** Largest rank whose miss probability P(B ≤ l − 1) is ≤ the tail, and that probability. */
  l: number;
  lowTail: number;
  /** P(B = l): the miss probability's step from rank l to l + 1. */
  lowStep: number;
  /** Smallest rank whose miss probability P(B ≥ u) is ≤ the tail, and that probability. */
  u: number;
  highTail: number;
  /** P(B = u − 1). */
  highStep: number;
}

/**
 * The binomial by the ratio of successive probabilities, relative to its mode (so no
 * factorials, no log-gamma, nothing to overflow). One pass outward finds the window of
 * non-negligible terms and their total; a second walks in from each end of the window,
 * accumulating the tail from its small end, which keeps full relative precision in exactly the
 * probabilities compared against (1 − level)/2. Nothing is stored: an array of the window is
 * slower than walking twice.
 */
function exactEnds(n: number, q: number, qc: number, tail: number): Ends {
  const mode = Math.min(n, Math.floor((n + 1) * q));
  const downOdds = qc / q;
  const upOdds = q / qc;
  // P(B = k − 1) / P(B = k) and P(B = k + 1) / P(B = k).
  const down = (k: number): number => (k / (n - k + 1)) * downOdds;
  const up = (k: number): number => ((n - k) / (k + 1)) * upOdds;

  let total = 1;
  let lo = mode;
  let rLo = 1;
  for (let r = 1; lo > 0; ) {
    r *= down(lo);
    if (r < NEGLIGIBLE) break;
    total += r;
    rLo = r;
    lo--;
  }
  let hi = mode;
  let rHi = 1;
  for (let r = 1; hi < n; ) {
    r *= up(hi);
    if (r < NEGLIGIBLE) break;
    total += r;
    rHi = r;
    hi++;
  }

  // Ranks below the window carry < 1e-19 in all, so rank lo − 1 is reachable even when the
  // window's first atom is not: that is why stopping at once gives l = lo, not an empty answer.
  const budget = tail * total;
  let lowTail = 0;
  let k = lo;
  let r = rLo;
  while (k < hi && lowTail + r <= budget) {
    lowTail += r;
    r *= up(k);
    k++;
  }
  const l = k;
  const lowStep = r;

  let highTail = 0;
  k = hi;
  r = rHi;
  while (k > lo && highTail + r <= budget) {
    highTail += r;
    r *= down(k);
    k--;
  }
  return { l, lowTail: lowTail / total, lowStep: lowStep / total, u: k + 1, highTail: highTail / total, highStep: r / total };
}

/**
 * The same ends from the normal approximation with continuity correction and the first
 * Edgeworth (skewness) term: P(B ≤ k) ≈ Φ(x) − γ(x² − 1)φ(x)/6, x = (k + ½ − nq)/sd,
 * γ = (1 − 2q)/sd. Without the skewness term the ends would be off by up to ~½ rank at any n.
 */
function normalEnds(n: number, q: number, qc: number, tail: number): Ends {
  const low = normalLowerEnd(n, q, qc, tail);
  // The upper end is the lower end of the count above ξq, Binomial(n, 1 − q).
  const high = normalLowerEnd(n, qc, q, tail);
  return { l: low.l, lowTail: low.tailProb, lowStep: low.step, u: n + 1 - high.l, highTail: high.tailProb, highStep: high.step };
}

function normalLowerEnd(n: number, q: number, qc: number, tail: number): { l: number; tailProb: number; step: number } {
  const mean = n * q;
  const sd = Math.sqrt(n * q * qc);
  const skew = (qc - q) / sd;
  const cdf = (k: number): number => {
    if (k < 0) return 0;
    if (k >= n) return 1;
    const x = (k + 0.5 - mean) / sd;
    return normalCdf(x) - (skew * (x * x - 1) * Math.exp((-x * x) / 2)) / (6 * Math.sqrt(2 * Math.PI));
  };
  // Cornish–Fisher inverse for the starting point, then settle on the discrete condition.
  const z = normalQuantile(tail);
  let k = Math.floor(mean + sd * (z + (skew * (z * z - 1)) / 6) - 0.5);
  while (cdf(k + 1) <= tail) k++;
  while (k >= 0 && cdf(k) > tail) k--;
  const tailProb = cdf(k);
  return { l: k + 1, tailProb, step: cdf(k + 1) - tailProb };
}

/**
 * Where between two order statistics an end must sit for its miss probability to be the
 * boundary rank's miss probability plus `share` of the step to the next rank. Given the
 * binomial count at the boundary, ξq lies in the gap between the two order statistics; with the
 * density locally constant, the part of the gap on the near side is exponential at rate
 * `nearRate`, the far part at `farRate`, and an end at fraction w of the gap from the near
 * statistic misses with probability w·near / (w·near + (1 − w)·far); this solves that for w.
 * At q = 0.5 this is Hettmansperger & Sheather's λ = (n − d)I / (d + (n − 2d)I).
 */
function gapWeight(share: number, nearRate: number, farRate: number): number {
  if (share <= 0) return 0;
  return (share * farRate) / ((1 - share) * nearRate + share * farRate);
}

/** Value at a 1-based, possibly fractional rank. */
function atRank(sortedAsc: readonly number[], rank: number): number {
  const k = Math.floor(rank);
  const f = rank - k;
  const a = sortedAsc[k - 1]!;
  if (f === 0) return a;
  const b = sortedAsc[k]!;
  // Equal neighbours (ties, or ±Infinity) need no arithmetic, and Infinity − Infinity would be NaN.
  return a === b ? a : a + (b - a) * f;
}

function minSamplesFor(far: number, missAllowed: number): number {
  // The logarithm gives the answer up to rounding; the powers settle the last step exactly, the
  // same comparison the rank search makes.
  let n = Math.max(1, Math.ceil(Math.log(missAllowed) / Math.log(far)));
  while (n > 1 && far ** (n - 1) <= missAllowed) n--;
  while (far ** n > missAllowed) n++;
  return n;
}

function clampFraction(x: number): number {
  return x > 0 ? (x < 1 ? x : 1 - Number.EPSILON) : 0;
}

function checkUnit(x: number, name: string, where: string): void {
  if (!(x > 0 && x < 1)) throw new RangeError(`${where}: ${name} must be in (0, 1), got ${x}`);
}
