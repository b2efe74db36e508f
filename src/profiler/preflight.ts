// The pre-flight: what the machine looks like just before a benchmark (frequency scaling,
// boost, load, memory, GPUs, competing processes) and how noisy it is at rest, so the verdicts
// can say whether the numbers about to be measured can be trusted.
//
// Every reading may be missing (a VM without cpufreq, a Mac, a host without nvidia-smi): the
// pre-flight never throws for that; the reading is null or empty and the verdicts say "cannot
// verify".

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import si from 'systeminformation';
import {
  COMPUTE_APPS_FIELDS,
  GPU_QUERY_FIELDS,
  isInvalidFieldError,
  parseComputeApps,
  parseGpuQuery,
  withLegacyClockEventField,
} from '../core/nvidiaSmi';
import {
  cpuFreqPaths,
  cpufreqPath,
  interpretCpuFreq,
  parseCpuList,
  parseCpuinfoMHz,
  parseLoadavg,
  parseMeminfo,
  parseOpenFilesLimit,
  parsePressure,
  parsePidStat,
  parseStatCpuTotal,
  parseStatusCpusAllowed,
  type PidStat,
} from '../core/procReadings';
import { summarize } from '../core/stats';
import type { BusyProcess, CpuState, GpuInventory, MemoryState, NoiseFloor, SystemSnapshot } from '../core/system';

export interface PreflightOptions {
  /** Time the noise-floor task (default true); ~0.2 s. */
  noiseFloor?: boolean;
  /** The nvidia-smi binary (default "nvidia-smi", looked up on PATH). */
  nvidiaSmi?: string;
  /** How long one nvidia-smi call may take before it counts as hung (default 5000 ms). */
  timeoutMs?: number;
}

/** Below this share of one CPU a process is background chatter (or one clock tick), not competition. */
const BUSY_MIN_PERCENT = 5;
const DEFAULT_TIMEOUT_MS = 5000;
const BUSIEST_COUNT = 5;
const NOISE_FLOOR_RUNS = 150;
const NOISE_TASK_TARGET_MS = 1;

export async function takePreflight(opts: PreflightOptions = {}): Promise<SystemSnapshot> {
  const linux = process.platform === 'linux';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const takenAt = new Date().toISOString();

  // The readings run side by side; the noise floor waits for them, since the children they
  // start (nvidia-smi; ps off Linux) would otherwise be part of the noise it measures. The
  // process baseline opens the window over which the busiest processes are measured; the noise
  // floor runs inside it.
  const firstProcesses = processBaseline(linux);
  const [files, gpu, openFilesLimit] = await Promise.all([
    linux ? readLinuxFiles() : Promise.resolve(undefined),
    readGpuInventory(opts.nvidiaSmi ?? 'nvidia-smi', timeoutMs),
    openFilesSoftLimit(linux, timeoutMs),
  ]);
  const first = await firstProcesses;

  const noiseFloor = opts.noiseFloor === false ? null : await measureNoiseFloor();
  const onlineCount = files?.online?.length ?? (os.cpus().length || 1);
  const busiest = first ? await busiestSince(first, onlineCount) : [];

  return {
    takenAt,
    platform: process.platform,
    cpu: cpuState(files, busiest),
    memory: memoryState(files),
    gpu,
    openFilesLimit,
    noiseFloor,
  };
}

// ---------------------------------------------------------------------------------------------
// Files

interface LinuxFiles {
  online: number[] | null;
  freq: Record<string, string | undefined>;
  cpuinfo?: string;
  loadavg?: string;
  meminfo?: string;
  pressureMemory?: string;
  status?: string;
  limits?: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(path, 'latin1');
  } catch {
    return undefined;
  }
}

async function readLinuxFiles(): Promise<LinuxFiles> {
  const onlineText = await readText('/sys/devices/system/cpu/online');
  let online: number[] | null = null;
  try {
    online = onlineText === undefined ? null : parseCpuList(onlineText);
  } catch {
    online = null;
  }
  const cpus = online ?? os.cpus().map((_, i) => i);
  // Without cpufreq on the first CPU (VMs, containers) there is none on the others either, and
  // six missing files per CPU on a large host are not worth opening.
  const hasCpufreq = cpus.length > 0 && (await readText(cpufreqPath(cpus[0]!, 'scaling_governor'))) !== undefined;
  // The boost files are outside the per-CPU folders, so they are read either way.
  const paths = cpuFreqPaths(hasCpufreq ? cpus : []);
  const [freqTexts, cpuinfo, loadavg, meminfo, pressureMemory, status, limits] = await Promise.all([
    Promise.all(paths.map(readText)),
    readText('/proc/cpuinfo'),
    readText('/proc/loadavg'),
    readText('/proc/meminfo'),
    readText('/proc/pressure/memory'),
    readText('/proc/self/status'),
    readText('/proc/self/limits'),
  ]);
  const freq: Record<string, string | undefined> = {};
  paths.forEach((p, i) => (freq[p] = freqTexts[i]));
  return { online, freq, cpuinfo, loadavg, meminfo, pressureMemory, status, limits };
}

function cpuState(files: LinuxFiles | undefined, busiest: BusyProcess[]): CpuState {
  const logicalCpus = os.cpus().length || (files?.online?.length ?? 0);
  if (!files) {
    // os.loadavg() is real on macOS and the BSDs; Windows has no load average and answers zeros.
    const load = os.loadavg();
    return {
      cpufreq: false,
      cores: [],
      boost: 'unknown',
      boostSource: null,
      cpuinfoMHz: [],
      loadAverage: process.platform === 'win32' ? null : [load[0]!, load[1]!, load[2]!],
      logicalCpus,
      affinity: null,
      busiest,
    };
  }
  const cpus = files.online ?? os.cpus().map((_, i) => i);
  return {
    ...interpretCpuFreq(files.freq, cpus),
    cpuinfoMHz: files.cpuinfo === undefined ? [] : parseCpuinfoMHz(files.cpuinfo),
    loadAverage: files.loadavg === undefined ? null : parseLoadavg(files.loadavg),
    logicalCpus,
    affinity: files.status === undefined ? null : parseStatusCpusAllowed(files.status),
    busiest,
  };
}

function memoryState(files: LinuxFiles | undefined): MemoryState {
  const mem = files?.meminfo === undefined ? undefined : parseMeminfo(files.meminfo);
  const psi = files?.pressureMemory === undefined ? undefined : parsePressure(files.pressureMemory);
  if (!mem) {
    return { totalBytes: os.totalmem(), availableBytes: os.freemem(), swapTotalBytes: null, swapUsedBytes: null, pressureSomeAvg10: null };
  }
  return {
    totalBytes: mem.totalBytes ?? os.totalmem(),
    availableBytes: mem.availableBytes,
    swapTotalBytes: mem.swapTotalBytes,
    swapUsedBytes: mem.swapTotalBytes !== null && mem.swapFreeBytes !== null ? mem.swapTotalBytes - mem.swapFreeBytes : null,
    pressureSomeAvg10: psi?.some?.avg10 ?? null,
  };
}

async function openFilesSoftLimit(linux: boolean, timeoutMs: number): Promise<number | null> {
  if (linux) {
    const limits = await readText('/proc/self/limits');
    return limits === undefined ? null : parseOpenFilesLimit(limits);
  }
  if (process.platform === 'win32') return null;
  // A child shell inherits this process's limits, so its `ulimit -n` is ours.
  const r = await runCommand('sh', ['-c', 'ulimit -n'], timeoutMs);
  if (r.kind !== 'ok') return null;
  const t = r.stdout.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

// ---------------------------------------------------------------------------------------------
// Child processes

type CommandOutcome =
  | { kind: 'ok'; stdout: string }
  | { kind: 'absent'; message: string }
  | { kind: 'failed'; message: string }
  | { kind: 'timeout' };

const MAX_OUTPUT_BYTES = 1 << 20;

/**
 * Runs a command and collects its output. On timeout the child is killed and the promise
 * settles at once, without waiting for its pipes to close: a wrapper script's grandchild may
 * hold them open long after the child itself is gone.
 */
function runCommand(bin: string, args: readonly string[], timeoutMs: number): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (o: CommandOutcome): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(o);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      finish({ kind: 'failed', message: `could not run ${bin}: ${(e as Error).message}` });
      return;
    }
    child.stdout?.on('data', (b: Buffer) => {
      if (outBytes < MAX_OUTPUT_BYTES) out.push(b);
      outBytes += b.length;
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (errBytes < MAX_OUTPUT_BYTES) err.push(b);
      errBytes += b.length;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(e.code === 'ENOENT' ? { kind: 'absent', message: `${bin} was not found` } : { kind: 'failed', message: `could not run ${bin}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) return finish({ kind: 'ok', stdout });
      // nvidia-smi writes most of its failures ("NVIDIA-SMI has failed because…") to stdout.
      const said = Buffer.concat(err).toString('utf8').trim() || stdout.trim();
      const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      finish({ kind: 'failed', message: said ? `${bin} ${how}: ${said}` : `${bin} ${how}` });
    });
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish({ kind: 'timeout' });
    }, timeoutMs);
  });
}

/**
 * The GPUs and their processes as nvidia-smi reports them. 'absent' when nvidia-smi is not
 * installed or sees no GPU; 'error' with nvidia-smi's own words when it fails or hangs (a
 * driver/library mismatch after an upgrade, a GPU fallen off the bus).
 */
export async function readGpuInventory(bin = 'nvidia-smi', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<GpuInventory> {
  const query = (fields: readonly string[]) => runCommand(bin, [`--query-gpu=${fields.join(',')}`, '--format=csv'], timeoutMs);
  // Asked alongside the GPU query: with persistence mode off each call initialises the driver,
  // which can take seconds, so two in a row would double that.
  const appsPromise = runCommand(bin, [`--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`, '--format=csv'], timeoutMs);
  let r = await query(GPU_QUERY_FIELDS);
  // Drivers before R535 know the clock event reasons only as clocks_throttle_reasons.
  if (r.kind === 'failed' && isInvalidFieldError(r.message)) r = await query(withLegacyClockEventField(GPU_QUERY_FIELDS));
  const apps = await appsPromise;

  switch (r.kind) {
    case 'absent':
      return { status: 'absent', message: r.message, gpus: [], processes: [] };
    case 'timeout':
      return { status: 'error', message: `${bin} did not answer within ${timeoutMs} ms`, gpus: [], processes: [] };
    case 'failed':
      // nvidia-smi installed (e.g. with the driver in a container image) but no GPU attached.
      if (/no devices were found/i.test(r.message)) return { status: 'absent', message: r.message, gpus: [], processes: [] };
      return { status: 'error', message: r.message, gpus: [], processes: [] };
    case 'ok':
      break;
  }
  let gpus;
  try {
    gpus = parseGpuQuery(r.stdout);
  } catch (e) {
    return { status: 'error', message: (e as Error).message, gpus: [], processes: [] };
  }
  if (gpus.length === 0) return { status: 'absent', message: `${bin} listed no GPUs`, gpus: [], processes: [] };
  if (apps.kind === 'ok') return { status: 'present', gpus, processes: parseComputeApps(apps.stdout) };
  const why = apps.kind === 'timeout' ? `no answer within ${timeoutMs} ms` : apps.message;
  return { status: 'present', message: `GPU processes could not be listed: ${why}`, gpus, processes: [] };
}

// ---------------------------------------------------------------------------------------------
// Busiest processes
//
// CPU shares need two readings of every process's CPU time some way apart. On Linux they are
// read from /proc/<pid>/stat directly: systeminformation's processes() spawns ps and then a
// shell running one cat per process, ~0.3 s per call on an idle 2-vCPU VM and 4-5 s on the same
// VM under load, against ~30 ms for reading the files. Other platforms have no /proc and use
// systeminformation.

/** The window over which CPU shares are measured; with 10 ms clock ticks, 2% of a CPU is one tick. */
const PROCESS_WINDOW_MS = 500;

type ProcessBaseline =
  | { kind: 'proc'; at: number; total: number | null; procs: Map<number, PidStat> }
  | { kind: 'si'; at: number };

async function processBaseline(linux: boolean): Promise<ProcessBaseline | undefined> {
  if (linux) return readProcStats();
  try {
    await si.processes();
    return { kind: 'si', at: Date.now() };
  } catch {
    return undefined;
  }
}

async function readProcStats(): Promise<ProcessBaseline & { kind: 'proc' }> {
  const at = Date.now();
  let pids: string[] = [];
  try {
    pids = (await fs.promises.readdir('/proc')).filter((d) => /^\d+$/.test(d));
  } catch {
    // No /proc mounted: no processes to report.
  }
  const [statText, ...texts] = await Promise.all([readText('/proc/stat'), ...pids.map((pid) => readText(`/proc/${pid}/stat`))]);
  const procs = new Map<number, PidStat>();
  for (const t of texts) {
    const p = t === undefined ? null : parsePidStat(t);
    if (p) procs.set(p.pid, p);
  }
  return { kind: 'proc', at, total: statText === undefined ? null : parseStatCpuTotal(statText), procs };
}

/**
 * The busiest processes since `baseline`, as percent of one CPU (top's scale), busiest first.
 *
 * This process and its descendants (nvidia-smi, the shells systeminformation starts) are left
 * out. The parent (the extension host, or the shell that ran the CLI) is kept: when it is busy
 * it competes for the same CPUs.
 */
async function busiestSince(baseline: ProcessBaseline, onlineCpus: number): Promise<BusyProcess[]> {
  // systeminformation also answers from a cache within 500 ms of its previous call.
  const wait = baseline.at + PROCESS_WINDOW_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  let busy: Array<BusyProcess & { parentPid: number }>;
  if (baseline.kind === 'proc') {
    const now = await readProcStats();
    const totalDelta = baseline.total !== null && now.total !== null ? now.total - baseline.total : 0;
    busy = [];
    for (const p of now.procs.values()) {
      const before = baseline.procs.get(p.pid);
      // A pid reused by another program within the window is not the same process.
      if (!before || before.comm !== p.comm) continue;
      const ticks = p.cpuTicks - before.cpuTicks;
      // Shares of all CPUs' ticks, times the CPU count: percent of one CPU, whatever USER_HZ is.
      const pct = totalDelta > 0 ? (ticks / totalDelta) * onlineCpus * 100 : 0;
      busy.push({ pid: p.pid, parentPid: p.ppid, name: p.comm, cpuPercent: pct });
    }
  } else {
    let list;
    try {
      list = (await si.processes()).list;
    } catch {
      return [];
    }
    // Off Linux systeminformation's figure is ps's %CPU, already per CPU.
    busy = list.map((p) => ({ pid: p.pid, parentPid: p.parentPid, name: p.name, cpuPercent: p.cpu }));
  }
  const ours = descendantsOf(process.pid, busy);
  return busy
    .filter((p) => !ours.has(p.pid) && Number.isFinite(p.cpuPercent) && p.cpuPercent >= BUSY_MIN_PERCENT)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, BUSIEST_COUNT)
    .map((p) => ({ pid: p.pid, name: p.name, cpuPercent: Math.round(p.cpuPercent * 10) / 10 }));
}

/** `root` and every process below it in the listing's parent links. */
function descendantsOf(root: number, list: ReadonlyArray<{ pid: number; parentPid: number }>): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of list) {
    const siblings = children.get(p.parentPid);
    if (siblings) siblings.push(p.pid);
    else children.set(p.parentPid, [p.pid]);
  }
  const out = new Set<number>([root]);
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.pop()!) ?? []) {
      if (!out.has(c)) {
        out.add(c);
        queue.push(c);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Noise floor

// Kept in a module variable so the JIT cannot drop the task's work as unused.
let sink = 0;
let calibratedReps: number | undefined;

/** Deterministic integer work (xorshift32): no allocation, no memory traffic beyond registers. */
function noiseTask(reps: number): number {
  let x = 0x2545f491;
  for (let i = 0; i < reps; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

function timeTask(reps: number): number {
  const t0 = performance.now();
  sink ^= noiseTask(reps);
  return performance.now() - t0;
}

/**
 * Repetitions for one ~1 ms task on this machine, measured once per process. The first timings
 * run in V8's interpreter, several times slower than the optimised loop, so the count is
 * refined on the optimised code until it holds.
 */
function calibrate(): number {
  if (calibratedReps !== undefined) return calibratedReps;
  let reps = 10_000;
  for (let i = 0; i < 20; i++) timeTask(reps);
  while (reps < 1e9 && timeTask(reps) < NOISE_TASK_TARGET_MS / 4) reps *= 2;
  for (let round = 0; round < 3; round++) {
    const ms = [0, 1, 2, 3, 4].map(() => timeTask(reps)).sort((a, b) => a - b)[2]!;
    reps = Math.max(1, Math.round((reps * NOISE_TASK_TARGET_MS) / Math.max(ms, 1e-3)));
  }
  calibratedReps = reps;
  return reps;
}

/**
 * Times the fixed task NOISE_FLOOR_RUNS times: its spread is the least variation any
 * measurement on this machine can show right now (scheduler, frequency, neighbours on a VM).
 * Yields to the event loop every ten tasks so the profiler still answers (a cancel) meanwhile.
 */
async function measureNoiseFloor(): Promise<NoiseFloor> {
  const reps = calibrate();
  timeTask(reps);
  const ms: number[] = [];
  for (let i = 0; i < NOISE_FLOOR_RUNS; i++) {
    ms.push(timeTask(reps));
    if (i % 10 === 9) await new Promise((r) => setImmediate(r));
  }
  const s = summarize(ms)!;
  return { cv: s.cv, runs: s.n, taskMs: s.p50Ms };
}
