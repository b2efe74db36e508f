// The HTTP client's own bookkeeping against real loopback servers: one timer over a FIFO of
// deadlines (a hanging request at the head while others complete behind it), sends waiting for
// their dispatch, cancellation and close; requests queued for a connection withdrawn unsent; what
// goes on the wire (templated lengths, the URL's credentials, transfer-encoding left out, headers
// that cannot be sent); the server's reason quoted from an unexpected status's body; errors by
// kind. And its own connections (httpConnection.ts) against node:http and raw TCP servers:
// chunked, close-delimited, HEAD, 204 and 1xx answers, a response cut into single bytes,
// `connection: close`, idle connections the server closes, garbage instead of HTTP, at most
// `concurrency` connections, the clock started at the write, and TLS.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { resolveRequest } from '../../src/profiler/httpRequest';
import { BenchmarkError } from '../../src/profiler/benchmarkError';
import { HttpClient, failureOf, type RequestOutcome } from '../../src/profiler/httpClient';
import type { HttpSpec } from '../../src/core/target';
import { fixedDelayServer, fixedDelayServerProcess, slowEveryServer, startServer, waitFor } from '../support/httpServers';

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
    // One connection: the first goes out, the other three wait in the pool's queue for it.
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
    // A transfer-encoding header is left out: the client frames the body with its length.
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

// ---------------------------------------------------------------------------------------------
// The connections themselves

const okOutcome = (o: RequestOutcome): o is { ok: true; ms: number } => 'ok' in o && o.ok;
const failed = (o: RequestOutcome) => ('ok' in o && !o.ok ? o : assert.fail(`expected a failure, got ${JSON.stringify(o)}`));

/** Sends `n` requests one after another and returns their outcomes. */
async function sendSerially(client: HttpClient, n: number): Promise<RequestOutcome[]> {
  const out: RequestOutcome[] = [];
  for (let i = 0; i < n; i++) out.push(await client.send());
  return out;
}

interface RawServer {
  url: string;
  /** Connections accepted so far, and requests (heads) read. */
  readonly connections: number;
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A TCP server that speaks HTTP by hand: every request head read (requests here have no body, or
 * one sent with the head) is answered by `answer(n, socket, head)`, n counting from 1 over all
 * connections.
 */
async function rawServer(answer: (n: number, socket: net.Socket, head: string) => void): Promise<RawServer> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) break;
        buffered = buffered.slice(end + 4 + length);
        answer(++requests, socket, head);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const clientFor = (url: string, more: Partial<HttpSpec> = {}) => new HttpClient(resolveRequest({ kind: 'http', url, concurrency: 1, ...more }));

test('a chunked JSON body is checked whole, across its chunks: valid passes, invalid is malformed; one connection throughout', async () => {
  const s = await startServer((n, _req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"outputs": [');
    setTimeout(() => {
      res.write('1, 2, 3');
      res.end(n === 3 ? ', oops' : ']}');
    }, 5);
  });
  const client = clientFor(s.url);
  try {
    const [a, b, c, d] = await sendSerially(client, 4);
    assert.ok(okOutcome(a!) && okOutcome(b!) && okOutcome(d!), JSON.stringify([a, b, d]));
    const bad = failed(c!);
    assert.equal(bad.kind, 'malformed');
    assert.match(bad.message, /^answered 200 with content-type application\/json but a body that is not JSON .*"\{\\"outputs\\": \[1, 2, 3, oops"$/);
    assert.equal(s.received[0]!.headers['transfer-encoding'], undefined, 'a GET without a body sends none');
    assert.equal(s.connections, 1, 'chunked answers keep the connection');
  } finally {
    client.close();
    await s.close();
  }
});

test('`connection: close` answers: every request on a new connection, none failed, never more than `concurrency` at once', async () => {
  const s = await startServer((_n, _req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close', 'content-length': 11 });
    res.end('{"ok":true}');
  });
  const client = clientFor(s.url, { concurrency: 2 });
  try {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => client.send()));
    assert.ok(outcomes.every(okOutcome), JSON.stringify(outcomes.filter((o) => !okOutcome(o))));
    assert.equal(s.requests, 20);
    assert.equal(s.connections, 20, 'one connection per request');
  } finally {
    client.close();
    await s.close();
  }
});

test('a body delimited by the close of the connection (no length, no chunks) is complete at the close, and the next request connects anew', async () => {
  const s = await rawServer((n, socket) => {
    socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"n": ${n}}`);
  });
  const client = clientFor(s.url);
  try {
    const outcomes = await sendSerially(client, 3);
    assert.ok(outcomes.every(okOutcome), JSON.stringify(outcomes));
    assert.equal(s.connections, 3);
  } finally {
    client.close();
    await s.close();
  }
});

test('an idle keep-alive connection the server closes between two sends is dropped quietly: the next send connects anew, no error', async () => {
  // No Keep-Alive hint: the client would keep the connection 4 s; the server closes it after 100 ms.
  const s = await rawServer((_n, socket) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}');
    setTimeout(() => socket.end(), 100);
  });
  const client = clientFor(s.url);
  try {
    const first = await client.send();
    await new Promise((r) => setTimeout(r, 400));
    const second = await client.send();
    assert.ok(okOutcome(first) && okOutcome(second), JSON.stringify([first, second]));
    assert.equal(s.connections, 2);
  } finally {
    client.close();
    await s.close();
  }
});

test("a Keep-Alive hint is trusted less a second: timeout=2 keeps an idle connection 1 s, timeout=1 not at all", async () => {
  let hint = 'timeout=2';
  const s = await rawServer((_n, socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nkeep-alive: ${hint}\r\ncontent-length: 2\r\n\r\nok`);
  });
  const client = clientFor(s.url);
  try {
    const outcomes = await sendSerially(client, 2);
    assert.equal(s.connections, 1, 'reused at once');
    // The server would keep it: the client closes it after 1 s idle and connects anew.
    await new Promise((r) => setTimeout(r, 1600));
    outcomes.push(await client.send());
    assert.equal(s.connections, 2, 'not reused after 1.6 s idle');
    hint = 'timeout=1, max=100';
    outcomes.push(...(await sendSerially(client, 3)));
    assert.ok(outcomes.every(okOutcome), JSON.stringify(outcomes));
    // The 4th reuses connection 2 and its answer carries the 1 s hint: the 5th and 6th connect anew.
    assert.equal(s.connections, 4, 'a hint of 1 s: never reused');
  } finally {
    client.close();
    await s.close();
  }
});

test('HEAD: the answer has no body whatever its content-length says, and the connection is kept (also without a length)', async () => {
  const s = await rawServer((n, socket, head) => {
    assert.match(head, /^HEAD \/ HTTP\/1\.1\r\n/);
    // Every other answer gives a length (of the body a GET would get), the others none.
    socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${n % 2 ? 'content-length: 11\r\n' : ''}\r\n`);
  });
  const client = clientFor(s.url, { method: 'HEAD' });
  try {
    const outcomes = await sendSerially(client, 4);
    assert.ok(outcomes.every(okOutcome), JSON.stringify(outcomes));
    assert.equal(s.connections, 1);
  } finally {
    client.close();
    await s.close();
  }
});

test('204 and 304 have no body; 100 Continue and 103 Early Hints before the answer, even in separate packets, are not the answer', async () => {
  const s = await rawServer((n, socket) => {
    if (n === 1 || n === 5) socket.write('HTTP/1.1 204 No Content\r\ncontent-type: application/json\r\n\r\n');
    else if (n === 2 || n === 6) socket.write('HTTP/1.1 304 Not Modified\r\ncontent-length: 11\r\n\r\n');
    else {
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </model>; rel=preload\r\n\r\n');
      setTimeout(() => socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'), 20);
    }
  });
  const client = clientFor(s.url, { expectedStatus: [200, 204, 304] });
  try {
    const outcomes = await sendSerially(client, 4);
    assert.ok(outcomes.every(okOutcome), JSON.stringify(outcomes));
    // The 200 after the hints was the answer, not the hints: each took the 20 ms.
    assert.ok((outcomes[2] as { ms: number }).ms >= 15 && (outcomes[3] as { ms: number }).ms >= 15, JSON.stringify(outcomes));
    assert.equal(s.connections, 1);
    // Without the status in expectedStatus, a 204 is still a success (2xx) and a 304 is not.
    const plain = clientFor(s.url);
    const [noContent, notModified] = await sendSerially(plain, 2);
    plain.close();
    assert.ok(okOutcome(noContent!), JSON.stringify(noContent));
    assert.equal(failed(notModified!).kind, 'status');
  } finally {
    client.close();
    await s.close();
  }
});

test('a response written one byte at a time, chunked with a trailer, parses the same, on a connection kept for the next', async () => {
  const response = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n6\r\n [1,2]\r\n1\r\n}\r\n0\r\nx-t: 1\r\n\r\n');
  const s = await rawServer((_n, socket) => {
    let i = 0;
    const next = () => {
      if (socket.destroyed) return;
      socket.write(response.subarray(i, i + 1));
      if (++i < response.length) setImmediate(next);
    };
    next();
  });
  const client = clientFor(s.url);
  try {
    const outcomes = await sendSerially(client, 3);
    assert.ok(outcomes.every(okOutcome), JSON.stringify(outcomes));
    assert.equal(s.connections, 1);
  } finally {
    client.close();
    await s.close();
  }
});

test('garbage instead of HTTP: a clear failure quoting it, the connection dropped, and the run goes on', async () => {
  const s = await rawServer((n, socket) => {
    if (n === 2) socket.write('hello, this is not HTTP at all\r\n\r\n');
    else if (n === 4) socket.end('SSH-2.0-OpenSSH');
    else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });
  const client = clientFor(s.url);
  try {
    const outcomes = await sendSerially(client, 5);
    assert.ok(okOutcome(outcomes[0]!) && okOutcome(outcomes[2]!) && okOutcome(outcomes[4]!), JSON.stringify(outcomes));
    const garbage = failed(outcomes[1]!);
    assert.equal(garbage.kind, 'other');
    assert.match(garbage.message, /^the answer is not HTTP\/1\.1 \(HPE_INVALID_CONSTANT: Parse Error\): "hello, this is not HTTP at all"$/);
    // No line end, then the close: not a status line either.
    const ssh = failed(outcomes[3]!);
    assert.deepEqual([ssh.kind, ssh.message], ['other', 'the answer is not HTTP/1.1: "SSH-2.0-OpenSSH"']);
    assert.equal(s.connections, 3, 'a new connection after each bad answer');
  } finally {
    client.close();
    await s.close();
  }
});

test('a connection closed with no answer, or mid-body, is a dropped request (not retried); the next request connects anew', async () => {
  const s = await rawServer((n, socket) => {
    if (n === 2) socket.end();
    else if (n === 3) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"ok":');
    else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });
  const client = clientFor(s.url);
  try {
    const outcomes = await sendSerially(client, 4);
    assert.ok(okOutcome(outcomes[0]!) && okOutcome(outcomes[3]!), JSON.stringify(outcomes));
    assert.deepEqual(
      [failed(outcomes[1]!).kind, failed(outcomes[1]!).message],
      ['dropped', 'the connection closed before the response was complete (the server closed the connection without answering)'],
    );
    assert.equal(failed(outcomes[2]!).kind, 'dropped');
    assert.match(failed(outcomes[2]!).message, /after 46 bytes of its answer/);
    assert.equal(s.requests, 4, 'each request sent once');
  } finally {
    client.close();
    await s.close();
  }
});

test('headers that cannot be sent (CR/LF in a value, a name that is no token) or a method that is no token: refused before any request, naming what to fix; the client refuses them too, sending nothing', async () => {
  const s = await startServer((_n, _req, res) => res.end('ok'));
  try {
    for (const [more, pattern] of [
      [{ headers: { 'x-bad': 'a\r\nx-injected: 1' } }, /^invalid value for header x-bad: "a\\r\\nx-injected: 1"/],
      [{ headers: { 'bad name': 'v' } }, /^invalid header name "bad name": not an HTTP token$/],
      [{ method: 'GET / HTTP/1.0\r\n' }, /^invalid method "GET \/ HTTP\/1.0\\r\\n": not an HTTP token$/],
    ] as const) {
      const spec: HttpSpec = { kind: 'http', url: s.url, concurrency: 1, ...more };
      assert.throws(
        () => resolveRequest(spec),
        (err: unknown) => err instanceof BenchmarkError && err.data.kind === 'httpFailed' && pattern.test(err.message.replace(/^Cannot send this request: /, '')) && /--header/.test(err.data.hint ?? ''),
      );
      // Past that check (a request built some other way), the client still sends nothing.
      const fine = resolveRequest({ kind: 'http', url: s.url, concurrency: 1 });
      const headers = { ...fine.headers, ...('headers' in more ? more.headers : {}) };
      const client = new HttpClient({ ...fine, ...('method' in more ? { method: more.method } : {}), headers, next: () => ({ body: undefined, headers }) });
      const outcomes = await Promise.all([client.send(), client.send()]);
      client.close();
      for (const o of outcomes) {
        assert.equal(failed(o).kind, 'other');
        assert.match(failed(o).message, pattern);
      }
    }
    assert.equal(s.requests, 0);
  } finally {
    await s.close();
  }
});

test('at most `concurrency` connections, requests queued FIFO for them; the clock starts at the write, not while waiting for a connection', async () => {
  const s = await fixedDelayServerProcess(200);
  const client = clientFor(s.url, { concurrency: 3 });
  try {
    const many = await Promise.all(Array.from({ length: 12 }, () => client.send()));
    assert.ok(many.every(okOutcome), JSON.stringify(many));
    let stats = await s.stats();
    assert.equal(stats.connections, 3);
    // Two at once on one connection: the second waits ~200 ms for it, which is not the server's.
    // (Timed from the send, it would be ≥ 400 ms.)
    const one = clientFor(s.url);
    const [a, b] = await Promise.all([one.send(), one.send()]);
    one.close();
    assert.ok(okOutcome(a) && okOutcome(b), JSON.stringify([a, b]));
    assert.ok(a.ms >= 195 && b.ms >= 195, JSON.stringify([a, b]));
    assert.ok(b.ms < 380, `the second request's sample (${b.ms} ms) holds its wait for the connection`);
    stats = await s.stats();
    assert.equal(stats.connections, 4);
  } finally {
    client.close();
    await s.close();
  }
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('https: a self-signed certificate is refused by default (a clear failure); trusted (NODE_EXTRA_CA_CERTS), the CLI benchmarks it over TLS', { skip: hasOpenssl ? false : 'openssl is not installed' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'latency-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  let connections = 0;
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const client = clientFor(`https://127.0.0.1:${port}/`);
    const refused = failed(await client.send());
    client.close();
    assert.equal(refused.kind, 'other');
    assert.match(refused.message, /self[- ]signed certificate/i);
    // Asynchronously: the server answers from this process.
    const child = spawn(process.execPath, [path.join(__dirname, '../../dist/cli.js'), 'bench', `https://localhost:${port}/`, '-n', '40', '-w', '5', '--concurrency', '2', '--json', '-'], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill(), 90_000);
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    clearTimeout(killer);
    assert.equal(status, 0, stderr);
    const result = JSON.parse(stdout) as { summary: { n: number }; errors?: { count: number } };
    assert.equal(result.summary.n, 40);
    assert.equal(result.errors?.count ?? 0, 0);
    assert.equal(connections, 1 + 2, 'the refused one, then two kept alive');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
