// The real profiler process (dist/profiler.js, forked exactly as the extension does) on real
// ONNX models: results, cancellation, a killed child, and every kind of bad input.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mergeConfig, type ConfigLayer } from '../../src/core/config';
import { runInProfiler, type ClientProgress, type ProfilerOutcome, type ProfilerRunBase } from '../../src/profiler/client';
import { cancellation } from '../support/cancellation';
import { ROOT, distFile } from '../support/dist';
import { badModelFiles, bfloat16InputModel, embeddingModel, fixedShapeModel, mixedInputsModel, sequenceInputModel, slowModel } from '../support/fixtureModels';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-profiler-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const lenet = join(ROOT, 'examples', 'lenet5.onnx');

function run(modelPath: string, layer: ConfigLayer = {}, extra: Partial<ProfilerRunBase> = {}): Promise<ProfilerOutcome> {
  return runInProfiler({ profilerScript: distFile('profiler.js'), modelPath, config: mergeConfig({ iterations: 200, warmup: 10 }, layer), ...extra });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}


describe('a complete benchmark', () => {
  test('LeNet-5: every figure present and consistent', async () => {
    const phases = new Set<string>();
    const outcome = await run(lenet, { iterations: 300, warmup: 20, session: { intraOpNumThreads: 1 } }, { onProgress: (p) => phases.add(p.phase) });
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome).slice(0, 500));
    if (outcome.status !== 'completed') return;
    const r = outcome.result;
    const s = r.summary;
    assert.ok(s);
    assert.equal(s.n, 300);
    assert.equal(r.samplesMs.length, 300);
    assert.equal(r.warmupSamplesMs.length, 20);
    assert.ok(s.p50Ms > 0 && s.p50Ms <= s.p90Ms && s.p90Ms <= s.p95Ms && s.p95Ms <= s.p99Ms && s.p99Ms <= s.p999Ms && s.p999Ms <= s.maxMs);
    assert.ok(s.minMs <= s.p50Ms && s.cv >= 0 && s.throughputPerSec > 0);
    assert.ok(r.coldStart.loadMs > 0 && (r.coldStart.firstMs ?? 0) > 0 && (r.coldStart.ratio ?? 0) > 0);
    assert.ok(r.memory.peakRssBytes > 10 * 1024 * 1024, 'onnxruntime alone takes more than 10 MiB');
    assert.equal(r.partial, false);
    assert.equal(r.config.session?.intraOpNumThreads, 1);
    assert.deepEqual(r.config.inputs.map((i) => [i.name, i.type, i.shape]), [['input', 'float32', [1, 1, 28, 28]]]);
    assert.equal(r.environment.onnxruntime, '1.30.0');
    assert.ok(r.target.kind === 'onnx' && r.target.sizeBytes > 100_000);
    assert.deepEqual([...phases].sort(), ['cold', 'loading', 'measure', 'warmup']);
  });

  test('mixed inputs of every feedable type and odd dimension names run on defaults', async () => {
    const outcome = await run(mixedInputsModel(dir), { iterations: 20, warmup: 2 });
    assert.equal(outcome.status, 'completed', 'message' in outcome ? outcome.message : '');
    const plans = Object.fromEntries(outcome.result!.config.inputs.map((p) => [p.name, p]));
    assert.deepEqual(plans.input_ids?.shape, [1, 32]);
    assert.deepEqual(plans.features?.shape, [1, 4]);
    assert.deepEqual(plans.sample_rate?.shape, []);
    assert.equal(Object.keys(plans).length, 14);
  });

  test('session options are applied and recorded', async () => {
    const session = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'basic', executionMode: 'parallel', executionProviders: ['cpu'] } as const;
    const outcome = await run(lenet, { iterations: 5, warmup: 0, session: { ...session, executionProviders: ['cpu'] } });
    assert.equal(outcome.status, 'completed');
    assert.deepEqual(outcome.result?.config.session, session);
  });
});

describe('repeated', () => {
  test('repeat 3: three fresh sessions, their samples in order, the spread, and progress that says which repeat', async () => {
    const repeats = new Set<number>();
    const outcome = await run(lenet, { iterations: 60, warmup: 5, session: { intraOpNumThreads: 1 } }, { repeat: 3, onProgress: (p) => p.repeat && repeats.add(p.repeat.index) });
    assert.equal(outcome.status, 'completed', JSON.stringify(outcome).slice(0, 300));
    if (outcome.status !== 'completed') return;
    const r = outcome.result;
    assert.equal(r.samplesMs.length, 180);
    assert.equal(r.repeats?.runs.length, 3);
    assert.deepEqual(r.repeats?.runs.map((x) => x.n), [60, 60, 60]);
    assert.ok(r.repeats!.runs.every((x) => x.loadMs > 0), 'each repeat loaded its own session');
    assert.ok(r.repeats!.spread.p50 >= 0);
    assert.deepEqual([...repeats].sort(), [1, 2, 3]);
  });
});

describe('ending early', () => {
  /** Runs the slow model and cancels at the first progress `when` accepts; times the end from the cancel. */
  async function cancelWhen(when: (p: ClientProgress) => boolean, layer: ConfigLayer, progressIntervalMs?: number) {
    const token = cancellation();
    let pid = 0;
    let cancelledAt = 0;
    const outcome = await run(slowModel(dir), { warmup: 0, session: { intraOpNumThreads: 1 }, ...layer }, {
      onSpawn: (p) => (pid = p),
      ...(progressIntervalMs ? { progressIntervalMs } : {}),
      onProgress: (p) => {
        if (when(p) && !cancelledAt) {
          cancelledAt = Date.now();
          token.cancel();
        }
      },
      cancellation: token,
    });
    return { outcome, pid, took: Date.now() - cancelledAt };
  }

  test('cancel: the process ends within a second and the partial result is kept', async () => {
    const { outcome, pid, took } = await cancelWhen((p) => p.phase === 'measure' && p.done >= 3, { iterations: 10_000 }, 50);
    assert.equal(outcome.status, 'cancelled');
    assert.ok(took < 1000, `ended ${took} ms after cancel`);
    const r = outcome.result;
    assert.ok(r?.partial && r.summary && r.summary.n >= 3 && r.summary.n < 10_000);
    assert.match(r.partialReason ?? '', /^cancelled after [\d,]+ of 10,000 measured runs$/);
    await waitFor(() => !isAlive(pid), 'profiler process gone');
  });

  test('cancel during one long inference: killed after the grace period, header kept', async () => {
    // Batch 200 makes a single inference of the slow model last well over a second.
    const { outcome, pid, took } = await cancelWhen((p) => p.phase === 'cold', { iterations: 5, inputs: { dimensions: { batch: 200 } } });
    assert.equal(outcome.status, 'cancelled');
    assert.ok(took < 1000, `ended ${took} ms after cancel`);
    assert.equal(outcome.result?.summary, null, 'no measured run finished');
    assert.equal(outcome.result?.partial, true);
    assert.deepEqual(outcome.result?.config.inputs[0]?.shape, [200, 512]);
    await waitFor(() => !isAlive(pid), 'profiler process gone');
  });

  test('cancel while the model still loads: ended at once, nothing to keep, no kill needed', async () => {
    const token = cancellation();
    let pid = 0;
    const logs: string[] = [];
    const started = Date.now();
    const pending = run(lenet, { iterations: 100, warmup: 0 }, { onSpawn: (p) => (pid = p), cancellation: token, log: (_l, m) => logs.push(m) });
    token.cancel();
    const outcome = await pending;
    assert.equal(outcome.status, 'cancelled');
    assert.equal(outcome.result, undefined);
    assert.ok(Date.now() - started < 1000);
    assert.ok(!logs.some((m) => /did not stop in time/.test(m)), logs.join('\n'));
    await waitFor(() => !isAlive(pid), 'profiler process gone');
  });

  test('kill -9 mid-run: a clear failure, the samples so far kept, and the next run works', async () => {
    let pid = 0;
    let killed = false;
    const outcome = await run(slowModel(dir), { iterations: 10_000, warmup: 0, session: { intraOpNumThreads: 1 } }, {
      onSpawn: (p) => (pid = p),
      progressIntervalMs: 50,
      onProgress: (p) => {
        if (p.phase === 'measure' && p.done >= 2 && !killed) {
          killed = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    });
    assert.equal(outcome.status, 'failed');
    if (outcome.status !== 'failed') return;
    assert.equal(outcome.data.kind, 'crashed');
    assert.match(outcome.message, /profiler process was killed \(SIGKILL\)/);
    assert.ok(outcome.result?.partial && (outcome.result.summary?.n ?? 0) >= 2);
    assert.match(outcome.result.partialReason ?? '', /killed \(SIGKILL\) after [\d,]+ of 10,000/);
    const next = await run(lenet, { iterations: 10, warmup: 1 });
    assert.equal(next.status, 'completed');
  });
});

describe('bad input: a clear message, nothing left running', () => {
  test('missing, empty, truncated, non-ONNX and garbage files', async () => {
    const bad = badModelFiles(dir);
    const cases: Array<[string, string, RegExp]> = [
      [join(dir, 'nope.onnx'), 'modelNotFound', /Model file not found: .*nope\.onnx/],
      [bad.empty, 'modelInvalid', /empty \(0 bytes\)/],
      [bad.truncated, 'modelInvalid', /Could not load truncated\.onnx as an ONNX model: .*Protobuf parsing failed/],
      [bad.notOnnx, 'modelInvalid', /Could not load not-onnx\.onnx as an ONNX model/],
      [bad.garbage, 'modelInvalid', /Could not load garbage\.onnx/],
    ];
    for (const [file, kind, message] of cases) {
      const outcome = await run(file);
      assert.equal(outcome.status, 'failed', file);
      if (outcome.status !== 'failed') continue;
      assert.equal(outcome.data.kind, kind, file);
      assert.match(outcome.message, message);
      assert.equal(outcome.result, undefined, 'no result without a loaded model');
    }
  });

  test('inputs it cannot synthesize are named', async () => {
    const seq = await run(sequenceInputModel(dir));
    assert.equal(seq.status, 'failed');
    assert.deepEqual(seq.status === 'failed' && [seq.data.kind, 'inputName' in seq.data && seq.data.inputName], ['inputSynthesis', 'xs']);
    const bf16 = await run(bfloat16InputModel(dir));
    assert.equal(bf16.status, 'failed');
    assert.match(bf16.status === 'failed' ? bf16.message : '', /element type 16 \(bfloat16\)/);
  });

  test('a value the model rejects: the input is found by probing, with onnxruntime\'s words', async () => {
    const outcome = await run(embeddingModel(dir, 10), { inputs: { overrides: { ids: { range: [0, 1000] } } } });
    assert.equal(outcome.status, 'failed');
    if (outcome.status !== 'failed' || outcome.data.kind !== 'inputRejected') return assert.fail(JSON.stringify(outcome));
    assert.equal(outcome.data.inputName, 'ids');
    assert.deepEqual(outcome.data.inputShape, [1, 32]);
    assert.match(outcome.data.ortMessage ?? '', /indices element out of data bounds/);
    assert.match(outcome.message, /The model rejected input "ids" \(ids: int64\[1, 32\], values in \[0, 1000\)\)/);
  });

  test('a shape override against a fixed dimension is refused before running', async () => {
    const outcome = await run(fixedShapeModel(dir), { inputs: { overrides: { image: { shape: [1, 3, 9, 9] } } } });
    assert.equal(outcome.status, 'failed');
    if (outcome.status !== 'failed' || outcome.data.kind !== 'inputSynthesis') return assert.fail(JSON.stringify(outcome));
    assert.equal(outcome.data.inputName, 'image');
    assert.match(outcome.message, /fixes it at 8/);
  });

  test('an execution provider this build lacks', async () => {
    const outcome = await run(lenet, { session: { executionProviders: ['cuda'] } });
    // A CUDA-enabled onnxruntime-node would run this; the CPU build must say what to change.
    if (outcome.status === 'completed') return;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.status === 'failed' ? `${outcome.message} ${'hint' in outcome.data ? outcome.data.hint : ''}` : '', /cuda/i);
  });
});

async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
