import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { erfc, normalCdf, normalQuantile, normalUpperTail } from '../../src/core/normal';

function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);
}

describe('erfc', () => {
  test('matches 50-digit references on both sides of the series/continued-fraction switch and far out', () => {
    // [x, mpmath.erfc(x) at 50 digits rounded to 17, relative tolerance]: below 2.5 the 1 − erf
    // subtraction allows ~1.4e-12, the continued fraction beyond it ~1e-13.
    const table: Array<[number, number, number]> = [
      [0, 1, 2e-12],
      [0.5, 0.47950012218695346, 2e-12],
      [2.4, 0.00068851389664507857, 2e-12],
      [-0.5, 1.5204998778130465, 2e-12],
      [2.6, 0.0002360344165293492, 1e-13],
      [5, 1.5374597944280349e-12, 1e-13],
      [10, 2.0884875837625448e-45, 1e-13],
      [20, 5.3958656116079009e-176, 1e-13],
      [26, 5.6631924088561428e-296, 1e-13],
      [-2.6, 1.9997639655834707, 1e-13],
    ];
    for (const [x, ref, tolerance] of table) near(erfc(x) / ref, 1, tolerance, `erfc(${x})`);
    assert.ok(Number.isNaN(erfc(NaN)));
  });
});

describe('normal distribution helpers', () => {
  test('known values', () => {
    near(normalQuantile(0.975), 1.959963984540054, 1e-13);
    near(normalQuantile(0.025), -1.959963984540054, 1e-13);
    near(normalQuantile(0.5), 0, 0);
    near(normalQuantile(1e-10), -6.361340902404056, 1e-10);
    near(normalCdf(0), 0.5, 1e-16);
    near(normalCdf(-1.959963984540054), 0.025, 1e-15);
    // erfc(2.5)/2 and Φ(−6), relative precision in the far tail.
    near(normalCdf(-2.5 * Math.SQRT2) / 2.0347600872247951e-4, 1, 1e-12);
    near(normalCdf(-6) / 9.865876450376981e-10, 1, 1e-12);
    for (const p of [1e-8, 0.001, 0.1, 0.3, 0.7, 0.99]) near(normalCdf(normalQuantile(p)) / p, 1, 1e-12, `round trip ${p}`);
  });

  test('normalQuantile rejects p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, NaN]) assert.throws(() => normalQuantile(p), RangeError, `p = ${p}`);
  });
});

describe('normalUpperTail', () => {
  test('matches tabulated values across both branches', () => {
    // Reference values of Q(z) = 1 − Φ(z) (scipy.stats.norm.sf).
    const table: Array<[number, number]> = [
      [0, 0.5],
      [1, 0.15865525393145707],
      [1.959963984540054, 0.025],
      [2.5758293035489004, 0.005],
      [3, 0.0013498980316300933],
      [5, 2.866515718791933e-7],
      [10, 7.61985302416047e-24],
      [-1, 0.8413447460685429],
    ];
    for (const [z, q] of table) near(normalUpperTail(z) / q, 1, 1e-11, `Q(${z})`);
  });

  test('is Φ(−z) to the last bit', () => {
    for (const z of [-40, -7.5, -3, -1, -0.2, 0, 0.2, 1, 3, 3.6, 7.5, 38]) assert.equal(normalUpperTail(z), normalCdf(-z), `z = ${z}`);
  });
});
