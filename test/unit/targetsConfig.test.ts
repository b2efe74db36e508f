// Named targets in .vscode/latency.json: what is accepted, and what each mistake is called.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layersFromWorkspaceFile } from '../../src/core/config';
import { TargetSyntaxError, parsePythonTarget } from '../../src/core/target';
import { parseTargets } from '../../src/core/targetsConfig';

test('file.py:function, the script form, dotted names and a Windows drive letter', () => {
  assert.deepEqual(parsePythonTarget('serve/model.py:predict'), { file: 'serve/model.py', function: 'predict', scriptForm: false });
  assert.deepEqual(parsePythonTarget('bench.py'), { file: 'bench.py', function: 'predict', scriptForm: true });
  assert.deepEqual(parsePythonTarget('m.py:Model.forward'), { file: 'm.py', function: 'Model.forward', scriptForm: false });
  assert.deepEqual(parsePythonTarget('C:\\work\\m.py:run'), { file: 'C:\\work\\m.py', function: 'run', scriptForm: false });
  assert.deepEqual(parsePythonTarget('C:\\work\\m.py'), { file: 'C:\\work\\m.py', function: 'predict', scriptForm: true });
  for (const bad of ['', 'model.onnx', 'm.py:1abc', 'm.py:f-g', 'notes.txt:f']) assert.throws(() => parsePythonTarget(bad), TargetSyntaxError, bad);
});

test('a Python and a command target with their options', () => {
  const { targets, issues } = parseTargets(
    {
      targets: {
        encoder: { python: 'serve/model.py:predict', setup: 'load', iterations: 300, callTimeoutSeconds: 10 },
        script: { python: 'bench.py' },
        cli: { command: 'python3 infer.py', prepare: 'sync', iterations: 20, warmup: 2, timeoutSeconds: 30 },
      },
    },
    'latency.json',
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(targets, [
    { name: 'encoder', spec: { kind: 'python', file: 'serve/model.py', function: 'predict', setup: 'load', callTimeoutSeconds: 10 }, iterations: 300 },
    { name: 'script', spec: { kind: 'python', file: 'bench.py', function: 'predict', scriptForm: true } },
    { name: 'cli', spec: { kind: 'command', command: 'python3 infer.py', prepare: 'sync', timeoutSeconds: 30 }, iterations: 20, warmup: 2 },
  ]);
});

test('each mistake is reported at its path, and the target with it is left out', () => {
  const { targets, issues } = parseTargets(
    {
      targets: {
        both: { python: 'a.py:f', command: 'true' },
        neither: { setup: 'x' },
        typo: { command: 'true', prepar: 'sync' },
        badFile: { python: 'model.onnx' },
        badSetup: { python: 'a.py:f', setup: 'load()' },
        badCount: { command: 'true', iterations: 0 },
        badTimeout: { python: 'a.py:f', callTimeoutSeconds: -1 },
        ok: { command: 'true' },
      },
    },
    'latency.json',
  );
  assert.deepEqual(targets.map((t) => t.name), ['ok']);
  const at = (name: string) => issues.filter((i) => i.path[1] === name).map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.match(at('both')[0]!, /needs exactly one of "python".*"command".*and "url"/);
  assert.match(at('neither')[0]!, /needs exactly one of/);
  assert.match(at('typo')[0]!, /^targets\.typo\.prepar: unknown option "prepar" for a command target/);
  assert.match(at('badFile')[0]!, /does not name a \.py file/);
  assert.match(at('badSetup')[0]!, /^targets\.badSetup\.setup: setup "load\(\)" is not a Python name/);
  assert.match(at('badCount')[0]!, /iterations: must be an integer ≥ 1/);
  assert.match(at('badTimeout')[0]!, /callTimeoutSeconds: must be a number of seconds > 0/);
  assert.deepEqual(parseTargets({ targets: [] }, 'f').issues.map((i) => i.message), ['expected an object keyed by target name']);
});

test('the workspace file accepts "targets" and reports their problems with its other issues', () => {
  assert.deepEqual(layersFromWorkspaceFile({ iterations: 10, targets: { a: { command: 'true' } } }, 'f', undefined).issues, []);
  const bad = layersFromWorkspaceFile({ targets: { a: { command: '' } } }, 'f', undefined).issues;
  assert.deepEqual(bad.map((i) => i.path), [['targets', 'a', 'command']]);
});

test('an HTTP endpoint: a JSON body is sent as its text, one of body and bodyFile, statuses and counts checked', () => {
  const { targets, issues } = parseTargets(
    {
      targets: {
        api: { url: 'http://127.0.0.1:8000/predict', body: { inputs: [1, 2] }, concurrency: 8, expectedStatus: [200], iterations: 500 },
        file: { url: 'https://example.test/v1', method: 'put', bodyFile: 'req.json', headers: { authorization: 'Bearer x' } },
        bad: { url: 'ftp://x', concurrency: 0, expectedStatus: [99], body: 'a', bodyFile: 'b' },
      },
    },
    'latency.json',
  );
  assert.deepEqual(targets, [
    { name: 'api', spec: { kind: 'http', url: 'http://127.0.0.1:8000/predict', body: '{"inputs":[1,2]}', concurrency: 8, expectedStatus: [200] }, iterations: 500 },
    { name: 'file', spec: { kind: 'http', url: 'https://example.test/v1', method: 'PUT', headers: { authorization: 'Bearer x' }, bodyFile: 'req.json' } },
  ]);
  assert.deepEqual(issues.map((i) => i.path.join('.')), ['targets.bad.url', 'targets.bad.body', 'targets.bad.concurrency', 'targets.bad.expectedStatus']);
});

test('an endpoint\'s load model: sweep (true or levels) with a p99 budget, or rate with arrival and duration; one of them', () => {
  const url = 'http://127.0.0.1:8000/p';
  const ok = parseTargets({ targets: { a: { url, sweep: true }, b: { url, sweep: [1, 8], p99BudgetMs: 50 }, c: { url, rate: 20, arrival: 'poisson', durationSeconds: 5 } } }, 'f');
  assert.deepEqual(ok.issues, []);
  assert.deepEqual(ok.targets.map((t) => t.spec), [
    { kind: 'http', url, sweep: [1, 2, 4, 8, 16, 32, 64] },
    { kind: 'http', url, sweep: [1, 8], p99BudgetMs: 50 },
    { kind: 'http', url, rate: 20, arrival: 'poisson', durationSeconds: 5 },
  ]);
  const bad = parseTargets({ targets: { d: { url, sweep: [4, 2] }, e: { url, concurrency: 2, rate: 5 }, f: { url, p99BudgetMs: 5 }, g: { url, arrival: 'poisson' }, h: { url, rate: 5, arrival: 'burst' } } }, 'f');
  assert.deepEqual(bad.targets, []);
  const messages = bad.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.match(messages.join('\n'), /targets\.d\.sweep: sweep levels must increase/);
  assert.match(messages.join('\n'), /targets\.e\.rate: give one of "concurrency", "sweep" and "rate"/);
  assert.match(messages.join('\n'), /targets\.f\.p99BudgetMs: applies to a "sweep" only/);
  assert.match(messages.join('\n'), /targets\.g\.arrival: applies to a "rate"/);
  assert.match(messages.join('\n'), /targets\.h\.arrival: must be one of constant, poisson/);
});

test('"busyPoll": true is kept for any load model, false left out, anything else an issue', () => {
  const url = 'http://127.0.0.1:8000/p';
  const ok = parseTargets({ targets: { a: { url, busyPoll: true, sweep: [1, 2] }, b: { url, busyPoll: false } } }, 'f');
  assert.deepEqual(ok.issues, []);
  assert.deepEqual(ok.targets.map((t) => t.spec), [{ kind: 'http', url, sweep: [1, 2], busyPoll: true }, { kind: 'http', url }]);
  const bad = parseTargets({ targets: { c: { url, busyPoll: 'yes' } } }, 'f');
  assert.deepEqual(bad.targets, []);
  assert.match(bad.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'), /targets\.c\.busyPoll: must be true/);
});

test('an HTTP endpoint with a body template: opted into, checked where it is written, lines and seed kept', () => {
  const { targets, issues } = parseTargets(
    {
      targets: {
        tpl: { url: 'http://127.0.0.1:8000/predict', body: { id: '{{i}}' }, bodyTemplate: true, bodySeed: 7 },
        replay: { url: 'http://127.0.0.1:8000/predict', bodyLines: 'inputs.jsonl' },
        fromFile: { url: 'http://127.0.0.1:8000/predict', bodyFile: 'req.json', bodyTemplate: true, bodyLines: 'texts.txt' },
        asIs: { url: 'http://127.0.0.1:8000/predict', body: '{{not a template}}' },
        badSyntax: { url: 'http://h/p', body: '{"a": {{nope}}}', bodyTemplate: true },
        noBody: { url: 'http://h/p', bodyTemplate: true },
        linesNoOptIn: { url: 'http://h/p', body: 'x', bodyLines: 'l.txt' },
        seedAlone: { url: 'http://h/p', body: 'x', bodySeed: 1 },
        badTypes: { url: 'http://h/p', body: 'x', bodyTemplate: 'yes', bodyLines: 3 },
      },
    },
    'latency.json',
  );
  assert.deepEqual(targets, [
    { name: 'tpl', spec: { kind: 'http', url: 'http://127.0.0.1:8000/predict', body: '{"id":"{{i}}"}', bodyTemplate: true, bodySeed: 7 } },
    { name: 'replay', spec: { kind: 'http', url: 'http://127.0.0.1:8000/predict', bodyLinesFile: 'inputs.jsonl' } },
    { name: 'fromFile', spec: { kind: 'http', url: 'http://127.0.0.1:8000/predict', bodyFile: 'req.json', bodyTemplate: true, bodyLinesFile: 'texts.txt' } },
    { name: 'asIs', spec: { kind: 'http', url: 'http://127.0.0.1:8000/predict', body: '{{not a template}}' } },
  ]);
  const at = (name: string) => issues.filter((i) => i.path[1] === name).map((i) => `${i.path.slice(2).join('.')}: ${i.message}`);
  assert.deepEqual(at('badSyntax'), ['body: body template, line 1, column 7: unknown variable "nope" (known: i, line, random_int LO HI, random LO HI, uuid, timestamp_ms, and json before any of them)']);
  assert.match(at('noBody')[0]!, /^bodyTemplate: needs a "body" or "bodyFile"/);
  assert.match(at('linesNoOptIn')[0]!, /^bodyLines: .*"bodyTemplate": true/);
  assert.match(at('seedAlone')[0]!, /^bodySeed: applies to a body template only/);
  assert.deepEqual(at('badTypes').map((m) => m.split(':')[0]), ['bodyTemplate', 'bodyLines', 'bodyLines']);
});
