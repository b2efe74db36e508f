// Runs an endpoint scenario on Locust in distributed mode on this machine: one master and N
// workers on loopback (on a cluster the user starts the same file on many machines, see
// locustExport.ts), then imports the master's per-request records (locustImport.ts).
//
// - The locustfile and the records go to a fresh folder under the OS temp dir, removed after.
// - The master binds 127.0.0.1 on a free port; it waits for all N workers (--expect-workers,
//   giving up after the startup timeout), runs for the run time, then collects the workers'
//   last records and quits; the workers quit when it tells them.
// - Every Locust process is started in a process group of its own (detached) and every group is
//   killed (SIGKILL) on every way out: the end, an error, a timeout, a cancel, the profiler's own
//   exit. A cancel first sends the master SIGTERM, so it still collects and writes the records
//   it has (a partial result), and kills what is left after CANCEL_GRACE_MS. A profiler killed
//   outright cleans nothing up, so each Locust process is also told the profiler's pid and exits
//   on its own within half a second of it being gone (the locustfile's watch_parent).
// - The records are read as the master appends them (RecordsTail) and reported as progress, so
//   the panel shows running figures and a host that loses the profiler keeps the samples.
// - Locust's request errors do not change its exit code here (--exit-code-on-error 0): a
//   non-zero exit means a failed SLO (the end line says which) or Locust's own failure (its
//   stderr becomes the error's details: a locustfile traceback, a port in use, …).

import { spawn, type ChildProcess } from 'child_process';
import { promises as fs } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LOCUST_RECORDS_OPTION, LOCUST_WATCH_PARENT_ENV, renderLocustFile, scenarioOfSpec, type LocustScenario } from '../core/locustExport';
import { DEFAULT_HTTP_TIMEOUT_SECONDS, type HttpSpec } from '../core/target';
import { mergeConfig, recordedRunConfig } from '../core/config';
import type { RunHeader } from '../core/resultAssembler';
import { parseLocustRecords } from '../core/locustRecords';
import type { BenchmarkResult, Environment } from '../core/result';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { ErrorTally, failedError } from './httpClient';
import { resolveRequest } from './httpRequest';
import { failedThresholds, resultFromLocustRecords } from './locustImport';
import type { BenchmarkEvents } from './onnxBenchmark';

export interface LocustRunOptions {
  scenario: LocustScenario;
  /** Worker processes (≥ 1). */
  workers: number;
  runTimeSeconds: number;
  /** Users started per second (default: all within the first second). */
  spawnRate?: number;
  /** How to start Locust (default ["locust"]), e.g. ["python3", "-m", "locust"]. */
  locustCommand?: string[];
  /** Longest wait for the workers to connect (s, default 60). */
  startupTimeoutSeconds?: number;
  /** Where the locustfile and records go; default a fresh temp folder, removed after. */
  workDir?: string;
  /** A locustfile to run instead of the one rendered from the scenario (one exported, then edited); the scenario still names the target. */
  locustfileText?: string;
  /** Called with the processes' ids once they started (tests look for leftovers with them). */
  onSpawned?(pids: number[], locustfile: string): void;
}

export const INSTALL_HINT = 'Install Locust: `sudo apt-get install python3-locust` (Debian, Ubuntu) or `pip install locust`, so that `locust` is on PATH.';
const CANCEL_POLL_MS = 100;
const CANCEL_GRACE_MS = 20_000;
/** After the master exits, the workers have this long to follow before they are killed. */
const WORKER_EXIT_GRACE_MS = 5_000;
const STDERR_KEEP = 16_000;
/** How often the records so far are read and reported as progress (the panel's running figures, and what a host keeps if the profiler dies). */
const PROGRESS_MS = 1_000;

/** Every Locust group alive in this process, killed if the profiler exits mid-run. */
const liveGroups = new Set<number>();
let exitHook = false;

export async function runLocust(opts: LocustRunOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  if (!(Number.isInteger(opts.workers) && opts.workers >= 1)) throw new RangeError(`runLocust: workers must be an integer ≥ 1, got ${opts.workers}`);
  if (!(opts.runTimeSeconds > 0)) throw new RangeError(`runLocust: runTimeSeconds must be > 0, got ${opts.runTimeSeconds}`);
  const log = events.log ?? (() => undefined);
  const text = opts.locustfileText ?? renderLocustFile(opts.scenario);
  const users = opts.scenario.users ?? opts.scenario.spec.concurrency ?? 1;
  const command = opts.locustCommand ?? ['locust'];
  await checkLocust(command);

  const ownDir = opts.workDir === undefined;
  const dir = opts.workDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'latency-locust-')));
  const locustfile = path.join(dir, `locustfile_${process.pid}_${Date.now().toString(36)}.py`);
  const recordsFile = path.join(dir, 'records.jsonl');
  await fs.writeFile(locustfile, text);
  const environment = await collectEnvironment();
  const port = await freePort();
  const startup = opts.startupTimeoutSeconds ?? 60;
  const procs: Proc[] = [];
  let cancelled = false;
  try {
    const master = start(command, [
      '-f', locustfile, '--master', '--master-bind-host', '127.0.0.1', '--master-bind-port', String(port),
      '--headless', '--expect-workers', String(opts.workers), '--expect-workers-max-wait', String(startup),
      '-u', String(users), '-r', String(opts.spawnRate ?? users), '-t', `${Math.ceil(opts.runTimeSeconds)}s`,
      '--exit-code-on-error', '0', '--only-summary', LOCUST_RECORDS_OPTION, recordsFile,
    ], dir);
    procs.push(master);
    for (let i = 0; i < opts.workers; i++) {
      procs.push(start(command, ['-f', locustfile, '--worker', '--master-host', '127.0.0.1', '--master-port', String(port)], dir));
    }
    opts.onSpawned?.(procs.map((p) => p.child.pid!), locustfile);
    events.onStarted?.(startHeader(opts, users, environment));
    const tail = new RecordsTail(recordsFile);
    let lastProgress = 0;
    const progress = async () => {
      const fresh = await tail.read();
      if (!fresh.length && tail.count > 0) return;
      events.onProgress?.({ phase: 'measure', done: tail.count, total: tail.count, newSamplesMs: fresh, measuredWallMs: tail.wallMs(), peakRssBytes: process.resourceUsage().maxRSS * 1024 });
    };
    log('info', `Locust: a master on 127.0.0.1:${port} and ${opts.workers} workers, ${users} users for ${opts.runTimeSeconds} s (${locustfile})`);

    // The master ends the run; a worker that dies first (a locustfile error) ends it too.
    const deadline = Date.now() + (startup + opts.runTimeSeconds + 60) * 1000;
    let sentTerm = 0;
    let timedOut = false;
    let workerFailed: Proc | undefined;
    while (master.exit === undefined) {
      await sleep(CANCEL_POLL_MS);
      if (Date.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = Date.now();
        await progress();
      }
      workerFailed = procs.slice(1).find((p) => p.exit !== undefined && p.exit.code !== 0);
      if (workerFailed && !sentTerm) break;
      if (!cancelled && events.isCancelled()) {
        cancelled = true;
        sentTerm = Date.now();
        log('info', 'cancelled: asking the Locust master to stop and write the records it has');
        signal(master, 'SIGTERM');
      }
      if (sentTerm && Date.now() - sentTerm > CANCEL_GRACE_MS) break;
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
    }
    if (master.exit === undefined) {
      killAll(procs);
      if (workerFailed) throw locustFailed('A Locust worker failed', workerFailed);
      if (timedOut) throw new BenchmarkError(`Locust did not finish within ${startup + opts.runTimeSeconds + 60} s`, { kind: 'timeout', hint: 'Check that the workers can connect to the master; the details hold its last output.', details: master.stderr() });
    }
    const workersDone = Date.now() + WORKER_EXIT_GRACE_MS;
    while (procs.some((p) => p.exit === undefined) && Date.now() < workersDone) await sleep(50);
    killAll(procs);

    const exitCode = master.exit?.code ?? null;
    let recordsText = '';
    try {
      recordsText = await fs.readFile(recordsFile, 'utf8');
    } catch {
      // No records at all: Locust failed before the run, which its stderr says.
    }
    const parsed = parseLocustRecords(recordsText);
    if (!parsed.start) throw locustFailed(`Locust ${exitCode === null ? 'was killed' : `exited with ${exitCode}`} before it recorded anything`, master);
    if (!parsed.records.length && !cancelled) throw locustFailed(`Locust ran but recorded no request (master ${exitCode === null ? 'killed' : `exit ${exitCode}`})`, master);
    if (parsed.badLines.length) log('warn', `${parsed.badLines.length} lines of the Locust records could not be read (line ${parsed.badLines.slice(0, 5).join(', ')})`);
    if (parsed.records.length && parsed.records.every((r) => !r.ok)) {
      const tally = new ErrorTally();
      for (const r of parsed.records.slice(0, 1000)) tally.add({ ok: false, kind: r.kind ?? 'other', message: r.error ?? 'failed', ...(r.status ? { status: r.status } : {}) });
      throw failedError(resolveRequest(opts.scenario.spec), tally);
    }
    const result = resultFromLocustRecords(parsed, {
      environment,
      system: null,
      engine: { workers: opts.workers, users, runTimeSeconds: opts.runTimeSeconds },
      cancelled,
      exitCode,
      source: recordsFile,
    });
    const failed = failedThresholds(result);
    for (const f of failed) log('warn', `SLO failed: ${f}`);
    if (exitCode !== 0 && !failed.length && !cancelled) log('warn', `the Locust master exited with ${exitCode}:\n${master.stderr()}`);
    return result;
  } finally {
    killAll(procs);
    if (ownDir) await fs.rm(dir, { recursive: true, force: true });
  }
}

/** An HTTP target whose spec asks for Locust (`locust` in a named target): what runTarget dispatches to. */
export function runLocustTarget(spec: HttpSpec, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const l = spec.locust!;
  return runLocust({ scenario: scenarioOfSpec(spec), workers: l.workers, runTimeSeconds: l.runTimeSeconds }, events);
}

/** What the run is, before Locust answered: so a host holds the samples reported as progress even if the profiler dies. */
function startHeader(opts: LocustRunOptions, users: number, environment: Environment): RunHeader {
  const spec = opts.scenario.spec;
  const method = (spec.method ?? (spec.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  return {
    target: {
      kind: 'http',
      path: spec.url,
      name: `${method} ${spec.url}`,
      url: spec.url,
      method,
      concurrency: users,
      ...(spec.expectedStatus ? { expectedStatus: spec.expectedStatus } : {}),
      timeoutMs: (spec.timeoutSeconds ?? DEFAULT_HTTP_TIMEOUT_SECONDS) * 1000,
      engine: { name: 'locust', workers: opts.workers, users, runTimeSeconds: opts.runTimeSeconds },
    },
    config: recordedRunConfig(mergeConfig({ warmup: 0, stopping: { mode: 'fixed' } }), { inputs: [] }),
    environment,
    startedAt: new Date().toISOString(),
    loadMs: 0,
    system: null,
  };
}

/** Reads the records file as the master appends to it: the successful times since the last read. */
class RecordsTail {
  count = 0;
  private offset = 0;
  private rest = '';
  private first = Infinity;
  private last = -Infinity;

  constructor(private readonly file: string) {}

  async read(): Promise<number[]> {
    let handle;
    try {
      handle = await fs.open(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const text = this.rest + buf.subarray(0, bytesRead).toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.rest = text.slice(cut + 1);
      const parsed = parseLocustRecords(text.slice(0, cut + 1));
      this.count += parsed.records.length;
      for (const r of parsed.records) {
        this.first = Math.min(this.first, r.t * 1000);
        this.last = Math.max(this.last, r.t * 1000 + r.ms);
      }
      return parsed.records.filter((r) => r.ok).map((r) => r.ms);
    } finally {
      await handle.close();
    }
  }

  wallMs(): number {
    return this.count ? this.last - this.first : 0;
  }
}

interface Proc {
  child: ChildProcess;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stderr(): string;
}

function start(command: string[], args: string[], cwd: string): Proc {
  // detached: a process group of its own, so the whole group (gevent's helpers included) can be killed.
  const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1', [LOCUST_WATCH_PARENT_ENV]: String(process.pid) } });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err = (err + d).slice(-STDERR_KEEP);
  });
  const p: Proc = { child, exit: undefined, stderr: () => err };
  if (child.pid !== undefined) liveGroups.add(child.pid);
  // 'close', not 'exit': by then stderr has been read to its end (a traceback arrives whole).
  child.on('close', (code, sig) => {
    p.exit = { code, signal: sig };
  });
  child.on('error', (e) => {
    err += `\n${e.message}`;
    p.exit = { code: null, signal: null };
  });
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const g of liveGroups) killGroup(g);
    });
  }
  return p;
}

function signal(p: Proc, sig: NodeJS.Signals): void {
  if (p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, sig);
  } catch {
    // Already gone.
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function killAll(procs: Proc[]): void {
  for (const p of procs) {
    if (p.child.pid === undefined) continue;
    // The group may outlive its leader (a helper process), so it is killed whether or not the leader exited.
    killGroup(p.child.pid);
    liveGroups.delete(p.child.pid);
  }
}

function locustFailed(what: string, p: Proc): BenchmarkError {
  const err = p.stderr();
  const traceback = err.lastIndexOf('Traceback (most recent call last)');
  const details = traceback >= 0 ? err.slice(traceback) : err.split('\n').slice(-40).join('\n');
  const last = details.trim().split('\n').pop() ?? '';
  return new BenchmarkError(`${what}${last ? `: ${last}` : ''}`, {
    kind: 'commandFailed',
    hint: /ModuleNotFoundError: No module named 'locust'/.test(err) ? INSTALL_HINT : 'The details hold Locust\'s own output (a Python traceback for an error in the locustfile).',
    details,
  });
}

/** `locust --version` runs: else a BenchmarkError with the install hint. */
async function checkLocust(command: string[]): Promise<void> {
  const outcome = await new Promise<{ code: number | null; out: string; error?: Error }>((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('error', (error) => resolve({ code: null, out, error }));
    child.on('close', (code) => resolve({ code, out }));
  });
  if (outcome.error || outcome.code !== 0) {
    const notFound = (outcome.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || /No module named/.test(outcome.out);
    throw new BenchmarkError(notFound ? `Locust is not installed (${command.join(' ')} was not found)` : `${command.join(' ')} --version failed (exit ${outcome.code})`, {
      kind: 'commandFailed',
      hint: INSTALL_HINT,
      details: (outcome.error?.message ?? outcome.out).trim(),
    });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
