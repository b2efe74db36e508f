import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccuracyReport, OutputAgreement } from '../../src/core/accuracy';
import { evaluateChecklist, type CheckId, type CheckItem, type ChecklistInput } from '../../src/core/checklist';
import type { ChangeVerdict, CompareMetric, Comparison, MetricComparison } from '../../src/core/compare';
import type { BenchmarkResult, Interval, RepeatRun, Repeats } from '../../src/core/result';
import { makeResult } from '../support/resultFixture';

type MetricSpec = { ratio: number | null; ci: Interval | null; verdict: ChangeVerdict; minSamples?: number };

const MIN_SAMPLES: Record<CompareMetric, number> = { p50: 6, p95: 72, p99: 368, p999: 3688, mean: 6 };

/** A comparison as compareRuns would return it, with the metrics' figures given outright. */
function comparison(spec: Partial<Record<CompareMetric, MetricSpec>> = {}, n = 1000): Comparison {
  const improved: MetricSpec = { ratio: 0.7, ci: [0.68, 0.72], verdict: 'improved' };
  const metrics = (['p50', 'p95', 'p99', 'p999', 'mean'] as const).map((metric): MetricComparison => {
    const m = spec[metric] ?? improved;
    return { metric, base: 2, candidate: 2 * (m.ratio ?? 0), ratio: m.ratio, ci: m.ci, verdict: m.verdict, minSamples: m.minSamples ?? MIN_SAMPLES[metric] };
  });
  return {
    metrics,
    n: { base: n, candidate: n },
    level: 0.95,
    noiseBand: 0.02,
    resamples: 2000,
    seed: 1,
    significance: { test: 'Mann–Whitney U', u: 0, z: 0, pValue: 0.001, probabilityCandidateSlower: 0.1 },
    environmentDiffs: [],
  };
}

function output(name: string, degradation: number | null, pass: boolean, extra: Partial<OutputAgreement> = {}): OutputAgreement {
  return { name, maxAbsError: 0.1, relativeL2: degradation, cosine: 0.99, top1Agreement: null, degradation, judgedBy: 'relative L2', pass, ...extra };
}

const accuracy = (outputs: OutputAgreement[], threshold = 0.01): AccuracyReport => ({ threshold, outputs, pass: outputs.length > 0 && outputs.every((o) => o.pass) });

function repeats(p50s: number[]): Repeats {
  const runs: RepeatRun[] = p50s.map((p50Ms) => ({ n: 100, p50Ms, p99Ms: p50Ms * 2, meanMs: p50Ms, cv: 0.05, loadMs: 10, firstMs: 5 }));
  const sorted = [...p50s].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { runs, spread: { p50: (sorted[sorted.length - 1]! - sorted[0]!) / median, p99: 0 } };
}

/** Runs that pass every item once targets are set: a 30% faster, stable, accurate, repeated candidate. */
function passingInput(): ChecklistInput {
  const base = makeResult({ samples: { medianMs: 2, seed: 1 }, startedAt: '2026-11-26T10:00:00.000Z', memory: { peakRssBytes: 300e6 } });
  const candidate = makeResult({ samples: { medianMs: 1.4, seed: 2 }, startedAt: '2026-11-26T10:05:00.000Z', memory: { peakRssBytes: 200e6 } });
  base.repeats = repeats([2.0, 2.02, 1.99]);
  candidate.repeats = repeats([1.4, 1.41, 1.39]);
  return {
    base,
    candidate,
    comparison: comparison(),
    accuracy: accuracy([output('logits', 0.001, true)]),
    targets: { expectedReduction: 0.2, cvTarget: 0.1, memoryLimitBytes: 512 * 1024 ** 2 },
  };
}

function item(input: ChecklistInput, id: CheckId): CheckItem {
  const found = evaluateChecklist(input).items.find((i) => i.id === id);
  assert.ok(found, id);
  return found;
}

test('every item once, in CheckId order; all pass gives a passing verdict', () => {
  const list = evaluateChecklist(passingInput());
  assert.deepEqual(list.items.map((i) => i.id), ['latencyTarget', 'cvTarget', 'accuracy', 'noErrors', 'reproducible', 'allPercentiles', 'throughput', 'memory']);
  assert.deepEqual(list.items.filter((i) => i.status !== 'pass').map((i) => [i.id, i.evidence]), []);
  assert.equal(list.verdict, 'pass');
});

test('verdict: incomplete when something is unknown and nothing fails; fail when anything fails', () => {
  const input = passingInput();
  delete input.targets!.memoryLimitBytes;
  assert.equal(evaluateChecklist(input).verdict, 'incomplete');
  input.accuracy = accuracy([output('logits', 0.3, false)]);
  assert.equal(evaluateChecklist(input).verdict, 'fail');
});

test('latencyTarget: the p50 ratio interval against 1 − the expected reduction', () => {
  const input = passingInput();
  const pass = item(input, 'latencyTarget');
  assert.equal(pass.status, 'pass');
  assert.equal(pass.title, 'p50 latency reduced by at least 20.0%');
  assert.match(pass.evidence, /p50 0\.700× the base's, 95% interval \[0\.680, 0\.720\], target ≤ 0\.800×/);

  input.comparison = comparison({ p50: { ratio: 0.87, ci: [0.85, 0.9], verdict: 'improved' } });
  const fail = item(input, 'latencyTarget');
  assert.equal(fail.status, 'fail');
  assert.match(fail.evidence, /0\.870×.*\[0\.850, 0\.900\].*whole interval is above the target/);

  // Straddling: ratio 0.78, upper end 0.85: the half-width 0.07 must shrink below the 0.02
  // between the ratio and 0.8, so about 200 · (0.07 / 0.02)² = 2,450 runs.
  input.comparison = comparison({ p50: { ratio: 0.78, ci: [0.71, 0.85], verdict: 'improved' } }, 200);
  const straddle = item(input, 'latencyTarget');
  assert.equal(straddle.status, 'unknown');
  assert.match(straddle.evidence, /straddles the target; about 2,450 runs per model might settle it/);

  input.comparison = comparison({ p50: { ratio: 0.8, ci: null, verdict: 'inconclusive' } }, 4);
  assert.match(item(input, 'latencyTarget').evidence, /not bounded: needs ≥ 6 runs per model, has 4/);

  delete input.targets!.expectedReduction;
  const unset = item(input, 'latencyTarget');
  assert.equal(unset.status, 'unknown');
  assert.match(unset.evidence, /--expect-reduction 20%/);
});

test("cvTarget: the candidate's CV against the target, by default its own config's", () => {
  const input = passingInput();
  const cv = input.candidate.summary!.cv;
  const pass = item(input, 'cvTarget');
  assert.equal(pass.status, 'pass');
  assert.ok(pass.evidence.includes(`CV ${(cv * 100).toFixed(1)}%`), pass.evidence);
  assert.match(pass.evidence, /≤ target 10\.0%/);

  delete input.targets!.cvTarget;
  input.candidate.config.cvTarget = 0.001;
  const fail = item(input, 'cvTarget');
  assert.equal(fail.status, 'fail');
  assert.equal(fail.title, "Candidate's CV within 0.1%");
  assert.match(fail.evidence, /> target 0\.1%/);

  input.candidate.summary = null;
  assert.equal(item(input, 'cvTarget').status, 'unknown');
});

test('accuracy: passes, fails naming the worst output and its degradation, unknown without a report', () => {
  const input = passingInput();
  assert.match(item(input, 'accuracy').evidence, /the 1 output within 1\.0%; worst "logits" 0\.1% \(relative L2\)/);

  input.accuracy = accuracy([output('boxes', 0.004, true), output('scores', 0.05, false), output('logits', 0.45, false, { judgedBy: 'top-1' })]);
  const fail = item(input, 'accuracy');
  assert.equal(fail.status, 'fail');
  assert.match(fail.evidence, /^output "logits" degraded by 45\.0% \(1 − top-1 agreement\), above 1\.0%; 1 more output fails$/);

  // An output that could not be compared at all outranks any figure.
  input.accuracy = accuracy([output('scores', 0.05, false), { ...output('mask', null, false), problem: 'shape [1, 4] vs [1, 5]', maxAbsError: Number.NaN }]);
  assert.match(item(input, 'accuracy').evidence, /^output "mask" degraded by shape \[1, 4\] vs \[1, 5\]/);

  // A looser threshold judges the same figures again.
  input.accuracy = accuracy([output('scores', 0.05, false)]);
  input.targets!.accuracyThreshold = 0.1;
  assert.equal(item(input, 'accuracy').status, 'pass');

  delete input.accuracy;
  const unknown = item(input, 'accuracy');
  assert.equal(unknown.status, 'unknown');
  assert.match(unknown.evidence, /latency ab/);
});

test('noErrors: a partial run or an error-level check fails, naming it', () => {
  const input = passingInput();
  assert.equal(item(input, 'noErrors').status, 'pass');
  input.candidate.partial = true;
  input.candidate.partialReason = 'cancelled after 120 of 1,000 measured runs';
  input.base.verdicts = [{ code: 'RUN009', severity: 'error', title: 'Clock changed', message: 'm', evidence: [], fix: 'f' }];
  const fail = item(input, 'noErrors');
  assert.equal(fail.status, 'fail');
  assert.equal(fail.evidence, 'base: RUN009 Clock changed; candidate run partial (cancelled after 120 of 1,000 measured runs)');
});

test('reproducible: needs 3 repeats; each spread within the tolerance', () => {
  const input = passingInput();
  const pass = item(input, 'reproducible');
  assert.equal(pass.status, 'pass');
  assert.match(pass.evidence, /^3 repeats: candidate's p50 spread 1\.4%, base's p50 spread 1\.5%$/);

  input.candidate.repeats = repeats([1.4, 1.5, 1.45]);
  const fail = item(input, 'reproducible');
  assert.equal(fail.status, 'fail');
  // (1.5 − 1.4) / 1.45 = 6.9%
  assert.match(fail.evidence, /^repeats differ by 6\.9% on the candidate's p50, above 5\.0%/);
  input.targets!.reproducibilityTolerance = 0.08;
  assert.equal(item(input, 'reproducible').status, 'pass');

  // From ab: the spread of the per-repeat p50 ratios counts too: (0.90 − 0.80) / 0.82 = 12.2%.
  input.candidate.repeats = repeats([1.4, 1.41, 1.39]);
  input.repeatComparisons = [0.8, 0.82, 0.9].map((r) => comparison({ p50: { ratio: r, ci: [r - 0.01, r + 0.01], verdict: 'improved' } }));
  const ratio = item(input, 'reproducible');
  assert.equal(ratio.status, 'fail');
  assert.match(ratio.evidence, /^repeats differ by 12\.2% on the p50 ratio, above 8\.0%.*p50 ratio \(0\.800×, 0\.820×, 0\.900×\) spread 12\.2%/);

  // From ab the ratio alone decides: sides drifting together between repeats (here 20%) is what interleaving cancels.
  input.candidate.repeats = repeats([1.2, 1.4, 1.45]);
  input.repeatComparisons = [0.8, 0.81, 0.805].map((r) => comparison({ p50: { ratio: r, ci: [r - 0.01, r + 0.01], verdict: 'improved' } }));
  const drift = item(input, 'reproducible');
  assert.equal(drift.status, 'pass', drift.evidence);
  assert.match(drift.evidence, /candidate's p50 spread 17\.9%.*p50 ratio \(0\.800×, 0\.810×, 0\.805×\) spread 1\.2%$/);

  delete input.repeatComparisons;
  input.candidate.repeats = repeats([1.4, 1.41]);
  const two = item(input, 'reproducible');
  assert.equal(two.status, 'unknown');
  assert.match(two.evidence, /^2 runs of the candidate; needs ≥ 3: repeat with --repeat 3 \(in the editor, the latency\.repeat setting\)$/);
  delete input.candidate.repeats;
  assert.match(item(input, 'reproducible').evidence, /^1 run of the candidate/);
});

test('allPercentiles: all improved passes; a regression or no change fails; inconclusive tails are unknown and say why', () => {
  const input = passingInput();
  assert.equal(item(input, 'allPercentiles').status, 'pass');

  input.comparison = comparison({ p99: { ratio: 1.1, ci: [1.05, 1.15], verdict: 'regressed' } });
  const regressed = item(input, 'allPercentiles');
  assert.equal(regressed.status, 'fail');
  assert.match(regressed.evidence, /p99 1\.100× regressed/);

  input.comparison = comparison({ p95: { ratio: 1.0, ci: [0.99, 1.01], verdict: 'no change' } });
  assert.equal(item(input, 'allPercentiles').status, 'fail');

  input.comparison = comparison({ p999: { ratio: 0.7, ci: null, verdict: 'inconclusive' } }, 200);
  const tail = item(input, 'allPercentiles');
  assert.equal(tail.status, 'unknown');
  assert.match(tail.evidence, /p99\.9 0\.700× inconclusive \(not bounded: needs ≥ 3,688 runs per model, has 200\)/);
});

test('throughput: the mean ratio interval against the noise band, with both rates', () => {
  const input = passingInput();
  const pass = item(input, 'throughput');
  assert.equal(pass.status, 'pass');
  assert.match(pass.evidence, /^throughput [\d,.]+\/s → [\d,.]+\/s; mean latency 0\.700× \[0\.680, 0\.720\]/);

  input.comparison = comparison({ mean: { ratio: 1.01, ci: [0.99, 1.02], verdict: 'no change' } });
  assert.equal(item(input, 'throughput').status, 'pass', 'within the band: maintained');
  input.comparison = comparison({ mean: { ratio: 1.08, ci: [1.05, 1.1], verdict: 'regressed' } });
  assert.equal(item(input, 'throughput').status, 'fail');
  input.comparison = comparison({ mean: { ratio: 1.02, ci: [0.99, 1.05], verdict: 'inconclusive' } });
  assert.equal(item(input, 'throughput').status, 'unknown');
});

test('memory: against the limit; unknown without one, or when a shared process went over', () => {
  const input = passingInput();
  const pass = item(input, 'memory');
  assert.equal(pass.status, 'pass');
  assert.equal(pass.evidence, 'peak RSS 191 MiB, limit 512 MiB');

  input.targets!.memoryLimitBytes = 150e6;
  const fail = item(input, 'memory');
  assert.equal(fail.status, 'fail');
  assert.match(fail.evidence, /over by 47\.7 MiB/);

  // latency ab: one process, one start for both.
  input.base.startedAt = input.candidate.startedAt;
  const shared = item(input, 'memory');
  assert.equal(shared.status, 'unknown');
  assert.match(shared.evidence, /for the process holding both models.*measure the candidate alone/);
  input.targets!.memoryLimitBytes = 250e6;
  assert.equal(item(input, 'memory').status, 'pass', 'an upper bound within the limit shows the candidate fits');

  delete input.targets!.memoryLimitBytes;
  const unset = item(input, 'memory');
  assert.equal(unset.status, 'unknown');
  assert.match(unset.evidence, /--memory-limit 2GB/);
});

test('targets out of range are refused', () => {
  const input = passingInput();
  for (const targets of [{ expectedReduction: 0 }, { expectedReduction: 1 }, { memoryLimitBytes: 0 }, { reproducibilityTolerance: 0 }, { cvTarget: -1 }]) {
    assert.throws(() => evaluateChecklist({ ...input, targets }), RangeError, JSON.stringify(targets));
  }
});

// Keeps the fixture honest: the candidate really is the faster run the comparison claims.
test('the fixture runs are what they say', () => {
  const { base, candidate } = passingInput() as { base: BenchmarkResult; candidate: BenchmarkResult };
  assert.ok(candidate.summary!.p50Ms < base.summary!.p50Ms * 0.8);
});
