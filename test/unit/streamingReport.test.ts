// An LLM streaming result in the terminal report, the Markdown export and the panel's guard.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportDocument } from '../../src/core/exportReport';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import { renderTextReport } from '../../src/core/report';
import { llmResult } from '../support/llmFixture';
import { httpResult } from '../support/resultFixture';

test('terminal report: the TTFT/TPOT/ITL/e2e table, tokens and goodput under the SLO', () => {
  const r = llmResult();
  const text = renderTextReport(r);
  assert.match(text, /^Latency benchmark: POST http:\/\/127\.0\.0\.1:8000\/v1\/chat\/completions \(LLM streaming, chat API, model llama-3-8b, 2 in flight \(closed loop\), 6 prompts, max_tokens 32, timeout 120 s\)$/m);
  const s = r.streaming!;
  assert.match(text, /^ {2}streaming\s+TTFT\s+TPOT\s+ITL\s+e2e$/m);
  const lines = text.split('\n');
  const p50 = lines[lines.findIndex((l) => /^ {2}streaming\s/.test(l)) + 1]!;
  assert.match(p50, /^ {2}p50\s+113 ms\s+22\.5 ms\s+22\.5 ms\s+811 ms$/);
  assert.equal(s.ttft!.p50Ms.toPrecision(3), '113');
  assert.match(text, /^ {2}p99\s/m);
  assert.match(text, /^ {2}tokens\s+1,920 output tokens \(server usage\) · \S+ tokens\/s · \S+ req\/s$/m);
  // 6 of 60 have a 400 ms first token: 54 of the 61 attempted meet TTFT ≤ 200 ms (TPOT ≈ 22.5 ms).
  assert.match(text, /^ {2}goodput\s+88\.5% \(\S+ req\/s, 54 of 61 requests\) under TTFT ≤ 200 ms and TPOT ≤ 50 ms$/m);
});

test('Markdown export: the streaming table and the goodput line', () => {
  const md = exportDocument('markdown', llmResult()).text;
  assert.match(md, /^\| streaming \| TTFT \| TPOT \| ITL \| e2e \|$/m);
  assert.match(md, /^\| p90 \| \S+ ms \| \S+ ms \| \S+ ms \| \S+ ms \|$/m);
  assert.match(md, /^\*\*Goodput 88\.5% \(.* under TTFT ≤ 200 ms and TPOT ≤ 50 ms\*\*$/m);
  const plain = exportDocument('markdown', httpResult()).text;
  assert.doesNotMatch(plain, /streaming/);
  const json = JSON.parse(exportDocument('json', llmResult()).text);
  assert.equal(json.streaming.goodput.requests, 54);
});

test('the panel guard: a streaming result passes; a broken streaming field or llm target does not', () => {
  assert.ok(isBenchmarkResult(llmResult()));
  const noSlo = llmResult(20, {});
  assert.equal(noSlo.streaming!.goodput, undefined);
  assert.ok(isBenchmarkResult(noSlo));
  const broken = [
    (r: ReturnType<typeof llmResult>) => ((r.streaming as unknown as Record<string, unknown>).ttft = { n: 1 }),
    (r: ReturnType<typeof llmResult>) => ((r.streaming as unknown as Record<string, unknown>).tokenCount = 'guess'),
    (r: ReturnType<typeof llmResult>) => ((r.streaming as unknown as Record<string, unknown>).ttftMs = ['1']),
    (r: ReturnType<typeof llmResult>) => ((r.streaming!.slo as unknown as Record<string, unknown>).p99 = 5),
    (r: ReturnType<typeof llmResult>) => ((r.target as unknown as { llm: Record<string, unknown> }).llm.api = 'responses'),
  ];
  for (const breakIt of broken) {
    const r = llmResult();
    breakIt(r);
    assert.equal(isBenchmarkResult(r), false, breakIt.toString());
  }
});
