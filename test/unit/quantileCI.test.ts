import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  CI_LEVEL,
  EXACT_MAX_SD,
  minSamplesOneSided,
  minSamplesToBound,
  percentileCIs,
  quantileCI,
  quantileRankInterval,
  relativeHalfWidth,
} from '../../src/core/quantileCI';
import { mulberry32 } from '../../src/core/random';
import { percentile } from '../../src/core/stats';

function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);
}

/**
 * The textbook construction, independently: every binomial probability from log-factorials,
 * l = the largest rank with P(B ≤ l − 1) ≤ α/2, u = the smallest with P(B ≥ u) ≤ α/2.
 */
function bruteForce(n: number, q: number, level: number): { lower: number; upper: number; coverage: number } | null {
  const logFact = [0];
  for (let i = 1; i <= n; i++) logFact[i] = logFact[i - 1]! + Math.log(i);
  const pmf = (k: number) => Math.exp(logFact[n]! - logFact[k]! - logFact[n - k]! + k * Math.log(q) + (n - k) * Math.log(1 - q));
  const a = (1 - level) / 2;
  let lowTail = 0;
  let l = 0;
  while (l < n && lowTail + pmf(l) <= a) lowTail += pmf(l++);
  // l is now the first k with P(B ≤ k) > α/2, so rank l is the largest whose miss P(B ≤ l − 1) is ≤ α/2.
  let highTail = 0;
  let u = n;
  while (u > 0 && highTail + pmf(u) <= a) highTail += pmf(u--);
  u += 1;
  if (l < 1 || u > n) return null;
  return { lower: l, upper: u, coverage: 1 - lowTail - highTail };
}

describe('quantileRankInterval', () => {
  test('n = 10, median: [X(2), X(9)] from the binomial table', () => {
    // Binomial(10, ½): P(B ≤ 0) = 1/1024, P(B ≤ 1) = 11/1024 ≤ 0.025 < P(B ≤ 2) = 56/1024, so
    // l = 2; by symmetry u = 9. Coverage 1 − 2·11/1024 = 1002/1024 = 0.978515625.
    const whole = quantileRankInterval(10, 0.5, 0.95, { interpolate: false });
    assert.deepEqual(whole, { lower: 2, upper: 9, coverage: 1002 / 1024 });
  });

  test('n = 10, median, interpolated: Hettmansperger–Sheather', () => {
    // d = 2, I = (γ_d − 0.95)/(γ_d − γ_{d+1}) with γ_2 = 1002/1024, γ_3 = 1 − 2·56/1024 = 912/1024:
    // I = (1002 − 972.8)/90 = 0.32444…; λ = (n − d)I/(d + (n − 2d)I) = 8I/(2 + 6I) = 0.657657…
    const I = (1002 - 0.95 * 1024) / 90;
    const lambda = (8 * I) / (2 + 6 * I);
    const r = quantileRankInterval(10, 0.5)!;
    near(r.lower, 2 + lambda, 1e-12, 'lower');
    near(r.upper, 9 - lambda, 1e-12, 'upper');
    assert.equal(r.coverage, 0.95);
    const ci = quantileCI([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => x * 10), 0.5)!;
    near(ci[0], 10 * (2 + lambda), 1e-9);
    near(ci[1], 10 * (9 - lambda), 1e-9);
  });

  test('whole ranks and coverage match a brute-force binomial', () => {
    const cases: Array<[number, number, number]> = [
      [10, 0.5, 0.95], [11, 0.5, 0.95], [25, 0.5, 0.9], [72, 0.95, 0.95], [100, 0.95, 0.95], [100, 0.9, 0.99],
      [368, 0.99, 0.95], [500, 0.99, 0.95], [1000, 0.5, 0.95], [1000, 0.95, 0.95], [1000, 0.99, 0.95],
      [1000, 0.01, 0.95], [3688, 0.999, 0.95], [5000, 0.999, 0.95], [20000, 0.99, 0.99], [20000, 0.25, 0.8],
    ];
    for (const [n, q, level] of cases) {
      const expected = bruteForce(n, q, level);
      const got = quantileRankInterval(n, q, level, { interpolate: false, method: 'exact' });
      assert.ok(expected && got, `(${n}, ${q}, ${level}) should be bounded`);
      assert.equal(got.lower, expected.lower, `lower rank (${n}, ${q}, ${level})`);
      assert.equal(got.upper, expected.upper, `upper rank (${n}, ${q}, ${level})`);
      // The log-factorial sums lose ~1e-10 by n = 20000; the case below pins exact values.
      near(got.coverage, expected.coverage, n <= 5000 ? 1e-11 : 1e-9, `coverage (${n}, ${q}, ${level})`);
      assert.ok(got.coverage >= level, 'whole ranks never under-cover');
      // The interpolated ends lie inside the whole-rank bracket, within one rank of it.
      const interp = quantileRankInterval(n, q, level)!;
      assert.ok(interp.lower >= got.lower && interp.lower < got.lower + 1, `interpolated lower ${interp.lower} vs ${got.lower}`);
      assert.ok(interp.upper <= got.upper && interp.upper > got.upper - 1, `interpolated upper ${interp.upper} vs ${got.upper}`);
    }
  });

  test('coverage to ~1e-14 against exact rational arithmetic', () => {
    // Σ C(n, k)·a^k·(d − a)^(n − k) / d^n over l ≤ k < u, in integers (Python math.comb + Fraction).
    const exact: Array<[number, number, number, number, number, number]> = [
      [1000, 0.5, 0.95, 469, 532, 0.9537088026395019],
      [1000, 0.99, 0.95, 983, 997, 0.9760947634979771],
      [3688, 0.999, 0.95, 3680, 3688, 0.9616237518034272],
      [20000, 0.25, 0.8, 4922, 5080, 0.8029538703331821],
    ];
    for (const [n, q, level, l, u, coverage] of exact) {
      const r = quantileRankInterval(n, q, level, { interpolate: false })!;
      assert.deepEqual([r.lower, r.upper], [l, u]);
      near(r.coverage, coverage, 1e-13, `(${n}, ${q}, ${level})`);
    }
  });

  test('interpolated median reduces to Hettmansperger–Sheather at larger n too', () => {
    for (const n of [30, 101, 1000]) {
      const whole = quantileRankInterval(n, 0.5, 0.95, { interpolate: false })!;
      const d = whole.lower;
      const b = bruteForce(n, 0.5, 0.95)!;
      // γ_d − γ_{d+1} = 2·P(B = d) by symmetry.
      let logC = 0;
      for (let i = 1; i <= d; i++) logC += Math.log((n - d + i) / i);
      const pd = Math.exp(logC - n * Math.LN2);
      const I = (b.coverage - 0.95) / (2 * pd);
      near(quantileRankInterval(n, 0.5)!.lower, d + ((n - d) * I) / (d + (n - 2 * d) * I), 1e-9, `n = ${n}`);
    }
  });

  test('null below the minimum, bounded from it on', () => {
    for (const q of [0.5, 0.95, 0.99, 0.999, 0.05, 0.001]) {
      const m = minSamplesToBound(q);
      assert.equal(quantileRankInterval(m - 1, q), null, `q = ${q}, n = ${m - 1}`);
      assert.notEqual(quantileRankInterval(m, q), null, `q = ${q}, n = ${m}`);
      assert.notEqual(quantileRankInterval(m, q, CI_LEVEL, { interpolate: false }), null);
    }
    assert.equal(quantileRankInterval(0, 0.5), null);
    assert.equal(quantileRankInterval(1, 0.5), null);
  });

  test('at the minimum the far end is the sample extreme', () => {
    const r = quantileRankInterval(72, 0.95, 0.95, { interpolate: false })!;
    assert.equal(r.upper, 72);
    const low = quantileRankInterval(72, 0.05, 0.95, { interpolate: false })!;
    assert.equal(low.lower, 1);
  });

  test('reflection: ranks for q and 1 − q mirror each other', () => {
    for (const [n, q] of [[1000, 0.99], [500, 0.9], [77, 0.95], [10, 0.5]] as Array<[number, number]>) {
      const a = quantileRankInterval(n, q)!;
      const b = quantileRankInterval(n, 1 - q)!;
      near(a.lower, n + 1 - b.upper, 1e-6, `lower (${n}, ${q})`);
      near(a.upper, n + 1 - b.lower, 1e-6, `upper (${n}, ${q})`);
    }
  });

  test('nested in the level; relatively narrower as n grows', () => {
    for (const q of [0.5, 0.95, 0.99]) {
      for (const interpolate of [true, false]) {
        let prev: { lower: number; upper: number } | null = null;
        for (const level of [0.5, 0.8, 0.9, 0.95, 0.99, 0.999]) {
          const r = quantileRankInterval(5000, q, level, { interpolate })!;
          if (prev) assert.ok(r.lower <= prev.lower && r.upper >= prev.upper, `q ${q} level ${level} should contain the lower level's`);
          prev = r;
        }
      }
      let prevWidth = Infinity;
      for (const n of [400, 1000, 3000, 10000, 100000]) {
        const r = quantileRankInterval(n, q)!;
        const width = (r.upper - r.lower) / n;
        assert.ok(width < prevWidth, `q ${q}: rank width / n should shrink at n = ${n}`);
        prevWidth = width;
      }
    }
  });

  test('the interval contains the type-7 point estimate', () => {
    for (const q of [0.5, 0.95, 0.99, 0.999]) {
      for (let n = minSamplesToBound(q); n <= 6000; n += n < 500 ? 1 : 37) {
        const r = quantileRankInterval(n, q)!;
        const h = (n - 1) * q + 1;
        assert.ok(r.lower <= h && h <= r.upper, `q ${q}, n ${n}: [${r.lower}, ${r.upper}] vs ${h}`);
      }
    }
  });

  test('exact summation and the normal approximation agree at the switch-over', () => {
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      for (const sd of [EXACT_MAX_SD * 0.99, EXACT_MAX_SD * 1.01]) {
        const n = Math.round((sd * sd) / (q * (1 - q)));
        for (const interpolate of [false, true]) {
          const exact = quantileRankInterval(n, q, 0.95, { method: 'exact', interpolate })!;
          const approx = quantileRankInterval(n, q, 0.95, { method: 'normal', interpolate })!;
          near(approx.lower, exact.lower, interpolate ? 1e-3 : 0, `lower (${n}, ${q})`);
          near(approx.upper, exact.upper, interpolate ? 1e-3 : 0, `upper (${n}, ${q})`);
          near(approx.coverage, exact.coverage, 1e-7, `coverage (${n}, ${q})`);
        }
      }
    }
    // 'auto' picks the sum just below the threshold and the approximation just above.
    const below = Math.floor((EXACT_MAX_SD * EXACT_MAX_SD) / 0.25);
    assert.deepEqual(quantileRankInterval(below, 0.5), quantileRankInterval(below, 0.5, 0.95, { method: 'exact' }));
    assert.deepEqual(quantileRankInterval(below + 100, 0.5), quantileRankInterval(below + 100, 0.5, 0.95, { method: 'normal' }));
  });

  test('fast enough to call at every adaptive check', () => {
    for (let i = 0; i < 20; i++) quantileRankInterval(100000, 0.5);
    const calls = 200;
    const start = performance.now();
    for (let i = 0; i < calls; i++) quantileRankInterval(100000 + i, 0.5);
    const perCall = (performance.now() - start) / calls;
    assert.ok(perCall < 1, `n = 1e5 took ${perCall.toFixed(3)} ms per call`);
  });

  test('input validation', () => {
    for (const n of [-1, 1.5, NaN, Infinity]) assert.throws(() => quantileRankInterval(n, 0.5), RangeError, `n = ${n}`);
    for (const q of [0, 1, -0.1, 1.1, NaN]) {
      assert.throws(() => quantileRankInterval(100, q), RangeError, `q = ${q}`);
      assert.throws(() => quantileCI([1, 2, 3], q), RangeError);
      assert.throws(() => minSamplesToBound(q), RangeError);
      assert.throws(() => minSamplesOneSided(q), RangeError);
    }
    for (const level of [0, 1, NaN, 95]) {
      assert.throws(() => quantileRankInterval(100, 0.5, level), RangeError, `level = ${level}`);
      assert.throws(() => percentileCIs([1, 2, 3], level), RangeError);
      assert.throws(() => minSamplesToBound(0.5, level), RangeError);
    }
    assert.throws(() => quantileRankInterval(100, 0.5, 0.95, { method: 'bogus' as 'exact' }), RangeError);
  });
});

describe('minimum sample counts', () => {
  test('one-sided: the textbook 59 runs for p95', () => {
    assert.equal(minSamplesOneSided(0.95, 0.95), 59);
    assert.ok(1 - 0.95 ** 59 >= 0.95 && 1 - 0.95 ** 58 < 0.95);
    assert.equal(minSamplesOneSided(0.99, 0.95), 299);
    assert.equal(minSamplesOneSided(0.999, 0.95), 2995);
    assert.equal(minSamplesOneSided(0.5, 0.95), 5);
  });

  test('two-sided, equal tails: p50 6, p95 72, p99 368, p99.9 3688', () => {
    assert.equal(minSamplesToBound(0.5), 6);
    assert.equal(minSamplesToBound(0.95), 72);
    assert.equal(minSamplesToBound(0.99), 368);
    assert.equal(minSamplesToBound(0.999), 3688);
    // The max exceeds p95 with probability ≥ 0.975 from 72 on, not before.
    assert.ok(0.95 ** 72 <= 0.025 && 0.95 ** 71 > 0.025);
    // Symmetric in q ↔ 1 − q, and more samples for a higher level.
    assert.equal(minSamplesToBound(0.05), 72);
    assert.equal(minSamplesToBound(0.95, 0.99), Math.ceil(Math.log(0.005) / Math.log(0.95)));
  });
});

describe('quantileCI / percentileCIs / relativeHalfWidth', () => {
  test('percentileCIs bounds only what n allows', () => {
    const sorted = Array.from({ length: 400 }, (_, i) => i + 1);
    const cis = percentileCIs(sorted);
    assert.ok(cis.p50 && cis.p95 && cis.p99);
    assert.equal(cis.p999, null);
    assert.ok(cis.p50[0] < 200.5 && cis.p50[1] > 200.5);
    assert.deepEqual(percentileCIs([]), { p50: null, p95: null, p99: null, p999: null });
  });

  test('ties and infinities need no arithmetic', () => {
    assert.deepEqual(quantileCI(new Array(50).fill(3), 0.5), [3, 3]);
    const withInf = [...Array.from({ length: 99 }, (_, i) => i), Infinity];
    const ci = quantileCI(withInf, 0.5)!;
    assert.ok(Number.isFinite(ci[0]) && Number.isFinite(ci[1]));
  });

  test('relativeHalfWidth', () => {
    assert.equal(relativeHalfWidth([9, 11], 10), 0.1);
    assert.equal(relativeHalfWidth(null, 10), null);
    assert.equal(relativeHalfWidth([0, 0], 0), null);
    assert.equal(relativeHalfWidth([-1, 1], -1), null);
    assert.equal(relativeHalfWidth([1, 1], NaN), null);
  });

  test('simulated coverage at n = 1000 is near 95% for p50 and p99', () => {
    const rand = mulberry32(20240611);
    const reps = 400;
    const n = 1000;
    // Exponential(1): the q-quantile is −ln(1 − q).
    const qs = [0.5, 0.99];
    const hits = [0, 0];
    for (let r = 0; r < reps; r++) {
      const sample = Array.from({ length: n }, () => -Math.log(1 - rand())).sort((a, b) => a - b);
      qs.forEach((q, i) => {
        const ci = quantileCI(sample, q)!;
        const truth = -Math.log(1 - q);
        if (ci[0] <= truth && truth <= ci[1]) hits[i]!++;
      });
    }
    // ±2.7 standard errors of a 400-replication proportion around 95%.
    for (let i = 0; i < qs.length; i++) near(hits[i]! / reps, 0.95, 0.03, `coverage of p${qs[i]! * 100}`);
  });

  test('the interval brackets the type-7 estimate on real-looking data', () => {
    const rand = mulberry32(7);
    const sample = Array.from({ length: 2000 }, () => 0.2 * Math.exp(0.1 * (rand() + rand() + rand() - 1.5))).sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const ci = quantileCI(sample, q)!;
      const est = percentile(sample, q);
      assert.ok(ci[0] <= est && est <= ci[1]);
    }
  });
});
