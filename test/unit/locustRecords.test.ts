import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLocustRecords, recordsWallMs } from '../../src/core/locustRecords';

const start = { type: 'start', t: 1000, locust: null, url: 'http://h/p', method: 'GET', expectedStatus: null, timeoutS: 30, users: 2, ratePerUser: null };
const end = { type: 'end', t: 1002, requests: 3, errors: 1, workers: 2, answered: 2, complete: true, thresholds: [{ metric: 'p99', limit: 5, value: 7.5, passed: false }] };

test('records are read in completion order, failures keep their kind, bad lines are counted', () => {
  const lines = [
    JSON.stringify(start),
    JSON.stringify({ t: 1000.5, ms: 300, ok: true, status: 200, w: 'a' }), // completes at 1000.8
    JSON.stringify({ t: 1000.6, ms: 10, ok: true, status: 200, w: 'b' }), // completes at 1000.61
    JSON.stringify({ t: 1000.7, ms: 5, ok: false, status: 500, kind: 'status', error: 'answered 500', w: 'a' }),
    JSON.stringify({ t: 1000.7, ms: 5, ok: false, status: 0, kind: 'bogus', w: 'a' }),
    '{"t": 1000.9, "ms": ', // cut off
    JSON.stringify(end),
    '',
  ];
  const r = parseLocustRecords(lines.join('\n'));
  assert.equal(r.start?.url, 'http://h/p');
  assert.deepEqual(
    r.records.map((x) => x.ms),
    [10, 5, 5, 300],
  );
  assert.equal(r.records[1]!.kind, 'status');
  assert.equal(r.records[2]!.kind, 'other', 'an unknown kind counts as other');
  assert.deepEqual(r.badLines, [6]);
  assert.equal(r.end?.complete, true);
  assert.deepEqual(r.end?.thresholds, [{ metric: 'p99', limit: 5, value: 7.5, passed: false }]);
  assert.ok(Math.abs(recordsWallMs(r.records) - 300) < 1e-6, 'first start (1000.5) to last completion (1000.8)');
});

test('no start line, no end line: reported as absent, not invented', () => {
  const r = parseLocustRecords(JSON.stringify({ t: 1, ms: 1, ok: true, status: 200 }));
  assert.equal(r.start, null);
  assert.equal(r.end, null);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.w, '?');
  assert.equal(recordsWallMs([]), 0);
});

test('the panel and history guard: a Locust engine is checked, not waved through', async () => {
  const { isBenchmarkResult } = await import('../../src/core/panelProtocol');
  const { httpResult } = await import('../support/resultFixture');
  const { engineFacts } = await import('../../src/core/locustRecords');
  const r = httpResult();
  assert.equal(r.target.kind, 'http');
  if (r.target.kind !== 'http') return;
  r.target.engine = { name: 'locust', workers: 2, users: 4, runTimeSeconds: 5, exitCode: 1, thresholds: [{ metric: 'p99', limit: 5, value: 7, passed: false }] };
  assert.ok(isBenchmarkResult(r));
  assert.deepEqual(engineFacts(r.target, r.target.engine).filter((f) => /Locust|SLO|users/.test(f)), [
    'HTTP endpoint, load by Locust (2 workers, its own timings)',
    '4 users (closed loop)',
    'SLO failed: p99',
  ]);
  for (const bad of [{ name: 'wrk', workers: 1, users: 1 }, { name: 'locust', workers: '2', users: 1 }, { name: 'locust', workers: 2, users: 1, thresholds: [{ metric: 'p50', limit: 1, value: 1, passed: true }] }]) {
    (r.target as { engine: unknown }).engine = bad;
    assert.equal(isBenchmarkResult(r), false, JSON.stringify(bad));
  }
});
