// Open-loop schedules (constant, Poisson with a seed) and the "rate kept" judgement.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LAG_P99_MS, arrivalSchedule, judgeOpenLoop, type SendRecord } from '../../src/core/openLoop';

test('constant arrivals are evenly spaced at 1000/rate ms', () => {
  const s = arrivalSchedule(5, 200, 'constant');
  assert.deepEqual([...s], [0, 5, 10, 15, 20]);
});

test('Poisson arrivals: mean gap 1000/rate, exponential spread (CV ≈ 1), the same for the same seed', () => {
  const n = 20_000;
  const s = arrivalSchedule(n, 100, 'poisson', 7);
  const gaps = Array.from({ length: n - 1 }, (_, i) => s[i + 1]! - s[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (gaps.length - 1));
  assert.ok(Math.abs(mean - 10) < 0.3, `mean gap ${mean}`);
  assert.ok(Math.abs(sd / mean - 1) < 0.05, `CV ${sd / mean}`);
  assert.ok(gaps.every((g) => g >= 0));
  assert.deepEqual([...arrivalSchedule(50, 100, 'poisson', 7)], [...s.slice(0, 50)]);
  assert.notDeepEqual([...arrivalSchedule(50, 100, 'poisson', 8)], [...s.slice(0, 50)]);
  assert.throws(() => arrivalSchedule(3, 0, 'constant'), /rate/);
});

function sends(n: number, gapMs: number, lag: (i: number) => number): SendRecord[] {
  return Array.from({ length: n }, (_, i) => ({ intendedMs: i * gapMs, actualMs: i * gapMs + lag(i) }));
}

const base = { arrival: 'constant' as const, targetRatePerSec: 100, scheduled: 1000, maxInFlight: 3, inFlightCap: 4096, capHits: 0 };

test('a generator on time keeps the rate', () => {
  const r = judgeOpenLoop({ ...base, sends: sends(1000, 10, (i) => (i % 7) * 0.05) });
  assert.equal(r.kept, true);
  assert.equal(r.notKept, undefined);
  assert.ok(Math.abs(r.achievedRatePerSec - 100) < 0.5, String(r.achievedRatePerSec));
  assert.ok(r.lagMs.p99 <= 0.3 + 1e-9 && r.lagMs.max <= 0.3 + 1e-9);
});

test('a generator that falls behind: rate under 95%, lag over the limit, both said', () => {
  // Each send 0.8 ms later than the last: by the end 800 ms behind, the achieved rate 92.6/s.
  const r = judgeOpenLoop({ ...base, sends: sends(1000, 10, (i) => i * 0.8) });
  assert.equal(r.kept, false);
  assert.ok(r.achievedRatePerSec < 95);
  assert.equal(r.notKept!.length, 2);
  assert.match(r.notKept![0]!, /scheduled/);
  assert.match(r.notKept![1]!, /lag p99/);
});

test('lag alone (rate kept on average) and socket-cap hits each fail the judgement', () => {
  const late = judgeOpenLoop({ ...base, sends: sends(1000, 10, (i) => (i % 20 === 0 ? MAX_LAG_P99_MS * 3 : 0)) });
  assert.equal(late.kept, false);
  assert.match(late.notKept!.join(' '), /lag p99/);
  const capped = judgeOpenLoop({ ...base, capHits: 12, sends: sends(1000, 10, () => 0) });
  assert.equal(capped.kept, false);
  assert.match(capped.notKept![0]!, /12 sends found 4096/);
});

test('Poisson runs are judged against their own schedule, and carry their seed', () => {
  const sched = arrivalSchedule(500, 100, 'poisson', 3);
  const r = judgeOpenLoop({ ...base, arrival: 'poisson', seed: 3, sends: [...sched].map((t) => ({ intendedMs: t, actualMs: t + 0.1 })) });
  assert.equal(r.kept, true);
  assert.equal(r.seed, 3);
});

test('the lag tolerated grows with the latency: a tenth of the p50 when that is over 2 ms', () => {
  const lagging = sends(1000, 10, (i) => (i % 20 === 0 ? 4 : 0));
  assert.equal(judgeOpenLoop({ ...base, sends: lagging, latencyP50Ms: 10 }).kept, false, '4 ms > max(2, 1) ms');
  assert.equal(judgeOpenLoop({ ...base, sends: lagging, latencyP50Ms: 50 }).kept, true, '4 ms ≤ max(2, 5) ms');
});
