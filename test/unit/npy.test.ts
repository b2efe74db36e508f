import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NpyFormatError, encodeNpy, parseNpy, type NpyArray } from '../../src/core/npy';

const FIXTURES = join(__dirname, '..', 'fixtures', 'tensors');
const fixture = (name: string) => parseNpy(readFileSync(join(FIXTURES, name)));

/** A .npy file from a header dict and raw data bytes, for the cases NumPy would never write. */
function npy(dict: string, data: Uint8Array | number[] = [], version = 1): Uint8Array {
  const header = new TextEncoder().encode(`${dict}\n`);
  const lengthBytes = version === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthBytes + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + header.length);
  return out;
}

const rejects = (bytes: Uint8Array, message: RegExp) =>
  assert.throws(() => parseNpy(bytes), (e: unknown) => e instanceof NpyFormatError && message.test(e.message), String(message));

describe('npy files written by NumPy', () => {
  test('float32 and float64 (NumPy\'s default) in C order', () => {
    const f32 = fixture('float32_2x3.npy');
    assert.equal(f32.dtype, 'float32');
    assert.deepEqual(f32.shape, [2, 3]);
    assert.ok(f32.data instanceof Float32Array);
    assert.deepEqual([...f32.data], [0, 0.25, 0.5, 0.75, 1, 1.25]);
    const f64 = fixture('float64_2x3.npy');
    assert.equal(f64.dtype, 'float64');
    assert.ok(f64.data instanceof Float64Array);
    assert.deepEqual([...f64.data], [0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  test('int64 token ids come back as BigInt64Array, uint64 as BigUint64Array, full range', () => {
    const ids = fixture('int64_ids_1x5.npy');
    assert.equal(ids.dtype, 'int64');
    assert.ok(ids.data instanceof BigInt64Array);
    assert.deepEqual([...ids.data], [101n, 2023n, 2003n, 1037n, 102n]);
    const u64 = fixture('uint64_2.npy');
    assert.ok(u64.data instanceof BigUint64Array);
    assert.deepEqual([...u64.data], [0n, 2n ** 64n - 1n]);
    assert.deepEqual([...fixture('int32_big_1x2.npy').data], [2147483647, -2147483648]);
  });

  test('bool, uint8 (|b1, |u1) and float16 (as IEEE bits)', () => {
    const b = fixture('bool_2x2.npy');
    assert.equal(b.dtype, 'bool');
    assert.deepEqual([...b.data], [1, 0, 0, 1]);
    const u8 = fixture('uint8_2x2x2.npy');
    assert.equal(u8.dtype, 'uint8');
    assert.deepEqual(u8.shape, [2, 2, 2]);
    assert.deepEqual([...u8.data], [0, 1, 2, 3, 4, 5, 6, 7]);
    const h = fixture('float16_3.npy');
    assert.equal(h.dtype, 'float16');
    assert.deepEqual([...h.data], [0x3e00, 0xc000, 0x7bff]);
  });

  test('Fortran order is transposed to C order: the same array NumPy shows', () => {
    const f = fixture('fortran_float32_2x3x4.npy');
    assert.deepEqual(f.shape, [2, 3, 4]);
    assert.deepEqual([...f.data], Array.from({ length: 24 }, (_, i) => i));
  });

  test('big-endian data is byte-swapped', () => {
    const be = fixture('bigendian_int32_2x2.npy');
    assert.equal(be.dtype, 'int32');
    assert.deepEqual([...be.data], [0, 1, 2, 3]);
  });

  test('format versions 2.0 and 3.0, and a 0-d scalar', () => {
    assert.deepEqual([...fixture('float32_v2_2x2.npy').data], [1, 2, 3, 4]);
    const v3 = fixture('float32_v3_2.npy');
    assert.deepEqual(v3.shape, [2]);
    assert.deepEqual([...v3.data], [0.5, -0.5]);
    const scalar = fixture('scalar_float64.npy');
    assert.deepEqual(scalar.shape, []);
    assert.deepEqual([...scalar.data], [16000]);
  });

  test('an .npz archive and a string array are refused saying what they are', () => {
    rejects(readFileSync(join(FIXTURES, 'two_arrays.npz')), /zip archive \(an \.npz file/);
    rejects(readFileSync(join(FIXTURES, 'unicode_2.npy')), /dtype '<U2' \(unicode strings\) is not supported; supported: <f2 <f4 <f8 \|i1/);
  });
});

describe('npy headers and data built by hand', () => {
  const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

  test("double quotes, '=' byte order, '|i1', Python 2 longs, and no trailing comma are all read", () => {
    const a = parseNpy(npy(`{"descr": "=f4", "fortran_order": False, "shape": (2L,)}`, f32([1, 2])));
    assert.deepEqual([a.shape, [...a.data]], [[2], [1, 2]]);
    const b = parseNpy(npy(`{'shape': (3,), 'fortran_order': False, 'descr': '|i1', }`, [1, 255, 3]));
    assert.equal(b.dtype, 'int8');
    assert.deepEqual([...b.data], [1, -1, 3]);
  });

  test('a bool byte other than 0 or 1 reads as true (1), as NumPy reads it', () => {
    assert.deepEqual([...parseNpy(npy(`{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }`, [0, 2, 1])).data], [0, 1, 1]);
  });

  test('a zero-size array', () => {
    const a = parseNpy(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0), }`));
    assert.deepEqual(a.shape, [2, 0]);
    assert.equal(a.data.length, 0);
  });

  test('truncated files name what is missing and where', () => {
    const whole = npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, f32([1, 2, 3, 4, 5, 6]));
    rejects(whole.subarray(0, whole.length - 4), /truncated: shape \(2, 3\) of <f4 needs 24 bytes of data but only 20 follow the header \(at byte \d+\)/);
    rejects(whole.subarray(0, 30), /truncated: the header claims \d+ bytes/);
    rejects(whole.subarray(0, 9), /file ends inside the \.npy preamble after 9 bytes \(at byte 9\)/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`, f32([1]), 2).subarray(0, 11), /file ends inside the header length/);
    rejects(whole.subarray(0, 4), /file too short for a \.npy header: 4 bytes \(at byte 4\)/);
  });

  test('corrupt files: wrong magic, unknown version, extra bytes after the data', () => {
    rejects(new TextEncoder().encode('{"x": [1, 2]}'), /not a \.npy file: it does not start with the magic string "\\x93NUMPY" \(at byte 0\)/);
    const v9 = npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`, f32([1]));
    v9[6] = 9;
    rejects(v9, /unsupported \.npy format version 9\.0 \(this reader knows 1\.0, 2\.0 and 3\.0\) \(at byte 6\)/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`, f32([1, 2])), /4 unexpected bytes after the array's data/);
  });

  test('headers are parsed strictly, never evaluated', () => {
    rejects(npy(`{'descr': '<f4', 'fortran_order': __import__('os'), 'shape': (1,), }`, f32([1])), /malformed \.npy header: expected True or False; the header reads .*__import__/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }`, f32([1])), /fortran_order must be True or False, not Maybe/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': False, }`), /malformed \.npy header: missing shape/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}`, f32([1])), /unexpected key 'extra'/);
    rejects(npy(`{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }`, f32([1])), /structured dtypes/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }`), /expected a non-negative integer in the shape/);
    rejects(npy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk`, f32([1])), /unexpected text after the dict/);
  });

  test('dtypes without a byte order, and unknown ones, are refused by name', () => {
    rejects(npy(`{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }`, f32([1])), /dtype '\|f4' has no byte order/);
    rejects(npy(`{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(8)), /dtype '<c8' \(complex numbers\) is not supported/);
    rejects(npy(`{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(16)), /dtype '<f16' is not supported/);
  });

  test('Fortran order with a hand-built 2-D array', () => {
    // [[1, 2, 3], [4, 5, 6]] stored column by column.
    const a = parseNpy(npy(`{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }`, f32([1, 4, 2, 5, 3, 6])));
    assert.deepEqual([...a.data], [1, 2, 3, 4, 5, 6]);
  });

  test('version 2.0 and 3.0 headers (4-byte length; 3.0 in UTF-8)', () => {
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }`;
    assert.deepEqual([...parseNpy(npy(dict, f32([7]), 2)).data], [7]);
    assert.deepEqual([...parseNpy(npy(dict, f32([8]), 3)).data], [8]);
  });
});

describe('encodeNpy', () => {
  test('round-trips every dtype, with the 64-byte header alignment NumPy uses', () => {
    const arrays: NpyArray[] = [
      { dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) },
      { dtype: 'float64', shape: [], data: Float64Array.of(0.1) },
      { dtype: 'float16', shape: [1], data: Uint16Array.of(0x3c00) },
      { dtype: 'int8', shape: [2], data: Int8Array.of(-1, 1) },
      { dtype: 'int16', shape: [1], data: Int16Array.of(-300) },
      { dtype: 'int32', shape: [1], data: Int32Array.of(-70000) },
      { dtype: 'int64', shape: [1, 2], data: BigInt64Array.of(-(2n ** 63n), 5n) },
      { dtype: 'uint8', shape: [1], data: Uint8Array.of(200) },
      { dtype: 'uint16', shape: [1], data: Uint16Array.of(60000) },
      { dtype: 'uint32', shape: [1], data: Uint32Array.of(4e9) },
      { dtype: 'uint64', shape: [1], data: BigUint64Array.of(2n ** 64n - 1n) },
      { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) },
    ];
    for (const a of arrays) {
      for (const version of [1, 2, 3] as const) {
        const bytes = encodeNpy(a, version);
        const headerEnd = (version === 1 ? 10 : 12) + new DataView(bytes.buffer).getUint16(8, true);
        assert.equal(headerEnd % 64, 0, `${a.dtype} v${version} header alignment`);
        const back = parseNpy(bytes);
        assert.equal(back.dtype, a.dtype);
        assert.deepEqual(back.shape, a.shape);
        assert.deepEqual([...back.data], [...a.data], a.dtype);
      }
    }
  });

  test('writes what NumPy writes for the same array', () => {
    const ours = encodeNpy({ dtype: 'int64', shape: [1, 5], data: BigInt64Array.of(101n, 2023n, 2003n, 1037n, 102n) });
    assert.deepEqual(Buffer.from(ours), readFileSync(join(FIXTURES, 'int64_ids_1x5.npy')));
  });
});
