// The plain-text report the CLI prints. Plain text with no colour codes, so it reads the same
// in a terminal, a CI log and a pasted bug report; the CLI may add colour on top.

import { formatBytes, formatInterval, formatMs, formatPercent, formatRate } from './format';
import { openLoopFacts, sweepNotes, sweepTable } from './loadText';
import { coldStartText, requestErrorsText, runtimeText, targetFacts, targetPlace, targetPlaceLabel } from './targetText';
import { placeInClass } from './sizeClassRanges';
import { streamingTextLines } from './streamingText';
import { minSamplesToBound } from './quantileCI';
import { beyondRunNoise, repeatP50Intervals } from './repeats';
import type { BenchmarkResult, Environment, InputPlan, Interval, Repeats, SessionConfig, Summary } from './result';
import type { SystemSnapshot } from './system';
import { formatCpuList } from './procReadings';
import type { Verdict } from './verdict';

const INDENT = '  ';
/** Wide enough for the longest label, "mean ± stdev". */
const LABEL_WIDTH = 14;
/** Inputs beyond this are summarised in one line, keeping the report to a screenful. */
const MAX_INPUT_ROWS = 5;
/** Longer input names are cut so one odd name cannot push the other columns off screen. */
const MAX_NAME_WIDTH = 28;

const SEVERITY_MARK: Record<Verdict['severity'], string> = { error: 'x', warning: '!', info: 'i' };

/**
 * The benchmark as a short aligned text report: about 30 lines of figures (inputs beyond a few
 * are summarised), then the run checks with their evidence and fixes.
 * Returned without a trailing newline. Text that comes from the model or the machine (names,
 * paths, values, reasons) has control and bidi characters escaped, so it cannot break lines,
 * inject terminal escape sequences or reorder the columns.
 */
export function renderTextReport(result: BenchmarkResult): string {
  const { target, config, summary } = result;
  const lines: string[] = [];

  lines.push(`Latency benchmark: ${clean(target.name || target.path)} (${targetFacts(target).map(clean).join(', ')})`);
  if (result.partial) lines.push(partialBanner(result));
  lines.push(row(targetPlaceLabel(target), clean(targetPlace(target))));
  lines.push(row('run', runText(result)));
  if (config.session) lines.push(row('session', sessionText(config.session)));
  if (target.kind === 'onnx') lines.push(...inputRows(config.inputs));
  lines.push(row('cold start', coldStartText(result)));
  if (result.errors) lines.push(row('errors', clean(requestErrorsText(result.errors))));
  if (result.openLoop) for (const [label, value] of openLoopFacts(result.openLoop)) lines.push(row(label, clean(value)));
  if (result.sampling) {
    const sm = result.sampling;
    lines.push(row('storage', `${count(sm.total)} samples in a histogram (percentiles within ±${(sm.relativeError * 100).toPrecision(2)}%); ${count(sm.stored)} kept for the charts`));
  }
  const placement = target.kind === 'onnx' ? placeInClass(target.parameters, summary?.p50Ms, config.sizeClassRanges) : undefined;
  if (placement?.range) lines.push(row('size class', clean(placement.text)));
  lines.push(row('machine', machineText(result.environment)));
  lines.push(row('runtime', clean(runtimeText(result.environment))));
  lines.push(row('system', systemText(result.system, config.cpuAffinity)));
  lines.push('');

  if (summary) {
    lines.push(...statsTable(summary, result));
  } else {
    lines.push(`${INDENT}No measured run completed, so there are no latency statistics.`);
    lines.push(...alignedRows([['peak RSS', formatBytes(result.memory.peakRssBytes)]]));
  }

  if (result.repeats) lines.push('', ...repeatLines(result.samplesMs, result.repeats));
  if (result.sweep) lines.push('', ...sweepLines(result.sweep));
  if (result.streaming) lines.push('', ...streamingTextLines(result.streaming, INDENT, LABEL_WIDTH));

  // The estimator only matters where there are percentiles to compare.
  if (summary) {
    lines.push('', `${INDENT}Percentiles: ${clean(result.estimator)}; [low, high] are distribution-free ${Math.round(summary.ciLevel * 100)}% confidence intervals.`);
  }
  lines.push('', ...verdictLines(result.verdicts));
  return lines.join('\n');
}

/** ", 197K parameters, small (< 1B parameters)": where the model sits in the guides' size classes. */
function runText(result: BenchmarkResult): string {
  const { config, stopping } = result;
  const measured = `${count(result.sampling?.total ?? result.samplesMs.length)} measured after ${config.warmup} warm-up`;
  if (result.repeats) {
    const each = config.stopping.mode === 'fixed' ? `${config.iterations} measured iterations after ${config.warmup} warm-up` : `adaptive stopping, ${config.warmup} warm-up`;
    return `${result.repeats.runs.length} repeats of ${each}, each on a fresh session`;
  }
  if (config.stopping.mode === 'fixed') return `${config.iterations} measured iterations after ${config.warmup} warm-up`;
  const rule = config.stopping;
  const why: Record<typeof stopping.reason, string> = {
    precision: 'precision reached',
    maxIterations: `hit the ${count(rule.maxIterations)}-run cap`,
    maxSeconds: `hit the ${rule.maxSeconds} s cap`,
    iterations: 'count reached',
    cancelled: 'cancelled',
    error: 'stopped by an error',
  };
  return `adaptive, ±${formatPercent(rule.relativeHalfWidth)} on p50 and ${rule.targetPercentile}: ${why[stopping.reason]}, ${measured}`;
}

function systemText(system: SystemSnapshot | null, pinned: number[] | null): string {
  if (!system) return 'pre-flight readings unavailable';
  const cpu = system.cpu;
  const parts: string[] = [];
  if (!cpu.cpufreq) parts.push('CPU clocks cannot be verified (no cpufreq)');
  else {
    const governors = [...new Set(cpu.cores.map((c) => c.governor ?? 'unknown'))].map(clean).join('/');
    parts.push(`governor ${governors}, boost ${cpu.boost}`);
  }
  if (cpu.loadAverage) parts.push(`load ${cpu.loadAverage[0].toFixed(2)}`);
  if (pinned) parts.push(`pinned to CPUs ${pinned.join(',')}`);
  if (system.noiseFloor) parts.push(`noise floor CV ${formatPercent(system.noiseFloor.cv)}`);
  for (const gpu of system.gpu.gpus) {
    const clock = gpu.smClockMHz !== null && gpu.maxSmClockMHz !== null ? `, SM ${gpu.smClockMHz}/${gpu.maxSmClockMHz} MHz` : '';
    parts.push(`${clean(gpu.name)}${clock}, persistence ${gpu.persistenceMode ?? 'unknown'}`);
  }
  return parts.join('; ');
}

function verdictLines(verdicts: readonly Verdict[]): string[] {
  if (verdicts.length === 0) return [`${INDENT}Checks: no problems found with how this run was measured.`];
  const lines = [`${INDENT}Checks (${verdicts.length}):`];
  for (const v of verdicts) {
    lines.push(`${INDENT}${SEVERITY_MARK[v.severity]} ${clean(v.code)} ${v.severity}: ${clean(v.title)}. ${clean(v.message)}`);
    for (const e of v.evidence) lines.push(`${INDENT}    - ${clean(e)}`);
    lines.push(`${INDENT}    fix: ${clean(v.fix)}`);
  }
  return lines;
}

const count = (n: number): string => n.toLocaleString('en-US');

function partialBanner(result: BenchmarkResult): string {
  const done = result.summary?.n ?? result.samplesMs.length;
  const reason = result.partialReason ? clean(result.partialReason) : 'no reason recorded';
  if (result.repeats) return `!! PARTIAL RESULT: ${result.repeats.runs.length} complete repeats, ${count(done)} measured runs (${reason})`;
  return `!! PARTIAL RESULT: ${done} of ${result.config.iterations} measured iterations completed (${reason})`;
}

function sessionText(s: SessionConfig): string {
  const threads = (t: number): string => (t === 0 ? 'auto' : String(t));
  const providers = s.executionProviders.length > 0 ? s.executionProviders.map(clean).join(', ') : '(default)';
  return (
    `threads intra ${threads(s.intraOpNumThreads)} / inter ${threads(s.interOpNumThreads)}, ` +
    `optimization ${clean(s.graphOptimizationLevel)}, ${clean(s.executionMode)}, providers ${providers}`
  );
}

function inputRows(inputs: readonly InputPlan[]): string[] {
  if (inputs.length === 0) return [row('inputs', '(none)')];
  const shown = inputs.length > MAX_INPUT_ROWS ? inputs.slice(0, MAX_INPUT_ROWS - 1) : inputs;
  const cells = shown.map((input) => [
    truncate(clean(input.name), MAX_NAME_WIDTH),
    clean(input.type),
    `[${input.shape.join(', ')}]`,
    fillText(input.fill),
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((r) => displayWidth(r[c]!))));
  const rows = cells.map((r, i) =>
    row(i === 0 ? 'inputs' : '', r.map((cell, c) => (c < 3 ? padEnd(cell, widths[c]!) : cell)).join('  ')),
  );
  if (shown.length < inputs.length) rows.push(row('', `... and ${inputs.length - shown.length} more`));
  return rows;
}

function fillText(fill: InputPlan['fill']): string {
  if (fill.kind === 'constant') {
    const v = typeof fill.value === 'string' ? JSON.stringify(fill.value) : String(fill.value);
    return `constant ${clean(v)}`;
  }
  if (fill.kind === 'file') return `file ${clean(fill.path)}`;
  return `random [${fill.low}, ${fill.high}) seed ${fill.seed}`;
}

// The hostname is left out on purpose: reports get pasted into issues.
function machineText(env: Environment): string {
  return `${clean(env.cpu)} (${env.cpuCores} cores, ${formatBytes(env.totalMemoryBytes)}), ${clean(env.os)} ${clean(env.arch)}`;
}


function statsTable(s: Summary, result: BenchmarkResult): string[] {
  // An adaptive run has no planned count to fall short of.
  const ofConfigured = result.repeats
    ? ` (${result.repeats.runs.length} repeats)`
    : s.n === result.config.iterations || result.config.stopping.mode === 'adaptive'
      ? ''
      : ` of ${result.config.iterations}`;
  return alignedRows([
    ['n', `${s.n}${ofConfigured}`],
    ['p50', withCi(s.p50Ms, s.ci.p50, 0.5)],
    ['p90', formatMs(s.p90Ms)],
    ['p95', withCi(s.p95Ms, s.ci.p95, 0.95)],
    ['p99', withCi(s.p99Ms, s.ci.p99, 0.99)],
    ['p99.9', withCi(s.p999Ms, s.ci.p999, 0.999)],
    ['mean ± stdev', `${formatMs(s.meanMs)} ± ${formatMs(s.stdevMs)}`],
    ['CV', formatPercent(s.cv)],
    ['min', formatMs(s.minMs)],
    ['max', formatMs(s.maxMs)],
    ['throughput', formatRate(s.throughputPerSec)],
    ['peak RSS', formatBytes(result.memory.peakRssBytes)],
  ]);
}

/**
 * Each repeat's p50 (with its own interval), p99 and CV, the spread between them, and a plain
 * statement of whether the repeats differ by more than the noise within a run: that is
 * variation between sessions, which the intervals above (over all runs pooled) do not include.
 */
function repeatLines(samplesMs: readonly number[], repeats: Repeats): string[] {
  let intervals: Array<Interval | null>;
  try {
    intervals = repeatP50Intervals(samplesMs, repeats);
  } catch {
    // A result edited by hand may not add up; the figures are still worth showing.
    intervals = repeats.runs.map(() => null);
  }
  const rows = [['', 'runs', 'p50', '', 'p99', 'CV', 'load', 'first run']];
  repeats.runs.forEach((r, i) => {
    const ci = intervals[i];
    rows.push([
      `#${i + 1}`,
      count(r.n),
      formatMs(r.p50Ms),
      ci ? formatInterval(r.p50Ms, ci[0], ci[1]) : '',
      formatMs(r.p99Ms),
      formatPercent(r.cv),
      formatMs(r.loadMs),
      r.firstMs === null ? 'n/a' : formatMs(r.firstMs),
    ]);
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c]!))));
  const table = rows.map((r) => `${INDENT}${INDENT}${r.map((cell, c) => (c === 0 || c === 3 ? padEnd(cell, widths[c]!) : padStart(cell, widths[c]!))).join('  ')}`.trimEnd());
  const spread = `p50 ${formatPercent(repeats.spread.p50)}, p99 ${formatPercent(repeats.spread.p99)} ((max − min) ÷ median)`;
  const beyond = beyondRunNoise(intervals);
  const verdict =
    beyond === true
      ? `repeats differ by ${formatPercent(repeats.spread.p50)} on p50, more than the noise within a run (their p50 intervals do not overlap): the intervals above understate the uncertainty`
      : beyond === false
        ? `the repeats agree within the noise of a run (their p50 intervals overlap)`
        : `too few runs per repeat to bound each p50, so the spread cannot be set against the noise`;
  return [`${INDENT}Repeats (${repeats.runs.length}, each a fresh session; the first also paid the process's one-time set-up):`, ...table, row('spread', spread), row('', verdict)];
}

/** "2.10 ms  [2.08, 2.12]", or the figure with the count that would bound it. */
function withCi(valueMs: number, ci: Interval | null, q: number): string {
  if (ci) return `${formatMs(valueMs)}  ${formatInterval(valueMs, ci[0], ci[1])}`;
  return `${formatMs(valueMs)}  (not bounded: needs n ≥ ${count(minSamplesToBound(q))}; this is near the maximum)`;
}

/**
 * Label/value rows with the leading numbers right-aligned on a common edge and their units
 * after it, so figures of different magnitude line up by their last digit.
 */
/** The sweep's table, one level a row, and its notes. */
function sweepLines(sweep: NonNullable<BenchmarkResult['sweep']>): string[] {
  const t = sweepTable(sweep);
  const cells = [t.header, ...t.rows].map((r) => r.map(clean));
  const widths = t.header.map((_, i) => Math.max(...cells.map((r) => displayWidth(r[i]!))));
  const line = (r: string[]) => `${INDENT}${r.map((c, i) => (t.align[i] === 'left' ? padEnd(c, widths[i]!) : padStart(c, widths[i]!))).join('  ')}`.trimEnd();
  return [`${INDENT}Concurrency sweep (closed loop)`, line(cells[0]!), ...cells.slice(1).map(line), ...sweepNotes(sweep).map((n) => `${INDENT}${clean(n)}`)];
}

function alignedRows(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const split = pairs.map(([label, value]) => {
    const m = /^(-?[\d.,]+)(.*)$/s.exec(value);
    return { label, number: m ? m[1]! : value, rest: m ? m[2]! : '' };
  });
  const width = Math.max(...split.map((p) => displayWidth(p.number)));
  return split.map((p) => row(p.label, `${padStart(p.number, width)}${p.rest}`));
}

function row(label: string, value: string): string {
  return `${INDENT}${label.padEnd(LABEL_WIDTH)}${value}`.trimEnd();
}

// Characters that move the cursor, start escape sequences, break or reorder lines, or take no
// width (which would shift the columns after them): C0/C1 controls, DEL, zero-width and
// bidi formatting characters, line/paragraph separators, BOM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Untrusted text made safe for one line of a terminal: unsafe characters become visible escapes. */
function clean(text: string): string {
  return text.replace(UNSAFE, (ch) => NAMED_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// East Asian wide and fullwidth ranges, and the emoji blocks terminals draw two cells wide.
// Approximate (no full wcwidth table), but enough to keep CJK or emoji names aligned.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}]/u;

/** Terminal columns the text takes: code points, not UTF-16 units; combining marks 0, wide 2. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
    if (used + w > width - 3) break;
    out += ch;
    used += w;
  }
  return `${out}...`;
}

/** The pre-flight readings on their own (`latency system`): what would make a benchmark here less trustworthy. */
export function renderSystemReport(system: SystemSnapshot): string {
  const cpu = system.cpu;
  const lines = [`System readings (${clean(system.platform)}, ${clean(system.takenAt)})`];
  if (!cpu.cpufreq) {
    lines.push(row('CPU clocks', 'cannot be verified: no cpufreq (a VM or container: the host sets the clocks)'));
  } else {
    const byGovernor = new Map<string, number[]>();
    for (const c of cpu.cores) byGovernor.set(c.governor ?? 'unknown', [...(byGovernor.get(c.governor ?? 'unknown') ?? []), c.cpu]);
    lines.push(row('governor', [...byGovernor].map(([g, cpus]) => `${clean(g)} on CPUs ${cpuList(cpus)}`).join('; ')));
    lines.push(row('boost', `${cpu.boost}${cpu.boostSource ? ` (${clean(cpu.boostSource)})` : ''}`));
    const cur = cpu.cores.map((c) => c.curMHz).filter((m): m is number => m !== null);
    const max = cpu.cores.map((c) => c.maxMHz).filter((m): m is number => m !== null);
    if (cur.length && max.length) lines.push(row('frequency', `${Math.min(...cur)}–${Math.max(...cur)} MHz now, max ${Math.max(...max)} MHz`));
  }
  lines.push(row('CPUs', `${cpu.logicalCpus} logical${cpu.affinity ? `, this process may use ${cpuList(cpu.affinity)}` : ''}`));
  if (cpu.loadAverage) lines.push(row('load', cpu.loadAverage.map((l) => l.toFixed(2)).join(' ')));
  if (cpu.busiest.length) lines.push(row('busiest', cpu.busiest.map((p) => `${clean(p.name)} (${p.pid}) ${p.cpuPercent.toFixed(0)}%`).join(', ')));
  const mem = system.memory;
  lines.push(row('memory', `${formatBytes(mem.totalBytes)}${mem.availableBytes !== null ? `, ${formatBytes(mem.availableBytes)} available` : ''}${mem.swapUsedBytes ? `, ${formatBytes(mem.swapUsedBytes)} swap in use` : ''}${mem.pressureSomeAvg10 !== null ? `, PSI some ${mem.pressureSomeAvg10}%` : ''}`));
  if (system.openFilesLimit !== null) lines.push(row('open files', String(system.openFilesLimit)));
  if (system.noiseFloor) lines.push(row('noise floor', `a fixed ${formatMs(system.noiseFloor.taskMs)} CPU task varies by CV ${formatPercent(system.noiseFloor.cv)} (${system.noiseFloor.runs} runs)`));
  if (system.gpu.status !== 'present') lines.push(row('GPU', system.gpu.status === 'absent' ? 'none found (no nvidia-smi)' : `nvidia-smi failed: ${clean(system.gpu.message ?? '')}`));
  for (const g of system.gpu.gpus) {
    const mhz = (v: number | null) => (v === null ? '?' : String(v));
    const watts = (v: number | null) => (v === null ? '?' : v.toFixed(0));
    lines.push(row(`GPU ${g.index}`, `${clean(g.name)}, driver ${clean(g.driver ?? '?')}, persistence ${g.persistenceMode ?? 'unknown'}, ${clean(g.pstate ?? '?')}`));
    lines.push(row('', `SM ${mhz(g.smClockMHz)}/${mhz(g.maxSmClockMHz)} MHz, application clock ${mhz(g.appSmClockMHz)} (default ${mhz(g.defaultAppSmClockMHz)}), power limit ${watts(g.powerLimitW)}/${watts(g.defaultPowerLimitW)} W, ${g.temperatureC ?? '?'} °C, clock events: ${g.clockEventReasons.map(clean).join(', ') || 'none'}`));
  }
  for (const p of system.gpu.processes) lines.push(row('GPU process', `${clean(p.name)} (${p.pid})${p.usedMiB !== null ? ` ${p.usedMiB} MiB` : ''}`));
  return lines.join('\n');
}

function cpuList(cpus: readonly number[]): string {
  return formatCpuList([...cpus]);
}
