// The panel's (and history's) guard for a sweep and an open loop: well-formed ones pass through
// JSON, damaged ones are refused rather than rendered.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeOpenLoop } from '../../src/core/openLoop';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import type { BenchmarkResult } from '../../src/core/result';
import { analyzeSweep } from '../../src/core/sweep';
import { httpResult } from '../support/resultFixture';

const json = (r: BenchmarkResult): unknown => JSON.parse(JSON.stringify(r));

function withLoad(): BenchmarkResult {
  const r = httpResult();
  r.sweep = analyzeSweep([1, 2, 4], [1, 2, 4].map((c) => ({ concurrency: c, n: 10, p50Ms: 1, p95Ms: 2, p99Ms: 3, meanMs: 1, throughputPerSec: c * 100, errors: { count: 0, attempted: 10 } })), 5);
  r.openLoop = judgeOpenLoop({ arrival: 'poisson', seed: 1, targetRatePerSec: 10, scheduled: 3, maxInFlight: 1, inFlightCap: 4096, capHits: 0, sends: [{ intendedMs: 0, actualMs: 0 }, { intendedMs: 100, actualMs: 100 }, { intendedMs: 100, actualMs: 100 }] });
  (r.target as { openLoop?: unknown }).openLoop = { ratePerSec: 10, arrival: 'poisson', seed: 1 };
  return r;
}

test('a sweep and an open loop pass the guard, through JSON, even with every send in one instant', () => {
  const r = withLoad();
  assert.ok(Number.isFinite(r.openLoop!.achievedRatePerSec));
  assert.ok(isBenchmarkResult(json(r)));
});

test('damaged sweeps and open loops are refused', () => {
  const cases: Array<[string, (r: any) => void]> = [
    ['a point without throughput', (r) => delete r.sweep.points[0].throughputPerSec],
    ['a knee that is a string', (r) => (r.sweep.knee.concurrency = '4')],
    ['a reported level of unknown why', (r) => (r.sweep.reported.why = 'guess')],
    ['an open loop without its lag', (r) => delete r.openLoop.lagMs],
    ['an open loop of unknown arrivals', (r) => (r.openLoop.arrival = 'burst')],
    ['kept as a string', (r) => (r.openLoop.kept = 'yes')],
    ["a target's open loop without a rate", (r) => delete r.target.openLoop.ratePerSec],
  ];
  for (const [what, damage] of cases) {
    const r = json(withLoad()) as Record<string, unknown>;
    damage(r);
    assert.equal(isBenchmarkResult(r), false, what);
  }
});
