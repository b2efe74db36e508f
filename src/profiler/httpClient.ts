// The HTTP client of the endpoint benchmarks: one request sent over a keep-alive agent and timed
// from just before request() to the end of its body, every outcome a value (never a rejection);
// and the tally of failures, which are counted apart and never become latency samples.

import * as http from 'http';
import * as https from 'https';
import { performance } from 'perf_hooks';
import { urlToHttpOptions } from 'url';
import type { RequestErrorKind, RequestErrors } from '../core/result';
import { BenchmarkError } from './benchmarkError';
import type { ResolvedRequest } from './httpRequest';

/** result.errors keeps this many first messages. */
export const MAX_ERROR_EXAMPLES = 5;

// ---------------------------------------------------------------------------------------------
// Requests
//
// The hot path is written for a load generator (see `npm run bench:http`): per request, one
// Exchange object and no closures (the listeners are shared functions that find their Exchange on
// the request or response they are called on), options resolved once, one timer per client
// rather than one per request (every request has the same timeout, so their deadlines come in
// send order: a FIFO queue whose head is the next to expire), and performance.now() (a double)
// rather than hrtime.bigint() (a heap allocation per reading). Behaviour is that of the plain
// version: the same outcomes, messages, cancellation and timeouts.
//
// Sends are dispatched together from one setImmediate, after the event loop has handled every
// socket that was ready: at concurrency 32 against a server with a fixed service time, responses
// arrive in bursts, and sending each next request straight from the previous response's 'end'
// put the CPU time of creating and writing it (~50 µs) ahead of the next response's clock: the
// 32nd response of a burst was stopped ~31 × 50 µs late. The clock of a request starts at its
// dispatch, just before request(), so the deferral is never counted in a sample.

export type RequestOutcome =
  | { ok: true; ms: number }
  | { ok: false; kind: RequestErrorKind; message: string; status?: number }
  | { cancelled: true };

export type RequestFailure = Extract<RequestOutcome, { ok: false }>;

const CANCELLED: RequestOutcome = Object.freeze({ cancelled: true });
const EXCHANGE = Symbol('latency.exchange');

type Carrier = { [EXCHANGE]?: Exchange };

/** One request in flight, from send to its outcome. */
class Exchange {
  settled = false;
  req: http.ClientRequest | undefined = undefined;
  /** Response body chunks, kept only when it is to be checked as JSON. */
  first: Buffer | undefined = undefined;
  more: Buffer[] | undefined = undefined;
  expected = false;
  json = false;
  status = 0;
  contentType = '';
  res: http.IncomingMessage | undefined = undefined;
  /** Set at dispatch, just before request(). */
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

  /** Ends it as cancelled (its socket destroyed). */
  cancel(): void {
    this.settle(CANCELLED);
    this.req?.destroy();
  }

  timeOut(): void {
    this.settle({ ok: false, kind: 'timeout', message: `no complete response within ${formatSeconds(this.client.timeoutMs)} (request aborted)` });
    this.req?.destroy();
  }
}

function onResponse(this: http.ClientRequest, res: http.IncomingMessage): void {
  const ex = (this as Carrier)[EXCHANGE]!;
  (res as Carrier)[EXCHANGE] = ex;
  ex.res = res;
  const expectedStatus = ex.client.expectedStatus;
  const status = res.statusCode ?? 0;
  ex.status = status;
  ex.expected = expectedStatus ? expectedStatus.includes(status) : status >= 200 && status < 300;
  ex.contentType = res.headers['content-type'] ?? '';
  ex.json = ex.expected && /\bjson\b/i.test(ex.contentType);
  if (ex.json) res.on('data', onData);
  else res.resume();
  res.on('end', onEnd);
  res.on('error', onError);
  res.on('close', onClose);
}

function onData(this: http.IncomingMessage, chunk: Buffer): void {
  const ex = (this as Carrier)[EXCHANGE]!;
  if (ex.first === undefined) ex.first = chunk;
  else (ex.more ??= [ex.first]).push(chunk);
}

function onEnd(this: http.IncomingMessage): void {
  const ex = (this as Carrier)[EXCHANGE]!;
  const ms = performance.now() - ex.start;
  if (!ex.expected) {
    ex.settle({ ok: false, kind: 'status', status: ex.status, message: `answered ${ex.status}${this.statusMessage ? ` ${this.statusMessage}` : ''}` });
    return;
  }
  if (ex.json) {
    const body = ex.more ? Buffer.concat(ex.more) : (ex.first ?? Buffer.alloc(0));
    const text = body.toString('utf8');
    try {
      JSON.parse(text);
    } catch (err) {
      ex.settle({ ok: false, kind: 'malformed', message: `answered ${ex.status} with content-type ${ex.contentType} but a body that is not JSON (${errorText(err)}): ${snippet(text)}` });
      return;
    }
  }
  ex.settle({ ok: true, ms });
}

function onError(this: Carrier, err: Error): void {
  this[EXCHANGE]!.settle(failureOf(err));
}

function onClose(this: http.IncomingMessage): void {
  if (!this.complete) (this as Carrier)[EXCHANGE]!.settle({ ok: false, kind: 'dropped', message: 'the connection closed before the response was complete' });
}

/** Sends the one request over a keep-alive agent; every outcome is a value, never a rejection. */
export class HttpClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly options: http.RequestOptions;
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
    const secure = r.url.protocol === 'https:';
    this.transport = secure ? https : http;
    const options: http.AgentOptions = { keepAlive: true, maxSockets: r.concurrency, maxFreeSockets: r.concurrency };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
    // What request(url, options) would derive from the URL on every call, derived once.
    this.options = { ...urlToHttpOptions(r.url), method: r.method, headers: r.headers, agent: this.agent };
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
      const start = performance.now();
      ex.start = start;
      ex.deadline = start + this.timeoutMs;
      this.queue.push(ex);
      if (this.timer === undefined) this.arm(start);
      // A fixed body's headers are the very object the options hold; a templated one's carry its length.
      const req = this.transport.request(headers === this.r.headers ? this.options : { ...this.options, headers });
      ex.req = req;
      (req as Carrier)[EXCHANGE] = ex;
      req.once('response', onResponse);
      req.on('error', onError);
      req.end(body);
    }
  };

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

  /** Ends every request in flight as cancelled (their sockets destroyed). */
  cancelAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const ex of waiting) ex.cancel();
    for (const ex of this.queue.slice(this.head)) if (!ex.settled) ex.cancel();
  }

  /** Cancels what is in flight and destroys every socket, busy or idle. */
  close(): void {
    this.closed = true;
    this.cancelAll();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
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
