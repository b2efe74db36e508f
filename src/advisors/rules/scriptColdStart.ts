/**
 * LAT002 — cold start: an onnxruntime session created inside a request handler (JS / TS).
 *
 * `InferenceSession.create(...)` (resolved through the file's imports to onnxruntime-node,
 * onnxruntime-web or onnxruntime-common) reads the model, optimises the graph and allocates
 * its arenas; the first `run` then pays more one-time costs. Done per request, every request
 * pays a cold start.
 *
 * Precise rule. The call is reported when one of the functions enclosing it is a request handler:
 * - a function passed (directly, or by the name of a function / const declared in the file) to
 *   `X.get/post/put/patch/delete/del/all/head/options(path, …, fn)` with a string / template /
 *   regex path first (Express, Fastify, Hono, Koa-router), to `X.route(path).get(fn)`, to
 *   `X.use(fn)` when the path is given or `fn` takes at least two parameters (`req, res`),
 *   to `X.on('request', fn)`, or as `handler:` in `X.route({ … })` (Fastify);
 * - a function passed to `createServer` from `http` / `https` / `http2` (`node:` too);
 * - an exported `GET` / `POST` / `PUT` / `PATCH` / `DELETE` / `HEAD` / `OPTIONS` function
 *   (Next.js route handlers), declared or as `export const POST = async (…) => …`.
 * Not reported: a result assigned to an existing variable (`session ??= await …create()`,
 * `cache = await …`: a lazily initialised, already shared session), calls outside handlers.
 *
 * Fix (unsafe: the model now loads at startup and one session is shared by all requests, held
 * for the process lifetime; a load error is raised at startup as an unhandled rejection instead
 * of failing each request): above the top-level statement holding the handler, add
 * `const <name>Promise = <same callee>(<same args>);` and replace the call with the promise —
 * `await <name>Promise` where the call was awaited. Only offered when every name in the
 * arguments is an import, a module-level declaration above that statement or a Node global,
 * and the handler does not `release()` the session.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type TextEdit } from '../findings';
import { pointRange } from '../pyEdit';
import type { Rule, ScriptRuleContext } from '../rule';
import {
  children,
  enclosingStatement,
  enclosingFunction,
  hasNodeOfType,
  indentOf,
  identifiersIn,
  isBindingOccurrence,
  rangeOf,
  sameNode,
  sessionCreateCalls,
  startsLine,
  topLevelStatement,
  upThroughParens,
} from './scriptShared';
import { SCRIPT_FUNCTIONS } from '../scriptImports';

export const SCRIPT_COLD_START_CODE = 'LAT002';

const VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options']);
const NEXT_VERBS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const SERVER_FACTORIES = new Set(
  ['http', 'https', 'http2'].flatMap((m) => [`${m}.createServer`, `node:${m}.createServer`, `${m}.createSecureServer`, `node:${m}.createSecureServer`]),
);
const PATH_TYPES = new Set(['string', 'template_string', 'regex']);
/** Node globals an argument may use (unless the file binds them itself). */
const GLOBALS = new Set(['process', '__dirname', '__filename', 'Buffer', 'URL', 'globalThis', 'require', 'undefined', 'Uint8Array', 'JSON', 'String', 'Number']);

export interface Handler {
  fn: Node;
  /** What to point at as "handler registered here". */
  registration: Node;
}

function paramCount(fn: Node): number {
  if (fn.childForFieldName('parameter')) return 1;
  return children(fn.childForFieldName('parameters')).length;
}

/**
 * If `x` (a function, or an identifier naming one) is registered as a request handler by the
 * call / object it sits in, the node to show as the registration.
 */
function registrationOf(ctx: ScriptRuleContext, x: Node, fn: Node): Node | undefined {
  const { outer, parent } = upThroughParens(x);
  if (!parent) return undefined;
  if (parent.type === 'pair') {
    // fastify.route({ method: 'POST', url: '/x', handler: fn })
    if (!sameNode(parent.childForFieldName('value'), outer) || parent.childForFieldName('key')?.text !== 'handler') return undefined;
    const obj = parent.parent;
    const args = obj?.parent;
    const call = args?.parent;
    if (obj?.type !== 'object' || args?.type !== 'arguments' || call?.type !== 'call_expression') return undefined;
    const callee = call.childForFieldName('function');
    if (callee?.type === 'member_expression' && callee.childForFieldName('property')?.text === 'route') return callee;
    return undefined;
  }
  if (parent.type !== 'arguments') return undefined;
  const call = parent.parent;
  if (!call || call.type !== 'call_expression') return undefined;
  const callee = call.childForFieldName('function');
  if (!callee) return undefined;
  const q = ctx.imports.qualifiedName(call);
  if (q && SERVER_FACTORIES.has(q)) return callee;
  if (callee.type !== 'member_expression') return undefined;
  const method = callee.childForFieldName('property')?.text ?? '';
  const args = children(parent);
  const at = args.findIndex((a) => a.id === outer.id);
  const first = args[0];
  // Route paths start with `/` or `*` (`m.get('key', fn)` on some map is not a route).
  const pathFirst = !!first && PATH_TYPES.has(first.type) && at >= 1 && (first.type !== 'string' || /^.[/*]/.test(first.text));
  if (VERBS.has(method)) {
    if (pathFirst) return callee;
    // router.route('/x').get(fn)
    const obj = callee.childForFieldName('object');
    const objCallee = obj?.type === 'call_expression' ? obj.childForFieldName('function') : null;
    if (objCallee?.type === 'member_expression' && objCallee.childForFieldName('property')?.text === 'route') return callee;
    return undefined;
  }
  if (method === 'use') return pathFirst || paramCount(fn) >= 2 ? callee : undefined;
  if (method === 'on' && first?.type === 'string' && first.text.slice(1, -1) === 'request' && at >= 1) return callee;
  return undefined;
}

/** The name a function is declared under in this file (`function h()`, `const h = () => …`). */
function declaredName(fn: Node): Node | undefined {
  if (fn.type === 'function_declaration' || fn.type === 'generator_function_declaration') return fn.childForFieldName('name') ?? undefined;
  const { outer, parent } = upThroughParens(fn);
  if (parent?.type === 'variable_declarator' && sameNode(parent.childForFieldName('value'), outer)) {
    const name = parent.childForFieldName('name');
    return name?.type === 'identifier' ? name : undefined;
  }
  return undefined;
}

function handlerFor(ctx: ScriptRuleContext, fn: Node): Node | undefined {
  const direct = registrationOf(ctx, fn, fn);
  if (direct) return direct;
  const name = declaredName(fn);
  if (!name) return undefined;
  // Next.js route handlers: `export async function POST(req)` / `export const GET = async () => …`.
  if (NEXT_VERBS.has(name.text)) {
    const decl = fn.type === 'function_declaration' ? fn : name.parent?.parent;
    if (decl?.parent?.type === 'export_statement') return name;
  }
  for (const ref of ctx.index.named(name.text)) {
    if (ref.type !== 'identifier' || ref.id === name.id || isBindingOccurrence(ref)) continue;
    const reg = registrationOf(ctx, ref, fn);
    if (reg) return reg;
  }
  return undefined;
}

function findHandler(ctx: ScriptRuleContext, call: Node): Handler | undefined {
  for (let p = call.parent; p; p = p.parent) {
    if (!SCRIPT_FUNCTIONS.has(p.type)) continue;
    const registration = handlerFor(ctx, p);
    if (registration) return { fn: p, registration };
  }
  return undefined;
}

/** Whether `name` is bound by an import or a module-level declaration that precedes `before`. */
function moduleBindingBefore(ctx: ScriptRuleContext, name: string, before: number): boolean {
  for (const b of ctx.imports.imports) {
    if (b.local !== name) continue;
    if (b.statement.type === 'import_statement' || b.statement.endIndex <= before) return true;
  }
  for (const id of ctx.index.named(name)) {
    if (id.type !== 'identifier' || !isBindingOccurrence(id) || enclosingFunction(id)) continue;
    const top = topLevelStatement(id);
    if (!top || top.endIndex > before) continue;
    if (!['lexical_declaration', 'variable_declaration', 'function_declaration', 'class_declaration', 'export_statement'].includes(top.type)) continue;
    if (enclosingStatement(id)?.id === top.id) return true;
  }
  return false;
}

/** Whether `name` is bound anywhere inside `within`. */
function boundWithin(ctx: ScriptRuleContext, name: string, within: Node): boolean {
  const ids = ctx.index.identifiers([name], within.startIndex, within.endIndex).get(name) ?? [];
  return ids.some(isBindingOccurrence);
}

const NOT_HOISTABLE = new Set(['this', 'super', 'await_expression', 'yield_expression', 'meta_property']);

/** `base`, or `base2`, `base3`… : the first spelling that appears nowhere in the file (one text scan per base). */
function freeName(ctx: ScriptRuleContext, base: string, taken: Set<string>): string {
  const used = new Set<string>();
  const re = new RegExp(`(?<![\\w$])${base.replace(/\$/g, '\\$')}(\\d*)(?![\\w$])`, 'g');
  for (const m of ctx.source.matchAll(re)) used.add(m[0]);
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}${i}`;
    if (!taken.has(name) && !used.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

export interface ColdStartHit {
  call: Node;
  handler: Handler;
  fix: Fix | undefined;
}

const hitCache = new WeakMap<ScriptRuleContext, ColdStartHit[]>();

/** Session creations inside request handlers, with the hoisting fix when there is one (cached per analysis; LAT108 reads it). */
export function coldStartHits(ctx: ScriptRuleContext): ColdStartHit[] {
  let hits = hitCache.get(ctx);
  if (hits) return hits;
  hits = [];
  hitCache.set(ctx, hits);
  const calls = sessionCreateCalls(ctx);
  const hoisted = new Map<string, { name: string; insert: TextEdit; top: Node }>();
  const taken = new Set<string>();
  for (const call of calls) {
    const up = upThroughParens(call);
    let use: Node = call;
    let awaited = false;
    if (up.parent?.type === 'await_expression') {
      use = up.parent;
      awaited = true;
    }
    const user = upThroughParens(use).parent;
    // `session ??= await create()` / `cache = await create()`: lazily created once and kept.
    if (user && (user.type === 'assignment_expression' || user.type === 'augmented_assignment_expression')) continue;
    const handler = findHandler(ctx, call);
    if (!handler) continue;
    hits.push({ call, handler, fix: hoistFix(ctx, call, use, awaited, handler, hoisted, taken) });
  }
  return hits;
}

export function checkScriptColdStart(ctx: ScriptRuleContext): Finding[] {
  return coldStartHits(ctx).map(({ call, handler, fix }) => ({
    code: SCRIPT_COLD_START_CODE,
    severity: 'warning',
    range: rangeOf(call),
    message:
      'InferenceSession.create() runs inside a request handler, so every request loads and optimises the model again and then runs it cold ' +
      "(a 6-layer encoder's first call took 201 ms against a 1.0 ms steady p50 in our measurements). " +
      'Create the session once at module scope or at startup, and warm it up with one run before serving.',
    docs: docsLink(SCRIPT_COLD_START_CODE),
    related: [{ range: rangeOf(handler.registration), message: 'request handler registered here' }],
    fixes: fix ? [fix] : [],
  }));
}

function hoistFix(
  ctx: ScriptRuleContext,
  call: Node,
  use: Node,
  awaited: boolean,
  handler: Handler,
  hoisted: Map<string, { name: string; insert: TextEdit; top: Node }>,
  taken: Set<string>,
): Fix | undefined {
  const top = topLevelStatement(call);
  const callee = call.childForFieldName('function');
  const args = call.childForFieldName('arguments');
  if (!top || !callee || !args || !startsLine(ctx.source, top)) return undefined;
  if (args.type !== 'arguments' || hasNodeOfType(args, NOT_HOISTABLE)) return undefined;
  if (/\.\s*release\s*\(/.test(handler.fn.text)) return undefined;
  const key = `${callee.text}${args.text}`;
  let h = hoisted.get(key);
  // The same call hoisted for an earlier handler is inserted above that one's statement.
  const at = h ? h.top : top;
  // The callee's base name must be a module-level import visible above `top`.
  let base: Node | null = callee;
  while (base && base.type === 'member_expression') base = base.childForFieldName('object');
  if (!base || base.type !== 'identifier' || !moduleBindingBefore(ctx, base.text, at.startIndex)) return undefined;
  for (const id of identifiersIn(args)) {
    if (id.type === 'shorthand_property_identifier_pattern') return undefined;
    const name = id.text;
    if (name === 'arguments' || boundWithin(ctx, name, top)) return undefined;
    if (GLOBALS.has(name) && !moduleBindingBefore(ctx, name, ctx.source.length)) continue;
    if (!moduleBindingBefore(ctx, name, at.startIndex)) return undefined;
  }
  if (!h) {
    const decl = upThroughParens(use).parent;
    const declName = decl?.type === 'variable_declarator' ? decl.childForFieldName('name') : null;
    const name = freeName(ctx, declName?.type === 'identifier' ? `${declName.text}Promise` : 'sessionPromise', taken);
    const indent = indentOf(ctx.source, top);
    // Continuation lines of multi-line arguments move from the handler's indentation to the module's.
    const from = indentOf(ctx.source, call);
    const argLines = args.text.split(/\r?\n/).map((l, i) => (i > 0 && l.startsWith(from) ? indent + l.slice(from.length) : l));
    const text = `${indent}const ${name} = ${callee.text}${argLines.join(ctx.eol)};${ctx.eol}`;
    h = { name, top, insert: { range: pointRange({ line: top.startPosition.row, character: 0 }), newText: text } };
    hoisted.set(key, h);
  }
  return {
    title: `Create the session once at module scope (${h.name})`,
    safety: 'unsafe',
    edits: [h.insert, { range: rangeOf(use), newText: awaited ? `await ${h.name}` : h.name }],
    imports: [],
  };
}

export const SCRIPT_COLD_START: Rule = {
  code: SCRIPT_COLD_START_CODE,
  id: 'cold-start',
  title: 'Model loaded on the request path',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkScript: checkScriptColdStart,
};
