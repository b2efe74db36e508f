// The client of the LLM streaming benchmark: one POST with a JSON body over a keep-alive agent,
// its Server-Sent Events parsed as they arrive and each stamped with the time its socket read
// came in (process.hrtime.bigint(), from just before request()). Every outcome is a value, never
// a rejection, with the failure kinds of the HTTP client (httpClient.ts failureOf) so one tally
// counts both.

import * as http from 'http';
import * as https from 'https';
import { StreamRecorder, type OpenAiApi, type StreamRecord } from '../core/openaiStream';
import { SseParser } from '../core/sse';
import { failureOf, formatSeconds, type RequestFailure } from './httpClient';

export type StreamOutcome = { ok: true; record: StreamRecord; sawDone: boolean } | RequestFailure | { cancelled: true };

export interface StreamClientOptions {
  url: URL;
  api: OpenAiApi;
  headers: Record<string, string>;
  concurrency: number;
  timeoutMs: number;
}

/** The most of an error answer's body kept for its message. */
const ERROR_BODY_BYTES = 2048;

const msSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

export class StreamClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly inFlight = new Set<() => void>();
  private closed = false;

  constructor(private readonly o: StreamClientOptions) {
    const secure = o.url.protocol === 'https:';
    this.transport = secure ? https : http;
    const options: http.AgentOptions = { keepAlive: true, maxSockets: o.concurrency, maxFreeSockets: o.concurrency };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
  }

  /** Sends one request with `body` (JSON text) and reads its stream to the end. */
  send(body: string): Promise<StreamOutcome> {
    const o = this.o;
    if (this.closed) return Promise.resolve({ cancelled: true });
    const payload = Buffer.from(body, 'utf8');
    const headers: Record<string, string | number> = { accept: 'text/event-stream', ...o.headers };
    const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
    if (!has('content-type')) headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
    return new Promise<StreamOutcome>((resolve) => {
      let settled = false;
      let req: http.ClientRequest | undefined;
      const settle = (outcome: StreamOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(cancel);
        resolve(outcome);
      };
      /** A failure while the response is still coming: its socket cannot be reused. */
      const fail = (f: RequestFailure) => {
        settle(f);
        req?.destroy();
      };
      const cancel = () => {
        settle({ cancelled: true });
        req?.destroy();
      };
      const timer = setTimeout(() => fail({ ok: false, kind: 'timeout', message: `no complete answer within ${formatSeconds(o.timeoutMs)} (request aborted)` }), o.timeoutMs);
      this.inFlight.add(cancel);

      const start = process.hrtime.bigint();
      req = this.transport.request(o.url, { method: 'POST', headers, agent: this.agent }, (res) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        if (status < 200 || status >= 300 || /\bjson\b/i.test(contentType)) {
          // Not a stream: the body is kept (a little of it) to say why.
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on('data', (c: Buffer) => {
            if (kept < ERROR_BODY_BYTES) chunks.push(c);
            kept += c.length;
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_BYTES);
            if (status < 200 || status >= 300) {
              settle({ ok: false, kind: 'status', status, message: `answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${errorDetail(text)}` });
            } else {
              settle({ ok: false, kind: 'malformed', message: `answered ${status} with ${contentType}, not an event stream: does the server support "stream": true here?${errorDetail(text)}` });
            }
          });
          res.on('error', (err) => settle(failureOf(err)));
          return;
        }
        const parser = new SseParser();
        const recorder = new StreamRecorder(o.api);
        const feed = (events: ReturnType<SseParser['push']>, at: number): boolean => {
          for (const e of events) {
            const problem = recorder.event(e, at);
            if (problem) {
              fail({ ok: false, kind: problem.kind, message: problem.message });
              return false;
            }
          }
          return true;
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          feed(parser.push(chunk), msSince(start));
        });
        res.on('end', () => {
          if (settled) return;
          const at = msSince(start);
          if (!feed(parser.end(), at)) return;
          const done = recorder.finish(at);
          if (done.ok) settle(done);
          else settle({ ok: false, kind: done.kind, message: done.message });
        });
        res.on('error', (err) => settle(failureOf(err)));
        res.on('close', () => {
          if (!res.complete) settle({ ok: false, kind: 'dropped', message: 'the connection closed in the middle of the stream' });
        });
      });
      req.on('error', (err) => settle(failureOf(err)));
      req.end(payload);
    });
  }

  cancelAll(): void {
    for (const cancel of [...this.inFlight]) cancel();
  }

  close(): void {
    this.closed = true;
    this.cancelAll();
    this.agent.destroy();
  }
}

/** ": model not found", from an OpenAI-style {"error": {"message"}} body or the text itself. */
function errorDetail(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  try {
    const v = JSON.parse(flat) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const m = typeof v.error === 'object' && v.error && typeof v.error.message === 'string' ? v.error.message : typeof v.error === 'string' ? v.error : typeof v.message === 'string' ? v.message : typeof v.detail === 'string' ? v.detail : undefined;
    if (m) return `: ${m.length > 200 ? `${m.slice(0, 200)}…` : m}`;
  } catch {
    // Not JSON: the text as it is.
  }
  return `: ${flat.length > 120 ? `${flat.slice(0, 120)}…` : flat}`;
}
