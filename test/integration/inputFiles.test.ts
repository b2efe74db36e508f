// User-supplied input tensors on real onnxruntime-node: .npy and JSON files fed to bench and ab
// (through the built CLI, as a user runs it) and to a model whose output shows what it was fed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { mergeConfig } from '../../src/core/config';
import type { InputMetadata } from '../../src/core/inputSynthesis';
import { encodeNpy, parseNpy } from '../../src/core/npy';
import type { BenchmarkResult } from '../../src/core/result';
import type { AbJson } from '../../src/profiler/ab';
import { BenchmarkError } from '../../src/profiler/benchmarkError';
import { planFeeds } from '../../src/profiler/onnxBenchmark';
import { ROOT, distFile } from '../support/dist';
import { perturbedCopy } from '../support/fixtureModels';
import { GraphBuilder } from '../support/onnxBuilder';

const lenet = join(ROOT, 'examples', 'lenet5.onnx');
const lenetNpy = 'test/fixtures/tensors/lenet_input_1x1x28x28.npy';
const FAST = ['-n', '20', '-w', '2', '--threads', '1', '-q'];
const cli = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [distFile('cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let doubler: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-inputs-'));
  // y = x * 2, and a mask passed through: what comes out shows what went in, and at which shape.
  const g = new GraphBuilder('doubler');
  g.input('x', 'float32', ['batch', 4]);
  g.op('Mul', ['x', g.scalar('two', 2)], {}, 'y');
  g.output('y', 'float32', ['batch', 4]);
  g.input('mask', 'int64', ['batch', 4]);
  g.op('Identity', ['mask'], {}, 'mask_out');
  g.output('mask_out', 'int64', ['batch', 4]);
  doubler = g.save(join(dir, 'doubler.onnx'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a user's tensor is what the model computes on; the other input follows its batch size", async () => {
  const xs = Float32Array.of(1, -2, 3.5, 0, 10, 20, 30, 40);
  writeFileSync(join(dir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [2, 4], data: xs }));
  const session = await ort.InferenceSession.create(doubler);
  try {
    const metadata = session.inputMetadata as readonly InputMetadata[];
    const run = async (file: string) => {
      const config = mergeConfig({ inputs: { overrides: { x: { file, baseDir: dir } } } });
      const { plans, feeds } = await planFeeds(ort, metadata, config.inputs);
      return { plans, out: await session.run(feeds) };
    };
    const { plans, out } = await run('x.npy');
    assert.deepEqual([...(out.y!.data as Float32Array)], [...xs].map((v) => v * 2));
    assert.deepEqual(out.mask_out!.dims, [2, 4], 'the synthesized mask takes "batch" = 2 from the file');
    assert.deepEqual(plans[0]!.fill, { kind: 'file', path: 'x.npy', sha256: sha256(join(dir, 'x.npy')) });
    assert.ok(plans[1]!.notes.includes('"batch" → 2 (from x.npy, fed to "x")'), plans[1]!.notes.join('; '));

    // NumPy's default float64, as JSON: converted for the float32 input, and a different output.
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ x: [[0.25, 0.5, 0.75, 1]] }));
    const fromJson = await run('x.json');
    assert.deepEqual([...(fromJson.out.y!.data as Float32Array)], [0.5, 1, 1.5, 2]);
    assert.deepEqual(fromJson.plans[0]!.shape, [1, 4]);
  } finally {
    await session.release();
  }
});

test('a file whose shape the model cannot take is refused before any run, naming input, file and both shapes', async () => {
  writeFileSync(join(dir, 'wide.npy'), encodeNpy({ dtype: 'float32', shape: [1, 5], data: new Float32Array(5) }));
  const session = await ort.InferenceSession.create(doubler);
  try {
    const config = mergeConfig({ inputs: { overrides: { x: { file: 'wide.npy', baseDir: dir } } } });
    await assert.rejects(planFeeds(ort, session.inputMetadata as readonly InputMetadata[], config.inputs), (e: unknown) => {
      assert.ok(e instanceof BenchmarkError);
      assert.equal(e.data.kind, 'inputSynthesis');
      assert.equal(e.data.inputName, 'x');
      assert.equal(e.message, 'Input "x": "wide.npy" has shape [1, 5], but the model fixes dimension 1 at 4 (declared ["batch", 4]).');
      return true;
    });
    const missing = mergeConfig({ inputs: { files: [{ path: 'nowhere.json', baseDir: dir }] } });
    await assert.rejects(planFeeds(ort, session.inputMetadata as readonly InputMetadata[], missing.inputs), /^BenchmarkError: Tensor file "nowhere\.json": was not found \(looked for .*nowhere\.json\)\.$/);
  } finally {
    await session.release();
  }
});

test('bench --input FILE.npy: the plan records the file and its sha256', () => {
  const r = cli(['bench', lenet, ...FAST, '--input', `input=${lenetNpy}`, '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as BenchmarkResult;
  const [plan] = result.config.inputs;
  assert.deepEqual(plan!.fill, { kind: 'file', path: lenetNpy, sha256: sha256(join(ROOT, lenetNpy)) });
  assert.deepEqual(plan!.shape, [1, 1, 28, 28]);
  assert.equal(result.samplesMs.length, 20);
});

test('bench --inputs FILE.json (several inputs by name), and a config file naming a file relative to its folder', () => {
  const values = parseNpy(readFileSync(join(ROOT, lenetNpy))).data as Float32Array;
  const rows = Array.from({ length: 28 }, (_, i) => [...values.subarray(i * 28, i * 28 + 28)]);
  const json = join(dir, 'lenet.json');
  writeFileSync(json, JSON.stringify({ input: [[rows], [rows]] }));
  const r = cli(['bench', lenet, ...FAST, '--inputs', relative(ROOT, json), '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const plan = (JSON.parse(r.stdout) as BenchmarkResult).config.inputs[0]!;
  assert.deepEqual(plan.fill, { kind: 'file', path: relative(ROOT, json), sha256: sha256(json) });
  assert.deepEqual(plan.shape, [2, 1, 28, 28], 'the batch of 2 comes from the file');

  const configDir = join(dir, 'cfg');
  mkdirSync(join(configDir, 'data'), { recursive: true });
  writeFileSync(join(configDir, 'data', 'in.npy'), readFileSync(join(ROOT, lenetNpy)));
  writeFileSync(join(configDir, 'latency.json'), JSON.stringify({ inputs: { overrides: { input: { file: 'data/in.npy' } } } }));
  const viaConfig = cli(['bench', lenet, ...FAST, '--config', join(configDir, 'latency.json'), '--json', '-']);
  assert.equal(viaConfig.status, 0, viaConfig.stderr);
  assert.deepEqual((JSON.parse(viaConfig.stdout) as BenchmarkResult).config.inputs[0]!.fill, { kind: 'file', path: 'data/in.npy', sha256: sha256(join(ROOT, lenetNpy)) });
});

test('bench with a wrong-shape .npy fails with exit 1, naming the input and the file, and a hint', () => {
  const wrong = join(dir, 'wrong.npy');
  writeFileSync(wrong, encodeNpy({ dtype: 'float32', shape: [1, 1, 32, 32], data: new Float32Array(1024) }));
  const r = cli(['bench', lenet, ...FAST, '--input', `input=${wrong}`]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.split('\n')[0], `latency: Input "input": "${wrong}" has shape [1, 1, 32, 32], but the model fixes dimension 2 at 28 (declared ["batch", 1, 28, 28]).`);
  assert.match(r.stderr, /^hint: Save the tensor with the shape and element type the model declares \(float32 \["batch", 1, 28, 28\]\)/m);
});

test('ab --input feeds both models the same tensor: identical copies agree exactly', () => {
  const copy = perturbedCopy(lenet, dir, 'lenet5-copy.onnx', 0);
  const r = cli(['ab', lenet, copy, ...FAST, '--input', `input=${lenetNpy}`, '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as AbJson;
  const fill = { kind: 'file', path: lenetNpy, sha256: sha256(join(ROOT, lenetNpy)) };
  assert.deepEqual(json.base.config.inputs[0]!.fill, fill);
  assert.deepEqual(json.candidate.config.inputs[0]!.fill, fill);
  assert.equal(json.accuracy.pass, true);
  assert.equal(json.accuracy.outputs[0]!.maxAbsError, 0);
});
