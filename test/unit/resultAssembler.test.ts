import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeConfig } from '../../src/core/config';
import { progressFraction, progressMessage, statusText } from '../../src/core/messages';
import { DEFAULT_SAMPLE_CAP, ResultAssembler, type RunHeader } from '../../src/core/resultAssembler';
import { RESULT_SCHEMA_VERSION } from '../../src/core/result';
import { RELATIVE_ERROR } from '../../src/core/histogram';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import { summarize } from '../../src/core/stats';

function header(iterations: number): RunHeader {
  const c = mergeConfig({ iterations, warmup: 2 });
  return {
    target: { kind: 'onnx', path: '/m/model.onnx', name: 'model.onnx', sizeBytes: 10 },
    config: { iterations: c.iterations, warmup: c.warmup, stopping: c.stopping, cvTarget: c.cvTarget, cpuAffinity: c.cpuAffinity, session: c.session, inputs: [] },
    environment: { os: 'Linux', arch: 'x64', cpu: 'cpu', cpuCores: 2, totalMemoryBytes: 1, node: '20', onnxruntime: '1.30.0', hostname: 'h' },
    startedAt: '2026-11-26T00:00:00.000Z',
    loadMs: 12,
    system: null,
  };
}

test('nothing to keep before the run header', () => {
  assert.equal(new ResultAssembler().finish({ partialReason: 'crashed' }), undefined);
});

test('a complete run: summary, cold-start ratio, throughput from the measured wall time', () => {
  const a = new ResultAssembler();
  a.start(header(4));
  a.coldStart(20);
  a.addWarmup([9, 8]);
  a.addMeasured([1, 2], 3);
  a.addMeasured([3, 4], 10);
  a.notePeakRss(5000);
  const r = a.finish({ peakRssBytes: 4000 });
  assert.ok(r);
  assert.equal(r.schemaVersion, RESULT_SCHEMA_VERSION);
  assert.equal(r.partial, false);
  assert.equal(r.partialReason, undefined);
  assert.deepEqual(r.samplesMs, [1, 2, 3, 4]);
  assert.deepEqual(r.warmupSamplesMs, [9, 8]);
  assert.equal(r.summary?.p50Ms, 2.5);
  assert.equal(r.coldStart.ratio, 8); // 20 / 2.5
  assert.equal(r.summary?.throughputPerSec, 400); // 4 runs in 10 ms
  assert.equal(r.memory.peakRssBytes, 5000);
});

test('an interrupted run is partial and says how far it got', () => {
  const a = new ResultAssembler();
  a.start(header(1000));
  a.addMeasured([1, 1, 1]);
  const r = a.finish({ partialReason: 'profiler process was killed (SIGKILL)' });
  assert.equal(r?.partial, true);
  assert.equal(r?.partialReason, 'profiler process was killed (SIGKILL) after 3 of 1,000 measured runs');
  assert.equal(r?.coldStart.firstMs, null);
  assert.equal(r?.coldStart.ratio, null);
  assert.equal(JSON.parse(JSON.stringify(r)).coldStart.firstMs, null, 'JSON-safe: no NaN');
});

test('progress wording and the fraction of all inferences done', () => {
  assert.equal(progressMessage({ phase: 'measure', done: 412, total: 1000, runningP50Ms: 1.234 }), '412/1000 runs · p50 1.23 ms');
  assert.equal(progressMessage({ phase: 'warmup', done: 5, total: 50 }), 'warm-up 5/50');
  assert.equal(progressFraction({ phase: 'warmup', done: 25, total: 50 }, 50, 950), 0.025);
  assert.equal(progressFraction({ phase: 'measure', done: 950, total: 950 }, 50, 950), 1);
  // A sweep's level: its own counts, the bar across the levels.
  const level = { index: 3, of: 4, concurrency: 4 };
  assert.equal(progressMessage({ phase: 'measure', done: 40, total: 80, runningP50Ms: 21.5, level }), 'level 3/4 (4 in flight) · 40/80 runs · p50 21.5 ms');
  assert.equal(progressFraction({ phase: 'warmup', done: 0, total: 8, level }, 20, 200), 0.5);
  assert.equal(progressFraction({ phase: 'measure', done: 80, total: 80, level }, 20, 200), 0.75);
  assert.ok(Math.abs(progressFraction({ phase: 'measure', done: 40, total: 80, level }, 20, 200) - (2 + 0.55) / 4) < 1e-12);
  // Repeated: the counts are within the repeat, the bar spans all of them.
  const second = { phase: 'measure' as const, done: 450, total: 950, repeat: { index: 2, of: 4 } };
  assert.equal(progressMessage(second), 'repeat 2/4 · 450/950 runs');
  assert.equal(progressFraction(second, 50, 950), (1 + 0.5) / 4);
  assert.equal(progressFraction({ phase: 'loading', done: 0, total: 950, repeat: { index: 3, of: 3 } }, 50, 950), 2 / 3);
  const a = new ResultAssembler();
  a.start(header(2));
  a.addMeasured([0.5, 0.5]);
  assert.equal(statusText(a.finish()!), '$(pulse) p50 0.500 ms');
});

/** Deterministic uniform [0, 1) (mulberry32), for synthetic latencies. */
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

test('past the sample cap: summary from the histogram within its bound, samplesMs a bounded reservoir, flagged', () => {
  const N = 500_000;
  const CAP = 50_000;
  const r = rng(11);
  // Lognormal around 1 ms with a slow drift, so measurement order is visible in the reservoir.
  const all = Array.from({ length: N }, (_, i) => Math.exp(0.4 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())) * (1 + i / N));
  const a = new ResultAssembler(CAP);
  a.start(header(N));
  a.coldStart(30);
  a.addWarmup([5, 4]);
  for (let i = 0; i < N; i += 7_000) a.addMeasured(all.slice(i, i + 7_000), (i + 7_000) * 0.002);
  assert.equal(a.measuredCount, N);
  assert.equal(a.samplesMs.length, CAP, 'the live array stops growing at the cap');
  assert.ok(Math.abs(a.runningP50Ms()! - summarize(all)!.p50Ms) <= RELATIVE_ERROR * summarize(all)!.p50Ms);
  const res = a.finish({ measuredWallMs: 1000 })!;
  const exact = summarize(all, 1000)!;
  const s = res.summary!;

  assert.equal(s.n, N);
  assert.equal(res.partial, false, 'every requested sample was measured');
  assert.equal(s.minMs, exact.minMs);
  assert.equal(s.maxMs, exact.maxMs);
  assert.equal(s.throughputPerSec, exact.throughputPerSec);
  assert.ok(Math.abs(s.meanMs - exact.meanMs) < 1e-9 * exact.meanMs);
  assert.ok(Math.abs(s.stdevMs - exact.stdevMs) < 1e-9 * exact.stdevMs);
  for (const k of ['p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms'] as const) {
    assert.ok(Math.abs(s[k] - exact[k]) <= RELATIVE_ERROR * exact[k], `${k}: ${s[k]} vs ${exact[k]}`);
  }
  for (const k of ['p50', 'p95', 'p99', 'p999'] as const) {
    const [lo, hi] = s.ci[k]!;
    const [elo, ehi] = exact.ci[k]!;
    assert.ok(Math.abs(lo - elo) <= RELATIVE_ERROR * elo && Math.abs(hi - ehi) <= RELATIVE_ERROR * ehi, `CI ${k}`);
  }

  assert.equal(res.samplesMs.length, CAP);
  assert.ok(res.sampling);
  assert.equal(res.sampling.method, 'reservoir');
  assert.equal(res.sampling.stored, CAP);
  assert.equal(res.sampling.total, N);
  assert.equal(res.sampling.histogram.count, N);
  assert.ok(isBenchmarkResult(JSON.parse(JSON.stringify(res))), 'the panel guard accepts it');
  assert.equal(isBenchmarkResult({ ...res, sampling: { ...res.sampling, total: 3 } }), false, 'and refuses a count that disagrees');
  // A uniform subset: drawn from the whole run, in measurement order (the drift shows: late ones are slower).
  const reservoirMedian = summarize(res.samplesMs)!.p50Ms;
  assert.ok(Math.abs(reservoirMedian - exact.p50Ms) / exact.p50Ms < 0.02, `reservoir median ${reservoirMedian} vs ${exact.p50Ms}`);
  const half = CAP / 2;
  assert.ok(summarize(res.samplesMs.slice(0, half))!.meanMs < summarize(res.samplesMs.slice(half))!.meanMs);
  // Every stored value is one of the measured ones.
  const measuredSet = new Set(all);
  assert.ok(res.samplesMs.every((x) => measuredSet.has(x)));
  assert.equal(res.stopping.achieved.p50 !== null, true);
  // The same events give the same result (seeded reservoir).
  const b = new ResultAssembler(CAP);
  b.start(header(N));
  for (let i = 0; i < N; i += 7_000) b.addMeasured(all.slice(i, i + 7_000));
  assert.deepEqual(b.finish()!.samplesMs, res.samplesMs);
});

test('at or below the cap nothing changes: no sampling field, every sample kept, exact summary', () => {
  const a = new ResultAssembler(6);
  a.start(header(6));
  a.addMeasured([4, 1, 3]);
  a.addMeasured([2, 6, 5]);
  const r = a.finish()!;
  assert.equal(r.sampling, undefined);
  assert.deepEqual(r.samplesMs, [4, 1, 3, 2, 6, 5]);
  assert.equal(r.summary?.p50Ms, 3.5);
  const over = new ResultAssembler(6);
  over.start(header(7));
  over.addMeasured([4, 1, 3, 2, 6, 5, 7]);
  const o = over.finish()!;
  assert.equal(o.sampling?.total, 7);
  assert.equal(o.samplesMs.length, 6);
  assert.equal(o.summary?.n, 7);
  assert.ok(Math.abs(o.summary!.p50Ms - 4) <= 4 * RELATIVE_ERROR, 'the median, from its bucket');
  assert.equal(o.partial, false);
  assert.throws(() => new ResultAssembler(0), RangeError);
  const nan = new ResultAssembler(2);
  nan.start(header(3));
  assert.throws(() => nan.addMeasured([1, 2, NaN]), RangeError);
});

test('a partial capped run counts every measured sample in its reason', () => {
  const a = new ResultAssembler(10);
  a.start(header(1000));
  a.addMeasured(Array.from({ length: 25 }, (_, i) => 1 + i / 100));
  const r = a.finish({ partialReason: 'cancelled' })!;
  assert.equal(r.partial, true);
  assert.equal(r.partialReason, 'cancelled after 25 of 1,000 measured runs');
  assert.equal(r.samplesMs.length, 10);
});

test('repeats of sampled runs combine: histograms merged (n and summary over every sample), reservoir bounded', async () => {
  const { combineRepeats } = await import('../../src/core/repeats');
  const CAP = 2_000;
  const r = rng(5);
  const runs = [0, 1, 2].map((k) => Array.from({ length: 10_000 }, () => (1 + k * 0.1) * (1 + r())));
  const results = runs.map((xs) => {
    const a = new ResultAssembler(CAP);
    a.start(header(xs.length));
    a.addMeasured(xs, xs.length * 0.01);
    return a.finish()!;
  });
  assert.ok(results.every((x) => x.sampling?.total === 10_000 && x.samplesMs.length === CAP));
  const combined = combineRepeats(results, { planned: 3 });
  const exact = summarize(runs.flat())!;
  assert.equal(combined.summary?.n, 30_000);
  assert.equal(combined.sampling?.total, 30_000);
  assert.ok(combined.samplesMs.length <= DEFAULT_SAMPLE_CAP);
  for (const k of ['p50Ms', 'p99Ms'] as const) assert.ok(Math.abs(combined.summary![k] - exact[k]) <= RELATIVE_ERROR * exact[k], k);
  assert.ok(Math.abs(combined.summary!.meanMs - exact.meanMs) < 1e-9 * exact.meanMs);
  assert.ok(isBenchmarkResult(JSON.parse(JSON.stringify(combined))));
});
