// Builds the example models shipped in examples/. We cannot download models, so they are made
// here from seeded random weights: `node --import tsx scripts/make-example-models.ts`.
// The builders are exported (and the script does nothing on import) so tests can rebuild them.

import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GraphBuilder, Rng, float } from '../test/support/onnxBuilder';

const OPSET = 17; // LayerNormalization appeared in opset 17

export interface BuiltModel {
  fileName: string;
  bytes: Uint8Array;
  parameterCount: number;
}

/** Weights ~ N(0, 2/fan_in) (He init) keep activations in range through the ReLUs. */
const heNormal = (rng: Rng, n: number, fanIn: number): Float32Array => rng.normals(n, Math.sqrt(2 / fanIn));

/** LeNet-5 for 28x28 MNIST digits: the first conv is padded so 28x28 behaves like the original 32x32. */
export function buildLenet5(): BuiltModel {
  const rng = new Rng(0x1e5e7);
  const g = new GraphBuilder('lenet5', {
    opset: OPSET,
    docString: 'LeNet-5 (MNIST, 28x28) with seeded random weights: for benchmarking, not for predictions.',
  });
  const x = g.input('input', 'float32', ['batch', 1, 28, 28]);

  const conv = (input: string, name: string, cin: number, cout: number, pad: number): string => {
    const fanIn = cin * 5 * 5;
    const w = g.param(`${name}.weight`, heNormal(rng, cout * fanIn, fanIn), [cout, cin, 5, 5]);
    const b = g.param(`${name}.bias`, rng.normals(cout, 0.01), [cout]);
    return g.op('Conv', [input, w, b], { kernel_shape: [5, 5], pads: [pad, pad, pad, pad], strides: [1, 1] });
  };
  const pool = (input: string): string => g.op('MaxPool', [input], { kernel_shape: [2, 2], strides: [2, 2] });
  const dense = (input: string, name: string, fanIn: number, out: number): string => {
    const w = g.param(`${name}.weight`, heNormal(rng, out * fanIn, fanIn), [out, fanIn]);
    const b = g.param(`${name}.bias`, rng.normals(out, 0.01), [out]);
    return g.op('Gemm', [input, w, b], { transB: 1 });
  };

  let h = pool(g.op('Relu', [conv(x, 'conv1', 1, 6, 2)])); // [b, 6, 14, 14]
  h = pool(g.op('Relu', [conv(h, 'conv2', 6, 16, 0)])); //    [b, 16, 5, 5]
  h = g.op('Flatten', [h], { axis: 1 }); //                    [b, 400]
  h = g.op('Relu', [dense(h, 'fc1', 16 * 5 * 5, 120)]);
  h = g.op('Relu', [dense(h, 'fc2', 120, 84)]);
  const logits = dense(h, 'fc3', 84, 10);
  g.op('Softmax', [logits], { axis: 1 }, 'probabilities');
  g.output('probabilities', 'float32', ['batch', 10]);

  return { fileName: 'lenet5.onnx', bytes: g.toBytes(), parameterCount: g.parameterCount };
}

export const TINY_TRANSFORMER = {
  vocab: 1000,
  hidden: 64,
  heads: 4,
  ffn: 256,
  maxPositions: 512,
  layers: 2,
  classes: 2,
} as const;

/** A 2-layer BERT-style encoder + masked mean-pool + linear classifier, weights ~ N(0, 0.02). */
export function buildTinyTransformer(): BuiltModel {
  const { vocab, hidden, heads, ffn, maxPositions, layers, classes } = TINY_TRANSFORMER;
  const headDim = hidden / heads;
  const rng = new Rng(0xbe27);
  const g = new GraphBuilder('tiny_transformer', {
    opset: OPSET,
    docString: 'Tiny BERT-style text classifier with seeded random weights: for benchmarking only.',
  });
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);

  const weight = (name: string, dims: number[]): string =>
    g.param(name, rng.normals(dims.reduce((a, b) => a * b, 1), 0.02), dims);
  const zeros = (name: string, n: number): string => g.param(name, new Float32Array(n), [n]);
  const linear = (input: string, name: string, inDim: number, outDim: number): string =>
    g.op('Add', [g.op('MatMul', [input, weight(`${name}.weight`, [inDim, outDim])]), zeros(`${name}.bias`, outDim)]);
  const layerNorm = (input: string, name: string): string =>
    g.op('LayerNormalization', [input, g.param(`${name}.weight`, new Float32Array(hidden).fill(1), [hidden]),
      zeros(`${name}.bias`, hidden)], { axis: -1, epsilon: float(1e-12) });

  // Embeddings: positions 0..sequence-1 come from the actual input length, not a fixed table slice.
  const tokens = g.op('Gather', [weight('embeddings.word', [vocab, hidden]), ids]); //  [b, s, h]
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s('one', [1], true)], { axis: 0 }); // scalar
  const positions = g.op('Range', [g.int64s('zero', [0], true), seqLen, g.int64s('step', [1], true)]);
  const posEmb = g.op('Gather', [weight('embeddings.position', [maxPositions, hidden]), positions]); // [s, h]
  let x = layerNorm(g.op('Add', [tokens, posEmb]), 'embeddings.norm');

  // Padding mask -> additive bias [b, 1, 1, s]: 0 where attended, -1e4 where masked.
  const maskF = g.op('Cast', [mask], { to: 1 /* FLOAT */ });
  const bias = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Sub', [g.scalar('one_f', 1), maskF]), g.scalar('neg_large', -1e4)]),
    g.int64s('axes_1_2', [1, 2]),
  ]);
  const headsShape = g.int64s('heads_shape', [0, 0, heads, headDim]); // Reshape's 0 = copy that dim
  const mergedShape = g.int64s('merged_shape', [0, 0, hidden]);
  const scale = g.scalar('attn_scale', 1 / Math.sqrt(headDim));
  const sqrtHalf = g.scalar('sqrt_half', Math.SQRT1_2);
  const half = g.scalar('half', 0.5);

  for (let l = 0; l < layers; l++) {
    const p = `layer${l}`;
    const split = (name: string, perm: number[]): string =>
      g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.attn.${name}`, hidden, hidden), headsShape])], { perm });
    const q = split('query', [0, 2, 1, 3]); // [b, heads, s, d]
    const k = split('key', [0, 2, 3, 1]); //   [b, heads, d, s]
    const v = split('value', [0, 2, 1, 3]); // [b, heads, s, d]
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), bias]);
    const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), mergedShape]);
    x = layerNorm(g.op('Add', [x, linear(merged, `${p}.attn.output`, hidden, hidden)]), `${p}.attn.norm`);

    // GELU, exact form: 0.5 * h * (1 + erf(h / sqrt 2))
    const h = linear(x, `${p}.ffn.in`, hidden, ffn);
    const erf = g.op('Erf', [g.op('Mul', [h, sqrtHalf])]);
    const gelu = g.op('Mul', [g.op('Mul', [h, half]), g.op('Add', [erf, g.scalar(`${p}.one`, 1)])]);
    x = layerNorm(g.op('Add', [x, linear(gelu, `${p}.ffn.out`, ffn, hidden)]), `${p}.ffn.norm`);
  }

  // Mean over real tokens only; Max(count, 1) keeps an all-padding row finite.
  const axis1 = g.int64s('axes_1', [1]);
  const summed = g.op('ReduceSum', [g.op('Mul', [x, g.op('Unsqueeze', [maskF, g.int64s('axes_2', [2])])]), axis1],
    { keepdims: 0 }); // [b, h]
  const count = g.op('Max', [g.op('ReduceSum', [maskF, axis1], { keepdims: 1 }), g.scalar('min_count', 1)]);
  const pooled = g.op('Div', [summed, count]);
  const wc = weight('classifier.weight', [classes, hidden]);
  g.op('Gemm', [pooled, wc, zeros('classifier.bias', classes)], { transB: 1 }, 'logits');
  g.output('logits', 'float32', ['batch', classes]);

  return { fileName: 'tiny-transformer.onnx', bytes: g.toBytes(), parameterCount: g.parameterCount };
}

export const EXAMPLE_BUILDERS = [buildLenet5, buildTinyTransformer] as const;

function main(): void {
  const outDir = resolve(__dirname, '..', 'examples');
  mkdirSync(outDir, { recursive: true });
  for (const build of EXAMPLE_BUILDERS) {
    const model = build();
    const path = join(outDir, model.fileName);
    writeFileSync(path, model.bytes);
    const kib = (statSync(path).size / 1024).toFixed(1);
    console.log(`${path}: ${kib} KiB, ${model.parameterCount.toLocaleString('en-US')} parameters`);
  }
}

if (require.main === module) main();
