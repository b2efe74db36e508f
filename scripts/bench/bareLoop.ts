// The baseline for bench:overhead: the plainest onnxruntime-node timing loop, in a process of its
// own like the profiler's, with the same session options and the very same input data.
//   node --import tsx scripts/bench/bareLoop.ts '<json: {modelPath, session, inputs, warmup, iterations}>'

import * as ort from 'onnxruntime-node';
import { generateData } from '../../src/core/inputSynthesis';
import type { InputPlan, SessionConfig } from '../../src/core/result';
import { toSessionOptions } from '../../src/profiler/ort';

interface Job {
  modelPath: string;
  session: SessionConfig;
  inputs: InputPlan[];
  warmup: number;
  iterations: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as Job;
  const session = await ort.InferenceSession.create(job.modelPath, toSessionOptions(job.session));
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of job.inputs) feeds[p.name] = new ort.Tensor(p.type, generateData(p) as never, p.shape);
  await session.run(feeds);
  for (let i = 0; i < job.warmup; i++) await session.run(feeds);
  const samples: number[] = [];
  for (let i = 0; i < job.iterations; i++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  process.stdout.write(JSON.stringify(samples));
}

void main();
