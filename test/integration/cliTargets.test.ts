// `latency bench --python`, `--command`, `--target` and `latency doctor` as a CI user runs them:
// the real CLI process, a real interpreter (numpy and torch from Debian) and real commands.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BenchmarkResult } from '../../src/core/result';
import { distFile } from '../support/dist';
import { closedPort, failEveryServer } from '../support/httpServers';
import { PYTHON_FIXTURES, testPython } from '../support/python';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-cli-targets-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], cwd = dir) => spawnSync(process.execPath, [distFile('cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

test('bench --python FILE:FN --setup: the JSON result of a torch model, import and setup apart, the def line', () => {
  const r = cli(['bench', '--python', join(PYTHON_FIXTURES, 'torch_mlp.py:predict'), '--setup', 'setup', '--interpreter', testPython(), '-n', '200', '-w', '10', '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(json.schemaVersion, 3);
  assert.equal(json.target.kind, 'python');
  if (json.target.kind !== 'python') return;
  assert.equal(json.target.name, 'torch_mlp.py:predict');
  assert.equal(json.target.line, 17);
  assert.equal(json.target.cudaSynchronized, false, 'CPU torch: nothing to synchronize');
  assert.equal(json.samplesMs.length, 200);
  assert.equal(json.config.session, undefined);
  assert.ok(json.environment.python?.packages.torch, JSON.stringify(json.environment.python));
  assert.ok((json.coldStart.importMs ?? 0) > 50, `importing torch takes time: ${json.coldStart.importMs} ms`);
  assert.ok(json.coldStart.setupMs !== undefined && json.coldStart.loadMs >= json.coldStart.importMs! + json.coldStart.setupMs - 1e-6);
  assert.match(r.stderr, /^Latency benchmark: torch_mlp\.py:predict \(Python function\)$/m, 'the text report goes to stderr beside --json -');
  assert.match(r.stderr, /^\s+cold start\s+import \S+ \S+ \+ setup \S+ \S+, first call /m);
});

test('bench --command with --prepare: sleep 0.05 measured at 50 ms or more after the shell start-up is subtracted; a failing command exits 1 with its code', () => {
  const r = cli(['bench', '--command', 'test -f ready && rm ready && sleep 0.05', '--prepare', 'touch ready', '-n', '8', '-w', '1', '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(json.target.kind, 'command');
  if (json.target.kind !== 'command') return;
  assert.equal(json.target.prepare, 'touch ready');
  assert.ok(json.target.shellOverheadMs > 0);
  assert.equal(json.samplesMs.length, 8, 'every run found the file its prepare made');
  assert.ok(json.summary!.p50Ms >= 49 && json.summary!.p50Ms < 90, `p50 ${json.summary!.p50Ms} ms`);

  const failed = cli(['bench', '--command', 'echo "no GPU here" >&2; exit 3', '-n', '5']);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /exit(ed with)? (code )?3/);
  assert.match(failed.stderr, /no GPU here/, 'the command\'s own words');
});

test('bench --target NAME runs a target of .vscode/latency.json with its own counts; an unknown name lists the known ones', () => {
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, 'model.py'), 'def setup():\n    return list(range(100))\n\ndef predict(xs):\n    return sum(xs)\n');
  writeFileSync(
    join(ws, '.vscode', 'latency.json'),
    JSON.stringify({ iterations: 500, targets: { fn: { python: 'model.py:predict', setup: 'setup', interpreter: testPython(), iterations: 40, warmup: 2 }, nap: { command: 'sleep 0.01', iterations: 5 } } }),
  );
  const fn = cli(['bench', '--target', 'fn', '--json', join(ws, 'fn.json'), '-q'], ws);
  assert.equal(fn.status, 0, fn.stderr);
  const json = JSON.parse(readFileSync(join(ws, 'fn.json'), 'utf8')) as BenchmarkResult;
  assert.equal(json.samplesMs.length, 40, "the target's own iterations win over the file's top level");
  assert.equal(json.warmupSamplesMs.length, 2);
  assert.equal(json.target.path, join(ws, 'model.py'), 'paths are relative to the workspace folder');

  const nap = cli(['bench', '--target', 'nap', '--json', '-', '-q'], ws);
  assert.equal(nap.status, 0, nap.stderr);
  assert.equal((JSON.parse(nap.stdout) as BenchmarkResult).samplesMs.length, 5);

  const unknown = cli(['bench', '--target', 'nope'], ws);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--target nope: .* has no target of that name \(it has fn, nap\)/);
});

test('a missing module and a missing interpreter: one clear message each, the fix included, exit 1', () => {
  const missing = cli(['bench', '--python', join(PYTHON_FIXTURES, 'missing_module.py:predict'), '--interpreter', testPython(), '-n', '5']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /No module named|not installed/);
  assert.match(missing.stderr, /pip install/);
  assert.doesNotMatch(missing.stderr.split('\nhint:')[0] ?? '', /Traceback/, 'the message comes before any traceback');

  const noInterp = cli(['bench', '--python', join(PYTHON_FIXTURES, 'timing.py:noop'), '--interpreter', '/nonexistent/python3', '-n', '5']);
  assert.equal(noInterp.status, 1);
  assert.match(noInterp.stderr, /\/nonexistent\/python3/);
  assert.match(noInterp.stderr, /latency\.python\.interpreter|--interpreter/);
});

test('doctor: the interpreter, its packages and the harness; --json for machines; CUDA without a GPU is a failed check with its fix', () => {
  const ok = cli(['doctor', '--python', testPython()]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^  interpreter  ✓ \S+ \(Python 3\.\d+/m);
  assert.match(ok.stdout, /^  packages     .*numpy [\d.]+.*torch /m);
  const json = JSON.parse(cli(['doctor', '--python', testPython(), '--json']).stdout) as { python: { ok: boolean } };
  assert.equal(json.python.ok, true);
  // This machine has CPU-only torch and no GPU: the check must fail and say why, not pass.
  const cuda = cli(['doctor', '--python', testPython(), '--cuda']);
  assert.equal(cuda.status, 1);
  assert.match(cuda.stdout, /^  CUDA         ✗ /m);
  assert.match(cuda.stdout, /fix: /);
  const none = cli(['doctor', '--python', '/nonexistent/python3']);
  assert.equal(none.status, 1);
  assert.match(none.stdout, /interpreter  ✗ .*\/nonexistent\/python3/);
});

test('bench URL: a POSTed body, 4 in flight, failed requests apart in the JSON and the report; a refused port exits 1 with the cause', async () => {
  const server = await failEveryServer(5, 503, 2);
  try {
    const body = join(dir, 'req.json');
    writeFileSync(body, '{"inputs":[[1,2,3]]}');
    // spawnSync would block this process's event loop, and so the server: run the CLI asynchronously.
    const r = await cliAsync(['bench', `${server.url}predict`, '--body-file', body, '--concurrency', '4', '-n', '100', '-w', '5', '--json', '-']);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout) as BenchmarkResult;
    assert.equal(json.target.kind, 'http');
    if (json.target.kind !== 'http') return;
    assert.equal(json.target.method, 'POST');
    assert.equal(json.target.concurrency, 4);
    assert.ok(json.errors && json.errors.statuses['503'] === json.errors.count && json.errors.count >= 15, JSON.stringify(json.errors));
    assert.equal(json.samplesMs.length + json.errors.count, 100);
    assert.equal(json.partial, false);
    assert.match(r.stderr, /^\s+errors\s+\d+ of 100 requests failed \(\d+\.\d%\): \d+ status 503; the latency figures are of the \d+ that succeeded$/m);
    const received = server.received.find((q) => q.method === 'POST');
    assert.equal(received?.body, '{"inputs":[[1,2,3]]}');
    assert.equal(received?.headers['content-type'], 'application/json');
  } finally {
    await server.close();
  }
  const { url } = await closedPort();
  const refused = await cliAsync(['bench', url, '-n', '5']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /Connection refused at http:\/\/127\.0\.0\.1:\d+\/: is the server running\?/);
});

function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [distFile('cli.js'), ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
