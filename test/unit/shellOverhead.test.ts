import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CALIBRATION_DISCARD,
  CALIBRATION_RUNS,
  DRIFT_MIN_MS,
  RECHECK_RUNS,
  belowResolution,
  correctForShell,
  correctSamples,
  estimateOverhead,
  overheadDrift,
  subtractOverhead,
} from '../../src/core/shellOverhead';

test('the estimate is the median of the calibration runs; mean and spread are reported beside it', () => {
  const e = estimateOverhead([2, 1, 3, 1.5, 2.5]);
  assert.equal(e.overheadMs, 2);
  assert.equal(e.n, 5);
  assert.equal(e.meanMs, 2);
  // |x − 2| = 0, 1, 1, 0.5, 0.5 → MAD 0.5
  assert.ok(Math.abs(e.spreadMs - 1.4826 * 0.5) < 1e-12);
  assert.equal(estimateOverhead([1, 2, 3, 4]).overheadMs, 2.5, 'an even count takes the middle two');
});

test('one stalled calibration run does not move the estimate (it would move a mean by stall ÷ n)', () => {
  const quiet = Array.from({ length: CALIBRATION_RUNS }, (_, i) => 1.6 + (i % 5) * 0.02);
  const stalled = [...quiet.slice(1), 31.6];
  const a = estimateOverhead(quiet);
  const b = estimateOverhead(stalled);
  assert.ok(Math.abs(b.overheadMs - a.overheadMs) <= 0.02, `median ${a.overheadMs} → ${b.overheadMs}`);
  assert.ok(b.meanMs - a.meanMs > 0.55, 'the mean, by contrast, moves by ~30 ms ÷ 50');
  assert.ok(b.spreadMs < 0.1, 'nor does the stall inflate the spread');
});

test('subtraction clamps at 0 and counts the clamped samples', () => {
  assert.equal(subtractOverhead(5, 2), 3);
  assert.equal(subtractOverhead(1, 2), 0);
  assert.deepEqual(correctSamples([3, 1.5, 2, 10], 2), { samplesMs: [1, 0, 0, 8], clamped: 1 });
  const all = correctForShell([2, 2, 2], [2.5, 1]);
  assert.equal(all.estimate.overheadMs, 2);
  assert.deepEqual(all.samplesMs, [0.5, 0]);
  assert.equal(all.clamped, 1);
});

test('bad calibration input is refused', () => {
  assert.throws(() => estimateOverhead([]), RangeError);
  assert.throws(() => estimateOverhead([1, NaN]), RangeError);
  assert.throws(() => estimateOverhead([1, -1]), RangeError);
  assert.throws(() => estimateOverhead([1, Infinity]), RangeError);
});

test('drift: a shift far beyond the noise of two medians is significant, noise alone is not', () => {
  const around = (center: number, n: number) => Array.from({ length: n }, (_, i) => center + ((i % 7) - 3) * 0.05);
  const before = estimateOverhead(around(1.6, CALIBRATION_RUNS));
  const same = overheadDrift(before, estimateOverhead(around(1.62, RECHECK_RUNS)));
  assert.equal(same.significant, false, JSON.stringify(same));
  const slower = overheadDrift(before, estimateOverhead(around(2.4, RECHECK_RUNS)));
  assert.equal(slower.significant, true);
  assert.ok(Math.abs(slower.changeMs - 0.8) < 1e-9);
  assert.ok(Math.abs(slower.relativeChange - 0.5) < 1e-9);
  // Exactly constant runs have no noise at all: still, a change under DRIFT_MIN_MS does not count.
  const flat = overheadDrift(estimateOverhead([1, 1, 1]), estimateOverhead([1 + DRIFT_MIN_MS / 2, 1 + DRIFT_MIN_MS / 2]));
  assert.equal(flat.significant, false);
  assert.equal(overheadDrift(estimateOverhead([0, 0]), estimateOverhead([0.5, 0.5])).relativeChange, 0);
});

test('resolution: a corrected time within twice the spread of one empty-shell run is flagged', () => {
  const e = estimateOverhead([1.4, 1.6, 1.8, 1.6, 1.6, 1.4, 1.8]); // MAD 0.2 → spread ≈ 0.30
  assert.equal(belowResolution(0.1, e), true);
  assert.equal(belowResolution(5, e), false);
});

test('counts: 50 counted like hyperfine, a few discarded first, a shorter re-check', () => {
  assert.equal(CALIBRATION_RUNS, 50);
  assert.ok(CALIBRATION_DISCARD > 0 && CALIBRATION_DISCARD < CALIBRATION_RUNS);
  assert.ok(RECHECK_RUNS > 0 && RECHECK_RUNS <= CALIBRATION_RUNS);
});
