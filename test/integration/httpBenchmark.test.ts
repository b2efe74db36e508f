// HTTP targets in-process, against real servers on 127.0.0.1 whose behaviour is known
// (test/support/httpServers.ts). The machine these run on may be busy: timing bounds are loose,
// but tight enough that a client adding milliseconds, or a loop that is not closed, fails them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeConfig, type ConfigLayer } from '../../src/core/config';
import type { ProgressParams } from '../../src/core/profilerProtocol';
import type { BenchmarkResult, HttpTarget } from '../../src/core/result';
import type { HttpSpec } from '../../src/core/target';
import { targetFacts } from '../../src/core/targetText';
import { runHttpBenchmark } from '../../src/profiler/httpBenchmark';
import {
  closedPort,
  dropEveryServer,
  failEveryServer,
  fixedDelayServer,
  fixedDelayServerProcess,
  garbageJsonServer,
  instantServer,
  slowEveryServer,
  startServer,
  waitFor,
} from '../support/httpServers';
import { rejection } from '../support/rejection';

interface RunMore {
  isCancelled?: () => boolean;
  progress?: ProgressParams[];
  repeat?: number;
}

function run(spec: Omit<HttpSpec, 'kind'>, layer: ConfigLayer, more: RunMore = {}): Promise<BenchmarkResult> {
  return runHttpBenchmark(
    { spec: { kind: 'http', ...spec }, config: mergeConfig(layer), progressIntervalMs: 50, ...(more.repeat !== undefined ? { repeat: more.repeat } : {}) },
    { isCancelled: more.isCancelled ?? (() => false), onProgress: (p) => more.progress?.push(p) },
  );
}

async function withServer<S extends { close(): Promise<void> }, T>(server: Promise<S>, body: (s: S) => Promise<T>): Promise<T> {
  const s = await server;
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}


const fmt = (x: number) => x.toFixed(2);

// The timing tests use a server in a process of its own: in this one, its timers and sockets
// would share the event loop with the client being measured.
test('20 ms server at concurrency 1: p50 in [20, 23] ms; cold start, warm-up and measured counts; an http target', async () => {
  await withServer(fixedDelayServerProcess(20), async (s) => {
    const progress: ProgressParams[] = [];
    const r = await run({ url: s.url }, { iterations: 60, warmup: 5 }, { progress });
    const t = r.target as HttpTarget;
    assert.equal(t.kind, 'http');
    assert.equal(t.url, s.url);
    assert.equal(t.path, s.url);
    assert.equal(t.method, 'GET');
    assert.equal(t.name, `GET ${s.url}`);
    assert.equal(t.concurrency, 1);
    assert.equal(t.timeoutMs, 30_000);
    assert.equal(r.samplesMs.length, 60);
    assert.equal(r.warmupSamplesMs.length, 5);
    const stats = await s.stats();
    assert.equal(stats.requests, 66, 'cold + 5 warm-up + 60 measured requests');
    assert.equal(stats.connections, 1, 'one keep-alive connection for the whole run');
    // The server is another process: it sees the close a moment after the runner returns.
    let open = stats.open;
    for (let i = 0; open > 0 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      open = (await s.stats()).open;
    }
    assert.equal(open, 0, 'closed at the end');
    assert.equal(r.coldStart.loadMs, 0);
    assert.ok(r.coldStart.firstMs !== null && r.coldStart.firstMs >= 20);
    assert.equal(r.partial, false);
    assert.equal(r.stopping.reason, 'iterations');
    assert.deepEqual(r.errors, { count: 0, attempted: 60, byKind: {}, statuses: {}, examples: [] });
    assert.deepEqual(r.config.inputs, []);
    assert.equal(r.config.session, undefined);
    assert.equal(r.environment.onnxruntime, undefined);
    assert.ok(r.memory.peakRssBytes > 0);
    const p50 = r.summary!.p50Ms;
    console.log(`  concurrency 1, 20 ms server: p50 ${fmt(p50)} ms, p99 ${fmt(r.summary!.p99Ms)} ms, ${fmt(r.summary!.throughputPerSec)} req/s`);
    assert.ok(p50 >= 20 && p50 <= 23, `p50 ${p50} ms`);
    // At concurrency 1 throughput is about 1 / latency.
    assert.ok(r.summary!.throughputPerSec > 1000 / 26 && r.summary!.throughputPerSec < 1000 / 20, `throughput ${r.summary!.throughputPerSec}`);
    // Progress carried every sample, each measured one once.
    const measured = progress.filter((p) => p.phase === 'measure').flatMap((p) => p.newSamplesMs);
    assert.deepEqual(measured, r.samplesMs);
  });
});

test('20 ms server at concurrency 8: p50 stays in [20, 26] ms, throughput = 8 ÷ mean latency (Little) and over half the ideal 400 req/s, 8 connections', async () => {
  await withServer(fixedDelayServerProcess(20), async (s) => {
    const r = await run({ url: s.url, concurrency: 8 }, { iterations: 400, warmup: 16 });
    assert.equal(r.samplesMs.length, 400);
    const stats = await s.stats();
    assert.equal(stats.requests, 417);
    assert.equal(stats.connections, 8, 'maxSockets = concurrency, kept alive');
    assert.equal((r.target as HttpTarget).concurrency, 8);
    const { p50Ms, throughputPerSec } = r.summary!;
    console.log(`  concurrency 8, 20 ms server: p50 ${fmt(p50Ms)} ms, p99 ${fmt(r.summary!.p99Ms)} ms, throughput ${fmt(throughputPerSec)} req/s`);
    assert.ok(p50Ms >= 20 && p50Ms <= 26, `p50 ${p50Ms} ms`);
    // Over half the ideal shows more than 4 really in flight; how close to 400 it gets depends on
    // how busy this 2-vCPU machine is (338 req/s seen under a full test run), which bench:http
    // measures instead. Little's law below ties the throughput to the latencies exactly.
    assert.ok(throughputPerSec >= 0.5 * 400 && throughputPerSec <= 400 * 1.02, `throughput ${throughputPerSec} req/s`);
    // The loop is closed at 8: by Little's law throughput = 8 / mean latency, short of it only by
    // the ramp-down at the end of the phase.
    const little = 8000 / r.summary!.meanMs;
    assert.ok(throughputPerSec <= little * 1.01 && throughputPerSec >= little * 0.93, `throughput ${throughputPerSec} vs 8 / mean = ${little}`);
    assert.equal(r.partial, false);
  });
});

test('every 5th request a 500: counted as status errors (≈20% of attempted), never a sample, and the run completes', async () => {
  await withServer(failEveryServer(5, 500, 2), async (s) => {
    const r = await run({ url: s.url, concurrency: 2 }, { iterations: 100, warmup: 4 });
    const e = r.errors!;
    assert.equal(e.attempted, 100);
    assert.equal(e.count, e.byKind.status);
    assert.ok(e.count >= 19 && e.count <= 21, `errors ${e.count}`);
    assert.deepEqual(e.statuses, { '500': e.count });
    assert.equal(r.samplesMs.length + e.count, 100);
    assert.ok(e.examples.length > 0 && e.examples.length <= 5);
    assert.match(e.examples[0]!, /500/);
    // A failed request is answered at once here (2 ms like the rest); a sample is ≥ 2 ms all the same,
    // so what shows is the count: exactly the successes.
    assert.equal(r.summary!.n, r.samplesMs.length);
    assert.equal(r.partial, false, r.partialReason);
    assert.equal(r.stopping.reason, 'iterations');
  });
});

test('connections destroyed every 4th request (before and mid-response) are counted as dropped', async () => {
  for (const mid of [false, true]) {
    await withServer(dropEveryServer(4, mid), async (s) => {
      const r = await run({ url: s.url }, { iterations: 40, warmup: 2 });
      const e = r.errors!;
      assert.equal(e.attempted, 40);
      assert.equal(e.byKind.dropped, e.count, JSON.stringify(e));
      assert.ok(e.count >= 9 && e.count <= 11, `dropped ${e.count} (${mid ? 'mid-response' : 'before'})`);
      assert.equal(r.samplesMs.length, 40 - e.count);
      assert.equal(r.partial, false);
    });
  }
});

test('garbage under content-type application/json is malformed; a body that parses is fine', async () => {
  await withServer(garbageJsonServer(3), async (s) => {
    const r = await run({ url: s.url }, { iterations: 30, warmup: 0 });
    const e = r.errors!;
    assert.equal(e.byKind.malformed, 10);
    assert.equal(e.count, 10);
    assert.match(e.examples[0]!, /not JSON/);
    assert.equal(r.samplesMs.length, 20);
  });
  // Every answer garbage: nothing succeeds, so there is nothing to measure.
  await withServer(garbageJsonServer(), async (s) => {
    const err = await rejection(run({ url: s.url }, { iterations: 30, warmup: 0 }));
    assert.equal(err.data.kind, 'httpFailed');
    assert.match(err.message, /10 of 10 failed \(10 answered malformed JSON\)/);
  });
});

test('a response slower than the timeout is aborted and counted as timeout; the run still ends', async () => {
  await withServer(slowEveryServer(5, 10_000, 1), async (s) => {
    const started = Date.now();
    const r = await run({ url: s.url, timeoutSeconds: 0.2 }, { iterations: 10, warmup: 0 });
    assert.ok(Date.now() - started < 5000, 'no wait for the slow answers');
    const e = r.errors!;
    assert.equal(e.byKind.timeout, 2);
    assert.match(e.examples[0]!, /no complete response within 0.2 s/);
    assert.equal(r.samplesMs.length, 8);
    assert.equal((r.target as HttpTarget).timeoutMs, 200);
    assert.ok(Math.max(...r.samplesMs) < 200);
    assert.ok(await waitFor(() => s.openConnections() <= 0), 'no connection left open');
  });
});

test('refused: BenchmarkError httpFailed before any result, with a clear message', async () => {
  const { url } = await closedPort();
  let started = false;
  const err = await rejection(
    runHttpBenchmark({ spec: { kind: 'http', url }, config: mergeConfig({ iterations: 10, warmup: 0 }) }, { isCancelled: () => false, onStarted: () => (started = true) }),
  );
  assert.equal(err.data.kind, 'httpFailed');
  assert.equal(err.message, `Connection refused at ${url}: is the server running?`);
  assert.ok(err.data.hint);
  assert.ok(started, 'the run header went out (as for other targets), but no result');
});

test('every request answered 500: httpFailed after the first 10, saying so', async () => {
  await withServer(failEveryServer(1), async (s) => {
    const err = await rejection(run({ url: s.url, concurrency: 3 }, { iterations: 100, warmup: 5 }));
    assert.equal(err.data.kind, 'httpFailed');
    assert.match(err.message, /failed: 10 of 10 answered 500\.$/);
    assert.ok(s.requests <= 13, `${s.requests} requests: the run stops at 10 failures (plus those in flight)`);
    assert.ok(await waitFor(() => s.openConnections() === 0), 'no connection left open');
  });
});

test('invalid or non-http URLs: httpFailed', async () => {
  for (const url of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd']) {
    const err = await rejection(run({ url }, { iterations: 1, warmup: 0 }));
    assert.equal(err.data.kind, 'httpFailed', url);
  }
});

test('cancelled mid-run: a partial result, the requests in flight aborted, no socket left open', async () => {
  await withServer(fixedDelayServer(30), async (s) => {
    let cancel = false;
    const progress: ProgressParams[] = [];
    const p = run({ url: s.url, concurrency: 4 }, { iterations: 100_000, warmup: 4 }, { isCancelled: () => cancel, progress });
    await waitFor(() => progress.some((x) => x.phase === 'measure' && x.done >= 20), 10_000);
    const startedCancel = Date.now();
    cancel = true;
    const r = await p;
    assert.ok(Date.now() - startedCancel < 500, 'cancellation does not wait for the answers in flight');
    assert.equal(r.partial, true);
    assert.equal(r.stopping.reason, 'cancelled');
    assert.match(r.partialReason!, /^cancelled/);
    assert.ok(r.samplesMs.length >= 20 && r.samplesMs.length < 100_000);
    assert.equal(r.errors!.count, 0, 'requests cut short by the cancel are not errors');
    assert.ok(await waitFor(() => s.openConnections() === 0), `${s.openConnections()} connections still open`);
  });
});

test('POST with a JSON body and a header reaches the server as sent; content-type added', async () => {
  await withServer(instantServer(), async (s) => {
    const body = JSON.stringify({ input: [1, 2, 3] });
    const r = await run({ url: `${s.url}predict?x=1`, body, headers: { 'X-Api-Key': 'k1' } }, { iterations: 3, warmup: 1 });
    assert.equal((r.target as HttpTarget).method, 'POST');
    assert.equal(r.target.name, `POST ${s.url}predict?x=1`);
    assert.equal(s.received.length, 5);
    for (const req of s.received) {
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/predict?x=1');
      assert.equal(req.body, body);
      assert.equal(req.headers['x-api-key'], 'k1');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(req.headers['content-length'], String(Buffer.byteLength(body)));
    }
  });
  // A content type the user set is kept; a method the user set wins.
  await withServer(instantServer(), async (s) => {
    await run({ url: s.url, method: 'put', body: 'a=1', headers: { 'Content-Type': 'text/plain' } }, { iterations: 1, warmup: 0 });
    assert.equal(s.received[0]!.method, 'PUT');
    assert.equal(s.received[0]!.headers['content-type'], 'text/plain');
    assert.equal(s.received[0]!.body, 'a=1');
  });
});

test('expectedStatus: a 201-only endpoint counts 200 as a status error', async () => {
  await withServer(
    startServer((n, _req, res) => {
      res.writeHead(n % 2 === 0 ? 200 : 201, { 'content-type': 'application/json' });
      res.end('{}');
    }),
    async (s) => {
      const r = await run({ url: s.url, expectedStatus: [201] }, { iterations: 10, warmup: 0 });
      assert.deepEqual(r.errors!.statuses, { '200': 5 });
      assert.equal(r.samplesMs.length, 5);
      assert.deepEqual((r.target as HttpTarget).expectedStatus, [201]);
    },
  );
});

test('adaptive stopping ends the run on its own terms; repeat combines runs and their errors', async () => {
  await withServer(failEveryServer(10), async (s) => {
    const r = await run({ url: s.url, concurrency: 2 }, { iterations: 100, warmup: 10, stopping: { mode: 'adaptive', maxIterations: 400, relativeHalfWidth: 0.5 } });
    assert.ok(['precision', 'maxIterations', 'maxSeconds'].includes(r.stopping.reason), r.stopping.reason);
    assert.equal(r.partial, false);
    assert.ok(r.errors!.attempted <= 402 && r.errors!.count > 0);
  });
  await withServer(failEveryServer(10), async (s) => {
    const r = await run({ url: s.url }, { iterations: 50, warmup: 2 }, { repeat: 2 });
    assert.equal(r.repeats?.runs.length, 2);
    assert.equal(r.errors!.attempted, 100);
    assert.equal(r.samplesMs.length + r.errors!.count, 100);
  });
});

test('busyPoll: the client keeps its CPU busy while requests are in flight (and only then), recorded in the target; the figures as without', async () => {
  await withServer(fixedDelayServerProcess(20), async (s) => {
    // From the run's header on: the environment probe before it has nothing to do with polling.
    const cpuShare = async (busyPoll: boolean) => {
      let cpu = process.cpuUsage();
      let t0 = performance.now();
      const r = await runHttpBenchmark(
        { spec: { kind: 'http', url: s.url, ...(busyPoll ? { busyPoll } : {}) }, config: mergeConfig({ iterations: 40, warmup: 2 }) },
        {
          isCancelled: () => false,
          onStarted: () => {
            cpu = process.cpuUsage();
            t0 = performance.now();
          },
        },
      );
      const used = process.cpuUsage(cpu);
      return { r, share: (used.user + used.system) / 1000 / (performance.now() - t0) };
    };
    const idle = await cpuShare(false);
    const busy = await cpuShare(true);
    console.log(`  CPU share of the run: ${idle.share.toFixed(2)} sleeping, ${busy.share.toFixed(2)} busy-polling; p50 ${fmt(idle.r.summary!.p50Ms)} / ${fmt(busy.r.summary!.p50Ms)} ms`);
    assert.equal((idle.r.target as HttpTarget).busyPoll, undefined);
    assert.equal((busy.r.target as HttpTarget).busyPoll, true);
    assert.ok(targetFacts(busy.r.target).includes('client busy-polled for answers') && !targetFacts(idle.r.target).some((f) => /busy/.test(f)));
    // ~40 × 20 ms of waiting: asleep, the client uses a part of a CPU (telemetry and bookkeeping); polling, most of one.
    assert.ok(busy.share > 0.5 && busy.share > idle.share + 0.2, `busy ${busy.share}, idle ${idle.share}`);
    for (const { r } of [idle, busy]) {
      assert.equal(r.samplesMs.length, 40);
      assert.ok(r.summary!.p50Ms >= 20 && r.summary!.p50Ms <= 23, `p50 ${r.summary!.p50Ms} ms`);
    }
    // And it stopped with the run.
    const cpu = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 200));
    const after = process.cpuUsage(cpu);
    assert.ok((after.user + after.system) / 1000 < 100, `CPU after the run: ${(after.user + after.system) / 1000} ms in 200 ms`);
  });
});
