// Turns a model's declared inputs into concrete feeds. Defaults must give a valid run for most
// real models (symbolic dims named anything, token ids indexing an embedding, scalars with
// meaning); anything that cannot be decided is an error naming the input and the setting to use.

import type { InputOverride, InputsConfig } from './config';
import { mulberry32 } from './random';
import type { ElementType, InputPlan } from './result';
import type { SuppliedInput } from './tensorFile';

/** What onnxruntime reports for one input (InferenceSession.inputMetadata). */
export interface InputMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export const FEEDABLE_TYPES: readonly ElementType[] = [
  'float32', 'float64', 'float16',
  'int8', 'int16', 'int32', 'int64',
  'uint8', 'uint16', 'uint32', 'uint64',
  'bool', 'string',
];

/** Beyond this a synthesized input is almost certainly a wrong override, not a real workload. */
export const MAX_ELEMENTS = 1 << 28;

/** Seeds are fixed so two runs of the same config feed identical data. */
const BASE_SEED = 0x1a7e;

export class InputSynthesisError extends Error {
  constructor(readonly inputName: string, readonly reason: string, readonly hint: string) {
    super(`Input "${inputName}": ${reason}.`);
    this.name = 'InputSynthesisError';
  }
}

const INTEGER_TYPES = new Set<ElementType>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const FLOAT_TYPES = new Set<ElementType>(['float32', 'float64', 'float16']);

const INTEGER_LIMITS: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295], uint64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * Masks are all ones (nothing masked: the full-cost path), segment ids are zero (valid for
 * any type vocabulary), other integers are 0 or 1 so they index any embedding of two or more rows.
 */
const MASK_NAME = /mask/i;
const SEGMENT_NAME = /token_?type|segment/i;
const BATCH_NAME = /batch|^n$/i;
const DEFAULT_INT_RANGE: [number, number] = [0, 2];
const DEFAULT_FLOAT_RANGE: [number, number] = [0, 1];

/**
 * `supplied`: inputs read from the user's tensor files (tensorFile.fitTensor); they are fed as
 * read, and the sizes they give symbolic dimensions are used for every other input sharing them
 * (an attention mask follows the token ids' sequence length).
 */
export function planInputs(inputs: readonly InputMetadata[], config: InputsConfig, supplied: ReadonlyMap<string, SuppliedInput> = new Map()): InputPlan[] {
  const bound = boundDimensions(inputs, supplied);
  return inputs.map((meta, index) => {
    const file = supplied.get(meta.name);
    return file ? planFromFile(meta, file, config) : planInput(meta, index, config, bound);
  });
}

interface Bound {
  size: number;
  input: string;
  path: string;
}

function boundDimensions(inputs: readonly InputMetadata[], supplied: ReadonlyMap<string, SuppliedInput>): Map<string, Bound> {
  const bound = new Map<string, Bound>();
  // Model order, so the first file named in an error is the first input the user sees.
  for (const meta of inputs) {
    const file = supplied.get(meta.name);
    if (!file) continue;
    for (const [symbol, size] of Object.entries(file.bindings)) {
      const earlier = bound.get(symbol);
      if (earlier && earlier.size !== size) {
        throw new InputSynthesisError(
          meta.name,
          `"${file.fill.path}" gives dimension "${symbol}" size ${size}, but "${earlier.path}" (input "${earlier.input}") gives it ${earlier.size}`,
          `Every input sharing "${symbol}" must have the same size there: use files whose shapes agree`,
        );
      }
      bound.set(symbol, { size, input: meta.name, path: file.fill.path });
    }
  }
  return bound;
}

function planFromFile(meta: InputMetadata, file: SuppliedInput, config: InputsConfig): InputPlan {
  const notes = [...file.notes];
  const override = config.overrides[meta.name];
  // Only reachable when the data comes from a multi-input file: one override cannot hold both.
  if (override && !override.file && (override.value !== undefined || override.range)) {
    notes.push(`${override.value !== undefined ? 'value' : 'range'} override not applied: the values come from the file`);
  }
  return { name: meta.name, type: file.type, shape: [...file.shape], declaredShape: [...(meta.shape ?? [])], fill: file.fill, notes };
}

function planInput(meta: InputMetadata, index: number, config: InputsConfig, bound: ReadonlyMap<string, Bound>): InputPlan {
  const { name } = meta;
  const howToOverride = `Set "inputs.overrides.${name}" in .vscode/latency.json (or latency.inputs.overrides in settings)`;
  if (!meta.isTensor) {
    throw new InputSynthesisError(name, 'is not a tensor (a sequence, map or optional value)', 'Latency can only synthesize tensor inputs; benchmark a model whose inputs are tensors');
  }
  const type = meta.type as ElementType;
  if (!FEEDABLE_TYPES.includes(type)) {
    throw new InputSynthesisError(name, `has element type ${meta.type ?? 'unknown'}, which onnxruntime-node cannot feed from JavaScript`, `Supported types: ${FEEDABLE_TYPES.join(', ')}`);
  }
  const override: InputOverride = config.overrides[name] ?? {};
  if (override.file !== undefined) {
    // The profiler reads every named file before planning; reaching here means a caller skipped that.
    throw new InputSynthesisError(name, `is to be read from "${override.file}", but that file was not loaded`, 'Plan with the inputs the profiler read (profiler/inputFiles.ts)');
  }
  const declared = [...(meta.shape ?? [])];
  const notes: string[] = [];
  const shape = resolveShape(name, declared, override, config, bound, notes, howToOverride);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_ELEMENTS) {
    throw new InputSynthesisError(name, `shape [${shape.join(', ')}] has ${count.toLocaleString('en-US')} elements`, `${howToOverride} with a smaller shape, or lower latency.inputs.defaultDimension`);
  }
  const fill = resolveFill(name, type, shape, override, index, notes, howToOverride);
  return { name, type, shape, declaredShape: declared, fill, notes };
}

function resolveShape(name: string, declared: Array<number | string>, override: InputOverride, config: InputsConfig, bound: ReadonlyMap<string, Bound>, notes: string[], how: string): number[] {
  if (override.shape) {
    if (declared.length > 0 && override.shape.length !== declared.length) {
      throw new InputSynthesisError(name, `shape override [${override.shape.join(', ')}] has rank ${override.shape.length} but the model declares rank ${declared.length} [${declared.map(showDim).join(', ')}]`, how);
    }
    const shape = override.shape.map((d, i) => (typeof d === 'number' ? d : resolveSymbol(d, i, config, bound, notes)));
    declared.forEach((d, i) => {
      if (isFixed(d) && shape[i] !== d) {
        throw new InputSynthesisError(name, `shape override [${shape.join(', ')}] sets dimension ${i} to ${shape[i]}, but the model fixes it at ${d}`, how);
      }
    });
    notes.push(`shape [${shape.join(', ')}] (override)`);
    return shape;
  }
  if (declared.length === 0) notes.push('declared shape [] (a scalar, or a rank the model leaves unknown: set a shape override if it expects a tensor)');
  return declared.map((d, i) => (isFixed(d) ? d : resolveSymbol(typeof d === 'string' ? d : '', i, config, bound, notes)));
}

/** onnxruntime reports unnamed or unknown dims as -1 (or as an empty name). */
function isFixed(d: number | string): d is number {
  return typeof d === 'number' && d >= 0;
}

function showDim(d: number | string): string {
  if (typeof d === 'number') return d >= 0 ? String(d) : '?';
  return d === '' ? '?' : JSON.stringify(d);
}

function resolveSymbol(symbol: string, position: number, config: InputsConfig, bound: ReadonlyMap<string, Bound>, notes: string[]): number {
  const label = symbol === '' ? `dim ${position} (unnamed)` : `"${symbol}"`;
  const fromFile = symbol === '' ? undefined : bound.get(symbol);
  if (fromFile) {
    notes.push(`${label} → ${fromFile.size} (from ${fromFile.path}, fed to "${fromFile.input}")`);
    return fromFile.size;
  }
  if (symbol !== '' && config.dimensions[symbol] !== undefined) {
    const size = config.dimensions[symbol] as number;
    notes.push(`${label} → ${size} (inputs.dimensions)`);
    return size;
  }
  if (position === 0 || BATCH_NAME.test(symbol)) {
    notes.push(`${label} → 1 (batch)`);
    return 1;
  }
  notes.push(`${label} → ${config.defaultDimension} (default dimension)`);
  return config.defaultDimension;
}

function resolveFill(name: string, type: ElementType, shape: number[], override: InputOverride, index: number, notes: string[], how: string): InputPlan['fill'] {
  const seed = BASE_SEED + index * 7919;
  if (override.value !== undefined) {
    checkConstant(name, type, override.value, how);
    notes.push(`every element = ${JSON.stringify(override.value)} (override)`);
    return { kind: 'constant', value: override.value };
  }
  if (type === 'string') return { kind: 'constant', value: 'latency' };
  if (type === 'bool') return { kind: 'constant', value: true };
  if (override.range) {
    const [low, high] = override.range;
    if (INTEGER_TYPES.has(type)) checkIntegerRange(name, type, low, high, how);
    notes.push(`values in [${low}, ${high}) (override)`);
    return { kind: 'random', low, high, seed };
  }
  if (INTEGER_TYPES.has(type)) {
    if (MASK_NAME.test(name)) {
      notes.push('mask: all ones');
      return { kind: 'constant', value: 1 };
    }
    if (SEGMENT_NAME.test(name)) {
      notes.push('segment ids: all zeros');
      return { kind: 'constant', value: 0 };
    }
    notes.push(`ids in [${DEFAULT_INT_RANGE[0]}, ${DEFAULT_INT_RANGE[1]}) (valid for any embedding; set a range for realistic ids)`);
    return { kind: 'random', low: DEFAULT_INT_RANGE[0], high: DEFAULT_INT_RANGE[1], seed };
  }
  if (shape.length === 0) {
    // A scalar usually carries meaning (a sample rate, a temperature); 1 is a neutral guess.
    notes.push('scalar = 1 (set a value if it has meaning, e.g. a sample rate)');
    return { kind: 'constant', value: 1 };
  }
  return { kind: 'random', low: DEFAULT_FLOAT_RANGE[0], high: DEFAULT_FLOAT_RANGE[1], seed };
}

function checkConstant(name: string, type: ElementType, value: number | boolean | string, how: string): void {
  const bad = (expected: string) => new InputSynthesisError(name, `value ${JSON.stringify(value)} does not fit element type ${type} (expected ${expected})`, how);
  if (type === 'string') {
    if (typeof value !== 'string') throw bad('a string');
    return;
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw bad('true, false, 0 or 1');
    return;
  }
  if (typeof value !== 'number') throw bad('a number');
  if (INTEGER_TYPES.has(type)) {
    const [lo, hi] = INTEGER_LIMITS[type] as [number, number];
    if (!Number.isInteger(value) || value < lo || value > hi) throw bad(`an integer in [${lo}, ${hi}]`);
  }
}

function checkIntegerRange(name: string, type: ElementType, low: number, high: number, how: string): void {
  const [lo, hi] = INTEGER_LIMITS[type] as [number, number];
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < lo || high - 1 > hi) {
    throw new InputSynthesisError(name, `range [${low}, ${high}) does not fit element type ${type} (integers in [${lo}, ${hi}])`, how);
  }
}

export type InputData =
  | Float32Array | Float64Array | Uint16Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint32Array | BigUint64Array | string[];

/** The element buffer for one plan, as onnxruntime-node's Tensor constructor takes it. */
export function generateData(plan: InputPlan): InputData {
  if (plan.fill.kind === 'file') throw new InputSynthesisError(plan.name, `input ${plan.name} is read from ${plan.fill.path}, not generated`, 'Load it with the tensor-file reader instead.');
  const n = plan.shape.reduce((a, b) => a * b, 1);
  const next = plan.fill.kind === 'random' ? mulberry32(plan.fill.seed) : () => 0;
  const value = (): number => {
    if (plan.fill.kind !== 'random') return Number(plan.fill.kind === 'constant' ? plan.fill.value : 0);
    const { low, high } = plan.fill;
    const x = low + next() * (high - low);
    return FLOAT_TYPES.has(plan.type) ? x : Math.min(Math.floor(x), high - 1);
  };
  switch (plan.type) {
    case 'string':
      return new Array<string>(n).fill(String(plan.fill.kind === 'constant' ? plan.fill.value : ''));
    case 'bool':
      return Uint8Array.from({ length: n }, () => (plan.fill.kind === 'constant' && plan.fill.value === false ? 0 : value() ? 1 : 0));
    case 'float32': return Float32Array.from({ length: n }, value);
    case 'float64': return Float64Array.from({ length: n }, value);
    case 'float16': return Uint16Array.from({ length: n }, () => toFloat16Bits(value()));
    case 'int8': return Int8Array.from({ length: n }, value);
    case 'int16': return Int16Array.from({ length: n }, value);
    case 'int32': return Int32Array.from({ length: n }, value);
    case 'uint8': return Uint8Array.from({ length: n }, value);
    case 'uint16': return Uint16Array.from({ length: n }, value);
    case 'uint32': return Uint32Array.from({ length: n }, value);
    case 'int64': return BigInt64Array.from({ length: n }, () => BigInt(value()));
    case 'uint64': return BigUint64Array.from({ length: n }, () => BigInt(value()));
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits, round-to-nearest-even; JavaScript has no Float16Array on Node 20. */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}
