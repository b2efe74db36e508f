// Latency's HTTP load generator in a process of its own, for `npm run bench:http`: the bench
// starts it pinned to one CPU (taskset), as it starts wrk, so both generators get the same CPU and
// neither shares it with the server. It runs runHttpBenchmark (the code `latency bench URL` runs)
// and prints one JSON line on stdout: GeneratorReport.
//
// CPU is read with process.cpuUsage() from the run header on (after the pre-flight readings and
// the environment probe, which are not load generation) to the end, and divided by every request
// sent (cold start, warm-up and measured). With `track`, RSS and heap are sampled at every
// progress event. With `raw`, every streamed sample is also kept in an array and summarized at
// the end, which is what the result assembler did before it capped its storage: the memory
// bench's "before". With `bare`, no Latency code at all: `concurrency` loops of http.request on
// one keep-alive agent, each request timed with performance.now() and nothing else: what
// node:http itself costs and sees here. With `bare` and `sockets`, the same loops each on a raw
// keep-alive socket (node:net, Nagle off) writing a pre-rendered GET and parsing the answer with
// http-parser-js, stopping the clock at its end and nothing else: what Latency's own connections
// (src/profiler/httpConnection.ts) are built from, so the floor of Latency's client.

import * as http from 'node:http';
import * as net from 'node:net';
import { HTTPParser } from 'http-parser-js';
import { mergeConfig } from '../../src/core/config';
import { percentile, summarize } from '../../src/core/stats';
import { runHttpBenchmark } from '../../src/profiler/httpBenchmark';

export interface GeneratorJob {
  url: string;
  concurrency: number;
  iterations: number;
  warmup: number;
  track?: boolean;
  raw?: boolean;
  bare?: boolean;
  /** With `bare`: raw sockets and http-parser-js (what Latency's client is built on) instead of node:http. */
  sockets?: boolean;
  /** Latency with --busy-poll (keepAwake.ts). */
  busyPoll?: boolean;
}

export interface MemoryPoint {
  done: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface GeneratorReport {
  n: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  throughputPerSec: number;
  measuredWallMs: number;
  errors: number;
  /** CPU time of this process per request sent (µs), from the run header to the end. */
  cpuUsPerRequest: number;
  /** That CPU time over the wall time of the same span: 1 = one core busy all along. */
  cpuShare: number;
  stored: number;
  memory: MemoryPoint[];
  finalRssBytes: number;
}

/** One request at a time per worker `w` (node:http shares one agent among them). */
type One = (w: number) => Promise<number>;

function nodeHttpOne(job: GeneratorJob): { one: One; close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(job.url);
  const one = () =>
    new Promise<number>((resolve) => {
      const t = performance.now();
      http.request(url, { agent }, (res) => res.resume().on('end', () => resolve(performance.now() - t))).end();
    });
  return { one, close: () => agent.destroy() };
}

/** Worker w's own keep-alive socket, opened on its first request. */
function socketsOne(job: GeneratorJob): { one: One; close: () => void } {
  const url = new URL(job.url);
  const bytes = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n\r\n`, 'latin1');
  interface Conn {
    socket: net.Socket;
    ready: Promise<void>;
    start: number;
    done: (ms: number) => void;
  }
  const conns: Conn[] = [];
  const open = (): Conn => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    socket.setNoDelay(true);
    const c: Conn = { socket, ready: new Promise<void>((resolve) => socket.once('connect', resolve)), start: 0, done: () => undefined };
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    parser[HTTPParser.kOnMessageComplete] = () => c.done(performance.now() - c.start);
    socket.on('data', (chunk: Buffer) => {
      const r = parser.execute(chunk);
      if (r instanceof Error) throw r;
    });
    socket.on('error', (err) => {
      throw err;
    });
    return c;
  };
  const one = async (w: number) => {
    const c = (conns[w] ??= open());
    await c.ready;
    return new Promise<number>((resolve) => {
      c.done = resolve;
      c.start = performance.now();
      c.socket.write(bytes);
    });
  };
  return { one, close: () => conns.forEach((c) => c.socket.destroy()) };
}

async function bare(job: GeneratorJob): Promise<void> {
  const { one, close } = job.sockets ? socketsOne(job) : nodeHttpOne(job);
  let issued = 0;
  const times = new Float64Array(job.iterations);
  const loop = async (count: number, keep: boolean) => {
    issued = 0;
    await Promise.all(Array.from({ length: job.concurrency }, async (_, w) => {
      while (issued < count) {
        const i = issued++;
        const ms = await one(w);
        if (keep) times[i] = ms;
      }
    }));
  };
  await loop(job.warmup, false);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await loop(job.iterations, true);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  close();
  const sorted = Array.from(times).sort((a, b) => a - b);
  const report: GeneratorReport = {
    n: job.iterations,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    throughputPerSec: job.iterations / (wallMs / 1000),
    measuredWallMs: wallMs,
    errors: 0,
    cpuUsPerRequest: (cpu.user + cpu.system) / job.iterations,
    cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
    stored: 0,
    memory: [],
    finalRssBytes: process.memoryUsage().rss,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function main(job: GeneratorJob): Promise<void> {
  if (job.bare) return bare(job);
  const config = mergeConfig({ iterations: job.iterations, warmup: job.warmup });
  let cpu0: NodeJS.CpuUsage | undefined;
  let t0 = 0n;
  const memory: MemoryPoint[] = [];
  const kept: number[] = [];
  const result = await runHttpBenchmark(
    { spec: { kind: 'http', url: job.url, concurrency: job.concurrency, ...(job.busyPoll ? { busyPoll: true } : {}) }, config },
    {
      isCancelled: () => false,
      onStarted: () => {
        cpu0 = process.cpuUsage();
        t0 = process.hrtime.bigint();
      },
      onProgress: (p) => {
        if (job.raw && p.phase === 'measure') for (const x of p.newSamplesMs) kept.push(x);
        if (job.track && p.phase === 'measure') {
          const m = process.memoryUsage();
          memory.push({ done: p.done, rssBytes: m.rss, heapUsedBytes: m.heapUsed });
        }
      },
    },
  );
  if (job.raw) summarize(kept);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const sent = 1 + job.warmup + (result.errors?.attempted ?? result.summary?.n ?? 0);
  const s = result.summary!;
  const report: GeneratorReport = {
    n: s.n,
    p50Ms: s.p50Ms,
    p99Ms: s.p99Ms,
    meanMs: s.meanMs,
    throughputPerSec: s.throughputPerSec,
    measuredWallMs: (s.n / s.throughputPerSec) * 1000,
    errors: result.errors?.count ?? 0,
    cpuUsPerRequest: (cpu.user + cpu.system) / sent,
    cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
    stored: result.samplesMs.length,
    memory,
    finalRssBytes: process.memoryUsage().rss,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.argv[2] === 'run') {
  main(JSON.parse(process.argv[3]!) as GeneratorJob).catch((err: unknown) => {
    process.stderr.write(`httpGenerator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
