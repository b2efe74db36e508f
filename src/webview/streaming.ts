// The LLM streaming card, shown only for a result with `streaming` (an OpenAI-compatible
// endpoint): TTFT, TPOT, ITL and e2e at p50/p90/p99 and mean, tokens and rates, goodput under the
// SLO; then the TTFT and TPOT distributions as ECDFs (as the comparison chart draws them: no bin
// width to choose, and a percentile reads straight off the line), each with its SLO as a line.
// Where a line crosses the SLO mark is the share of requests that met that objective.

import type { Chart } from 'chart.js';
import { formatMs, formatPercent } from '../core/format';
import { goodputText, sloText, type LatencyStats, type StreamingReport } from '../core/llmMetrics';
import type { BenchmarkResult } from '../core/result';
import { percentile } from '../core/stats';
import { tokensText } from '../core/streamingText';
import { drawChart, isWideRange, latencyAxis, markerLegendItem, markerPlugin, type Marker } from './charts';
import { ecdfOptions, ecdfPoints } from './compareChart';
import { formatCount, h } from './dom';
import type { ChartTheme } from './theme';

interface Point {
  x: number;
  y: number;
}

const METRICS: ReadonlyArray<{ key: 'ttft' | 'tpot' | 'itl' | 'e2e'; label: string; title: string }> = [
  { key: 'ttft', label: 'TTFT', title: 'Time to first token: request sent → first chunk with text' },
  { key: 'tpot', label: 'TPOT', title: 'Time per output token after the first: (e2e − TTFT) ÷ (tokens − 1), one value per request' },
  { key: 'itl', label: 'ITL', title: 'Inter-token latency: every gap between chunks with text, all requests pooled' },
  { key: 'e2e', label: 'e2e', title: 'Request sent → end of the streamed answer' },
];
const STATS: ReadonlyArray<{ field: keyof LatencyStats; label: string }> = [
  { field: 'p50Ms', label: 'p50' },
  { field: 'p90Ms', label: 'p90' },
  { field: 'p99Ms', label: 'p99' },
  { field: 'meanMs', label: 'mean' },
];

export interface StreamingElements {
  card: HTMLElement;
  table: HTMLElement;
  ttftCanvas: HTMLCanvasElement;
  ttftNote: HTMLElement;
  tpotCanvas: HTMLCanvasElement;
  tpotNote: HTMLElement;
}

export class StreamingView {
  private readonly ttft: EcdfChart;
  private readonly tpot: EcdfChart;

  constructor(private readonly el: StreamingElements) {
    this.ttft = new EcdfChart(el.ttftCanvas, el.ttftNote, 'Time to first token', 'TTFT');
    this.tpot = new EcdfChart(el.tpotCanvas, el.tpotNote, 'Time per output token', 'TPOT');
  }

  render(result: BenchmarkResult, theme: ChartTheme): void {
    const s = result.streaming;
    if (!s) {
      this.el.card.hidden = true;
      this.el.table.replaceChildren();
      this.ttft.clear();
      this.tpot.clear();
      return;
    }
    this.el.card.hidden = false;
    this.el.table.replaceChildren(...figures(s));
    this.ttft.render(s.ttftMs, s.slo?.ttftMs, theme);
    this.tpot.render(s.tpotMs, s.slo?.tpotMs, theme);
  }
}

function figures(s: StreamingReport): HTMLElement[] {
  const head = h('tr', {}, h('th', { attrs: { scope: 'col' } }, ''), ...METRICS.map((m) => h('th', { attrs: { scope: 'col', title: m.title } }, m.label)));
  const rows = STATS.map((st) =>
    h(
      'tr',
      {},
      h('th', { attrs: { scope: 'row' } }, st.label),
      ...METRICS.map((m) => {
        const v = s[m.key];
        return h('td', { attrs: { 'data-stat': `${m.key}-${st.label}` } }, v ? formatMs(v[st.field]) : 'n/a');
      }),
    ),
  );
  const table = h('table', { className: 'streaming-table' }, h('caption', {}, `${formatCount(s.requests)} streamed answers of ${formatCount(s.attempted)} measured requests`), h('thead', {}, head), h('tbody', {}, ...rows));
  const out: HTMLElement[] = [table, h('p', { className: 'streaming-tokens', attrs: { 'data-stat': 'tokens' } }, tokensText(s))];
  const goodput = goodputText(s);
  out.push(
    goodput
      ? h('p', { className: 'streaming-goodput', attrs: { 'data-stat': 'goodput', title: 'Requests that met every objective, of all measured requests (a failed request met none), and per second of the measured phase' } }, goodput.replace(/^goodput/, 'Goodput'))
      : h('p', { className: 'note', attrs: { 'data-stat': 'goodput' } }, 'No SLO was given, so there is no goodput: run with --slo ttft=200,tpot=50 (or "slo" in the target) to count the requests that meet it.'),
  );
  return out;
}

/** One distribution as an ECDF, with p50, p99 and the SLO (when given) marked across it. */
class EcdfChart {
  private chart: Chart<'line', Point[]> | undefined;
  private markers: Marker[] = [];
  private theme: ChartTheme | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly note: HTMLElement,
    private readonly title: string,
    private readonly short: string,
  ) {}

  clear(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.note.textContent = '';
    delete this.canvas.dataset.points;
    delete this.canvas.dataset.xScale;
    delete this.canvas.dataset.slo;
  }

  render(values: readonly number[], slo: number | undefined, theme: ChartTheme): void {
    this.theme = theme;
    const points = ecdfPoints(values);
    const box = this.canvas.parentElement;
    if (points.length === 0) {
      this.clear();
      if (box) box.hidden = true;
      this.note.textContent = this.short === 'TPOT' ? 'No request streamed two or more tokens, so there is no TPOT to chart.' : 'No request completed, so there is nothing to chart.';
      return;
    }
    if (box) box.hidden = false;
    const sorted = points.map((p) => p.x);
    const p50 = quantile(values, 0.5);
    const p99 = quantile(values, 0.99);
    // The SLO is kept in view, so how far the requests sit from it shows.
    const min = Math.min(sorted[0]!, slo ?? Infinity);
    const max = Math.max(sorted[sorted.length - 1]!, slo ?? -Infinity);
    const log = isWideRange(min, max);
    const pad = log ? 0 : (max - min) * 0.03 || max * 0.05 || 1;
    const x = { ...latencyAxis(theme, this.title, log, min, max, 6), ...(log ? {} : { min: Math.max(0, min - pad), max: max + pad }) };
    const options = ecdfOptions(theme, x, 'requests');
    this.markers = [
      { value: p50, label: 'p50', color: theme.accent },
      { value: p99, label: 'p99', color: theme.secondary },
      ...(slo !== undefined ? [{ value: slo, label: `SLO ${formatMs(slo)}`, color: theme.alert, dash: [2, 3] }] : []),
    ];
    const label = `${formatCount(values.length)} requests`;
    options.plugins!.legend!.labels!.generateLabels = () => [
      { text: label, strokeStyle: theme.primary, fillStyle: theme.primary, lineWidth: 2, pointStyle: 'line', fontColor: theme.foreground, hidden: false },
      ...this.markers.map((m) => markerLegendItem(m, theme, m.label.startsWith('SLO') ? m.label : `${m.label} ${formatMs(m.value)}`)),
    ];
    options.plugins!.tooltip!.callbacks!.label = (item) => ` ${formatPercent(item.parsed.y ?? 0)} of requests at or below`;
    this.chart = drawChart(this.chart, this.canvas, {
      type: 'line',
      data: { datasets: [{ label, data: points, borderColor: theme.primary, backgroundColor: theme.primary, borderWidth: 2, pointRadius: 0, pointHoverRadius: 3, tension: 0, stepped: 'before', parsing: false as const, clip: 4 }] },
      options,
      plugins: [markerPlugin('x', () => ({ markers: this.markers, theme: this.theme ?? theme, range: [min, max] }))],
    });
    this.canvas.dataset.points = String(points.length);
    this.canvas.dataset.xScale = log ? 'logarithmic' : 'linear';
    if (slo !== undefined) this.canvas.dataset.slo = String(slo);
    else delete this.canvas.dataset.slo;

    const notes = [`The share of requests whose ${this.short} was at or below each value.`];
    if (slo !== undefined) {
      const met = values.filter((v) => v <= slo).length;
      notes.push(`${formatPercent(met / values.length)} of them met ${sloText(this.short === 'TTFT' ? { ttftMs: slo } : { tpotMs: slo })}.`);
    }
    if (log) notes.push('Log scale, so the body and the slow tail are both in view.');
    this.note.textContent = notes.join(' ');
  }
}

function quantile(values: readonly number[], q: number): number {
  return percentile([...values].sort((a, b) => a - b), q);
}
