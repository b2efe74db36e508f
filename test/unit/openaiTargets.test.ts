// Named OpenAI-compatible targets in .vscode/latency.json: the parser and the JSON schema agree.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseTargets } from '../../src/core/targetsConfig';
import { DEFAULT_MAX_TOKENS, DEFAULT_OPENAI_TIMEOUT_SECONDS } from '../../src/core/target';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'latency.schema.json'), 'utf8'));

test('an "openai" target: every key the schema offers is read; slo as text or as an object', () => {
  const full = {
    openai: 'http://127.0.0.1:8000/v1', model: 'llama', prompts: 'bench/prompts.jsonl', api: 'completions', maxTokens: 64, sharedPrefix: 100,
    slo: { ttft: 200, tpot: 50 }, headers: { authorization: 'Bearer k' }, concurrency: 4, timeoutSeconds: 60, iterations: 30, warmup: 1,
  };
  assert.deepEqual(Object.keys(schema.definitions.openaiTarget.properties).sort(), Object.keys(full).sort());
  assert.equal(schema.definitions.openaiTarget.properties.maxTokens.default, DEFAULT_MAX_TOKENS);
  assert.equal(schema.definitions.openaiTarget.properties.timeoutSeconds.default, DEFAULT_OPENAI_TIMEOUT_SECONDS);
  assert.ok(schema.properties.targets.additionalProperties.oneOf.some((r: { $ref: string }) => r.$ref === '#/definitions/openaiTarget'));
  const parsed = parseTargets({ targets: { llm: full, small: { openai: 'http://h/v1', model: 'm', prompts: 'p.txt', slo: 'e2e=2s' } } }, 'sample');
  assert.deepEqual(parsed.issues, []);
  assert.deepEqual(parsed.targets[0], {
    name: 'llm',
    spec: {
      kind: 'openai', url: 'http://127.0.0.1:8000/v1', model: 'llama', promptsFile: 'bench/prompts.jsonl', api: 'completions', maxTokens: 64, sharedPrefix: 100,
      slo: { ttftMs: 200, tpotMs: 50 }, headers: { authorization: 'Bearer k' }, concurrency: 4, timeoutSeconds: 60,
    },
    iterations: 30,
    warmup: 1,
  });
  assert.deepEqual(parsed.targets[1]!.spec, { kind: 'openai', url: 'http://h/v1', model: 'm', promptsFile: 'p.txt', slo: { e2eMs: 2000 } });
});

test('bad "openai" targets: each problem named at its key', () => {
  const { targets, issues } = parseTargets(
    { targets: { a: { openai: 'h:8000', prompts: 3, api: 'responses', maxTokens: 0, sharedPrefix: -1, slo: { ttft: 'soon' }, body: '{}' }, b: { openai: 'http://h/v1', url: 'http://h/x', model: 'm', prompts: 'p' } } },
    'f.json',
  );
  assert.deepEqual(targets, []);
  const at = (key: string) => issues.find((i) => i.path.join('.') === key)?.message;
  assert.match(at('targets.a.openai')!, /http:\/\/ or https:\/\/ URL/);
  assert.match(at('targets.a.model')!, /must name the model/);
  assert.match(at('targets.a.prompts')!, /prompts file/);
  assert.match(at('targets.a.api')!, /"chat" or "completions"/);
  assert.match(at('targets.a.maxTokens')!, /integer ≥ 1/);
  assert.match(at('targets.a.sharedPrefix')!, /words ≥ 0/);
  assert.match(at('targets.a.slo')!, /"ttft=soon" is not NAME=MILLISECONDS/);
  assert.match(at('targets.a.body')!, /unknown option "body" for a openai target/);
  assert.match(at('targets.b')!, /exactly one of .* "openai"/);
});
