// User-supplied tensors: JSON tensor files, and the checks that fit any file's tensor (JSON or
// .npy) to the model input it is meant for. Pure: the profiler reads the bytes and hashes them.
//
// Conversions follow what users' files actually hold: NumPy saves float64 by default and int64
// for integer lists, so widening/narrowing within floats, and between integer types when every
// value fits, are done (and noted in the plan); float → integer is refused, because cutting
// fractions would silently feed other data than the file holds.

import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { lineColumn } from './configFile';
import { FEEDABLE_TYPES, InputSynthesisError, MAX_ELEMENTS, toFloat16Bits, type InputData, type InputMetadata } from './inputSynthesis';
import type { ElementType } from './result';

/** A tensor as a file holds it. `number`: JSON numbers with no declared type, which fit any numeric input they can. */
export interface RawTensor {
  dtype: ElementType | 'number';
  shape: number[];
  /** For `number`, a Float64Array (exactly what JSON.parse gave). */
  data: InputData;
}

/** Where a supplied tensor came from: `path` as the user wrote it, `entry` its key in a JSON file. */
export interface TensorSource {
  path: string;
  sha256: string;
  entry?: string;
}

/** One model input fed from a file, ready to plan and to turn into a tensor. */
export interface SuppliedInput {
  name: string;
  type: ElementType;
  shape: number[];
  data: InputData;
  fill: { kind: 'file'; path: string; sha256: string };
  notes: string[];
  /** Sizes this file gives the input's symbolic dimensions; other inputs sharing a name follow them. */
  bindings: Record<string, number>;
}

/** A problem with a tensor file that cannot be pinned on one input (a multi-input file's syntax or names). */
export class TensorFileError extends Error {
  constructor(readonly file: string, readonly reason: string, readonly hint: string, readonly inputName?: string) {
    super(`Tensor file "${file}"${inputName ? ` (input "${inputName}")` : ''}: ${reason}.`);
    this.name = 'TensorFileError';
  }
}

export type ParsedTensorJson =
  /** The file is one tensor: nested lists, a scalar, or { "dims", "data", "type" }. */
  | { kind: 'tensor'; tensor: RawTensor }
  /** The file maps input names to tensors. */
  | { kind: 'inputs'; tensors: Map<string, RawTensor> };

const TYPED_KEYS = new Set(['dims', 'data', 'type']);
const JSON_HINT = 'Write { "input_name": nested lists } or { "input_name": { "dims": [...], "data": [flat list], "type": "float32" } }';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `{ "name": [[...]] }` or `{ "name": { "dims", "data", "type" } }`, several names per file; a
 * bare tensor (nested lists, a number, or one dims/data object) is also accepted where the input
 * is already known. An object with both "dims" and "data" is a tensor, never a map of inputs.
 */
export function parseTensorJson(text: string, file: string): ParsedTensorJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TensorFileError(file, `is not valid JSON (${whereJsonFails(text) ?? (err as Error).message})`, JSON_HINT);
  }
  if (isObj(raw) && !('dims' in raw && 'data' in raw)) {
    const tensors = new Map<string, RawTensor>();
    for (const [name, value] of Object.entries(raw)) tensors.set(name, parseTensorValue(value, file, name));
    if (tensors.size === 0) throw new TensorFileError(file, 'holds no tensors (an empty object)', JSON_HINT);
    return { kind: 'inputs', tensors };
  }
  return { kind: 'tensor', tensor: parseTensorValue(raw, file, undefined) };
}

/** JSON.parse says what, not where; the editor's parser gives a line and column to jump to. */
function whereJsonFails(text: string): string | undefined {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (!first) return undefined;
  const { line, column } = lineColumn(text, first.offset);
  return `${printParseErrorCode(first.error)} at line ${line}, column ${column}`;
}

function parseTensorValue(value: unknown, file: string, entry: string | undefined): RawTensor {
  const fail = (reason: string, hint = JSON_HINT): never => {
    throw new TensorFileError(file, entry === undefined ? reason : `"${entry}" ${reason}`, hint);
  };
  if (isObj(value)) {
    for (const key of Object.keys(value)) if (!TYPED_KEYS.has(key)) fail(`has an unknown key "${key}" (a typed tensor has "dims", "data" and optionally "type")`);
    const { dims, data, type } = value;
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail('has "dims" that is not a list of sizes ≥ 0');
    if (!Array.isArray(data)) return fail('has no "data" list');
    const shape = dims as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const nested = data.findIndex((d) => Array.isArray(d));
    if (nested >= 0) fail(`has a nested list in "data" at index ${nested}; with "dims", "data" is the flat list of ${count} values in row-major order`);
    if (data.length !== count) fail(`has ${data.length} values in "data" but dims [${shape.join(', ')}] need ${count}`);
    const leaves = leavesToTensor(data, shape, (i) => `data[${i}]`, fail);
    if (type === undefined) return leaves;
    if (typeof type !== 'string' || !FEEDABLE_TYPES.includes(type as ElementType)) {
      return fail(`has "type": ${JSON.stringify(type)}, which is not one of ${FEEDABLE_TYPES.join(', ')}`);
    }
    const converted = convertTensor(leaves, type as ElementType, (reason) => fail(reason, 'Fix the values, or declare the "type" they have'), 'its "type" is');
    return { dtype: type as ElementType, shape, data: converted.data };
  }
  const shape: number[] = [];
  for (let v: unknown = value; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const leaves: unknown[] = [];
  const path: number[] = [];
  const firstPath = (depth: number) => `[${new Array(depth).fill(0).join(', ')}]`;
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) fail(`is not rectangular: [${path.join(', ')}] is a list, but ${firstPath(depth)} is not`);
      leaves.push(v);
      return;
    }
    if (!Array.isArray(v)) return fail(`is not rectangular: [${path.join(', ')}] is not a list, but ${firstPath(depth)} is a list of ${shape[depth]}`);
    if (v.length !== shape[depth]) fail(`is not rectangular: [${path.join(', ')}] has ${v.length} elements, but ${firstPath(depth)} has ${shape[depth]}`);
    for (let j = 0; j < v.length; j++) {
      path.push(j);
      walk(v[j], depth + 1);
      path.pop();
    }
  };
  walk(value, 0);
  return leavesToTensor(leaves, shape, (i) => at(i, shape), fail);
}

/** JSON leaves, all of one kind, as an untyped tensor. */
function leavesToTensor(leaves: readonly unknown[], shape: number[], where: (i: number) => string, fail: (reason: string) => never): RawTensor {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);
  const first = leaves.length ? kind(leaves[0]) : 'number';
  if (first !== 'number' && first !== 'boolean' && first !== 'string') {
    fail(`has ${first === 'null' ? 'null' : `a${first === 'object' ? 'n' : ''} ${first}`} at ${where(0)}; elements must be numbers, booleans or strings`);
  }
  const mixed = leaves.findIndex((v) => kind(v) !== first);
  if (mixed >= 0) fail(`mixes element kinds: ${where(mixed)} is ${kind(leaves[mixed])}, but ${where(0)} is a ${first}`);
  if (first === 'string') return { dtype: 'string', shape, data: leaves as string[] };
  if (first === 'boolean') return { dtype: 'bool', shape, data: Uint8Array.from(leaves as boolean[], (b) => (b ? 1 : 0)) };
  return { dtype: 'number', shape, data: Float64Array.from(leaves as number[]) };
}

/** Flat index → "[i, j, k]" (or "the value" for a scalar), so an error points into the user's array. */
function at(flat: number, shape: readonly number[]): string {
  if (shape.length === 0) return 'the value';
  const idx: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k] as number;
    idx.unshift(d ? flat % d : 0);
    flat = d ? Math.floor(flat / d) : 0;
  }
  return `[${idx.join(', ')}]`;
}

const FLOATS = new Set<string>(['float16', 'float32', 'float64']);
const INT_LIMITS: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], int32: [-2147483648n, 2147483647n], int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n], uint16: [0n, 65535n], uint32: [0n, 4294967295n], uint64: [0n, 2n ** 64n - 1n],
  bool: [0n, 1n],
};

/** Decodes IEEE 754 binary16 bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function reader(t: RawTensor): (i: number) => number | bigint {
  const d = t.data as ArrayLike<number | bigint>;
  if (t.dtype === 'float16') return (i) => fromFloat16Bits(d[i] as number);
  return (i) => d[i] as number | bigint;
}

function allocate(type: Exclude<ElementType, 'string'>, n: number): InputData {
  switch (type) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'float16': return new Uint16Array(n);
    case 'int8': return new Int8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'uint64': return new BigUint64Array(n);
  }
}

/**
 * `t`'s elements as `target`; `fail` gets the reason when they cannot be. The note says what was
 * converted (none for untyped JSON numbers, which have no type to convert from).
 */
export function convertTensor(t: RawTensor, target: ElementType, fail: (reason: string) => never, targetIs = "the input's element type is"): { data: InputData; note?: string } {
  const src = t.dtype;
  if (src === target) return { data: t.data };
  const what = src === 'number' ? 'numbers' : src === 'string' ? 'strings' : `${src} data`;
  if (src === 'string' || target === 'string') return fail(`holds ${what}, but ${targetIs} ${target}`);
  const n = t.data.length;
  const get = reader(t);
  const note = src === 'number' ? undefined : `${src} data converted to ${target}${src === 'float64' && target === 'float32' ? " (NumPy's default dtype is float64)" : ''}`;
  if (FLOATS.has(target)) {
    const out = allocate(target as Exclude<ElementType, 'string'>, n) as Float32Array | Float64Array | Uint16Array;
    for (let i = 0; i < n; i++) {
      const x = Number(get(i));
      out[i] = target === 'float16' ? toFloat16Bits(x) : x;
    }
    return { data: out, ...(note ? { note } : {}) };
  }
  if (FLOATS.has(src)) {
    return fail(`holds ${src} data, but ${targetIs} ${target}; floats are not converted to integers (fractions would be cut)`);
  }
  const [lo, hi] = INT_LIMITS[target] as [bigint, bigint];
  const out = allocate(target as Exclude<ElementType, 'string'>, n) as unknown as Record<number, number | bigint>;
  const big = target === 'int64' || target === 'uint64';
  const range = target === 'bool' ? 'true/false or 0/1' : `integers in [${lo}, ${hi}]`;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) return fail(`has ${v} at ${at(i, t.shape)}, which is not an integer, but ${targetIs} ${target}`);
      // Past 2^53 a JSON number has already been rounded by the parser: the id the user wrote is lost.
      if (!Number.isSafeInteger(v)) return fail(`has ${v} at ${at(i, t.shape)}, beyond 2^53 where JSON numbers lose precision; save such values in a .npy file`);
    }
    const b = BigInt(v);
    if (b < lo || b > hi) return fail(`has ${b} at ${at(i, t.shape)}, which does not fit ${target} (${range})`);
    out[i] = big ? b : Number(b);
  }
  return { data: out as unknown as InputData, ...(note ? { note } : {}) };
}

const showDim = (d: number | string): string => (typeof d === 'number' ? (d >= 0 ? String(d) : '?') : d === '' ? '?' : JSON.stringify(d));
const showShape = (s: ReadonlyArray<number | string>): string => `[${s.map(showDim).join(', ')}]`;

export interface FitOptions {
  /** The input's shape override, if any: it must agree with the file. */
  shape?: ReadonlyArray<number | string>;
  /** inputs.dimensions: a file that contradicts a size the user set is an error, not a surprise. */
  dimensions: Record<string, number>;
}

/**
 * Checks `raw` against the model's declaration of `meta` (rank, fixed dims, symbolic dims used
 * consistently, element type) and converts it; errors name the input, the file, expected and got.
 */
export function fitTensor(meta: InputMetadata, raw: RawTensor, source: TensorSource, options: FitOptions): SuppliedInput {
  const { name } = meta;
  const file = source.entry === undefined ? `"${source.path}"` : `"${source.path}" (entry "${source.entry}")`;
  const hint = `Save the tensor with the shape and element type the model declares (${meta.type ?? '?'} ${showShape(meta.shape ?? [])}), or point inputs.overrides.${name}.file (--input ${name}=FILE) at another file`;
  const fail = (reason: string, h = hint): never => {
    throw new InputSynthesisError(name, `${file} ${reason}`, h);
  };
  if (!meta.isTensor) fail('cannot be fed: the input is not a tensor (a sequence, map or optional value)', 'Benchmark a model whose inputs are tensors');
  const type = meta.type as ElementType;
  if (!FEEDABLE_TYPES.includes(type)) fail(`cannot be fed: the input has element type ${meta.type ?? 'unknown'}, which onnxruntime-node cannot feed from JavaScript`, `Supported types: ${FEEDABLE_TYPES.join(', ')}`);

  const shape = raw.shape;
  const declared = [...(meta.shape ?? [])];
  const notes = [`shape [${shape.join(', ')}] from the file`];
  const bindings: Record<string, number> = {};
  if (declared.length === 0 && shape.length > 0) {
    notes.push('the model declares no dimensions (a scalar, or a rank it leaves unknown); fed as the file gives it');
  } else if (declared.length !== shape.length) {
    fail(`has shape [${shape.join(', ')}] (rank ${shape.length}), but the model declares rank ${declared.length}: ${showShape(declared)}`);
  }
  declared.forEach((d, i) => {
    const got = shape[i] as number;
    if (typeof d === 'number') {
      if (d >= 0 && d !== got) fail(`has shape [${shape.join(', ')}], but the model fixes dimension ${i} at ${d} (declared ${showShape(declared)})`);
      return;
    }
    if (d === '') return;
    const set = options.dimensions[d];
    if (set !== undefined && set !== got) {
      fail(`has ${got} at dimension ${i} ("${d}"), but inputs.dimensions sets "${d}" to ${set}`, `Remove "${d}" from inputs.dimensions (or --dim), or use a file whose "${d}" is ${set}`);
    }
    if (bindings[d] !== undefined && bindings[d] !== got) {
      fail(`has shape [${shape.join(', ')}], but the model uses "${d}" for dimensions of different sizes here (declared ${showShape(declared)})`);
    }
    bindings[d] = got;
  });
  if (options.shape) {
    const wanted = options.shape;
    const agrees = wanted.length === shape.length && wanted.every((w, i) => (typeof w === 'number' ? w === shape[i] : (options.dimensions[w] ?? bindings[w] ?? shape[i]) === shape[i]));
    if (!agrees) fail(`has shape [${shape.join(', ')}], but the shape override for this input is ${showShape(wanted)}`, `Drop the shape override (the file gives the shape), or make it agree with the file`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) fail(`has ${count.toLocaleString('en-US')} elements, more than Latency feeds (${MAX_ELEMENTS.toLocaleString('en-US')})`);
  const converted = convertTensor(raw, type, (reason) => fail(reason, `Save the array as ${type} (e.g. np.save(path, x.astype(np.${type === 'bool' ? 'bool_' : type})))`));
  if (converted.note) notes.push(converted.note);
  return { name, type, shape: [...shape], data: converted.data, fill: { kind: 'file', path: source.path, sha256: source.sha256 }, notes, bindings };
}

/** A multi-input file's names must all be model inputs: a typo would otherwise leave that input synthesized. */
export function checkTensorNames(names: Iterable<string>, inputs: readonly InputMetadata[], file: string): void {
  const known = new Set(inputs.map((i) => i.name));
  for (const name of names) {
    if (!known.has(name)) {
      throw new TensorFileError(file, `has a tensor "${name}", which is not an input of the model`, `The model's inputs are: ${inputs.map((i) => i.name).join(', ')}. Rename the entry to one of them`);
    }
  }
}
