// An LLM streaming result for the report, export and panel tests: an HTTP endpoint result whose
// target says what was asked (target.llm) and whose streaming figures come from real per-request
// records run through the core's own aggregation.

import { buildStreamingReport } from '../../src/core/llmMetrics';
import type { StreamRecord } from '../../src/core/openaiStream';
import type { BenchmarkResult } from '../../src/core/result';
import { summarize } from '../../src/core/stats';
import { httpResult } from './resultFixture';

/** `n` requests: TTFT 80–139 ms, 32 tokens 20–25 ms apart; every 10th has a slow first token (400 ms). */
export function streamRecords(n: number): StreamRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const ttftMs = i % 10 === 9 ? 400 : 80 + (i * 7) % 60;
    const itlMs = Array.from({ length: 31 }, (_, j) => 20 + ((i + j) % 6));
    const e2eMs = ttftMs + itlMs.reduce((a, b) => a + b, 0) + 1;
    return { ttftMs, e2eMs, outputTokens: 32, tokenSource: 'usage', itlMs };
  });
}

export function llmResult(n = 60, slo: { ttftMs?: number; tpotMs?: number } = { ttftMs: 200, tpotMs: 50 }): BenchmarkResult {
  const records = streamRecords(n);
  const r = httpResult();
  r.target = {
    kind: 'http',
    path: 'http://127.0.0.1:8000/v1/chat/completions',
    name: 'POST http://127.0.0.1:8000/v1/chat/completions',
    url: 'http://127.0.0.1:8000/v1/chat/completions',
    method: 'POST',
    concurrency: 2,
    timeoutMs: 120_000,
    llm: { api: 'chat', model: 'llama-3-8b', prompts: { file: '/w/prompts.jsonl', count: 6, sha256: 'a'.repeat(64) }, maxTokens: 32, sharedPrefixWords: 0 },
  };
  r.samplesMs = records.map((x) => x.e2eMs);
  const wallMs = (r.samplesMs.reduce((a, b) => a + b, 0) / 2) * 1.01;
  r.summary = summarize(r.samplesMs, wallMs);
  r.outliers = null;
  r.instability = null;
  r.steadyState = null;
  r.errors = { count: 1, attempted: n + 1, byKind: { dropped: 1 }, statuses: {}, examples: ['the connection closed in the middle of the stream'] };
  r.streaming = buildStreamingReport(records, { attempted: n + 1, wallMs, slo });
  return r;
}
