// Small ONNX models that exercise the awkward corners of onnxruntime-node: mixed element types,
// odd symbolic dimension names, fixed shapes, slow inference and inputs it cannot feed at all.
// Each writer takes a directory (tests pass a temp dir) and returns the file path(s).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLenet5 } from '../../scripts/make-example-models';
import { onnx } from 'onnx-proto';
import { type ElemType, GraphBuilder, Rng } from './onnxBuilder';

function save(g: GraphBuilder, dir: string, fileName: string): string {
  return g.save(join(dir, fileName));
}

/**
 * Element types onnxruntime-node 1.30 loads as model inputs and accepts in feeds (checked with an
 * Identity per type). bfloat16 is missing: a model with a bfloat16 input *or output* fails in
 * InferenceSession.create with "Unsupported data type: 16". int4/uint4 have no CPU Identity kernel.
 */
export const FEEDABLE_ELEMENT_TYPES = [
  'float32', 'float16', 'float64',
  'int8', 'int16', 'int32', 'int64',
  'uint8', 'uint16', 'uint32', 'uint64',
  'bool', 'string',
] as const satisfies readonly ElemType[];

/** Types in mixedInputsModel fed through their own `<type>_input` -> Identity -> `<type>_output`. */
export const MIXED_IDENTITY_TYPES = [
  'float16', 'float64', 'int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32', 'uint64', 'string',
] as const satisfies readonly ElemType[];

/**
 * Inputs of many types and naming styles:
 * - `input_ids` int64 ['batch', ''] -> Gather over a [4, 2] table -> `embeddings` (valid ids: [0, 4))
 * - `features` float32 ['p2o.DynamicDimension.0', 4] -> Relu -> `features_relu`
 * - `sample_rate` float32 scalar (shape []) -> Identity -> `sample_rate_out`
 * - `flag` bool [1] -> Not -> `flag_not`
 * - `<type>_input` ['n'] for each of MIXED_IDENTITY_TYPES -> Identity -> `<type>_output`
 */
export function mixedInputsModel(dir: string): string {
  const rng = new Rng(11);
  const g = new GraphBuilder('mixed_inputs');

  g.input('input_ids', 'int64', ['batch', '']);
  g.op('Gather', [g.param('embedding', rng.normals(4 * 2, 1), [4, 2]), 'input_ids'], { axis: 0 }, 'embeddings');
  g.output('embeddings', 'float32', ['batch', '', 2]);

  g.input('features', 'float32', ['p2o.DynamicDimension.0', 4]);
  g.op('Relu', ['features'], {}, 'features_relu');
  g.output('features_relu', 'float32', ['p2o.DynamicDimension.0', 4]);

  g.input('sample_rate', 'float32', []);
  g.op('Identity', ['sample_rate'], {}, 'sample_rate_out');
  g.output('sample_rate_out', 'float32', []);

  g.input('flag', 'bool', [1]);
  g.op('Not', ['flag'], {}, 'flag_not');
  g.output('flag_not', 'bool', [1]);

  for (const type of MIXED_IDENTITY_TYPES) {
    g.input(`${type}_input`, type, ['n']);
    g.op('Identity', [`${type}_input`], {}, `${type}_output`);
    g.output(`${type}_output`, type, ['n']);
  }
  return save(g, dir, 'mixed-inputs.onnx');
}

/**
 * `ids` int64 ['batch', 'seq'] -> Gather over a [vocab, 8] table -> `embeddings`.
 * onnxruntime accepts ids in [-vocab, vocab) (negatives wrap around); others fail in run() with
 * "... indices element out of data bounds, idx=<id> must be within the inclusive range [-<vocab>,<vocab-1>]".
 */
export function embeddingModel(dir: string, vocab: number): string {
  const g = new GraphBuilder('embedding');
  g.input('ids', 'int64', ['batch', 'seq']);
  g.op('Gather', [g.param('table', new Rng(vocab).normals(vocab * 8, 1), [vocab, 8]), 'ids'], { axis: 0 }, 'embeddings');
  g.output('embeddings', 'float32', ['batch', 'seq', 8]);
  return save(g, dir, `embedding-${vocab}.onnx`);
}

/** `image` float32 [1, 3, 8, 8] -> Relu -> `output`: every dimension fixed. */
export function fixedShapeModel(dir: string): string {
  const g = new GraphBuilder('fixed_shape');
  g.input('image', 'float32', [1, 3, 8, 8]);
  g.op('Relu', ['image'], {}, 'output');
  g.output('output', 'float32', [1, 3, 8, 8]);
  return save(g, dir, 'fixed-shape.onnx');
}

export const SLOW_MODEL = { width: 512, rows: 128, layers: 24 } as const;

/**
 * `x` float32 ['batch', 512] -> `y` float32 ['batch', 512], slow on purpose: ~1.6 GFLOP per row,
 * p50 8.3 ms at batch 1 on one thread of an AVX-512 AMD EPYC (more on older or AVX2-only cores).
 * A [1, 512] GEMV is memory-bound and far too quick, so each row is broadcast to `rows` rows first,
 * which turns every layer into a compute-bound GEMM; one shared weight keeps the file at ~1 MiB.
 */
export function slowModel(dir: string, layers: number = SLOW_MODEL.layers, fileName = 'slow.onnx'): string {
  const { width, rows } = SLOW_MODEL;
  const g = new GraphBuilder('slow');
  g.input('x', 'float32', ['batch', width]);
  const w = g.param('weight', new Rng(7).normals(width * width, 1 / Math.sqrt(width)), [width, width]);
  const wide = g.op('Unsqueeze', ['x', g.int64s('axes_1', [1])]); //          [b, 1, w]
  let h = g.op('Expand', [wide, g.int64s('rows_shape', [1, rows, 1])]); //   [b, rows, w]
  for (let i = 0; i < layers; i++) h = g.op('Tanh', [g.op('MatMul', [h, w])]); // Tanh keeps it bounded
  g.op('ReduceMean', [h], { axes: [1], keepdims: 0 }, 'y'); // opset 17 ReduceMean still takes attribute axes
  g.output('y', 'float32', ['batch', width]);
  return save(g, dir, fileName);
}

/**
 * `x` bfloat16 ['n'] -> Cast -> float32. onnxruntime-node cannot even load this:
 * InferenceSession.create throws "Unsupported data type: 16" while building the input metadata.
 */
export function bfloat16InputModel(dir: string): string {
  const g = new GraphBuilder('bfloat16_input');
  g.input('x', 'bfloat16', ['n']);
  g.op('Cast', ['x'], { to: 1 /* FLOAT */ }, 'y');
  g.output('y', 'float32', ['n']);
  return save(g, dir, 'bfloat16-input.onnx');
}

/**
 * `xs` sequence(tensor(float32)) -> SequenceAt 0 -> `y` float32 ['n']. Loads fine, but
 * inputMetadata is `{ name: 'xs', isTensor: false }` (no type, no shape) and feeding a Tensor
 * fails with "input with name: 'xs' expected to be of type: 3 but received a tensor".
 */
export function sequenceInputModel(dir: string): string {
  const g = new GraphBuilder('sequence_input');
  g.sequenceInput('xs', 'float32', ['n']);
  g.op('SequenceAt', ['xs', g.int64s('first', [0], true)], {}, 'y');
  g.output('y', 'float32', ['n']);
  return save(g, dir, 'sequence-input.onnx');
}

/** The unfeedable-input model that still loads (see sequenceInputModel). */
export const unsupportedInputModel = sequenceInputModel;

export interface BadModelFiles {
  empty: string;
  truncated: string;
  notOnnx: string;
  garbage: string;
}

/** Files with a .onnx name that are not loadable models. */
export function badModelFiles(dir: string): BadModelFiles {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, data: Uint8Array | string): string => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  const lenet = buildLenet5().bytes;
  return {
    empty: write('empty.onnx', new Uint8Array(0)),
    truncated: write('truncated.onnx', lenet.subarray(0, Math.floor(lenet.length / 2))),
    notOnnx: write('not-onnx.onnx', 'This is not an ONNX model, just text with a .onnx name.\n'),
    garbage: write('garbage.onnx', new Rng(0xbad).bytes(4096)),
  };
}

/**
 * A copy of `source` with every float32 initializer scaled element-wise by (1 + relative·N(0, 1)),
 * seeded: relative 0 gives an exact copy, ~1e-6 one whose outputs differ only by rounding (what a
 * faithful re-export gives), ~1 one that answers differently (a broken quantisation).
 */
export function perturbedCopy(source: string, dir: string, fileName: string, relative: number, seed = 0x9e7): string {
  const model = onnx.ModelProto.decode(readFileSync(source));
  const rng = new Rng(seed);
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const values = t.rawData?.length
      ? new Float32Array(t.rawData.buffer.slice(t.rawData.byteOffset, t.rawData.byteOffset + t.rawData.byteLength))
      : Float32Array.from(t.floatData ?? []);
    for (let i = 0; i < values.length; i++) values[i] = values[i]! * (1 + relative * rng.normal());
    // ONNX raw_data is little-endian, as is every machine onnxruntime-node ships for.
    t.rawData = new Uint8Array(values.buffer);
    t.floatData = [];
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}
