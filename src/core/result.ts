// The benchmark result: the one shape shared by the profiler, the CLI's JSON, the panel and
// (later) run history. Bump RESULT_SCHEMA_VERSION on any incompatible change.

export const RESULT_SCHEMA_VERSION = 1;

/** Stated wherever percentiles are shown, so figures can be compared with other tools. */
export const PERCENTILE_ESTIMATOR =
  'Hyndman–Fan type 7: linear interpolation between closest ranks (numpy/Excel default)';

export interface Summary {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  meanMs: number;
  /** Sample standard deviation (n − 1 denominator). */
  stdevMs: number;
  /** Coefficient of variation: stdev / mean (a fraction, not a percentage). */
  cv: number;
  minMs: number;
  maxMs: number;
  /** Sequential inferences per second over the measured phase's wall time. */
  throughputPerSec: number;
}

export type ElementType =
  | 'float32' | 'float64' | 'float16'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string';

/** How one model input was (or will be) filled; recorded so a run can be reproduced. */
export interface InputPlan {
  name: string;
  type: ElementType;
  /** Concrete shape fed to the model. */
  shape: number[];
  /** The model's declared shape, symbolic dimensions as strings. */
  declaredShape: Array<number | string>;
  fill: { kind: 'constant'; value: number | boolean | string } | { kind: 'random'; low: number; high: number; seed: number };
  /** Why each dimension got its size, e.g. "batch → 1", "sequence → 128 (override)". */
  notes: string[];
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';
export type ExecutionMode = 'sequential' | 'parallel';

export interface SessionConfig {
  /** 0 lets onnxruntime choose. */
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  executionMode: ExecutionMode;
  executionProviders: string[];
}

export interface RunConfig {
  iterations: number;
  warmup: number;
  session: SessionConfig;
  inputs: InputPlan[];
}

export interface Environment {
  os: string;
  arch: string;
  cpu: string;
  cpuCores: number;
  totalMemoryBytes: number;
  node: string;
  onnxruntime: string;
  hostname: string;
}

export interface BenchmarkResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  target: { kind: 'onnx'; path: string; name: string; sizeBytes: number };
  config: RunConfig;
  /** null when no measured run completed (e.g. cancelled during warm-up). */
  summary: Summary | null;
  estimator: string;
  coldStart: {
    /** InferenceSession.create: reading, parsing and optimizing the model. */
    loadMs: number;
    /** The first inference, reported apart from warm-up and measured runs; null if it never completed. */
    firstMs: number | null;
    /** firstMs / steady p50; null without a summary. */
    ratio: number | null;
  };
  warmupSamplesMs: number[];
  samplesMs: number[];
  memory: { peakRssBytes: number };
  environment: Environment;
  /** True when the run did not complete all configured iterations. */
  partial: boolean;
  partialReason?: string;
  startedAt: string;
  finishedAt: string;
}
