// The sweep analysis on synthetic curves: a linear rise (no knee), saturation at K (knee at K),
// queueing past it, noise at the peak, and the best level under a p99 budget.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  analyzeSweep,
  checkSweepLevels,
  findBest,
  findKnee,
  gainPerDoubling,
  levelCounts,
  parseSweepLevels,
  type SweepPoint,
} from '../../src/core/sweep';

const LEVELS = [1, 2, 4, 8, 16, 32, 64];

/** A server with `k` slots of `serviceMs` each: closed-loop throughput min(c, k)/service; latency grows once c > k (Little's law). */
function saturating(k: number, serviceMs: number, levels = LEVELS, noise: (c: number) => number = () => 1): SweepPoint[] {
  return levels.map((c) => {
    const t = (Math.min(c, k) / serviceMs) * 1000 * noise(c);
    const mean = (c / t) * 1000;
    return { concurrency: c, n: 500, p50Ms: mean, p95Ms: mean * 1.2, p99Ms: mean * 1.4, meanMs: mean, throughputPerSec: t, errors: { count: 0, attempted: 500 } };
  });
}

test('a linear rise has no knee: the last step still gains ~100% per doubling', () => {
  const pts = saturating(1000, 10);
  const knee = findKnee(pts);
  assert.equal(knee.concurrency, null);
  assert.match(knee.reason, /still rising at the highest level/);
  assert.match(knee.reason, /from 32 to 64/);
  assert.ok(Math.abs(gainPerDoubling(pts[5]!, pts[6]!) - 1) < 1e-9);
});

test('saturation at K: the knee is K whatever the levels, and p99 grows past it', () => {
  for (const k of [4, 8, 16]) {
    const knee = findKnee(saturating(k, 10));
    assert.equal(knee.concurrency, k, `K=${k}: ${knee.reason}`);
  }
  // Levels that skip K: the first level at or above it.
  assert.equal(findKnee(saturating(6, 10, [1, 3, 9, 27])).concurrency, 9);
});

test('a soft knee: the lowest level within 90% of the peak', () => {
  const t = [100, 180, 260, 300, 310, 312];
  const pts = t.map((x, i) => ({ concurrency: 2 ** i, n: 100, p50Ms: 1, p95Ms: 1, p99Ms: 1, meanMs: 1, throughputPerSec: x, errors: { count: 0, attempted: 100 } }));
  assert.equal(findKnee(pts).concurrency, 8, '300 ≥ 0.9 × 312, 260 is not');
});

test('noise at the top and a fall past saturation do not move the knee', () => {
  // ±4% noise and contention past K (throughput falls 20% at 64).
  const wobble = (c: number) => (c === 32 ? 1.04 : c === 16 ? 0.97 : c === 64 ? 0.8 : 1);
  assert.equal(findKnee(saturating(8, 10, LEVELS, wobble)).concurrency, 8);
});

test('fewer than 3 levels: no knee, said so', () => {
  const knee = findKnee(saturating(4, 10, [1, 2]));
  assert.equal(knee.concurrency, null);
  assert.match(knee.reason, /at least 3/);
});

test('best under budget: the most throughput with p99 within the budget and few errors; ties go to the lower level', () => {
  const pts = saturating(8, 10);
  // p99 = 1.4 × c/T: 14 ms up to 8 in flight, 28 ms at 16, 56 ms at 32.
  assert.equal(findBest(pts, 20).concurrency, 8, 'at 1..8 p99 is 14 ms; 16 is over; 8 has the most throughput');
  assert.equal(findBest(pts, 30).concurrency, 8, '16 has the same throughput as 8 (tie): the lower level wins');
  const none = findBest(pts, 5);
  assert.equal(none.concurrency, null);
  assert.match(none.reason, /lowest p99 was 14 ms, at 1 in flight/);
  assert.match(findBest(pts, undefined).reason, /no p99 budget/);
  // Errors above 1% rule a level out.
  const failing = pts.map((p) => (p.concurrency === 8 ? { ...p, errors: { count: 50, attempted: 500 } } : p));
  assert.equal(findBest(failing, 20).concurrency, 4);
});

test('analyzeSweep reports the best, else the knee, else the last level', () => {
  const pts = saturating(8, 10);
  assert.deepEqual(analyzeSweep(LEVELS, pts, 20).reported, { concurrency: 8, why: 'best' });
  assert.deepEqual(analyzeSweep(LEVELS, pts).reported, { concurrency: 8, why: 'knee' });
  assert.deepEqual(analyzeSweep(LEVELS, saturating(1000, 10)).reported, { concurrency: 64, why: 'last' });
  // A cancelled sweep: fewer points than levels, the last measured one reported.
  const cut = analyzeSweep(LEVELS, pts.slice(0, 2));
  assert.deepEqual(cut.levels, LEVELS);
  assert.equal(cut.points.length, 2);
  assert.deepEqual(cut.reported, { concurrency: 2, why: 'last' });
});

test('levels: parsed, checked; counts per level rise with concurrency', () => {
  assert.deepEqual(parseSweepLevels('1, 4,16'), [1, 4, 16]);
  assert.throws(() => parseSweepLevels('1,x'), /integers/);
  assert.throws(() => parseSweepLevels('4,2'), /increase/);
  assert.throws(() => parseSweepLevels('0,2'), /≥ 1/);
  assert.throws(() => checkSweepLevels([]), /at least one/);
  assert.deepEqual(levelCounts(1, 200, 20), { iterations: 200, warmup: 20 });
  assert.deepEqual(levelCounts(64, 200, 20), { iterations: 1280, warmup: 128 });
  assert.deepEqual(levelCounts(64, 200, 0), { iterations: 1280, warmup: 0 }, 'no warm-up asked stays none');
});
