// An HTTP target's request, settled once from its spec: URL, method, headers, body, limits.

import type { HttpTarget } from '../core/result';
import { DEFAULT_HTTP_TIMEOUT_SECONDS, type HttpSpec } from '../core/target';
import { BenchmarkError } from './benchmarkError';

/** setTimeout's largest delay (~24.8 days); a longer timeout is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
