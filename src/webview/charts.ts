// The two charts: where latencies fall (histogram) and how they moved over the run (timeline).
// Each chart is created once and updated in place on new results or a theme change, so the
// canvas keeps its size and nothing flickers.
//
// Latency data is usually heavy-tailed: most runs within a factor of two or three, a few
// (page faults, GC, a noisy neighbour) ten or fifty times slower, and the cold first inference
// slower still. Where the data spans more than WIDE_RANGE both charts switch to a logarithmic
// latency axis (as HDR histograms do), which shows the body and the tail at once with nothing
// clipped; narrower data keeps a linear axis, which is easier to read when it fits.

import {
  BarController,
  BarElement,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  layouts,
  type ChartArea,
  type ChartConfiguration,
  type ChartOptions,
  type ChartType,
  type LayoutItem,
  type LegendItem,
  type Plugin,
  type Scale,
} from 'chart.js';
import { formatMs, formatPercent, formatRatio } from '../core/format';
import type { BenchmarkResult } from '../core/result';
import { histogram, percentile } from '../core/stats';
import { formatCount } from './dom';
import { withAlpha, type ChartTheme } from './theme';
import { iterationNoun } from '../core/targetText';

// Only what the panel's charts use, so the bundle leaves the rest of chart.js out.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation, Legend, Tooltip);

/**
 * A latency axis is logarithmic when the largest value is more than this many times the
 * smallest. On a linear axis starting at the minimum, the values from min to 2·min (where a
 * latency distribution's body usually sits) get 1/(R − 1) of the width for a range ratio R:
 * at R = 8 that is 1/7 ≈ 14%, and the reviewed real run (R ≈ 80, tail at p99) had its whole
 * body in 11% of the histogram. A log axis gives that octave log 2 / log R of the width, a
 * third at R = 8. Below 8 a log axis buys little (under one decade, so only two or three tick
 * labels) and its uneven ticks read worse than linear ones.
 */
export const WIDE_RANGE = 8;

/** Whether [min, max] is wide enough for a log axis (and a log axis is possible: min > 0). */
export function isWideRange(min: number, max: number): boolean {
  return min > 0 && max / min > WIDE_RANGE;
}

/** Minimum drawn height of a histogram bar, so a bin with a single run never vanishes. */
const MIN_BAR_PX = 3;

/** Tick sequences for a log axis, densest first, with the smallest gap (in decades) between neighbours. */
const LOG_SEQUENCES: ReadonlyArray<{ mantissas: number[]; gap: number }> = [
  { mantissas: [1, 2, 3, 5], gap: Math.log10(3 / 2) },
  { mantissas: [1, 2, 5], gap: Math.log10(2) },
  { mantissas: [1, 3], gap: Math.log10(3) },
  { mantissas: [1], gap: 1 },
];

/**
 * Tick values for a log axis over [min, max] whose neighbours are at least `minGapDecades`
 * apart: the densest of the 1-2-3-5, 1-2-5, 1-3 and decade sequences that allows it, else
 * every k-th decade. The gap is what keeps labels from overprinting, so callers derive it from
 * the label size and the axis length in pixels.
 */
export function logTicks(min: number, max: number, minGapDecades: number): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const first = Math.floor(Math.log10(min));
  const last = Math.ceil(Math.log10(max));
  const seq = LOG_SEQUENCES.find((s) => s.gap >= minGapDecades);
  const mantissas = seq?.mantissas ?? [1];
  const step = seq ? 1 : Math.max(1, Math.ceil(minGapDecades));
  const out: number[] = [];
  for (let e = first; e <= last; e += step) {
    for (const m of mantissas) {
      // toPrecision: 3 × 10⁻¹ is 0.30000000000000004 in binary.
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min && v <= max) out.push(v);
    }
  }
  return out;
}

/**
 * formatMs without the trailing zeros an axis does not need: "0.2 ms", "1 ms", "10 ms"
 * rather than "0.200 ms", "1.00 ms", "10.0 ms". Only zeros after a decimal point go.
 */
export function axisMs(ms: number): string {
  return formatMs(ms).replace(/\.(\d*?)0+ /, (_, kept: string) => (kept ? `.${kept} ` : ' '));
}

// ---------------------------------------------------------------------------------------------
// Percentile markers: dashed lines across the plot, labelled in a band outside it.

export interface Marker {
  value: number;
  /** Short name drawn beside the plot ("p50"); the legend carries the value. */
  label: string;
  color: string;
  /** Line dash; [5, 4] unless given, so lines of one colour can still be told apart. */
  dash?: number[];
}

interface LabelRect {
  label: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Centres for labels of the given sizes along one axis, as close to where they want to be as
 * possible without overlapping each other or leaving [lo, hi]. Input order must be ascending.
 */
function spreadLabels(wanted: number[], sizes: number[], lo: number, hi: number, gap: number): number[] {
  const c = wanted.slice();
  for (let i = 0; i < c.length; i++) {
    c[i] = Math.max(c[i]!, lo + sizes[i]! / 2);
    if (i > 0) c[i] = Math.max(c[i]!, c[i - 1]! + (sizes[i - 1]! + sizes[i]!) / 2 + gap);
  }
  for (let i = c.length - 1; i >= 0; i--) {
    c[i] = Math.min(c[i]!, hi - sizes[i]! / 2);
    if (i < c.length - 1) c[i] = Math.min(c[i]!, c[i + 1]! - (sizes[i + 1]! + sizes[i]!) / 2 - gap);
  }
  return c;
}

export interface MarkerSource {
  markers: Marker[];
  theme: ChartTheme;
  /**
   * The axis range the markers' values are drawn over, when the caller knows it in advance.
   * The label band is sized before the scale has its pixels, so this is what lets an 'x' band
   * tell that two labels would collide and give the second a row of its own, instead of
   * pushing it away from its line.
   */
  range?: [number, number];
}

/** Row per label, in input order: each label on the first row where it clears the one before. */
function assignRows(wanted: number[], widths: number[], lo: number, hi: number, gap: number, maxRows: number): number[] {
  const order = wanted.map((px, i) => ({ px, i })).sort((a, b) => a.px - b.px || a.i - b.i);
  const rowEnds: number[] = [];
  const rows = new Array<number>(wanted.length).fill(0);
  for (const { px, i } of order) {
    const w = widths[i]!;
    const left = Math.min(Math.max(px - w / 2, lo), hi - w);
    let row = rowEnds.findIndex((end) => end + gap <= left);
    if (row < 0) row = Math.min(rowEnds.length, maxRows - 1);
    rows[i] = row;
    rowEnds[row] = Math.max(rowEnds[row] ?? -Infinity, left + w);
  }
  return rows;
}

/**
 * The chart on `canvas` with this data and these options: the existing one updated in place
 * without animation (every snapshot and theme change redraws), or a new one. Plugins are fixed
 * at creation; they read their state through the getters they were given.
 */
export function drawChart<TType extends ChartType, TData>(
  existing: Chart<TType, TData> | undefined,
  canvas: HTMLCanvasElement,
  config: ChartConfiguration<TType, TData>,
): Chart<TType, TData> {
  if (!existing) return new Chart(canvas, config);
  existing.data = config.data;
  if (config.options) existing.options = config.options;
  existing.update('none');
  return existing;
}

/**
 * Dashed lines at the markers' values across the plot (drawn over the data, which they cover
 * only as a thin line), with their labels in a band of their own: above the plot for a
 * vertical line ('x' markers), right of it for a horizontal one ('y' markers). The band is a
 * chart.js layout box, so the plot area shrinks to make room and no label ever covers data.
 * An 'x' band given a range stacks labels that would collide into rows (at most three).
 *
 * The label rectangles drawn last are written to the canvas as `labelsKey` (data-marker-labels
 * unless told otherwise, so two bands on one chart keep apart), and the plot area as
 * data-plot-area (JSON), for tests.
 */
export function markerPlugin(axis: 'x' | 'y', get: () => MarkerSource, labelsKey = 'markerLabels'): Plugin {
  const labelFont = (theme: ChartTheme) => {
    const size = Math.max(10, theme.fontSize - 1);
    return { size, css: `600 ${size}px ${theme.fontFamily}` };
  };
  let band: (LayoutItem & { options: object }) | undefined;
  /** Row of each marker's label, from the last update(); always 0 for a 'y' band. */
  let rowOf: number[] = [];

  return {
    id: `latencyMarkers-${axis}-${labelsKey}`,
    start(chart) {
      const pad = 4;
      const measure = () => {
        const { markers, theme, range } = get();
        const f = labelFont(theme);
        chart.ctx.save();
        chart.ctx.font = f.css;
        const widths = markers.map((m) => chart.ctx.measureText(m.label).width);
        chart.ctx.restore();
        return { markers, f, widths, range };
      };
      band = {
        position: axis === 'x' ? 'top' : 'right',
        // Next to the plot: the legend (weight 1000) stays further out.
        weight: 0,
        fullSize: false,
        options: {},
        width: 0,
        height: 0,
        left: 0,
        top: 0,
        right: 0,
        bottom: 0,
        isHorizontal: () => axis === 'x',
        update(width, height) {
          const { markers, f, widths, range } = measure();
          if (axis === 'x') {
            rowOf = markers.map(() => 0);
            if (range && range[1] > range[0] && markers.length > 1) {
              // The plot will be narrower than the band by the y axis; a tenth is a fair guess,
              // and draw() still keeps labels in a row from overprinting if it is off.
              const plot = width * 0.9;
              const wanted = markers.map((m) => width - plot + ((m.value - range[0]) / (range[1] - range[0])) * plot);
              rowOf = assignRows(wanted, widths, 0, width, 8, 3);
            }
            const rows = markers.length > 0 ? Math.max(...rowOf) + 1 : 0;
            this.width = width;
            this.height = rows > 0 ? rows * (f.size + pad) + pad : 0;
          } else {
            rowOf = markers.map(() => 0);
            this.width = markers.length > 0 ? Math.max(...widths) + 2 * pad : 0;
            this.height = height;
          }
        },
        draw() {
          const { markers, f, widths } = measure();
          const scale = chart.scales[axis];
          const area = chart.chartArea;
          const rects: LabelRect[] = [];
          if (scale && markers.length > 0) {
            const placed = markers
              .map((m, i) => ({ m, i, w: widths[i]!, px: scale.getPixelForValue(m.value), row: rowOf[i] ?? 0 }))
              .filter((p) => Number.isFinite(p.px) && (axis === 'x' ? p.px >= area.left - 0.5 && p.px <= area.right + 0.5 : p.px >= area.top - 0.5 && p.px <= area.bottom + 0.5))
              // Ties (p50 = p99) keep the markers' order along the axis: p99 right of, or above, p50.
              .sort((a, b) => a.px - b.px || (axis === 'x' ? a.i - b.i : b.i - a.i));
            const size = (p: { w: number }) => (axis === 'x' ? p.w : f.size);
            const ctx = chart.ctx;
            ctx.save();
            ctx.font = f.css;
            ctx.textBaseline = 'middle';
            for (const row of [...new Set(placed.map((p) => p.row))]) {
              const inRow = placed.filter((p) => p.row === row);
              const centres = axis === 'x'
                ? spreadLabels(inRow.map((p) => p.px), inRow.map(size), this.left, this.right, 8)
                : spreadLabels(inRow.map((p) => p.px), inRow.map(size), area.top, area.bottom, 2);
              const top = this.top + pad + row * (f.size + pad);
              inRow.forEach((p, i) => {
                const c = centres[i]!;
                const rect = axis === 'x'
                  ? { left: c - p.w / 2, right: c + p.w / 2, top, bottom: top + f.size }
                  : { left: this.left + pad, right: this.left + pad + p.w, top: c - f.size / 2, bottom: c + f.size / 2 };
                ctx.fillStyle = p.m.color;
                ctx.fillText(p.m.label, rect.left, (rect.top + rect.bottom) / 2);
                rects.push({ label: p.m.label, ...rect });
              });
            }
            ctx.restore();
          }
          const canvas = chart.canvas;
          canvas.dataset[labelsKey] = JSON.stringify(rects.map((r) => ({ ...r, left: Math.round(r.left), top: Math.round(r.top), right: Math.round(r.right), bottom: Math.round(r.bottom) })));
          canvas.dataset.plotArea = JSON.stringify({ left: Math.round(area.left), top: Math.round(area.top), right: Math.round(area.right), bottom: Math.round(area.bottom) });
        },
      };
      layouts.addBox(chart, band);
    },
    stop(chart) {
      if (band) layouts.removeBox(chart, band);
      band = undefined;
    },
    afterDatasetsDraw(chart) {
      const { markers } = get();
      const scale = chart.scales[axis];
      if (!scale) return;
      const area: ChartArea = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      for (const m of markers) {
        const px = scale.getPixelForValue(m.value);
        const inside = axis === 'x' ? px >= area.left - 0.5 && px <= area.right + 0.5 : px >= area.top - 0.5 && px <= area.bottom + 0.5;
        if (!Number.isFinite(px) || !inside) continue;
        ctx.strokeStyle = m.color;
        ctx.lineWidth = 1.5;
        ctx.setLineDash(m.dash ?? [5, 4]);
        ctx.beginPath();
        if (axis === 'x') {
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
        } else {
          ctx.moveTo(area.left, px);
          ctx.lineTo(area.right, px);
        }
        ctx.stroke();
      }
      ctx.restore();
    },
  };
}

export function markerLegendItem(m: Marker, theme: ChartTheme, text: string): LegendItem {
  return { text, strokeStyle: m.color, fillStyle: m.color, lineWidth: 2, lineDash: [5, 4], pointStyle: 'line', fontColor: theme.foreground, hidden: false };
}

// ---------------------------------------------------------------------------------------------
// Axes and options shared by both charts.

export type AxisOptions = Record<string, unknown>;

export function axisBase(theme: ChartTheme, title: string): AxisOptions {
  const font = { family: theme.fontFamily, size: theme.fontSize - 1 };
  return {
    type: 'linear',
    // High-contrast borders are meant to stand out; as a full grid they would drown the data.
    grid: { color: withAlpha(theme.grid, theme.kind.startsWith('high-contrast') ? 0.35 : 1), tickColor: theme.grid },
    border: { color: theme.grid },
    ticks: { color: theme.muted, font },
    title: { display: true, text: title, color: theme.muted, font },
  };
}

/**
 * A latency axis over [min, max]: logarithmic with 1-2-5-style ticks when `log` (as dense as
 * the axis length allows without labels overprinting), else linear with chart.js's own round
 * steps, at most `maxTicks` of them.
 */
export function latencyAxis(theme: ChartTheme, title: string, log: boolean, min: number, max: number, maxTicks: number): AxisOptions {
  const base = axisBase(theme, log ? `${title} (log scale)` : title);
  const ticks = { ...(base.ticks as object), callback: (v: number | string) => axisMs(Number(v)), maxRotation: 0 };
  if (!log) return { ...base, ticks: { ...ticks, maxTicksLimit: maxTicks } };
  const fontSize = theme.fontSize - 1;
  return {
    ...base,
    type: 'logarithmic',
    min,
    max,
    ticks,
    afterBuildTicks: (scale: Scale) => {
      const horizontal = scale.isHorizontal();
      const length = horizontal ? scale.maxWidth : scale.maxHeight;
      // Room a label needs along the axis: its width (the widest candidate, measured) plus a
      // gap across, its line height up.
      let labelPx = fontSize * 1.8;
      if (horizontal) {
        const ctx = scale.ctx;
        ctx.save();
        ctx.font = `${fontSize}px ${theme.fontFamily}`;
        labelPx = Math.max(...logTicks(min, max, 0).map((v) => ctx.measureText(axisMs(v)).width), 0) + 14;
        ctx.restore();
      }
      const decades = Math.log10(max / min);
      const minGap = length > 0 ? (labelPx / length) * decades : 0;
      scale.ticks = logTicks(min, max, minGap).map((value) => ({ value }));
    },
  };
}

export function baseOptions(theme: ChartTheme, x: AxisOptions, y: AxisOptions): ChartOptions<'bar' | 'line'> {
  const font = { family: theme.fontFamily, size: theme.fontSize - 1 };
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    normalized: true,
    color: theme.foreground,
    font,
    layout: { padding: { top: 4, right: 8 } },
    scales: { x, y } as ChartOptions<'bar' | 'line'>['scales'],
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

// ---------------------------------------------------------------------------------------------
// Histogram

interface BarPoint {
  x: number;
  /** null for an empty bin: not drawn (a 0 would get the minimum bar height). */
  y: number | null;
}

export class HistogramChart {
  private chart: Chart<'bar', BarPoint[]> | undefined;
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
      delete this.canvas.dataset.xScale;
      this.note.textContent = 'No measured runs to chart.';
      return;
    }
    if (box) box.hidden = false;

    const sorted = result.samplesMs.slice().sort((a, b) => a - b);
    const n = sorted.length;
    const min = sorted[0]!;
    const max = sorted[n - 1]!;
    const log = isWideRange(min, max);

    let shown = sorted;
    if (!log) {
      // Linear axis: a handful of extreme outliers (a GC pause, a page fault) would squeeze
      // the whole distribution into two or three bars. Beyond Tukey's far-out fence they are
      // left off the axis (never below p99, so the tail that matters stays), said so in the
      // note, and every one of them stays visible on the timeline. A log axis needs none of
      // this: it shows every run.
      const q1 = percentile(sorted, 0.25);
      const q3 = percentile(sorted, 0.75);
      const cap = Math.max(q3 + 3 * (q3 - q1), summary.p99Ms);
      if (max > cap && max - min > 1.5 * (cap - min)) shown = sorted.filter((x) => x <= cap);
    }
    const hiddenRuns = n - shown.length;
    const { edges, counts } = histogram(shown, { scale: log ? 'log' : 'linear' });
    const bins = counts.length;

    // Runs at or above p99 are the tail, drawn in red on top of the rest of their bin. A run at
    // the median is never tail, which keeps all-equal or heavily tied samples blue.
    const isTail = (x: number) => x >= summary.p99Ms && x > summary.p50Ms;
    const tailCounts = new Array<number>(bins).fill(0);
    // Bin assignment as histogram() does it: [edges[i], edges[i+1]), the last bin closed.
    let bin = 0;
    for (const x of shown) {
      while (bin < bins - 1 && x >= edges[bin + 1]!) bin++;
      if (isTail(x)) tailCounts[bin]!++;
    }
    // A bin's centre on the axis it is drawn on: the geometric mean on a log axis.
    const centre = (i: number) => (log ? Math.sqrt(edges[i]! * edges[i + 1]!) : (edges[i]! + edges[i + 1]!) / 2);
    const bodyBars: BarPoint[] = counts.map((c, i) => ({ x: centre(i), y: c - tailCounts[i]! || null }));
    const tailBars: BarPoint[] = tailCounts.map((c, i) => ({ x: centre(i), y: c || null }));
    const tailDrawn = tailCounts.some((c) => c > 0);

    let lo = edges[0]!;
    let hi = edges[bins]!;
    const singleBin = hi === lo;
    if (singleBin) {
      // All samples equal: histogram() gives a zero-width bin, so give the axis a nominal span.
      const pad = Math.max(Math.abs(lo) * 0.05, 0.001);
      lo -= pad;
      hi += pad;
    }
    hi = Math.max(hi, summary.p99Ms);
    lo = Math.min(lo, summary.p50Ms);

    const barColor = withAlpha(theme.primary, 0.8);
    const tailColor = withAlpha(theme.alert, 0.8);
    const p50: Marker = { value: summary.p50Ms, label: 'p50', color: theme.accent };
    const p99: Marker = { value: summary.p99Ms, label: 'p99', color: theme.alert };
    this.markers = [p50, p99];

    const title = `Latency per ${iterationNoun(result.target)}`;
    // A log axis ends exactly at the first and last edge, so the bars fill it; a linear one
    // gets suggested bounds, so it ends on round ticks.
    const x = log
      ? latencyAxis(theme, title, true, edges[0]!, edges[bins]!, 8)
      : { ...latencyAxis(theme, title, false, lo, hi, 8), suggestedMin: lo, suggestedMax: hi };
    Object.assign(x, { offset: false, stacked: true });
    const yBase = axisBase(theme, 'Runs');
    const y = { ...yBase, beginAtZero: true, stacked: true, ticks: { ...(yBase.ticks as object), precision: 0 } };
    const options = baseOptions(theme, x, y) as ChartOptions<'bar'>;
    options.plugins!.legend!.onClick = () => {};
    options.plugins!.legend!.labels!.generateLabels = () => [
      { text: 'Measured runs', fillStyle: barColor, strokeStyle: theme.primary, lineWidth: 1, pointStyle: 'rect', fontColor: theme.foreground, hidden: false },
      // Only when a red bar is actually drawn (a linear axis can leave the whole tail off it).
      ...(tailDrawn ? [{ text: 'Runs ≥ p99', fillStyle: tailColor, strokeStyle: theme.alert, lineWidth: 1, pointStyle: 'rect' as const, fontColor: theme.foreground, hidden: false }] : []),
      markerLegendItem(p50, theme, `p50 ${formatMs(summary.p50Ms)}`),
      markerLegendItem(p99, theme, `p99 ${formatMs(summary.p99Ms)}`),
    ];
    // Anywhere in a bin's column shows that bin, so a bar a few pixels tall is easy to hover.
    options.interaction = { mode: 'index', intersect: false, axis: 'x' };
    options.plugins!.tooltip!.filter = (item) => item.parsed.y !== null && item.parsed.y !== undefined;
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const i = items[0]?.dataIndex ?? 0;
        return `${formatMs(edges[i]!)} – ${formatMs(edges[i + 1]!)}`;
      },
      label: (item) => {
        const count = item.parsed.y ?? 0;
        return ` ${item.dataset.label ?? ''}: ${formatCount(count)} ${count === 1 ? 'run' : 'runs'} (${formatPercent(count / n)})`;
      },
    };

    const dataset = (label: string, data: BarPoint[], fill: string, border: string) => ({
      label,
      data,
      backgroundColor: fill,
      borderColor: border,
      borderWidth: { top: 1, left: 0, right: 0, bottom: 0 },
      barPercentage: 0.92,
      categoryPercentage: 1,
      minBarLength: MIN_BAR_PX,
      ...(singleBin ? { barThickness: 48 } : {}),
    });
    const data = {
      datasets: [dataset('Measured runs', bodyBars, barColor, theme.primary), dataset('Runs ≥ p99', tailBars, tailColor, theme.alert)],
    };

    this.chart = drawChart(this.chart, this.canvas, {
      type: 'bar',
      data,
      options,
      plugins: [markerPlugin('x', () => ({ markers: this.markers, theme: this.theme ?? theme }))],
    });
    this.canvas.dataset.xScale = log ? 'logarithmic' : 'linear';
    this.canvas.dataset.runsCharted = String(shown.length);
    this.canvas.dataset.tailBars = String(tailCounts.filter((c) => c > 0).length);

    const notes: string[] = [];
    if (log) {
      const ratio = bins > 0 && edges[1]! > edges[0]! ? edges[1]! / edges[0]! : 1;
      notes.push(`Log scale: every bar spans the same ratio of latencies (×${ratio.toFixed(2)}), so the body and the slow tail are both in view.`);
    }
    if (hiddenRuns > 0) {
      notes.push(`${hiddenRuns === 1 ? `1 outlier (${formatMs(max)}) is` : `${formatCount(hiddenRuns)} outliers (${formatMs(sorted[shown.length]!)} to ${formatMs(max)}) are`} beyond the right edge; every run is on the timeline.`);
    }
    if (this.hasRaisedBars([...bodyBars, ...tailBars])) {
      notes.push(`Bars are at least ${MIN_BAR_PX} px tall, so a bin holding a single run stays visible; hover a bar for its count.`);
    }
    this.note.textContent = notes.join(' ');
  }

  /** Whether some drawn bar would be under MIN_BAR_PX tall at its true height. */
  private hasRaisedBars(bars: BarPoint[]): boolean {
    const y = this.chart?.scales.y;
    if (!y) return false;
    const zero = y.getPixelForValue(0);
    return bars.some((b) => b.y !== null && Math.abs(zero - y.getPixelForValue(b.y)) < MIN_BAR_PX);
  }
}

// ---------------------------------------------------------------------------------------------
// Timeline

interface TimelinePoint {
  x: number;
  y: number;
  /** Set when the point is drawn at the top edge instead of at its value (linear axis only). */
  offScale?: number;
}

/**
 * Where to cut a linear timeline's y axis, or undefined to show everything. Iteration-level
 * spikes and a slow first inference can be several times a warm run; drawn to scale on a
 * linear axis they would flatten the warm-up curve and any drift onto one line. (Wider data
 * gets a log axis instead, which needs no cut.)
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

/** "MSER-5 (batch medians, …)" → "MSER-5". */
function shortMethod(method: string): string {
  return method.split(' (')[0]!.trim() || method;
}

/** Where the timeline draws things, so the telemetry charts below it can share its x axis. */
export function timelineX(result: BenchmarkResult): { warmStart: number; measuredStart: number; end: number } {
  // Iteration 0 is the cold first inference, then warm-up, then measured runs.
  const warm = result.warmupSamplesMs.length;
  return { warmStart: 1, measuredStart: warm + 1, end: warm + result.samplesMs.length };
}

export class TimelineChart {
  private chart: Chart<'line', TimelinePoint[]> | undefined;
  private markers: Marker[] = [];
  private phaseMarkers: Marker[] = [];
  private range: [number, number] = [0, 1];
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
    const xs = timelineX(result);
    const noun = iterationNoun(result.target);

    // Every plotted value, the cold first inference included, decides the axis.
    let vMin = Infinity;
    let vMax = -Infinity;
    for (const v of [...warm, ...measured, ...(first === null ? [] : [first])]) {
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
    }
    const log = isWideRange(vMin, vMax);

    const cap = log ? undefined : timelineCap([...warm, ...measured], first);
    const point = (x: number, y: number): TimelinePoint => (cap !== undefined && y > cap ? { x, y: cap, offScale: y } : { x, y });
    const firstPoint = first === null ? undefined : point(0, first);
    const warmPoints = warm.map((y, i) => point(xs.warmStart + i, y));
    const allMeasured = measured.map((y, i) => point(xs.measuredStart + i, y));
    const pinned = [...warmPoints, ...allMeasured].filter((p) => p.offScale !== undefined).length;
    // Outliers get a series of their own, drawn apart from (not on top of) the other measured
    // runs; they are still measured runs and every figure includes them.
    const outlierSet = new Set(result.outliers?.indices ?? []);
    const measuredPoints = allMeasured.filter((_, i) => !outlierSet.has(i));
    const outlierPoints = allMeasured.filter((_, i) => outlierSet.has(i));

    const p50: Marker | undefined = summary ? { value: summary.p50Ms, label: 'p50', color: theme.accent } : undefined;
    const p99: Marker | undefined = summary ? { value: summary.p99Ms, label: 'p99', color: theme.alert } : undefined;
    this.markers = p50 && p99 ? [p50, p99] : [];

    // Phase boundaries sit between two iterations, so a line never hides a point. The
    // configured end of warm-up is only drawn where it differs from the detected steady state:
    // a steady state right of it means measured runs were still warming up.
    const steady = result.steadyState;
    // The method's name alone ("MSER-5"): its parameters are in the note, and would make the
    // label too long to sit above its line.
    const steadyLabel = steady ? `steady state (${shortMethod(steady.method)})` : '';
    const steadyAt = steady ? steady.index + xs.warmStart - 0.5 : undefined;
    const warmupEnd = steady ? steady.warmupRuns + xs.warmStart - 0.5 : undefined;
    this.phaseMarkers = [];
    if (steady && steadyAt !== undefined && warmupEnd !== undefined) {
      this.phaseMarkers.push({ value: steadyAt, label: steadyLabel, color: theme.foreground, dash: [2, 3] });
      if (steady.index !== steady.warmupRuns) this.phaseMarkers.push({ value: warmupEnd, label: 'configured warm-up end', color: theme.secondary, dash: [6, 3] });
    }
    this.range = [0, Math.max(1, xs.end)];

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
      // Room for the points at the axis ends (and off-scale markers), which would otherwise be cut in half.
      clip: 6,
    });
    const outlierCount = result.outliers?.count ?? outlierPoints.length;
    const outlierLabel = `outliers (${formatCount(outlierCount)}, labelled, not dropped)`;
    const data = {
      datasets: [
        samples('Warm-up', warmPoints, theme.secondary),
        samples('Measured', measuredPoints, theme.primary),
        {
          label: `First ${noun}`,
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
        {
          // A different shape as well as a different colour, so they stand out without colour.
          label: outlierLabel,
          data: outlierPoints,
          borderColor: theme.outlier,
          backgroundColor: theme.outlier,
          pointStyle: (ctx: { raw: unknown }) => (offScale(ctx) ? ('triangle' as const) : ('crossRot' as const)),
          pointRadius: 4,
          pointHoverRadius: 5,
          pointBorderWidth: 2,
          showLine: false,
          parsing: false as const,
          clip: 6,
        },
      ],
    };

    // The x axis ends at the last iteration but labels only round steps (0, 200, … 1,000),
    // not the odd end value.
    const xBase = axisBase(theme, `Iteration (0 = first ${noun})`);
    const x = { ...xBase, min: 0, max: xs.end, ticks: { ...(xBase.ticks as object), maxTicksLimit: 10, precision: 0, includeBounds: false, maxRotation: 0 } };
    let y: AxisOptions;
    if (log) {
      // A little room beyond the extremes (6% of the decades shown, each side), as `grace` gives a linear axis.
      const pad = (vMax / vMin) ** 0.06;
      y = latencyAxis(theme, 'Latency', true, vMin / pad, vMax * pad, 7);
    } else {
      const base = latencyAxis(theme, 'Latency', false, vMin, vMax, 7);
      // Not from zero: a warm-up curve or a slow drift is a few percent of the latency. A cut
      // axis ends at the cut without labelling that odd value.
      y = { ...base, grace: '4%', ...(cap === undefined ? {} : { max: cap, ticks: { ...(base.ticks as object), includeBounds: false } }) };
    }
    const options = baseOptions(theme, x, y) as ChartOptions<'line'>;
    options.interaction = { mode: 'nearest', intersect: false, axis: 'xy' };
    options.plugins!.decimation = { enabled: true, algorithm: 'min-max' };
    const defaultClick = Chart.defaults.plugins.legend.onClick;
    // Series entries toggle their series as usual; the marker entries are a key, not a toggle.
    options.plugins!.legend!.onClick = function (e, item, legend) {
      if (item.datasetIndex !== undefined) defaultClick.call(this, e, item, legend);
    };
    options.plugins!.legend!.labels!.generateLabels = (chart) => [
      ...Chart.defaults.plugins.legend.labels
        .generateLabels(chart)
        // No entry for a series with nothing in it (no warm-up configured, no first inference, no outliers).
        .filter((item) => (chart.data.datasets[item.datasetIndex ?? -1]?.data.length ?? 0) > 0)
        // The sample series' pointStyle is scriptable (▲ when off scale); the legend shows the usual one.
        .map((item) => {
          if (item.datasetIndex === 2) return { ...item, lineWidth: 0, fontColor: theme.foreground };
          if (item.datasetIndex === 3) return { ...item, lineWidth: 2, pointStyle: 'crossRot' as const, fontColor: theme.foreground };
          return { ...item, lineWidth: 0, fontColor: theme.foreground, pointStyle: 'circle' as const };
        }),
      ...(summary && p50 && p99
        ? [markerLegendItem(p50, theme, `p50 ${formatMs(summary.p50Ms)}`), markerLegendItem(p99, theme, `p99 ${formatMs(summary.p99Ms)}`)]
        : []),
    ];
    options.plugins!.tooltip!.callbacks = {
      title: (items) => {
        const i = items[0]?.parsed.x ?? 0;
        return i === 0 ? 'Iteration 0 (cold)' : `Iteration ${formatCount(i)}`;
      },
      label: (item) => {
        const raw = item.raw as TimelinePoint;
        const label = item.datasetIndex === 3 ? 'Outlier (labelled, not dropped)' : (item.dataset.label ?? '');
        return ` ${label}: ${formatMs(raw.offScale ?? raw.y)}${raw.offScale === undefined ? '' : ' (off scale)'}`;
      },
    };

    this.chart = drawChart(this.chart, this.canvas, {
      type: 'line',
      data,
      options,
      plugins: [
        markerPlugin('y', () => ({ markers: this.markers, theme: this.theme ?? theme })),
        markerPlugin('x', () => ({ markers: this.phaseMarkers, theme: this.theme ?? theme, range: this.range }), 'phaseLabels'),
      ],
    });
    this.canvas.dataset.yScale = log ? 'logarithmic' : 'linear';
    this.canvas.dataset.offScale = String(pinned + (firstPoint?.offScale === undefined ? 0 : 1));
    this.canvas.dataset.outliersCharted = String(outlierPoints.length);
    this.canvas.dataset.phaseMarkers = JSON.stringify(this.phaseMarkers.map((m) => ({ label: m.label, x: m.value })));
    this.canvas.dataset.legend = JSON.stringify(this.chart.legend?.legendItems?.map((i) => i.text) ?? []);

    const ratio = result.coldStart.ratio;
    let text = first === null ? `The first ${noun} did not complete.` : `Iteration 0 is the cold first ${noun}: ${formatMs(first)}`;
    if (first !== null && ratio !== null && Number.isFinite(ratio)) text += ` (${formatRatio(ratio)} p50)`;
    if (first !== null) text += '.';
    if (steady) {
      const at = formatCount(steady.index + xs.warmStart);
      if (steady.index > steady.warmupRuns) {
        text += ` Steady state (${steady.method}) begins at iteration ${at}, after the configured warm-up of ${formatCount(steady.warmupRuns)} runs: ${formatCount(steady.transientMeasuredRuns)} measured ${steady.transientMeasuredRuns === 1 ? 'run was' : 'runs were'} still warming up.`;
      } else {
        text += ` Steady state (${steady.method}) begins at iteration ${at}, within the ${formatCount(steady.warmupRuns)} warm-up runs.`;
      }
    }
    if (outlierPoints.length > 0) text += ` ✕ marks outliers: labelled, not dropped; every figure includes them.`;
    const pinnedWhat = [
      ...(firstPoint?.offScale !== undefined ? [`the first ${noun}`] : []),
      ...(pinned > 0 ? [`${formatCount(pinned)} ${pinned === 1 ? 'run' : 'runs'}`] : []),
    ];
    if (cap !== undefined && pinnedWhat.length > 0) {
      text += ` Points above ${formatMs(cap)} (${pinnedWhat.join(' and ')}) are drawn as ▲ at the top edge so the rest stays readable; hover for their values.`;
    }
    this.note.textContent = text;
  }
}
