import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { findOutliers, OUTLIER_FALLBACK_METHOD, OUTLIER_METHOD } from '../../src/core/outliers';
import { logNormal, normals } from '../support/samples';

function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);
}

describe('findOutliers (Tukey far-out fences)', () => {
  test('no samples gives null', () => {
    assert.equal(findOutliers([]), null);
  });

  test('non-finite samples are rejected', () => {
    assert.throws(() => findOutliers([1, NaN, 2]), RangeError);
    assert.throws(() => findOutliers([1, -Infinity]), RangeError);
  });

  test('a high outlier, worked by hand, found at its index in the unsorted input', () => {
    // Sorted: 1 2 3 4 5 6 7 8 9 100. Type 7, h = 9q (0-based):
    // Q1: h = 2.25 → 3 + 0.25·(4 − 3) = 3.25;  Q3: h = 6.75 → 7 + 0.75·(8 − 7) = 7.75;  IQR = 4.5.
    // Fences: 3.25 − 3·4.5 = −10.25 and 7.75 + 3·4.5 = 21.25.
    const xs = [5, 100, 3, 1, 9, 2, 8, 4, 7, 6];
    const o = findOutliers(xs)!;
    assert.equal(o.method, OUTLIER_METHOD);
    assert.equal(o.method, 'Tukey fences, 3×IQR');
    near(o.lowFenceMs, -10.25, 1e-12, 'low fence');
    near(o.highFenceMs, 21.25, 1e-12, 'high fence');
    assert.deepEqual(o.indices, [1]);
    assert.equal(o.count, 1);
  });

  test('a sample exactly on the fence is not an outlier; just beyond it is', () => {
    // The maximum does not enter Q1 or Q3 above, so the fences stay at −10.25 and 21.25.
    assert.equal(findOutliers([1, 2, 3, 4, 5, 6, 7, 8, 9, 21.25])!.count, 0);
    assert.deepEqual(findOutliers([1, 2, 3, 4, 5, 6, 7, 8, 9, 21.26])!.indices, [9]);
  });

  test('a low outlier, worked by hand', () => {
    // Sorted: 1 20 21 … 28. Q1: h = 2.25 → 21 + 0.25 = 21.25; Q3: h = 6.75 → 25 + 0.75 = 25.75;
    // IQR = 4.5; fences 21.25 − 13.5 = 7.75 and 25.75 + 13.5 = 39.25.
    const o = findOutliers([20, 21, 22, 23, 24, 25, 26, 27, 28, 1])!;
    near(o.lowFenceMs, 7.75, 1e-12, 'low fence');
    near(o.highFenceMs, 39.25, 1e-12, 'high fence');
    assert.deepEqual(o.indices, [9]);
  });

  test('labels, never drops: the input is left as it was', () => {
    const xs = [5, 100, 3, 1, 9, 2, 8, 4, 7, 6];
    const copy = xs.slice();
    findOutliers(xs);
    assert.deepEqual(xs, copy);
  });

  test('spikes in log-normal latencies are found at their indices, ascending', () => {
    for (const seed of [1, 2, 3]) {
      const xs = logNormal(seed, 1000, 0.1);
      for (const i of [999, 17, 400]) xs[i] = xs[i]! * 10;
      const o = findOutliers(xs)!;
      assert.deepEqual(o.indices, [17, 400, 999], `seed ${seed}`);
      assert.equal(o.count, 3);
    }
  });

  test('a clean normal sample has none', () => {
    // The far-out fences sit 4.72 σ from the median: about 2 in a million samples beyond.
    for (const seed of [1, 2, 3, 4, 5]) {
      const z = normals(seed);
      const xs = Array.from({ length: 1000 }, () => 10 + z());
      assert.equal(findOutliers(xs)!.count, 0, `seed ${seed}`);
    }
  });

  test('honest log-normal tails are mostly left alone', () => {
    // σ = 0.5: the 1.5·IQR fence would label 3.8% of these, the 3·IQR fence 0.65%.
    const xs = logNormal(7, 10000, 0.5);
    const share = findOutliers(xs)!.count / xs.length;
    assert.ok(share < 0.012, `labelled ${share}`);
  });

  test('IQR of 0 (a coarse timer): the mean-absolute-deviation fallback, worked by hand', () => {
    // 900 runs at 1 ms, 90 at 2 ms, 10 at 15 ms: Q1 = Q3 = median = 1.
    // Mean absolute deviation from the median: (90·1 + 10·14) / 1000 = 0.23;
    // reach 7·z₀.₇₅·√(π/2)·0.23 = 5.91743·0.23 = 1.36101, so the fences are 1 ∓ 1.36101.
    const xs: number[] = [];
    const spikes: number[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 100 === 50) {
        spikes.push(i);
        xs.push(15);
      } else xs.push(i % 10 === 3 && i % 100 < 90 ? 2 : 1);
    }
    assert.equal(xs.filter((x) => x === 2).length, 90);
    const o = findOutliers(xs)!;
    assert.equal(o.method, OUTLIER_FALLBACK_METHOD);
    near(o.lowFenceMs, 1 - 1.36101, 1e-5, 'low fence');
    near(o.highFenceMs, 1 + 1.36101, 1e-5, 'high fence');
    assert.deepEqual(o.indices, spikes);
  });

  test('all samples equal: fences at the value, nothing labelled', () => {
    const o = findOutliers([3, 3, 3, 3])!;
    assert.equal(o.count, 0);
    assert.deepEqual(o.indices, []);
    assert.equal(o.lowFenceMs, 3);
    assert.equal(o.highFenceMs, 3);
  });

  test('a single sample is no outlier', () => {
    assert.deepEqual(findOutliers([4.2]), {
      method: OUTLIER_FALLBACK_METHOD,
      lowFenceMs: 4.2,
      highFenceMs: 4.2,
      count: 0,
      indices: [],
    });
  });
});
