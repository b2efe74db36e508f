// One entry for every kind of target, so the profiler process and the CLI dispatch alike.

import type { BenchmarkConfig } from '../core/config';
import type { BenchmarkResult } from '../core/result';
import type { TargetSpec } from '../core/target';
import { runCommandBenchmark } from './commandBenchmark';
import { runHttpTarget } from './httpLoad';
import { runLocustTarget } from './locustRun';
import { runOpenAiBenchmark } from './openaiBenchmark';
import { runOnnxBenchmark, type BenchmarkEvents } from './onnxBenchmark';
import { runPythonBenchmark } from './pythonBenchmark';

export interface TargetRunOptions {
  target: TargetSpec;
  config: BenchmarkConfig;
  progressIntervalMs?: number;
  repeat?: number;
}

export async function runTarget(opts: TargetRunOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const common = { config: opts.config, ...(opts.progressIntervalMs !== undefined ? { progressIntervalMs: opts.progressIntervalMs } : {}), ...(opts.repeat !== undefined ? { repeat: opts.repeat } : {}) };
  const target = opts.target;
  switch (target.kind) {
    case 'onnx':
      return runOnnxBenchmark({ modelPath: target.modelPath, ...common }, events);
    case 'python':
      return runPythonBenchmark({ spec: target, ...common }, events);
    case 'command':
      return runCommandBenchmark({ spec: target, ...common }, events);
    case 'http':
      if (target.locust) return runLocustTarget(target, events);
      return runHttpTarget({ spec: target, ...common }, events);
    case 'openai':
      return runOpenAiBenchmark({ spec: target, ...common }, events);
  }
}
