// The load advisors (LOAD001–LOAD005) through computeVerdicts, on HTTP results with a sweep or an
// open loop built from synthetic but coherent curves.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeOpenLoop } from '../../src/core/openLoop';
import type { BenchmarkResult } from '../../src/core/result';
import { analyzeSweep, type SweepPoint } from '../../src/core/sweep';
import { computeVerdicts } from '../../src/core/verdicts';
import type { Verdict } from '../../src/core/verdict';
import { httpResult } from '../support/resultFixture';

const LEVELS = [1, 2, 4, 8, 16, 32, 64];

function points(k: number, serviceMs: number): SweepPoint[] {
  return LEVELS.map((c) => {
    const t = (Math.min(c, k) / serviceMs) * 1000;
    const mean = (c / t) * 1000;
    return { concurrency: c, n: 500, p50Ms: mean, p95Ms: mean * 1.2, p99Ms: mean * 1.4, meanMs: mean, throughputPerSec: t, errors: { count: 0, attempted: 500 } };
  });
}

function verdicts(r: BenchmarkResult): Verdict[] {
  const { verdicts: _, ...data } = r;
  return computeVerdicts(data);
}
const find = (vs: Verdict[], code: string) => vs.find((v) => v.code === code);

function quietHttp(): BenchmarkResult {
  const r = httpResult();
  delete r.errors;
  return r;
}

test('LOAD001: throughput still rising at the last level, with the figures', () => {
  const r = quietHttp();
  r.sweep = analyzeSweep(LEVELS, points(1000, 10));
  const v = find(verdicts(r), 'LOAD001');
  assert.ok(v);
  assert.equal(v.severity, 'info');
  assert.match(v.message, /rose 2\.0× from 32 to 64 in flight/);
  assert.match(v.fix, /--sweep 64,128,256,512/);
  assert.equal(find(verdicts(r), 'LOAD002'), undefined, 'no knee, no queueing');
});

test('LOAD002: flat throughput and p50 ∝ concurrency past the knee; warning when the main figures are past it', () => {
  const r = quietHttp();
  r.sweep = analyzeSweep(LEVELS, points(8, 10));
  const info = find(verdicts(r), 'LOAD002');
  assert.ok(info);
  assert.equal(info.severity, 'info', 'the knee is reported');
  assert.match(info.message, /From 8 to 64 in flight throughput stayed flat \(1\.0×\) while p50 grew 8\.0×/);
  assert.match(info.evidence.join('\n'), /Little's law at 64: 64 ÷ 800 req\/s = 80(\.0)? ms/);
  assert.equal(find(verdicts(r), 'LOAD001'), undefined);
  r.sweep.reported = { concurrency: 32, why: 'last' };
  assert.equal(find(verdicts(r), 'LOAD002')!.severity, 'warning');
});

test('LOAD002 stays quiet when latency did not grow (throughput flat for another reason)', () => {
  const pts = points(8, 10).map((p) => ({ ...p, p50Ms: 10, meanMs: 10 }));
  const r = quietHttp();
  r.sweep = analyzeSweep(LEVELS, pts);
  assert.equal(find(verdicts(r), 'LOAD002'), undefined);
});

test('LOAD003: first request slow, or the first requests slow; replaces RUN001 info; not for other targets', () => {
  const r = quietHttp();
  r.coldStart.firstMs = 300;
  r.coldStart.ratio = 300 / r.summary!.p50Ms;
  const vs = verdicts(r);
  const v = find(vs, 'LOAD003');
  assert.ok(v);
  assert.match(v.evidence[0]!, /first request 300 ms/);
  assert.equal(vs.filter((x) => x.code === 'RUN001' && x.severity === 'info').length, 0);

  const slowStart = quietHttp();
  slowStart.warmupSamplesMs = [...Array(10).fill(40), ...slowStart.warmupSamplesMs];
  assert.match(find(verdicts(slowStart), 'LOAD003')!.evidence.join(' '), /median of the first 10 requests after it 40(\.0)? ms/);

  assert.equal(find(verdicts(quietHttp()), 'LOAD003'), undefined, 'a steady server is quiet');
});

test('LOAD004: the open-loop generator fell behind; LOAD005: latency grew through the run', () => {
  const r = quietHttp();
  r.openLoop = judgeOpenLoop({
    arrival: 'constant',
    targetRatePerSec: 100,
    scheduled: 1000,
    maxInFlight: 5,
    inFlightCap: 4096,
    capHits: 0,
    sends: Array.from({ length: 1000 }, (_, i) => ({ intendedMs: i * 10, actualMs: i * 11 })),
  });
  const v = find(verdicts(r), 'LOAD004');
  assert.ok(v);
  assert.equal(v.severity, 'warning');
  assert.match(v.evidence.join('\n'), /sent 1000 of 1000 scheduled at 90\.9 req\/s \(target 100/);
  assert.equal(find(verdicts(r), 'LOAD005'), undefined, 'latency did not grow');

  r.samplesMs = r.samplesMs.map((x, i) => x + i * 0.1);
  assert.ok(find(verdicts(r), 'LOAD005'));
  r.openLoop = { ...r.openLoop, kept: true };
  delete r.openLoop.notKept;
  assert.equal(find(verdicts(r), 'LOAD004'), undefined);
});

test('LOAD006: a fast endpoint at low concurrency measured by a sleeping client; silent with --busy-poll, more in flight, a slow endpoint, Locust or an LLM stream', () => {
  const r = quietHttp();
  if (r.target.kind !== 'http') throw new Error('an http fixture');
  r.target.concurrency = 1;
  r.summary = { ...r.summary!, p50Ms: 0.8 };
  const v = find(verdicts(r), 'LOAD006');
  assert.ok(v);
  assert.equal(v.severity, 'info');
  assert.match(v.message, /p50 of 0\.800 ms/);
  assert.match(v.fix, /--busy-poll/);
  const silent = (change: (x: typeof r) => void) => {
    const c = structuredClone(r);
    change(c);
    return find(verdicts(c), 'LOAD006') === undefined;
  };
  assert.ok(silent((c) => c.target.kind === 'http' && (c.target.busyPoll = true)), 'busy-polled');
  assert.ok(silent((c) => c.target.kind === 'http' && (c.target.concurrency = 8)), '8 in flight');
  assert.ok(silent((c) => (c.summary = { ...c.summary!, p50Ms: 20 })), 'a 20 ms endpoint');
  assert.ok(silent((c) => c.target.kind === 'http' && (c.target.engine = { kind: 'locust', version: '2.20', workers: 2, users: 1, runTimeSeconds: 5 } as never)), 'Locust');
  assert.ok(!silent(() => undefined));
});
