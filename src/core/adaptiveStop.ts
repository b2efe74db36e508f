// When to stop measuring: after a fixed count, or once the percentiles' confidence intervals are
// narrow enough. Pure: shared by the profiler, the CLI and the webview bundle, so no Node
// built-ins and no `vscode` here.

import { CI_LEVEL, PERCENTILE_PROBABILITIES, minSamplesToBound, quantileCI, relativeHalfWidth } from './quantileCI';
import type { StopReason, StoppingRule } from './result';
import { percentile } from './stats';

/** Fixed count by default; the adaptive fields are what `mode: 'adaptive'` uses unless overridden. */
export const DEFAULT_STOPPING: StoppingRule = Object.freeze({
  mode: 'fixed',
  targetPercentile: 'p99',
  relativeHalfWidth: 0.01,
  maxIterations: 100000,
  maxSeconds: 60,
});

const TARGETS: ReadonlyArray<StoppingRule['targetPercentile']> = ['p95', 'p99', 'p999'];

/** Checks are at least this many samples apart, so the first few are not a handful of samples apart. */
export const CHECK_MIN_STEP = 50;
/** Each check is at least this factor beyond the previous one. */
export const CHECK_GROWTH = 1.1;

/** Relative CI half-widths (0.01 = ±1%); null where the interval is unbounded or the estimate ≤ 0. */
export interface AchievedPrecision {
  p50: number | null;
  target: number | null;
}

export interface StopCheck {
  stop: boolean;
  /** Present exactly when `stop` is. */
  reason?: StopReason;
  achieved: AchievedPrecision;
}

/**
 * The sample count of the next adaptive check after one at n: n grown by CHECK_GROWTH, and by
 * at least CHECK_MIN_STEP.
 *
 * Geometric rather than after every sample, for two reasons. Cost: a check sorts (merges) all n
 * samples, so checking every sample would be O(n²) over a run; geometric spacing makes the
 * total O(n) merges times a constant (~11 for 10% growth), ~60 checks for a run of 1e5. And
 * honesty: every look is another chance to stop on an interval that happens to be narrow by
 * luck, which erodes the coverage of the final interval (optional stopping); few, widely
 * spaced looks at strongly overlapping samples keep that erosion small. Measured (bench:stats):
 * stopping on p50 ±1% left the p50 intervals covering 94.5–95.8%, no loss detectable; p50 and
 * p99 ±1% on a log-normal left p99 covering ~92% (300 replications), a loss of a few points
 * that the report should not hide. The price is stopping up to 10% later than strictly needed.
 */
export function nextCheckAfter(n: number): number {
  return Math.max(n + CHECK_MIN_STEP, Math.ceil(n * CHECK_GROWTH));
}

/**
 * Relative half-widths of the p50 and target-percentile confidence intervals, each against its
 * type-7 point estimate (the figure the summary reports): the `achieved` of a StoppingOutcome,
 * for any run, however it ended.
 *
 * @param samplesMs the samples in any order (sorted is fine too); a sorted copy is made.
 * @param target the target percentile, or the rule that names it.
 * @throws RangeError when a sample is not a finite number: a NaN would corrupt the sort.
 */
export function achievedPrecision(
  samplesMs: readonly number[],
  target: StoppingRule['targetPercentile'] | Pick<StoppingRule, 'targetPercentile'>,
  level = CI_LEVEL,
): AchievedPrecision {
  const sorted = new Float64Array(samplesMs.length);
  for (let i = 0; i < samplesMs.length; i++) {
    const x = samplesMs[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`achievedPrecision: sample ${i} is not a finite number (${x})`);
    sorted[i] = x;
  }
  return achievedPrecisionSorted(Array.from(sorted.sort()), typeof target === 'string' ? target : target.targetPercentile, level);
}

/**
 * achievedPrecision for samples already sorted ascending (not checked), which saves the copy and
 * the sort when the caller keeps a sorted copy anyway.
 */
export function achievedPrecisionSorted(
  sortedAsc: readonly number[],
  targetPercentile: StoppingRule['targetPercentile'],
  level = CI_LEVEL,
): AchievedPrecision {
  const precisionAt = (q: number): number | null => {
    const ci = quantileCI(sortedAsc, q, level);
    return ci && relativeHalfWidth(ci, percentile(sortedAsc, q));
  };
  return { p50: precisionAt(0.5), target: precisionAt(PERCENTILE_PROBABILITIES[targetPercentile]) };
}

/**
 * Decides, during the measured loop, when to stop.
 *
 * - 'fixed': stops with 'iterations' once n reaches `iterations`; the caps do not apply.
 * - 'adaptive': stops with 'precision' once the p50 and the target percentile's intervals are
 *   each within ±relativeHalfWidth of their estimates, else with 'maxIterations' or
 *   'maxSeconds' at the caps (precision wins a tie, since it was reached). `iterations` is not
 *   used.
 *
 * The loop asks `shouldCheck` as often as it likes (it is O(1)) and calls `check` when it says
 * so. The samples passed must be one growing array: all measured so far, in measurement order,
 * only ever appended to. A sorted copy is kept and each check merges in only what is new, so
 * a run pays O(n log n) once in effect rather than at every check: measured on a 2-core VM, a
 * run to 1e5 samples spends ~30–50 ms in its ~60 checks, against ~0.6 s re-sorting from
 * scratch with a typed array and ~1.3 s with Array#sort.
 */
export class AdaptiveStopper {
  /** The fewest samples that can bound the target percentile: no 'precision' stop before it. */
  readonly minSamples: number;
  private nextAt: number;
  private sorted: number[] = [];
  private checksDone = 0;

  /**
   * @throws RangeError for an unknown mode or target percentile, a relativeHalfWidth that is
   *   not > 0, caps that are not > 0 (maxIterations an integer; either may be Infinity), or
   *   `iterations` not a positive integer.
   */
  constructor(
    readonly rule: StoppingRule,
    readonly iterations: number,
    readonly level = CI_LEVEL,
  ) {
    if (rule.mode !== 'fixed' && rule.mode !== 'adaptive') throw new RangeError(`AdaptiveStopper: unknown mode ${String(rule.mode)}`);
    if (!TARGETS.includes(rule.targetPercentile)) {
      throw new RangeError(`AdaptiveStopper: targetPercentile must be p95, p99 or p999, got ${String(rule.targetPercentile)}`);
    }
    if (!(rule.relativeHalfWidth > 0 && Number.isFinite(rule.relativeHalfWidth))) {
      throw new RangeError(`AdaptiveStopper: relativeHalfWidth must be a finite number > 0, got ${rule.relativeHalfWidth}`);
    }
    if (!(rule.maxIterations > 0) || !(Number.isInteger(rule.maxIterations) || rule.maxIterations === Infinity)) {
      throw new RangeError(`AdaptiveStopper: maxIterations must be a positive integer, got ${rule.maxIterations}`);
    }
    if (!(rule.maxSeconds > 0)) throw new RangeError(`AdaptiveStopper: maxSeconds must be > 0, got ${rule.maxSeconds}`);
    if (!(Number.isInteger(iterations) && iterations > 0)) throw new RangeError(`AdaptiveStopper: iterations must be a positive integer, got ${iterations}`);
    this.minSamples = minSamplesToBound(PERCENTILE_PROBABILITIES[rule.targetPercentile], level);
    this.nextAt = this.minSamples;
  }

  /** How many times `check` has run (for tests and diagnostics). */
  get checks(): number {
    return this.checksDone;
  }

  /**
   * Whether `check` should run now, with n samples measured.
   *
   * @param elapsedMs time since the measured phase began; pass it, or the time cap can only
   *   take effect at the next scheduled check, which at large n may be minutes away.
   */
  shouldCheck(n: number, elapsedMs?: number): boolean {
    if (this.rule.mode === 'fixed') return n >= this.iterations;
    if (n >= this.rule.maxIterations) return true;
    if (elapsedMs !== undefined && elapsedMs >= this.rule.maxSeconds * 1000) return true;
    return n >= this.nextAt;
  }

  /**
   * Whether to stop now. Also advances the check schedule (adaptive mode).
   *
   * @param samplesMs every measured sample so far, unsorted; see the class notes.
   * @param elapsedMs time since the measured phase began.
   * @throws RangeError when a new sample is not a finite number: it would corrupt the sorted copy.
   */
  check(samplesMs: readonly number[], elapsedMs: number): StopCheck {
    const n = samplesMs.length;
    const achieved = this.achieved(samplesMs);
    if (this.rule.mode === 'fixed') return n >= this.iterations ? { stop: true, reason: 'iterations', achieved } : { stop: false, achieved };

    this.checksDone++;
    this.nextAt = Math.max(this.minSamples, nextCheckAfter(n));
    const limit = this.rule.relativeHalfWidth;
    if (achieved.p50 !== null && achieved.target !== null && achieved.p50 <= limit && achieved.target <= limit) {
      return { stop: true, reason: 'precision', achieved };
    }
    if (n >= this.rule.maxIterations) return { stop: true, reason: 'maxIterations', achieved };
    if (elapsedMs >= this.rule.maxSeconds * 1000) return { stop: true, reason: 'maxSeconds', achieved };
    return { stop: false, achieved };
  }

  /**
   * The precision reached by the samples so far, for the outcome of a run that ended otherwise
   * (cancelled, or the loop ran out). Does not advance the check schedule.
   *
   * @throws RangeError when a new sample is not a finite number.
   */
  achieved(samplesMs: readonly number[]): AchievedPrecision {
    return achievedPrecisionSorted(this.sortedSamples(samplesMs), this.rule.targetPercentile, this.level);
  }

  /**
   * The samples sorted ascending, kept up to date by merging in those added since the last
   * call. The returned array is the stopper's own: read it, do not keep or modify it.
   *
   * @throws RangeError when a new sample is not a finite number.
   */
  sortedSamples(samplesMs: readonly number[]): readonly number[] {
    const have = this.sorted.length;
    const n = samplesMs.length;
    // A shorter array cannot be the same growing one: start over rather than merge nonsense.
    if (n < have) this.sorted = [];
    const from = this.sorted.length;
    if (n === from) return this.sorted;
    // A typed array sorts numerically in native code, several times faster than a comparator.
    const fresh = new Float64Array(n - from);
    for (let i = 0; i < fresh.length; i++) {
      const x = samplesMs[from + i]!;
      if (!Number.isFinite(x)) throw new RangeError(`AdaptiveStopper: sample ${from + i} is not a finite number (${x})`);
      fresh[i] = x;
    }
    fresh.sort();
    mergeInto(this.sorted, fresh);
    return this.sorted;
  }
}

/**
 * Merges ascending `b` into ascending `a` in place, from the back, so nothing is allocated but
 * a's growth. (A fresh `new Array(n)` per check was the slowest part of a run: V8 gives large
 * preallocated arrays dictionary storage.)
 */
function mergeInto(a: number[], b: Float64Array): void {
  let i = a.length - 1;
  let j = b.length - 1;
  for (let k = 0; k < b.length; k++) a.push(0);
  let w = a.length - 1;
  while (j >= 0) a[w--] = i >= 0 && a[i]! > b[j]! ? a[i--]! : b[j--]!;
}
