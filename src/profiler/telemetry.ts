// Readings taken while the benchmark runs (load, CPU frequency, GPU clocks, temperature, power,
// clock event reasons), each stamped with where in the run it was taken, so a drift in the
// latencies can be laid next to what the machine did at that moment.
//
// The sampler shares the event loop with the benchmark, and inference is async, so a tick can
// land inside a timed inference: a tick only does a few synchronous reads of small /proc and
// /sys files, through descriptors opened once (a read at offset 0 makes the kernel generate
// the contents afresh; open + read + close per tick cost about ten times more here), and its
// cost is measured (see overhead()). GPU readings come from ONE long-lived nvidia-smi that
// streams a line per GPU per interval: starting nvidia-smi per reading would cost tens of ms of
// CPU and a driver round trip every time, disturbing the very thing being measured.

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { isInvalidFieldError, parseTelemetryLine, TELEMETRY_FIELDS, withLegacyClockEventField } from '../core/nvidiaSmi';
import { cpufreqPath, parseCpuinfoMHz, parseCpuList, parseLoadavg } from '../core/procReadings';
import type { TelemetryGpu, TelemetrySample } from '../core/system';
import { currentAffinity } from './affinity';

const linux = process.platform === 'linux';

export type RunPhase = 'warmup' | 'measure';

/** Where the benchmark loop is; the sampler reads it at each tick. */
export interface RunPosition {
  phase: RunPhase;
  run: number;
}

export interface TelemetryOptions {
  intervalMs: number;
  /** The nvidia-smi binary (default "nvidia-smi" on PATH). */
  nvidiaSmi?: string;
  /** Whether the pre-flight found a GPU; without one no nvidia-smi is started. */
  gpuPresent: boolean;
  /**
   * A position object the benchmark loop updates in place (e.g. timedLoop's counter), read at
   * each tick; position() writes to it too. Default: one of the sampler's own.
   */
  where?: RunPosition;
  /**
   * 'timer' samples from setInterval; 'polled' only when sampleIfDue() is called. The benchmark
   * polls between runs: a timer callback fires while an inference is awaited, and its
   * 0.1–0.8 ms of work (measured on these VMs) would land inside that run's timing.
   */
  mode?: 'timer' | 'polled';
}

/** What the sampler itself cost the event loop, in µs of synchronous work. */
export interface TelemetryOverhead {
  ticks: number;
  meanTickUs: number;
  maxTickUs: number;
  /** Chunks of nvidia-smi output handled (a chunk is usually one reading's lines), and their cost. */
  gpuChunks: number;
  meanGpuChunkUs: number;
  maxGpuChunkUs: number;
}

/**
 * Reading every CPU's scaling_cur_freq on a 200-CPU host would make a tick cost milliseconds;
 * a spread sample of the affinity set tells the same story about frequency.
 */
const MAX_FREQ_CPUS = 16;
/** /proc/cpuinfo grows with the CPU count, and on some kernels reading it wakes every CPU to sample its clock: read it at most this often. */
const CPUINFO_MIN_INTERVAL_MS = 1000;
const MAX_LINE_BUFFER = 64 * 1024;
const MAX_CHILD_TEXT = 4096;

type CpuMHzSource = { kind: 'sysfs'; files: ProcFile[] } | { kind: 'cpuinfo'; cpus: number[] } | { kind: 'none' };

/** Shared by every ProcFile read: reads are synchronous, so one buffer is never in use twice. */
const READ_BUFFER = Buffer.alloc(256);

/** A small /proc or /sys file kept open and re-read at offset 0. */
class ProcFile {
  private fd: number | undefined;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Undefined when the file cannot be opened or read. */
  static open(path: string): ProcFile | undefined {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch {
      return undefined;
    }
    const f = new ProcFile(fd);
    if (f.read() === undefined) {
      f.close();
      return undefined;
    }
    return f;
  }

  read(): string | undefined {
    if (this.fd === undefined) return undefined;
    try {
      return READ_BUFFER.toString('latin1', 0, fs.readSync(this.fd, READ_BUFFER, 0, READ_BUFFER.length, 0));
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already gone; nothing to release.
    }
    this.fd = undefined;
  }
}

export class TelemetrySampler {
  private readonly intervalMs: number;
  private readonly nvidiaSmi: string;
  private readonly gpuPresent: boolean;
  private readonly where: RunPosition;

  private samples: TelemetrySample[] = [];
  private t0 = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly mode: 'timer' | 'polled';
  private lastTickAt = -Infinity;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;

  private loadavg: ProcFile | undefined;
  private cpuSource: CpuMHzSource = { kind: 'none' };
  private cpuinfoAt = -Infinity;
  private cpuinfoMHz: number | null = null;

  private child: ChildProcess | undefined;
  private triedLegacyFields = false;
  private readonly gpuByIndex = new Map<number, TelemetryGpu>();
  private latestGpus: TelemetryGpu[] = [];
  private lastGpuAt = -Infinity;
  private readonly staleMs: number;

  private ticks = 0;
  private tickUsTotal = 0;
  private tickUsMax = 0;
  private gpuChunks = 0;
  private gpuChunkUsTotal = 0;
  private gpuChunkUsMax = 0;

  constructor(opts: TelemetryOptions) {
    if (!(opts.intervalMs > 0) || !Number.isFinite(opts.intervalMs)) throw new RangeError(`telemetry interval must be a positive number of ms, got ${opts.intervalMs}`);
    this.intervalMs = opts.intervalMs;
    this.nvidiaSmi = opts.nvidiaSmi ?? 'nvidia-smi';
    this.gpuPresent = opts.gpuPresent;
    this.where = opts.where ?? { phase: 'warmup', run: 0 };
    this.mode = opts.mode ?? 'timer';
    // A reading older than a few intervals means nvidia-smi is stuck: better no GPU figures than stale ones.
    this.staleMs = Math.max(5 * opts.intervalMs, 2000);
  }

  /** Starts sampling; tMs of the samples counts from this call. */
  start(): void {
    if (this.state !== 'new') throw new Error('TelemetrySampler.start: a sampler runs once');
    this.state = 'running';
    if (linux) this.loadavg = ProcFile.open('/proc/loadavg');
    this.cpuSource = chooseCpuMHzSource();
    this.t0 = performance.now();
    // The first use of each reader costs ~0.5 ms (lazy compilation, first reads); pay it here,
    // before the run, rather than inside the first timed inference a tick lands in.
    this.tick();
    parseTelemetryLine('0, 0, 0, 0, 0x0');
    this.samples = [];
    this.ticks = this.tickUsTotal = this.tickUsMax = 0;
    if (this.gpuPresent) this.startGpu(TELEMETRY_FIELDS);
    // A reading at the start, so even a run shorter than one interval has a before and after.
    this.tick();
    if (this.mode === 'timer') {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      // Telemetry alone must not keep the profiler alive.
      this.timer.unref();
    }
  }

  /** Takes a reading when an interval has passed since the last one, or now with `force`. */
  sampleIfDue(force = false): void {
    if (this.state === 'running' && (force || performance.now() - this.lastTickAt >= this.intervalMs)) this.tick();
  }

  /** Called by the benchmark loop: constant time, no allocation. */
  position(phase: RunPhase, run: number): void {
    this.where.phase = phase;
    this.where.run = run;
  }

  /** The samples taken since the previous drain() (or start). */
  drain(): TelemetrySample[] {
    const out = this.samples;
    this.samples = [];
    return out;
  }

  /**
   * Stops sampling and nvidia-smi (waiting for it to exit, SIGKILL after 1 s); returns the
   * samples not yet drained. Safe to call again: later calls return [].
   */
  async stop(): Promise<TelemetrySample[]> {
    if (this.state === 'running') {
      // A reading at the end too: drift is judged between the first and last third of the run.
      this.tick();
      this.state = 'stopped';
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.loadavg?.close();
      if (this.cpuSource.kind === 'sysfs') for (const f of this.cpuSource.files) f.close();
      this.stopping = this.killGpu();
    }
    this.state = 'stopped';
    await this.stopping;
    return this.drain();
  }

  overhead(): TelemetryOverhead {
    return {
      ticks: this.ticks,
      meanTickUs: this.ticks ? this.tickUsTotal / this.ticks : 0,
      maxTickUs: this.tickUsMax,
      gpuChunks: this.gpuChunks,
      meanGpuChunkUs: this.gpuChunks ? this.gpuChunkUsTotal / this.gpuChunks : 0,
      maxGpuChunkUs: this.gpuChunkUsMax,
    };
  }

  /** The streaming nvidia-smi's pid while it runs (for tests and diagnostics). */
  get gpuChildPid(): number | undefined {
    return this.child?.pid;
  }

  private tick(): void {
    const t = performance.now();
    this.lastTickAt = t;
    // latestGpus is replaced, never mutated, so samples can share it.
    const gpus = t - this.lastGpuAt <= this.staleMs ? this.latestGpus : [];
    this.samples.push({
      tMs: Math.round((t - this.t0) * 100) / 100,
      phase: this.where.phase,
      run: this.where.run,
      load1: this.readLoad1(),
      cpuMHz: this.readCpuMHz(t),
      gpus,
    });
    const us = (performance.now() - t) * 1000;
    this.ticks++;
    this.tickUsTotal += us;
    if (us > this.tickUsMax) this.tickUsMax = us;
  }

  private readLoad1(): number | null {
    if (!linux) return process.platform === 'win32' ? null : os.loadavg()[0]!;
    const text = this.loadavg?.read();
    return text === undefined ? null : (parseLoadavg(text)?.[0] ?? null);
  }

  private readCpuMHz(now: number): number | null {
    const src = this.cpuSource;
    if (src.kind === 'sysfs') {
      let sum = 0;
      let n = 0;
      for (const f of src.files) {
        const v = f.read();
        if (v === undefined) continue;
        const kHz = Number(v.trim());
        if (Number.isFinite(kHz) && kHz > 0) {
          sum += kHz;
          n++;
        }
      }
      return n ? Math.round(sum / n / 100) / 10 : null;
    }
    if (src.kind === 'cpuinfo') {
      if (now - this.cpuinfoAt >= CPUINFO_MIN_INTERVAL_MS) {
        this.cpuinfoAt = now;
        const text = readSmall('/proc/cpuinfo');
        // Entries are in processor order, which is CPU number order while no CPU is offline.
        const all = text === undefined ? [] : parseCpuinfoMHz(text);
        const mine = src.cpus.map((c) => all[c]).filter((v): v is number => v !== undefined);
        this.cpuinfoMHz = mine.length ? Math.round((mine.reduce((a, b) => a + b, 0) / mine.length) * 10) / 10 : null;
      }
      return this.cpuinfoMHz;
    }
    return null;
  }

  private startGpu(fields: readonly string[]): void {
    const args = [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(Math.max(1, Math.round(this.intervalMs)))];
    let child: ChildProcess;
    try {
      child = spawn(this.nvidiaSmi, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch {
      return;
    }
    this.child = child;
    // Text that was not a reading: an error nvidia-smi printed, kept to recognise a rejected field.
    let said = '';
    let buffer = '';
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (chunk: string) => {
      const t = performance.now();
      buffer += chunk;
      let fresh = false;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const reading = line.trim() === '' ? null : parseTelemetryLine(line, fields);
        // Output still draining after the child exited must not bring its readings back.
        if (reading && this.child === child) {
          this.gpuByIndex.set(reading.index, reading);
          fresh = true;
        } else if (!reading && said.length < MAX_CHILD_TEXT) said += `${line}\n`;
      }
      if (buffer.length > MAX_LINE_BUFFER) buffer = '';
      if (fresh) {
        this.latestGpus = [...this.gpuByIndex.values()].sort((a, b) => a.index - b.index);
        this.lastGpuAt = t;
      }
      const us = (performance.now() - t) * 1000;
      this.gpuChunks++;
      this.gpuChunkUsTotal += us;
      if (us > this.gpuChunkUsMax) this.gpuChunkUsMax = us;
    });
    child.stderr!.setEncoding('latin1');
    child.stderr!.on('data', (chunk: string) => {
      if (said.length < MAX_CHILD_TEXT) said += chunk;
    });
    // Ignored on purpose: a child that cannot start or dies leaves the GPU part of samples empty.
    child.stdout!.on('error', () => undefined);
    child.stderr!.on('error', () => undefined);
    child.on('error', () => this.gpuGone(child));
    child.on('exit', () => this.gpuGone(child));
    // 'close', not 'exit': only then has all of the child's output been read.
    child.on('close', () => {
      // Drivers before R535 reject clocks_event_reasons.active; they know it as clocks_throttle_reasons.active.
      if (this.state === 'running' && !this.triedLegacyFields && isInvalidFieldError(said)) {
        this.triedLegacyFields = true;
        this.startGpu(withLegacyClockEventField(fields));
      }
    });
    // The pipes and the child must not keep the profiler alive either; if the profiler dies,
    // nvidia-smi gets EPIPE on its next line and exits.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
  }

  private gpuGone(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.gpuByIndex.clear();
    this.latestGpus = [];
    this.lastGpuAt = -Infinity;
  }

  private killGpu(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 1000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      if (!child.kill('SIGTERM')) {
        clearTimeout(force);
        resolve();
      }
    });
  }
}

function readSmall(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** Decided once at start: the sources do not appear or vanish during a run. */
function chooseCpuMHzSource(): CpuMHzSource {
  if (!linux) return { kind: 'none' };
  let cpus = currentAffinity();
  if (!cpus) {
    try {
      cpus = parseCpuList(fs.readFileSync('/sys/devices/system/cpu/online', 'latin1'));
    } catch {
      cpus = os.cpus().map((_, i) => i);
    }
  }
  if (cpus.length === 0) return { kind: 'none' };
  const files = spreadSample(cpus, MAX_FREQ_CPUS)
    .map((c) => ProcFile.open(cpufreqPath(c, 'scaling_cur_freq')))
    .filter((f): f is ProcFile => f !== undefined);
  if (files.length > 0) return { kind: 'sysfs', files };
  const cpuinfo = readSmall('/proc/cpuinfo');
  if (cpuinfo !== undefined && parseCpuinfoMHz(cpuinfo).length > 0) return { kind: 'cpuinfo', cpus };
  return { kind: 'none' };
}

/** At most `max` items spread evenly over `items`, first and last included. */
function spreadSample(items: readonly number[], max: number): number[] {
  if (items.length <= max) return [...items];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))]!);
  return out;
}
