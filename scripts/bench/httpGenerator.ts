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
// node:http itself costs and sees here. With `bare` and `undici`, the same loops on undici's
// Pool.dispatch with a handler that does nothing but stop the clock: the floor of Latency's client.

import * as http from 'node:http';
import { Pool } from 'undici';
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
  /** With `bare`: undici's Pool.dispatch (what Latency's client is built on) instead of node:http. */
  undici?: boolean;
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

function nodeHttpOne(job: GeneratorJob): { one: () => Promise<number>; close: () => void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(job.url);
  const one = () =>
    new Promise<number>((resolve) => {
      const t = performance.now();
      http.request(url, { agent }, (res) => res.resume().on('end', () => resolve(performance.now() - t))).end();
    });
  return { one, close: () => agent.destroy() };
}

function undiciOne(job: GeneratorJob): { one: () => Promise<number>; close: () => void } {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, { connections: job.concurrency, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  const options = { path: `${url.pathname}${url.search}`, method: 'GET' as const };
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      pool.dispatch(options, {
        onConnect: () => undefined,
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => resolve(performance.now() - t),
        onError: reject,
      });
    });
  return { one, close: () => void pool.destroy() };
}

async function bare(job: GeneratorJob): Promise<void> {
  const { one, close } = job.undici ? undiciOne(job) : nodeHttpOne(job);
  let issued = 0;
  const times = new Float64Array(job.iterations);
  const loop = async (count: number, keep: boolean) => {
    issued = 0;
    await Promise.all(Array.from({ length: job.concurrency }, async () => {
      while (issued < count) {
        const i = issued++;
        const ms = await one();
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
    { spec: { kind: 'http', url: job.url, concurrency: job.concurrency }, config },
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
