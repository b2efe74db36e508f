/**
 * LAT006 — a torch model serves requests in training mode or with autograd on (Python).
 *
 * Models: names bound at module level (or `self.x` in a Triton model) to `torch.load(...)`, a
 * torch `from_pretrained` (transformers / diffusers models / peft), or an instance of an
 * `nn.Module` subclass defined in the file (see `pyServing.ts`). Only models that a request
 * handler runs — `m(...)`, `m.forward(...)`, `m.generate(...)` — are considered.
 *
 * Two findings, independently:
 * - eval mode: a `torch.load` / in-file `nn.Module` model on which nothing calls `.eval()` or
 *   `.train(False)` (on the name, the names assigned from it at module level, or in its load
 *   chain), whose class does not mention `eval` / `train` itself, and which is never passed to
 *   another function (which might switch it). `from_pretrained` and `torch.jit.load` models
 *   are already in eval mode and never get this finding. Fix (unsafe: dropout and batch-norm
 *   change behaviour, which is what inference wants): `model.eval()` after the load statement.
 * - autograd: a handler's `m(...)` / `m.forward(...)` that is not inside
 *   `with torch.inference_mode()` / `torch.no_grad()` / `torch.set_grad_enabled(False)`, nor in
 *   a function decorated with one of those; not reported when the handler mentions `backward`,
 *   `grad`, `requires_grad`, `autograd` or `enable_grad` (it may want gradients), when the module
 *   calls `torch.set_grad_enabled(False)` at top level, or for `generate` (transformers already
 *   runs it under no_grad). Fix (safe: the handler never asks for gradients): wrap the
 *   statement in `with torch.inference_mode():` when the result cannot reach an in-place update
 *   outside the block (inference tensors reject those) — the rest of the handler makes no
 *   in-place update (augmented or subscript assignment, `x.op_()`, `inplace=` / `out=`), stores
 *   nothing on attributes or globals, and passes the result only to torch functions and
 *   builtins; otherwise in `with torch.no_grad():`, which is safe too unless the module mentions
 *   `backward` / `grad` / `requires_grad` / `autograd` / `enable_grad` anywhere (then unsafe).
 *   No fix when the statement awaits or yields (grad mode is thread-local state), shares its
 *   line, or holds a multi-line string.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { docsLink, type Finding, type Fix, type RelatedLocation } from '../findings';
import { indentUnit, insertLinesAfter, pythonNameFor, rangeOfNode } from '../pyEdit';
import type { PythonRuleContext } from '../rule';
import {
  describeHandler,
  indentOf,
  enclosingDef,
  field,
  type Handler,
  hasMultilineString,
  isBindingIdentifier,
  keywordArg,
  kids,
  type ModelUse,
  modelUsesIn,
  ownsLines,
  positionalArgs,
  same,
  type ServingModel,
  servingModule,
  statementOf,
  identifiersIn,
} from '../pyServing';

export const TRAINING_MODE_CODE = 'LAT006';

const NO_GRAD = new Set([
  'torch.no_grad',
  'torch.inference_mode',
  'torch.autograd.no_grad',
  'torch.autograd.inference_mode',
  'torch.autograd.grad_mode.no_grad',
  'torch.autograd.grad_mode.inference_mode',
]);
const SET_GRAD = new Set(['torch.set_grad_enabled', 'torch.autograd.set_grad_enabled', 'torch.autograd.grad_mode.set_grad_enabled']);
const AUTOGRAD_WORDS = ['backward', 'grad', 'requires_grad', 'requires_grad_', 'autograd', 'enable_grad'];
const AUTOGRAD_TEXT = /\b(backward|grad|requires_grad_?|autograd|enable_grad)\b/;
const USE_METHODS: ReadonlySet<string> = new Set(['forward', 'generate']);

const isFalse = (n: Node | null | undefined): boolean => !!n && n.type === 'false';

/** Whether expression `e` (a with-item value or decorator) turns gradients off. */
function disablesGrad(ctx: PythonRuleContext, e: Node): boolean {
  const call = e.type === 'call' ? e : null;
  const q = ctx.imports.qualifiedName(e);
  if (!q) return false;
  if (NO_GRAD.has(q)) {
    if (!call) return true; // `@torch.no_grad` without parentheses
    const mode = keywordArg(call, 'mode') ?? positionalArgs(call)[0];
    return !isFalse(mode);
  }
  return !!call && SET_GRAD.has(q) && isFalse(keywordArg(call, 'mode') ?? positionalArgs(call)[0]);
}

function gradDisabledAt(ctx: PythonRuleContext, call: Node): boolean {
  for (let p = call.parent; p; p = p.parent) {
    if (p.type === 'with_statement') {
      const clause = kids(p).find((k) => k.type === 'with_clause');
      for (const item of clause ? kids(clause) : []) {
        let v = field(item, 'value');
        if (v && v.type === 'as_pattern') v = kids(v)[0] ?? null;
        if (v && disablesGrad(ctx, v)) return true;
      }
    }
    if (p.type === 'decorated_definition') {
      for (const d of kids(p)) {
        if (d.type !== 'decorator') continue;
        const e = kids(d)[0];
        if (e && disablesGrad(ctx, e)) return true;
      }
    }
  }
  return false;
}

/** `torch.set_grad_enabled(False)` as a module-level statement. */
function globallyDisabled(ctx: PythonRuleContext): boolean {
  for (const id of ctx.index.named('set_grad_enabled')) {
    const e = id.parent?.type === 'attribute' && same(field(id.parent, 'attribute'), id) ? id.parent : id;
    const call = e.parent;
    if (call?.type === 'call' && same(field(call, 'function'), e) && enclosingDef(call) === null && statementOf(call).type === 'expression_statement' && disablesGrad(ctx, call)) return true;
  }
  return false;
}

/** Whether something may already put `m` in eval mode (or we cannot tell). */
function maybeEval(ctx: PythonRuleContext, m: ServingModel): boolean {
  const k = m.creation.kind;
  if (k !== 'torch-load' && k !== 'nn-module') return true;
  const isEvalCall = (name: string, call: Node): boolean => name === 'eval' || (name === 'train' && isFalse(keywordArg(call, 'mode') ?? positionalArgs(call)[0]));
  if (m.chain.some((c) => isEvalCall(c.name, c.call))) return true;
  if (m.creation.cls) {
    const cls = m.creation.cls;
    const hits = identifiersIn(ctx, ['eval', 'train'], cls.startIndex, cls.endIndex);
    if ([...hits.values()].some((l) => l.length > 0)) return true;
  }
  // The names the model goes by: the key, and module-level names assigned from expressions using it.
  const aliases = new Set<string>([m.key]);
  if (!m.tritonClass) {
    for (const id of ctx.index.named(m.key)) {
      if (isBindingIdentifier(id)) continue;
      const p = id.parent;
      const kw = p?.type === 'keyword_argument' && same(field(p, 'value'), id);
      if (p?.type === 'argument_list' || kw) {
        const call = kw ? p!.parent!.parent : p!.parent;
        const q = call ? ctx.imports.qualifiedName(call) : undefined;
        if (q !== 'torch.compile') return true; // handed to code we do not see
      }
      if (enclosingDef(id) !== null) continue;
      for (let a: Node | null = id.parent; a && a.type !== 'expression_statement' && a.type !== 'module'; a = a.parent) {
        if (a.type === 'assignment') {
          const left = field(a, 'left');
          if (left?.type === 'identifier' && id.startIndex >= (field(a, 'right')?.startIndex ?? Infinity)) aliases.add(left.text);
          break;
        }
      }
    }
  } else {
    const attr = m.key.slice('self.'.length);
    const cls = m.tritonClass;
    for (const id of identifiersIn(ctx, [attr], cls.startIndex, cls.endIndex).get(attr) ?? []) {
      const a = id.parent;
      if (a?.type === 'attribute' && same(field(a, 'attribute'), id) && a.parent?.type === 'argument_list') return true;
    }
  }
  for (const word of ['eval', 'train']) {
    for (const id of ctx.index.named(word)) {
      const attr = id.parent;
      if (!attr || attr.type !== 'attribute' || !same(field(attr, 'attribute'), id)) continue;
      const call = attr.parent;
      if (!call || call.type !== 'call' || !same(field(call, 'function'), attr) || !isEvalCall(word, call)) continue;
      const obj = field(attr, 'object');
      if (!obj) continue;
      if (!m.tritonClass && obj.type === 'identifier' && aliases.has(obj.text)) return true;
      if (m.tritonClass && obj.type === 'attribute' && `self.${field(obj, 'attribute')?.text}` === m.key && id.startIndex >= m.tritonClass.startIndex && id.endIndex <= m.tritonClass.endIndex) return true;
    }
  }
  return false;
}

/**
 * Whether wrapping `stmt` in inference_mode keeps behaviour: nothing after it in the handler may
 * update its result in place or keep it beyond the request.
 */
function wrapIsSafe(ctx: PythonRuleContext, h: Handler, stmt: Node): boolean {
  const body = field(h.fn, 'body');
  if (!body) return false;
  const rest = ctx.source.slice(stmt.endIndex, body.endIndex);
  if (/(\*\*|\/\/|>>|<<|[-+*/%&|^@])=|\]\s*=[^=]|\w_\s*\(|\b(inplace|out)\s*=|\b(global|nonlocal)\b|^[ \t]*[\w.]+\.\w+\s*=[^=]/m.test(rest)) return false;
  if (stmt.type === 'return_statement') return true;
  const asg = kids(stmt)[0];
  if (!asg || asg.type !== 'assignment') return asg?.type === 'call';
  const left = field(asg, 'left');
  if (!left || left.type !== 'identifier') return false;
  const uses = identifiersIn(ctx, [left.text], stmt.endIndex, body.endIndex).get(left.text) ?? [];
  for (const u of uses) {
    const p = u.parent;
    if (!p) return false;
    if (p.type === 'argument_list') {
      const call = p.parent;
      const fn = call ? field(call, 'function') : null;
      const q = call ? ctx.imports.qualifiedName(call) : undefined;
      const builtin = fn?.type === 'identifier' && ctx.imports.resolveName(fn.text, fn).status === 'unbound';
      if (!(q?.startsWith('torch.') || builtin)) return false;
    } else if (p.type === 'assignment' || p.type === 'keyword_argument' || p.type === 'list' || p.type === 'tuple' || p.type === 'pair') {
      if (!(p.type === 'pair' && statementOf(p).type === 'return_statement')) return false;
    }
  }
  return true;
}

function wrapFix(ctx: PythonRuleContext, h: Handler, use: ModelUse, stmt: Node): Fix | undefined {
  if (stmt.type !== 'expression_statement' && stmt.type !== 'return_statement') return undefined;
  if (stmt.parent?.type !== 'block' || !ownsLines(ctx.source, stmt) || hasMultilineString(stmt.text)) return undefined;
  if (/\b(await|yield)\b/.test(stmt.text)) return undefined; // grad mode is thread-local: never across a suspension
  // inference_mode tensors reject in-place updates outside the block: when the rest of the handler
  // might make one, no_grad (plain tensors without history) keeps the program working.
  const inPlaceFree = wrapIsSafe(ctx, h, stmt);
  const name = pythonNameFor(ctx.source, ctx.root, ctx.imports, stmt, inPlaceFree ? 'torch.inference_mode' : 'torch.no_grad');
  if (!name) return undefined;
  const safe = inPlaceFree || !AUTOGRAD_WORDS.some((w) => ctx.index.named(w).length > 0);
  const unit = indentUnit(ctx.source);
  const indent = indentOf(ctx.source, stmt);
  const lines = stmt.text.split(/\r?\n/);
  const text = `${indent}with ${name.spelling}():${ctx.eol}` + lines.map((l, i) => (i === 0 ? indent + unit + l : l ? unit + l : l)).join(ctx.eol);
  const start = { line: stmt.startPosition.row, character: 0 };
  return {
    title: `Run \`${field(use.call, 'function')?.text ?? 'the model'}(...)\` under \`with ${name.spelling}():\``,
    safety: safe ? 'safe' : 'unsafe',
    edits: [{ range: { start, end: rangeOfNode(stmt).end }, newText: text }],
    imports: name.import ? [name.import] : [],
  };
}

export function checkTrainingMode(ctx: PythonRuleContext): Finding[] {
  const serving = servingModule(ctx);
  if (serving.handlers.length === 0) return [];
  const findings: Finding[] = [];
  const usesByModel = new Map<string, { model: ServingModel; uses: { h: Handler; use: ModelUse }[] }>();
  let noGradGlobal: boolean | undefined;

  for (const h of serving.handlers) {
    const uses = modelUsesIn(ctx, h, USE_METHODS).filter((u) => u.model.creation.torchModule);
    if (uses.length === 0) continue;
    for (const use of uses) {
      const k = use.model.scope ? `${use.model.scope.id}:${use.model.key}` : use.model.key;
      let e = usesByModel.get(k);
      if (!e) usesByModel.set(k, (e = { model: use.model, uses: [] }));
      e.uses.push({ h, use });
    }
    const body = field(h.fn, 'body')!;
    // Text test (comments and strings included: errs towards not reporting).
    const wantsGrad = AUTOGRAD_TEXT.test(ctx.source.slice(body.startIndex, body.endIndex));
    if (wantsGrad) continue;
    const seenStmts = new Set<number>();
    for (const use of uses) {
      if (use.method === 'generate' || gradDisabledAt(ctx, use.call)) continue;
      noGradGlobal ??= globallyDisabled(ctx);
      if (noGradGlobal) break;
      const stmt = statementOf(use.call);
      if (seenStmts.has(stmt.id)) continue;
      seenStmts.add(stmt.id);
      const fix = wrapFix(ctx, h, use, stmt);
      const callee = field(use.call, 'function')?.text ?? use.model.key;
      findings.push({
        code: TRAINING_MODE_CODE,
        severity: 'warning',
        range: rangeOfNode(use.call),
        message:
          `Request handler ${describeHandler(h)} runs \`${callee}(...)\` with autograd on: every call records the autograd graph and keeps ` +
          `activations alive for a backward pass that never comes, which costs time and memory on every request. ` +
          `Run inference under \`torch.inference_mode()\` (or \`torch.no_grad()\`), or decorate the handler with \`@torch.inference_mode()\`.`,
        docs: docsLink(TRAINING_MODE_CODE),
        related: [
          { range: rangeOfNode(field(h.fn, 'name') ?? h.fn), message: 'request handler' },
          { range: rangeOfNode(use.model.creation.call), message: `\`${use.model.key}\` is loaded here` },
        ],
        fixes: fix ? [fix] : [],
      });
    }
  }

  for (const { model, uses } of usesByModel.values()) {
    if (maybeEval(ctx, model)) continue;
    const related: RelatedLocation[] = uses.map(({ h, use }) => ({ range: rangeOfNode(use.call), message: `run for inference in handler ${describeHandler(h)}` }));
    const ref = model.target.text;
    const stmt = model.statement;
    let fixes: Fix[] = [];
    if (ownsLines(ctx.source, stmt)) {
      fixes = [
        {
          title: `Call \`${ref}.eval()\` after loading (dropout and batch-norm switch to inference behaviour)`,
          safety: 'unsafe',
          edits: [insertLinesAfter(ctx.source, stmt, indentOf(ctx.source, stmt), [`${ref}.eval()`], ctx.eol)],
          imports: [],
        },
      ];
    }
    const first = uses[0]!;
    findings.push({
      code: TRAINING_MODE_CODE,
      severity: 'warning',
      range: rangeOfNode(model.creation.call),
      message:
        `\`${ref}\` is never switched to eval mode, yet request handler ${describeHandler(first.h)} runs it for inference: dropout keeps ` +
        `sampling masks and batch-norm keeps updating its running statistics on every request — extra work, and outputs that differ ` +
        `between identical requests. Call \`${ref}.eval()\` once after loading.`,
      docs: docsLink(TRAINING_MODE_CODE),
      related,
      fixes,
    });
  }
  return findings;
}
