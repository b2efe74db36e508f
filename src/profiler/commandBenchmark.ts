// One command benchmark, process-level like hyperfine: `/bin/sh -c "<command>"` started afresh for
// every run (an optional --prepare command before each, untimed), the shell's own start-up
// measured with the empty command and subtracted (core/shellOverhead.ts), exit codes checked.
// The result has the same shape as an ONNX run's: cold start = the first run, then warm-up and
// measured runs; loadMs is 0 (each run starts from scratch); no session, no inputs.
//
// POSIX only. Windows would need cmd.exe's quoting and a job object (or taskkill /T) to stop a
// run's whole process tree; neither can be tested here, so win32 is refused with a clear error.
//
// How runs are started. Measured on a 2-core Firecracker VM (Node 20.20, libuv 1.46), wall clock
// per run of `/bin/sh -c ''`, all in the same minutes (the machine was shared, so figures moved
// by ±30% between sessions; the order never changed):
//
//   child_process.spawn, stdio 'ignore'      ≈ 11 ms (the spawn() call alone ≈ 7–8 ms)
//   … stderr to a pipe / all three piped     ≈ +0.9 / +1.3 ms (a pipe and a Socket per stream)
//   spawnSync, stdio 'ignore'                ≈ 7.6 ms, blocking the event loop throughout
//   a driver shell, one request per run      ≈ 4.4 ms   ← used
//   the same shell looping on its own        ≈ 3.6 ms;  hyperfine 1.15 ≈ 2.8 ms;  C posix_spawn ≈ 2.6 ms
//
// libuv starts every child with fork(), which copies the parent's page tables: the spawn() call
// grows with the profiler's resident memory (6.6 ms at 51 MB, 13 ms at 260 MB, 27 ms at 900 MB),
// where hyperfine's posix_spawn (vfork) copies nothing, and Node offers no other way to start a
// process. So Node starts ONE process, a driver shell (/bin/sh, ~1 MB), and the driver starts the
// runs: for each request line ('c' command, 'p' prepare, 'e' empty) it runs `/bin/sh -c "…"` in
// the foreground and answers the exit status. Its fork copies a megabyte, not the profiler.
//
// A sample is timed in Node, from writing the request to receiving the answer
// (process.hrtime.bigint()): the driver's fork, the exec of a fresh `/bin/sh -c` (exactly the
// process hyperfine times), the command, the exit, and two pipe hops. The empty-command
// calibration goes through the very same path, so everything but the command is subtracted.
// No spawnSync: it would block cancellation for a whole run (up to the timeout).
//
// - Each run is a fresh `/bin/sh -c`: nothing carries over between runs (the driver keeps the
//   command and the prepare command in unexported variables; runs see the profiler's
//   environment without them). stdin is /dev/null (a command waiting for input ends rather than
//   hangs), stdout /dev/null (as hyperfine). stderr goes to a temporary file opened O_APPEND and
//   truncated before every run: the kernel writes it, the profiler does no work per run and
//   holds no memory for it, and after a failure its last STDERR_TAIL_BYTES are read back. The
//   disk it takes is bounded by one run's stderr; the file is removed at the end.
// - Process group: the driver is spawned detached, so it leads a group of its own, and every run
//   joins it (a non-interactive shell does no job control). A timeout, a cancellation or the end
//   of the benchmark kills the whole group with SIGKILL: the driver, the run in flight and
//   anything the runs started in the background. A process that moves itself to another group
//   or session (a daemon) is out of reach, as with any tool that does not use cgroups. Pinning
//   (prepareMachine) is inherited by the driver and so by every run.
// - Cancellation and the timeout are checked on a timer while a run is in flight (first at
//   POLL_FIRST_MS, then every POLL_EVERY_MS), so a long command is stopped mid-run; the run cut
//   short is not counted.
// - An exit status other than 0 stops the benchmark: an error (commandFailed, with the status,
//   the command and the stderr tail) before any measured run, a partial result keeping the
//   samples after. A timeout likewise (kind 'timeout'). A process killed by signal n shows as
//   status 128 + n, the way the shell reports it.
//
// Peak memory: Node cannot give a child's rusage (process.resourceUsage() is getrusage(SELF), the
// profiler's own), and once a process has exited its /proc entry no longer has the figure. On
// Linux the same timer reads VmHWM (a process's own peak RSS so far; it only grows) from
// /proc/<pid>/status of the driver's children (the run in flight: the shell, or the command it
// exec'd) and their descendants, and the result reports the largest seen: the peak RSS of the
// largest single process, as getrusage's ru_maxrss and hyperfine report it, but a lower bound:
// growth in the last POLL_EVERY_MS of a run is missed, and runs shorter than POLL_FIRST_MS are
// not read at all. Only the cold and warm-up runs are read (MEASURED_POLL_MS says why). 0 when
// nothing was read (every run that short, no warm-up long enough, or not Linux).

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AdaptiveStopper } from '../core/adaptiveStop';
import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import type { ProfilerErrorKind } from '../core/profilerProtocol';
import type { BenchmarkResult, CommandTarget, StopReason } from '../core/result';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import {
  CALIBRATION_DISCARD,
  CALIBRATION_RUNS,
  RECHECK_RUNS,
  belowResolution,
  estimateOverhead,
  overheadDrift,
  subtractOverhead,
  type OverheadEstimate,
} from '../core/shellOverhead';
import type { SystemSnapshot } from '../core/system';
import { DEFAULT_COMMAND_TIMEOUT_SECONDS, type CommandSpec } from '../core/target';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { prepareMachine, type BenchmarkEvents } from './onnxBenchmark';
import { runRepeated } from './repeatBenchmark';
import { TelemetrySampler } from './telemetry';


/** The shell and its flag: hyperfine's default on POSIX. */
export const POSIX_SHELL: readonly string[] = Object.freeze(['/bin/sh', '-c']);

export interface CommandBenchmarkOptions {
  spec: CommandSpec;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  /** Complete runs (calibration, cold start, warm-up, measured runs), combined as for ONNX. */
  repeat?: number;
}

/** The last this many bytes of a failed run's stderr are read back, of which the last STDERR_TAIL_LINES lines are shown. */
const STDERR_TAIL_BYTES = 4096;
const STDERR_TAIL_LINES = 12;
const POLL_FIRST_MS = 10;
const POLL_EVERY_MS = 50;
/**
 * During measured runs (and the calibration) the timer only checks for a cancel, and rarely:
 * every wake-up of the profiler while a command runs lands in that run's time. Reading memory at
 * 10 ms cost each `sleep 0.02` run about 0.4 ms against hyperfine on this VM (0.05-0.13 ms with
 * no timer at all), so memory is read in the cold and warm-up runs, which run the same command.
 */
const MEASURED_POLL_MS = 250;
/** Children of the running shell read for memory, at most. */
const MAX_MEMORY_PIDS = 16;
const TELEMETRY_INTERVAL_MS = 500;
/** setTimeout's largest delay (~24.8 days); a longer timeout is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const linux = process.platform === 'linux';

export async function runCommandBenchmark(opts: CommandBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runCommandBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  const timeoutSeconds = opts.spec.timeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
  if (!(timeoutSeconds > 0)) throw new RangeError(`runCommandBenchmark: timeoutSeconds must be > 0, got ${timeoutSeconds}`);
  if (process.platform === 'win32') {
    throw new BenchmarkError('Command targets need a POSIX shell (/bin/sh); they are not supported on Windows yet.', {
      kind: 'commandFailed',
      hint: 'Run the benchmark under WSL, or benchmark the model itself (an ONNX file or a Python function).',
    });
  }
  if (opts.spec.command.trim() === '') throw new BenchmarkError('No command to benchmark: the command is empty.', { kind: 'commandFailed' });
  const cwd = path.resolve(opts.spec.cwd ?? process.cwd());
  await checkFolder(cwd);
  const system = await prepareMachine(opts.config, events.log ?? (() => undefined));
  const ctx: SessionContext = { ...opts, cwd, system, timeoutSeconds, shell: POSIX_SHELL };
  const once = (ev: BenchmarkEvents) => runSession(ctx, ev);
  return repeat === 1 ? once(events) : runRepeated(repeat, once, events);
}

interface SessionContext extends CommandBenchmarkOptions {
  cwd: string;
  system: SystemSnapshot | null;
  timeoutSeconds: number;
  shell: readonly string[];
}

/** Where in the run a process ran, as messages name it. */
type Where = { phase: 'calibration' } | { phase: 'cold' } | { phase: 'warmup' | 'measure'; run: number };

/** A run that did not exit 0 (or was stopped for its timeout). */
interface Failure {
  kind: Extract<ProfilerErrorKind, 'commandFailed' | 'timeout'>;
  which: 'command' | 'prepare' | 'shell';
  where: Where;
  code: number | null;
  stderr: string;
}

type Step = { ok: true; ms: number } | { ok: false; cancelled: true } | { ok: false; cancelled?: false; failure: Failure };

/** One complete run: calibration, cold start, warm-up, measured runs, re-check of the overhead. */
async function runSession(ctx: SessionContext, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { spec, config, cwd, system, shell } = ctx;
  const log = events.log ?? (() => undefined);
  const timeoutMs = Math.min(ctx.timeoutSeconds * 1000, MAX_TIMER_MS);
  const startedAt = new Date().toISOString();
  // Awaited before calibrating, not beside it as for ONNX (where it overlaps the model load):
  // systeminformation starts processes of its own, which would slow the empty-shell runs and
  // inflate the overhead that is then subtracted from every sample.
  const environment = await collectEnvironment();
  const runner = await ShellRunner.start(shell, cwd, spec, () => events.isCancelled());
  // A profiler that exits mid-run (a second Ctrl-C in the CLI) takes the running command with it.
  const onExit = () => runner.killGroup();
  process.on('exit', onExit);
  try {
    const calibration = await calibrate(runner, CALIBRATION_DISCARD, CALIBRATION_RUNS, timeoutMs);
    if ('failure' in calibration) throw failureError(calibration.failure, spec, shell, cwd, ctx.timeoutSeconds);
    const estimate = calibration.samplesMs.length ? estimateOverhead(calibration.samplesMs) : undefined;
    const overheadMs = estimate?.overheadMs ?? 0;
    if (estimate) {
      log('info', `shell overhead ${overheadMs.toFixed(3)} ms: median of ${estimate.n} runs of ${shellLine(shell, '')} (mean ${estimate.meanMs.toFixed(3)} ms, spread ±${estimate.spreadMs.toFixed(3)} ms), subtracted from every run`);
    }

    const target: CommandTarget = {
      kind: 'command',
      path: cwd,
      name: spec.command,
      command: spec.command,
      ...(spec.prepare !== undefined ? { prepare: spec.prepare } : {}),
      shell: [...shell],
      shellOverheadMs: overheadMs,
    };
    const runConfig = recordedRunConfig(config, { inputs: [] });
    const header: RunHeader = { target, config: runConfig, environment, startedAt, loadMs: 0, system };
    const assembler = new ResultAssembler();
    assembler.start(header);
    events.onStarted?.(header);
    const finish = (stopReason: StopReason, partialReason?: string, detail?: string): BenchmarkResult => {
      const result = assembler.finish({ peakRssBytes: runner.peakRssBytes, stopReason, ...(partialReason !== undefined ? { partialReason } : {}) }) as BenchmarkResult;
      if (detail && result.partialReason) result.partialReason = `${result.partialReason}: ${detail}`;
      return result;
    };
    if (calibration.cancelled) return finish('cancelled', 'cancelled');

    /** One iteration: the prepare command (untimed), then the command, timed and corrected. */
    const iteration = async (where: Where): Promise<Step> => {
      if (spec.prepare !== undefined) {
        const p = await runner.run('prepare', timeoutMs);
        if (p.killed === 'cancelled') return { ok: false, cancelled: true };
        const failure = failureOf(p, 'prepare', where, runner);
        if (failure) return { ok: false, failure };
        if (events.isCancelled()) return { ok: false, cancelled: true };
      }
      const r = await runner.run('command', timeoutMs, where.phase !== 'measure');
      if (r.killed === 'cancelled') return { ok: false, cancelled: true };
      const failure = failureOf(r, 'command', where, runner);
      if (failure) return { ok: false, failure };
      return { ok: true, ms: subtractOverhead(r.rawMs, overheadMs) };
    };

    const where = { phase: 'warmup' as 'warmup' | 'measure', run: 0 };
    const telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: system?.gpu.status === 'present', where, mode: 'polled' });
    telemetry.start();
    try {
      if (events.isCancelled()) return await stopWith(telemetry, assembler, () => finish('cancelled', 'cancelled'));
      const cold = await iteration({ phase: 'cold' });
      if (!cold.ok) {
        if (cold.cancelled) return await stopWith(telemetry, assembler, () => finish('cancelled', 'cancelled'));
        throw failureError(cold.failure, spec, shell, cwd, ctx.timeoutSeconds);
      }
      assembler.coldStart(cold.ms);
      events.onColdStart?.(cold.ms);

      const stopper = new AdaptiveStopper(config.stopping, config.iterations);
      const adaptive = config.stopping.mode === 'adaptive';
      const phases = [
        { phase: 'warmup' as const, total: config.warmup },
        { phase: 'measure' as const, total: adaptive ? config.stopping.maxIterations : config.iterations },
      ];
      const flushEveryNs = BigInt(Math.round((ctx.progressIntervalMs ?? 200) * 1e6));
      let stopReason: StopReason | undefined;
      let failed: Failure | undefined;
      for (const { phase, total } of phases) {
        if (stopReason !== undefined) break;
        const samples = phase === 'warmup' ? assembler.warmupSamplesMs : assembler.samplesMs;
        const phaseStart = process.hrtime.bigint();
        where.phase = phase;
        where.run = 0;
        if (phase === 'measure') telemetry.sampleIfDue(true);
        let pending: number[] = [];
        let lastFlush = process.hrtime.bigint();
        const flush = () => {
          telemetry.sampleIfDue();
          if (phase === 'warmup') assembler.addWarmup(pending);
          else assembler.addMeasured(pending, hrMs(phaseStart));
          const newTelemetry = telemetry.drain();
          assembler.addTelemetry(newTelemetry);
          events.onProgress?.({
            phase,
            done: samples.length,
            total,
            newSamplesMs: pending,
            ...(phase === 'measure' ? { measuredWallMs: hrMs(phaseStart) } : {}),
            peakRssBytes: runner.peakRssBytes,
            ...(newTelemetry.length ? { telemetry: newTelemetry } : {}),
          });
          pending = [];
          lastFlush = process.hrtime.bigint();
        };
        for (let i = 0; i < total; i++) {
          if (events.isCancelled()) {
            stopReason = 'cancelled';
            break;
          }
          const step = await iteration({ phase, run: i + 1 });
          if (!step.ok) {
            if (step.cancelled) stopReason = 'cancelled';
            else if (phase === 'measure' && samples.length + pending.length > 0) [stopReason, failed] = ['error', step.failure];
            else throw failureError(step.failure, spec, shell, cwd, ctx.timeoutSeconds);
            break;
          }
          pending.push(step.ms);
          where.run = i + 1;
          if (process.hrtime.bigint() - lastFlush >= flushEveryNs) flush();
          if (phase === 'measure' && adaptive && stopper.shouldCheck(samples.length + pending.length, hrMs(phaseStart))) {
            flush();
            const verdict = stopper.check(samples, hrMs(phaseStart));
            if (verdict.stop) {
              stopReason = verdict.reason;
              break;
            }
          }
        }
        flush();
      }
      if (stopReason === undefined) stopReason = adaptive ? 'maxIterations' : 'iterations';

      if (stopReason !== 'cancelled' && stopReason !== 'error' && estimate) {
        await recheck(runner, estimate, timeoutMs, log);
      }
      const measured = assembler.samplesMs;
      if (estimate && measured.length > 0) {
        const clamped = measured.filter((x) => x === 0).length;
        const sorted = [...measured].sort((a, b) => a - b);
        if (clamped > 0 || belowResolution(sorted[sorted.length >> 1]!, estimate)) {
          log('warn', `the command takes about as long as starting the shell varies (±${estimate.spreadMs.toFixed(3)} ms)${clamped ? `; ${clamped} of ${measured.length} runs came out at or below the overhead and count as 0` : ''}: its figures say more about that variation than about the command`);
        }
      }
      return await stopWith(telemetry, assembler, () =>
        failed
          ? finish('error', partialReasonOf(failed, ctx.timeoutSeconds), lastLine(failed.stderr))
          : finish(stopReason, stopReason === 'cancelled' ? 'cancelled' : undefined),
      );
    } finally {
      // Idempotent: also reached when a run fails, so the nvidia-smi child never outlives the run.
      await telemetry.stop();
    }
  } finally {
    process.off('exit', onExit);
    runner.close();
  }
}

async function stopWith(telemetry: TelemetrySampler, assembler: ResultAssembler, finish: () => BenchmarkResult): Promise<BenchmarkResult> {
  assembler.addTelemetry(await telemetry.stop());
  return finish();
}

/** Runs of the empty command: `discard` first, uncounted, then `count`. Stops early when cancelled. */
async function calibrate(
  runner: ShellRunner,
  discard: number,
  count: number,
  timeoutMs: number,
): Promise<{ samplesMs: number[]; cancelled: boolean } | { failure: Failure }> {
  const samplesMs: number[] = [];
  for (let i = 0; i < discard + count; i++) {
    if (runner.isCancelled()) return { samplesMs, cancelled: true };
    const r = await runner.run('empty', timeoutMs);
    if (r.killed === 'cancelled') return { samplesMs, cancelled: true };
    const failure = failureOf(r, 'shell', { phase: 'calibration' }, runner);
    if (failure) return { failure };
    if (i >= discard) samplesMs.push(r.rawMs);
  }
  return { samplesMs, cancelled: false };
}

/** The overhead measured again after the measured runs, against the figure that was subtracted. */
async function recheck(runner: ShellRunner, before: OverheadEstimate, timeoutMs: number, log: NonNullable<BenchmarkEvents['log']>): Promise<void> {
  const again = await calibrate(runner, 0, RECHECK_RUNS, timeoutMs);
  if ('failure' in again || again.samplesMs.length === 0) return;
  const drift = overheadDrift(before, estimateOverhead(again.samplesMs));
  const figures = `${drift.beforeMs.toFixed(3)} ms before the runs, ${drift.afterMs.toFixed(3)} ms after (${drift.changeMs >= 0 ? '+' : ''}${drift.changeMs.toFixed(3)} ms)`;
  if (drift.significant) {
    log('warn', `the shell overhead drifted during the run: ${figures}; the runs were corrected with the first figure, so late runs are off by up to the difference (the machine got ${drift.changeMs > 0 ? 'busier' : 'quieter'})`);
  } else {
    log('info', `shell overhead re-checked: ${figures}, within its noise`);
  }
}

// ---------------------------------------------------------------------------------------------
// Running one process

interface RunOutcome {
  /** From the request to the driver to its report of the exit status (ms), uncorrected. */
  rawMs: number;
  /** The exit status as the shell reports it: 128 + n for a process killed by signal n. */
  code: number | null;
  /** Set when the profiler killed the runs' process group. */
  killed?: 'timeout' | 'cancelled';
}

type Op = 'command' | 'prepare' | 'empty';
const OP_CODE: Record<Op, string> = { command: 'c\n', prepare: 'p\n', empty: 'e\n' };

/**
 * The driver: a shell that runs one process per line it reads and answers with the exit status.
 * The command and the prepare command arrive in the environment and are moved into unexported
 * variables at once, so the processes run do not see them. stdin and stdout of each run are
 * /dev/null (the driver's own are the request and answer pipes); stderr is inherited: the file.
 */
function driverScript(shell: readonly string[]): string {
  const run = (script: string) => `${shell.map(quote).join(' ')} ${script} </dev/null >/dev/null`;
  return [
    'c=$LATENCY_COMMAND; p=$LATENCY_PREPARE; unset LATENCY_COMMAND LATENCY_PREPARE',
    'echo ready',
    'while IFS= read -r op; do',
    '  case $op in',
    `    c) ${run('"$c"')} ;;`,
    `    p) ${run('"$p"')} ;;`,
    `    e) ${run("''")} ;;`,
    '    *) exit 0 ;;',
    '  esac',
    '  echo "$?"',
    'done',
  ].join('\n');
}

/**
 * Starts and times the runs, one at a time, through a driver shell; keeps what outlives a single
 * run: the stderr file, the memory peak.
 */
class ShellRunner {
  /** The largest VmHWM read from any run's processes (bytes); 0 when none was read. */
  peakRssBytes = 0;
  private readonly dir: string;
  private readonly errFd: number;
  private driver: ChildProcess | undefined;
  private lines: string[] = [];
  private partialLine = '';
  private onLine: ((line: string, at: bigint) => void) | undefined;
  private onDriverExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  private dead = false;
  private closed = false;

  private constructor(readonly isCancelled: () => boolean) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latency-command-'));
    // O_APPEND: every writer writes at the end, so truncating between runs starts the file afresh.
    this.errFd = fs.openSync(path.join(this.dir, 'stderr'), 'a+');
  }

  /** A runner whose driver is up and waiting (its own start-up is not part of any run). */
  static async start(shell: readonly string[], cwd: string, spec: CommandSpec, isCancelled: () => boolean): Promise<ShellRunner> {
    const runner = new ShellRunner(isCancelled);
    try {
      await runner.startDriver(shell, cwd, spec);
    } catch (err) {
      runner.close();
      throw err;
    }
    return runner;
  }

  private startDriver(shell: readonly string[], cwd: string, spec: CommandSpec): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const failed = (why: string) =>
        new BenchmarkError(`Could not start ${shell[0]} to run the command: ${why}`, {
          kind: 'commandFailed',
          hint: `Command targets run through ${shell.join(' ')}; check that it exists and that ${cwd} is a folder you can enter.`,
          ...(this.stderrTail() ? { details: this.stderrTail() } : {}),
        });
      const driver = spawn(shell[0]!, [...shell.slice(1), driverScript(shell)], {
        cwd,
        // detached: the driver leads a process group of its own, which every run joins (a
        // non-interactive shell does no job control), so one kill stops all of it.
        detached: true,
        stdio: ['pipe', 'pipe', this.errFd],
        env: { ...process.env, LATENCY_COMMAND: spec.command, LATENCY_PREPARE: spec.prepare ?? '' },
      });
      this.driver = driver;
      driver.stdout!.setEncoding('latin1');
      driver.stdout!.on('data', (chunk: string) => {
        const at = process.hrtime.bigint();
        const parts = (this.partialLine + chunk).split('\n');
        this.partialLine = parts.pop()!;
        for (const line of parts) {
          const handler = this.onLine;
          if (handler) {
            this.onLine = undefined;
            handler(line, at);
          } else this.lines.push(line);
        }
      });
      // A write to a driver that died is reported by its exit, not as an unhandled error.
      driver.stdin!.on('error', () => undefined);
      driver.once('error', (err) => {
        this.dead = true;
        reject(failed(err.message));
      });
      driver.once('exit', (code, signal) => {
        this.dead = true;
        const handler = this.onDriverExit;
        this.onDriverExit = undefined;
        this.onLine = undefined;
        if (handler) handler(code, signal);
        else reject(failed(`it exited at once (${signal ?? `code ${code}`})`));
      });
      this.onLine = (line) => {
        this.onDriverExit = undefined;
        if (line === 'ready') resolve();
        else reject(failed(`unexpected output "${line}"`));
      };
      this.onDriverExit = (code, signal) => reject(failed(`it exited at once (${signal ?? `code ${code}`})`));
    });
  }

  /** `watchMemory`: read the run's peak memory while it runs (see MEASURED_POLL_MS for why measured runs do not). */
  run(op: Op, timeoutMs: number, watchMemory = false): Promise<RunOutcome> {
    const driver = this.driver;
    if (this.closed || this.dead || !driver) return Promise.reject(new Error('ShellRunner: the driver is not running'));
    fs.ftruncateSync(this.errFd, 0);
    return new Promise<RunOutcome>((resolve, reject) => {
      let killed: RunOutcome['killed'];
      let poll: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(poll);
        this.onLine = undefined;
        this.onDriverExit = undefined;
      };
      const timer = setTimeout(() => {
        killed = 'timeout';
        this.killGroup();
      }, timeoutMs);
      const tick = () => {
        if (this.isCancelled()) {
          killed = 'cancelled';
          this.killGroup();
          return;
        }
        if (watchMemory && linux && driver.pid !== undefined) this.peakRssBytes = Math.max(this.peakRssBytes, runPeakRss(driver.pid));
        poll = setTimeout(tick, watchMemory ? POLL_EVERY_MS : MEASURED_POLL_MS);
      };
      poll = setTimeout(tick, watchMemory ? POLL_FIRST_MS : MEASURED_POLL_MS);
      this.onDriverExit = (code, signal) => {
        finish();
        if (killed) resolve({ rawMs: NaN, code: null, killed });
        else {
          reject(
            new BenchmarkError(`The shell running the command exited unexpectedly (${signal ?? `code ${code}`}).`, {
              kind: 'commandFailed',
              hint: 'Something killed the shell that starts each run (the command itself, if it signals its parent); its stderr is in the details.',
              details: this.stderrTail(),
            }),
          );
        }
      };
      const start = process.hrtime.bigint();
      this.onLine = (line, at) => {
        finish();
        const code = /^\d+$/.test(line) ? Number(line) : null;
        resolve({ rawMs: Number(at - start) / 1e6, code, ...(killed ? { killed } : {}) });
      };
      driver.stdin!.write(OP_CODE[op]);
    });
  }

  /** The last lines the latest run wrote to stderr (its output is bounded to STDERR_TAIL_BYTES here). */
  stderrTail(): string {
    try {
      const size = fs.fstatSync(this.errFd).size;
      const n = Math.min(size, STDERR_TAIL_BYTES);
      if (n === 0) return '';
      const buf = Buffer.alloc(n);
      fs.readSync(this.errFd, buf, 0, n, size - n);
      let text = buf.toString('utf8');
      if (n < size) {
        // Cut mid-file: the first line is a fragment, dropped when whole lines follow it.
        const nl = text.trimEnd().indexOf('\n');
        text = nl >= 0 ? text.slice(nl + 1) : `…${text}`;
      }
      const lines = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.length > 0);
      return lines.slice(-STDERR_TAIL_LINES).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGKILL to the driver's process group: the driver, the run in flight, whatever it started in the group. */
  killGroup(): void {
    const pid = this.driver?.pid;
    if (pid === undefined || this.dead) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        this.driver?.kill('SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /** Ends the driver and, with it, anything the runs left running in its group; removes the stderr file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.killGroup();
    try {
      fs.closeSync(this.errFd);
    } catch {
      // already closed
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The largest VmHWM among the driver's children (the run in flight) and their descendants; 0 when unreadable. */
function runPeakRss(driverPid: number): number {
  let peak = 0;
  for (const pid of childrenOf(driverPid)) peak = Math.max(peak, treePeakRss(pid));
  return peak;
}

function childrenOf(pid: number): number[] {
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** The largest VmHWM among a process and its descendants (breadth first, at most MAX_MEMORY_PIDS); 0 when unreadable. */
function treePeakRss(root: number): number {
  let peak = 0;
  const queue = [root];
  for (let seen = 0; queue.length > 0 && seen < MAX_MEMORY_PIDS; seen++) {
    const pid = queue.shift()!;
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
      const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      queue.push(...childrenOf(pid));
    } catch {
      // exited between the reads, or /proc lacks the children file
    }
  }
  return peak;
}

async function checkFolder(cwd: string): Promise<void> {
  let stat;
  try {
    stat = await fs.promises.stat(cwd);
  } catch {
    throw new BenchmarkError(`The folder to run the command in does not exist: ${cwd}`, { kind: 'commandFailed' });
  }
  if (!stat.isDirectory()) throw new BenchmarkError(`Not a folder, so the command cannot run in it: ${cwd}`, { kind: 'commandFailed' });
}

// ---------------------------------------------------------------------------------------------
// Failures, in words

function failureOf(r: RunOutcome, which: Failure['which'], where: Where, runner: ShellRunner): Failure | undefined {
  if (r.killed === 'timeout') return { kind: 'timeout', which, where, code: r.code, stderr: runner.stderrTail() };
  if (r.code === 0) return undefined;
  return { kind: 'commandFailed', which, where, code: r.code, stderr: runner.stderrTail() };
}

function whereText(where: Where): string {
  switch (where.phase) {
    case 'calibration':
      return 'while measuring the shell overhead';
    case 'cold':
      return 'at the first run (the cold start)';
    case 'warmup':
      return `at warm-up run ${where.run}`;
    case 'measure':
      return `at measured run ${where.run}`;
  }
}

function howItEnded(f: Failure): string {
  return f.code === null ? 'ended without an exit status' : `exited with code ${f.code}`;
}

/** "exit code 3 at measured run 12", as a partial result's reason begins. */
function partialReasonOf(f: Failure, timeoutSeconds: number): string {
  const what = f.which === 'prepare' ? 'the --prepare command ' : '';
  if (f.kind === 'timeout') return `${what}timed out after ${timeoutSeconds} s ${whereText(f.where)}`;
  return `${what}exit code ${f.code ?? 'unknown'} ${whereText(f.where)}`;
}

function failureError(f: Failure, spec: CommandSpec, shell: readonly string[], cwd: string, timeoutSeconds: number): BenchmarkError {
  const script = f.which === 'prepare' ? spec.prepare ?? '' : f.which === 'shell' ? '' : spec.command;
  const subject = f.which === 'prepare' ? 'The --prepare command' : f.which === 'shell' ? `The shell (${shellLine(shell, '')})` : 'The command';
  const details = [`$ ${shellLine(shell, script)}`, `(in ${cwd})`, ...(f.stderr ? ['last lines of stderr:', f.stderr] : ['(nothing on stderr)'])].join('\n');
  if (f.kind === 'timeout') {
    return new BenchmarkError(`${subject} was still running after ${timeoutSeconds} s ${whereText(f.where)}, so it was stopped (its process group killed).`, {
      kind: 'timeout',
      details,
      hint: `Raise the command timeout if one run really takes this long; otherwise check that it does not wait for something (its stdin is /dev/null).`,
    });
  }
  const tail = lastLine(f.stderr);
  return new BenchmarkError(`${subject} ${howItEnded(f)} ${whereText(f.where)}${tail ? `: ${tail}` : ''}`, {
    kind: 'commandFailed',
    details,
    hint: exitHint(f.code, f.stderr, shell),
  });
}

/** What an exit status usually means, for the error's hint. */
export function exitHint(code: number | null, stderr: string, shell: readonly string[] = POSIX_SHELL): string {
  if (code === 127) return `exit 127: command not found — check PATH and the spelling. ${shell[0]} is not your interactive shell: aliases and functions from your shell profile do not exist there.`;
  if (code === 126) return 'exit 126: found but not executable — check its permissions (chmod +x) and its #! line.';
  if (code === 2 && /syntax error|unexpected/i.test(stderr)) {
    return `${shell[0]} could not parse the command. It is a POSIX shell (dash on Debian and Ubuntu), so bash syntax ([[ ]], arrays, {1..3}) fails: write it for sh, or wrap it as bash -c '…'.`;
  }
  if (code !== null && code > 128 && code < 160) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
    const why = name === 'SIGKILL' ? ': when the profiler did not send it, often the out-of-memory killer (see `dmesg`)' : name === 'SIGSEGV' || name === 'SIGBUS' || name === 'SIGABRT' ? ': the program crashed' : '';
    return `exit ${code}: how a shell reports a process killed by signal ${code - 128}${name ? ` (${name})` : ''}${why}.`;
  }
  if (code === null) return 'The shell reported no exit status; the details hold what the run wrote to stderr.';
  return `exit ${code}: the command itself reports failure. Its last lines of stderr are in the details; run it in a terminal to see more.`;
}

/** The last line of a stderr tail, its end kept when it is long (the latest output is the telling part). */
function lastLine(text: string): string {
  const line = text.split('\n').pop() ?? '';
  return line.length > 200 ? `…${line.slice(-199).replace(/^…/, '')}` : line;
}

function shellLine(shell: readonly string[], script: string): string {
  return [...shell, quote(script)].join(' ');
}

/** Single-quoted for sh: the text exactly, whatever it holds. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
