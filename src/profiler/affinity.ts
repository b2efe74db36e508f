// CPU pinning of the profiler process, so a benchmark runs on CPUs the user chose (and that
// nothing else was told to use).
//
// Node has no affinity API, so this shells out to taskset (util-linux, present on every
// mainstream distribution). `-a` applies the mask to every thread that exists now (V8's and
// libuv's pools); threads created later inherit the mask of the thread that creates them, and
// onnxruntime creates its intra- and inter-op pools when the session is created, so pinning
// before the session is created covers the threads that run the model.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { formatCpuList, parseCpuList, parseStatusCpusAllowed } from '../core/procReadings';

export type PinResult = { ok: true; affinity: number[] } | { ok: false; message: string };

/** The CPUs this process may run on (Cpus_allowed_list of /proc/self/status); null off Linux or when unreadable. */
export function currentAffinity(): number[] | null {
  if (process.platform !== 'linux') return null;
  try {
    return parseStatusCpusAllowed(fs.readFileSync('/proc/self/status', 'latin1'));
  } catch {
    return null;
  }
}

function onlineCpus(): number[] | null {
  try {
    return parseCpuList(fs.readFileSync('/sys/devices/system/cpu/online', 'latin1'));
  } catch {
    return null;
  }
}

/**
 * Pins this process and all its threads to `cpus`, then reads the mask back from the kernel.
 * Never throws: every failure is a message fit to show the user as is.
 */
export function pinToCpus(cpus: number[]): PinResult {
  if (process.platform !== 'linux') return { ok: false, message: `CPU pinning needs Linux (taskset); this is ${process.platform}.` };
  if (cpus.length === 0) return { ok: false, message: 'No CPUs given to pin to.' };
  const bad = cpus.filter((c) => !Number.isInteger(c) || c < 0);
  if (bad.length > 0) return { ok: false, message: `Not CPU numbers: ${bad.join(', ')}.` };
  const list = formatCpuList(cpus);

  // taskset's own message for an absent CPU is "failed to parse CPU list" or "Invalid argument",
  // which does not say which CPU; the online list does.
  const online = onlineCpus();
  if (online) {
    const absent = [...new Set(cpus)].filter((c) => !online.includes(c));
    if (absent.length > 0) {
      return { ok: false, message: `CPU ${formatCpuList(absent)} is not present on this machine (online CPUs: ${formatCpuList(online)}).` };
    }
  }

  const r = spawnSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { encoding: 'utf8', timeout: 5000 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, message: 'taskset was not found on PATH; it is part of util-linux (apt install util-linux, dnf install util-linux).' };
    return { ok: false, message: `taskset could not run: ${r.error.message}` };
  }
  if (r.status !== 0) {
    const said = (r.stderr || r.stdout || '').trim() || `exit code ${r.status ?? r.signal}`;
    // A CPU outside this process's cpuset (a container's --cpuset-cpus, a cgroup) is refused
    // with EINVAL even though it is online.
    const allowed = currentAffinity();
    const hint = allowed ? ` CPUs this process may use: ${formatCpuList(allowed)}.` : '';
    return { ok: false, message: `taskset could not pin to CPUs ${list}: ${said}.${hint}` };
  }

  const after = currentAffinity();
  if (!after) return { ok: false, message: 'taskset ran, but the CPU mask could not be read back from /proc/self/status.' };
  const wanted = parseCpuList(list);
  if (after.length !== wanted.length || after.some((c, i) => c !== wanted[i])) {
    return { ok: false, message: `Asked for CPUs ${list}, but the kernel reports ${formatCpuList(after)}.` };
  }
  return { ok: true, affinity: after };
}
