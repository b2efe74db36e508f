// `latency bench --openai` as a CI user runs it: the built CLI process against the streaming test
// server (its own process), the bundled example prompts, the JSON result and the text report.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BenchmarkResult } from '../../src/core/result';
import { ROOT, distFile } from '../support/dist';
import { sseServer, type SseServer } from '../support/sseServer';

let dir: string;
let server: SseServer;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latency-openai-cli-'));
  server = await sseServer({ ttftMs: 40, tokenMs: 8, tokens: 10, model: 'tiny' });
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Asynchronous, so the test's event loop (and nothing else) waits while the CLI runs. */
function cli(args: string[], cwd = dir): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [distFile('cli.js'), ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('bench --openai --json -: TTFT ≈ 40 ms, TPOT ≈ 8 ms, goodput under the SLO, the example prompts; the report on stderr', async () => {
  const r = await cli(['bench', '--openai', server.base, '--model', 'tiny', '--prompts', join(ROOT, 'examples', 'prompts.jsonl'), '--slo', 'ttft=1000,tpot=100', '-n', '10', '-w', '1', '--json', '-']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(json.target.kind, 'http');
  if (json.target.kind !== 'http') return;
  assert.equal(json.target.llm!.prompts.count, 6);
  assert.equal(json.samplesMs.length, 10);
  const s = json.streaming!;
  assert.equal(s.outputTokens, 100);
  assert.ok(s.ttft!.p50Ms >= 38 && s.ttft!.p50Ms < 80, `TTFT p50 ${s.ttft!.p50Ms}`);
  assert.ok(s.tpot!.p50Ms >= 7 && s.tpot!.p50Ms < 14, `TPOT p50 ${s.tpot!.p50Ms}`);
  assert.equal(s.goodput!.fraction, 1);
  assert.match(r.stderr, /^Latency benchmark: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions \(LLM streaming, chat API, model tiny,/m);
  assert.match(r.stderr, /^ {2}streaming\s+TTFT\s+TPOT\s+ITL\s+e2e$/m);
  assert.match(r.stderr, /^ {2}goodput\s+100\.0% \(.* req\/s, 10 of 10 requests\) under TTFT ≤ 1000 ms and TPOT ≤ 100 ms$/m);
  // The conversation line of the example file went out as messages, its system message first.
  const received = (await server.stats()).received;
  const conversation = received.find((q) => (q.body.messages as Array<{ role: string }>)[0]!.role === 'system');
  assert.ok(conversation, 'the example file\'s conversation was sent');
});

test('bench --target NAME runs a named "openai" target, its prompts relative to the workspace; bad input exits 2 or 1 with the reason', async () => {
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, 'p.txt'), 'one\ntwo\n');
  writeFileSync(join(ws, '.vscode', 'latency.json'), JSON.stringify({ targets: { llm: { openai: server.base, model: 'tiny', prompts: 'p.txt', api: 'completions', maxTokens: 4, iterations: 4, warmup: 0, slo: 'ttft=1' } } }));
  const r = await cli(['bench', '--target', 'llm', '--json', '-'], ws);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as BenchmarkResult;
  assert.equal(json.samplesMs.length, 4);
  assert.equal(json.streaming!.outputTokens, 16);
  assert.equal(json.streaming!.goodput!.fraction, 0, 'no first token within 1 ms');

  const usage = await cli(['bench', '--openai', server.base, '--prompts', 'p.txt']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--openai needs --model NAME/);
  const wrongModel = await cli(['bench', '--openai', server.base, '--model', 'other', '--prompts', join(ws, 'p.txt'), '-n', '2', '-w', '0']);
  assert.equal(wrongModel.status, 1);
  assert.match(wrongModel.stderr, /answered 404/);
  assert.match(wrongModel.stderr, /The model other does not exist/);
  const badPrompts = await cli(['bench', '--openai', server.base, '--model', 'tiny', '--prompts', join(ws, 'missing.jsonl')]);
  assert.equal(badPrompts.status, 1);
  assert.match(badPrompts.stderr, /Cannot read the prompts file/);
});
