// Seeded random samples for the statistics tests: the same numbers on every platform and every
// run, so a tolerance tuned on a seed stays tuned.

import { mulberry32 } from '../../src/core/random';

/** The cosine branch only, so a stream does not depend on how many deviates were drawn before. */
function boxMuller(u: number, v: number): number {
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** One standard normal deviate from `rand`; 1 − rand() keeps the log's argument in (0, 1]. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand();
  return boxMuller(u, rand());
}

/**
 * A seeded stream of standard normal deviates. It redraws a zero where `gaussian` flips every
 * draw, so the two give different numbers for one seed; both stay because the instability,
 * outlier and steady-state tests were tuned on this stream and the result fixture and the
 * adaptive-stopping tests on the other.
 */
export function normals(seed: number): () => number {
  const r = mulberry32(seed);
  return () => {
    let u = 0;
    while (u === 0) u = r();
    return boxMuller(u, r());
  };
}

/** `n` log-normal values of median 1 and log-sd `sigma`, from normals(seed). */
export function logNormal(seed: number, n: number, sigma: number): number[] {
  const z = normals(seed);
  return Array.from({ length: n }, () => Math.exp(sigma * z()));
}

/** How the result fixture's measured samples are generated when `samplesMs` is not given. */
export interface SampleSpec {
  /** Measured runs (default 1000). */
  runs?: number;
  /** Median of the log-normal distribution, in ms (default 2). */
  medianMs?: number;
  /** σ of log(latency) (default 0.05, a CV of about 5%: a well-run host). */
  sigma?: number;
  seed?: number;
}

/** An endless log-normal latency stream, for loops that draw until they decide to stop. */
export function logNormalStream(spec: Omit<SampleSpec, 'runs'> = {}): () => number {
  const { medianMs = 2, sigma = 0.05, seed = 1 } = spec;
  const rand = mulberry32(seed);
  return () => medianMs * Math.exp(sigma * gaussian(rand));
}

/** `runs` values of logNormalStream(spec). */
export function logNormalSamples(spec: SampleSpec = {}): number[] {
  const next = logNormalStream(spec);
  return Array.from({ length: spec.runs ?? 1000 }, () => next());
}
