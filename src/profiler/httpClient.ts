// The HTTP client of the endpoint benchmarks: one request sent over a pool of keep-alive
// connections and timed from just before its bytes are written to the end of its body, every
// outcome a value (never a rejection); and the tally of failures, which are counted apart and
// never become latency samples.

import { performance } from 'perf_hooks';
import type { RequestErrorKind, RequestErrors } from '../core/result';
import { BenchmarkError } from './benchmarkError';
import { ConnectionPool, originOf, type Connection, type RequestHandler } from './httpConnection';
import type { ResolvedRequest } from './httpRequest';

/** result.errors keeps this many first messages. */
export const MAX_ERROR_EXAMPLES = 5;

// ---------------------------------------------------------------------------------------------
// Requests
//
// The transport is our own (httpConnection.ts): keep-alive connections on node:net / node:tls,
// responses parsed by http-parser-js, no node:http and no undici. For a load generator node:http
// itself was the limit (a bare node:http loop reached about half of wrk's rate against an instant
// server, `npm run bench:http -- capacity`). undici's Pool.dispatch did better, but Latency on it
// reached only 0.46 of wrk at concurrency 32 (30.8 µs of CPU per request), and undici writes a
// request on a reused idle connection only from a setImmediate (its idle-socket validation),
// measured at ~0.17 ms per request at concurrency 1, which our clock, started at dispatch,
// counted in every sample. A bare loop of raw sockets and http-parser-js measured on the same
// machine: 47–53k requests/s at concurrency 32 (18.6–20.6 µs per request) against wrk's 40–65k,
// and 20.6–22.9k at concurrency 1 against wrk's 23–24k. What a response needs here is little:
// its status, its content type, its framing and its body's bytes. Latency on this client, same
// bench on a quiet machine: 0.80 of wrk at concurrency 32 (31.8 µs of CPU per request, all of
// runHttpBenchmark included) and 0.74 at concurrency 1, where undici's, run just after, reached
// 0.43 and 0.50. Over three later runs: 0.48–0.80 at 32 and 0.72–0.80 at 1; the spread is the
// VM's (one round to the next moved the ratio from 0.4 to 1.1), and in one profiled run at 32
// Latency and the bare socket loop went at the same rate (28.7k and 29.2k requests/s), so what
// is left is Node's own cost of a socket write per request (~9–14 µs here), which wrk pays in C.
//
// The pool holds at most `concurrency` connections, one request at a time on each (no
// pipelining: a benchmark's requests must not queue behind one another on a connection the
// server cannot see as busy); requests wait FIFO for a free one. Idle connections are kept 4 s
// without a Keep-Alive hint, else as long as the hint says less a second, up to 10 minutes
// (httpConnection.ts says why). A connection attempt may take as long as a request may.
//
// Per request: one Exchange object, which is itself the connection's handler, and no closures;
// the request's bytes (head and body, one Buffer, written with one socket.write) built once per
// distinct headers and body: a fixed body sends the very same Buffer every time (next() returns
// the same objects), a templated one its rendered body behind the spec's head, rendered once,
// with its own content-length; one timer per client rather than one per request (every request
// has the same timeout, so their deadlines come in send order: a FIFO queue whose head is the
// next to expire); and performance.now() (a double) rather than hrtime.bigint() (a heap
// allocation per reading).
//
// Sends are dispatched together from one setImmediate, after the event loop has handled every
// socket that was ready: at concurrency 32 against a server with a fixed service time, responses
// arrive in bursts, and sending each next request straight from the previous response's end
// puts the CPU time of writing it ahead of the next response's clock: the 32nd response of a
// burst would be stopped ~31 writes late.
//
// The clock of a request starts just before its bytes are written to its connection, not at
// send() nor at the dispatch: the wait for a free connection, and connecting (TCP, TLS), are the
// client's time, not the server's, and are never in a sample (so neither in the cold start). It
// stops when the bytes that complete the response were read, before they are parsed (parsing is
// the client's work too: with it inside, the p50 against an instant server was ~0.05 ms; 0.029 without).
// Its deadline, though, counts from the dispatch: a timeout covers the whole exchange, queueing and
// connecting included.
//
// A request ended early (timeout, cancel) while on a connection destroys that connection (its
// answer may still come, and would be read as the next request's). One still waiting for a
// connection is settled at once and withdrawn unsent when its turn comes.

export type RequestOutcome =
  | { ok: true; ms: number }
  | { ok: false; kind: RequestErrorKind; message: string; status?: number }
  | { cancelled: true };

export type RequestFailure = Extract<RequestOutcome, { ok: false }>;

const CANCELLED: RequestOutcome = Object.freeze({ cancelled: true });
/** At most this much of an unexpected status's body is kept, for its reason. */
const MAX_ERROR_BODY = 1024;
/** …and at most this much of it is quoted in the message. */
const MAX_REASON_CHARS = 200;
const EMPTY = Buffer.alloc(0);

/** One request in flight, from send to its outcome; its connection calls it back as its handler. */
class Exchange implements RequestHandler {
  settled = false;
  /** The connection it was written to. */
  connection: Connection | undefined = undefined;
  bytes: Buffer = EMPTY;
  head = false;
  close = false;
  /** Response body chunks, kept only when it is to be checked as JSON, or (its start) when the status is unexpected. */
  first: Buffer | undefined = undefined;
  more: Buffer[] | undefined = undefined;
  kept = 0;
  expected = false;
  json = false;
  status = 0;
  statusText = '';
  contentType = '';
  /** Set just before its bytes are written. */
  start = 0;
  /** Set at its dispatch. */
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
    this.connection?.abort(this);
  }

  timeOut(): void {
    this.settle({ ok: false, kind: 'timeout', message: `no complete response within ${formatSeconds(this.client.timeoutMs)} (request aborted)` });
    this.connection?.abort(this);
  }

  onWrite(): void {
    this.start = performance.now();
  }

  onHead(statusCode: number, statusText: string, headers: string[], noBody: boolean): void {
    const expectedStatus = this.client.expectedStatus;
    this.status = statusCode;
    this.statusText = statusText;
    this.expected = expectedStatus ? expectedStatus.includes(statusCode) : statusCode >= 200 && statusCode < 300;
    // An answer without a body (HEAD, 204, 304) has no JSON to check, whatever its content type.
    if (this.expected && !noBody) {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        const name = headers[i]!;
        if (name.length === 12 && name.toLowerCase() === 'content-type') {
          this.contentType = headers[i + 1]!;
          break;
        }
      }
      this.json = /\bjson\b/i.test(this.contentType);
    }
  }

  onBody(chunk: Buffer): void {
    if (this.json || (!this.expected && this.kept < MAX_ERROR_BODY)) {
      this.kept += chunk.length;
      if (this.first === undefined) this.first = chunk;
      else (this.more ??= [this.first]).push(chunk);
    }
  }

  onComplete(at: number): void {
    const ms = at - this.start;
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
    return this.more ? Buffer.concat(this.more) : (this.first ?? EMPTY);
  }
}

/** A request's head up to (not including) its content-length, for one headers object; or why those headers cannot be sent. */
interface Head {
  of: Record<string, string | number>;
  text: string;
  /** The content-length the headers give, if any. */
  length: number | undefined;
  /** The headers ask for `connection: close`: the connection is not reused after the answer. */
  close: boolean;
  error: string | undefined;
}

/** Sends the one request over a pool of keep-alive connections; every outcome is a value, never a rejection. */
export class HttpClient {
  private readonly pool: ConnectionPool;
  /** The request line and the host header. */
  private readonly requestLine: string;
  private readonly isHead: boolean;
  /** Whether an empty body still gets `content-length: 0` (POST, PUT, PATCH, as undici and curl send them). */
  private readonly expectsBody: boolean;
  /** The last request's headers and body, and their bytes (see bytesFor). */
  private lastHeaders: Record<string, string | number> | undefined;
  private lastBody: Buffer | undefined;
  private lastBytes: Buffer | string = EMPTY;
  /** The head of the last distinct headers object. */
  private headOf: Head | undefined;
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
    this.pool = new ConnectionPool(originOf(r.url), r.concurrency, r.timeoutMs);
    this.requestLine = `${r.method} ${r.url.pathname}${r.url.search} HTTP/1.1\r\n`;
    this.isHead = r.method === 'HEAD';
    this.expectsBody = r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH';
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
      const { body, headers } = this.r.next();
      const bytes = this.bytesFor(headers, body);
      if (typeof bytes === 'string') {
        ex.settle({ ok: false, kind: 'other', message: bytes });
        continue;
      }
      ex.bytes = bytes;
      ex.head = this.isHead;
      ex.close = this.headOf!.close;
      const now = performance.now();
      ex.deadline = now + this.timeoutMs;
      this.queue.push(ex);
      if (this.timer === undefined) this.arm(now);
      this.pool.request(ex);
    }
  };

  /**
   * A request's bytes for these headers and body, or why they cannot be sent. A fixed body's are
   * built once: next() returns the same headers and body every time. A templated body's headers
   * are the spec's plus its content-length (httpRequest.ts), a new object each time: those share
   * the spec's head, rendered once, and only the length line and the body change.
   */
  private bytesFor(headers: Record<string, string | number>, body: Buffer | undefined): Buffer | string {
    if (headers === this.lastHeaders && body === this.lastBody) return this.lastBytes;
    const r = this.r;
    const own = headers !== r.headers && body !== undefined && headers['content-length'] === body.length && r.headers['content-length'] === undefined ? r.headers : headers;
    let head = this.headOf;
    if (head === undefined || head.of !== own) head = this.headOf = renderHead(r.method, this.requestLine, own, r.url);
    let bytes: Buffer | string;
    if (head.error !== undefined) bytes = head.error;
    else {
      const size = body?.length ?? 0;
      if (head.length !== undefined && head.length !== size) bytes = `the content-length header says ${head.length} bytes but the body has ${size}`;
      else {
        const text = head.length !== undefined || (size === 0 && !this.expectsBody) ? `${head.text}\r\n` : `${head.text}content-length: ${size}\r\n\r\n`;
        const headBytes = Buffer.byteLength(text, 'latin1');
        const b = Buffer.allocUnsafe(headBytes + size);
        b.write(text, 0, 'latin1');
        if (body !== undefined) body.copy(b, headBytes);
        bytes = b;
      }
    }
    this.lastHeaders = headers;
    this.lastBody = body;
    return (this.lastBytes = bytes);
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

  /** Ends every request in flight as cancelled (their connections destroyed); those waiting for a connection are withdrawn. */
  cancelAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const ex of waiting) ex.cancel();
    for (const ex of this.queue.slice(this.head)) if (!ex.settled) ex.cancel();
    this.pool.clearQueue();
  }

  /** Cancels what is in flight and destroys every connection, busy or idle. */
  close(): void {
    this.cancelAll();
    if (!this.closed) {
      this.closed = true;
      this.pool.close();
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Why a request with this method and these headers cannot be sent, if it cannot (see renderHead). */
export function requestHeadProblem(method: string, headers: Record<string, string | number>): string | undefined {
  return renderHead(method, '', headers, new URL('http://localhost/')).error;
}

/**
 * The head of a request with these headers, up to its content-length line: the request line (a
 * method that is not an HTTP token is refused), host (the URL's, unless the headers give one),
 * the headers (the URL's user and password as basic authorization, as node:http made them;
 * transfer-encoding and keep-alive left out: the body is framed by its length, and connections
 * are kept alive by the client), and `connection: keep-alive` unless the headers give a
 * connection header (`close` is honoured). A name that is not an HTTP token, or a value with a
 * control character (CR, LF…) or a character beyond latin1, is refused: `error` says which.
 */
function renderHead(method: string, requestLine: string, headers: Record<string, string | number>, url: URL): Head {
  if (!TOKEN.test(method)) return { of: headers, text: '', length: undefined, close: false, error: `invalid method ${JSON.stringify(method)}: not an HTTP token` };
  let text = requestLine;
  let host = false;
  let authorization = false;
  let length: number | undefined;
  let close: string | undefined;
  for (const [name, raw] of Object.entries(headers)) {
    const value = String(raw);
    if (!TOKEN.test(name)) return { of: headers, text: '', length: undefined, close: false, error: `invalid header name ${JSON.stringify(name)}: not an HTTP token` };
    if (BAD_VALUE.test(value)) return { of: headers, text: '', length: undefined, close: false, error: `invalid value for header ${name}: ${JSON.stringify(value)} (control characters such as CR and LF, and characters beyond latin1, cannot be sent)` };
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding' || lower === 'keep-alive') continue;
    if (lower === 'connection') close = value;
    if (lower === 'authorization') authorization = true;
    if (lower === 'host') host = true;
    if (lower === 'content-length') {
      const n = Number(value.trim());
      if (!(Number.isInteger(n) && n >= 0 && /^\s*\d+\s*$/.test(value))) return { of: headers, text: '', length: undefined, close: false, error: `invalid content-length header ${JSON.stringify(value)}` };
      length = n;
    }
    text += `${name}: ${value}\r\n`;
  }
  if (!host) text = `${requestLine}host: ${url.host}\r\n${text.slice(requestLine.length)}`;
  if (!authorization && (url.username || url.password)) {
    text += `authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}\r\n`;
  }
  if (close === undefined) text += 'connection: keep-alive\r\n';
  return { of: headers, text, length, close: close !== undefined && /\bclose\b/i.test(close), error: undefined };
}

/** RFC 9110's token: what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may not hold (node:http's own rule). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

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
 * A transport error, by kind: node's (node:net, node:tls, node:http for the streaming client) and
 * httpConnection.ts's own, by code.
 */
export function failureOf(err: unknown): RequestFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = errorText(err);
  if (code === 'ECONNREFUSED') return { ok: false, kind: 'refused', message: `connection refused (${text})` };
  if (code === 'ETIMEDOUT') return { ok: false, kind: 'timeout', message: `connection timed out (${text})` };
  if ((code !== undefined && DROPPED_CODES.has(code)) || /socket hang up|aborted/i.test(text)) {
    return { ok: false, kind: 'dropped', message: `the connection closed before the response was complete (${text})` };
  }
  return { ok: false, kind: 'other', message: text };
}

/**
 * The connection went away under a request: reset or closed by the server (HTTP_CLOSED: with no
 * answer, or a body cut short of its length), or a stream closed early (the streaming client).
 */
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'HTTP_CLOSED']);

/** httpConnection.ts's codes, which its messages say in words. */
const OWN_CODES = new Set(['HTTP_CLOSED', 'HTTP_PARSE']);

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !OWN_CODES.has(code) && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
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
