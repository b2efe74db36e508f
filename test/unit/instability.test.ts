import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  analyzeInstability,
  INSTABILITY_MIN_SAMPLES,
  kdeModes,
  mannWhitneyU,
} from '../../src/core/instability';
import { mulberry32 } from '../../src/core/random';
import { logNormal, normals } from '../support/samples';

function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} expected ${expected} ± ${tolerance}, got ${actual}`);
}

/** share of 1 ms runs, the rest 2 ms, each uniformly within ±3%, shuffled by the seed. */
function mixture(seed: number, n: number, share: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => (r() < share ? 1 : 2) * (1 + 0.06 * (r() - 0.5)));
}

const sortAsc = (xs: readonly number[]): number[] => xs.slice().sort((a, b) => a - b);

describe('analyzeInstability: input', () => {
  test(`null below ${INSTABILITY_MIN_SAMPLES} samples`, () => {
    assert.equal(analyzeInstability([]), null);
    assert.equal(analyzeInstability(logNormal(1, INSTABILITY_MIN_SAMPLES - 1, 0.1)), null);
    assert.notEqual(analyzeInstability(logNormal(1, INSTABILITY_MIN_SAMPLES, 0.1)), null);
  });

  test('non-finite samples are rejected', () => {
    const xs = logNormal(1, 100, 0.1);
    xs[40] = NaN;
    assert.throws(() => analyzeInstability(xs), RangeError);
    xs[40] = Infinity;
    assert.throws(() => analyzeInstability(xs), RangeError);
  });
});

describe('analyzeInstability: robustCv', () => {
  test('worked by hand on 1..31', () => {
    // Median 16; |x − 16| is 0 once and 1..15 twice each; sorted, the 16th of those 31 is 8.
    // 1.4826·8 / 16 = 0.7413.
    const xs = Array.from({ length: 31 }, (_, i) => i + 1);
    near(analyzeInstability(xs)!.robustCv, 0.7413, 1e-12);
  });

  test('a spike cannot inflate it', () => {
    const xs = logNormal(3, 1000, 0.1);
    const before = analyzeInstability(xs)!.robustCv;
    xs[500] = 1e6;
    near(analyzeInstability(xs)!.robustCv, before, 0.002);
    near(before, 0.1, 0.015, 'about σ for a narrow log-normal');
  });
});

describe('analyzeInstability: i.i.d. samples raise nothing', () => {
  test('ten seeds of log-normal σ = 0.2, n = 1000: no pattern, one mode, no drift', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = analyzeInstability(logNormal(seed, 1000, 0.2))!;
      assert.equal(r.autocorrelation.pattern, 'none', `seed ${seed}: lag1 ${r.autocorrelation.lag1}`);
      assert.equal(r.bimodality.bimodal, false, `seed ${seed}: modes ${r.bimodality.modesMs}`);
      assert.equal(r.bimodality.modesMs.length, 1);
      assert.equal(r.drift.significant, false, `seed ${seed}: p ${r.drift.pValue}, change ${r.drift.change}`);
      near(r.autocorrelation.threshold, 2.5758293035489004 / Math.sqrt(1000), 1e-12, 'threshold');
    }
  });

  test('each check fires on about 1% of 400 i.i.d. runs, as its 1% level says', () => {
    let pattern = 0;
    let drift = 0;
    let bimodal = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = analyzeInstability(logNormal(seed, 200, 0.3))!;
      if (r.autocorrelation.pattern !== 'none') pattern++;
      if (r.drift.significant) drift++;
      if (r.bimodality.bimodal) bimodal++;
    }
    // Binomial(400, 0.01): mean 4, P(> 12) < 1e-3.
    assert.ok(pattern <= 12, `pattern fired ${pattern}/400`);
    assert.ok(drift <= 12, `drift fired ${drift}/400`);
    assert.ok(bimodal <= 4, `bimodal fired ${bimodal}/400`);
  });
});

describe('analyzeInstability: order effects', () => {
  test('a +10% linear ramp over the run: significant drift and a trend', () => {
    const z = normals(11);
    const n = 1000;
    const xs = Array.from({ length: n }, (_, i) => (1 + (0.1 * i) / (n - 1)) * Math.exp(0.05 * z()));
    const r = analyzeInstability(xs)!;
    assert.equal(r.autocorrelation.pattern, 'trend');
    assert.ok(r.drift.significant);
    assert.ok(r.drift.pValue < 1e-10, `p ${r.drift.pValue}`);
    // The thirds' midpoints are 1/6 and 5/6 of the way up: 1.0833 / 1.0167 − 1 ≈ 0.066.
    near(r.drift.change, 0.066, 0.01, 'change');
    near(r.drift.lastThirdP50Ms / r.drift.firstThirdP50Ms - 1, r.drift.change, 1e-12);
  });

  test('a 1% ramp over 10,000 runs is real but not significant: the 2% floor', () => {
    const z = normals(12);
    const n = 10000;
    const xs = Array.from({ length: n }, (_, i) => (1 + (0.01 * i) / (n - 1)) * Math.exp(0.02 * z()));
    const r = analyzeInstability(xs)!;
    assert.ok(r.drift.pValue < 0.01, `p ${r.drift.pValue}`);
    assert.equal(r.drift.significant, false);
  });

  test('fast and slow runs taking turns: alternating', () => {
    const z = normals(13);
    const xs = Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1.2 : 1) * Math.exp(0.05 * z()));
    const r = analyzeInstability(xs)!;
    assert.equal(r.autocorrelation.pattern, 'alternating');
    assert.ok(r.autocorrelation.lag1 < -0.5, `lag1 ${r.autocorrelation.lag1}`);
    assert.equal(r.drift.significant, false);
  });

  test('spikes cannot fake a trend: the autocorrelation is on ranks', () => {
    // Ten enormous spikes in adjacent pairs would dominate a value autocorrelation.
    const xs = logNormal(14, 1000, 0.1);
    for (const i of [100, 300, 500, 700, 900]) xs[i] = xs[i + 1] = 1e4;
    assert.equal(analyzeInstability(xs)!.autocorrelation.pattern, 'none');
  });

  test('lag-1 of a monotone series, worked by hand: 1 − 3/n', () => {
    // Ranks 1..n, d_i = i − (n + 1)/2. Σd_i² = n(n² − 1)/12. Σ_{i<n} d_i·d_{i+1} = Σ_{i<n} d_i² +
    // Σ_{i<n} d_i = Σd² − ((n − 1)/2)² − (n − 1)/2, so the ratio is 1 − 3(n² − 1)/(n(n² − 1)) = 1 − 3/n.
    // n = 30: 0.9. The values themselves (any increasing ones) do not matter, only their ranks.
    const xs = Array.from({ length: 30 }, (_, i) => 10 + i * i);
    const r = analyzeInstability(xs)!;
    near(r.autocorrelation.lag1, 0.9, 1e-12);
    assert.equal(r.autocorrelation.pattern, 'trend');
  });

  test('all samples equal: nothing to correlate, no drift', () => {
    const r = analyzeInstability(new Array(100).fill(5))!;
    assert.equal(r.autocorrelation.lag1, 0);
    assert.equal(r.autocorrelation.pattern, 'none');
    assert.equal(r.drift.pValue, 1);
    assert.equal(r.drift.change, 0);
    assert.equal(r.robustCv, 0);
    assert.deepEqual(r.bimodality, { bimodal: false, modesMs: [5] });
  });
});

describe('analyzeInstability: bimodality', () => {
  for (const share of [0.5, 0.8]) {
    test(`a ${share * 100}/${100 - share * 100} mixture of 1 ms and 2 ms (±3%) is bimodal, modes near 1 and 2`, () => {
      for (const seed of [1, 2, 3]) {
        const r = analyzeInstability(mixture(seed, 1000, share))!;
        assert.equal(r.bimodality.bimodal, true, `seed ${seed}`);
        assert.equal(r.bimodality.modesMs.length, 2, `seed ${seed}: ${r.bimodality.modesMs}`);
        near(r.bimodality.modesMs[0]!, 1, 0.03, 'fast mode');
        near(r.bimodality.modesMs[1]!, 2, 0.06, 'slow mode');
      }
    });
  }

  test('a single log-normal, even skewed (σ = 0.5), is not', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = analyzeInstability(logNormal(seed, 1000, 0.5))!;
      assert.equal(r.bimodality.bimodal, false, `seed ${seed}: ${r.bimodality.modesMs}`);
      // The peak of the density of log latency is the log-normal's median, 1 ms; a density's
      // peak is a noisy estimate on a flat top (over 200 seeds it strayed up to 0.41σ in log).
      near(Math.log(r.bimodality.modesMs[0]!), 0, 0.25, 'log mode');
    }
  });

  test('a 1.3% far tail of 4–11 ms spikes is a tail, not a mode', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = mulberry32(seed + 100);
      const xs = logNormal(seed, 1000, 0.1).map((x) => (r() < 0.013 ? 4 + 7 * r() : x));
      assert.ok(xs.filter((x) => x > 3).length >= 5, 'the tail is there');
      assert.equal(analyzeInstability(xs)!.bimodality.bimodal, false, `seed ${seed}`);
    }
  });

  test('a quantised timer (0.1 ms ticks) does not read as a comb of modes', () => {
    for (const seed of [1, 2, 3]) {
      const xs = logNormal(seed, 1000, 0.1).map((x) => Math.round(12 * x) / 10);
      assert.equal(analyzeInstability(xs)!.bimodality.bimodal, false, `seed ${seed}`);
    }
  });

  test('two values only, one third at 1 ms and two thirds at 5 ms: two modes', () => {
    const xs = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 5));
    const modes = kdeModes(sortAsc(xs));
    assert.equal(modes.length, 2);
    near(modes[0]!, 1, 0.05);
    near(modes[1]!, 5, 0.25);
  });

  test('latencies of 0 fall back to a linear axis', () => {
    const r = mulberry32(5);
    const xs = Array.from({ length: 600 }, () => (r() < 0.5 ? 0 : 10) + r());
    const modes = kdeModes(sortAsc(xs));
    assert.equal(modes.length, 2);
    near(modes[0]!, 0.5, 0.3);
    near(modes[1]!, 10.5, 0.3);
  });

  test('a far spike stretching the grid does not split a mode', () => {
    const xs = mixture(4, 1000, 0.8);
    xs[10] = 1e5;
    assert.deepEqual(analyzeInstability(xs)!.bimodality.modesMs.length, 2);
  });
});

describe('mannWhitneyU', () => {
  test('worked by hand on a tiny sample with ties', () => {
    // a = 1.1 2.3 2.3 4.0 5.2, b = 0.9 1.1 2.3 3.0. Pooled mid-ranks: 0.9→1, 1.1→2.5, 2.3→5,
    // 3.0→7, 4.0→8, 5.2→9. R_a = 2.5 + 5 + 5 + 8 + 9 = 29.5, U = 29.5 − 5·6/2 = 14.5.
    // Ties: t = 2 and t = 3, Σ(t³ − t) = 6 + 24 = 30. Var = (5·4/12)·(10 − 30/72) = 15.9722.
    // z = (|14.5 − 10| − ½)/√15.9722 = 4/3.99652 = 1.000870; p = 2·Q(z) = 0.316890
    // (scipy.stats.mannwhitneyu(a, b), asymptotic with continuity: 0.3168900548).
    const a = [1.1, 2.3, 2.3, 4.0, 5.2];
    const b = [0.9, 1.1, 2.3, 3.0];
    const t = mannWhitneyU(a, b);
    assert.equal(t.u, 14.5);
    near(t.z, 4 / Math.sqrt((20 / 12) * (10 - 30 / 72)), 1e-12, 'z');
    near(t.pValue, 0.3168900548, 1e-9, 'p');
  });

  test('U counts the pairs a > b, ties as ½ (brute force)', () => {
    const r = mulberry32(21);
    for (let k = 0; k < 20; k++) {
      // Values on a coarse grid so that ties happen.
      const a = Array.from({ length: 3 + Math.floor(r() * 10) }, () => Math.floor(r() * 8));
      const b = Array.from({ length: 3 + Math.floor(r() * 10) }, () => Math.floor(r() * 8));
      let pairs = 0;
      for (const x of a) for (const y of b) pairs += x > y ? 1 : x === y ? 0.5 : 0;
      assert.equal(mannWhitneyU(a, b).u, pairs);
    }
  });

  test('the normal approximation is close to the exact p-value (all 12,870 splits of 8 + 8)', () => {
    const a = [2.1, 3.4, 4.0, 5.5, 6.2, 7.7, 8.1, 9.9];
    const b = [1.0, 1.8, 2.5, 2.9, 3.1, 3.6, 4.4, 5.0];
    const pooled = [...a, ...b];
    const observed = mannWhitneyU(a, b).u;
    const mean = (8 * 8) / 2;
    let asExtreme = 0;
    let splits = 0;
    // Every choice of 8 of the 16 as "a": the exact null distribution of U without ties.
    for (let mask = 0; mask < 1 << 16; mask++) {
      if (popcount(mask) !== 8) continue;
      splits++;
      let u = 0;
      for (let i = 0; i < 16; i++) {
        if (!(mask & (1 << i))) continue;
        for (let j = 0; j < 16; j++) if (!(mask & (1 << j)) && pooled[i]! > pooled[j]!) u++;
      }
      if (Math.abs(u - mean) >= Math.abs(observed - mean)) asExtreme++;
    }
    assert.equal(splits, 12870);
    assert.equal(observed, 53);
    const exact = asExtreme / splits;
    // scipy's exact method gives 0.0281274; the asymptotic one 0.0313241.
    near(exact, 0.0281274, 1e-6, 'exact');
    near(mannWhitneyU(a, b).pValue, exact, 0.005, 'approximation');
    near(mannWhitneyU(a, b).pValue, 0.0313241309, 1e-9, 'asymptotic');
  });

  test('symmetric, and p = 1 with no spread or an empty side', () => {
    const a = [1, 4, 6, 9, 12];
    const b = [2, 3, 5, 7];
    assert.equal(mannWhitneyU(a, b).u + mannWhitneyU(b, a).u, a.length * b.length);
    near(mannWhitneyU(a, b).pValue, mannWhitneyU(b, a).pValue, 1e-15);
    assert.equal(mannWhitneyU([3, 3, 3], [3, 3]).pValue, 1);
    assert.equal(mannWhitneyU([], [1, 2]).pValue, 1);
  });
});

describe('analyzeInstability: scale', () => {
  test('100,000 samples are handled', () => {
    const xs = logNormal(8, 100000, 0.2);
    const r = analyzeInstability(xs)!;
    assert.equal(r.bimodality.bimodal, false);
    near(r.robustCv, 0.2, 0.01);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}
