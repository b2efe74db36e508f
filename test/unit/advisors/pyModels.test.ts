import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFixes, detectEol } from '../../../src/advisors/findings';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import {
  addKeywordArgument,
  afterLoadStatement,
  deviceKind,
  findModelLoads,
  isTransformersModelClass,
  modelFacts,
  modelIdOf,
  parameterBillions,
  runsOnCpu,
  stringValue,
  type ModelLoad,
} from '../../../src/advisors/pyModels';
import { analyzePythonImports } from '../../../src/advisors/pythonImports';
import { DEFAULT_RULE_OPTIONS, type PythonRuleContext } from '../../../src/advisors/rule';
import { createNodeIndex, PYTHON_IDENTIFIERS } from '../../../src/advisors/textIndex';

test.before(() => loadParser('python'));

function withCtx<T>(source: string, fn: (ctx: PythonRuleContext) => T): T {
  const tree = parseSync(source, 'python');
  try {
    const root = tree.rootNode;
    const ctx: PythonRuleContext = {
      language: 'python',
      source,
      root,
      eol: detectEol(source),
      options: DEFAULT_RULE_OPTIONS,
      index: createNodeIndex(root, source, PYTHON_IDENTIFIERS),
      imports: analyzePythonImports(root),
    };
    return fn(ctx);
  } finally {
    tree.delete();
  }
}

const summary = (l: ModelLoad): string => `${l.source}:${l.className}:${l.binding?.text ?? '-'}`;

test('finds transformers, torch.load, torchvision and nn.Module loads through aliases', () => {
  const src = [
    'import torch as T',
    'import torchvision',
    'import torchvision.models as tvm',
    'from torchvision.models import vit_b_16',
    'from torch import nn, load as tload',
    'from transformers import AutoModelForCausalLM as LM, AutoTokenizer',
    'import transformers',
    '',
    'class Base(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.a = nn.Linear(2, 2)',
    '        self.b = T.nn.Linear(2, 2)',
    'class Child(Base):',
    '    pass',
    'class NotModule:',
    '    pass',
    '',
    'tok = AutoTokenizer.from_pretrained("gpt2")',
    'lm = LM.from_pretrained("gpt2").to("cuda").eval()',
    'bert = transformers.BertModel.from_pretrained("bert-base-uncased")',
    'tf = transformers.TFBertModel.from_pretrained("bert-base-uncased")',
    'r = torchvision.models.resnet18()',
    'w = tvm.ResNet18_Weights.DEFAULT',
    'v = vit_b_16()',
    'full = tload("m.pt")',
    'state = T.load("s.pt")',
    'c = Child()',
    'n = NotModule()',
    'def f():',
    '    return Base()',
  ].join('\n');
  withCtx(src, (ctx) => {
    const loads = findModelLoads(ctx);
    assert.deepEqual(loads.map(summary), [
      'transformers:AutoModelForCausalLM:lm',
      'transformers:BertModel:bert',
      'torchvision:resnet18:r',
      'torchvision:vit_b_16:v',
      'torch.load:load:full',
      'torch.load:load:state',
      'module-class:Child:c',
      'module-class:Base:-',
    ]);
    const lm = loads[0]!;
    assert.deepEqual(lm.chain.map((c) => c.name), ['to', 'eval']);
    assert.equal(lm.linearHeavy, true);
    assert.equal(loads.find((l) => l.className === 'resnet18')!.linearHeavy, false);
    assert.equal(loads.find((l) => l.className === 'vit_b_16')!.linearHeavy, true);
    assert.equal(loads.find((l) => l.className === 'Child')!.linearHeavy, true, 'Child inherits the Linear layers of Base');
    assert.equal(findModelLoads(ctx), loads, 'cached per analysis');
  });
});

test('linear count: a Linear in a comprehension counts as several layers; one Linear is not Linear-heavy', () => {
  const src = [
    'import torch',
    'class A(torch.nn.Module):',
    '    def __init__(self):',
    '        self.layers = torch.nn.ModuleList([torch.nn.Linear(8, 8) for _ in range(4)])',
    'class B(torch.nn.Module):',
    '    def __init__(self):',
    '        self.fc = torch.nn.Linear(8, 8)',
    'a = A()',
    'b = B()',
  ].join('\n');
  withCtx(src, (ctx) => {
    assert.deepEqual(
      findModelLoads(ctx).map((l) => [l.className, l.linearHeavy]),
      [
        ['A', true],
        ['B', false],
      ],
    );
  });
});

test('model class names', () => {
  for (const n of ['AutoModel', 'AutoModelForCausalLM', 'BertModel', 'GPT2LMHeadModel', 'T5ForConditionalGeneration', 'LlamaForCausalLM']) {
    assert.equal(isTransformersModelClass(n), true, n);
  }
  for (const n of ['AutoTokenizer', 'LlamaTokenizerFast', 'AutoConfig', 'GenerationConfig', 'AutoProcessor', 'AutoFeatureExtractor', 'TFAutoModel', 'FlaxBertModel', 'pipeline']) {
    assert.equal(isTransformersModelClass(n), false, n);
  }
});

test('facts: uses, inference, devices, dtype, compile, quantization, exports, training', () => {
  const src = [
    'import torch',
    'from transformers import AutoModel',
    'm = AutoModel.from_pretrained("x", device_map="auto", torch_dtype=torch.float16)',
    'm.to(torch.bfloat16)',
    'y = m(**batch)',
    'm.forward = torch.compile(m.forward)',
    'torch.onnx.export(m, (x,), "m.onnx")',
    'opt = torch.optim.AdamW(m.parameters())',
  ].join('\n');
  withCtx(src, (ctx) => {
    const f = modelFacts(ctx, findModelLoads(ctx)[0]!);
    assert.equal(f.uses.length, 6);
    assert.equal(f.inference?.text, 'm(**batch)');
    assert.deepEqual(f.devices.map((d) => d.kind), ['gpu']);
    assert.equal(f.half, true);
    assert.equal(f.compiled, true);
    assert.equal(f.exported, true);
    assert.equal(f.training, true);
    assert.equal(f.quantized, false);
    assert.equal(f.rebound, false);
  });
});

test('facts: self.attr bindings are followed through the class; other objects are not', () => {
  const src = [
    'from transformers import AutoModelForCausalLM',
    'class S:',
    '    def __init__(self):',
    '        self.lm = AutoModelForCausalLM.from_pretrained("gpt2")',
    '        self.lm = self.lm.to("cpu").eval()',
    '    def run(self, other):',
    '        other.lm(1)',
    '        return self.lm.generate(max_new_tokens=4)',
  ].join('\n');
  withCtx(src, (ctx) => {
    const load = findModelLoads(ctx)[0]!;
    assert.equal(load.binding?.text, 'self.lm');
    const f = modelFacts(ctx, load);
    assert.equal(f.generate, true);
    assert.equal(f.rebound, false, 'self.lm = self.lm.to(...).eval() is the same model');
    assert.deepEqual(f.devices.map((d) => d.kind), ['cpu']);
    assert.equal(runsOnCpu(ctx, load).cpu, true);
  });
});

test('facts: parameters and locals of the same name in other functions are other variables', () => {
  const src = [
    'from transformers import AutoModel',
    'model = AutoModel.from_pretrained("x")',
    'def a(model):',
    '    return model(1)',
    'def b():',
    '    model = other()',
    '    return model(1)',
    'def c():',
    '    global model',
    '    model = model.eval()',
    '    return model(2)',
  ].join('\n');
  withCtx(src, (ctx) => {
    const f = modelFacts(ctx, findModelLoads(ctx)[0]!);
    assert.equal(f.inference?.text, 'model(2)');
  });
});

test('facts: rebinding to another object', () => {
  withCtx('from transformers import AutoModel\nm = AutoModel.from_pretrained("x")\nm = wrap(m)\nm(1)\n', (ctx) => {
    assert.equal(modelFacts(ctx, findModelLoads(ctx)[0]!).rebound, true);
  });
});

test('runsOnCpu: unknown placement or a GPU mentioned in the file is not the CPU', () => {
  const cases: [string, boolean][] = [
    ['from transformers import AutoModel\nm = AutoModel.from_pretrained("x")\n', true],
    ['from transformers import AutoModel\nm = AutoModel.from_pretrained("x")\n# runs on cuda elsewhere\n', false],
    ['from transformers import AutoModel\nm = AutoModel.from_pretrained("x").to(dev)\n', false],
    ['from transformers import AutoModel\nm = AutoModel.from_pretrained("x", device_map="cpu")\nimport torch\ntorch.cuda.is_available()\n', true],
    ['import torch\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained("x").to(torch.device("cpu"))\nx = "cuda"\n', true],
    ['import os\nos.environ["CUDA_VISIBLE_DEVICES"] = ""\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained("x")\n', true],
    ['import os\n# os.environ["CUDA_VISIBLE_DEVICES"] = ""\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained("x")\n', false],
    ['import os\nos.environ["CUDA_VISIBLE_DEVICES"] = ""\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained("x").to(dev)\n', false],
    ['from transformers import AutoModel\nm = AutoModel.from_pretrained("x", **opts)\n', false],
  ];
  for (const [src, cpu] of cases) withCtx(src, (ctx) => assert.equal(runsOnCpu(ctx, findModelLoads(ctx)[0]!).cpu, cpu, src));
});

test('deviceKind and stringValue', () => {
  withCtx('import torch\nf("cpu", "cuda:1", 0, torch.device("cpu"), dev, f"cuda:{i}", None, b"cpu")\n', (ctx) => {
    const args = ctx.root.namedChild(1)!.namedChild(0)!.childForFieldName('arguments')!;
    const kinds = args.namedChildren.map((a) => deviceKind(ctx, a!));
    assert.deepEqual(kinds, ['cpu', 'gpu', 'gpu', 'cpu', 'unknown', 'unknown', 'cpu', 'cpu']);
    assert.equal(stringValue(args.namedChild(5)), undefined, 'f-strings have no static value');
  });
});

test('parameterBillions', () => {
  const cases: [string, number | undefined][] = [
    ['meta-llama/Llama-3.1-70B-Instruct', 70],
    ['meta-llama/Llama-2-70b-hf', 70],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 56],
    ['mistralai/Mixtral-8x22B-v0.1', 176],
    ['meta-llama/Llama-3.1-405B', 405],
    ['codellama/CodeLlama-34b-Instruct-hf', 34],
    ['Qwen/Qwen2.5-1.5B', 1.5],
    ['Qwen/Qwen2.5-72B-Instruct', 72],
    ['Qwen/Qwen3-30B-A3B', 30],
    ['Qwen/Qwen1.5-MoE-A2.7B', undefined],
    ['bert-base-uncased', undefined],
    ['microsoft/phi-2', undefined],
    ['google/gemma-2-27b-it', 27],
  ];
  for (const [id, want] of cases) assert.equal(parameterBillions(id), want, id);
});

test('modelIdOf: literal, keyword, or a module constant assigned once', () => {
  const src = [
    'from transformers import AutoModel',
    'ID = "org/a-70b"',
    'TWICE = "org/b-70b"',
    'TWICE = "org/b-7b"',
    'a = AutoModel.from_pretrained("org/lit-13b")',
    'b = AutoModel.from_pretrained(pretrained_model_name_or_path="org/kw-8b")',
    'c = AutoModel.from_pretrained(ID)',
    'd = AutoModel.from_pretrained(TWICE)',
    'e = AutoModel.from_pretrained(f"org/{x}")',
  ].join('\n');
  withCtx(src, (ctx) => {
    assert.deepEqual(
      findModelLoads(ctx).map((l) => modelIdOf(ctx, l)?.id),
      ['org/lit-13b', 'org/kw-8b', 'org/a-70b', undefined, undefined],
    );
  });
});

function addArg(src: string, kw = 'k=1'): string {
  return withCtx(src, (ctx) => {
    const load = findModelLoads(ctx)[0]!;
    const edits = addKeywordArgument(ctx, load.args!, kw);
    assert.ok(edits);
    return applyFixes(src, [{ title: 't', safety: 'unsafe', edits, imports: [] }]);
  });
}

test('addKeywordArgument keeps the argument list layout', () => {
  const pre = 'from transformers import AutoModel\n';
  const cases: [string, string][] = [
    ['m = AutoModel.from_pretrained()\n', 'm = AutoModel.from_pretrained(k=1)\n'],
    ['m = AutoModel.from_pretrained("x")\n', 'm = AutoModel.from_pretrained("x", k=1)\n'],
    ['m = AutoModel.from_pretrained("x", a=2,)\n', 'm = AutoModel.from_pretrained("x", a=2, k=1,)\n'],
    ['m = AutoModel.from_pretrained(\n    "x",\n    a=2,\n)\n', 'm = AutoModel.from_pretrained(\n    "x",\n    a=2,\n    k=1,\n)\n'],
    ['m = AutoModel.from_pretrained(\n    "x",\n    a=2  # c\n)\n', 'm = AutoModel.from_pretrained(\n    "x",\n    a=2,  # c\n    k=1,\n)\n'],
    ['m = AutoModel.from_pretrained(\n    "x",\n    a=2)\n', 'm = AutoModel.from_pretrained(\n    "x",\n    a=2,\n    k=1)\n'],
  ];
  for (const [src, want] of cases) assert.equal(addArg(pre + src), pre + want, JSON.stringify(src));
  const crlf = 'from transformers import AutoModel\r\nm = AutoModel.from_pretrained(\r\n\t"x",\r\n)\r\n';
  assert.equal(addArg(crlf), 'from transformers import AutoModel\r\nm = AutoModel.from_pretrained(\r\n\t"x",\r\n\tk=1,\r\n)\r\n');
});

test('two keyword insertions into one multi-line list stay valid', () => {
  const src = 'from transformers import AutoModel\nm = AutoModel.from_pretrained(\n    "x",\n    a=2\n)\n';
  const out = withCtx(src, (ctx) => {
    const args = findModelLoads(ctx)[0]!.args!;
    const fix = (kw: string) => ({ title: kw, safety: 'unsafe' as const, edits: addKeywordArgument(ctx, args, kw)!, imports: [] });
    return applyFixes(src, [fix('k=1'), fix('j=2')]);
  });
  assert.equal(out, 'from transformers import AutoModel\nm = AutoModel.from_pretrained(\n    "x",\n    a=2,\n    k=1,\n    j=2,\n)\n');
});

test('afterLoadStatement: skips eval / to / load_state_dict lines; no place after a later load_state_dict or on a shared line', () => {
  const a = 'import torch\nfrom torchvision.models import vit_b_16\nm = vit_b_16()  # c\n\n# weights\nm.load_state_dict(torch.load("w"))\nm = m.to("cuda")\nm.eval()\nm(1)\n';
  withCtx(a, (ctx) => {
    const p = afterLoadStatement(ctx, findModelLoads(ctx).find((l) => l.source === 'torchvision')!);
    assert.equal(p?.after.text, 'm.eval()');
    assert.equal(p?.indent, '');
  });
  const b = 'import torch\nfrom torchvision.models import vit_b_16\nm = vit_b_16()\nm(1)\nm.load_state_dict(torch.load("w"))\n';
  withCtx(b, (ctx) => assert.equal(afterLoadStatement(ctx, findModelLoads(ctx).find((l) => l.source === 'torchvision')!), undefined));
  const c = 'from torchvision.models import vit_b_16\nif True: m = vit_b_16()\n';
  withCtx(c, (ctx) => assert.equal(afterLoadStatement(ctx, findModelLoads(ctx)[0]!), undefined));
});
