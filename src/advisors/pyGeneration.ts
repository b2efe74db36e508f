/**
 * Helpers shared by the Python generation / onnxruntime rules (LAT102, LAT106, LAT107, LAT108):
 * call and argument access, enclosing scopes from the index (never a tree walk), local
 * bindings, causal-LM model resolution, and argument removal. Pure: no `vscode`.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { lineStarts, positionAt, type TextEdit } from './findings';
import type { PythonRuleContext } from './rule';
import type { NodeIndex } from './textIndex';
import { unparen } from './nodes';

export function namedKids(n: Node | null): Node[] {
  return n ? n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment') : [];
}

/** The call whose callee is exactly `fn` (`fn(...)`), if any. */
export function callOfCallee(fn: Node): Node | null {
  const p = fn.parent;
  return p && p.type === 'call' && p.childForFieldName('function')?.id === fn.id ? p : null;
}

/** For an identifier that is the attribute name of `obj.name`, the call `obj.name(...)`. */
export function methodCallOf(id: Node): Node | null {
  const attr = id.parent;
  if (!attr || attr.type !== 'attribute' || attr.childForFieldName('attribute')?.id !== id.id) return null;
  return callOfCallee(attr);
}

export function argsOf(call: Node): Node[] {
  const a = call.childForFieldName('arguments');
  return a && a.type === 'argument_list' ? namedKids(a) : [];
}

export function keywordArg(call: Node, name: string): Node | undefined {
  return argsOf(call).find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name);
}

export function keywordValue(call: Node, name: string): Node | null {
  return keywordArg(call, name)?.childForFieldName('value') ?? null;
}

export function positionalArgs(call: Node): Node[] {
  return argsOf(call).filter((a) => a.type !== 'keyword_argument' && a.type !== 'dictionary_splat' && a.type !== 'list_splat');
}

/** A plain string literal (no interpolation), or implicit concatenation of such; undefined otherwise. */
export function literalStringValue(n: Node | null): string | undefined {
  n = unparen(n);
  if (!n) return undefined;
  if (n.type === 'concatenated_string') {
    let s = '';
    for (const k of namedKids(n)) {
      const v = literalStringValue(k);
      if (v === undefined) return undefined;
      s += v;
    }
    return s;
  }
  if (n.type !== 'string') return undefined;
  let s = '';
  for (const k of namedKids(n)) {
    if (k.type === 'interpolation') return undefined;
    if (k.type === 'string_content') s += k.text;
  }
  const start = n.namedChild(0);
  if (start?.type === 'string_start' && /b/i.test(start.text)) return undefined; // bytes
  return s;
}

/** Innermost `def` / `class` containing a node, found from the index (cached per index). */
export interface ScopeLookup {
  /** Innermost def / class strictly containing `n` (its own def excluded), or null for the module. */
  scopeOf(n: Node): Node | null;
  /** Innermost `def` containing `n` (classes skipped), or null. */
  functionOf(n: Node): Node | null;
  /** Innermost class containing `n`, or null. */
  classOf(n: Node): Node | null;
}

const scopeCache = new WeakMap<NodeIndex, ScopeLookup>();

/**
 * Scope lookups by one descent from the root to the node with `childWithDescendant`, which
 * yields every ancestor for about the cost of a single `.parent` (web-tree-sitter finds a parent
 * by descending from the root too) and far less than building `index.scopeNodes()` (a tree lookup
 * per `def` / `class` in the file) for the handful of sites these rules ask about. A def's
 * decorators and name belong to the enclosing scope; its parameters and body to the def.
 */
export function scopeLookup(index: NodeIndex, root: Node): ScopeLookup {
  let hit = scopeCache.get(index);
  if (hit) return hit;
  const memo = new Map<number, Node[]>();
  const chainOf = (n: Node): Node[] => {
    const known = memo.get(n.id);
    if (known) return known;
    const chain: Node[] = [];
    let cur: Node | null = root;
    while (cur && cur.id !== n.id) {
      const next: Node | null = cur.childWithDescendant(n);
      if (!next) break;
      if ((cur.type === 'function_definition' || cur.type === 'class_definition') && next.id !== n.id) {
        const body = cur.childForFieldName('body');
        const params = cur.type === 'function_definition' ? cur.childForFieldName('parameters') : null;
        if (body?.id === next.id || params?.id === next.id) chain.unshift(cur);
      } else if ((cur.type === 'function_definition' || cur.type === 'class_definition') && next.id === n.id) {
        const body = cur.childForFieldName('body');
        if (body?.id === n.id) chain.unshift(cur);
      }
      cur = next;
    }
    memo.set(n.id, chain);
    return chain;
  };
  hit = {
    scopeOf: (n) => chainOf(n)[0] ?? null,
    functionOf: (n) => chainOf(n).find((d) => d.type === 'function_definition') ?? null,
    classOf: (n) => chainOf(n).find((d) => d.type === 'class_definition') ?? null,
  };
  scopeCache.set(index, hit);
  return hit;
}

const BINDING_PARENTS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'as_pattern_target', 'list_splat_pattern']);

/** Whether `id` (an identifier) is a place a name is bound (assignment / for / with target, parameter, walrus). */
export function isBindingSite(id: Node): boolean {
  const p = id.parent;
  if (!p) return false;
  switch (p.type) {
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause':
      return p.childForFieldName('left')?.id === id.id;
    case 'named_expression':
      return p.childForFieldName('name')?.id === id.id;
    case 'default_parameter':
    case 'typed_default_parameter':
      return p.childForFieldName('name')?.id === id.id;
    case 'parameters':
    case 'lambda_parameters':
    case 'typed_parameter':
    case 'dictionary_splat_pattern':
      return true;
    case 'function_definition':
    case 'class_definition':
      return p.childForFieldName('name')?.id === id.id;
    default:
      return BINDING_PARENTS.has(p.type);
  }
}

/** Whether function `fn` binds `name` itself (parameter or any binding in its body, nested defs included). */
export function bindsLocally(index: NodeIndex, fn: Node, name: string): boolean {
  const own = fn.childForFieldName('name');
  const ids = index.identifiers([name], fn.startIndex, fn.endIndex).get(name) ?? [];
  return ids.some((i) => i.id !== own?.id && isBindingSite(i));
}

/** The statement holding `n` whose parent is a block / module, unless `n` sits in a lambda, comprehension, def header or decorator. */
export function enclosingStatement(n: Node): Node | null {
  let cur: Node = n;
  for (;;) {
    const p = cur.parent;
    if (!p) return null;
    if (p.type === 'block' || p.type === 'module') return cur;
    if (
      p.type === 'lambda' ||
      p.type === 'function_definition' ||
      p.type === 'class_definition' ||
      p.type === 'decorator' ||
      p.type === 'decorated_definition' ||
      p.type === 'list_comprehension' ||
      p.type === 'set_comprehension' ||
      p.type === 'dictionary_comprehension' ||
      p.type === 'generator_expression'
    ) {
      return null;
    }
    cur = p;
  }
}

/** The indentation of the line holding `node` (found from its offset: no per-line scan). */
export function indentOf(source: string, node: Node): string {
  const ls = source.lastIndexOf('\n', node.startIndex - 1) + 1;
  return /^[ \t]*/.exec(source.slice(ls, node.startIndex))![0];
}

/** Whether `stmt` starts its line (only indentation before it), so whole lines can be inserted before it. */
export function startsLine(source: string, stmt: Node): boolean {
  const ls = source.lastIndexOf('\n', stmt.startIndex - 1) + 1;
  return /^[ \t]*$/.test(source.slice(ls, stmt.startIndex));
}

/** Whether `stmt` ends its line (only a comment may follow). */
export function endsLine(source: string, stmt: Node): boolean {
  let nl = source.indexOf('\n', stmt.endIndex);
  if (nl < 0) nl = source.length;
  return /^[ \t]*(#.*)?\r?$/.test(source.slice(stmt.endIndex, nl));
}

let startsFor: { source: string; starts: number[] } | undefined;

function posOf(source: string, offset: number): { line: number; character: number } {
  if (startsFor?.source !== source) startsFor = { source, starts: lineStarts(source) };
  return positionAt(startsFor.starts, offset);
}

export function rangeOfOffsets(source: string, start: number, end: number): TextEdit['range'] {
  return { start: posOf(source, start), end: posOf(source, end) };
}

/**
 * An edit deleting argument `arg` from its argument list with its comma: the whole line when
 * the argument sits alone on it (a trailing comment goes with it), else the argument and the
 * comma after it, or (for the last argument) the comma before it. Undefined when a comment
 * sits where the comma handling would cut it.
 */
export function removeArgumentEdit(source: string, arg: Node): TextEdit | undefined {
  const list = arg.parent;
  if (!list || list.type !== 'argument_list') return undefined;
  const kids: Node[] = [];
  for (let i = 0; i < list.childCount; i++) {
    const c = list.child(i);
    if (c) kids.push(c);
  }
  const at = kids.findIndex((k) => k.id === arg.id);
  if (at < 0) return undefined;
  const next = kids[at + 1];
  const hasComma = next?.type === ',';
  const afterComma = hasComma ? kids[at + 2] : next;
  const lineStart = source.lastIndexOf('\n', arg.startIndex - 1) + 1;
  const aloneBefore = /^[ \t]*$/.test(source.slice(lineStart, arg.startIndex));
  const tailEnd = hasComma ? next!.endIndex : arg.endIndex;
  const nl = source.indexOf('\n', tailEnd);
  const restOfLine = source.slice(tailEnd, nl < 0 ? source.length : nl);
  if (aloneBefore && nl >= 0 && /^[ \t]*(#.*)?\r?$/.test(restOfLine) && (hasComma || afterComma?.type === ')')) {
    // The argument owns its line(s).
    const prev = kids[at - 1];
    if (!hasComma && prev && prev.type !== ',' && prev.type !== '(') return undefined;
    return { range: rangeOfOffsets(source, lineStart, nl + 1), newText: '' };
  }
  if (afterComma && afterComma.type !== ')' && afterComma.type !== 'comment') {
    return { range: rangeOfOffsets(source, arg.startIndex, afterComma.startIndex), newText: '' };
  }
  // Last argument: take the comma before it (and keep a trailing comma if there was one).
  const prev = kids[at - 1];
  if (prev && prev.type === ',') {
    const prevArg = kids[at - 2];
    if (!prevArg || prevArg.type === 'comment') return undefined;
    return { range: rangeOfOffsets(source, prevArg.endIndex, arg.endIndex), newText: '' };
  }
  if (prev && prev.type === '(') {
    // Only argument.
    const end = hasComma ? next!.endIndex : arg.endIndex;
    return { range: rangeOfOffsets(source, arg.startIndex, end), newText: '' };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Causal language models loaded with transformers.

/** Methods that return the same model object (so `m = m.to(dev)` keeps `m` the model). */
const SAME_MODEL_METHODS = new Set(['to', 'eval', 'cuda', 'cpu', 'half', 'float', 'bfloat16', 'requires_grad_', 'train']);

export interface CausalLm {
  /** The `X.from_pretrained(...)` call. */
  load: Node;
  /** The assignment target: `model` or `self.model`. */
  target: Node;
  /** `model` or `self.model`. */
  key: string;
  /** Scope the binding belongs to: the def for a local, the class for `self.x`, null for module level. */
  scope: Node | null;
}

export function isCausalLmClass(qualified: string | undefined): boolean {
  if (!qualified || !qualified.startsWith('transformers.')) return false;
  const last = qualified.slice(qualified.lastIndexOf('.') + 1);
  return last.endsWith('ForCausalLM');
}

/** The expression `e` grows into through `.to(...)` / `.eval()`-like method calls, and the node above it. */
function climbSameModel(e: Node): Node {
  let cur = e;
  for (;;) {
    const p = cur.parent;
    if (p && p.type === 'attribute' && p.childForFieldName('object')?.id === cur.id) {
      const name = p.childForFieldName('attribute')?.text ?? '';
      const call = callOfCallee(p);
      if (call && SAME_MODEL_METHODS.has(name)) {
        cur = call;
        continue;
      }
    }
    if (p && p.type === 'parenthesized_expression') {
      cur = p;
      continue;
    }
    return cur;
  }
}

/** Whether `rhs` is `<key>` or `<key>.to(...)`-like (keeps the same model). */
function preservesModel(rhs: Node | null, key: string): boolean {
  let e = unparen(rhs);
  while (e && e.type === 'call') {
    const fn = e.childForFieldName('function');
    if (!fn || fn.type !== 'attribute' || !SAME_MODEL_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) return false;
    e = unparen(fn.childForFieldName('object'));
  }
  return !!e && e.text === key;
}

const lmCache = new WeakMap<NodeIndex, CausalLm[]>();

/** Every `x = <transformers>.<...>ForCausalLM.from_pretrained(...)` (optionally `.to(...)`, `.eval()`...). */
export function causalLms(ctx: PythonRuleContext): CausalLm[] {
  let hit = lmCache.get(ctx.index);
  if (hit) return hit;
  hit = [];
  const scopes = scopeLookup(ctx.index, ctx.root);
  for (const id of ctx.index.named('from_pretrained')) {
    const call = methodCallOf(id);
    if (!call) continue;
    const obj = call.childForFieldName('function')?.childForFieldName('object');
    if (!obj || !isCausalLmClass(ctx.imports.qualifiedName(obj))) continue;
    const top = climbSameModel(call);
    const asg = top.parent;
    if (!asg || asg.type !== 'assignment' || asg.childForFieldName('right')?.id !== top.id) continue;
    const target = asg.childForFieldName('left');
    if (!target) continue;
    if (target.type === 'identifier') {
      hit.push({ load: call, target, key: target.text, scope: scopes.scopeOf(asg) });
    } else if (target.type === 'attribute' && target.childForFieldName('object')?.text === 'self') {
      const cls = scopes.classOf(asg);
      if (cls) hit.push({ load: call, target, key: target.text, scope: cls });
    }
  }
  lmCache.set(ctx.index, hit);
  return hit;
}

/**
 * The causal LM `receiver` (an identifier or `self.x` at `at`) is bound to, when every binding of
 * that name in its scope is the causal-LM load or keeps the model (`m = m.to(dev)`).
 */
const resolveCache = new WeakMap<NodeIndex, Map<string, CausalLm | undefined>>();

export function resolveCausalLm(ctx: PythonRuleContext, receiver: Node, at: Node): CausalLm | undefined {
  if (causalLms(ctx).length === 0) return undefined;
  const scopes = scopeLookup(ctx.index, ctx.root);
  const home = receiver.type === 'identifier' ? scopes.functionOf(at) : scopes.classOf(at);
  const key = `${receiver.text}@${home?.id ?? -1}`;
  let memo = resolveCache.get(ctx.index);
  if (!memo) resolveCache.set(ctx.index, (memo = new Map()));
  if (!memo.has(key)) memo.set(key, resolveUncached(ctx, receiver, at));
  return memo.get(key);
}

function resolveUncached(ctx: PythonRuleContext, receiver: Node, at: Node): CausalLm | undefined {
  const lms = causalLms(ctx);
  if (lms.length === 0) return undefined;
  const scopes = scopeLookup(ctx.index, ctx.root);
  const key = receiver.text;
  if (receiver.type === 'identifier') {
    const fn = scopes.functionOf(at);
    let scope: Node | null = null;
    let cands = fn ? lms.filter((l) => l.key === key && l.scope?.id === fn.id) : [];
    if (cands.length === 0) {
      if (fn && bindsLocally(ctx.index, fn, key)) return undefined;
      cands = lms.filter((l) => l.key === key && l.scope === null);
    } else scope = fn;
    if (cands.length !== 1) return undefined;
    const lm = cands[0]!;
    // Every other binding of the name in that scope must keep the model.
    const range = scope ?? ctx.root;
    for (const id of ctx.index.identifiers([key], range.startIndex, range.endIndex).get(key) ?? []) {
      if (id.id === lm.target.id || !isBindingSite(id)) continue;
      if ((scopes.scopeOf(id)?.id ?? null) !== (scope?.id ?? null)) continue;
      const p = id.parent!;
      if (p.type === 'assignment' && preservesModel(p.childForFieldName('right'), key)) continue;
      return undefined;
    }
    return lm;
  }
  if (receiver.type === 'attribute' && receiver.childForFieldName('object')?.text === 'self') {
    const cls = scopes.classOf(at);
    if (!cls) return undefined;
    const cands = lms.filter((l) => l.key === key && l.scope?.id === cls.id);
    if (cands.length !== 1) return undefined;
    const lm = cands[0]!;
    const attr = receiver.childForFieldName('attribute')!.text;
    for (const id of ctx.index.identifiers([attr], cls.startIndex, cls.endIndex).get(attr) ?? []) {
      const a = id.parent;
      if (!a || a.type !== 'attribute' || a.id === lm.target.id || a.childForFieldName('object')?.text !== 'self') continue;
      const asg = a.parent;
      if (!asg || asg.childForFieldName('left')?.id !== a.id) continue;
      if (asg.type === 'assignment' && preservesModel(asg.childForFieldName('right'), key)) continue;
      if (asg.type === 'assignment' || asg.type === 'augmented_assignment') return undefined;
    }
    return lm;
  }
  return undefined;
}

/** `<receiver>.generate(...)` calls whose receiver resolves to a causal LM, with that model. */
export function causalLmGenerateCalls(ctx: PythonRuleContext): { call: Node; lm: CausalLm }[] {
  if (causalLms(ctx).length === 0) return [];
  const out: { call: Node; lm: CausalLm }[] = [];
  for (const id of ctx.index.named('generate')) {
    const call = methodCallOf(id);
    if (!call) continue;
    const receiver = unparen(call.childForFieldName('function')!.childForFieldName('object'));
    if (!receiver) continue;
    const lm = resolveCausalLm(ctx, receiver, call);
    if (lm) out.push({ call, lm });
  }
  return out;
}

/** Whether the file imports anything from `transformers`. */
export function importsTransformers(ctx: PythonRuleContext): boolean {
  return ctx.imports.imports.some((i) => i.qualified === 'transformers' || !!i.qualified?.startsWith('transformers.'));
}
