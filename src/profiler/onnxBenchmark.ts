// One ONNX benchmark: load, plan inputs, cold start, warm-up, measured runs. Runs in the profiler
// process (or the CLI), never in the extension host. The timed region is exactly one
// `session.run`; everything else (progress, cancellation checks) happens between runs.

import { promises as fs } from 'fs';
import * as path from 'path';
import type * as Ort from 'onnxruntime-node';
import type { BenchmarkConfig } from '../core/config';
import { InputSynthesisError, generateData, planInputs, type InputMetadata } from '../core/inputSynthesis';
import type { ProgressParams } from '../core/profilerProtocol';
import { ResultAssembler, type RunHeader } from '../core/resultAssembler';
import type { BenchmarkResult, InputPlan, RunConfig } from '../core/result';
import { BenchmarkError } from './benchmarkError';
import { collectEnvironment } from './environment';
import { explainRejection } from './rejection';
import { loadOrt, toSessionOptions } from './ort';
import { timedLoop } from './timedLoop';

export interface BenchmarkEvents {
  onStarted?(header: RunHeader): void;
  onColdStart?(firstMs: number): void;
  onProgress?(progress: ProgressParams): void;
  log?(level: 'trace' | 'info' | 'warn' | 'error', message: string): void;
  isCancelled(): boolean;
}

export interface BenchmarkOptions {
  modelPath: string;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
}

const hrMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

export async function runOnnxBenchmark(opts: BenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { config } = opts;
  const modelPath = path.resolve(opts.modelPath);
  const sizeBytes = await checkModelFile(modelPath);
  const ort = loadOrt();
  const log = events.log ?? (() => undefined);
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
    let plans: InputPlan[];
    try {
      plans = planInputs(session.inputMetadata as readonly InputMetadata[], config.inputs);
    } catch (err) {
      if (err instanceof InputSynthesisError) {
        throw new BenchmarkError(err.message, { kind: 'inputSynthesis', inputName: err.inputName, hint: err.hint });
      }
      throw err;
    }
    const feeds = makeFeeds(ort, plans);
    const runConfig: RunConfig = { iterations: config.iterations, warmup: config.warmup, session: config.session, inputs: plans };
    const assembler = new ResultAssembler();
    const header: RunHeader = {
      target: { kind: 'onnx', path: modelPath, name: path.basename(modelPath), sizeBytes },
      config: runConfig,
      environment: await environmentPromise,
      startedAt,
      loadMs,
    };
    assembler.start(header);
    events.onStarted?.(header);

    const firstStart = process.hrtime.bigint();
    try {
      await session.run(feeds);
    } catch (err) {
      throw await explainRejection(ort, session, plans, feeds, err);
    }
    const firstMs = hrMs(firstStart);
    assembler.coldStart(firstMs);
    events.onColdStart?.(firstMs);

    const phases = [
      { phase: 'warmup' as const, total: config.warmup },
      { phase: 'measure' as const, total: config.iterations },
    ];
    let cancelled = false;
    for (const { phase, total } of phases) {
      if (cancelled) break;
      const samples = phase === 'warmup' ? assembler.warmupSamplesMs : assembler.samplesMs;
      const phaseStart = process.hrtime.bigint();
      const completed = await timedLoop(() => session.run(feeds), {
        total,
        flushIntervalMs: opts.progressIntervalMs ?? 200,
        isCancelled: () => events.isCancelled(),
        onFlush: (newSamplesMs) => {
          if (phase === 'warmup') assembler.addWarmup(newSamplesMs);
          else assembler.addMeasured(newSamplesMs, hrMs(phaseStart));
          events.onProgress?.({
            phase,
            done: samples.length,
            total,
            newSamplesMs,
            ...(phase === 'measure' ? { measuredWallMs: hrMs(phaseStart) } : {}),
            peakRssBytes: peakRss(),
          });
        },
      });
      cancelled = !completed;
    }
    const result = assembler.finish({ peakRssBytes: peakRss(), ...(cancelled ? { partialReason: 'cancelled' } : {}) });
    // finish() only returns undefined before start(), which happened above.
    return result as BenchmarkResult;
  } finally {
    await session.release().catch(() => undefined);
  }
}

async function checkModelFile(modelPath: string): Promise<number> {
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

function modelLoadError(modelPath: string, err: unknown, config: BenchmarkConfig): BenchmarkError {
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

function makeFeeds(ort: typeof Ort, plans: readonly InputPlan[]): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = {};
  for (const plan of plans) {
    feeds[plan.name] = new ort.Tensor(plan.type, generateData(plan) as never, plan.shape);
  }
  return feeds;
}
