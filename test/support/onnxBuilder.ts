// A small typed graph builder over onnx-proto, so tests and scripts can produce real ONNX models
// without downloading any: nothing here needs Python, the onnx package or network access.
// Everything is deterministic (seeded PRNG, stable naming), so a model built twice is byte-equal.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { endianness } from 'node:os';
import { onnx } from 'onnx-proto';
import { mulberry32 } from '../../src/core/random';

const DT = onnx.TensorProto.DataType;

/** ONNX element types by the names onnxruntime-common uses (plus bfloat16, which it lacks). */
export const ELEMENT_TYPES = {
  float32: DT.FLOAT,
  uint8: DT.UINT8,
  int8: DT.INT8,
  uint16: DT.UINT16,
  int16: DT.INT16,
  int32: DT.INT32,
  int64: DT.INT64,
  string: DT.STRING,
  bool: DT.BOOL,
  float16: DT.FLOAT16,
  float64: DT.DOUBLE,
  uint32: DT.UINT32,
  uint64: DT.UINT64,
  bfloat16: DT.BFLOAT16,
} as const;
export type ElemType = keyof typeof ELEMENT_TYPES;

/** A dimension: a fixed size, or a symbolic name ('' included: it is still a dim_param). */
export type Dim = number | string;
/** `null` leaves the shape out entirely (unknown rank). */
export type Shape = readonly Dim[] | null;

export type TensorData =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | readonly string[];

// Float attributes are boxed so that `1` vs `1.0` can never silently pick the wrong ONNX type.
class FloatAttr { constructor(readonly values: readonly number[], readonly list: boolean) {} }
class TensorAttr { constructor(readonly tensor: onnx.ITensorProto) {} }
export const float = (v: number): FloatAttr => new FloatAttr([v], false);
export const floats = (v: readonly number[]): FloatAttr => new FloatAttr(v, true);

/** Plain numbers/number[] are INT/INTS (and must be integers); strings are STRING. */
export type AttrValue = number | bigint | readonly number[] | string | FloatAttr | TensorAttr;
export type Attrs = Record<string, AttrValue>;

/** Seeded draws for weights (the project's mulberry32): identical on every platform. */
export class Rng {
  private readonly draw: () => number;
  constructor(seed: number) { this.draw = mulberry32(seed); }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Box–Muller; the cosine branch only, so the stream does not depend on call parity. */
  normal(std = 1): number {
    const u = 1 - this.next(); // (0, 1]: log stays finite
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  normals(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(std);
    return out;
  }

  uniforms(n: number, low: number, high: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function defaultType(data: TensorData): ElemType {
  if (Array.isArray(data)) return 'string';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigUint64Array) return 'uint64';
  throw new Error('unsupported tensor data');
}

/**
 * A TensorProto. Numeric data goes in raw_data (little-endian by spec), which is both compact and
 * uniform across element types; `type` overrides the array's natural type (bool/float16/bfloat16).
 */
export function tensor(name: string, data: TensorData, dims: readonly number[], type?: ElemType): onnx.ITensorProto {
  const elemType = type ?? defaultType(data);
  if (data.length !== product(dims)) {
    throw new Error(`${name}: ${data.length} values for dims [${dims.join(', ')}]`);
  }
  const proto: onnx.ITensorProto = { name, dims: [...dims], dataType: ELEMENT_TYPES[elemType] };
  if (Array.isArray(data)) {
    proto.stringData = data.map((s) => new TextEncoder().encode(s));
  } else {
    // Typed arrays hold host-order bytes; every platform Node ships on is little-endian anyway.
    if (endianness() !== 'LE') throw new Error('raw_data needs a little-endian host');
    const view = data as Exclude<TensorData, readonly string[]>;
    proto.rawData = new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  }
  return proto;
}

export const tensorAttr = (t: onnx.ITensorProto): TensorAttr => new TensorAttr(t);

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (value instanceof FloatAttr) {
    return value.list
      ? { name, type: A.FLOATS, floats: [...value.values] }
      : { name, type: A.FLOAT, f: value.values[0] ?? 0 };
  }
  if (value instanceof TensorAttr) return { name, type: A.TENSOR, t: value.tensor };
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  const checkInt = (v: number): number => {
    if (!Number.isSafeInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; use float()`);
    return v;
  };
  if (typeof value === 'bigint') return { name, type: A.INT, i: checkInt(Number(value)) };
  if (typeof value === 'number') return { name, type: A.INT, i: checkInt(value) };
  return { name, type: A.INTS, ints: value.map(checkInt) };
}

function tensorType(type: ElemType, shape: Shape): onnx.TypeProto.ITensor {
  if (shape === null) return { elemType: ELEMENT_TYPES[type] };
  // The oneof makes protobufjs encode dim_param even when it is '' (proto3 would otherwise drop it).
  const dim = shape.map((d): onnx.TensorShapeProto.IDimension =>
    typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  return { elemType: ELEMENT_TYPES[type], shape: { dim } };
}

export interface ModelOptions {
  opset?: number;
  irVersion?: number;
  docString?: string;
}

export class GraphBuilder {
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly counters = new Map<string, number>();
  /** Elements of trainable-looking weights; helper constants (shapes, scalars) are not counted. */
  parameterCount = 0;

  constructor(readonly name: string, private readonly options: ModelOptions = {}) {}

  /** A fresh value name: stable across builds because it only depends on call order. */
  fresh(prefix: string): string {
    const n = this.counters.get(prefix) ?? 0;
    this.counters.set(prefix, n + 1);
    return `${prefix}_${n}`;
  }

  input(name: string, type: ElemType, shape: Shape): string {
    this.inputs.push({ name, type: { tensorType: tensorType(type, shape) } });
    return name;
  }

  /** A sequence(tensor) input: for checking how runtimes treat non-tensor inputs. */
  sequenceInput(name: string, type: ElemType, shape: Shape): string {
    this.inputs.push({ name, type: { sequenceType: { elemType: { tensorType: tensorType(type, shape) } } } });
    return name;
  }

  output(name: string, type: ElemType, shape: Shape): string {
    this.outputs.push({ name, type: { tensorType: tensorType(type, shape) } });
    return name;
  }

  /** A weight: counted in parameterCount. */
  param(name: string, data: TensorData, dims: readonly number[], type?: ElemType): string {
    this.initializers.push(tensor(name, data, dims, type));
    this.parameterCount += data.length;
    return name;
  }

  /** A helper constant (shape vector, scalar, axes): stored as an initializer, not counted. */
  constant(name: string, data: TensorData, dims: readonly number[], type?: ElemType): string {
    this.initializers.push(tensor(name, data, dims, type));
    return name;
  }

  /** Scalar (dims []) or 1-D int64 constant, the usual shape/axes operand. */
  int64s(name: string, values: readonly number[], scalar = false): string {
    return this.constant(name, BigInt64Array.from(values.map(BigInt)), scalar ? [] : [values.length]);
  }

  /** Scalar float32 constant. */
  scalar(name: string, value: number): string {
    return this.constant(name, Float32Array.of(value), []);
  }

  /** A node with explicit outputs; returns them. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Attrs = {}): string[] {
    this.nodes.push({
      opType,
      name: this.fresh(opType),
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return [...outputs];
  }

  /** A single-output node; the output gets a generated name unless `output` is given. */
  op(opType: string, inputs: readonly string[], attrs: Attrs = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.node(opType, inputs, [out], attrs);
    return out;
  }

  toProto(): onnx.IModelProto {
    return {
      irVersion: this.options.irVersion ?? 8,
      producerName: 'latency-test-builder',
      producerVersion: '1',
      ...(this.options.docString === undefined ? {} : { docString: this.options.docString }),
      opsetImport: [{ domain: '', version: this.options.opset ?? 17 }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }

  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.toProto()).finish();
  }

  save(path: string): string {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, this.toBytes());
    return path;
  }
}
