// Repeated runs (`--repeat N`): the same benchmark done N times in one process, each with a
// fresh session. One run's intervals see only the noise inside that run; what changes from one
// session to the next (memory placement, where the thread pool landed, allocator state) shows
// only across runs, and a speed-up that does not survive a rerun is not one. Pure: the profiler
// runs the repeats and hands the finished results here.

import { quantileCI } from './quantileCI';
import type { BenchmarkResult, Interval, RepeatRun, Repeats, StopReason } from './result';
import type { TelemetrySample } from './system';
import { ResultAssembler } from './resultAssembler';
import { median } from './stats';

/** The per-repeat figures of a finished run; null when it has no measured run to describe. */
export function repeatRun(result: BenchmarkResult): RepeatRun | null {
  const s = result.summary;
  if (!s) return null;
  return { n: s.n, p50Ms: s.p50Ms, p99Ms: s.p99Ms, meanMs: s.meanMs, cv: s.cv, loadMs: result.coldStart.loadMs, firstMs: result.coldStart.firstMs };
}

/**
 * (max − min) ÷ median: how far apart the repeats' figures lie, relative to a typical one. The
 * range rather than a standard deviation: with the 3 to 5 repeats people run, a standard
 * deviation is itself too noisy to mean much, and "within 3% of each other" is what one asks.
 * 0 for a single value (nothing to differ from).
 *
 * @throws RangeError for no values, a non-finite one, or a median ≤ 0 (no scale to divide by).
 */
export function spreadOf(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('spreadOf: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`spreadOf: values must be finite, got ${values.join(', ')}`);
  const mid = median(values);
  if (!(mid > 0)) throw new RangeError(`spreadOf: the median must be > 0, got ${mid}`);
  return (Math.max(...values) - Math.min(...values)) / mid;
}

/** The repeats and their spreads of p50 and p99. @throws RangeError for no runs. */
export function summarizeRepeats(runs: readonly RepeatRun[]): Repeats {
  if (runs.length === 0) throw new RangeError('summarizeRepeats: no runs');
  return {
    runs: runs.map((r) => ({ ...r })),
    spread: { p50: spreadOf(runs.map((r) => r.p50Ms)), p99: spreadOf(runs.map((r) => r.p99Ms)) },
  };
}

/**
 * Each repeat's p50 interval, from its own slice of a repeated result's `samplesMs` (runs[i].n
 * each, in order); null for a repeat too short to bound its p50.
 *
 * @throws RangeError when the runs do not account for every sample.
 */
export function repeatP50Intervals(samplesMs: readonly number[], repeats: Repeats): Array<Interval | null> {
  const total = repeats.runs.reduce((sum, r) => sum + r.n, 0);
  if (total !== samplesMs.length) throw new RangeError(`repeatP50Intervals: the repeats hold ${total} runs, the samples ${samplesMs.length}`);
  let start = 0;
  return repeats.runs.map((r) => {
    const own = samplesMs.slice(start, start + r.n).sort((a, b) => a - b);
    start += r.n;
    return quantileCI(own, 0.5);
  });
}

/**
 * Whether the repeats' p50s differ by more than each repeat's own runs can explain: some two of
 * their p50 intervals do not overlap (the highest lower end is above the lowest upper end). The
 * intervals see only the noise within a run, so this is the between-session variation a single
 * run's interval cannot show. null when a repeat's interval is missing.
 */
export function beyondRunNoise(intervals: ReadonlyArray<Interval | null>): boolean | null {
  if (intervals.length < 2 || intervals.some((i) => i === null)) return null;
  const known = intervals as Interval[];
  return Math.max(...known.map((i) => i[0])) > Math.min(...known.map((i) => i[1]));
}

export interface CombineOptions {
  /** Repeats asked for; more than `results` when the run was cancelled, and then it is partial. */
  planned: number;
  /** Whether a repeat was cancelled part-way and left out (see combineRepeats). */
  cutShort?: boolean;
  /** Why that repeat ended early when it was not a cancel (a command's exit code, a call that raised). */
  cutShortReason?: string;
}

/**
 * One result from the repeats of one benchmark, as `latency bench --repeat N` reports it:
 * `samplesMs` every repeat's measured runs in order and every figure over them, the cold start
 * and warm-up of the first repeat (the only one that is cold for the process too), peak RSS the
 * largest, telemetry on one timeline, and `repeats` when there are two or more.
 *
 * `results` are the repeats that completed. A repeat cancelled part-way is left out by the
 * caller, and `opts.cutShort` says so: its runs come from a session cut short, and a repeat of
 * a few dozen runs would move the spread by its own noise alone. With fewer repeats than planned
 * the result is partial, with a reason that says how many it holds.
 *
 * @throws RangeError for no results, or a result without measured runs.
 */
export function combineRepeats(results: readonly BenchmarkResult[], opts: CombineOptions): BenchmarkResult {
  const first = results[0];
  if (!first) throw new RangeError('combineRepeats: no results');
  const runs = results.map((r, i) => {
    const run = repeatRun(r);
    if (!run) throw new RangeError(`combineRepeats: repeat ${i + 1} has no measured runs`);
    return run;
  });
  const assembler = new ResultAssembler();
  assembler.start({
    target: first.target,
    config: first.config,
    environment: first.environment,
    startedAt: first.startedAt,
    loadMs: first.coldStart.loadMs,
    system: first.system,
  });
  if (first.coldStart.firstMs !== null) assembler.coldStart(first.coldStart.firstMs);
  assembler.addWarmup(first.warmupSamplesMs);
  for (const r of results) assembler.addMeasuredFrom(r);
  assembler.addTelemetry(oneTimeline(results));

  // Each repeat's measured wall time is n ÷ throughput; their sum keeps throughput a rate over
  // the time spent measuring, not over the loads and warm-ups between repeats.
  let wallMs = 0;
  for (const r of results) wallMs += r.summary!.throughputPerSec > 0 ? (r.summary!.n / r.summary!.throughputPerSec) * 1000 : NaN;
  const incomplete = results.length < opts.planned;
  const total = runs.reduce((sum, r) => sum + r.n, 0);
  const combined = assembler.finish({
    peakRssBytes: Math.max(...results.map((r) => r.memory.peakRssBytes)),
    stopReason: incomplete ? 'cancelled' : stopReasonOf(results),
    ...(Number.isFinite(wallMs) && wallMs > 0 ? { measuredWallMs: wallMs } : {}),
    ...(incomplete ? { partialReason: 'cancelled' } : {}),
    finishedAt: results[results.length - 1]!.finishedAt,
  }) as BenchmarkResult;
  if (incomplete) {
    const failed = opts.cutShort && opts.cutShortReason !== undefined && !opts.cutShortReason.startsWith('cancelled');
    const left = opts.cutShort ? `; repeat ${results.length + 1}, cut short${failed ? ` (${opts.cutShortReason})` : ''}, is left out` : '';
    combined.partialReason = `${failed ? 'stopped' : 'cancelled'} after ${results.length} of ${opts.planned} repeats, keeping their ${total.toLocaleString('en-US')} measured runs${left}`;
  }
  if (runs.length >= 2) combined.repeats = summarizeRepeats(runs);
  return combined;
}

/**
 * Fixed runs all stop on their count. Adaptive repeats each stop on their own terms; the
 * combined one says the least settled of them: a cap hit anywhere is worth seeing.
 */
function stopReasonOf(results: readonly BenchmarkResult[]): StopReason {
  const reasons = results.map((r) => r.stopping.reason);
  for (const worst of ['error', 'maxSeconds', 'maxIterations'] as const) if (reasons.includes(worst)) return worst;
  return reasons[0]!;
}

/**
 * Every repeat's readings on the first repeat's clock and run axis: tMs shifted by when each
 * repeat's session was loaded, measured runs counted on from the repeats before. A later
 * repeat's warm-up has no place on the first one's warm-up axis, so its readings sit where its
 * measured runs begin, as readings taken between repeats.
 */
function oneTimeline(results: readonly BenchmarkResult[]): TelemetrySample[] {
  const origin = (r: BenchmarkResult) => Date.parse(r.startedAt) + r.coldStart.loadMs;
  const t0 = origin(results[0]!);
  const out: TelemetrySample[] = [];
  let measuredBefore = 0;
  results.forEach((r, i) => {
    const shift = i === 0 || !Number.isFinite(origin(r) - t0) ? 0 : origin(r) - t0;
    for (const s of r.telemetry) {
      const moved = i > 0 && s.phase === 'warmup' ? { phase: 'measure' as const, run: measuredBefore } : { run: s.phase === 'measure' ? s.run + measuredBefore : s.run };
      out.push({ ...s, ...moved, tMs: Math.round((s.tMs + shift) * 100) / 100 });
    }
    measuredBefore += r.sampling?.total ?? r.samplesMs.length;
  });
  return out;
}
