// Before and after in one picture: the empirical cumulative distribution of each run's measured
// latencies. Unlike two histograms, two ECDFs never hide each other, need no bin width, and
// read directly as percentiles: where a line crosses 50% is that run's p50, so the horizontal
// gap between the lines at any height is the change at that percentile.

import type { Chart, ChartOptions } from 'chart.js';
import { formatMs, formatPercent } from '../core/format';
import type { BenchmarkResult } from '../core/result';
import { axisBase, baseOptions, drawChart, isWideRange, latencyAxis, markerLegendItem, markerPlugin, type AxisOptions, type Marker } from './charts';
import { formatCount } from './dom';
import { withAlpha, type ChartTheme } from './theme';

/** Points drawn per line: enough for a smooth curve at any panel width, few enough to stay quick at 100,000 runs. */
const MAX_POINTS = 600;

interface Point {
  x: number;
  y: number;
}

/**
 * The ECDF of `samples` as at most `maxPoints` points (x = latency, y = share of runs ≤ x),
 * every point on the true curve; the first and last runs are always included, so the line
 * spans the run's whole range.
 */
export function ecdfPoints(samples: readonly number[], maxPoints = MAX_POINTS): Point[] {
  const sorted = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const m = Math.min(n, Math.max(2, maxPoints));
  const out: Point[] = [];
  let last = -1;
  for (let k = 0; k < m; k++) {
    const i = m === 1 ? n - 1 : Math.round((k * (n - 1)) / (m - 1));
    if (i === last) continue;
    last = i;
    out.push({ x: sorted[i]!, y: (i + 1) / n });
  }
  return out;
}

/**
 * The options of an ECDF chart: `x` as given, y the share of `what` at or below (0–100%), the
 * tooltip titled by the latency under the pointer, the legend not a toggle (a hidden line or
 * marker would make the chart lie about what it compares).
 */
export function ecdfOptions(theme: ChartTheme, x: AxisOptions, what: string): ChartOptions<'line'> {
  const yBase = axisBase(theme, `Share of ${what} at or below`);
  const y = { ...yBase, min: 0, max: 1, ticks: { ...(yBase.ticks as object), callback: (v: number | string) => `${Math.round(Number(v) * 100)}%`, stepSize: 0.25 } };
  const options = baseOptions(theme, x, y) as ChartOptions<'line'>;
  options.interaction = { mode: 'nearest', intersect: false, axis: 'x' };
  options.plugins!.legend!.onClick = () => {};
  options.plugins!.tooltip!.callbacks = { title: (items) => formatMs(items[0]?.parsed.x ?? 0) };
  return options;
}

export class CompareChart {
  private chart: Chart<'line', Point[]> | undefined;
  private markers: Marker[] = [];
  private theme: ChartTheme | undefined;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly note: HTMLElement,
  ) {}

  /** Drops the chart, for a snapshot without a comparison: nothing stale stays behind a hidden card. */
  clear(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.note.textContent = '';
    delete this.canvas.dataset.xScale;
    delete this.canvas.dataset.lines;
  }

  render(base: BenchmarkResult, candidate: BenchmarkResult, theme: ChartTheme): void {
    this.theme = theme;
    const basePoints = ecdfPoints(base.samplesMs);
    const candPoints = ecdfPoints(candidate.samplesMs);
    const box = this.canvas.parentElement;
    if (basePoints.length === 0 || candPoints.length === 0) {
      this.clear();
      if (box) box.hidden = true;
      this.note.textContent = 'One of the runs has no measured runs to chart.';
      return;
    }
    if (box) box.hidden = false;

    const all = [basePoints[0]!.x, basePoints[basePoints.length - 1]!.x, candPoints[0]!.x, candPoints[candPoints.length - 1]!.x];
    const min = Math.min(...all);
    const max = Math.max(...all);
    const log = isWideRange(min, max);
    const x = log ? latencyAxis(theme, 'Latency per inference', true, min, max, 8) : latencyAxis(theme, 'Latency per inference', false, min, max, 8);
    const options = ecdfOptions(theme, x, 'runs');

    this.markers = [
      { value: 0.5, label: 'p50', color: theme.accent },
      { value: 0.99, label: 'p99', color: theme.alert },
    ];
    const baseLabel = `Base (${formatCount(base.samplesMs.length)} runs)`;
    const candLabel = `This run (${formatCount(candidate.samplesMs.length)} runs)`;
    // Apart by dash as well as colour, so the two lines can be told apart without colour. The
    // base takes the outlier colour: the warm-up orange is the p99 marker's red in high-contrast
    // light, and a dashed red line would read as a third p99 mark.
    const line = (label: string, data: Point[], color: string, dash: number[]) => ({
      label,
      data,
      borderColor: color,
      backgroundColor: withAlpha(color, 0.85),
      borderWidth: 2,
      borderDash: dash,
      pointRadius: 0,
      pointHoverRadius: 3,
      tension: 0,
      parsing: false as const,
      clip: 4,
    });
    const data = {
      datasets: [line(baseLabel, basePoints, theme.outlier, [6, 4]), line(candLabel, candPoints, theme.primary, [])],
    };
    options.plugins!.legend!.labels!.generateLabels = () => [
      { text: baseLabel, strokeStyle: theme.outlier, fillStyle: theme.outlier, lineWidth: 2, lineDash: [6, 4], pointStyle: 'line', fontColor: theme.foreground, hidden: false },
      { text: candLabel, strokeStyle: theme.primary, fillStyle: theme.primary, lineWidth: 2, pointStyle: 'line', fontColor: theme.foreground, hidden: false },
      ...this.markers.map((m) => markerLegendItem(m, theme, m.label)),
    ];
    options.plugins!.tooltip!.callbacks!.label = (item) => ` ${item.dataset.label ?? ''}: ${formatPercent(item.parsed.y ?? 0)} of runs at or below`;

    this.chart = drawChart(this.chart, this.canvas, {
      type: 'line',
      data,
      options,
      plugins: [markerPlugin('y', () => ({ markers: this.markers, theme: this.theme ?? theme }))],
    });
    this.canvas.dataset.xScale = log ? 'logarithmic' : 'linear';
    this.canvas.dataset.lines = JSON.stringify([
      { label: 'base', points: basePoints.length },
      { label: 'candidate', points: candPoints.length },
    ]);

    const notes = [
      'Each line is the share of a run’s measured latencies at or below each value: the line further left is faster at that height, and where a line crosses the p50 or p99 mark is that run’s p50 or p99.',
    ];
    if (log) notes.push('Log scale, so the body and the slow tail are both in view.');
    this.note.textContent = notes.join(' ');
  }
}
