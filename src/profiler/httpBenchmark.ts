// One HTTP endpoint benchmark: a closed loop at a fixed concurrency. `concurrency` workers each
// send a request, wait for the whole response, and send the next, so exactly `concurrency`
// requests are in flight at any moment (save while a phase ramps down). The result has the same
// shape as an ONNX run's: the first request (on a fresh connection: TCP connect, and TLS for
// https, included) is the cold start, then `warmup` requests, then `iterations` measured ones;
// loadMs is 0 (the server was loaded before the benchmark began); no session, no inputs.
//
// - Node's own http/https, one keep-alive Agent with maxSockets = concurrency, so every worker
//   keeps one connection and reuses it. No third-party client: what is timed is Node's socket
//   I/O and HTTP parsing, nothing more.
// - A sample runs from just before request() to the end of the response body
//   (process.hrtime.bigint()). A JSON body is parsed after the clock stopped, only to check it.
// - Phases are counted in requests issued: warm-up issues `warmup` requests and waits for them
//   all, then the measured phase issues `iterations` (fixed) or up to maxIterations (adaptive).
//   A request counts whether it succeeded or failed, so a failing server cannot keep a run
//   going for ever. The measured phase's wall clock runs from its start to its last response;
//   throughput is successful responses per second over it (summarize(samples, wall)).
// - A failed request is never a sample: refused, timeout (no full response within the timeout:
//   the request is aborted), status (not expected), malformed (a JSON content type whose body
//   does not parse), dropped (the connection closed before the response was complete), other.
//   They are counted in `result.errors` (measured requests only; warm-up failures are logged)
//   and the run goes on.
// - Nothing to measure is an error, not a result: a refused (or otherwise unconnectable) first
//   request, or no success among the first MAX_FAILURES_BEFORE_SUCCESS requests (or in the whole
//   run, when it is shorter) throws BenchmarkError 'httpFailed'.
// - Cancellation is polled after every response and on a timer (CANCEL_POLL_MS); it aborts the
//   requests in flight (not counted) and returns a partial result. The agent is destroyed on
//   every way out, so no socket outlives the run.
// - Peak memory: the endpoint runs in another process, often on another machine, so its memory
//   cannot be read from here. memory.peakRssBytes is the profiler's own peak RSS
//   (process.resourceUsage().maxRSS), which says what the client cost, not what the model did.

import * as http from 'http';
import * as https from 'https';
import { AdaptiveStopper } from '../core/adaptiveStop';
import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import type { BenchmarkResult, HttpTarget, RequestErrorKind, RequestErrors, StopReason } from '../core/result';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { SystemSnapshot } from '../core/system';
import { DEFAULT_HTTP_TIMEOUT_SECONDS, type HttpSpec } from '../core/target';
import { computeVerdicts } from '../core/verdicts';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { prepareMachine, type BenchmarkEvents } from './onnxBenchmark';
import { runRepeated } from './repeatBenchmark';
import { TelemetrySampler } from './telemetry';

export interface HttpBenchmarkOptions {
  spec: HttpSpec;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  /** Complete runs (fresh connections, cold start, warm-up, measured requests), combined as for ONNX. */
  repeat?: number;
}

/** With no success among this many first requests, the run stops with an error. */
export const MAX_FAILURES_BEFORE_SUCCESS = 10;
/** result.errors keeps this many first messages. */
export const MAX_ERROR_EXAMPLES = 5;
/** While requests are in flight, a cancel is looked for this often (besides after every response). */
const CANCEL_POLL_MS = 100;
const TELEMETRY_INTERVAL_MS = 500;
/** setTimeout's largest delay (~24.8 days); a longer timeout is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
/** The profiler's own peak RSS: the endpoint's memory is out of reach (see the file notes). */
const ownPeakRss = (): number => process.resourceUsage().maxRSS * 1024;

export async function runHttpBenchmark(opts: HttpBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runHttpBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  const request = resolveRequest(opts.spec);
  const system = await prepareMachine(opts.config, events.log ?? (() => undefined));
  const ctx: SessionContext = { ...opts, request, system };
  // combineRepeats knows nothing of request errors: those of the repeats kept are added up here.
  const kept: RequestErrors[] = [];
  const once = async (ev: BenchmarkEvents) => {
    const r = await runSession(ctx, ev);
    if (r.errors && !r.partial) kept.push(r.errors);
    return r;
  };
  if (repeat === 1) return runSession(ctx, events);
  const result = await runRepeated(repeat, once, events);
  if (!result.errors && kept.length > 0) result.errors = mergeRequestErrors(kept);
  return result;
}

// ---------------------------------------------------------------------------------------------
// The request, resolved once

export interface ResolvedRequest {
  url: URL;
  /** The URL as given (what the target records). */
  href: string;
  method: string;
  headers: Record<string, string | number>;
  body: Buffer | undefined;
  concurrency: number;
  expectedStatus: number[] | undefined;
  timeoutMs: number;
}

/** Validates the spec and settles the method, headers and body; throws BenchmarkError 'httpFailed' for a URL that cannot be requested. */
export function resolveRequest(spec: HttpSpec): ResolvedRequest {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new BenchmarkError(`Not a valid URL: ${spec.url}`, { kind: 'httpFailed', hint: 'Write the full address, e.g. http://127.0.0.1:8000/predict.' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BenchmarkError(`Only http:// and https:// URLs can be benchmarked, not ${url.protocol}// (${spec.url})`, {
      kind: 'httpFailed',
      hint: 'Write the address the server listens on, starting with http:// or https://.',
    });
  }
  const concurrency = spec.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`runHttpBenchmark: concurrency must be an integer ≥ 1, got ${concurrency}`);
  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_HTTP_TIMEOUT_SECONDS;
  if (!(timeoutSeconds > 0)) throw new RangeError(`runHttpBenchmark: timeoutSeconds must be > 0, got ${timeoutSeconds}`);
  if (spec.expectedStatus !== undefined && spec.expectedStatus.length === 0) throw new RangeError('runHttpBenchmark: expectedStatus must name at least one status');
  const body = spec.body !== undefined ? Buffer.from(spec.body, 'utf8') : undefined;
  const method = (spec.method ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string | number> = { ...(spec.headers ?? {}) };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (body !== undefined) {
    if (!has('content-type') && isJson(spec.body!)) headers['content-type'] = 'application/json';
    // A fixed length, not chunked: what clients of an inference endpoint usually send.
    if (!has('content-length') && !has('transfer-encoding')) headers['content-length'] = body.length;
  }
  return {
    url,
    href: spec.url,
    method,
    headers,
    body,
    concurrency,
    expectedStatus: spec.expectedStatus ? [...spec.expectedStatus] : undefined,
    timeoutMs: Math.min(timeoutSeconds * 1000, MAX_TIMER_MS),
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function httpTargetOf(r: ResolvedRequest): HttpTarget {
  return {
    kind: 'http',
    path: r.href,
    name: `${r.method} ${r.href}`,
    url: r.href,
    method: r.method,
    concurrency: r.concurrency,
    ...(r.expectedStatus ? { expectedStatus: r.expectedStatus } : {}),
    timeoutMs: r.timeoutMs,
  };
}

// ---------------------------------------------------------------------------------------------
// One session: fresh connections, cold start, warm-up, measured requests

interface SessionContext extends HttpBenchmarkOptions {
  request: ResolvedRequest;
  system: SystemSnapshot | null;
}

async function runSession(ctx: SessionContext, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { config, request, system } = ctx;
  const log = events.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  // Before the first request: systeminformation starts processes of its own.
  const environment = await collectEnvironment();
  const target = httpTargetOf(request);
  const header: RunHeader = { target, config: recordedRunConfig(config, { inputs: [] }), environment, startedAt, loadMs: 0, system };
  const assembler = new ResultAssembler();
  assembler.start(header);
  events.onStarted?.(header);

  const client = new HttpClient(request);
  const measuredErrors = new ErrorTally();
  /** Every failure before the first success, any phase: what the 'httpFailed' error describes. */
  const beforeSuccess = new ErrorTally();
  let succeeded = 0;
  let warmupFailures = 0;
  let measuredWallMs: number | undefined;
  const where = { phase: 'warmup' as 'warmup' | 'measure', run: 0 };
  const telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: system?.gpu.status === 'present', where, mode: 'polled' });
  const cancelTimer = setInterval(() => {
    if (events.isCancelled()) client.cancelAll();
  }, CANCEL_POLL_MS);

  const finish = (stopReason: StopReason, partialReason?: string): BenchmarkResult => {
    const result = assembler.finish({
      peakRssBytes: ownPeakRss(),
      stopReason,
      ...(measuredWallMs !== undefined ? { measuredWallMs } : {}),
      ...(partialReason !== undefined ? { partialReason } : {}),
    }) as BenchmarkResult;
    result.errors = measuredErrors.toErrors();
    // Failed requests count towards `iterations` but leave no sample: such a run did all it was
    // asked and is complete, which the assembler (counting samples) cannot tell.
    if (result.partial && partialReason === undefined && stopReason === 'iterations' && result.samplesMs.length + measuredErrors.count >= config.iterations) {
      result.partial = false;
      delete result.partialReason;
      const { verdicts: _, ...analysed } = result;
      result.verdicts = computeVerdicts(analysed);
    }
    if (warmupFailures > 0) log('warn', `${warmupFailures} of ${config.warmup} warm-up requests failed (not counted in the errors of the measured requests)`);
    if (measuredErrors.count > 0) {
      log('warn', `${measuredErrors.count} of ${measuredErrors.attempted} measured requests failed: ${describeTally(measuredErrors)}; they are counted apart, not in the latencies`);
    }
    return result;
  };
  const stopWith = async (stopReason: StopReason, partialReason?: string) => {
    assembler.addTelemetry(await telemetry.stop());
    return finish(stopReason, partialReason);
  };
  /** The run cannot measure anything: every request so far failed. */
  const nothingSucceeded = (): BenchmarkError => failedError(request, beforeSuccess);

  telemetry.start();
  try {
    if (events.isCancelled()) return await stopWith('cancelled', 'cancelled');
    const cold = await client.send();
    if ('cancelled' in cold) return await stopWith('cancelled', 'cancelled');
    if (cold.ok) {
      succeeded++;
      assembler.coldStart(cold.ms);
      events.onColdStart?.(cold.ms);
    } else {
      beforeSuccess.add(cold);
      // Nothing answered at all: no use trying nine more times.
      if (cold.kind === 'refused' || cold.kind === 'other') throw firstFailedError(request, cold);
      log('warn', `the first request failed (${cold.message}); going on, as long as one of the first ${MAX_FAILURES_BEFORE_SUCCESS} succeeds`);
    }

    const stopper = new AdaptiveStopper(config.stopping, config.iterations);
    const adaptive = config.stopping.mode === 'adaptive';
    const phases = [
      { phase: 'warmup' as const, total: config.warmup },
      { phase: 'measure' as const, total: adaptive ? config.stopping.maxIterations : config.iterations },
    ];
    if (config.warmup < request.concurrency) {
      log('info', `fewer warm-up requests (${config.warmup}) than concurrency (${request.concurrency}): some measured requests open a fresh connection`);
    }
    const flushEveryNs = BigInt(Math.round((ctx.progressIntervalMs ?? 200) * 1e6));
    let stopReason: StopReason | undefined;
    let fatal: BenchmarkError | undefined;

    for (const { phase, total } of phases) {
      if (stopReason !== undefined || fatal) break;
      const samples = phase === 'warmup' ? assembler.warmupSamplesMs : assembler.samplesMs;
      where.phase = phase;
      where.run = 0;
      if (phase === 'measure') telemetry.sampleIfDue(true);
      let pending: number[] = [];
      let done = 0;
      const phaseStart = process.hrtime.bigint();
      let lastAnswer = phaseStart;
      let lastFlush = phaseStart;
      const flush = () => {
        telemetry.sampleIfDue();
        const wallMs = Number(lastAnswer - phaseStart) / 1e6;
        if (phase === 'warmup') assembler.addWarmup(pending);
        else assembler.addMeasured(pending, wallMs);
        const newTelemetry = telemetry.drain();
        assembler.addTelemetry(newTelemetry);
        events.onProgress?.({
          phase,
          done,
          total,
          newSamplesMs: pending,
          ...(phase === 'measure' ? { measuredWallMs: wallMs } : {}),
          peakRssBytes: ownPeakRss(),
          ...(newTelemetry.length ? { telemetry: newTelemetry } : {}),
        });
        pending = [];
        lastFlush = process.hrtime.bigint();
      };

      let issued = 0;
      let stop = false;
      const worker = async () => {
        while (!stop && issued < total) {
          if (events.isCancelled()) {
            stopReason = 'cancelled';
            break;
          }
          issued++;
          const outcome = await client.send();
          if ('cancelled' in outcome) {
            stopReason = 'cancelled';
            break;
          }
          lastAnswer = process.hrtime.bigint();
          done++;
          where.run = done;
          if (outcome.ok) {
            succeeded++;
            pending.push(outcome.ms);
          } else {
            if (succeeded === 0) beforeSuccess.add(outcome);
            if (phase === 'measure') measuredErrors.add(outcome);
            else warmupFailures++;
          }
          if (phase === 'measure') measuredErrors.attempted++;
          if (succeeded === 0 && beforeSuccess.count >= MAX_FAILURES_BEFORE_SUCCESS) {
            fatal = nothingSucceeded();
            client.cancelAll();
            break;
          }
          if (lastAnswer - lastFlush >= flushEveryNs) flush();
          if (phase === 'measure' && adaptive && stopReason === undefined && stopper.shouldCheck(samples.length + pending.length, hrMs(phaseStart))) {
            flush();
            const verdict = stopper.check(samples, hrMs(phaseStart));
            if (verdict.stop) stopReason = verdict.reason;
          }
          if (stopReason !== undefined || events.isCancelled()) break;
        }
        // One worker stopping (cancelled, adaptive stop, nothing succeeds) stops them all.
        if (stopReason !== undefined || fatal) stop = true;
      };
      const workers = Math.max(0, Math.min(request.concurrency, total));
      await Promise.all(Array.from({ length: workers }, worker));
      if (phase === 'measure') measuredWallMs = Number(lastAnswer - phaseStart) / 1e6;
      flush();
      if (events.isCancelled()) stopReason = 'cancelled';
    }
    if (fatal) throw fatal;
    if (succeeded === 0 && stopReason !== 'cancelled') throw nothingSucceeded();
    if (stopReason === undefined) stopReason = adaptive ? 'maxIterations' : 'iterations';
    return await stopWith(stopReason, stopReason === 'cancelled' ? 'cancelled' : undefined);
  } finally {
    clearInterval(cancelTimer);
    client.close();
    // Idempotent: also reached on an error, so the nvidia-smi child never outlives the run.
    await telemetry.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

export type RequestOutcome =
  | { ok: true; ms: number }
  | { ok: false; kind: RequestErrorKind; message: string; status?: number }
  | { cancelled: true };

export type RequestFailure = Extract<RequestOutcome, { ok: false }>;

/** Sends the one request over a keep-alive agent; every outcome is a value, never a rejection. */
class HttpClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  /** Requests in flight, each with what ends it as cancelled. */
  private readonly inFlight = new Set<() => void>();
  private closed = false;

  constructor(private readonly r: ResolvedRequest) {
    const secure = r.url.protocol === 'https:';
    this.transport = secure ? https : http;
    const options: http.AgentOptions = { keepAlive: true, maxSockets: r.concurrency, maxFreeSockets: r.concurrency };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
  }

  send(): Promise<RequestOutcome> {
    const r = this.r;
    if (this.closed) return Promise.resolve({ cancelled: true });
    return new Promise<RequestOutcome>((resolve) => {
      let settled = false;
      let req: http.ClientRequest | undefined;
      const settle = (outcome: RequestOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(cancel);
        resolve(outcome);
      };
      const cancel = () => {
        settle({ cancelled: true });
        req?.destroy();
      };
      const timer = setTimeout(() => {
        settle({ ok: false, kind: 'timeout', message: `no complete response within ${formatSeconds(r.timeoutMs)} (request aborted)` });
        req?.destroy();
      }, r.timeoutMs);
      this.inFlight.add(cancel);

      const start = process.hrtime.bigint();
      req = this.transport.request(r.url, { method: r.method, headers: r.headers, agent: this.agent }, (res) => {
        const status = res.statusCode ?? 0;
        const expected = r.expectedStatus ? r.expectedStatus.includes(status) : status >= 200 && status < 300;
        const contentType = res.headers['content-type'] ?? '';
        const json = expected && /\bjson\b/i.test(contentType);
        const chunks: Buffer[] = [];
        if (json) res.on('data', (chunk: Buffer) => chunks.push(chunk));
        else res.resume();
        res.on('end', () => {
          const ms = hrMs(start);
          if (!expected) {
            settle({ ok: false, kind: 'status', status, message: `answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}` });
            return;
          }
          if (json) {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              JSON.parse(text);
            } catch (err) {
              settle({ ok: false, kind: 'malformed', message: `answered ${status} with content-type ${contentType} but a body that is not JSON (${errorText(err)}): ${snippet(text)}` });
              return;
            }
          }
          settle({ ok: true, ms });
        });
        res.on('error', (err) => settle(failureOf(err)));
        res.on('close', () => {
          if (!res.complete) settle({ ok: false, kind: 'dropped', message: 'the connection closed before the response was complete' });
        });
      });
      req.on('error', (err) => settle(failureOf(err)));
      req.end(r.body);
    });
  }

  /** Ends every request in flight as cancelled (their sockets destroyed). */
  cancelAll(): void {
    for (const cancel of [...this.inFlight]) cancel();
  }

  /** Cancels what is in flight and destroys every socket, busy or idle. */
  close(): void {
    this.closed = true;
    this.cancelAll();
    this.agent.destroy();
  }
}

/** A request's or response's 'error', by kind. */
export function failureOf(err: unknown): RequestFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = errorText(err);
  if (code === 'ECONNREFUSED') return { ok: false, kind: 'refused', message: `connection refused (${text})` };
  if (code === 'ETIMEDOUT') return { ok: false, kind: 'timeout', message: `connection timed out (${text})` };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || /socket hang up|aborted/i.test(text)) {
    return { ok: false, kind: 'dropped', message: `the connection closed before the response was complete (${text})` };
  }
  return { ok: false, kind: 'other', message: text };
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${JSON.stringify(flat.slice(0, 80))}…` : JSON.stringify(flat);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(6))} s`;
}

// ---------------------------------------------------------------------------------------------
// Counting failures

export class ErrorTally {
  count = 0;
  attempted = 0;
  readonly byKind: Partial<Record<RequestErrorKind, number>> = {};
  readonly statuses: Record<string, number> = {};
  readonly examples: string[] = [];

  add(f: RequestFailure): void {
    this.count++;
    this.byKind[f.kind] = (this.byKind[f.kind] ?? 0) + 1;
    if (f.kind === 'status' && f.status !== undefined) this.statuses[String(f.status)] = (this.statuses[String(f.status)] ?? 0) + 1;
    if (this.examples.length < MAX_ERROR_EXAMPLES) this.examples.push(f.message);
  }

  toErrors(): RequestErrors {
    return { count: this.count, attempted: this.attempted, byKind: { ...this.byKind }, statuses: { ...this.statuses }, examples: [...this.examples] };
  }
}

/** Several repeats' errors as one. */
export function mergeRequestErrors(all: readonly RequestErrors[]): RequestErrors {
  const out: RequestErrors = { count: 0, attempted: 0, byKind: {}, statuses: {}, examples: [] };
  for (const e of all) {
    out.count += e.count;
    out.attempted += e.attempted;
    for (const [k, n] of Object.entries(e.byKind) as Array<[RequestErrorKind, number]>) out.byKind[k] = (out.byKind[k] ?? 0) + n;
    for (const [s, n] of Object.entries(e.statuses)) out.statuses[s] = (out.statuses[s] ?? 0) + n;
    for (const m of e.examples) if (out.examples.length < MAX_ERROR_EXAMPLES) out.examples.push(m);
  }
  return out;
}

const KIND_WORDS: Record<RequestErrorKind, string> = {
  refused: 'refused',
  timeout: 'timed out',
  status: 'answered an unexpected status',
  malformed: 'answered malformed JSON',
  dropped: 'dropped',
  other: 'failed otherwise',
};

/** "8 answered 500, 2 dropped": the failures by kind, statuses named. */
export function describeTally(t: Pick<ErrorTally, 'byKind' | 'statuses'>): string {
  const parts: string[] = [];
  for (const [status, n] of Object.entries(t.statuses).sort((a, b) => b[1] - a[1])) parts.push(`${n} answered ${status}`);
  const counted = Object.values(t.statuses).reduce((a, b) => a + b, 0);
  const statusLeft = (t.byKind.status ?? 0) - counted;
  if (statusLeft > 0) parts.push(`${statusLeft} ${KIND_WORDS.status}`);
  for (const kind of ['refused', 'timeout', 'malformed', 'dropped', 'other'] as const) {
    const n = t.byKind[kind];
    if (n) parts.push(`${n} ${KIND_WORDS[kind]}`);
  }
  return parts.join(', ');
}

function failedError(r: ResolvedRequest, t: ErrorTally): BenchmarkError {
  const only = Object.keys(t.byKind).length === 1 ? (Object.keys(t.byKind)[0] as RequestErrorKind) : undefined;
  const hint =
    only === 'status'
      ? `Check the method (${r.method}), the path, the headers and the body the endpoint expects${r.expectedStatus ? `, and the expected statuses (${r.expectedStatus.join(', ')})` : ''}; the examples in the details are the server's own answers.`
      : only === 'timeout'
        ? `Raise the timeout (now ${formatSeconds(r.timeoutMs)}) if one response really takes this long, or check that the server is not stuck.`
        : only === 'malformed'
          ? 'The server says its body is JSON but it does not parse: check the endpoint with curl.'
          : only === 'refused'
            ? 'Start the server, or check the host and the port in the URL.'
            : 'Check the endpoint with curl; the details hold the first errors verbatim.';
  return new BenchmarkError(`Every request to ${r.method} ${r.href} failed: ${t.count} of ${t.count} ${only === 'status' && Object.keys(t.statuses).length === 1 ? `answered ${Object.keys(t.statuses)[0]}` : `failed (${describeTally(t)})`}.`, {
    kind: 'httpFailed',
    hint,
    details: t.examples.join('\n'),
  });
}

/** The first request could not reach a server at all. */
function firstFailedError(r: ResolvedRequest, f: RequestFailure): BenchmarkError {
  if (f.kind === 'refused') {
    return new BenchmarkError(`Connection refused at ${r.href}: is the server running?`, {
      kind: 'httpFailed',
      hint: `Nothing listens on ${r.url.host}. Start the server, or check the host and the port in the URL.`,
      details: f.message,
    });
  }
  return new BenchmarkError(`The first request to ${r.method} ${r.href} failed: ${f.message}`, {
    kind: 'httpFailed',
    hint: 'Check that the host name resolves and the server is reachable from this machine (try the URL with curl).',
    details: f.message,
  });
}
