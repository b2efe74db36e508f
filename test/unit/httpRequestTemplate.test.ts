// A templated request body: resolved once (content type, per-request length, recorded target),
// and the CLI flags that ask for it.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_TEMPLATE_SEED } from '../../src/core/bodyTemplate';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import { targetFacts } from '../../src/core/targetText';
import { BenchmarkError } from '../../src/profiler/benchmarkError';
import { UsageError, parseCli } from '../../src/profiler/cliArgs';
import { httpTargetOf, resolveRequest } from '../../src/profiler/httpRequest';
import { httpResult } from '../support/resultFixture';

const dir = mkdtempSync(join(tmpdir(), 'latency-tmpl-'));

test('a fixed body: next() hands out the resolved body and headers themselves', () => {
  const r = resolveRequest({ kind: 'http', url: 'http://h/', body: '{"a": "{{i}}"}' });
  const a = r.next();
  assert.equal(a.body, r.body);
  assert.equal(a.headers, r.headers);
  assert.equal(r.next().body, a.body);
  assert.equal(a.body!.toString(), '{"a": "{{i}}"}'); // no opt-in: {{ is sent as is
  assert.equal(httpTargetOf(r).bodyTemplate, undefined);
});

test('a template: a JSON content type judged on the first body, a content-length per request, the target records it', () => {
  const r = resolveRequest({ kind: 'http', url: 'http://h/p', body: '{"id": {{i}}, "pad": "{{random_int 1 100000}}"}', bodyTemplate: true, bodySeed: 3 });
  assert.equal(r.method, 'POST');
  assert.equal(r.body, undefined);
  assert.equal(r.headers['content-type'], 'application/json');
  const seen = Array.from({ length: 20 }, () => r.next());
  for (const [k, { body, headers }] of seen.entries()) {
    assert.equal(JSON.parse(body!.toString()).id, k); // the probe for the content type used no index
    assert.equal(headers['content-length'], body!.length);
  }
  assert.ok(new Set(seen.map((s) => s.headers['content-length'])).size > 1, 'lengths vary with the random values');
  assert.deepEqual(httpTargetOf(r).bodyTemplate, { variables: ['i', 'random_int'], seed: 3 });
  // A chunked request keeps its own framing: no content-length added.
  const chunked = resolveRequest({ kind: 'http', url: 'http://h/p', body: '{{i}}', bodyTemplate: true, headers: { 'Transfer-Encoding': 'chunked' } });
  assert.equal('content-length' in chunked.next().headers, false);
});

test('a lines file: alone each line is the body; with a template {{line}} takes it; the target records the file', () => {
  const file = join(dir, 'inputs.jsonl');
  writeFileSync(file, '{"text": "a"}\n\n{"text": "b"}\n');
  const replay = resolveRequest({ kind: 'http', url: 'http://h/p', bodyLinesFile: file });
  assert.deepEqual([0, 1, 2].map(() => replay.next().body!.toString()), ['{"text": "a"}', '{"text": "b"}', '{"text": "a"}']);
  assert.equal(replay.headers['content-type'], 'application/json');
  assert.deepEqual(httpTargetOf(replay).bodyTemplate, { variables: ['line'], seed: DEFAULT_TEMPLATE_SEED, linesFile: file, lines: 2 });
  assert.equal(targetFacts(httpTargetOf(replay)).at(-1), `body template: {{line}}, 2 lines, seed ${DEFAULT_TEMPLATE_SEED}`);
  const wrapped = resolveRequest({ kind: 'http', url: 'http://h/p', body: '{"batch": [{{line}}]}', bodyTemplate: true, bodyLinesFile: file });
  assert.deepEqual(JSON.parse(wrapped.next().body!.toString()), { batch: [{ text: 'a' }] });
  // What the panel and the history accept.
  const result = httpResult();
  if (result.target.kind === 'http') result.target.bodyTemplate = httpTargetOf(replay).bodyTemplate;
  assert.ok(isBenchmarkResult(result));
  if (result.target.kind === 'http') result.target.bodyTemplate = { variables: 'line' } as never;
  assert.equal(isBenchmarkResult(result), false);
});

test('template mistakes are httpFailed errors that say where', () => {
  const fails = (spec: Parameters<typeof resolveRequest>[0], pattern: RegExp) =>
    assert.throws(() => resolveRequest(spec), (e: unknown) => e instanceof BenchmarkError && e.data.kind === 'httpFailed' && pattern.test(e.message) && !!e.data.hint, pattern.source);
  fails({ kind: 'http', url: 'http://h/', body: '{\n "x": {{ random_int 5 }}\n}', bodyTemplate: true }, /line 2, column 7: \{\{random_int\}\} needs two numbers/);
  fails({ kind: 'http', url: 'http://h/', body: '{{line}}', bodyTemplate: true }, /needs a lines file/);
  fails({ kind: 'http', url: 'http://h/', bodyTemplate: true }, /no body was given/);
  fails({ kind: 'http', url: 'http://h/', bodyLinesFile: join(dir, 'missing.txt') }, /Cannot read the body lines file .*missing\.txt/);
});

test('CLI: --body-template, --body-lines and --body-seed; mixed with --body-file or another kind of target they are refused', () => {
  const http = (...flags: string[]) => {
    const cmd = parseCli(['bench', 'http://127.0.0.1:8000/predict', ...flags]);
    assert.equal(cmd.command, 'bench');
    return cmd.command === 'bench' ? cmd.target : undefined;
  };
  assert.deepEqual(http('--body-template', 'req.json', '--body-lines', 'in.txt', '--body-seed', '9'), {
    kind: 'http',
    url: 'http://127.0.0.1:8000/predict',
    bodyFile: 'req.json',
    bodyTemplate: true,
    bodyLinesFile: 'in.txt',
    bodySeed: 9,
  });
  assert.deepEqual(http('--body-lines', 'in.jsonl'), { kind: 'http', url: 'http://127.0.0.1:8000/predict', bodyTemplate: true, bodyLinesFile: 'in.jsonl' });
  const refused = (argv: string[], pattern: RegExp) => assert.throws(() => parseCli(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message), pattern.source);
  refused(['bench', 'http://h/', '--body-file', 'a', '--body-template', 'b'], /not both/);
  refused(['bench', 'http://h/', '--body-file', 'a', '--body-lines', 'b'], /--body-lines needs --body-template/);
  refused(['bench', 'http://h/', '--body-seed', '1'], /--body-seed applies to --body-template only/);
  refused(['bench', 'http://h/', '--body-template', 'a', '--body-seed', '-1'], /--body-seed/);
  refused(['bench', 'm.onnx', '--body-template', 'a'], /--body-template applies to URLs/);
});
