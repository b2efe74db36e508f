import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, mergeConfig, type InputsConfig } from '../../src/core/config';
import { InputSynthesisError, MAX_ELEMENTS, generateData, planInputs, toFloat16Bits, type InputMetadata } from '../../src/core/inputSynthesis';

const defaults: InputsConfig = DEFAULT_CONFIG.inputs;
const inputs = (overrides: Partial<InputsConfig>): InputsConfig => mergeConfig({ inputs: overrides }).inputs;
const tensor = (name: string, type: string, shape: Array<number | string>): InputMetadata => ({ name, isTensor: true, type, shape });

describe('shapes', () => {
  test('a leading symbolic dim is the batch (1); other symbolic dims get the default', () => {
    const [p] = planInputs([tensor('x', 'float32', ['N', 3, 'height', 'width'])], defaults);
    assert.deepEqual(p?.shape, [1, 3, 32, 32]);
  });

  test('symbolic dims named anything, including the empty string and -1', () => {
    const plans = planInputs(
      [
        tensor('input_ids', 'int64', ['batch', '']),
        tensor('features', 'float32', ['p2o.DynamicDimension.0', 4]),
        tensor('unknown', 'float32', [-1, -1]),
        tensor('middle_batch', 'float32', [2, 'batch_size']),
      ],
      defaults,
    );
    assert.deepEqual(plans.map((p) => p.shape), [[1, 32], [1, 4], [1, 32], [2, 1]]);
    assert.match(plans[0]?.notes.join(' ') ?? '', /dim 1 \(unnamed\) → 32/);
  });

  test('named dimension overrides apply to every input sharing the symbol', () => {
    const cfg = inputs({ dimensions: { sequence: 128, batch: 4 }, defaultDimension: 7 });
    const plans = planInputs([tensor('ids', 'int64', ['batch', 'sequence']), tensor('mask', 'int64', ['batch', 'sequence']), tensor('other', 'float32', ['batch', 'k'])], cfg);
    assert.deepEqual(plans.map((p) => p.shape), [[4, 128], [4, 128], [4, 7]]);
  });

  test('a shape override wins, and may name symbols', () => {
    const cfg = inputs({ overrides: { image: { shape: [2, 3, 'side', 'side'] } }, dimensions: { side: 64 } });
    const [p] = planInputs([tensor('image', 'float32', ['b', 3, 'h', 'w'])], cfg);
    assert.deepEqual(p?.shape, [2, 3, 64, 64]);
  });

  test('an override of the wrong rank or against a fixed dim is refused up front, naming the input', () => {
    const wrongRank = inputs({ overrides: { image: { shape: [3, 8, 8] } } });
    assert.throws(() => planInputs([tensor('image', 'float32', [1, 3, 8, 8])], wrongRank), (e: unknown) => e instanceof InputSynthesisError && e.inputName === 'image' && /rank 3.*rank 4/.test(e.message));
    const fixed = inputs({ overrides: { image: { shape: [1, 3, 9, 9] } } });
    assert.throws(() => planInputs([tensor('image', 'float32', [1, 3, 8, 8])], fixed), /dimension 2 to 9, but the model fixes it at 8/);
  });

  test('absurd sizes are refused instead of allocating gigabytes', () => {
    const cfg = inputs({ dimensions: { s: 1 << 20 } });
    assert.ok(MAX_ELEMENTS < (1 << 20) * (1 << 20));
    assert.throws(() => planInputs([tensor('x', 'float32', ['s', 's'])], cfg), /elements/);
  });
});

describe('values', () => {
  test('integer ids index any embedding of two rows; masks are ones; segment ids zero', () => {
    const plans = planInputs([tensor('input_ids', 'int64', ['b', 's']), tensor('attention_mask', 'int64', ['b', 's']), tensor('token_type_ids', 'int64', ['b', 's'])], defaults);
    const [ids, mask, types] = plans.map((p) => generateData(p) as BigInt64Array);
    assert.ok(ids && [...ids].every((v) => v === 0n || v === 1n));
    assert.ok(ids && new Set(ids).size === 2, 'both 0 and 1 appear in 32 draws');
    assert.ok(mask && [...mask].every((v) => v === 1n));
    assert.ok(types && [...types].every((v) => v === 0n));
  });

  test('range and constant overrides, type-checked per element type', () => {
    const cfg = inputs({ overrides: { ids: { range: [100, 200] }, rate: { value: 16000 }, u8: { value: 300 } } });
    const [ids] = planInputs([tensor('ids', 'int32', [1, 64])], cfg);
    const data = generateData(ids!) as Int32Array;
    assert.ok([...data].every((v) => v >= 100 && v < 200 && Number.isInteger(v)));
    const [rate] = planInputs([tensor('rate', 'float32', [])], cfg);
    assert.deepEqual([...(generateData(rate!) as Float32Array)], [16000]);
    assert.throws(() => planInputs([tensor('u8', 'uint8', [1])], cfg), (e: unknown) => e instanceof InputSynthesisError && e.inputName === 'u8' && /uint8/.test(e.message));
  });

  test('scalars default to 1 with a note saying why', () => {
    const [p] = planInputs([tensor('sample_rate', 'float32', [])], defaults);
    assert.deepEqual(p?.shape, []);
    assert.deepEqual(p?.fill, { kind: 'constant', value: 1 });
    assert.deepEqual([...(generateData(p!) as Float32Array)], [1]);
    assert.match(p?.notes.join(' ') ?? '', /scalar/);
  });

  test('every feedable element type produces the buffer onnxruntime-node expects', () => {
    const cases: Array<[string, unknown]> = [
      ['float32', Float32Array], ['float64', Float64Array], ['float16', Uint16Array], ['int8', Int8Array], ['int16', Int16Array],
      ['int32', Int32Array], ['int64', BigInt64Array], ['uint8', Uint8Array], ['uint16', Uint16Array], ['uint32', Uint32Array],
      ['uint64', BigUint64Array], ['bool', Uint8Array], ['string', Array],
    ];
    for (const [type, ctor] of cases) {
      const [p] = planInputs([tensor(`${type}_in`, type, [2, 3])], defaults);
      const data = generateData(p!);
      assert.ok(data instanceof (ctor as new () => object), `${type} → ${(ctor as { name: string }).name}`);
      assert.equal(data.length, 6, type);
    }
  });

  test('floats are in [0, 1) and reproducible for the same config', () => {
    const [a] = planInputs([tensor('x', 'float32', [1, 1000])], defaults);
    const [b] = planInputs([tensor('x', 'float32', [1, 1000])], defaults);
    const da = generateData(a!) as Float32Array;
    assert.deepEqual(da, generateData(b!));
    assert.ok([...da].every((v) => v >= 0 && v < 1));
  });

  test('unsupported element types and non-tensor inputs name the input', () => {
    assert.throws(() => planInputs([tensor('bf', 'bfloat16', [1])], defaults), (e: unknown) => e instanceof InputSynthesisError && e.inputName === 'bf' && /bfloat16/.test(e.message));
    assert.throws(() => planInputs([{ name: 'xs', isTensor: false }], defaults), (e: unknown) => e instanceof InputSynthesisError && e.inputName === 'xs' && /not a tensor/.test(e.message));
  });
});

test('float16 bits match IEEE 754 binary16 worked values', () => {
  // 1.0 = 0 01111 0000000000; -2 = 1 10000 0...; 65504 is the largest finite half; 2^-24 the smallest subnormal.
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(-2), 0xc000);
  assert.equal(toFloat16Bits(0.5), 0x3800);
  assert.equal(toFloat16Bits(65504), 0x7bff);
  assert.equal(toFloat16Bits(1e6), 0x7c00);
  assert.equal(toFloat16Bits(2 ** -24), 0x0001);
  assert.equal(toFloat16Bits(0), 0);
  assert.equal(toFloat16Bits(Number.NaN) & 0x7c00, 0x7c00);
  // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties round to even (1.0).
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00);
});
