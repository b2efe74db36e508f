// The headless CLI as a CI user runs it: a real process, real models, exit codes and JSON.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BenchmarkResult } from '../../src/core/result';
import { ROOT, distFile } from '../support/dist';
import { slowModel } from '../support/fixtureModels';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const lenet = join(ROOT, 'examples', 'lenet5.onnx');
const cli = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [distFile('cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });

test('bench --markdown and --csv write the run for a pull request and a spreadsheet; --csv - puts the CSV alone on stdout', () => {
  const md = join(dir, 'run.md');
  const r = cli(['bench', lenet, '-n', '30', '-w', '3', '--threads', '1', '--markdown', md, '--csv', '-']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Latency benchmark: lenet5\.onnx/, 'the text report moves to stderr');
  const rows = r.stdout.trimEnd().split('\r\n');
  assert.equal(rows[0], 'phase,run,latency_ms,outlier');
  assert.equal(rows.length, 1 + 3 + 30);
  const text = readFileSync(md, 'utf8');
  assert.match(text, /^### Latency: lenet5\.onnx\n/);
  // The interval keeps a unit per end when its ends fall in different units ("[76.4 µs, 0.123 ms]").
  assert.match(text, /^\| p50 \| \S+ (µs|ms) \| \[[^\]|]+\] \|$/m);
  assert.match(text, /30 measured runs after 3 warm-up/);
});

test('bench prints the table and writes a JSON result with every documented field', () => {
  const out = join(dir, 'out.json');
  const r = cli(['bench', lenet, '--iterations', '150', '--warmup', '5', '--threads', '1', '--shape', 'input=2x1x28x28', '--json', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Latency benchmark: lenet5\.onnx/);
  assert.match(r.stdout, /p99\.9\s+\S+/);
  const json = JSON.parse(readFileSync(out, 'utf8')) as BenchmarkResult;
  for (const key of ['p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'meanMs', 'stdevMs', 'cv', 'minMs', 'maxMs', 'throughputPerSec', 'n']) {
    assert.equal(typeof (json.summary as unknown as Record<string, unknown>)[key], 'number', key);
  }
  assert.equal(json.summary?.n, 150);
  assert.equal(json.samplesMs.length, 150);
  assert.equal(json.schemaVersion, 3);
  assert.equal(json.partial, false);
  assert.equal(json.target.name, 'lenet5.onnx');
  assert.equal(json.target.kind === 'onnx' && json.target.parameters, 61_706, 'the classic LeNet-5 count, read from the initializers');
  assert.match(r.stdout, /^Latency benchmark: lenet5\.onnx \(242 KiB, 61\.7K parameters, small \(< 1B parameters\)\)$/m);
  assert.deepEqual(json.config.inputs[0]?.shape, [2, 1, 28, 28]);
  assert.equal(json.config.session?.intraOpNumThreads, 1);
  assert.ok(json.coldStart.loadMs > 0 && (json.coldStart.firstMs ?? 0) > 0);
  assert.ok(json.memory.peakRssBytes > 0);
  for (const key of ['os', 'cpu', 'node', 'onnxruntime']) assert.ok((json.environment as unknown as Record<string, string>)[key], key);
  // The table shows the same p50 as the JSON, with its interval.
  const p50 = /^\s+p50\s+(\S+ \S+)  \[/m.exec(r.stdout)?.[1];
  assert.ok(p50, r.stdout);

  // The rigor fields: CIs (null where 150 runs cannot bound the percentile), stopping, steady
  // state, outliers, pre-flight, telemetry and verdicts.
  const ci = json.summary!.ci;
  assert.ok(ci.p50 && ci.p50[0] <= json.summary!.p50Ms && json.summary!.p50Ms <= ci.p50[1], JSON.stringify(ci));
  assert.ok(ci.p95, '150 runs bound p95 (72 needed)');
  assert.equal(ci.p99, null, '150 runs cannot bound p99 (368 needed)');
  assert.equal(ci.p999, null);
  assert.match(r.stdout, /p99\s+\S+ \S+\s+\(not bounded: needs n ≥ 368/);
  assert.deepEqual(json.stopping.mode, 'fixed');
  assert.equal(json.stopping.reason, 'iterations');
  assert.ok(json.steadyState && json.steadyState.warmupRuns === 5 && json.steadyState.method.startsWith('MSER-5'), JSON.stringify(json.steadyState));
  assert.ok(json.outliers && Array.isArray(json.outliers.indices) && json.outliers.count === json.outliers.indices.length);
  assert.ok(json.system && json.system.cpu.logicalCpus > 0 && json.system.noiseFloor && json.system.noiseFloor.cv > 0);
  assert.ok(json.telemetry.length >= 2, 'a reading at the start and one at the end at least');
  assert.ok(json.telemetry.every((t) => t.tMs >= 0 && (t.phase === 'warmup' || t.phase === 'measure')));
  const codes = json.verdicts.map((v) => v.code);
  assert.ok(codes.includes('RUN002'), `RUN002 for p99 among ${codes.join(', ')}`);
  if (!json.system.cpu.cpufreq) assert.ok(codes.includes('RUN003'), 'no cpufreq is "cannot verify", never silence');
  assert.match(r.stdout, /Checks \(\d+\):\n {2}[x!i] RUN/);
});

test('--adaptive stops on precision or a cap and says which; --cpus pins the run', () => {
  const r = cli(['bench', lenet, '--adaptive', '--precision', '5%', '--target-percentile', 'p95', '--max-time', '4', '--threads', '1', '--cpus', '0', '-w', '10', '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(json.stopping.mode, 'adaptive');
  assert.ok(['precision', 'maxSeconds', 'maxIterations'].includes(json.stopping.reason), json.stopping.reason);
  assert.equal(json.partial, false, 'an adaptive run that stopped on its own terms is complete');
  if (json.stopping.reason === 'precision') {
    assert.ok(json.stopping.achieved.p50! <= 0.05 && json.stopping.achieved.target! <= 0.05, JSON.stringify(json.stopping));
  }
  assert.ok(json.samplesMs.length >= 72, 'never stops before p95 can be bounded');
  assert.deepEqual(json.config.cpuAffinity, [0]);
  assert.deepEqual(json.system?.cpu.affinity, [0], 'the pre-flight, taken after pinning, sees the pinned set');
  assert.match(r.stderr, /adaptive, ±5\.0% on p50 and p95: /);
});

test('--cpus naming a CPU the machine lacks fails clearly, before any model is loaded', () => {
  const r = cli(['bench', lenet, '--cpus', '4095', '-n', '5']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Could not pin the benchmark to CPUs 4095/);
  assert.match(r.stderr, /hint: Clear latency.cpuAffinity/);
});

test('latency system prints the pre-flight readings, and --scripts writes tune and restore scripts without running them', () => {
  const text = cli(['system']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^System readings \(/);
  assert.match(text.stdout, /noise floor\s+a fixed \S+ ms CPU task varies by CV/);
  const json = cli(['system', '--json']);
  const snapshot = JSON.parse(json.stdout) as { cpu: { cpufreq: boolean }; gpu: { status: string } };
  assert.equal(typeof snapshot.cpu.cpufreq, 'boolean');
  const scripts = join(dir, 'scripts');
  const r = cli(['system', '--scripts', scripts]);
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['latency-tune.sh', 'latency-restore.sh']) {
    const body = readFileSync(join(scripts, name), 'utf8');
    assert.match(body, /^#!\/usr\/bin\/env bash\n/);
    assert.equal(spawnSync('bash', ['-n', join(scripts, name)]).status, 0, `${name} parses`);
  }
  assert.match(r.stderr, /review them, then run with bash -x/);
});

test('--json - writes JSON to stdout and the table to stderr', () => {
  const r = cli(['bench', lenet, '-n', '10', '-w', '0', '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as BenchmarkResult).summary?.n, 10);
  assert.match(r.stderr, /Latency benchmark/);
});

test('.vscode/latency.json in the working folder is read, with per-model sections', () => {
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, 'lenet5.onnx'), readFileSync(lenet));
  writeFileSync(join(ws, '.vscode', 'latency.json'), '{\n  // comments are fine\n  "iterations": 12,\n  "models": { "lenet5.onnx": { "warmup": 3 } }\n}\n');
  const r = cli(['bench', 'lenet5.onnx', '--json', '-'], ws);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(json.config.iterations, 12);
  assert.equal(json.config.warmup, 3);
  const flags = cli(['bench', 'lenet5.onnx', '-n', '4', '--json', '-'], ws);
  assert.equal((JSON.parse(flags.stdout) as BenchmarkResult).config.iterations, 4, 'flags win over the file');
});

test('a malformed config file is a clear error with its line, and nothing runs', () => {
  const cfg = join(dir, 'bad.json');
  writeFileSync(cfg, '{ "iterations": "many" }');
  const r = cli(['bench', lenet, '--config', cfg]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.json at "iterations": must be an integer ≥ 1/);
  writeFileSync(cfg, '{\n  "iterations": 3,,\n}');
  assert.match(cli(['bench', lenet, '--config', cfg]).stderr, /bad\.json:2:19: invalid JSON \(PropertyNameExpected\)/);
});

test('exit status: 1 for a failed benchmark, 2 for bad arguments', () => {
  const missing = cli(['bench', join(dir, 'missing.onnx')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /Model file not found/);
  const usage = cli(['bench', lenet, '--iterations', 'x']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--iterations expects an integer/);
  assert.match(usage.stderr, /Usage:/);
  assert.equal(cli(['--version']).stdout.trim(), `latency ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
});

test('Ctrl-C keeps the runs done so far: exit 130 with a partial JSON result', async () => {
  const out = join(dir, 'partial.json');
  const child = spawn(process.execPath, [distFile('cli.js'), 'bench', slowModel(dir), '-n', '100000', '-w', '0', '-t', '1', '--json', out], { cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Past the pre-flight readings (about 0.6 s) and the model load, into the measured runs.
  await new Promise((r) => setTimeout(r, 4500));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, stderr);
  const json = JSON.parse(readFileSync(out, 'utf8')) as BenchmarkResult;
  assert.equal(json.partial, true);
  assert.match(json.partialReason ?? '', /^cancelled after [\d,]+ of 100,000 measured runs$/);
  assert.ok((json.summary?.n ?? 0) > 0);
});

