import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  AdaptiveStopper,
  CHECK_GROWTH,
  CHECK_MIN_STEP,
  DEFAULT_STOPPING,
  achievedPrecision,
  achievedPrecisionSorted,
  nextCheckAfter,
} from '../../src/core/adaptiveStop';
import { minSamplesToBound } from '../../src/core/quantileCI';
import type { StopReason, StoppingRule } from '../../src/core/result';
import { logNormalStream } from '../support/samples';

const adaptive = (over: Partial<StoppingRule> = {}): StoppingRule => ({ ...DEFAULT_STOPPING, mode: 'adaptive', ...over });

/** The profiler's loop in miniature: one sample at a time, asking before each check. */
function run(stopper: AdaptiveStopper, next: () => number, msPerRun = 0, hardCap = 1e6) {
  const samples: number[] = [];
  const checkedAt: number[] = [];
  while (samples.length < hardCap) {
    samples.push(next());
    const elapsed = samples.length * msPerRun;
    if (!stopper.shouldCheck(samples.length, elapsed)) continue;
    checkedAt.push(samples.length);
    const verdict = stopper.check(samples, elapsed);
    if (verdict.stop) return { n: samples.length, reason: verdict.reason as StopReason, achieved: verdict.achieved, checkedAt, samples };
  }
  return { n: samples.length, reason: undefined, achieved: stopper.achieved(samples), checkedAt, samples };
}

describe('DEFAULT_STOPPING', () => {
  test('fixed, ±1% on p99 when adaptive, capped at 1e5 runs and 60 s', () => {
    assert.deepEqual({ ...DEFAULT_STOPPING }, { mode: 'fixed', targetPercentile: 'p99', relativeHalfWidth: 0.01, maxIterations: 100000, maxSeconds: 60 });
    assert.ok(Object.isFrozen(DEFAULT_STOPPING), 'shared default must not be mutated by a caller');
  });
});

describe('AdaptiveStopper, fixed mode', () => {
  test('stops with "iterations" exactly at the count, ignoring the caps', () => {
    const stopper = new AdaptiveStopper({ ...DEFAULT_STOPPING, maxIterations: 10, maxSeconds: 0.001 }, 500);
    assert.equal(stopper.shouldCheck(499, 1e9), false);
    assert.equal(stopper.check([1, 2, 3], 1e9).stop, false);
    const r = run(stopper, logNormalStream({ seed: 1, medianMs: 1, sigma: 0.1 }), 1000);
    assert.equal(r.n, 500);
    assert.equal(r.reason, 'iterations');
    assert.deepEqual(r.checkedAt, [500]);
    assert.ok(r.achieved.p50 !== null && r.achieved.p50 < 0.05);
    assert.ok(r.achieved.target !== null, 'p99 is bounded at n = 500');
  });

  test('achieved is reported even when the target cannot be bounded', () => {
    const stopper = new AdaptiveStopper(DEFAULT_STOPPING, 100);
    const r = run(stopper, logNormalStream({ seed: 2, medianMs: 1, sigma: 0.1 }));
    assert.equal(r.reason, 'iterations');
    assert.ok(r.achieved.p50 !== null);
    assert.equal(r.achieved.target, null, 'p99 needs 368 runs');
  });
});

describe('AdaptiveStopper, adaptive mode', () => {
  test('stops with "precision" on a tight distribution, with both intervals within the target', () => {
    const stopper = new AdaptiveStopper(adaptive(), 1000);
    const r = run(stopper, logNormalStream({ seed: 3, medianMs: 2, sigma: 0.01 }));
    assert.equal(r.reason, 'precision');
    assert.ok(r.n >= stopper.minSamples && r.n < 5000, `n = ${r.n}`);
    assert.ok(r.achieved.p50! <= 0.01 && r.achieved.target! <= 0.01, JSON.stringify(r.achieved));
  });

  test('stops with "maxIterations" exactly at the cap on a wide distribution', () => {
    const stopper = new AdaptiveStopper(adaptive({ maxIterations: 5000 }), 1000);
    const r = run(stopper, logNormalStream({ seed: 4, medianMs: 1, sigma: 1 }));
    assert.equal(r.reason, 'maxIterations');
    assert.equal(r.n, 5000);
    assert.ok(r.achieved.target! > 0.01);
  });

  test('stops with "maxSeconds" as soon as the time is up, between scheduled checks', () => {
    const stopper = new AdaptiveStopper(adaptive({ maxSeconds: 1 }), 1000);
    // 1.5 ms a run: the second is up at run 667, which is not on the check schedule.
    const r = run(stopper, logNormalStream({ seed: 5, medianMs: 1, sigma: 1 }), 1.5);
    assert.equal(r.reason, 'maxSeconds');
    assert.equal(r.n, 667);
    assert.ok(!r.checkedAt.slice(0, -1).includes(667));
  });

  test('precision wins when it is reached at the cap', () => {
    const stopper = new AdaptiveStopper(adaptive({ maxIterations: 400 }), 1000);
    const samples = new Array(400).fill(5);
    assert.equal(stopper.check(samples, 1e9).reason, 'precision');
  });

  test('never stops before the minimum n that bounds the target', () => {
    for (const targetPercentile of ['p95', 'p99', 'p999'] as const) {
      const stopper = new AdaptiveStopper(adaptive({ targetPercentile }), 1000);
      const min = minSamplesToBound({ p95: 0.95, p99: 0.99, p999: 0.999 }[targetPercentile]);
      assert.equal(stopper.minSamples, min);
      for (let n = 1; n < min; n++) assert.equal(stopper.shouldCheck(n, 0), false);
      // Identical samples have zero-width intervals: precise the moment they can be bounded.
      const r = run(stopper, () => 1);
      assert.equal(r.reason, 'precision');
      assert.equal(r.n, min);
    }
    // Even when called early by hand, the target stays unbounded, so it cannot stop.
    const early = new AdaptiveStopper(adaptive(), 1000);
    assert.equal(early.check(new Array(367).fill(1), 0).stop, false);
  });

  test('the check schedule is geometric: few checks on the way to 1e5', () => {
    const stopper = new AdaptiveStopper(adaptive({ maxIterations: 100000, relativeHalfWidth: 1e-9 }), 1000);
    const r = run(stopper, logNormalStream({ seed: 6, medianMs: 1, sigma: 0.3 }));
    assert.equal(r.reason, 'maxIterations');
    assert.equal(r.checkedAt[0], stopper.minSamples);
    for (let i = 1; i < r.checkedAt.length - 1; i++) {
      const a: number = r.checkedAt[i - 1]!;
      const b: number = r.checkedAt[i]!;
      assert.equal(b, nextCheckAfter(a));
      assert.ok(b >= a * CHECK_GROWTH && b >= a + CHECK_MIN_STEP);
    }
    assert.equal(r.checkedAt.at(-1), 100000, 'the cap is always checked');
    assert.ok(r.checkedAt.length <= 70, `${r.checkedAt.length} checks`);
    assert.equal(stopper.checks, r.checkedAt.length);
  });

  test('achieved() for a run ended otherwise does not advance the schedule', () => {
    const stopper = new AdaptiveStopper(adaptive(), 1000);
    const next = logNormalStream({ seed: 7, medianMs: 1, sigma: 0.2 });
    const samples = Array.from({ length: 1000 }, next);
    const sorted = samples.slice().sort((a, b) => a - b);
    assert.deepEqual(stopper.achieved(samples), achievedPrecisionSorted(sorted, 'p99'));
    assert.deepEqual(achievedPrecision(samples, adaptive()), achievedPrecisionSorted(sorted, 'p99'));
    assert.deepEqual(achievedPrecision(sorted, 'p95'), achievedPrecisionSorted(sorted, 'p95'));
    assert.equal(stopper.checks, 0);
    assert.equal(stopper.shouldCheck(368), true);
  });
});

describe('AdaptiveStopper, the sorted copy', () => {
  test('merging new samples in matches sorting from scratch', () => {
    const stopper = new AdaptiveStopper(adaptive(), 1000);
    const next = logNormalStream({ seed: 8, medianMs: 1, sigma: 0.5 });
    const samples: number[] = [];
    for (const grow of [1, 0, 7, 100, 3, 1000, 1]) {
      for (let i = 0; i < grow; i++) samples.push(i % 5 === 0 ? 1 : next());
      assert.deepEqual(stopper.sortedSamples(samples), samples.slice().sort((a, b) => a - b));
    }
    // A shorter array is another run: start over.
    const other = [3, 1, 2];
    assert.deepEqual(stopper.sortedSamples(other), [1, 2, 3]);
  });

  test('a non-finite sample is refused', () => {
    const stopper = new AdaptiveStopper(adaptive(), 1000);
    assert.throws(() => stopper.check([1, NaN, 2], 0), RangeError);
    assert.throws(() => stopper.achieved([1, Infinity]), RangeError);
    assert.throws(() => achievedPrecision([1, NaN], DEFAULT_STOPPING), RangeError);
  });

  test('achievedPrecision of an empty or tiny sample is all null', () => {
    assert.deepEqual(achievedPrecision([], DEFAULT_STOPPING), { p50: null, target: null });
    assert.deepEqual(achievedPrecision([3, 1, 2, 5, 4], DEFAULT_STOPPING), { p50: null, target: null });
  });
});

describe('AdaptiveStopper, validation', () => {
  test('bad rules and counts throw RangeError', () => {
    const bad: Array<Partial<StoppingRule>> = [
      { mode: 'sometimes' as 'fixed' },
      { targetPercentile: 'p50' as 'p99' },
      { relativeHalfWidth: 0 },
      { relativeHalfWidth: NaN },
      { maxIterations: 0 },
      { maxIterations: 10.5 },
      { maxSeconds: 0 },
      { maxSeconds: NaN },
    ];
    for (const over of bad) assert.throws(() => new AdaptiveStopper(adaptive(over), 1000), RangeError, JSON.stringify(over));
    for (const iterations of [0, -1, 2.5, NaN]) assert.throws(() => new AdaptiveStopper(DEFAULT_STOPPING, iterations), RangeError);
    assert.doesNotThrow(() => new AdaptiveStopper(adaptive({ maxSeconds: Infinity, maxIterations: Infinity }), 1));
  });
});
