import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { OnnxFormatError, countOnnxParameters, sizeClass, type ByteSource } from '../../src/core/onnxParameters';
import { GraphBuilder } from '../support/onnxBuilder';

const ROOT = join(__dirname, '..', '..');

/** Counts the reads too: the walk must step over weight bytes, not read them. */
function bufferSource(bytes: Uint8Array): ByteSource & { bytesRead: number } {
  const src = {
    size: bytes.length,
    bytesRead: 0,
    read(offset: number, length: number): Uint8Array {
      const out = bytes.subarray(offset, Math.min(bytes.length, offset + length));
      src.bytesRead += out.length;
      return out;
    },
  };
  return src;
}

/** The oracle: protobufjs decodes the whole model with the ONNX schema. */
function decodedCount(bytes: Uint8Array): number {
  const model = onnx.ModelProto.decode(bytes);
  return (model.graph?.initializer ?? []).reduce((sum, t) => sum + (t.dims ?? []).reduce((a, d) => a * Number(d), 1), 0);
}

describe('countOnnxParameters', () => {
  for (const name of ['lenet5.onnx', 'tiny-transformer.onnx']) {
    test(`${name}: the same count as decoding the whole model, reading a fraction of its bytes`, () => {
      const bytes = readFileSync(join(ROOT, 'examples', name));
      const src = bufferSource(bytes);
      const counted = countOnnxParameters(src);
      const expected = decodedCount(bytes);
      assert.ok(expected > 1000, `${name} has weights (${expected})`);
      assert.equal(counted.parameters, expected);
      assert.equal(counted.initializers, onnx.ModelProto.decode(bytes).graph!.initializer!.length);
      assert.ok(src.bytesRead < bytes.length / 4, `read ${src.bytesRead} of ${bytes.length} bytes`);
    });
  }

  test('a scalar initializer counts one; a model without weights counts none', () => {
    const g = new GraphBuilder('scalars');
    g.input('x', 'float32', [2]);
    g.op('Mul', ['x', g.param('k', new Float32Array([3]), [])], {}, 'y');
    g.output('y', 'float32', [2]);
    assert.deepEqual(countOnnxParameters(bufferSource(g.toBytes())), { parameters: 1, initializers: 1 });

    const plain = new GraphBuilder('plain');
    plain.input('x', 'float32', [2]);
    plain.op('Relu', ['x'], {}, 'y');
    plain.output('y', 'float32', [2]);
    assert.deepEqual(countOnnxParameters(bufferSource(plain.toBytes())), { parameters: 0, initializers: 0 });
  });

  test('truncated or foreign bytes are a format error, never a wrong count', () => {
    const bytes = readFileSync(join(ROOT, 'examples', 'lenet5.onnx'));
    assert.throws(() => countOnnxParameters(bufferSource(bytes.subarray(0, Math.floor(bytes.length / 2)))), OnnxFormatError);
    assert.throws(() => countOnnxParameters(bufferSource(new TextEncoder().encode('{"not": "a model"}'))), OnnxFormatError);
  });
});

test('size classes of common latency guides', () => {
  assert.equal(sizeClass(61_706).class, 'small');
  assert.equal(sizeClass(999_999_999).class, 'small');
  assert.equal(sizeClass(1e9).class, 'medium');
  assert.equal(sizeClass(6.7e9).label, 'medium (1–7B parameters)');
  assert.equal(sizeClass(7e9).class, 'large');
  assert.equal(sizeClass(70e9).class, 'xl');
});
