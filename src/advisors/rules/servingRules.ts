/**
 * Model-serving rules (Python): request handlers found by `pyServing.ts`.
 * LAT002's JS/TS check lives in another group under the same code and id; the registry merges them.
 */
import type { Rule } from '../rule';
import { BATCHING_CODE, checkBatching } from './batching';
import { checkColdStart, COLD_START_CODE } from './coldStart';
import { checkTrainingMode, TRAINING_MODE_CODE } from './trainingMode';

export const SERVING_RULES: readonly Rule[] = [
  {
    code: COLD_START_CODE,
    id: 'cold-start',
    title: 'Model loaded inside a request handler (every request pays the load and the cold first call)',
    kind: 'pitfall',
    defaultSeverity: 'warning',
    checkPython: checkColdStart,
  },
  {
    code: TRAINING_MODE_CODE,
    id: 'training-mode',
    title: 'Torch model served in training mode or with autograd on',
    kind: 'pitfall',
    defaultSeverity: 'warning',
    checkPython: checkTrainingMode,
  },
  {
    code: BATCHING_CODE,
    id: 'batching',
    title: 'Handler runs the model on one item per request (dynamic batching may raise throughput)',
    kind: 'optimization',
    defaultSeverity: 'information',
    checkPython: checkBatching,
  },
];
