// Part 2 of `npm run bench:http`: how many requests/s Latency's generator can drive, beside wrk
// on the same instant-answer server (the 'raw' server of httpBenchServer.ts, pinned to its own
// CPU), both generators pinned to the other CPU, one thread (wrk -t1; Node is one thread too), the
// same concurrency and about the same duration: Latency's run is sized to last as long as wrk's
// (wrk's request count at concurrency 1 would take Latency several times longer). Two bare loops
// (no Latency code) show what the transports themselves reach here: node:http, and raw node:net
// sockets parsed by http-parser-js, which Latency's own connections are built from (its client's
// floor; it ran on undici's Pool.dispatch before, at 0.46 of wrk at concurrency 32 and 30.8 µs of
// CPU per request). Rounds alternate the order
// (wrk, Latency, bare loops / bare loops, Latency, wrk); the medians are printed with the rounds'
// spread. Also printed: each generator's CPU per request (Latency's from its run header
// on, so its cold start, warm-up and result analysis are in it) and the server's CPU share over
// the round: near 100% means the server, not the generator, set the rate.

import { startBenchServer } from './httpBenchServer';
import { fmtRate, median, runGenerator, runWrk, spread, table, type Log, type Pinning } from './httpBenchTools';

const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 4);
const CONCURRENCIES = [32, 1];
/** The aim: Latency's rate at least this share of wrk's. */
const AIM = 0.7;

interface Tally {
  rate: number[];
  cpuUs: number[];
  serverShare: number[];
}
const blank = (): Tally => ({ rate: [], cpuUs: [], serverShare: [] });

export async function benchHttpCapacity(pin: Pinning, log: Log): Promise<{ ratio: number }[]> {
  const server = await startBenchServer('raw', { cpu: pin.server });
  const out: { ratio: number }[] = [];
  try {
    for (const c of CONCURRENCIES) {
      const t = { wrk: blank(), ours: blank(), bare: blank(), sockets: blank() };
      for (let round = 0; round < ROUNDS; round++) {
        let requests = 0;
        const timed = async (tally: Tally, go: () => Promise<{ rate: number; cpuUs: number }>) => {
          const before = await server.stats();
          const t0 = process.hrtime.bigint();
          const r = await go();
          const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
          const after = await server.stats();
          tally.rate.push(r.rate);
          tally.cpuUs.push(r.cpuUs);
          // Over the whole process's life (start-up included), so a lower bound on the busy share.
          tally.serverShare.push((after.cpuMs - before.cpuMs) / wallMs);
        };
        const wrk = () =>
          timed(t.wrk, async () => {
            const w = await runWrk(server.url, c, SECONDS, pin.client);
            if (w.errors) throw new Error(`wrk saw ${w.errors} errors`);
            requests = w.requests;
            return { rate: w.requestsPerSec, cpuUs: w.cpuUsPerRequest };
          });
        // Sized to last as long as wrk's run: at Latency's rate of the round before (wrk's count at
        // concurrency 1 would take Latency many times longer), else wrk's count, else a guess.
        const size = () => Math.max(1000, Math.round(Math.min(requests || Infinity, (median(t.ours.rate.length ? t.ours.rate : [2000 * Math.min(c, 4)])) * SECONDS)));
        const ours = () =>
          timed(t.ours, async () => {
            const r = await runGenerator({ url: server.url, concurrency: c, iterations: size(), warmup: Math.max(200, 4 * c) }, pin.client);
            if (r.errors) throw new Error(`Latency saw ${r.errors} errors`);
            return { rate: r.throughputPerSec, cpuUs: r.cpuUsPerRequest };
          });
        const bare = (sockets: boolean) => () =>
          timed(sockets ? t.sockets : t.bare, async () => {
            const r = await runGenerator({ url: server.url, concurrency: c, iterations: size(), warmup: Math.max(200, 4 * c), bare: true, sockets }, pin.client);
            return { rate: r.throughputPerSec, cpuUs: r.cpuUsPerRequest };
          });
        const steps = [wrk, ours, bare(false), bare(true)];
        for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
      }
      const ratio = median(t.ours.rate) / median(t.wrk.rate);
      const perRound = t.ours.rate.map((r, i) => r / t.wrk.rate[i]!);
      log(`concurrency ${c}, ${ROUNDS} rounds of ~${SECONDS} s each (medians, ± half the range across rounds):`);
      table(
        [
          ['generator', 'requests/s', 'spread', 'CPU/request', 'server CPU share'],
          ...(
            [
              ['wrk -t1 (C, epoll)', t.wrk],
              ['Latency (runHttpBenchmark)', t.ours],
              ['bare node:http loop', t.bare],
              ['bare net + http-parser-js loop', t.sockets],
            ] as const
          ).map(([name, x]) => [name, fmtRate(median(x.rate)), spread(x.rate), `${median(x.cpuUs).toFixed(1)} µs`, `${(median(x.serverShare) * 100).toFixed(0)}%`]),
        ],
        log,
      );
      log(
        `  Latency / wrk: ${ratio.toFixed(2)} (rounds ${perRound.map((r) => r.toFixed(2)).join(', ')}; aim ≥ ${AIM}: ${ratio >= AIM ? 'met' : 'NOT met'}); ` +
          `Latency / bare node:http: ${(median(t.ours.rate) / median(t.bare.rate)).toFixed(2)}; ` +
          `Latency / bare net + http-parser-js: ${(median(t.ours.rate) / median(t.sockets.rate)).toFixed(2)}`,
      );
      out.push({ ratio });
    }
  } finally {
    await server.close();
  }
  return out;
}
