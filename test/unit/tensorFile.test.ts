import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InputsConfig } from '../../src/core/config';
import { InputSynthesisError, generateData, planInputs, type InputMetadata } from '../../src/core/inputSynthesis';
import { TensorFileError, checkTensorNames, convertTensor, fitTensor, fromFloat16Bits, parseTensorJson, type RawTensor, type SuppliedInput } from '../../src/core/tensorFile';

const meta = (name: string, type: string, shape: Array<number | string>): InputMetadata => ({ name, isTensor: true, type, shape });
const src = (path: string, entry?: string) => ({ path, sha256: 'ab'.repeat(32), ...(entry ? { entry } : {}) });
const noDims = { dimensions: {} };
const config: InputsConfig = { defaultDimension: 32, dimensions: {}, overrides: {} };

function single(text: string): RawTensor {
  const parsed = parseTensorJson(text, 't.json');
  assert.equal(parsed.kind, 'tensor');
  return (parsed as { tensor: RawTensor }).tensor;
}
const jsonRejects = (text: string, message: RegExp) =>
  assert.throws(() => parseTensorJson(text, 'bad.json'), (e: unknown) => e instanceof TensorFileError && e.file === 'bad.json' && message.test(e.message), String(message));
const fitRejects = (fn: () => unknown, input: string, message: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof InputSynthesisError && e.inputName === input && message.test(e.message), String(message));

describe('JSON tensor files', () => {
  test('several inputs by name: nested lists give the shape, a typed entry gives dims and type', () => {
    const parsed = parseTensorJson(
      JSON.stringify({
        input_ids: [[101, 2023, 102]],
        attention_mask: { dims: [1, 3], data: [1, 1, 1], type: 'int64' },
        flag: [true],
        rate: 16000,
      }),
      'inputs.json',
    );
    assert.equal(parsed.kind, 'inputs');
    if (parsed.kind !== 'inputs') return;
    const ids = parsed.tensors.get('input_ids')!;
    assert.deepEqual([ids.dtype, ids.shape, [...ids.data]], ['number', [1, 3], [101, 2023, 102]]);
    const mask = parsed.tensors.get('attention_mask')!;
    assert.equal(mask.dtype, 'int64');
    assert.deepEqual([...mask.data], [1n, 1n, 1n]);
    assert.deepEqual([parsed.tensors.get('flag')!.dtype, [...parsed.tensors.get('flag')!.data]], ['bool', [1]]);
    assert.deepEqual(parsed.tensors.get('rate')!.shape, [], 'a bare number is a scalar');
  });

  test('a bare tensor: nested lists, or one { dims, data } object', () => {
    assert.deepEqual(single('[[1.5, 2], [3, 4]]').shape, [2, 2]);
    const typed = single('{"dims": [2], "data": [0.5, 1], "type": "float16"}');
    assert.equal(typed.dtype, 'float16');
    assert.deepEqual([...(typed.data as Uint16Array)].map(fromFloat16Bits), [0.5, 1]);
    assert.deepEqual(single('[[], []]').shape, [2, 0]);
  });

  test('ragged lists are refused, naming where the rows differ', () => {
    jsonRejects('{"x": [[1, 2, 3], [4, 5]]}', /"x" is not rectangular: \[1\] has 2 elements, but \[0\] has 3/);
    jsonRejects('{"x": [[1, 2], 3]}', /"x" is not rectangular: \[1\] is not a list, but \[0\] is a list of 2/);
    jsonRejects('{"x": [1, [2]]}', /"x" is not rectangular: \[1\] is a list, but \[0\] is not/);
  });

  test('elements must be numbers, booleans or strings, all of one kind', () => {
    jsonRejects('{"x": [1, null]}', /mixes element kinds: \[1\] is null, but \[0\] is a number/);
    jsonRejects('{"x": [{"a": 1}]}', /has an object at \[0\]/);
    jsonRejects('{"x": [1, true]}', /\[1\] is boolean, but \[0\] is a number/);
  });

  test('typed entries: dims and data must agree, data is flat, keys and types are known', () => {
    jsonRejects('{"x": {"dims": [2, 3], "data": [1, 2, 3, 4, 5]}}', /"x" has 5 values in "data" but dims \[2, 3\] need 6/);
    jsonRejects('{"x": {"dims": [1, 2], "data": [[1, 2]]}}', /nested list in "data" at index 0; with "dims", "data" is the flat list of 2 values/);
    jsonRejects('{"x": {"dims": [1], "data": [1], "dtype": "int64"}}', /unknown key "dtype"/);
    jsonRejects('{"x": {"dims": [1], "data": [1], "type": "bfloat16"}}', /"type": "bfloat16", which is not one of float32/);
    jsonRejects('{"x": {"dims": [2], "data": [1, 0.5], "type": "int64"}}', /"x" has 0\.5 at \[1\], which is not an integer, but its "type" is int64/);
    jsonRejects('{"x": {"dims": [-1], "data": []}}', /"dims" that is not a list of sizes ≥ 0/);
  });

  test('invalid JSON and an empty object are file errors', () => {
    jsonRejects('{"x": [1, 2,]}', /^Tensor file "bad\.json": is not valid JSON \(ValueExpected at line 1, column 13\)\.$/);
    jsonRejects('{}', /holds no tensors/);
  });

  test('names in a multi-input file must be model inputs; the error lists them', () => {
    const inputs = [meta('input_ids', 'int64', ['b', 's']), meta('attention_mask', 'int64', ['b', 's'])];
    assert.throws(
      () => checkTensorNames(['input_ids', 'input_id'], inputs, 'inputs.json'),
      (e: unknown) => e instanceof TensorFileError && /"input_id", which is not an input of the model/.test(e.message) && /inputs are: input_ids, attention_mask/.test(e.hint),
    );
  });
});

describe('element type conversion', () => {
  const fail = (reason: string): never => {
    throw new Error(reason);
  };
  const f64: RawTensor = { dtype: 'float64', shape: [2], data: Float64Array.of(0.1, 2) };

  test("float64 (NumPy's default) converts to float32, with a note saying so", () => {
    const r = convertTensor(f64, 'float32', fail);
    assert.ok(r.data instanceof Float32Array);
    assert.deepEqual([...r.data], [Math.fround(0.1), 2]);
    assert.equal(r.note, "float64 data converted to float32 (NumPy's default dtype is float64)");
  });

  test('float → integer is refused; integers convert between widths only when every value fits', () => {
    assert.throws(() => convertTensor(f64, 'int64', fail), /holds float64 data, but the input's element type is int64; floats are not converted to integers/);
    const i64: RawTensor = { dtype: 'int64', shape: [1, 2], data: BigInt64Array.of(7n, 2n ** 40n) };
    assert.throws(() => convertTensor(i64, 'int32', fail), /has 1099511627776 at \[0, 1\], which does not fit int32 \(integers in \[-2147483648, 2147483647\]\)/);
    const small: RawTensor = { dtype: 'int64', shape: [2], data: BigInt64Array.of(-5n, 30521n) };
    const r = convertTensor(small, 'int32', fail);
    assert.ok(r.data instanceof Int32Array);
    assert.deepEqual([...r.data], [-5, 30521]);
    assert.equal(r.note, 'int64 data converted to int32');
    const back = convertTensor({ dtype: 'int32', shape: [1], data: Int32Array.of(-3) }, 'int64', fail);
    assert.deepEqual([...back.data], [-3n]);
    assert.throws(() => convertTensor({ dtype: 'int8', shape: [1], data: Int8Array.of(-1) }, 'uint8', fail), /has -1 at \[0\], which does not fit uint8/);
  });

  test('untyped JSON numbers fit integer inputs when integral, with no conversion note', () => {
    const ids: RawTensor = { dtype: 'number', shape: [3], data: Float64Array.of(101, 0, 30521) };
    const r = convertTensor(ids, 'int64', fail);
    assert.deepEqual([...r.data], [101n, 0n, 30521n]);
    assert.equal(r.note, undefined);
    assert.throws(() => convertTensor({ ...ids, data: Float64Array.of(1, 2.5, 3) }, 'int64', fail), /has 2\.5 at \[1\], which is not an integer/);
    assert.throws(() => convertTensor({ ...ids, data: Float64Array.of(2 ** 60, 0, 0) }, 'int64', fail), /beyond 2\^53 where JSON numbers lose precision; save such values in a \.npy file/);
  });

  test('bool: booleans and 0/1 feed a bool input; bool data feeds an integer mask as 0/1', () => {
    const bools: RawTensor = { dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) };
    assert.deepEqual([...convertTensor(bools, 'int64', fail).data], [1n, 0n]);
    assert.deepEqual([...convertTensor({ dtype: 'number', shape: [2], data: Float64Array.of(0, 1) }, 'bool', fail).data], [0, 1]);
    assert.throws(() => convertTensor({ dtype: 'number', shape: [1], data: Float64Array.of(2) }, 'bool', fail), /does not fit bool \(true\/false or 0\/1\)/);
  });

  test('strings feed only string inputs', () => {
    assert.throws(() => convertTensor({ dtype: 'string', shape: [1], data: ['a'] }, 'float32', fail), /holds strings, but the input's element type is float32/);
    assert.throws(() => convertTensor(f64, 'string', fail), /holds float64 data, but the input's element type is string/);
  });
});

describe('fitting a file to its model input', () => {
  const image = meta('image', 'float32', ['batch', 3, 8, 8]);
  const imageData = (shape: number[]): RawTensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

  test('symbolic dims take the file\'s sizes, which are returned as bindings', () => {
    const s = fitTensor(image, imageData([2, 3, 8, 8]), src('data/x.npy'), noDims);
    assert.deepEqual(s.shape, [2, 3, 8, 8]);
    assert.deepEqual(s.bindings, { batch: 2 });
    assert.deepEqual(s.fill, { kind: 'file', path: 'data/x.npy', sha256: 'ab'.repeat(32) });
    assert.deepEqual(s.notes, ['shape [2, 3, 8, 8] from the file']);
  });

  test('a wrong rank or fixed dimension names the input, the file, expected and got', () => {
    fitRejects(() => fitTensor(image, imageData([3, 8, 8]), src('data/x.npy'), noDims), 'image', /^Input "image": "data\/x\.npy" has shape \[3, 8, 8\] \(rank 3\), but the model declares rank 4: \["batch", 3, 8, 8\]\.$/);
    fitRejects(() => fitTensor(image, imageData([1, 3, 16, 16]), src('data/x.npy'), noDims), 'image', /"data\/x\.npy" has shape \[1, 3, 16, 16\], but the model fixes dimension 2 at 8 \(declared \["batch", 3, 8, 8\]\)/);
    fitRejects(() => fitTensor(image, imageData([1, 3, 16, 16]), src('all.json', 'image'), noDims), 'image', /"all\.json" \(entry "image"\) has shape/);
  });

  test('a file contradicting inputs.dimensions or the shape override is refused; agreeing ones pass', () => {
    fitRejects(() => fitTensor(image, imageData([2, 3, 8, 8]), src('x.npy'), { dimensions: { batch: 4 } }), 'image', /has 2 at dimension 0 \("batch"\), but inputs\.dimensions sets "batch" to 4/);
    fitRejects(() => fitTensor(image, imageData([2, 3, 8, 8]), src('x.npy'), { dimensions: {}, shape: [1, 3, 8, 8] }), 'image', /has shape \[2, 3, 8, 8\], but the shape override for this input is \[1, 3, 8, 8\]/);
    assert.deepEqual(fitTensor(image, imageData([2, 3, 8, 8]), src('x.npy'), { dimensions: { batch: 2 }, shape: ['batch', 3, 8, 8] }).shape, [2, 3, 8, 8]);
  });

  test('a symbol used twice in one input must be one size', () => {
    fitRejects(() => fitTensor(meta('sq', 'float32', ['n', 'n']), imageData([2, 3]), src('sq.npy'), noDims), 'sq', /uses "n" for dimensions of different sizes/);
  });

  test('the element type follows the conversion rules, with the hint naming the dtype to save', () => {
    const f64 = fitTensor(image, { dtype: 'float64', shape: [1, 3, 8, 8], data: new Float64Array(192) }, src('x.npy'), noDims);
    assert.ok(f64.data instanceof Float32Array);
    assert.match(f64.notes.join('\n'), /float64 data converted to float32/);
    assert.throws(
      () => fitTensor(meta('ids', 'int64', ['b', 's']), { dtype: 'float32', shape: [1, 2], data: Float32Array.of(1, 2) }, src('ids.npy'), noDims),
      (e: unknown) => e instanceof InputSynthesisError && /"ids\.npy" holds float32 data, but the input's element type is int64/.test(e.message) && /np\.save\(path, x\.astype\(np\.int64\)\)/.test(e.hint),
    );
  });

  test('an unknown rank ([] declared) takes the file as it is, with a note', () => {
    const s = fitTensor(meta('x', 'float32', []), imageData([2, 2]), src('x.npy'), noDims);
    assert.deepEqual(s.shape, [2, 2]);
    assert.match(s.notes.join('\n'), /declares no dimensions/);
  });
});

describe('planning with supplied inputs', () => {
  const inputs = [meta('input_ids', 'int64', ['batch', 'sequence']), meta('attention_mask', 'int64', ['batch', 'sequence']), meta('token_type_ids', 'int64', ['batch', 'sequence'])];
  const ids = (path: string, shape: number[]): SuppliedInput =>
    fitTensor(inputs[0]!, { dtype: 'int64', shape, data: new BigInt64Array(shape[0]! * shape[1]!).fill(5n) }, src(path), noDims);

  test('a file input is planned as read; other inputs follow its symbolic sizes', () => {
    const plans = planInputs(inputs, config, new Map([['input_ids', ids('ids.npy', [2, 7])]]));
    assert.deepEqual(plans[0]!.fill, { kind: 'file', path: 'ids.npy', sha256: 'ab'.repeat(32) });
    assert.deepEqual(plans.map((p) => p.shape), [[2, 7], [2, 7], [2, 7]]);
    assert.ok(plans[1]!.notes.includes('"sequence" → 7 (from ids.npy, fed to "input_ids")'), plans[1]!.notes.join('; '));
    assert.deepEqual(plans[1]!.fill, { kind: 'constant', value: 1 }, 'the mask is still synthesized');
    assert.throws(() => generateData(plans[0]!), /read from ids\.npy, not generated/);
  });

  test('two files giving one symbol different sizes are refused, naming both', () => {
    const mask = fitTensor(inputs[1]!, { dtype: 'int64', shape: [2, 9], data: new BigInt64Array(18) }, src('mask.npy'), noDims);
    fitRejects(
      () => planInputs(inputs, config, new Map([['input_ids', ids('ids.npy', [2, 7])], ['attention_mask', mask]])),
      'attention_mask',
      /"mask\.npy" gives dimension "sequence" size 9, but "ids\.npy" \(input "input_ids"\) gives it 7/,
    );
  });

  test("a value or range override that a multi-input file overrules is noted, not applied", () => {
    const cfg: InputsConfig = { ...config, overrides: { input_ids: { range: [0, 30522] } } };
    const [plan] = planInputs(inputs.slice(0, 1), cfg, new Map([['input_ids', ids('all.json', [1, 3])]]));
    assert.equal(plan!.fill.kind, 'file');
    assert.ok(plan!.notes.includes('range override not applied: the values come from the file'));
  });

  test('an override naming a file that was never loaded is an error, not silently synthesized', () => {
    fitRejects(() => planInputs(inputs.slice(0, 1), { ...config, overrides: { input_ids: { file: 'ids.npy' } } }), 'input_ids', /is to be read from "ids\.npy", but that file was not loaded/);
  });
});
