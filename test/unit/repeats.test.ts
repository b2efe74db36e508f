import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beyondRunNoise, combineRepeats, repeatP50Intervals, repeatRun, spreadOf, summarizeRepeats } from '../../src/core/repeats';
import { quantileCI } from '../../src/core/quantileCI';
import type { BenchmarkResult, RepeatRun } from '../../src/core/result';
import type { TelemetrySample } from '../../src/core/system';
import { runRepeated } from '../../src/profiler/repeatBenchmark';
import { makeResult } from '../support/resultFixture';

const close = (actual: number, expected: number, what = '') => assert.ok(Math.abs(actual - expected) < 1e-9, `${what} ${actual} ≠ ${expected}`);

test('spreadOf: (max − min) ÷ median', () => {
  close(spreadOf([10, 10.5, 11]), 1 / 10.5);
  close(spreadOf([11, 10, 10.5]), 1 / 10.5, 'order does not matter');
  // Even count: median 2.5.
  close(spreadOf([1, 2, 3, 4]), 3 / 2.5);
  assert.equal(spreadOf([2]), 0, 'one value has nothing to differ from');
  assert.equal(spreadOf([3, 3, 3]), 0);
  assert.throws(() => spreadOf([]), RangeError);
  assert.throws(() => spreadOf([0, 0, 1]), /median must be > 0/);
  assert.throws(() => spreadOf([1, Number.NaN]), /finite/);
});

test('repeatRun: the figures of one finished run', () => {
  const r = makeResult({ samplesMs: [1, 2, 3, 4, 5], coldStart: { loadMs: 120, firstMs: 30 } });
  const run = repeatRun(r)!;
  assert.equal(run.n, 5);
  close(run.p50Ms, 3);
  // Type 7: h = 4 · 0.99 = 3.96, so 4 + 0.96 · (5 − 4).
  close(run.p99Ms, 4.96);
  close(run.meanMs, 3);
  // Sample stdev √2.5 over the mean 3.
  close(run.cv, Math.sqrt(2.5) / 3);
  assert.equal(run.loadMs, 120);
  assert.equal(run.firstMs, 30);
  assert.equal(repeatRun(makeResult({ samplesMs: [], summary: null })), null);
});

test('summarizeRepeats: spreads of the per-repeat p50 and p99', () => {
  const run = (p50Ms: number, p99Ms: number): RepeatRun => ({ n: 100, p50Ms, p99Ms, meanMs: p50Ms, cv: 0.05, loadMs: 10, firstMs: 5 });
  const repeats = summarizeRepeats([run(2.0, 3.0), run(2.1, 3.3), run(1.9, 3.6)]);
  assert.equal(repeats.runs.length, 3);
  close(repeats.spread.p50, 0.2 / 2.0);
  close(repeats.spread.p99, 0.6 / 3.3);
  assert.throws(() => summarizeRepeats([]), RangeError);
});

function repeat(samplesMs: number[], startedAt: string, extra: Partial<BenchmarkResult> = {}): BenchmarkResult {
  const r = makeResult({ samplesMs, startedAt, finishedAt: startedAt, warmupSamplesMs: samplesMs.map((x) => x * 3) });
  return { ...r, ...extra };
}

test('combineRepeats: samples concatenated in order, figures over all of them, cold start from the first', () => {
  const a = repeat([1, 2, 3], '2026-11-26T10:00:00.000Z', { coldStart: { loadMs: 140, firstMs: 9, ratio: 4.5 }, memory: { peakRssBytes: 100 } });
  const b = repeat([4, 5, 6], '2026-11-26T10:00:01.000Z', { coldStart: { loadMs: 20, firstMs: 7, ratio: 1.4 }, memory: { peakRssBytes: 300 } });
  const c = repeat([7, 8, 9], '2026-11-26T10:00:02.000Z', { coldStart: { loadMs: 21, firstMs: 8, ratio: 1 }, memory: { peakRssBytes: 200 } });
  const combined = combineRepeats([a, b, c], { planned: 3 });

  assert.deepEqual(combined.samplesMs, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(combined.summary!.n, 9);
  close(combined.summary!.p50Ms, 5);
  assert.deepEqual(combined.warmupSamplesMs, [3, 6, 9], "the first repeat's warm-up");
  assert.equal(combined.coldStart.loadMs, 140);
  assert.equal(combined.coldStart.firstMs, 9);
  close(combined.coldStart.ratio!, 9 / 5);
  assert.equal(combined.memory.peakRssBytes, 300, 'the largest peak');
  assert.equal(combined.partial, false);
  assert.equal(combined.partialReason, undefined);
  assert.equal(combined.startedAt, a.startedAt);
  assert.equal(combined.finishedAt, c.finishedAt);

  const repeats = combined.repeats!;
  assert.deepEqual(repeats.runs.map((r) => [r.n, r.p50Ms, r.loadMs, r.firstMs]), [
    [3, 2, 140, 9],
    [3, 5, 20, 7],
    [3, 8, 21, 8],
  ]);
  close(repeats.spread.p50, (8 - 2) / 5);
  // p99s: 2.98, 5.98, 8.98.
  close(repeats.spread.p99, 6 / 5.98);
});

test("combineRepeats: throughput over the repeats' measured wall time, not their sum of samples", () => {
  // Each repeat ran 3 inferences at 100/s: 30 ms of wall each, 90 ms in all.
  const rs = [[1, 1, 1], [2, 2, 2], [3, 3, 3]].map((s, i) => {
    const r = repeat(s, `2026-11-26T10:00:0${i}.000Z`);
    return { ...r, summary: { ...r.summary!, throughputPerSec: 100 } };
  });
  close(combineRepeats(rs, { planned: 3 }).summary!.throughputPerSec, 9 / 0.09);
});

test('combineRepeats: a cancelled last repeat leaves a partial result that says what it kept', () => {
  const rs = [repeat([1, 2, 3], '2026-11-26T10:00:00.000Z'), repeat([2, 3, 4], '2026-11-26T10:00:01.000Z')];
  const combined = combineRepeats(rs, { planned: 5, cutShort: true });
  assert.equal(combined.partial, true);
  assert.equal(combined.partialReason, 'cancelled after 2 of 5 repeats, keeping their 6 measured runs; repeat 3, cut short, is left out');
  assert.equal(combined.stopping.reason, 'cancelled');
  assert.equal(combined.repeats!.runs.length, 2);

  // Cancelled between repeats: nothing was cut short.
  const one = combineRepeats(rs.slice(0, 1), { planned: 3 });
  assert.equal(one.partial, true);
  assert.equal(one.partialReason, 'cancelled after 1 of 3 repeats, keeping their 3 measured runs');
  assert.equal(one.repeats, undefined, 'repeats need two runs or more');
});

test('combineRepeats: one telemetry timeline; a later warm-up reading sits where that repeat starts measuring', () => {
  const reading = (tMs: number, phase: TelemetrySample['phase'], run: number): TelemetrySample => ({ tMs, phase, run, load1: 0.1, cpuMHz: null, gpus: [] });
  const a = repeat([1, 2, 3], '2026-11-26T10:00:00.000Z', { telemetry: [reading(0, 'warmup', 0), reading(50, 'measure', 2)], coldStart: { loadMs: 100, firstMs: 5, ratio: 2.5 } });
  const b = repeat([1, 2, 3], '2026-11-26T10:00:01.000Z', { telemetry: [reading(10, 'warmup', 1), reading(60, 'measure', 1)], coldStart: { loadMs: 50, firstMs: 5, ratio: 2.5 } });
  const combined = combineRepeats([a, b], { planned: 2 });
  // b's clock starts 1000 ms later, and its session loaded 50 ms sooner: shifted by 950 ms.
  assert.deepEqual(combined.telemetry.map((s) => [s.tMs, s.phase, s.run]), [
    [0, 'warmup', 0],
    [50, 'measure', 2],
    [960, 'measure', 3],
    [1010, 'measure', 4],
  ]);
});

test('combineRepeats: adaptive repeats report the least settled stop; bad input throws', () => {
  const adaptive = (reason: BenchmarkResult['stopping']['reason'], i: number) => {
    const r = repeat([1, 2, 3], `2026-11-26T10:00:0${i}.000Z`);
    r.config = { ...r.config, stopping: { ...r.config.stopping, mode: 'adaptive' } };
    r.stopping = { ...r.stopping, mode: 'adaptive', reason };
    return r;
  };
  const combined = combineRepeats([adaptive('precision', 0), adaptive('maxSeconds', 1), adaptive('precision', 2)], { planned: 3 });
  assert.equal(combined.stopping.reason, 'maxSeconds');
  assert.equal(combined.partial, false, 'an adaptive run that stopped on its own terms is complete');
  assert.throws(() => combineRepeats([], { planned: 1 }), RangeError);
  assert.throws(() => combineRepeats([makeResult({ samplesMs: [], summary: null })], { planned: 1 }), /repeat 1 has no measured runs/);
});

test("repeatP50Intervals: each repeat's p50 interval from its own runs; beyondRunNoise when two do not overlap", () => {
  const same = [...Array(20).keys()].map((i) => 1 + i / 100);
  const shifted = same.map((x) => x + 1);
  const result = combineRepeats(
    [repeat(same, '2026-11-26T10:00:00.000Z'), repeat(same, '2026-11-26T10:00:01.000Z'), repeat(shifted, '2026-11-26T10:00:02.000Z')],
    { planned: 3 },
  );
  const intervals = repeatP50Intervals(result.samplesMs, result.repeats!);
  assert.equal(intervals.length, 3);
  assert.deepEqual(intervals[0], intervals[1]);
  // Each from its own 20 runs, not from the 60 pooled: the third sits 1 ms above the first.
  assert.deepEqual(intervals[0], quantileCI(same, 0.5));
  close(intervals[2]![0], intervals[0]![0] + 1);
  close(intervals[2]![1], intervals[0]![1] + 1);
  assert.ok(intervals[0]![0] < 1.095 && intervals[0]![1] > 1.095);
  assert.equal(beyondRunNoise(intervals), true);
  assert.equal(beyondRunNoise(intervals.slice(0, 2)), false);
  assert.equal(beyondRunNoise([[1, 2], [1.5, 2.5], [1.9, 3]]), false, 'all share 1.9–2');
  assert.equal(beyondRunNoise([[1, 2], null]), null);
  assert.throws(() => repeatP50Intervals([1, 2], result.repeats!), /hold 60 runs, the samples 2/);
});

test('runRepeated: the run header and cold start once, every repeat announced, the repeats combined', async () => {
  const seen: Array<{ repeat: number; started: boolean; coldStart: boolean }> = [];
  const announced: string[] = [];
  let calls = 0;
  const result = await runRepeated(
    3,
    async (ev) => {
      calls++;
      seen.push({ repeat: calls, started: ev.onStarted !== undefined, coldStart: ev.onColdStart !== undefined });
      return repeat([calls, calls + 1, calls + 2], `2026-11-26T10:00:0${calls}.000Z`);
    },
    { isCancelled: () => false, onStarted: () => undefined, onColdStart: () => undefined, onRepeat: (i, of) => announced.push(`${i}/${of}`) },
  );
  assert.deepEqual(announced, ['1/3', '2/3', '3/3']);
  assert.deepEqual(seen, [
    { repeat: 1, started: true, coldStart: true },
    { repeat: 2, started: false, coldStart: false },
    { repeat: 3, started: false, coldStart: false },
  ]);
  assert.deepEqual(result.samplesMs, [1, 2, 3, 2, 3, 4, 3, 4, 5]);
  assert.deepEqual(result.repeats!.runs.map((r) => r.p50Ms), [2, 3, 4]);
  assert.equal(result.partial, false);
});

test('runRepeated: Ctrl-C keeps what completed; a repeat cut short is left out, unless it is the first', async () => {
  let calls = 0;
  const cutInSecond = await runRepeated(
    4,
    async () => {
      // The second repeat is interrupted after one measured run (Ctrl-C lands inside it).
      if (++calls === 2) return { ...repeat([9], '2026-11-26T10:00:01.000Z'), partial: true, partialReason: 'cancelled after 1 of 3 measured runs' };
      return repeat([1, 2, 3], '2026-11-26T10:00:00.000Z');
    },
    { isCancelled: () => calls >= 2 },
  );
  assert.equal(calls, 2, 'no repeat starts after the cancel');
  assert.equal(cutInSecond.partial, true);
  assert.deepEqual(cutInSecond.samplesMs, [1, 2, 3]);
  assert.equal(cutInSecond.partialReason, 'cancelled after 1 of 4 repeats, keeping their 3 measured runs; repeat 2, cut short, is left out');

  // Interrupted between repeats: the next one never starts.
  let starts = 0;
  let stop = false;
  const between = await runRepeated(
    3,
    async () => {
      starts++;
      if (starts === 2) stop = true;
      return repeat([1, 2, 3], '2026-11-26T10:00:00.000Z');
    },
    { isCancelled: () => stop },
  );
  assert.equal(starts, 2);
  assert.equal(between.repeats!.runs.length, 2);
  assert.equal(between.partialReason, 'cancelled after 2 of 3 repeats, keeping their 6 measured runs');

  const first = await runRepeated(3, async () => ({ ...repeat([1], '2026-11-26T10:00:00.000Z'), partial: true, partialReason: 'cancelled after 1 of 3 measured runs' }), { isCancelled: () => true });
  assert.equal(first.partialReason, 'cancelled after 1 of 3 measured runs (repeat 1 of 3)');
  assert.deepEqual(first.samplesMs, [1], "the first repeat's runs are all there is: kept");
});

test('a repeat that failed (a command\'s exit code) is named as the reason the run stopped, not as a cancel', () => {
  const runs = [repeat([1, 2, 3], '2026-11-26T10:00:00.000Z'), repeat([2, 3, 4], '2026-11-26T10:00:01.000Z')];
  const combined = combineRepeats(runs, { planned: 3, cutShort: true, cutShortReason: 'exit code 3 at measured run 2 after 1 of 3 measured runs: boom' });
  assert.equal(combined.partialReason, 'stopped after 2 of 3 repeats, keeping their 6 measured runs; repeat 3, cut short (exit code 3 at measured run 2 after 1 of 3 measured runs: boom), is left out');
  const cancelled = combineRepeats(runs, { planned: 3, cutShort: true, cutShortReason: 'cancelled after 1 of 3 measured runs' });
  assert.match(cancelled.partialReason ?? '', /^cancelled after 2 of 3 repeats/);
});
