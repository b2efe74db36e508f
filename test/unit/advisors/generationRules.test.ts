import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { applyFixes } from '../../../src/advisors/findings';
import { loadParser, parseSync, syntaxErrors } from '../../../src/advisors/parser';
import { removeArgumentEdit } from '../../../src/advisors/pyGeneration';
import { ruleByCode } from '../../../src/advisors/registry';
import { GENERATION_RULES } from '../../../src/advisors/rules/generationRules';
import { applyPreferred, findingsFor, ruleFixtureTests } from '../../support/advisorFixtures';

const FIXTURES = path.join(__dirname, '../../fixtures/advisors');

ruleFixtureTests('LAT102', path.join(FIXTURES, 'prompt-caching'));
ruleFixtureTests('LAT106', path.join(FIXTURES, 'speculative-decoding'));
ruleFixtureTests('LAT107', path.join(FIXTURES, 'kv-cache'));
ruleFixtureTests('LAT108', path.join(FIXTURES, 'ort-session-options'));

test.before(() => loadParser('python'));

test('generation rules: codes, ids, kinds, severities, Python only', () => {
  const got = GENERATION_RULES.map((r) => [r.code, r.id, r.kind, r.defaultSeverity, !!r.checkPython, !!r.checkScript]);
  assert.deepEqual(got, [
    ['LAT102', 'prompt-caching', 'optimization', 'information', true, false],
    ['LAT106', 'speculative-decoding', 'optimization', 'hint', true, false],
    ['LAT107', 'kv-cache', 'optimization', 'information', true, false],
    ['LAT108', 'ort-session-options', 'optimization', 'information', true, false],
  ]);
  for (const r of GENERATION_RULES) assert.ok(ruleByCode(r.code)?.checkPython, `${r.code} registered`);
});

// ---------------------------------------------------------------------------------------------
// LAT102

const PROMPT_APP = [
  'from fastapi import FastAPI',
  'from transformers import AutoTokenizer as AT',
  'SYSTEM_PROMPT = "You are terse."',
  'app = FastAPI()',
  'tok = AT.from_pretrained("gpt2")',
  '',
  '@app.post("/x")',
  'def handle(q: str):',
  '    return tok(SYSTEM_PROMPT + q, return_tensors="pt")',
  '',
].join('\n');

test('LAT102: range is the tokenizer call, related is the route decorator, message names the prefix and vLLM / SGLang', async () => {
  const [f, ...rest] = await findingsFor('LAT102', PROMPT_APP, 'x.py');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'information');
  assert.deepEqual(f!.range, { start: { line: 8, character: 11 }, end: { line: 8, character: 54 } });
  assert.match(f!.message, /SYSTEM_PROMPT/);
  assert.match(f!.message, /enable_prefix_caching=True/);
  assert.match(f!.message, /RadixAttention/);
  assert.match(f!.message, /measure/);
  assert.equal(f!.fixes.length, 0, 'tok(..., return_tensors="pt") is not split');
  assert.equal(f!.related[0]!.range.start.line, 6);
});

test('LAT102: the fix is unsafe and reuses an existing helper instead of adding a second one', async () => {
  const src = [
    'import functools',
    'from fastapi import FastAPI',
    'from transformers import AutoTokenizer',
    'SYSTEM_PROMPT = "You are terse."',
    'app = FastAPI()',
    'tokenizer = AutoTokenizer.from_pretrained("gpt2")',
    '',
    '@app.post("/a")',
    'def a(q: str):',
    '    return tokenizer.encode(SYSTEM_PROMPT + q)',
    '',
    '@app.post("/b")',
    'def b(q: str):',
    '    return tokenizer.encode(f"{SYSTEM_PROMPT}{q}")',
    '',
  ].join('\n');
  const findings = await findingsFor('LAT102', src, 'x.py');
  assert.equal(findings.length, 2);
  for (const f of findings) assert.equal(f.fixes[0]!.safety, 'unsafe');
  // Apply only the first fix, re-analyze, then the second: one helper in the end.
  const once = applyFixes(src, [findings[0]!.fixes[0]!]);
  const again = await findingsFor('LAT102', once, 'x.py');
  assert.equal(again.length, 1);
  const twice = applyFixes(once, [again[0]!.fixes[0]!]);
  assert.equal(twice.split('def _tokenize_prefix(').length - 1, 1);
  assert.match(twice, /return \[\*_tokenize_prefix\(SYSTEM_PROMPT\), \*tokenizer\.encode\(f"\{q\}", add_special_tokens=False\)\]/);
  assert.equal(applyPreferred(src, findings), twice, 'all at once gives the same result');
  const tree = parseSync(twice, 'python');
  assert.equal(syntaxErrors(tree).length, 0);
  tree.delete();
  assert.deepEqual(await findingsFor('LAT102', twice, 'x.py'), []);
});

test('LAT102: no fix when the helper name is taken by something else', async () => {
  const src = PROMPT_APP.replace('return tok(SYSTEM_PROMPT + q, return_tensors="pt")', 'return tok.encode(SYSTEM_PROMPT + q)') + '_tokenize_prefix_tok = None\n';
  const [f] = await findingsFor('LAT102', src, 'x.py');
  assert.ok(f);
  assert.equal(f.fixes.length, 0);
});

// ---------------------------------------------------------------------------------------------
// LAT106

test('LAT106: hint on the generate call, no fix, snippet and the model load as related', async () => {
  const src = [
    'from transformers import AutoModelForCausalLM',
    'model = AutoModelForCausalLM.from_pretrained("gpt2")',
    'def run(ids):',
    '    return model.generate(ids, max_new_tokens=20)',
    '',
  ].join('\n');
  const [f, ...rest] = await findingsFor('LAT106', src, 'x.py');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'hint');
  assert.deepEqual(f!.fixes, []);
  assert.deepEqual(f!.range, { start: { line: 3, character: 11 }, end: { line: 3, character: 49 } });
  assert.match(f!.message, /assistant_model=assistant/);
  assert.match(f!.message, /prompt_lookup_num_tokens=10/);
  assert.match(f!.message, /measure/);
  assert.equal(f!.related[0]!.range.start.line, 1);
});

test('LAT106: **kwargs that are not tokenizer output, and locally rebound models, are left alone', async () => {
  const src = [
    'from transformers import AutoModelForCausalLM',
    'model = AutoModelForCausalLM.from_pretrained("gpt2")',
    'def run(ids):',
    '    kw = dict(assistant_model=None)',
    '    return model.generate(ids, **kw)',
    'def other(ids):',
    '    model = load()',
    '    return model.generate(ids)',
    '',
  ].join('\n');
  assert.deepEqual(await findingsFor('LAT106', src, 'x.py'), []);
});

// ---------------------------------------------------------------------------------------------
// LAT107

test('LAT107: information on the keyword argument, unsafe fix, generate call related for from_pretrained', async () => {
  const src = [
    'from transformers import AutoModelForCausalLM',
    'model = AutoModelForCausalLM.from_pretrained("gpt2", use_cache=False)',
    'out = model.generate(max_new_tokens=5)',
    '',
  ].join('\n');
  const [f] = await findingsFor('LAT107', src, 'x.py');
  assert.ok(f);
  assert.equal(f.severity, 'information');
  assert.deepEqual(f.range, { start: { line: 1, character: 53 }, end: { line: 1, character: 68 } });
  assert.match(f.message, /quadratic/);
  assert.match(f.message, /vLLM, TGI/);
  assert.equal(f.fixes[0]!.safety, 'unsafe');
  assert.equal(f.related[0]!.range.start.line, 2);
  assert.equal(applyPreferred(src, [f]).split('\n')[1], 'model = AutoModelForCausalLM.from_pretrained("gpt2")');
});

test('LAT107: argument removal keeps commas and lines right', async () => {
  const cases: [string, string][] = [
    ['f(a, use_cache=False)', 'f(a)'],
    ['f(use_cache=False, a)', 'f(a)'],
    ['f(use_cache=False)', 'f()'],
    ['f(use_cache=False,)', 'f()'],
    ['f(a, use_cache=False,)', 'f(a,)'],
    ['f(a, use_cache=False, b=1)', 'f(a, b=1)'],
    ['f(\n    a,\n    use_cache=False,\n)', 'f(\n    a,\n)'],
    ['f(\n    a,\n    use_cache=False\n)', 'f(\n    a,\n)'],
    ['f(\n    a, use_cache=False,\n    b=2)', 'f(\n    a, b=2)'],
  ];
  for (const [input, want] of cases) {
    const tree = parseSync(input, 'python');
    try {
      const call = tree.rootNode.namedChild(0)!.namedChild(0)!;
      const kw = call.childForFieldName('arguments')!.namedChildren.find((c) => c?.type === 'keyword_argument' && c.text.startsWith('use_cache'))!;
      const edit = removeArgumentEdit(input, kw);
      assert.ok(edit, input);
      assert.equal(applyFixes(input, [{ title: '', safety: 'unsafe', edits: [edit], imports: [] }]), want, input);
    } finally {
      tree.delete();
    }
  }
});

// ---------------------------------------------------------------------------------------------
// LAT108

test('LAT108: range is the InferenceSession call; unsafe fix; message is honest about defaults and measuring', async () => {
  const src = 'import onnxruntime\n\nsess = onnxruntime.InferenceSession("m.onnx")\n';
  const [f, ...rest] = await findingsFor('LAT108', src, 'x.py');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'information');
  assert.deepEqual(f!.range, { start: { line: 2, character: 7 }, end: { line: 2, character: 45 } });
  assert.match(f!.message, /default ORT_ENABLE_ALL/);
  assert.match(f!.message, /intra_op_num_threads/);
  assert.match(f!.message, /p50 and p99/);
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
  const fixed = applyPreferred(src, [f!]);
  assert.match(fixed, /sess_options = onnxruntime\.SessionOptions\(\)\n/);
  assert.match(fixed, /onnxruntime\.InferenceSession\("m\.onnx", sess_options=sess_options\)/);
});

test('LAT108: no insertion when the call is not a statement of its own line (lambda, one-line def)', async () => {
  const src = [
    'import onnxruntime as ort',
    'make = lambda p: ort.InferenceSession(p)',
    'def load(p): return ort.InferenceSession(p)',
    '',
  ].join('\n');
  const findings = await findingsFor('LAT108', src, 'x.py');
  assert.equal(findings.length, 2);
  for (const f of findings) assert.deepEqual(f.fixes, []);
});

test('LAT108: options variable finding points at its creation', async () => {
  const src = 'import onnxruntime as ort\nso = ort.SessionOptions()\ns = ort.InferenceSession("m.onnx", so)\n';
  const [f] = await findingsFor('LAT108', src, 'x.py');
  assert.ok(f);
  assert.equal(f.related[0]!.range.start.line, 1);
  assert.match(f.message, /The SessionOptions so/);
});
