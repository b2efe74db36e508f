// Part 1 of `npm run bench:http`: is Latency's p50 right? Against the 'delay' server of
// httpBenchServer.ts (every request answered exactly 20 ms after it arrived, each request with its
// own deadline, so 32 concurrent requests each take 20 ms), at concurrency 1 and 32.
//
// The truth: what a client can at best see is the server's own service time plus one loopback
// round trip. Both are measured, neither by Latency: the server times every request itself
// (request event → just before res.end; its p50 is printed, with its p99 and how many were more
// than 50 µs late), and the round trip is wrk's p50 at concurrency 1 against the instant 'raw'
// server (C, epoll: the least client cost there is). truth = server p50 + wrk's round trip.
// wrk's own p50 on the delay server is printed beside it as a second reference: it is the same
// server, measured by an independent tool (HdrHistogram, µs resolution). Goal: |Latency − truth|
// ≤ 0.5 ms. Latency's own p50 against the instant server is printed too: the client's floor.
// Latency runs twice: as it does by default (asleep in epoll between answers, like wrk) and with
// --busy-poll (keepAwake.ts: the event loop never sleeps, so an answer is read as it arrives, not
// after the process is woken), which shows how much of the gap is the wake-up.
// Rounds alternate the order of the tools; medians with the rounds' spread.

import { startBenchServer, type ServerStats } from './httpBenchServer';
import { fmtMs, median, runGenerator, runWrk, spread, table, type Log, type Pinning } from './httpBenchTools';

const SERVICE_MS = 20;
const GOAL_MS = 0.5;
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_HTTP_ACCURACY_SECONDS ?? 4);

export async function benchHttpAccuracy(pin: Pinning, log: Log): Promise<void> {
  // The round trip first, on its own server.
  const instant = await startBenchServer('raw', { cpu: pin.server });
  const rtt: number[] = [];
  const ourFloor: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      rtt.push((await runWrk(instant.url, 1, 2, pin.client)).p50Ms);
      ourFloor.push((await runGenerator({ url: instant.url, concurrency: 1, iterations: 5000, warmup: 200 }, pin.client)).p50Ms);
    }
  } finally {
    await instant.close();
  }
  const roundTrip = median(rtt);
  log(`loopback round trip (wrk p50, c=1, instant server): ${fmtMs(roundTrip)} (${spread(rtt)}); Latency's own p50 there: ${fmtMs(median(ourFloor))} (${spread(ourFloor)})`);

  const server = await startBenchServer('delay', { ms: SERVICE_MS, cpu: pin.server });
  const rows: string[][] = [['concurrency', 'server p50', 'server p99', 'late >50µs', 'truth p50', 'wrk p50', 'Latency p50', '|Δ truth|', '|Δ wrk|', `goal ≤ ${GOAL_MS} ms`, 'Latency --busy-poll p50', '|Δ truth|', `goal ≤ ${GOAL_MS} ms`]];
  try {
    for (const c of [1, 32]) {
      const wrk: number[] = [];
      const ours: number[] = [];
      const busy: number[] = [];
      const service: NonNullable<ServerStats['service']>[] = [];
      // Latency's run is sized to last about as long as wrk's.
      const iterations = Math.round((SECONDS * 1000 * c) / SERVICE_MS);
      for (let round = 0; round < ROUNDS; round++) {
        await server.stats(); // resets the server's service times
        const steps = [
          async () => wrk.push((await runWrk(server.url, c, SECONDS, pin.client)).p50Ms),
          async () => ours.push((await runGenerator({ url: server.url, concurrency: c, iterations, warmup: 2 * c }, pin.client)).p50Ms),
          async () => busy.push((await runGenerator({ url: server.url, concurrency: c, iterations, warmup: 2 * c, busyPoll: true }, pin.client)).p50Ms),
        ];
        for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
        service.push((await server.stats()).service!);
      }
      const serverP50 = median(service.map((s) => s.p50));
      const truth = serverP50 + roundTrip;
      const dTruth = Math.abs(median(ours) - truth);
      const dBusy = Math.abs(median(busy) - truth);
      rows.push([
        String(c),
        fmtMs(serverP50),
        fmtMs(median(service.map((s) => s.p99))),
        String(service.reduce((n, s) => n + s.lateOver50us, 0)),
        fmtMs(truth),
        `${fmtMs(median(wrk))} ${spread(wrk)}`,
        `${fmtMs(median(ours))} ${spread(ours)}`,
        fmtMs(dTruth),
        fmtMs(Math.abs(median(ours) - median(wrk))),
        dTruth <= GOAL_MS ? 'met' : 'NOT met',
        `${fmtMs(median(busy))} ${spread(busy)}`,
        fmtMs(dBusy),
        dBusy <= GOAL_MS ? 'met' : 'NOT met',
      ]);
    }
  } finally {
    await server.close();
  }
  table(rows, log);
  log(`(${ROUNDS} rounds of ~${SECONDS} s per tool and concurrency; medians, ± half the range across rounds)`);
}
