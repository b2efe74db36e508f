// The benchmark runner in-process (as the CLI runs it), for paths the process tests reach only by timing.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeConfig } from '../../src/core/config';
import { runOnnxBenchmark } from '../../src/profiler/onnxBenchmark';
import { ROOT } from '../support/dist';

const lenet = join(ROOT, 'examples', 'lenet5.onnx');

test('cancelled before the first measured run (no warm-up): a partial result without figures, no throw', async () => {
  const progress: Array<{ phase: string; done: number; newSamplesMs: number[] }> = [];
  const result = await runOnnxBenchmark(
    { modelPath: lenet, config: mergeConfig({ iterations: 100, warmup: 0 }) },
    { isCancelled: () => true, onProgress: (p) => progress.push(p) },
  );
  assert.equal(result.partial, true);
  assert.equal(result.summary, null);
  assert.equal(result.samplesMs.length, 0);
  assert.match(result.partialReason ?? '', /^cancelled after 0 of 100 measured runs$/);
  assert.ok(result.coldStart.firstMs !== null, 'the cold start is measured before the loop checks for cancel');
  assert.ok(progress.every((p) => p.newSamplesMs.length === 0 && p.done === 0));
});

test('cancelled during warm-up: warm-up samples kept, measured phase never starts', async () => {
  let checks = 0;
  const result = await runOnnxBenchmark(
    { modelPath: lenet, config: mergeConfig({ iterations: 100, warmup: 50 }) },
    { isCancelled: () => ++checks > 10 },
  );
  assert.equal(result.warmupSamplesMs.length, 10);
  assert.equal(result.samplesMs.length, 0);
  assert.equal(result.partial, true);
});
