// The typed protocol between the extension host (or any client) and the profiler process,
// declared once. Transport: vscode-jsonrpc over the fork's IPC channel. Cancellation uses
// JSON-RPC's own $/cancelRequest; the profiler then answers with a partial result.

import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { AccuracyReport } from './accuracy';
import type { BenchmarkConfig } from './config';
import type { DoctorReport } from './doctorReport';
import type { RunHeader } from './resultAssembler';
import type { BenchmarkResult } from './result';
import type { SystemSnapshot, TelemetrySample } from './system';
import type { TargetSpec } from './target';

export interface RunParams {
  /** An ONNX file, a Python function or a shell command. */
  target: TargetSpec;
  config: BenchmarkConfig;
  /** How often progress (with the new samples) is sent; the default suits a UI. */
  progressIntervalMs?: number;
  /** Complete runs of the benchmark, each on a fresh session (default 1); the result combines them. */
  repeat?: number;
}

/** client → profiler: run one benchmark; answers the (possibly partial) result. */
export const RunRequest = new RequestType<RunParams, BenchmarkResult, ProfilerErrorData>('latency/run');

export interface AbParams {
  basePath: string;
  candidatePath: string;
  /** One config for both models: session options, inputs, counts, pinning. */
  config: BenchmarkConfig;
  accuracyThreshold?: number;
  progressIntervalMs?: number;
  /** Times the whole interleaved run is done on fresh sessions (default 1). */
  repeat?: number;
}

/** Both sides of an interleaved A/B run (partial when cancelled) and their output agreement. */
export interface AbRunResult {
  base: BenchmarkResult;
  candidate: BenchmarkResult;
  accuracy: AccuracyReport;
  /** Each completed repeat's own pair, when repeated: what the reproducibility check compares. */
  repeats?: Array<{ base: BenchmarkResult; candidate: BenchmarkResult }>;
}

/** client → profiler: the interleaved A/B benchmark of two models with the accuracy check. */
export const AbRequest = new RequestType<AbParams, AbRunResult, ProfilerErrorData>('latency/ab');

export interface AbProgressParams {
  phase: 'warmup' | 'measure';
  /** Runs completed of each model in this phase, and the phase's total per model. */
  done: number;
  total: number;
  /** Which repeat (1-based) of how many. */
  repeat?: number;
  repeats?: number;
}
/** profiler → client: A/B progress (the samples arrive with the result, not as they are taken). */
export const AbProgressNotification = new NotificationType<AbProgressParams>('latency/abProgress');

/** client → profiler: read the machine's state (what "Latency: Tune System…" builds its scripts from). */
export const PreflightRequest = new RequestType<Record<string, never>, SystemSnapshot, ProfilerErrorData>('latency/preflight');

export interface DoctorParams {
  interpreter: string;
  /** Also import torch and ask it about CUDA (slow: seconds); 'auto' only when torch is installed. */
  cuda: boolean | 'auto';
}
/** client → profiler: check a Python interpreter for the Python-function target ("Latency: Check Python Environment"). */
export const DoctorRequest = new RequestType<DoctorParams, DoctorReport, ProfilerErrorData>('latency/doctor');

/** profiler → client: the model is loaded and the inputs are planned. */
export const StartedNotification = new NotificationType<RunHeader>('latency/started');

export interface RepeatParams {
  /** 1-based. */
  index: number;
  of: number;
}
/** profiler → client: repeat `index` of `of` starts (only when repeating); progress after it counts within it. */
export const RepeatNotification = new NotificationType<RepeatParams>('latency/repeat');

export interface ColdStartParams {
  firstMs: number;
}
/** profiler → client: the first inference completed. */
export const ColdStartNotification = new NotificationType<ColdStartParams>('latency/coldStart');

export interface ProgressParams {
  phase: 'warmup' | 'measure';
  /** Runs completed in this phase, and its configured total. */
  done: number;
  total: number;
  /** Samples completed since the previous progress of the same phase. */
  newSamplesMs: number[];
  /** Measured-phase wall time so far (measure phase only). */
  measuredWallMs?: number;
  peakRssBytes: number;
  /** Telemetry readings taken since the previous progress. */
  telemetry?: TelemetrySample[];
  /** A concurrency sweep's level (1-based) this progress belongs to: its counts are that level's own. */
  level?: SweepLevelProgress;
}

export interface SweepLevelProgress {
  index: number;
  of: number;
  concurrency: number;
}
/** profiler → client: periodic progress carrying every new sample. */
export const ProgressNotification = new NotificationType<ProgressParams>('latency/progress');

export interface LogParams {
  level: 'trace' | 'info' | 'warn' | 'error';
  message: string;
}
/** profiler → client: the profiler never writes to the console; its logs travel here. */
export const LogNotification = new NotificationType<LogParams>('latency/log');

export type ProfilerErrorKind =
  | 'modelNotFound'
  | 'modelInvalid'
  | 'inputSynthesis'
  | 'inputRejected'
  | 'sessionOptions'
  | 'cpuAffinity'
  /** The Python interpreter could not be started (not found, not executable, not Python). */
  | 'interpreterNotFound'
  /** An import failed: `No module named …` in the user's file or what it imports. */
  | 'moduleNotFound'
  /** The user's Python raised (in import, setup or a call) — not a module or CUDA problem. */
  | 'pythonError'
  /** torch and the CUDA driver or device disagree (driver too old, no kernel image, no GPU seen). */
  | 'cudaMismatch'
  /** A call, the setup or a command run took longer than its timeout and was stopped. */
  | 'timeout'
  /** A command (or its --prepare) exited non-zero, or could not be started. */
  | 'commandFailed'
  /** No request to an endpoint succeeded (refused, every one failed): nothing to measure. */
  | 'httpFailed'
  | 'internal';

/** Carried in ResponseError.data so the client can offer the right fix. */
export interface ProfilerErrorData {
  kind: ProfilerErrorKind;
  /** The input to blame, when one can be named, and the shape it was fed. */
  inputName?: string;
  inputShape?: number[];
  /** onnxruntime's own words, verbatim. */
  ortMessage?: string;
  hint?: string;
  /** Verbatim detail for the log: a Python traceback, a command's last stderr lines. */
  details?: string;
}

/** JSON-RPC application error code for every profiler failure (the kind tells them apart). */
export const PROFILER_ERROR_CODE = -32001;
