// Interleaved A/B benchmark: a base model and a candidate loaded in one process and run
// alternately, so whatever drifts during the run (clock, temperature, a neighbour's load) lands on
// both alike. Two separate `latency bench` runs minutes apart cannot promise that.
//
// The order is ABBA (A B B A A B B A …): with plain ABAB the base would always run right after a
// candidate run and never after its own, and any carry-over (caches, allocator state, the turbo
// budget the previous run spent) would favour one side every time.

import { promises as fs } from 'fs';
import * as path from 'path';
import type * as Ort from 'onnxruntime-node';
import { compareOutputs, failedAgreement, type AccuracyReport, type OutputAgreement, type OutputPair } from '../core/accuracy';
import { recordedRunConfig, type BenchmarkConfig } from '../core/config';
import type { InputMetadata } from '../core/inputSynthesis';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import { combineRepeats } from '../core/repeats';
import type { BenchmarkResult, Environment, InputPlan, RunConfig, SessionConfig, StopReason } from '../core/result';
import type { SystemSnapshot } from '../core/system';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { checkModelFile, modelLoadError, planFeeds, prepareMachine, targetOf } from './onnxBenchmark';
import { loadOrt, toSessionOptions } from './ort';
import { explainRejection } from './rejection';
import { TelemetrySampler, type RunPosition } from './telemetry';
import { timedLoop } from './timedLoop';

export type AbSide = 'base' | 'candidate';

export interface AbOptions {
  basePath: string;
  candidatePath: string;
  /** One config for both: the same session options, inputs, counts and pinning. */
  config: BenchmarkConfig;
  /**
   * Session options that differ for the candidate: an A/B of two session configs (of one model,
   * or of two). Everything not named here is the config's.
   */
  candidateSession?: Partial<SessionConfig>;
  accuracyThreshold?: number;
  progressIntervalMs?: number;
  /** Times to do the whole interleaved run, each on fresh sessions (default 1). */
  repeat?: number;
}

export interface AbEvents {
  /** Runs of each model done in this phase of this repeat (1-based, of `repeats`). */
  onProgress?(progress: { phase: 'warmup' | 'measure'; done: number; total: number; repeat: number; repeats: number }): void;
  log?(level: 'trace' | 'info' | 'warn' | 'error', message: string): void;
  isCancelled(): boolean;
}

export interface AbOutcome {
  /** Over every repeat's runs (combineRepeats), with `repeats` when there were two or more. */
  base: BenchmarkResult;
  candidate: BenchmarkResult;
  /** From the first repeat: every repeat feeds the same inputs to the same two models. */
  accuracy: AccuracyReport;
  /** Each completed repeat's own pair of results, when repeated: what per-repeat comparisons are made of. */
  repeats?: AbPair[];
}

export interface AbPair {
  base: BenchmarkResult;
  candidate: BenchmarkResult;
}

const TELEMETRY_INTERVAL_MS = 500;

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

/** Which side runs at position k of the interleaved sequence: A B B A, repeated. */
export function abbaSide(k: number): AbSide {
  return ((k + 1) >> 1) % 2 === 0 ? 'base' : 'candidate';
}

export async function runAbBenchmark(opts: AbOptions, events: AbEvents): Promise<AbOutcome> {
  const { config } = opts;
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runAbBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  if (config.stopping.mode !== 'fixed') {
    // Adaptive stopping watches one run's intervals; with two interleaved runs it would stop on whichever narrows first.
    throw new BenchmarkError('latency ab runs a fixed number of iterations: adaptive stopping does not apply', {
      kind: 'sessionOptions',
      hint: 'Remove stopping.mode "adaptive" from the config, or set it to "fixed".',
    });
  }
  const paths = { base: path.resolve(opts.basePath), candidate: path.resolve(opts.candidatePath) };
  const sizes = { base: await checkModelFile(paths.base), candidate: await checkModelFile(paths.candidate) };
  const log = events.log ?? (() => undefined);
  // Once, before either model loads: both results describe the same machine at the same moment.
  const system = await prepareMachine(config, log);
  const ort = loadOrt();
  const environmentPromise = collectEnvironment(ort);
  const sessions: Record<AbSide, SessionConfig> = { base: config.session, candidate: { ...config.session, ...opts.candidateSession } };
  const sessionOptions = { base: toSessionOptions(sessions.base), candidate: toSessionOptions(sessions.candidate) };
  // The first session and the first inference in a process pay onnxruntime's one-time set-up
  // (its environment, kernel registries, CPU feature probes): measured on lenet5, ~140 ms of load
  // and ~2 ms of first run that the base alone would carry. A throwaway session of the base, run
  // once, pays it for both, so the cold starts compare the models and not their order.
  let plans: InputPlan[];
  let feeds: Record<string, Ort.Tensor>;
  {
    let primer: Ort.InferenceSession;
    try {
      primer = await ort.InferenceSession.create(paths.base, sessionOptions.base);
    } catch (err) {
      throw modelLoadError(paths.base, err, config);
    }
    try {
      // One feeds object for both sides, so any difference in output or time is the model's alone.
      ({ plans, feeds } = await planFeeds(ort, primer.inputMetadata as readonly InputMetadata[], config.inputs));
      try {
        await primer.run(feeds);
      } catch (err) {
        const explained = await explainRejection(ort, primer, plans, feeds, err);
        throw new BenchmarkError(`base model (${path.basename(paths.base)}): ${explained.message}`, explained.data);
      }
    } finally {
      await primer.release().catch(() => undefined);
    }
  }
  // The primer left the base file in the page cache; reading the candidate puts both loads on equal terms.
  await fs.readFile(paths.candidate).catch(() => undefined);

  const runConfigOf = (side: AbSide): RunConfig => recordedRunConfig(config, { session: sessions[side], inputs: plans });
  const runConfig = { base: runConfigOf('base'), candidate: runConfigOf('candidate') };
  const setting: AbSetting = { ort, paths, sizes, sessionOptions, config, runConfig, plans, feeds, system, environment: await environmentPromise };

  // Each repeat is the whole interleaved run on fresh sessions; a repeat cut short is left out
  // unless it is the first (the same rule as latency bench --repeat: see runRepeated).
  const done: AbPair[] = [];
  let accuracy: AccuracyReport | undefined;
  let cutShort = false;
  for (let i = 0; i < repeat; i++) {
    if (i > 0 && events.isCancelled()) break;
    const once = await runInterleaved(setting, opts, events, { repeat: i + 1, repeats: repeat, accuracy: i === 0 });
    accuracy ??= once.accuracy;
    const pair = { base: once.base, candidate: once.candidate };
    if (once.cancelled) {
      if (i === 0) {
        const note = (r: BenchmarkResult): BenchmarkResult => (repeat > 1 ? { ...r, partialReason: `${r.partialReason ?? 'stopped early'} (repeat 1 of ${repeat})` } : r);
        return { base: note(pair.base), candidate: note(pair.candidate), accuracy: accuracy! };
      }
      cutShort = true;
      break;
    }
    done.push(pair);
  }
  if (repeat === 1) return { ...done[0]!, accuracy: accuracy! };
  return {
    base: combineRepeats(done.map((d) => d.base), { planned: repeat, cutShort }),
    candidate: combineRepeats(done.map((d) => d.candidate), { planned: repeat, cutShort }),
    accuracy: accuracy!,
    repeats: done,
  };
}

/** What every repeat shares: the machine, the runtime, the planned inputs and the one feeds object. */
interface AbSetting {
  ort: typeof Ort;
  paths: Record<AbSide, string>;
  sizes: Record<AbSide, number>;
  sessionOptions: Record<AbSide, Ort.InferenceSession.SessionOptions>;
  config: BenchmarkConfig;
  runConfig: Record<AbSide, RunConfig>;
  plans: InputPlan[];
  feeds: Record<string, Ort.Tensor>;
  system: SystemSnapshot | null;
  environment: Environment;
}

/** One interleaved run: both models loaded afresh, their cold starts, then warm-up and measured runs A B B A. */
async function runInterleaved(
  setting: AbSetting,
  opts: AbOptions,
  events: AbEvents,
  which: { repeat: number; repeats: number; accuracy: boolean },
): Promise<AbPair & { accuracy?: AccuracyReport; cancelled: boolean }> {
  const { ort, paths, sizes, sessionOptions, config, runConfig, plans, feeds, system, environment } = setting;
  const log = events.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const sessions: Partial<Record<AbSide, Ort.InferenceSession>> = {};
  const loadMs = { base: 0, candidate: 0 };
  try {
    for (const side of ['base', 'candidate'] as const) {
      const loadStart = process.hrtime.bigint();
      try {
        sessions[side] = await ort.InferenceSession.create(paths[side], sessionOptions[side]);
      } catch (err) {
        throw modelLoadError(paths[side], err, config);
      }
      loadMs[side] = hrMs(loadStart);
      log('info', `loaded ${side} ${paths[side]} in ${loadMs[side].toFixed(1)} ms`);
    }
    const base = sessions.base!;
    const candidate = sessions.candidate!;

    const differences = inputDifferences(base.inputMetadata as readonly InputMetadata[], candidate.inputMetadata as readonly InputMetadata[]);
    if (differences.length) {
      throw new BenchmarkError(`the candidate's inputs differ: ${differences.join('; ')}`, {
        kind: 'inputRejected',
        hint: 'A/B compares two versions of one model: both must take the same input names and element types, so both can be fed the same tensors.',
      });
    }
    const assemblers = { base: new ResultAssembler(), candidate: new ResultAssembler() };
    for (const side of ['base', 'candidate'] as const) {
      const header: RunHeader = {
        target: targetOf(paths[side], sizes[side]),
        config: runConfig[side],
        environment,
        startedAt,
        loadMs: loadMs[side],
        system,
      };
      assemblers[side].start(header);
    }
    // Per-side run index for telemetry: the loop counts both sides' runs, the results count their own.
    const where: RunPosition = { phase: 'warmup', run: 0 };
    const counter = {
      set run(k: number) {
        where.run = Math.floor(k / 2);
      },
      get run() {
        return where.run * 2;
      },
    };
    const telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: system?.gpu.status === 'present', where, mode: 'polled' });
    telemetry.start();
    try {
      // Cold starts one after the other, base first: each is its session's first inference.
      const outputs: Partial<Record<AbSide, Ort.InferenceSession.OnnxValueMapType>> = {};
      for (const side of ['base', 'candidate'] as const) {
        const session = sessions[side]!;
        const firstStart = process.hrtime.bigint();
        try {
          await session.run(feeds);
        } catch (err) {
          const explained = await explainRejection(ort, session, plans, feeds, err);
          throw new BenchmarkError(`${side} model (${path.basename(paths[side])}): ${explained.message}`, explained.data);
        }
        assemblers[side].coldStart(hrMs(firstStart));
      }
      // Outside any timed region: the outputs for the accuracy check.
      if (which.accuracy) for (const side of ['base', 'candidate'] as const) outputs[side] = await sessions[side]!.run(feeds);
      const accuracy = which.accuracy ? compareAllOutputs(base.outputNames, outputs.base!, candidate.outputNames, outputs.candidate!, opts.accuracyThreshold) : undefined;

      let stopReason: StopReason | undefined;
      for (const { phase, perSide } of [
        { phase: 'warmup' as const, perSide: config.warmup },
        { phase: 'measure' as const, perSide: config.iterations },
      ]) {
        if (stopReason === 'cancelled') break;
        where.phase = phase;
        where.run = 0;
        if (phase === 'measure') telemetry.sampleIfDue(true);
        let k = 0;
        const completed = await timedLoop(() => sessions[abbaSide(k++)]!.run(feeds), {
          total: perSide * 2,
          flushIntervalMs: opts.progressIntervalMs ?? 200,
          counter,
          isCancelled: () => events.isCancelled(),
          onFlush: (newSamplesMs) => {
            telemetry.sampleIfDue();
            // Samples arrive in run order; their global index says whose they are.
            const split = { base: [] as number[], candidate: [] as number[] };
            const first = k - newSamplesMs.length;
            newSamplesMs.forEach((ms, i) => split[abbaSide(first + i)].push(ms));
            const newTelemetry = telemetry.drain();
            for (const side of ['base', 'candidate'] as const) {
              if (phase === 'warmup') assemblers[side].addWarmup(split[side]);
              // No wall time: the measured phase's wall clock includes the other side's runs.
              else assemblers[side].addMeasured(split[side]);
              assemblers[side].addTelemetry(newTelemetry);
            }
            events.onProgress?.({ phase, done: Math.floor(k / 2), total: perSide, repeat: which.repeat, repeats: which.repeats });
          },
        });
        if (!completed && events.isCancelled()) stopReason = 'cancelled';
      }
      stopReason ??= 'iterations';
      const lateTelemetry = await telemetry.stop();
      // One process, one peak: read once, so both results carry the same figure.
      const peakRssBytes = peakRss();
      const finish = (side: AbSide): BenchmarkResult => {
        assemblers[side].addTelemetry(lateTelemetry);
        // finish() returns undefined only before start(), which happened above.
        return assemblers[side].finish({
          peakRssBytes,
          stopReason,
          ...(stopReason === 'cancelled' ? { partialReason: 'cancelled' } : {}),
        }) as BenchmarkResult;
      };
      return { base: finish('base'), candidate: finish('candidate'), ...(accuracy ? { accuracy } : {}), cancelled: stopReason === 'cancelled' };
    } finally {
      await telemetry.stop();
    }
  } finally {
    for (const s of Object.values(sessions)) await s?.release().catch(() => undefined);
  }
}

/** What keeps one feeds object from fitting both models; empty when it fits. */
export function inputDifferences(base: readonly InputMetadata[], candidate: readonly InputMetadata[]): string[] {
  const typeOf = (m: InputMetadata): string => (m.isTensor ? (m.type ?? 'unknown type') : 'not a tensor');
  const out: string[] = [];
  const byName = new Map(candidate.map((m) => [m.name, m]));
  for (const b of base) {
    const c = byName.get(b.name);
    if (!c) out.push(`it has no input "${b.name}" (${typeOf(b)})`);
    else if (typeOf(b) !== typeOf(c)) out.push(`input "${b.name}" is ${typeOf(c)}, the base's is ${typeOf(b)}`);
  }
  const baseNames = new Set(base.map((m) => m.name));
  for (const c of candidate) if (!baseNames.has(c.name)) out.push(`it has an input "${c.name}" (${typeOf(c)}) the base lacks`);
  return out;
}

/**
 * compareOutputs over every output, matched by name. An output one model lacks fails with that
 * reason: a consumer reading it by name would break, however fast the candidate is.
 */
export function compareAllOutputs(
  baseNames: readonly string[],
  baseOutputs: Ort.InferenceSession.OnnxValueMapType,
  candidateNames: readonly string[],
  candidateOutputs: Ort.InferenceSession.OnnxValueMapType,
  threshold?: number,
): AccuracyReport {
  const failed = failedAgreement;
  const pairs: OutputPair[] = [];
  const problems = new Map<string, OutputAgreement>();
  for (const name of baseNames) {
    if (!candidateNames.includes(name)) {
      problems.set(name, failed(name, 'missing from the candidate'));
      continue;
    }
    const a = baseOutputs[name] as Ort.Tensor | undefined;
    const b = candidateOutputs[name] as Ort.Tensor | undefined;
    const av = a && numeric(a);
    const bv = b && numeric(b);
    if (!a || !b || !av || !bv) {
      if (a && b && a.type === 'string' && b.type === 'string') {
        problems.set(name, stringAgreement(name, a.data as string[], b.data as string[], failed));
      } else {
        problems.set(name, failed(name, `cannot compare ${a?.type ?? 'a non-tensor'} with ${b?.type ?? 'a non-tensor'}`));
      }
      continue;
    }
    pairs.push({ name, dims: a.dims, candidateDims: b.dims, base: av, candidate: bv });
  }
  const report = compareOutputs(pairs, threshold);
  const byName = new Map(report.outputs.map((o) => [o.name, o]));
  const outputs = baseNames.map((n) => byName.get(n) ?? problems.get(n)!);
  for (const name of candidateNames) if (!baseNames.includes(name)) outputs.push(failed(name, 'not an output of the base'));
  return { threshold: report.threshold, outputs, pass: outputs.length > 0 && outputs.every((o) => o.pass) };
}

/** Strings agree or they do not: no error to measure. */
function stringAgreement(name: string, a: readonly string[], b: readonly string[], failed: (name: string, problem: string) => OutputAgreement): OutputAgreement {
  const differing = a.length === b.length ? a.filter((s, i) => s !== b[i]).length : -1;
  if (differing !== 0) return failed(name, differing < 0 ? `${a.length} vs ${b.length} strings` : `${differing} of ${a.length} strings differ`);
  return { name, maxAbsError: 0, relativeL2: 0, cosine: 1, top1Agreement: null, degradation: 0, judgedBy: 'relative L2', pass: true };
}

/** A tensor's values as numbers; undefined for strings. float16 arrives as raw bits and is decoded. */
function numeric(t: Ort.Tensor): ArrayLike<number> | undefined {
  const data = t.data as unknown;
  if (t.type === 'string' || Array.isArray(data)) return undefined;
  if (t.type === 'float16' && data instanceof Uint16Array) return Float64Array.from(data, halfToNumber);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, (x) => Number(x));
  return data as ArrayLike<number>;
}

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
