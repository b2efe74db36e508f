// Starts one profiler process per benchmark and talks to it over typed JSON-RPC. Never imports
// `vscode`: the extension host adapts it, and tests drive it directly. Every way a run can end
// (done, cancelled, refused, crashed, killed) resolves to an outcome; nothing is left running.

import { fork, type ChildProcess } from 'child_process';
import {
  CancellationTokenSource,
  ResponseError,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { BenchmarkConfig } from '../core/config';
import {
  ColdStartNotification,
  DoctorRequest,
  LogNotification,
  PreflightRequest,
  ProgressNotification,
  RepeatNotification,
  RunRequest,
  StartedNotification,
  type DoctorParams,
  type LogParams,
  type ProfilerErrorData,
} from '../core/profilerProtocol';
import { LatencyHistogram } from '../core/histogram';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { BenchmarkResult } from '../core/result';
import type { SystemSnapshot } from '../core/system';
import type { TargetSpec } from '../core/target';
import type { DoctorReport } from '../core/doctorReport';

export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface ClientProgress {
  phase: 'loading' | 'cold' | 'warmup' | 'measure';
  done: number;
  total: number;
  runningP50Ms?: number;
  /** When repeating: which repeat the counts belong to. */
  repeat?: { index: number; of: number };
  /** A concurrency sweep's level: the counts and the running p50 are that level's. */
  level?: { index: number; of: number; concurrency: number };
}

/** What to run: an ONNX file by its path (the common case), or any target spec. */
export type ProfilerRunOptions = ProfilerRunBase & ({ modelPath: string; target?: never } | { target: TargetSpec; modelPath?: never });

export interface ProfilerRunBase {
  /** The built profiler entry (dist/profiler.js). */
  profilerScript: string;
  config: BenchmarkConfig;
  /** Complete runs of the benchmark (default 1). */
  repeat?: number;
  cwd?: string;
  cancellation?: CancellationLike;
  /** How long a cancelled profiler may take to answer with its partial result before it is killed. */
  cancelGraceMs?: number;
  progressIntervalMs?: number;
  onSpawn?(pid: number): void;
  onStarted?(header: RunHeader): void;
  onProgress?(progress: ClientProgress): void;
  log?(level: LogParams['level'], message: string): void;
}

export type FailureData = ProfilerErrorData | { kind: 'crashed'; exitCode: number | null; signal: string | null; stderr: string };

export type ProfilerOutcome =
  | { status: 'completed'; result: BenchmarkResult }
  | { status: 'cancelled'; result?: BenchmarkResult }
  | { status: 'failed'; message: string; data: FailureData; result?: BenchmarkResult };

const STDERR_TAIL_BYTES = 4000;

/** A forked profiler process and the JSON-RPC connection over its IPC channel (not yet listening). */
export interface SpawnedProfiler {
  child: ChildProcess;
  connection: MessageConnection;
  /** The last few KB the process wrote to stdout and stderr: what a crash report quotes. */
  outputTail(): string;
}

/**
 * Forks the profiler with an explicit environment: inside VS Code process.execPath is
 * Electron, and ELECTRON_RUN_AS_NODE makes it plain Node. Anything the process prints is crash
 * output (the protocol never uses the console), logged line by line when `log` is given.
 */
export function spawnProfiler(profilerScript: string, opts: { cwd?: string; log?: (level: LogParams['level'], message: string) => void } = {}): SpawnedProfiler {
  let tail = '';
  const child: ChildProcess = fork(profilerScript, [], {
    cwd: opts.cwd,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-STDERR_TAIL_BYTES);
    if (opts.log) for (const line of text.split('\n')) if (line.trim()) opts.log('warn', `[profiler] ${line}`);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  return { child, connection, outputTail: () => tail };
}

/** "exited with code 1" / "was killed (SIGKILL)". */
export function howItEnded(exitCode: number | null, signal: string | null): string {
  return signal ? `was killed (${signal})` : `exited with code ${exitCode}`;
}

export function runInProfiler(opts: ProfilerRunOptions): Promise<ProfilerOutcome> {
  return new Promise<ProfilerOutcome>((resolve) => {
    const log = opts.log ?? (() => undefined);
    const assembler = new ResultAssembler();
    let settled = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const { child, connection, outputTail } = spawnProfiler(opts.profilerScript, { cwd: opts.cwd, log });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    connection.onNotification(StartedNotification, (header) => {
      assembler.start(header);
      opts.onStarted?.(header);
      opts.onProgress?.({ phase: 'cold', done: 0, total: header.config.iterations });
    });
    connection.onNotification(ColdStartNotification, ({ firstMs }) => assembler.coldStart(firstMs));
    let repeat: ClientProgress['repeat'];
    // A sweep's running p50 is its current level's (the levels' latencies differ by design).
    let levelIndex = 0;
    let levelSamples = new LatencyHistogram();
    connection.onNotification(RepeatNotification, (r) => {
      repeat = r;
      opts.onProgress?.({ phase: 'loading', done: 0, total: opts.config.iterations, repeat });
    });
    connection.onNotification(ProgressNotification, (p) => {
      assembler.notePeakRss(p.peakRssBytes);
      if (p.telemetry) assembler.addTelemetry(p.telemetry);
      if (p.phase === 'warmup') assembler.addWarmup(p.newSamplesMs);
      else assembler.addMeasured(p.newSamplesMs, p.measuredWallMs);
      if (p.level && p.level.index !== levelIndex) {
        levelIndex = p.level.index;
        levelSamples = new LatencyHistogram();
      }
      if (p.level && p.phase === 'measure') levelSamples.recordAll(p.newSamplesMs);
      const runningP50Ms = p.level ? (levelSamples.count ? levelSamples.quantile(0.5) : undefined) : assembler.measuredCount ? assembler.runningP50Ms() : undefined;
      opts.onProgress?.({
        phase: p.phase,
        done: p.done,
        total: p.total,
        ...(p.phase === 'measure' && runningP50Ms !== undefined ? { runningP50Ms } : {}),
        ...(repeat ? { repeat } : {}),
        ...(p.level ? { level: p.level } : {}),
      });
    });
    connection.onNotification(LogNotification, ({ level, message }) => log(level, message));
    connection.onError(([err]) => log('warn', `profiler channel error: ${err.message}`));
    connection.listen();
    opts.onProgress?.({ phase: 'loading', done: 0, total: opts.config.iterations });

    const finish = (outcome: ProfilerOutcome, signal: NodeJS.Signals = 'SIGTERM') => {
      if (settled) return;
      settled = true;
      if (killTimer) clearTimeout(killTimer);
      cancelSubscription?.dispose();
      connection.dispose();
      // One process per run: whatever the outcome, it ends here (SIGKILL when it stopped answering).
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      resolve(outcome);
    };

    const tokenSource = new CancellationTokenSource();
    const cancelSubscription = opts.cancellation?.onCancellationRequested(() => {
      if (cancelled || settled) return;
      cancelled = true;
      log('info', 'cancellation requested');
      if (!assembler.started) {
        // Still loading: there is nothing to wait for and nothing to keep.
        finish({ status: 'cancelled' });
        return;
      }
      tokenSource.cancel();
      // A single inference can outlast the grace period; the samples we already hold are kept.
      killTimer = setTimeout(() => {
        log('warn', 'the profiler did not stop in time; killing it');
        finish({ status: 'cancelled', result: assembler.finish({ partialReason: 'cancelled' }) }, 'SIGKILL');
      }, opts.cancelGraceMs ?? 500);
    });

    child.on('error', (err) => {
      finish({ status: 'failed', message: `Could not start the profiler process: ${err.message}`, data: { kind: 'internal' } });
    });
    child.on('exit', (exitCode, signal) => {
      if (settled) return;
      if (cancelled) {
        finish({ status: 'cancelled', result: assembler.finish({ partialReason: 'cancelled' }) });
        return;
      }
      const how = howItEnded(exitCode, signal);
      const stderr = outputTail();
      const detail = stderr.trim() ? `\n${stderr.trim()}` : '';
      finish({
        status: 'failed',
        message: `The profiler process ${how} before finishing.${detail}`,
        data: { kind: 'crashed', exitCode, signal, stderr },
        result: assembler.finish({ partialReason: `profiler process ${how}` }),
      });
    });

    if (opts.cancellation?.isCancellationRequested) {
      finish({ status: 'cancelled' });
      return;
    }

    connection
      .sendRequest(
        RunRequest,
        { target: opts.target ?? { kind: 'onnx', modelPath: opts.modelPath }, config: opts.config, progressIntervalMs: opts.progressIntervalMs ?? 200, ...(opts.repeat && opts.repeat > 1 ? { repeat: opts.repeat } : {}) },
        tokenSource.token,
      )
      .then(
        (result) => finish(cancelled ? { status: 'cancelled', result } : { status: 'completed', result }),
        (err: unknown) => {
          if (err instanceof ResponseError) {
            const data = (err.data as ProfilerErrorData | undefined) ?? { kind: 'internal' };
            finish({ status: 'failed', message: err.message, data, ...withResult(assembler.finish({ partialReason: 'failed' })) });
          } else if (!settled) {
            // The channel closed under us; the exit handler reports the crash with its cause.
            log('warn', `profiler request ended: ${(err as Error).message}`);
          }
        },
      );
  });
}

function withResult(result: BenchmarkResult | undefined): { result?: BenchmarkResult } {
  return result ? { result } : {};
}

/**
 * The machine's state as the profiler reads it, from a short-lived profiler process: the
 * readings (files under /sys and /proc, nvidia-smi) stay out of the extension host.
 */
export function readSystemInProfiler(profilerScript: string, timeoutMs = 15000): Promise<SystemSnapshot> {
  return requestOnce(profilerScript, (c) => c.sendRequest(PreflightRequest, {}), timeoutMs, 'reading the system');
}

/** "Latency: Check Python Environment": the doctor's checks, run by a short-lived profiler process (which starts the interpreter). */
export function checkPythonInProfiler(profilerScript: string, params: DoctorParams, timeoutMs = 180_000): Promise<DoctorReport> {
  return requestOnce(profilerScript, (c) => c.sendRequest(DoctorRequest, params), timeoutMs, 'checking the Python environment');
}

/** One request to a profiler process started for it alone; the process ends with the answer, an error or the timeout. */
function requestOnce<T>(profilerScript: string, send: (connection: MessageConnection) => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { child, connection, outputTail } = spawnProfiler(profilerScript);
    connection.listen();
    let done = false;
    const end = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      connection.dispose();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fn();
    };
    const timer = setTimeout(() => end(() => reject(new Error(`${what} took longer than ${timeoutMs / 1000} s`))), timeoutMs);
    child.on('error', (err) => end(() => reject(new Error(`Could not start the profiler process: ${err.message}`))));
    child.on('exit', (code, signal) => end(() => reject(new Error(`The profiler process ${howItEnded(code, signal)} while ${what}.${outputTail().trim() ? `\n${outputTail().trim()}` : ''}`))));
    send(connection).then(
      (answer) => end(() => resolve(answer)),
      (err: unknown) => end(() => reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });
}
