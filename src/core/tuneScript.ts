// "Latency: Tune System…": a bash script that fixes the clocks for benchmarking, and its twin
// that puts back what the pre-flight snapshot recorded. Pure text generation: nothing here runs
// anything, and the user reads both scripts before choosing to run one.
//
// The snapshot comes from the machine (and may come from a file a user was handed), so every
// value that reaches a command line is validated first: a crafted governor name or clock must
// not become shell. Text that only reaches comments is reduced to printable ASCII so it cannot
// end the comment line.

import { formatCpuList } from './procReadings';
import type { CpuCoreReading, GpuState, SystemSnapshot } from './system';

export interface TuneOptions {
  /** CPUs whose governor to set (default: every CPU with cpufreq); also shown in the pinning example. */
  cpus?: number[];
  /** GPUs to tune (default: every GPU nvidia-smi listed). */
  gpuIndices?: number[];
  /** SM clock to lock at, in MHz (default: each GPU's default application clock, else its maximum). */
  lockGpuClockMHz?: number;
}

export interface TuneScripts {
  /** Bash script that changes the settings, each privileged command with an explicit sudo. */
  tune: string;
  /** Bash script that puts back what the snapshot recorded for everything `tune` changes. */
  restore: string;
  /** What the scripts do and leave alone, in plain words, for the log or a message. */
  notes: string[];
}

const SYS_CPU = '/sys/devices/system/cpu';
/** The boost switches this module knows; the snapshot's boostSource names one of them. */
const BOOST_SWITCHES: Readonly<Record<string, { path: string; offValue: string; onValue: string }>> = {
  'intel_pstate/no_turbo': { path: `${SYS_CPU}/intel_pstate/no_turbo`, offValue: '1', onValue: '0' },
  'cpufreq/boost': { path: `${SYS_CPU}/cpufreq/boost`, offValue: '0', onValue: '1' },
};
/** Enough for an HTTP load test with thousands of connections; far below fs.nr_open defaults. */
const OPEN_FILES_TARGET = 65536;
/** Linux builds for at most 8192 CPUs. */
const MAX_CPU = 8191;
const MAX_GPU_INDEX = 1023;
const GOVERNOR_NAME = /^[a-z_]+$/;

/**
 * The tuning and restore scripts for the machine `system` describes.
 *
 * Tune: CPU governor → performance (each CPU with cpufreq, or `opts.cpus`), turbo off, a higher
 * open-files limit, and per NVIDIA GPU: persistence mode on, power limit back to its default,
 * SM clock locked. Settings already as wanted are left out (with a comment saying so), and so
 * are their restore lines. Without cpufreq (VMs, containers) there are no CPU commands at all:
 * the host owns the clocks. Pinning is a benchmark setting, not a system change, so it is only
 * described.
 *
 * Restore: each CPU's previous governor, the previous boost state, `nvidia-smi -rgc`, the
 * previous persistence mode and power limit.
 *
 * @throws RangeError when a value that would reach a command line is malformed (a governor
 *   that is not /^[a-z_]+$/, a CPU or GPU number, clock or power figure that is not a plain
 *   number in range): the snapshot is refused as a whole rather than half-trusted.
 */
export function buildTuneScripts(system: SystemSnapshot, opts: TuneOptions = {}): TuneScripts {
  const tune: string[] = header('tune the clocks for benchmarking', system);
  const restore: string[] = header('put back the settings recorded before tuning', system);
  const notes: string[] = [];
  let changes = 0;

  const wantedCpus = opts.cpus?.map((c) => cpuNumber(c, 'opts.cpus'));
  const lockOverride = opts.lockGpuClockMHz === undefined ? undefined : clockMHz(opts.lockGpuClockMHz, 'opts.lockGpuClockMHz');
  const wantedGpus = opts.gpuIndices?.map((g) => gpuIndex(g, 'opts.gpuIndices'));

  if (system.platform !== 'linux') {
    const line = `This snapshot comes from ${comment(system.platform)}: these scripts only know Linux (sysfs and nvidia-smi), so they change nothing.`;
    tune.push(`# ${line}`);
    restore.push(`# ${line}`);
    notes.push(line);
    return { tune: finish(tune), restore: finish(restore), notes };
  }

  // CPU ---------------------------------------------------------------------------------------
  section(tune, 'CPU clocks');
  section(restore, 'CPU clocks');
  if (!system.cpu.cpufreq) {
    const line =
      'This machine exposes no cpufreq (/sys/devices/system/cpu/cpu0/cpufreq is absent): a VM or container, where the host controls the clocks. ' +
      'There is no governor or turbo switch to set from inside.';
    tune.push(...wrapComment(line));
    restore.push('# No CPU settings were changed: this machine exposes no cpufreq.');
    notes.push(line);
  } else {
    changes += cpuGovernors(system.cpu.cores, wantedCpus, tune, restore, notes);
    changes += turbo(system, tune, restore, notes);
  }

  // Open files ----------------------------------------------------------------------------------
  const limit = system.openFilesLimit;
  if (limit === null || !(limit >= OPEN_FILES_TARGET)) {
    section(tune, 'Open files');
    tune.push(
      ...wrapComment(
        `Raise the open-files limit to ${OPEN_FILES_TARGET} (now ${limit === null ? 'unknown' : plainInteger(limit, 'openFilesLimit', 0, Number.MAX_SAFE_INTEGER)}). ` +
          'An HTTP load test opens one socket per connection and fails with "too many open files" (EMFILE) past this limit. ' +
          'ulimit applies only to the shell that runs it and what that shell starts: run this line in the shell you start the benchmark from, ' +
          'or set "nofile" in /etc/security/limits.conf to make it permanent. It needs no sudo up to the hard limit (ulimit -Hn).',
      ),
      `ulimit -n ${OPEN_FILES_TARGET} || echo "ulimit -n ${OPEN_FILES_TARGET} refused: the hard limit is lower; raise nofile in /etc/security/limits.conf" >&2`,
    );
    notes.push(`ulimit -n ${OPEN_FILES_TARGET} lasts only for the shell that runs it: start the benchmark from that shell, or set nofile in /etc/security/limits.conf.`);
  }

  // GPU -------------------------------------------------------------------------------------------
  if (system.gpu.status === 'present') {
    const known = new Map(system.gpu.gpus.map((g) => [gpuIndex(g.index, 'gpu.index'), g]));
    for (const i of wantedGpus ?? []) {
      if (!known.has(i)) notes.push(`GPU ${i} is not in the snapshot; left alone.`);
    }
    const gpus = wantedGpus ? wantedGpus.flatMap((i) => (known.has(i) ? [known.get(i)!] : [])) : [...known.values()];
    for (const g of gpus) changes += gpuSettings(g, lockOverride, tune, restore, notes);
  } else {
    const why = system.gpu.status === 'error' ? 'nvidia-smi failed, so GPU settings are unknown' : 'no NVIDIA GPU found (no nvidia-smi)';
    tune.push('', `# GPU: ${why}; nothing to set.`);
    if (wantedGpus && wantedGpus.length > 0) notes.push(`GPUs ${wantedGpus.join(', ')} were asked for, but ${why}.`);
  }

  // Pinning -------------------------------------------------------------------------------------
  const pinExample = formatCpuList(wantedCpus && wantedCpus.length > 0 ? wantedCpus : suggestedPinning(system));
  section(tune, 'Pinning (a benchmark setting, not a system change)');
  tune.push(
    ...wrapComment(
      `Running the benchmark on fixed CPUs keeps the scheduler from moving it between cores (cold caches, other tasks). ` +
        `Set latency.cpuAffinity to "${pinExample}" in the settings, or run: latency bench MODEL --cpus ${pinExample} ` +
        `(it uses taskset -c ${pinExample}). Nothing to run here.`,
    ),
  );
  notes.push(`Pinning is set per benchmark: latency.cpuAffinity "${pinExample}" or --cpus ${pinExample} (taskset), not by this script.`);

  if (changes === 0) {
    restore.push('', '# The tuning script changes nothing on this machine, so there is nothing to restore.');
    notes.push('Nothing on this machine needs changing, or nothing can be changed from inside it.');
  }
  return { tune: finish(tune), restore: finish(restore), notes };
}

/** Governor lines for the wanted CPUs; returns how many settings the tune script changes. */
function cpuGovernors(
  cores: readonly CpuCoreReading[],
  wanted: number[] | undefined,
  tune: string[],
  restore: string[],
  notes: string[],
): number {
  const byCpu = new Map<number, CpuCoreReading>();
  for (const c of cores) byCpu.set(cpuNumber(c.cpu, 'cpu.cores[].cpu'), c);
  // Validate every governor, not just the ones we touch: a snapshot with one crafted field is suspect throughout.
  for (const c of cores) if (c.governor !== null) governorName(c.governor, c.cpu);
  const targets = wanted ?? [...byCpu.keys()].sort((a, b) => a - b);

  const missing = targets.filter((c) => !byCpu.has(c));
  if (missing.length > 0) notes.push(`${cpusLabel(missing)}: no cpufreq reading; left alone.`);
  const present = targets.filter((c) => byCpu.has(c));
  const unknown = present.filter((c) => byCpu.get(c)!.governor === null);
  const already = present.filter((c) => byCpu.get(c)!.governor === 'performance');
  const toSet = present.filter((c) => {
    const g = byCpu.get(c)!.governor;
    return g !== null && g !== 'performance';
  });

  if (unknown.length > 0) {
    const line = `${cpusLabel(unknown)}: the governor could not be read, so it could not be restored; left alone.`;
    tune.push(`# ${line}`);
    notes.push(line);
  }
  if (already.length > 0) tune.push(`# ${cpusLabel(already)}: governor already "performance".`);
  if (toSet.length === 0) {
    restore.push('# No governor was changed.');
    return 0;
  }

  const before = groupBy(toSet, (c) => byCpu.get(c)!.governor!);
  tune.push(
    ...wrapComment(
      `Set the frequency governor of ${cpusLabel(toSet)} to "performance" (now: ${describeGroups(before)}). ` +
        'Other governors lower the clock when the CPU idles and raise it under load, so runs after a pause start slow and the spread grows; ' +
        '"performance" keeps the clock at the top of its range. Same effect for all CPUs: sudo cpupower frequency-set -g performance',
    ),
  );
  for (const c of toSet) tune.push(`echo performance | sudo tee ${SYS_CPU}/cpu${c}/cpufreq/scaling_governor >/dev/null`);

  for (const [governor, cpus] of before) {
    restore.push(`# Governor of ${cpusLabel(cpus)} back to "${governor}", as recorded.`);
    if (governor === 'userspace') restore.push('# (userspace also had a fixed speed in scaling_setspeed; it was not recorded, so set it again if you need it.)');
    for (const c of cpus) restore.push(`echo ${governor} | sudo tee ${SYS_CPU}/cpu${c}/cpufreq/scaling_governor >/dev/null`);
  }
  notes.push(`Governor → performance on ${cpusLabel(toSet)} (restore: ${describeGroups(before)}).`);
  return toSet.length;
}

function turbo(system: SystemSnapshot, tune: string[], restore: string[], notes: string[]): number {
  const { boost, boostSource } = system.cpu;
  const sw = boostSource === null ? undefined : BOOST_SWITCHES[boostSource];
  if (boost === 'off') {
    tune.push(`# Turbo boost is already off${sw ? ` (${boostSource})` : ''}.`);
    return 0;
  }
  if (boost !== 'on' || !sw) {
    const line =
      boost === 'on'
        ? `Turbo boost is on, but through a switch these scripts do not know (${comment(boostSource ?? 'unknown')}); left alone.`
        : 'The turbo boost state could not be read (neither intel_pstate/no_turbo nor cpufreq/boost), so it is left alone.';
    tune.push(`# ${line}`);
    notes.push(line);
    return 0;
  }
  tune.push(
    ...wrapComment(
      `Turn turbo boost off (${boostSource} = ${sw.offValue}; it was ${sw.onValue}). With turbo the clock depends on temperature, power and how many ` +
        'cores are busy, so a long run ends slower than it began and a cool machine beats a warm one. Without it the CPU holds its ' +
        'base clock: slower, but the same every run.',
    ),
    `echo ${sw.offValue} | sudo tee ${sw.path} >/dev/null`,
  );
  restore.push(`# Turbo boost back on (${boostSource} = ${sw.onValue}), as recorded.`, `echo ${sw.onValue} | sudo tee ${sw.path} >/dev/null`);
  notes.push(`Turbo off via ${boostSource} (restore: on).`);
  return 1;
}

function gpuSettings(g: GpuState, lockOverride: number | undefined, tune: string[], restore: string[], notes: string[]): number {
  const i = gpuIndex(g.index, 'gpu.index');
  const label = `GPU ${i} (${comment(g.name)})`;
  section(tune, label);
  section(restore, label);
  let changes = 0;

  if (g.persistenceMode === 'on') {
    tune.push('# Persistence mode is already on: the driver stays initialised between runs.');
    restore.push('# Persistence mode was on before tuning; it stays on.');
  } else {
    tune.push(
      ...wrapComment(
        'Turn persistence mode on. Without it the driver tears the GPU down when no process uses it, so each benchmark starts with ' +
          'driver initialisation and clocks ramping up from idle. (Where nvidia-persistenced is installed, enabling that service does the same.)',
      ),
      `sudo nvidia-smi -i ${i} -pm 1`,
    );
    if (g.persistenceMode === 'off') {
      restore.push('# Persistence mode back off, as recorded.', `sudo nvidia-smi -i ${i} -pm 0`);
    } else {
      restore.push('# Persistence mode before tuning could not be read; left on. Turn it off with: sudo nvidia-smi -i N -pm 0');
      notes.push(`GPU ${i}: persistence mode before tuning unknown; the restore script leaves it on.`);
    }
    changes++;
  }

  const limit = g.powerLimitW === null ? null : watts(g.powerLimitW, 'powerLimitW');
  const defaultLimit = g.defaultPowerLimitW === null ? null : watts(g.defaultPowerLimitW, 'defaultPowerLimitW');
  if (defaultLimit === null) {
    tune.push('# The default power limit could not be read; the power limit is left alone.');
  } else if (limit === defaultLimit) {
    tune.push(`# The power limit is already the default ${defaultLimit} W.`);
  } else {
    tune.push(
      ...wrapComment(
        `Set the power limit back to its default, ${defaultLimit} W (now ${limit ?? 'unknown'} W). A lower limit makes the GPU slow its clocks ` +
          'under load (sw_power_cap), so results depend on how hard the model pushes it.',
      ),
      `sudo nvidia-smi -i ${i} -pl ${defaultLimit}`,
    );
    if (limit !== null) restore.push(`# Power limit back to ${limit} W, as recorded.`, `sudo nvidia-smi -i ${i} -pl ${limit}`);
    else restore.push(`# The power limit before tuning could not be read; it stays at the default ${defaultLimit} W.`);
    changes++;
  }

  const maxSm = g.maxSmClockMHz === null ? null : clockMHz(g.maxSmClockMHz, 'maxSmClockMHz');
  const defaultApp = g.defaultAppSmClockMHz === null ? null : clockMHz(g.defaultAppSmClockMHz, 'defaultAppSmClockMHz');
  const lock = lockOverride ?? defaultApp ?? maxSm;
  if (lock === null) {
    tune.push('# Neither the default application clock nor the maximum SM clock could be read, so the SM clock is not locked.');
    notes.push(`GPU ${i}: no clock to lock at was found; pass one explicitly.`);
  } else {
    if (maxSm !== null && lock > maxSm) notes.push(`GPU ${i}: ${lock} MHz is above the maximum SM clock ${maxSm} MHz; nvidia-smi will refuse or clamp it.`);
    const why =
      lockOverride !== undefined
        ? 'the clock you chose'
        : defaultApp !== null
          ? `the default application clock${maxSm !== null && maxSm !== defaultApp ? `, below the ${maxSm} MHz boost maximum` : ''}`
          : 'the maximum SM clock (no default application clock was reported)';
    tune.push(
      ...wrapComment(
        `Lock the SM clock at ${lock} MHz (${why}). Unlocked, the clock boosts and drops with temperature and power, and kernel times follow it. ` +
          (maxSm !== null && lock >= maxSm
            ? 'This is also the maximum: if the power cap or the heat of a long run pulls the clock below it (clock event sw_power_cap or thermal in the results), lock lower, at a clock the GPU holds under load.'
            : 'A sustainable clock rather than the boost maximum keeps the GPU from throttling as it heats, so every run sees the same clock.'),
      ),
      `sudo nvidia-smi -i ${i} -lgc ${lock},${lock}`,
    );
    restore.push(
      ...wrapComment(
        'Unlock the SM clock. Whether clocks were locked before tuning is not recorded, so this returns them to the driver default (unlocked).',
      ),
      `sudo nvidia-smi -i ${i} -rgc`,
    );
    notes.push(`GPU ${i}: SM clock locked at ${lock} MHz (restore: nvidia-smi -rgc, which unlocks it; an earlier lock is not recorded).`);
    changes++;
  }
  return changes;
}

// Validation: every value that reaches a command line passes through one of these. ----------------

function plainInteger(x: unknown, what: string, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    throw new RangeError(`tune script: ${what} must be an integer in [${min}, ${max}], got ${JSON.stringify(x)}`);
  }
  return x;
}

function cpuNumber(x: unknown, what: string): number {
  return plainInteger(x, what, 0, MAX_CPU);
}

function gpuIndex(x: unknown, what: string): number {
  return plainInteger(x, what, 0, MAX_GPU_INDEX);
}

function clockMHz(x: unknown, what: string): number {
  return plainInteger(x, what, 1, 100_000);
}

/** Power limits may carry decimals (nvidia-smi prints "312.50 W"); printed with at most two. */
function watts(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > 100_000) {
    throw new RangeError(`tune script: ${what} must be a power in watts, got ${JSON.stringify(x)}`);
  }
  return Number(x.toFixed(2));
}

function governorName(g: unknown, cpu: number): string {
  if (typeof g !== 'string' || g.length > 32 || !GOVERNOR_NAME.test(g)) {
    throw new RangeError(`tune script: CPU ${cpu} governor ${JSON.stringify(g)} is not a governor name (lowercase letters and _)`);
  }
  return g;
}

// Text ----------------------------------------------------------------------------------------------

/** Printable ASCII only, so text in a comment cannot start a new (command) line. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** A value from the machine (a GPU name, a platform) for a comment: printable and short. */
function comment(text: string): string {
  const safe = printable(text);
  return safe.length > 80 ? `${safe.slice(0, 77)}...` : safe;
}

function header(purpose: string, system: SystemSnapshot): string[] {
  return [
    '#!/usr/bin/env bash',
    ...wrapComment(
      `Latency: Tune System - ${purpose}. Built from the readings taken at ${comment(system.takenAt)}. ` +
        'Read it before running it: each privileged command uses sudo explicitly, and nothing here runs unless you run it.',
    ),
    'set -euo pipefail',
  ];
}

function section(lines: string[], title: string): void {
  lines.push('', `# --- ${title} ---`);
}

/** A comment paragraph wrapped near 100 columns. */
function wrapComment(text: string, width = 100): string[] {
  const out: string[] = [];
  let line = '#';
  for (const word of printable(text).split(' ')) {
    if (line.length + 1 + word.length > width && line !== '#') {
      out.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  if (line !== '#') out.push(line);
  return out;
}

/**
 * CPUs worth pinning a benchmark to on this machine: the last two it may use, leaving CPU 0 (where
 * most interrupts and housekeeping land) alone; on one or two CPUs, the last.
 */
export function suggestedPinning(system: SystemSnapshot | null): number[] {
  const allowed = system?.cpu.affinity?.length ? system.cpu.affinity : Array.from({ length: Math.max(1, system?.cpu.logicalCpus ?? 4) }, (_, i) => i);
  return allowed.length >= 4 ? allowed.slice(-2) : allowed.slice(-1);
}

function finish(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function groupBy(cpus: readonly number[], key: (cpu: number) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of cpus) {
    const k = key(c);
    out.set(k, [...(out.get(k) ?? []), c]);
  }
  return out;
}

function cpusLabel(cpus: readonly number[]): string {
  return `${cpus.length === 1 ? 'CPU' : 'CPUs'} ${formatCpuList(cpus)}`;
}

function describeGroups(groups: Map<string, number[]>): string {
  return [...groups].map(([g, cpus]) => `${g} on ${formatCpuList(cpus)}`).join(', ');
}
