// A closed-loop concurrency sweep, analysed: the same endpoint loaded at 1, 2, 4, … requests in
// flight, one point per level, and what the curve says — where throughput stops rising (the
// knee) and the level with the most throughput whose p99 stays within a budget. Pure.
//
// The knee. Throughput of a closed loop rises with concurrency while the server has idle
// capacity and flattens (or falls) once it is saturated; past that point extra requests only
// wait in a queue (Little's law: in flight = throughput × latency, so with throughput flat the
// latency grows in proportion to the concurrency). The knee is the LOWEST level whose
// throughput is within KNEE_SHARE_OF_PEAK (90%) of the highest throughput of the sweep: the
// cheapest concurrency that gets almost all the throughput there is. That only means saturation
// when the curve did flatten, so a sweep whose last step still gained KNEE_FLAT_GAIN (10%) or more
// per doubling of concurrency has no knee ("still rising at the highest level"). A share of the
// peak rather than a slope threshold: one noisy point cannot move the knee by much, and the
// answer does not depend on the spacing of the levels.

import type { Summary } from './result';

/** One level of the sweep: the figures of its measured requests. */
export interface SweepPoint {
  /** Requests in flight at once. */
  concurrency: number;
  /** Successful measured requests (the latency samples). */
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Successful responses per second over the level's measured wall time. */
  throughputPerSec: number;
  /** Failed of attempted measured requests (failures are never samples). */
  errors: { count: number; attempted: number };
  /** True when the level was cut short (cancelled): its figures rest on fewer requests. */
  partial?: boolean;
}

export interface SweepKnee {
  /** null when the sweep found none (throughput still rising, or too few levels). */
  concurrency: number | null;
  /** How it was found, or why there is none, in words with the figures. */
  reason: string;
}

export interface SweepBest {
  /** The level with the most throughput whose p99 ≤ budget and whose error rate is small; null when none qualifies or no budget was set. */
  concurrency: number | null;
  reason: string;
}

export interface SweepReport {
  /** The levels asked for, in order (a cancelled sweep has fewer points). */
  levels: number[];
  points: SweepPoint[];
  knee: SweepKnee;
  /** The method of the knee, stated once for every report. */
  kneeMethod: string;
  p99BudgetMs?: number;
  best: SweepBest;
  /** The level whose samples are the result's main figures (summary, samplesMs): best, else knee, else the last level measured. */
  reported: { concurrency: number; why: 'best' | 'knee' | 'last' };
}

export const DEFAULT_SWEEP_LEVELS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];
/** The knee: the lowest level within this share of the peak throughput. */
export const KNEE_SHARE_OF_PEAK = 0.9;
/** A last step gaining this much per doubling of concurrency means the curve has not flattened. */
export const KNEE_FLAT_GAIN = 0.1;
/** A level whose measured requests failed more than this share cannot be "best". */
export const BEST_MAX_ERROR_RATE = 0.01;
/** A sweep level measures at least this many requests per request in flight, so every worker contributes many samples. */
export const SWEEP_REQUESTS_PER_WORKER = 20;
/** And warms each connection up with this many requests per request in flight. */
export const SWEEP_WARMUP_PER_WORKER = 2;

export const KNEE_METHOD =
  `lowest concurrency whose throughput is within ${Math.round(KNEE_SHARE_OF_PEAK * 100)}% of the sweep's peak, ` +
  `provided the last step gained less than ${Math.round(KNEE_FLAT_GAIN * 100)}% per doubling of concurrency`;

/** Measured and warm-up requests for one level: the configured counts, raised so every worker sends enough. */
export function levelCounts(concurrency: number, iterations: number, warmup: number): { iterations: number; warmup: number } {
  return {
    iterations: Math.max(iterations, SWEEP_REQUESTS_PER_WORKER * concurrency),
    warmup: warmup === 0 ? 0 : Math.max(warmup, SWEEP_WARMUP_PER_WORKER * concurrency),
  };
}

/** "1,4,16" → [1, 4, 16]; throws RangeError on anything but distinct increasing integers ≥ 1. */
export function parseSweepLevels(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new RangeError(`sweep levels must be integers ≥ 1 separated by commas, e.g. 1,4,16 (got "${text}")`);
  const levels = parts.map(Number);
  checkSweepLevels(levels);
  return levels;
}

export function checkSweepLevels(levels: readonly number[]): void {
  if (levels.length === 0) throw new RangeError('a sweep needs at least one concurrency level');
  for (let i = 0; i < levels.length; i++) {
    const c = levels[i]!;
    if (!(Number.isInteger(c) && c >= 1)) throw new RangeError(`sweep levels must be integers ≥ 1, got ${c}`);
    if (i > 0 && !(c > levels[i - 1]!)) throw new RangeError(`sweep levels must increase, got ${levels.join(',')}`);
  }
}

export function pointOf(concurrency: number, summary: Summary, errors: { count: number; attempted: number }, partial: boolean): SweepPoint {
  return {
    concurrency,
    n: summary.n,
    p50Ms: summary.p50Ms,
    p95Ms: summary.p95Ms,
    p99Ms: summary.p99Ms,
    meanMs: summary.meanMs,
    throughputPerSec: summary.throughputPerSec,
    errors: { count: errors.count, attempted: errors.attempted },
    ...(partial ? { partial: true } : {}),
  };
}

/** Throughput gain per doubling of concurrency between two points: (T_b/T_a)^(1/log2(c_b/c_a)) − 1. */
export function gainPerDoubling(a: SweepPoint, b: SweepPoint): number {
  if (!(a.throughputPerSec > 0) || !(b.concurrency > a.concurrency)) return 0;
  const doublings = Math.log2(b.concurrency / a.concurrency);
  return Math.pow(b.throughputPerSec / a.throughputPerSec, 1 / doublings) - 1;
}

export function errorRate(p: SweepPoint): number {
  return p.errors.attempted > 0 ? p.errors.count / p.errors.attempted : 0;
}

export function findKnee(points: readonly SweepPoint[]): SweepKnee {
  const usable = points.filter((p) => p.n > 0);
  if (usable.length < 3) return { concurrency: null, reason: `${usable.length} level${usable.length === 1 ? '' : 's'} measured: a knee needs at least 3` };
  const last = usable[usable.length - 1]!;
  const before = usable[usable.length - 2]!;
  const lastGain = gainPerDoubling(before, last);
  if (lastGain >= KNEE_FLAT_GAIN) {
    return {
      concurrency: null,
      reason: `throughput still rising at the highest level: ${fmtRate(before.throughputPerSec)} → ${fmtRate(last.throughputPerSec)} req/s from ${before.concurrency} to ${last.concurrency} in flight (${pct(lastGain)} per doubling)`,
    };
  }
  const peak = usable.reduce((m, p) => (p.throughputPerSec > m.throughputPerSec ? p : m), usable[0]!);
  const knee = usable.find((p) => p.throughputPerSec >= KNEE_SHARE_OF_PEAK * peak.throughputPerSec)!;
  return {
    concurrency: knee.concurrency,
    reason: `${knee.concurrency} in flight reach ${fmtRate(knee.throughputPerSec)} req/s, ${pct(knee.throughputPerSec / peak.throughputPerSec)} of the peak ${fmtRate(peak.throughputPerSec)} req/s (at ${peak.concurrency}); p99 ${fmtMs(knee.p99Ms)} there, ${fmtMs(last.p99Ms)} at ${last.concurrency}`,
  };
}

export function findBest(points: readonly SweepPoint[], p99BudgetMs: number | undefined): SweepBest {
  if (p99BudgetMs === undefined) return { concurrency: null, reason: 'no p99 budget given (--p99-budget MS)' };
  const within = points.filter((p) => p.n > 0 && p.p99Ms <= p99BudgetMs && errorRate(p) <= BEST_MAX_ERROR_RATE);
  if (!within.length) {
    const lowest = points.filter((p) => p.n > 0).reduce<SweepPoint | undefined>((m, p) => (!m || p.p99Ms < m.p99Ms ? p : m), undefined);
    return {
      concurrency: null,
      reason: lowest
        ? `no level kept p99 ≤ ${fmtMs(p99BudgetMs)} with at most ${pct(BEST_MAX_ERROR_RATE)} errors (the lowest p99 was ${fmtMs(lowest.p99Ms)}, at ${lowest.concurrency} in flight)`
        : 'no level was measured',
    };
  }
  // Ties (within 1%) go to the lower concurrency: the same throughput for less queueing.
  let best = within[0]!;
  for (const p of within) if (p.throughputPerSec > best.throughputPerSec * 1.01) best = p;
  return {
    concurrency: best.concurrency,
    reason: `${fmtRate(best.throughputPerSec)} req/s at p99 ${fmtMs(best.p99Ms)} ≤ ${fmtMs(p99BudgetMs)}: the most throughput of the ${within.length} level${within.length === 1 ? '' : 's'} within the budget`,
  };
}

/** The sweep's analysis from its points (in increasing concurrency). */
export function analyzeSweep(levels: readonly number[], points: readonly SweepPoint[], p99BudgetMs?: number): SweepReport {
  const knee = findKnee(points);
  const best = findBest(points, p99BudgetMs);
  const measured = points.filter((p) => p.n > 0);
  const last = measured[measured.length - 1] ?? points[points.length - 1];
  const reported: SweepReport['reported'] =
    best.concurrency !== null
      ? { concurrency: best.concurrency, why: 'best' }
      : knee.concurrency !== null
        ? { concurrency: knee.concurrency, why: 'knee' }
        : { concurrency: last?.concurrency ?? levels[0] ?? 1, why: 'last' };
  return {
    levels: [...levels],
    points: points.map((p) => ({ ...p, errors: { ...p.errors } })),
    knee,
    kneeMethod: KNEE_METHOD,
    ...(p99BudgetMs !== undefined ? { p99BudgetMs } : {}),
    best,
    reported,
  };
}

// Local formatting, kept here so the core stays free of the report modules.
function fmtRate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}
function fmtMs(x: number): string {
  return `${x >= 100 ? Math.round(x) : Number(x.toPrecision(3))} ms`;
}
function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}
