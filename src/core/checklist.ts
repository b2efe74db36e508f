// The verification checklist: after an optimisation, is the candidate really better — faster by
// what was expected, as accurate, stable, reproducible, within its memory budget? Each item is
// decided from measured data only; where the data to decide it is missing the item says
// "unknown" and what would settle it, never a guess.

import type { AccuracyReport, OutputAgreement } from './accuracy';
import type { Comparison, CompareMetric, MetricComparison } from './compare';
import { formatBytes, formatPercent, formatRate } from './format';
import { spreadOf } from './repeats';
import type { BenchmarkResult, Repeats } from './result';

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export type CheckId =
  | 'latencyTarget'
  | 'cvTarget'
  | 'accuracy'
  | 'noErrors'
  | 'reproducible'
  | 'allPercentiles'
  | 'throughput'
  | 'memory';

export interface CheckItem {
  id: CheckId;
  /** The question, e.g. "Latency reduced by at least 20%". */
  title: string;
  status: CheckStatus;
  /** The figures it was decided on, or (for unknown) what data would decide it. */
  evidence: string;
}

export interface Checklist {
  /** Every CheckId once, in the order above. */
  items: CheckItem[];
  /** fail when any item fails; incomplete when none fails but some are unknown; else pass. */
  verdict: 'pass' | 'fail' | 'incomplete';
}

/**
 * How far apart (max − min ÷ median) repeated runs' p50s, or p50 ratios, may lie and still
 * count as the same result. The range of 3 repeats is about 1.7 standard deviations of one
 * repeat's figure, so 5% admits a repeat-to-repeat wobble of about 3%: the percent or two that
 * reruns of one build on one machine move by (compare's 2% noise band is set for the same
 * drift), with room for a noisy host. A speed-up whose size moves by more than that between
 * identical reruns is not yet a result to ship on.
 */
export const DEFAULT_REPRODUCIBILITY_TOLERANCE = 0.05;

/** Fewer repeats cannot tell a reproducible result from two that happened to agree. */
export const MIN_REPEATS = 3;

export interface ChecklistTargets {
  /** The speed-up the change was meant to bring, as a fraction of the base's p50 (0.2 = 20% faster); unset, latencyTarget is unknown. */
  expectedReduction?: number;
  /** The CV the candidate must stay under (a fraction); default the candidate run's own config.cvTarget. */
  cvTarget?: number;
  /** Largest output degradation that passes; default the accuracy report's own threshold. */
  accuracyThreshold?: number;
  /** Peak RSS the candidate must stay within; unset, memory is unknown. */
  memoryLimitBytes?: number;
  /** Default DEFAULT_REPRODUCIBILITY_TOLERANCE. */
  reproducibilityTolerance?: number;
}

export interface ChecklistInput {
  /** Each may carry `repeats` (from --repeat): the per-side between-run spread. */
  base: BenchmarkResult;
  candidate: BenchmarkResult;
  /** compareRuns(base, candidate), over every measured run (pooled across repeats). */
  comparison: Comparison;
  accuracy?: AccuracyReport;
  /** One comparison per repeat of an interleaved A/B run (`latency ab --repeat N`): the spread of their p50 ratios. */
  repeatComparisons?: readonly Comparison[];
  targets?: ChecklistTargets;
}

/**
 * Every item of the verification checklist, decided from the figures given; see each item's
 * function for its rule. An item lacking the data to decide says "unknown" and what would
 * settle it, and the verdict is then "incomplete", never "pass".
 *
 * @throws RangeError for a target out of range (a reduction outside (0, 1), a negative CV
 *   target or threshold, a limit or tolerance ≤ 0).
 */
export function evaluateChecklist(input: ChecklistInput): Checklist {
  const t = input.targets ?? {};
  if (t.expectedReduction !== undefined && !(t.expectedReduction > 0 && t.expectedReduction < 1)) {
    throw new RangeError(`evaluateChecklist: expectedReduction must be in (0, 1), got ${t.expectedReduction}`);
  }
  if (t.cvTarget !== undefined && !(t.cvTarget >= 0 && Number.isFinite(t.cvTarget))) throw new RangeError(`evaluateChecklist: cvTarget must be ≥ 0, got ${t.cvTarget}`);
  if (t.accuracyThreshold !== undefined && !(t.accuracyThreshold >= 0 && Number.isFinite(t.accuracyThreshold))) {
    throw new RangeError(`evaluateChecklist: accuracyThreshold must be ≥ 0, got ${t.accuracyThreshold}`);
  }
  if (t.memoryLimitBytes !== undefined && !(t.memoryLimitBytes > 0 && Number.isFinite(t.memoryLimitBytes))) {
    throw new RangeError(`evaluateChecklist: memoryLimitBytes must be > 0, got ${t.memoryLimitBytes}`);
  }
  const tolerance = t.reproducibilityTolerance ?? DEFAULT_REPRODUCIBILITY_TOLERANCE;
  if (!(tolerance > 0 && Number.isFinite(tolerance))) throw new RangeError(`evaluateChecklist: reproducibilityTolerance must be > 0, got ${tolerance}`);

  const items: CheckItem[] = [
    latencyTargetItem(input.comparison, t.expectedReduction),
    cvTargetItem(input.base, input.candidate, t.cvTarget ?? input.candidate.config.cvTarget),
    accuracyItem(input.accuracy, t.accuracyThreshold),
    noErrorsItem(input.base, input.candidate),
    reproducibleItem(input.base.repeats, input.candidate.repeats, input.repeatComparisons, tolerance),
    allPercentilesItem(input.comparison),
    throughputItem(input.base, input.candidate, input.comparison),
    memoryItem(input.base, input.candidate, t.memoryLimitBytes),
  ];
  const verdict = items.some((i) => i.status === 'fail') ? 'fail' : items.some((i) => i.status === 'unknown') ? 'incomplete' : 'pass';
  return { items, verdict };
}

const ratioText = (x: number): string => `${x.toFixed(3)}×`;
const ciText = (ci: readonly [number, number]): string => `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const METRIC_LABEL: Record<CompareMetric, string> = { p50: 'p50', p95: 'p95', p99: 'p99', p999: 'p99.9', mean: 'mean' };

function metric(c: Comparison, name: CompareMetric): MetricComparison {
  const m = c.metrics.find((x) => x.metric === name);
  if (!m) throw new RangeError(`evaluateChecklist: the comparison has no metric "${name}"`);
  return m;
}

/** "needs ≥ 368 runs per model to be bounded, has 200" for a metric without an interval. */
function unboundedText(m: MetricComparison, c: Comparison): string {
  const have = Math.min(c.n.base, c.n.candidate);
  if (m.ratio === null) return 'no ratio: the base figure is 0 (a timer too coarse for the model)';
  if (have < m.minSamples) return `not bounded: needs ≥ ${m.minSamples.toLocaleString('en-US')} runs per model, has ${have.toLocaleString('en-US')}`;
  return 'no interval';
}

/**
 * The p50 ratio's whole interval against 1 − expectedReduction: at or below it, pass (the
 * speed-up is at least what was expected, at the interval's confidence); above it, fail; across
 * it, unknown, with a rough count of runs that might settle it (intervals narrow as 1/√n).
 */
function latencyTargetItem(c: Comparison, expected: number | undefined): CheckItem {
  const id = 'latencyTarget';
  if (expected === undefined) {
    return { id, title: 'p50 latency reduced by the expected amount', status: 'unknown', evidence: 'no target set: say what the change should bring, e.g. --expect-reduction 20%' };
  }
  const title = `p50 latency reduced by at least ${formatPercent(expected)}`;
  const limit = 1 - expected;
  const p50 = metric(c, 'p50');
  if (!p50.ci || p50.ratio === null) return { id, title, status: 'unknown', evidence: `p50 ratio: ${unboundedText(p50, c)}` };
  const [lo, hi] = p50.ci;
  const figures = `p50 ${ratioText(p50.ratio)} the base's, ${Math.round(c.level * 100)}% interval ${ciText(p50.ci)}, target ≤ ${ratioText(limit)}`;
  if (hi <= limit) return { id, title, status: 'pass', evidence: figures };
  if (lo > limit) return { id, title, status: 'fail', evidence: `${figures}: the whole interval is above the target` };
  const halfWidth = p50.ratio > limit ? p50.ratio - lo : hi - p50.ratio;
  const distance = Math.abs(p50.ratio - limit);
  const n = Math.min(c.n.base, c.n.candidate);
  const more = distance > 0 ? `; about ${Math.ceil(n * (halfWidth / distance) ** 2).toLocaleString('en-US')} runs per model might settle it, if the ratio holds` : '';
  return { id, title, status: 'unknown', evidence: `${figures}: the interval straddles the target${more}` };
}

/** The candidate's CV against the target: a run that varies more than that is not stable enough to trust. */
function cvTargetItem(base: BenchmarkResult, candidate: BenchmarkResult, target: number): CheckItem {
  const id = 'cvTarget';
  const title = `Candidate's CV within ${formatPercent(target)}`;
  const cv = candidate.summary?.cv;
  if (cv === undefined) return { id, title, status: 'unknown', evidence: 'the candidate has no measured runs' };
  const baseText = base.summary ? ` (base ${formatPercent(base.summary.cv)})` : '';
  if (cv <= target) return { id, title, status: 'pass', evidence: `CV ${formatPercent(cv)}${baseText} ≤ target ${formatPercent(target)}` };
  return { id, title, status: 'fail', evidence: `CV ${formatPercent(cv)}${baseText} > target ${formatPercent(target)}: pin the run (--cpus), fix the thread count (--threads 1), or quiet the machine` };
}

/**
 * From the accuracy report, judged at its own threshold unless another is given. A failure
 * names the worst output first: one that could not be compared at all (a missing output, a
 * shape change), else the one that degraded most.
 */
function accuracyItem(report: AccuracyReport | undefined, threshold: number | undefined): CheckItem {
  const id = 'accuracy';
  const limit = threshold ?? report?.threshold;
  const title = limit === undefined ? "Outputs agree with the base's" : `Outputs agree with the base's (degradation ≤ ${formatPercent(limit)})`;
  if (!report || limit === undefined) return { id, title, status: 'unknown', evidence: 'outputs not compared: compare outputs with latency ab base.onnx candidate.onnx' };
  const passes = (o: OutputAgreement): boolean => (limit === report.threshold ? o.pass : o.degradation !== null && o.degradation <= limit);
  if (report.outputs.length === 0) return { id, title, status: 'fail', evidence: 'no outputs to compare' };
  const failed = report.outputs.filter((o) => !passes(o));
  const degradationText = (o: OutputAgreement): string =>
    o.degradation === null ? (o.problem ?? 'could not be compared') : `${formatPercent(o.degradation)} (${o.judgedBy === 'top-1' ? '1 − top-1 agreement' : 'relative L2'})`;
  if (failed.length === 0) {
    const worst = report.outputs.reduce((a, b) => ((b.degradation ?? 0) > (a.degradation ?? 0) ? b : a));
    const all = report.outputs.length === 1 ? 'the 1 output' : `all ${report.outputs.length} outputs`;
    return { id, title, status: 'pass', evidence: `${all} within ${formatPercent(limit)}; worst "${worst.name}" ${degradationText(worst)}` };
  }
  const severity = (o: OutputAgreement): number => (o.degradation === null ? Infinity : o.degradation);
  const worst = failed.reduce((a, b) => (severity(b) > severity(a) ? b : a));
  const others = failed.length > 1 ? `; ${plural(failed.length - 1, 'more output')} fail${failed.length === 2 ? 's' : ''}` : '';
  return { id, title, status: 'fail', evidence: `output "${worst.name}" degraded by ${degradationText(worst)}, above ${formatPercent(limit)}${others}` };
}

/** Both runs did every run asked of them, and no run check found an error. */
function noErrorsItem(base: BenchmarkResult, candidate: BenchmarkResult): CheckItem {
  const id = 'noErrors';
  const title = 'Both runs completed without errors';
  const problems: string[] = [];
  for (const [side, r] of [['base', base], ['candidate', candidate]] as const) {
    if (r.partial) problems.push(`${side} run partial (${r.partialReason ?? 'no reason recorded'})`);
    if (!r.summary) problems.push(`${side} has no measured runs`);
    for (const v of r.verdicts) if (v.severity === 'error') problems.push(`${side}: ${v.code} ${v.title}`);
  }
  if (problems.length) return { id, title, status: 'fail', evidence: problems.join('; ') };
  const warnings = new Set([...base.verdicts, ...candidate.verdicts].filter((v) => v.severity === 'warning').map((v) => v.code)).size;
  const runs = `${plural(base.samplesMs.length, 'measured run')} of the base, ${candidate.samplesMs.length.toLocaleString('en-US')} of the candidate`;
  return { id, title, status: 'pass', evidence: `${runs}; no error-level run checks${warnings ? ` (${plural(warnings, 'warning')})` : ''}` };
}

/**
 * At least MIN_REPEATS repeats of the candidate (or of the whole A/B), and every between-run
 * spread given within the tolerance: the candidate's p50 and the base's (each over its repeats,
 * when it has enough), and the A/B p50 ratio over the per-repeat comparisons.
 */
function reproducibleItem(base: Repeats | undefined, candidate: Repeats | undefined, comparisons: readonly Comparison[] | undefined, tolerance: number): CheckItem {
  const id = 'reproducible';
  const title = `Reproducible: repeated runs within ${formatPercent(tolerance)} of each other`;
  const spreads: Array<{ what: string; value: number }> = [];
  let repeats = 0;
  if (candidate && candidate.runs.length >= MIN_REPEATS) {
    spreads.push({ what: "candidate's p50", value: candidate.spread.p50 });
    repeats = candidate.runs.length;
  }
  if (base && base.runs.length >= MIN_REPEATS) spreads.push({ what: "base's p50", value: base.spread.p50 });
  if (comparisons && comparisons.length >= MIN_REPEATS) {
    const ratios = comparisons.map((c) => metric(c, 'p50').ratio);
    if (ratios.some((r) => r === null)) return { id, title, status: 'unknown', evidence: 'a repeat has no p50 ratio (its base p50 is 0)' };
    const values = ratios as number[];
    spreads.push({ what: `p50 ratio (${values.map(ratioText).join(', ')})`, value: spreadOf(values) });
    repeats = Math.max(repeats, comparisons.length);
  }
  if (repeats < MIN_REPEATS) {
    const have = Math.max(candidate?.runs.length ?? 1, comparisons?.length ?? 1);
    return { id, title, status: 'unknown', evidence: `${plural(have, 'run')} of the candidate; needs ≥ ${MIN_REPEATS}: repeat with --repeat ${MIN_REPEATS} (in the editor, the latency.repeat setting)` };
  }
  const text = spreads.map((s) => `${s.what} spread ${formatPercent(s.value)}`).join(', ');
  // An interleaved A/B run is judged on its ratio alone: the point of interleaving is that the
  // machine's drift between repeats moves both sides alike, so absolute p50s may wander while
  // the finding (how much faster) holds. The per-side spreads stay in the evidence.
  const judged = comparisons && comparisons.length >= MIN_REPEATS ? spreads.slice(-1) : spreads;
  const over = judged.filter((s) => s.value > tolerance);
  if (over.length === 0) return { id, title, status: 'pass', evidence: `${repeats} repeats: ${text}` };
  const worst = over.reduce((a, b) => (b.value > a.value ? b : a));
  return { id, title, status: 'fail', evidence: `repeats differ by ${formatPercent(worst.value)} on the ${worst.what.replace(/ \(.*\)$/, '')}, above ${formatPercent(tolerance)}: ${repeats} repeats, ${text}` };
}

/**
 * p50, p95, p99 and p99.9 each 'improved' (compareRuns' verdict against its noise band): a
 * change that helps the median and hurts the tail is not an optimisation. Fails on any
 * 'regressed' or 'no change'; unknown when those left are inconclusive, typically a tail too
 * rarely sampled to bound.
 */
function allPercentilesItem(c: Comparison): CheckItem {
  const id = 'allPercentiles';
  const title = 'Every percentile improved (p50, p95, p99, p99.9)';
  const ms = (['p50', 'p95', 'p99', 'p999'] as const).map((name) => metric(c, name));
  const describe = (m: MetricComparison): string => {
    const head = `${METRIC_LABEL[m.metric]} ${m.ratio === null ? 'n/a' : ratioText(m.ratio)} ${m.verdict}`;
    return m.ci ? head : `${head} (${unboundedText(m, c)})`;
  };
  const evidence = `${ms.map(describe).join(', ')}; noise band ±${formatPercent(c.noiseBand)}`;
  if (ms.some((m) => m.verdict === 'regressed' || m.verdict === 'no change')) return { id, title, status: 'fail', evidence };
  if (ms.every((m) => m.verdict === 'improved')) return { id, title, status: 'pass', evidence };
  return { id, title, status: 'unknown', evidence };
}

/**
 * Sequential throughput is the inverse of mean latency, so "maintained" is decided on the mean's
 * ratio interval: pass when even its upper end is within the noise band above 1, fail when its
 * lower end is beyond it, unknown between (or without an interval).
 */
function throughputItem(base: BenchmarkResult, candidate: BenchmarkResult, c: Comparison): CheckItem {
  const id = 'throughput';
  const title = 'Throughput maintained or improved';
  const rate = (r: BenchmarkResult): string => (r.summary ? formatRate(r.summary.throughputPerSec) : 'n/a');
  const mean = metric(c, 'mean');
  const rates = `throughput ${rate(base)} → ${rate(candidate)}`;
  if (!mean.ci || mean.ratio === null) return { id, title, status: 'unknown', evidence: `${rates}; mean latency ratio: ${unboundedText(mean, c)}` };
  const figures = `${rates}; mean latency ${ratioText(mean.ratio)} ${ciText(mean.ci)} against 1 + ${formatPercent(c.noiseBand)} noise`;
  if (mean.ci[1] <= 1 + c.noiseBand) return { id, title, status: 'pass', evidence: figures };
  if (mean.ci[0] > 1 + c.noiseBand) return { id, title, status: 'fail', evidence: `${figures}: slower beyond noise` };
  return { id, title, status: 'unknown', evidence: `${figures}: the interval reaches past the band` };
}

/**
 * The candidate's peak RSS against the limit. When both results come from one process (latency
 * ab, whose two results share their start time to the millisecond, which separate runs never
 * do), that peak held both models, an upper bound on the candidate's own: within the limit it
 * passes, beyond it nothing is shown about the candidate alone.
 */
function memoryItem(base: BenchmarkResult, candidate: BenchmarkResult, limit: number | undefined): CheckItem {
  const id = 'memory';
  if (limit === undefined) return { id, title: 'Peak memory within the limit', status: 'unknown', evidence: `peak RSS ${formatBytes(candidate.memory.peakRssBytes)}; no limit set: e.g. --memory-limit 2GB` };
  const title = `Peak memory within ${formatBytes(limit)}`;
  const peak = candidate.memory.peakRssBytes;
  if (!(peak > 0)) return { id, title, status: 'unknown', evidence: 'no peak RSS was recorded' };
  const shared = base.startedAt === candidate.startedAt;
  const figures = `peak RSS ${formatBytes(peak)}${shared ? ' for the process holding both models' : ''}, limit ${formatBytes(limit)}`;
  if (peak <= limit) return { id, title, status: 'pass', evidence: figures };
  if (shared) return { id, title, status: 'unknown', evidence: `${figures}: over it, but that includes the base model; measure the candidate alone with latency bench` };
  return { id, title, status: 'fail', evidence: `${figures}: over by ${formatBytes(peak - limit)}` };
}
