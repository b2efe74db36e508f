// The HTTP client's own bookkeeping against real loopback servers: one timer over a FIFO of
// deadlines (a hanging request at the head while others complete behind it), sends waiting for
// their dispatch, cancellation and close; requests queued for a connection withdrawn unsent; what
// goes on the wire (templated lengths, the URL's credentials, headers undici refuses); the
// server's reason quoted from an unexpected status's body; undici's errors by kind.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRequest } from '../../src/profiler/httpRequest';
import { HttpClient, failureOf, type RequestOutcome } from '../../src/profiler/httpClient';
import { fixedDelayServer, slowEveryServer, startServer, waitFor } from '../support/httpServers';

test('every 7th request hangs: each times out on its own deadline while the others complete behind it', async () => {
  const s = await slowEveryServer(7, 10_000, 1);
  const client = new HttpClient(resolveRequest({ kind: 'http', url: s.url, concurrency: 4, timeoutSeconds: 0.3 }));
  try {
    const outcomes: RequestOutcome[] = [];
    let issued = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (issued < 56) {
          issued++;
          outcomes.push(await client.send());
        }
      }),
    );
    assert.ok(Date.now() - started < 8000, 'no wait for the hanging answers');
    const timeouts = outcomes.filter((o) => 'ok' in o && !o.ok && o.kind === 'timeout');
    const ok = outcomes.filter((o): o is { ok: true; ms: number } => 'ok' in o && o.ok);
    assert.equal(timeouts.length, 8);
    assert.equal(ok.length, 48);
    // Wide margins: only that a timeout is not early, and a success never exceeds the timeout.
    assert.ok(ok.every((o) => o.ms < 300));
  } finally {
    client.close();
    await s.close();
  }
});

test('cancelAll ends sends not yet dispatched and those in flight; close cancels what comes after', async () => {
  const s = await fixedDelayServer(2_000);
  const client = new HttpClient(resolveRequest({ kind: 'http', url: s.url, concurrency: 3 }));
  try {
    // Two in flight (dispatched on the next turn of the event loop)…
    const inFlight = [client.send(), client.send()];
    await waitFor(() => s.requests >= 2);
    // …and one still waiting for its dispatch when the cancel comes.
    const waiting = client.send();
    client.cancelAll();
    for (const o of await Promise.all([...inFlight, waiting])) assert.deepEqual(o, { cancelled: true });
    client.close();
    assert.deepEqual(await client.send(), { cancelled: true });
    assert.equal(s.requests, 2, 'the waiting send never reached the server');
    assert.ok(await waitFor(() => s.openConnections() === 0), 'no connection left open');
  } finally {
    client.close();
    await s.close();
  }
});

test('cancelAll with sends queued behind a busy connection: those are withdrawn unsent, and the client still sends afterwards', async () => {
  const s = await fixedDelayServer(300);
  const client = new HttpClient(resolveRequest({ kind: 'http', url: s.url, concurrency: 1 }));
  try {
    // One connection: the first goes out, the other three wait in undici's queue for it.
    const sends = [client.send(), client.send(), client.send(), client.send()];
    await waitFor(() => s.requests >= 1);
    client.cancelAll();
    for (const o of await Promise.all(sends)) assert.deepEqual(o, { cancelled: true });
    const after = await client.send();
    assert.ok('ok' in after && after.ok, JSON.stringify(after));
    // The first and the one after: the queued three never reached the server, on any connection.
    assert.equal(s.requests, 2);
  } finally {
    client.close();
    await s.close();
  }
});

test("on the wire: a templated body's own content-length each time, the URL's user and password as basic authorization, transfer-encoding left to the client", async () => {
  const s = await startServer((_n, _req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  const url = new URL(s.url);
  url.username = 'us@er';
  url.password = 'p:w';
  url.pathname = '/predict';
  url.search = '?v=1';
  try {
    // Bodies of 7 bytes ({"i":0}…{"i":9}) and then of 8 ({"i":10}, {"i":11}).
    const templated = new HttpClient(resolveRequest({ kind: 'http', url: url.href, body: '{"i":{{i}}}', bodyTemplate: true, concurrency: 2 }));
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => templated.send()));
    templated.close();
    assert.ok(outcomes.every((o) => 'ok' in o && o.ok), JSON.stringify(outcomes));
    const bodies = s.received.map((r) => r.body).sort();
    assert.deepEqual(bodies, Array.from({ length: 12 }, (_, i) => `{"i":${i}}`).sort());
    for (const r of s.received) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/predict?v=1');
      assert.equal(r.headers['content-length'], String(Buffer.byteLength(r.body)));
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers.authorization, `Basic ${Buffer.from('us@er:p:w').toString('base64')}`);
    }
    // node:http took a transfer-encoding header; undici refuses it and frames the body itself.
    const chunked = new HttpClient(resolveRequest({ kind: 'http', url: s.url, body: 'plain', headers: { 'Transfer-Encoding': 'chunked', 'X-Trace': 't1' }, concurrency: 1 }));
    const o = await chunked.send();
    chunked.close();
    assert.ok('ok' in o && o.ok, JSON.stringify(o));
    const last = s.received[s.received.length - 1]!;
    assert.equal(last.body, 'plain');
    assert.equal(last.headers['x-trace'], 't1');
    assert.equal(last.headers['content-length'], '5');
  } finally {
    await s.close();
  }
});

test("an unexpected status quotes the server's reason from its body, unless the status line already says it; an early hint before a 200 is no failure", async () => {
  const long = 'x'.repeat(500);
  const s = await startServer((n, _req, res) => {
    const answers: Array<() => void> = [
      () => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error": "input x: dimension 1 must be 64"}'),
      () => res.writeHead(422, { 'content-type': 'application/json' }).end('{"detail": "field  required"}'),
      () => res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded,\n try later'),
      () => res.writeHead(500, 'model failed', { 'content-type': 'application/json' }).end('{"error": {"message": "model failed"}}'),
      () => res.writeHead(502).end(),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end(long),
      () => {
        res.writeEarlyHints({ link: '</model>; rel=preload' });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    ];
    answers[n - 1]!();
  });
  const client = new HttpClient(resolveRequest({ kind: 'http', url: s.url, concurrency: 1 }));
  try {
    const messages: string[] = [];
    for (let i = 0; i < 6; i++) {
      const o = await client.send();
      assert.ok('ok' in o && !o.ok && o.kind === 'status', JSON.stringify(o));
      messages.push(o.message);
    }
    assert.deepEqual(messages.slice(0, 5), [
      'answered 400 Bad Request: "input x: dimension 1 must be 64"',
      'answered 422 Unprocessable Entity: "field required"',
      'answered 503 Service Unavailable: "overloaded, try later"',
      'answered 500 model failed',
      'answered 502 Bad Gateway',
    ]);
    assert.equal(messages[5], `answered 500 Internal Server Error: "${'x'.repeat(200)}"…`);
    const hinted = await client.send();
    assert.ok('ok' in hinted && hinted.ok, JSON.stringify(hinted));
  } finally {
    client.close();
    await s.close();
  }
});

test("failureOf: node's error codes and the connections' own by kind", () => {
  const err = (code: string, message: string) => Object.assign(new Error(message), { code });
  assert.equal(failureOf(err('HTTP_CLOSED', 'the server closed the connection without answering')).kind, 'dropped');
  assert.equal(failureOf(err('HTTP_CLOSED', 'the server closed the connection without answering')).message, 'the connection closed before the response was complete (the server closed the connection without answering)');
  for (const code of ['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']) assert.equal(failureOf(err(code, 'x')).kind, 'dropped', code);
  assert.equal(failureOf(err('ETIMEDOUT', 'x')).kind, 'timeout');
  assert.equal(failureOf(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')).kind, 'refused');
  const parse = failureOf(err('HTTP_PARSE', 'the answer is not HTTP/1.1: "hello"'));
  assert.deepEqual(parse, { ok: false, kind: 'other', message: 'the answer is not HTTP/1.1: "hello"' });
  assert.equal(failureOf(err('HPE_INVALID_CONSTANT', 'Expected HTTP/')).kind, 'other');
  assert.equal(failureOf(err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate')).message, 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate');
  assert.equal(failureOf(new Error('aborted')).kind, 'dropped');
});
