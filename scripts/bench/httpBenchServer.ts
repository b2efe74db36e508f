// The servers `npm run bench:http` measures against, each run in a process of its own (started
// by startBenchServer below, pinned with taskset) so the load generator never shares its event
// loop or its CPU with them. Modes:
//
// - 'raw': an instant answer from a bare TCP server that writes one canned HTTP/1.1 response per
//   request head it reads ("\r\n\r\n"), with no HTTP parser. Node's http server spends ~3× the CPU
//   per request, so at the rates a load generator reaches it would be the bottleneck and a
//   generator comparison would only measure the server; this one leaves the generators to be
//   measured. Both wrk and Latency send bodiless GETs without pipelining, which is all it needs.
// - 'node': the same answer from node:http, for reference (what a Node service costs).
// - 'delay': node:http answering every request exactly `ms` after it arrived. setTimeout alone
//   fires 0.1–2 ms late, so it is not a truth: the event loop polls all along (setImmediate turns,
//   which still serve sockets between them) and answers each request at its own deadline, so 32
//   concurrent requests each take `ms`, not 32 × the spin. The server measures every request's
//   service time itself (request event → just before res.end) and reports its percentiles, the
//   server-side half of the truth the accuracy bench compares with. It never sleeps, not even
//   between requests (it has a CPU of its own): a server asleep in epoll when a request comes is
//   woken first, ~0.1–0.3 ms on this VM, and that wake-up would be latency that every client sees
//   but that neither the server's own timing nor the hot round trip counts.
//
// Protocol (IPC): the child sends {port}; on 'stats' it answers with ServerStats; on 'close' it exits.

import * as http from 'node:http';
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';

export type ServerMode = 'raw' | 'node' | 'delay';

export interface ServerStats {
  requests: number;
  /** CPU time of the server process so far (user + system, ms). */
  cpuMs: number;
  /** 'delay' only: the server-side service times (ms), as measured by the server. */
  service?: { p50: number; p99: number; max: number; min: number; lateOver50us: number };
}

const BODY = '{"ok":true}';
const RESPONSE = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\nConnection: keep-alive\r\n\r\n${BODY}`);

function serve(mode: ServerMode, ms: number): void {
  let requests = 0;
  const service: number[] = [];
  let server: net.Server;
  if (mode === 'raw') {
    server = net.createServer((socket) => {
      socket.setNoDelay(true);
      // The tail of the previous chunk, so a "\r\n\r\n" split across two reads is still seen.
      let tail = '';
      socket.on('data', (chunk: Buffer) => {
        const text = tail + chunk.toString('latin1');
        let heads = 0;
        for (let i = text.indexOf('\r\n\r\n'); i !== -1; i = text.indexOf('\r\n\r\n', i + 4)) heads++;
        tail = text.slice(-3);
        if (heads === 0) return;
        requests += heads;
        socket.write(heads === 1 ? RESPONSE : Buffer.concat(Array.from({ length: heads }, () => RESPONSE)));
      });
      socket.on('error', () => undefined);
    });
  } else if (mode === 'node') {
    server = http.createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
      res.end(BODY);
    });
  } else {
    const pending: Array<{ start: bigint; deadline: bigint; res: http.ServerResponse }> = [];
    const deadlineNs = BigInt(Math.round(ms * 1e6));
    const poll = () => {
      if (pending.length) {
        const now = process.hrtime.bigint();
        for (let i = 0; i < pending.length; ) {
          const p = pending[i]!;
          if (p.deadline <= now) {
            pending[i] = pending[pending.length - 1]!;
            pending.pop();
            service.push(Number(process.hrtime.bigint() - p.start) / 1e6);
            p.res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
            p.res.end(BODY);
          } else i++;
        }
      }
      setImmediate(poll);
    };
    setImmediate(poll);
    server = http.createServer((req, res) => {
      const start = process.hrtime.bigint();
      requests++;
      req.resume();
      const deadline = start + deadlineNs;
      pending.push({ start, deadline, res });
    });
  }
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'close') {
      server.close();
      process.exit(0);
    }
    if (m === 'stats') {
      const u = process.cpuUsage();
      const stats: ServerStats = { requests, cpuMs: (u.user + u.system) / 1000 };
      if (mode === 'delay' && service.length) {
        const s = service.slice().sort((a, b) => a - b);
        const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
        stats.service = { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]!, min: s[0]!, lateOver50us: s.filter((x) => x > ms + 0.05).length };
        service.length = 0;
      }
      process.send!(stats);
    }
  });
}

export interface BenchServer {
  url: string;
  pid: number;
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

/** Starts a server process (taskset-pinned to `cpu` when given). */
export async function startBenchServer(mode: ServerMode, opts: { ms?: number; cpu?: number } = {}): Promise<BenchServer> {
  const node = [process.execPath, '--import', 'tsx', __filename, 'serve', mode, String(opts.ms ?? 0)];
  const [cmd, ...args] = opts.cpu !== undefined ? ['taskset', '-c', String(opts.cpu), ...node] : node;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the bench server (${mode}) exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid!,
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as ServerStats));
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

if (process.argv[2] === 'serve') serve(process.argv[3] as ServerMode, Number(process.argv[4]));
