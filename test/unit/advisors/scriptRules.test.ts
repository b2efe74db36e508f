import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeSource } from '../../../src/advisors/analyze';
import { applyFixes } from '../../../src/advisors/findings';
import { RULES } from '../../../src/advisors/registry';
import { SCRIPT_RULES } from '../../../src/advisors/rules/scriptRules';
import { applyPreferred, findingsFor, ruleFixtureTests, syntaxErrorCount } from '../../support/advisorFixtures';

const FIX = path.join(__dirname, '../../fixtures/advisors');

ruleFixtureTests('LAT001', path.join(FIX, 'script-wrong-clock'));
ruleFixtureTests('LAT002', path.join(FIX, 'script-cold-start'));
ruleFixtureTests('LAT003', path.join(FIX, 'script-no-warmup'));
ruleFixtureTests('LAT004', path.join(FIX, 'script-small-samples'));
ruleFixtureTests('LAT108', path.join(FIX, 'script-session-options'));

const pos = (line: number, character: number) => ({ line, character });

test('script rules: ids, titles, kinds and severities; merged with the Python side by code', () => {
  const want: Record<string, [string, string, string]> = {
    LAT001: ['wrong-clock', 'pitfall', 'warning'],
    LAT002: ['cold-start', 'pitfall', 'warning'],
    LAT003: ['no-warmup', 'pitfall', 'warning'],
    LAT004: ['small-samples', 'pitfall', 'warning'],
    LAT108: ['ort-session-options', 'optimization', 'information'],
  };
  assert.deepEqual(SCRIPT_RULES.map((r) => r.code).sort(), Object.keys(want));
  for (const r of SCRIPT_RULES) {
    assert.deepEqual([r.id, r.kind, r.defaultSeverity], want[r.code]);
    assert.ok(r.checkScript && !r.checkPython, `${r.code} is JS/TS only`);
    assert.ok(RULES.find((x) => x.code === r.code)?.checkScript, `${r.code} registered`);
  }
  assert.equal(SCRIPT_RULES.find((r) => r.code === 'LAT001')!.title, 'Wall clock used to measure elapsed time');
});

test('LAT001: ranges, related locations, one safe fix per interval', async () => {
  const src = 'export function f(g: () => void): number {\n  const t0 = Date.now();\n  g();\n  return Date.now() - t0;\n}\n';
  const fs = await findingsFor('LAT001', src, 'x.ts');
  assert.equal(fs.length, 2);
  const [a, b] = fs;
  assert.deepEqual(a!.range, { start: pos(1, 13), end: pos(1, 23) });
  assert.deepEqual(b!.range, { start: pos(3, 9), end: pos(3, 19) });
  assert.equal(a!.severity, 'warning');
  assert.match(a!.message, /Date\.now\(\) is the wall clock.*performance\.now\(\)/);
  assert.deepEqual(a!.related.map((r) => r.message), ['elapsed time computed here', 'other clock reading of this interval']);
  assert.deepEqual(a!.related[0]!.range, { start: pos(3, 9), end: pos(3, 24) });
  assert.equal(a!.fixes[0]!.safety, 'safe');
  assert.equal(a!.fixes[0]!.edits.length, 2);
  // Either finding's fix rewrites the whole interval: the clocks are never mixed.
  assert.equal(applyFixes(src, b!.fixes), src.replace(/Date\.now\(\)/g, 'performance.now()'));
});

test('LAT001: no fix when the file binds `performance` to something else', async () => {
  const src = 'const performance = 1;\nconst t0 = Date.now();\nconsole.log(Date.now() - t0, performance);\n';
  const fs = await findingsFor('LAT001', src, 'x.js');
  assert.equal(fs.length, 2);
  for (const f of fs) assert.deepEqual(f.fixes, []);
});

test('LAT001: a timestamp also used for something else is not an interval clock', async () => {
  const src = 'const t0 = Date.now();\nconsole.log(new Date(t0));\nconsole.log(Date.now() - t0);\n';
  assert.deepEqual(await findingsFor('LAT001', src, 'x.js'), []);
});

test('LAT002: range, related handler registration, unsafe fix', async () => {
  const src = [
    "import * as ort from 'onnxruntime-node';",
    "import express from 'express';",
    'const app = express();',
    "app.get('/a', async (req, res) => {",
    "  const s = await ort.InferenceSession.create('m.onnx');",
    '  res.json(s.inputNames);',
    '});',
    '',
  ].join('\n');
  const [f, ...rest] = await findingsFor('LAT002', src, 'x.ts');
  assert.equal(rest.length, 0);
  assert.deepEqual(f!.range, { start: pos(4, 18), end: pos(4, 55) });
  assert.equal(f!.severity, 'warning');
  assert.match(f!.message, /request handler.*201 ms.*warm it up/);
  assert.deepEqual(f!.related, [{ range: { start: pos(3, 0), end: pos(3, 7) }, message: 'request handler registered here' }]);
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
});

test('LAT002: the same model in two handlers is hoisted once', async () => {
  const src = [
    "const ort = require('onnxruntime-node');",
    "const app = require('express')();",
    "app.get('/a', async (req, res) => res.json(await ort.InferenceSession.create('m.onnx')));",
    "app.post('/b', async (req, res) => res.json(await ort.InferenceSession.create('m.onnx')));",
    '',
  ].join('\n');
  const fs = await findingsFor('LAT002', src, 'x.js');
  assert.equal(fs.length, 2);
  const fixed = applyPreferred(src, fs);
  assert.equal((fixed.match(/const sessionPromise = /g) ?? []).length, 1);
  assert.equal((fixed.match(/await sessionPromise/g) ?? []).length, 2);
  assert.equal(await syntaxErrorCount(fixed, 'x.js'), 0);
});

test('LAT002: no fix when the arguments use request data', async () => {
  const src = "import * as ort from 'onnxruntime-node';\nimport http from 'node:http';\nhttp.createServer(async (req, res) => {\n  const s = await ort.InferenceSession.create(req.url!);\n  res.end();\n});\n";
  const fs = await findingsFor('LAT002', src, 'x.ts');
  assert.equal(fs.length, 1);
  assert.deepEqual(fs[0]!.fixes, []);
});

test('LAT003: range on the loop header, related timed call and readings; no fix when the call uses loop locals', async () => {
  const src = [
    'export async function b(session: { run(x: unknown): Promise<unknown> }, xs: unknown[]) {',
    '  for (const x of xs) {',
    '    const t0 = performance.now();',
    '    await session.run(x);',
    '    console.log(performance.now() - t0);',
    '  }',
    '}',
    '',
  ].join('\n');
  const [f, ...rest] = await findingsFor('LAT003', src, 'x.ts');
  assert.equal(rest.length, 0);
  assert.deepEqual(f!.range, { start: pos(1, 2), end: pos(1, 21) });
  assert.deepEqual(f!.related.map((r) => r.message), ['timed call, first executed inside the timing loop', 'clock read here', 'clock read here']);
  assert.deepEqual(f!.related[0]!.range, { start: pos(3, 10), end: pos(3, 24) });
  assert.deepEqual(f!.fixes, []);
});

test('LAT004: the minSamples option sets the threshold and the fix target', async () => {
  const src = [
    "const ort = require('onnxruntime-node');",
    'async function b(s) {',
    '  await s.run({});',
    '  for (let i = 0; i < 100; i++) {',
    '    const t0 = performance.now();',
    '    await s.run({});',
    '    console.log(performance.now() - t0);',
    '  }',
    '}',
    '',
  ].join('\n');
  assert.deepEqual(await findingsFor('LAT004', src, 'x.js', { options: { minSamples: 100 } }), []);
  const fs = await findingsFor('LAT004', src, 'x.js', { options: { minSamples: 250 } });
  assert.equal(fs.length, 1);
  assert.deepEqual(fs[0]!.range, { start: pos(3, 22), end: pos(3, 25) });
  assert.match(fs[0]!.message, /only 100 samples \(fewer than 250\)/);
  assert.equal(fs[0]!.fixes[0]!.safety, 'unsafe');
  assert.match(applyPreferred(src, fs), /i < 250;/);
});

test('LAT108: information, unsafe fix; in a handler LAT002 hoists first, then LAT108 fixes the hoisted call', async () => {
  const src = "import * as ort from 'onnxruntime-node';\nimport express from 'express';\nconst app = express();\napp.post('/p', async (req, res) => {\n  const session = await ort.InferenceSession.create('m.onnx');\n  res.json(await session.run(req.body));\n});\n";
  const [opt] = await findingsFor('LAT108', src, 'x.ts');
  assert.equal(opt!.severity, 'information');
  assert.match(opt!.message, /CV of 10–200%.*intraOpNumThreads: 1.*measure yours/);
  assert.deepEqual(opt!.fixes, []);
  const hoisted = applyPreferred(src, await findingsFor('LAT002', src, 'x.ts'));
  const again = await findingsFor('LAT108', hoisted, 'x.ts');
  assert.equal(again.length, 1);
  assert.equal(again[0]!.fixes[0]!.safety, 'unsafe');
  assert.match(applyPreferred(hoisted, again), /create\('m\.onnx', \{ graphOptimizationLevel: 'all', intraOpNumThreads: 1, executionMode: 'sequential' \}\);/);
});

test('all five rules on one benchmark script: fixes do not overlap and the result reparses', async () => {
  const src = [
    "import * as ort from 'onnxruntime-node';",
    '',
    'async function main() {',
    "  const session = await ort.InferenceSession.create('model.onnx');",
    '  const feeds = {};',
    '  const times = [];',
    '  for (let i = 0; i < 100; i++) {',
    '    const t0 = Date.now();',
    '    await session.run(feeds);',
    '    times.push(Date.now() - t0);',
    '  }',
    '  console.log(times);',
    '}',
    'main();',
    '',
  ].join('\n');
  const { findings, failures } = await analyzeSource(src, 'typescript');
  assert.deepEqual(failures, []);
  const codes = new Set(findings.map((f) => f.code));
  for (const c of ['LAT001', 'LAT003', 'LAT004', 'LAT108']) assert.ok(codes.has(c), `${c} found`);
  const fixed = applyPreferred(src, findings.filter((f) => SCRIPT_RULES.some((r) => r.code === f.code)));
  assert.equal(await syntaxErrorCount(fixed, 'x.ts'), 0);
  assert.match(fixed, /for \(let i = 0; i < 10; i\+\+\) \{\n {4}await session\.run\(feeds\);\n {2}\}\n {2}for \(let i = 0; i < 1000; i\+\+\)/);
  assert.match(fixed, /const t0 = performance\.now\(\);/);
});
