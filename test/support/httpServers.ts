// Real HTTP servers on 127.0.0.1 (port 0: the kernel picks a free one) for the HTTP target's
// tests, each with a known behaviour. Started and closed by the tests themselves.

import * as http from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  url: string;
  port: number;
  /** Requests received so far (1-based numbering: the n-th request sees n). */
  readonly requests: number;
  /** The first requests received, in full (up to 50). */
  readonly received: ReceivedRequest[];
  /** Connections ever accepted, and those still open. */
  readonly connections: number;
  openConnections(): number;
  close(): Promise<void>;
}

/** Answers request n (1-based) with `handle`, after reading its whole body. */
export type Handler = (n: number, req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export async function startServer(handle: Handler): Promise<TestServer> {
  let requests = 0;
  let connections = 0;
  const received: ReceivedRequest[] = [];
  const open = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const n = ++requests;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (received.length < 50) received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(n, req, res, body);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    get requests() {
      return requests;
    },
    received,
    get connections() {
      return connections;
    },
    openConnections: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const OK = '{"ok":true}';

/** Every request answered after `ms` (setTimeout) with {"ok":true}. */
export function fixedDelayServer(ms: number): Promise<TestServer> {
  return startServer((_n, _req, res) => {
    setTimeout(() => json(res, 200, OK), ms);
  });
}

/** Every request answered at once with {"ok":true}. */
export function instantServer(): Promise<TestServer> {
  return startServer((_n, _req, res) => json(res, 200, OK));
}

/** Every k-th request answered `status` (500 by default), the others {"ok":true}; both after `ms`. */
export function failEveryServer(k: number, status = 500, ms = 0): Promise<TestServer> {
  return startServer((n, _req, res) => {
    const answer = () => (n % k === 0 ? json(res, status, '{"error":"boom"}') : json(res, 200, OK));
    if (ms > 0) setTimeout(answer, ms);
    else answer();
  });
}

/** Every k-th request: the socket destroyed without an answer; `midResponse`: after the headers and half a body. */
export function dropEveryServer(k: number, midResponse = false): Promise<TestServer> {
  return startServer((n, req, res) => {
    if (n % k !== 0) return json(res, 200, OK);
    if (!midResponse) return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
    res.write('{"ok":');
    setTimeout(() => req.socket.destroy(), 5);
  });
}

/** Every k-th request (every one by default): a 200 with content-type application/json and a body that is not JSON. */
export function garbageJsonServer(k = 1): Promise<TestServer> {
  return startServer((n, _req, res) => json(res, 200, n % k === 0 ? '<html>not json' : OK));
}

/** Every k-th request answered only after `slowMs` (longer than the client's timeout); the others after `fastMs`. */
export function slowEveryServer(k: number, slowMs: number, fastMs = 0): Promise<TestServer> {
  return startServer((n, _req, res) => {
    const t = setTimeout(() => {
      if (!res.destroyed) json(res, 200, OK);
    }, n % k === 0 ? slowMs : fastMs);
    res.on('close', () => clearTimeout(t));
  });
}

/** A port nothing listens on: listened on, then closed (connecting to it is refused). */
export async function closedPort(): Promise<{ port: number; url: string }> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { port, url: `http://127.0.0.1:${port}/` };
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function waitFor(check: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// In a process of its own: for the timing tests, so the server's timers and socket work do not
// share the event loop (and the CPU) with the client being measured.

export interface ProcessServer {
  url: string;
  port: number;
  /** Asked of the child: requests received, connections ever accepted, connections open. */
  stats(): Promise<{ requests: number; connections: number; open: number }>;
  close(): Promise<void>;
}

/** Plain JavaScript, run with `node -e`: no TypeScript loader to start. argv[1]: the service time (ms). */
const CHILD_SERVER = `
const http = require('http');
const ms = Number(process.argv[1]);
let requests = 0, connections = 0, open = 0;
const server = http.createServer((req, res) => {
  requests++;
  req.resume();
  req.on('end', () => setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  }, ms));
});
server.on('connection', (s) => { connections++; open++; s.on('close', () => open--); });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') process.send({ requests, connections, open });
  if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
process.on('disconnect', () => process.exit(0));
`;

/** fixedDelayServer in a child process. */
export function fixedDelayServerProcess(ms: number): Promise<ProcessServer> {
  return serverProcess(CHILD_SERVER, [String(ms)], 'the test server');
}

/**
 * A server script (`node -e source args…`) in a child process that speaks the protocol above:
 * it sends {port} once listening, answers 'stats' with ServerStats and exits on 'close'.
 */
export async function serverProcess(source: string, args: string[], what: string): Promise<ProcessServer> {
  const child = spawn(process.execPath, ['-e', source, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as { requests: number; connections: number; open: number }));
        child.send('stats');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}
