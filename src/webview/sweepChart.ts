// A concurrency sweep in one picture: p99 latency (left axis) and throughput (right axis) against
// the requests in flight, on a log₂ axis so 1, 2, 4 … 64 are evenly spaced. The knee is a
// vertical mark and the p99 budget a horizontal one; the table under the chart holds every
// figure (for screen readers and for reading exact values), knee, best and reported level marked.
// Shown only when the result has a sweep.

import type { Chart, ChartOptions, Scale } from 'chart.js';
import { formatMs, formatRate } from '../core/format';
import { sweepNotes, sweepTable } from '../core/loadText';
import type { BenchmarkResult } from '../core/result';
import { axisBase, baseOptions, drawChart, markerLegendItem, markerPlugin, type Marker } from './charts';
import { h } from './dom';
import { withAlpha, type ChartTheme } from './theme';

interface Point {
  x: number;
  y: number;
}

export class SweepChart {
  private chart: Chart<'line', Point[]> | undefined;
  private kneeMarkers: Marker[] = [];
  private budgetMarkers: Marker[] = [];
  private theme: ChartTheme | undefined;

  constructor(
    private readonly card: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly table: HTMLElement,
    private readonly note: HTMLElement,
  ) {}

  clear(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.card.hidden = true;
    this.table.replaceChildren();
    this.note.textContent = '';
    delete this.canvas.dataset.points;
  }

  render(result: BenchmarkResult, theme: ChartTheme): void {
    const sweep = result.sweep;
    const points = sweep?.points.filter((p) => p.n > 0) ?? [];
    if (!sweep || points.length === 0) {
      this.clear();
      return;
    }
    this.card.hidden = false;
    this.theme = theme;
    const x = (c: number) => Math.log2(c);
    const p99: Point[] = points.map((p) => ({ x: x(p.concurrency), y: p.p99Ms }));
    const throughput: Point[] = points.map((p) => ({ x: x(p.concurrency), y: p.throughputPerSec }));
    const levels = points.map((p) => p.concurrency);

    const xAxis = {
      ...axisBase(theme, 'Requests in flight (log₂ scale)'),
      min: x(levels[0]!) - 0.25,
      max: x(levels[levels.length - 1]!) + 0.25,
      // One tick per level measured, labelled with the level itself.
      afterBuildTicks: (scale: Scale) => {
        scale.ticks = levels.map((c) => ({ value: x(c) }));
      },
      ticks: { ...(axisBase(theme, '').ticks as object), callback: (v: number | string) => String(Math.round(2 ** Number(v))), autoSkip: false, maxRotation: 0 },
    };
    const budget = sweep.p99BudgetMs;
    const yMax = Math.max(...p99.map((p) => p.y), budget ?? 0) * 1.1;
    const yAxis = { ...axisBase(theme, 'p99 latency'), min: 0, max: yMax, ticks: { ...(axisBase(theme, '').ticks as object), callback: (v: number | string) => formatMs(Number(v)) } };
    const y1Base = axisBase(theme, 'Throughput (req/s)');
    const y1 = { ...y1Base, position: 'right' as const, min: 0, grid: { drawOnChartArea: false }, ticks: { ...(y1Base.ticks as object), callback: (v: number | string) => formatRate(Number(v)) } };
    const options = baseOptions(theme, xAxis as never, yAxis as never) as ChartOptions<'line'>;
    (options.scales as Record<string, unknown>).y1 = y1;

    this.kneeMarkers = sweep.knee.concurrency !== null ? [{ value: x(sweep.knee.concurrency), label: 'knee', color: theme.accent }] : [];
    this.budgetMarkers = budget !== undefined ? [{ value: budget, label: 'budget', color: theme.alert, dash: [2, 3] }] : [];
    const line = (label: string, data: Point[], color: string, axis: 'y' | 'y1', dash: number[], style: 'circle' | 'rect') => ({
      label,
      data,
      yAxisID: axis,
      borderColor: color,
      backgroundColor: withAlpha(color, 0.85),
      borderWidth: 2,
      borderDash: dash,
      pointRadius: 4,
      pointStyle: style,
      pointHoverRadius: 6,
      tension: 0,
      parsing: false as const,
    });
    const data = { datasets: [line('p99 latency', p99, theme.alert, 'y', [], 'circle'), line('Throughput', throughput, theme.primary, 'y1', [6, 4], 'rect')] };
    options.interaction = { mode: 'nearest', intersect: false, axis: 'x' };
    options.plugins!.legend!.onClick = () => {};
    options.plugins!.legend!.labels!.generateLabels = () => [
      { text: 'p99 latency (left)', strokeStyle: theme.alert, fillStyle: theme.alert, lineWidth: 2, pointStyle: 'circle', fontColor: theme.foreground, hidden: false },
      { text: 'Throughput (right)', strokeStyle: theme.primary, fillStyle: theme.primary, lineWidth: 2, lineDash: [6, 4], pointStyle: 'rect', fontColor: theme.foreground, hidden: false },
      ...this.kneeMarkers.map((m) => markerLegendItem(m, theme, `knee: ${sweep.knee.concurrency} in flight`)),
      ...this.budgetMarkers.map((m) => markerLegendItem(m, theme, `p99 budget ${formatMs(m.value)}`)),
    ];
    options.plugins!.tooltip!.callbacks = {
      title: (items) => `${Math.round(2 ** (items[0]?.parsed.x ?? 0))} in flight`,
      label: (item) => (item.dataset.yAxisID === 'y1' ? ` throughput ${formatRate(item.parsed.y ?? 0)}` : ` p99 ${formatMs(item.parsed.y ?? 0)}`),
    };
    this.chart = drawChart(this.chart, this.canvas, {
      type: 'line',
      data,
      options,
      plugins: [
        markerPlugin('x', () => ({ markers: this.kneeMarkers, theme: this.theme ?? theme }), 'kneeLabels'),
        markerPlugin('y', () => ({ markers: this.budgetMarkers, theme: this.theme ?? theme }), 'budgetLabels'),
      ],
    });
    this.canvas.dataset.points = JSON.stringify(points.map((p) => ({ concurrency: p.concurrency, p99Ms: p.p99Ms, throughputPerSec: p.throughputPerSec })));
    this.canvas.dataset.knee = String(sweep.knee.concurrency ?? '');
    this.canvas.setAttribute('aria-label', `p99 latency and throughput at ${levels.join(', ')} requests in flight; the table below holds the figures`);

    const t = sweepTable(sweep);
    this.table.replaceChildren(
      h(
        'table',
        { className: 'sweep-table' },
        h('caption', {}, 'Every level of the sweep'),
        h('thead', {}, h('tr', {}, ...t.header.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
        h(
          'tbody',
          {},
          ...t.rows.map((r, i) => {
            const p = sweep.points[i]!;
            const attrs: Record<string, string> = { 'data-concurrency': String(p.concurrency) };
            if (p.concurrency === sweep.knee.concurrency) attrs['data-knee'] = 'true';
            if (p.concurrency === sweep.best.concurrency) attrs['data-best'] = 'true';
            return h('tr', { attrs }, h('th', { attrs: { scope: 'row' } }, r[0]!), ...r.slice(1).map((c) => h('td', {}, c)));
          }),
        ),
      ),
    );
    this.note.textContent = sweepNotes(sweep).join('. ') + '.';
  }
}
