// Part 3 of `npm run bench:http`: does the generator's memory stay flat over a long run? One run
// of BENCH_HTTP_MEMORY_REQUESTS requests (default 3 million: ten minutes at 5,000 requests/s)
// against the instant server at concurrency 32, RSS and V8 heap sampled at every progress event
// (every 200 ms). Printed: both at 10%, 50% and 100% of the run and their slope per million
// requests (least squares from 10% on, past the warm-up of the JIT and the allocator). The same
// run with every sample also kept in an array (what the result assembler did before it capped its
// storage at DEFAULT_SAMPLE_CAP) is the "before"; BENCH_HTTP_MEMORY_RAW=0 skips it.

import type { MemoryPoint } from './httpGenerator';
import { startBenchServer } from './httpBenchServer';
import { fmtRate, runGenerator, table, type Log, type Pinning } from './httpBenchTools';

const REQUESTS = Number(process.env.BENCH_HTTP_MEMORY_REQUESTS ?? 3_000_000);
const WITH_RAW = process.env.BENCH_HTTP_MEMORY_RAW !== '0';
/** The "before" run may be shorter (BENCH_HTTP_MEMORY_RAW_REQUESTS): its growth per request is what it shows. */
const RAW_REQUESTS = Number(process.env.BENCH_HTTP_MEMORY_RAW_REQUESTS ?? REQUESTS);
const MB = 1024 * 1024;

function at(points: readonly MemoryPoint[], fraction: number, total: number): MemoryPoint {
  const want = fraction * total;
  return points.reduce((best, p) => (Math.abs(p.done - want) < Math.abs(best.done - want) ? p : best), points[0]!);
}

/** Least-squares slope of `y` over requests done, in MB per million requests, from 10% of the run on. */
function slope(points: readonly MemoryPoint[], total: number, y: (p: MemoryPoint) => number): number {
  const ps = points.filter((p) => p.done >= 0.1 * total);
  const n = ps.length;
  if (n < 2) return NaN;
  const mx = ps.reduce((s, p) => s + p.done, 0) / n;
  const my = ps.reduce((s, p) => s + y(p), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of ps) {
    sxy += (p.done - mx) * (y(p) - my);
    sxx += (p.done - mx) ** 2;
  }
  return (sxy / sxx / MB) * 1e6;
}

export async function benchHttpMemory(pin: Pinning, log: Log): Promise<void> {
  const server = await startBenchServer('raw', { cpu: pin.server });
  const rows: string[][] = [['storage', 'requests', 'requests/s', 'RSS 10%', 'RSS 50%', 'RSS 100%', 'RSS slope', 'heap 10%', 'heap 50%', 'heap 100%', 'heap slope', 'samples stored']];
  try {
    for (const raw of WITH_RAW ? [false, true] : [false]) {
      const total = raw ? RAW_REQUESTS : REQUESTS;
      const r = await runGenerator({ url: server.url, concurrency: 32, iterations: total, warmup: 1000, track: true, raw }, pin.client);
      const mb = (b: number) => `${(b / MB).toFixed(1)} MB`;
      const per = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)} MB/M`;
      const p = [0.1, 0.5, 1].map((f) => at(r.memory, f, total));
      rows.push([
        raw ? 'every sample kept (before)' : 'histogram + reservoir (now)',
        total.toLocaleString('en-US'),
        fmtRate(r.throughputPerSec),
        ...p.map((x) => mb(x.rssBytes)),
        per(slope(r.memory, total, (x) => x.rssBytes)),
        ...p.map((x) => mb(x.heapUsedBytes)),
        per(slope(r.memory, total, (x) => x.heapUsedBytes)),
        r.stored.toLocaleString('en-US'),
      ]);
    }
  } finally {
    await server.close();
  }
  log(`Concurrency 32 against the instant server (RSS and heap at 10/50/100% of the run; slope per million requests from 10% on):`);
  table(rows, log);
}
