// The sweep card and the open loop's details in the results panel, in a real Chromium under the
// panel's CSP (test/support/webviewHarness.ts): the chart drawn with the knee and budget marks,
// the table with every level, the card hidden for a run without a sweep, untrusted text escaped.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LatencyHistogram, RELATIVE_ERROR } from '../../src/core/histogram';
import { judgeOpenLoop } from '../../src/core/openLoop';
import type { BenchmarkResult } from '../../src/core/result';
import { analyzeSweep, type SweepPoint } from '../../src/core/sweep';
import { computeVerdicts } from '../../src/core/verdicts';
import { WebviewHarness, sendSnapshot, until, type HostStubWindow, type PanelProbe } from '../support/webviewHarness';
import { httpResult } from '../support/resultFixture';

// What the page functions read, declared module-local (the test runs in Node; they run in the page).
interface PageElement {
  hidden: boolean;
  dataset: Record<string, string | undefined>;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
declare const window: HostStubWindow & { __pwned?: unknown };
declare const document: { getElementById(id: string): PageElement | null; querySelector(selector: string): unknown };

let harness: WebviewHarness;
const LEVELS = [1, 2, 4, 8, 16, 32];

function sweepResult(): BenchmarkResult {
  const points: SweepPoint[] = LEVELS.map((c) => {
    const t = (Math.min(c, 4) / 10) * 1000;
    const mean = (c / t) * 1000;
    return { concurrency: c, n: 300, p50Ms: mean, p95Ms: mean * 1.2, p99Ms: mean * 1.4, meanMs: mean, throughputPerSec: t, errors: { count: 0, attempted: 300 } };
  });
  const r = httpResult({ samples: { medianMs: 10, seed: 5 } });
  delete r.errors;
  r.sweep = analyzeSweep(LEVELS, points, 30);
  // Text from the machine reaches the notes: it must stay text.
  r.sweep.knee.reason = `${r.sweep.knee.reason} <img src=x onerror="window.__pwned=1">`;
  const { verdicts: _, ...data } = r;
  r.verdicts = computeVerdicts(data);
  return r;
}

async function assertClean(probe: PanelProbe): Promise<void> {
  assert.deepEqual(await probe.page.evaluate(() => window.__cspViolations), [], 'CSP violations');
  assert.deepEqual(probe.errors, [], 'console errors or page errors');
  assert.equal(await probe.page.evaluate(() => window.__pwned), undefined);
}

describe('sweep and open loop in the results panel', () => {
  before(async () => {
    harness = await WebviewHarness.start({ title: 'Latency: sweep' });
  });
  after(() => harness?.close());

  test('a sweep: the chart with its points and knee, the table with every level, the notes; LOAD002 among the checks', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      await sendSnapshot(page, sweepResult());
      await until(page, () => !document.getElementById('sweep-card')!.hidden && document.getElementById('sweep-chart')!.dataset.points !== undefined, 'the sweep card');
      const canvas = page.locator('#sweep-chart');
      const points = JSON.parse((await canvas.getAttribute('data-points')) ?? '[]') as Array<{ concurrency: number }>;
      assert.deepEqual(points.map((p) => p.concurrency), LEVELS);
      assert.equal(await canvas.getAttribute('data-knee'), '4');
      // Both marks drew their labels: the knee above the plot, the budget beside it.
      const knee = JSON.parse((await canvas.getAttribute('data-knee-labels')) ?? '[]') as unknown[];
      const budget = JSON.parse((await canvas.getAttribute('data-budget-labels')) ?? '[]') as unknown[];
      assert.equal(knee.length, 1, 'knee label drawn');
      assert.equal(budget.length, 1, 'budget label drawn');
      // Pixels were painted.
      const painted = await page.evaluate(() => {
        const c = document.getElementById('sweep-chart')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
        return n;
      });
      assert.ok(painted > 1000, `painted ${painted}`);

      const rows = await page.locator('#sweep-table tbody tr').allTextContents();
      assert.equal(rows.length, LEVELS.length);
      assert.equal(await page.locator('#sweep-table tr[data-knee="true"]').getAttribute('data-concurrency'), '4');
      assert.equal(await page.locator('#sweep-table tr[data-best="true"]').getAttribute('data-concurrency'), '4');
      assert.match(rows[2]!, /^4 \(knee, best, reported\)10(\.0)? ms12(\.0)? ms14(\.0)? ms400\/s0$/);
      const note = (await page.locator('#sweep-note').textContent()) ?? '';
      assert.match(note, /knee: 4 in flight/);
      assert.match(note, /<img src=x/, 'shown as text');
      assert.match((await page.locator('#verdicts').textContent()) ?? '', /LOAD002/);
      assert.match((await page.locator('[data-stat="concurrency"]').textContent()) ?? '', /^8 \(closed loop, the reported level of the sweep\)$/);
      await assertClean(probe);

      // The next snapshot has no sweep: the card goes.
      const plain = httpResult();
      await sendSnapshot(page, plain);
      await until(page, () => document.getElementById('sweep-card')!.hidden, 'the sweep card hidden again');
      assert.equal(await page.locator('#sweep-table tbody tr').count(), 0);
    } finally {
      await probe.context.close();
    }
  });

  test('an open loop: rate asked and sent, lag and whether it was kept, in the endpoint details', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const r = httpResult();
      (r.target as { openLoop?: unknown }).openLoop = { ratePerSec: 100, arrival: 'constant' };
      r.target.kind === 'http' && (r.target.concurrency = 7);
      r.openLoop = judgeOpenLoop({
        arrival: 'constant',
        targetRatePerSec: 100,
        scheduled: 500,
        maxInFlight: 7,
        inFlightCap: 4096,
        capHits: 0,
        sends: Array.from({ length: 500 }, (_, i) => ({ intendedMs: i * 10, actualMs: i * 12 })),
      });
      const { verdicts: _, ...data } = r;
      r.verdicts = computeVerdicts(data);
      await sendSnapshot(page, r);
      await until(page, () => document.querySelector('[data-stat="open-loop-rate-kept"]') !== null, 'the open-loop rows');
      assert.equal(await page.locator('[data-stat="concurrency"]').textContent(), 'at most 7 (open loop)');
      assert.match((await page.locator('[data-stat="open-loop-rate-sent"]').textContent()) ?? '', /^83\.3\/s \(500 of 500 requests sent\)$/);
      assert.match((await page.locator('[data-stat="open-loop-rate-kept"]').textContent()) ?? '', /^no — sent 83\.3 req\/s/);
      assert.match((await page.locator('#verdicts').textContent()) ?? '', /LOAD004/);
      assert.equal(await page.locator('#sweep-card').isHidden(), true);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });
  test('a long run stored as a histogram: the details say how many were measured and that the charts show a subset', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const r = httpResult();
      // As the assembler leaves a run past its cap: every sample in the histogram, a subset kept.
      const histogram = new LatencyHistogram();
      for (let i = 0; i < 250_000; i++) histogram.record(r.samplesMs[i % r.samplesMs.length]!);
      r.sampling = { method: 'reservoir', stored: r.samplesMs.length, total: 250_000, relativeError: RELATIVE_ERROR, histogram: histogram.toJSON() };
      await sendSnapshot(page, r);
      await until(page, () => document.querySelector('[data-stat="sampling"]') !== null, 'the stored-samples row');
      assert.equal(
        await page.locator('[data-stat="sampling"]').textContent(),
        `250,000 measured; percentiles from a histogram (±0.049%); the charts show a random ${r.samplesMs.length.toLocaleString('en-US')}`,
      );
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });
});
