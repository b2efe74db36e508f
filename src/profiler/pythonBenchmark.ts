// One Python-function benchmark: the shipped harness (python/latency_harness.py) is started in
// the user's interpreter, imports the file, runs setup, makes the cold call, then the warm-up and
// measured calls, each timed inside Python; it streams the samples here in batches (protocol:
// core/pythonProtocol.ts). This side assembles the result exactly as an ONNX run does (the same
// ResultAssembler, AdaptiveStopper and telemetry), watches for hangs, passes cancellation on,
// and turns failures into errors the user can act on (core/pythonDoctor.ts).
//
// The harness is a child in a process group of its own: every way out of a run ends the group
// (SIGTERM, then SIGKILL), so neither it nor anything the user's code started outlives the run.
// The harness also exits on its own when its stdin closes, i.e. when this process dies.

import { spawn, type ChildProcess } from 'child_process';
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { StringDecoder } from 'string_decoder';
import { AdaptiveStopper } from '../core/adaptiveStop';
import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import { describeCallFailure, describeTimeout, diagnosePython, type FailureContext, type HarnessStage } from '../core/pythonDoctor';
import {
  harnessCommandLine,
  isHarnessParseError,
  parseHarnessLine,
  type ColdMessage,
  type DoneMessage,
  type ErrorMessage,
  type HarnessCommand,
  type HarnessMessage,
  type HarnessProbeConfig,
  type HarnessRunConfig,
  type HelloMessage,
  type ProbeMessage,
  type ReadyMessage,
} from '../core/pythonProtocol';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { BenchmarkResult, Environment, PythonEnvironment, PythonTarget, StopReason } from '../core/result';
import type { SystemSnapshot } from '../core/system';
import { DEFAULT_CALL_TIMEOUT_SECONDS, DEFAULT_SETUP_TIMEOUT_SECONDS, pythonTargetName, type PythonSpec } from '../core/target';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { prepareMachine, type BenchmarkEvents } from './onnxBenchmark';
import { runRepeated } from './repeatBenchmark';
import { TelemetrySampler } from './telemetry';

export interface PythonBenchmarkOptions {
  spec: PythonSpec;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  /** Complete runs, each in a fresh harness process (fresh import, setup and cold start). */
  repeat?: number;
}

type Log = NonNullable<BenchmarkEvents['log']>;

const TELEMETRY_INTERVAL_MS = 500;
/** Cancellation and the hang watchdog are looked at this often (and on every message). */
const WATCH_INTERVAL_MS = 50;
/** stderr lines kept for error details. */
const STDERR_TAIL_LINES = 50;
/** stderr lines logged at 'trace' per run; a chatty function must not flood the client. */
const STDERR_LOG_LINES = 2000;
const MAX_STDERR_LINE = 2000;
/** Samples handed to the assembler at a time. */
const ADD_SLICE = 50_000;
/** How long the harness's control thread gets to answer a "flush" that checks for a hang. */
const PROBE_GRACE_MS = 500;
/** After SIGUSR1, how long Python gets to dump its stacks to stderr before it is stopped. */
const DUMP_GRACE_MS = 400;
const TERM_GRACE_MS = 1000;
/** Once the harness has exited, how long its protocol pipe may stay open (a forked child holding it). */
const DRAIN_GRACE_MS = 1000;
const DEFAULT_PROBE_TIMEOUT_MS = 30_000;
const DEFAULT_CUDA_PROBE_TIMEOUT_MS = 120_000;

let cachedHarness: string | undefined;

/**
 * python/latency_harness.py, found by walking up from this module: src/profiler under tsx, dist/
 * in the bundle and in the packaged extension, whose root holds python/.
 */
export function harnessPath(): string {
  if (cachedHarness && existsSync(cachedHarness)) return cachedHarness;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'python', 'latency_harness.py');
    if (existsSync(candidate)) return (cachedHarness = candidate);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`Latency's Python harness (python/latency_harness.py) is missing: not found in any folder above ${__dirname}`);
    dir = up;
  }
}

// --- the harness process ------------------------------------------------------------------------

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const groups = process.platform !== 'win32';
const live = new Set<HarnessProcess>();
let exitHookInstalled = false;

/** Last resort when the profiler exits with a harness still running: end its group, synchronously. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const h of live) h.signalGroup('SIGKILL');
  });
}

class HarnessProcess {
  readonly child: ChildProcess;
  readonly stderrTail: string[] = [];
  /** Lines on stdout that are not protocol: an interpreter that is not Python says something here. */
  readonly strayStdout: string[] = [];
  spawnError: NodeJS.ErrnoException | undefined;
  exit: Exit | undefined;
  /** Resolves once the process has exited and its protocol stream is read to the end. */
  readonly ended: Promise<Exit>;
  private stderrLogged = 0;
  private stderrPending = '';
  private readonly stdoutParts: string[] = [];

  constructor(
    interpreter: string,
    args: string[],
    cwd: string,
    private readonly log: Log,
    private readonly onMessage: (m: HarnessMessage) => void,
  ) {
    installExitHook();
    this.child = spawn(interpreter, args, {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: groups,
      windowsHide: true,
    });
    live.add(this);
    const stdoutDecoder = new StringDecoder('utf8');
    const stderrDecoder = new StringDecoder('utf8');
    let stdoutEnded: () => void = () => undefined;
    const stdoutDone = new Promise<void>((resolve) => (stdoutEnded = resolve));
    this.child.stdout!.on('data', (chunk: Buffer) => this.onStdout(stdoutDecoder.write(chunk)));
    this.child.stdout!.on('end', () => {
      this.onStdout(stdoutDecoder.end());
      this.flushStdout();
      stdoutEnded();
    });
    this.child.stdout!.on('error', () => stdoutEnded());
    this.child.stderr!.on('data', (chunk: Buffer) => this.onStderr(stderrDecoder.write(chunk)));
    this.child.stderr!.on('end', () => {
      const rest = stderrDecoder.end() + this.stderrPending;
      this.stderrPending = '';
      if (rest) this.onStderr(`${rest}\n`);
    });
    // Writing to a harness that already exited must not crash the profiler.
    this.child.stdin!.on('error', () => undefined);
    this.ended = new Promise<Exit>((resolve) => {
      // 'error' also comes for a failed kill or write later on: always listened to, only a failed spawn ends the run here.
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        if (this.child.pid === undefined && this.exit === undefined) {
          this.spawnError = err;
          this.exit = { code: null, signal: null };
          live.delete(this);
          resolve(this.exit);
        }
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        // Every message the harness wrote is read before the run is judged; a forked child of
        // the user's code may hold the pipe open, so not forever.
        const timer = setTimeout(() => stdoutEnded(), DRAIN_GRACE_MS);
        void stdoutDone.then(() => {
          clearTimeout(timer);
          this.flushStdout();
          this.signalGroup('SIGKILL');
          live.delete(this);
          resolve(this.exit!);
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exit !== undefined;
  }

  send(command: HarnessCommand): void {
    if (this.exited || !this.child.stdin || this.child.stdin.destroyed) return;
    this.child.stdin.write(harnessCommandLine(command));
  }

  /** The whole group: the harness and whatever the user's code started. Ignores a group already gone. */
  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (groups) process.kill(-pid, signal);
      else if (!this.exited) this.child.kill(signal);
    } catch {
      // ESRCH: nothing left to signal.
    }
  }

  /**
   * Ends the harness. With `hung`, first asks it for the samples it has not sent yet ("flush",
   * answered by its control thread) and for every thread's stack on stderr (SIGUSR1,
   * faulthandler), so a hang keeps its samples and says where it hung; then SIGTERM, then SIGKILL.
   */
  async kill(hung: boolean): Promise<void> {
    if (!this.exited && hung) {
      this.send('flush');
      if (groups && this.child.pid !== undefined) {
        try {
          process.kill(this.child.pid, 'SIGUSR1');
        } catch {
          // gone already
        }
      }
      await this.waitExit(DUMP_GRACE_MS);
    }
    if (!this.exited) {
      this.signalGroup('SIGTERM');
      await this.waitExit(TERM_GRACE_MS);
    }
    if (!this.exited) this.signalGroup('SIGKILL');
    await this.ended;
  }

  private waitExit(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve();
      const timer = setTimeout(done, ms);
      this.child.once('exit', done);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private onStdout(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.stdoutParts.push(text.slice(start, nl));
      const line = this.stdoutParts.join('');
      this.stdoutParts.length = 0;
      this.handleLine(line);
      start = nl + 1;
    }
    if (start < text.length) this.stdoutParts.push(text.slice(start));
  }

  private flushStdout(): void {
    if (!this.stdoutParts.length) return;
    const line = this.stdoutParts.join('');
    this.stdoutParts.length = 0;
    this.handleLine(line);
  }

  private handleLine(line: string): void {
    if (!line.trim()) return;
    const parsed = parseHarnessLine(line);
    if (isHarnessParseError(parsed)) {
      if (this.strayStdout.length < 20) this.strayStdout.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      this.log('trace', `python: not a harness message (${parsed.error})`);
      return;
    }
    this.onMessage(parsed);
  }

  private onStderr(text: string): void {
    const all = this.stderrPending + text;
    const lines = all.split('\n');
    this.stderrPending = lines.pop() ?? '';
    if (this.stderrPending.length > MAX_STDERR_LINE) {
      lines.push(this.stderrPending);
      this.stderrPending = '';
    }
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      // Whatever bytes the user's code wrote: control characters would garble the log.
      // eslint-disable-next-line no-control-regex
      const clean = line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\ufffd');
      const kept = clean.length > MAX_STDERR_LINE ? `${clean.slice(0, MAX_STDERR_LINE)}…` : clean;
      this.stderrTail.push(kept);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      if (this.stderrLogged < STDERR_LOG_LINES) this.log('trace', `python stderr: ${kept}`);
      else if (this.stderrLogged === STDERR_LOG_LINES) this.log('trace', 'python stderr: (more lines not logged; the last ones are kept for errors)');
      this.stderrLogged++;
    }
  }
}

// --- a run ----------------------------------------------------------------------------------------

interface Resolved {
  spec: PythonSpec;
  file: string;
  cwd: string;
  interpreter: string;
  config: BenchmarkConfig;
  intervalMs: number;
  system: SystemSnapshot | null;
  callTimeoutMs: number;
  setupTimeoutMs: number;
}

export async function runPythonBenchmark(opts: PythonBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runPythonBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  const { spec } = opts;
  const cwd = path.resolve(spec.cwd ?? process.cwd());
  const file = path.resolve(cwd, spec.file);
  await checkTarget(file, cwd, spec.cwd !== undefined);
  const callTimeoutMs = seconds(spec.callTimeoutSeconds, DEFAULT_CALL_TIMEOUT_SECONDS, 'callTimeoutSeconds');
  const setupTimeoutMs = seconds(spec.setupTimeoutSeconds, DEFAULT_SETUP_TIMEOUT_SECONDS, 'setupTimeoutSeconds');
  // Once for every repeat; the harness inherits the pinning.
  const system = await prepareMachine(opts.config, events.log ?? (() => undefined));
  const resolved: Resolved = {
    spec,
    file,
    cwd,
    interpreter: resolveInterpreter(spec.interpreter, cwd),
    config: opts.config,
    intervalMs: opts.progressIntervalMs ?? 200,
    system,
    callTimeoutMs,
    setupTimeoutMs,
  };
  if (repeat === 1) return runHarness(resolved, events);

  const results: BenchmarkResult[] = [];
  const once = async (ev: BenchmarkEvents) => {
    const r = await runHarness(resolved, ev);
    results.push(r);
    return r;
  };
  const combined = await runRepeated(repeat, once, events);
  return withRepeatedExtras(combined, results);
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  const s = value ?? fallback;
  if (!(typeof s === 'number' && s > 0 && Number.isFinite(s))) throw new RangeError(`runPythonBenchmark: ${name} must be a number of seconds > 0, got ${s}`);
  return s * 1000;
}

/** A path with a separator is taken relative to the working folder; a bare name is looked up on PATH. */
function resolveInterpreter(interpreter: string, cwd: string): string {
  return /[\\/]/.test(interpreter) && !path.isAbsolute(interpreter) ? path.resolve(cwd, interpreter) : interpreter;
}

async function checkTarget(file: string, cwd: string, cwdGiven: boolean): Promise<void> {
  if (cwdGiven) {
    const st = await fs.stat(cwd).catch(() => undefined);
    if (!st?.isDirectory()) throw new BenchmarkError(`The working folder for the Python target does not exist: ${cwd}`, { kind: 'modelNotFound' });
  }
  const st = await fs.stat(file).catch(() => undefined);
  if (!st) throw new BenchmarkError(`Python file not found: ${file}`, { kind: 'modelNotFound' });
  if (!st.isFile()) throw new BenchmarkError(`Not a file: ${file}`, { kind: 'modelNotFound' });
}

/** The repeats' Python figures that combineRepeats does not know: import/setup split, CUDA peak, the target as measured. */
function withRepeatedExtras(combined: BenchmarkResult, results: readonly BenchmarkResult[]): BenchmarkResult {
  const first = results[0];
  if (!first) return combined;
  const out: BenchmarkResult = { ...combined, target: first.target, coldStart: { ...combined.coldStart } };
  if (first.coldStart.importMs !== undefined) out.coldStart.importMs = first.coldStart.importMs;
  if (first.coldStart.setupMs !== undefined) out.coldStart.setupMs = first.coldStart.setupMs;
  const cudaPeaks = results.map((r) => r.memory.cudaPeakAllocatedBytes).filter((b): b is number => b !== undefined);
  if (cudaPeaks.length) out.memory = { ...out.memory, cudaPeakAllocatedBytes: Math.max(...cudaPeaks) };
  // A later repeat cut short by an error (not a cancel) is reported as what it was.
  const failed = results.find((r, i) => i > 0 && r.partial && !/^cancelled/.test(r.partialReason ?? ''));
  if (failed && out.partial) {
    const index = results.indexOf(failed) + 1;
    const kept = results.slice(0, index - 1).reduce((n, r) => n + r.samplesMs.length, 0);
    out.partialReason = `repeat ${index} stopped: ${failed.partialReason}; keeping the ${index - 1} complete repeat${index - 1 === 1 ? '' : 's'} (${kept.toLocaleString('en-US')} measured runs)`;
    out.stopping = { ...out.stopping, reason: 'error' };
  }
  return out;
}

/** What a run has learnt so far; one object, so the message handler and the watchdog share it. */
interface RunState {
  stage: HarnessStage;
  /** When the run last moved on: a message other than samples, or samples with new calls. */
  progressAt: number;
  /** When a "flush" was sent to see whether calls still complete (a long flush interval). */
  probeSentAt?: number;
  hello?: HelloMessage;
  importMs?: number;
  ready?: ReadyMessage;
  setupMs?: number;
  cold?: ColdMessage;
  done?: DoneMessage;
  error?: ErrorMessage;
  timedOut?: { stage: HarnessStage; seconds: number; after?: number };
  cancelSentAt?: number;
  /** Cancelled during import or setup: the interpreter was stopped at once. */
  cancelledEarly: boolean;
  /** Set when the adaptive rule decided to stop ("stop" sent). */
  stopReason?: StopReason;
  peakRssBytes: number;
  counts: { warmup: number; measure: number };
  /** The kill under way, once the watchdog or a cancel started one. */
  killing?: Promise<void>;
  /** A fault on this side while handling a message: the run is stopped and this thrown. */
  fault?: unknown;
}

/** One complete run in a fresh harness process: import, setup, cold start, warm-up, measured calls. */
async function runHarness(r: Resolved, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { spec, config, file } = r;
  const log: Log = events.log ?? (() => undefined);
  const environmentPromise = collectEnvironment();
  const adaptive = config.stopping.mode === 'adaptive';
  const measureTotal = adaptive ? config.stopping.maxIterations : config.iterations;
  const runConfig: HarnessRunConfig = {
    file,
    function: spec.function,
    setup: spec.setup ?? null,
    scriptForm: spec.scriptForm ?? false,
    warmup: config.warmup,
    iterations: Number.isFinite(measureTotal) ? measureTotal : Number.MAX_SAFE_INTEGER,
    flushIntervalMs: r.intervalMs,
  };

  const startedAt = new Date().toISOString();
  const spawnedAt = performance.now();
  const st: RunState = { stage: 'start', progressAt: spawnedAt, cancelledEarly: false, peakRssBytes: 0, counts: { warmup: 0, measure: 0 } };
  const assembler = new ResultAssembler();
  const stopper = new AdaptiveStopper(config.stopping, config.iterations);
  const where = { phase: 'warmup' as 'warmup' | 'measure', run: 0 };
  const telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: r.system?.gpu.status === 'present', where, mode: 'polled' });
  let environment: Environment | undefined;
  const queued: Array<[HarnessMessage, number]> = [];

  const setupName = (): string | undefined => st.ready?.setup ?? spec.setup;
  const target = (): PythonTarget => {
    const setup = setupName();
    return {
      kind: 'python',
      path: file,
      name: pythonTargetName(file, spec.function),
      function: spec.function,
      ...(setup ? { setup } : {}),
      interpreter: spec.interpreter,
      ...(st.ready?.line ? { line: st.ready.line } : {}),
      cudaSynchronized: st.cold?.synchronized ?? false,
    };
  };
  const ensureHeader = (): RunHeader => {
    const header: RunHeader = {
      target: target(),
      // A Python function makes its own inputs; there is no onnxruntime session.
      config: recordedRunConfig(config, { inputs: [] }),
      environment: withPython(environment!, st.hello, st.cold),
      startedAt,
      loadMs: st.importMs !== undefined && st.setupMs !== undefined ? st.importMs + st.setupMs : performance.now() - spawnedAt,
      system: r.system,
    };
    if (!assembler.started) assembler.start(header);
    return header;
  };
  const context = (): FailureContext => {
    const setup = setupName();
    return {
      interpreter: spec.interpreter,
      ...(st.hello ? { executable: st.hello.executable, pythonVersion: st.hello.version } : {}),
      ...(st.hello?.packages.torch ? { torchVersion: st.hello.packages.torch } : {}),
      file,
      function: spec.function,
      ...(setup ? { setup } : {}),
      ...(spec.scriptForm ? { scriptForm: true } : {}),
      stderr: proc.stderrTail.join('\n'),
    };
  };
  const limitSeconds = (stage: HarnessStage): number => (stage === 'start' || stage === 'import' || stage === 'setup' ? r.setupTimeoutMs : r.callTimeoutMs) / 1000;

  const handle = (m: HarnessMessage, at: number): void => {
    const moved = (): void => {
      st.progressAt = at;
      st.probeSentAt = undefined;
    };
    if (m.t !== 'samples') moved();
    switch (m.t) {
      case 'hello':
        st.hello = m;
        st.stage = 'import';
        log('info', `python: ${m.executable} (Python ${m.version})`);
        break;
      case 'imported':
        st.importMs = m.importNs / 1e6;
        st.stage = 'setup';
        break;
      case 'ready':
        st.ready = m;
        st.setupMs = m.setupNs / 1e6;
        st.stage = 'first';
        log('info', `python: imported ${path.basename(file)} in ${st.importMs?.toFixed(1)} ms${m.setup ? `, ${m.setup}() took ${st.setupMs.toFixed(1)} ms` : ''}`);
        telemetry.start();
        break;
      case 'cold': {
        st.cold = m;
        const firstMs = m.ns / 1e6;
        const header = ensureHeader();
        assembler.coldStart(firstMs);
        events.onStarted?.(header);
        events.onColdStart?.(firstMs);
        if (m.synchronized) log('info', `python: CUDA in use (${m.cuda?.device ?? 'a device'}): every call is bracketed by torch.cuda.synchronize()`);
        st.stage = 'warmup';
        break;
      }
      case 'samples': {
        // A batch covers calls count − ns.length + 1 … count of its phase; one sent while a hang
        // was being stopped may repeat calls already received: only the new ones count.
        const known = st.counts[m.phase];
        const skip = Math.max(0, known - (m.count - m.ns.length));
        const newSamplesMs = (skip ? m.ns.slice(skip) : m.ns).map((ns) => ns / 1e6);
        const wallMs = m.wallNs / 1e6;
        st.counts[m.phase] = Math.max(known, m.count);
        if (m.count > known || m.final) moved();
        if (!newSamplesMs.length && !m.final) break;
        st.peakRssBytes = Math.max(st.peakRssBytes, m.rssBytes);
        where.phase = m.phase;
        where.run = st.counts[m.phase];
        telemetry.sampleIfDue();
        // In slices: a batch of a fast function can hold a million samples, more than a spread call takes.
        for (let i = 0; i < newSamplesMs.length || i === 0; i += ADD_SLICE) {
          const slice = newSamplesMs.length > ADD_SLICE ? newSamplesMs.slice(i, i + ADD_SLICE) : newSamplesMs;
          if (m.phase === 'warmup') assembler.addWarmup(slice);
          else assembler.addMeasured(slice, wallMs);
        }
        const newTelemetry = telemetry.drain();
        assembler.addTelemetry(newTelemetry);
        events.onProgress?.({
          phase: m.phase,
          done: st.counts[m.phase],
          total: m.phase === 'warmup' ? config.warmup : measureTotal,
          newSamplesMs,
          ...(m.phase === 'measure' ? { measuredWallMs: wallMs } : {}),
          peakRssBytes: m.rssBytes,
          ...(newTelemetry.length ? { telemetry: newTelemetry } : {}),
        });
        const samples = assembler.samplesMs;
        if (m.phase === 'measure' && adaptive && st.stopReason === undefined && stopper.shouldCheck(samples.length, wallMs)) {
          const verdict = stopper.check(samples, wallMs);
          if (verdict.stop) {
            st.stopReason = verdict.reason;
            proc.send('stop');
          }
        }
        if (m.final) {
          st.stage = m.phase === 'warmup' ? 'measure' : 'finish';
          if (m.phase === 'warmup') {
            where.phase = 'measure';
            where.run = 0;
            telemetry.sampleIfDue(true);
          }
        }
        break;
      }
      case 'done':
        st.done = m;
        st.peakRssBytes = Math.max(st.peakRssBytes, m.rssBytes);
        st.stage = 'finish';
        break;
      case 'error':
        st.error = m;
        break;
      case 'probe':
        break;
    }
  };

  /** Cancellation and the hang watchdog; at most one kill. */
  const watch = (): void => {
    if (st.killing || proc.exited || environment === undefined) return;
    const now = performance.now();
    if (st.cancelSentAt === undefined && events.isCancelled()) {
      st.cancelSentAt = now;
      if (st.stage === 'start' || st.stage === 'import' || st.stage === 'setup') {
        // Import and setup may take minutes and have no point to stop at between calls: end them.
        st.cancelledEarly = true;
        log('info', 'python: cancelled during import or setup: stopping the interpreter');
        st.killing = proc.kill(false);
        return;
      }
      proc.send('cancel');
    }
    if (st.cancelSentAt !== undefined && now >= st.cancelSentAt + r.callTimeoutMs) {
      log('warn', `python: did not stop within ${r.callTimeoutMs / 1000} s of the cancel: stopping the interpreter`);
      st.killing = proc.kill(true);
      return;
    }
    const stage = st.stage;
    const setupStage = stage === 'start' || stage === 'import' || stage === 'setup';
    if (now < (setupStage ? spawnedAt + r.setupTimeoutMs : st.progressAt + r.callTimeoutMs)) return;
    if (stage === 'finish' && st.done) {
      st.killing = proc.kill(false);
      return;
    }
    if (stage === 'warmup' || stage === 'measure') {
      // No new call seen for a call timeout. With a flush interval longer than that, calls may
      // well be completing unreported: ask. If the count has not moved either, the call in
      // progress has run for longer than the timeout (it began before the last count seen).
      if (st.probeSentAt === undefined) {
        st.probeSentAt = now;
        proc.send('flush');
        return;
      }
      if (now < st.probeSentAt + PROBE_GRACE_MS) return;
    }
    st.timedOut = { stage, seconds: limitSeconds(stage), ...(stage === 'warmup' || stage === 'measure' ? { after: st.counts[stage] } : {}) };
    log('warn', `python: ${describeTimeout(stage, st.timedOut.seconds, context(), st.timedOut.after)}: stopping the interpreter`);
    st.killing = proc.kill(true);
  };

  const receive = (m: HarnessMessage, at: number): void => {
    if (st.fault !== undefined) return;
    try {
      handle(m, at);
      watch();
    } catch (err) {
      // Never let it escape into a stream's event handler (it would take the profiler down).
      st.fault = err;
      st.killing ??= proc.kill(false);
    }
  };
  const proc = new HarnessProcess(r.interpreter, [harnessPath(), 'run', JSON.stringify(runConfig)], r.cwd, log, (m) => {
    if (environment === undefined) queued.push([m, performance.now()]);
    else receive(m, performance.now());
  });
  if (proc.pid !== undefined) log('info', `python: started ${r.interpreter} (pid ${proc.pid}) for ${pythonTargetName(file, spec.function)}`);
  const watcher = setInterval(() => {
    try {
      watch();
    } catch (err) {
      st.fault ??= err;
      st.killing ??= proc.kill(false);
    }
  }, WATCH_INTERVAL_MS);
  try {
    // Read while the interpreter starts; messages wait for it (the run header needs it).
    environment = await environmentPromise;
    for (const [m, at] of queued.splice(0)) receive(m, at);
    watch();
    const exit = await proc.ended;
    clearInterval(watcher);
    await st.killing;
    if (st.fault !== undefined) throw st.fault;
    if (proc.spawnError) {
      throw toError(diagnosePython({ kind: 'spawn', ...(proc.spawnError.code ? { code: proc.spawnError.code } : {}), message: proc.spawnError.message }, context()));
    }
    const measured = assembler.samplesMs.length;
    const finish = async (end: { stopReason: StopReason; partialReason?: string }): Promise<BenchmarkResult> => {
      ensureHeader();
      assembler.addTelemetry(await telemetry.stop());
      const result = assembler.finish({ peakRssBytes: st.peakRssBytes, ...end }) as BenchmarkResult;
      return withPythonExtras(result, st.importMs, st.setupMs, st.done?.cudaPeakAllocatedBytes ?? null);
    };

    if (st.error) {
      if (measured > 0) {
        const e = st.error;
        const reason = e.phase === 'measure' || e.phase === 'warmup' ? describeCallFailure(e) : `${e.type}: ${e.message.split('\n')[0]}`;
        log('warn', `python: ${reason}; keeping the ${measured} measured runs before it`);
        return await finish({ stopReason: 'error', partialReason: reason });
      }
      throw toError(diagnosePython({ kind: 'exception', error: st.error }, context()));
    }
    // Cancelled unless the run had finished anyway (all its runs, or the adaptive rule's stop) when the cancel arrived.
    const finishedAnyway = st.done !== undefined && (st.stopReason !== undefined || measured >= measureTotal);
    if (st.cancelledEarly || (st.cancelSentAt !== undefined && !finishedAnyway)) {
      return await finish({ stopReason: 'cancelled', partialReason: 'cancelled' });
    }
    if (st.timedOut) {
      // The counts now include what the hung harness flushed before it was stopped.
      const t = { ...st.timedOut, ...(st.timedOut.after !== undefined ? { after: st.counts[st.timedOut.stage === 'warmup' ? 'warmup' : 'measure'] } : {}) };
      if (measured > 0) return await finish({ stopReason: 'error', partialReason: `timeout: ${describeTimeout(t.stage, t.seconds, context(), t.after)}` });
      throw toError(diagnosePython({ kind: 'timeout', stage: t.stage, seconds: t.seconds, ...(t.after !== undefined ? { after: t.after } : {}) }, context()));
    }
    if (!st.done) {
      const diagnosis = diagnosePython(
        { kind: 'exit', code: exit.code, signal: exit.signal, answered: st.hello !== undefined, stage: st.stage, ...(proc.strayStdout.length ? { stdout: proc.strayStdout.join('\n') } : {}) },
        context(),
      );
      if (measured > 0) return await finish({ stopReason: 'error', partialReason: diagnosis.message });
      throw toError(diagnosis);
    }
    return await finish({ stopReason: st.stopReason ?? (adaptive ? 'maxIterations' : 'iterations') });
  } finally {
    clearInterval(watcher);
    if (!proc.exited) await proc.kill(false);
    await proc.ended;
    proc.signalGroup('SIGKILL');
    proc.child.stdin?.destroy();
    await telemetry.stop();
  }
}


function withPython(env: Environment, hello: HelloMessage | undefined, cold: ColdMessage | undefined): Environment {
  if (!hello) return env;
  const python: PythonEnvironment = { version: hello.version, executable: hello.executable, packages: { ...hello.packages } };
  if (cold?.cuda) python.cuda = { ...cold.cuda };
  return { ...env, python };
}

function withPythonExtras(result: BenchmarkResult, importMs: number | undefined, setupMs: number | undefined, cudaPeak: number | null): BenchmarkResult {
  const coldStart = { ...result.coldStart };
  if (importMs !== undefined) coldStart.importMs = importMs;
  if (setupMs !== undefined) coldStart.setupMs = setupMs;
  const memory = cudaPeak === null ? result.memory : { ...result.memory, cudaPeakAllocatedBytes: cudaPeak };
  return { ...result, coldStart, memory };
}

function toError(d: { kind: BenchmarkError['data']['kind']; message: string; hint: string; details?: string }): BenchmarkError {
  return new BenchmarkError(d.message, { kind: d.kind, hint: d.hint, ...(d.details ? { details: d.details } : {}) });
}

// --- the environment probe ------------------------------------------------------------------------

/**
 * What an interpreter is: its version, sys.executable and the versions of the packages that
 * change timings (read from metadata, not imported). With `cuda`, torch is imported and must see
 * a working CUDA device, whose name, runtime and capability are returned; when it does not, the
 * doctor's error says why (torch missing, a CPU-only build, a driver too old, …).
 *
 * @throws BenchmarkError when the interpreter cannot be started, is not Python 3.8+, hangs past
 *   `timeoutMs`, or (with `cuda`) CUDA does not work; `details` then holds what was learnt.
 */
export async function probePython(interpreter: string, opts: { cuda?: boolean; timeoutMs?: number } = {}): Promise<PythonEnvironment> {
  const cuda = opts.cuda ?? false;
  const timeoutMs = opts.timeoutMs ?? (cuda ? DEFAULT_CUDA_PROBE_TIMEOUT_MS : DEFAULT_PROBE_TIMEOUT_MS);
  const cfg: HarnessProbeConfig = { cuda };
  let probe: ProbeMessage | undefined;
  let error: ErrorMessage | undefined;
  const proc = new HarnessProcess(resolveInterpreter(interpreter, process.cwd()), [harnessPath(), 'probe', JSON.stringify(cfg)], process.cwd(), () => undefined, (m) => {
    if (m.t === 'probe') probe = m;
    else if (m.t === 'error') error = m;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.kill(true);
  }, timeoutMs);
  try {
    const exit = await proc.ended;
    clearTimeout(timer);
    const ctx: FailureContext = {
      interpreter,
      ...(probe ? { executable: probe.executable, pythonVersion: probe.version } : {}),
      ...(probe?.packages.torch ? { torchVersion: probe.packages.torch } : {}),
      stderr: proc.stderrTail.join('\n'),
    };
    if (proc.spawnError) {
      throw toError(diagnosePython({ kind: 'spawn', ...(proc.spawnError.code ? { code: proc.spawnError.code } : {}), message: proc.spawnError.message }, ctx));
    }
    if (error) {
      const d = diagnosePython({ kind: 'exception', error }, ctx);
      const known = probe ? `Interpreter: ${probe.executable} (Python ${probe.version}); packages: ${describePackages(probe.packages)}` : undefined;
      throw toError({ ...d, ...(known ? { details: [known, d.details].filter(Boolean).join('\n\n') } : {}) });
    }
    if (timedOut) throw toError(diagnosePython({ kind: 'timeout', stage: 'probe', seconds: timeoutMs / 1000 }, ctx));
    if (!probe) {
      throw toError(diagnosePython({ kind: 'exit', code: exit.code, signal: exit.signal, answered: false, stage: 'probe', ...(proc.strayStdout.length ? { stdout: proc.strayStdout.join('\n') } : {}) }, ctx));
    }
    const env: PythonEnvironment = { version: probe.version, executable: probe.executable, packages: { ...probe.packages } };
    if (probe.cuda) env.cuda = { ...probe.cuda };
    return env;
  } finally {
    clearTimeout(timer);
    if (!proc.exited) await proc.kill(false);
    proc.signalGroup('SIGKILL');
    proc.child.stdin?.destroy();
  }
}

function describePackages(packages: Record<string, string>): string {
  const entries = Object.entries(packages);
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : 'none of numpy, torch, onnxruntime, jax, tensorflow, transformers';
}
