// The HTTP target's pure parts: resolving the request, classifying failures, counting them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchmarkError } from '../../src/profiler/benchmarkError';
import { ErrorTally, describeTally, failureOf, mergeRequestErrors } from '../../src/profiler/httpClient';
import { httpTargetOf, resolveRequest } from '../../src/profiler/httpRequest';

test('resolveRequest: GET without a body, POST with one; JSON bodies get a content type and a length', () => {
  const get = resolveRequest({ kind: 'http', url: 'http://localhost:8000/health' });
  assert.equal(get.method, 'GET');
  assert.equal(get.body, undefined);
  assert.deepEqual(get.headers, {});
  assert.equal(get.concurrency, 1);
  assert.equal(get.timeoutMs, 30_000);

  const post = resolveRequest({ kind: 'http', url: 'https://example.test/predict', body: '{"x":[1,2]}', concurrency: 4, timeoutSeconds: 2.5 });
  assert.equal(post.method, 'POST');
  assert.deepEqual(post.headers, { 'content-type': 'application/json', 'content-length': 11 });
  assert.equal(post.concurrency, 4);
  assert.equal(post.timeoutMs, 2500);

  // Not JSON: no content type guessed. A header the user set is kept, whatever its case.
  assert.deepEqual(resolveRequest({ kind: 'http', url: 'http://h/', body: 'a=1' }).headers, { 'content-length': 3 });
  assert.deepEqual(resolveRequest({ kind: 'http', url: 'http://h/', body: '{}', headers: { 'Content-Type': 'application/x-ndjson' } }).headers, {
    'Content-Type': 'application/x-ndjson',
    'content-length': 2,
  });
  // The length is in bytes, not characters.
  assert.equal(resolveRequest({ kind: 'http', url: 'http://h/', body: '"é"' }).headers['content-length'], 4);
  assert.equal(resolveRequest({ kind: 'http', url: 'http://h/', method: 'put' }).method, 'PUT');
});

test('resolveRequest: bad URLs are httpFailed; bad numbers are RangeErrors', () => {
  for (const url of ['', 'localhost:8000', 'ftp://h/x', 'ws://h/']) {
    assert.throws(() => resolveRequest({ kind: 'http', url }), (e: unknown) => e instanceof BenchmarkError && e.data.kind === 'httpFailed', url);
  }
  assert.throws(() => resolveRequest({ kind: 'http', url: 'http://h/', concurrency: 0 }), RangeError);
  assert.throws(() => resolveRequest({ kind: 'http', url: 'http://h/', concurrency: 1.5 }), RangeError);
  assert.throws(() => resolveRequest({ kind: 'http', url: 'http://h/', timeoutSeconds: 0 }), RangeError);
  assert.throws(() => resolveRequest({ kind: 'http', url: 'http://h/', expectedStatus: [] }), RangeError);
});

test('httpTargetOf: the recorded target', () => {
  const r = resolveRequest({ kind: 'http', url: 'http://127.0.0.1:9/p', body: '{}', concurrency: 3, expectedStatus: [200, 201], timeoutSeconds: 1 });
  assert.deepEqual(httpTargetOf(r), {
    kind: 'http',
    path: 'http://127.0.0.1:9/p',
    name: 'POST http://127.0.0.1:9/p',
    url: 'http://127.0.0.1:9/p',
    method: 'POST',
    concurrency: 3,
    expectedStatus: [200, 201],
    timeoutMs: 1000,
  });
  assert.equal('expectedStatus' in httpTargetOf(resolveRequest({ kind: 'http', url: 'http://h/' })), false);
});

test('failureOf: socket errors by kind', () => {
  const err = (code: string, message: string) => Object.assign(new Error(message), { code });
  assert.equal(failureOf(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')).kind, 'refused');
  assert.equal(failureOf(err('ECONNRESET', 'socket hang up')).kind, 'dropped');
  assert.equal(failureOf(err('EPIPE', 'write EPIPE')).kind, 'dropped');
  assert.equal(failureOf(new Error('aborted')).kind, 'dropped');
  assert.equal(failureOf(err('ETIMEDOUT', 'connect ETIMEDOUT')).kind, 'timeout');
  const dns = failureOf(err('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere.invalid'));
  assert.equal(dns.kind, 'other');
  assert.match(dns.message, /ENOTFOUND/);
});

test('ErrorTally: counts by kind and status, keeps 5 examples; describeTally and mergeRequestErrors', () => {
  const t = new ErrorTally();
  t.attempted = 20;
  for (let i = 0; i < 6; i++) t.add({ ok: false, kind: 'status', status: 500, message: `answered 500 (${i})` });
  t.add({ ok: false, kind: 'status', status: 503, message: 'answered 503' });
  t.add({ ok: false, kind: 'dropped', message: 'dropped' });
  const e = t.toErrors();
  assert.deepEqual(e, {
    count: 8,
    attempted: 20,
    byKind: { status: 7, dropped: 1 },
    statuses: { '500': 6, '503': 1 },
    examples: ['answered 500 (0)', 'answered 500 (1)', 'answered 500 (2)', 'answered 500 (3)', 'answered 500 (4)'],
  });
  assert.equal(describeTally(t), '6 answered 500, 1 answered 503, 1 dropped');

  const merged = mergeRequestErrors([e, { count: 1, attempted: 10, byKind: { timeout: 1 }, statuses: {}, examples: ['t'] }]);
  assert.equal(merged.count, 9);
  assert.equal(merged.attempted, 30);
  assert.deepEqual(merged.byKind, { status: 7, dropped: 1, timeout: 1 });
  assert.deepEqual(merged.statuses, { '500': 6, '503': 1 });
  assert.equal(merged.examples.length, 5);
});
