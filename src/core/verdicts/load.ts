// What an HTTP endpoint's load results say about the server (LOAD001–LOAD006, docs/load-verdicts.md):
// batching opportunity (throughput still rising with concurrency), queueing (latency grows with
// concurrency while throughput is flat), server cold start (first requests slow), an open-loop
// generator that could not keep its rate, an open-loop rate above what the server serves, and a
// fast endpoint measured by a client that slept between answers.
// Pure; each check is silent when its data (a sweep, an open loop, an HTTP target) is missing.

import { formatMs, formatRatio } from '../format';
import { median } from '../stats';
import { KNEE_FLAT_GAIN, gainPerDoubling, type SweepPoint } from '../sweep';
import type { Verdict } from '../verdict';
import type { RunData } from './common';

/** Past the knee, p50 growing by at least this share of what Little's law predicts for a pure queue counts as queueing. */
const QUEUE_SHARE_OF_LITTLE = 0.5;
/** Server cold start: the first request at least this many times the steady p50 … */
const COLD_RATIO = 10;
/** … or the median of the first EARLY requests at least EARLY_FACTOR times the median of the rest. */
const EARLY = 10;
const EARLY_FACTOR = 2;
/** Open loop: the last tenth's median this many times the first tenth's means latency kept growing. */
const GROWTH_FACTOR = 3;
/** Client wake-up: at most this many requests in flight (more keep the client busy anyway) … */
const WAKE_MAX_IN_FLIGHT = 4;
/** … and a p50 under this, where a 0.1–0.5 ms wake-up is 2–10% of every sample or more. */
const WAKE_P50_MS = 5;

const rate = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(3)).toString());
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const measured = (r: RunData): SweepPoint[] => r.sweep?.points.filter((p) => p.n > 0) ?? [];

// LOAD001 ---------------------------------------------------------------------------------------

export function batchingOpportunity(r: RunData): Verdict[] {
  const pts = measured(r);
  if (pts.length < 2) return [];
  const a = pts[pts.length - 2]!;
  const b = pts[pts.length - 1]!;
  const gain = gainPerDoubling(a, b);
  if (!(gain >= KNEE_FLAT_GAIN)) return [];
  const first = pts[0]!;
  const overall = b.throughputPerSec / first.throughputPerSec;
  return [
    {
      code: 'LOAD001',
      severity: 'info',
      title: 'Throughput still rising with concurrency',
      message:
        `Throughput rose ${formatRatio(b.throughputPerSec / a.throughputPerSec)} from ${a.concurrency} to ${b.concurrency} in flight: ` +
        'the server batches requests or has free capacity, and the sweep stopped before finding its ceiling. ' +
        'Clients that send one request at a time leave that capacity unused.',
      evidence: [
        `${rate(a.throughputPerSec)} → ${rate(b.throughputPerSec)} req/s from ${a.concurrency} to ${b.concurrency} in flight (${pct(gain)} per doubling)`,
        `${formatRatio(overall)} the throughput of ${first.concurrency} in flight (${rate(first.throughputPerSec)} req/s); p50 ${formatMs(first.p50Ms)} → ${formatMs(b.p50Ms)}`,
      ],
      fix: `Sweep higher levels (--sweep ${b.concurrency},${b.concurrency * 2},${b.concurrency * 4},${b.concurrency * 8}) to find the knee; serve with more requests in flight, or batch on the client or with the server's dynamic batching.`,
    },
  ];
}

// LOAD002 ---------------------------------------------------------------------------------------

export function queueing(r: RunData): Verdict[] {
  const sweep = r.sweep;
  const kneeC = sweep?.knee.concurrency;
  if (!sweep || kneeC === null || kneeC === undefined) return [];
  const pts = measured(r);
  const k = pts.find((p) => p.concurrency === kneeC);
  const z = pts[pts.length - 1];
  if (!k || !z || !(z.concurrency >= 2 * k.concurrency) || !(k.p50Ms > 0)) return [];
  const cRatio = z.concurrency / k.concurrency;
  const tGain = gainPerDoubling(k, z);
  const p50Ratio = z.p50Ms / k.p50Ms;
  if (!(tGain < KNEE_FLAT_GAIN && p50Ratio >= QUEUE_SHARE_OF_LITTLE * cRatio)) return [];
  // Little's law: in flight = throughput × time in the system, so a level's mean latency should be c ÷ throughput.
  const littleMs = (z.concurrency / z.throughputPerSec) * 1000;
  const reportedPast = sweep.reported.concurrency > kneeC;
  return [
    {
      code: 'LOAD002',
      severity: reportedPast ? 'warning' : 'info',
      title: 'Requests queue past the knee',
      message:
        `From ${k.concurrency} to ${z.concurrency} in flight throughput stayed flat (${formatRatio(z.throughputPerSec / k.throughputPerSec)}) while p50 grew ${formatRatio(p50Ratio)}: ` +
        `the server is saturated at about ${kneeC} and further requests only wait in a queue (Little's law: latency ∝ concurrency at constant throughput).` +
        (reportedPast ? ` The main figures are those of ${sweep.reported.concurrency} in flight, past the knee, so they include that wait.` : ''),
      evidence: [
        `${k.concurrency} in flight: ${rate(k.throughputPerSec)} req/s, p50 ${formatMs(k.p50Ms)}, p99 ${formatMs(k.p99Ms)}`,
        `${z.concurrency} in flight: ${rate(z.throughputPerSec)} req/s, p50 ${formatMs(z.p50Ms)}, p99 ${formatMs(z.p99Ms)}`,
        `Little's law at ${z.concurrency}: ${z.concurrency} ÷ ${rate(z.throughputPerSec)} req/s = ${formatMs(littleMs)} mean latency; measured ${formatMs(z.meanMs)}`,
      ],
      fix: `Keep about ${kneeC} requests in flight (a client-side limit, or the server's own limit on concurrent requests), or add workers or replicas if more throughput is needed; --p99-budget MS picks the best level under a latency budget.`,
    },
  ];
}

// LOAD003 ---------------------------------------------------------------------------------------

export function serverColdStart(r: RunData): Verdict[] {
  const s = r.summary;
  if (r.target.kind !== 'http' || !s || !(s.p50Ms > 0)) return [];
  const first = r.coldStart.firstMs;
  const ratio = r.coldStart.ratio;
  const bigFirst = first !== null && ratio !== null && Number.isFinite(ratio) && ratio >= COLD_RATIO;
  const timeline = [...r.warmupSamplesMs, ...r.samplesMs];
  let early: { median: number; rest: number } | null = null;
  if (timeline.length >= 3 * EARLY) {
    const e = median(timeline.slice(0, EARLY));
    const rest = median(timeline.slice(EARLY));
    if (rest > 0 && e >= EARLY_FACTOR * rest) early = { median: e, rest };
  }
  if (!bigFirst && !early) return [];
  const evidence: string[] = [];
  if (bigFirst) evidence.push(`first request ${formatMs(first!)} (on a fresh connection) = ${formatRatio(ratio!)} the steady p50 of ${formatMs(r.sweep ? r.sweep.points[0]?.p50Ms ?? s.p50Ms : s.p50Ms)}`);
  if (early) evidence.push(`median of the first ${EARLY} requests after it ${formatMs(early.median)} = ${formatRatio(early.median / early.rest)} the median of the rest (${formatMs(early.rest)})`);
  const coveredByWarmup = early === null || r.warmupSamplesMs.length >= EARLY;
  return [
    {
      code: 'LOAD003',
      severity: 'info',
      title: 'Server cold start',
      message:
        'The server was slow on its first requests (lazy model loading, compilation or caches filling on the first calls, or a new connection). ' +
        (coveredByWarmup ? 'The figures exclude it, but ' : 'Some of it fell among the measured requests; and ') +
        'the first users after a deploy, a restart or a scale-up see it.',
      evidence,
      fix: 'Warm the server up before it takes traffic (send a few requests at start-up, before the readiness probe passes); track the first-request time apart from the steady latency.',
    },
  ];
}

// LOAD004 ---------------------------------------------------------------------------------------

export function rateNotKept(r: RunData): Verdict[] {
  const o = r.openLoop;
  if (!o || o.kept) return [];
  return [
    {
      code: 'LOAD004',
      severity: 'warning',
      title: 'Open-loop rate not kept',
      message:
        `The load generator could not send at ${rate(o.targetRatePerSec)} req/s. Latencies still run from each request's intended send time, so they include the generator's own delay, ` +
        'and the server saw less load than asked for: the figures do not describe that rate.',
      evidence: [
        `sent ${o.sent} of ${o.scheduled} scheduled at ${rate(o.achievedRatePerSec)} req/s (target ${rate(o.targetRatePerSec)}, ${o.arrival})`,
        `send lag p50 ${formatMs(o.lagMs.p50)}, p99 ${formatMs(o.lagMs.p99)}, max ${formatMs(o.lagMs.max)}; at most ${o.maxInFlight} in flight`,
        ...(o.notKept ?? []),
      ],
      fix: 'Lower --rate, or give the generator more CPU (another machine, fewer other processes); several generators can share a rate.',
    },
  ];
}

// LOAD005 ---------------------------------------------------------------------------------------

export function overloaded(r: RunData): Verdict[] {
  const o = r.openLoop;
  const s = r.summary;
  if (!o || !s || r.samplesMs.length < 50) return [];
  const tenth = Math.floor(r.samplesMs.length / 10);
  const head = median(r.samplesMs.slice(0, tenth));
  const tail = median(r.samplesMs.slice(-tenth));
  if (!(head > 0 && tail >= GROWTH_FACTOR * head)) return [];
  return [
    {
      code: 'LOAD005',
      severity: 'warning',
      title: 'Arrival rate above what the server serves',
      message:
        `Latency kept growing during the run (${formatRatio(tail / head)} from the first tenth of the requests to the last): requests arrived faster than the server answered them, so a queue built up. ` +
        'At this rate the latency has no steady value; it grows with the length of the run.',
      evidence: [
        `median of the first ${tenth} measured requests ${formatMs(head)}, of the last ${tenth} ${formatMs(tail)}`,
        `answered ${rate(s.throughputPerSec)} req/s of the ${rate(o.targetRatePerSec)} req/s sent`,
      ],
      fix: 'Lower --rate to below the server\'s capacity (a --sweep finds it), or add capacity; the rate at which p99 meets your budget is the one to plan for.',
    },
  ];
}

// LOAD006 ---------------------------------------------------------------------------------------

export function clientWakeUp(r: RunData): Verdict[] {
  const t = r.target;
  const s = r.summary;
  if (t.kind !== 'http' || t.busyPoll || t.engine || t.llm || !s) return [];
  if (!(t.concurrency <= WAKE_MAX_IN_FLIGHT && s.p50Ms < WAKE_P50_MS)) return [];
  return [
    {
      code: 'LOAD006',
      severity: 'info',
      title: 'Client wake-up in every sample',
      message:
        `With ${t.concurrency} in flight the client sleeps while it waits, and is woken when an answer comes: that wake-up, 0.1–0.5 ms depending on how deeply the CPU idled ` +
        `(0.2–0.5 ms on a small VM), is in every sample, a noticeable share of a p50 of ${formatMs(s.p50Ms)}.`,
      evidence: [`p50 ${formatMs(s.p50Ms)} at ${t.concurrency} in flight`, 'client slept between answers (no --busy-poll)'],
      fix: 'Rerun with --busy-poll ("busyPoll": true in the target) to read each answer as it arrives; it keeps one CPU busy, so leave it off when the server shares a small machine.',
    },
  ];
}

export const LOAD_CHECKS: ReadonlyArray<(r: RunData) => Verdict[]> = [batchingOpportunity, queueing, serverColdStart, rateNotKept, overloaded, clientWakeUp];
