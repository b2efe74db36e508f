// Prompts files and the request bodies they become.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PromptsError, checkPromptsForApi, parsePrompts, requestBody, sharedPrefixText } from '../../src/core/prompts';

test('.txt: one prompt per line; blank lines and CRLF skipped; anything not .json/.jsonl is text', () => {
  assert.deepEqual(parsePrompts('Hello there\r\n\r\n  \nWhat is 2+2?\n', 'p.txt'), [
    { kind: 'text', text: 'Hello there' },
    { kind: 'text', text: 'What is 2+2?' },
  ]);
  assert.deepEqual(parsePrompts('\uFEFFone', 'prompts'), [{ kind: 'text', text: 'one' }]);
});

test('.jsonl: prompt or messages per line; the error names the line', () => {
  const text = ['{"prompt": "a\\nb"}', '', '{"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]}'].join('\n');
  assert.deepEqual(parsePrompts(text, 'p.jsonl'), [
    { kind: 'text', text: 'a\nb' },
    { kind: 'messages', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] },
  ]);
  const cases: Array<[string, RegExp]> = [
    ['{"prompt": "x"}\n{"prompt": \n', /p\.jsonl line 2 is not JSON/],
    ['{"prompt": "x"}\n\n{"text": "y"}', /p\.jsonl line 3 has neither "prompt" nor "messages"/],
    ['{"prompt": ""}', /line 1 has an empty "prompt"/],
    ['{"prompt": 3}', /"prompt" must be a string, not a number/],
    ['{"messages": []}', /empty "messages" list/],
    ['{"messages": [{"content": "no role"}]}', /message 1 must be \{"role"/],
    ['{"messages": "hi"}', /"messages" must be a list/],
    ['{"prompt": "a", "messages": []}', /both "prompt" and "messages"/],
    ['[1]', /line 1 must be an object with "prompt" or "messages", not an array/],
    ['\n\n', /p\.jsonl holds no prompt \(no non-blank line\)/],
  ];
  for (const [t, re] of cases) assert.throws(() => parsePrompts(t, 'p.jsonl'), (e: unknown) => e instanceof PromptsError && re.test(e.message), t);
});

test('.json: an array of strings or objects; anything else is a clear error', () => {
  assert.deepEqual(parsePrompts('["a", {"prompt": "b"}]', 'p.json'), [
    { kind: 'text', text: 'a' },
    { kind: 'text', text: 'b' },
  ]);
  assert.throws(() => parsePrompts('{"prompt": "a"}', 'p.json'), /p\.json must hold a JSON array of prompts, not an object/);
  assert.throws(() => parsePrompts('[', 'p.json'), /p\.json is not JSON/);
  assert.throws(() => parsePrompts('[]', 'p.json'), /holds no prompt \(an empty array\)/);
  assert.throws(() => parsePrompts('["a", null]', 'p.json'), /p\.json item 2 must be an object/);
  assert.throws(() => parsePrompts('["  "]', 'p.json'), /item 1 is an empty prompt/);
});

test('request bodies: chat and completions, streaming with usage, the shared prefix where a cache sees it', () => {
  const o = { model: 'm', maxTokens: 16 };
  assert.deepEqual(requestBody({ kind: 'text', text: 'hi' }, { ...o, api: 'chat' }), {
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 16,
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.deepEqual(requestBody({ kind: 'text', text: 'hi' }, { ...o, api: 'completions', prefix: 'P P\n\n' }), {
    model: 'm',
    max_tokens: 16,
    stream: true,
    stream_options: { include_usage: true },
    prompt: 'P P\n\nhi',
  });
  // Chat: a system message first gets the prefix in front; otherwise one is added.
  const withSystem = requestBody({ kind: 'messages', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'q' }] }, { ...o, api: 'chat', prefix: 'P\n\n' });
  assert.deepEqual(withSystem.messages, [{ role: 'system', content: 'P\n\nbe brief' }, { role: 'user', content: 'q' }]);
  const added = requestBody({ kind: 'text', text: 'q' }, { ...o, api: 'chat', prefix: 'P\n\n' });
  assert.deepEqual(added.messages, [{ role: 'system', content: 'P' }, { role: 'user', content: 'q' }]);
  assert.throws(() => requestBody({ kind: 'messages', messages: [{ role: 'user', content: 'q' }] }, { ...o, api: 'completions' }), PromptsError);
  assert.throws(() => checkPromptsForApi([{ kind: 'text', text: 'a' }, { kind: 'messages', messages: [] }], 'completions', 'p.jsonl'), /p\.jsonl: prompt 2 is a conversation/);
  checkPromptsForApi([{ kind: 'messages', messages: [] }], 'chat', 'p.jsonl');
});

test('sharedPrefixText: N words, the same every time, different for different N', () => {
  assert.equal(sharedPrefixText(0), '');
  const a = sharedPrefixText(50);
  assert.equal(a, sharedPrefixText(50));
  assert.ok(a.endsWith('\n\n'));
  assert.equal(a.trim().split(/\s+/).length, 50);
  assert.ok(sharedPrefixText(60).startsWith(a.trimEnd()), 'a longer prefix extends the shorter');
  assert.throws(() => sharedPrefixText(-1), RangeError);
});
