// The HTTP client's own bookkeeping against real loopback servers: one timer over a FIFO of
// deadlines (a hanging request at the head while others complete behind it), sends waiting for
// their dispatch, cancellation and close.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRequest } from '../../src/profiler/httpRequest';
import { HttpClient, type RequestOutcome } from '../../src/profiler/httpClient';
import { fixedDelayServer, slowEveryServer, waitFor } from '../support/httpServers';

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
