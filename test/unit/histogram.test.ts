import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram, RELATIVE_ERROR, SUB_BUCKETS, indexOf, isHistogramData, midpointOf } from '../../src/core/histogram';
import { quantileCI, quantileRankInterval } from '../../src/core/quantileCI';
import { percentile, summarize } from '../../src/core/stats';

/** Deterministic uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const within = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) <= RELATIVE_ERROR * Math.abs(want) + 1e-12, `${what}: ${got} vs exact ${want} (bound ${RELATIVE_ERROR})`);

const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1];

const DISTRIBUTIONS: Record<string, (r: () => number) => number> = {
  // Latency-like: lognormal around 2 ms, a long right tail.
  lognormal: (r) => Math.exp(Math.log(2) + 0.6 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  exponential: (r) => -Math.log(1 - r()) * 5,
  // Bimodal: a cache hit at ~0.1 ms, a miss at ~40 ms.
  bimodal: (r) => (r() < 0.9 ? 0.1 + r() * 0.01 : 40 + r() * 5),
  // Integer milliseconds (coarse timers): many ties, zeros included.
  ties: (r) => Math.floor(r() * 4),
  // Spanning nine orders of magnitude.
  wide: (r) => 10 ** (r() * 9 - 4),
};

for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
  test(`quantiles of a ${name} distribution within the bound of the exact type-7 figures; moments exact`, () => {
    const r = rng(42);
    const xs = Array.from({ length: 50_000 }, () => draw(r));
    const h = new LatencyHistogram();
    h.recordAll(xs);
    const sorted = xs.slice().sort((a, b) => a - b);
    for (const q of QS) within(h.quantile(q), percentile(sorted, q), `q=${q}`);
    const s = summarize(xs)!;
    assert.equal(h.count, xs.length);
    assert.equal(h.min, s.minMs);
    assert.equal(h.max, s.maxMs);
    assert.ok(Math.abs(h.mean - s.meanMs) <= 1e-9 * Math.abs(s.meanMs) + 1e-12, `mean ${h.mean} vs ${s.meanMs}`);
    assert.ok(Math.abs(h.stdev - s.stdevMs) <= 1e-9 * s.stdevMs + 1e-12, `stdev ${h.stdev} vs ${s.stdevMs}`);
    // The CI ends are order statistics at fractional ranks: the same bound holds.
    for (const q of [0.5, 0.99]) {
      const ranks = quantileRankInterval(xs.length, q)!;
      const exact = quantileCI(sorted, q)!;
      within(h.atRank(ranks.lower), exact[0], `CI low q=${q}`);
      within(h.atRank(ranks.upper), exact[1], `CI high q=${q}`);
    }
  });
}

test('the bound is tight: the worst relative error over many values stays under it but near it', () => {
  const r = rng(7);
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const x = 10 ** (r() * 12 - 6);
    const err = Math.abs(midpointOf(indexOf(x)) - x) / x;
    worst = Math.max(worst, err);
  }
  assert.ok(worst <= RELATIVE_ERROR, `worst ${worst}`);
  assert.ok(worst > RELATIVE_ERROR * 0.9, `the documented bound is the real one, not loose (${worst})`);
  // Powers of two sit at the bottom of their bucket (log2 rounding settled).
  for (const e of [-20, -1, 0, 1, 3, 30]) {
    const x = 2 ** e;
    assert.equal(indexOf(x) % SUB_BUCKETS, 0, `2^${e}`);
    assert.equal(indexOf(x * (1 - 2 ** -52)) % SUB_BUCKETS, SUB_BUCKETS - 1, `just below 2^${e}`);
  }
});

test('negative values, zero and a single value', () => {
  const h = new LatencyHistogram();
  assert.throws(() => h.quantile(0.5), RangeError);
  h.record(3);
  assert.equal(h.quantile(0.5), 3);
  assert.equal(h.stdev, 0);
  const xs = [-2, -0.5, 0, 0, 0.25, 1, 8];
  const g = new LatencyHistogram();
  g.recordAll(xs);
  for (const q of QS) within(g.quantile(q), percentile(xs, q), `q=${q}`);
  assert.throws(() => g.record(NaN), RangeError);
  assert.throws(() => g.record(Infinity), RangeError);
  assert.throws(() => g.quantile(1.5), RangeError);
  assert.throws(() => g.atRank(0), RangeError);
});

test('merge equals recording everything in one; JSON round trip keeps every figure; sparse in memory', () => {
  const r = rng(3);
  const xs = Array.from({ length: 30_000 }, () => DISTRIBUTIONS.lognormal!(r));
  const one = new LatencyHistogram();
  one.recordAll(xs);
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  a.recordAll(xs.slice(0, 10_000));
  b.recordAll(xs.slice(10_000));
  a.merge(b);
  assert.equal(a.count, one.count);
  for (const q of QS) assert.equal(a.quantile(q), one.quantile(q));
  assert.ok(Math.abs(a.stdev - one.stdev) < 1e-9 * one.stdev);
  const data = JSON.parse(JSON.stringify(one.toJSON())) as unknown;
  assert.ok(isHistogramData(data));
  const back = LatencyHistogram.fromJSON(data);
  for (const q of QS) assert.equal(back.quantile(q), one.quantile(q));
  assert.equal(back.mean, one.mean);
  assert.equal(back.stdev, one.stdev);
  // Far fewer buckets than samples, and the JSON with them.
  assert.ok(one.buckets < 5000, `${one.buckets} buckets`);
  const more = new LatencyHistogram();
  more.merge(one);
  more.merge(one);
  assert.equal(more.buckets, one.buckets, 'twice the samples, the same buckets');
  assert.equal(isHistogramData({ ...one.toJSON(), count: 1 }), false, 'counts that disagree are refused');
  assert.equal(isHistogramData({ ...one.toJSON(), subBuckets: 8 }), false, 'another layout is refused');
  assert.throws(() => LatencyHistogram.fromJSON({ nope: 1 } as never), RangeError);
});
