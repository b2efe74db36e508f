/**
 * LAT002 — a model / tokenizer / pipeline / session is created inside a request handler (Python).
 *
 * Flags, in the own body of a request handler found by `pyServing.ts` (FastAPI / Starlette /
 * Flask / Quart / Sanic routes, Triton `execute`), a call that resolves through the imports to
 * `<transformers|diffusers|sentence_transformers|peft class>.from_pretrained`,
 * `transformers.pipeline`, `onnxruntime.InferenceSession`, `torch.load`, `torch.jit.load`,
 * `sentence_transformers.SentenceTransformer` / `CrossEncoder`, `keras.models.load_model`
 * (also `tf.keras`) or `joblib.load`.
 * Not flagged: loads in nested functions, in startup code (lifespan, `on_event("startup")`,
 * `initialize`), at module level or in any other function (an `lru_cache`d loader the handler
 * calls); results stored into a global (`global M`), an attribute (`self.m`, `app.state.m`) or a
 * subscript (`CACHE[k] = ...`) — lazy caches; `torch.load` / `joblib.load` whose arguments read
 * handler locals (loading request data, not a model).
 *
 * Fix (unsafe: the load moves to import / startup time and one instance is shared by all
 * requests), offered when the load is a whole statement `name = <creation>` directly in the
 * handler body and its arguments read only module-level names and literals:
 * - Triton: `self.name = <creation>` at the end of `initialize` (created when missing), and
 *   `name = self.name` in `execute`;
 * - FastAPI with a `lifespan=` function that yields at its top level, and a handler taking the
 *   request: `app.state.name = <creation>` before the `yield`, and `name = request.app.state.name`;
 * - otherwise: `NAME = <creation>` at module level just above the handler, and `name = NAME`.
 * A warm-up call follows the load only when its input shape is clear (a text pipeline called
 * with one argument, a SentenceTransformer's `encode`); otherwise the fix only hoists and its
 * title says so.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type TextEdit } from '../findings';
import { indentUnit, insertLinesAfter, insertLinesBefore, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext } from '../rule';
import {
  classMethod,
  indentOf,
  type Creation,
  creationsIn,
  dedentedLines,
  describeHandler,
  field,
  freeModuleName,
  type Handler,
  hasMultilineString,
  isLocalName,
  keywordArg,
  kids,
  ownsLines,
  parameterList,
  parameterName,
  positionalArgs,
  readNames,
  rowAbove,
  same,
  servingModule,
  inNestedScope,
  identifiersIn,
} from '../pyServing';

export const COLD_START_CODE = 'LAT002';

const WHAT: Record<Creation['kind'], string> = {
  hf: 'model',
  'hf-aux': 'tokenizer / processor',
  pipeline: 'pipeline',
  ort: 'ONNX Runtime session',
  'torch-load': 'model',
  'torch-jit': 'TorchScript model',
  'sentence-transformers': 'model',
  keras: 'Keras model',
  joblib: 'model',
  'nn-module': 'model',
};

/** Text tasks a one-string warm-up call is valid for. */
const TEXT_TASKS = new Set(['text-classification', 'sentiment-analysis', 'token-classification', 'ner', 'feature-extraction']);

const REQUEST_TYPES = new Set(['fastapi.Request', 'starlette.requests.Request', 'fastapi.requests.Request']);

function shortCall(call: Node): string {
  const t = call.text;
  if (!t.includes('\n') && t.length <= 70) return t;
  const fn = field(call, 'function')?.text ?? 'call';
  return `${fn}(...)`;
}

/** The outermost `x.m(...)` chain built on `call` (`torch.load(p).to(d)`). */
function chainTop(call: Node): Node {
  let top = call;
  for (;;) {
    const attr = top.parent;
    const next = attr && attr.type === 'attribute' && same(field(attr, 'object'), top) ? attr.parent : null;
    if (!next || next.type !== 'call' || !same(field(next, 'function'), attr)) return top;
    top = next;
  }
}

/** Whether `name` is declared `global` / `nonlocal` in the handler. */
function declaredGlobal(ctx: PythonRuleContext, fn: Node, name: string): boolean {
  const body = field(fn, 'body');
  if (!body) return false;
  const ids = identifiersIn(ctx, [name], body.startIndex, body.endIndex).get(name) ?? [];
  return ids.some((id) => id.parent?.type === 'global_statement' || id.parent?.type === 'nonlocal_statement');
}

const PATH_METHODS = new Set(['replace', 'format', 'joinpath', 'with_suffix', 'with_name', 'expanduser', 'resolve', 'strip']);
const PATH_CALLS = new Set(['os.path.join', 'pathlib.Path', 'pathlib.PurePath', 'os.fspath', 'os.path.expanduser', 'os.getenv', 'os.environ.get']);

/** A file path: a string, a module-level variable or setting, or path joins of those. */
function pathLike(ctx: PythonRuleContext, n: Node | null | undefined): boolean {
  if (!n) return false;
  switch (n.type) {
    case 'string':
    case 'concatenated_string':
      return true;
    case 'identifier':
      return ctx.imports.resolveName(n.text, n).status === 'shadowed';
    case 'attribute': {
      let root: Node | null = n;
      while (root && root.type === 'attribute') root = field(root, 'object');
      return !!root && root.type === 'identifier' && ctx.imports.resolveName(root.text, root).status === 'shadowed';
    }
    case 'binary_operator':
      return pathLike(ctx, field(n, 'left')) && pathLike(ctx, field(n, 'right'));
    case 'parenthesized_expression':
      return kids(n).length === 1 && pathLike(ctx, kids(n)[0]);
    case 'call': {
      const fn = field(n, 'function');
      // `MODEL_PATH.replace(".pt", ".state.pt")`, `BASE.joinpath("m.pt")`: string / path methods on a path.
      if (fn?.type === 'attribute' && PATH_METHODS.has(field(fn, 'attribute')?.text ?? '') && pathLike(ctx, field(fn, 'object'))) {
        return positionalArgs(n).every((a) => pathLike(ctx, a));
      }
      const q = ctx.imports.qualifiedName(n);
      return !!q && PATH_CALLS.has(q) && positionalArgs(n).every((a) => pathLike(ctx, a));
    }
    default:
      return false;
  }
}

function pipelineTask(c: Creation): string | undefined {
  if (c.kind !== 'pipeline') return undefined;
  const t = keywordArg(c.call, 'task') ?? positionalArgs(c.call)[0];
  if (!t || t.type !== 'string') return undefined;
  return kids(t).find((k) => k.type === 'string_content')?.text;
}

/** A warm-up call for `ref` (how the load is referred to after the fix), when the input shape is clear. */
function warmUpLine(ctx: PythonRuleContext, h: Handler, c: Creation, local: string, after: Node, ref: string): string | undefined {
  const body = field(h.fn, 'body');
  if (!body) return undefined;
  const uses = (identifiersIn(ctx, [local], after.endIndex, body.endIndex).get(local) ?? []).filter((u) => !inNestedScope(u, h.fn));
  const task = pipelineTask(c);
  for (const u of uses) {
    const p = u.parent;
    if (task && TEXT_TASKS.has(task) && p?.type === 'call' && same(field(p, 'function'), u) && positionalArgs(p).length === 1) return `${ref}("warm up")`;
    if (c.kind === 'sentence-transformers' && c.qualified.endsWith('SentenceTransformer') && p?.type === 'attribute' && same(field(p, 'object'), u)) {
      if (field(p, 'attribute')?.text === 'encode' && p.parent?.type === 'call') return `${ref}.encode(["warm up"])`;
    }
  }
  return undefined;
}

interface Plan {
  title: string;
  edits: TextEdit[];
}

export function checkColdStart(ctx: PythonRuleContext): Finding[] {
  const serving = servingModule(ctx);
  if (serving.handlers.length === 0) return [];
  const findings: Finding[] = [];
  const unit = indentUnit(ctx.source);
  const eol = ctx.eol;
  /** Module-level constants planned by this run: `target\0text` → name and insertion top. */
  const planned = new Map<string, { name: string; top: Node; warm: string | undefined }>();
  const takenNames = new Set<string>();

  for (const h of serving.handlers) {
    const body = field(h.fn, 'body');
    if (!body) continue;
    for (const c of creationsIn(ctx, body.startIndex, body.endIndex)) {
      if (inNestedScope(c.call, h.fn)) continue;
      const top = chainTop(c.call);
      const parent = top.parent;
      let local: Node | undefined;
      if (parent && parent.type === 'assignment' && same(field(parent, 'right'), top)) {
        const left = field(parent, 'left');
        if (!left || left.type !== 'identifier') continue; // stored on an attribute / in a cache: a lazy load
        if (declaredGlobal(ctx, h.fn, left.text)) continue; // `global MODEL` ... lazy singleton
        local = left;
      }
      const names = readNames(c.call);
      const simple = names.every((n) => n.type === 'identifier');
      const requestDependent = !simple || names.some((n) => isLocalName(ctx, h.fn, n.text));
      // `torch.load` / `joblib.load` also read data (an upload, a buffer): only a path names a model file.
      if ((c.kind === 'torch-load' || c.kind === 'joblib' || c.kind === 'torch-jit') && (requestDependent || !pathLike(ctx, keywordArg(c.call, 'f') ?? positionalArgs(c.call)[0]))) continue;
      const what = WHAT[c.kind];
      const subject = local ? `${what} \`${local.text}\`` : `a ${what}`;
      let message =
        `Request handler ${describeHandler(h)} creates ${subject} with \`${shortCall(c.call)}\`, so it is loaded again on every request ` +
        `and every request also pays its cold first call (measured: a 6-layer encoder's first call took 201 ms vs a 1.0 ms steady p50). `;
      message += requestDependent
        ? 'The load depends on the request: load the models you serve once at startup (e.g. a dict by name) and look them up here.'
        : 'Load it once at startup and reuse it across requests.';
      const plan = local && !requestDependent ? planFix(ctx, h, c, top, local, unit, eol, planned, takenNames) : undefined;
      const fixes: Fix[] = plan ? [{ title: plan.title, safety: 'unsafe', edits: plan.edits, imports: [] }] : [];
      findings.push({
        code: COLD_START_CODE,
        severity: 'warning',
        range: rangeOfNode(c.call),
        message,
        docs: docsLink(COLD_START_CODE),
        related: [{ range: rangeOfNode(field(h.fn, 'name') ?? h.fn), message: 'request handler' }],
        fixes,
      });
    }
  }
  return findings;
}

function requestParam(ctx: PythonRuleContext, fn: Node): string | undefined {
  for (const p of parameterList(fn)) {
    const name = parameterName(p);
    if (!name) continue;
    if (name === 'request') return name;
    const type = field(p, 'type');
    const t = type ? kids(type)[0] : undefined;
    if (t && (t.type === 'identifier' || t.type === 'attribute') && REQUEST_TYPES.has(ctx.imports.qualifiedName(t) ?? '')) return name;
  }
  return undefined;
}

/** The bare `yield` statement directly in a lifespan's body. */
function lifespanYield(fn: Node): Node | undefined {
  const body = field(fn, 'body');
  if (!body) return undefined;
  const ys = kids(body).filter((s) => s.type === 'expression_statement' && kids(s).length === 1 && kids(s)[0]!.type === 'yield');
  return ys.length === 1 && kids(ys[0]!)[0]!.namedChildCount === 0 ? ys[0] : undefined;
}

function planFix(
  ctx: PythonRuleContext,
  h: Handler,
  c: Creation,
  right: Node,
  local: Node,
  unit: string,
  eol: string,
  planned: Map<string, { name: string; top: Node; warm: string | undefined }>,
  takenNames: Set<string>,
): Plan | undefined {
  const asg = right.parent!;
  const stmt = asg.parent;
  const body = field(h.fn, 'body');
  if (!stmt || stmt.type !== 'expression_statement' || !same(stmt.parent, body) || !ownsLines(ctx.source, stmt)) return undefined;
  if (hasMultilineString(right.text)) return undefined;
  const stmtIndent = indentOf(ctx.source, stmt);
  const rhs = dedentedLines(right.text, stmtIndent);
  const names = [...new Set(readNames(right).map((n) => n.text))];
  // Every name the load reads must be a module-level one (not local here).
  if (names.some((n) => isLocalName(ctx, h.fn, n) || !ctx.imports.moduleBinds(n))) return undefined;
  const target = local.text;
  const replaceRight = (text: string): TextEdit => ({ range: rangeOfNode(right), newText: text });
  const suffix = (warm: string | undefined): string => (warm ? ' and warm it up' : ' (hoisted only: no warm-up call added, add one for your input shape)');

  // Triton: into initialize().
  if (h.tritonClass) {
    const self = parameterName(parameterList(h.fn)[0] ?? h.fn);
    if (!self) return undefined;
    const clsBody = field(h.tritonClass, 'body');
    if (!clsBody) return undefined;
    const clash = (identifiersIn(ctx, [target], clsBody.startIndex, clsBody.endIndex).get(target) ?? []).some(
      (id) => id.parent?.type === 'attribute' && same(field(id.parent, 'attribute'), id),
    );
    if (clash) return undefined;
    const init = classMethod(h.tritonClass, 'initialize');
    const warmRef = `${self}.${target}`;
    const warm = warmUpLine(ctx, h, c, target, stmt, warmRef);
    const lines = [`${warmRef} = ${rhs[0]}`, ...rhs.slice(1), ...(warm ? [warm] : [])];
    let edit: TextEdit;
    if (init) {
      const initSelf = parameterName(parameterList(init)[0] ?? init);
      const initBody = field(init, 'body');
      const last = initBody ? kids(initBody).filter((k) => k.type !== 'comment').pop() : undefined;
      if (!initSelf || !last || last.type === 'return_statement' || !ownsLines(ctx.source, last)) return undefined;
      if (names.some((n) => isLocalName(ctx, init, n))) return undefined;
      const renamed = initSelf === self ? lines : lines.map((l, i) => (i === 0 || (warm && i === lines.length - 1) ? l.replace(`${self}.`, `${initSelf}.`) : l));
      edit = insertLinesAfter(ctx.source, last, indentOf(ctx.source, last), renamed, eol);
    } else {
      const indent = indentOf(ctx.source, h.top);
      edit = insertLinesBefore(rowAbove(h.top), indent, [`def initialize(${self}, args):`, ...lines.map((l) => unit + l), ''], eol);
    }
    return {
      title: `Load \`${target}\` once in initialize() as ${self}.${target}${suffix(warm)}`,
      edits: [edit, replaceRight(`${self}.${target}`)],
    };
  }

  // FastAPI / Starlette lifespan, when the handler can reach app.state.
  // A router's handlers share the app's state: use the module's one app with a lifespan.
  const withLifespan = servingModule(ctx).apps.filter((a) => a.lifespan && (a.framework === 'fastapi' || a.framework === 'starlette'));
  const lifespanApp = h.app?.lifespan ? h.app : withLifespan.length === 1 ? withLifespan[0] : undefined;
  const req = requestParam(ctx, h.fn);
  if (lifespanApp?.lifespan && req && (h.framework === 'fastapi' || h.framework === 'starlette')) {
    const ls = lifespanApp.lifespan;
    const y = lifespanYield(ls);
    const appParam = parameterName(parameterList(ls)[0] ?? ls);
    const lsBody = field(ls, 'body');
    const stateClash = lsBody
      ? (ctx.index.named(target) ?? []).some((id) => id.parent?.type === 'attribute' && same(field(id.parent, 'attribute'), id) && /\bstate$/.test(field(id.parent, 'object')?.text ?? ''))
      : true;
    if (y && appParam && ownsLines(ctx.source, y) && !stateClash && !names.some((n) => isLocalName(ctx, ls, n))) {
      const ref = `${appParam}.state.${target}`;
      const warm = warmUpLine(ctx, h, c, target, stmt, ref);
      const indent = indentOf(ctx.source, y);
      const lines = [`${ref} = ${rhs[0]}`, ...rhs.slice(1), ...(warm ? [warm] : [])];
      return {
        title: `Load \`${target}\` once in the lifespan (app.state.${target})${suffix(warm)}`,
        edits: [insertLinesBefore(y.startPosition.row, indent, lines, eol), replaceRight(`${req}.app.state.${target}`)],
      };
    }
  }

  // Module scope, just above the handler.
  if (h.top.parent?.type !== 'module') return undefined;
  const key = `${target}\u0000${rhs.join('\n')}`;
  let plan = planned.get(key);
  if (!plan) {
    const base = target.toUpperCase() === target ? `${target}_LOADED` : target.toUpperCase();
    const name = freeModuleName(ctx, base, takenNames);
    plan = { name, top: h.top, warm: warmUpLine(ctx, h, c, target, stmt, name) };
    planned.set(key, plan);
  }
  // The names must be bound before the insertion point.
  const at = plan.top;
  if (names.some((n) => ctx.imports.resolveName(n, at).status === 'unbound')) return undefined;
  const warm = plan.warm;
  const lines = [`${plan.name} = ${rhs[0]}`, ...rhs.slice(1), ...(warm ? [warm] : []), '', ''];
  return {
    title: `Load \`${target}\` once at module level as ${plan.name}${suffix(warm)}`,
    edits: [insertLinesBefore(rowAbove(plan.top), '', lines, eol), replaceRight(plan.name)],
  };
}
