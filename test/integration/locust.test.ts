// The Locust round trip: an endpoint scenario exported as a locustfile, run by a real Locust
// master and two workers on loopback against real servers, its per-request records imported back
// into a BenchmarkResult. Needs Debian's python3-locust (CI installs it); where `locust` cannot be
// started each test fails and says so, as the Python tests do: a missing dependency is never
// mistaken for a pass. Each run takes Locust's start-up (a few seconds) plus its run
// time, so runs are short and the bounds wide: this 2-vCPU VM runs master, workers and server.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import type { BenchmarkResult, HttpTarget } from '../../src/core/result';
import { percentile } from '../../src/core/stats';
import { INSTALL_HINT, runLocust, type LocustRunOptions } from '../../src/profiler/locustRun';
import { distFile } from '../support/dist';
import { failEveryServer, fixedDelayServerProcess, waitFor, type TestServer } from '../support/httpServers';
import { processesMentioning } from '../support/python';
import { rejection } from '../support/rejection';

const probe = spawnSync('locust', ['--version'], { encoding: 'utf8', timeout: 60_000 });
const missing = probe.status === 0 ? undefined : `Locust cannot be started here (locust --version: ${probe.error?.message ?? probe.stderr.trim()}): install python3-locust (bash .ci/run does)`;
function requireLocust(): void {
  if (missing) assert.fail(missing);
}

interface Ran {
  result: BenchmarkResult;
  locustfile: string;
  pids: number[];
  /** Successful times reported as progress while the run went on, and whether the run header came first. */
  progressSamples: number;
  started: boolean;
}

async function runTwoWorkers(opts: Omit<LocustRunOptions, 'workers' | 'onSpawned'>, isCancelled: () => boolean = () => false): Promise<Ran> {
  let locustfile = '';
  let pids: number[] = [];
  const logs: string[] = [];
  let progressSamples = 0;
  let started = false;
  const result = await runLocust(
    {
      ...opts,
      workers: 2,
      onSpawned: (p, f) => {
        pids = p;
        locustfile = f;
      },
    },
    {
      isCancelled,
      log: (_l, m) => logs.push(m),
      onStarted: () => (started = true),
      onProgress: (p) => {
        assert.ok(started, 'the header comes before any progress');
        progressSamples += p.newSamplesMs.length;
      },
    },
  );
  return { result, locustfile, pids, progressSamples, started };
}

function assertNoLocustLeft(locustfile: string): void {
  assert.ok(locustfile, 'the run named its locustfile');
  assert.deepEqual(processesMentioning(locustfile), [], `Locust processes outlived the run (${locustfile})`);
}

const engineOf = (r: BenchmarkResult) => (r.target as HttpTarget).engine;

test('Locust, a master and two workers: every request recorded, the p50 near the service time, no process left', { timeout: 120_000 }, async () => {
  requireLocust();
  const serviceMs = 20;
  const server = await fixedDelayServerProcess(serviceMs);
  try {
    const users = 4;
    const runTimeSeconds = 5;
    const { result, locustfile, pids, progressSamples } = await runTwoWorkers({ scenario: { spec: { kind: 'http', url: server.url, concurrency: users } }, runTimeSeconds });
    // Read as the master appends: most samples are seen while the run goes on, none invented.
    assert.ok(progressSamples > 0 && progressSamples <= result.samplesMs.length, `${progressSamples} samples as progress of ${result.samplesMs.length}`);
    assert.equal(pids.length, 3, 'one master and two workers started');
    assertNoLocustLeft(locustfile);
    assert.ok(isBenchmarkResult(result), 'the result passes the panel and history guard');
    assert.equal(result.partial, false, result.partialReason);
    const engine = engineOf(result)!;
    assert.equal(engine.name, 'locust');
    assert.equal(engine.workers, 2);
    assert.equal(engine.users, users);
    assert.equal(engine.exitCode, 0);
    assert.equal(result.errors?.count, 0);

    // Closed loop: 4 users can at most do 4 × 5 s ÷ 20 ms; Python's client overhead and start-up
    // take their share, but a quarter of that is far below what any working run does.
    const n = result.samplesMs.length;
    const ceiling = (users * runTimeSeconds * 1000) / serviceMs;
    assert.ok(n >= ceiling / 4 && n <= ceiling * 1.1, `${n} records, ceiling ${ceiling}`);
    // Never more records than the server answered (the workers go on briefly after the records close).
    const answered = (await server.stats()).requests;
    assert.ok(n <= answered, `${n} records but the server saw ${answered} requests`);
    assert.equal(result.errors?.attempted, n);

    const p50 = percentile([...result.samplesMs].sort((a, b) => a - b), 0.5);
    assert.ok(p50 >= serviceMs * 0.95 && p50 < serviceMs + 40, `p50 ${p50} ms for a ${serviceMs} ms service time`);
    assert.equal(result.summary?.n, n);
    assert.ok(result.summary!.throughputPerSec > 0 && result.summary!.throughputPerSec <= (users * 1000) / serviceMs * 1.1, `throughput ${result.summary!.throughputPerSec}/s`);
    assert.equal(result.coldStart.firstMs, null, 'a Locust run has no one first request');
  } finally {
    await server.close();
  }
});

test('Locust: failures counted apart at the server\'s ratio; a p99 over the budget is a failed threshold and exit code 1', { timeout: 120_000 }, async () => {
  requireLocust();
  const server: TestServer = await failEveryServer(5, 500, 5);
  try {
    const { result, locustfile } = await runTwoWorkers({
      scenario: { spec: { kind: 'http', url: server.url, concurrency: 4 }, slo: { p99BudgetMs: 1, maxErrorRate: 0.5 } },
      runTimeSeconds: 4,
    });
    assertNoLocustLeft(locustfile);
    assert.equal(result.partial, false, 'failed requests count as done, not as missing');
    const errors = result.errors!;
    assert.ok(errors.attempted > 50, `${errors.attempted} requests`);
    const ratio = errors.count / errors.attempted;
    assert.ok(Math.abs(ratio - 0.2) < 0.05, `error ratio ${ratio} for every 5th answered 500`);
    assert.equal(errors.byKind.status, errors.count);
    assert.equal(errors.statuses['500'], errors.count);
    assert.equal(result.samplesMs.length, errors.attempted - errors.count, 'failures are never samples');

    const engine = engineOf(result)!;
    assert.equal(engine.exitCode, 1, 'the failed SLO set Locust\'s exit code');
    const p99 = engine.thresholds?.find((t) => t.metric === 'p99');
    const errorRate = engine.thresholds?.find((t) => t.metric === 'errorRate');
    assert.equal(p99?.passed, false);
    assert.ok(p99!.value! > 1, `p99 ${p99?.value}`);
    assert.equal(errorRate?.passed, true);
    assert.ok(Math.abs(errorRate!.value! - ratio) < 1e-9, 'Locust judged the same records that were imported');
    assert.ok(isBenchmarkResult(result));
  } finally {
    await server.close();
  }
});

test('Locust: a cancel stops master and workers, keeps the records so far as a partial result', { timeout: 120_000 }, async () => {
  requireLocust();
  const server = await fixedDelayServerProcess(10);
  try {
    const begun = Date.now();
    let sawRecords = false;
    const { result, locustfile } = await runTwoWorkers(
      { scenario: { spec: { kind: 'http', url: server.url, concurrency: 2 } }, runTimeSeconds: 120 },
      () => {
        // Cancel once the workers have been sending for a while (start-up takes seconds).
        if (!sawRecords) sawRecords = Date.now() - begun > 8_000;
        return sawRecords;
      },
    );
    assert.ok(Date.now() - begun < 60_000, 'the cancel ended the 120 s run early');
    assertNoLocustLeft(locustfile);
    assert.equal(result.partial, true);
    assert.equal(result.stopping.reason, 'cancelled');
    assert.ok(result.samplesMs.length > 0, 'the records up to the cancel were kept');
  } finally {
    await server.close();
  }
});

test('Locust: an error in the locustfile fails with the Python traceback; a missing locust with the install hint', { timeout: 60_000 }, async () => {
  requireLocust();
  let locustfile = '';
  const err = await rejection(
    runLocust(
      {
        scenario: { spec: { kind: 'http', url: 'http://127.0.0.1:9/' } },
        locustfileText: 'from locust import HttpUser\nraise RuntimeError("broken on purpose")\n',
        workers: 2,
        runTimeSeconds: 2,
        startupTimeoutSeconds: 20,
        onSpawned: (_p, f) => (locustfile = f),
      },
      { isCancelled: () => false },
    ),
  );
  assert.equal(err.data.kind, 'commandFailed');
  assert.match(err.data.details ?? '', /Traceback[\s\S]*RuntimeError: broken on purpose/);
  assertNoLocustLeft(locustfile);

  const missing = await rejection(runLocust({ scenario: { spec: { kind: 'http', url: 'http://127.0.0.1:9/' } }, locustCommand: ['/nonexistent/locust'], workers: 2, runTimeSeconds: 1 }, { isCancelled: () => false }));
  assert.equal(missing.data.kind, 'commandFailed');
  assert.equal(missing.data.hint, INSTALL_HINT);
  assert.match(missing.message, /not installed/);
});

function cliAsync(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [distFile('cli.js'), ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('latency locust run: two workers, the result as JSON for compare and history; a failed SLO exits 1', { timeout: 120_000 }, async () => {
  requireLocust();
  const dir = mkdtempSync(join(tmpdir(), 'latency-locust-cli-'));
  const server = await fixedDelayServerProcess(15);
  try {
    const out = join(dir, 'run.json');
    const r = await cliAsync(['locust', 'run', server.url, '--workers', '2', '--users', '2', '--run-time', '3', '--p99-budget', '0.5', '--json', out, '-q'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /load by Locust \(2 workers, its own timings\)/);
    assert.match(r.stdout, /SLO failed: p99 [\d.]+ ms is over the budget of 0.5 ms/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as BenchmarkResult;
    assert.ok(isBenchmarkResult(result));
    assert.equal(engineOf(result)?.workers, 2);
    assert.ok(result.samplesMs.length > 20, `${result.samplesMs.length} samples`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('latency locust import: records from a cluster read into the same result; export writes a file Python parses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latency-locust-import-'));
  const lines = [
    { type: 'start', t: 1700000000, locust: '2.12.1', url: 'http://10.0.0.5:8000/predict', method: 'POST', expectedStatus: null, timeoutS: 30, users: 8, ratePerUser: null },
    ...Array.from({ length: 400 }, (_, i) =>
      i % 10 === 9
        ? { t: 1700000000 + i * 0.01, ms: 3, ok: false, status: 0, kind: 'refused', error: 'ConnectionRefusedError', w: `w${i % 4}` }
        : { t: 1700000000 + i * 0.01, ms: 10 + (i % 7), ok: true, status: 200, w: `w${i % 4}` },
    ),
    { type: 'end', t: 1700000005, requests: 400, errors: 40, workers: 4, answered: 4, complete: true, thresholds: [{ metric: 'errorRate', limit: 0.2, value: 0.1, passed: true }] },
  ];
  const file = join(dir, 'records.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
  const r = await cliAsync(['locust', 'import', file, '--json', '-'], dir);
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout) as BenchmarkResult;
  assert.ok(isBenchmarkResult(result));
  assert.equal(result.samplesMs.length, 360);
  assert.equal(result.errors?.count, 40);
  assert.equal(result.errors?.byKind.refused, 40);
  assert.equal(result.partial, false);
  assert.equal(result.target.name, 'POST http://10.0.0.5:8000/predict');
  assert.deepEqual(engineOf(result), { name: 'locust', version: '2.12.1', workers: 4, users: 8, thresholds: [{ metric: 'errorRate', limit: 0.2, value: 0.1, passed: true }] });
  // Throughput over the records' own span: 360 successes from t0 to the last completion (~4 s).
  assert.ok(Math.abs(result.summary!.throughputPerSec - 360 / 3.996) < 1, `${result.summary!.throughputPerSec}/s`);

  const exported = await cliAsync(['locust', 'export', 'http://127.0.0.1:8000/x?q="1"', '--header', 'X-K: a"b\\c', '--users', '3', '--out', 'lf.py'], dir);
  assert.equal(exported.status, 0, exported.stderr);
  const parsed = spawnSync('/usr/bin/python3', ['-m', 'py_compile', join(dir, 'lf.py')], { encoding: 'utf8' });
  assert.equal(parsed.status, 0, parsed.stderr);
  const bad = await cliAsync(['locust', 'export', 'http://h/', '--workers', '2'], dir);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers applies to locust run/);
  rmSync(dir, { recursive: true, force: true });
});

test('a named target with "locust" runs on Locust through latency bench --target, as Run Benchmark does', { timeout: 120_000 }, async () => {
  requireLocust();
  const dir = mkdtempSync(join(tmpdir(), 'latency-locust-named-'));
  const server = await fixedDelayServerProcess(10);
  try {
    mkdirSync(join(dir, '.vscode'));
    const api = { url: server.url, concurrency: 2, locust: { workers: 2, runTimeSeconds: 3, maxErrorRate: 0.01 } };
    writeFileSync(join(dir, '.vscode', 'latency.json'), JSON.stringify({ targets: { api } }));
    const r = await cliAsync(['bench', '--target', 'api', '--json', '-', '-q'], dir);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as BenchmarkResult;
    assert.ok(isBenchmarkResult(result));
    assert.deepEqual({ ...engineOf(result), version: undefined }, { name: 'locust', version: undefined, workers: 2, users: 2, runTimeSeconds: 3, exitCode: 0, thresholds: [{ metric: 'errorRate', limit: 0.01, value: 0, passed: true }] });
    assert.ok(result.samplesMs.length > 20);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Locust processes do not outlive a profiler that is killed (SIGKILL, no clean-up of its own)', { timeout: 120_000 }, async () => {
  requireLocust();
  const server = await fixedDelayServerProcess(10);
  const child = spawn(process.execPath, [distFile('cli.js'), 'locust', 'run', server.url, '--workers', '2', '--run-time', '120', '-q'], { stdio: 'ignore' });
  const needle = `locustfile_${child.pid}_`;
  try {
    assert.ok(await waitFor(() => processesMentioning(needle).length >= 3, 30_000), 'a master and two workers started');
    const cmdline = readFileSync(`/proc/${processesMentioning(needle)[0]}/cmdline`, 'utf8').split('\0');
    const locustDir = dirname(cmdline[cmdline.indexOf('-f') + 1]!);
    child.kill('SIGKILL');
    assert.ok(await waitFor(() => processesMentioning(needle).length === 0, 15_000), `Locust outlived its parent: ${processesMentioning(needle).join(', ')}`);
    if (locustDir.includes('latency-locust-')) rmSync(locustDir, { recursive: true, force: true });
  } finally {
    child.kill('SIGKILL');
    await server.close();
  }
});
