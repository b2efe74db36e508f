// Open-loop load: requests are sent at scheduled instants whatever the server does, as real
// independent users arrive, instead of each worker waiting for its last answer (closed loop).
// A closed loop slows down with a slow server and so never sends the requests that would have
// queued: its latencies hide the queueing ("coordinated omission"). Here every latency runs from
// the INTENDED send time of its request, so a request the generator or the server delayed counts
// the delay. Pure: the arrival schedules, the report type, and the "rate kept" judgement.

import { mulberry32 } from './random';
import { percentile } from './stats';

export type Arrival = 'constant' | 'poisson';
export const ARRIVALS: readonly Arrival[] = ['constant', 'poisson'];
/** The seed of Poisson arrivals, recorded in the result so a run's schedule can be replayed. */
export const DEFAULT_ARRIVAL_SEED = 1;

/**
 * Requests in flight at once, at most: the HTTP agent's socket cap. Past it a request waits in
 * the client for a socket, which the latency (from the intended send time) still counts, but
 * the server no longer sees the rate asked for, so the run is marked as not keeping it. Well
 * under the usual 1,024 open files of a process would be too tight for slow servers at high rates;
 * a larger value risks running out of file descriptors (EMFILE) first.
 */
export const OPEN_LOOP_MAX_IN_FLIGHT = 4096;
/** The generator kept the rate when at least this share of it was sent … */
export const MIN_ACHIEVED_SHARE = 0.95;
/**
 * … and the 99th percentile of send lag (actual − intended send time) was at most this, or at
 * most LAG_SHARE_OF_P50 of the run's latency p50 when that is more: the lag is part of every
 * latency, and up to a tenth of the typical latency it moves the figures little.
 */
export const MAX_LAG_P99_MS = 2;
export const LAG_SHARE_OF_P50 = 0.1;

/**
 * Intended send times (ms from the start of the schedule) of `count` requests at `ratePerSec`:
 * evenly spaced (constant), or with exponential gaps of the same mean (poisson: independent
 * arrivals), from a seeded generator so a run can be repeated exactly. The first request is at 0.
 */
export function arrivalSchedule(count: number, ratePerSec: number, arrival: Arrival, seed = DEFAULT_ARRIVAL_SEED): Float64Array {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`arrivalSchedule: count must be an integer ≥ 0, got ${count}`);
  if (!(ratePerSec > 0 && Number.isFinite(ratePerSec))) throw new RangeError(`arrivalSchedule: rate must be > 0, got ${ratePerSec}`);
  const out = new Float64Array(count);
  const meanGapMs = 1000 / ratePerSec;
  if (arrival === 'constant') {
    for (let i = 0; i < count; i++) out[i] = i * meanGapMs;
    return out;
  }
  const random = mulberry32(seed);
  let t = 0;
  for (let i = 0; i < count; i++) {
    out[i] = t;
    // Inverse transform; 1 − u is in (0, 1], so the log is finite.
    t += -Math.log(1 - random()) * meanGapMs;
  }
  return out;
}

/** What an open-loop run did, besides its latencies. */
export interface OpenLoopReport {
  arrival: Arrival;
  /** Seed of the Poisson schedule (absent for constant arrivals). */
  seed?: number;
  targetRatePerSec: number;
  /** Requests scheduled (warm-up included) and those actually sent. */
  scheduled: number;
  sent: number;
  /** Sent requests per second over the span from the first to the last actual send. */
  achievedRatePerSec: number;
  /** Send lag, actual − intended send time (ms): how late the generator was. */
  lagMs: { p50: number; p99: number; max: number };
  /** The most requests in flight at once, and how many sends found the socket cap reached. */
  maxInFlight: number;
  inFlightCap: number;
  capHits: number;
  /** Whether the generator sent at the rate asked for; when false, `notKept` says why. */
  kept: boolean;
  notKept?: string[];
}

export interface SendRecord {
  intendedMs: number;
  actualMs: number;
}

/** The judgement of a finished (or cancelled) schedule from its sends. */
export function judgeOpenLoop(input: {
  arrival: Arrival;
  seed?: number;
  targetRatePerSec: number;
  scheduled: number;
  sends: readonly SendRecord[];
  maxInFlight: number;
  inFlightCap: number;
  capHits: number;
  /** The run's latency p50 (ms), which sets how much lag is tolerable; absent: MAX_LAG_P99_MS alone. */
  latencyP50Ms?: number;
}): OpenLoopReport {
  const { sends } = input;
  const lags = sends.map((s) => Math.max(0, s.actualMs - s.intendedMs)).sort((a, b) => a - b);
  const lagMs = lags.length ? { p50: percentile(lags, 0.5), p99: percentile(lags, 0.99), max: lags[lags.length - 1]! } : { p50: 0, p99: 0, max: 0 };
  // The rate over (n − 1) gaps: n sends span n − 1 intervals, so a perfectly kept rate reads as itself.
  const span = sends.length >= 2 ? sends[sends.length - 1]!.actualMs - sends[0]!.actualMs : 0;
  // A span of 0 (every send in the same instant) would be an infinite rate, which JSON cannot carry: 1 ns stands in.
  const achievedRatePerSec = sends.length >= 2 ? ((sends.length - 1) / Math.max(span, 1e-6)) * 1000 : 0;
  // For Poisson arrivals the schedule's own rate differs from the nominal one by chance; the
  // generator is judged against what it was asked to send, i.e. the schedule's rate.
  const intendedSpan = sends.length >= 2 ? sends[sends.length - 1]!.intendedMs - sends[0]!.intendedMs : 0;
  const scheduledRate = intendedSpan > 0 ? ((sends.length - 1) / intendedSpan) * 1000 : input.targetRatePerSec;
  const notKept: string[] = [];
  if (sends.length >= 2 && achievedRatePerSec < MIN_ACHIEVED_SHARE * scheduledRate) {
    notKept.push(`sent ${rate(achievedRatePerSec)} req/s of the ${rate(scheduledRate)} req/s scheduled (${Math.round((achievedRatePerSec / scheduledRate) * 100)}%, under ${Math.round(MIN_ACHIEVED_SHARE * 100)}%)`);
  }
  const lagLimit = Math.max(MAX_LAG_P99_MS, LAG_SHARE_OF_P50 * (input.latencyP50Ms ?? 0));
  if (lagMs.p99 > lagLimit) notKept.push(`send lag p99 ${ms(lagMs.p99)} (over ${ms(lagLimit)}): requests left late, and their latencies include that delay`);
  if (input.capHits > 0) notKept.push(`${input.capHits} sends found ${input.inFlightCap} requests already in flight (the socket cap) and waited in the client`);
  return {
    arrival: input.arrival,
    ...(input.arrival === 'poisson' ? { seed: input.seed ?? DEFAULT_ARRIVAL_SEED } : {}),
    targetRatePerSec: input.targetRatePerSec,
    scheduled: input.scheduled,
    sent: sends.length,
    achievedRatePerSec,
    lagMs,
    maxInFlight: input.maxInFlight,
    inFlightCap: input.inFlightCap,
    capHits: input.capHits,
    kept: notKept.length === 0,
    ...(notKept.length ? { notKept } : {}),
  };
}

function rate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3);
}
function ms(x: number): string {
  return `${Number(x.toPrecision(3))} ms`;
}
