/**
 * Model-serving structure of one Python module, for the serving rules (LAT002, LAT006, LAT101).
 * Pure: no `vscode`.
 *
 * Finds, from the text index (never by walking the tree):
 * - apps / routers / blueprints: `NAME = C(...)` where `C` resolves through the imports to a
 *   FastAPI / Starlette / Flask / Quart / Sanic constructor (`fastapi.FastAPI`, `fastapi.APIRouter`,
 *   `flask.Flask`, `flask.Blueprint`, ...);
 * - request handlers: functions decorated with `@NAME.get/post/put/patch/delete/head/options/
 *   api_route/route/websocket(...)` in the scope that created `NAME`; functions registered with
 *   `NAME.add_api_route(path, fn)`, `NAME.add_url_rule(..., view_func=fn)`, `NAME.add_route(...)`;
 *   endpoints of Starlette `Route(path, fn)`; and `execute` of a class named `TritonPythonModel`;
 * - startup places: the function passed as `lifespan=` to the app constructor, functions
 *   decorated with `@NAME.on_event("startup")`, and Triton `initialize`;
 * - models: names bound at module level (and `self.x` in a Triton model) to a model / tokenizer /
 *   pipeline / session creation (`*.from_pretrained`, `transformers.pipeline`,
 *   `onnxruntime.InferenceSession`, `torch.load`, `torch.jit.load`, `SentenceTransformer`,
 *   `keras.models.load_model`, `joblib.load`) or to an instance of an `nn.Module` subclass defined
 *   in the file.
 * Limits: apps passed between modules, class-based views, routes added in loops, and models kept
 * on `app.state` are not followed.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { PythonRuleContext } from './rule';

export type Framework = 'fastapi' | 'starlette' | 'flask' | 'quart' | 'sanic' | 'triton';

export interface ServingApp {
  name: string;
  framework: Framework;
  role: 'app' | 'router' | 'blueprint';
  /** The constructor call. */
  call: Node;
  /** Innermost enclosing `def` of the assignment, null at module level. */
  scope: Node | null;
  /** The function passed as `lifespan=`, when found in the same scope. */
  lifespan: Node | undefined;
}

export interface Handler {
  /** The `function_definition`. */
  fn: Node;
  /** The statement holding it: its `decorated_definition`, or `fn`. */
  top: Node;
  name: string;
  framework: Framework;
  app: ServingApp | undefined;
  isAsync: boolean;
  /** The decorator, registration call or Triton class that makes it a handler. */
  registration: Node;
  /** `POST /predict`, `/predict`, `TritonPythonModel.execute`. */
  label: string;
  /** For Triton `execute`: the class. */
  tritonClass: Node | undefined;
}

export interface StartupHook {
  fn: Node;
  kind: 'lifespan' | 'on_event' | 'triton-initialize';
  app: ServingApp | undefined;
}

export type CreationKind = 'hf' | 'hf-aux' | 'pipeline' | 'ort' | 'torch-load' | 'torch-jit' | 'sentence-transformers' | 'keras' | 'joblib' | 'nn-module';

export interface Creation {
  call: Node;
  kind: CreationKind;
  /** Qualified callee (`transformers.AutoModel.from_pretrained`) or the class name for `nn-module`. */
  qualified: string;
  /** Whether the result is a torch `nn.Module`. */
  torchModule: boolean;
  /** For `nn-module`: the class definition. */
  cls?: Node;
}

export interface ServingModel {
  /** `model` (module level) or `self.model` (Triton). */
  key: string;
  creation: Creation;
  /** The assignment statement (`expression_statement`). */
  statement: Node;
  /** Assignment target node. */
  target: Node;
  /** Method names called on the creation before assignment (`torch.load(p).to(d).eval()` → to, eval). */
  chain: { name: string; call: Node }[];
  /** For `self.x`: the Triton class. */
  tritonClass: Node | undefined;
  /** For a model created inside a handler (a local): that handler's `def`. */
  scope?: Node;
}

export interface ServingModule {
  apps: ServingApp[];
  handlers: Handler[];
  startup: StartupHook[];
  tritonClasses: Node[];
}

const APP_CONSTRUCTORS: Record<string, [Framework, ServingApp['role']]> = {
  'fastapi.FastAPI': ['fastapi', 'app'],
  'fastapi.applications.FastAPI': ['fastapi', 'app'],
  'fastapi.APIRouter': ['fastapi', 'router'],
  'fastapi.routing.APIRouter': ['fastapi', 'router'],
  'starlette.applications.Starlette': ['starlette', 'app'],
  'starlette.routing.Router': ['starlette', 'router'],
  'flask.Flask': ['flask', 'app'],
  'flask.app.Flask': ['flask', 'app'],
  'flask.Blueprint': ['flask', 'blueprint'],
  'flask.blueprints.Blueprint': ['flask', 'blueprint'],
  'quart.Quart': ['quart', 'app'],
  'quart.Blueprint': ['quart', 'blueprint'],
  'sanic.Sanic': ['sanic', 'app'],
  'sanic.Blueprint': ['sanic', 'blueprint'],
  'sanic.blueprints.Blueprint': ['sanic', 'blueprint'],
};

const isAppConstructor = (q: string): boolean => !!APP_CONSTRUCTORS[q];
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'api_route', 'route', 'websocket']);
const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);
const REGISTRATIONS = new Set(['add_api_route', 'add_url_rule', 'add_route', 'add_api_websocket_route', 'add_websocket_route']);
const STARLETTE_ROUTES = new Set(['starlette.routing.Route', 'starlette.routing.WebSocketRoute', 'fastapi.routing.APIRoute']);

/** Children that are not null. */
export function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null);
}

export function field(n: Node | null | undefined, name: string): Node | null {
  return n ? n.childForFieldName(name) : null;
}

export const same = (a: Node | null | undefined, b: Node | null | undefined): boolean => !!a && !!b && a.id === b.id;

/** Innermost enclosing `def` (not `n` itself), or null at module level. */
export function enclosingDef(n: Node): Node | null {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'function_definition') return p;
  return null;
}

/** Whether a `def` / `lambda` / `class` lies strictly between `n` and `fn`. */
export function inNestedScope(n: Node, fn: Node): boolean {
  const stop = fn.id;
  for (let p = n.parent; p && p.id !== stop; p = p.parent) {
    const t = p.type;
    if (t === 'function_definition' || t === 'lambda' || t === 'class_definition') return true;
  }
  return false;
}

/** The statement (a direct child of a block or the module) containing `n`. */
export function statementOf(n: Node): Node {
  let cur = n;
  for (let p = cur.parent; p; p = cur.parent) {
    const t = p.type;
    if (t === 'block' || t === 'module') break;
    cur = p;
  }
  return cur;
}

/** The `decorated_definition` holding `fn`, or `fn`. */
export function topOf(fn: Node): Node {
  return fn.parent?.type === 'decorated_definition' ? fn.parent : fn;
}

export function isAsyncDef(fn: Node): boolean {
  return fn.child(0)?.type === 'async';
}

/** The call whose callee is `fnNode` (an identifier or attribute), if any. */
export function callOfCallee(fnNode: Node): Node | null {
  const p = fnNode.parent;
  return p && p.type === 'call' && same(field(p, 'function'), fnNode) ? p : null;
}

/** `id` when it is a bare name, or the attribute `x.id` when `id` is its attribute name. */
function exprOfName(id: Node): Node {
  const p = id.parent;
  return p && p.type === 'attribute' && same(field(p, 'attribute'), id) ? p : id;
}

export function positionalArgs(call: Node): Node[] {
  const args = field(call, 'arguments');
  if (!args) return [];
  const out: Node[] = [];
  for (const a of args.namedChildren) {
    if (!a) continue;
    const t = a.type;
    if (t !== 'keyword_argument' && t !== 'comment') out.push(a);
  }
  return out;
}

export function keywordArg(call: Node, name: string): Node | null {
  const args = field(call, 'arguments');
  if (!args) return null;
  for (const a of kids(args)) if (a.type === 'keyword_argument' && field(a, 'name')?.text === name) return field(a, 'value');
  return null;
}

export function parameterList(fn: Node): Node[] {
  const ps = field(fn, 'parameters');
  return ps ? kids(ps) : [];
}

/** Name of a parameter node, if simple. */
export function parameterName(p: Node): string | undefined {
  switch (p.type) {
    case 'identifier':
      return p.text;
    case 'default_parameter':
    case 'typed_default_parameter':
      return field(p, 'name')?.text;
    case 'typed_parameter': {
      const first = kids(p)[0];
      return first?.type === 'identifier' ? first.text : first ? parameterName(first) : undefined;
    }
    case 'list_splat_pattern':
    case 'dictionary_splat_pattern': {
      const id = kids(p)[0];
      return id?.type === 'identifier' ? id.text : undefined;
    }
    default:
      return undefined;
  }
}

const DESTRUCTURING = new Set([
  'pattern_list',
  'tuple_pattern',
  'list_pattern',
  'tuple',
  'list',
  'parenthesized_expression',
  'expression_list',
  'list_splat_pattern',
  'dictionary_splat_pattern',
  'list_splat',
  'as_pattern_target',
]);

/** Whether identifier `id` is a place that binds its name (target, parameter, import, def name...). */
export function isBindingIdentifier(id: Node): boolean {
  let cur = id;
  let p = id.parent;
  let t = p ? p.type : '';
  while (p && DESTRUCTURING.has(t)) {
    if (t === 'as_pattern_target') return true;
    cur = p;
    p = p.parent;
    t = p ? p.type : '';
  }
  if (!p) return false;
  switch (t) {
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause':
      return same(field(p, 'left'), cur);
    case 'named_expression':
    case 'function_definition':
    case 'class_definition':
    case 'default_parameter':
    case 'typed_default_parameter':
      return same(field(p, 'name'), cur);
    case 'aliased_import':
      return same(field(p, 'alias'), cur);
    case 'dotted_name': {
      const g = p.parent;
      if (!g) return false;
      if (g.type === 'import_statement') return same(kids(p)[0], cur);
      if (g.type === 'import_from_statement') return !same(field(g, 'module_name'), p);
      return false;
    }
    case 'typed_parameter':
      return same(kids(p)[0], cur);
    case 'parameters':
    case 'lambda_parameters':
    case 'global_statement':
    case 'nonlocal_statement':
      return true;
    default:
      return false;
  }
}

/**
 * `ctx.index.identifiers(names, start, end)`, asking the index only about the names the text of
 * [start, end) contains (a bounded text check first: most names are absent from a function body).
 * Every name gets an entry, in the order given.
 */
export function identifiersIn(ctx: PythonRuleContext, names: Iterable<string>, start: number, end: number): Map<string, Node[]> {
  const list = [...names];
  if (start <= 0 && end >= ctx.source.length) {
    // The whole file: the index's per-name cache (shared with every rule) answers.
    const all = new Map<string, Node[]>();
    for (const n of list) all.set(n, ctx.index.named(n));
    return all;
  }
  const text = ctx.source.slice(start, end);
  const present = list.filter((n) => text.includes(n));
  const found = present.length > 0 ? ctx.index.identifiers(present, start, end) : undefined;
  const out = new Map<string, Node[]>();
  for (const n of list) out.set(n, found?.get(n) ?? []);
  return out;
}

/**
 * Whether `name` is local to function `fn` (a parameter, or bound anywhere in its body; names
 * bound in nested scopes count too, erring towards "local"). `global`/`nonlocal` count as local.
 */
export function isLocalName(ctx: PythonRuleContext, fn: Node, name: string): boolean {
  let byFn = localNameCache.get(ctx.index);
  if (!byFn) localNameCache.set(ctx.index, (byFn = new Map()));
  let e = byFn.get(fn.id);
  if (!e) byFn.set(fn.id, (e = { params: undefined, answers: new Map() }));
  let hit = e.answers.get(name);
  if (hit === undefined) e.answers.set(name, (hit = computeIsLocalName(ctx, fn, name, e)));
  return hit;
}

const localNameCache = new WeakMap<object, Map<number, { params: Set<string | undefined> | undefined; body?: Node | null; answers: Map<string, boolean> }>>();

function computeIsLocalName(ctx: PythonRuleContext, fn: Node, name: string, e: { params: Set<string | undefined> | undefined; body?: Node | null }): boolean {
  e.params ??= new Set(parameterList(fn).map(parameterName));
  if (e.params.has(name)) return true;
  if (e.body === undefined) e.body = field(fn, 'body');
  const body = e.body;
  if (!body) return false;
  const ids = identifiersIn(ctx, [name], body.startIndex, body.endIndex).get(name) ?? [];
  return ids.some(isBindingIdentifier);
}

/** Identifiers read in `expr` (not attribute names, not keyword-argument names): a walk of one small expression. */
export function readNames(expr: Node): Node[] {
  const out: Node[] = [];
  // `n` of type `t`; `parent` is `n.parent` when known (undefined: ask), with its type.
  const walk = (n: Node, t: string, parent: Node | null | undefined, parentType: string, parentField: (name: string) => Node | null): void => {
    if (t === 'identifier') {
      let p = parent;
      let pt = parentType;
      let pf = parentField;
      if (p === undefined) {
        p = n.parent;
        pt = p ? p.type : '';
        const q = p;
        pf = (name) => field(q, name);
      }
      if (p && pt === 'attribute' && same(pf('attribute'), n)) return;
      if (p && pt === 'keyword_argument' && same(pf('name'), n)) return;
      out.push(n);
      return;
    }
    if (NAME_SCOPES.has(t)) {
      out.push(n); // scopes of their own: callers treat a non-identifier as "not simple"
      return;
    }
    const fields = new Map<string, Node | null>();
    const own = (name: string): Node | null => {
      let v = fields.get(name);
      if (v === undefined) fields.set(name, (v = field(n, name)));
      return v;
    };
    for (const c of n.namedChildren) if (c) walk(c, c.type, n, t, own);
  };
  walk(expr, expr.type, undefined, '', () => null);
  return out;
}

const NAME_SCOPES = new Set(['lambda', 'list_comprehension', 'generator_expression', 'dictionary_comprehension', 'set_comprehension']);

/** Text of the first string argument of a call (`"/predict"`), without quotes. */
function firstStringArg(call: Node | null): string | undefined {
  if (!call) return undefined;
  const args = field(call, 'arguments');
  if (!args) return undefined;
  for (const a of args.namedChildren) {
    if (!a) continue;
    const t = a.type;
    if (t === 'keyword_argument' || t === 'comment') continue;
    if (t !== 'string') return undefined;
    for (const c of a.namedChildren) if (c && c.type === 'string_content') return c.text;
    return '';
  }
  return undefined;
}

/** Every `def NAME` of the file with its innermost enclosing `def` (cached per analysis and name). */
const defsByName = new WeakMap<object, Map<string, { fn: Node; scope: Node | null }[]>>();

/** The `def NAME` in scope `scope` (null: module level), by name. */
function defNamed(ctx: PythonRuleContext, name: string, scope: Node | null): Node | undefined {
  let byName = defsByName.get(ctx.index);
  if (!byName) defsByName.set(ctx.index, (byName = new Map()));
  let defs = byName.get(name);
  if (!defs) {
    defs = [];
    for (const id of ctx.index.named(name)) {
      const p = id.parent;
      if (p && p.type === 'function_definition' && same(field(p, 'name'), id)) defs.push({ fn: p, scope: enclosingDef(p) });
    }
    byName.set(name, defs);
  }
  for (const d of defs) if ((scope === null && d.scope === null) || same(d.scope, scope)) return d.fn;
  return undefined;
}

/** A use `NAME.method` of an app's name that may make a handler or a startup hook. */
type AppNameUse =
  | { kind: 'decorator'; method: string; call: Node | null; deco: Node; fn: Node; scope: Node | null; path?: { value: string | undefined } }
  | {
      kind: 'registration';
      method: string;
      call: Node;
      path?: { value: string | undefined };
      arg: (name: string) => Node | null;
      positional: () => Node[];
    };

/** The uses of `name` as `@name.method(...)` on a function, or `name.<registration>(...)`, in source order. */
function appNameUses(ctx: PythonRuleContext, name: string): AppNameUse[] {
  const out: AppNameUse[] = [];
  for (const id of ctx.index.named(name)) {
    const attr = id.parent;
    if (!attr || attr.type !== 'attribute' || !same(field(attr, 'object'), id)) continue;
    const method = field(attr, 'attribute')?.text ?? '';
    const call = callOfCallee(attr);
    const deco = (call ?? attr).parent;
    if (deco && deco.type === 'decorator') {
      const dd = deco.parent;
      const fn = dd && dd.type === 'decorated_definition' ? field(dd, 'definition') : null;
      if (!fn || fn.type !== 'function_definition') continue;
      out.push({ kind: 'decorator', method, call, deco, fn, scope: enclosingDef(fn) });
      continue;
    }
    if (call && REGISTRATIONS.has(method)) {
      const args = new Map<string, Node | null>();
      let pos: Node[] | undefined;
      out.push({
        kind: 'registration',
        method,
        call,
        arg: (n) => {
          let v = args.get(n);
          if (v === undefined) args.set(n, (v = keywordArg(call, n)));
          return v;
        },
        positional: () => (pos ??= positionalArgs(call)),
      });
    }
  }
  return out;
}

const cache = new WeakMap<object, ServingModule>();

/** The serving structure of the module (computed once per analysis). */
export function servingModule(ctx: PythonRuleContext): ServingModule {
  let hit = cache.get(ctx.index);
  if (!hit) cache.set(ctx.index, (hit = findServing(ctx)));
  return hit;
}

function findServing(ctx: PythonRuleContext): ServingModule {
  const apps: ServingApp[] = [];
  const anchors = new Set(Object.keys(APP_CONSTRUCTORS).map((q) => q.slice(q.lastIndexOf('.') + 1)));
  for (const imp of ctx.imports.imports) if (imp.qualified && APP_CONSTRUCTORS[imp.qualified]) anchors.add(imp.local);
  const seenCalls = new Set<number>();
  for (const a of anchors) {
    for (const id of ctx.index.named(a)) {
      const callee = exprOfName(id);
      const call = callOfCallee(callee);
      if (!call || seenCalls.has(call.id)) continue;
      seenCalls.add(call.id);
      if (!mayResolveTo(ctx, callee.text, isAppConstructor)) continue;
      const q = ctx.imports.qualifiedName(call);
      const kind = q ? APP_CONSTRUCTORS[q] : undefined;
      if (!kind) continue;
      const asg = call.parent;
      if (!asg || asg.type !== 'assignment' || !same(field(asg, 'right'), call)) continue;
      const left = field(asg, 'left');
      if (!left || left.type !== 'identifier') continue;
      const scope = enclosingDef(asg);
      const app: ServingApp = { name: left.text, framework: kind[0], role: kind[1], call, scope, lifespan: undefined };
      const ls = keywordArg(call, 'lifespan');
      if (ls && ls.type === 'identifier') app.lifespan = defNamed(ctx, ls.text, scope);
      apps.push(app);
    }
  }
  apps.sort((x, y) => x.call.startIndex - y.call.startIndex);

  const handlers: Handler[] = [];
  const startup: StartupHook[] = [];
  const seenFns = new Set<number>();
  const addHandler = (fn: Node, framework: Framework, app: ServingApp | undefined, registration: Node, label: string, tritonClass?: Node): void => {
    if (seenFns.has(fn.id)) return;
    seenFns.add(fn.id);
    const name = field(fn, 'name')?.text ?? '?';
    handlers.push({ fn, top: topOf(fn), name, framework, app, isAsync: isAsyncDef(fn), registration, label, tritonClass });
  };
  // The uses `NAME.method` of an app's name are the same for every app of that name (files often
  // create many apps called `app`): read them from the tree once per name, then match per app.
  const usesByName = new Map<string, AppNameUse[]>();
  for (const app of apps) {
    if (app.lifespan) startup.push({ fn: app.lifespan, kind: 'lifespan', app });
    let uses = usesByName.get(app.name);
    if (!uses) usesByName.set(app.name, (uses = appNameUses(ctx, app.name)));
    for (const u of uses) {
      if (u.kind === 'decorator') {
        if (!((u.scope === null && app.scope === null) || same(u.scope, app.scope))) continue;
        if (ROUTE_METHODS.has(u.method)) {
          if (seenFns.has(u.fn.id)) continue;
          const path = (u.path ??= { value: firstStringArg(u.call) }).value;
          const label = HTTP_VERBS.has(u.method) ? `${u.method.toUpperCase()} ${path ?? ''}`.trim() : u.method === 'websocket' ? `websocket ${path ?? ''}`.trim() : (path ?? '');
          addHandler(u.fn, app.framework, app, u.deco, label);
        } else if (u.method === 'on_event' && (u.path ??= { value: firstStringArg(u.call) }).value === 'startup') {
          startup.push({ fn: u.fn, kind: 'on_event', app });
        }
        continue;
      }
      const call = u.call;
      const method = u.method;
      let target: Node | null | undefined;
      if (method === 'add_url_rule') target = u.arg('view_func') ?? u.positional()[2];
      else if (app.framework === 'sanic' && method === 'add_route') target = u.arg('handler') ?? u.positional()[0];
      else target = u.arg('endpoint') ?? u.arg('route') ?? u.positional()[1];
      if (!target || target.type !== 'identifier') continue;
      const fn = defNamed(ctx, target.text, app.scope);
      if (!fn) continue;
      if (seenFns.has(fn.id)) continue;
      const path = (u.path ??= { value: firstStringArg(call) }).value;
      addHandler(fn, app.framework, app, call, path ?? '');
    }
  }
  // Starlette `Route("/p", endpoint)`.
  for (const a of ['Route', 'WebSocketRoute', 'APIRoute']) {
    for (const id of ctx.index.named(a)) {
      const call = callOfCallee(exprOfName(id));
      if (!call) continue;
      const q = ctx.imports.qualifiedName(call);
      if (!q || !STARLETTE_ROUTES.has(q)) continue;
      const target = keywordArg(call, 'endpoint') ?? positionalArgs(call)[1];
      if (!target || target.type !== 'identifier') continue;
      const fn = defNamed(ctx, target.text, enclosingDef(call));
      if (fn) addHandler(fn, q.startsWith('fastapi') ? 'fastapi' : 'starlette', undefined, call, firstStringArg(call) ?? '');
    }
  }
  // Triton Python backend.
  const tritonClasses: Node[] = [];
  for (const id of ctx.index.named('TritonPythonModel')) {
    const cls = id.parent;
    if (!cls || cls.type !== 'class_definition' || !same(field(cls, 'name'), id)) continue;
    tritonClasses.push(cls);
    const execute = classMethod(cls, 'execute');
    if (execute) addHandler(execute, 'triton', undefined, cls, 'TritonPythonModel.execute', cls);
    const init = classMethod(cls, 'initialize');
    if (init) startup.push({ fn: init, kind: 'triton-initialize', app: undefined });
  }
  handlers.sort((x, y) => x.fn.startIndex - y.fn.startIndex);
  return { apps, handlers, startup, tritonClasses };
}

/** A method defined directly in a class body. */
export function classMethod(cls: Node, name: string): Node | undefined {
  const body = field(cls, 'body');
  if (!body) return undefined;
  for (const c of kids(body)) {
    const fn = c.type === 'decorated_definition' ? field(c, 'definition') : c;
    if (fn && fn.type === 'function_definition' && field(fn, 'name')?.text === name) return fn;
  }
  return undefined;
}

/** Whether `n` lies in a handler's own body (not in a nested def / lambda / class). */
export function handlerAt(ctx: PythonRuleContext, n: Node): Handler | undefined {
  for (const h of servingModule(ctx).handlers) {
    const body = field(h.fn, 'body');
    if (body && n.startIndex >= body.startIndex && n.endIndex <= body.endIndex && !inNestedScope(n, h.fn)) return h;
  }
  return undefined;
}

/** "`predict` (POST /predict)". */
export function describeHandler(h: Handler): string {
  if (h.framework === 'triton') return '`TritonPythonModel.execute`';
  return h.label ? `\`${h.name}\` (${h.label})` : `\`${h.name}\``;
}

// ---------------------------------------------------------------------------------------------
// Model creations

const DIRECT_CREATIONS: Record<string, CreationKind> = {
  'transformers.pipeline': 'pipeline',
  'transformers.pipelines.pipeline': 'pipeline',
  'onnxruntime.InferenceSession': 'ort',
  'torch.load': 'torch-load',
  'torch.jit.load': 'torch-jit',
  'sentence_transformers.SentenceTransformer': 'sentence-transformers',
  'sentence_transformers.CrossEncoder': 'sentence-transformers',
  'sentence_transformers.cross_encoder.CrossEncoder': 'sentence-transformers',
  'tensorflow.keras.models.load_model': 'keras',
  'keras.models.load_model': 'keras',
  'keras.saving.load_model': 'keras',
  'tf_keras.models.load_model': 'keras',
  'joblib.load': 'joblib',
};
const HF_PACKAGES = ['transformers.', 'diffusers.', 'sentence_transformers.', 'peft.'];
const TORCH_MODULE = new Set(['torch.nn.Module', 'torch.nn.modules.module.Module']);

/** What a call creates, if it is a model / tokenizer / pipeline / session creation. */
export function classifyCreation(ctx: PythonRuleContext, call: Node, callee?: Node): Creation | undefined {
  if (callee && !mayBeCreation(ctx, callee.text)) return undefined;
  const q = ctx.imports.qualifiedName(call);
  if (!q) return undefined;
  const direct = DIRECT_CREATIONS[q];
  if (direct) return { call, kind: direct, qualified: q, torchModule: direct === 'torch-load' || direct === 'torch-jit' };
  if (q.endsWith('.from_pretrained') && HF_PACKAGES.some((p) => q.startsWith(p))) {
    const parts = q.split('.');
    const cls = parts[parts.length - 2] ?? '';
    if (/Tokenizer|Processor|FeatureExtractor|Config$|GenerationConfig|Scheduler/.test(cls)) return { call, kind: 'hf-aux', qualified: q, torchModule: false };
    const torchModule = !/^(TF|Flax)/.test(cls) && !(q.startsWith('diffusers.') && /Pipeline/.test(cls)) && !q.startsWith('sentence_transformers.');
    return { call, kind: 'hf', qualified: q, torchModule };
  }
  return undefined;
}

const isCreationName = (q: string): boolean => !!DIRECT_CREATIONS[q] || (q.endsWith('.from_pretrained') && HF_PACKAGES.some((p) => q.startsWith(p)));
const DOTTED_CHAIN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const importLocals = new WeakMap<object, Map<string, string[]>>();

/**
 * Whether a callee written `text` may resolve to a creation: a plain dotted chain resolves only
 * through an import binding of its first name (as `qualifiedName` does), so when no import of
 * that name can spell a creation, it is none — without asking the tree.
 */
function mayBeCreation(ctx: PythonRuleContext, text: string): boolean {
  return mayResolveTo(ctx, text, isCreationName);
}

/**
 * Whether an expression written `text` may resolve (through the imports, as `qualifiedName`
 * does) to a name `wanted` accepts: false only when it certainly cannot (a plain dotted chain
 * whose first name no import binding makes into such a name).
 */
export function mayResolveTo(ctx: PythonRuleContext, text: string, wanted: (qualified: string) => boolean): boolean {
  if (!DOTTED_CHAIN.test(text)) return true;
  let locals = importLocals.get(ctx.index);
  if (!locals) {
    locals = new Map();
    for (const imp of ctx.imports.imports) {
      if (!imp.qualified) continue;
      const l = locals.get(imp.local);
      if (l) l.push(imp.qualified);
      else locals.set(imp.local, [imp.qualified]);
    }
    importLocals.set(ctx.index, locals);
  }
  const dot = text.indexOf('.');
  const qs = locals.get(dot < 0 ? text : text.slice(0, dot));
  if (!qs) return false;
  const rest = dot < 0 ? '' : text.slice(dot);
  return qs.some((q) => wanted(q + rest));
}

/** Names a creation call's callee may end in (plus local aliases from the imports). */
function creationAnchors(ctx: PythonRuleContext): string[] {
  const names = new Set(['from_pretrained']);
  for (const q of Object.keys(DIRECT_CREATIONS)) names.add(q.slice(q.lastIndexOf('.') + 1));
  for (const imp of ctx.imports.imports) if (imp.qualified && DIRECT_CREATIONS[imp.qualified]) names.add(imp.local);
  return [...names];
}

const creationCache = new WeakMap<object, { start: number; creation: Creation }[]>();

/** Every creation call in the file, with its start offset, in source order (computed once per analysis). */
function allCreations(ctx: PythonRuleContext): { start: number; creation: Creation }[] {
  let hit = creationCache.get(ctx.index);
  if (hit) return hit;
  hit = [];
  const seen = new Set<number>();
  for (const name of creationAnchors(ctx)) {
    for (const id of ctx.index.named(name)) {
      const callee = exprOfName(id);
      const call = callOfCallee(callee);
      if (!call || seen.has(call.id)) continue;
      seen.add(call.id);
      const c = classifyCreation(ctx, call, callee);
      if (c) hit.push({ start: call.startIndex, creation: c });
    }
  }
  hit.sort((a, b) => a.start - b.start);
  creationCache.set(ctx.index, hit);
  return hit;
}

/** Creation calls starting in [start, end), in source order. */
export function creationsIn(ctx: PythonRuleContext, start: number, end: number): Creation[] {
  const all = allCreations(ctx);
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  const out: Creation[] = [];
  for (let i = lo; i < all.length && all[i]!.start < end; i++) out.push(all[i]!.creation);
  return out;
}

const loopCache = new WeakMap<object, { start: number; end: number }[]>();

/** Spans of every `for` / `while` statement and comprehension in the file (computed once per analysis). */
export function loopSpans(ctx: PythonRuleContext): { start: number; end: number }[] {
  let hit = loopCache.get(ctx.index);
  if (hit) return hit;
  hit = [];
  const kinds: [string, string][] = [
    ['for', 'for_statement'],
    ['for', 'for_in_clause'],
    ['while', 'while_statement'],
  ];
  for (const [kw, type] of kinds) {
    for (const n of ctx.index.keywordNodes(kw, type)) {
      const loop = type === 'for_in_clause' && n.parent ? n.parent : n;
      hit.push({ start: loop.startIndex, end: loop.endIndex });
    }
  }
  hit.sort((a, b) => a.start - b.start);
  loopCache.set(ctx.index, hit);
  return hit;
}

/**
 * Spans of the `for` / `while` statements and comprehensions lying within [start, end), found
 * from the keywords in that range only (what {@link loopSpans} holds there, without the rest of
 * the file).
 */
export function loopSpansIn(ctx: PythonRuleContext, start: number, end: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const src = ctx.source;
  const kinds: [string, string][] = [
    ['for', 'for_statement'],
    ['for', 'for_in_clause'],
    ['while', 'while_statement'],
  ];
  const found = new Map<string, Node[]>();
  for (const [kw, type] of kinds) {
    let hits = found.get(kw);
    if (!hits) {
      hits = [];
      for (let p = src.indexOf(kw, start); p >= 0 && p < end; p = src.indexOf(kw, p + 1)) {
        if (isWordCode(src.charCodeAt(p + kw.length)) || (p > 0 && isWordCode(src.charCodeAt(p - 1)))) continue;
        const n = ctx.root.descendantForIndex(p, p + kw.length);
        if (n) hits.push(n);
      }
      found.set(kw, hits);
    }
    for (const first of hits) {
      const p = first.startIndex;
      let n: Node | null = first;
      let t = n.type;
      while (n && n.startIndex === p && t !== type) {
        n = n.parent;
        t = n ? n.type : '';
      }
      if (!n || t !== type || n.startIndex !== p) continue;
      const loop = type === 'for_in_clause' && n.parent ? n.parent : n;
      const l = { start: loop.startIndex, end: loop.endIndex };
      if (l.start >= start && l.end <= end) out.push(l);
    }
  }
  return out;
}

/** Classes in the file deriving (directly or through other classes of the file) from `torch.nn.Module`. */
export function torchModuleClasses(ctx: PythonRuleContext): Map<string, Node> {
  let hit = torchClassCache.get(ctx.index);
  if (!hit) torchClassCache.set(ctx.index, (hit = findTorchModuleClasses(ctx)));
  return hit;
}

const torchClassCache = new WeakMap<object, Map<string, Node>>();

function findTorchModuleClasses(ctx: PythonRuleContext): Map<string, Node> {
  const out = new Map<string, Node>();
  const classOfSuper = (n: Node): Node | null => {
    const args = n.parent;
    const cls = args?.parent;
    return args && args.type === 'argument_list' && cls && cls.type === 'class_definition' && same(field(cls, 'superclasses'), args) ? cls : null;
  };
  const anchors = new Set(['Module']);
  for (const imp of ctx.imports.imports) if (imp.qualified && TORCH_MODULE.has(imp.qualified)) anchors.add(imp.local);
  const queue: string[] = [];
  for (const a of anchors) {
    for (const id of ctx.index.named(a)) {
      const e = exprOfName(id);
      const cls = classOfSuper(e);
      if (!cls) continue;
      const q = ctx.imports.qualifiedName(e);
      const name = field(cls, 'name')?.text;
      if (q && TORCH_MODULE.has(q) && name && !out.has(name)) {
        out.set(name, cls);
        queue.push(name);
      }
    }
  }
  while (queue.length > 0 && out.size < 200) {
    const base = queue.shift()!;
    for (const id of ctx.index.named(base)) {
      const cls = id.parent && classOfSuper(id);
      const name = cls ? field(cls, 'name')?.text : undefined;
      if (cls && name && !out.has(name)) {
        out.set(name, cls);
        queue.push(name);
      }
    }
  }
  return out;
}

const modelCache = new WeakMap<object, ServingModel[]>();

/**
 * Models bound at module level (`model = ...`) or on `self` in a Triton model (`self.model = ...`),
 * each by its last creation in the file.
 */
export function servingModels(ctx: PythonRuleContext): ServingModel[] {
  let hit = modelCache.get(ctx.index);
  if (hit) return hit;
  const serving = servingModule(ctx);
  const creations = creationsIn(ctx, ctx.root.startIndex, ctx.root.endIndex);
  for (const [name, cls] of torchModuleClasses(ctx)) {
    for (const id of ctx.index.named(name)) {
      const call = callOfCallee(id);
      if (call) creations.push({ call, kind: 'nn-module', qualified: name, torchModule: true, cls });
    }
  }
  const byKey = new Map<string, ServingModel>();
  for (const creation of creations) {
    const { top, chain, parent: asg } = chainAndParent(creation.call);
    if (!asg || asg.type !== 'assignment' || !same(field(asg, 'right'), top)) continue;
    const left = field(asg, 'left');
    const statement = asg.parent;
    if (!left || !statement || statement.type !== 'expression_statement') continue;
    const leftType = left.type;
    if (leftType !== 'identifier' && leftType !== 'attribute') continue;
    const def = enclosingDef(statement); // the statement is no def: the same as from `asg`
    let key: string | undefined;
    let tritonClass: Node | undefined;
    if (leftType === 'identifier' && def === null) key = left.text;
    else if (leftType === 'attribute' && def) {
      const obj = field(left, 'object');
      const cls = def.parent?.parent;
      const self = parameterName(parameterList(def)[0] ?? def);
      if (obj?.type === 'identifier' && obj.text === self && cls && serving.tritonClasses.some((c) => same(c, cls))) {
        key = `self.${field(left, 'attribute')?.text ?? ''}`;
        tritonClass = cls;
      }
    }
    if (!key) continue;
    const prev = byKey.get(key);
    if (!prev || prev.statement.startIndex < statement.startIndex) byKey.set(key, { key, creation, statement, target: left, chain, tritonClass });
  }
  hit = [...byKey.values()].sort((a, b) => a.statement.startIndex - b.statement.startIndex);
  modelCache.set(ctx.index, hit);
  return hit;
}

/** The outermost `x.m(...)` chain built on `call` (`torch.load(p).to(d).eval()`), and its method calls. */
export function creationChain(call: Node): { top: Node; chain: ServingModel['chain'] } {
  const { top, chain } = chainAndParent(call);
  return { top, chain };
}

/** {@link creationChain}, with the chain's parent (`top.parent`, read on the way). */
function chainAndParent(call: Node): { top: Node; chain: ServingModel['chain']; parent: Node | null } {
  let top = call;
  const chain: ServingModel['chain'] = [];
  let attr: Node | null;
  for (;;) {
    attr = top.parent;
    if (!attr || attr.type !== 'attribute' || !same(field(attr, 'object'), top)) break;
    const next = callOfCallee(attr);
    if (!next) break;
    chain.push({ name: field(attr, 'attribute')?.text ?? '', call: next });
    top = next;
  }
  return { top, chain, parent: attr };
}

/** Models created inside a handler's own body and bound to a plain local name. */
export function handlerLocalModels(ctx: PythonRuleContext, h: Handler): ServingModel[] {
  const body = field(h.fn, 'body');
  if (!body) return [];
  const creations = creationsIn(ctx, body.startIndex, body.endIndex);
  const classes = torchModuleClasses(ctx);
  if (classes.size > 0) {
    for (const [name, ids] of identifiersIn(ctx, classes.keys(), body.startIndex, body.endIndex)) {
      for (const id of ids) {
        const call = callOfCallee(id);
        if (call) creations.push({ call, kind: 'nn-module', qualified: name, torchModule: true, cls: classes.get(name)! });
      }
    }
  }
  const out: ServingModel[] = [];
  for (const creation of creations) {
    // Cheap tests on the statement first, then the climb to the handler.
    const { top, chain, parent: asg } = chainAndParent(creation.call);
    if (!asg || asg.type !== 'assignment' || !same(field(asg, 'right'), top)) continue;
    const left = field(asg, 'left');
    const statement = asg.parent;
    if (!left || left.type !== 'identifier' || !statement || statement.type !== 'expression_statement') continue;
    if (inNestedScope(creation.call, h.fn)) continue;
    out.push({ key: left.text, creation, statement, target: left, chain, tritonClass: undefined, scope: h.fn });
  }
  return out;
}

export interface ModelUse {
  model: ServingModel;
  /** The call: `model(x)`, `model.forward(x)`, `session.run(...)`. */
  call: Node;
  /** '' for a direct call, else the method name. */
  method: string;
}

/**
 * Calls on known models in a handler's own body: `M(...)`, `M.method(...)` for module-level `M`
 * (also through a local `m = M`), and `self.m(...)` in a Triton `execute`.
 */
export function modelUsesIn(ctx: PythonRuleContext, h: Handler, methods: ReadonlySet<string>): ModelUse[] {
  let byFn = usesCache.get(ctx.index);
  if (!byFn) usesCache.set(ctx.index, (byFn = new Map()));
  let all = byFn.get(h.fn.id);
  if (!all) byFn.set(h.fn.id, (all = allModelUsesIn(ctx, h)));
  const out: ModelUse[] = [];
  for (const u of all) if (u.direct || methods.has(u.use.method)) out.push(u.use);
  return out;
}

const usesCache = new WeakMap<object, Map<number, { use: ModelUse; direct: boolean }[]>>();

/** Every model use of {@link modelUsesIn} with any method name, in source order (once per handler). */
function allModelUsesIn(ctx: PythonRuleContext, h: Handler): { use: ModelUse; direct: boolean }[] {
  const body = field(h.fn, 'body');
  if (!body) return [];
  const models = servingModels(ctx);
  const moduleModels = new Map(models.filter((m) => !m.key.startsWith('self.')).map((m) => [m.key, m]));
  const out: { use: ModelUse; direct: boolean }[] = [];
  const consider = (expr: Node, model: ServingModel): void => {
    if (inNestedScope(expr, h.fn)) return;
    const direct = callOfCallee(expr);
    if (direct) {
      out.push({ use: { model, call: direct, method: '' }, direct: true });
      return;
    }
    const attr = expr.parent;
    if (attr && attr.type === 'attribute' && same(field(attr, 'object'), expr)) {
      const name = field(attr, 'attribute')?.text ?? '';
      const call = callOfCallee(attr);
      if (call) out.push({ use: { model, call, method: name }, direct: false });
    }
  };
  if (moduleModels.size > 0) {
    const found = identifiersIn(ctx, moduleModels.keys(), body.startIndex, body.endIndex);
    const aliases = new Map<string, ServingModel>();
    for (const [name, ids] of found) {
      const model = moduleModels.get(name)!;
      if (isLocalName(ctx, h.fn, name)) {
        continue;
      }
      for (const id of ids) {
        const asg = id.parent;
        if (asg && asg.type === 'assignment' && same(field(asg, 'right'), id) && field(asg, 'left')?.type === 'identifier' && !inNestedScope(asg, h.fn)) {
          aliases.set(field(asg, 'left')!.text, model);
        }
        consider(id, model);
      }
    }
    // `m = MODEL` in the handler: `m(...)` uses MODEL (when `m` is bound only there).
    if (aliases.size > 0) {
      for (const [name, ids] of identifiersIn(ctx, aliases.keys(), body.startIndex, body.endIndex)) {
        if (ids.filter(isBindingIdentifier).length !== 1 || moduleModels.has(name)) continue;
        for (const id of ids) if (!isBindingIdentifier(id)) consider(id, aliases.get(name)!);
      }
    }
  }
  // Models created in the handler itself (`model = torch.load(...)` ... `model(x)`), when bound once.
  const locals = new Map<string, ServingModel>();
  for (const m of handlerLocalModels(ctx, h)) if (!moduleModels.has(m.key)) locals.set(m.key, m);
  if (locals.size > 0) {
    for (const [name, ids] of identifiersIn(ctx, locals.keys(), body.startIndex, body.endIndex)) {
      if (ids.filter(isBindingIdentifier).length !== 1) continue;
      for (const id of ids) if (!isBindingIdentifier(id) && id.startIndex > locals.get(name)!.statement.startIndex) consider(id, locals.get(name)!);
    }
  }
  if (h.tritonClass) {
    const self = parameterName(parameterList(h.fn)[0] ?? h.fn);
    const selfModels = models.filter((m) => m.tritonClass && same(m.tritonClass, h.tritonClass));
    const byAttr = new Map(selfModels.map((m) => [m.key.slice('self.'.length), m]));
    if (byAttr.size > 0 && self) {
      for (const [name, ids] of identifiersIn(ctx, byAttr.keys(), body.startIndex, body.endIndex)) {
        for (const id of ids) {
          const attr = id.parent;
          if (!attr || attr.type !== 'attribute' || !same(field(attr, 'attribute'), id) || field(attr, 'object')?.text !== self) continue;
          consider(attr, byAttr.get(name)!);
        }
      }
    }
  }
  return out.sort((a, b) => a.use.call.startIndex - b.use.call.startIndex);
}

// ---------------------------------------------------------------------------------------------
// Text helpers for fixes

/** Row where lines inserted "before `top`" go: above the comments directly attached to it. */
export function rowAbove(top: Node): number {
  let row = top.startPosition.row;
  for (let p = top.previousNamedSibling; p && p.type === 'comment' && p.endPosition.row === row - 1; p = p.previousNamedSibling) {
    row = p.startPosition.row;
  }
  return row;
}

/** Whether `n` is the first thing on its line (only indentation before it). */
export function startsLine(source: string, n: Node): boolean {
  const lineStart = source.lastIndexOf('\n', n.startIndex - 1) + 1;
  return /^[ \t]*$/.test(source.slice(lineStart, n.startIndex));
}

/** Whether statement `s` shares none of its lines with another statement. */
export function ownsLines(source: string, s: Node): boolean {
  if (!startsLine(source, s)) return false;
  const next = s.nextSibling;
  if (next && next.startPosition.row === s.endPosition.row && next.type !== 'comment') return false;
  const nl = source.indexOf('\n', s.endIndex);
  const rest = source.slice(s.endIndex, nl < 0 ? source.length : nl);
  return /^[ \t]*(#.*)?\r?$/.test(rest);
}

/** Lines of node text, continuation lines with `indent` removed where present. */
export function dedentedLines(text: string, indent: string): string[] {
  return text.split(/\r?\n/).map((l, i) => (i > 0 && indent && l.startsWith(indent) ? l.slice(indent.length) : l));
}

/** Whether `text` holds a string that may span lines (re-indenting would change it). */
export function hasMultilineString(text: string): boolean {
  return /"""|'''/.test(text) || /\\\r?\n/.test(text);
}

const isWordCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const wordCache = new WeakMap<object, Map<string, boolean>>();

/**
 * Whether `name` (an identifier-like word: a letter or `_`, then letters, digits, `_`) is one of
 * the source's words — the runs `/[A-Za-z_][A-Za-z0-9_]*\/g` matches, comments and strings
 * included — found with `indexOf` instead of listing every word of the file.
 */
function usesWord(ctx: PythonRuleContext, name: string): boolean {
  let memo = wordCache.get(ctx.index);
  if (!memo) wordCache.set(ctx.index, (memo = new Map()));
  let hit = memo.get(name);
  if (hit !== undefined) return hit;
  hit = false;
  const src = ctx.source;
  for (let p = WORD.test(name) ? src.indexOf(name) : -1; p >= 0; p = src.indexOf(name, p + 1)) {
    if (isWordCode(src.charCodeAt(p + name.length))) continue; // the run goes on
    // A run starts at p unless a letter or `_` of the run before it is glued to it (digits alone do not start one).
    let q = p - 1;
    while (q >= 0 && isDigitCode(src.charCodeAt(q))) q--;
    if (q >= 0 && isWordCode(src.charCodeAt(q))) continue;
    hit = true;
    break;
  }
  memo.set(name, hit);
  return hit;
}

/**
 * A name like `base` that appears nowhere in the file and is not in `taken` (`base`, `base_2`,
 * ...); adds it to `taken`.
 */
export function freeModuleName(ctx: PythonRuleContext, base: string, taken: Set<string> = new Set()): string {
  let next = nextSuffix.get(taken);
  if (!next) nextSuffix.set(taken, (next = new Map()));
  let i = next.get(base) ?? 2;
  let name = i > 2 ? `${base}_${i}` : base;
  for (; usesWord(ctx, name) || taken.has(name) || ctx.imports.moduleBinds(name); i++) name = `${base}_${i}`;
  next.set(base, i);
  taken.add(name);
  return name;
}

const nextSuffix = new WeakMap<Set<string>, Map<string, number>>();

/** The indentation of the line `n` starts on (cheap: from `n`'s offset, not its row). */
export function indentOf(source: string, n: Node): string {
  const start = source.lastIndexOf('\n', n.startIndex - 1) + 1;
  let end = start;
  while (end < source.length && (source[end] === ' ' || source[end] === '\t')) end++;
  return source.slice(start, end);
}
