// Parsing of the Linux files the pre-flight and the telemetry read (/sys/devices/system/cpu,
// /proc). Pure: the profiler reads the files and passes their text, so Intel, AMD and VM
// layouts are all tested on synthetic trees.
//
// A file that is missing or unreadable yields null or an empty list, never a guess.

import type { BoostState, CpuCoreReading, CpuState } from './system';

const SYS_CPU = '/sys/devices/system/cpu';

/** Where boost is switched off, in the order interpretCpuFreq trusts them. */
export const BOOST_FILES = {
  intelNoTurbo: `${SYS_CPU}/intel_pstate/no_turbo`,
  cpufreqBoost: `${SYS_CPU}/cpufreq/boost`,
} as const;

/** The per-CPU cpufreq file `name` (e.g. "scaling_governor") of CPU `cpu`. */
export function cpufreqPath(cpu: number, name: string): string {
  return `${SYS_CPU}/cpu${cpu}/cpufreq/${name}`;
}

const CORE_FILES = ['scaling_governor', 'scaling_cur_freq', 'cpuinfo_cur_freq', 'cpuinfo_max_freq', 'scaling_min_freq', 'scaling_max_freq'] as const;

/** Every file interpretCpuFreq looks at for these CPUs, so a reader knows what to read. */
export function cpuFreqPaths(cpus: readonly number[]): string[] {
  return [...cpus.flatMap((cpu) => CORE_FILES.map((f) => cpufreqPath(cpu, f))), BOOST_FILES.intelNoTurbo, BOOST_FILES.cpufreqBoost];
}

function trimmed(s: string | undefined): string | null {
  if (s === undefined) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

/** sysfs frequencies are in kHz. */
function kHzToMHz(s: string | undefined): number | null {
  const t = trimmed(s);
  if (t === null || !/^\d+$/.test(t)) return null;
  return Number(t) / 1000;
}

/**
 * The cpufreq state of `cpus` from the contents of the files cpuFreqPaths names (`files` maps
 * absolute path → content; undefined or absent = missing).
 *
 * A CPU is listed in `cores` when any of its cpufreq files was read; `cpufreq` is true when
 * at least one was. The current frequency is scaling_cur_freq, else cpuinfo_cur_freq (some
 * drivers expose only the latter).
 *
 * Boost: intel_pstate/no_turbo is trusted first, as on intel_pstate machines cpufreq/boost is
 * absent or ignored; "1" means turbo is forbidden, so boost 'off'. Then cpufreq/boost
 * (acpi-cpufreq, amd-pstate in passive mode): "1" is 'on'. Anything else is 'unknown'.
 */
export function interpretCpuFreq(
  files: Readonly<Record<string, string | undefined>>,
  cpus: readonly number[],
): Pick<CpuState, 'cpufreq' | 'cores' | 'boost' | 'boostSource'> {
  const cores: CpuCoreReading[] = [];
  for (const cpu of cpus) {
    const f = (name: string): string | undefined => files[cpufreqPath(cpu, name)];
    if (CORE_FILES.every((name) => f(name) === undefined)) continue;
    cores.push({
      cpu,
      governor: trimmed(f('scaling_governor')),
      curMHz: kHzToMHz(f('scaling_cur_freq')) ?? kHzToMHz(f('cpuinfo_cur_freq')),
      maxMHz: kHzToMHz(f('cpuinfo_max_freq')),
      scalingMinMHz: kHzToMHz(f('scaling_min_freq')),
      scalingMaxMHz: kHzToMHz(f('scaling_max_freq')),
    });
  }

  let boost: BoostState = 'unknown';
  let boostSource: string | null = null;
  const noTurbo = trimmed(files[BOOST_FILES.intelNoTurbo]);
  const cpufreqBoost = trimmed(files[BOOST_FILES.cpufreqBoost]);
  if (noTurbo === '0' || noTurbo === '1') {
    boost = noTurbo === '1' ? 'off' : 'on';
    boostSource = 'intel_pstate/no_turbo';
  } else if (cpufreqBoost === '0' || cpufreqBoost === '1') {
    boost = cpufreqBoost === '1' ? 'on' : 'off';
    boostSource = 'cpufreq/boost';
  }
  return { cpufreq: cores.length > 0, cores, boost, boostSource };
}

/**
 * "cpu MHz" of each processor in /proc/cpuinfo, in file (= processor number) order. Empty on
 * architectures that do not print it (most ARM kernels). On VMs it is often the nominal
 * frequency the hypervisor advertises, not a measurement.
 */
export function parseCpuinfoMHz(text: string): number[] {
  const out: number[] = [];
  const re = /^cpu MHz\s*:\s*([\d.]+)\s*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(Number(m[1]));
  return out;
}

/** The 1, 5 and 15 minute load averages from /proc/loadavg; null when the text is not one. */
export function parseLoadavg(text: string): [number, number, number] | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export interface MeminfoReading {
  totalBytes: number | null;
  /** MemAvailable: the kernel's estimate of what can be allocated without swapping (3.14+). */
  availableBytes: number | null;
  swapTotalBytes: number | null;
  swapFreeBytes: number | null;
}

/** The fields of /proc/meminfo the pre-flight uses, in bytes (the file says "kB" and means KiB). */
export function parseMeminfo(text: string): MeminfoReading {
  const field = (name: string): number | null => {
    const m = new RegExp(`^${name}:\\s*(\\d+)\\s*kB\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  return {
    totalBytes: field('MemTotal'),
    availableBytes: field('MemAvailable'),
    swapTotalBytes: field('SwapTotal'),
    swapFreeBytes: field('SwapFree'),
  };
}

export interface PressureLine {
  /** Percent of wall time in which tasks stalled, averaged over 10, 60 and 300 s. */
  avg10: number;
  avg60: number;
  avg300: number;
  /** Total stall time in µs since boot. */
  totalUs: number;
}

/**
 * A PSI file (/proc/pressure/memory, …/cpu, …/io): "some" = at least one task stalled,
 * "full" = all non-idle tasks stalled. A line that is absent (cpu had no "full" before 5.13) or
 * malformed is null.
 */
export function parsePressure(text: string): { some: PressureLine | null; full: PressureLine | null } {
  const line = (kind: string): PressureLine | null => {
    const m = new RegExp(`^${kind}\\s+avg10=([\\d.]+)\\s+avg60=([\\d.]+)\\s+avg300=([\\d.]+)\\s+total=(\\d+)\\s*$`, 'm').exec(text);
    return m ? { avg10: Number(m[1]), avg60: Number(m[2]), avg300: Number(m[3]), totalUs: Number(m[4]) } : null;
  };
  return { some: line('some'), full: line('full') };
}

const MAX_CPU = 8191;

/**
 * A kernel CPU list ("0-3,8,10-11", the format of Cpus_allowed_list, /sys/…/cpu/online and
 * taskset -c) as ascending, distinct CPU numbers. Whitespace around items is ignored; an empty
 * list is [].
 *
 * @throws RangeError on anything else, naming the offending item.
 */
export function parseCpuList(list: string): number[] {
  const t = list.trim();
  if (t === '') return [];
  const cpus = new Set<number>();
  for (const raw of t.split(',')) {
    const item = raw.trim();
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new RangeError(`CPU list "${list}": "${item}" is not a CPU number or range`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new RangeError(`CPU list "${list}": range "${item}" is reversed`);
    // Linux builds for at most 8192 CPUs; a larger number is a typo that would allocate millions.
    if (hi > MAX_CPU) throw new RangeError(`CPU list "${list}": ${hi} is beyond any CPU number Linux supports`);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * CPU numbers in the kernel's list format, ranges collapsed: [0, 1, 2, 3, 8, 10, 11] →
 * "0-3,8,10-11". Order and duplicates in the input do not matter.
 *
 * @throws RangeError for a CPU that is not a non-negative integer.
 */
export function formatCpuList(cpus: readonly number[]): string {
  for (const c of cpus) if (!Number.isInteger(c) || c < 0) throw new RangeError(`not a CPU number: ${c}`);
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Cpus_allowed_list from /proc/<pid>/status: the CPUs the scheduler may run that task on. */
export function parseStatusCpusAllowed(statusText: string): number[] | null {
  const m = /^Cpus_allowed_list:\s*(.*)$/m.exec(statusText);
  if (!m) return null;
  try {
    return parseCpuList(m[1]!);
  } catch {
    return null;
  }
}

/**
 * The soft "Max open files" limit from /proc/<pid>/limits. "unlimited" reads as null: Linux
 * caps RLIMIT_NOFILE at fs.nr_open, so the file never says it for this limit in practice.
 */
export function parseOpenFilesLimit(limitsText: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (!m || !/^\d+$/.test(m[1]!)) return null;
  return Number(m[1]);
}

export interface PidStat {
  pid: number;
  ppid: number;
  /** The kernel's name for the task (at most 15 characters), as top shows it. */
  comm: string;
  /** utime + stime, in clock ticks (USER_HZ). */
  cpuTicks: number;
}

/**
 * /proc/<pid>/stat. The name is cut at the LAST ")" because it may itself hold spaces and
 * parentheses (e.g. "(tmux: server)", "(a) b)"); null for text that is not a stat line.
 */
export function parsePidStat(text: string): PidStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After the name: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { pid, ppid, comm: text.slice(open + 1, close), cpuTicks: utime + stime };
}

/**
 * Clock ticks all CPUs together have spent since boot, from the "cpu" line of /proc/stat
 * (user nice system idle iowait irq softirq steal; guest time is already inside user and nice).
 * The same unit as PidStat.cpuTicks, so a process's share needs no USER_HZ.
 */
export function parseStatCpuTotal(text: string): number | null {
  const m = /^cpu\s+(\d+(?:\s+\d+)*)/m.exec(text);
  if (!m) return null;
  return m[1]!
    .split(/\s+/)
    .slice(0, 8)
    .reduce((sum, v) => sum + Number(v), 0);
}
