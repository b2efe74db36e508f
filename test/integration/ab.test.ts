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
import { perturbedCopy, slowModel } from '../support/fixtureModels';

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
  assert.doesNotMatch(r.stdout, /FAILURE|accuracy FAIL|^ {2}probabilities .*FAIL/m);
  // The checklist is printed; items without a target or repeats are unknown and say how to decide them, without failing the exit status.
  assert.match(r.stdout, /^Checklist: (FAIL|INCOMPLETE)/m);
  assert.match(r.stdout, /^ {2}✓ Outputs agree with the base's \(degradation ≤ 1\.0%\): the 1 output within 1\.0%/m);
  assert.match(r.stdout, /^ {2}\? p50 latency reduced by the expected amount: no target set: .*--expect-reduction 20%$/m);
  assert.match(r.stdout, /^ {2}\? Reproducible: .*repeat with --repeat 3 \(in the editor, the latency\.repeat setting\)$/m);
  assert.match(r.stdout, /^ {2}\? Peak memory within the limit: peak RSS [\d.]+ MiB; no limit set: e\.g\. --memory-limit 2GB$/m);
});

test('two session configs of one model: --candidate-threads sets the candidate apart, and that difference is not flagged as unfair', () => {
  const r = cli(['ab', lenet, ...FAST, '--candidate-threads', '2', '--json', '-']);
  assert.ok(r.status === 0 || r.status === 1 || r.status === 3, r.stderr);
  const json = JSON.parse(r.stdout) as AbJson;
  assert.equal(json.base.config.session?.intraOpNumThreads, 1);
  assert.equal(json.candidate.config.session?.intraOpNumThreads, 2);
  assert.equal(json.candidate.target.name, 'lenet5.onnx', 'the candidate is the base model when only session options differ');
  assert.ok(!json.comparison.environmentDiffs.some((d) => d.startsWith('intra-op threads')), json.comparison.environmentDiffs.join('; '));
  assert.equal(json.accuracy.pass, true, 'the same model under another thread count answers the same');
  assert.match(r.stderr, /^Latency A\/B: lenet5\.onnx \(base\) vs lenet5\.onnx \(candidate: intraOpNumThreads 1 → 2\)/m);
});

test('a pruned copy (4 of 24 layers) is several times faster but answers differently: a FAILURE, exit 1, however fast', () => {
  const full = slowModel(dir);
  const pruned = slowModel(dir, 4, 'slow-pruned.onnx');
  const r = cli(['ab', full, pruned, '-n', '30', '-w', '3', '--threads', '1', '--cpus', '0', '--json', '-']);
  assert.equal(r.status, 1, r.stderr);
  const json = JSON.parse(r.stdout) as AbJson;
  const p50 = json.comparison.metrics.find((m) => m.metric === 'p50')!;
  assert.equal(p50.verdict, 'improved');
  assert.ok(p50.ci && p50.ci[1] < 0.5, `p50 ratio ${p50.ratio} ${JSON.stringify(p50.ci)}: 4 layers of 24 take well under half the time`);
  assert.equal(json.accuracy.pass, false);
  assert.equal(json.checklist.items.find((i) => i.id === 'accuracy')?.status, 'fail');
  assert.equal(json.checklist.verdict, 'fail');
  assert.match(r.stderr, /^ {2}FAILURE: accuracy FAILED on y: the candidate answers differently from the base, whatever its speed/m);
});

test('a missed --expect-reduction exits 1; a --memory-limit only the shared process exceeds is unknown, not a failure', () => {
  // An exact copy is not 50% faster: the whole p50 ratio interval lies near 1, far above 0.5.
  const r = cli(['ab', lenet, exact, ...FAST, '--cpus', '0', '--expect-reduction', '50%', '--memory-limit', '1MB', '--json', '-']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^ {2}✗ p50 latency reduced by at least 50\.0%: p50 [\d.]+× the base's, 95% interval \[[\d.]+, [\d.]+\], target ≤ 0\.500×: the whole interval is above the target$/m);
  assert.match(r.stderr, /^ {2}\? Peak memory within 977 KiB: peak RSS [\d.]+ MiB for the process holding both models, limit 977 KiB: over it, but that includes the base model/m);
  assert.match(r.stderr, /^latency ab: FAIL \(expected reduction not reached\) · exit 1$/m);
  const json = JSON.parse(r.stdout) as AbJson;
  assert.equal(json.checklist.verdict, 'fail');
  const status = Object.fromEntries(json.checklist.items.map((i) => [i.id, i.status]));
  assert.equal(status.latencyTarget, 'fail');
  assert.equal(status.memory, 'unknown');
  assert.equal(status.accuracy, 'pass');
  assert.equal(json.repeatComparisons, undefined, 'not repeated');
  assert.equal(json.base.repeats, undefined);
});

test('--repeat 3 against the perturbed copy: three comparisons, reproducible decided, accuracy failing by name, the checklist in the JSON', () => {
  const file = join(dir, 'repeat.json');
  const r = cli(['ab', lenet, broken, '-n', '100', '-w', '10', '--threads', '1', '--cpus', '0', '--shape', 'input=64x1x28x28', '--repeat', '3', '--memory-limit', '64GiB', '--json', file]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\nRepeats: the whole A\/B 3 times, each on fresh sessions/);
  for (const k of [1, 2, 3]) assert.match(r.stdout, new RegExp(`^ {2}#${k} +[\\d.]+ (ms|µs) +[\\d.]+ (ms|µs) +[\\d.]+× `, 'm'));
  assert.match(r.stdout, /^ {2}spread between repeats \(\(max − min\) ÷ median\): p50 ratio [\d.]+%, base p50 [\d.]+%, candidate p50 [\d.]+%$/m);
  assert.match(r.stdout, /^Checklist: FAIL$/m);
  assert.match(r.stdout, /^ {2}✗ Outputs agree with the base's \(degradation ≤ 1\.0%\): output "probabilities" degraded by [\d.]+% \((relative L2|1 − top-1 agreement)\), above 1\.0%$/m);
  assert.match(r.stdout, /^ {2}[✓✗] Reproducible: repeated runs within 5\.0% of each other: .*3 repeats/m);
  assert.match(r.stdout, /^ {2}✓ Peak memory within 64\.0 GiB: peak RSS/m);
  assert.match(r.stdout, /^latency ab: FAIL \(accuracy\) · exit 1$/m);

  const json = JSON.parse(readFileSync(file, 'utf8')) as AbJson;
  assert.equal(json.repeatComparisons!.length, 3);
  for (const c of json.repeatComparisons!) assert.deepEqual(c.n, { base: 100, candidate: 100 });
  for (const side of [json.base, json.candidate]) {
    assert.equal(side.samplesMs.length, 300, 'the pooled runs of every repeat');
    assert.deepEqual(side.repeats!.runs.map((run) => run.n), [100, 100, 100]);
    assert.ok(side.repeats!.spread.p50 >= 0);
    assert.equal(side.partial, false);
  }
  assert.deepEqual(json.comparison.n, { base: 300, candidate: 300 });
  assert.deepEqual(json.checklist.items.map((i) => i.id), ['latencyTarget', 'cvTarget', 'accuracy', 'noErrors', 'reproducible', 'allPercentiles', 'throughput', 'memory']);
  const byId = Object.fromEntries(json.checklist.items.map((i) => [i.id, i]));
  assert.notEqual(byId.reproducible!.status, 'unknown', byId.reproducible!.evidence);
  assert.match(byId.reproducible!.evidence, /p50 ratio \([\d.]+×, [\d.]+×, [\d.]+×\) spread/);
  assert.equal(byId.accuracy!.status, 'fail');
  assert.equal(byId.noErrors!.status, 'pass', byId.noErrors!.evidence);
  assert.equal(byId.memory!.status, 'pass');
  assert.equal(byId.latencyTarget!.status, 'unknown', 'no --expect-reduction');
  assert.equal(json.checklist.verdict, 'fail');
  assert.equal(json.exitCode, 1);
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
