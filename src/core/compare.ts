// Before and after: is the candidate run faster than the base run, slower, or the same within
// noise, and were the two measured under conditions that make the question fair. Pure: shared
// by the CLI and (later) the panel, so no Node built-ins and no `vscode` here.
//
// Each metric's change is the ratio candidate / base of the two runs' figures, with a percentile
// bootstrap confidence interval: each run is resampled on its own (they are independent
// samples), the figure is recomputed on both resamples, and the interval is the middle `level`
// of the resampled ratios (for the mean, of their distribution, computed rather than drawn). A
// verdict is read off that interval against a noise band, so a real but negligible 0.5% change
// reads "no change", and a change the data cannot pin down reads "inconclusive" rather than a
// guess.

import { formatBytes } from './format';
import { mannWhitneyU } from './instability';
import { normalCdf, normalQuantile } from './normal';
import { CI_LEVEL, PERCENTILE_PROBABILITIES, minSamplesToBound } from './quantileCI';
import { mulberry32 } from './random';
import type { BenchmarkResult, InputPlan, Interval, PercentileKey, PythonEnvironment, SessionConfig, Summary } from './result';
import { percentile, summarize } from './stats';
import type { GpuState, SystemSnapshot } from './system';

export type CompareMetric = PercentileKey | 'mean';

/** Every metric a comparison reports, in table order. */
export const COMPARE_METRICS: readonly CompareMetric[] = Object.freeze(['p50', 'p95', 'p99', 'p999', 'mean'] as const);

/**
 * What the gate checks unless told otherwise. p50 is the typical request and p99 the tail that
 * latency objectives are written against; p95 sits between the two and rarely moves alone. Not
 * p99.9: bounding it needs 3,688 runs per side, above the default 1000 iterations, so gating
 * on it by default would make every default run inconclusive. Not the mean: the tail it is
 * sensitive to is already gated through p99, and one stray spike moves it.
 */
export const DEFAULT_GATE_METRICS: readonly CompareMetric[] = Object.freeze(['p50', 'p99'] as const);

/**
 * Changes within ±2% read "no change". The intervals see only the noise within each run; reruns
 * of one build on one machine also move by a percent or so between runs (clocks, memory
 * placement), which no interval over one run's samples can see, and a change that small rarely
 * matters anyway.
 */
export const DEFAULT_NOISE_BAND = 0.02;
export const DEFAULT_RESAMPLES = 2000;
/** Fixed, so the same two files always give the same intervals and the same gate decision. */
export const DEFAULT_SEED = 0x5eed;
/** Fewer replicates cannot place 2.5% tails between distinct values with any stability. */
export const MIN_RESAMPLES = 100;

export type ChangeVerdict = 'improved' | 'regressed' | 'no change' | 'inconclusive';
export type GateDecision = 'pass' | 'fail' | 'inconclusive';

export interface MetricComparison {
  metric: CompareMetric;
  /** The figure in ms for each run: a type-7 percentile, or the mean. */
  base: number;
  candidate: number;
  /** candidate / base: 1.05 is 5% slower. null when the base figure is 0 (a timer too coarse for the model). */
  ratio: number | null;
  /** Bootstrap interval of the ratio at the comparison's level; null when it cannot be had (see compareRuns). */
  ci: Interval | null;
  verdict: ChangeVerdict;
  /** Runs each side needs for this metric's interval to exist (minSamplesToBound; the p50 count for the mean). */
  minSamples: number;
}

export interface Comparison {
  /** One entry per COMPARE_METRICS, in that order. */
  metrics: MetricComparison[];
  n: { base: number; candidate: number };
  level: number;
  noiseBand: number;
  resamples: number;
  seed: number;
  /**
   * Whether the two distributions differ at all, whatever the percentiles say: a two-sided
   * Mann–Whitney U test, and the probability that a candidate run is slower than a base run
   * (ties counting half; 0.5 when neither tends to be slower).
   */
  significance: { test: 'Mann–Whitney U'; u: number; z: number; pValue: number; probabilityCandidateSlower: number };
  /** Why the two runs may not be comparable at all; empty when nothing that matters differs. See environmentDiffs. */
  environmentDiffs: string[];
}

export interface CompareOptions {
  /** Half-width of the "no change" band around a ratio of 1, as a fraction (default 0.02). */
  noiseBand?: number;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Bootstrap replicates of the percentiles (default 2000, at least MIN_RESAMPLES); the mean's interval is computed, not drawn. */
  resamples?: number;
  /** Seed of the percentiles' resampling stream (default DEFAULT_SEED). */
  seed?: number;
}

/**
 * Compares a candidate run against a base run: p50, p95, p99, p99.9 and the mean of their
 * measured samples (`samplesMs`, every measured run), each as a ratio with a bootstrap interval
 * and a verdict (see changeVerdict), plus a Mann–Whitney test of the whole distributions and
 * the differences in machine and settings that make the comparison unfair (environmentDiffs).
 *
 * An interval is null, and the verdict 'inconclusive', when either run has fewer than
 * minSamplesToBound(q, level) runs for that percentile: below that even the sample's maximum
 * may not reach the true percentile, and a resampled ratio would compare two maxima while
 * claiming to compare tails. The mean takes the p50 count (6 at 95%). It is also null when the
 * base figure, or a resampled base figure, is 0, since no ratio exists there.
 *
 * The bootstrap is the percentile bootstrap of the ratio of type-7 percentiles, each run
 * resampled independently from one seeded stream (see bootstrapQuantiles for how percentiles
 * are resampled without drawing or sorting the resamples). The mean's interval is the same
 * percentile bootstrap, computed from the bootstrap distribution rather than drawn
 * (meanRatioInterval), since drawing a mean costs n per replicate. Deterministic for a given
 * seed; at 10,000 runs a side and 2000 replicates the whole comparison takes tens of ms.
 *
 * @throws RangeError when a run has no measured samples or a non-finite one, noiseBand is
 *   outside [0, 1), level outside (0, 1), or resamples not an integer ≥ MIN_RESAMPLES.
 */
export function compareRuns(base: BenchmarkResult, candidate: BenchmarkResult, opts: CompareOptions = {}): Comparison {
  const noiseBand = opts.noiseBand ?? DEFAULT_NOISE_BAND;
  const level = opts.level ?? CI_LEVEL;
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const seed = opts.seed ?? DEFAULT_SEED;
  checkNoiseBand(noiseBand, 'compareRuns');
  if (!(level > 0 && level < 1)) throw new RangeError(`compareRuns: level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < MIN_RESAMPLES) {
    throw new RangeError(`compareRuns: resamples must be an integer ≥ ${MIN_RESAMPLES}, got ${resamples}`);
  }
  if (!Number.isFinite(seed)) throw new RangeError(`compareRuns: seed must be a finite number, got ${seed}`);

  const a = measured(base.samplesMs, 'base');
  const b = measured(candidate.samplesMs, 'candidate');
  const rand = mulberry32(seed);
  const tail = (1 - level) / 2;

  const minFor = (metric: CompareMetric): number => minSamplesToBound(metric === 'mean' ? 0.5 : PERCENTILE_PROBABILITIES[metric], level);
  const bounded = COMPARE_METRICS.filter((m) => a.sorted.length >= minFor(m) && b.sorted.length >= minFor(m));
  const boundedQuantiles = bounded.filter((m): m is PercentileKey => m !== 'mean');
  const qs = boundedQuantiles.map((m) => PERCENTILE_PROBABILITIES[m]);
  const replicates = new Map<PercentileKey, { base: Float64Array; candidate: Float64Array }>();
  if (qs.length) {
    const baseReps = bootstrapQuantiles(a.sorted, qs, resamples, rand);
    const candReps = bootstrapQuantiles(b.sorted, qs, resamples, rand);
    boundedQuantiles.forEach((m, i) => replicates.set(m, { base: baseReps[i]!, candidate: candReps[i]! }));
  }

  const metrics = COMPARE_METRICS.map((metric): MetricComparison => {
    const baseValue = figure(a.summary, metric);
    const candValue = figure(b.summary, metric);
    const ratio = baseValue > 0 ? candValue / baseValue : null;
    let ci: Interval | null = null;
    if (ratio !== null && bounded.includes(metric)) {
      if (metric === 'mean') ci = meanRatioInterval(a.sorted, b.sorted, level);
      else {
        const reps = replicates.get(metric)!;
        ci = ratioInterval(reps.base, reps.candidate, tail);
      }
    }
    return { metric, base: baseValue, candidate: candValue, ratio, ci, verdict: changeVerdict(ci, noiseBand), minSamples: minFor(metric) };
  });

  // U counts the (candidate, base) pairs where the candidate run is the slower one.
  const mw = mannWhitneyU(candidate.samplesMs, base.samplesMs);
  return {
    metrics,
    n: { base: a.sorted.length, candidate: b.sorted.length },
    level,
    noiseBand,
    resamples,
    seed,
    significance: {
      test: 'Mann–Whitney U',
      u: mw.u,
      z: mw.z,
      pValue: mw.pValue,
      probabilityCandidateSlower: mw.u / (a.sorted.length * b.sorted.length),
    },
    environmentDiffs: environmentDiffs(base, candidate),
  };
}

/**
 * The verdict on a ratio interval [lo, hi] with noise band b:
 * 'regressed' when lo > 1 + b (slower, and by more than noise, with confidence);
 * 'improved' when hi < 1 − b;
 * 'no change' when the whole interval lies within [1 − b, 1 + b] (any change is inside the band);
 * 'inconclusive' otherwise (the interval reaches past the band on a side without clearing it),
 * and for a null interval.
 *
 * With b = 0 'no change' needs an interval of exactly [1, 1], so every real pair of runs is
 * either a change or inconclusive: the band is what lets a comparison say "the same".
 *
 * @throws RangeError for b outside [0, 1).
 */
export function changeVerdict(ci: Interval | null, noiseBand = DEFAULT_NOISE_BAND): ChangeVerdict {
  checkNoiseBand(noiseBand, 'changeVerdict');
  if (!ci) return 'inconclusive';
  const [lo, hi] = ci;
  if (lo > 1 + noiseBand) return 'regressed';
  if (hi < 1 - noiseBand) return 'improved';
  if (lo >= 1 - noiseBand && hi <= 1 + noiseBand) return 'no change';
  return 'inconclusive';
}

/**
 * The gate for one metric at a regression threshold t (0.05 for "fail beyond 5%"): 'fail' only
 * when the whole interval lies beyond it (lo > 1 + t), so a build fails on a regression shown
 * at the interval's confidence, not on one run's bad luck;
 * 'inconclusive' when the interval straddles it (lo ≤ 1 + t < hi) or does not exist; 'pass'
 * when it lies at or below (hi ≤ 1 + t), improvements included.
 *
 * @throws RangeError for t not a finite number ≥ 0.
 */
export function metricGate(m: MetricComparison, failOnRegression: number): GateDecision {
  checkThreshold(failOnRegression, 'metricGate');
  if (!m.ci) return 'inconclusive';
  if (m.ci[0] > 1 + failOnRegression) return 'fail';
  if (m.ci[1] > 1 + failOnRegression) return 'inconclusive';
  return 'pass';
}

/**
 * The CI gate over several metrics (default DEFAULT_GATE_METRICS: p50 and p99): 'fail' when any
 * gated metric fails (metricGate), since a regression shown beyond doubt on one metric stands
 * whatever another could not show; otherwise 'inconclusive' when any is inconclusive; else
 * 'pass'.
 *
 * @throws RangeError for a threshold not a finite number ≥ 0, no metrics, or a metric the
 *   comparison lacks.
 */
export function gateDecision(
  c: Comparison,
  failOnRegression: number,
  metrics: CompareMetric | readonly CompareMetric[] = DEFAULT_GATE_METRICS,
): GateDecision {
  checkThreshold(failOnRegression, 'gateDecision');
  const wanted = typeof metrics === 'string' ? [metrics] : metrics;
  if (wanted.length === 0) throw new RangeError('gateDecision: no metrics to gate on');
  const decisions = wanted.map((name) => {
    const m = c.metrics.find((x) => x.metric === name);
    if (!m) throw new RangeError(`gateDecision: the comparison has no metric "${String(name)}"`);
    return metricGate(m, failOnRegression);
  });
  if (decisions.includes('fail')) return 'fail';
  if (decisions.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

/**
 * Bootstrap replicates of type-7 quantiles of one sample, without drawing or sorting any
 * resample, so the cost per replicate is a handful of random draws whatever n is.
 *
 * Why this is exact: a resample's i-th draw is the value at index ⌊n·Uᵢ⌋ of the sorted sample,
 * Uᵢ uniform on (0, 1), and ⌊n·u⌋ never reverses order, so the resample's k-th smallest value
 * is the one at ⌊n·U₍ₖ₎⌋, U₍ₖ₎ the k-th smallest of the n uniforms. Those order statistics are
 * jointly (S₁, …, Sₙ) / Sₙ₊₁, Sⱼ partial sums of n + 1 unit exponentials; a type-7 quantile
 * reads two adjacent ranks, so each replicate needs only the partial sums at the few ranks the
 * quantiles read, and a sum of g exponentials is one Gamma(g) draw. Four quantiles cost about
 * nine Gamma draws per replicate, against the n draws and the sort of a literal resample.
 *
 * @param sortedAsc the sample, ascending (not checked, as for `percentile`); not empty.
 * @param qs quantiles, each in [0, 1].
 * @param resamples replicates to draw, a positive integer.
 * @param rand uniform [0, 1) generator, e.g. mulberry32(seed).
 * @returns per q, `resamples` replicates of the resample's type-7 quantile.
 * @throws RangeError on an empty sample, a q outside [0, 1], or resamples not a positive integer.
 */
export function bootstrapQuantiles(sortedAsc: readonly number[], qs: readonly number[], resamples: number, rand: () => number): Float64Array[] {
  const n = sortedAsc.length;
  if (n === 0) throw new RangeError('bootstrapQuantiles: empty sample');
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrapQuantiles: resamples must be a positive integer, got ${resamples}`);
  for (const q of qs) if (!(q >= 0 && q <= 1)) throw new RangeError(`bootstrapQuantiles: q must be in [0, 1], got ${q}`);
  if (qs.length === 0) return [];

  // Type 7 reads 0-based ranks ⌊h⌋ and ⌈h⌉, h = (n − 1)·q; as 1-based order statistics, +1.
  const reads = qs.map((q) => {
    const h = (n - 1) * q;
    return { lo: Math.floor(h) + 1, hi: Math.ceil(h) + 1, t: h - Math.floor(h) };
  });
  const ranks = [...new Set(reads.flatMap((r) => [r.lo, r.hi]))].sort((x, y) => x - y);
  const slot = new Map(ranks.map((k, i) => [k, i]));
  // Exponentials between consecutive ranks read, and after the last one up to n + 1.
  const gaps = ranks.map((k, i) => k - (i === 0 ? 0 : ranks[i - 1]!));
  gaps.push(n + 1 - ranks[ranks.length - 1]!);

  const out = qs.map(() => new Float64Array(resamples));
  const partial = new Float64Array(ranks.length);
  const values = new Float64Array(ranks.length);
  const normal = normalStream(rand);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < ranks.length; i++) {
      sum += gamma(gaps[i]!, rand, normal);
      partial[i] = sum;
    }
    const total = sum + gamma(gaps[ranks.length]!, rand, normal);
    for (let i = 0; i < ranks.length; i++) values[i] = sortedAsc[Math.min(n - 1, Math.floor((n * partial[i]!) / total))]!;
    for (let j = 0; j < reads.length; j++) {
      const { lo, hi, t } = reads[j]!;
      const x = values[slot.get(lo)!]!;
      const y = values[slot.get(hi)!]!;
      // percentile's lerp, so a replicate stays within [x, y] despite rounding.
      out[j]![r] = lo === hi || x === y ? x : t < 0.5 ? x + (y - x) * t : y - (y - x) * (1 - t);
    }
  }
  return out;
}

/**
 * The differences between two runs' machines and settings that can move latency by more than
 * the change being measured, as "what: base → candidate" lines; empty when none.
 *
 * Compared: OS, architecture, CPU model, core count, memory size, Node and onnxruntime versions;
 * the session options (threads, graph optimization, execution mode, providers); CPU pinning
 * (requested, and the CPUs the run could actually use); the inputs' names, types, shapes and
 * fills; from the pre-flight readings, cpufreq presence, governors, boost and the highest clock
 * the governor may use; and, when either run used a provider other than the CPU, the GPUs'
 * names, drivers, persistence mode, application clocks and power limits.
 *
 * Not compared: the model (comparing two models is a purpose of comparing); readings that vary
 * from run to run on one machine (load, current clocks, temperatures, the noise floor); seeds of
 * generated inputs; and GPU details for CPU-only runs. The hostname alone is no difference: CI
 * runners get a new one per job, and two hosts with the same hardware and settings are what a
 * CI comparison normally is. When something else differs it is listed too, last, to say which
 * machines are meant. Missing pre-flight readings are a line of their own: "cannot verify" is
 * not "the same".
 */
export function environmentDiffs(base: BenchmarkResult, candidate: BenchmarkResult): string[] {
  const out: string[] = [];
  const diff = (what: string, a: string, b: string): void => {
    if (a !== b) out.push(`${what}: ${a} → ${b}`);
  };
  const ea = base.environment;
  const eb = candidate.environment;
  diff('OS', ea.os, eb.os);
  diff('architecture', ea.arch, eb.arch);
  diff('CPU', ea.cpu.trim(), eb.cpu.trim());
  diff('CPU cores', String(ea.cpuCores), String(eb.cpuCores));
  diff('memory', formatBytes(ea.totalMemoryBytes), formatBytes(eb.totalMemoryBytes));
  diff('Node', ea.node, eb.node);
  diff('target kind', base.target.kind, candidate.target.kind);
  diff('onnxruntime', ea.onnxruntime ?? 'not used', eb.onnxruntime ?? 'not used');
  pythonDiffs(ea.python, eb.python, diff);

  if (base.config.session && candidate.config.session) sessionDiffs(base.config.session, candidate.config.session, diff);
  const pinA = cpuList(base.config.cpuAffinity);
  const pinB = cpuList(candidate.config.cpuAffinity);
  diff('CPU pinning', pinA ?? 'none', pinB ?? 'none');
  inputDiffs(base.config.inputs, candidate.config.inputs, out, diff);

  const usesGpu = [base, candidate].some(
    (r) => (r.config.session?.executionProviders.some((ep) => ep.toLowerCase() !== 'cpu') ?? false) || r.environment.python?.cuda !== undefined,
  );
  systemDiffs(base.system, candidate.system, pinA === pinB, usesGpu, out, diff);

  if (out.length && ea.hostname !== eb.hostname) diff('host', ea.hostname, eb.hostname);
  return out;
}

type Diff = (what: string, a: string, b: string) => void;

/** The interpreter and the packages that set the speed of Python code; absent on one side is a difference too. */
function pythonDiffs(a: PythonEnvironment | undefined, b: PythonEnvironment | undefined, diff: Diff): void {
  if (!a && !b) return;
  diff('Python', a?.version ?? 'not used', b?.version ?? 'not used');
  const names = [...new Set([...Object.keys(a?.packages ?? {}), ...Object.keys(b?.packages ?? {})])].sort();
  for (const name of names) diff(name, a?.packages[name] ?? 'not installed', b?.packages[name] ?? 'not installed');
  diff('CUDA device', a?.cuda?.device ?? 'none', b?.cuda?.device ?? 'none');
}

const SESSION_LABELS: Record<keyof SessionConfig, string> = {
  intraOpNumThreads: 'intra-op threads',
  interOpNumThreads: 'inter-op threads',
  graphOptimizationLevel: 'graph optimization',
  executionMode: 'execution mode',
  executionProviders: 'execution providers',
};

function sessionDiffs(a: SessionConfig, b: SessionConfig, diff: Diff): void {
  const threads = (t: number) => (t === 0 ? '0 (onnxruntime decides)' : String(t));
  diff(SESSION_LABELS.intraOpNumThreads, threads(a.intraOpNumThreads), threads(b.intraOpNumThreads));
  diff(SESSION_LABELS.interOpNumThreads, threads(a.interOpNumThreads), threads(b.interOpNumThreads));
  diff(SESSION_LABELS.graphOptimizationLevel, a.graphOptimizationLevel, b.graphOptimizationLevel);
  diff(SESSION_LABELS.executionMode, a.executionMode, b.executionMode);
  diff(SESSION_LABELS.executionProviders, a.executionProviders.join(', '), b.executionProviders.join(', '));
}

/**
 * The comparison without the environment differences in the session options named: in an A/B
 * of two session configs those differences are the experiment, not a reason to distrust it.
 */
export function withoutIntendedDiffs(c: Comparison, intended: ReadonlyArray<keyof SessionConfig>): Comparison {
  if (intended.length === 0) return c;
  const prefixes = intended.map((k) => `${SESSION_LABELS[k]}: `);
  return { ...c, environmentDiffs: c.environmentDiffs.filter((d) => !prefixes.some((p) => d.startsWith(p))) };
}

function inputDiffs(a: readonly InputPlan[], b: readonly InputPlan[], out: string[], diff: Diff): void {
  const byName = new Map(b.map((p) => [p.name, p]));
  for (const pa of a) {
    const pb = byName.get(pa.name);
    if (!pb) {
      out.push(`input ${pa.name}: only in base`);
      continue;
    }
    diff(`input ${pa.name} type`, pa.type, pb.type);
    diff(`input ${pa.name} shape`, pa.shape.join('×'), pb.shape.join('×'));
    diff(`input ${pa.name} values`, fillText(pa.fill), fillText(pb.fill));
  }
  const names = new Set(a.map((p) => p.name));
  for (const pb of b) if (!names.has(pb.name)) out.push(`input ${pb.name}: only in candidate`);
}

function fillText(fill: InputPlan['fill']): string {
  if (fill.kind === 'file') return `file ${fill.path} (sha256 ${fill.sha256.slice(0, 12)})`;
  return fill.kind === 'constant' ? `constant ${String(fill.value)}` : `random in [${fill.low}, ${fill.high})`;
}

function systemDiffs(a: SystemSnapshot | null, b: SystemSnapshot | null, samePinning: boolean, usesGpu: boolean, out: string[], diff: Diff): void {
  if (!a || !b) {
    const missing = !a && !b ? 'both runs' : !a ? 'the base run' : 'the candidate run';
    out.push(`system readings: none for ${missing}, so ${usesGpu ? 'CPU governor, boost and GPU settings' : 'CPU governor and boost'} cannot be compared`);
    return;
  }
  const yesNo = (x: boolean) => (x ? 'available' : 'not available');
  diff('CPU frequency control (cpufreq)', yesNo(a.cpu.cpufreq), yesNo(b.cpu.cpufreq));
  if (a.cpu.cpufreq && b.cpu.cpufreq) {
    diff('CPU governor', governors(a), governors(b));
    diff('highest CPU clock allowed', maxScaling(a), maxScaling(b));
  }
  diff('CPU boost', a.cpu.boost, b.cpu.boost);
  // Pinning that differs is listed already, and the usable CPUs differ with it.
  const affA = cpuList(a.cpu.affinity);
  const affB = cpuList(b.cpu.affinity);
  if (samePinning && affA !== null && affB !== null) diff('CPUs the run could use', affA, affB);

  if (!usesGpu) return;
  diff('GPU readings', a.gpu.status, b.gpu.status);
  diff('GPUs', String(a.gpu.gpus.length), String(b.gpu.gpus.length));
  const gpusB = new Map(b.gpu.gpus.map((g) => [g.index, g]));
  for (const ga of a.gpu.gpus) {
    const gb = gpusB.get(ga.index);
    if (gb) gpuDiffs(ga, gb, diff);
  }
}

function gpuDiffs(a: GpuState, b: GpuState, diff: Diff): void {
  const what = (s: string) => `GPU ${a.index} ${s}`;
  const text = (v: string | number | null, unit = '') => (v === null ? 'unknown' : `${v}${unit}`);
  diff(what('model'), a.name, b.name);
  diff(what('driver'), text(a.driver), text(b.driver));
  diff(what('persistence mode'), text(a.persistenceMode), text(b.persistenceMode));
  diff(what('application clock'), text(a.appSmClockMHz, ' MHz'), text(b.appSmClockMHz, ' MHz'));
  diff(what('power limit'), text(a.powerLimitW, ' W'), text(b.powerLimitW, ' W'));
}

function governors(s: SystemSnapshot): string {
  const set = [...new Set(s.cpu.cores.map((c) => c.governor ?? 'unknown'))].sort();
  return set.length ? set.join('/') : 'unknown';
}

function maxScaling(s: SystemSnapshot): string {
  const mhz = s.cpu.cores.map((c) => c.scalingMaxMHz).filter((x): x is number => x !== null);
  return mhz.length ? `${Math.max(...mhz)} MHz` : 'unknown';
}

/** "0-3,8" for [0, 1, 2, 3, 8]; null for no list. */
function cpuList(cpus: readonly number[] | null): string | null {
  if (!cpus || cpus.length === 0) return null;
  const sorted = [...new Set(cpus)].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

function measured(samplesMs: readonly number[], which: string): { sorted: number[]; summary: Summary } {
  if (samplesMs.length === 0) throw new RangeError(`compareRuns: the ${which} run has no measured samples`);
  const summary = summarize(samplesMs);
  // summarize rejects non-finite samples itself; the non-null assertion holds for n > 0.
  return { sorted: samplesMs.slice().sort((x, y) => x - y), summary: summary! };
}

function figure(s: Summary, metric: CompareMetric): number {
  switch (metric) {
    case 'p50':
      return s.p50Ms;
    case 'p95':
      return s.p95Ms;
    case 'p99':
      return s.p99Ms;
    case 'p999':
      return s.p999Ms;
    case 'mean':
      return s.meanMs;
  }
}

/** The equal-tailed percentile interval of the replicate ratios; null when a base replicate is 0. */
function ratioInterval(base: Float64Array, candidate: Float64Array, tail: number): Interval | null {
  const ratios = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    if (!(base[i]! > 0)) return null;
    ratios[i] = candidate[i]! / base[i]!;
  }
  const sorted = Array.from(ratios.sort());
  return [percentile(sorted, tail), percentile(sorted, 1 - tail)];
}

/**
 * The percentile-bootstrap interval of mean(candidate) / mean(base), each run resampled on its
 * own, without drawing the resamples.
 *
 * Why not draw them: a mean reads every value, so each replicate costs n draws, 40 million for
 * 2000 replicates of 10,000 runs a side, against a few dozen for all the percentiles together.
 * Instead the bootstrap distribution is computed. A resampled base mean is > 0, so
 * P*(ratio ≤ r) = P*(D ≤ 0) for D = M꜀ − r·Mᵦ, and D's bootstrap cumulant generating function
 * is known exactly: K(t) = n꜀·L꜀(t/n꜀) + nᵦ·Lᵦ(−r·t/nᵦ), L(s) = log of the mean of e^(s·x) over a
 * run's samples. Lugannani and Rice's saddlepoint formula turns K into P*(D ≤ 0), and the
 * interval's ends are the r where that equals (1 ∓ level)/2. This is the approximation Davison
 * and Hinkley (1988) give for bootstrap distributions of means; it keeps the skew that rare slow
 * runs give the mean, which a normal approximation would drop. Measured against 40,000 drawn
 * replicates (test/unit/compare.test.ts), the ends agree within the drawing's own error, down to
 * a few runs with 1% spikes at 20×: about 1% of the interval's width. It is deterministic: no
 * seed, no replicate count.
 *
 * @param base the base run's samples, every one ≥ 0 (ascending or not).
 * @param candidate the candidate's samples, every one ≥ 0.
 * @returns null when either run is empty, a base sample is negative, or the base mean is 0.
 * @throws RangeError for level outside (0, 1).
 */
export function meanRatioInterval(base: readonly number[], candidate: readonly number[], level = CI_LEVEL): Interval | null {
  if (!(level > 0 && level < 1)) throw new RangeError(`meanRatioInterval: level must be in (0, 1), got ${level}`);
  if (base.length === 0 || candidate.length === 0) return null;
  const b = runMoments(base);
  const c = runMoments(candidate);
  if (b.min < 0 || c.min < 0 || !(b.mean > 0)) return null;
  const ratio = c.mean / b.mean;
  if (c.max === 0) return [0, 0];
  // Delta-method standard error of log(ratio): the scale the search starts from.
  const se = Math.sqrt(b.variance / (b.n * b.mean ** 2) + c.variance / (c.n * c.mean ** 2));
  if (se === 0) return [ratio, ratio];
  const tail = (1 - level) / 2;
  return [ratioQuantile(b, c, ratio, se, tail), ratioQuantile(b, c, ratio, se, 1 - tail)];
}

interface RunMoments {
  values: readonly number[];
  n: number;
  min: number;
  max: number;
  mean: number;
  /** Plug-in variance (divisor n): the bootstrap's own. */
  variance: number;
}

function runMoments(values: readonly number[]): RunMoments {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of values) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const mean = sum / n;
  let ss = 0;
  for (const x of values) ss += (x - mean) ** 2;
  return { values, n, min, max, mean, variance: ss / n };
}

/**
 * log E*[e^(s·X)] for one draw X from the run, with the mean and variance of the distribution
 * tilted by e^(s·x). Exponents are taken from the extreme on the side s points to, so none is
 * positive and nothing overflows however far out the saddlepoint lies.
 */
function tilted(r: RunMoments, s: number): { logMgf: number; mean: number; variance: number } {
  const ref = s >= 0 ? r.max : r.min;
  let sum = 0;
  let s1 = 0;
  let s2 = 0;
  for (const x of r.values) {
    const e = Math.exp(s * (x - ref));
    // Moments about the plain mean, so the variance is not a difference of two large numbers.
    const d = x - r.mean;
    sum += e;
    s1 += e * d;
    s2 += e * d * d;
  }
  const m = s1 / sum;
  return { logMgf: s * ref + Math.log(sum / r.n), mean: r.mean + m, variance: Math.max(0, s2 / sum - m * m) };
}

/** K, K′ and K″ at t for D = M꜀ − r·Mᵦ. */
function cumulants(b: RunMoments, c: RunMoments, r: number, t: number): { k: number; k1: number; k2: number } {
  const tc = tilted(c, t / c.n);
  const tb = tilted(b, (-r * t) / b.n);
  return { k: c.n * tc.logMgf + b.n * tb.logMgf, k1: tc.mean - r * tb.mean, k2: tc.variance / c.n + (r * r * tb.variance) / b.n };
}

/**
 * P*(M꜀ / Mᵦ ≤ r) by Lugannani–Rice, and the saddlepoint t̂ (K′(t̂) = 0) it used, which warm
 * starts the next call at a nearby r.
 */
function ratioCdf(b: RunMoments, c: RunMoments, r: number, tStart: number): { p: number; t: number } {
  // Beyond the extremes D has one sign for every resample and no saddlepoint exists.
  if (c.min - r * b.max >= 0) return { p: 0, t: tStart };
  if (c.max - r * b.min <= 0) return { p: 1, t: tStart };
  // K′ increases with t (K″ is a variance), so Newton's steps are kept inside the bracket
  // they establish, bisecting when a step would leave it.
  const unit = 1 / Math.sqrt(cumulants(b, c, r, 0).k2);
  let t = tStart;
  let lo = -Infinity;
  let hi = Infinity;
  let e = cumulants(b, c, r, t);
  for (let i = 0; i < 200 && e.k1 !== 0; i++) {
    if (e.k1 < 0) lo = t;
    else hi = t;
    let next = t - e.k1 / e.k2;
    if (!(next > lo && next < hi)) {
      if (Number.isFinite(lo) && Number.isFinite(hi)) next = (lo + hi) / 2;
      else next = e.k1 < 0 ? t + 2 * (Math.abs(t) + unit) : t - 2 * (Math.abs(t) + unit);
    }
    const done = Math.abs(next - t) <= 1e-12 * (Math.abs(t) + unit);
    t = next;
    e = cumulants(b, c, r, t);
    if (done) break;
  }
  const w = Math.sign(t) * Math.sqrt(Math.max(0, -2 * e.k));
  const u = t * Math.sqrt(e.k2);
  // At the centre both vanish and the formula is 0/0; the interval's ends lie far from it, and
  // the search only needs the side, which Φ(w) gives.
  if (Math.abs(w) < 1e-6 || Math.abs(u) < 1e-6) return { p: normalCdf(w), t };
  const p = normalCdf(w) + (Math.exp((-w * w) / 2) / Math.sqrt(2 * Math.PI)) * (1 / w - 1 / u);
  return { p: Math.min(1, Math.max(0, p)), t };
}

/**
 * The r with P*(M꜀ / Mᵦ ≤ r) = p, searched on log r against Φ⁻¹ of the probability, where the
 * curve is nearly straight, so regula falsi (Illinois) settles in a few steps.
 */
function ratioQuantile(b: RunMoments, c: RunMoments, ratio: number, se: number, p: number): number {
  const zp = normalQuantile(p);
  let t = 0;
  const g = (y: number): number => {
    const at = ratioCdf(b, c, Math.exp(y), t);
    t = at.t;
    // Clamped so Φ⁻¹ stays finite; only the sign matters out there.
    return normalQuantile(Math.min(1 - 1e-15, Math.max(1e-300, at.p))) - zp;
  };
  let y1 = Math.log(ratio) + zp * se;
  let g1 = g(y1);
  let step = g1 < 0 ? se : -se;
  let y2 = y1 + step;
  let g2 = g(y2);
  for (let i = 0; i < 60 && Math.sign(g2) === Math.sign(g1) && g2 !== 0; i++) {
    y1 = y2;
    g1 = g2;
    step *= 2;
    y2 = y1 + step;
    g2 = g(y2);
  }
  // Illinois: halve the weight of an end that stays, so the bracket shrinks from both sides.
  for (let i = 0; i < 100 && Math.abs(g2) > 1e-10 && Math.abs(y2 - y1) > 1e-12 * (1 + Math.abs(y2)); i++) {
    const y = y2 - (g2 * (y2 - y1)) / (g2 - g1);
    const gy = g(y);
    if (Math.sign(gy) === Math.sign(g2)) g1 /= 2;
    else {
      y1 = y2;
      g1 = g2;
    }
    y2 = y;
    g2 = gy;
  }
  return Math.exp(y2);
}

/** Standard normal deviates by Box–Muller, both branches used: the Gamma sampler needs many. */
function normalStream(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * A Gamma(shape, 1) deviate for shape ≥ 1: an exponential for shape 1 (adjacent ranks, the
 * common case), else Marsaglia and Tsang's (2000) squeeze-and-reject method, which accepts
 * over 95% of proposals at every shape, so large shapes (ranks thousands apart) cost no more.
 */
function gamma(shape: number, rand: () => number, normal: () => number): number {
  if (shape === 1) return -Math.log(1 - rand());
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

function checkNoiseBand(b: number, where: string): void {
  if (!(b >= 0 && b < 1)) throw new RangeError(`${where}: noiseBand must be in [0, 1), got ${b}`);
}

function checkThreshold(t: number, where: string): void {
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`${where}: failOnRegression must be a finite number ≥ 0, got ${t}`);
}
