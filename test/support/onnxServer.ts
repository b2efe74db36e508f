// The example ONNX endpoint (examples/onnx-server.mjs) in a process of its own, for tests: a real
// model served through onnxruntime-node on 127.0.0.1, whose own service times can be asked for.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './dist';
import { GraphBuilder, Rng } from './onnxBuilder';

export const ONNX_SERVER_SCRIPT = join(ROOT, 'examples', 'onnx-server.mjs');

export interface OnnxServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  /** The server's own account: POST /predict requests received, and session.run times (ms) in the order they finished. */
  stats(): Promise<{ requests: number; inferenceMs: number[] }>;
  close(): Promise<void>;
}

/** Starts the server on a free port with `model` (default examples/tiny-transformer.onnx), one intra-op thread. */
export async function startOnnxServer(model?: string): Promise<OnnxServer> {
  const child = spawn(process.execPath, [ONNX_SERVER_SCRIPT, ...(model ? [model] : []), '--port', '0', '--threads', '1'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the ONNX server exited (${code}) before listening`)));
  });
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    port,
    stats: async () => (await (await fetch(`${url}stats`)).json()) as { requests: number; inferenceMs: number[] },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

export const SCORER_MODEL = { features: 64, width: 512, rows: 128, layers: 40 } as const;

/**
 * `x` float32 ['batch', 64] -> `score` float32 ['batch']: a small request and a one-number answer
 * around slow, known work, so an HTTP round trip is mostly inference. x is projected to 512 wide,
 * broadcast to 128 rows and sent through 40 MatMul+Tanh layers (~2.7 GFLOP a row, 5/3 of
 * fixtureModels' slowModel: ~14 ms on a fast core, 15–40 ms on this busy VM), then averaged.
 */
export function scorerModel(dir: string): string {
  const { features, width, rows, layers } = SCORER_MODEL;
  const rng = new Rng(17);
  const g = new GraphBuilder('scorer');
  g.input('x', 'float32', ['batch', features]);
  const proj = g.param('projection', rng.normals(features * width, 1 / Math.sqrt(features)), [features, width]);
  const w = g.param('weight', rng.normals(width * width, 1 / Math.sqrt(width)), [width, width]);
  const wide = g.op('Unsqueeze', [g.op('MatMul', ['x', proj]), g.int64s('axes_1', [1])]); // [b, 1, w]
  let h = g.op('Expand', [wide, g.int64s('rows_shape', [1, rows, 1])]); //                    [b, rows, w]
  for (let i = 0; i < layers; i++) h = g.op('Tanh', [g.op('MatMul', [h, w])]);
  g.op('ReduceMean', [h], { axes: [1, 2], keepdims: 0 }, 'score');
  g.output('score', 'float32', ['batch']);
  return g.save(join(dir, 'scorer.onnx'));
}
