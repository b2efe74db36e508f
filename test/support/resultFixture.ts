// Realistic BenchmarkResult objects (ONNX, Python function and command targets) for tests: a seeded sample stream, the summary computed
// from it, and machine snapshots modelled on real hosts. Every part can be overridden, so a test
// states only what its case is about and the rest stays coherent.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/config';
import { parseGpuQuery } from '../../src/core/nvidiaSmi';
import { CI_LEVEL, percentileCIs, relativeHalfWidth } from '../../src/core/quantileCI';
import { mulberry32 } from '../../src/core/random';
import {
  PERCENTILE_ESTIMATOR,
  RESULT_SCHEMA_VERSION,
  type BenchmarkResult,
  type Summary,
} from '../../src/core/result';
import { median, percentile, summarize } from '../../src/core/stats';
import type { CpuCoreReading, CpuState, MemoryState, SystemSnapshot, TelemetryGpu, TelemetrySample } from '../../src/core/system';
import { gaussian, logNormalSamples, type SampleSpec } from './samples';

export { logNormalSamples, type SampleSpec } from './samples';

/** Objects are merged key by key; arrays, null and primitives replace what is there. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export type ResultOverrides = DeepPartial<BenchmarkResult> & { samples?: SampleSpec };

/**
 * A coherent result: by default 1000 log-normal runs around 2 ms after 50 warm-up runs, on a
 * 2-CPU VM without cpufreq, no telemetry, no verdicts. `samplesMs` (or `samples`) changes the
 * data, and the summary, outliers, instability figures and cold-start ratio follow it unless
 * overridden themselves; `steadyState.transientMeasuredRuns` follows `index` and the warm-up.
 */
export function makeResult(overrides: ResultOverrides = {}): BenchmarkResult {
  const { samples: spec = {}, ...o } = overrides;
  const samplesMs = o.samplesMs ? [...o.samplesMs] : logNormalSamples(spec);
  const warmup = o.config?.warmup ?? DEFAULT_CONFIG.warmup;
  const steadyMs = samplesMs.length > 0 ? median(samplesMs) : (spec.medianMs ?? 2);
  const warmupSamplesMs = o.warmupSamplesMs ? [...o.warmupSamplesMs] : warmupCurve(warmup, steadyMs, (spec.seed ?? 1) + 1);

  const computed = summaryWithCI(samplesMs);
  const summary = o.summary === null || computed === null ? null : merge(computed, o.summary);
  const p50 = summary?.p50Ms ?? null;
  // Small CPU models take several times their p50 on the first call; 8× stays below the
  // threshold at which a cold start is worth a note, so the default run is quiet.
  const firstMs = o.coldStart?.firstMs !== undefined ? o.coldStart.firstMs : p50 === null ? null : 8 * p50;
  const ratio = o.coldStart?.ratio !== undefined ? o.coldStart.ratio : firstMs !== null && p50 ? firstMs / p50 : null;

  const base: BenchmarkResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    target: { kind: 'onnx', path: '/home/dev/models/tiny-transformer.onnx', name: 'tiny-transformer.onnx', sizeBytes: 4_718_592 },
    config: {
      iterations: samplesMs.length,
      warmup,
      // Copies: tests mutate the result they get, and must not reach the shared defaults.
      stopping: { ...DEFAULT_CONFIG.stopping },
      cvTarget: DEFAULT_CONFIG.cvTarget,
      cpuAffinity: DEFAULT_CONFIG.cpuAffinity,
      session: { ...DEFAULT_CONFIG.session, executionProviders: [...DEFAULT_CONFIG.session.executionProviders] },
      inputs: [
        {
          name: 'input_ids',
          type: 'int64',
          shape: [1, 128],
          declaredShape: ['batch', 'sequence'],
          fill: { kind: 'random', low: 0, high: 30522, seed: 42 },
          notes: ['batch → 1', 'sequence → 128'],
        },
      ],
    },
    summary,
    estimator: PERCENTILE_ESTIMATOR,
    coldStart: { loadMs: 412.3, firstMs, ratio },
    warmupSamplesMs,
    samplesMs,
    memory: { peakRssBytes: 250 * 1024 * 1024 },
    environment: {
      os: 'linux',
      arch: 'x64',
      cpu: 'Intel(R) Xeon(R) Processor',
      cpuCores: 2,
      totalMemoryBytes: 8 * 1024 ** 3,
      node: 'v20.19.0',
      onnxruntime: '1.30.0',
      hostname: 'fixture-vm',
    },
    stopping: { mode: 'fixed', reason: 'iterations', achieved: achieved(summary) },
    steadyState: { index: Math.min(10, warmup), method: 'fixture', warmupRuns: warmup, transientMeasuredRuns: 0 },
    outliers: tukeyOutliers(samplesMs),
    instability: instabilityOf(samplesMs),
    system: vmSystem(),
    telemetry: [],
    verdicts: [],
    partial: false,
    startedAt: '2026-11-26T10:22:36.000Z',
    finishedAt: '2026-11-26T10:22:41.000Z',
  };

  const result = merge(base, o);
  // Explicitly-null overrides for nullable sections survive the merge; summary was handled above.
  result.summary = summary;
  if (result.steadyState && o.steadyState?.transientMeasuredRuns === undefined) {
    result.steadyState.transientMeasuredRuns = Math.max(0, result.steadyState.index - result.steadyState.warmupRuns);
  }
  return result;
}

/**
 * A result of a target onnxruntime does not run: no session, no tensor inputs, no onnxruntime in
 * the environment; `target` (with the overrides' own target fields on top) and `coldStart` as given.
 */
function nonOnnxResult(overrides: ResultOverrides, target: BenchmarkResult['target'], coldStart: Partial<BenchmarkResult['coldStart']>): BenchmarkResult {
  const r = makeResult(overrides);
  r.target = { ...target, ...(overrides.target as object | undefined) } as BenchmarkResult['target'];
  delete r.config.session;
  r.config.inputs = [];
  delete r.environment.onnxruntime;
  r.coldStart = { ...r.coldStart, ...coldStart };
  return r;
}

/** A Python function's run: the interpreter in the environment, import and setup apart. */
export function pythonResult(overrides: ResultOverrides = {}): BenchmarkResult {
  const r = nonOnnxResult(
    overrides,
    { kind: 'python', path: '/home/dev/serve/model.py', name: 'model.py:predict', function: 'predict', setup: 'load', interpreter: 'python3', line: 42, cudaSynchronized: false },
    { loadMs: 1830.5, importMs: 1612.25, setupMs: 218.25 },
  );
  r.environment.python = { version: '3.11.2', executable: '/usr/bin/python3', packages: { numpy: '1.24.2', torch: '1.13.1' } };
  return r;
}

/** A shell command's run: the shell and its subtracted start-up in the target. */
export function commandResult(overrides: ResultOverrides = {}): BenchmarkResult {
  return nonOnnxResult(
    overrides,
    { kind: 'command', path: '/home/dev/serve', name: 'python3 infer.py --batch 8', command: 'python3 infer.py --batch 8', prepare: 'sync', shell: ['/bin/sh', '-c'], shellOverheadMs: 0.912 },
    { loadMs: 0 },
  );
}

/** An HTTP endpoint's run at concurrency 8: 1,000 requests attempted, 50 answered 500 and 2 were dropped (counted apart). */
export function httpResult(overrides: ResultOverrides = {}): BenchmarkResult {
  const r = nonOnnxResult(
    overrides,
    { kind: 'http', path: 'http://127.0.0.1:8000/v1/predict', name: 'POST http://127.0.0.1:8000/v1/predict', url: 'http://127.0.0.1:8000/v1/predict', method: 'POST', concurrency: 8, timeoutMs: 30_000 },
    { loadMs: 0 },
  );
  r.errors = { count: 52, attempted: 1000, byKind: { status: 50, dropped: 2 }, statuses: { '500': 50 }, examples: ['500 Internal Server Error: {"detail":"CUDA out of memory"}', 'socket hang up'] };
  return r;
}

/**
 * Telemetry readings taken every `every` measured runs over `runs` runs, each filled in by
 * `at(run)`; unspecified fields are null (or no GPUs).
 */
export function measureTelemetry(
  runs: number,
  every: number,
  at: (run: number) => Partial<Omit<TelemetrySample, 'gpus'>> & { gpus?: Array<Partial<TelemetryGpu> & { index: number }> },
): TelemetrySample[] {
  const out: TelemetrySample[] = [];
  for (let run = 0; run <= runs; run += every) {
    const { gpus = [], ...rest } = at(run);
    out.push({
      tMs: run * 2,
      phase: 'measure',
      run,
      load1: null,
      cpuMHz: null,
      ...rest,
      gpus: gpus.map((g) => ({ smClockMHz: null, temperatureC: null, powerW: null, clockEventReasons: [], ...g })),
    });
  }
  return out;
}

/**
 * A 2-vCPU cloud VM like the CI machines: no cpufreq (the host controls clocks), /proc/cpuinfo
 * showing a nominal clock, no GPU, and a noise floor of a few percent.
 */
export function vmSystem(): SystemSnapshot {
  return {
    takenAt: '2026-11-26T10:22:35.000Z',
    platform: 'linux',
    cpu: vmCpu([2445.406, 2445.406], [0.12, 0.2, 0.18]),
    memory: memory(8, 6),
    gpu: { status: 'absent', gpus: [], processes: [] },
    openFilesLimit: 1_048_576,
    noiseFloor: { cv: 0.023, runs: 200, taskMs: 1.0 },
  };
}

const H200_QUERY_CSV = readFileSync(join(__dirname, '..', 'fixtures', 'system', 'nvidia-smi-query-h200.csv'), 'utf8');

/**
 * The H200 host the measurement facts come from: a 16-vCPU KVM guest without cpufreq, and the
 * GPU as `nvidia-smi --query-gpu … --format=csv` read it (test/fixtures/system): persistence on,
 * SM 345 of 1980 MHz at idle, application clock 1980 (= default = max), power limit 700 of 700 W.
 */
export function h200System(): SystemSnapshot {
  return {
    takenAt: '2026-11-26T10:22:36.000Z',
    platform: 'linux',
    // lscpu shows BogoMIPS 4200 and no live clock; KVM guests report the nominal 2.1 GHz.
    cpu: vmCpu(Array.from({ length: 16 }, () => 2100), [0.08, 0.11, 0.09]),
    memory: memory(128, 120),
    // Parsed on every call: tests change the GPU they get.
    gpu: { status: 'present', gpus: parseGpuQuery(H200_QUERY_CSV), processes: [] },
    openFilesLimit: 20_000,
    noiseFloor: { cv: 0.011, runs: 200, taskMs: 1.0 },
  };
}

/** An 8-thread Intel laptop on intel_pstate: powersave governor, turbo on (no_turbo = 0). */
export function intelLaptopSystem(): SystemSnapshot {
  const cur = [3900, 1200, 800, 2400, 4100, 900, 1100, 3300];
  return {
    takenAt: '2026-11-26T10:22:35.000Z',
    platform: 'linux',
    cpu: {
      cpufreq: true,
      cores: range(8).map((cpu) => core(cpu, 'powersave', cur[cpu]!, 4700, 400, 4700)),
      boost: 'on',
      boostSource: 'intel_pstate/no_turbo',
      cpuinfoMHz: cur.map((m) => m + 0.123),
      loadAverage: [0.35, 0.4, 0.42],
      logicalCpus: 8,
      affinity: range(8),
      busiest: [{ pid: 2211, name: 'code', cpuPercent: 3.2 }],
    },
    memory: memory(32, 20, 2),
    gpu: { status: 'absent', gpus: [], processes: [] },
    openFilesLimit: 1024,
    noiseFloor: { cv: 0.012, runs: 200, taskMs: 1.0 },
  };
}

/** A 16-thread AMD desktop on acpi-cpufreq: schedutil governor, cpufreq/boost = 1. */
export function amdDesktopSystem(): SystemSnapshot {
  const sys = intelLaptopSystem();
  sys.cpu = {
    ...sys.cpu,
    cores: range(16).map((cpu) => core(cpu, 'schedutil', 2200 + 150 * cpu, 5881, 545, 5881)),
    boost: 'on',
    boostSource: 'cpufreq/boost',
    cpuinfoMHz: range(16).map((cpu) => 2200 + 150 * cpu),
    logicalCpus: 16,
    affinity: range(16),
  };
  return sys;
}

/** A machine set up for benchmarking: performance governor, turbo off, quiet, low noise floor. */
export function tunedSystem(): SystemSnapshot {
  const sys = intelLaptopSystem();
  sys.cpu = {
    ...sys.cpu,
    cores: range(8).map((cpu) => core(cpu, 'performance', 2800, 2800, 2800, 2800)),
    boost: 'off',
    busiest: [],
    loadAverage: [0.05, 0.08, 0.1],
  };
  sys.noiseFloor = { cv: 0.0008, runs: 200, taskMs: 1.0 };
  return sys;
}

/** A guest without cpufreq, every CPU its own: the host sets the clocks, /proc/cpuinfo shows a nominal one. */
function vmCpu(cpuinfoMHz: number[], loadAverage: [number, number, number]): CpuState {
  const logicalCpus = cpuinfoMHz.length;
  return {
    cpufreq: false,
    cores: [],
    boost: 'unknown',
    boostSource: null,
    cpuinfoMHz,
    loadAverage,
    logicalCpus,
    affinity: range(logicalCpus),
    busiest: [],
  };
}

/** Memory in GiB, no swap in use and no pressure. */
function memory(totalGiB: number, availableGiB: number, swapTotalGiB = 0): MemoryState {
  return {
    totalBytes: totalGiB * 1024 ** 3,
    availableBytes: availableGiB * 1024 ** 3,
    swapTotalBytes: swapTotalGiB * 1024 ** 3,
    swapUsedBytes: 0,
    pressureSomeAvg10: 0,
  };
}

function core(cpu: number, governor: string, curMHz: number, maxMHz: number, scalingMinMHz: number, scalingMaxMHz: number): CpuCoreReading {
  return { cpu, governor, curMHz, maxMHz, scalingMinMHz, scalingMaxMHz };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Warm-up runs that start slow and settle within about ten runs, as real ones do. */
function warmupCurve(count: number, steadyMs: number, seed: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => steadyMs * (1 + 3 * Math.exp(-i / 3)) * Math.exp(0.05 * gaussian(rand)));
}

/**
 * summarize() plus confidence intervals: the ones summarize returns once it does, until then
 * quantileCI's, so results with bounded and unbounded tails look as the profiler writes them.
 */
function summaryWithCI(samplesMs: readonly number[]): Summary | null {
  const s = summarize(samplesMs);
  if (!s) return null;
  const partial = s as Partial<Summary>;
  if (partial.ci && partial.ciLevel !== undefined) return s;
  return { ...s, ci: percentileCIs([...samplesMs].sort((a, b) => a - b), CI_LEVEL), ciLevel: CI_LEVEL };
}

function achieved(s: Summary | null): { p50: number | null; target: number | null } {
  if (!s) return { p50: null, target: null };
  return { p50: relativeHalfWidth(s.ci.p50, s.p50Ms), target: relativeHalfWidth(s.ci.p99, s.p99Ms) };
}

/** Tukey's far-out fences (3 × IQR): none on a clean log-normal run, so outliers are opt-in. */
function tukeyOutliers(samplesMs: readonly number[]): BenchmarkResult['outliers'] {
  if (samplesMs.length < 4) return null;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const q1 = percentile(sorted, 0.25);
  const q3 = percentile(sorted, 0.75);
  const lowFenceMs = q1 - 3 * (q3 - q1);
  const highFenceMs = q3 + 3 * (q3 - q1);
  const indices = samplesMs.flatMap((x, i) => (x < lowFenceMs || x > highFenceMs ? [i] : []));
  return { method: 'Tukey fences, 3×IQR', lowFenceMs, highFenceMs, count: indices.length, indices };
}

function instabilityOf(samplesMs: readonly number[]): BenchmarkResult['instability'] {
  const n = samplesMs.length;
  if (n < 30) return null;
  const med = median(samplesMs);
  const mad = median(samplesMs.map((x) => Math.abs(x - med)));
  const mean = samplesMs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const d = samplesMs[i]! - mean;
    den += d * d;
    if (i > 0) num += d * (samplesMs[i - 1]! - mean);
  }
  const third = Math.floor(n / 3);
  const firstThirdP50Ms = median(samplesMs.slice(0, third));
  const lastThirdP50Ms = median(samplesMs.slice(n - third));
  return {
    robustCv: med > 0 ? (1.4826 * mad) / med : 0,
    bimodality: { bimodal: false, modesMs: [med] },
    autocorrelation: { lag1: den > 0 ? num / den : 0, threshold: 1.96 / Math.sqrt(n), pattern: 'none' },
    drift: { firstThirdP50Ms, lastThirdP50Ms, change: lastThirdP50Ms / firstThirdP50Ms - 1, pValue: 0.5, significant: false },
  };
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function merge<T>(base: T, patch: DeepPartial<NoInfer<T>> | undefined): T {
  if (patch === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    out[k] = merge(out[k], v as never);
  }
  return out as T;
}
