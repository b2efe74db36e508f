import type { SystemSnapshot, TelemetrySample } from './system';
import type { SizeClassRanges } from './sizeClassRanges';
import type { Verdict } from './verdict';
import type { Arrival, OpenLoopReport } from './openLoop';
import type { SweepReport } from './sweep';
import type { StreamingReport } from './llmMetrics';
import type { HistogramData } from './histogram';

// The benchmark result: the one shape shared by the profiler, the CLI's JSON, the panel and
// run history. Bump RESULT_SCHEMA_VERSION on any incompatible change.

/**
 * 3 added Python-function and command targets (`target.kind`), so `config.session` and
 * `environment.onnxruntime` are present only where onnxruntime ran. Every schema-2 result is a
 * valid schema-3 result, so both are read; a build that knows only 2 says "update" for a 3.
 */
export const RESULT_SCHEMA_VERSION = 3;
export const OLDEST_READABLE_SCHEMA_VERSION = 2;
export type ReadableSchemaVersion = 2 | 3;

export function isReadableSchemaVersion(v: unknown): v is ReadableSchemaVersion {
  return typeof v === 'number' && Number.isInteger(v) && v >= OLDEST_READABLE_SCHEMA_VERSION && v <= RESULT_SCHEMA_VERSION;
}

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
  /**
   * Distribution-free confidence intervals (level `ciLevel`) on the true percentiles, from order
   * statistics; null where n is too small to bound that percentile at all.
   */
  ci: PercentileCIs;
  ciLevel: number;
}

/** [low, high] in ms. */
export type Interval = [number, number];

export interface PercentileCIs {
  p50: Interval | null;
  p95: Interval | null;
  p99: Interval | null;
  p999: Interval | null;
}

export type PercentileKey = keyof PercentileCIs;

export type StopReason = 'iterations' | 'precision' | 'maxIterations' | 'maxSeconds' | 'cancelled' | 'error';

/** How many measured runs to do: a fixed count (the default) or until the CIs are narrow enough. */
export interface StoppingRule {
  mode: 'fixed' | 'adaptive';
  /** Adaptive: the percentile whose CI must be narrow, besides p50. */
  targetPercentile: 'p95' | 'p99' | 'p999';
  /** Adaptive: stop when each CI half-width ÷ its estimate is at most this (0.01 = ±1%). */
  relativeHalfWidth: number;
  /** Adaptive caps; in fixed mode `iterations` alone decides. */
  maxIterations: number;
  maxSeconds: number;
}

export interface StoppingOutcome {
  mode: StoppingRule['mode'];
  reason: StopReason;
  /** Relative CI half-widths reached at the end (null where the CI is unbounded). */
  achieved: { p50: number | null; target: number | null };
}

/** Where warm-up really ended, found in the timeline of warm-up then measured runs. */
export interface SteadyState {
  /** 0-based position in that timeline (the cold first inference excluded) where steady state begins. */
  index: number;
  method: string;
  warmupRuns: number;
  /** Measured runs that fell inside the transient: max(0, index − warmupRuns). */
  transientMeasuredRuns: number;
}

/** Labelled, never dropped: every figure above still includes them. */
export interface Outliers {
  method: string;
  lowFenceMs: number;
  highFenceMs: number;
  count: number;
  /** Indices into samplesMs, ascending. */
  indices: number[];
}

export interface Instability {
  /** 1.4826·MAD ÷ median: the spread of the bulk, which the tail cannot inflate. */
  robustCv: number;
  bimodality: { bimodal: boolean; modesMs: number[] };
  autocorrelation: { lag1: number; threshold: number; pattern: 'none' | 'trend' | 'alternating' };
  drift: { firstThirdP50Ms: number; lastThirdP50Ms: number; change: number; pValue: number; significant: boolean };
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
  fill:
    | { kind: 'constant'; value: number | boolean | string }
    | { kind: 'random'; low: number; high: number; seed: number }
    /** Read from a user's tensor file (.npy or JSON); sha256 of the file's bytes, so a rerun can tell whether it changed. */
    | { kind: 'file'; path: string; sha256: string };
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
  stopping: StoppingRule;
  /** The CV a run must stay under to be called stable (a fraction; 0.001 = 0.1%). */
  cvTarget: number;
  /** CPUs the profiler was pinned to; null when not pinned. */
  cpuAffinity: number[] | null;
  /** The onnxruntime session options; absent for targets onnxruntime does not run. */
  session?: SessionConfig;
  /** The tensors fed to an ONNX model; empty for other targets (they make their own inputs). */
  inputs: InputPlan[];
  /** The latency ranges per size class the run was configured with, when any (see sizeClassRanges.ts). */
  sizeClassRanges?: SizeClassRanges;
}

export interface Environment {
  os: string;
  arch: string;
  cpu: string;
  cpuCores: number;
  totalMemoryBytes: number;
  node: string;
  /** Absent for targets onnxruntime does not run (a Python function, a command). */
  onnxruntime?: string;
  /** The interpreter a Python target ran in. */
  python?: PythonEnvironment;
  hostname: string;
}

export interface PythonEnvironment {
  version: string;
  /** sys.executable: the interpreter that really ran, after any shim or symlink. */
  executable: string;
  /** Versions of the packages that change timings (numpy, torch, …) that were importable. */
  packages: Record<string, string>;
  /** The CUDA device torch used, when torch saw one. */
  cuda?: { device: string; runtime: string | null; capability: string | null };
}

export interface OnnxTarget {
  kind: 'onnx';
  path: string;
  name: string;
  sizeBytes: number;
  /** Elements of the graph's initializers; absent when the file could not be walked. */
  parameters?: number;
}

/** A Python callable run in-process by the shipped harness (python/latency_harness.py). */
export interface PythonTarget {
  kind: 'python';
  /** The .py file. */
  path: string;
  /** "file.py:function", as the user would write it. */
  name: string;
  function: string;
  /** The function whose return value is passed to `function`, run once outside the timed region. */
  setup?: string;
  /** What was asked for (a setting, the Python extension's choice or `python3`); the environment says what ran. */
  interpreter: string;
  /** 1-based line of the function's `def`, from its code object, so findings can point at it. */
  line?: number;
  /** True when every call was bracketed by torch.cuda.synchronize(), because the callable used CUDA. */
  cudaSynchronized: boolean;
}

/** A shell command run as a whole process per iteration, as hyperfine does. */
export interface CommandTarget {
  kind: 'command';
  /** The folder the command ran in. */
  path: string;
  /** The command as the user wrote it (shortened only for display elsewhere). */
  name: string;
  command: string;
  /** Run before every iteration (warm-up ones included), outside the timed region. */
  prepare?: string;
  /** The shell and its flag, e.g. ["/bin/sh", "-c"]. */
  shell: string[];
  /** Median time of an empty command through the same path (the shell's start-up and the timing itself), subtracted from every sample. */
  shellOverheadMs: number;
}

/** A served endpoint, loaded by the profiler's HTTP client (closed loop: `concurrency` requests in flight). */
export interface HttpTarget {
  kind: 'http';
  /** The URL requested. */
  path: string;
  /** "POST http://host:port/path". */
  name: string;
  url: string;
  method: string;
  /** Requests kept in flight at once (closed loop: each worker sends its next request when the last answered). */
  concurrency: number;
  /** Statuses that count as success (default: any 2xx). */
  expectedStatus?: number[];
  /** Longest wait for one response (ms); a request that takes longer is an error, not a sample. */
  timeoutMs: number;
  /** Present when the body was a template rendered per request (core/bodyTemplate.ts). */
  bodyTemplate?: {
    /** The variables it used, e.g. ["i", "random_int"]. */
    variables: string[];
    /** The seed of its random values. */
    seed: number;
    /** The lines file {{line}} cycled through, and how many lines it had. */
    linesFile?: string;
    lines?: number;
  };
  /** Present (true) when the client busy-polled for answers instead of sleeping (`--busy-poll`). */
  busyPoll?: true;
  /** Present for open-loop load: requests sent at this rate whatever the answers (concurrency is then unbounded up to a cap). */
  openLoop?: { ratePerSec: number; arrival: Arrival; seed?: number };
  /** Present for an OpenAI-compatible streaming endpoint (`latency bench --openai`): what each request asked for. */
  llm?: LlmRequestInfo;
  /**
   * Present when another load engine sent the requests (Locust, distributed): the samples are then
   * that engine's own timings (Locust: ms from request start to body read, on each worker's clock),
   * not the profiler client's, and `concurrency` is its user count.
   */
  engine?: LoadEngine;
}

export interface LlmRequestInfo {
  api: 'chat' | 'completions';
  model: string;
  /** The prompts file, how many prompts it held (sent in turn), and the sha256 of its bytes. */
  prompts: { file: string; count: number; sha256: string };
  maxTokens: number;
  /** Words of generated text put before every prompt (0: none). */
  sharedPrefixWords: number;
}

/** The load engine that ran an HTTP benchmark instead of the profiler's own client. */
export interface LoadEngine {
  name: 'locust';
  /** As the installed package reports it; absent when it reports none (Debian's python3-locust). */
  version?: string;
  /** Worker processes that generated the load (0: one Locust process, not distributed). */
  workers: number;
  /** Locust users in all, across the workers. */
  users: number;
  /** The total rate users were paced at (constant_throughput per user: approximate, not open-loop). */
  ratePerSecond?: number;
  /** Run time asked of Locust (s). */
  runTimeSeconds?: number;
  /** The SLOs checked when Locust quit, as it judged them from the per-request records. */
  thresholds?: EngineThreshold[];
  /** The Locust master's exit status (1 when a threshold failed); null when it was killed. */
  exitCode?: number | null;
}

export interface EngineThreshold {
  metric: 'p99' | 'errorRate';
  /** p99: ms; errorRate: a fraction of requests. */
  limit: number;
  /** null without a request to judge by. */
  value: number | null;
  passed: boolean;
}

export type BenchmarkTarget = OnnxTarget | PythonTarget | CommandTarget | HttpTarget;

/** Why requests failed. A failed request is never a latency sample; the run goes on and counts it. */
export type RequestErrorKind = 'refused' | 'timeout' | 'status' | 'malformed' | 'dropped' | 'other';

export interface RequestErrors {
  /** Requests that failed, of `attempted` (warm-up excluded). */
  count: number;
  attempted: number;
  byKind: Partial<Record<RequestErrorKind, number>>;
  /** Non-2xx (or unexpected) statuses seen, with their counts. */
  statuses: Record<string, number>;
  /** A few first messages, verbatim, for the log and the panel. */
  examples: string[];
}
export type TargetKind = BenchmarkTarget['kind'];

/** One of several complete runs of the same benchmark (`--repeat N`): fresh session, warm-up, measured runs. */
export interface RepeatRun {
  n: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  cv: number;
  loadMs: number;
  firstMs: number | null;
}

/**
 * Between-run reproducibility. `samplesMs` of a repeated result holds every repeat's measured
 * runs in order, `runs[i].n` of them each; the spreads are (max − min) ÷ median of the
 * per-repeat figures, so 0.03 means the repeats' p50s lie within 3% of each other.
 */
export interface Repeats {
  runs: RepeatRun[];
  spread: { p50: number; p99: number };
}

export interface BenchmarkResult {
  schemaVersion: ReadableSchemaVersion;
  target: BenchmarkTarget;
  config: RunConfig;
  /** null when no measured run completed (e.g. cancelled during warm-up). */
  summary: Summary | null;
  estimator: string;
  coldStart: {
    /**
     * Everything before the first call: InferenceSession.create for a model; import plus setup for
     * a Python function; 0 for a command (each run starts from scratch).
     */
    loadMs: number;
    /** Python: importing the file (and what it imports) and running setup, apart. */
    importMs?: number;
    setupMs?: number;
    /** The first inference, reported apart from warm-up and measured runs; null if it never completed. */
    firstMs: number | null;
    /** firstMs / steady p50; null without a summary. */
    ratio: number | null;
  };
  warmupSamplesMs: number[];
  samplesMs: number[];
  /** Peak RSS of the process that ran the target; CUDA's peak allocation when torch used CUDA. */
  memory: { peakRssBytes: number; cudaPeakAllocatedBytes?: number };
  environment: Environment;
  stopping: StoppingOutcome;
  /** null without enough runs to find it. */
  steadyState: SteadyState | null;
  outliers: Outliers | null;
  instability: Instability | null;
  /** The pre-flight readings; null when they could not be taken at all. */
  system: SystemSnapshot | null;
  telemetry: TelemetrySample[];
  verdicts: Verdict[];
  /** True when the run did not complete all configured iterations. */
  partial: boolean;
  partialReason?: string;
  /** Present when the benchmark was repeated (2 or more complete runs). */
  repeats?: Repeats;
  /** Requests that failed (HTTP targets): counted apart, never mixed into the latency figures. */
  errors?: RequestErrors;
  /**
   * A closed-loop concurrency sweep (HTTP, `--sweep`): every level's figures, the knee and the
   * best level under a p99 budget. The result's own summary and samples are those of the level
   * `sweep.reported` names (the best, else the knee, else the last level measured).
   */
  sweep?: SweepReport;
  /** Open-loop load (HTTP, `--rate`): the rate asked and achieved, the send lag, whether it was kept. */
  openLoop?: OpenLoopReport;
  /** An LLM streaming endpoint's figures (TTFT, TPOT, ITL, tokens/s, goodput); samplesMs are then the end-to-end latencies. */
  streaming?: StreamingReport;
  /** Present when the measured samples outnumbered what a result stores (long runs): see SampledStorage. */
  sampling?: SampledStorage;
  startedAt: string;
  finishedAt: string;
}

/**
 * How a long run's samples were kept. Every measured sample is in `histogram`, and the summary
 * (percentiles, their CIs, mean, stdev, min, max, n, throughput) is computed from it: mean,
 * stdev, min, max and n exactly, order statistics within `relativeError` of the exact ones.
 * `samplesMs` holds `stored` of the `total` samples, a uniform random subset (reservoir) in
 * measurement order, for the charts; the outliers, instability, steady-state and stopping
 * precision figures are computed on that subset.
 */
export interface SampledStorage {
  method: 'reservoir';
  stored: number;
  total: number;
  relativeError: number;
  histogram: HistogramData;
}
