// `latency bench --repeat N` on real onnxruntime-node: N complete runs, each on a fresh session,
// pooled into one result. Only counts and structure are asserted: the spread between repeats
// depends on the machine.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BenchmarkResult } from '../../src/core/result';
import { ROOT, distFile } from '../support/dist';

const lenet = join(ROOT, 'examples', 'lenet5.onnx');
const cli = (args: string[]) => spawnSync(process.execPath, [distFile('cli.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

test('bench --repeat 3 -n 50: three runs of 50 pooled into 150, each with its own load and cold start', () => {
  const r = cli(['bench', lenet, '--repeat', '3', '-n', '50', '-w', '5', '--threads', '1', '--cpus', '0', '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(result.samplesMs.length, 150);
  assert.equal(result.summary!.n, 150);
  assert.equal(result.partial, false);
  assert.equal(result.config.iterations, 50, 'the config describes one repeat');
  assert.equal(result.warmupSamplesMs.length, 5, "the first repeat's warm-up");
  const repeats = result.repeats!;
  assert.equal(repeats.runs.length, 3);
  for (const run of repeats.runs) {
    assert.equal(run.n, 50);
    assert.ok(run.loadMs > 0 && run.firstMs !== null && run.firstMs > 0, JSON.stringify(run));
    assert.ok(run.p50Ms > 0 && run.p99Ms >= run.p50Ms, JSON.stringify(run));
  }
  assert.equal(result.coldStart.loadMs, repeats.runs[0]!.loadMs, 'cold start from the first repeat');
  assert.equal(result.coldStart.firstMs, repeats.runs[0]!.firstMs);
  // The spread is what the runs say it is.
  const p50s = repeats.runs.map((x) => x.p50Ms).sort((a, b) => a - b);
  assert.ok(Math.abs(repeats.spread.p50 - (p50s[2]! - p50s[0]!) / p50s[1]!) < 1e-12);

  // The text report (on stderr while JSON takes stdout) lists the repeats and their spread.
  assert.match(r.stderr, /^ {2}run +3 repeats of 50 measured iterations after 5 warm-up, each on a fresh session$/m);
  assert.match(r.stderr, /^ {2}Repeats \(3, each a fresh session/m);
  for (const k of [1, 2, 3]) assert.match(r.stderr, new RegExp(`^ {4}#${k} +50 `, 'm'));
  assert.match(r.stderr, /^ {2}spread +p50 [\d.]+%, p99 [\d.]+%/m);
  assert.match(r.stderr, /repeats differ by [\d.]+% on p50|the repeats agree within the noise of a run|too few runs per repeat/);
});

test('bench --repeat 0 is a usage error', () => {
  const r = cli(['bench', lenet, '--repeat', '0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--repeat expects an integer ≥ 1, got "0"/);
});
