import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COMPARE_METRICS,
  DEFAULT_GATE_METRICS,
  bootstrapQuantiles,
  changeVerdict,
  compareRuns,
  environmentDiffs,
  gateDecision,
  meanRatioInterval,
  metricGate,
  type CompareMetric,
  type Comparison,
  type MetricComparison,
} from '../../src/core/compare';
import { normalUpperTail } from '../../src/core/normal';
import { mulberry32 } from '../../src/core/random';
import type { BenchmarkResult, Interval } from '../../src/core/result';
import { percentile } from '../../src/core/stats';
import { h200System, intelLaptopSystem, makeResult, tunedSystem } from '../support/resultFixture';
import { logNormal } from '../support/samples';

const N = 1000;
/** σ of log latency: a CV of about 10%, a noisy but usable host. */
const SIGMA = 0.1;

/** A base run and a candidate whose whole distribution is `shift` times the base's, on their own seeds. */
function pair(seed: number, shift: number, n = N, sigma = SIGMA): [BenchmarkResult, BenchmarkResult] {
  return [
    makeResult({ samplesMs: logNormal(2 * seed + 1, n, sigma) }),
    makeResult({ samplesMs: logNormal(2 * seed + 2, n, sigma).map((x) => x * shift) }),
  ];
}

const metric = (c: Comparison, m: CompareMetric): MetricComparison => c.metrics.find((x) => x.metric === m)!;
const contains = (ci: Interval | null, x: number): boolean => ci !== null && ci[0] <= x && x <= ci[1];

/** The smallest k with P(Binomial(n, p) > k) ≤ alpha: a count that chance alone exceeds that rarely. */
function binomialBound(n: number, p: number, alpha: number): number {
  let pmf = (1 - p) ** n;
  let cdf = pmf;
  let k = 0;
  while (1 - cdf > alpha && k < n) {
    pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
    cdf += pmf;
    k++;
  }
  return k;
}

test('bootstrapQuantiles has exactly the distribution of a literal bootstrap (every resample of 4 values enumerated)', () => {
  const x = [1, 2, 4, 8];
  const n = x.length;
  const qs = [0, 0.3, 0.5, 0.95, 1];
  // All 4⁴ equally likely resamples, each sorted and read as percentile() reads a run.
  const exact = qs.map(() => new Map<string, number>());
  for (let code = 0; code < n ** n; code++) {
    const resample = Array.from({ length: n }, (_, i) => x[Math.floor(code / n ** i) % n]!).sort((a, b) => a - b);
    qs.forEach((q, j) => {
      const key = percentile(resample, q).toFixed(9);
      exact[j]!.set(key, (exact[j]!.get(key) ?? 0) + 1 / n ** n);
    });
  }
  const R = 40_000;
  const reps = bootstrapQuantiles(x, qs, R, mulberry32(7));
  qs.forEach((q, j) => {
    const seen = new Map<string, number>();
    for (const v of reps[j]!) seen.set(v.toFixed(9), (seen.get(v.toFixed(9)) ?? 0) + 1 / R);
    for (const key of seen.keys()) assert.ok(exact[j]!.has(key), `q=${q}: ${key} is no resample's quantile`);
    for (const [key, p] of exact[j]!) {
      const got = seen.get(key) ?? 0;
      // 4.5 standard errors: a miss is a bug, not chance (about 1 in 150,000 per value).
      const tol = 4.5 * Math.sqrt((p * (1 - p)) / R) + 1e-12;
      assert.ok(Math.abs(got - p) <= tol, `q=${q}, value ${key}: frequency ${got.toFixed(4)}, exact ${p.toFixed(4)}`);
    }
  });
});

test('bootstrapQuantiles agrees with resampling and sorting at a realistic n (large Gamma shapes)', () => {
  const n = 400;
  const sorted = logNormal(3, n, 0.3).sort((a, b) => a - b);
  const R = 4000;
  const qs = [0.5, 0.95, 0.99];
  const fast = bootstrapQuantiles(sorted, qs, R, mulberry32(11));
  const rand = mulberry32(12);
  const literal = qs.map(() => new Array<number>(R));
  for (let r = 0; r < R; r++) {
    const resample = Array.from({ length: n }, () => sorted[Math.floor(rand() * n)]!).sort((a, b) => a - b);
    qs.forEach((q, j) => (literal[j]![r] = percentile(resample, q)));
  }
  qs.forEach((q, j) => {
    const a = Array.from(fast[j]!).sort((u, v) => u - v);
    const b = literal[j]!.sort((u, v) => u - v);
    const spread = percentile(b, 0.975) - percentile(b, 0.025);
    for (const p of [0.025, 0.5, 0.975]) {
      const diff = Math.abs(percentile(a, p) - percentile(b, p));
      assert.ok(diff <= 0.12 * spread, `q=${q}, replicate quantile ${p}: ${percentile(a, p)} vs ${percentile(b, p)} (spread ${spread})`);
    }
  });
});

test('bootstrapQuantiles: replicates stay within the sample, one value is always itself, bad input throws', () => {
  const sorted = [3, 5, 5, 9];
  for (const reps of bootstrapQuantiles(sorted, [0.5, 0.99], 500, mulberry32(1))) {
    for (const v of reps) assert.ok(v >= 3 && v <= 9);
  }
  assert.deepEqual(Array.from(bootstrapQuantiles([2.5], [0.5], 3, mulberry32(1))[0]!), [2.5, 2.5, 2.5]);
  assert.throws(() => bootstrapQuantiles([], [0.5], 10, mulberry32(1)), RangeError);
  assert.throws(() => bootstrapQuantiles([1], [1.5], 10, mulberry32(1)), RangeError);
  assert.throws(() => bootstrapQuantiles([1], [0.5], 0, mulberry32(1)), RangeError);
});

/** A literal bootstrap of mean(b) / mean(a): R resamples of each, every value drawn. */
function drawnMeanRatioInterval(a: readonly number[], b: readonly number[], R: number, seed: number): Interval {
  const rand = mulberry32(seed);
  const mean = (x: readonly number[]): number => {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[Math.floor(rand() * x.length)]!;
    return sum / x.length;
  };
  const ratios = Array.from({ length: R }, () => {
    const m = mean(a);
    return mean(b) / m;
  }).sort((x, y) => x - y);
  return [percentile(ratios, 0.025), percentile(ratios, 0.975)];
}

/** Log-normal runs where a share of the runs are `factor` times slower: GC pauses, preemption. */
function spiky(seed: number, n: number, share: number, factor: number): number[] {
  const rand = mulberry32(seed + 1000);
  return logNormal(seed, n, SIGMA).map((x) => (rand() < share ? x * factor : x));
}

test('meanRatioInterval matches the drawn bootstrap of the mean, skew from rare slow runs included', () => {
  const a = logNormal(5, 200, SIGMA);
  const twoSpikes = logNormal(6, 200, SIGMA);
  twoSpikes[17]! *= 20;
  twoSpikes[123]! *= 20;
  const cases: Array<[string, number[], number[], number]> = [
    ['log-normal, n = 200, σ = 0.3, 5% slower', logNormal(1, 200, 0.3), logNormal(2, 200, 0.3).map((x) => x * 1.05), 40_000],
    ['two runs of 200 20× slower', a, twoSpikes, 40_000],
    ['1% of runs 20× slower, n = 100', spiky(5, 100, 0.01, 20), spiky(6, 100, 0.01, 20), 40_000],
    ['1% of runs 20× slower, n = 1000', spiky(3, 1000, 0.01, 20), spiky(4, 1000, 0.01, 20), 10_000],
    ['six runs each', logNormal(7, 6, 0.3), logNormal(8, 6, 0.3), 40_000],
    ['a constant base', new Array<number>(50).fill(2), logNormal(13, 50, 0.2), 40_000],
  ];
  for (const [what, a, b, R] of cases) {
    const computed = meanRatioInterval(a, b)!;
    const drawn = drawnMeanRatioInterval(a, b, R, 1);
    const width = drawn[1] - drawn[0];
    // The drawn ends are themselves off by ~1% of the width at 10,000 replicates.
    for (const i of [0, 1]) assert.ok(Math.abs(computed[i]! - drawn[i]!) <= 0.04 * width, `${what}: computed ${computed}, drawn ${drawn}`);
  }
  // Two runs 20× slow among 200 make the interval lopsided: a resample holding more of them is
  // much slower, one holding fewer only somewhat faster. A normal approximation would be symmetric.
  const [lo, hi] = meanRatioInterval(a, twoSpikes)!;
  const ratio = twoSpikes.reduce((x, y) => x + y) / a.reduce((x, y) => x + y);
  assert.ok(hi - ratio > 1.3 * (ratio - lo), `[${lo}, ${hi}] around ${ratio}`);

  assert.deepEqual(meanRatioInterval([2, 2, 2], [3, 3]), [1.5, 1.5], 'no spread, no width');
  assert.equal(meanRatioInterval([0, 0], [1, 2]), null, 'no ratio to a zero base');
  assert.equal(meanRatioInterval([], [1]), null);
  assert.throws(() => meanRatioInterval([1], [1], 1), RangeError);
});

test('bootstrapQuantiles at n = 10,000 per side × 2000 replicates takes milliseconds, compareRuns well under a second', () => {
  const a = logNormal(1, 10_000, SIGMA).sort((x, y) => x - y);
  const b = logNormal(2, 10_000, SIGMA).sort((x, y) => x - y);
  const rand = mulberry32(3);
  const qs = [0.5, 0.95, 0.99, 0.999];
  let t = performance.now();
  bootstrapQuantiles(a, qs, 2000, rand);
  bootstrapQuantiles(b, qs, 2000, rand);
  const quantileMs = performance.now() - t;
  const base = makeResult({ samplesMs: a });
  const candidate = makeResult({ samplesMs: b });
  t = performance.now();
  compareRuns(base, candidate);
  const totalMs = performance.now() - t;
  console.log(`bootstrap, n = 10,000 per side × 2000 replicates: percentiles ${quantileMs.toFixed(1)} ms; compareRuns with the mean ${totalMs.toFixed(0)} ms`);
  // Sorting each resample would take seconds here; the bounds leave room for a loaded CI machine.
  assert.ok(quantileMs < 500, `${quantileMs} ms`);
  assert.ok(totalMs < 5000, `${totalMs} ms`);
});

test('a 5% slower distribution at n = 1000 is "regressed", the other way round "improved", and the CI holds 1.05', () => {
  const [base, candidate] = pair(1, 1.05);
  const c = compareRuns(base, candidate);
  const p50 = metric(c, 'p50');
  assert.equal(p50.verdict, 'regressed', JSON.stringify(p50));
  assert.ok(contains(p50.ci, 1.05), JSON.stringify(p50.ci));
  assert.ok(Math.abs(p50.ratio! - p50.candidate / p50.base) < 1e-12);
  assert.equal(metric(c, 'mean').verdict, 'regressed');
  assert.ok(c.significance.pValue < 1e-6, String(c.significance.pValue));
  // A log-normal shifted by 5% at σ = 0.1: P(candidate run slower) = Φ(ln 1.05 / (0.1·√2)) ≈ 0.635.
  assert.ok(Math.abs(c.significance.probabilityCandidateSlower - 0.635) < 0.04, String(c.significance.probabilityCandidateSlower));
  assert.deepEqual(c.environmentDiffs, []);

  const reverse = compareRuns(candidate, base);
  assert.equal(metric(reverse, 'p50').verdict, 'improved');
  assert.ok(contains(metric(reverse, 'p50').ci, 1 / 1.05));
  assert.ok(Math.abs(reverse.significance.probabilityCandidateSlower + c.significance.probabilityCandidateSlower - 1) < 1e-9);
});

test('detection and coverage over seeded 5% shifts; A/A pairs do not cry wolf', () => {
  const reps = 50;
  const verdicts = { aa: { band: 0, noBand: 0, p99Band: 0 }, shift: { p50: 0, p99: 0 } };
  let covered = 0;
  let intervals = 0;
  for (let s = 0; s < reps; s++) {
    const aa = compareRuns(...pair(100 + s, 1), { seed: s });
    const p50 = metric(aa, 'p50');
    if (p50.verdict === 'regressed' || p50.verdict === 'improved') verdicts.aa.band++;
    // The interval does not depend on the band, so the band-free verdict comes from the same one.
    const bare = changeVerdict(p50.ci, 0);
    if (bare === 'regressed' || bare === 'improved') verdicts.aa.noBand++;
    const p99 = metric(aa, 'p99').verdict;
    if (p99 === 'regressed' || p99 === 'improved') verdicts.aa.p99Band++;

    const shifted = compareRuns(...pair(200 + s, 1.05), { seed: s });
    if (metric(shifted, 'p50').verdict === 'regressed') verdicts.shift.p50++;
    if (metric(shifted, 'p99').verdict === 'regressed') verdicts.shift.p99++;
    // The true ratio is known for both kinds of pair: 1 and 1.05 for every percentile.
    for (const [c, truth] of [[aa, 1], [shifted, 1.05]] as const) {
      for (const m of ['p50', 'p99'] as const) {
        intervals++;
        if (contains(metric(c, m).ci, truth)) covered++;
      }
    }
  }
  const coverage = covered / intervals;
  console.log(
    `n = ${N}, σ = ${SIGMA}, ${reps} pairs each: A/A p50 changes ${verdicts.aa.band} with the 2% band, ${verdicts.aa.noBand} without; ` +
      `A/A p99 changes ${verdicts.aa.p99Band}; 5% shift detected ${verdicts.shift.p50}/${reps} on p50, ${verdicts.shift.p99}/${reps} on p99; ` +
      `CI coverage of the true ratio (p50 and p99) ${(coverage * 100).toFixed(1)}% of ${intervals}`,
  );

  // Without a band an A/A interval misses 1 with probability 1 − level, so the count is about
  // Binomial(50, 0.05); the bound is what chance exceeds once in a thousand.
  assert.ok(verdicts.aa.noBand <= binomialBound(reps, 0.05, 0.001), `A/A without band: ${verdicts.aa.noBand}`);
  // With the band the interval must clear 1.02: the median ratio's log has sd ≈ 1.2533·σ·√(2/n)
  // (≈ 0.0056), so the estimate must be ln(1.02)/sd + 1.96 ≈ 5.5 sd out: about 1e-8 per pair.
  const sd = 1.2533 * SIGMA * Math.sqrt(2 / N);
  const pBand = 2 * normalUpperTail(Math.log(1.02) / sd + 1.96);
  assert.ok(verdicts.aa.band <= binomialBound(reps, pBand, 0.001), `A/A with band: ${verdicts.aa.band}`);
  // A 5% shift is ~2.8 sd beyond the band's edge once the interval's half-width is taken off.
  assert.ok(verdicts.shift.p50 >= reps - binomialBound(reps, normalUpperTail((Math.log(1.05) - Math.log(1.02)) / sd - 1.96), 0.001), `detected ${verdicts.shift.p50}`);
  assert.ok(coverage >= 0.85, `coverage ${coverage}`);
});

test('runs too small to bound a percentile get no interval and an inconclusive verdict', () => {
  const c = compareRuns(...pair(5, 1.05, 50));
  assert.ok(metric(c, 'p50').ci, '50 runs bound p50 (6 needed)');
  for (const [m, need] of [['p95', 72], ['p99', 368], ['p999', 3688]] as const) {
    assert.equal(metric(c, m).ci, null, m);
    assert.equal(metric(c, m).verdict, 'inconclusive', m);
    assert.equal(metric(c, m).minSamples, need, m);
  }
  const tiny = compareRuns(...pair(6, 1.5, 5));
  for (const m of COMPARE_METRICS) {
    assert.equal(metric(tiny, m).ci, null, m);
    assert.equal(metric(tiny, m).verdict, 'inconclusive', m);
  }
  // Either side being small is enough: the candidate's 100 runs cannot bound its p99.
  const [base] = pair(7, 1);
  const small = makeResult({ samplesMs: logNormal(99, 100, SIGMA) });
  const mixed = compareRuns(base, small);
  assert.equal(metric(mixed, 'p99').ci, null);
  assert.ok(metric(mixed, 'p95').ci);
  assert.equal(gateDecision(mixed, 0.05), 'inconclusive', 'the default gate needs p99');
});

test('compareRuns is deterministic for a seed, checks its options, and survives a zero base', () => {
  const [base, candidate] = pair(8, 1.02);
  assert.deepEqual(compareRuns(base, candidate), compareRuns(base, candidate));
  assert.notDeepEqual(metric(compareRuns(base, candidate, { seed: 1 }), 'p50').ci, metric(compareRuns(base, candidate, { seed: 2 }), 'p50').ci);
  const c = compareRuns(base, candidate, { noiseBand: 0.05, level: 0.9, resamples: 500, seed: 3 });
  assert.equal(c.noiseBand, 0.05);
  assert.equal(c.level, 0.9);
  assert.equal(c.resamples, 500);
  assert.deepEqual(c.metrics.map((m) => m.metric), [...COMPARE_METRICS]);

  assert.throws(() => compareRuns(makeResult({ samplesMs: [] }), candidate), /base run has no measured samples/);
  assert.throws(() => compareRuns(base, candidate, { noiseBand: -0.01 }), RangeError);
  assert.throws(() => compareRuns(base, candidate, { noiseBand: 1 }), RangeError);
  assert.throws(() => compareRuns(base, candidate, { level: 1 }), RangeError);
  assert.throws(() => compareRuns(base, candidate, { resamples: 50 }), RangeError);

  // A timer too coarse for the model: every base run reads 0, so no ratio exists.
  const zero = compareRuns(makeResult({ samplesMs: new Array<number>(100).fill(0) }), makeResult({ samplesMs: new Array<number>(100).fill(0.001) }));
  assert.equal(metric(zero, 'p50').ratio, null);
  assert.equal(metric(zero, 'p50').ci, null);
  assert.equal(metric(zero, 'p50').verdict, 'inconclusive');
});

test('changeVerdict reads the interval against the noise band', () => {
  const cases: Array<[Interval | null, number, string]> = [
    [[1.03, 1.08], 0.02, 'regressed'],
    [[1.02, 1.08], 0.02, 'inconclusive'], // touching the band is not clearing it
    [[0.9, 0.97], 0.02, 'improved'],
    [[0.985, 1.015], 0.02, 'no change'],
    [[0.98, 1.02], 0.02, 'no change'],
    [[0.99, 1.03], 0.02, 'inconclusive'],
    [[0.9, 1.1], 0.02, 'inconclusive'],
    [[0.999, 1.001], 0, 'inconclusive'],
    [[1, 1], 0, 'no change'],
    [null, 0.02, 'inconclusive'],
  ];
  for (const [ci, band, want] of cases) assert.equal(changeVerdict(ci, band), want, `${JSON.stringify(ci)} ±${band}`);
  assert.throws(() => changeVerdict([1, 1], -0.1), RangeError);
});

/** A comparison whose intervals are given, to test the gate alone. */
function withIntervals(cis: Partial<Record<CompareMetric, Interval | null>>): Comparison {
  const metrics = COMPARE_METRICS.map((m): MetricComparison => {
    const ci = cis[m] === undefined ? ([0.99, 1.01] as Interval) : cis[m]!;
    return { metric: m, base: 1, candidate: 1, ratio: 1, ci, verdict: changeVerdict(ci), minSamples: 6 };
  });
  const significance = { test: 'Mann–Whitney U' as const, u: 0, z: 0, pValue: 1, probabilityCandidateSlower: 0.5 };
  return { metrics, n: { base: 1000, candidate: 1000 }, level: 0.95, noiseBand: 0.02, resamples: 2000, seed: 1, significance, environmentDiffs: [] };
}

test('gateDecision fails only when an interval lies wholly beyond the threshold', () => {
  assert.deepEqual([...DEFAULT_GATE_METRICS], ['p50', 'p99']);
  assert.equal(gateDecision(withIntervals({ p50: [1.06, 1.1] }), 0.05), 'fail');
  assert.equal(gateDecision(withIntervals({ p50: [1.03, 1.07] }), 0.05), 'inconclusive', 'straddling the threshold');
  assert.equal(gateDecision(withIntervals({ p50: [1.03, 1.05] }), 0.05), 'pass', 'the upper end at the threshold');
  assert.equal(gateDecision(withIntervals({ p50: [1.01, 1.04] }), 0.05), 'pass', 'a real but tolerated regression');
  assert.equal(gateDecision(withIntervals({ p50: [0.8, 0.9] }), 0.05), 'pass', 'an improvement');
  assert.equal(gateDecision(withIntervals({ p99: null }), 0.05), 'inconclusive', 'p99 cannot be bounded');
  assert.equal(gateDecision(withIntervals({ p99: null, p50: [1.2, 1.3] }), 0.05), 'fail', 'a proven regression stands whatever else is unknown');
  assert.equal(gateDecision(withIntervals({ p99: [1.1, 1.2] }), 0.05, 'p50'), 'pass', 'only what is gated counts');
  assert.equal(gateDecision(withIntervals({ p999: [1.1, 1.2] }), 0.05), 'pass', 'p99.9 is not gated by default');
  assert.equal(gateDecision(withIntervals({ p999: [1.1, 1.2] }), 0.05, ['p50', 'p999']), 'fail');
  assert.equal(gateDecision(withIntervals({ mean: [1.01, 1.2] }), 0.05, ['mean']), 'inconclusive');
  assert.equal(gateDecision(withIntervals({ p50: [1.01, 1.03] }), 0), 'fail', 'a zero threshold fails any proven regression');
  assert.equal(metricGate(withIntervals({}).metrics[0]!, 0.05), 'pass');
  assert.throws(() => gateDecision(withIntervals({}), -0.05), RangeError);
  assert.throws(() => gateDecision(withIntervals({}), Number.NaN), RangeError);
  assert.throws(() => gateDecision(withIntervals({}), 0.05, []), RangeError);
  assert.throws(() => gateDecision(withIntervals({}), 0.05, ['p90' as CompareMetric]), /no metric "p90"/);
});

test('the gate on real comparisons: a 30% regression fails, A/A never does, a 4.5% one passes on p50 and straddles on p99', () => {
  assert.equal(gateDecision(compareRuns(...pair(9, 1.3)), 0.05), 'fail');
  // At σ = 0.1 and n = 1000 the p50 ratio's interval is about ±1% wide and p99's about ±4%, so
  // an A/A pair passes on p50 but may straddle 1.05 on p99: the gate then says so, never "fail".
  const aa = compareRuns(...pair(10, 1));
  assert.equal(gateDecision(aa, 0.05, 'p50'), 'pass');
  assert.notEqual(gateDecision(aa, 0.05), 'fail');
  const near = compareRuns(...pair(11, 1.045));
  const p99 = metric(near, 'p99').ci!;
  assert.ok(p99[0] <= 1.05 && p99[1] > 1.05, JSON.stringify(p99));
  assert.equal(gateDecision(near, 0.05, 'p50'), 'pass', JSON.stringify(metric(near, 'p50').ci));
  assert.equal(gateDecision(near, 0.05, 'p99'), 'inconclusive');
  assert.equal(gateDecision(near, 0.05), 'inconclusive');
});

test('environmentDiffs: what makes two runs unfair to compare, and what does not', () => {
  const base = makeResult({ samples: { runs: 50 } });
  assert.deepEqual(environmentDiffs(base, makeResult({ samples: { runs: 50 } })), []);
  assert.deepEqual(environmentDiffs(base, makeResult({ samples: { runs: 50 }, environment: { hostname: 'ci-runner-42' } })), [], 'another host alone');

  const changed = makeResult({
    samples: { runs: 50 },
    environment: { cpu: 'AMD EPYC 7B13', cpuCores: 8, onnxruntime: '1.31.0', hostname: 'ci-runner-42' },
    config: {
      session: { intraOpNumThreads: 4, graphOptimizationLevel: 'basic' },
      cpuAffinity: [2, 3],
      inputs: [{ name: 'input_ids', type: 'int64', shape: [1, 256], declaredShape: ['batch', 'sequence'], fill: { kind: 'random', low: 0, high: 30522, seed: 7 }, notes: [] }],
    },
  });
  assert.deepEqual(environmentDiffs(base, changed), [
    'CPU: Intel(R) Xeon(R) Processor → AMD EPYC 7B13',
    'CPU cores: 2 → 8',
    'onnxruntime: 1.30.0 → 1.31.0',
    'intra-op threads: 0 (onnxruntime decides) → 4',
    'graph optimization: all → basic',
    'CPU pinning: none → 2-3',
    'input input_ids shape: 1×128 → 1×256',
    'host: fixture-vm → ci-runner-42',
  ]);
  // compareRuns carries them; the input seed alone is no difference.
  assert.equal(compareRuns(base, changed).environmentDiffs.length, 8);

  const laptop = makeResult({ samples: { runs: 50 }, system: intelLaptopSystem() });
  const tuned = makeResult({ samples: { runs: 50 }, system: tunedSystem() });
  assert.deepEqual(environmentDiffs(laptop, tuned), ['CPU governor: powersave → performance', 'highest CPU clock allowed: 4700 MHz → 2800 MHz', 'CPU boost: on → off']);
  assert.deepEqual(environmentDiffs(laptop, makeResult({ samples: { runs: 50 }, system: null })), [
    'system readings: none for the candidate run, so CPU governor and boost cannot be compared',
  ]);
});

test('environmentDiffs compares GPU settings when a run used a GPU provider, and ignores them otherwise', () => {
  const gpuRun = (patch: (s: ReturnType<typeof h200System>) => void, eps = ['cuda', 'cpu']) => {
    const system = h200System();
    patch(system);
    return makeResult({ samples: { runs: 50 }, system, config: { session: { executionProviders: eps } } });
  };
  const base = gpuRun(() => {});
  const candidate = gpuRun((s) => {
    const g = s.gpu.gpus[0]!;
    g.driver = '999.1';
    g.appSmClockMHz = 1500;
    g.powerLimitW = 500;
  });
  const g = h200System().gpu.gpus[0]!;
  assert.deepEqual(environmentDiffs(base, candidate), [
    `GPU 0 driver: ${g.driver} → 999.1`,
    `GPU 0 application clock: ${g.appSmClockMHz} MHz → 1500 MHz`,
    `GPU 0 power limit: ${g.powerLimitW} W → 500 W`,
  ]);
  const cpuOnly = (r: BenchmarkResult): BenchmarkResult => ({ ...r, config: { ...r.config, session: { ...r.config.session!, executionProviders: ['cpu'] } } });
  assert.deepEqual(environmentDiffs(cpuOnly(base), cpuOnly(candidate)), [], 'a CPU-only run does not care about the GPU clock');
  assert.deepEqual(environmentDiffs(base, cpuOnly(base)), ['execution providers: cuda, cpu → cpu']);
});

test('withoutIntendedDiffs drops only the session differences an A/B of configs sets out to make', async () => {
  const { withoutIntendedDiffs } = await import('../../src/core/compare');
  const c = { environmentDiffs: ['intra-op threads: 1 → 4', 'graph optimization: all → basic', 'CPU pinning: 0 → none'] } as unknown as Parameters<typeof withoutIntendedDiffs>[0];
  assert.deepEqual(withoutIntendedDiffs(c, ['intraOpNumThreads']).environmentDiffs, ['graph optimization: all → basic', 'CPU pinning: 0 → none']);
  assert.equal(withoutIntendedDiffs(c, []), c);
});
