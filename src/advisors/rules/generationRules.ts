/**
 * Generation and onnxruntime advisors (Python): LAT102 prompt-caching, LAT106
 * speculative-decoding, LAT107 kv-cache, LAT108 ort-session-options (the JS/TS side of LAT108
 * lives in another group; the registry merges them by code).
 */
import type { Rule } from '../rule';
import { checkKvCache, KV_CACHE_CODE } from './kvCache';
import { checkOrtSessionOptions, ORT_SESSION_OPTIONS_CODE } from './ortSessionOptions';
import { checkPromptCaching, PROMPT_CACHING_CODE } from './promptCaching';
import { checkSpeculativeDecoding, SPECULATIVE_DECODING_CODE } from './speculativeDecoding';

export const GENERATION_RULES: readonly Rule[] = [
  {
    code: PROMPT_CACHING_CODE,
    id: 'prompt-caching',
    title: 'Constant prompt prefix re-tokenized and re-prefilled on every request',
    kind: 'optimization',
    defaultSeverity: 'information',
    checkPython: checkPromptCaching,
  },
  {
    code: SPECULATIVE_DECODING_CODE,
    id: 'speculative-decoding',
    title: 'Greedy generation without speculative decoding (assistant model / prompt lookup)',
    kind: 'optimization',
    defaultSeverity: 'hint',
    checkPython: checkSpeculativeDecoding,
  },
  {
    code: KV_CACHE_CODE,
    id: 'kv-cache',
    title: 'KV cache turned off for generation (use_cache=False)',
    kind: 'optimization',
    defaultSeverity: 'information',
    checkPython: checkKvCache,
  },
  {
    code: ORT_SESSION_OPTIONS_CODE,
    id: 'ort-session-options',
    title: 'onnxruntime session with default threading and optimization settings',
    kind: 'optimization',
    defaultSeverity: 'information',
    checkPython: checkOrtSessionOptions,
  },
];
