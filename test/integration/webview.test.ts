// The results panel's webview in a real Chromium, under the same CSP it gets in VS Code: the
// shell from renderPanelHtml, the bundle built from src/webview/main.ts and media/panel.css,
// served from a loopback server that plays the part of the webview resource origin (the
// plumbing is test/support/webviewHarness.ts).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { compareOutputs } from '../../src/core/accuracy';
import type { Checklist } from '../../src/core/checklist';
import { compareRuns } from '../../src/core/compare';
import { formatMs, formatPercent, formatRatio } from '../../src/core/format';
import { mulberry32 } from '../../src/core/random';
import { escapeHtml, panelCsp, renderPanelHtml } from '../../src/core/panelHtml';
import { isPanelState, isWebviewToHostMessage, type PanelComparison, type PanelState } from '../../src/core/panelProtocol';
import { renderTextReport } from '../../src/core/report';
import { analyzeInstability } from '../../src/core/instability';
import { findOutliers } from '../../src/core/outliers';
import { CI_LEVEL, percentileCIs } from '../../src/core/quantileCI';
import {
  PERCENTILE_ESTIMATOR,
  RESULT_SCHEMA_VERSION,
  type BenchmarkResult,
  type Interval,
  type SteadyState,
  type Summary,
} from '../../src/core/result';
import { percentile, summarize } from '../../src/core/stats';
import { detectSteadyState } from '../../src/core/steadyState';
import type { SystemSnapshot, TelemetrySample } from '../../src/core/system';
import type { Verdict } from '../../src/core/verdict';
import {
  HIGH_CONTRAST_LIGHT,
  LIGHT_MODERN,
  ROOT,
  WebviewHarness,
  canvasPixels,
  reloadWithState,
  sendSnapshot,
  until,
  waitFor,
  type HostStubWindow,
  type PageCanvas,
  type PanelProbe,
} from '../support/webviewHarness';
import { commandResult, httpResult, pythonResult } from '../support/resultFixture';

const SCREENSHOT = join(ROOT, '.test-artifacts', 'webview-panel.png');
const EVIL = '<img src=x onerror="window.__pwned=1">';

// ---------------------------------------------------------------------------------------------
// A realistic result: 1000 measured runs from a seeded PRNG, log-normal around 2.1 ms with a
// slow drift and a few GC-like spikes, after a warm-up that starts slow and settles; taken on a
// bare-metal box with one GPU, read every 25 runs while it ran.

// Other shapes: 'narrow' has no spikes and a mild cold start (every value within a factor of
// three, so linear axes); 'heavy-tail' is what real CPU runs look like, 987 of 1000 runs between
// 0.13 and 0.7 ms and the slowest 1.3% at 4–11 ms, so p99 is in the tail (and the axes log).
type Profile = 'default' | 'narrow' | 'heavy-tail';

interface ResultOptions {
  iterations?: number;
  measured?: number;
  name?: string;
  path?: string;
  seed?: number;
  profile?: Profile;
  /** Timeline index where steady state begins; null for none found. Detected by MSER-5 unless given. */
  steadyIndex?: number | null;
  verdicts?: Verdict[];
  /** Telemetry readings to take, spread over the run (default: one every 25 runs). */
  telemetry?: number;
  /** 'vm': no cpufreq, no GPU; null: no pre-flight readings at all. */
  system?: 'bare-metal' | 'vm' | null;
  /** Every latency times this (0.8: a build 20% faster), the same shape otherwise. */
  scale?: number;
}

const DEFAULT_VERDICTS: Verdict[] = [
  {
    code: 'RUN021',
    severity: 'info',
    title: 'p99.9 not bounded',
    message: 'With 1,000 measured runs there are too few beyond p99.9 to bound it: the p99.9 shown is close to the slowest run.',
    evidence: ['n = 1,000; a 95% interval on p99.9 needs at least 3,688 runs'],
    fix: 'Set "stopping": { "mode": "adaptive", "targetPercentile": "p999" } or at least 3,700 iterations.',
  },
  {
    code: 'SYS004',
    severity: 'warning',
    title: 'Busy machine',
    message: 'Another process was using a CPU before the run; it competes with the model for cores and cache, which widens the tail.',
    evidence: ['code (pid 2211) at 38.5% of a CPU', 'load average 1.42 on 16 CPUs'],
    fix: 'Close other applications, or pin the benchmark with "cpuAffinity" to CPUs nothing else uses.',
  },
];

/** Pre-flight readings modelled on a 16-CPU workstation with one H100, or a 2-CPU cloud VM. */
function makeSystem(kind: 'bare-metal' | 'vm'): SystemSnapshot {
  const vm = kind === 'vm';
  return {
    takenAt: '2025-11-26T10:38:11.000Z',
    platform: 'linux',
    cpu: {
      cpufreq: !vm,
      cores: vm ? [] : Array.from({ length: 16 }, (_, cpu) => ({ cpu, governor: cpu < 12 ? 'performance' : 'powersave', curMHz: 3400 + 25 * (cpu % 4), maxMHz: 3500, scalingMinMHz: 1500, scalingMaxMHz: 3500 })),
      boost: vm ? 'unknown' : 'on',
      boostSource: vm ? null : 'cpufreq/boost',
      cpuinfoMHz: Array.from({ length: vm ? 2 : 16 }, () => 2450),
      loadAverage: vm ? [0.08, 0.11, 0.09] : [1.42, 0.98, 0.75],
      logicalCpus: vm ? 2 : 16,
      affinity: vm ? [0, 1] : Array.from({ length: 16 }, (_, i) => i),
      busiest: vm ? [] : [{ pid: 2211, name: 'code', cpuPercent: 38.5 }, { pid: 901, name: 'chrome', cpuPercent: 4.1 }],
    },
    memory: { totalBytes: vm ? 8_589_934_592 : 68_719_476_736, availableBytes: vm ? 6_012_954_214 : 51_539_607_552, swapTotalBytes: vm ? 0 : 2_147_483_648, swapUsedBytes: 0, pressureSomeAvg10: vm ? null : 0 },
    gpu: vm
      ? { status: 'absent', gpus: [], processes: [] }
      : {
          status: 'present',
          gpus: [{
            index: 0, name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-5e1c', driver: '550.54.15', persistenceMode: 'on', pstate: 'P0',
            smClockMHz: 1980, maxSmClockMHz: 1980, memClockMHz: 2619, maxMemClockMHz: 2619, appSmClockMHz: 1755, defaultAppSmClockMHz: 1755,
            powerDrawW: 118.4, powerLimitW: 700, defaultPowerLimitW: 700, maxPowerLimitW: 700, temperatureC: 36, utilizationPct: 0,
            memoryUsedMiB: 1, memoryTotalMiB: 81559, clockEventReasons: ['idle'], clockEventMask: '0x0000000000000001',
          }],
          processes: [],
        },
    openFilesLimit: 1_048_576,
    noiseFloor: { cv: vm ? 0.021 : 0.0042, runs: 30, taskMs: 1.02 },
  };
}

/** `count` readings spread evenly over warm-up then measured runs: clocks steady, the GPU warming up. */
function makeTelemetry(count: number, warmRuns: number, measuredRuns: number, withGpu: boolean): TelemetrySample[] {
  const total = warmRuns + measuredRuns;
  return Array.from({ length: count }, (_, i) => {
    const done = count === 1 ? 0 : Math.round((i * total) / (count - 1));
    const warm = done <= warmRuns;
    return {
      tMs: Math.round(done * 2.2),
      phase: warm ? ('warmup' as const) : ('measure' as const),
      run: warm ? done : done - warmRuns,
      load1: Math.round((1.4 + 0.4 * Math.sin(i / 3)) * 100) / 100,
      cpuMHz: 3420 - (i > count * 0.6 ? 180 : 0),
      gpus: withGpu
        ? [{ index: 0, smClockMHz: i > count * 0.8 ? 1755 : 1980, temperatureC: 36 + Math.round(22 * (1 - Math.exp(-i / 8))), powerW: 120 + 2 * i, clockEventReasons: i > count * 0.8 ? ['sw_thermal_slowdown'] : ['none'] }]
        : [],
    };
  });
}

function makeResult(overrides: ResultOptions = {}): BenchmarkResult {
  const rand = mulberry32(overrides.seed ?? 42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const iterations = overrides.iterations ?? 1000;
  const measured = overrides.measured ?? iterations;
  const profile = overrides.profile ?? 'default';
  const heavy = profile === 'heavy-tail';
  const scale = overrides.scale ?? 1;
  const warmupSamplesMs = Array.from({ length: 50 }, (_, i) =>
    scale * (heavy ? 0.15 * (1 + 2 * Math.exp(-i / 6)) * Math.exp(0.2 * gauss()) : 2.1 * (1 + 1.6 * Math.exp(-i / 6)) * Math.exp(0.07 * gauss())),
  );
  const samplesMs = Array.from({ length: measured }, (_, i) => {
    if (heavy) return scale * (i % 75 === 37 ? 4 + 7 * rand() : Math.min(0.7, 0.131 + 0.025 * Math.exp(1.1 * gauss())));
    const spike = profile === 'default' && rand() < 0.004 ? 6 + 14 * rand() : 0;
    return scale * (2.1 * Math.exp(0.08 * gauss()) + 0.00018 * i + spike);
  });
  const summary = summaryWithCIs(samplesMs, samplesMs.reduce((a, b) => a + b, 0) * 1.04);
  const firstMs = scale * (heavy ? 8.88 : profile === 'narrow' ? 4.2 : 38.6);
  const name = overrides.name ?? 'bert-tiny-int8.onnx';
  const partial = measured < iterations;

  const detected = detectSteadyState(warmupSamplesMs, samplesMs);
  const steadyState: SteadyState | null =
    overrides.steadyIndex === undefined
      ? detected
      : overrides.steadyIndex === null
        ? null
        : {
            index: overrides.steadyIndex,
            method: detected?.method ?? 'MSER-5',
            warmupRuns: warmupSamplesMs.length,
            transientMeasuredRuns: Math.max(0, overrides.steadyIndex - warmupSamplesMs.length),
          };
  const systemKind = overrides.system === undefined ? 'bare-metal' : overrides.system;
  const relative = (ci: Interval | null, estimate: number) => (ci === null ? null : (ci[1] - ci[0]) / 2 / estimate);

  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    target: { kind: 'onnx', path: overrides.path ?? `/home/dev/models/${name}`, name, sizeBytes: 17_563_648 },
    config: {
      iterations,
      warmup: 50,
      stopping: { mode: 'fixed', targetPercentile: 'p99', relativeHalfWidth: 0.01, maxIterations: 100_000, maxSeconds: 600 },
      cvTarget: 0.05,
      cpuAffinity: null,
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
    stopping: {
      mode: 'fixed',
      reason: partial ? 'cancelled' : 'iterations',
      achieved: { p50: summary ? relative(summary.ci.p50, summary.p50Ms) : null, target: summary ? relative(summary.ci.p99, summary.p99Ms) : null },
    },
    steadyState,
    outliers: findOutliers(samplesMs),
    instability: analyzeInstability(samplesMs),
    system: systemKind === null ? null : makeSystem(systemKind),
    telemetry: makeTelemetry(overrides.telemetry ?? Math.floor((warmupSamplesMs.length + measured) / 25) + 1, warmupSamplesMs.length, measured, systemKind === 'bare-metal'),
    verdicts: overrides.verdicts ?? DEFAULT_VERDICTS,
    partial,
    ...(partial ? { partialReason: `cancelled after ${measured} of ${iterations} runs` } : {}),
    startedAt: '2025-11-26T10:38:12.000Z',
    finishedAt: '2025-11-26T10:38:15.400Z',
  };
}

/** summarize, with the percentile CIs filled in if summarize does not (yet) add them itself. */
function summaryWithCIs(samplesMs: number[], wallMs: number): Summary | null {
  const base = summarize(samplesMs, wallMs);
  if (!base) return null;
  const sorted = samplesMs.slice().sort((a, b) => a - b);
  return { ...base, ci: base.ci ?? percentileCIs(sorted), ciLevel: base.ciLevel ?? CI_LEVEL };
}

/** What an older build persisted: schema 1, none of the run checks or readings. */
function makeV1Result(): Record<string, unknown> {
  const { stopping: _s, steadyState: _ss, outliers: _o, instability: _i, system: _sys, telemetry: _t, verdicts: _v, ...rest } = makeResult();
  const { ci: _ci, ciLevel: _cl, ...summary } = rest.summary!;
  const { stopping: _cs, cvTarget: _cv, cpuAffinity: _ca, ...config } = rest.config;
  return { ...rest, schemaVersion: 1, summary, config };
}

const HC_LIGHT_BLUE: [number, number, number] = [0x0f, 0x4a, 0x85];

// ---------------------------------------------------------------------------------------------
// Probes

// What the functions passed to page.evaluate touch in the page (module-local: the root tsconfig
// deliberately has no DOM lib, so host and profiler code never see one).
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
      // The run checks come first on the page, above the summary.
      assert.deepEqual(await page.locator('#verdicts [data-severity]').evaluateAll((els) => els.map((e) => e.getAttribute('data-severity'))), ['warning', 'info']);
      const order = await page.evaluate(() => {
        const ids = ['header', 'verdicts', 'summary', 'timeline-chart', 'telemetry', 'details'];
        return ids.map((id) => (document.getElementById(id) as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top);
      });
      assert.deepEqual(order, order.slice().sort((a, b) => a - b), `sections in reading order: ${order.join(', ')}`);
      assert.equal(await page.locator('#telemetry-card').isHidden(), false, 'telemetry was recorded, so it is shown');
      assert.equal(await stat(page, 'sys-governor'), 'performance ×12, powersave ×4');
      const inst = result.instability!;
      assert.equal(await stat(page, 'robust-cv'), formatPercent(inst.robustCv));
      assert.equal(await stat(page, 'drift-p50'), `${formatMs(inst.drift.firstThirdP50Ms)} → ${formatMs(inst.drift.lastThirdP50Ms)}`);
      assert.match((await stat(page, 'drift')) ?? '', /^[+-]?\d+\.\d% \(p [<=] [\d.]+\)$/);
      assert.match((await stat(page, 'autocorr')) ?? '', /^[+-]?\d\.\d\d \((independent|trend|alternating)\)$/);
      assert.equal(await stat(page, 'outliers'), `${result.outliers!.count} labelled`);
      assert.equal(await stat(page, 'stopping-reason'), 'configured iterations done');
      assert.match((await stat(page, 'stopping-precision')) ?? '', /^p50 ±\d+\.\d% · p99 ±\d+\.\d%$/);
      assert.match((await page.locator('[data-stat="sys-gpus"]').textContent()) ?? '', /NVIDIA H100 80GB HBM3.*1,980 \/ 1,980 MHz.*700 \/ 700 W.*idle/);

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
      await page.locator('section:has(#summary)').screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-summary.png') });

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
      result.system!.cpu.busiest[0]!.name = EVIL;
      result.system!.gpu.gpus[0]!.name = EVIL;
      result.system!.gpu.gpus[0]!.clockEventReasons = [EVIL];
      result.system!.cpu.cores[0]!.governor = EVIL;
      result.steadyState = { index: 60, method: EVIL, warmupRuns: 50, transientMeasuredRuns: 10 };
      await sendSnapshot(page, result);
      await until(page, () => document.querySelector('.model-name') !== null, 'the header');
      assert.equal(await page.locator('.model-name').textContent(), EVIL);
      assert.equal(await page.locator('.model-path').textContent(), `/tmp/${EVIL}/model.onnx`);
      assert.ok(((await page.locator('[data-stat="sys-busiest"]').textContent()) ?? '').includes(EVIL), 'a process name is text');
      assert.ok(((await page.locator('[data-stat="sys-gpus"]').textContent()) ?? '').includes(`0: ${EVIL}`), 'a GPU name is text');
      assert.match((await page.locator('#timeline-note').textContent()) ?? '', /Steady state \(<img/);
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

  test('a Python function and a shell command: their own header, cold start and details, no session or inputs', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const py = pythonResult({ samples: { medianMs: 3, seed: 11 } });
      await sendSnapshot(page, py);
      await waitFor('the function header', async () => (await page.locator('.model-name').textContent()) === 'model.py:predict');
      assert.equal(await page.locator('.model-name').getAttribute('data-target-kind'), 'python');
      assert.equal(await page.locator('.model-path').textContent(), '/home/dev/serve/model.py:42 (predict, setup load)');
      assert.match((await page.locator('.meta').textContent()) ?? '', /^Python function · 1,000 measured \+ 50 warm-up runs/);
      assert.equal(await stat(page, 'load'), formatMs(py.coldStart.loadMs));
      assert.equal(await page.locator('[data-stat="load"]').getAttribute('title'), `import ${formatMs(1612.25)}, setup ${formatMs(218.25)}`);
      assert.match((await page.locator('#app').textContent()) ?? '', /First call/);
      assert.equal(await stat(page, 'python'), '3.11.2 (/usr/bin/python3)');
      assert.equal(await stat(page, 'cuda-sync'), 'no (no CUDA in use)');
      const text = (await page.locator('#app').textContent()) ?? '';
      assert.doesNotMatch(text, /Execution providers|Intra-op threads|onnxruntime/, 'no session for a function');

      const cmd = commandResult({ samples: { medianMs: 20, seed: 12 } });
      await sendSnapshot(page, cmd);
      await waitFor('the command header', async () => (await page.locator('.model-name').getAttribute('data-target-kind')) === 'command');
      assert.equal(await page.locator('.model-name').textContent(), 'python3 infer.py --batch 8');
      assert.match((await page.locator('.meta').textContent()) ?? '', /^shell command \(\/bin\/sh -c\) · shell start-up 0\.912 ms subtracted · prepare: sync · /);
      assert.equal(await stat(page, 'shell-overhead'), '0.912 ms (subtracted from every run)');
      assert.equal(await page.locator('[data-stat="load"]').count(), 0, 'a command loads nothing before its first run');
      assert.match((await page.locator('#app').textContent()) ?? '', /First run/);
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-command.png'), fullPage: true });

      // An endpoint: its failed requests named above the figures, which hold only the successes.
      await sendSnapshot(page, httpResult({ samples: { medianMs: 20, seed: 13 } }));
      await waitFor('the endpoint header', async () => (await page.locator('.model-name').getAttribute('data-target-kind')) === 'http');
      assert.match((await page.locator('#errors-banner').textContent()) ?? '', /^Failed requests — 52 of 1,000 requests failed \(5\.2%\): 50 status 500, 2 dropped; the latency figures are of the 948 that succeeded$/);
      assert.equal(await stat(page, 'concurrency'), '8 (closed loop)');
      assert.equal(await stat(page, 'errors'), '52 of 1,000');
      assert.equal(await stat(page, 'errors-dropped'), '2');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('percentile CIs: bracketed beside their estimate, "not bounded" where n is too small', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const result = makeResult();
      const s = result.summary!;
      assert.ok(s.ci.p50 && s.ci.p99, 'n = 1000 bounds p50 and p99');
      await sendSnapshot(page, result);
      await until(page, () => document.querySelector('[data-stat="p50-ci"]') !== null, 'the percentile table');
      // The default data sits in milliseconds, so the bracket leaves the unit to the estimate.
      const bare = (ms: number) => formatMs(ms).replace(/ ms$/, '');
      for (const key of ['p50', 'p95', 'p99'] as const) {
        const ci = s.ci[key]!;
        assert.equal(await stat(page, `${key}-ci`), `[${bare(ci[0])}, ${bare(ci[1])}]`, `${key} CI`);
        const title = (await page.locator(`[data-stat="${key}-ci"]`).getAttribute('title')) ?? '';
        assert.match(title, /95% confidence interval/);
        assert.match(title, /distribution-free/);
      }
      assert.equal(await stat(page, 'p50'), formatMs(s.p50Ms), 'the estimate keeps its own cell');
      assert.equal(await stat(page, 'p90-ci'), '', 'no interval is computed for p90');
      // p99.9 needs 3,688 runs at 95%: at 1000 it is unbounded, and so is it shown.
      assert.equal(s.ci.p999, null);
      assert.equal(await stat(page, 'p999-ci'), 'not bounded (n too small)');

      // n = 100: p50 still bounded, p99.9 not; its "estimate" is really the maximum, so dimmed.
      const small = makeResult({ iterations: 100 });
      assert.equal(small.summary!.ci.p999, null);
      await sendSnapshot(page, small);
      await waitFor('n = 100 to render', async () => (await stat(page, 'n')) === '100');
      assert.equal(await stat(page, 'p999-ci'), 'not bounded (n too small)');
      assert.match((await stat(page, 'p50-ci')) ?? '', /^\[\d+\.\d+, \d+\.\d+\]$/);
      assert.match((await page.locator('[data-stat="p999"]').getAttribute('class')) ?? '', /\bdim\b/);
      assert.match((await page.locator('[data-stat="p999"]').getAttribute('title')) ?? '', /close to the maximum/);
      assert.doesNotMatch((await page.locator('[data-stat="p50"]').getAttribute('class')) ?? '', /\bdim\b/);

      // Adaptive stopping: the rule, why it stopped and the precision reached, in details and header.
      const adaptive = makeResult({ iterations: 1800, seed: 5 });
      adaptive.config.stopping = { ...adaptive.config.stopping, mode: 'adaptive', relativeHalfWidth: 0.02 };
      adaptive.stopping = { ...adaptive.stopping, mode: 'adaptive', reason: 'precision' };
      await sendSnapshot(page, adaptive);
      await waitFor('the adaptive run', async () => (await stat(page, 'n')) === '1,800');
      assert.equal(await stat(page, 'stopping-mode'), 'adaptive: p50 and p99 CIs within ±2.0%');
      assert.equal(await stat(page, 'stopping-reason'), 'target precision reached');
      const p50hw = adaptive.stopping.achieved.p50!;
      assert.match((await stat(page, 'stopping-precision')) ?? '', new RegExp(`^p50 ±${(p50hw * 100).toFixed(1)}% · p99 ±`));
      assert.match((await page.locator('.meta').textContent()) ?? '', /adaptive stop: target precision reached/);

      // The team's ranges for the model's size class: the header says where the p50 sits.
      assert.equal(await page.locator('.size-class').count(), 0, 'no ranges configured, no line');
      const ranged = makeResult({ iterations: 400, seed: 6 });
      if (ranged.target.kind === 'onnx') ranged.target.parameters = 61_706;
      ranged.config.sizeClassRanges = { small: { typicalMs: [0.001, 0.002], source: 'a <b>guide</b>' } };
      await sendSnapshot(page, ranged);
      await waitFor('the ranged run', async () => (await stat(page, 'n')) === '400');
      const line = page.locator('.size-class');
      assert.equal(await line.getAttribute('data-size-position'), 'above typical');
      assert.match((await line.textContent()) ?? '', /^Size class small \(< 1B parameters\): p50 .* is slower than the typical range \(typical .*\(a <b>guide<\/b>\)\)$/);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('run checks: errors first, with evidence and fix; hostile text stays text', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const verdicts: Verdict[] = [
        { code: 'RUN021', severity: 'info', title: 'p99.9 not bounded', message: 'Too few runs.', evidence: ['n = 1,000'], fix: 'Run longer.' },
        { code: EVIL, severity: 'error', title: EVIL, message: EVIL, evidence: [EVIL, 'governor powersave on 16 of 16 CPUs'], fix: EVIL },
        { code: 'RUN003', severity: 'warning', title: 'Warm-up too short', message: 'Measured runs were still warming up.', evidence: ['steady state at run 212 of the timeline; warm-up was 50'], fix: 'Set "warmup": 250.' },
        { code: 'SYS001', severity: 'error', title: 'CPU governor not performance', message: 'Clocks may change under the model.', evidence: [], fix: 'Run Latency: Tune System…' },
      ];
      await sendSnapshot(page, makeResult({ verdicts }));
      await until(page, () => document.querySelector('#verdicts [data-severity]') !== null, 'the run checks');
      const items = page.locator('#verdicts li.verdict');
      assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-severity'))), ['error', 'error', 'warning', 'info'], 'errors first, the profiler’s order within a severity');
      assert.deepEqual(await items.locator('.severity').allTextContents(), ['✕Error', '✕Error', '▲Warning', 'iInfo'], 'severity in words, not colour alone');
      assert.equal(await page.locator('.verdicts-count').textContent(), '2 errors · 1 warning · 1 note');
      assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.querySelector('details[open]') !== null)), [true, true, true, false], 'notes start folded to their title');
      await items.nth(3).locator('summary').click();
      assert.equal(await items.nth(3).locator('details[open]').count(), 1, 'and open on a click');

      const evil = items.nth(0);
      assert.equal(await evil.locator('.verdict-code').textContent(), EVIL);
      assert.equal(await evil.locator('.verdict-title').textContent(), EVIL);
      assert.equal(await evil.locator('.verdict-message').textContent(), EVIL);
      assert.deepEqual(await evil.locator('.verdict-evidence li').allTextContents(), [EVIL, 'governor powersave on 16 of 16 CPUs']);
      assert.equal(await evil.locator('.verdict-fix').textContent(), `Fix: ${EVIL}`);
      assert.equal(await page.locator('img').count(), 0, 'no element was created from a verdict');
      assert.equal(await page.evaluate(() => window.__pwned), undefined);

      const warn = items.nth(2);
      assert.equal(await warn.getAttribute('data-code'), 'RUN003');
      assert.deepEqual(await warn.locator('.verdict-evidence li').allTextContents(), ['steady state at run 212 of the timeline; warm-up was 50']);
      assert.equal(await warn.locator('.verdict-fix').textContent(), 'Fix: Set "warmup": 250.');
      assert.equal(await items.nth(1).locator('.verdict-evidence').count(), 0, 'no empty evidence list');
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-verdicts.png'), fullPage: true });

      // Fix buttons post the action to the host, which checks it before acting (panelProtocol).
      await sendSnapshot(
        page,
        makeResult({
          verdicts: [
            {
              code: 'RUN007', severity: 'warning', title: 'Warm-up too short', message: 'Still settling.', evidence: [], fix: 'Set latency.warmup to 400.',
              actions: [{ kind: 'openSetting', label: 'Open latency.warmup', setting: 'latency.warmup' }, { kind: 'tuneSystem', label: EVIL }],
            },
          ],
        }),
      );
      await until(page, () => document.querySelector('.verdict-action + .verdict-action') !== null, 'the fix buttons');
      const buttons = page.locator('.verdict-action');
      assert.deepEqual(await buttons.allTextContents(), ['Open latency.warmup', EVIL], 'labels are text');
      await buttons.nth(0).click();
      await buttons.nth(1).click();
      const actions = await page.evaluate(() => window.__posted.filter((m) => m.type === 'verdictAction'));
      assert.deepEqual(actions, [
        { type: 'verdictAction', action: { kind: 'openSetting', label: 'Open latency.warmup', setting: 'latency.warmup' } },
        { type: 'verdictAction', action: { kind: 'tuneSystem', label: EVIL } },
      ]);
      assert.ok(actions.every((m) => isWebviewToHostMessage(m)), 'and the host would accept them');

      await sendSnapshot(page, makeResult({ verdicts: [] }));
      await until(page, () => document.querySelector('[data-verdicts="none"]') !== null, 'the all-clear line');
      assert.equal(await page.locator('[data-verdicts="none"]').textContent(), '✓No problems found with how this run was measured.');
      assert.equal(await page.locator('#verdicts li').count(), 0);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('timeline: steady-state and warm-up markers, outliers as a series of their own', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const timeline = async () => {
        const data = await page.evaluate(() => ({ ...document.getElementById('timeline-chart')!.dataset }));
        return {
          markers: JSON.parse(data.phaseMarkers ?? '[]') as Array<{ label: string; x: number }>,
          labels: JSON.parse(data.phaseLabels ?? '[]') as Array<Rect & { label: string }>,
          plotArea: JSON.parse(data.plotArea ?? 'null') as Rect,
          legend: JSON.parse(data.legend ?? '[]') as string[],
          outliers: Number(data.outliersCharted),
        };
      };

      // Steady state well after the configured 50 warm-up runs: a too-short warm-up, visible.
      const late = makeResult({ steadyIndex: 212 });
      const outliers = late.outliers!;
      assert.ok(outliers.count > 0 && outliers.indices.length === outliers.count, 'the generated data has outliers');
      await sendSnapshot(page, late);
      await until(page, () => (document.getElementById('timeline-chart')!.dataset.phaseMarkers ?? '[]') !== '[]', 'the phase markers');
      let t = await timeline();
      // Iteration 0 is the cold first inference, so timeline index i is drawn at x = i + 1 and
      // each boundary half a run before the first run past it.
      assert.deepEqual(t.markers, [
        { label: 'steady state (MSER-5)', x: 212.5 },
        { label: 'configured warm-up end', x: 50.5 },
      ]);
      assert.deepEqual(t.labels.map((l) => l.label).sort(), ['configured warm-up end', 'steady state (MSER-5)'], 'both labelled');
      for (const l of t.labels) assert.ok(l.bottom <= t.plotArea.top && l.left >= 0, `${l.label} above the plot: ${JSON.stringify(l)} vs ${JSON.stringify(t.plotArea)}`);
      const [a, b] = t.labels as unknown as [Rect, Rect];
      assert.ok(!(a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom), 'phase labels do not overprint each other');
      assert.ok(t.legend.includes(`outliers (${outliers.count}, labelled, not dropped)`), t.legend.join(' | '));
      assert.equal(t.outliers, outliers.indices.length, 'every outlier is drawn in its own series');
      assert.match((await page.locator('#timeline-note').textContent()) ?? '', /begins at iteration 213, after the configured warm-up of 50 runs: 162 measured runs were still warming up/);
      assert.equal(await stat(page, 'steady'), 'iteration 213, after warm-up');
      // The p50/p99 labels keep their band right of the plot.
      assertLabelsOffData(await chartState(page, 'timeline-chart'), 'right', 'timeline with phase markers');
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-late-steady-state.png'), fullPage: true });

      // Steady state exactly where warm-up ended: one line, no "configured" marker.
      await sendSnapshot(page, makeResult({ steadyIndex: 50, seed: 7 }));
      await waitFor('one phase marker', async () => (await timeline()).markers.length === 1);
      t = await timeline();
      assert.deepEqual(t.markers, [{ label: 'steady state (MSER-5)', x: 50.5 }]);

      // None found: no markers, no labels, and no band taking room from the plot.
      await sendSnapshot(page, makeResult({ steadyIndex: null, profile: 'narrow' }));
      await waitFor('no phase markers', async () => (await timeline()).markers.length === 0);
      t = await timeline();
      assert.deepEqual(t.labels, []);
      assert.ok(!t.legend.some((l) => l.startsWith('outliers')), 'no outlier entry without outliers');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('telemetry: hidden when empty, a table for one reading, small charts for more', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const metrics = () => page.locator('#telemetry canvas[data-metric]').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')));

      await sendSnapshot(page, makeResult({ telemetry: 0 }));
      await until(page, () => document.querySelector('[data-stat="p50"]') !== null, 'the summary');
      assert.equal(await page.locator('#telemetry-card').isHidden(), true, 'no readings, no section');

      await sendSnapshot(page, makeResult({ telemetry: 1 }));
      await until(page, () => document.querySelector('[data-stat="tel-cpu-mhz"]') !== null, 'the one-reading table');
      assert.equal(await page.locator('#telemetry-card').isHidden(), false);
      assert.equal(await stat(page, 'tel-cpu-mhz'), '3,420 MHz');
      assert.equal(await stat(page, 'tel-gpu0-temp'), '36 °C');
      assert.deepEqual(await metrics(), [], 'one reading is no line');

      const result = makeResult();
      await sendSnapshot(page, result);
      await waitFor('the telemetry charts', async () => (await metrics()).length === 4);
      assert.deepEqual(await metrics(), ['cpu-mhz', 'load1', 'gpu-sm', 'gpu-temp']);
      assert.equal(await page.locator('[data-stat="tel-cpu-mhz"]').count(), 0, 'the table made way for the charts');
      for (const id of ['cpu-mhz', 'gpu-temp']) {
        const points = await page.locator(`canvas[data-metric="${id}"]`).getAttribute('data-points');
        assert.equal(points, String(result.telemetry.length), `${id}: every reading charted`);
        const painted = await page.locator(`canvas[data-metric="${id}"]`).evaluate((c) => {
          const canvas = c as unknown as PageCanvas;
          const copy = document.createElement('canvas');
          copy.width = canvas.width;
          copy.height = canvas.height;
          const ctx = copy.getContext('2d', { willReadFrequently: true })!;
          ctx.drawImage(canvas, 0, 0);
          const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
          return n;
        });
        assert.ok(painted > 1000, `${id} is drawn (${painted} px)`);
      }
      assert.match((await page.locator('#telemetry-note').textContent()) ?? '', /GPU 0: sw_thermal_slowdown \(\d+ of \d+ readings\)/);

      // A VM: no GPU readings, so no GPU charts, and the governor cannot be verified.
      await sendSnapshot(page, makeResult({ system: 'vm' }));
      await waitFor('CPU-only telemetry', async () => (await metrics()).length === 2);
      assert.deepEqual(await metrics(), ['cpu-mhz', 'load1']);
      assert.equal(await stat(page, 'sys-governor'), 'cannot verify (no cpufreq: VM or container)');
      assert.match((await page.locator('[data-stat="sys-gpus"]').textContent()) ?? '', /none found/);

      await sendSnapshot(page, makeResult({ telemetry: 0, system: null }));
      await waitFor('the section to go', async () => page.locator('#telemetry-card').isHidden());
      assert.equal(await stat(page, 'sys-none'), 'not taken');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('state saved by an older version is refused with a message saying so', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const v1 = makeV1Result();
      assert.equal(isPanelState({ result: v1 }), false, 'the guard refuses v1');
      await reloadWithState(page, { result: v1 });
      const text = (await page.locator('#empty-state').textContent()) ?? '';
      assert.match(text, /could not be restored/);
      assert.match(text, /saved by an older version of Latency/);
      assert.match(text, /Run the benchmark again/);
      assert.equal(await page.locator('#app').isHidden(), true);

      // A fresh snapshot still renders over it.
      await sendSnapshot(page, makeResult());
      await until(page, () => document.querySelector('[data-stat="p50"]') !== null, 'the summary');
      assert.equal(await page.locator('#empty-state').isHidden(), true);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('light theme: every section rendered and readable', async () => {
    // At 2× as on a HiDPI screen, so the close-ups are sharp enough to judge.
    const probe = await harness.openPanel({ theme: LIGHT_MODERN, deviceScaleFactor: 2 });
    const { page } = probe;
    try {
      await sendSnapshot(page, makeResult({ steadyIndex: 212 }));
      await until(page, () => document.querySelector('canvas[data-metric]') !== null, 'the telemetry charts');
      mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-light.png'), fullPage: true });
      await page.locator('section:has(#summary)').screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-light-summary.png') });
      await page.locator('section:has(#timeline-chart)').screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-light-timeline.png') });
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  // -------------------------------------------------------------------------------------------
  // Comparison with another run (issue 6)

  test('comparison: a row per metric with its verdict, the before/after chart, and gone again without one', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const base = makeResult({ seed: 42, verdicts: [] });
      const candidate = makeResult({ seed: 43, scale: 0.8, verdicts: [] });
      const comparison = compareRuns(base, candidate);
      const verdicts = Object.fromEntries(comparison.metrics.map((m) => [m.metric, m.verdict]));
      // What this test relies on: a clear 20% improvement where 1000 runs can bound the
      // percentile, and p99.9 (3,688 runs a side) unbounded; same machine and settings.
      assert.equal(verdicts.p50, 'improved');
      assert.equal(verdicts.p95, 'improved');
      assert.equal(verdicts.mean, 'improved');
      assert.equal(verdicts.p999, 'inconclusive');
      assert.deepEqual(comparison.environmentDiffs, []);
      const pc: PanelComparison = JSON.parse(JSON.stringify({ source: 'history', base: { id: 'run-7', label: EVIL, result: base }, comparison }));

      await sendSnapshot(page, candidate, pc);
      await until(page, () => document.querySelector('[data-compare-metric="p50"]') !== null, 'the comparison rows');
      assert.equal(await page.locator('#comparison-card').isHidden(), false);
      const rows = page.locator('#comparison tr[data-compare-metric]');
      assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-compare-metric'))), ['p50', 'p95', 'p99', 'p999', 'mean']);
      assert.deepEqual(
        await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict'))),
        comparison.metrics.map((m) => m.verdict),
      );
      const cell = (metric: string, what: string) => page.locator(`[data-compare-metric="${metric}"] [data-compare="${what}"]`).textContent();
      const p50 = comparison.metrics[0]!;
      assert.equal(await cell('p50', 'base'), formatMs(p50.base));
      assert.equal(await cell('p50', 'candidate'), formatMs(p50.candidate));
      assert.match((await cell('p50', 'change')) ?? '', /^−(19|20|21)\.\d% \(0\.[78]\d×\)$/, 'about 20% faster, with a true minus');
      assert.match((await cell('p50', 'ci')) ?? '', /^\[0\.\d{2,4}, 0\.\d{2,4}\]$/);
      assert.equal(await cell('p50', 'verdict'), '▼Improved', 'the verdict in words, the glyph beside it');
      assert.equal(await cell('p999', 'ci'), 'not bounded (n < 3,688)');
      assert.equal(await cell('p999', 'verdict'), '?Inconclusive');
      assert.match((await page.locator('#comparison-card').getAttribute('data-source')) ?? '', /^history$/);

      // The label is the user's text: shown as text, nothing created from it.
      assert.equal(await page.locator('[data-compare="base-label"]').textContent(), EVIL);
      assert.equal(await page.locator('#comparison-heading').textContent(), `HistoryCompared with ${EVIL}`);
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);

      assert.match((await page.locator('[data-compare="significance"]').textContent()) ?? '', /^Mann–Whitney U: p < 0\.001, the two distributions differ\. A run of this build is slower than a base run \d+\.\d% of the time/);
      assert.equal(await page.locator('[data-compare="env-diffs"]').count(), 0);
      assert.equal(await page.locator('[data-compare="env-same"]').count(), 1);
      assert.equal(await page.locator('#accuracy').isHidden(), true, 'no accuracy report, no section');
      assert.equal(await page.locator('#checklist').isHidden(), true, 'no checklist, no section');
      assert.equal(await page.locator('[data-accuracy]').count(), 0);

      // Before/after: both distributions drawn, with a note that says how to read them.
      const lines = JSON.parse((await page.locator('#compare-chart').getAttribute('data-lines')) ?? '[]') as Array<{ label: string; points: number }>;
      assert.deepEqual(lines.map((l) => l.label), ['base', 'candidate']);
      assert.ok(lines.every((l) => l.points > 100), JSON.stringify(lines));
      const px = await canvasPixels(page, 'compare-chart');
      assert.ok(px.total > 100_000 && px.painted > px.total * 0.01, `the chart is drawn (${px.painted} of ${px.total} px)`);
      assert.match((await page.locator('#compare-note').textContent()) ?? '', /further left is faster/);
      // Reading order: the comparison (what a comparison is opened for), then the run checks, then this run's own summary.
      const order = await page.evaluate(() =>
        ['comparison-card', 'verdicts', 'summary'].map((id) => (document.getElementById(id) as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top),
      );
      assert.deepEqual(order, order.slice().sort((a, b) => a - b), `sections in reading order: ${order.join(', ')}`);
      mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-comparison.png'), fullPage: true });
      await page.locator('#comparison-card').screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-comparison-card.png') });

      // The comparison is part of the persisted state, and comes back with it.
      const state: unknown = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-webview-state') ?? 'null'));
      assert.ok(isPanelState(state));
      assert.deepEqual((state as PanelState).comparison, pc);
      await page.reload();
      await until(page, () => window.__posted.some((m) => m.type === 'ready'), 'ready after reload');
      await until(page, () => document.querySelector('[data-compare-metric="p50"]') !== null, 'the restored comparison');
      assert.equal(await cell('p50', 'verdict'), '▼Improved');
      assert.equal(await page.locator('[data-compare="base-label"]').textContent(), EVIL);
      await waitFor('the restored chart', async () => (await page.locator('#compare-chart').getAttribute('data-lines')) !== null);

      // A later snapshot without a comparison hides the card, chart and all, and so does its state.
      await sendSnapshot(page, makeResult({ seed: 44 }));
      await waitFor('the card to go', async () => page.locator('#comparison-card').isHidden());
      assert.equal(await page.locator('[data-compare-metric]').count(), 0);
      assert.equal(await page.locator('#compare-chart').getAttribute('data-lines'), null, 'the chart was dropped');
      const later: unknown = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-webview-state') ?? 'null'));
      assert.ok(isPanelState(later) && !('comparison' in later));

      // And it comes back for the next snapshot that has one.
      await sendSnapshot(page, candidate, pc);
      await waitFor('the card to return', async () => !(await page.locator('#comparison-card').isHidden()));
      assert.equal(await rows.count(), 5);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('A/B: failed output agreement heads the card, checklist rows, environment differences', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const base = makeResult({ seed: 42, verdicts: [] });
      const candidate = makeResult({ seed: 43, scale: 0.8, verdicts: [] });
      candidate.config.session!.intraOpNumThreads = 4;
      const comparison = compareRuns(base, candidate);
      assert.ok(comparison.environmentDiffs.length > 0, 'the thread count differs');
      const accuracy = compareOutputs([
        { name: 'logits', dims: [1, 4], base: [0.1, 2.5, -1, 0.3], candidate: [2.4, 0.2, -1, 0.3] },
        { name: EVIL, dims: [2], base: [1, 2], candidate: [1, 2] },
        { name: 'hidden', dims: [2], base: [1, 2], candidate: [1, 2], candidateDims: [1, 2] },
      ]);
      assert.equal(accuracy.pass, false);
      const checklist: Checklist = {
        items: [
          { id: 'latencyTarget', title: 'Latency reduced by at least 20%', status: 'pass', evidence: 'p50 −20.1% [−21.0%, −19.2%]' },
          { id: 'cvTarget', title: 'CV within 5%', status: 'pass', evidence: 'CV 4.1%' },
          { id: 'accuracy', title: 'Outputs agree within 1%', status: 'fail', evidence: 'logits: relative L2 101%' },
          { id: 'noErrors', title: 'No errors', status: 'pass', evidence: 'no run failed' },
          { id: 'reproducible', title: 'Reproducible across repeats', status: 'unknown', evidence: 'Run with --repeat 3 to decide' },
          { id: 'allPercentiles', title: EVIL, status: 'pass', evidence: EVIL },
          { id: 'throughput', title: 'Throughput not lower', status: 'pass', evidence: '+25%' },
          { id: 'memory', title: 'Within the memory budget', status: 'unknown', evidence: 'No budget set' },
        ],
        verdict: 'fail',
      };
      // Through JSON as the host posts it: the unmatched output's NaN error arrives as null.
      const pc: PanelComparison = JSON.parse(JSON.stringify({ source: 'ab', base: { label: 'model.onnx (A)', result: base }, comparison, accuracy, checklist }));
      await sendSnapshot(page, candidate, pc);
      await until(page, () => document.querySelector('[data-accuracy="fail"]') !== null, 'the accuracy banner');

      const banner = page.locator('[data-accuracy="fail"]');
      assert.match((await banner.textContent()) ?? '', /^Faster but wrong — 2 of 3 outputs differ beyond the 1\.0% threshold: logits, hidden\./);
      assert.equal(await banner.getAttribute('role'), 'alert');
      assert.equal(await page.locator('#comparison > :first-child').getAttribute('data-accuracy'), 'fail', 'at the top of the card');
      assert.equal(await page.locator('[data-compare="source"]').textContent(), 'A/B');

      const outputs = page.locator('#accuracy tr[data-output]');
      assert.deepEqual(await outputs.evaluateAll((els) => els.map((e) => [e.getAttribute('data-output'), e.getAttribute('data-pass')])), [
        ['logits', 'false'],
        [EVIL, 'true'],
        ['hidden', 'false'],
      ]);
      assert.deepEqual(await outputs.nth(2).locator('td').allTextContents(), ['hidden', '—', '—', '—', '—', 'relative L2: —', '✗Fail — shape [2] vs [1, 2]']);
      assert.deepEqual((await outputs.nth(1).locator('td').allTextContents()).slice(0, 4), [EVIL, '0', '0.0%', '1']);
      assert.equal(await page.locator('[data-accuracy-verdict]').getAttribute('data-accuracy-verdict'), 'fail');

      const checks = page.locator('#checklist li[data-check]');
      assert.deepEqual(await checks.evaluateAll((els) => els.map((e) => [e.getAttribute('data-check'), e.getAttribute('data-status')])), checklist.items.map((i) => [i.id, i.status]));
      assert.equal(await page.locator('[data-check="accuracy"] .status-icon').textContent(), '✗');
      assert.equal(await page.locator('[data-check="accuracy"] .check-status').textContent(), 'Fail', 'the status in words too');
      assert.equal(await page.locator('[data-check="reproducible"] .status-icon').textContent(), '?');
      assert.equal(await page.locator('[data-check="reproducible"] .check-evidence').textContent(), 'Run with --repeat 3 to decide');
      assert.equal(await page.locator('[data-check="latencyTarget"] .status-icon').textContent(), '✓');
      assert.equal(await page.locator('[data-check="allPercentiles"] .check-title').textContent(), EVIL);
      assert.equal(await page.locator('[data-check="allPercentiles"] .check-evidence').textContent(), EVIL);
      assert.equal(await page.locator('[data-checklist-verdict]').getAttribute('data-checklist-verdict'), 'fail');
      assert.equal(await page.locator('[data-checklist-verdict]').textContent(), '✗Not verified: 1 of 8 checks fails, 2 unknown.');

      const diffs = page.locator('[data-compare="env-diffs"]');
      assert.match((await diffs.textContent()) ?? '', /^Not apples to apples/);
      assert.deepEqual(await diffs.locator('li').allTextContents(), comparison.environmentDiffs);
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await page.screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-ab.png'), fullPage: true });
      await page.locator('#comparison-card').screenshot({ path: join(ROOT, '.test-artifacts', 'webview-panel-ab-card.png') });

      // Not faster, and wrong: the banner does not claim a speed-up.
      const slower = compareRuns(candidate, base);
      const notFaster = { ...pc, comparison: JSON.parse(JSON.stringify(slower)) };
      await sendSnapshot(page, base, notFaster);
      await waitFor('the banner to change', async () => /^Outputs differ/.test((await banner.textContent()) ?? ''));
      assert.doesNotMatch((await banner.textContent()) ?? '', /Faster/);
      assert.equal(await page.locator('[data-compare-metric="p50"]').getAttribute('data-verdict'), 'regressed');
      assert.equal(await page.locator('[data-compare-metric="p50"] [data-compare="verdict"]').textContent(), '▲Regressed');

      // Outputs that agree: no banner, a pass line.
      const agreeing = { ...pc, accuracy: compareOutputs([{ name: 'logits', dims: [1, 2], base: [1, 2], candidate: [1, 2] }]) };
      await sendSnapshot(page, candidate, agreeing);
      await waitFor('the banner to go', async () => (await page.locator('[data-accuracy]').count()) === 0);
      assert.equal(await page.locator('[data-accuracy-verdict]').getAttribute('data-accuracy-verdict'), 'pass');

      // A comparison that fails its guard is refused with its snapshot: what is shown stays.
      const bad = JSON.parse(JSON.stringify({ type: 'snapshot', result: makeResult({ name: 'refused.onnx' }), comparison: { ...pc, comparison: { ...pc.comparison, metrics: [{ ...pc.comparison.metrics[0], verdict: 'faster' }] } } }));
      await page.evaluate(
        (m) =>
          new Promise<void>((done) => {
            // Messages are dispatched in order, so when the marker arrives the refused one has been handled.
            const w = window as unknown as { addEventListener(t: string, f: (e: { data: unknown }) => void): void };
            w.addEventListener('message', (e) => {
              if ((e.data as { marker?: boolean } | null)?.marker) done();
            });
            window.postMessage(m, '*');
            window.postMessage({ marker: true }, '*');
          }),
        bad,
      );
      assert.notEqual(await page.locator('.model-name').textContent(), 'refused.onnx');
      assert.equal(await page.locator('[data-accuracy-verdict]').getAttribute('data-accuracy-verdict'), 'pass');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('export buttons post the format asked for, with or without a comparison', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      assert.equal(await page.locator('[data-export="markdown"]').isVisible(), false, 'nothing to export before a result');
      await sendSnapshot(page, makeResult());
      await until(page, () => document.querySelector('[data-stat="p50"]') !== null, 'the summary');
      const buttons = page.locator('#export-actions [data-export]');
      assert.deepEqual(await buttons.evaluateAll((els) => els.map((e) => e.getAttribute('data-export'))), ['markdown', 'csv', 'json']);
      assert.deepEqual(await buttons.allTextContents(), ['Markdown', 'CSV', 'JSON']);
      for (const format of ['markdown', 'csv', 'json']) await page.locator(`[data-export="${format}"]`).click();
      const exports = await page.evaluate(() => window.__posted.filter((m) => m.type === 'export'));
      assert.deepEqual(exports, [
        { type: 'export', format: 'markdown' },
        { type: 'export', format: 'csv' },
        { type: 'export', format: 'json' },
      ]);
      assert.ok(exports.every((m) => isWebviewToHostMessage(m)), 'and the host would accept them');

      const base = makeResult({ seed: 42 });
      const candidate = makeResult({ seed: 43, scale: 0.8 });
      await sendSnapshot(page, candidate, { source: 'baseline', base: { label: 'baseline', result: base }, comparison: compareRuns(base, candidate) });
      await until(page, () => document.querySelector('[data-compare-metric="p50"]') !== null, 'the comparison');
      await page.locator('[data-export="json"]').click();
      await waitFor('the fourth export', async () => (await page.evaluate(() => window.__posted.filter((m) => m.type === 'export').length)) === 4);
      assert.equal(await page.locator('[data-compare="source"]').textContent(), 'Baseline');
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });

  test('repeats: a row per repeat and the spread between them; an input read from a file', async () => {
    const probe = await harness.openPanel();
    const { page } = probe;
    try {
      const result = makeResult();
      result.repeats = {
        runs: [
          { n: 500, p50Ms: 2.11, p99Ms: 2.62, meanMs: 2.15, cv: 0.041, loadMs: 141.2, firstMs: 38.6 },
          { n: 500, p50Ms: 2.14, p99Ms: 2.71, meanMs: 2.19, cv: 0.047, loadMs: 139.8, firstMs: null },
        ],
        spread: { p50: 0.0141, p99: 0.0338 },
      };
      result.config.inputs[0]!.fill = { kind: 'file', path: `/data/${EVIL}.npy`, sha256: 'ab'.repeat(32) };
      await sendSnapshot(page, result);
      await until(page, () => document.querySelector('[data-repeat="1"]') !== null, 'the repeats table');
      assert.deepEqual(await page.locator('[data-repeat="1"] > *').allTextContents(), ['1', '500', '2.11 ms', '2.62 ms', '2.15 ms', '4.1%', '141 ms', '38.6 ms']);
      assert.deepEqual(await page.locator('[data-repeat="2"] > *').allTextContents(), ['2', '500', '2.14 ms', '2.71 ms', '2.19 ms', '4.7%', '140 ms', 'did not complete']);
      assert.match((await stat(page, 'repeat-spread')) ?? '', /^Between repeats: p50 spread 1\.4%, p99 spread 3\.4%\./);
      assert.match((await page.locator('#details').textContent()) ?? '', new RegExp(`from /data/${EVIL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.npy`));
      assert.equal(await page.locator('img').count(), 0);

      await sendSnapshot(page, makeResult({ seed: 3 }));
      await waitFor('the repeats to go', async () => (await page.locator('[data-repeat]').count()) === 0);
      await assertClean(probe);
    } finally {
      await probe.context.close();
    }
  });
});
