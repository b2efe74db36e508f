import type { Rule } from '../rule';
import { ATTENTION_IMPLEMENTATION } from './attentionImplementation';
import { INT8_QUANTIZATION } from './int8Quantization';
import { MODEL_PARALLELISM } from './modelParallelism';
import { TORCH_COMPILE } from './torchCompile';

/** Python optimization chances around model loading (shared analysis: `../pyModels.ts`). */
export const MODEL_RULES: readonly Rule[] = [INT8_QUANTIZATION, TORCH_COMPILE, ATTENTION_IMPLEMENTATION, MODEL_PARALLELISM];
