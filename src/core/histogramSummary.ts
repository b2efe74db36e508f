// The summary of a run whose samples are kept in a LatencyHistogram (long runs, see
// resultAssembler.ts): the same fields stats.summarize computes from the samples themselves.

import type { AchievedPrecision } from './adaptiveStop';
import type { LatencyHistogram } from './histogram';
import { CI_LEVEL, PERCENTILE_PROBABILITIES, quantileRankInterval, relativeHalfWidth } from './quantileCI';
import type { Interval, PercentileCIs, PercentileKey, StoppingRule, Summary } from './result';

/**
 * n, mean, stdev, cv, min and max are exact; the percentiles (type 7) and the CI ends (the order
 * statistics at the ranks quantileCI would take, for n = every sample) are within the
 * histogram's RELATIVE_ERROR of what summarize would give over the same samples.
 * Throughput as summarize's: n / wall time, else n / Σ samples.
 *
 * @returns null for an empty histogram.
 */
export function summarizeHistogram(h: LatencyHistogram, wallMs?: number): Summary | null {
  const n = h.count;
  if (n === 0) return null;
  const mean = h.mean;
  const stdev = h.stdev;
  const sum = mean * n;
  let throughputPerSec: number;
  if (wallMs !== undefined && Number.isFinite(wallMs) && wallMs > 0) throughputPerSec = n / (wallMs / 1000);
  else throughputPerSec = sum > 0 ? n / (sum / 1000) : 0;
  const ciOf = (q: number): Interval | null => {
    const ranks = quantileRankInterval(n, q, CI_LEVEL);
    return ranks ? [h.atRank(ranks.lower), h.atRank(ranks.upper)] : null;
  };
  const P = PERCENTILE_PROBABILITIES;
  const ci: PercentileCIs = { p50: ciOf(P.p50), p95: ciOf(P.p95), p99: ciOf(P.p99), p999: ciOf(P.p999) };
  return {
    n,
    p50Ms: h.quantile(0.5),
    p90Ms: h.quantile(0.9),
    p95Ms: h.quantile(0.95),
    p99Ms: h.quantile(0.99),
    p999Ms: h.quantile(0.999),
    meanMs: mean,
    stdevMs: stdev,
    cv: mean === 0 ? 0 : stdev / mean,
    minMs: h.min,
    maxMs: h.max,
    throughputPerSec,
    ci,
    ciLevel: CI_LEVEL,
  };
}

/** adaptiveStop.achievedPrecision, from a summary's own CIs (every sample behind them). */
export function achievedFromSummary(s: Summary, target: StoppingRule['targetPercentile']): AchievedPrecision {
  const at = (k: PercentileKey, estimate: number) => relativeHalfWidth(s.ci[k], estimate);
  const estimate: Record<StoppingRule['targetPercentile'], number> = { p95: s.p95Ms, p99: s.p99Ms, p999: s.p999Ms };
  return { p50: at('p50', s.p50Ms), target: at(target, estimate[target]) };
}
