// `latency ab` on real onnxruntime-node: lenet5 against copies of itself made here (exact, and
// with every weight perturbed), run as a CI job runs it. Timing verdicts are left alone: on a
// shared 2-core VM only what cannot flake is asserted (exit codes, accuracy, sample counts).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type * as Ort from 'onnxruntime-node';
import { metricGate } from '../../src/core/compare';
import type { AbJson } from '../../src/profiler/ab';
import { abbaSide, compareAllOutputs } from '../../src/profiler/abBenchmark';
import { ROOT, distFile } from '../support/dist';
import { perturbedCopy } from '../support/fixtureModels';

const lenet = join(ROOT, 'examples', 'lenet5.onnx');
const tiny = join(ROOT, 'examples', 'tiny-transformer.onnx');
const cli = (args: string[]) => spawnSync(process.execPath, [distFile('cli.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
// 64 rows, so top-1 agreement is a share of many arg-maxes rather than one.
const FAST = ['-n', '200', '-w', '20', '--threads', '1', '--shape', 'input=64x1x28x28'];

let dir: string;
let exact: string;
let broken: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-ab-'));
  exact = perturbedCopy(lenet, dir, 'lenet5-copy.onnx', 0);
  broken = perturbedCopy(lenet, dir, 'lenet5-broken.onnx', 1);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('ABBA order: A B B A, repeated, so each side goes first equally often', () => {
  assert.deepEqual(Array.from({ length: 8 }, (_, k) => abbaSide(k)), ['base', 'candidate', 'candidate', 'base', 'base', 'candidate', 'candidate', 'base']);
});

test('lenet5 against an exact copy: accuracy passes with zero error, exit 0', () => {
  const r = cli(['ab', lenet, exact, ...FAST]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Latency A\/B: lenet5\.onnx \(base\) vs lenet5-copy\.onnx \(candidate\)/);
  assert.match(r.stdout, /^ {2}probabilities +0\.00+ +0\.0% +1\.000000 +100\.0% +(top-1|relative L2) +pass$/m);
  assert.match(r.stdout, /^ {2}accuracy passed on all 1 output/m);
  assert.match(r.stdout, /^latency ab: PASS · exit 0$/m);
  assert.doesNotMatch(r.stdout, /FAIL/);
});

test('--json -: both results, sampled alternately, with the comparison and accuracy; a 50% gate never fails', () => {
  const r = cli(['ab', lenet, exact, ...FAST, '--fail-on-regression', '50%', '--json', '-']);
  // p99 cannot be bounded from 200 runs, so the gate (p50 and p99) is inconclusive: exit 3.
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /latency gate: INCONCLUSIVE/, 'the text report goes to stderr when JSON takes stdout');
  const json = JSON.parse(r.stdout) as AbJson;
  assert.equal(json.exitCode, 3);
  assert.equal(json.base.samplesMs.length, 200);
  assert.equal(json.candidate.samplesMs.length, 200);
  assert.equal(json.base.warmupSamplesMs.length, 20);
  assert.equal(json.candidate.warmupSamplesMs.length, 20);
  // One run of both: the same start, machine readings and inputs.
  assert.equal(json.base.startedAt, json.candidate.startedAt);
  assert.deepEqual(json.base.system, json.candidate.system);
  assert.deepEqual(json.base.config, json.candidate.config);
  assert.ok(json.base.coldStart.firstMs !== null && json.candidate.coldStart.firstMs !== null);
  assert.equal(json.base.target.name, 'lenet5.onnx');
  assert.equal(json.candidate.target.name, 'lenet5-copy.onnx');
  assert.deepEqual(json.comparison.environmentDiffs, []);
  const p50 = json.comparison.metrics.find((m) => m.metric === 'p50')!;
  assert.notEqual(metricGate(p50, 0.5), 'fail', JSON.stringify(p50));
  assert.deepEqual(json.gate && { decision: json.gate.decision, metrics: json.gate.metrics }, { decision: 'inconclusive', metrics: ['p50', 'p99'] });
  assert.equal(json.accuracy.pass, true);
  assert.equal(json.accuracy.outputs[0]!.relativeL2, 0);
  assert.equal(json.accuracy.outputs[0]!.maxAbsError, 0);
});

test('lenet5 against a heavily perturbed copy: accuracy FAILED, reported first in the verdict, exit 1', () => {
  const file = join(dir, 'broken.json');
  const r = cli(['ab', lenet, broken, ...FAST, '--json', file]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\nVerdict\n {2}FAILURE: accuracy FAILED on probabilities/);
  assert.match(r.stdout, /^ {2}probabilities .* FAIL$/m);
  assert.match(r.stdout, /^latency ab: FAIL \(accuracy\) · exit 1$/m);
  const json = JSON.parse(readFileSync(file, 'utf8')) as AbJson;
  const out = json.accuracy.outputs[0]!;
  assert.equal(json.accuracy.pass, false);
  assert.ok(out.top1Agreement! < 1 || out.relativeL2! > 0.01, JSON.stringify(out));
  assert.ok(out.relativeL2! > 0.01, JSON.stringify(out));
  assert.equal(json.exitCode, 1);
});

test('a candidate whose inputs differ is refused with exit 2, naming the inputs', () => {
  const r = cli(['ab', lenet, tiny, '-n', '20']);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^latency: the candidate's inputs differ: it has no input "input" \(float32\); it has an input "input_ids" \(int64\) the base lacks/m);
  assert.equal(r.stdout, '');
});

test('a model that cannot be loaded, and bad arguments, exit 2', () => {
  const missing = cli(['ab', lenet, join(dir, 'nope.onnx'), '-n', '20']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /Model file not found: .*nope\.onnx/);
  const usage = cli(['ab', lenet]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /ab needs two models[\s\S]*latency ab <base\.onnx> <candidate\.onnx>/);
});

test('outputs are matched by name: one the candidate lacks fails with that reason', () => {
  const t = (values: number[]) => ({ type: 'float32', data: Float32Array.from(values), dims: [1, values.length] }) as unknown as Ort.Tensor;
  const report = compareAllOutputs(['logits', 'extra'], { logits: t([1, 2, 3]), extra: t([1]) }, ['logits'], { logits: t([1, 2, 3]) });
  assert.equal(report.pass, false);
  assert.deepEqual(report.outputs.map((o) => [o.name, o.pass, o.problem]), [
    ['logits', true, undefined],
    ['extra', false, 'missing from the candidate'],
  ]);
});
