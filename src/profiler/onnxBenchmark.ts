// One ONNX benchmark: load, plan inputs, cold start, warm-up, measured runs. Runs in the profiler
// process (or the CLI), never in the extension host. The timed region is exactly one
// `session.run`; everything else (progress, cancellation checks) happens between runs.

import { promises as fs } from 'fs';
import * as path from 'path';
import type * as Ort from 'onnxruntime-node';
import { recordedRunConfig, type BenchmarkConfig, type InputsConfig } from '../core/config';
import { InputSynthesisError, generateData, planInputs, type InputData, type InputMetadata } from '../core/inputSynthesis';
import { TensorFileError } from '../core/tensorFile';
import type { ProgressParams } from '../core/profilerProtocol';
import { AdaptiveStopper } from '../core/adaptiveStop';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { BenchmarkResult, InputPlan, StopReason } from '../core/result';
import type { SystemSnapshot } from '../core/system';
import { pinToCpus } from './affinity';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { loadSuppliedInputs } from './inputFiles';
import { explainRejection } from './rejection';
import { loadOrt, toSessionOptions } from './ort';
import { readModelParameters } from './modelParameters';
import { runRepeated } from './repeatBenchmark';
import { takePreflight } from './preflight';
import { TelemetrySampler } from './telemetry';
import { timedLoop } from './timedLoop';

export interface BenchmarkEvents {
  onStarted?(header: RunHeader): void;
  onColdStart?(firstMs: number): void;
  onProgress?(progress: ProgressParams): void;
  log?(level: 'trace' | 'info' | 'warn' | 'error', message: string): void;
  isCancelled(): boolean;
  /** Repeat `repeat` (1-based) of `of` is about to load its session; only when repeating. */
  onRepeat?(repeat: number, of: number): void;
}

export interface BenchmarkOptions {
  modelPath: string;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  /**
   * Complete runs to do, each with a fresh session (default 1), combined into one result with
   * `repeats` (see repeatBenchmark.ts). onStarted and onColdStart come from the first only;
   * progress comes from each, its counts within that repeat.
   */
  repeat?: number;
}

/** Telemetry is read between runs at most this often: a few readings even in a short run. */
const TELEMETRY_INTERVAL_MS = 500;

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

export async function runOnnxBenchmark(opts: BenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const repeat = opts.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new RangeError(`runOnnxBenchmark: repeat must be an integer ≥ 1, got ${repeat}`);
  const modelPath = path.resolve(opts.modelPath);
  const sizeBytes = await checkModelFile(modelPath);
  // Once for every repeat: pinning and the pre-flight readings describe the machine, not a session.
  const system = await prepareMachine(opts.config, events.log ?? (() => undefined));
  const once = (ev: BenchmarkEvents) => runSession({ ...opts, modelPath, sizeBytes, system }, ev);
  return repeat === 1 ? once(events) : runRepeated(repeat, once, events);
}

/** One complete run on a fresh session, on a machine already prepared. */
async function runSession(
  opts: BenchmarkOptions & { sizeBytes: number; system: SystemSnapshot | null },
  events: BenchmarkEvents,
): Promise<BenchmarkResult> {
  const { config, modelPath, sizeBytes, system } = opts;
  const log = events.log ?? (() => undefined);
  const ort = loadOrt();
  const environmentPromise = collectEnvironment(ort);

  let session: Ort.InferenceSession;
  // The run starts with the model load: wall time then covers everything the user waited for.
  const startedAt = new Date().toISOString();
  const loadStart = process.hrtime.bigint();
  try {
    session = await ort.InferenceSession.create(modelPath, toSessionOptions(config.session));
  } catch (err) {
    throw modelLoadError(modelPath, err, config);
  }
  const loadMs = hrMs(loadStart);
  log('info', `loaded ${modelPath} in ${loadMs.toFixed(1)} ms`);

  try {
    const { plans, feeds } = await planFeeds(ort, session.inputMetadata as readonly InputMetadata[], config.inputs);
    const runConfig = recordedRunConfig(config, { session: config.session, inputs: plans });
    const assembler = new ResultAssembler();
    const header: RunHeader = {
      target: targetOf(modelPath, sizeBytes),
      config: runConfig,
      environment: await environmentPromise,
      startedAt,
      loadMs,
      system,
    };
    assembler.start(header);
    events.onStarted?.(header);
    const where = { phase: 'warmup' as 'warmup' | 'measure', run: 0 };
    const telemetry = new TelemetrySampler({ intervalMs: TELEMETRY_INTERVAL_MS, gpuPresent: system?.gpu.status === 'present', where, mode: 'polled' });
    telemetry.start();
    try {
      const firstStart = process.hrtime.bigint();
      try {
        await session.run(feeds);
      } catch (err) {
        throw await explainRejection(ort, session, plans, feeds, err);
      }
      const firstMs = hrMs(firstStart);
      assembler.coldStart(firstMs);
      events.onColdStart?.(firstMs);

      const stopper = new AdaptiveStopper(config.stopping, config.iterations);
      const adaptive = config.stopping.mode === 'adaptive';
      const phases = [
        { phase: 'warmup' as const, total: config.warmup },
        { phase: 'measure' as const, total: adaptive ? config.stopping.maxIterations : config.iterations },
      ];
      let stopReason: StopReason | undefined;
      for (const { phase, total } of phases) {
        if (stopReason === 'cancelled') break;
        const samples = phase === 'warmup' ? assembler.warmupSamplesMs : assembler.samplesMs;
        const phaseStart = process.hrtime.bigint();
        where.phase = phase;
        where.run = 0;
        // A reading as measuring begins, so drift in a short run can still be set against what moved.
        if (phase === 'measure') telemetry.sampleIfDue(true);
        const completed = await timedLoop(() => session.run(feeds), {
          total,
          flushIntervalMs: opts.progressIntervalMs ?? 200,
          counter: where,
          isCancelled: () => events.isCancelled() || (stopReason !== undefined && stopReason !== 'cancelled'),
          onFlush: (newSamplesMs) => {
            telemetry.sampleIfDue();
            if (phase === 'warmup') assembler.addWarmup(newSamplesMs);
            else assembler.addMeasured(newSamplesMs, hrMs(phaseStart));
            const newTelemetry = telemetry.drain();
            assembler.addTelemetry(newTelemetry);
            events.onProgress?.({
              phase,
              done: samples.length,
              total,
              newSamplesMs,
              ...(phase === 'measure' ? { measuredWallMs: hrMs(phaseStart) } : {}),
              peakRssBytes: peakRss(),
              ...(newTelemetry.length ? { telemetry: newTelemetry } : {}),
            });
            if (phase === 'measure' && adaptive && stopReason === undefined && stopper.shouldCheck(samples.length, hrMs(phaseStart))) {
              const verdict = stopper.check(samples, hrMs(phaseStart));
              if (verdict.stop) stopReason = verdict.reason;
            }
          },
        });
        if (!completed && events.isCancelled()) stopReason = 'cancelled';
      }
      if (stopReason === undefined) stopReason = adaptive ? 'maxIterations' : 'iterations';
      assembler.addTelemetry(await telemetry.stop());
      const result = assembler.finish({
        peakRssBytes: peakRss(),
        stopReason,
        ...(stopReason === 'cancelled' ? { partialReason: 'cancelled' } : {}),
      });
      // finish() only returns undefined before start(), which happened above.
      return result as BenchmarkResult;
    } finally {
      // Idempotent: also reached when an inference throws, so the nvidia-smi child never outlives the run.
      await telemetry.stop();
    }
  } finally {
    await session.release().catch(() => undefined);
  }
}

/**
 * Pins the process when asked (before onnxruntime exists in it: its thread pools are created
 * with a session and inherit the affinity the process has then), then takes the pre-flight
 * readings before any model loads, so the load average and the noise floor are the machine's,
 * not ours. null readings when they could not be taken; a failed pin is an error.
 */
export async function prepareMachine(config: BenchmarkConfig, log: (level: 'info' | 'warn', message: string) => void): Promise<SystemSnapshot | null> {
  if (config.cpuAffinity) {
    const pinned = pinToCpus(config.cpuAffinity);
    if (!pinned.ok) {
      throw new BenchmarkError(`Could not pin the benchmark to CPUs ${config.cpuAffinity.join(',')}: ${pinned.message}`, {
        kind: 'cpuAffinity',
        hint: 'Clear latency.cpuAffinity (or drop --cpus), or name CPUs this machine has.',
      });
    }
    log('info', `pinned to CPUs ${pinned.affinity.join(',')}`);
  }
  try {
    return await takePreflight();
  } catch (err) {
    log('warn', `pre-flight readings failed: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

/** The run's target, with the parameter count when the file can be walked (it is a nicety, never an error). */
export function targetOf(modelPath: string, sizeBytes: number): BenchmarkResult['target'] {
  const count = readModelParameters(modelPath);
  return { kind: 'onnx', path: modelPath, name: path.basename(modelPath), sizeBytes, ...(count ? { parameters: count.parameters } : {}) };
}

export async function checkModelFile(modelPath: string): Promise<number> {
  let stat;
  try {
    stat = await fs.stat(modelPath);
  } catch {
    throw new BenchmarkError(`Model file not found: ${modelPath}`, { kind: 'modelNotFound' });
  }
  if (!stat.isFile()) throw new BenchmarkError(`Not a file: ${modelPath}`, { kind: 'modelNotFound' });
  if (stat.size === 0) {
    throw new BenchmarkError(`The model file is empty (0 bytes): ${modelPath}`, { kind: 'modelInvalid', hint: 'Re-export or re-download the model.' });
  }
  return stat.size;
}

export function modelLoadError(modelPath: string, err: unknown, config: BenchmarkConfig): BenchmarkError {
  const ortMessage = err instanceof Error ? err.message : String(err);
  if (/provider|execution/i.test(ortMessage) && config.session.executionProviders.some((p) => p !== 'cpu')) {
    return new BenchmarkError(`onnxruntime could not use the execution providers [${config.session.executionProviders.join(', ')}]: ${ortMessage}`, {
      kind: 'sessionOptions',
      ortMessage,
      hint: 'Set latency.session.executionProviders to ["cpu"], or install an onnxruntime-node build that has this provider.',
    });
  }
  const unsupported = /Unsupported data type: (\d+)/.exec(ortMessage);
  if (unsupported) {
    return new BenchmarkError(`onnxruntime-node cannot load ${path.basename(modelPath)}: an input or output uses ONNX element type ${unsupported[1]}${unsupported[1] === '16' ? ' (bfloat16)' : ''}, which onnxruntime-node does not support at the model boundary`, {
      kind: 'modelInvalid',
      ortMessage,
      hint: 'Export the model with float32 or float16 inputs and outputs (casting inside the graph is fine).',
    });
  }
  // onnxruntime prefixes "Load model from <full path> failed:"; the file is named already.
  const reason = ortMessage.replace(/^Load model from .*? failed:\s*/s, '');
  return new BenchmarkError(`Could not load ${path.basename(modelPath)} as an ONNX model: ${reason}`, {
    kind: 'modelInvalid',
    ortMessage,
    hint: 'The file may be truncated, corrupt, or not an ONNX model (check that Git LFS pulled it).',
  });
}

/**
 * The inputs to feed: tensor files the config names are read and checked, the rest synthesized.
 * Bench and ab both plan here, so both feed a file's tensor the same way.
 */
export async function planFeeds(ort: typeof Ort, metadata: readonly InputMetadata[], inputs: InputsConfig): Promise<{ plans: InputPlan[]; feeds: Record<string, Ort.Tensor> }> {
  let plans: InputPlan[];
  const data = new Map<string, InputData>();
  try {
    const supplied = await loadSuppliedInputs(metadata, inputs);
    for (const [name, s] of supplied) data.set(name, s.data);
    plans = planInputs(metadata, inputs, supplied);
  } catch (err) {
    if (err instanceof InputSynthesisError) {
      throw new BenchmarkError(err.message, { kind: 'inputSynthesis', inputName: err.inputName, hint: err.hint });
    }
    if (err instanceof TensorFileError) {
      throw new BenchmarkError(err.message, { kind: 'inputSynthesis', ...(err.inputName ? { inputName: err.inputName } : {}), hint: err.hint });
    }
    throw err;
  }
  return { plans, feeds: makeFeeds(ort, plans, data) };
}

/** `data`: the elements of inputs read from files, by name; every other plan is generated. */
export function makeFeeds(ort: typeof Ort, plans: readonly InputPlan[], data: ReadonlyMap<string, InputData> = new Map()): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = {};
  for (const plan of plans) {
    feeds[plan.name] = new ort.Tensor(plan.type, (data.get(plan.name) ?? generateData(plan)) as never, plan.shape);
  }
  return feeds;
}
