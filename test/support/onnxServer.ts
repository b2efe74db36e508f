// The example ONNX endpoint (examples/onnx-server.mjs) in a process of its own, for tests: a real
// model served through onnxruntime-node on 127.0.0.1, whose own service times can be asked for.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './dist';

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
