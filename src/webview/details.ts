// Everything needed to reproduce or compare the run: how it was stopped, session settings,
// exactly what was fed to each input, and the machine it ran on, as it was found before the
// run. A reading that could not be taken says so ("cannot verify"); it is never shown as fine.

import { formatBytes, formatMs, formatPercent } from '../core/format';
import { openLoopFacts } from '../core/loadText';
import type { BenchmarkResult, InputPlan, RunConfig, StopReason, StoppingOutcome } from '../core/result';
import type { GpuInventory, SystemSnapshot } from '../core/system';
import { formatCpuList } from '../core/procReadings';
import { formatCount, formatTimestamp, h, keyValueTable } from './dom';

type Row = { label: string; value: string; key?: string; title?: string };

export function renderDetails(container: HTMLElement, result: BenchmarkResult): void {
  const { config, environment: env } = result;
  const session = config.session;
  const threads = (n: number) => (n === 0 ? 'auto (onnxruntime decides)' : String(n));
  const started = Date.parse(result.startedAt);
  const finished = Date.parse(result.finishedAt);
  const elapsed = Number.isFinite(finished - started) ? formatMs(finished - started) : 'n/a';

  container.replaceChildren(
    h(
      'div',
      { className: 'detail-groups' },
      keyValueTable('Run', [
        { label: 'Iterations', value: formatCount(config.iterations) },
        { label: 'Warm-up', value: formatCount(config.warmup) },
        ...stoppingRows(config, result.stopping, result.summary !== null),
        ...(result.sampling
          ? [
              {
                label: 'Stored samples',
                value: `${formatCount(result.sampling.total)} measured; percentiles from a histogram (±${(result.sampling.relativeError * 100).toPrecision(2)}%); the charts show a random ${formatCount(result.sampling.stored)}`,
                key: 'sampling',
              },
            ]
          : []),
        { label: 'Pinned to', value: config.cpuAffinity ? `CPUs ${cpuList(config.cpuAffinity)}` : 'not pinned', key: 'pinned' },
        { label: 'Started', value: formatTimestamp(result.startedAt) },
        { label: 'Wall time', value: elapsed },
      ]),
      session
        ? keyValueTable('Session', [
            { label: 'Execution providers', value: session.executionProviders.join(', ') || 'default' },
            { label: 'Intra-op threads', value: threads(session.intraOpNumThreads) },
            { label: 'Inter-op threads', value: threads(session.interOpNumThreads) },
            { label: 'Graph optimization', value: session.graphOptimizationLevel },
            { label: 'Execution mode', value: session.executionMode },
          ])
        : keyValueTable(result.target.kind === 'python' ? 'Function' : result.target.kind === 'http' ? 'Endpoint' : 'Command', targetRows(result)),
      keyValueTable('Environment', [
        { label: 'OS', value: `${env.os} (${env.arch})` },
        { label: 'CPU', value: `${env.cpu} · ${formatCount(env.cpuCores)} cores` },
        { label: 'Memory', value: formatBytes(env.totalMemoryBytes) },
        { label: 'Node.js', value: env.node },
        ...(env.onnxruntime !== undefined ? [{ label: 'onnxruntime', value: env.onnxruntime }] : []),
        ...(env.python
          ? [
              { label: 'Python', value: `${env.python.version} (${env.python.executable})`, key: 'python' },
              ...Object.entries(env.python.packages).map(([name, version]) => ({ label: name, value: version })),
              ...(env.python.cuda ? [{ label: 'CUDA', value: `${env.python.cuda.device} · CUDA ${env.python.cuda.runtime ?? 'unknown'}${env.python.cuda.capability ? ` · sm ${env.python.cuda.capability}` : ''}` }] : []),
            ]
          : []),
        { label: 'Host', value: env.hostname },
      ]),
      result.system
        ? keyValueTable('System before the run', systemRows(result.system))
        : keyValueTable('System before the run', [{ label: 'Readings', value: 'not taken', key: 'sys-none', title: 'The pre-flight readings could not be taken, so nothing about the machine is verified' }]),
    ),
    ...(result.target.kind === 'onnx' ? [inputsTable(config.inputs)] : []),
    ...(result.system ? [busiestTable(result.system), gpuTable(result.system.gpu)] : []),
  );
}

/** What a Python function or a command target was, as run: what a rerun needs. */
function targetRows(result: BenchmarkResult): Row[] {
  const t = result.target;
  const memory = result.memory.cudaPeakAllocatedBytes !== undefined ? [{ label: 'CUDA peak allocated', value: formatBytes(result.memory.cudaPeakAllocatedBytes) }] : [];
  if (t.kind === 'python') {
    const { importMs, setupMs } = result.coldStart;
    return [
      { label: 'File', value: `${t.path}${t.line !== undefined ? `:${t.line}` : ''}` },
      { label: 'Function', value: t.function },
      { label: 'Setup', value: t.setup ?? 'none' },
      { label: 'Interpreter', value: t.interpreter },
      ...(importMs !== undefined ? [{ label: 'Import', value: formatMs(importMs) }] : []),
      ...(setupMs !== undefined ? [{ label: 'Setup time', value: formatMs(setupMs) }] : []),
      { label: 'CUDA synchronize', value: t.cudaSynchronized ? 'around every call' : 'no (no CUDA in use)', key: 'cuda-sync' },
      ...memory,
    ];
  }
  if (t.kind === 'http') {
    const e = result.errors;
    return [
      { label: 'URL', value: t.url },
      { label: 'Method', value: t.method },
      t.openLoop
        ? { label: 'In flight', value: `at most ${formatCount(t.concurrency)} (open loop)`, key: 'concurrency' }
        : { label: 'In flight', value: `${formatCount(t.concurrency)} (closed loop${result.sweep ? ', the reported level of the sweep' : ''})`, key: 'concurrency' },
      ...(result.openLoop ? openLoopFacts(result.openLoop).map(([label, value]) => ({ label: label.charAt(0).toUpperCase() + label.slice(1), value, key: `open-loop-${label.replace(/ /g, '-')}` })) : []),
      { label: 'Timeout', value: formatMs(t.timeoutMs) },
      ...(t.busyPoll ? [{ label: 'Client', value: 'busy-polled for answers (kept a CPU busy, read each answer as it arrived)', key: 'busy-poll' }] : []),
      { label: 'Success', value: t.expectedStatus ? `status ${t.expectedStatus.join(', ')}` : 'any 2xx status' },
      ...(e
        ? [
            { label: 'Failed requests', value: `${formatCount(e.count)} of ${formatCount(e.attempted)}`, key: 'errors' },
            ...Object.entries(e.byKind).map(([kind, n]) => ({ label: `· ${kind}`, value: formatCount(n ?? 0), key: `errors-${kind}` })),
            ...Object.entries(e.statuses).map(([status, n]) => ({ label: `· status ${status}`, value: formatCount(n) })),
            ...e.examples.slice(0, 3).map((x, i) => ({ label: i === 0 ? 'First errors' : '', value: x })),
          ]
        : []),
    ];
  }
  if (t.kind === 'command') {
    return [
      { label: 'Command', value: t.command },
      { label: 'Prepare', value: t.prepare ?? 'none' },
      { label: 'Shell', value: t.shell.join(' ') },
      { label: 'Shell start-up', value: `${formatMs(t.shellOverheadMs)} (subtracted from every run)`, key: 'shell-overhead' },
      { label: 'Folder', value: t.path },
    ];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Stopping

const STOP_REASON: Record<StopReason, string> = {
  iterations: 'configured iterations done',
  precision: 'target precision reached',
  maxIterations: 'iteration cap reached before the target precision',
  maxSeconds: 'time cap reached before the target precision',
  cancelled: 'cancelled',
  error: 'stopped by an error',
};

export function describeStopReason(reason: StopReason): string {
  return STOP_REASON[reason];
}

function stoppingRows(config: RunConfig, outcome: StoppingOutcome, measured: boolean): Row[] {
  const rule = config.stopping;
  const target = TARGET_LABEL[rule.targetPercentile];
  const mode =
    outcome.mode === 'adaptive'
      ? `adaptive: p50 and ${target} CIs within ±${formatPercent(rule.relativeHalfWidth)}`
      : `fixed count: ${formatCount(config.iterations)} runs`;
  const achieved = (x: number | null) => (x === null ? 'unbounded' : `±${formatPercent(x)}`);
  const rows: Row[] = [
    {
      label: 'Stopping',
      value: mode,
      key: 'stopping-mode',
      ...(outcome.mode === 'adaptive' ? { title: `At most ${formatCount(rule.maxIterations)} runs or ${formatCount(rule.maxSeconds)} s` } : {}),
    },
    { label: 'Stopped because', value: STOP_REASON[outcome.reason], key: 'stopping-reason' },
    {
      label: 'Precision reached',
      value: measured ? `p50 ${achieved(outcome.achieved.p50)} · ${target} ${achieved(outcome.achieved.target)}` : 'n/a (no measured runs)',
      key: 'stopping-precision',
      title: 'Half-width of each confidence interval relative to its estimate, at the end of the run',
    },
  ];
  return rows;
}

const TARGET_LABEL: Record<RunConfig['stopping']['targetPercentile'], string> = { p95: 'p95', p99: 'p99', p999: 'p99.9' };

// ---------------------------------------------------------------------------------------------
// System

/** "0–3, 8, 10–11": the taskset list, typeset for reading. */
export function cpuList(cpus: readonly number[]): string {
  return formatCpuList(cpus.filter((c) => Number.isInteger(c) && c >= 0)).replace(/-/g, '–').replace(/,/g, ', ');
}

const mhz = (x: number | null) => (x === null ? '?' : `${formatCount(x)} MHz`);

function systemRows(sys: SystemSnapshot): Row[] {
  const cpu = sys.cpu;
  const rows: Row[] = [];

  if (!cpu.cpufreq || cpu.cores.length === 0) {
    rows.push({ label: 'Governor', value: 'cannot verify (no cpufreq: VM or container)', key: 'sys-governor', title: 'Without cpufreq the frequency policy is the host’s; this machine cannot see or set it' });
  } else {
    const byGovernor = new Map<string, number>();
    for (const c of cpu.cores) byGovernor.set(c.governor ?? 'unknown', (byGovernor.get(c.governor ?? 'unknown') ?? 0) + 1);
    const value = [...byGovernor].map(([g, n]) => (byGovernor.size === 1 ? `${g} (all ${formatCount(n)} CPUs)` : `${g} ×${formatCount(n)}`)).join(', ');
    rows.push({ label: 'Governor', value, key: 'sys-governor' });
    const cur = cpu.cores.map((c) => c.curMHz).filter((x): x is number => x !== null);
    const max = cpu.cores.map((c) => c.maxMHz).filter((x): x is number => x !== null);
    if (cur.length > 0) {
      const lo = Math.min(...cur);
      const hi = Math.max(...cur);
      rows.push({ label: 'CPU clock', value: `${lo === hi ? mhz(lo) : `${formatCount(lo)}–${mhz(hi)}`}${max.length > 0 ? ` (max ${mhz(Math.max(...max))})` : ''}`, key: 'sys-cpu-clock' });
    }
  }
  rows.push({
    label: 'Boost',
    value: cpu.boost === 'unknown' ? 'cannot verify' : `${cpu.boost}${cpu.boostSource ? ` (${cpu.boostSource})` : ''}`,
    key: 'sys-boost',
  });
  rows.push({
    label: 'Load average',
    value: cpu.loadAverage ? `${cpu.loadAverage.map((x) => x.toFixed(2)).join(' · ')} on ${formatCount(cpu.logicalCpus)} CPUs` : 'cannot verify',
    key: 'sys-load',
    title: 'Runnable tasks over the last 1, 5 and 15 minutes',
  });
  rows.push({
    label: 'Affinity',
    value: cpu.affinity ? (cpu.affinity.length === cpu.logicalCpus ? `all ${formatCount(cpu.logicalCpus)} CPUs` : `CPUs ${cpuList(cpu.affinity)}`) : 'cannot verify',
    key: 'sys-affinity',
    title: 'The CPUs the profiler was allowed to run on',
  });

  const mem = sys.memory;
  const memParts = [mem.availableBytes === null ? `${formatBytes(mem.totalBytes)} total` : `${formatBytes(mem.availableBytes)} free of ${formatBytes(mem.totalBytes)}`];
  if (mem.swapUsedBytes !== null && mem.swapTotalBytes !== null && mem.swapTotalBytes > 0) memParts.push(`swap ${formatBytes(mem.swapUsedBytes)} used`);
  if (mem.pressureSomeAvg10 !== null) memParts.push(`pressure ${mem.pressureSomeAvg10.toFixed(1)}%`);
  rows.push({ label: 'Memory', value: memParts.join(' · '), key: 'sys-memory', title: 'Available memory, swap in use, and PSI “some avg10”: the share of time tasks stalled waiting for memory' });

  const nf = sys.noiseFloor;
  rows.push({
    label: 'Noise floor CV',
    value: nf ? formatPercent(nf.cv) : 'not measured',
    key: 'sys-noise',
    ...(nf ? { title: `${formatCount(nf.runs)} runs of a fixed CPU task of ${formatMs(nf.taskMs)}: the least variation this machine shows, so no benchmark on it can be steadier` } : {}),
  });
  return rows;
}

function busiestTable(sys: SystemSnapshot): HTMLElement {
  const busiest = sys.cpu.busiest;
  if (busiest.length === 0) return h('p', { className: 'note', attrs: { 'data-stat': 'sys-busiest' } }, 'Busiest processes: none found besides the profiler.');
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'grid-table busiest', attrs: { 'data-stat': 'sys-busiest' } },
      h('caption', {}, 'Busiest other processes before the run'),
      h('thead', {}, h('tr', {}, ...['Process', 'PID', 'CPU'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h('tbody', {}, ...busiest.map((p) => h('tr', {}, h('td', { className: 'mono' }, p.name), h('td', { className: 'num' }, String(p.pid)), h('td', { className: 'num' }, `${p.cpuPercent.toFixed(1)}%`)))),
    ),
  );
}

function gpuTable(inv: GpuInventory): HTMLElement {
  if (inv.status !== 'present' || inv.gpus.length === 0) {
    const text = inv.status === 'error' ? `GPUs: nvidia-smi failed${inv.message ? `: ${inv.message}` : ''}.` : 'GPUs: none found (no nvidia-smi or no NVIDIA GPU).';
    return h('p', { className: 'note', attrs: { 'data-stat': 'sys-gpus' } }, text);
  }
  const pair = (a: number | null, b: number | null, unit: string, sep: string) => (a === null && b === null ? '—' : `${a === null ? '?' : formatCount(a)}${sep}${b === null ? '?' : formatCount(b)} ${unit}`);
  const head = ['GPU', 'Persistence', 'SM clock (now / max)', 'App clock (set / default)', 'Power limit (set / default)', 'Temp.', 'Clock event reasons'];
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'grid-table gpus', attrs: { 'data-stat': 'sys-gpus' } },
      h('caption', {}, 'GPUs before the run'),
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...inv.gpus.map((g) =>
          h(
            'tr',
            {},
            h('td', {}, `${g.index}: ${g.name}`),
            h('td', {}, g.persistenceMode ?? 'cannot verify'),
            h('td', { className: 'num' }, pair(g.smClockMHz, g.maxSmClockMHz, 'MHz', ' / ')),
            h('td', { className: 'num' }, pair(g.appSmClockMHz, g.defaultAppSmClockMHz, 'MHz', ' / ')),
            h('td', { className: 'num' }, pair(g.powerLimitW, g.defaultPowerLimitW, 'W', ' / ')),
            h('td', { className: 'num' }, g.temperatureC === null ? '—' : `${formatCount(g.temperatureC)} °C`),
            h('td', { className: 'mono', ...(g.clockEventMask ? { attrs: { title: `mask ${g.clockEventMask}` } } : {}) }, g.clockEventReasons.join(', ') || 'none'),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Inputs

function inputsTable(inputs: InputPlan[]): HTMLElement {
  if (inputs.length === 0) return h('p', { className: 'note' }, 'The model declares no inputs.');
  const head = ['Input', 'Type', 'Shape fed', 'Declared', 'Values', 'Why this shape'];
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'inputs grid-table' },
      h('caption', {}, 'Inputs fed'),
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...inputs.map((input) =>
          h(
            'tr',
            {},
            h('td', { className: 'mono' }, input.name),
            h('td', { className: 'mono' }, input.type),
            h('td', { className: 'mono' }, `[${input.shape.join(', ')}]`),
            h('td', { className: 'mono' }, `[${input.declaredShape.join(', ')}]`),
            h('td', {}, describeFill(input.fill)),
            h('td', { className: 'notes' }, input.notes.join('; ') || '—'),
          ),
        ),
      ),
    ),
  );
}

function describeFill(fill: InputPlan['fill']): string {
  if (fill.kind === 'file') return `from ${fill.path}`;
  return fill.kind === 'constant'
    ? `constant ${JSON.stringify(fill.value)}`
    : `random in [${fill.low}, ${fill.high}), seed ${fill.seed}`;
}
