// The generated example and fixture models against the real onnxruntime-node: they load, run and
// fail exactly where the profiler will have to cope with failures.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  TINY_TRANSFORMER, buildLenet5, buildTinyTransformer, type BuiltModel,
} from '../../scripts/make-example-models';
import {
  MIXED_IDENTITY_TYPES, SLOW_MODEL, badModelFiles, bfloat16InputModel, embeddingModel, fixedShapeModel,
  mixedInputsModel, sequenceInputModel, slowModel,
} from '../support/fixtureModels';

const tmp = mkdtempSync(join(tmpdir(), 'latency-models-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Severity 4 (fatal only): expected failures would otherwise print ORT's own error lines to stderr.
const QUIET: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, logSeverityLevel: 4 };
const open = (pathOrBytes: string | Uint8Array): Promise<ort.InferenceSession> =>
  typeof pathOrBytes === 'string'
    ? ort.InferenceSession.create(pathOrBytes, QUIET)
    : ort.InferenceSession.create(pathOrBytes, QUIET);

function writeModel(model: BuiltModel, dir: string): string {
  const path = join(dir, model.fileName);
  writeFileSync(path, model.bytes);
  return path;
}

function floats(t: ort.Tensor | undefined): Float32Array {
  assert.ok(t, 'missing output');
  assert.equal(t.type, 'float32');
  return t.data as Float32Array;
}

const int64 = (values: number[], dims: number[]): ort.Tensor =>
  new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);

describe('example models', () => {
  test('generation is deterministic and matches the committed examples/', () => {
    for (const build of [buildLenet5, buildTinyTransformer]) {
      const a = build();
      const b = build();
      assert.deepEqual(Buffer.from(a.bytes), Buffer.from(b.bytes), `${a.fileName} differs between builds`);
      const committed = readFileSync(resolve(__dirname, '..', '..', 'examples', a.fileName));
      assert.ok(committed.equals(Buffer.from(a.bytes)),
        `examples/${a.fileName} is stale: run node --import tsx scripts/make-example-models.ts`);
    }
  });

  test('parameter counts', () => {
    // conv1 156 + conv2 2416 + fc1 48120 + fc2 10164 + fc3 850
    assert.equal(buildLenet5().parameterCount, 61_706);
    assert.equal(buildTinyTransformer().parameterCount, 196_994);
  });

  test('lenet5: metadata, [batch, 10] probabilities that sum to 1', async () => {
    const session = await open(writeModel(buildLenet5(), tmp));
    assert.deepEqual(session.inputMetadata,
      [{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 1, 28, 28] }]);
    assert.deepEqual(session.outputMetadata,
      [{ name: 'probabilities', isTensor: true, type: 'float32', shape: ['batch', 10] }]);

    const batch = 3;
    const pixels = Float32Array.from({ length: batch * 28 * 28 }, (_, i) => ((i * 7919) % 256) / 255);
    const out = await session.run({ input: new ort.Tensor('float32', pixels, [batch, 1, 28, 28]) });
    assert.deepEqual(out.probabilities?.dims, [batch, 10]);
    const p = floats(out.probabilities);
    for (let row = 0; row < batch; row++) {
      const probs = Array.from(p.subarray(row * 10, row * 10 + 10));
      assert.ok(probs.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `row ${row}: ${probs}`);
      const sum = probs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
    }
    await session.release();
  });

  describe('tiny-transformer', () => {
    let session: ort.InferenceSession;
    const run = async (ids: number[], mask: number[], dims: number[]): Promise<Float32Array> => {
      session ??= await open(writeModel(buildTinyTransformer(), tmp));
      const out = await session.run({ input_ids: int64(ids, dims), attention_mask: int64(mask, dims) });
      assert.deepEqual(out.logits?.dims, [dims[0], TINY_TRANSFORMER.classes]);
      const logits = floats(out.logits);
      assert.ok(logits.every(Number.isFinite), `non-finite logits: ${logits}`);
      return logits;
    };
    after(() => session?.release());

    test('metadata', async () => {
      await run([1], [1], [1, 1]);
      assert.deepEqual(session.inputMetadata, [
        { name: 'input_ids', isTensor: true, type: 'int64', shape: ['batch', 'sequence'] },
        { name: 'attention_mask', isTensor: true, type: 'int64', shape: ['batch', 'sequence'] },
      ]);
      assert.deepEqual(session.outputMetadata,
        [{ name: 'logits', isTensor: true, type: 'float32', shape: ['batch', 2] }]);
    });

    test('any sequence length up to 512 positions, batched', async () => {
      for (const [batch, seq] of [[1, 1], [1, 32], [2, 128], [1, 512]] as const) {
        const n = batch * seq;
        await run(Array.from({ length: n }, (_, i) => (i * 37) % TINY_TRANSFORMER.vocab), new Array<number>(n).fill(1),
          [batch, seq]);
      }
    });

    test('sequence 513 is out of the position table (the error depends on graph optimization)', async () => {
      const ones = new Array<number>(513).fill(1);
      // Optimized, Gather(table, Range(0, s)) becomes a Slice that silently clamps, and the failure
      // surfaces one node later as a broadcast error.
      await assert.rejects(run(ones, ones, [1, 513]),
        /Attempting to broadcast an axis by a dimension other than 1\. 512 by 513/);
      const unoptimized = await ort.InferenceSession.create(buildTinyTransformer().bytes,
        { ...QUIET, graphOptimizationLevel: 'disabled' });
      await assert.rejects(unoptimized.run({ input_ids: int64(ones, [1, 513]), attention_mask: int64(ones, [1, 513]) }),
        /indices element out of data bounds, idx=512 must be within the inclusive range \[-512,511\]/);
      await unoptimized.release();
    });

    test('masked positions do not affect the logits', async () => {
      const mask = [1, 1, 1, 1, 1, 0, 0, 0];
      const a = await run([5, 6, 7, 8, 9, 0, 0, 0], mask, [1, 8]);
      const b = await run([5, 6, 7, 8, 9, 999, 123, 4], mask, [1, 8]);
      assert.deepEqual(Array.from(b), Array.from(a));
      const unmasked = await run([5, 6, 7, 8, 9, 999, 123, 4], new Array<number>(8).fill(1), [1, 8]);
      assert.notDeepEqual(Array.from(unmasked), Array.from(a));
    });

    test('an all-padding row stays finite', async () => {
      await run([1, 2, 3, 4], [0, 0, 0, 0], [1, 4]);
    });
  });
});

describe('fixture models', () => {
  test('fixtures are deterministic', () => {
    const [a, b] = [mkdtempSync(join(tmp, 'a-')), mkdtempSync(join(tmp, 'b-'))];
    for (const write of [mixedInputsModel, fixedShapeModel, slowModel, sequenceInputModel, bfloat16InputModel,
      (d: string) => embeddingModel(d, 10)]) {
      assert.ok(readFileSync(write(a)).equals(readFileSync(write(b))), `${write.name} differs between builds`);
    }
    const [badA, badB] = [badModelFiles(a), badModelFiles(b)];
    for (const key of ['empty', 'truncated', 'notOnnx', 'garbage'] as const) {
      assert.ok(readFileSync(badA[key]).equals(readFileSync(badB[key])), key);
    }
  });

  test('mixedInputsModel: metadata keeps every type and odd dimension name; all inputs feed', async () => {
    const session = await open(mixedInputsModel(tmp));
    assert.deepEqual(session.inputMetadata, [
      { name: 'input_ids', isTensor: true, type: 'int64', shape: ['batch', ''] },
      { name: 'features', isTensor: true, type: 'float32', shape: ['p2o.DynamicDimension.0', 4] },
      { name: 'sample_rate', isTensor: true, type: 'float32', shape: [] },
      { name: 'flag', isTensor: true, type: 'bool', shape: [1] },
      ...MIXED_IDENTITY_TYPES.map((type) => ({ name: `${type}_input`, isTensor: true, type, shape: ['n'] })),
    ]);

    const n = 3;
    const typed: Record<(typeof MIXED_IDENTITY_TYPES)[number], ort.Tensor> = {
      float16: new ort.Tensor('float16', Uint16Array.of(0x3c00, 0x4000, 0xc000), [n]), // 1, 2, -2
      float64: new ort.Tensor('float64', Float64Array.of(0.5, -1e300, 3), [n]),
      int8: new ort.Tensor('int8', Int8Array.of(-128, 0, 127), [n]),
      int16: new ort.Tensor('int16', Int16Array.of(-32768, 0, 32767), [n]),
      int32: new ort.Tensor('int32', Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1), [n]),
      uint8: new ort.Tensor('uint8', Uint8Array.of(0, 128, 255), [n]),
      uint16: new ort.Tensor('uint16', Uint16Array.of(0, 1, 65535), [n]),
      uint32: new ort.Tensor('uint32', Uint32Array.of(0, 1, 2 ** 32 - 1), [n]),
      uint64: new ort.Tensor('uint64', BigUint64Array.of(0n, 1n, 2n ** 64n - 1n), [n]),
      string: new ort.Tensor('string', ['', 'héllo', 'a b'], [n]),
    };
    const out = await session.run({
      input_ids: int64([0, 1, 2, 3, 3, 2], [2, 3]),
      features: new ort.Tensor('float32', Float32Array.of(-1, 2, -3, 4, 5, -6, 7, -8), [2, 4]),
      sample_rate: new ort.Tensor('float32', Float32Array.of(16000), []),
      flag: new ort.Tensor('bool', Uint8Array.of(1), [1]),
      ...Object.fromEntries(Object.entries(typed).map(([type, t]) => [`${type}_input`, t])),
    });
    assert.deepEqual(out.embeddings?.dims, [2, 3, 2]);
    assert.deepEqual(Array.from(floats(out.features_relu)), [0, 2, 0, 4, 5, 0, 7, 0]);
    assert.deepEqual(out.sample_rate_out?.dims, []);
    assert.deepEqual(Array.from(floats(out.sample_rate_out)), [16000]);
    assert.equal(out.flag_not?.type, 'bool');
    assert.deepEqual(Array.from(out.flag_not?.data as Uint8Array), [0]);
    for (const [type, t] of Object.entries(typed)) {
      const echoed = out[`${type}_output`];
      assert.equal(echoed?.type, type);
      assert.deepEqual(echoed.data, t.data, type);
    }
    await session.release();
  });

  test('embeddingModel: ids must lie in [-vocab, vocab)', async () => {
    const session = await open(embeddingModel(tmp, 10));
    const ok = await session.run({ ids: int64([0, 9, -1, -10], [2, 2]) });
    assert.deepEqual(ok.embeddings?.dims, [2, 2, 8]);
    const e = floats(ok.embeddings);
    assert.deepEqual(e.subarray(8, 16), e.subarray(16, 24), 'id -1 wraps around to id 9');
    for (const id of [10, 1000, -11]) {
      await assert.rejects(session.run({ ids: int64([1, id], [1, 2]) }), {
        message: `Non-zero status code returned while running Gather node. Name:'Gather_0' Status Message: ` +
          `indices element out of data bounds, idx=${id} must be within the inclusive range [-10,9]`,
      });
    }
    await session.release();
  });

  test('fixedShapeModel: other shapes and element types are rejected, naming the input', async () => {
    const session = await open(fixedShapeModel(tmp));
    assert.deepEqual(session.inputMetadata, [{ name: 'image', isTensor: true, type: 'float32', shape: [1, 3, 8, 8] }]);
    const ok = await session.run({ image: new ort.Tensor('float32', new Float32Array(192).fill(-1), [1, 3, 8, 8]) });
    assert.ok(floats(ok.output).every((v) => v === 0));

    await assert.rejects(session.run({ image: new ort.Tensor('float32', new Float32Array(243), [1, 3, 9, 9]) }), {
      message: 'Got invalid dimensions for input: image for the following indices\n' +
        ' index: 2 Got: 9 Expected: 8\n index: 3 Got: 9 Expected: 8\n Please fix either the inputs/outputs or the model.',
    });
    await assert.rejects(session.run({ image: new ort.Tensor('float32', new Float32Array(192), [3, 8, 8]) }), {
      message: 'Invalid rank for input: image Got: 3 Expected: 4 Please fix either the inputs/outputs or the model.',
    });
    // The element-type error does not name the input.
    await assert.rejects(session.run({ image: new ort.Tensor('float64', new Float64Array(192), [1, 3, 8, 8]) }), {
      message: 'Unexpected input data type. Actual: (tensor(double)) , expected: (tensor(float))',
    });
    await assert.rejects(session.run({}), { message: "input 'image' is missing in 'feeds'." });
    await session.release();
  });

  test('slowModel: runs at any batch and takes over a millisecond', async () => {
    const session = await open(slowModel(tmp));
    const feeds = { x: new ort.Tensor('float32', new Float32Array(2 * SLOW_MODEL.width).fill(0.1), [2, SLOW_MODEL.width]) };
    const out = await session.run(feeds);
    assert.deepEqual(out.y?.dims, [2, SLOW_MODEL.width]);
    assert.ok(floats(out.y).every(Number.isFinite));

    const one = { x: new ort.Tensor('float32', new Float32Array(SLOW_MODEL.width).fill(0.1), [1, SLOW_MODEL.width]) };
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await session.run(one);
      times.push(performance.now() - start);
    }
    // ~1.6 GFLOP: no single core does that in 1 ms, so only a broken model would be this fast.
    assert.ok(Math.min(...times) > 1, `fastest of 5 runs took ${Math.min(...times)} ms`);
    await session.release();
  });

  test('bfloat16InputModel: onnxruntime-node cannot load it', async () => {
    await assert.rejects(open(bfloat16InputModel(tmp)), { message: 'Unsupported data type: 16' });
  });

  test('sequenceInputModel: loads, but its input is not a tensor and cannot be fed', async () => {
    const session = await open(sequenceInputModel(tmp));
    assert.deepEqual(session.inputMetadata, [{ name: 'xs', isTensor: false }]);
    await assert.rejects(session.run({ xs: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) }), {
      message: "input with name: 'xs' expected to be of type: 3 but received a tensor",
    });
    await session.release();
  });

  test('badModelFiles: each fails to load, with a recognisable message', async () => {
    const files = badModelFiles(join(tmp, 'bad'));
    const expected = {
      empty: 'ModelProto does not have a graph.',
      truncated: 'Protobuf parsing failed.',
      notOnnx: 'Protobuf parsing failed.',
      garbage: 'Protobuf parsing failed.',
    };
    for (const [key, path] of Object.entries(files)) {
      const tail = expected[key as keyof typeof expected];
      await assert.rejects(open(path), (e: Error) => {
        assert.ok(e.message.startsWith(`Load model from ${path} failed:`), e.message);
        assert.ok(e.message.trimEnd().endsWith(tail), `${key}: ${e.message}`);
        return true;
      });
    }
    // From bytes instead of a path the messages differ.
    await assert.rejects(open(readFileSync(files.empty)), { message: 'Model data pointer is null.' });
    await assert.rejects(open(readFileSync(files.garbage)), {
      message: 'Failed to load model because protobuf parsing failed.',
    });
  });
});
