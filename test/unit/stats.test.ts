import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { histogram, median, percentile, summarize } from '../../src/core/stats';
import { mulberry32 } from '../../src/core/random';

function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what} expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

const prng = mulberry32;

const sortAsc = (xs: number[]): number[] => xs.slice().sort((a, b) => a - b);
const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('percentile (Hyndman–Fan type 7)', () => {
  test('[1..10], worked by hand', () => {
    // h = (n − 1)·q = 9q; result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]), 0-based.
    // p50:  h = 4.5   → x[4]=5, x[5]=6  → 5 + 0.5·1   = 5.5
    // p90:  h = 8.1   → x[8]=9, x[9]=10 → 9 + 0.1·1   = 9.1
    // p95:  h = 8.55  →                   9 + 0.55    = 9.55
    // p99:  h = 8.91  →                   9 + 0.91    = 9.91
    // p99.9:h = 8.991 →                   9 + 0.991   = 9.991
    // p25:  h = 2.25  → x[2]=3, x[3]=4  → 3 + 0.25    = 3.25
    near(percentile(oneToTen, 0.5), 5.5, 1e-12);
    near(percentile(oneToTen, 0.9), 9.1, 1e-12);
    near(percentile(oneToTen, 0.95), 9.55, 1e-12);
    near(percentile(oneToTen, 0.99), 9.91, 1e-12);
    near(percentile(oneToTen, 0.999), 9.991, 1e-12);
    near(percentile(oneToTen, 0.25), 3.25, 1e-12);
  });

  test('q = 0 and q = 1 are the extremes, exactly', () => {
    assert.equal(percentile(oneToTen, 0), 1);
    assert.equal(percentile(oneToTen, 1), 10);
  });

  test('matches numpy.percentile defaults (derived by hand)', () => {
    // np.percentile([15, 20, 35, 40, 50], 40): h = 4·0.4 = 1.6 → 20 + 0.6·(35 − 20) = 29.0
    //                                      10: h = 0.4       → 15 + 0.4·(20 − 15) = 17.0
    //                                      75: h = 3 (exact) → x[3]               = 40.0
    const a = [15, 20, 35, 40, 50];
    near(percentile(a, 0.4), 29, 1e-12);
    near(percentile(a, 0.1), 17, 1e-12);
    assert.equal(percentile(a, 0.75), 40);

    // np.percentile([3, 6, 7, 8, 8, 10, 13, 15, 16, 20], [25, 50, 75]) → [7.25, 9.0, 14.5]
    //   25: h = 2.25 → 7 + 0.25·(8 − 7)    = 7.25
    //   50: h = 4.5  → 8 + 0.5·(10 − 8)    = 9.0
    //   75: h = 6.75 → 13 + 0.75·(15 − 13) = 14.5
    const b = [3, 6, 7, 8, 8, 10, 13, 15, 16, 20];
    near(percentile(b, 0.25), 7.25, 1e-12);
    near(percentile(b, 0.5), 9, 1e-12);
    near(percentile(b, 0.75), 14.5, 1e-12);
  });

  test('n = 1: every quantile is the one value', () => {
    for (const q of [0, 0.5, 0.99, 0.999, 1]) assert.equal(percentile([7.5], q), 7.5);
  });

  test('n = 2: interpolates along the single gap', () => {
    // h = q: p50 → 2 + 0.5·2 = 3; p90 → 2 + 0.9·2 = 3.8; p99 → 2 + 0.99·2 = 3.98
    near(percentile([2, 4], 0.5), 3, 1e-12);
    near(percentile([2, 4], 0.9), 3.8, 1e-12);
    near(percentile([2, 4], 0.99), 3.98, 1e-12);
  });

  test('stays within the bracketing values and handles repeated values', () => {
    assert.equal(percentile([1, 1, 1, 1], 0.37), 1);
    const x = [0.1, 0.2, 0.3];
    for (let q = 0; q <= 1; q += 0.01) {
      const p = percentile(x, q);
      assert.ok(p >= 0.1 && p <= 0.3, `q=${q} gave ${p}`);
    }
  });

  test('throws on empty input and q outside [0, 1]', () => {
    assert.throws(() => percentile([], 0.5), RangeError);
    assert.throws(() => percentile([1, 2], -0.01), RangeError);
    assert.throws(() => percentile([1, 2], 1.01), RangeError);
    assert.throws(() => percentile([1, 2], Number.NaN), RangeError);
  });
});

describe('median', () => {
  test('sorts a copy and leaves the input alone', () => {
    const input = [9, 1, 5, 3];
    // sorted [1, 3, 5, 9]: h = 1.5 → 3 + 0.5·2 = 4
    assert.equal(median(input), 4);
    assert.deepEqual(input, [9, 1, 5, 3]);
    assert.equal(median([3, 1, 2]), 2);
  });

  test('throws on empty input', () => {
    assert.throws(() => median([]), RangeError);
  });
});

describe('summarize', () => {
  test('null for no samples', () => {
    assert.equal(summarize([]), null);
    assert.equal(summarize([], 1000), null);
  });

  test('worked example [2, 4, 4, 4, 5, 5, 7, 9] (given out of order)', () => {
    // Σ = 40, n = 8 → mean = 5
    // Σ(x − 5)² = 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32 → sample variance 32/7, stdev √(32/7) ≈ 2.138090
    // cv = 2.138090 / 5 ≈ 0.427618
    // sorted as given: h = 7q; p50: h=3.5 → 4 + 0.5·1 = 4.5; p90: h=6.3 → 7 + 0.3·2 = 7.6
    // p95: h=6.65 → 7 + 0.65·2 = 8.3; p99: h=6.93 → 7 + 0.93·2 = 8.86; p99.9: h=6.993 → 8.986
    // throughput without wall time: 8 / (40 ms / 1000) = 200/s
    const s = summarize([5, 9, 2, 4, 7, 4, 5, 4]);
    assert.ok(s);
    assert.equal(s.n, 8);
    near(s.meanMs, 5, 1e-12);
    near(s.stdevMs, Math.sqrt(32 / 7), 1e-12);
    near(s.stdevMs, 2.13809, 1e-5);
    near(s.cv, 0.427618, 1e-6);
    near(s.p50Ms, 4.5, 1e-12);
    near(s.p90Ms, 7.6, 1e-12);
    near(s.p95Ms, 8.3, 1e-12);
    near(s.p99Ms, 8.86, 1e-12);
    near(s.p999Ms, 8.986, 1e-12);
    assert.equal(s.minMs, 2);
    assert.equal(s.maxMs, 9);
    near(s.throughputPerSec, 200, 1e-9);
  });

  test('throughput uses the wall time when given', () => {
    // 8 inferences in 100 ms of wall time → 80/s (the samples alone would say 200/s)
    near(summarize([2, 4, 4, 4, 5, 5, 7, 9], 100)!.throughputPerSec, 80, 1e-9);
    // A zero, negative or NaN wall time is no wall time: fall back to Σ samples.
    for (const wall of [0, -5, Number.NaN]) near(summarize([2, 4, 4, 4, 5, 5, 7, 9], wall)!.throughputPerSec, 200, 1e-9);
  });

  test('n = 1: stdev and cv are 0, every percentile is the sample', () => {
    const s = summarize([3.5])!;
    assert.equal(s.n, 1);
    assert.equal(s.stdevMs, 0);
    assert.equal(s.cv, 0);
    assert.equal(s.meanMs, 3.5);
    for (const p of [s.p50Ms, s.p90Ms, s.p95Ms, s.p99Ms, s.p999Ms, s.minMs, s.maxMs]) assert.equal(p, 3.5);
    near(s.throughputPerSec, 1000 / 3.5, 1e-9);
  });

  test('n = 2: stdev uses n − 1', () => {
    // [1, 3]: mean 2, Σ(x − 2)² = 2, /(2 − 1) = 2 → stdev √2
    const s = summarize([3, 1])!;
    near(s.stdevMs, Math.SQRT2, 1e-12);
    near(s.p50Ms, 2, 1e-12);
  });

  test('all-zero samples: cv 0 and throughput 0 (no rate derivable), no NaN or Infinity', () => {
    const s = summarize([0, 0, 0])!;
    assert.equal(s.meanMs, 0);
    assert.equal(s.cv, 0);
    assert.equal(s.throughputPerSec, 0);
  });

  test('variance stays exact for large values with a small spread', () => {
    // 1e9 + [4, 7, 13, 16]: mean 1e9 + 10; deviations −6, −3, 3, 6 → Σd² = 90, /3 = 30.
    // The textbook Σx² − n·mean² form loses all digits here (x² ≈ 1e18 > 2^53).
    const s = summarize([4, 7, 13, 16].map((d) => 1e9 + d))!;
    near(s.meanMs, 1e9 + 10, 1e-6);
    near(s.stdevMs, Math.sqrt(30), 1e-6);
  });

  test('does not modify its input', () => {
    const input = [3, 1, 2];
    summarize(input);
    assert.deepEqual(input, [3, 1, 2]);
  });

  test('throws on non-finite samples rather than reporting NaN', () => {
    assert.throws(() => summarize([1, Number.NaN, 3]), RangeError);
    assert.throws(() => summarize([1, Number.POSITIVE_INFINITY]), RangeError);
  });

  const N = 100_000;

  test('uniform(0, 1), n = 100k: quantiles ≈ q, mean ≈ 1/2, stdev ≈ 1/√12', () => {
    const rand = prng(1);
    const xs = Array.from({ length: N }, rand);
    const sorted = sortAsc(xs);
    // Standard error of a uniform quantile is √(q(1 − q)/n) ≤ 0.0016; 0.01 is > 6 SE.
    for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999]) near(percentile(sorted, q), q, 0.01, `q=${q}`);
    const s = summarize(xs)!;
    near(s.meanMs, 0.5, 0.005);
    near(s.stdevMs, 1 / Math.sqrt(12), 0.005);
    near(s.p99Ms, 0.99, 0.01);
  });

  test('exponential(λ = 1), n = 100k: p99 ≈ −ln 0.01 ≈ 4.605, p50 ≈ ln 2, cv ≈ 1', () => {
    const rand = prng(2);
    // Inverse CDF; 1 − u keeps the argument of ln in (0, 1].
    const xs = Array.from({ length: N }, () => -Math.log(1 - rand()));
    const s = summarize(xs)!;
    // SE of the p99 estimate ≈ √(0.99·0.01/n) / f(x₀.₉₉) = 0.000315 / 0.01 ≈ 0.03; allow 5 SE.
    near(s.p99Ms, -Math.log(0.01), 0.15, 'p99');
    near(s.p50Ms, Math.LN2, 0.02, 'p50');
    near(s.meanMs, 1, 0.02, 'mean');
    near(s.cv, 1, 0.03, 'cv');
  });

  test('normal(10, 1) via Box–Muller, n = 100k: p50 ≈ 10, cv ≈ 0.1, p95 ≈ 10 + 1.645', () => {
    const rand = prng(3);
    const xs: number[] = [];
    while (xs.length < N) {
      const u1 = 1 - rand();
      const u2 = rand();
      const r = Math.sqrt(-2 * Math.log(u1));
      xs.push(10 + r * Math.cos(2 * Math.PI * u2), 10 + r * Math.sin(2 * Math.PI * u2));
    }
    const s = summarize(xs)!;
    near(s.p50Ms, 10, 0.02, 'p50');
    near(s.meanMs, 10, 0.02, 'mean');
    near(s.stdevMs, 1, 0.02, 'stdev');
    near(s.cv, 0.1, 0.002, 'cv');
    near(s.p95Ms, 11.645, 0.05, 'p95');
  });
});

describe('histogram', () => {
  /** Every sample must sit in the bin whose edges contain it (last bin closed). */
  function assertConsistent(xs: readonly number[], h: { edges: number[]; counts: number[] }): void {
    assert.equal(h.edges.length, h.counts.length + 1);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), xs.length, 'sum of counts == n');
    for (let i = 1; i < h.edges.length; i++) assert.ok(h.edges[i]! >= h.edges[i - 1]!, 'edges ascending');
    // reduce, not Math.min(...xs): spreading 100k arguments can overflow the stack.
    assert.equal(h.edges[0], xs.reduce((a, b) => Math.min(a, b)));
    assert.equal(h.edges[h.edges.length - 1], xs.reduce((a, b) => Math.max(a, b)));
    const recount = new Array<number>(h.counts.length).fill(0);
    const last = h.counts.length - 1;
    for (const x of xs) {
      let i = 0;
      while (i < last && x >= h.edges[i + 1]!) i++;
      recount[i]!++;
    }
    assert.deepEqual(h.counts, recount, 'each sample counted in the bin whose edges hold it');
    assert.ok(h.counts[last]! >= 1, 'the max sample lands in the last bin');
  }

  test('no samples: no bins', () => {
    assert.deepEqual(histogram([]), { edges: [], counts: [] });
  });

  test('all-equal samples: one zero-width bin holding everything', () => {
    assert.deepEqual(histogram([2.5, 2.5, 2.5]), { edges: [2.5, 2.5], counts: [3] });
    assert.deepEqual(histogram([4]), { edges: [4, 4], counts: [1] });
  });

  test('Freedman–Diaconis bin count, worked by hand', () => {
    // 0, 1, …, 9999 (n = 10 000): q25: h = 2499.75 → 2499.75; q75: h = 7499.25 → 7499.25
    // IQR = 4999.5; width = 2·4999.5·10000^(−1/3) = 9999 / 21.544 ≈ 464.1
    // bins = ⌈range / width⌉ = ⌈9999 / 464.1⌉ = ⌈21.54⌉ = 22 (inside [10, 60])
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const h = histogram(xs);
    assert.equal(h.counts.length, 22);
    assertConsistent(xs, h);
  });

  test('few samples are clamped up to minBins', () => {
    // 0..99: IQR = 74.25 − 24.75 = 49.5, width = 99 / 100^(1/3) ≈ 21.3 → ⌈4.64⌉ = 5 bins → 10
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const h = histogram(xs);
    assert.equal(h.counts.length, 10);
    assertConsistent(xs, h);
    const two = [1, 2];
    const h2 = histogram(two);
    assert.equal(h2.counts.length, 10);
    assertConsistent(two, h2);
  });

  test('long tail: one 1e6 outlier is capped at maxBins, spanning min..max', () => {
    const rand = prng(4);
    const xs = Array.from({ length: 999 }, () => 1 + rand());
    xs.push(1e6);
    const h = histogram(xs);
    assert.equal(h.counts.length, 60);
    assertConsistent(xs, h);
    assert.equal(h.counts[0], 999);
    assert.equal(h.counts[59], 1);
  });

  test('zero IQR with a spread falls back to Sturges, then clamps', () => {
    // IQR of nine 1s and one 100 is 0 → Sturges ⌈log₂ 10⌉ + 1 = 5 → clamped to 10.
    const xs = [1, 1, 1, 1, 1, 1, 1, 1, 1, 100];
    const h = histogram(xs);
    assert.equal(h.counts.length, 10);
    assertConsistent(xs, h);
    assert.equal(h.counts[0], 9);
  });

  test('options: clamps respected, minBins lowered to maxBins', () => {
    const rand = prng(5);
    const xs = Array.from({ length: 50_000 }, () => -Math.log(1 - rand()));
    for (const opts of [{ maxBins: 5 }, { minBins: 3, maxBins: 3 }, { minBins: 40, maxBins: 100 }, { maxBins: 1 }]) {
      const h = histogram(xs, opts);
      const max = opts.maxBins;
      const min = Math.min(opts.minBins ?? 10, max);
      assert.ok(h.counts.length >= min && h.counts.length <= max, `${JSON.stringify(opts)} gave ${h.counts.length}`);
      assertConsistent(xs, h);
    }
    assert.throws(() => histogram(xs, { maxBins: 0 }), RangeError);
    assert.throws(() => histogram(xs, { minBins: Number.NaN }), RangeError);
  });

  test('bin count stays within [10, 60] across distributions and sizes', () => {
    const rand = prng(6);
    for (const n of [2, 3, 7, 30, 1000, 100_000]) {
      for (const draw of [rand, () => -Math.log(1 - rand()), () => Math.exp(3 * rand())]) {
        const xs = Array.from({ length: n }, draw);
        const h = histogram(xs);
        assert.ok(h.counts.length >= 10 && h.counts.length <= 60, `n=${n}: ${h.counts.length} bins`);
        assertConsistent(xs, h);
      }
    }
  });

  test('edge-aligned samples land in the bin whose edges show them', () => {
    // 31 values 0.3 apart in 10 bins put every third sample on an edge; for some of them
    // ⌊(x − min)/range · bins⌋ and the rounded edges disagree by one bin.
    for (const start of [0, 0.1, 0.3, 1]) {
      const xs = Array.from({ length: 31 }, (_, i) => start + i * 0.3);
      const h = histogram(xs, { minBins: 10, maxBins: 10 });
      assertConsistent(xs, h);
    }
  });

  test('throws on non-finite samples', () => {
    assert.throws(() => histogram([1, Number.NaN]), RangeError);
  });

  describe("scale: 'log'", () => {
    test('geometric edges, worked by hand: 1..8 in 3 bins is [1, 2, 4, 8]', () => {
      const xs = [8, 1, 1.5, 2, 3, 4, 5];
      const h = histogram(xs, { scale: 'log', minBins: 3, maxBins: 3 });
      assert.deepEqual(h.edges, [1, 2, 4, 8]);
      // [1, 2): 1, 1.5 · [2, 4): 2, 3 · [4, 8]: 4, 5, 8
      assert.deepEqual(h.counts, [2, 2, 3]);
      assertConsistent(xs, h);
      // Linear edges for the same samples: [1, 3.33, 5.67, 8].
      assert.deepEqual(histogram(xs, { minBins: 3, maxBins: 3 }).counts, [4, 2, 1]);
    });

    test('Freedman–Diaconis in log₂ units, worked by hand', () => {
      // n = 9, type 7: Q1 is the sample at rank 2 (2), Q3 at rank 6 (8), so the log₂ IQR is
      // log₂ 8 − log₂ 2 = 2; width = 2·2·9^(−1/3) ≈ 1.923; range log₂ 1024 − log₂ 1 = 10
      // → ⌈5.2⌉ = 6 bins of ×2^(10/6) ≈ ×3.17: edges 1, 3.17, 10.1, 32, 102, 323, 1024.
      const xs = [1, 1, 2, 2, 4, 4, 8, 8, 1024];
      const h = histogram(xs, { scale: 'log', minBins: 1 });
      assert.equal(h.counts.length, 6);
      assert.equal(h.edges[3], 32);
      assert.deepEqual(h.counts, [4, 4, 0, 0, 0, 1]);
      assertConsistent(xs, h);
      // The same samples on linear bins: IQR 6 asks for ⌈1023 / 5.77⌉ = 178, clamped to 60.
      assert.equal(histogram(xs, { minBins: 1 }).counts.length, 60);
    });

    test('heavy-tailed latencies: the body gets many bins, every bin the same ratio wide', () => {
      // 990 runs between 0.14 and 0.7 ms and the slowest 1% at 4–11 ms, like the runs this
      // option exists for.
      const rand = prng(11);
      const xs = Array.from({ length: 1000 }, (_, i) => (i % 100 === 7 ? 4 + 7 * rand() : 0.14 * Math.exp(1.6 * rand() ** 3)));
      const log = histogram(xs, { scale: 'log' });
      assertConsistent(xs, log);
      const ratio = log.edges[1]! / log.edges[0]!;
      for (let i = 1; i < log.edges.length; i++) near(log.edges[i]! / log.edges[i - 1]!, ratio, 1e-9 * ratio, `bin ${i - 1} ratio`);
      const bodyBins = (h: { edges: number[]; counts: number[] }) => h.counts.filter((c, i) => c > 0 && h.edges[i]! < 0.7).length;
      const linear = histogram(xs);
      assertConsistent(xs, linear);
      assert.ok(bodyBins(log) >= 10, `log: the body spans ${bodyBins(log)} non-empty bins`);
      assert.ok(bodyBins(linear) <= 4, `linear: the body is squeezed into ${bodyBins(linear)} bins`);
      assert.ok(log.counts.slice(-5).some((c) => c > 0), 'the tail has bins of its own at the top');
    });

    test('invariants across distributions and sizes', () => {
      const rand = prng(12);
      for (const n of [2, 3, 7, 30, 1000, 100_000]) {
        for (const draw of [() => 1 + rand(), () => 0.01 - Math.log(1 - rand()), () => Math.exp(12 * rand())]) {
          const xs = Array.from({ length: n }, draw);
          const h = histogram(xs, { scale: 'log' });
          assert.ok(h.counts.length >= 10 && h.counts.length <= 60, `n=${n}: ${h.counts.length} bins`);
          assertConsistent(xs, h);
        }
      }
    });

    test('edge-aligned samples land in the bin whose edges show them', () => {
      // Powers of two on exact edges, and powers of 1.1 on rounded ones.
      for (const xs of [Array.from({ length: 11 }, (_, i) => 2 ** i), Array.from({ length: 31 }, (_, i) => 1.1 ** i)]) {
        const h = histogram(xs, { scale: 'log', minBins: 10, maxBins: 10 });
        assertConsistent(xs, h);
      }
      const h = histogram(Array.from({ length: 11 }, (_, i) => 2 ** i), { scale: 'log', minBins: 10, maxBins: 10 });
      assert.deepEqual(h.edges, Array.from({ length: 11 }, (_, i) => 2 ** i));
      assert.deepEqual(h.counts, [1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    });

    test('a minimum ≤ 0 falls back to linear edges', () => {
      for (const xs of [[0, 1, 2, 3, 50], [-4, 1, 2, 3, 50]]) {
        assert.deepEqual(histogram(xs, { scale: 'log' }), histogram(xs));
        assertConsistent(xs, histogram(xs, { scale: 'log' }));
      }
    });

    test('degenerate ranges: all equal, a hair apart, subnormal to huge', () => {
      assert.deepEqual(histogram([3, 3, 3], { scale: 'log' }), { edges: [3, 3], counts: [3] });
      assert.deepEqual(histogram([], { scale: 'log' }), { edges: [], counts: [] });
      for (const xs of [[1, 1 + 2 ** -52, 1 + 2 ** -51], [5e-324, 1, 1e308], [1e-300, 1e300]]) {
        const h = histogram(xs, { scale: 'log' });
        assert.ok(h.edges.every(Number.isFinite), `finite edges for ${xs}`);
        assertConsistent(xs, h);
      }
    });

    test('rejects an unknown scale and non-finite samples', () => {
      assert.throws(() => histogram([1, 2], { scale: 'sqrt' as never }), RangeError);
      assert.throws(() => histogram([1, Number.POSITIVE_INFINITY], { scale: 'log' }), RangeError);
    });
  });
});
