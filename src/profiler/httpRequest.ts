// An HTTP target's request, settled once from its spec: URL, method, headers, body, limits.
// A templated body (spec.bodyTemplate) is compiled here once; every sender takes each request's
// body and headers from next(), never from `body`.

import { readFileSync } from 'fs';
import { BodyRenderer, DEFAULT_TEMPLATE_SEED, TemplateSyntaxError, compileTemplate, dataLines } from '../core/bodyTemplate';
import type { HttpTarget } from '../core/result';
import { DEFAULT_HTTP_TIMEOUT_SECONDS, type HttpSpec } from '../core/target';
import { BenchmarkError } from './benchmarkError';
import { requestHeadProblem } from './httpClient';

/** setTimeout's largest delay (~24.8 days); a longer timeout is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ResolvedRequest {
  url: URL;
  /** The URL as given (what the target records). */
  href: string;
  method: string;
  headers: Record<string, string | number>;
  /** The fixed body; undefined for a templated one (see next()). */
  body: Buffer | undefined;
  /** The templated body's description, for the result. */
  bodyTemplate?: HttpTarget['bodyTemplate'];
  /**
   * The body and headers of the next request, in the order requests are sent (a template's {{i}}
   * counts these calls). A fixed body returns `body` and `headers` themselves, allocating nothing.
   */
  next(): { body: Buffer | undefined; headers: Record<string, string | number> };
  concurrency: number;
  expectedStatus: number[] | undefined;
  timeoutMs: number;
  /** Keep the client awake while requests are in flight (keepAwake.ts). */
  busyPoll?: true;
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
  // A lines file alone is a template too: each line is a whole body.
  const renderer = spec.bodyTemplate || spec.bodyLinesFile !== undefined ? templateRenderer(spec) : undefined;
  const body = spec.body !== undefined && !renderer ? Buffer.from(spec.body, 'utf8') : undefined;
  const method = (spec.method ?? (spec.body !== undefined || renderer ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string | number> = { ...(spec.headers ?? {}) };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  // A fixed length, not chunked: what clients of an inference endpoint usually send.
  const setLength = !has('content-length') && !has('transfer-encoding');
  if (renderer) {
    // The content type is judged on a first body rendered apart (same seed and lines, so it is the
    // body request 0 will send), leaving the renderer itself untouched.
    if (!has('content-type') && isJson(new BodyRenderer(renderer.template, renderer.context).next().toString('utf8'))) headers['content-type'] = 'application/json';
  } else if (body !== undefined) {
    if (!has('content-type') && isJson(spec.body!)) headers['content-type'] = 'application/json';
    if (setLength) headers['content-length'] = body.length;
  }
  // Checked here, before the first request, where the error can say which header to fix; the
  // client would refuse every request the same way.
  const problem = requestHeadProblem(method, headers);
  if (problem !== undefined) {
    throw new BenchmarkError(`Cannot send this request: ${problem}`, { kind: 'httpFailed', hint: 'Fix the method or the header (--method, --header \'Name: value\', or the target\'s "method" and "headers").' });
  }
  const fixed = { body, headers };
  const next = renderer
    ? () => {
        const b = renderer.renderer.next();
        return { body: b, headers: setLength ? { ...headers, 'content-length': b.length } : headers };
      }
    : () => fixed;
  return {
    url,
    href: spec.url,
    method,
    headers,
    body,
    ...(renderer ? { bodyTemplate: renderer.description } : {}),
    next,
    concurrency,
    expectedStatus: spec.expectedStatus ? [...spec.expectedStatus] : undefined,
    timeoutMs: Math.min(timeoutSeconds * 1000, MAX_TIMER_MS),
    ...(spec.busyPoll ? { busyPoll: true as const } : {}),
  };
}

/** The spec's template compiled and its lines file read; bad syntax or an unreadable file is an 'httpFailed' BenchmarkError naming where. */
function templateRenderer(spec: HttpSpec) {
  const hint = 'The body template language: {{i}}, {{line}}, {{random_int LO HI}}, {{random LO HI}}, {{uuid}}, {{timestamp_ms}}, {{json NAME}}; \\{{ for a literal {{.';
  const source = spec.body ?? (spec.bodyLinesFile !== undefined ? '{{line}}' : undefined);
  if (source === undefined) {
    throw new BenchmarkError('A body template was asked for but no body was given', { kind: 'httpFailed', hint: 'Give the template with --body-template F (or "body"/"bodyFile" with "bodyTemplate": true).' });
  }
  let lines: string[] | undefined;
  if (spec.bodyLinesFile !== undefined) {
    try {
      lines = dataLines(readFileSync(spec.bodyLinesFile, 'utf8'));
    } catch (err) {
      throw new BenchmarkError(`Cannot read the body lines file ${spec.bodyLinesFile}: ${(err as Error).message}`, { kind: 'httpFailed', hint: 'Give a text file with one input per line (--body-lines F, or "bodyLines").' });
    }
  }
  const seed = spec.bodySeed ?? DEFAULT_TEMPLATE_SEED;
  const context = { ...(lines !== undefined ? { lines } : {}), seed };
  try {
    const template = compileTemplate(source);
    const renderer = new BodyRenderer(template, context);
    const description: NonNullable<HttpTarget['bodyTemplate']> = {
      variables: [...template.variables],
      seed,
      ...(spec.bodyLinesFile !== undefined ? { linesFile: spec.bodyLinesFile, lines: lines!.length } : {}),
    };
    return { template, context, renderer, description };
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new BenchmarkError(err.message, { kind: 'httpFailed', hint });
    throw err;
  }
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
    ...(r.bodyTemplate ? { bodyTemplate: r.bodyTemplate } : {}),
    ...(r.busyPoll ? { busyPoll: true as const } : {}),
  };
}
