// `latency bench --openai`: the flags of an LLM streaming endpoint, and those refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { USAGE, UsageError, parseCli } from '../../src/profiler/cliArgs';

test('--openai URL --model --prompts and the rest', () => {
  const cmd = parseCli([
    'bench', '--openai', 'http://127.0.0.1:8000/v1', '--model', 'llama', '--prompts', 'p.jsonl', '--api', 'completions', '--max-tokens', '64',
    '--shared-prefix', '200', '--slo', 'ttft=200,tpot=50', '--concurrency', '4', '--header', 'Authorization: Bearer k', '--timeout', '60', '-n', '50',
  ]);
  assert.ok(cmd.command === 'bench');
  assert.deepEqual(cmd.target, {
    kind: 'openai',
    url: 'http://127.0.0.1:8000/v1',
    model: 'llama',
    promptsFile: 'p.jsonl',
    api: 'completions',
    maxTokens: 64,
    sharedPrefix: 200,
    slo: { ttftMs: 200, tpotMs: 50 },
    headers: { Authorization: 'Bearer k' },
    concurrency: 4,
    timeoutSeconds: 60,
  });
  assert.equal(cmd.layer.iterations, 50);
  const plain = parseCli(['bench', '--openai', 'https://h/v1/chat/completions', '--model', 'm', '--prompts', 'p.txt']);
  assert.ok(plain.command === 'bench');
  assert.deepEqual(plain.target, { kind: 'openai', url: 'https://h/v1/chat/completions', model: 'm', promptsFile: 'p.txt' });
  assert.match(USAGE, /latency bench --openai http:\/\/host:port\/v1 --model NAME --prompts F/);
  assert.match(USAGE, /--slo LIST/);
});

test('--openai: missing or bad values, and flags of other kinds, are refused', () => {
  const o = ['bench', '--openai', 'http://h/v1'];
  const refused: Array<[string[], RegExp]> = [
    [[...o, '--prompts', 'p.txt'], /^--openai needs --model NAME/],
    [[...o, '--model', 'm'], /^--openai needs --prompts FILE/],
    [['bench', '--openai', 'localhost:8000', '--model', 'm', '--prompts', 'p'], /^--openai expects the server's URL/],
    [[...o, '--model', 'm', '--prompts', 'p', '--api', 'responses'], /^--api must be one of chat, completions/],
    [[...o, '--model', 'm', '--prompts', 'p', '--slo', 'ttft=fast'], /^--slo: "ttft=fast" is not NAME=MILLISECONDS/],
    [[...o, '--model', 'm', '--prompts', 'p', '--slo', 'p99=5'], /^--slo: unknown SLO "p99"/],
    [[...o, '--model', 'm', '--prompts', 'p', '--max-tokens', '0'], /^--max-tokens expects an integer ≥ 1/],
    [[...o, '--model', 'm', '--prompts', 'p', '--shared-prefix', 'x'], /^--shared-prefix expects an integer ≥ 0/],
    [[...o, '--model', 'm', '--prompts', 'p', '--body-file', 'b.json'], /^--body-file applies to URLs \(HTTP endpoints\) only$/],
    [[...o, '--model', 'm', '--prompts', 'p', '--threads', '2'], /^--threads applies to ONNX models only$/],
    [['bench', 'http://h/x', '--model', 'm'], /^--model applies to --openai \(an OpenAI-compatible LLM server\) only$/],
    [['bench', 'm.onnx', '--slo', 'ttft=1'], /^--slo applies to --openai/],
    [['bench', 'm.onnx', '--openai', 'http://h/v1'], /^one target at a time: a model path and --openai/],
  ];
  for (const [argv, message] of refused) {
    assert.throws(() => parseCli(argv), (err: unknown) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  }
});
