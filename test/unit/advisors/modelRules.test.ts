import * as path from 'node:path';
import { ruleFixtureTests } from '../../support/advisorFixtures';

const FIX = path.join(__dirname, '../../fixtures/advisors');

ruleFixtureTests('LAT103', path.join(FIX, 'int8-quantization'));
ruleFixtureTests('LAT104', path.join(FIX, 'torch-compile'));
ruleFixtureTests('LAT105', path.join(FIX, 'attention-implementation'));
ruleFixtureTests('LAT105', path.join(FIX, 'attention-implementation/flash'), { options: { flashAttnAvailable: true } });
ruleFixtureTests('LAT109', path.join(FIX, 'model-parallelism'));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzeSource } from '../../../src/advisors/analyze';
import { applyFixes, type Finding } from '../../../src/advisors/findings';
import { ruleByCode } from '../../../src/advisors/registry';
import { findingsFor, syntaxErrorCount } from '../../support/advisorFixtures';
import { MODEL_RULES } from '../../../src/advisors/rules/modelRules';

const read = (rel: string): string => fs.readFileSync(path.join(FIX, rel), 'utf8');
const line = (f: Finding): number => f.range.start.line + 1;

test('model rules: registered with their codes, ids, kinds and severities', () => {
  const want = [
    ['LAT103', 'int8-quantization', 'optimization', 'information'],
    ['LAT104', 'torch-compile', 'optimization', 'hint'],
    ['LAT105', 'attention-implementation', 'optimization', 'information'],
    ['LAT109', 'model-parallelism', 'optimization', 'hint'],
  ];
  assert.deepEqual(
    MODEL_RULES.map((r) => [r.code, r.id, r.kind, r.defaultSeverity]),
    want,
  );
  for (const [code] of want) {
    const r = ruleByCode(code!);
    assert.ok(r?.checkPython, `${code} has a Python check in the registry`);
    assert.ok(fs.existsSync(path.join(__dirname, '../../../docs/rules', `${code}.md`)), `${code} has a docs page`);
  }
});

test('LAT103: message, range, related location, unsafe fix', async () => {
  const src = read('int8-quantization/bert-cpu.in.py');
  const [f, ...rest] = await findingsFor('LAT103', src, 'x.py');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'information');
  assert.equal(line(f!), 10);
  assert.match(f!.message, /^model \(AutoModelForSequenceClassification\) runs on the CPU/);
  assert.match(f!.message, /1\.13× .* 2 threads .* 0\.95× .* 16, so measure yours/);
  assert.match(f!.message, /verify accuracy/);
  assert.deepEqual(f!.related.map((r) => [r.range.start.line + 1, r.message]), [[18, 'model is used for inference here']]);
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
});

test('LAT103: severity follows settings', async () => {
  const src = read('int8-quantization/bert-cpu.in.py');
  const [f] = await findingsFor('LAT103', src, 'x.py', { rules: { LAT103: 'warning' } });
  assert.equal(f!.severity, 'warning');
});

test('LAT104: GPU model gets reduce-overhead, generate users get forward compiled, CPU models the default mode', async () => {
  const [gen] = await findingsFor('LAT104', read('torch-compile/generate.in.py'), 'x.py');
  assert.equal(gen!.severity, 'hint');
  assert.match(gen!.message, /p50 0\.86 vs 1\.00 ms .* 2\.6 s compile .* measure yours/);
  assert.match(gen!.message, /\.generate\(\), which bypasses a compiled wrapper/);
  assert.deepEqual(gen!.related.map((r) => r.range.start.line + 1), [15]);
  assert.equal(gen!.fixes[0]!.safety, 'unsafe');
  assert.match(gen!.fixes[0]!.edits[0]!.newText, /^model\.forward = torch\.compile\(model\.forward, mode="reduce-overhead"\)/);
  const [cpu] = await findingsFor('LAT104', read('torch-compile/cpu-no-torch-import.in.py'), 'x.py');
  assert.match(cpu!.message, /CUDA graphs do not apply/);
  assert.equal(cpu!.fixes[0]!.edits[0]!.newText, 'ner = torch.compile(ner)\n');
  assert.deepEqual(cpu!.fixes[0]!.imports.map((i) => i.statement), ['import torch']);
});

test('LAT104: weights loaded after the first use leave no safe place for the fix', async () => {
  const [f] = await findingsFor('LAT104', read('torch-compile/late-state-dict.hint.py'), 'x.py');
  assert.ok(f);
  assert.deepEqual(f.fixes, []);
});

test('LAT105: flash_attention_2 first only with flash-attn available and a 16-bit dtype', async () => {
  const flash = { options: { flashAttnAvailable: true } };
  const titles = (fs: Finding[]): string[] => fs.flatMap((f) => f.fixes.map((x) => x.title));
  const bf16 = await findingsFor('LAT105', read('attention-implementation/flash/bf16.in.py'), 'x.py', flash);
  assert.deepEqual(titles(bf16), ['Set attn_implementation="flash_attention_2"', 'Set attn_implementation="sdpa"']);
  assert.match(bf16[0]!.message, /1\.83 ms vs 33\.4 ms .* measure yours/);
  assert.match(bf16[0]!.message, /flash-attn is installed; it needs float16 \/ bfloat16/);
  const fp32 = await findingsFor('LAT105', read('attention-implementation/flash/fp32.in.py'), 'x.py', flash);
  assert.deepEqual(titles(fp32), ['Set attn_implementation="sdpa"', 'Set attn_implementation="flash_attention_2"']);
  assert.match(fp32[0]!.message, /needs torch_dtype=torch\.float16 or torch\.bfloat16/);
  const cpuOnly = 'import torch\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained("x", torch_dtype=torch.float16)\n';
  assert.deepEqual(titles(await findingsFor('LAT105', cpuOnly, 'x.py', flash)), ['Set attn_implementation="sdpa"']);
  const off = await findingsFor('LAT105', read('attention-implementation/flash/bf16.in.py'), 'x.py');
  assert.deepEqual(titles(off), ['Set attn_implementation="sdpa"']);
  assert.equal(off[0]!.severity, 'information');
  assert.equal(line(off[0]!), 4);
  assert.equal(off[0]!.range.end.line + 1, 4, 'a multi-line call is marked on its callee');
});

test('LAT109: range on the model id, size and precision in the message, fix only without placement', async () => {
  const [f] = await findingsFor('LAT109', read('model-parallelism/no-device-map.in.py'), 'x.py');
  assert.equal(f!.severity, 'hint');
  assert.equal(f!.range.start.line + 1, 5);
  assert.equal(read('model-parallelism/no-device-map.in.py').split('\n')[4]!.slice(f!.range.start.character, f!.range.end.character), '"meta-llama/Llama-3.1-70B-Instruct"');
  assert.match(f!.message, /about 70B parameters \(≈140 GB of 16-bit weights\)/);
  assert.match(f!.message, /tensor_parallel_size/);
  assert.match(f!.message, /measure yours/);
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
  for (const hint of ['single-gpu-device-map', 'moved-to-cuda', 'dict-single-device']) {
    const [h] = await findingsFor('LAT109', read(`model-parallelism/${hint}.hint.py`), 'x.py');
    assert.ok(h, hint);
    assert.deepEqual(h.fixes, [], `${hint}: no automatic fix`);
    assert.equal(h.related.length, 1, `${hint}: points at the placement`);
  }
});

test('model rules together: all preferred fixes on one file apply cleanly and settle', async () => {
  const src = [
    'import torch',
    'from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification',
    '',
    'big = AutoModelForCausalLM.from_pretrained(',
    '    "meta-llama/Llama-3.1-70B-Instruct",',
    '    torch_dtype=torch.bfloat16',
    ')',
    'clf = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")',
    'clf.eval()',
    '',
    'def serve(x):',
    '    return big.generate(x), clf(x)',
    '',
  ].join('\n');
  const on = { rules: { LAT103: 'default', LAT104: 'default', LAT105: 'default', LAT109: 'default' } } as const;
  const all = async (s: string): Promise<Finding[]> => {
    const { findings, failures } = await analyzeSource(s, 'python', on);
    assert.deepEqual(failures, []);
    return findings.filter((f) => ['LAT103', 'LAT104', 'LAT105', 'LAT109'].includes(f.code));
  };
  const first = await all(src);
  // No GPU anywhere in the file: clf (float32) is a CPU INT8 candidate, and compile uses the default mode.
  assert.deepEqual(first.map((f) => f.code).sort(), ['LAT103', 'LAT104', 'LAT104', 'LAT105', 'LAT105', 'LAT109']);
  const fixed = applyFixes(src, first.flatMap((f) => f.fixes.slice(0, 1)));
  assert.equal((await syntaxErrorCount(fixed, 'x.py')), 0);
  assert.equal(
    fixed,
    [
      'import torch',
      'from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification',
      '',
      'big = AutoModelForCausalLM.from_pretrained(',
      '    "meta-llama/Llama-3.1-70B-Instruct",',
      '    torch_dtype=torch.bfloat16,',
      '    attn_implementation="sdpa",',
      '    device_map="auto",',
      ')',
      'big.forward = torch.compile(big.forward)',
      'clf = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", attn_implementation="sdpa")',
      'clf.eval()',
      'clf = torch.quantization.quantize_dynamic(clf, {torch.nn.Linear}, dtype=torch.qint8)',
      'clf = torch.compile(clf)',
      '',
      'def serve(x):',
      '    return big.generate(x), clf(x)',
      '',
    ].join('\n'),
  );
  assert.deepEqual(await all(fixed), []);
});
