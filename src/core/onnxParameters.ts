// Counts a model's parameters from the ONNX file itself: the element counts of the graph's
// initializers (the weights). onnxruntime does not expose them, and a protobuf library with the
// ONNX schema would parse the whole file, weights included, into memory; a model file can be
// gigabytes. This walks the protobuf wire format instead, reading only field headers and the
// dims of each initializer and stepping over the weight bytes, through a `read` callback so the
// caller decides how bytes are fetched (a file, a buffer). Pure: no Node built-ins.
//
// Counted: GraphProto.initializer (field 5) and sparse_initializer (field 15) of the main graph.
// Not counted: initializers inside subgraphs (If/Loop bodies), which are rare and small.

export interface ByteSource {
  size: number;
  /** Up to `length` bytes from `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Uint8Array;
}

export interface ParameterCount {
  parameters: number;
  initializers: number;
}

export class OnnxFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxFormatError';
  }
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const TENSOR_DIMS = 1;
const SPARSE_VALUES = 1;

/** @throws OnnxFormatError when the bytes are not a well-formed protobuf message. */
export function countOnnxParameters(source: ByteSource): ParameterCount {
  const r = new Reader(source);
  let result: ParameterCount = { parameters: 0, initializers: 0 };
  r.fields(0, source.size, (field, wire, start, end) => {
    if (field === MODEL_GRAPH && wire === WIRE_LEN) result = countGraph(r, start, end);
  });
  return result;
}

function countGraph(r: Reader, start: number, end: number): ParameterCount {
  let parameters = 0;
  let initializers = 0;
  r.fields(start, end, (field, wire, s, e) => {
    if (wire !== WIRE_LEN) return;
    if (field === GRAPH_INITIALIZER) {
      parameters += product(tensorDims(r, s, e, TENSOR_DIMS));
      initializers++;
    } else if (field === GRAPH_SPARSE_INITIALIZER) {
      // The stored values are what the model carries; the dense shape is only its extent.
      r.fields(s, e, (f, w, vs, ve) => {
        if (f === SPARSE_VALUES && w === WIRE_LEN) parameters += product(tensorDims(r, vs, ve, TENSOR_DIMS));
      });
      initializers++;
    }
  });
  return { parameters, initializers };
}

/** The repeated int64 field `dimsField`, packed or not. */
function tensorDims(r: Reader, start: number, end: number, dimsField: number): number[] {
  const dims: number[] = [];
  r.fields(start, end, (field, wire, s, e, value) => {
    if (field !== dimsField) return;
    if (wire === WIRE_VARINT) dims.push(value);
    else if (wire === WIRE_LEN) {
      let pos = s;
      while (pos < e) {
        const v = r.varint(pos);
        dims.push(v.value);
        pos = v.next;
      }
    }
  });
  return dims;
}

function product(dims: readonly number[]): number {
  // A scalar initializer has no dims and holds one value.
  return dims.reduce((a, d) => a * d, 1);
}

class Reader {
  constructor(private readonly source: ByteSource) {}

  varint(pos: number): { value: number; next: number } {
    const bytes = this.source.read(pos, 10);
    let value = 0;
    let scale = 1;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
    }
    throw new OnnxFormatError(`unterminated varint at byte ${pos}`);
  }

  /**
   * Calls `visit` for each field of the message in [start, end): LEN fields with their payload
   * range, varints with their value; the payload itself is never read here.
   */
  fields(start: number, end: number, visit: (field: number, wire: number, start: number, end: number, value: number) => void): void {
    let pos = start;
    while (pos < end) {
      const key = this.varint(pos);
      const field = Math.floor(key.value / 8);
      const wire = key.value % 8;
      pos = key.next;
      if (field === 0) throw new OnnxFormatError(`field number 0 at byte ${pos}`);
      switch (wire) {
        case WIRE_VARINT: {
          const v = this.varint(pos);
          visit(field, wire, pos, v.next, v.value);
          pos = v.next;
          break;
        }
        case WIRE_I64:
          pos += 8;
          break;
        case WIRE_I32:
          pos += 4;
          break;
        case WIRE_LEN: {
          const len = this.varint(pos);
          const s = len.next;
          const e = s + len.value;
          if (e > end) throw new OnnxFormatError(`a field at byte ${s} runs ${e - end} bytes past its message`);
          visit(field, wire, s, e, len.value);
          pos = e;
          break;
        }
        default:
          throw new OnnxFormatError(`unsupported wire type ${wire} at byte ${pos}`);
      }
      if (pos > end) throw new OnnxFormatError(`a field runs past its message at byte ${end}`);
    }
  }
}

export type SizeClass = 'small' | 'medium' | 'large' | 'xl';

/** The size classes common latency guides use: under 1B, 1–7B, 7–70B, 70B and up. */
export function sizeClass(parameters: number): { class: SizeClass; label: string } {
  if (parameters < 1e9) return { class: 'small', label: 'small (< 1B parameters)' };
  if (parameters < 7e9) return { class: 'medium', label: 'medium (1–7B parameters)' };
  if (parameters < 70e9) return { class: 'large', label: 'large (7–70B parameters)' };
  return { class: 'xl', label: 'XL (70B+ parameters)' };
}
