/**
 * Benchmark-script pitfalls (Python): timing loops without warm-up (LAT003), with too few
 * samples (LAT004), timing CUDA work without synchronising (LAT005), and reporting only a
 * mean (LAT007). The timing loops themselves are found by `../timingLoops.ts`.
 */
import type { Rule } from '../rule';
import { MEAN_ONLY_RULE } from './meanOnly';
import { MISSING_SYNCHRONIZE_RULE } from './missingSynchronize';
import { NO_WARMUP_RULE } from './noWarmup';
import { SMALL_SAMPLES_RULE } from './smallSamples';

export const BENCHMARK_RULES: readonly Rule[] = [NO_WARMUP_RULE, SMALL_SAMPLES_RULE, MISSING_SYNCHRONIZE_RULE, MEAN_ONLY_RULE];
