import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeConfig } from '../../src/core/config';
import { progressFraction, progressMessage, statusText } from '../../src/core/messages';
import { ResultAssembler, type RunHeader } from '../../src/core/resultAssembler';
import { RESULT_SCHEMA_VERSION } from '../../src/core/result';

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
