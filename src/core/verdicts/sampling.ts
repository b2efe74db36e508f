// How the run was sampled: cold start (RUN001), too few runs for the tail (RUN002), variation
// above the target (RUN006), a warm-up too short (RUN007) and runs cut short (RUN013).

import { formatMs, formatPercent, formatRatio } from '../format';
import { minSamplesToBound } from '../quantileCI';
import type { PercentileCIs, PercentileKey, Summary } from '../result';
import { median } from '../stats';
import { suggestedPinning } from '../tuneScript';
import type { Verdict } from '../verdict';
import { capitalize, clean, cpuList, fixSentence, joinWords, noiseFloorLine, usesGpu, type RunData } from './common';

/** The CV target when the config carries none (the figure common latency guides ask for). */
const DEFAULT_CV_TARGET = 0.001;
/** A first inference this many times the p50 is worth telling serverless users about. */
const COLD_RATIO_NOTABLE = 10;
/** How many of the first measured runs are looked at for cold-start leftovers. */
const EARLY_RUNS = 5;
/** Their median this many times the p50 means they were not steady yet. */
const EARLY_FACTOR = 2;
/** CV within this factor of the target is an info, above it a warning. */
const CV_WARN_FACTOR = 10;
/** Below this p50 a CPU model is "small": thread start-up and hand-off dominate its variation. */
const SMALL_MODEL_P50_MS = 10;

// RUN001 ---------------------------------------------------------------------------------------

export function coldStart(r: RunData): Verdict[] {
  const s = r.summary;
  if (!s || !(s.p50Ms > 0)) return [];
  const warmup = r.config.warmup;
  const ss = r.steadyState;
  const transient = ss?.transientMeasuredRuns ?? 0;
  const ratio = r.coldStart.ratio;
  const bigCold = ratio !== null && Number.isFinite(ratio) && ratio >= COLD_RATIO_NOTABLE;
  const early = earlyRuns(r.samplesMs);
  const earlySlow = early !== null && early.medianMs >= EARLY_FACTOR * s.p50Ms;
  // With a warm-up that the steady-state analysis shows was too short, RUN007 says it better.
  const run007 = warmup > 0 && transient > 0;
  // Slow early measured runs after a warm-up that the steady-state analysis says was long
  // enough are noise, not cold start; without that analysis they are the only evidence.
  const notExcluded = (warmup === 0 && (transient > 0 || (bigCold && earlySlow))) || (warmup > 0 && ss === null && bigCold && earlySlow);

  const firstLine =
    r.coldStart.firstMs !== null && bigCold
      ? [`first inference ${formatMs(r.coldStart.firstMs)} = ${formatRatio(ratio!)} the steady p50 of ${formatMs(s.p50Ms)}`]
      : [];

  if (notExcluded) {
    const evidence = [...firstLine];
    if (ss) evidence.push(`steady state begins at run ${ss.index} of the warm-up + measured timeline (${clean(ss.method)}); warm-up was ${warmup}`);
    if (transient > 0) evidence.push(`the first ${transient} measured runs fell inside the start-up transient`);
    if (early && earlySlow) evidence.push(`median of the first ${early.count} measured runs ${formatMs(early.medianMs)} = ${formatRatio(early.medianMs / s.p50Ms)} p50`);
    const suggested = ss ? niceCeil(Math.max(ss.index * 1.5, 10)) : Math.max(50, niceCeil(warmup * 2));
    const howMany = transient > 0 ? `the first ${transient} measured runs` : 'the first measured runs';
    return [
      {
        code: 'RUN001',
        severity: 'warning',
        title: 'Cold start not excluded',
        message:
          `${capitalize(howMany)} still carry start-up costs (memory allocation, kernel selection, caches filling)` +
          `${warmup === 0 ? ' because there was no warm-up' : ''}, so they are counted in every figure: the mean, the CV and the tail ` +
          'describe start-up as much as the steady speed a running service sees.',
        evidence,
        fix: `Set latency.warmup to ${suggested} (CLI --warmup ${suggested}).`,
      },
    ];
  }

  if (bigCold && !run007 && r.coldStart.firstMs !== null) {
    return [
      {
        code: 'RUN001',
        severity: 'info',
        title: 'Cold start excluded',
        message:
          `The first inference took ${formatRatio(ratio!)} the steady p50. It was reported apart and ` +
          (warmup > 0 ? 'the warm-up absorbed the rest of the start-up' : 'the measured runs after it were already steady') +
          ', so the figures are steady-state; but a serverless function, or the first request after a deploy or a scale-up, pays this cost.',
        evidence: [...firstLine, `session load ${formatMs(r.coldStart.loadMs)} before that`],
        fix: 'Nothing to change for steady-state figures. If first requests matter, run one dummy inference at start-up before serving, and track coldStart.firstMs on its own.',
      },
    ];
  }
  return [];
}

function earlyRuns(samples: readonly number[]): { count: number; medianMs: number } | null {
  // With fewer than twice as many runs as inspected, "the first few" is most of the run.
  if (samples.length < EARLY_RUNS * 2) return null;
  const first = samples.slice(0, EARLY_RUNS);
  if (!first.every(Number.isFinite)) return null;
  return { count: EARLY_RUNS, medianMs: median(first) };
}

// RUN002 ---------------------------------------------------------------------------------------

const SHOWN_PERCENTILES: ReadonlyArray<{ key: PercentileKey; q: number; label: string; field: keyof Summary }> = [
  { key: 'p95', q: 0.95, label: 'p95', field: 'p95Ms' },
  { key: 'p99', q: 0.99, label: 'p99', field: 'p99Ms' },
  { key: 'p999', q: 0.999, label: 'p99.9', field: 'p999Ms' },
];

export function tooFewSamples(r: RunData): Verdict[] {
  const s = r.summary;
  // Results written before CIs existed carry none: unknown is not the same as unbounded.
  const ci = s?.ci as PercentileCIs | undefined;
  if (!s || !ci) return [];
  const level = s.ciLevel > 0 && s.ciLevel < 1 ? s.ciLevel : 0.95;
  const unbounded = SHOWN_PERCENTILES.filter((p) => ci[p.key] === null);
  if (unbounded.length === 0) return [];

  const n = s.n;
  const evidence: string[] = [];
  let needed = 0;
  for (const p of unbounded) {
    const need = minSamplesToBound(p.q, level);
    needed = Math.max(needed, need);
    // Type 7 interpolates between ranks ⌊(n−1)q⌋ and ⌈(n−1)q⌉ (0-based): this many runs from the top set it.
    const fromTop = Math.max(1, n - Math.floor((n - 1) * p.q));
    evidence.push(
      `${p.label} = ${formatMs(s[p.field] as number)}: no ${Number((level * 100).toFixed(1))}% CI from ${n} runs, needs at least ${need}; ` +
        `it is set by the ${fromTop === 1 ? 'slowest run' : `${fromTop} slowest runs`}`,
    );
  }
  evidence.push(`max = ${formatMs(s.maxMs)}`);
  const labels = joinWords(unbounded.map((p) => p.label));
  const adaptive = r.config.stopping?.mode === 'adaptive';
  return [
    {
      code: 'RUN002',
      severity: 'warning',
      title: 'Too few samples for the tail',
      message:
        `${n} runs cannot bound ${labels}: no confidence interval exists at this n, so ` +
        (unbounded.length > 1 ? 'each figure shown is' : 'the figure shown is') +
        ' really set by the slowest runs, near the maximum, and would change a lot on a rerun.',
      evidence,
      fix: adaptive
        ? `Raise latency.stopping.maxIterations to at least ${needed} (CLI --max-iterations ${needed}) and latency.stopping.maxSeconds to match (--max-time).`
        : `Set latency.iterations to at least ${needed} (CLI --iterations ${needed}).`,
    },
  ];
}

// RUN006 ---------------------------------------------------------------------------------------

export function cvAboveTarget(r: RunData): Verdict[] {
  const s = r.summary;
  if (!s || s.n < 2 || !Number.isFinite(s.cv)) return [];
  const target = r.config.cvTarget > 0 ? r.config.cvTarget : DEFAULT_CV_TARGET;
  if (s.cv <= target) return [];
  const nf = r.system?.noiseFloor ?? null;
  const inst = r.instability;
  const sentences = [`CV is ${formatPercent(s.cv)} against a target of ${formatPercent(target)}.`];
  if (nf && Number.isFinite(nf.cv)) {
    sentences.push(
      nf.cv > target
        ? `A fixed ${formatMs(nf.taskMs)} CPU task varies by ${formatPercent(nf.cv)} here, so ${formatPercent(target)} is out of reach on this machine without tuning.`
        : `A fixed ${formatMs(nf.taskMs)} CPU task varies by only ${formatPercent(nf.cv)} here, so the machine is quiet enough: the variation comes from the model run itself (threads, memory allocation, GPU launches).`,
    );
  } else {
    sentences.push('No noise-floor reading was taken, so what this machine can reach is unknown.');
  }
  if (inst && Number.isFinite(inst.robustCv)) {
    sentences.push(
      inst.robustCv <= s.cv / 2
        ? `The bulk of runs varies by only ${formatPercent(inst.robustCv)} (robust CV): a tail of slow runs makes the CV.`
        : `The bulk of runs itself varies by ${formatPercent(inst.robustCv)} (robust CV), so it is not just a few slow runs.`,
    );
  }

  const session = r.config.session;
  const evidence = [`CV ${formatPercent(s.cv)} (stdev ${formatMs(s.stdevMs)} ÷ mean ${formatMs(s.meanMs)}) over ${s.n} runs; target ${formatPercent(target)}`];
  if (inst) evidence.push(`robust CV ${formatPercent(inst.robustCv)} (1.4826·MAD ÷ median)`);
  if (nf) evidence.push(noiseFloorLine(r.system!));
  if (session) evidence.push(`intraOpNumThreads ${session.intraOpNumThreads === 0 ? '0 (onnxruntime decides)' : session.intraOpNumThreads}`);
  const pinned = r.config.cpuAffinity ?? null;
  evidence.push(pinned && pinned.length > 0 ? `pinned to CPUs ${cpuList(pinned)}` : 'not pinned to CPUs');

  const fixes: string[] = [];
  if (!usesGpu(r) && session && session.intraOpNumThreads !== 1 && s.p50Ms < SMALL_MODEL_P50_MS) {
    fixes.push('set latency.session.intraOpNumThreads to 1 (CLI --threads 1): small models are usually steadier on one thread');
  }
  if (!pinned || pinned.length === 0) {
    const example = cpuList(suggestedPinning(r.system));
    fixes.push(`pin the profiler with latency.cpuAffinity "${example}" (CLI --cpus ${example})`);
  }
  const sys = r.system;
  if (!sys || sys.cpu.cpufreq || (usesGpu(r) && sys.gpu.status === 'present')) fixes.push("run 'Latency: Tune System…' to fix the clocks");
  if (nf && nf.cv > target) fixes.push(`or accept what this machine can reach: set latency.cvTarget (CLI --cv-target) above its noise floor of ${formatPercent(nf.cv)}`);
  return [
    {
      code: 'RUN006',
      severity: s.cv > target * CV_WARN_FACTOR ? 'warning' : 'info',
      title: 'Variation above the CV target',
      message: sentences.join(' '),
      evidence,
      fix: fixSentence(fixes),
    },
  ];
}

// RUN007 ---------------------------------------------------------------------------------------

export function warmupTooShort(r: RunData): Verdict[] {
  const ss = r.steadyState;
  const warmup = r.config.warmup;
  if (!ss || warmup <= 0 || !(ss.transientMeasuredRuns > 0)) return [];
  const t = ss.transientMeasuredRuns;
  const suggested = niceCeil(ss.index * 1.5);
  const evidence = [
    `steady state begins at run ${ss.index} of the warm-up + measured timeline (${clean(ss.method)})`,
    `warm-up was ${warmup} runs, so the first ${t} measured run${t === 1 ? ' was' : 's were'} still in the transient`,
  ];
  const early = r.samplesMs.slice(0, t).filter(Number.isFinite);
  if (early.length > 0 && r.summary) {
    evidence.push(`median of those ${early.length} runs ${formatMs(median(early))}; steady p50 ${formatMs(r.summary.p50Ms)}`);
  }
  return [
    {
      code: 'RUN007',
      severity: 'warning',
      title: 'Warm-up too short',
      message:
        `Latency was still settling when measuring began, so the first ${t} measured runs count start-up effects ` +
        '(caches, allocator, clock ramp-up) in the mean, the CV and the tail.',
      evidence,
      fix: `Set latency.warmup to ${suggested} (CLI --warmup ${suggested}).`,
    },
  ];
}

// RUN013 ---------------------------------------------------------------------------------------

export function partialRun(r: RunData): Verdict[] {
  const out: Verdict[] = [];
  const st = r.stopping;
  const n = r.summary?.n ?? r.samplesMs.length;
  if (r.partial) {
    const fixed = r.config.stopping?.mode !== 'adaptive';
    const evidence = [fixed ? `${n} of ${r.config.iterations} measured runs completed` : `${n} measured runs completed`];
    evidence.push(`reason: ${r.partialReason ? clean(r.partialReason) : 'none recorded'}`);
    if (st) evidence.push(`stopped: ${clean(st.reason)}`);
    out.push({
      code: 'RUN013',
      severity: r.summary ? 'warning' : 'error',
      title: 'Partial run',
      message: r.summary
        ? 'The run stopped before it was done, so the figures rest on fewer runs than configured and the tail percentiles are the least certain.'
        : 'No measured run completed, so there are no latency figures at all.',
      evidence,
      fix: 'Rerun to completion; for a quick look set fewer runs (latency.iterations, CLI --iterations) rather than stopping early, so the figures say what they rest on.',
    });
  }
  if (st && st.mode === 'adaptive' && r.config.stopping && (st.reason === 'maxSeconds' || st.reason === 'maxIterations')) {
    const rule = r.config.stopping;
    const tp = rule.targetPercentile === 'p999' ? 'p99.9' : rule.targetPercentile;
    const reached = (x: number | null) => (x === null ? 'unbounded' : `±${formatPercent(x)}`);
    const cap = st.reason === 'maxSeconds' ? `the ${rule.maxSeconds} s time cap` : `the ${rule.maxIterations}-run cap`;
    out.push({
      code: 'RUN013',
      severity: 'info',
      title: 'Precision target not reached',
      message: `Adaptive stopping hit ${cap} before the confidence intervals were as narrow as asked, so the figures are less precise than the target.`,
      evidence: [
        `target ±${formatPercent(rule.relativeHalfWidth)} on p50 and ${tp}`,
        `reached ${reached(st.achieved.p50)} on p50, ${reached(st.achieved.target)} on ${tp} after ${n} runs`,
      ],
      fix:
        st.reason === 'maxSeconds'
          ? `Raise latency.stopping.maxSeconds (CLI --max-time), or relax latency.stopping.relativeHalfWidth (CLI --precision).`
          : `Raise latency.stopping.maxIterations (CLI --max-iterations), or relax latency.stopping.relativeHalfWidth (CLI --precision).`,
    });
  }
  return out;
}

// Helpers --------------------------------------------------------------------------------------

/**
 * Round up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten: a warm-up of 320 runs reads
 * as a number someone chose, 318 as one that was computed to false precision.
 */
function niceCeil(x: number): number {
  if (!(x > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const v = Math.round(m * p);
    if (v >= x) return v;
  }
  return Math.round(10 * p);
}

