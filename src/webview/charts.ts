// The two charts: where latencies fall (histogram) and how they moved over the run (timeline).
// Each chart is created once and updated in place on new results or a theme change, so the
// canvas keeps its size and nothing flickers.

import {
  BarController,
  BarElement,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartOptions,
  type LegendItem,
  type Plugin,
} from 'chart.js';
import { formatMs, formatPercent } from '../core/format';
import type { BenchmarkResult } from '../core/result';
import { histogram, percentile } from '../core/stats';
import { formatCount } from './dom';
import { withAlpha, type ChartTheme } from './theme';

// Only what these two charts use, so the bundle leaves the rest of chart.js out.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, Decimation, Legend, Tooltip);

interface Marker {
  value: number;
  label: string;
  color: string;
  /** Which side of the line the label sits on, so two close markers do not overprint. */
  side: 'before' | 'after';
}

/** Dashed percentile lines across a chart, drawn above the data. */
function markerPlugin(axis: 'x' | 'y', get: () => { markers: Marker[]; theme: ChartTheme }): Plugin {
  return {
    id: `latencyMarkers-${axis}`,
    afterDatasetsDraw(chart) {
      const { markers, theme } = get();
      const scale = chart.scales[axis];
      if (!scale) return;
      const area = chart.chartArea;
      const ctx = chart.ctx;
      const fontSize = Math.max(10, theme.fontSize - 1);
      ctx.save();
      ctx.font = `600 ${fontSize}px ${theme.fontFamily}`;
      for (const m of markers) {
        const px = scale.getPixelForValue(m.value);
        const inside = axis === 'x' ? px >= area.left && px <= area.right : px >= area.top && px <= area.bottom;
        if (!Number.isFinite(px) || !inside) continue;
        ctx.strokeStyle = m.color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        if (axis === 'x') {
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
        } else {
          ctx.moveTo(area.left, px);
          ctx.lineTo(area.right, px);
        }
        ctx.stroke();
        ctx.setLineDash([]);

        const width = ctx.measureText(m.label).width;
        const pad = 3;
        let x: number;
        let y: number;
        if (axis === 'x') {
          x = m.side === 'before' ? px - 4 - width : px + 4;
          x = Math.min(Math.max(x, area.left + pad), area.right - width - pad);
          y = area.top + pad;
        } else {
          x = area.right - width - 6;
          y = m.side === 'before' ? px - fontSize - 2 * pad : px + pad;
          y = Math.min(Math.max(y, area.top), area.bottom - fontSize - pad);
        }
        // A backing box keeps the label legible over bars and dense points.
        ctx.fillStyle = withAlpha(theme.background, 0.85);
        ctx.fillRect(x - pad, y - 1, width + 2 * pad, fontSize + 3);
        ctx.fillStyle = m.color;
        ctx.textBaseline = 'top';
        ctx.fillText(m.label, x, y);
      }
      ctx.restore();
    },
  };
}

function markerLegendItem(m: Marker, theme: ChartTheme, text: string): LegendItem {
  return { text, strokeStyle: m.color, fillStyle: m.color, lineWidth: 2, lineDash: [5, 4], pointStyle: 'line', fontColor: theme.foreground, hidden: false };
}

function baseOptions(theme: ChartTheme): ChartOptions<'bar' | 'line'> {
  const font = { family: theme.fontFamily, size: theme.fontSize - 1 };
  const axis = (title: string) => ({
    type: 'linear' as const,
    // High-contrast borders are meant to stand out; as a full grid they would drown the data.
    grid: { color: withAlpha(theme.grid, theme.kind.startsWith('high-contrast') ? 0.35 : 1), tickColor: theme.grid },
    border: { color: theme.grid },
    ticks: { color: theme.muted, font },
    title: { display: true, text: title, color: theme.muted, font },
  });
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    normalized: true,
    color: theme.foreground,
    font,
    layout: { padding: { top: 4, right: 8 } },
    scales: { x: axis(''), y: axis('') },
    plugins: {
      legend: {
        position: 'top',
        align: 'end',
        labels: { color: theme.foreground, font, usePointStyle: true, boxWidth: 24, boxHeight: 8, padding: 14 },
      },
      tooltip: {
        backgroundColor: theme.hoverBackground,
        titleColor: theme.hoverForeground,
        bodyColor: theme.hoverForeground,
        borderColor: theme.hoverBorder,
        borderWidth: 1,
        titleFont: { ...font, weight: 'bold' },
        bodyFont: font,
        displayColors: true,
        boxPadding: 4,
      },
    },
  };
}

export class HistogramChart {
  private chart: Chart<'bar', Array<{ x: number; y: number }>> | undefined;
  private markers: Marker[] = [];
  private theme: ChartTheme | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly note: HTMLElement,
  ) {}

  render(result: BenchmarkResult, theme: ChartTheme): void {
    this.theme = theme;
    const summary = result.summary;
    const box = this.canvas.parentElement;
    if (!summary || result.samplesMs.length === 0) {
      this.chart?.destroy();
      this.chart = undefined;
      if (box) box.hidden = true;
      this.note.textContent = 'No measured runs to chart.';
      return;
    }
    if (box) box.hidden = false;

    const sorted = result.samplesMs.slice().sort((a, b) => a - b);
    const min = sorted[0]!;
    const max = sorted[sorted.length - 1]!;
    // A handful of extreme outliers (a GC pause, a page fault) would otherwise squeeze the
    // whole distribution into two or three bars. Beyond Tukey's far-out fence they are left off
    // the axis (never below p99, so the tail that matters stays), said so in the note, and
    // every one of them stays visible on the timeline.
    const q1 = percentile(sorted, 0.25);
    const q3 = percentile(sorted, 0.75);
    const cap = Math.max(q3 + 3 * (q3 - q1), summary.p99Ms);
    const clip = max > cap && max - min > 1.5 * (cap - min);
    const shown = clip ? sorted.filter((x) => x <= cap) : sorted;
    const hiddenRuns = sorted.length - shown.length;
    const { edges, counts } = histogram(shown);
    const n = sorted.length;

    let lo = edges[0]!;
    let hi = edges[edges.length - 1]!;
    const singleBin = hi === lo;
    if (singleBin) {
      // All samples equal: histogram() gives a zero-width bin, so give the axis a nominal span.
      const pad = Math.max(Math.abs(lo) * 0.05, 0.001);
      lo -= pad;
      hi += pad;
    }
    hi = Math.max(hi, summary.p99Ms);
    lo = Math.min(lo, summary.p50Ms);

    const bars = counts.map((count, i) => ({ x: (edges[i]! + edges[i + 1]!) / 2, y: count }));
    const tail = counts.map((_, i) => edges[i + 1]! > summary.p99Ms);
    const barColor = withAlpha(theme.primary, 0.8);
    const tailColor = withAlpha(theme.alert, 0.75);

    this.markers = [
      { value: summary.p50Ms, label: 'p50', color: theme.accent, side: 'before' },
      { value: summary.p99Ms, label: 'p99', color: theme.alert, side: 'after' },
    ];

    const options = baseOptions(theme) as ChartOptions<'bar'>;
    const x = options.scales!.x!;
    // Suggested rather than fixed bounds, so the axis ends on round ticks.
    Object.assign(x, { suggestedMin: lo, suggestedMax: hi, offset: false });
    x.ticks = { ...x.ticks, maxTicksLimit: 8, callback: (v) => formatMs(Number(v)) };
    x.title = { ...x.title, text: 'Latency per inference' };
    const y = options.scales!.y!;
    Object.assign(y, { beginAtZero: true });
    y.ticks = { ...y.ticks, precision: 0 };
    y.title = { ...y.title, text: 'Runs' };
    const [p50, p99] = this.markers as [Marker, Marker];
    options.plugins!.legend!.onClick = () => {};
    options.plugins!.legend!.labels!.generateLabels = () => [
      { text: 'Measured runs', fillStyle: barColor, strokeStyle: theme.primary, lineWidth: 1, pointStyle: 'rect', fontColor: theme.foreground, hidden: false },
      { text: 'Slowest 1%', fillStyle: tailColor, strokeStyle: theme.alert, lineWidth: 1, pointStyle: 'rect', fontColor: theme.foreground, hidden: false },
      markerLegendItem(p50, theme, `p50 ${formatMs(summary.p50Ms)}`),
      markerLegendItem(p99, theme, `p99 ${formatMs(summary.p99Ms)}`),
    ];
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const i = items[0]?.dataIndex ?? 0;
        return `${formatMs(edges[i]!)} – ${formatMs(edges[i + 1]!)}`;
      },
      label: (item) => {
        const count = item.parsed.y ?? 0;
        return ` ${formatCount(count)} ${count === 1 ? 'run' : 'runs'} (${formatPercent(count / n)})`;
      },
    };

    const data = {
      datasets: [
        {
          label: 'Measured runs',
          data: bars,
          backgroundColor: tail.map((t) => (t ? tailColor : barColor)),
          borderColor: tail.map((t) => (t ? theme.alert : theme.primary)),
          borderWidth: { top: 1, left: 0, right: 0, bottom: 0 },
          barPercentage: 0.92,
          categoryPercentage: 1,
          ...(singleBin ? { barThickness: 48 } : {}),
        },
      ],
    };

    if (this.chart) {
      this.chart.data = data;
      this.chart.options = options;
      this.chart.update('none');
    } else {
      this.chart = new Chart(this.canvas, {
        type: 'bar',
        data,
        options,
        plugins: [markerPlugin('x', () => ({ markers: this.markers, theme: this.theme ?? theme }))],
      });
    }

    this.note.textContent = hiddenRuns > 0
      ? `${hiddenRuns === 1 ? `1 outlier (${formatMs(max)}) is` : `${formatCount(hiddenRuns)} outliers (${formatMs(sorted[shown.length]!)} to ${formatMs(max)}) are`} beyond the right edge; every run is on the timeline.`
      : '';
  }
}

interface TimelinePoint {
  x: number;
  y: number;
  /** Set when the point is drawn at the top edge instead of at its value. */
  offScale?: number;
}

/**
 * Where to cut the timeline's y axis, or undefined to show everything. Iteration-level spikes
 * and the cold first inference are often 10–100× a warm run; drawn to scale they would flatten
 * the warm-up curve and any drift onto one line.
 */
function timelineCap(values: number[], first: number | null): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  const lo = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const top = percentile(sorted, 0.99);
  if (max - lo > 3 * (top - lo) && top > lo) return top + 0.5 * (top - lo);
  if (first !== null && first > max * 1.5) return max;
  return undefined;
}

export class TimelineChart {
  private chart: Chart<'line', TimelinePoint[]> | undefined;
  private markers: Marker[] = [];
  private theme: ChartTheme | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly note: HTMLElement,
  ) {}

  render(result: BenchmarkResult, theme: ChartTheme): void {
    this.theme = theme;
    const warm = result.warmupSamplesMs;
    const measured = result.samplesMs;
    const first = result.coldStart.firstMs;
    const summary = result.summary;

    const cap = timelineCap([...warm, ...measured], first);
    const point = (x: number, y: number): TimelinePoint => (cap !== undefined && y > cap ? { x, y: cap, offScale: y } : { x, y });
    // Iteration 0 is the cold first inference, then warm-up, then measured runs.
    const firstPoint = first === null ? undefined : point(0, first);
    const warmPoints = warm.map((y, i) => point(i + 1, y));
    const measuredPoints = measured.map((y, i) => point(warm.length + 1 + i, y));
    const pinned = [...warmPoints, ...measuredPoints].filter((p) => p.offScale !== undefined).length;

    this.markers = summary
      ? [
          { value: summary.p50Ms, label: `p50 ${formatMs(summary.p50Ms)}`, color: theme.accent, side: 'after' },
          { value: summary.p99Ms, label: `p99 ${formatMs(summary.p99Ms)}`, color: theme.alert, side: 'before' },
        ]
      : [];

    const radius = measured.length + warm.length > 5000 ? 1 : 1.75;
    const offScale = (ctx: { raw: unknown }) => (ctx.raw as TimelinePoint | undefined)?.offScale !== undefined;
    const samples = (label: string, data: TimelinePoint[], color: string) => ({
      label,
      data,
      borderColor: color,
      backgroundColor: withAlpha(color, 0.85),
      pointRadius: (ctx: { raw: unknown }) => (offScale(ctx) ? 4 : radius),
      pointStyle: (ctx: { raw: unknown }) => (offScale(ctx) ? ('triangle' as const) : ('circle' as const)),
      pointHoverRadius: 4,
      pointBorderWidth: 0,
      showLine: false,
      parsing: false as const,
      // Room for the off-scale markers, which would otherwise be cut in half at the top edge.
      clip: 6,
    });
    const data = {
      datasets: [
        samples('Warm-up', warmPoints, theme.secondary),
        samples('Measured', measuredPoints, theme.primary),
        {
          label: 'First inference',
          data: firstPoint ? [firstPoint] : [],
          borderColor: theme.alert,
          backgroundColor: theme.alert,
          pointStyle: firstPoint?.offScale === undefined ? ('rectRot' as const) : ('triangle' as const),
          pointRadius: 5,
          pointHoverRadius: 6,
          showLine: false,
          parsing: false as const,
          clip: 8,
        },
      ],
    };

    const options = baseOptions(theme) as ChartOptions<'line'>;
    const x = options.scales!.x!;
    Object.assign(x, { min: 0, max: warm.length + measured.length });
    x.ticks = { ...x.ticks, maxTicksLimit: 10, precision: 0 };
    x.title = { ...x.title, text: 'Iteration (0 = first inference)' };
    const y = options.scales!.y!;
    // Not from zero: a warm-up curve or a slow drift is a few percent of the latency.
    Object.assign(y, { grace: '4%' }, cap === undefined ? {} : { max: cap });
    y.ticks = { ...y.ticks, maxTicksLimit: 7, callback: (v) => formatMs(Number(v)) };
    y.title = { ...y.title, text: 'Latency' };
    options.interaction = { mode: 'nearest', intersect: false, axis: 'xy' };
    options.plugins!.decimation = { enabled: true, algorithm: 'min-max' };
    options.plugins!.legend!.labels!.generateLabels = (chart) =>
      Chart.defaults.plugins.legend.labels
        .generateLabels(chart)
        // No entry for a series with nothing in it (no warm-up configured, no first inference).
        .filter((item) => (chart.data.datasets[item.datasetIndex ?? -1]?.data.length ?? 0) > 0)
        // The sample series' pointStyle is scriptable (▲ when off scale); the legend shows the usual one.
        .map((item) => ({ ...item, lineWidth: 0, fontColor: theme.foreground, ...(item.datasetIndex === 2 ? {} : { pointStyle: 'circle' as const }) }));
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const i = items[0]?.parsed.x ?? 0;
        return i === 0 ? 'Iteration 0 (cold)' : `Iteration ${formatCount(i)}`;
      },
      label: (item) => {
        const raw = item.raw as TimelinePoint;
        const label = item.dataset.label ?? '';
        return ` ${label}: ${formatMs(raw.offScale ?? raw.y)}${raw.offScale === undefined ? '' : ' (off scale)'}`;
      },
    };

    if (this.chart) {
      this.chart.data = data;
      this.chart.options = options;
      this.chart.update('none');
    } else {
      this.chart = new Chart(this.canvas, {
        type: 'line',
        data,
        options,
        plugins: [markerPlugin('y', () => ({ markers: this.markers, theme: this.theme ?? theme }))],
      });
    }

    const ratio = result.coldStart.ratio;
    let text = first === null ? 'The first inference did not complete.' : `Iteration 0 is the cold first inference: ${formatMs(first)}`;
    if (first !== null && ratio !== null && Number.isFinite(ratio)) text += ` (${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}× p50)`;
    if (first !== null) text += '.';
    const pinnedWhat = [
      ...(firstPoint?.offScale !== undefined ? ['the first inference'] : []),
      ...(pinned > 0 ? [`${formatCount(pinned)} ${pinned === 1 ? 'run' : 'runs'}`] : []),
    ];
    if (cap !== undefined && pinnedWhat.length > 0) {
      text += ` Points above ${formatMs(cap)} (${pinnedWhat.join(' and ')}) are drawn as ▲ at the top edge so the rest stays readable; hover for their values.`;
    }
    this.note.textContent = text;
  }
}
