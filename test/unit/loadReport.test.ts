// A sweep's table and an open loop's facts in the terminal report and the Markdown export.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportDocument } from '../../src/core/exportReport';
import { judgeOpenLoop } from '../../src/core/openLoop';
import { renderTextReport } from '../../src/core/report';
import { analyzeSweep, type SweepPoint } from '../../src/core/sweep';
import { httpResult } from '../support/resultFixture';

const LEVELS = [1, 2, 4, 8, 16];
const points: SweepPoint[] = LEVELS.map((c) => {
  const t = (Math.min(c, 4) / 10) * 1000;
  const mean = (c / t) * 1000;
  return { concurrency: c, n: 400, p50Ms: mean, p95Ms: mean * 1.2, p99Ms: mean * 1.4, meanMs: mean, throughputPerSec: t, errors: { count: c === 16 ? 4 : 0, attempted: 400 } };
});

function sweepResult() {
  const r = httpResult();
  r.sweep = analyzeSweep(LEVELS, points, 15);
  return r;
}

test('terminal: the sweep table with knee, best and reported level marked, and the notes', () => {
  const text = renderTextReport(sweepResult());
  assert.match(text, /Concurrency sweep \(closed loop\)/);
  assert.match(text, /in flight\s+p50\s+p95\s+p99\s+throughput\s+errors/);
  assert.match(text, /\n\s+4 \(knee, best, reported\)\s+10(\.0)? ms\s+12(\.0)? ms\s+14(\.0)? ms\s+400\/s\s+0\n/);
  assert.match(text, /\n\s+16\s+40(\.0)? ms.*4 of 400 \(1\.0%\)/);
  assert.match(text, /knee: 4 in flight — 4 in flight reach 400 req\/s, 100% of the peak/);
  assert.match(text, /best under p99 ≤ 15(\.0)? ms: 4 in flight/);
  assert.match(text, /the figures above are those of 4 in flight \(the best under the budget\)/);
});

test('Markdown: the same table and notes, escaped', () => {
  const md = exportDocument('markdown', sweepResult()).text;
  assert.match(md, /\| in flight \| p50 \| p95 \| p99 \| throughput \| errors \|\n\|---\|---:\|---:\|---:\|---:\|---:\|/);
  assert.match(md, /\| 4 \(knee, best, reported\) \| 10(\.0)? ms \|/);
  assert.match(md, /- knee method: lowest concurrency whose throughput is within 90% of the sweep's peak/);
});

test('open loop: rate asked and sent, lag, in flight and whether it was kept, in both', () => {
  const r = httpResult();
  r.openLoop = judgeOpenLoop({
    arrival: 'poisson',
    seed: 1,
    targetRatePerSec: 100,
    scheduled: 500,
    maxInFlight: 9,
    inFlightCap: 4096,
    capHits: 0,
    sends: Array.from({ length: 500 }, (_, i) => ({ intendedMs: i * 10, actualMs: i * 12 })),
  });
  const text = renderTextReport(r);
  assert.match(text, /open loop\s+100\/s poisson arrivals \(seed 1\); latency from each request's intended send time/);
  assert.match(text, /rate sent\s+83\.3\/s \(500 of 500 requests sent\)/);
  assert.match(text, /rate kept\s+no — sent 83\.3 req\/s/);
  const md = exportDocument('markdown', r).text;
  assert.match(md, /- \*\*send lag:\*\* p50 /);
  assert.match(md, /- \*\*in flight:\*\* at most 9 \(cap 4096\)/);
});

test('an open loop is named as one in the report header, with the most requests in flight', () => {
  const r = httpResult();
  if (r.target.kind !== 'http') throw new Error('an http fixture');
  r.target.openLoop = { ratePerSec: 50, arrival: 'constant' };
  r.target.concurrency = 6;
  assert.match(renderTextReport(r).split('\n')[0]!, /\(HTTP endpoint, open loop at 50(\.0)?\/s \(constant\), at most 6 in flight, timeout/);
});
