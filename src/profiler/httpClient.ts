// The HTTP client of the endpoint benchmarks: one request sent over a keep-alive agent and timed
// from just before request() to the end of its body, every outcome a value (never a rejection);
// and the tally of failures, which are counted apart and never become latency samples.

import * as http from 'http';
import * as https from 'https';
import type { RequestErrorKind, RequestErrors } from '../core/result';
import { BenchmarkError } from './benchmarkError';
import type { ResolvedRequest } from './httpRequest';

/** result.errors keeps this many first messages. */
export const MAX_ERROR_EXAMPLES = 5;

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

// ---------------------------------------------------------------------------------------------
// Requests

export type RequestOutcome =
  | { ok: true; ms: number }
  | { ok: false; kind: RequestErrorKind; message: string; status?: number }
  | { cancelled: true };

export type RequestFailure = Extract<RequestOutcome, { ok: false }>;

/** Sends the one request over a keep-alive agent; every outcome is a value, never a rejection. */
export class HttpClient {
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

      const { body, headers } = r.next(); // before the clock: rendering a templated body is the client's work
      const start = process.hrtime.bigint();
      req = this.transport.request(r.url, { method: r.method, headers, agent: this.agent }, (res) => {
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
      req.end(body);
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
