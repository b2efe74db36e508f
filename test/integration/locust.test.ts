// The Locust round trip: an endpoint scenario exported as a locustfile, run by a real Locust
// master and two workers on loopback against real servers, its per-request records imported back
// into a BenchmarkResult. Needs Debian's python3-locust (CI installs it); skipped, saying so, only
// where `locust` cannot be started. Each run takes Locust's start-up (a few seconds) plus its run
// time, so runs are short and the bounds wide: this 2-vCPU VM runs master, workers and server.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import type { BenchmarkResult, HttpTarget } from '../../src/core/result';
import { percentile } from '../../src/core/stats';
import { INSTALL_HINT, runLocust, type LocustRunOptions } from '../../src/profiler/locustRun';
import { failEveryServer, fixedDelayServerProcess, type TestServer } from '../support/httpServers';
import { processesMentioning } from '../support/python';
import { rejection } from '../support/rejection';

const probe = spawnSync('locust', ['--version'], { encoding: 'utf8', timeout: 60_000 });
const skip = probe.status === 0 ? false : `Locust cannot be started here (locust --version: ${probe.error?.message ?? probe.stderr.trim()}); install python3-locust`;

interface Ran {
  result: BenchmarkResult;
  locustfile: string;
  pids: number[];
}

async function runTwoWorkers(opts: Omit<LocustRunOptions, 'workers' | 'onSpawned'>, isCancelled: () => boolean = () => false): Promise<Ran> {
  let locustfile = '';
  let pids: number[] = [];
  const logs: string[] = [];
  const result = await runLocust(
    {
      ...opts,
      workers: 2,
      onSpawned: (p, f) => {
        pids = p;
        locustfile = f;
      },
    },
    { isCancelled, log: (_l, m) => logs.push(m) },
  );
  return { result, locustfile, pids };
}

function assertNoLocustLeft(locustfile: string): void {
  assert.ok(locustfile, 'the run named its locustfile');
  assert.deepEqual(processesMentioning(locustfile), [], `Locust processes outlived the run (${locustfile})`);
}

const engineOf = (r: BenchmarkResult) => (r.target as HttpTarget).engine;

test('Locust, a master and two workers: every request recorded, the p50 near the service time, no process left', { skip, timeout: 120_000 }, async () => {
  const serviceMs = 20;
  const server = await fixedDelayServerProcess(serviceMs);
  try {
    const users = 4;
    const runTimeSeconds = 5;
    const { result, locustfile, pids } = await runTwoWorkers({ scenario: { spec: { kind: 'http', url: server.url, concurrency: users } }, runTimeSeconds });
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

test('Locust: failures counted apart at the server\'s ratio; a p99 over the budget is a failed threshold and exit code 1', { skip, timeout: 120_000 }, async () => {
  const server: TestServer = await failEveryServer(5, 500, 5);
  try {
    const { result, locustfile } = await runTwoWorkers({
      scenario: { spec: { kind: 'http', url: server.url, concurrency: 4 }, slo: { p99BudgetMs: 1, maxErrorRate: 0.5 } },
      runTimeSeconds: 4,
    });
    assertNoLocustLeft(locustfile);
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

test('Locust: a cancel stops master and workers, keeps the records so far as a partial result', { skip, timeout: 120_000 }, async () => {
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

test('Locust: an error in the locustfile fails with the Python traceback; a missing locust with the install hint', { skip, timeout: 60_000 }, async () => {
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
