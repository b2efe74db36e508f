// The results panel's webview in a real Chromium, under the same CSP it gets in VS Code: the
// shell from renderPanelHtml, the bundle built from src/webview/main.ts and media/panel.css,
// served from a loopback server that plays the part of the webview resource origin (the
// plumbing is test/support/webviewHarness.ts).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { formatMs, formatRatio } from '../../src/core/format';
import { mulberry32 } from '../../src/core/random';
import { escapeHtml, panelCsp, renderPanelHtml } from '../../src/core/panelHtml';
import { isPanelState, type PanelState } from '../../src/core/panelProtocol';
import { renderTextReport } from '../../src/core/report';
import { PERCENTILE_ESTIMATOR, RESULT_SCHEMA_VERSION, type BenchmarkResult } from '../../src/core/result';
import { percentile, summarize } from '../../src/core/stats';
import {
  HIGH_CONTRAST_LIGHT,
  ROOT,
  WebviewHarness,
  sendSnapshot,
  until,
  waitFor,
  type HostStubWindow,
  type PanelProbe,
} from '../support/webviewHarness';

const SCREENSHOT = join(ROOT, '.test-artifacts', 'webview-panel.png');
const EVIL = '<img src=x onerror="window.__pwned=1">';

// ---------------------------------------------------------------------------------------------
// A realistic result: 1000 measured runs from a seeded PRNG, log-normal around 2.1 ms with a
// slow drift and a few GC-like spikes, after a warm-up that starts slow and settles.

// Other shapes: 'narrow' has no spikes and a mild cold start (every value within a factor of
// three, so linear axes); 'heavy-tail' is what real CPU runs look like, 987 of 1000 runs between
// 0.13 and 0.7 ms and the slowest 1.3% at 4–11 ms, so p99 is in the tail (and the axes log).
type Profile = 'default' | 'narrow' | 'heavy-tail';

function makeResult(overrides: { iterations?: number; measured?: number; name?: string; path?: string; seed?: number; profile?: Profile } = {}): BenchmarkResult {
  const rand = mulberry32(overrides.seed ?? 42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const iterations = overrides.iterations ?? 1000;
  const measured = overrides.measured ?? iterations;
  const profile = overrides.profile ?? 'default';
  const heavy = profile === 'heavy-tail';
  const warmupSamplesMs = Array.from({ length: 50 }, (_, i) =>
    heavy ? 0.15 * (1 + 2 * Math.exp(-i / 6)) * Math.exp(0.2 * gauss()) : 2.1 * (1 + 1.6 * Math.exp(-i / 6)) * Math.exp(0.07 * gauss()),
  );
  const samplesMs = Array.from({ length: measured }, (_, i) => {
    if (heavy) return i % 75 === 37 ? 4 + 7 * rand() : Math.min(0.7, 0.131 + 0.025 * Math.exp(1.1 * gauss()));
    const spike = profile === 'default' && rand() < 0.004 ? 6 + 14 * rand() : 0;
    return 2.1 * Math.exp(0.08 * gauss()) + 0.00018 * i + spike;
  });
  const summary = summarize(samplesMs, samplesMs.reduce((a, b) => a + b, 0) * 1.04);
  const firstMs = heavy ? 8.88 : profile === 'narrow' ? 4.2 : 38.6;
  const name = overrides.name ?? 'bert-tiny-int8.onnx';
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    target: { kind: 'onnx', path: overrides.path ?? `/home/dev/models/${name}`, name, sizeBytes: 17_563_648 },
    config: {
      iterations,
      warmup: 50,
      session: { intraOpNumThreads: 1, interOpNumThreads: 0, graphOptimizationLevel: 'all', executionMode: 'sequential', executionProviders: ['cpu'] },
      inputs: [
        { name: 'input_ids', type: 'int64', shape: [1, 128], declaredShape: ['batch', 'sequence'], fill: { kind: 'random', low: 0, high: 30522, seed: 1 }, notes: ['batch → 1', 'sequence → 128 (override)'] },
        { name: 'attention_mask', type: 'int64', shape: [1, 128], declaredShape: ['batch', 'sequence'], fill: { kind: 'constant', value: 1 }, notes: ['batch → 1', 'sequence → 128 (override)'] },
      ],
    },
    summary,
    estimator: PERCENTILE_ESTIMATOR,
    coldStart: { loadMs: 142.3, firstMs, ratio: summary ? firstMs / summary.p50Ms : null },
    warmupSamplesMs,
    samplesMs,
    memory: { peakRssBytes: 190_840_832 },
    environment: {
      os: 'Linux 6.8.0', arch: 'x64', cpu: 'AMD EPYC 7B13', cpuCores: 16, totalMemoryBytes: 68_719_476_736,
      node: 'v20.19.0', onnxruntime: '1.30.0', hostname: 'devbox',
    },
    partial: measured < iterations,
    ...(measured < iterations ? { partialReason: `cancelled after ${measured} of ${iterations} runs` } : {}),
    startedAt: '2025-11-26T10:38:12.000Z',
    finishedAt: '2025-11-26T10:38:15.400Z',
  };
}

const HC_LIGHT_BLUE: [number, number, number] = [0x0f, 0x4a, 0x85];

// ---------------------------------------------------------------------------------------------
// Probes

// What the functions passed to page.evaluate touch in the page. Declared here, module-local,
// because the root tsconfig deliberately has no DOM lib (host and profiler code must not see one).
interface PageCanvas {
  width: number;
  height: number;
  dataset: Record<string, string | undefined>;
  getContext(kind: '2d', opts?: { willReadFrequently: boolean }): {
    drawImage(source: PageCanvas, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const window: HostStubWindow & { __pwned?: unknown };
declare const document: {
  getElementById(id: string): PageCanvas | null;
  querySelector(selector: string): unknown;
  createElement(tag: 'canvas'): PageCanvas;
};
declare const sessionStorage: { getItem(key: string): string | null };

const pageTitle = `Latency: ${EVIL}`;
let harness: WebviewHarness;

const stat = (page: Page, key: string) => page.locator(`[data-stat="${key}"]`).textContent();

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** What the charts record on their canvas (data-* attributes): the axis type chosen, counts, marker label boxes. */
interface ChartState {
  xScale?: string;
  yScale?: string;
  runsCharted?: string;
  tailBars?: string;
  offScale?: string;
  plotArea: Rect | null;
  markerLabels: Array<Rect & { label: string }>;
}

async function chartState(page: Page, id: string): Promise<ChartState> {
  const data = await page.evaluate((id) => ({ ...document.getElementById(id)!.dataset }), id);
  return {
    xScale: data.xScale,
    yScale: data.yScale,
    runsCharted: data.runsCharted,
    tailBars: data.tailBars,
    offScale: data.offScale,
    plotArea: JSON.parse(data.plotArea ?? 'null') as Rect | null,
    markerLabels: JSON.parse(data.markerLabels ?? '[]') as Array<Rect & { label: string }>,
  };
}

/** Marker labels sit in their band outside the plot (above it, or right of it), apart from each other. */
function assertLabelsOffData(state: ChartState, side: 'above' | 'right', what: string): void {
  const area = state.plotArea;
  assert.ok(area, `${what}: plot area recorded`);
  assert.deepEqual(state.markerLabels.map((l) => l.label).sort(), ['p50', 'p99'], `${what}: both markers labelled`);
  for (const l of state.markerLabels) {
    if (side === 'above') assert.ok(l.bottom <= area.top && l.left >= area.left - 1 && l.right <= area.right + 1, `${what}: ${JSON.stringify(l)} above ${JSON.stringify(area)}`);
    else assert.ok(l.left >= area.right && l.top >= area.top - 1 && l.bottom <= area.bottom + 1, `${what}: ${JSON.stringify(l)} right of ${JSON.stringify(area)}`);
  }
  const [a, b] = state.markerLabels as unknown as [Rect, Rect];
  const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  assert.ok(!overlap, `${what}: marker labels do not overprint each other`);
}

async function assertClean(probe: PanelProbe): Promise<void> {
  const violations = await probe.page.evaluate(() => window.__cspViolations);
  assert.deepEqual(violations, [], 'CSP violations');
  assert.deepEqual(probe.errors, [], 'console errors or page errors');
  assert.deepEqual(harness.requests.filter((r) => r.status !== 200), [], 'requests the server could not answer');
}

/** Painted pixels on a canvas, and how many are close to `rgb` (when given). */
function canvasPixels(page: Page, id: string, rgb?: [number, number, number]) {
  return page.evaluate(
    ({ id, rgb }) => {
      const canvas = document.getElementById(id)!;
      // Read through a copy: repeated getImageData on the chart's own canvas makes Chromium warn
      // (willReadFrequently), which would trip the no-console-warnings check.
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      let matching = 0;
      let hash = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! === 0) continue;
        painted++;
        hash = (Math.imul(hash, 31) + data[i]! * 65536 + data[i + 1]! * 256 + data[i + 2]!) | 0;
        if (rgb && Math.abs(data[i]! - rgb[0]) + Math.abs(data[i + 1]! - rgb[1]) + Math.abs(data[i + 2]! - rgb[2]) < 24) matching++;
      }
      return { painted, matching, hash, total: canvas.width * canvas.height };
    },
    { id, rgb },
  );
}

// ---------------------------------------------------------------------------------------------

describe('renderPanelHtml', () => {
  test('states the CSP and escapes every interpolated value', () => {
    const html = renderPanelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc+/=', scriptUri: 'https://a/"b.js', styleUri: 'https://a/<c>.css', title: EVIL });
    const csp = "default-src 'none'; img-src https://x.vscode-cdn.net data:; style-src https://x.vscode-cdn.net; script-src 'nonce-abc+/='; font-src https://x.vscode-cdn.net;";
    assert.equal(panelCsp('https://x.vscode-cdn.net', 'abc+/='), csp);
    assert.ok(html.includes(`content="${escapeHtml(csp)}"`));
    assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
    assert.ok(html.includes('<script nonce="abc+/=" src="https://a/&quot;b.js"></script>'));
    assert.ok(html.includes('href="https://a/&lt;c&gt;.css"'));
    assert.ok(html.includes(`<title>${escapeHtml(EVIL)}</title>`) && !html.includes(EVIL));
  });
});

describe('results panel webview in Chromium', () => {
  before(async () => {
    harness = await WebviewHarness.start({ title: pageTitle });
  });
  after(() => harness?.close());

  test('renders a snapshot, persists it, restores it on reload and follows the theme', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      assert.deepEqual(await page.evaluate(() => window.__posted), [{ type: 'ready' }]);
      assert.equal(await page.locator('#app').isHidden(), true, 'nothing to show before the first snapshot');
      assert.equal(await page.title(), pageTitle, 'the shell title is text, not markup');

      const result = makeResult();
      await sendSnapshot(page, result);
      await until(page, () => document.querySelector('[data-stat="p50"]') !== null, 'the summary');

      // Expected figures computed independently of the result's own summary.
      const sorted = result.samplesMs.slice().sort((a, b) => a - b);
      const p50 = formatMs(percentile(sorted, 0.5));
      const p99 = formatMs(percentile(sorted, 0.99));
      assert.match(p50, /^2\.\d\d ms$/, 'the generated data is what this test thinks it is');
      assert.equal(await stat(page, 'p50'), p50);
      assert.equal(await stat(page, 'p99'), p99);
      assert.equal(await stat(page, 'n'), '1,000');
      assert.equal(await page.locator('.model-name').textContent(), 'bert-tiny-int8.onnx');
      assert.equal(await page.locator('#partial-banner').count(), 0, 'a complete run has no partial banner');
      assert.equal(await page.locator('#estimator').textContent(), `Percentile estimator: ${PERCENTILE_ESTIMATOR}.`);
      assert.match((await page.locator('#details').textContent()) ?? '', /input_ids.*\[1, 128\].*\[batch, sequence\].*random in \[0, 30522\)/);

      // Both charts drew something substantial.
      for (const id of ['histogram-chart', 'timeline-chart']) {
        const px = await canvasPixels(page, id);
        assert.ok(px.total > 100_000, `${id} has a real size (${px.total} px)`);
        assert.ok(px.painted > px.total * 0.01, `${id} is drawn (${px.painted} of ${px.total} px painted)`);
      }
      const note = (await page.locator('#timeline-note').textContent()) ?? '';
      assert.match(note, /38\.6 ms/, 'the cold first inference is stated in words');
      // One ratio formatter: the summary, the timeline note and the CLI report agree.
      const ratio = formatRatio(result.coldStart.ratio!);
      assert.equal(ratio, '18×');
      assert.equal(await stat(page, 'cold-ratio'), ratio);
      assert.ok(note.includes(`(${ratio} p50)`), note);
      assert.ok(renderTextReport(result).includes(`(${ratio} p50)`), 'the CLI report says the same');

      // The webview keeps the snapshot as its state, in the shape the serializer revives.
      const state: unknown = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-webview-state') ?? 'null'));
      assert.ok(isPanelState(state), 'persisted state passes the guard');
      assert.deepEqual((state as PanelState).result, result);

      mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Theme switch: the charts are redrawn in the new theme's colours.
      const before = await canvasPixels(page, 'histogram-chart', HC_LIGHT_BLUE);
      const timelineBefore = await canvasPixels(page, 'timeline-chart');
      assert.equal(before.matching, 0, 'no high-contrast-light blue before the switch');
      await page.evaluate((t) => window.__applyTheme(t), HIGH_CONTRAST_LIGHT);
      await waitFor('the histogram to be redrawn in the new theme', async () => (await canvasPixels(page, 'histogram-chart', HC_LIGHT_BLUE)).matching > 0);
      assert.notEqual((await canvasPixels(page, 'timeline-chart')).hash, timelineBefore.hash, 'the timeline was redrawn too');
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-hc-light.png'), fullPage: true });
      await assertClean(probe);

      // Reload: VS Code recreates the page when a hidden panel is shown again. The state alone
      // restores the view; no snapshot is sent this time.
      await page.reload();
      await until(page, () => window.__posted.some((m) => m.type === 'ready'), 'ready after reload');
      await until(page, () => document.querySelector('[data-stat="p50"]') !== null, 'the restored summary');
      assert.equal(await stat(page, 'p50'), p50);
      assert.equal(await stat(page, 'n'), '1,000');
      assert.ok((await canvasPixels(page, 'histogram-chart')).painted > 1000, 'restored histogram is drawn');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('log axes for a wide range, linear for a narrow one, marker labels off the data', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      // One page, so the charts also switch scale type in place (log → linear → log).
      const show = async (result: BenchmarkResult) => {
        await sendSnapshot(page, result);
        const range = `${formatMs(result.summary!.minMs)} – ${formatMs(result.summary!.maxMs)}`;
        await waitFor('the snapshot to render', async () => (await stat(page, 'range')) === range);
      };

      // Heavy-tailed, as real CPU runs are: every run on a log axis, the tail in red bars.
      const heavy = makeResult({ profile: 'heavy-tail' });
      const s = heavy.summary!;
      assert.ok(s.maxMs / s.minMs > 8 && s.p99Ms > 4, 'the generated data is what this test thinks it is');
      await show(heavy);
      let hist = await chartState(page, 'histogram-chart');
      let line = await chartState(page, 'timeline-chart');
      assert.equal(hist.xScale, 'logarithmic');
      assert.equal(hist.runsCharted, '1000', 'no run is cut off a log axis');
      assert.ok(Number(hist.tailBars) > 0, 'bars at or above p99 are drawn');
      const histNote = (await page.locator('#histogram-note').textContent()) ?? '';
      assert.match(histNote, /^Log scale/);
      assert.match(histNote, /at least 3 px tall/, 'raised small bars are disclosed');
      assert.equal(line.yScale, 'logarithmic');
      assert.equal(line.offScale, '0', 'every point, the cold first inference included, at its value');
      assert.doesNotMatch((await page.locator('#timeline-note').textContent()) ?? '', /▲/);
      assertLabelsOffData(hist, 'above', 'histogram');
      assertLabelsOffData(line, 'right', 'timeline');
      for (const id of ['histogram-chart', 'timeline-chart']) {
        const px = await canvasPixels(page, id);
        assert.ok(px.painted > px.total * 0.01, `${id} is drawn (${px.painted} of ${px.total} px painted)`);
      }
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-heavy-tail.png'), fullPage: true });

      // Narrow: linear axes, nothing hidden, no log note.
      await show(makeResult({ profile: 'narrow' }));
      hist = await chartState(page, 'histogram-chart');
      line = await chartState(page, 'timeline-chart');
      assert.equal(hist.xScale, 'linear');
      assert.equal(hist.runsCharted, '1000');
      assert.equal(line.yScale, 'linear');
      assert.equal(line.offScale, '0');
      assert.doesNotMatch((await page.locator('#histogram-note').textContent()) ?? '', /Log scale|outlier/);
      assertLabelsOffData(hist, 'above', 'narrow histogram');
      assertLabelsOffData(line, 'right', 'narrow timeline');
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-narrow.png'), fullPage: true });

      // The default result: a 2.1 ms body with spikes to 20 ms and a 38.6 ms cold start.
      await show(makeResult());
      hist = await chartState(page, 'histogram-chart');
      line = await chartState(page, 'timeline-chart');
      assert.equal(hist.xScale, 'logarithmic');
      assert.equal(hist.runsCharted, '1000');
      assert.equal(line.yScale, 'logarithmic');
      assert.equal(line.offScale, '0');
      assertLabelsOffData(hist, 'above', 'default histogram');
      assertLabelsOffData(line, 'right', 'default timeline');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('shows hostile names as text, and nothing runs', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const result = makeResult({ name: EVIL, path: `/tmp/${EVIL}/model.onnx` });
      result.config.inputs[0]!.name = EVIL;
      result.config.inputs[0]!.notes = [EVIL];
      await sendSnapshot(page, result);
      await until(page, () => document.querySelector('.model-name') !== null, 'the header');
      assert.equal(await page.locator('.model-name').textContent(), EVIL);
      assert.equal(await page.locator('.model-path').textContent(), `/tmp/${EVIL}/model.onnx`);
      assert.equal(await page.locator('#details img, #header img, img').count(), 0, 'no element was created from a name');
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('flags a partial result, and ignores malformed messages', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
    try {
      await page.evaluate(() => {
        window.postMessage({ type: 'snapshot', result: { schemaVersion: 1, target: 'nope' } }, '*');
        window.postMessage({ type: 'something-else' }, '*');
      });
      await page.waitForTimeout(100);
      assert.equal(await page.locator('#app').isHidden(), true, 'malformed snapshots are not rendered');

      await sendSnapshot(page, makeResult({ iterations: 1000, measured: 412 }));
      await until(page, () => document.getElementById('partial-banner') !== null, 'the partial banner');
      const banner = (await page.locator('#partial-banner').textContent()) ?? '';
      assert.match(banner, /^Partial — cancelled after 412 of 1000 runs/);
      assert.equal(await stat(page, 'n'), '412');
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-partial.png'), fullPage: true });

      // Cancelled during warm-up: no summary at all, still a coherent panel.
      const none = makeResult({ iterations: 1000, measured: 0 });
      assert.equal(none.summary, null);
      await sendSnapshot(page, none);
      await until(page, () => document.querySelector('[data-stat="p50"]') === null, 'the figures to go');
      assert.match((await page.locator('#partial-banner').textContent()) ?? '', /No measured run completed/);
      assert.equal(await page.locator('#histogram-note').textContent(), 'No measured runs to chart.');
      assert.ok((await canvasPixels(page, 'timeline-chart')).painted > 500, 'warm-up is still charted');
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-no-summary.png'), fullPage: true });
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });
});
