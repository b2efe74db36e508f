import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { detectSteadyState, STEADY_STATE_MIN_RUNS } from '../../src/core/steadyState';
import { mulberry32 } from '../../src/core/random';
import { logNormal, normals } from '../support/samples';

/** A timeline of `runs` latencies, shape(t) times log-normal noise of the given σ. */
function timeline(seed: number, runs: number, sigma: number, shape: (t: number) => number = () => 1): number[] {
  return logNormal(seed, runs, sigma).map((x, t) => shape(t) * x);
}

/** 3× at the start, settling with a time constant of 30 runs: the excess 2·e^(−t/30). */
const decay = (t: number): number => 1 + 2 * Math.exp(-t / 30);

const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('detectSteadyState (MSER-5)', () => {
  test('too short a timeline gives null; the threshold counts warm-up and measured runs together', () => {
    const xs = timeline(1, STEADY_STATE_MIN_RUNS, 0.1);
    assert.equal(detectSteadyState(xs.slice(0, 20), xs.slice(20, STEADY_STATE_MIN_RUNS - 1)), null);
    assert.equal(detectSteadyState([], []), null);
    assert.notEqual(detectSteadyState(xs.slice(0, 20), xs.slice(20)), null);
    assert.notEqual(detectSteadyState([], xs), null);
  });

  test('non-finite latencies are rejected', () => {
    const xs = timeline(1, 100, 0.1);
    assert.throws(() => detectSteadyState([NaN], xs), RangeError);
    assert.throws(() => detectSteadyState(xs, [1, Infinity]), RangeError);
  });

  test('stationary log-normal noise: steady from (about) the start, within the 50 warm-up runs', () => {
    for (const seed of seeds) {
      const xs = timeline(seed, 1050, 0.1);
      const s = detectSteadyState(xs.slice(0, 50), xs.slice(50))!;
      assert.ok(s.index <= 50, `seed ${seed}: index ${s.index}`);
      assert.equal(s.warmupRuns, 50);
      assert.equal(s.transientMeasuredRuns, 0);
      assert.match(s.method, /^MSER-5 \(batch medians/);
    }
  });

  test('a constant series is steady from run 0', () => {
    const s = detectSteadyState(new Array(50).fill(2), new Array(200).fill(2))!;
    assert.equal(s.index, 0);
  });

  test('large latencies with a tiny spread do not lose the answer to rounding', () => {
    // 1e6 ms ± 1e-4: Σy² − n·ȳ² would cancel to noise here; Welford's update does not.
    for (const seed of [1, 2, 3]) {
      const z = normals(seed);
      const xs = Array.from({ length: 1050 }, (_, t) => 1e6 + 1e-4 * z() + (t < 200 ? 1e-3 : 0));
      const s = detectSteadyState(xs.slice(0, 50), xs.slice(50))!;
      assert.ok(s.index >= 200 && s.index <= 240, `seed ${seed}: index ${s.index}`);
    }
  });

  // The excess 2·e^(−t/30) is 10% at t = 90, 5% at 111, 2% at 138 and 0.25% at 200: the index
  // must land between the first and the last of those.
  const settled = (index: number): boolean => index >= 90 && index <= 200;

  test('exponential warm-up spilling into measured runs, no warm-up at all', () => {
    for (const seed of seeds) {
      const xs = timeline(seed, 1000, 0.05, decay);
      const s = detectSteadyState([], xs)!;
      assert.ok(settled(s.index), `seed ${seed}: index ${s.index}`);
      assert.equal(s.warmupRuns, 0);
      // Without warm-up, every transient run is a measured one: exactly what must be reported.
      assert.equal(s.transientMeasuredRuns, s.index);
    }
  });

  test('exponential warm-up spilling past 10 warm-up runs', () => {
    for (const seed of seeds) {
      const xs = timeline(seed, 1010, 0.05, decay);
      const s = detectSteadyState(xs.slice(0, 10), xs.slice(10))!;
      assert.ok(settled(s.index), `seed ${seed}: index ${s.index}`);
      assert.equal(s.warmupRuns, 10);
      assert.equal(s.transientMeasuredRuns, s.index - 10);
    }
  });

  test('exponential warm-up that ends inside 300 warm-up runs leaves no measured run in the transient', () => {
    for (const seed of seeds) {
      const xs = timeline(seed, 1300, 0.05, decay);
      const s = detectSteadyState(xs.slice(0, 300), xs.slice(300))!;
      assert.ok(settled(s.index), `seed ${seed}: index ${s.index}`);
      assert.equal(s.transientMeasuredRuns, 0);
    }
  });

  test('rare huge spikes in a stationary series do not move the index far', () => {
    for (const seed of seeds) {
      const r = mulberry32(seed + 1000);
      // 1% of runs 5–20× slower: with batch means, 40% of such series truncated past 50 runs.
      const xs = timeline(seed, 1050, 0.1).map((x) => (r() < 0.01 ? x * (5 + 15 * r()) : x));
      const s = detectSteadyState(xs.slice(0, 50), xs.slice(50))!;
      assert.ok(s.index <= 50, `seed ${seed}: index ${s.index}`);
    }
  });

  test('a single spike, and three in one batch, early in the run are not a transient', () => {
    for (const seed of [1, 2, 3]) {
      const one = timeline(seed, 1050, 0.1);
      one[203] = 50;
      assert.ok(detectSteadyState(one.slice(0, 50), one.slice(50))!.index <= 50, `seed ${seed}: one spike`);
      // Three of five make the batch median a spike too; winsorising caps what truncating buys.
      const three = timeline(seed, 1050, 0.1);
      three[200] = three[202] = three[204] = 50;
      assert.ok(detectSteadyState(three.slice(0, 50), three.slice(50))!.index <= 50, `seed ${seed}: three spikes`);
    }
  });

  test('a step down at run 300 is found', () => {
    for (const seed of seeds) {
      const xs = timeline(seed, 1050, 0.1, (t) => (t < 300 ? 2 : 1));
      const s = detectSteadyState(xs.slice(0, 50), xs.slice(50))!;
      assert.ok(s.index >= 300 && s.index <= 350, `seed ${seed}: index ${s.index}`);
      assert.equal(s.transientMeasuredRuns, s.index - 50);
    }
  });

  test('the truncation never reaches past the first half of the timeline', () => {
    // Slowing down for good: MSER would like to cut everything but the end.
    const xs = timeline(1, 400, 0.05, (t) => 1 + t / 100);
    const s = detectSteadyState([], xs)!;
    assert.ok(s.index <= 200, `index ${s.index}`);
  });

  test('deterministic: the same timeline gives the same answer', () => {
    const xs = timeline(42, 1050, 0.1, decay);
    assert.deepEqual(detectSteadyState(xs.slice(0, 50), xs.slice(50)), detectSteadyState(xs.slice(0, 50), xs.slice(50)));
  });
});
