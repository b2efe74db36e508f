// The HTTP client of the endpoint benchmarks: one request sent over a pool of keep-alive
// connections and timed from just before its dispatch to the end of its body, every outcome a
// value (never a rejection); and the tally of failures, which are counted apart and never become
// latency samples.

import type { Dispatcher, Pool } from 'undici';
import { performance } from 'perf_hooks';
import type { RequestErrorKind, RequestErrors } from '../core/result';
import { BenchmarkError } from './benchmarkError';
import type { ResolvedRequest } from './httpRequest';

/** result.errors keeps this many first messages. */
export const MAX_ERROR_EXAMPLES = 5;

// ---------------------------------------------------------------------------------------------
// Requests
//
// The transport is undici's low-level Pool.dispatch (undici is the HTTP/1.1 client Node's own
// fetch is built on), not node:http: for a load generator node:http itself was the limit. Against
// an instant server (`npm run bench:http -- capacity`) a bare node:http loop reached about half of
// wrk's rate; a bare dispatch loop about wrk's, at half the CPU per request. dispatch() takes a
// plain handler object and calls it back with raw header buffers and body chunks: no
// IncomingMessage, no streams, no events, no header object built per response. (undici's
// request() wraps the same thing in body streams and gives much of the gain back.)
//
// The pool holds `concurrency` connections, one request at a time on each (pipelining 1: a
// benchmark's requests must not queue behind one another on a connection the server cannot see
// as busy). undici's own headers and body timeouts are off: the client keeps its own deadlines
// (below), which cover the whole exchange, queueing included, as before. An idle connection is
// kept for undici's usual 4 s when the server gives no Keep-Alive hint (servers that send none
// often close idle connections after ~5 s, and reusing one as it closes fails a request), and for
// as long as the server's hint says (less a second), up to 10 minutes, when it gives one.
//
// Per request: one Exchange object, which is itself the dispatch handler, and no closures;
// request options built once per distinct headers object (a fixed body sends the same ones every
// time); one timer per client rather than one per request (every request has the same timeout,
// so their deadlines come in send order: a FIFO queue whose head is the next to expire); and
// performance.now() (a double) rather than hrtime.bigint() (a heap allocation per reading).
//
// Sends are dispatched together from one setImmediate, after the event loop has handled every
// socket that was ready: at concurrency 32 against a server with a fixed service time, responses
// arrive in bursts, and sending each next request straight from the previous response's end
// puts the CPU time of writing it ahead of the next response's clock: the 32nd response of a
// burst would be stopped ~31 writes late. The clock of a request starts at its dispatch, just
// before pool.dispatch(), so the deferral is never counted in a sample.
//
// A request is ended early (timeout, cancel) with the abort undici hands over once it is written
// to a connection, which destroys that connection (its answer may still come). One still queued
// for a connection has no abort yet: it is settled at once, and withdrawn when its connection
// comes (onConnect throws, and undici drops it without writing it or touching the connection).

export type RequestOutcome =
  | { ok: true; ms: number }
  | { ok: false; kind: RequestErrorKind; message: string; status?: number }
  | { cancelled: true };

export type RequestFailure = Extract<RequestOutcome, { ok: false }>;

const CANCELLED: RequestOutcome = Object.freeze({ cancelled: true });
/** Thrown from onConnect for a request settled before it reached a connection (see the notes above). */
const WITHDRAWN = new Error('the request was settled before it was sent');
/** At most this much of an unexpected status's body is kept, for its reason. */
const MAX_ERROR_BODY = 1024;
/** …and at most this much of it is quoted in the message. */
const MAX_REASON_CHARS = 200;

type PoolClass = typeof Pool;
let poolClass: PoolClass | undefined;

/**
 * undici's Pool, loaded with the first client: the profiler's other targets and the CLI's --help
 * do not run it. Its own module rather than the package's index, which would also bundle fetch,
 * WebSocket, EventSource and the rest (about 790 KB where this is about 410 KB).
 */
function loadPool(): PoolClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (poolClass ??= require('undici/lib/dispatcher/pool') as PoolClass);
}

/** One request in flight, from send to its outcome; undici calls it back as the dispatch handler. */
class Exchange implements Dispatcher.DispatchHandlers {
  settled = false;
  /** undici's abort for this request, once it is on a connection. */
  abort: ((err?: Error) => void) | undefined = undefined;
  /** Response body chunks, kept only when it is to be checked as JSON, or (its start) when the status is unexpected. */
  first: Buffer | undefined = undefined;
  more: Buffer[] | undefined = undefined;
  kept = 0;
  expected = false;
  json = false;
  status = 0;
  statusText = '';
  contentType = '';
  /** Set at dispatch, just before pool.dispatch(). */
  start = 0;
  deadline = 0;
  constructor(
    readonly client: HttpClient,
    private readonly resolve: (outcome: RequestOutcome) => void,
  ) {}

  settle(outcome: RequestOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.client.settled(this);
    this.resolve(outcome);
  }

  /** Ends it as cancelled (its connection destroyed, if it has one). */
  cancel(): void {
    this.settle(CANCELLED);
    this.abort?.();
  }

  timeOut(): void {
    this.settle({ ok: false, kind: 'timeout', message: `no complete response within ${formatSeconds(this.client.timeoutMs)} (request aborted)` });
    this.abort?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) throw WITHDRAWN;
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[] | string[] | null, _resume: () => void, statusText: string): boolean {
    // An informational answer (103 Early Hints…): the real one follows.
    if (statusCode < 200) return true;
    const expectedStatus = this.client.expectedStatus;
    this.status = statusCode;
    this.statusText = statusText;
    this.expected = expectedStatus ? expectedStatus.includes(statusCode) : statusCode >= 200 && statusCode < 300;
    if (this.expected && rawHeaders) {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i]!;
        if (name.length === 12 && name.toString().toLowerCase() === 'content-type') {
          this.contentType = rawHeaders[i + 1]!.toString();
          break;
        }
      }
      this.json = /\bjson\b/i.test(this.contentType);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.json || (!this.expected && this.kept < MAX_ERROR_BODY)) {
      this.kept += chunk.length;
      if (this.first === undefined) this.first = chunk;
      else (this.more ??= [this.first]).push(chunk);
    }
    return true;
  }

  onComplete(): void {
    const ms = performance.now() - this.start;
    if (this.settled) return;
    if (!this.expected) {
      const reason = bodyReason(this.body().subarray(0, MAX_ERROR_BODY).toString('utf8'), this.statusText);
      this.settle({ ok: false, kind: 'status', status: this.status, message: `answered ${this.status}${this.statusText ? ` ${this.statusText}` : ''}${reason}` });
      return;
    }
    if (this.json) {
      const text = this.body().toString('utf8');
      try {
        JSON.parse(text);
      } catch (err) {
        this.settle({ ok: false, kind: 'malformed', message: `answered ${this.status} with content-type ${this.contentType} but a body that is not JSON (${errorText(err)}): ${snippet(text)}` });
        return;
      }
    }
    this.settle({ ok: true, ms });
  }

  onError(err: Error): void {
    this.settle(failureOf(err));
  }

  private body(): Buffer {
    return this.more ? Buffer.concat(this.more) : (this.first ?? Buffer.alloc(0));
  }
}

/** Sends the one request over a pool of keep-alive connections; every outcome is a value, never a rejection. */
export class HttpClient {
  private readonly pool: Dispatcher;
  private readonly path: string;
  /** The last request's headers and options, and the headers object `flat` was converted from (see optionsFor). */
  private lastHeaders: Record<string, string | number> | undefined;
  private lastOptions: Dispatcher.DispatchOptions | undefined;
  private flatOf: Record<string, string | number> | undefined;
  private flat: string[] = [];
  readonly timeoutMs: number;
  readonly expectedStatus: number[] | undefined;
  /**
   * Requests in send order, so in deadline order; settled ones leave from the head (or in a
   * compaction, when a slow head holds many behind it). Every unsettled request is in here.
   */
  private queue: Exchange[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Sends waiting for the next dispatch (see the notes above). */
  private waiting: Exchange[] = [];
  private dispatchSet = false;

  constructor(private readonly r: ResolvedRequest) {
    const PoolCtor = loadPool();
    this.path = `${r.url.pathname}${r.url.search}`;
    this.pool = new PoolCtor(r.url.origin, {
      connections: r.concurrency,
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 600_000,
      // A connection attempt may take as long as a request may.
      connectTimeout: r.timeoutMs,
    });
    this.timeoutMs = r.timeoutMs;
    this.expectedStatus = r.expectedStatus;
  }

  send(): Promise<RequestOutcome> {
    if (this.closed) return Promise.resolve(CANCELLED);
    return new Promise<RequestOutcome>((resolve) => {
      this.waiting.push(new Exchange(this, resolve));
      if (!this.dispatchSet) {
        this.dispatchSet = true;
        setImmediate(this.dispatch);
      }
    });
  }

  private readonly dispatch = (): void => {
    this.dispatchSet = false;
    const batch = this.waiting;
    this.waiting = [];
    for (const ex of batch) {
      // Cancelled while waiting: settled already, nothing to send.
      if (ex.settled) continue;
      // Before the clock: rendering a templated body is the client's work, not the server's.
      const { body, headers } = this.r.next();
      const options = this.optionsFor(headers, body);
      const start = performance.now();
      ex.start = start;
      ex.deadline = start + this.timeoutMs;
      this.queue.push(ex);
      if (this.timer === undefined) this.arm(start);
      // Errors, even a bad header undici refuses at once, come back through ex.onError.
      this.pool.dispatch(options, ex);
    }
  };

  /**
   * The dispatch options of a request with these headers and body. A fixed body's are built once:
   * next() returns the same headers and body every time. A templated body's headers are the
   * spec's plus its content-length (httpRequest.ts), a new object each time; undici writes a
   * Buffer body's length itself, so those requests share the spec's headers, converted once, and
   * only the body changes.
   */
  private optionsFor(headers: Record<string, string | number>, body: Buffer | undefined): Dispatcher.DispatchOptions {
    const b = body ?? null;
    const last = this.lastOptions;
    if (last !== undefined && headers === this.lastHeaders && last.body === b) return last;
    const own = headers !== this.r.headers && b !== null && headers['content-length'] === b.length && this.r.headers['content-length'] === undefined ? this.r.headers : headers;
    if (own !== this.flatOf) {
      this.flat = flatHeaders(own, this.r.url);
      this.flatOf = own;
    }
    this.lastHeaders = headers;
    return (this.lastOptions = { path: this.path, method: this.r.method as Dispatcher.HttpMethod, headers: this.flat, body: b });
  }

  /** Called by an Exchange as it settles: drops settled requests from the queue's head. */
  settled(_ex: Exchange): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.settled) this.head++;
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    } else if (q.length - this.head > 4096 && q.length > 8 * (this.r.concurrency + 64)) {
      // A request hanging at the head keeps settled ones behind it: keep only those in flight.
      this.queue = q.slice(this.head).filter((e) => !e.settled);
      this.head = 0;
    }
  }

  /** The one timer, set for the oldest request's deadline. */
  private arm(now: number): void {
    const oldest = this.queue[this.head];
    if (oldest === undefined) return;
    this.timer = setTimeout(this.expire, Math.max(0, oldest.deadline - now));
    // In-flight sockets keep the process alive; a timer left for settled requests must not.
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    // Timed-out requests settle (and leave the head) one by one.
    for (let ex = this.queue[this.head]; ex !== undefined && ex.deadline <= now; ex = this.queue[this.head]) ex.timeOut();
    if (!this.closed) this.arm(now);
  };

  /** Ends every request in flight as cancelled (their connections destroyed). */
  cancelAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const ex of waiting) ex.cancel();
    for (const ex of this.queue.slice(this.head)) if (!ex.settled) ex.cancel();
  }

  /** Cancels what is in flight and destroys every connection, busy or idle. */
  close(): void {
    this.cancelAll();
    if (!this.closed) {
      this.closed = true;
      // What undici still holds (withdrawn requests) fails with ClientDestroyedError: settled already.
      this.pool.destroy().catch(() => undefined);
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A headers object as undici's flat list, once per distinct object: the URL's user and password
 * become basic authorization as node:http made them; transfer-encoding and keep-alive, which
 * undici refuses as headers (it frames a Buffer body with its length, and keeps connections
 * alive by itself), are left out.
 */
function flatHeaders(headers: Record<string, string | number>, url: URL): string[] {
  const out: string[] = [];
  let authorization = false;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding' || lower === 'keep-alive') continue;
    if (lower === 'authorization') authorization = true;
    out.push(name, String(value));
  }
  if (!authorization && (url.username || url.password)) {
    out.push('authorization', `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`);
  }
  return out;
}

/**
 * ': "…"', the server's reason from an unexpected status's body: a JSON error's message
 * ({"error": …}, {"error": {"message": …}}, {"message": …}, {"detail": …}), else the text itself;
 * nothing when the body is empty or says only what the status line already said.
 */
function bodyReason(text: string, statusText: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  let reason = flat;
  try {
    const v = JSON.parse(flat) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown } | null;
    const m = v && typeof v === 'object' ? (typeof v.error === 'object' && v.error && typeof v.error.message === 'string' ? v.error.message : typeof v.error === 'string' ? v.error : typeof v.message === 'string' ? v.message : typeof v.detail === 'string' ? v.detail : undefined) : undefined;
    if (m !== undefined) reason = m.replace(/\s+/g, ' ').trim();
  } catch {
    // Not JSON (or cut short): the text as it is.
  }
  if (!reason || (statusText && statusText.includes(reason.slice(0, MAX_REASON_CHARS)))) return '';
  return `: ${reason.length > MAX_REASON_CHARS ? `${JSON.stringify(reason.slice(0, MAX_REASON_CHARS))}…` : JSON.stringify(reason)}`;
}

/**
 * A transport error, by kind: node's (node:http, the streaming client) and undici's (this client),
 * by code, so undici itself is not loaded for it.
 */
export function failureOf(err: unknown): RequestFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = errorText(err);
  if (code === 'ECONNREFUSED') return { ok: false, kind: 'refused', message: `connection refused (${text})` };
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, kind: 'timeout', message: `connection timed out (${text})` };
  // Off in this client (its own deadlines rule), but named for what they are.
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { ok: false, kind: 'timeout', message: `no complete response in time (${text})` };
  if ((code !== undefined && DROPPED_CODES.has(code)) || /socket hang up|aborted/i.test(text)) {
    return { ok: false, kind: 'dropped', message: `the connection closed before the response was complete (${text})` };
  }
  return { ok: false, kind: 'other', message: text };
}

/**
 * The connection went away under a request: reset or closed by the server (undici's
 * UND_ERR_SOCKET, "other side closed"), a body cut short of its content-length, or the request
 * aborted or its client closed or destroyed with it on board.
 */
const DROPPED_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_ABORTED',
  'UND_ERR_ABORT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

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

export function formatSeconds(ms: number): string {
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

export function failedError(r: ResolvedRequest, t: ErrorTally): BenchmarkError {
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
export function firstFailedError(r: ResolvedRequest, f: RequestFailure): BenchmarkError {
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
