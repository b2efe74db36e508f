// NumPy's .npy format (versions 1.0, 2.0 and 3.0), the usual way users hand us a real tensor.
// The header is a Python dict literal; it is parsed by a small strict reader, never evaluated,
// since the file comes from wherever the user found it.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

import type { ElementType } from './result';

export type NpyDtype = Exclude<ElementType, 'string'>;

/** float16 travels as its IEEE bits (Node 20 has no Float16Array), bool as 0/1 bytes: what onnxruntime-node takes. */
export type NpyData =
  | Float32Array | Float64Array | Uint16Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint32Array | BigUint64Array;

export interface NpyArray {
  dtype: NpyDtype;
  /** C (row-major) order, whatever order the file stored. */
  shape: number[];
  data: NpyData;
}

export class NpyFormatError extends Error {
  /** `offset`: the byte where the problem was found, when there is one. */
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'NpyFormatError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Ctor = { new (buffer: ArrayBuffer): NpyData; new (length: number): NpyData; BYTES_PER_ELEMENT: number };

const KINDS: Record<string, { dtype: NpyDtype; ctor: Ctor }> = {
  f2: { dtype: 'float16', ctor: Uint16Array },
  f4: { dtype: 'float32', ctor: Float32Array },
  f8: { dtype: 'float64', ctor: Float64Array },
  i1: { dtype: 'int8', ctor: Int8Array },
  i2: { dtype: 'int16', ctor: Int16Array },
  i4: { dtype: 'int32', ctor: Int32Array },
  i8: { dtype: 'int64', ctor: BigInt64Array },
  u1: { dtype: 'uint8', ctor: Uint8Array },
  u2: { dtype: 'uint16', ctor: Uint16Array },
  u4: { dtype: 'uint32', ctor: Uint32Array },
  u8: { dtype: 'uint64', ctor: BigUint64Array },
  b1: { dtype: 'bool', ctor: Uint8Array },
};

const DESCR_OF: Record<NpyDtype, string> = {
  float16: '<f2', float32: '<f4', float64: '<f8',
  int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8',
  uint8: '|u1', uint16: '<u2', uint32: '<u4', uint64: '<u8',
  bool: '|b1',
};

/** What NumPy kinds we cannot feed are called, so the error says what the file holds. */
const OTHER_KINDS: Record<string, string> = {
  U: 'unicode strings', S: 'byte strings', a: 'byte strings', O: 'Python objects', c: 'complex numbers',
  M: 'datetimes', m: 'timedeltas', V: 'raw or structured records',
};

export const SUPPORTED_NPY_DTYPES = Object.keys(KINDS).map((k) => `<${k}`.replace(/^<(b1|i1|u1)$/, '|$1'));

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    throw new NpyFormatError('this is a zip archive (an .npz file of several arrays?), not a single .npy array: save one array with np.save, or load it with np.load(path)[name] and save that');
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length) throw new NpyFormatError(`file too short for a .npy header: ${bytes.length} bytes`, bytes.length);
    if (bytes[i] !== MAGIC[i]) throw new NpyFormatError('not a .npy file: it does not start with the magic string "\\x93NUMPY"', i);
  }
  if (bytes.length < 10) throw new NpyFormatError(`file ends inside the .npy preamble after ${bytes.length} bytes`, bytes.length);
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new NpyFormatError(`unsupported .npy format version ${major}.${minor} (this reader knows 1.0, 2.0 and 3.0)`, 6);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new NpyFormatError('file ends inside the header length', bytes.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new NpyFormatError(`truncated: the header claims ${headerLength} bytes but the file ends ${bytes.length - headerStart} bytes after its start`, bytes.length);
  }
  // Versions 1 and 2 write the header in latin-1, version 3 in UTF-8 (for non-ASCII field names).
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(headerText, headerStart);
  const { dtype, ctor, bigEndian } = parseDescr(header.descr, headerStart);
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) throw new NpyFormatError(`shape (${header.shape.join(', ')}) is too large`, headerStart);
  const dataBytes = count * ctor.BYTES_PER_ELEMENT;
  const available = bytes.length - dataStart;
  if (available < dataBytes) {
    throw new NpyFormatError(
      `truncated: shape (${header.shape.join(', ')}) of ${header.descr} needs ${dataBytes} bytes of data but only ${available} follow the header`,
      bytes.length,
    );
  }
  if (available > dataBytes) {
    throw new NpyFormatError(
      `${available - dataBytes} unexpected bytes after the array's data (several arrays np.save'd into one file?): save one array per .npy file`,
      dataStart + dataBytes,
    );
  }
  // A copy: the result must not alias the caller's buffer, and typed arrays need aligned offsets.
  // (Not bytes.slice: on a Node Buffer that is a view into the shared pool.)
  const raw = new Uint8Array(dataBytes);
  raw.set(bytes.subarray(dataStart, dataStart + dataBytes));
  if (bigEndian && ctor.BYTES_PER_ELEMENT > 1) swapBytes(raw, ctor.BYTES_PER_ELEMENT);
  let data = new ctor(raw.buffer);
  if (dtype === 'bool') {
    // NumPy writes 0/1, but any nonzero byte reads as True there; onnxruntime wants 0/1.
    const u8 = data as Uint8Array;
    for (let i = 0; i < u8.length; i++) if (u8[i]) u8[i] = 1;
  }
  if (header.fortranOrder && header.shape.length > 1) data = fortranToC(data, header.shape, ctor);
  return { dtype, shape: header.shape, data };
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function parseDescr(descr: string, at: number): { dtype: NpyDtype; ctor: Ctor; bigEndian: boolean } {
  const m = /^([<>=|])?([a-zA-Z?])(\d*)$/.exec(descr);
  const order = m?.[1] ?? '|';
  const key = m ? (m[2] === '?' ? 'b1' : `${m[2]}${m[3]}`) : '';
  const known = KINDS[key];
  if (!m || !known) {
    const what = m ? OTHER_KINDS[m[2] as string] : undefined;
    throw new NpyFormatError(
      `dtype '${descr}'${what ? ` (${what})` : ''} is not supported; supported: ${SUPPORTED_NPY_DTYPES.join(' ')} (little- or big-endian)`,
      at,
    );
  }
  if (order === '|' && known.ctor.BYTES_PER_ELEMENT > 1) {
    throw new NpyFormatError(`dtype '${descr}' has no byte order, but ${known.dtype} needs one ('<' or '>')`, at);
  }
  // '=' is "native": the writer's byte order, which NumPy itself never records. Every platform
  // onnxruntime-node runs on is little-endian, so that is the safe reading.
  return { dtype: known.dtype, ctor: known.ctor, bigEndian: order === '>' };
}

function swapBytes(raw: Uint8Array, width: number): void {
  for (let i = 0; i < raw.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = raw[a] as number;
      raw[a] = raw[b] as number;
      raw[b] = t;
    }
  }
}

/** Column-major data rearranged to row-major, so the shape means the same as for C-order files. */
function fortranToC(data: NpyData, shape: readonly number[], ctor: Ctor): NpyData {
  const out = new ctor(data.length) as unknown as Record<number, number | bigint>;
  const src = data as unknown as Record<number, number | bigint>;
  const rank = shape.length;
  const fStrides: number[] = [];
  let stride = 1;
  for (let k = 0; k < rank; k++) {
    fStrides.push(stride);
    stride *= shape[k] as number;
  }
  const index = new Array<number>(rank).fill(0);
  let f = 0;
  for (let c = 0; c < data.length; c++) {
    out[c] = src[f] as number | bigint;
    // Odometer over C order (last axis fastest), keeping the Fortran offset in step.
    for (let k = rank - 1; k >= 0; k--) {
      index[k] = (index[k] as number) + 1;
      f += fStrides[k] as number;
      if ((index[k] as number) < (shape[k] as number)) break;
      f -= (index[k] as number) * (fStrides[k] as number);
      index[k] = 0;
    }
  }
  return out as unknown as NpyData;
}

/**
 * The header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`: exactly
 * these three keys (as NumPy requires), string values quoted either way, a tuple of integers.
 */
function parseHeader(text: string, base: number): Header {
  let i = 0;
  const fail = (what: string): never => {
    throw new NpyFormatError(`malformed .npy header: ${what}; the header reads ${JSON.stringify(text.trim().slice(0, 120))}`, base + i);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) fail(`expected '${ch}'${i < text.length ? ` but found '${text[i]}'` : ' but the header ended'}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') return fail('expected a quoted string');
    const end = text.indexOf(q, i + 1);
    if (end < 0) return fail('unterminated string');
    const s = text.slice(i + 1, end);
    if (s.includes('\\')) fail('escape sequences are not expected in a .npy header');
    i = end + 1;
    return s;
  };
  const word = (): string => {
    ws();
    const m = /^[A-Za-z]+/.exec(text.slice(i));
    if (!m) return fail('expected True or False');
    i += m[0].length;
    return m[0];
  };
  const int = (): number => {
    ws();
    // Python 2 wrote longs with an L suffix: (3L, 4L).
    const m = /^(\d+)L?/.exec(text.slice(i));
    if (!m) return fail('expected a non-negative integer in the shape');
    i += m[0].length;
    return Number(m[1]);
  };

  const seen: Partial<Header> = {};
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    expect(':');
    ws();
    if (key === 'descr') {
      if (text[i] === '[') fail('structured dtypes (a list of fields) are not supported; save a plain numeric array');
      seen.descr = str();
    } else if (key === 'fortran_order') {
      const w = word();
      if (w !== 'True' && w !== 'False') fail(`fortran_order must be True or False, not ${w}`);
      seen.fortranOrder = w === 'True';
    } else if (key === 'shape') {
      expect('(');
      const dims: number[] = [];
      ws();
      while (text[i] !== ')') {
        dims.push(int());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail("expected ',' or ')' in the shape");
        ws();
      }
      i++;
      seen.shape = dims;
    } else {
      fail(`unexpected key '${key}' (a .npy header has exactly descr, fortran_order and shape)`);
    }
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail("expected ',' or '}'");
  }
  i++;
  ws();
  if (i < text.length) fail('unexpected text after the dict');
  if (seen.descr === undefined || seen.fortranOrder === undefined || seen.shape === undefined) {
    const missing = [seen.descr === undefined && 'descr', seen.fortranOrder === undefined && 'fortran_order', seen.shape === undefined && 'shape'].filter(Boolean);
    i = 0;
    fail(`missing ${missing.join(', ')}`);
  }
  return seen as Header;
}

/**
 * A .npy file of `array` in C order, little-endian, header padded to a multiple of 64 bytes as
 * NumPy does. Version 1.0 unless the header needs more than 65535 bytes (or `version` says).
 */
export function encodeNpy(array: NpyArray, version: 1 | 2 | 3 = 1): Uint8Array {
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const lengthBytes = version === 1 ? 2 : 4;
  const preamble = 8 + lengthBytes;
  const unpadded = preamble + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (version === 1 && header.length > 0xffff) return encodeNpy(array, 2);
  const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(preamble + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), preamble);
  out.set(data, preamble + header.length);
  return out;
}
