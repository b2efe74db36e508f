// Whether the measured runs behave as one steady population: drift (RUN008), two modes (RUN010),
// runs that depend on the one before (RUN011) and outliers (RUN012), from the instability and
// outlier analyses of the samples.

import { formatMs, formatPercent, formatRatio } from '../format';
import type { TelemetrySample } from '../system';
import type { Verdict } from '../verdict';
import { capitalize, clean, isNum, joinWords, mhz, mhzBare, TUNE_COMMAND, TUNE_SYSTEM, type RunData } from './common';

/** A clock that changed by more than this fraction between thirds of the run "moved". */
const CLOCK_MOVE = 0.02;
const TEMPERATURE_MOVE_C = 5;
const LOAD_MOVE = 0.5;
/** |lag-1 autocorrelation| from which the CIs are badly over-confident (effective n ≈ half). */
const AUTOCORRELATION_WARN = 0.3;
/** A second population holding this share of runs reshapes p50 and the mean. */
const BIMODAL_MINOR_SHARE = 0.1;
/** More than this share of outliers is more than the odd hiccup. */
const OUTLIER_WARN_SHARE = 0.01;

// RUN008 ---------------------------------------------------------------------------------------

export function drift(r: RunData): Verdict[] {
  const d = r.instability?.drift;
  if (!d || !d.significant) return [];
  const dir = d.change >= 0 ? 'rose' : 'fell';
  const changeText = formatPercent(Math.abs(d.change));
  const pText = !Number.isFinite(d.pValue) ? 'p unknown' : d.pValue < 0.001 ? 'p < 0.001' : `p = ${d.pValue.toPrecision(2)}`;
  const n = r.samplesMs.length || r.summary?.n || 0;
  const moves = telemetryMoves(r.telemetry, n);

  const evidence = [
    `p50 first third ${formatMs(d.firstThirdP50Ms)}, last third ${formatMs(d.lastThirdP50Ms)} (${signedPercent(d.change)}, ${pText})`,
  ];
  let lead =
    `p50 ${dir} ${changeText} from the first third of the run to the last, more than chance explains (${pText}): ` +
    'the figures average over a moving target.';
  let blame: string;
  let fix: string;
  if (moves === null) {
    evidence.push('no telemetry recorded in both the first and the last third of the measured runs');
    blame = 'No telemetry was recorded in both parts of the run, so what changed cannot be told.';
    fix = 'Repeat the run to see whether the drift recurs; a longer warm-up (latency.warmup) helps when p50 keeps falling early on.';
  } else if (moves.length === 0) {
    evidence.push('CPU clock, GPU clocks, temperatures and load: no change between the first and last third');
    blame =
      'Nothing we record moved between the first and last third (CPU and GPU clocks, temperature, load), so the cause is something ' +
      'we cannot see: memory growth, caches, or the host of a VM.';
    fix = 'Repeat the run to see whether the drift recurs; a longer warm-up (latency.warmup) helps when p50 keeps falling early on.';
  } else {
    evidence.push(...moves.map((m) => m.text));
    blame = `${capitalize(moves[0]!.text)} while p50 ${dir} ${changeText}.`;
    lead = `p50 ${dir} from the first third of the run to the last, more than chance explains (${pText}): the figures average over a moving target.`;
    fix = moves.some((m) => m.kind === 'clock' || m.kind === 'temperature')
      ? `${TUNE_SYSTEM} to lock the clocks so they cannot move, then rerun.`
      : 'Keep other work off the machine during the run (or pin the profiler away from it with latency.cpuAffinity), then rerun.';
  }
  return [
    {
      code: 'RUN008',
      severity: 'warning',
      title: 'Drift during the run',
      message: `${lead} ${blame}`,
      evidence,
      fix,
    },
  ];
}

interface Move {
  kind: 'clock' | 'temperature' | 'load';
  text: string;
}

/** What changed between the first and last third of the measured runs; null without readings in both. */
function telemetryMoves(telemetry: readonly TelemetrySample[], n: number): Move[] | null {
  if (n <= 0) return null;
  const measure = telemetry.filter((t) => t.phase === 'measure');
  const first = measure.filter((t) => t.run <= n / 3);
  const last = measure.filter((t) => t.run >= (2 * n) / 3);
  if (first.length === 0 || last.length === 0) return null;

  const moves: Move[] = [];
  const compare = (pick: (t: TelemetrySample) => number | null): [number, number] | null => {
    const a = mean(first.map(pick).filter(isNum));
    const b = mean(last.map(pick).filter(isNum));
    return a === null || b === null ? null : [a, b];
  };
  const cpu = compare((t) => t.cpuMHz);
  if (cpu && cpu[0] > 0 && Math.abs(cpu[1] - cpu[0]) / cpu[0] > CLOCK_MOVE) {
    moves.push({ kind: 'clock', text: `CPU clock ${cpu[1] < cpu[0] ? 'fell' : 'rose'} from ${mhzBare(cpu[0])} to ${mhz(cpu[1])}` });
  }
  const indices = [...new Set(measure.flatMap((t) => t.gpus.map((g) => g.index)))].sort((a, b) => a - b);
  for (const i of indices) {
    const gpu = (t: TelemetrySample) => t.gpus.find((g) => g.index === i);
    const sm = compare((t) => gpu(t)?.smClockMHz ?? null);
    if (sm && sm[0] > 0 && Math.abs(sm[1] - sm[0]) / sm[0] > CLOCK_MOVE) {
      moves.push({ kind: 'clock', text: `GPU ${i} SM clock ${sm[1] < sm[0] ? 'fell' : 'rose'} from ${mhzBare(sm[0])} to ${mhz(sm[1])}` });
    }
    const temp = compare((t) => gpu(t)?.temperatureC ?? null);
    if (temp && Math.abs(temp[1] - temp[0]) >= TEMPERATURE_MOVE_C) {
      moves.push({
        kind: 'temperature',
        text: `GPU ${i} temperature ${temp[1] > temp[0] ? 'rose' : 'fell'} from ${Math.round(temp[0])} to ${Math.round(temp[1])} °C`,
      });
    }
  }
  const load = compare((t) => t.load1);
  if (load && Math.abs(load[1] - load[0]) >= LOAD_MOVE) {
    moves.push({ kind: 'load', text: `load average ${load[1] > load[0] ? 'rose' : 'fell'} from ${load[0].toFixed(2)} to ${load[1].toFixed(2)}` });
  }
  // Clocks explain latency most directly, so they lead the message.
  const order = { clock: 0, temperature: 1, load: 2 };
  return moves.sort((a, b) => order[a.kind] - order[b.kind]);
}

// RUN010 ---------------------------------------------------------------------------------------

export function bimodal(r: RunData): Verdict[] {
  const b = r.instability?.bimodality;
  const s = r.summary;
  if (!b || !b.bimodal || !s) return [];
  const modes = b.modesMs.filter(Number.isFinite).sort((x, y) => x - y);
  if (modes.length < 2) return [];
  const splits = modes.slice(1).map((m, i) => (modes[i]! + m) / 2);
  const counts = modes.map(() => 0);
  for (const x of r.samplesMs) {
    let k = 0;
    while (k < splits.length && x >= splits[k]!) k++;
    counts[k]!++;
  }
  const total = counts.reduce((a, c) => a + c, 0);
  const shares = counts.map((c) => (total > 0 ? c / total : 0));
  const minor = Math.min(...shares);
  const modeText = joinWords(modes.map(formatMs));
  const lo = modes[0]!;
  const hi = modes[modes.length - 1]!;
  const nearest = Math.min(...modes.map((m) => Math.abs(m - s.p50Ms)));
  const between = s.p50Ms > lo && s.p50Ms < hi && nearest > 0.25 * (hi - lo);

  const evidence = [`modes at ${modeText}`];
  if (total > 0) {
    evidence.push(`${modes.map((m, i) => `${formatPercent(shares[i]!)} of runs near ${formatMs(m)}`).join(', ')} (split at ${splits.map(formatMs).join(', ')})`);
  }
  evidence.push(`p50 ${formatMs(s.p50Ms)}, mean ${formatMs(s.meanMs)}`);
  return [
    {
      code: 'RUN010',
      severity: total > 0 && minor >= BIMODAL_MINOR_SHARE ? 'warning' : 'info',
      title: 'Bimodal distribution',
      message:
        `Runs fall into ${modes.length} groups, around ${modeText}: ` +
        (between
          ? 'the p50 sits between the populations and describes neither, and the mean and CV mix them.'
          : 'the p50 and the mean summarize a mix, and the CV measures the gap between groups more than the spread within them.'),
      evidence,
      fix:
        'Look for two code paths (input-dependent branches, a cache hit and miss), the process migrating between cores or core types ' +
        `(pin it with latency.cpuAffinity, CLI --cpus), or the clock switching between two frequency states (${TUNE_COMMAND}).`,
    },
  ];
}

// RUN011 ---------------------------------------------------------------------------------------

export function autocorrelated(r: RunData): Verdict[] {
  const a = r.instability?.autocorrelation;
  if (!a || a.pattern === 'none' || !Number.isFinite(a.lag1)) return [];
  const n = r.samplesMs.length || r.summary?.n || 0;
  const evidence = [`lag-1 autocorrelation ${a.lag1.toFixed(2)} (significant beyond ±${a.threshold.toFixed(2)})`];
  if (a.pattern === 'trend' && a.lag1 > 0 && a.lag1 < 1 && n > 0) {
    // AR(1) approximation of how many independent runs the series is worth.
    const eff = Math.round((n * (1 - a.lag1)) / (1 + a.lag1));
    evidence.push(`worth about ${eff} independent runs of the ${n} measured (AR(1) approximation)`);
  }
  const trend = a.pattern === 'trend';
  return [
    {
      code: 'RUN011',
      severity: Math.abs(a.lag1) >= AUTOCORRELATION_WARN ? 'warning' : 'info',
      title: trend ? 'Runs come in slow and fast stretches' : 'Runs alternate fast and slow',
      message:
        (trend
          ? 'Each run’s latency resembles the one before, as when clocks, temperature or background load change slowly. '
          : 'Fast and slow runs alternate, as when two buffers, two threads or a periodic task take turns. ') +
        'The confidence intervals assume independent runs, so they are narrower than the truth.',
      evidence,
      fix: trend
        ? `Lock the clocks (${TUNE_COMMAND}) and keep other work off the machine; see RUN008 if p50 also drifted.`
        : 'Look for per-call state that flips (double buffering, allocator caches, a timer) and pin the profiler (latency.cpuAffinity, CLI --cpus).',
    },
  ];
}

// RUN012 ---------------------------------------------------------------------------------------

export function outliers(r: RunData): Verdict[] {
  const o = r.outliers;
  const s = r.summary;
  if (!o || !s || !(o.count > 0)) return [];
  const n = s.n;
  const share = n > 0 ? o.count / n : 0;
  let high = 0;
  let low = 0;
  for (const i of o.indices) {
    const x = r.samplesMs[i];
    if (x === undefined) continue;
    if (x > o.highFenceMs) high++;
    else if (x < o.lowFenceMs) low++;
  }
  const shown = o.indices.slice(0, 5).join(', ') + (o.indices.length > 5 ? ', …' : '');
  const evidence = [
    `${o.count} of ${n} runs (${formatPercent(share)}) outside the fences ${formatMs(o.lowFenceMs)}–${formatMs(o.highFenceMs)} (${clean(o.method)})`,
    `${high} above, ${low} below`,
    `slowest ${formatMs(s.maxMs)} = ${formatRatio(s.maxMs / s.p50Ms)} p50`,
  ];
  if (shown) evidence.push(`at measured runs ${shown}`);
  const warn = share > OUTLIER_WARN_SHARE;
  return [
    {
      code: 'RUN012',
      severity: warn ? 'warning' : 'info',
      title: 'Outliers',
      message:
        'They are labelled, not dropped: every figure includes them. ' +
        (warn
          ? `${formatPercent(share)} of runs is more than the odd hiccup: they shape p99 and the mean.`
          : 'A few are normal (a GC pause, a page fault, a timer tick); they show in the max and the far tail.'),
      evidence,
      fix: 'Look at the timeline around the marked runs: clustered outliers point to background work or clock changes, evenly spaced ones to garbage collection or timers.',
    },
  ];
}

// Helpers --------------------------------------------------------------------------------------

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function signedPercent(fraction: number): string {
  return `${fraction > 0 ? '+' : ''}${formatPercent(fraction)}`;
}
