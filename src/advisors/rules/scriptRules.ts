/**
 * The JavaScript / TypeScript checks of LAT001, LAT002, LAT003, LAT004 and LAT108
 * (onnxruntime-node / onnxruntime-web serving code and benchmark scripts). The registry merges
 * each with the Python check of the same code from another group.
 */
import type { Rule } from '../rule';
import { SCRIPT_COLD_START } from './scriptColdStart';
import { SCRIPT_SESSION_OPTIONS } from './scriptSessionOptions';
import { SCRIPT_NO_WARMUP, SCRIPT_SMALL_SAMPLES } from './scriptTimingLoops';
import { SCRIPT_WRONG_CLOCK } from './scriptWrongClock';

export const SCRIPT_RULES: readonly Rule[] = [SCRIPT_WRONG_CLOCK, SCRIPT_COLD_START, SCRIPT_NO_WARMUP, SCRIPT_SMALL_SAMPLES, SCRIPT_SESSION_OPTIONS];
