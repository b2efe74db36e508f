// A command target is run as `/bin/sh -c "<command>"`, one process per run, as hyperfine does. Each
// run's time then includes starting the shell and noticing that it exited, which is not the
// command's time: it is measured with the empty command (`/bin/sh -c ""`) and subtracted from
// every sample. Pure: the profiler times the runs, this module decides what they mean.
//
// How hyperfine does it (1.15, src/benchmark/executor.rs): 50 runs of the empty command before
// each benchmark; their MEAN is subtracted from every run; a difference below 0 becomes 0. It
// also warns that commands under ~5 ms cannot be told apart from that calibration's noise.
//
// What we do differently, and why:
//
// - The MEDIAN of the calibration runs, not the mean. Starting a process on a shared machine has
//   a long right tail: one run in 50 stalled for 30 ms by the scheduler moves the mean by 0.6 ms,
//   and that error is then subtracted from EVERY sample, pushing a short command into the clamp
//   at 0 or a `sleep 0.05` below 50 ms. The median does not move for a few stalls. Its cost is a
//   small bias: the stalls that do happen inside measured runs stay in them, so the corrected
//   mean is high by (mean − median) of the overhead, measured at 0.1–0.2 ms on a 2-core VM
//   (overhead ≈ 2.3 ms), ≈0.5% of a 30 ms command. The figures we lead with are percentiles, and
//   the median is the overhead's own p50; a mean that is right on average but wrong by a stall
//   in any one benchmark is the worse trade.
// - 50 counted runs (as hyperfine), after 5 that are thrown away: the first spawns of a fresh
//   profiler are slow (the shell not yet in the page cache, lazy set-up in Node) and would be
//   counted in the estimate though no measured run pays them. The standard error of a median of
//   50 is ≈1.25·σ/√50 ≈ 0.18·σ; with σ ≈ 0.2–0.5 ms that is 0.04–0.09 ms.
// - Measured again after the measured runs (RECHECK_RUNS), so drift is visible: a machine that
//   got busier or quieter while measuring starts shells at another speed, and the subtraction
//   made with the first figure is then off by the difference. The first figure is the one
//   subtracted (it is announced with the run header, before any sample, so progress and the
//   final result agree sample for sample); the second one is compared with it (overheadDrift).
// - Negative corrected times clamp to 0, as hyperfine: a command cannot take negative time, and
//   the clamp count says when a command is too short to be measured this way.

/** Empty-shell runs counted in the estimate (hyperfine's count). */
export const CALIBRATION_RUNS = 50;
/** Empty-shell runs done first and not counted (see above). */
export const CALIBRATION_DISCARD = 5;
/** Empty-shell runs after the measured runs, to see whether the overhead drifted. */
export const RECHECK_RUNS = 20;

/** σ ≈ 1.4826·MAD for normal data: the spread estimate that a few stalls do not inflate. */
const MAD_TO_SIGMA = 1.4826;
/** Standard error of a median ≈ this · σ / √n (normal data; √(π/2)). */
const MEDIAN_SE_FACTOR = 1.2533;
/** A drift smaller than this is never called significant: it is below what matters to any command worth timing this way. */
export const DRIFT_MIN_MS = 0.05;

export interface OverheadEstimate {
  /** What is subtracted from every sample: the median of the calibration runs (ms). */
  overheadMs: number;
  /** Calibration runs it rests on. */
  n: number;
  /** Their mean, for the record (hyperfine subtracts this one). */
  meanMs: number;
  /** 1.4826·MAD of the calibration runs: how much one empty-shell run varies, the tail aside. */
  spreadMs: number;
}

/**
 * The shell overhead from runs of the empty command.
 *
 * @throws RangeError for no samples or a sample that is not a finite number ≥ 0.
 */
export function estimateOverhead(calibrationMs: readonly number[]): OverheadEstimate {
  if (calibrationMs.length === 0) throw new RangeError('estimateOverhead: no calibration samples');
  for (let i = 0; i < calibrationMs.length; i++) {
    const x = calibrationMs[i]!;
    if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`estimateOverhead: sample ${i} is not a finite number ≥ 0 (${x})`);
  }
  const overheadMs = medianOf(calibrationMs);
  const mad = medianOf(calibrationMs.map((x) => Math.abs(x - overheadMs)));
  const meanMs = calibrationMs.reduce((s, x) => s + x, 0) / calibrationMs.length;
  return { overheadMs, n: calibrationMs.length, meanMs, spreadMs: MAD_TO_SIGMA * mad };
}

/** One raw run minus the overhead, never below 0. */
export function subtractOverhead(rawMs: number, overheadMs: number): number {
  return Math.max(0, rawMs - overheadMs);
}

export interface CorrectedSamples {
  samplesMs: number[];
  /** How many came out below 0 and were set to 0. */
  clamped: number;
}

/** Raw runs minus the overhead, each clamped at 0. */
export function correctSamples(rawMs: readonly number[], overheadMs: number): CorrectedSamples {
  let clamped = 0;
  const samplesMs = rawMs.map((x) => {
    if (x < overheadMs) clamped++;
    return subtractOverhead(x, overheadMs);
  });
  return { samplesMs, clamped };
}

/**
 * The whole correction in one call: the estimate from the empty-shell runs, and the raw runs
 * with it subtracted.
 *
 * @throws RangeError as estimateOverhead.
 */
export function correctForShell(calibrationMs: readonly number[], rawMs: readonly number[]): CorrectedSamples & { estimate: OverheadEstimate } {
  const estimate = estimateOverhead(calibrationMs);
  return { estimate, ...correctSamples(rawMs, estimate.overheadMs) };
}

export interface OverheadDrift {
  beforeMs: number;
  afterMs: number;
  /** after − before (ms): positive when shells started more slowly at the end. */
  changeMs: number;
  /** changeMs ÷ beforeMs (a fraction); 0 when beforeMs is 0. */
  relativeChange: number;
  /**
   * Whether the two medians differ by more than their noise explains (over 3 standard errors of
   * the difference) and by at least DRIFT_MIN_MS: the samples were then corrected by a figure
   * that no longer held at the end of the run, by up to changeMs.
   */
  significant: boolean;
}

/** The overhead measured before the measured runs against the one measured after them. */
export function overheadDrift(before: OverheadEstimate, after: OverheadEstimate): OverheadDrift {
  const changeMs = after.overheadMs - before.overheadMs;
  const se = (e: OverheadEstimate) => (MEDIAN_SE_FACTOR * e.spreadMs) / Math.sqrt(e.n);
  const seDiff = Math.hypot(se(before), se(after));
  return {
    beforeMs: before.overheadMs,
    afterMs: after.overheadMs,
    changeMs,
    relativeChange: before.overheadMs > 0 ? changeMs / before.overheadMs : 0,
    significant: Math.abs(changeMs) >= DRIFT_MIN_MS && Math.abs(changeMs) > 3 * seDiff,
  };
}

/**
 * Whether a corrected time is within the calibration's own noise (under twice the spread of one
 * empty-shell run): the command then takes about as long as the variation in starting a shell,
 * and its figures say more about that variation than about the command (hyperfine's "less than
 * 5 ms" warning, with this machine's spread instead of a fixed 5 ms).
 */
export function belowResolution(correctedMs: number, estimate: OverheadEstimate): boolean {
  return correctedMs < 2 * estimate.spreadMs;
}

function medianOf(values: readonly number[]): number {
  const s = Float64Array.from(values).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
