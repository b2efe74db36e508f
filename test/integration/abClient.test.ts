// The interleaved A/B run through the real profiler process (dist/profiler.js, forked as the
// extension does): both results and the output agreement come back; a cancelled run keeps its
// partial results; a model that does not load fails with its kind.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mergeConfig } from '../../src/core/config';
import { runAbInProfiler, type AbRunOptions } from '../../src/profiler/abClient';
import { cancellation } from '../support/cancellation';
import { ROOT, distFile } from '../support/dist';
import { badModelFiles, perturbedCopy, slowModel } from '../support/fixtureModels';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-abclient-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const lenet = join(ROOT, 'examples', 'lenet5.onnx');

function options(basePath: string, candidatePath: string, extra: Partial<AbRunOptions> = {}): AbRunOptions {
  return {
    profilerScript: distFile('profiler.js'),
    basePath,
    candidatePath,
    config: mergeConfig({ iterations: 60, warmup: 5, session: { intraOpNumThreads: 1 } }),
    ...extra,
  };
}


describe('A/B in the profiler process', () => {
  test('a model against a copy with weights changed by 1: both results, and the accuracy check fails', async () => {
    const broken = perturbedCopy(lenet, dir, 'lenet5-broken.onnx', 1);
    const phases = new Set<string>();
    const outcome = await runAbInProfiler(options(lenet, broken, { onProgress: (p) => phases.add(p.phase) }));
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome).slice(0, 400));
    if (outcome.status !== 'completed') return;
    const { base, candidate, accuracy } = outcome.result;
    assert.equal(base.samplesMs.length, 60);
    assert.equal(candidate.samplesMs.length, 60);
    assert.equal(base.target.name, 'lenet5.onnx');
    assert.equal(candidate.target.name, 'lenet5-broken.onnx');
    assert.equal(accuracy.pass, false, JSON.stringify(accuracy.outputs));
    assert.deepEqual([...phases].sort(), ['measure', 'warmup']);
  });

  test('repeat 3: each repeat\'s pair comes back, progress says which repeat', async () => {
    const seen = new Set<number>();
    const outcome = await runAbInProfiler(options(lenet, lenet, { repeat: 3, onProgress: (p) => p.repeat !== undefined && seen.add(p.repeat) }));
    assert.equal(outcome.status, 'completed');
    if (outcome.status !== 'completed') return;
    assert.equal(outcome.result.repeats?.length, 3);
    assert.equal(outcome.result.candidate.samplesMs.length, 180);
    assert.equal(outcome.result.base.repeats?.runs.length, 3);
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
  });

  test('the same model on both sides agrees exactly', async () => {
    const outcome = await runAbInProfiler(options(lenet, lenet));
    assert.equal(outcome.status, 'completed');
    if (outcome.status !== 'completed') return;
    assert.equal(outcome.result.accuracy.pass, true);
    assert.ok(outcome.result.accuracy.outputs.every((o) => o.maxAbsError === 0));
  });

  test('cancelled during the measured runs: partial results of both sides come back', async () => {
    const slow = slowModel(dir);
    const token = cancellation();
    const outcome = await runAbInProfiler(
      options(slow, slow, {
        config: mergeConfig({ iterations: 100_000, warmup: 0 }),
        cancellation: token,
        onProgress: (p) => {
          if (p.phase === 'measure' && p.done > 0) token.cancel();
        },
      }),
    );
    assert.equal(outcome.status, 'cancelled');
    if (outcome.status !== 'cancelled') return;
    assert.ok(outcome.result, 'the partial results were answered');
    assert.equal(outcome.result.candidate.partial, true);
    assert.ok(outcome.result.base.samplesMs.length > 0 && outcome.result.base.samplesMs.length < 100_000);
  });

  test('a corrupt candidate fails with modelInvalid and names the file', async () => {
    const bad = badModelFiles(dir);
    const outcome = await runAbInProfiler(options(lenet, bad.garbage));
    assert.equal(outcome.status, 'failed');
    if (outcome.status !== 'failed') return;
    assert.equal(outcome.data.kind, 'modelInvalid');
    assert.match(outcome.message, /garbage|Could not load/);
  });
});
