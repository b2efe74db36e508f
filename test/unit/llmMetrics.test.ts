// The LLM streaming figures: one stream read into a record (openaiStream.ts), the endpoint URL,
// SLO parsing, goodput and the aggregated report (llmMetrics.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStreamingReport, goodputText, latencyStats, meetsSlo, parseSlo, sloText, SloSyntaxError } from '../../src/core/llmMetrics';
import { StreamRecorder, openAiEndpoint, tpotOf, type StreamRecord } from '../../src/core/openaiStream';

const ev = (data: unknown) => ({ event: 'message', data: typeof data === 'string' ? data : JSON.stringify(data) });
const chatDelta = (delta: Record<string, unknown>) => ev({ choices: [{ index: 0, delta }] });

test('a chat stream: the role chunk does not stop the TTFT clock; gaps between token chunks; usage wins over the chunk count', () => {
  const r = new StreamRecorder('chat');
  assert.equal(r.event(chatDelta({ role: 'assistant', content: '' }), 5), undefined);
  assert.equal(r.event(chatDelta({ content: 'Hello' }), 100), undefined);
  assert.equal(r.event(chatDelta({ content: ' world' }), 130), undefined);
  assert.equal(r.event(chatDelta({ content: '!' }), 170), undefined);
  assert.equal(r.event(ev({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }), 171), undefined);
  assert.equal(r.event(ev({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 8 } } }), 172), undefined);
  assert.equal(r.event(ev('[DONE]'), 172), undefined);
  // After [DONE], nothing counts.
  assert.equal(r.event(chatDelta({ content: 'late' }), 300), undefined);
  const f = r.finish(180);
  assert.ok(f.ok);
  assert.deepEqual(f.record, { ttftMs: 100, e2eMs: 180, outputTokens: 5, tokenSource: 'usage', itlMs: [30, 40], promptTokens: 12, cachedPromptTokens: 8 });
  assert.equal(f.sawDone, true);
  assert.equal(tpotOf(f.record), (180 - 100) / 4);
});

test('without usage the token-bearing chunks are counted; reasoning and tool-call deltas bear tokens', () => {
  const r = new StreamRecorder('chat');
  r.event(chatDelta({ reasoning_content: 'think' }), 50);
  r.event(chatDelta({ content: 'a' }), 60);
  r.event(chatDelta({ tool_calls: [{ index: 0, function: { arguments: '{' } }] }), 75);
  r.event(chatDelta({ content: '' }), 80);
  const f = r.finish(90);
  assert.ok(f.ok);
  assert.equal(f.record.outputTokens, 3);
  assert.equal(f.record.tokenSource, 'chunks');
  assert.equal(f.record.ttftMs, 50);
  assert.deepEqual(f.record.itlMs, [10, 15]);
  assert.equal(f.sawDone, false);
});

test('a completions stream reads choices[0].text', () => {
  const r = new StreamRecorder('completions');
  r.event(ev({ choices: [{ text: '' }] }), 10);
  r.event(ev({ choices: [{ text: 'x' }] }), 20);
  r.event(ev({ choices: [{ text: 'y' }] }), 26);
  const f = r.finish(30);
  assert.ok(f.ok);
  assert.equal(f.record.ttftMs, 20);
  assert.equal(f.record.outputTokens, 2);
  assert.equal(tpotOf(f.record), 10);
});

test('problems: a chunk that is not JSON, an error event, choices not a list, a stream without tokens', () => {
  const bad = new StreamRecorder('chat').event(ev('{"choices": ['), 1);
  assert.equal(bad?.kind, 'malformed');
  assert.match(bad!.message, /not JSON/);
  const err = new StreamRecorder('chat').event(ev({ error: { message: 'overloaded', code: 503 } }), 1);
  assert.deepEqual(err, { kind: 'other', message: 'the server reported an error in the stream: overloaded' });
  assert.equal(new StreamRecorder('chat').event(ev({ object: 'error', message: 'bad' }), 1)?.kind, 'other');
  assert.equal(new StreamRecorder('chat').event(ev({ choices: {} }), 1)?.kind, 'malformed');
  assert.equal(new StreamRecorder('chat').event(ev('[1,2]'), 1)?.kind, 'malformed');
  const empty = new StreamRecorder('chat');
  empty.event(chatDelta({ role: 'assistant', content: '' }), 1);
  empty.event(ev('[DONE]'), 2);
  const f = empty.finish(3);
  assert.equal(f.ok, false);
  assert.match((f as { message: string }).message, /only \[DONE\] and chunks without text/);
  assert.match((new StreamRecorder('chat').finish(1) as { message: string }).message, /no event at all/);
});

test('tpotOf: undefined for one token; usage of 0 tokens falls back to the chunks', () => {
  assert.equal(tpotOf({ ttftMs: 10, e2eMs: 10, outputTokens: 1, tokenSource: 'chunks', itlMs: [] }), undefined);
  const r = new StreamRecorder('chat');
  r.event(chatDelta({ content: 'a' }), 10);
  r.event(ev({ choices: [], usage: { completion_tokens: 0 } }), 11);
  const f = r.finish(12);
  assert.ok(f.ok);
  assert.equal(f.record.tokenSource, 'chunks');
  assert.equal(f.record.outputTokens, 1);
});

test('openAiEndpoint: a base gets the API path; a full endpoint is taken as is; a disagreement is an error', () => {
  assert.deepEqual(openAiEndpoint('http://h:8000/v1', undefined), { url: 'http://h:8000/v1/chat/completions', api: 'chat' });
  assert.deepEqual(openAiEndpoint('http://h:8000/v1/', 'completions'), { url: 'http://h:8000/v1/completions', api: 'completions' });
  assert.deepEqual(openAiEndpoint('http://h:8000/v1/chat/completions', undefined), { url: 'http://h:8000/v1/chat/completions', api: 'chat' });
  assert.deepEqual(openAiEndpoint('http://h:8000/openai/v1/completions', 'completions'), { url: 'http://h:8000/openai/v1/completions', api: 'completions' });
  assert.deepEqual(openAiEndpoint('http://h/v1?api-version=2', 'chat'), { url: 'http://h/v1/chat/completions?api-version=2', api: 'chat' });
  assert.throws(() => openAiEndpoint('http://h/v1/completions', 'chat'), /completions endpoint, but the API asked for is "chat"/);
});

test('parseSlo: names, units, and clear errors', () => {
  assert.deepEqual(parseSlo('ttft=200,tpot=50'), { ttftMs: 200, tpotMs: 50 });
  assert.deepEqual(parseSlo(' TTFT=0.5s , e2e = 2000ms, itl<=80 '), { ttftMs: 500, e2eMs: 2000, itlMs: 80 });
  for (const [bad, message] of [
    ['', /empty SLO/],
    ['ttft', /not NAME=MILLISECONDS/],
    ['ttft=fast', /not NAME=MILLISECONDS/],
    ['latency=5', /unknown SLO "latency".*ttft, tpot, itl, e2e/],
    ['ttft=1,ttft=2', /given twice/],
    ['tpot=0', /more than 0 ms/],
    ['ttft=-1', /not NAME=MILLISECONDS/],
  ] as const) {
    assert.throws(() => parseSlo(bad), (e: unknown) => e instanceof SloSyntaxError && message.test(e.message), bad);
  }
  assert.equal(sloText({ ttftMs: 200, tpotMs: 50 }), 'TTFT ≤ 200 ms and TPOT ≤ 50 ms');
  assert.equal(sloText({ ttftMs: 200, tpotMs: 50, e2eMs: 3000 }), 'TTFT ≤ 200 ms, TPOT ≤ 50 ms and e2e ≤ 3000 ms');
  assert.equal(sloText({ itlMs: 0.25 }), 'ITL ≤ 0.25 ms');
});

const rec = (ttftMs: number, e2eMs: number, outputTokens: number, itlMs: number[] = [], tokenSource: 'usage' | 'chunks' = 'usage'): StreamRecord => ({ ttftMs, e2eMs, outputTokens, tokenSource, itlMs });

test('meetsSlo: each objective; a one-token answer has no TPOT to miss', () => {
  const r = rec(100, 500, 9, [40, 60, 50]); // TPOT 50
  assert.equal(meetsSlo(r, { ttftMs: 100, tpotMs: 50 }), true);
  assert.equal(meetsSlo(r, { ttftMs: 99.9 }), false);
  assert.equal(meetsSlo(r, { tpotMs: 49.9 }), false);
  assert.equal(meetsSlo(r, { e2eMs: 499 }), false);
  assert.equal(meetsSlo(r, { itlMs: 60 }), true);
  assert.equal(meetsSlo(r, { itlMs: 59 }), false);
  assert.equal(meetsSlo(rec(10, 10, 1), { tpotMs: 1 }), true);
});

test('buildStreamingReport: distributions, rates over the wall time, goodput of the attempted requests', () => {
  const records = [rec(100, 1000, 10, [100, 100]), rec(200, 2000, 19, [50]), rec(300, 400, 1), rec(120, 600, 5, [], 'chunks')];
  const s = buildStreamingReport(records, { attempted: 5, wallMs: 2000, slo: { ttftMs: 150, tpotMs: 100 } });
  assert.equal(s.requests, 4);
  assert.equal(s.attempted, 5);
  assert.equal(s.outputTokens, 35);
  assert.equal(s.outputTokensPerSec, 17.5);
  assert.equal(s.requestsPerSec, 2);
  assert.equal(s.tokenCount, 'mixed');
  assert.deepEqual(s.ttftMs, [100, 200, 300, 120]);
  assert.deepEqual(s.tpotMs, [100, 100, 120]);
  assert.equal(s.ttft!.p50Ms, 160);
  assert.equal(s.itl!.n, 3);
  assert.equal(s.e2e!.maxMs, 2000);
  // Meets both: the first (TTFT 100, TPOT 100); the fourth has TPOT 120. The failed fifth meets none.
  assert.deepEqual(s.goodput, { requests: 1, fraction: 0.2, perSec: 0.5 });
  assert.deepEqual(s.slo, { ttftMs: 150, tpotMs: 100 });
  assert.equal(goodputText(s), 'goodput 20.0% (0.500 req/s, 1 of 5 requests) under TTFT ≤ 150 ms and TPOT ≤ 100 ms');

  const none = buildStreamingReport([], { attempted: 0, wallMs: 0 });
  assert.equal(none.ttft, null);
  assert.equal(none.outputTokensPerSec, 0);
  assert.equal(none.goodput, undefined);
  assert.equal(goodputText(none), undefined);
  assert.equal(buildStreamingReport([rec(1, 2, 2, [], 'chunks')], { attempted: 1, wallMs: 10 }).tokenCount, 'chunks');
});

test('latencyStats: type-7 percentiles of any order', () => {
  const s = latencyStats([5, 1, 4, 2, 3])!;
  assert.deepEqual([s.n, s.minMs, s.p50Ms, s.maxMs, s.meanMs], [5, 1, 3, 5, 3]);
  assert.equal(s.p90Ms, 4.6);
  assert.equal(latencyStats([]), null);
});
