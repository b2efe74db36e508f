// The machine the run was on: CPU clocks (RUN003), GPU clocks (RUN004), other work competing for
// it (RUN005) and throttling while measuring (RUN009), from the pre-flight snapshot and the
// telemetry.

import { formatBytes, formatPercent } from '../format';
import type { CpuCoreReading, GpuState, SystemSnapshot, TelemetrySample } from '../system';
import type { Verdict } from '../verdict';
import { clean, cpuList, fixSentence, isNum, mhz, mhzBare, noiseFloorLine, TUNE_SYSTEM, usesGpu, type RunData } from './common';

/** Pre-flight load average per CPU the profiler may use above which it competes for them. */
const LOAD_PER_CPU = 0.5;
/** Percent of one CPU another process must use to count as busy. */
const BUSY_PROCESS_PCT = 10;
/** PSI "some avg10" (percent of time stalled on memory) above which memory is under pressure. */
const MEMORY_PSI = 10;
/** An SM clock range over this fraction of the maximum means the GPU clock moved. */
const GPU_CLOCK_RANGE = 0.02;
/** CPU clock this fraction below the pre-flight maximum during measurement suggests throttling. */
const CPU_CLOCK_DROP = 0.1;

/** clocks_event_reasons that mean the GPU was slowed by heat or power, not by being idle. */
const THROTTLE_REASONS = new Set([
  'sw_thermal_slowdown',
  'hw_thermal_slowdown',
  'sw_power_cap',
  'hw_power_brake_slowdown',
  'hw_slowdown',
]);

// RUN003 ---------------------------------------------------------------------------------------

export function cpuClocks(r: RunData): Verdict[] {
  const sys = r.system;
  if (!sys) {
    return [
      {
        code: 'RUN003',
        severity: 'warning',
        title: 'CPU clocks cannot be verified',
        message:
          'The pre-flight readings are missing, so nothing is known about the CPU clocks, the load or the GPU during this run: ' +
          'machine noise cannot be told apart from the model’s own variation.',
        evidence: ['no pre-flight snapshot in the result'],
        fix: "Rerun; if the readings keep failing, 'Latency: Show Log' says why.",
      },
    ];
  }
  const cpu = sys.cpu;
  if (!cpu.cpufreq) {
    const evidence = ['/sys/devices/system/cpu/cpu0/cpufreq is absent'];
    const mhz = distinctRounded(cpu.cpuinfoMHz);
    if (mhz.length > 0) {
      evidence.push(
        `/proc/cpuinfo reports ${mhz.map((m) => `${m} MHz`).join(', ')} on ${cpu.cpuinfoMHz.length} CPUs (on VMs often a fixed nominal figure, not the live clock)`,
      );
    }
    if (sys.noiseFloor) evidence.push(noiseFloorLine(sys));
    return [
      {
        code: 'RUN003',
        severity: 'warning',
        title: 'CPU clocks cannot be verified',
        message:
          'This machine exposes no cpufreq (typical of VMs and containers, where the host sets the clocks), so whether the CPU ' +
          'ran at a steady clock cannot be checked: clock changes on the host show up here as unexplained variation.',
        evidence,
        fix:
          'Nothing can be set from inside. Pin the profiler (latency.cpuAffinity, CLI --cpus) and use ' +
          'latency.session.intraOpNumThreads 1 for small models to reduce the noise; compare runs only on the same instance type.',
      },
    ];
  }

  const cores = profilerCores(r, sys);
  const byGovernor = new Map<string, number[]>();
  for (const c of cores) {
    if (c.governor === 'performance') continue;
    const g = c.governor === null ? '(unreadable)' : clean(c.governor);
    byGovernor.set(g, [...(byGovernor.get(g) ?? []), c.cpu]);
  }
  const evidence: string[] = [];
  const parts: string[] = [];
  for (const [governor, cpus] of byGovernor) evidence.push(`governor ${governor} on CPU${cpus.length > 1 ? 's' : ''} ${cpuList(cpus)}`);
  if (byGovernor.size > 0) {
    const range = clockRange(cores);
    if (range) evidence.push(range);
    parts.push(
      "The CPU frequency governor is not 'performance' on the profiler's CPUs, so the clock follows the load: runs after an idle gap " +
        'start at a lower clock, which shows up as spread and slow runs.',
    );
  }
  if (cpu.boost === 'on') {
    evidence.push(`turbo/boost on (${cpu.boostSource === null ? 'source unknown' : clean(cpu.boostSource)})`);
    parts.push(
      'Turbo boost is on, so the clock depends on temperature, power and how many cores are busy: a short cool run is faster ' +
        'than a long hot one.',
    );
  }
  if (parts.length > 0) {
    return [
      {
        code: 'RUN003',
        severity: 'warning',
        title: 'CPU clocks unlocked',
        message: parts.join(' '),
        evidence,
        fix: `${TUNE_SYSTEM} to set the performance governor and turn turbo off (it shows each sudo command and writes a restore script); or sudo cpupower frequency-set -g performance.`,
      },
    ];
  }
  if (cpu.boost === 'unknown') {
    return [
      {
        code: 'RUN003',
        severity: 'info',
        title: 'CPU boost state unknown',
        message:
          "The governor is 'performance', but whether turbo boost is on could not be read, so the clock may still depend on temperature and load.",
        evidence: ['neither intel_pstate/no_turbo nor cpufreq/boost could be read'],
        fix: 'Check your firmware or driver for a boost switch; on AMD with amd-pstate in active mode, set the energy preference to performance.',
      },
    ];
  }
  return [];
}

/** The cpufreq readings of the CPUs the profiler may run on (all of them when that is unknown). */
function profilerCores(r: RunData, sys: SystemSnapshot): CpuCoreReading[] {
  const allowed = sys.cpu.affinity ?? r.config.cpuAffinity;
  if (!allowed || allowed.length === 0) return sys.cpu.cores;
  const set = new Set(allowed);
  const mine = sys.cpu.cores.filter((c) => set.has(c.cpu));
  return mine.length > 0 ? mine : sys.cpu.cores;
}

function clockRange(cores: readonly CpuCoreReading[]): string | null {
  const cur = cores.map((c) => c.curMHz).filter(isNum);
  const max = cores.map((c) => c.maxMHz).filter(isNum);
  if (cur.length === 0) return null;
  const lo = Math.round(Math.min(...cur));
  const hi = Math.round(Math.max(...cur));
  const now = lo === hi ? `${lo} MHz` : `${lo}–${hi} MHz`;
  return `clock at pre-flight ${now}${max.length > 0 ? ` (hardware maximum ${Math.round(Math.max(...max))} MHz)` : ''}`;
}

// RUN004 ---------------------------------------------------------------------------------------

export function gpuClocks(r: RunData): Verdict[] {
  const sys = r.system;
  if (!sys || !usesGpu(r)) return [];
  const inv = sys.gpu;
  if (inv.status !== 'present') {
    const why = inv.status === 'error' ? `nvidia-smi failed${inv.message ? `: ${clean(inv.message)}` : ''}` : 'no nvidia-smi found';
    return [
      {
        code: 'RUN004',
        severity: inv.status === 'error' ? 'warning' : 'info',
        title: 'GPU clocks unknown',
        message: 'The run used a GPU but the GPU could not be read, so whether its clocks held steady cannot be checked.',
        evidence: [r.config.session ? `execution providers ${r.config.session.executionProviders.map(clean).join(', ')}` : 'the function used CUDA', why],
        fix: 'On NVIDIA GPUs make nvidia-smi available to the profiler (it ships with the driver); other vendors are not read yet.',
      },
    ];
  }

  const measure = r.telemetry.filter((t) => t.phase === 'measure');
  const evidence: string[] = [];
  const commands: string[] = [];
  for (const g of runGpus(inv.gpus, measure)) {
    const problems: string[] = [];
    if (g.persistenceMode === 'off') problems.push(`GPU ${g.index}: persistence mode off`);
    const sm = measure.flatMap((t) => t.gpus.filter((x) => x.index === g.index).map((x) => x.smClockMHz)).filter(isNum);
    if (sm.length >= 2) {
      const lo = Math.min(...sm);
      const hi = Math.max(...sm);
      const ref = g.maxSmClockMHz ?? hi;
      if (ref > 0 && hi - lo > GPU_CLOCK_RANGE * ref) {
        problems.push(`GPU ${g.index}: SM clock ranged ${mhzBare(lo)}–${mhz(hi)} during measurement (maximum ${mhz(ref)})`);
      }
    }
    if (isNum(g.appSmClockMHz) && isNum(g.maxSmClockMHz) && g.appSmClockMHz < g.maxSmClockMHz) {
      problems.push(`GPU ${g.index}: application clock ${mhz(g.appSmClockMHz)} below the maximum ${mhz(g.maxSmClockMHz)}`);
    }
    if (isNum(g.powerLimitW) && isNum(g.defaultPowerLimitW) && g.powerLimitW < g.defaultPowerLimitW) {
      problems.push(`GPU ${g.index}: power limit ${watts(g.powerLimitW)} below the default ${watts(g.defaultPowerLimitW)}`);
    }
    if (problems.length === 0) continue;
    evidence.push(...problems);
    const lock = g.defaultAppSmClockMHz ?? g.maxSmClockMHz;
    const cmds = g.persistenceMode === 'on' ? [] : [`sudo nvidia-smi -i ${g.index} -pm 1`];
    if (isNum(lock)) cmds.push(`sudo nvidia-smi -i ${g.index} -lgc ${Math.round(lock)},${Math.round(lock)}`);
    commands.push(...cmds);
  }
  if (evidence.length === 0) return [];
  return [
    {
      code: 'RUN004',
      severity: 'warning',
      title: 'GPU clocks unlocked',
      message:
        'The GPU’s clocks were not held fixed, so kernel times follow whatever clock the driver picked at each moment: ' +
        'the same model reads faster or slower depending on temperature, power and what ran just before.',
      evidence,
      fix:
        `${TUNE_SYSTEM} (persistence mode on, power limit back to default, SM clocks locked with nvidia-smi -lgc)` +
        (commands.length > 0 ? `; by hand: ${commands.join('; ')}.` : '.'),
    },
  ];
}

/** The GPUs telemetry watched during the run (the ones in use), else every GPU found. */
function runGpus(gpus: readonly GpuState[], measure: readonly TelemetrySample[]): GpuState[] {
  const watched = new Set(measure.flatMap((t) => t.gpus.map((g) => g.index)));
  if (watched.size === 0) return [...gpus];
  const mine = gpus.filter((g) => watched.has(g.index));
  return mine.length > 0 ? mine : [...gpus];
}

// RUN005 ---------------------------------------------------------------------------------------

export function backgroundLoad(r: RunData): Verdict[] {
  const sys = r.system;
  if (!sys) return [];
  const cpu = sys.cpu;
  const allowed = cpu.affinity?.length || r.config.cpuAffinity?.length || cpu.logicalCpus;
  const evidence: string[] = [];
  let busy = false;

  const load1 = cpu.loadAverage?.[0];
  if (isNum(load1) && allowed > 0 && load1 / allowed > LOAD_PER_CPU) {
    busy = true;
    evidence.push(`load average ${load1.toFixed(2)} (1 min) before the run, ${(load1 / allowed).toFixed(2)} per CPU over the ${allowed} the profiler may use`);
  }
  for (const p of cpu.busiest) {
    if (!(p.cpuPercent > BUSY_PROCESS_PCT)) continue;
    busy = true;
    evidence.push(`pid ${p.pid} ${clean(p.name)} at ${Math.round(p.cpuPercent)}% of a CPU`);
  }
  const measureLoad = r.telemetry.filter((t) => t.phase === 'measure').map((t) => t.load1).filter(isNum);
  if (measureLoad.length > 0) {
    // The run itself adds about one runnable thread per intra-op thread; only load beyond that is someone else's.
    // Without a session (Python, a command) the target's threads are unknown: assume it may use every CPU allowed.
    const threads = r.config.session?.intraOpNumThreads ?? 0;
    const own = threads > 0 ? threads : allowed;
    const before = isNum(load1) ? load1 : 0;
    const peak = Math.max(...measureLoad);
    if (peak - before > own + 1) {
      busy = true;
      evidence.push(`load average rose to ${peak.toFixed(2)} during measurement (${before.toFixed(2)} before), more than the profiler's own ~${own} threads explain`);
    }
  }
  const psi = sys.memory.pressureSomeAvg10;
  if (isNum(psi) && psi > MEMORY_PSI) {
    busy = true;
    evidence.push(`memory pressure: tasks stalled on memory ${psi.toFixed(1)}% of the last 10 s (PSI some avg10)`);
  }
  if (!busy) return [];
  // Swap in use can be old and harmless, so it only supports a verdict that fired anyway.
  const swap = sys.memory.swapUsedBytes;
  if (isNum(swap) && swap > 0) evidence.push(`swap in use: ${formatBytes(swap)}`);
  return [
    {
      code: 'RUN005',
      severity: 'warning',
      title: 'Background load',
      message:
        'Other work was running on the machine, so the benchmark shared CPUs, caches and memory bandwidth with it: its latencies ' +
        'include waiting for that work and will change when it does.',
      evidence,
      fix: 'Stop or pause the processes listed, or pin the profiler away from them (latency.cpuAffinity, CLI --cpus), then rerun.',
    },
  ];
}

// RUN009 ---------------------------------------------------------------------------------------

export function throttling(r: RunData): Verdict[] {
  const measure = r.telemetry.filter((t) => t.phase === 'measure');
  if (measure.length === 0) return [];
  const gpuEvidence = usesGpu(r) ? gpuThrottling(measure) : [];
  const cpuEvidence = cpuThrottling(r, measure);
  if (gpuEvidence.length === 0 && cpuEvidence.length === 0) return [];
  const gpu = gpuEvidence.length > 0;
  const parts: string[] = [];
  if (gpu) {
    parts.push(
      'The GPU reported thermal or power throttling while runs were measured, so these numbers were taken at reduced clocks: ' +
        'they are not the GPU’s speed and will not repeat on a cooler or better-powered run.',
    );
  }
  if (cpuEvidence.length > 0) {
    parts.push(
      `The CPU clock fell more than ${formatPercent(CPU_CLOCK_DROP)} below its pre-flight maximum while runs were measured, ` +
        'which points to thermal or power limits: the numbers depend on how hot the machine was.',
    );
  }
  const fixes: string[] = [];
  if (gpu) {
    fixes.push(
      `${TUNE_SYSTEM} to lock the GPU at a sustainable clock (nvidia-smi -lgc at the default application clock, below the boost maximum); ` +
        'check cooling and the power limit (nvidia-smi -q -d PERFORMANCE lists the reasons), then rerun',
    );
  }
  if (cpuEvidence.length > 0) {
    fixes.push('check cooling and power settings (laptops: plugged in, performance power profile); turning turbo off with Latency: Tune System… keeps the CPU below the clock that overheats');
  }
  return [
    {
      code: 'RUN009',
      severity: gpu ? 'error' : 'warning',
      title: gpu ? 'GPU throttled during measurement' : 'CPU clock fell during measurement',
      message: parts.join(' '),
      evidence: [...gpuEvidence, ...cpuEvidence],
      fix: fixSentence(fixes),
    },
  ];
}

function gpuThrottling(measure: readonly TelemetrySample[]): string[] {
  const perGpu = new Map<number, { hits: number; seen: number; reasons: Set<string>; firstRun: number; maxTemp: number | null; minSm: number | null }>();
  for (const t of measure) {
    for (const g of t.gpus) {
      const e = perGpu.get(g.index) ?? { hits: 0, seen: 0, reasons: new Set<string>(), firstRun: Infinity, maxTemp: null, minSm: null };
      e.seen++;
      const bad = g.clockEventReasons.filter((x) => THROTTLE_REASONS.has(x));
      if (bad.length > 0) {
        e.hits++;
        bad.forEach((x) => e.reasons.add(x));
        e.firstRun = Math.min(e.firstRun, t.run);
        if (isNum(g.smClockMHz)) e.minSm = Math.min(e.minSm ?? Infinity, g.smClockMHz);
      }
      if (isNum(g.temperatureC)) e.maxTemp = Math.max(e.maxTemp ?? -Infinity, g.temperatureC);
      perGpu.set(g.index, e);
    }
  }
  const out: string[] = [];
  for (const [index, e] of [...perGpu].sort((a, b) => a[0] - b[0])) {
    if (e.hits === 0) continue;
    out.push(
      `GPU ${index}: ${[...e.reasons].join(', ')} in ${e.hits} of ${e.seen} readings during measurement (from run ${e.firstRun})` +
        (e.minSm !== null ? `; SM clock down to ${mhz(e.minSm)} meanwhile` : '') +
        (e.maxTemp !== null ? `; peak ${Math.round(e.maxTemp)} °C` : ''),
    );
  }
  return out;
}

function cpuThrottling(r: RunData, measure: readonly TelemetrySample[]): string[] {
  const sys = r.system;
  if (!sys || !sys.cpu.cpufreq || sys.cpu.boost === 'on') return [];
  const cores = profilerCores(r, sys);
  // Under other governors, or with turbo on, the clock moves by design and RUN003 already says so;
  // a dip then is not evidence of throttling.
  if (cores.length === 0 || !cores.every((c) => c.governor === 'performance')) return [];
  const caps = cores.map((c) => c.scalingMaxMHz ?? c.maxMHz).filter(isNum);
  if (caps.length === 0) return [];
  const ref = Math.min(...caps);
  const readings = measure.map((t) => t.cpuMHz).filter(isNum);
  const low = readings.filter((x) => x < (1 - CPU_CLOCK_DROP) * ref);
  // One low reading can be an idle core caught between runs; two make a pattern.
  if (low.length < Math.min(2, readings.length) || low.length === 0) return [];
  return [
    `CPU clock (mean of the profiler's CPUs) fell to ${mhz(Math.min(...low))} in ${low.length} of ${readings.length} readings during measurement; pre-flight maximum ${mhz(ref)}`,
  ];
}

// Helpers --------------------------------------------------------------------------------------

function watts(x: number): string {
  return `${Number(x.toFixed(1))} W`;
}

function distinctRounded(values: readonly number[]): number[] {
  return [...new Set(values.filter(Number.isFinite).map((v) => Math.round(v)))].sort((a, b) => a - b);
}
