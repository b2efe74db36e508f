// An HTTP endpoint that really runs a model: examples/onnx-server.mjs in its own process serves an
// ONNX model through onnxruntime-node, one inference at a time, and reports its own service times
// (session.run alone). The client's figures are checked against those, not against a constant:
// this VM has 2 busy vCPUs, so the bounds are loose, but a client that added milliseconds of its
// own, timed less than the whole request, or did not keep `concurrency` requests in flight fails.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mergeConfig, type ConfigLayer } from '../../src/core/config';
import { mulberry32 } from '../../src/core/random';
import type { BenchmarkResult } from '../../src/core/result';
import type { HttpSpec } from '../../src/core/target';
import { runHttpBenchmark } from '../../src/profiler/httpBenchmark';
import { ROOT } from '../support/dist';
import { SCORER_MODEL, scorerModel, startOnnxServer, type OnnxServer } from '../support/onnxServer';

const dir = mkdtempSync(join(tmpdir(), 'latency-onnx-server-'));
const WIDTH = SCORER_MODEL.features;
/** One row of x ['batch', 64], each value seeded per request: the model's input varies as a client's would. */
const TEMPLATE = `{"x": [[${Array.from({ length: WIDTH }, () => '{{random -1 1}}').join(', ')}]]}`;

let server: OnnxServer;
before(async () => {
  // ~2.7 GFLOP a request: about 14 ms on a fast core, 15–40 ms here; 64 numbers in, one out, so
  // little besides the inference is on the clock.
  server = await startOnnxServer(scorerModel(dir));
});
after(() => server.close());

function run(spec: Omit<HttpSpec, 'kind' | 'url'>, layer: ConfigLayer): Promise<BenchmarkResult> {
  return runHttpBenchmark({ spec: { kind: 'http', url: `${server.url}predict`, ...spec }, config: mergeConfig(layer) }, { isCancelled: () => false });
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => x.toFixed(2);

/** The server's session.run times of the last `n` inferences: the measured requests, as the warm-up has all finished before them. */
async function serviceTimes(n: number): Promise<number[]> {
  const { inferenceMs } = await server.stats();
  assert.ok(inferenceMs.length >= n);
  return inferenceMs.slice(-n);
}

test('concurrency 1: every request succeeds; the p50 is at least the server\'s median inference time, and within max(+5 ms, ×1.5) of it', async (t) => {
  const r = await run({ body: TEMPLATE, bodyTemplate: true, bodySeed: 1 }, { iterations: 40, warmup: 5 });
  assert.equal(r.errors?.count, 0, JSON.stringify(r.errors));
  assert.equal(r.samplesMs.length, 40);
  assert.equal(r.partial, false);
  const service = median(await serviceTimes(40));
  const p50 = r.summary!.p50Ms;
  const bound = Math.max(service + 5, service * 1.5);
  t.diagnostic(`c=1: client p50 ${fmt(p50)} ms, server median inference ${fmt(service)} ms`);
  assert.ok(p50 >= service, `client p50 ${fmt(p50)} ms below the server's own median inference ${fmt(service)} ms`);
  assert.ok(p50 <= bound, `client p50 ${fmt(p50)} ms, server median inference ${fmt(service)} ms: more than ${fmt(bound)} ms`);
  assert.ok(r.target.kind === 'http' && r.target.bodyTemplate?.variables.join() === 'random');
});

test('concurrency 4 against a one-at-a-time server: requests queue (mean latency ≥ 2.5 service times), the wall covers every inference, p50 within bounds', async (t) => {
  const r = await run({ body: TEMPLATE, bodyTemplate: true, bodySeed: 2, concurrency: 4 }, { iterations: 60, warmup: 8 });
  assert.equal(r.errors?.count, 0, JSON.stringify(r.errors));
  assert.equal(r.samplesMs.length, 60);
  const times = await serviceTimes(60);
  const service = median(times);
  const p50 = r.summary!.p50Ms;
  t.diagnostic(`c=4: client p50 ${fmt(p50)} ms, server median inference ${fmt(service)} ms, ${fmt(r.summary!.throughputPerSec)} req/s`);
  assert.ok(p50 >= service, `client p50 ${fmt(p50)} ms below the server's median inference ${fmt(service)} ms`);
  // Little's law: 4 always in flight, served one at a time, so a request waits for ~3 ahead of it.
  assert.ok(mean(r.samplesMs) >= 2.5 * mean(times), `mean latency ${fmt(mean(r.samplesMs))} ms, mean inference ${fmt(mean(times))} ms: the loop did not keep 4 in flight`);
  const bound = 4 * Math.max(service + 5, service * 1.5);
  assert.ok(p50 <= bound, `client p50 ${fmt(p50)} ms, server median inference ${fmt(service)} ms: more than ${fmt(bound)} ms`);
  // The inferences ran one after another inside the measured wall: no client can be faster than that.
  const busy = times.reduce((a, b) => a + b, 0);
  const wall = (60 / r.summary!.throughputPerSec) * 1000;
  assert.ok(wall >= busy, `measured wall ${fmt(wall)} ms shorter than the server's ${fmt(busy)} ms of inference`);
});

test('a wrong-shaped input among real ones: the server answers 400, counted as status errors apart from the latencies, its message kept', async () => {
  // Replaying a file of inputs, one a line: every 5th is [1, 3] where the model takes [batch, 64].
  const rand = mulberry32(7);
  const good = () => JSON.stringify({ x: [Array.from({ length: WIDTH }, () => Number((rand() * 2 - 1).toFixed(4)))] });
  const lines = join(dir, 'inputs.jsonl');
  writeFileSync(lines, `${[good(), good(), good(), good(), JSON.stringify({ x: [[0.1, 0.2, 0.3]] })].join('\n')}\n`);
  const before = (await server.stats()).inferenceMs.length;
  // 1 cold + 5 warm-up + 25 measured = requests 0..30; the bad line is taken by 4, 9, …: 5 of the measured (9 … 29).
  const r = await run({ bodyLinesFile: lines, concurrency: 2 }, { iterations: 25, warmup: 5 });
  assert.deepEqual(r.errors?.byKind, { status: 5 });
  assert.deepEqual(r.errors?.statuses, { '400': 5 });
  assert.equal(r.errors?.attempted, 25);
  assert.equal(r.samplesMs.length, 20);
  assert.equal(r.partial, false);
  assert.match(r.errors!.examples[0]!, /^answered 400 input "x": dimension 1 must be 64 \[batch, 64\], got 3 \[1, 3\]$/);
  // The server ran only the good ones, and the client's samples are of those.
  const after = await server.stats();
  assert.equal(Math.min(after.inferenceMs.length, 10_000) - before, 31 - 6);
  const service = median(after.inferenceMs.slice(-20));
  assert.ok(r.summary!.p50Ms >= service, `client p50 ${fmt(r.summary!.p50Ms)} ms below the server's median inference ${fmt(service)} ms`);
});

test('the bundled example: its body template against examples/tiny-transformer.onnx, every request a success', async () => {
  const example = await startOnnxServer();
  try {
    const body = readFileSync(join(ROOT, 'examples', 'onnx-server-body.json'), 'utf8');
    const r = await runHttpBenchmark({ spec: { kind: 'http', url: `${example.url}predict`, body, bodyTemplate: true }, config: mergeConfig({ iterations: 30, warmup: 3 }) }, { isCancelled: () => false });
    assert.equal(r.errors?.count, 0, JSON.stringify(r.errors));
    assert.equal(r.samplesMs.length, 30);
    assert.equal((await example.stats()).inferenceMs.length, 34);
  } finally {
    await example.close();
  }
});
