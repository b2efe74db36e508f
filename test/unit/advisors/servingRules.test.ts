import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzePythonImports } from '../../../src/advisors/pythonImports';
import { DEFAULT_RULE_OPTIONS, type PythonRuleContext } from '../../../src/advisors/rule';
import { createNodeIndex } from '../../../src/advisors/textIndex';
import { applyFixes } from '../../../src/advisors/findings';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import { RULES } from '../../../src/advisors/registry';
import { SERVING_RULES } from '../../../src/advisors/rules/servingRules';
import { applyPreferred, findingsFor, ruleFixtureTests, syntaxErrorCount } from '../../support/advisorFixtures';
import { generateSource } from '../../../scripts/bench-advisors';

const FIX = path.join(__dirname, '../../fixtures/advisors');

test.before(() => loadParser('python'));

ruleFixtureTests('LAT002', path.join(FIX, 'cold-start'));
ruleFixtureTests('LAT006', path.join(FIX, 'training-mode'));
ruleFixtureTests('LAT101', path.join(FIX, 'batching'));

const lines = (...ls: string[]): string => ls.join('\n') + '\n';

test('serving rules: metadata, Python only, merged into the registry', () => {
  assert.deepEqual(
    SERVING_RULES.map((r) => [r.code, r.id, r.kind, r.defaultSeverity, !!r.checkPython, !!r.checkScript]),
    [
      ['LAT002', 'cold-start', 'pitfall', 'warning', true, false],
      ['LAT006', 'training-mode', 'pitfall', 'warning', true, false],
      ['LAT101', 'batching', 'optimization', 'information', true, false],
    ],
  );
  for (const r of SERVING_RULES) {
    const merged = RULES.find((x) => x.code === r.code);
    assert.ok(merged?.checkPython, `${r.code} registered`);
    assert.equal(merged.id, r.id);
  }
});

// --- LAT002 ---------------------------------------------------------------------------------

const COLD = lines(
  'from fastapi import FastAPI',
  'from transformers import AutoModel',
  'app = FastAPI()',
  'MODEL = "taken"',
  '@app.post("/embed")',
  'def embed(text: str):',
  '    model = AutoModel.from_pretrained("bert-base-uncased")',
  '    return model.config.hidden_size',
);

test('LAT002: range is the creation call, related is the handler, message names both and the measured cold start', async () => {
  const [f, ...rest] = await findingsFor('LAT002', COLD, 'x.py');
  assert.equal(rest.length, 0);
  assert.deepEqual(f!.range, { start: { line: 6, character: 12 }, end: { line: 6, character: 58 } });
  assert.equal(f!.severity, 'warning');
  assert.match(f!.message, /`embed` \(POST \/embed\)/);
  assert.match(f!.message, /model `model`/);
  assert.match(f!.message, /201 ms vs a 1\.0 ms steady p50/);
  assert.deepEqual(f!.related.map((r) => [r.range.start.line, r.message]), [[5, 'request handler']]);
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
  assert.match(f!.fixes[0]!.title, /hoisted only: no warm-up/);
});

test('LAT002: the module constant avoids names already taken', async () => {
  const fixed = applyPreferred(COLD, await findingsFor('LAT002', COLD, 'x.py'));
  assert.match(fixed, /^MODEL_2 = AutoModel\.from_pretrained\("bert-base-uncased"\)$/m);
  assert.match(fixed, /^ {4}model = MODEL_2$/m);
  assert.match(fixed, /^MODEL = "taken"$/m);
});

test('LAT002: one fix applied alone also works when two handlers share the load', async () => {
  const src = lines(
    'from fastapi import FastAPI',
    'from transformers import pipeline',
    'app = FastAPI()',
    '@app.get("/a")',
    'def a(t: str):',
    '    clf = pipeline("text-classification")',
    '    return clf(t)',
    '@app.get("/b")',
    'def b(t: str):',
    '    clf = pipeline("text-classification")',
    '    return clf(t)[0]',
  );
  const fs = await findingsFor('LAT002', src, 'x.py');
  assert.equal(fs.length, 2);
  const second = applyFixes(src, fs[1]!.fixes);
  assert.equal(await syntaxErrorCount(second, 'x.py'), 0);
  assert.equal((second.match(/^CLF = pipeline/gm) ?? []).length, 1);
  const both = applyPreferred(src, fs);
  assert.equal((both.match(/^CLF = pipeline/gm) ?? []).length, 1);
  assert.equal((both.match(/^CLF\("warm up"\)$/gm) ?? []).length, 1);
  assert.deepEqual(await findingsFor('LAT002', both, 'x.py'), []);
});

test('LAT002: a load that reads a handler local gets no fix; a load in a comment or string is nothing', async () => {
  const src = lines(
    'import torch',
    'from flask import Flask',
    'app = Flask(__name__)',
    '@app.route("/m/<name>")',
    'def m(name):',
    '    # model = torch.jit.load("x.pt")',
    '    doc = "torch.jit.load(\'y.pt\')"',
    '    path = f"/models/{name}.onnx"',
    '    import onnxruntime as ort',
    '    sess = ort.InferenceSession(path)',
    '    return doc',
  );
  const fs = await findingsFor('LAT002', src, 'x.py');
  assert.equal(fs.length, 1);
  assert.equal(fs[0]!.range.start.line, 9);
  assert.deepEqual(fs[0]!.fixes, []);
  assert.match(fs[0]!.message, /depends on the request/);
});

// --- LAT006 ---------------------------------------------------------------------------------

test('LAT006: two findings, eval at the load and autograd at the call; both fixes apply together', async () => {
  const src = lines(
    'import torch',
    'from fastapi import FastAPI',
    'app = FastAPI()',
    'model = torch.load("m.pt", weights_only=False)',
    '@app.post("/p")',
    'def p(x: float):',
    '    y = model(torch.tensor([x]))',
    '    return float(y)',
  );
  const fs = await findingsFor('LAT006', src, 'x.py');
  assert.deepEqual(
    fs.map((f) => [f.range.start.line, f.fixes[0]?.safety]),
    [
      [3, 'unsafe'],
      [6, 'safe'],
    ],
  );
  assert.match(fs[0]!.message, /`model` is never switched to eval mode/);
  assert.match(fs[0]!.message, /`p` \(POST \/p\)/);
  assert.deepEqual(fs[0]!.related.map((r) => r.range.start.line), [6]);
  assert.match(fs[1]!.message, /autograd on/);
  const fixed = applyPreferred(src, fs);
  assert.match(fixed, /^model\.eval\(\)$/m);
  assert.match(fixed, /^ {4}with torch\.inference_mode\(\):\n {8}y = model\(torch\.tensor\(\[x\]\)\)$/m);
  assert.deepEqual(await findingsFor('LAT006', fixed, 'x.py'), []);
});

test('LAT006: passing the model to unknown code, or disabling grad globally, silences each part', async () => {
  const base = [
    'import torch',
    'from fastapi import FastAPI',
    'app = FastAPI()',
    'model = torch.load("m.pt", weights_only=False)',
    '@app.post("/p")',
    'def p(x: float):',
    '    return model(x).tolist()',
  ];
  assert.equal((await findingsFor('LAT006', lines(...base), 'x.py')).length, 2);
  const passed = await findingsFor('LAT006', lines(...base, 'configure(model)'), 'x.py');
  assert.deepEqual(passed.map((f) => f.range.start.line), [6]);
  const global = await findingsFor('LAT006', lines(...base, 'torch.set_grad_enabled(False)'), 'x.py');
  assert.deepEqual(global.map((f) => f.range.start.line), [3]);
});

test('LAT006: in-place updates after the call get torch.no_grad instead of inference_mode', async () => {
  const src = lines(
    'import torch',
    'from fastapi import FastAPI',
    'from transformers import AutoModel',
    'app = FastAPI()',
    'enc = AutoModel.from_pretrained("bert-base-uncased")',
    '@app.post("/p")',
    'async def p(ids: list[int]):',
    '    h = enc(torch.tensor([ids])).last_hidden_state',
    '    h[h < 0] = 0',
    '    return h.mean().item()',
  );
  const fs = await findingsFor('LAT006', src, 'x.py');
  assert.equal(fs.length, 1); // from_pretrained is already in eval mode
  assert.match(fs[0]!.fixes[0]!.title, /torch\.no_grad/);
  assert.equal(fs[0]!.fixes[0]!.safety, 'safe');
});

// --- LAT101 ---------------------------------------------------------------------------------

test('LAT101: information, measured figures, "measure yours", fix title says it changes the call path', async () => {
  const src = lines(
    'from fastapi import FastAPI',
    'from transformers import pipeline',
    'app = FastAPI()',
    'clf = pipeline("text-classification")',
    '@app.get("/c")',
    'async def c(text: str):',
    '    out = clf(text)',
    '    return out[0]',
  );
  const [f] = await findingsFor('LAT101', src, 'x.py');
  assert.equal(f!.severity, 'information');
  assert.match(f!.message, /1,031 to 8,449 items\/s/);
  assert.match(f!.message, /0\.97 to 7\.6 ms/);
  assert.match(f!.message, /measure yours/);
  assert.match(f!.fixes[0]!.title, /changes the call path/);
  const fixed = applyPreferred(src, [f!]);
  assert.match(fixed, /^import asyncio$/m);
  assert.match(fixed, /^ {4}return \[\[result\] for result in clf\(items, batch_size=len\(items\)\)\]$/m);
  assert.match(fixed, /^ {4}out = await _C_BATCHER\.submit\(text\)$/m);
  // A second batchable handler reuses the class already inserted.
  const more = fixed + lines('@app.get("/d")', 'async def d(text: str):', '    res = clf(text)', '    return res');
  const again = applyPreferred(more, await findingsFor('LAT101', more, 'x.py'));
  assert.equal((again.match(/^class MicroBatcher/gm) ?? []).length, 1);
  assert.match(again, /^_D_BATCHER = MicroBatcher\(_d_batch, max_wait_ms=5\.0\)$/m);
});

test('LAT101: severity setting applies; off turns it off', async () => {
  const src = lines('from fastapi import FastAPI', 'import joblib', 'app = FastAPI()', 'm = joblib.load("m.pkl")', '@app.post("/p")', 'def p(x: float):', '    return m.predict([[x]])[0]');
  const [f] = await findingsFor('LAT101', src, 'x.py', { rules: { LAT101: 'warning' } });
  assert.equal(f!.severity, 'warning');
  assert.deepEqual(f!.fixes, []);
  assert.match(f!.message, /synchronous/);
});

// --- Large input (timing is measured by npm run bench:advisors, not asserted here) --------

test('serving rules find nothing on the 10,000-line benchmark module, which has no handlers', () => {
  const source = generateSource(10_000);
  const tree = parseSync(source, 'python');
  try {
    const root = tree.rootNode;
    const ctx: PythonRuleContext = { language: 'python', source, root, imports: analyzePythonImports(root), index: createNodeIndex(root, source), eol: '\n', options: DEFAULT_RULE_OPTIONS };
    for (const r of SERVING_RULES) assert.deepEqual(r.checkPython!(ctx), []);
  } finally {
    tree.delete();
  }
});
