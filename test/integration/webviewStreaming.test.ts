// The LLM streaming card of the results panel, in a real Chromium under the panel's CSP
// (test/support/webviewHarness.ts): shown only for a result with `streaming`, its figures the
// core's own, both ECDFs drawn with the SLO marked, and hidden again for an ordinary result.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { formatMs } from '../../src/core/format';
import { goodputText } from '../../src/core/llmMetrics';
import { tokensText } from '../../src/core/streamingText';
import { ROOT, WebviewHarness, canvasPixels, sendSnapshot, until, type HostStubWindow, type PanelProbe } from '../support/webviewHarness';
import { llmResult } from '../support/llmFixture';
import { httpResult } from '../support/resultFixture';

// What the functions passed to page.evaluate touch in the page, declared module-local as in
// webview.test.ts: the root tsconfig has no DOM lib.
interface PageElement {
  hidden: boolean;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
declare const window: HostStubWindow;
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
};

let harness: WebviewHarness;
const stat = (page: Page, key: string) => page.locator(`[data-stat="${key}"]`).textContent();

async function assertClean(probe: PanelProbe): Promise<void> {
  assert.deepEqual(await probe.page.evaluate(() => window.__cspViolations), [], 'CSP violations');
  assert.deepEqual(probe.errors, [], 'console errors or page errors');
}

describe('LLM streaming card in Chromium', () => {
  before(async () => {
    harness = await WebviewHarness.start({ title: 'Latency' });
  });
  after(() => harness?.close());

  test('a streaming result: the TTFT/TPOT/ITL/e2e table, tokens, goodput, and both distributions with their SLO', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const result = llmResult();
      const s = result.streaming!;
      await sendSnapshot(page, result);
      await until(page, () => !document.getElementById('streaming-card')!.hidden, 'the streaming card');
      for (const [key, v] of [['ttft', s.ttft!], ['tpot', s.tpot!], ['itl', s.itl!], ['e2e', s.e2e!]] as const) {
        assert.equal(await stat(page, `${key}-p50`), formatMs(v.p50Ms), `${key} p50`);
        assert.equal(await stat(page, `${key}-p99`), formatMs(v.p99Ms), `${key} p99`);
        assert.equal(await stat(page, `${key}-mean`), formatMs(v.meanMs), `${key} mean`);
      }
      assert.equal(await stat(page, 'tokens'), tokensText(s));
      assert.equal(await stat(page, 'goodput'), goodputText(s)!.replace(/^goodput/, 'Goodput'));
      assert.match((await stat(page, 'goodput'))!, /^Goodput 88\.5% .* under TTFT ≤ 200 ms and TPOT ≤ 50 ms$/);
      assert.match((await page.locator('#streaming caption').textContent())!, /^60 streamed answers of 61 measured requests$/);

      await until(page, () => document.getElementById('ttft-chart')!.dataset.points !== undefined && document.getElementById('tpot-chart')!.dataset.points !== undefined, 'both charts drawn');
      const ttft = await page.locator('#ttft-chart').evaluate((c) => ({ ...(c as unknown as PageElement).dataset }));
      assert.equal(ttft.slo, '200');
      assert.equal(ttft.points, '60');
      const labels = JSON.parse(ttft.markerLabels!) as Array<{ label: string }>;
      assert.deepEqual(labels.map((l) => l.label).sort(), ['SLO 200 ms', 'p50', 'p99']);
      assert.ok((await canvasPixels(page, 'ttft-chart')).painted > 2000, 'the TTFT chart is drawn');
      assert.ok((await canvasPixels(page, 'tpot-chart')).painted > 2000, 'the TPOT chart is drawn');
      assert.equal((await page.locator('#tpot-chart').evaluate((c) => (c as unknown as PageElement).dataset.slo)), '50');
      // 54 of 60 first tokens were at or under 200 ms.
      assert.match((await page.locator('#ttft-note').textContent())!, /90\.0% of them met TTFT ≤ 200 ms/);
      assert.match((await page.locator('#tpot-note').textContent())!, /100\.0% of them met TPOT ≤ 50 ms/);
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-streaming.png'), fullPage: true });

      // No SLO: no goodput, a note on how to get one, no SLO line.
      await sendSnapshot(page, llmResult(30, {}));
      await until(page, () => document.querySelector('#streaming caption')?.textContent?.startsWith('30 ') === true, 'the second snapshot');
      assert.match((await stat(page, 'goodput'))!, /^No SLO was given/);
      assert.equal(await page.locator('#ttft-chart').evaluate((c) => (c as unknown as PageElement).dataset.slo), undefined);

      // An ordinary endpoint: the card goes away.
      await sendSnapshot(page, httpResult({ samples: { medianMs: 20, seed: 13 } }));
      await until(page, () => document.getElementById('streaming-card')!.hidden, 'the card hidden again');
      assert.equal(await page.locator('#streaming').innerHTML(), '');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });
});
