// What the machine did while the benchmark ran: CPU clock, load, GPU clock and temperature,
// read every so often by the profiler. Drawn as small charts, one per quantity (their units
// have nothing in common), on the timeline's x axis, so a step in latency can be lined up with
// a clock that dropped or a load that rose. A single reading is a table: a line needs two.

import { Chart, type ChartOptions } from 'chart.js';
import { formatMs } from '../core/format';
import type { BenchmarkResult } from '../core/result';
import type { TelemetrySample } from '../core/system';
import { axisBase, baseOptions, timelineX } from './charts';
import { formatCount, h, keyValueTable } from './dom';
import { withAlpha, type ChartTheme } from './theme';

interface TelemetryPoint {
  x: number;
  y: number | null;
  tMs: number;
  phase: TelemetrySample['phase'];
}

interface Series {
  label: string;
  points: TelemetryPoint[];
  /** Index among series of one metric, for a distinct dash. */
  n: number;
}

interface Metric {
  id: string;
  title: string;
  unit: string;
  format: (v: number) => string;
  /** Axis labels: the unit is in the caption, so the number alone. */
  tick: (v: number) => string;
  color: (t: ChartTheme) => string;
  series: Series[];
}

const DASHES: number[][] = [[], [5, 3], [1, 2], [8, 3, 2, 3]];

/** Where a reading sits on the timeline's x axis: after `run` runs of its phase. */
function xOf(result: BenchmarkResult, s: TelemetrySample): number {
  const xs = timelineX(result);
  const x = s.phase === 'warmup' ? s.run : xs.measuredStart - 1 + s.run;
  return Math.min(Math.max(x, 0), xs.end);
}

function gpuIndices(samples: readonly TelemetrySample[]): number[] {
  return [...new Set(samples.flatMap((s) => s.gpus.map((g) => g.index)))].sort((a, b) => a - b);
}

function metrics(result: BenchmarkResult): Metric[] {
  const samples = result.telemetry;
  const point = (s: TelemetrySample, y: number | null): TelemetryPoint => ({ x: xOf(result, s), y, tMs: s.tMs, phase: s.phase });
  const gpus = gpuIndices(samples);
  const gpuValue = (s: TelemetrySample, i: number, k: 'smClockMHz' | 'temperatureC') => s.gpus.find((g) => g.index === i)?.[k] ?? null;
  const all: Metric[] = [
    {
      id: 'cpu-mhz',
      title: 'CPU clock',
      unit: 'MHz',
      format: (v) => `${formatCount(v)} MHz`,
      tick: (v) => formatCount(v),
      color: (t) => t.primary,
      series: [{ label: 'CPU (mean of the profiler’s CPUs)', points: samples.map((s) => point(s, s.cpuMHz)), n: 0 }],
    },
    {
      id: 'load1',
      title: 'Load average',
      unit: '1 min',
      format: (v) => v.toFixed(2),
      tick: (v) => String(Number(v.toFixed(2))),
      color: (t) => t.secondary,
      series: [{ label: 'load1', points: samples.map((s) => point(s, s.load1)), n: 0 }],
    },
    {
      id: 'gpu-sm',
      title: 'GPU SM clock',
      unit: 'MHz',
      format: (v) => `${formatCount(v)} MHz`,
      tick: (v) => formatCount(v),
      color: (t) => t.outlier,
      series: gpus.map((i, n) => ({ label: `GPU ${i}`, points: samples.map((s) => point(s, gpuValue(s, i, 'smClockMHz'))), n })),
    },
    {
      id: 'gpu-temp',
      title: 'GPU temperature',
      unit: '°C',
      format: (v) => `${formatCount(v)} °C`,
      tick: (v) => formatCount(v),
      color: (t) => t.alert,
      series: gpus.map((i, n) => ({ label: `GPU ${i}`, points: samples.map((s) => point(s, gpuValue(s, i, 'temperatureC'))), n })),
    },
  ];
  // A quantity never read (no cpufreq, no GPU) gets no empty chart.
  return all
    .map((m) => ({ ...m, series: m.series.filter((s) => s.points.some((p) => p.y !== null)) }))
    .filter((m) => m.series.length > 0);
}

export class TelemetryView {
  private readonly charts = new Map<string, { box: HTMLElement; canvas: HTMLCanvasElement; chart: Chart<'line', TelemetryPoint[]> }>();

  constructor(
    private readonly card: HTMLElement,
    private readonly container: HTMLElement,
    private readonly note: HTMLElement,
  ) {}

  render(result: BenchmarkResult, theme: ChartTheme): void {
    const samples = result.telemetry;
    if (samples.length === 0) {
      this.clear();
      this.card.hidden = true;
      return;
    }
    // Shown before any chart is made: chart.js sizes a chart from its laid-out container.
    this.card.hidden = false;
    if (samples.length === 1) {
      this.clear();
      this.container.dataset.mode = 'table';
      this.container.replaceChildren(singleReading(samples[0]!));
    } else {
      this.container.dataset.mode = 'charts';
      this.container.querySelector(':scope > table')?.remove();
      this.renderCharts(result, theme);
    }
    this.note.textContent = describe(result);
  }

  private clear(): void {
    for (const { chart } of this.charts.values()) chart.destroy();
    this.charts.clear();
    this.container.replaceChildren();
    delete this.container.dataset.mode;
  }

  private renderCharts(result: BenchmarkResult, theme: ChartTheme): void {
    const wanted = metrics(result);
    for (const [id, entry] of this.charts) {
      if (wanted.some((m) => m.id === id)) continue;
      entry.chart.destroy();
      entry.box.remove();
      this.charts.delete(id);
    }
    const end = timelineX(result).end;
    for (const m of wanted) {
      let entry = this.charts.get(m.id);
      const { data, options } = chartConfig(m, theme, end);
      if (entry) {
        entry.chart.data = data;
        entry.chart.options = options;
        entry.chart.update('none');
        // Keeps the charts in metric order when one appears or goes.
        this.container.append(entry.box);
      } else {
        const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': `${m.title} during the run, by iteration`, 'data-metric': m.id } });
        const box = h('figure', { className: 'telemetry-chart' }, h('figcaption', {}, `${m.title} (${m.unit})`), h('div', { className: 'chart-box small' }, canvas));
        this.container.append(box);
        entry = { box, canvas, chart: new Chart(canvas, { type: 'line', data, options }) };
        this.charts.set(m.id, entry);
      }
      entry.canvas.dataset.points = String(m.series.reduce((n, s) => n + s.points.filter((p) => p.y !== null).length, 0));
    }
  }
}

function chartConfig(m: Metric, theme: ChartTheme, end: number) {
  const color = m.color(theme);
  const data = {
    datasets: m.series.map((s) => ({
      label: s.label,
      data: s.points,
      borderColor: color,
      backgroundColor: withAlpha(color, 0.85),
      borderWidth: 1.5,
      borderDash: DASHES[s.n % DASHES.length]!,
      pointRadius: s.points.length > 60 ? 0 : 2,
      pointHoverRadius: 4,
      pointBorderWidth: 0,
      parsing: false as const,
      // A reading that could not be taken is a gap, not a line drawn through it.
      spanGaps: false,
      clip: 4,
    })),
  };
  const xBase = axisBase(theme, 'Iteration');
  const x = { ...xBase, min: 0, max: end, ticks: { ...(xBase.ticks as object), maxTicksLimit: 6, precision: 0, includeBounds: false, maxRotation: 0 } };
  const yBase = axisBase(theme, m.unit);
  const y = { ...yBase, grace: '10%', title: { ...(yBase.title as object), display: false }, ticks: { ...(yBase.ticks as object), maxTicksLimit: 4, callback: (v: number | string) => m.tick(Number(v)) } };
  const options = baseOptions(theme, x, y) as ChartOptions<'line'>;
  options.interaction = { mode: 'nearest', intersect: false, axis: 'x' };
  // One series says what it is in the caption; several (GPUs) need a key.
  options.plugins!.legend!.display = m.series.length > 1;
  options.plugins!.legend!.labels!.generateLabels = (chart) =>
    Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => ({ ...item, pointStyle: 'line' as const, lineWidth: 2, fontColor: theme.foreground }));
  options.plugins!.tooltip!.callbacks = {
    title: (items) => {
      const raw = items[0]?.raw as TelemetryPoint | undefined;
      if (!raw) return '';
      return `Iteration ${formatCount(raw.x)} (${raw.phase === 'warmup' ? 'warm-up' : 'measured'}) · ${formatMs(raw.tMs)} into the run`;
    },
    label: (item) => {
      const raw = item.raw as TelemetryPoint;
      return ` ${item.dataset.label ?? ''}: ${raw.y === null ? 'not read' : m.format(raw.y)}`;
    },
  };
  return { data, options };
}

function singleReading(s: TelemetrySample): HTMLElement {
  const when = `after ${formatCount(s.run)} ${s.phase === 'warmup' ? 'warm-up' : 'measured'} ${s.run === 1 ? 'run' : 'runs'} (${formatMs(s.tMs)} into the run)`;
  const na = 'not read';
  const rows = [
    { label: 'Taken', value: when, key: 'tel-when' },
    { label: 'CPU clock', value: s.cpuMHz === null ? na : `${formatCount(s.cpuMHz)} MHz`, key: 'tel-cpu-mhz' },
    { label: 'Load (1 min)', value: s.load1 === null ? na : s.load1.toFixed(2), key: 'tel-load1' },
    ...s.gpus.flatMap((g) => [
      { label: `GPU ${g.index} SM clock`, value: g.smClockMHz === null ? na : `${formatCount(g.smClockMHz)} MHz`, key: `tel-gpu${g.index}-sm` },
      { label: `GPU ${g.index} temperature`, value: g.temperatureC === null ? na : `${formatCount(g.temperatureC)} °C`, key: `tel-gpu${g.index}-temp` },
      { label: `GPU ${g.index} clock events`, value: g.clockEventReasons.join(', ') || 'none', key: `tel-gpu${g.index}-reasons` },
    ]),
  ];
  return keyValueTable('One reading during the run', rows);
}

/** How often readings were taken, and any GPU clock event other than idling. */
function describe(result: BenchmarkResult): string {
  const samples = result.telemetry;
  const parts: string[] = [];
  if (samples.length > 1) {
    const gaps = samples
      .slice(1)
      .map((s, i) => s.tMs - samples[i]!.tMs)
      .filter((d) => d > 0)
      .sort((a, b) => a - b);
    const every = gaps.length > 0 ? ` about every ${formatMs(gaps[Math.floor(gaps.length / 2)]!)}` : '';
    parts.push(`${formatCount(samples.length)} readings${every}, at the iteration they were taken (the timeline’s x axis).`);
  }
  const seen = new Map<string, number>();
  for (const s of samples) {
    for (const g of s.gpus) {
      for (const r of g.clockEventReasons) {
        if (r === 'idle' || r === 'none') continue;
        const key = `GPU ${g.index}: ${r}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
  }
  if (seen.size > 0) {
    parts.push(`GPU clock event reasons while running: ${[...seen].map(([k, n]) => `${k} (${formatCount(n)} of ${formatCount(samples.length)} readings)`).join('; ')}.`);
  }
  return parts.join(' ');
}
