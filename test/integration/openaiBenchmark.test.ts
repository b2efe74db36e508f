// LLM streaming endpoints in-process, against an OpenAI-compatible server with known timings in
// a process of its own (test/support/sseServer.ts): first token after T0, then one token every
// D ms. The bounds are loose (a busy 2-CPU machine), but a client that stamps tokens late, counts
// the role chunk as a token, or mixes failures into the figures fails them.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mergeConfig, type ConfigLayer } from '../../src/core/config';
import type { ProgressParams } from '../../src/core/profilerProtocol';
import type { BenchmarkResult, HttpTarget } from '../../src/core/result';
import type { OpenAiSpec } from '../../src/core/target';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import { runOpenAiBenchmark } from '../../src/profiler/openaiBenchmark';
import { closedPort } from '../support/httpServers';
import { rejection } from '../support/rejection';
import { sseServer, type SseServer, type SseServerOptions } from '../support/sseServer';

let dir: string;
/** 40 distinct prompts, each long enough for the server's 200-character cache key only with a prefix. */
let promptsFile: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-openai-'));
  promptsFile = join(dir, 'prompts.txt');
  writeFileSync(promptsFile, Array.from({ length: 40 }, (_, i) => `Question number ${i}: why is the sky blue?`).join('\n'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface RunMore {
  isCancelled?: () => boolean;
  progress?: ProgressParams[];
  repeat?: number;
}

function run(spec: Omit<OpenAiSpec, 'kind' | 'model' | 'promptsFile'> & Partial<OpenAiSpec>, layer: ConfigLayer, more: RunMore = {}): Promise<BenchmarkResult> {
  return runOpenAiBenchmark(
    { spec: { kind: 'openai', model: 'tiny', promptsFile, ...spec }, config: mergeConfig(layer), progressIntervalMs: 50, ...(more.repeat !== undefined ? { repeat: more.repeat } : {}) },
    { isCancelled: more.isCancelled ?? (() => false), onProgress: (p) => more.progress?.push(p) },
  );
}

async function withServer<T>(options: SseServerOptions, body: (s: SseServer) => Promise<T>): Promise<T> {
  const s = await sseServer(options);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

const T0 = 60;
const D = 15;
const N = 12;
const fmt = (x: number | undefined) => (x === undefined ? 'undefined' : x.toFixed(2));

test(`chat: TTFT ≈ ${T0} ms, TPOT and ITL ≈ ${D} ms, e2e ≈ T0 + (N−1)·D, tokens from usage; samples are the e2e latencies`, async () => {
  await withServer({ ttftMs: T0, tokenMs: D, tokens: N, model: 'tiny' }, async (s) => {
    const progress: ProgressParams[] = [];
    const r = await run({ url: s.base, slo: { ttftMs: T0 + 200, tpotMs: D + 50 } }, { iterations: 12, warmup: 2 }, { progress });
    assert.ok(isBenchmarkResult(r), 'the panel and history accept it');
    const t = r.target as HttpTarget;
    assert.equal(t.kind, 'http');
    assert.equal(t.url, `${s.base}/chat/completions`);
    assert.equal(t.method, 'POST');
    assert.deepEqual({ ...t.llm!, prompts: { ...t.llm!.prompts, sha256: t.llm!.prompts.sha256.length } }, {
      api: 'chat',
      model: 'tiny',
      prompts: { file: promptsFile, count: 40, sha256: 64 },
      maxTokens: 128,
      sharedPrefixWords: 0,
    });
    assert.equal(t.timeoutMs, 120_000);
    assert.equal(r.samplesMs.length, 12);
    assert.equal(r.warmupSamplesMs.length, 2);
    assert.equal(r.partial, false);
    assert.equal(r.errors!.count, 0);
    assert.ok(progress.some((p) => p.phase === 'measure' && p.newSamplesMs.length > 0));

    const st = s.stats();
    const stats = await st;
    assert.equal(stats.requests, 15, 'cold + 2 warm-up + 12 measured');
    assert.equal(stats.connections, 1, 'one keep-alive connection');
    const first = stats.received[0]!;
    assert.equal(first.path, '/v1/chat/completions');
    assert.deepEqual(first.body, { model: 'tiny', messages: [{ role: 'user', content: 'Question number 0: why is the sky blue?' }], max_tokens: 128, stream: true, stream_options: { include_usage: true } });
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal((stats.received[5]!.body.messages as Array<{ content: string }>)[0]!.content, 'Question number 5: why is the sky blue?', 'prompts sent in turn');

    const sr = r.streaming!;
    assert.equal(sr.requests, 12);
    assert.equal(sr.attempted, 12);
    assert.equal(sr.tokenCount, 'usage');
    assert.equal(sr.outputTokens, 12 * N);
    const ttft = sr.ttft!;
    const tpot = sr.tpot!;
    const itl = sr.itl!;
    const e2e = sr.e2e!;
    assert.ok(ttft.minMs >= T0 - 2 && ttft.p50Ms <= T0 + 30, `TTFT min ${fmt(ttft.minMs)} p50 ${fmt(ttft.p50Ms)} ms, served at ${T0}`);
    assert.ok(tpot.p50Ms >= D - 1 && tpot.p50Ms <= D + 6, `TPOT p50 ${fmt(tpot.p50Ms)} ms, served at ${D}`);
    assert.equal(itl.n, 12 * (N - 1), 'one gap between each pair of token chunks');
    assert.ok(itl.p50Ms >= D - 4 && itl.p50Ms <= D + 6, `ITL p50 ${fmt(itl.p50Ms)} ms`);
    const expectE2e = T0 + (N - 1) * D;
    assert.ok(e2e.p50Ms >= expectE2e - 2 && e2e.p50Ms <= expectE2e + 40, `e2e p50 ${fmt(e2e.p50Ms)} ms, served in ${expectE2e}`);
    assert.equal(r.summary!.p50Ms, e2e.p50Ms, 'samplesMs are the e2e latencies');
    // Closed loop at concurrency 1: requests/s ≈ 1 / e2e, tokens/s = N × that.
    assert.ok(sr.requestsPerSec > 0.6 * (1000 / expectE2e) && sr.requestsPerSec <= 1000 / expectE2e + 0.1, `${fmt(sr.requestsPerSec)} req/s`);
    assert.ok(Math.abs(sr.outputTokensPerSec - N * sr.requestsPerSec) < 1e-9);
    assert.deepEqual(sr.goodput, { requests: 12, fraction: 1, perSec: sr.requestsPerSec });
    assert.equal(sr.ttftMs.length, 12);
    assert.equal(sr.tpotMs.length, 12);
    assert.ok(r.coldStart.firstMs! >= expectE2e - 2);
  });
});

test('goodput 0 under an SLO no request can meet; the SLO is recorded', async () => {
  await withServer({ ttftMs: 30, tokenMs: 5, tokens: 4 }, async (s) => {
    const r = await run({ url: s.base, slo: { ttftMs: 5 } }, { iterations: 5, warmup: 0 });
    assert.deepEqual(r.streaming!.goodput, { requests: 0, fraction: 0, perSec: 0 });
    assert.deepEqual(r.streaming!.slo, { ttftMs: 5 });
    const none = await run({ url: s.base }, { iterations: 2, warmup: 0 });
    assert.equal(none.streaming!.goodput, undefined, 'no SLO, no goodput');
  });
});

test('token count: from usage when the server sends it (3 tokens a chunk), else the chunks counted', async () => {
  await withServer({ ttftMs: 10, tokenMs: 5, tokens: 12, tokensPerChunk: 3 }, async (s) => {
    const r = await run({ url: s.base }, { iterations: 4, warmup: 0 });
    assert.equal(r.streaming!.tokenCount, 'usage');
    assert.equal(r.streaming!.outputTokens, 4 * 12);
    assert.equal(r.streaming!.itl!.n, 4 * 3, '4 token chunks a request, 3 gaps');
  });
  await withServer({ ttftMs: 10, tokenMs: 5, tokens: 12, tokensPerChunk: 3, usage: false }, async (s) => {
    const r = await run({ url: s.base }, { iterations: 4, warmup: 0 });
    assert.equal(r.streaming!.tokenCount, 'chunks');
    assert.equal(r.streaming!.outputTokens, 4 * 4);
  });
});

test('completions API: /v1/completions with a prompt; max_tokens caps the answer; CRLF events cut in two still read', async () => {
  await withServer({ ttftMs: 20, tokenMs: 4, tokens: 50, crlf: true, splitEvents: true }, async (s) => {
    const r = await run({ url: s.base, api: 'completions', maxTokens: 6 }, { iterations: 5, warmup: 1 });
    const stats = await s.stats();
    assert.equal(stats.received[0]!.path, '/v1/completions');
    assert.equal(stats.received[0]!.body.prompt, 'Question number 0: why is the sky blue?');
    assert.equal(stats.received[0]!.body.max_tokens, 6);
    assert.equal((r.target as HttpTarget).llm!.api, 'completions');
    assert.equal(r.streaming!.outputTokens, 5 * 6);
    assert.equal(r.streaming!.itl!.n, 5 * 5);
    assert.equal(r.errors!.count, 0);
  });
});

test('shared prefix: a server that caches prefixes answers sooner (TTFT) once the prefix is shared', async () => {
  await withServer({ ttftMs: 120, cachedTtftMs: 10, cachePrefixChars: 200, tokenMs: 3, tokens: 3 }, async (s) => {
    const plain = await run({ url: s.base }, { iterations: 8, warmup: 1 });
    const shared = await run({ url: s.base, sharedPrefix: 64 }, { iterations: 8, warmup: 1 });
    assert.ok(plain.streaming!.ttft!.p50Ms >= 118, `distinct prompts, no cache hit: TTFT p50 ${fmt(plain.streaming!.ttft!.p50Ms)} ms`);
    assert.ok(shared.streaming!.ttft!.p50Ms < 60, `one shared prefix, cache hits: TTFT p50 ${fmt(shared.streaming!.ttft!.p50Ms)} ms`);
    assert.ok(shared.coldStart.firstMs! >= 118, 'the first request filled the cache');
    assert.equal((shared.target as HttpTarget).llm!.sharedPrefixWords, 64);
    assert.ok((shared.streaming!.cachedPromptTokens ?? 0) > 0, 'the server said so in its usage');
    assert.equal(plain.streaming!.cachedPromptTokens, undefined);
    const sent = (await s.stats()).received.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    assert.equal(sent[0]!.role, 'system');
    assert.equal(sent[0]!.content.split(/\s+/).length, 64);
  });
});

for (const [fail, kind, words] of [
  ['status', 'status', /answered 500 Internal Server Error: engine overloaded/],
  ['malformed', 'malformed', /a streamed chunk is not JSON/],
  ['drop', 'dropped', /closed|socket hang up|aborted/],
  ['errorEvent', 'other', /the server reported an error in the stream: engine overloaded mid-stream/],
  ['noTokens', 'malformed', /no token, so no time to first token/],
] as const) {
  test(`every 3rd request fails (${fail}): counted apart as "${kind}", never a sample or a streaming figure`, async () => {
    await withServer({ ttftMs: 5, tokenMs: 2, tokens: 4, failEvery: 3, fail }, async (s) => {
      // Requests 3, 6, 9, 12 fail: the cold one is 1, warm-up 2, measured 3..14 (12 of them: 4 fail).
      const r = await run({ url: s.base }, { iterations: 12, warmup: 1 });
      assert.equal(r.errors!.count, 4, JSON.stringify(r.errors));
      assert.equal(r.errors!.attempted, 12);
      assert.equal(r.errors!.byKind[kind], 4);
      assert.match(r.errors!.examples[0]!, words);
      if (kind === 'status') assert.deepEqual(r.errors!.statuses, { '500': 4 });
      assert.equal(r.samplesMs.length, 8);
      assert.equal(r.streaming!.requests, 8);
      assert.equal(r.streaming!.attempted, 12);
      assert.equal(r.streaming!.outputTokens, 8 * 4);
      assert.equal(r.partial, false, 'failures count towards the iterations');
    });
  });
}

test('a failure that counts against goodput: 1 of 4 failed, the rest within the SLO → 75%', async () => {
  await withServer({ ttftMs: 5, tokenMs: 2, tokens: 3, failEvery: 4, fail: 'status' }, async (s) => {
    // Requests 1 (cold), then 2..9 measured: 4 and 8 fail.
    const r = await run({ url: s.base, slo: { ttftMs: 1000 } }, { iterations: 8, warmup: 0 });
    assert.equal(r.streaming!.goodput!.requests, 6);
    assert.equal(r.streaming!.goodput!.fraction, 0.75);
  });
});

test('nothing to measure is an error: refused, an unknown model (404, the server\'s words kept), a server that ignores stream: true', async () => {
  const closed = await closedPort();
  const refused = await rejection(run({ url: `${closed.url}v1` }, { iterations: 3, warmup: 0 }));
  assert.equal(refused.data.kind, 'httpFailed');
  assert.match(refused.message, /Connection refused/);

  await withServer({ ttftMs: 1, tokenMs: 1, tokens: 2, model: 'tiny' }, async (s) => {
    const e = await rejection(run({ url: s.base, model: 'nope' }, { iterations: 3, warmup: 0 }));
    assert.equal(e.data.kind, 'httpFailed');
    assert.match(e.message, /Every request to POST .*\/v1\/chat\/completions failed: 4 of 4 failed \(4 answered 404\)/);
    assert.match(e.data.details!, /The model nope does not exist/);
    assert.match(e.data.hint!, /model name \("nope"/);
  });
  await withServer({ ttftMs: 1, tokenMs: 1, tokens: 2, failEvery: 1, fail: 'json' }, async (s) => {
    const e = await rejection(run({ url: s.base }, { iterations: 3, warmup: 0 }));
    assert.match(e.data.details!, /not an event stream: does the server support "stream": true/);
    assert.match(e.data.hint!, /stream/);
  });
});

test('a bad prompts file is an input error naming the line; a missing one names the file', async () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"prompt": "ok"}\n{"prompt": "unterminated\n');
  const e = await rejection(run({ url: 'http://127.0.0.1:9/v1', promptsFile: bad }, { iterations: 1, warmup: 0 }));
  assert.equal(e.data.kind, 'inputRejected');
  assert.match(e.message, /bad\.jsonl line 2 is not JSON/);
  const missing = await rejection(run({ url: 'http://127.0.0.1:9/v1', promptsFile: join(dir, 'none.txt') }, { iterations: 1, warmup: 0 }));
  assert.match(missing.message, /Cannot read the prompts file .*none\.txt/);
  const chatOnly = join(dir, 'chat.jsonl');
  writeFileSync(chatOnly, '{"messages": [{"role": "user", "content": "hi"}]}\n');
  const c = await rejection(run({ url: 'http://127.0.0.1:9/v1', api: 'completions', promptsFile: chatOnly }, { iterations: 1, warmup: 0 }));
  assert.match(c.message, /chat\.jsonl: prompt 1 is a conversation/);
});

test('cancel mid-run: a partial result that keeps the streams that finished', async () => {
  await withServer({ ttftMs: 20, tokenMs: 10, tokens: 5 }, async (s) => {
    let measured = 0;
    const progress: ProgressParams[] = [];
    const r = await run({ url: s.base }, { iterations: 200, warmup: 0 }, {
      progress,
      isCancelled: () => {
        measured = progress.filter((p) => p.phase === 'measure').reduce((a, p) => a + p.newSamplesMs.length, 0);
        return measured >= 4;
      },
    });
    assert.equal(r.partial, true);
    assert.equal(r.stopping.reason, 'cancelled');
    assert.ok(r.samplesMs.length >= 4 && r.samplesMs.length < 200);
    assert.equal(r.streaming!.requests, r.samplesMs.length);
    assert.ok(r.streaming!.ttft!.n >= 4);
    assert.ok(isBenchmarkResult(r));
  });
});

test('concurrency 4 and --repeat 2: four streams at once; the repeats\' streaming figures pooled', async () => {
  await withServer({ ttftMs: 40, tokenMs: 10, tokens: 5 }, async (s) => {
    const r = await run({ url: s.base, concurrency: 4 }, { iterations: 16, warmup: 4 }, { repeat: 2 });
    assert.equal(r.repeats!.runs.length, 2);
    assert.equal(r.samplesMs.length, 32);
    assert.equal(r.streaming!.requests, 32);
    assert.equal(r.streaming!.attempted, 32);
    const one = 40 + 4 * 10;
    // Four in flight: about 4 / 80 ms = 50 req/s when nothing queues; at least twice what one stream gives.
    assert.ok(r.streaming!.requestsPerSec > 2 * (1000 / one), `${fmt(r.streaming!.requestsPerSec)} req/s`);
    assert.ok(r.streaming!.ttft!.p50Ms < 40 + 30, 'the server answers the four independently');
    assert.ok((await s.stats()).connections >= 4);
  });
});

test('adaptive stop on the e2e CIs: stops by itself, every sample a streamed answer with its figures', async () => {
  await withServer({ ttftMs: 10, tokenMs: 3, tokens: 4 }, async (s) => {
    const r = await run({ url: s.base }, { warmup: 1, stopping: { mode: 'adaptive', relativeHalfWidth: 0.2, targetPercentile: 'p95', maxIterations: 400, maxSeconds: 20 } });
    assert.ok(['precision', 'maxIterations', 'maxSeconds'].includes(r.stopping.reason), r.stopping.reason);
    assert.equal(r.partial, false);
    assert.ok(r.samplesMs.length >= 10 && r.samplesMs.length <= 400, `${r.samplesMs.length} requests`);
    assert.equal(r.streaming!.requests, r.samplesMs.length);
    assert.equal(r.streaming!.outputTokens, 4 * r.samplesMs.length);
  });
});
