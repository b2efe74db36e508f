import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import { analyzePythonImports } from '../../../src/advisors/pythonImports';
import { DEFAULT_RULE_OPTIONS, type PythonRuleContext } from '../../../src/advisors/rule';
import { createNodeIndex } from '../../../src/advisors/textIndex';
import { detectEol } from '../../../src/advisors/findings';
import {
  creationsIn,
  isBindingIdentifier,
  isLocalName,
  modelUsesIn,
  servingModels,
  servingModule,
  torchModuleClasses,
} from '../../../src/advisors/pyServing';

function withCtx<T>(source: string, fn: (ctx: PythonRuleContext) => T): T {
  const tree = parseSync(source, 'python');
  try {
    const root = tree.rootNode;
    const ctx: PythonRuleContext = {
      language: 'python',
      source,
      root,
      index: createNodeIndex(root, source),
      imports: analyzePythonImports(root),
      eol: detectEol(source),
      options: DEFAULT_RULE_OPTIONS,
    };
    return fn(ctx);
  } finally {
    tree.delete();
  }
}

const handlerNames = (src: string): string[] => withCtx(src, (ctx) => servingModule(ctx).handlers.map((h) => `${h.framework}:${h.name}:${h.label}:${h.isAsync ? 'async' : 'sync'}`));

test.before(() => loadParser('python'));

test('FastAPI app and router decorators, through aliases', () => {
  const src = [
    'import fastapi as fa',
    'from fastapi import APIRouter as R',
    'app = fa.FastAPI()',
    'router = R(prefix="/v1")',
    '@app.get("/a")',
    'async def a(): ...',
    '@router.post("/b")',
    'def b(): ...',
    '@app.api_route("/c", methods=["GET", "POST"])',
    'async def c(): ...',
    '@app.websocket("/ws")',
    'async def ws(sock): ...',
    '@app.middleware("http")',
    'async def mw(request, call_next): ...',
    '# @app.get("/commented")',
    'def commented(): ...',
    's = "@app.post(\'/in-a-string\')"',
    '',
  ].join('\n');
  assert.deepEqual(handlerNames(src), ['fastapi:a:GET /a:async', 'fastapi:b:POST /b:sync', 'fastapi:c:/c:async', 'fastapi:ws:websocket /ws:async']);
});

test('Flask app, blueprint, add_url_rule, add_api_route; Quart and Sanic', () => {
  const src = [
    'from flask import Flask, Blueprint',
    'import quart',
    'from sanic import Sanic',
    'from fastapi import FastAPI',
    'app = Flask(__name__)',
    'bp = Blueprint("api", __name__)',
    'qa = quart.Quart(__name__)',
    'sa = Sanic("svc")',
    'fa = FastAPI()',
    '@app.route("/x", methods=["POST"])',
    'def x(): ...',
    '@bp.get("/y")',
    'def y(): ...',
    'def z(): ...',
    'app.add_url_rule("/z", "z", view_func=z)',
    '@qa.post("/q")',
    'async def q(): ...',
    'async def s(request): ...',
    'sa.add_route(s, "/s")',
    'async def f(): ...',
    'fa.add_api_route("/f", f, methods=["GET"])',
    '',
  ].join('\n');
  assert.deepEqual(handlerNames(src), ['flask:x:/x:sync', 'flask:y:GET /y:sync', 'flask:z:/z:sync', 'quart:q:POST /q:async', 'sanic:s::async', 'fastapi:f:/f:async']);
});

test('Starlette routes and Triton execute; startup places', () => {
  const src = [
    'from contextlib import asynccontextmanager',
    'from starlette.applications import Starlette',
    'from starlette.routing import Route',
    'from fastapi import FastAPI',
    'async def home(request): ...',
    'routes = [Route("/", home)]',
    'star = Starlette(routes=routes)',
    '@asynccontextmanager',
    'async def lifespan(app):',
    '    yield',
    'app = FastAPI(lifespan=lifespan)',
    '@app.on_event("startup")',
    'def warm(): ...',
    '@app.on_event("shutdown")',
    'def bye(): ...',
    'class TritonPythonModel:',
    '    def initialize(self, args): ...',
    '    def execute(self, requests): ...',
    '',
  ].join('\n');
  assert.deepEqual(handlerNames(src), ['starlette:home:/:async', 'triton:execute:TritonPythonModel.execute:sync']);
  withCtx(src, (ctx) => {
    const s = servingModule(ctx);
    assert.deepEqual(
      s.startup.map((x) => `${x.kind}:${x.fn.childForFieldName('name')?.text}`),
      ['lifespan:lifespan', 'on_event:warm', 'triton-initialize:initialize'],
    );
    assert.equal(s.apps.find((a) => a.name === 'app')?.lifespan?.childForFieldName('name')?.text, 'lifespan');
  });
});

test('near misses: a look-alike router class, an app made in a factory, a shadowed constructor', () => {
  const src = [
    'from fastapi import FastAPI',
    'class Router:',
    '    def get(self, p):',
    '        return lambda f: f',
    'router = Router()',
    '@router.get("/not-a-route")',
    'def nope(): ...',
    'def create_app():',
    '    app = FastAPI()',
    '    @app.get("/inner")',
    '    def inner(): ...',
    '    return app',
    'def other():',
    '    FastAPI = dict',
    '    svc = FastAPI()',
    '    @svc.get("/x")',
    '    def x(): ...',
    '',
  ].join('\n');
  assert.deepEqual(handlerNames(src), ['fastapi:inner:GET /inner:sync']);
});

test('binding identifiers and handler locals', () => {
  const src = [
    'import os.path as osp',
    'def f(a, b=1, *c, d: int = 2, **e):',
    '    g, (h, *i) = 1, (2, 3)',
    '    for j in []: pass',
    '    with open(a) as k: pass',
    '    if (l := 3): pass',
    '    m += 1',
    '    x.attr = n',
    '    return MODEL(a)',
    '',
  ].join('\n');
  withCtx(src, (ctx) => {
    const fn = ctx.root.namedChildren[1]!;
    for (const n of ['a', 'b', 'c', 'd', 'e', 'g', 'h', 'i', 'j', 'k', 'l', 'm']) assert.equal(isLocalName(ctx, fn, n), true, n);
    for (const n of ['x', 'n', 'MODEL', 'attr']) assert.equal(isLocalName(ctx, fn, n), false, n);
    assert.equal(isBindingIdentifier(ctx.index.named('osp')[0]!), true);
    assert.equal(isBindingIdentifier(ctx.index.named('os')[0]!), false); // `import os.path as osp` binds only osp
  });
});

test('creations resolve through imports; look-alikes do not count', () => {
  const src = [
    'import torch as T',
    'import onnxruntime as ort',
    'from transformers import AutoModel, AutoTokenizer, TFAutoModel, pipeline as hf_pipeline',
    'from sentence_transformers import SentenceTransformer',
    'import joblib, pickle',
    'a = AutoModel.from_pretrained("m")',
    'b = AutoTokenizer.from_pretrained("m")',
    'c = TFAutoModel.from_pretrained("m")',
    'd = hf_pipeline("ner")',
    'e = ort.InferenceSession("m.onnx")',
    'f = T.load("m.pt")',
    'g = T.jit.load("m.ts")',
    'h = SentenceTransformer("m")',
    'i = joblib.load("m.pkl")',
    'j = pickle.load(open("m.pkl", "rb"))',
    'k = MyModel.from_pretrained("m")',
    'l = json.load(fh)',
    '',
  ].join('\n');
  withCtx(src, (ctx) => {
    const got = creationsIn(ctx, 0, src.length).map((c) => `${c.kind}${c.torchModule ? '+torch' : ''}`);
    assert.deepEqual(got, ['hf+torch', 'hf-aux', 'hf', 'pipeline', 'ort', 'torch-load+torch', 'torch-jit+torch', 'sentence-transformers', 'joblib']);
  });
});

test('models: module level, Triton self attributes, in-file nn.Module subclasses (also indirect)', () => {
  const src = [
    'import torch',
    'from torch import nn',
    'class Base(nn.Module): ...',
    'class Net(Base): ...',
    'class Other: ...',
    'net = Net().to("cuda")',
    'other = Other()',
    'def helper():',
    '    local = torch.load("x.pt")',
    'class TritonPythonModel:',
    '    def initialize(self, args):',
    '        self.model = torch.load("m.pt")',
    '    def execute(self, requests):',
    '        return [self.model(r) for r in requests] + [net.forward(1)]',
    '',
  ].join('\n');
  withCtx(src, (ctx) => {
    assert.deepEqual([...torchModuleClasses(ctx).keys()].sort(), ['Base', 'Net']);
    const models = servingModels(ctx);
    assert.deepEqual(
      models.map((m) => `${m.key}:${m.creation.kind}:${m.chain.map((c) => c.name).join('.')}`),
      ['net:nn-module:to', 'self.model:torch-load:'],
    );
    const h = servingModule(ctx).handlers[0]!;
    const uses = modelUsesIn(ctx, h, new Set(['forward']));
    assert.deepEqual(
      uses.map((u) => `${u.model.key}:${u.method}`),
      ['self.model:', 'net:forward'],
    );
  });
});

test('a local alias of a module model is followed; a local shadowing it is not', () => {
  const src = [
    'import torch',
    'from fastapi import FastAPI',
    'app = FastAPI()',
    'MODEL = torch.load("m.pt")',
    '@app.get("/a")',
    'def a(x):',
    '    m = MODEL',
    '    return m(x)',
    '@app.get("/b")',
    'def b(x, MODEL=None):',
    '    return MODEL(x)',
    '',
  ].join('\n');
  withCtx(src, (ctx) => {
    const [a, b] = servingModule(ctx).handlers;
    assert.equal(modelUsesIn(ctx, a!, new Set()).length, 1);
    assert.equal(modelUsesIn(ctx, b!, new Set()).length, 0);
  });
});
