import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timedLoop } from '../../src/profiler/timedLoop';

/** Busy-waits: timers may fire early against the high-resolution clock the loop reads. */
async function spin(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('every call is timed once and every sample reaches a flush, the last one included', async () => {
  const flushed: number[][] = [];
  let calls = 0;
  const completed = await timedLoop(async () => {
    calls++;
    await spin(2);
  }, { total: 20, flushIntervalMs: 10, isCancelled: () => false, onFlush: (s) => flushed.push([...s]) });
  assert.equal(completed, true);
  assert.equal(calls, 20);
  const all = flushed.flat();
  assert.equal(all.length, 20);
  assert.ok(all.every((ms) => ms >= 2 && ms < 1000), `samples are the call durations: ${all.join(', ')}`);
  assert.ok(flushed.length >= 3, `flushes every ~10 ms, not only at the end (${flushed.length})`);
});

test('cancellation is checked before each call and reported', async () => {
  let calls = 0;
  const flushed: number[] = [];
  const completed = await timedLoop(async () => {
    calls++;
  }, { total: 100, flushIntervalMs: 1000, isCancelled: () => calls >= 7, onFlush: (s) => flushed.push(...s) });
  assert.equal(completed, false);
  assert.equal(calls, 7);
  assert.equal(flushed.length, 7, 'samples done before the cancel are kept');
});

test('zero iterations: no call, one empty flush', async () => {
  const flushes: number[][] = [];
  assert.equal(await timedLoop(async () => assert.fail('must not run'), { total: 0, flushIntervalMs: 1, isCancelled: () => false, onFlush: (s) => flushes.push(s) }), true);
  assert.deepEqual(flushes, [[]]);
});
