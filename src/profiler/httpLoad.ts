// The HTTP target's load models, chosen by its spec: a sweep over concurrency levels, an open
// loop at a rate, or the closed loop at one concurrency (the default).

import type { BenchmarkResult } from '../core/result';
import { runHttpBenchmark, type HttpBenchmarkOptions } from './httpBenchmark';
import { runHttpOpenLoop } from './httpOpenLoop';
import { runHttpSweep } from './httpSweep';
import type { BenchmarkEvents } from './onnxBenchmark';

export function runHttpTarget(opts: HttpBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const { spec } = opts;
  const models = [spec.sweep !== undefined && 'sweep', spec.rate !== undefined && 'rate', spec.concurrency !== undefined && 'concurrency'].filter(Boolean);
  if (models.length > 1) throw new RangeError(`an HTTP target takes one of concurrency, sweep and rate, not ${models.join(' and ')}`);
  if (spec.sweep !== undefined) return runHttpSweep(opts, events);
  if (spec.rate !== undefined) return runHttpOpenLoop(opts, events);
  return runHttpBenchmark(opts, events);
}
