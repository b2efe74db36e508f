/**
 * Timed regions and timing loops in Python benchmark code, shared by LAT003 / LAT004 /
 * LAT005 / LAT007. Pure: no `vscode`.
 *
 * Found from the text, never by walking the tree: every clock reading is found from the
 * identifier nodes named like a clock (`perf_counter`, `time`, `default_timer`, an alias
 * imported as one, or `record` on a CUDA event), then the tree is only asked about those
 * spots and the statements around them.
 *
 * Definitions (kept narrow, erring towards "not a timing loop"):
 * - A *host reading* is a call with no arguments resolving through the imports to
 *   `time.perf_counter[_ns]`, `time.time[_ns]`, `time.monotonic[_ns]` or
 *   `timeit.default_timer`. An *event reading* is `ev.record()` (or `evs[i].record()`) where
 *   `ev` is assigned from an expression holding `torch.cuda.Event(enable_timing=True)`.
 * - A *timed region* is an opening statement `t0 = <host reading>` (or `ev.record()`), the
 *   next statement of the same block holding a reading of the same kind (a simple statement:
 *   `t1 = ...`, `lat.append(perf_counter() - t0)`, `end.record()`), and the statements
 *   between them, which hold at least one *timed call*: the outermost call of an expression
 *   statement / assignment / `await` (looking into `with` blocks and loop bodies), other than
 *   clock readings, synchronisation, logging, `print`, list `append` and other builtins.
 * - A *timing loop* is a `for` / `while` loop that either holds a timed region in its body
 *   (directly, or inside `with` blocks of its body: *per-iteration*), or is the only statement
 *   of a timed region apart from synchronisation calls (*whole-loop*: readings immediately
 *   before and after the loop in the same block).
 * - The *iteration count* is known for `for _ in range(N)` / `range(a, N)` where each bound is
 *   an integer literal or a name bound exactly once in the file, by `NAME = <int literal>` at
 *   module level or in the loop's function (before the loop when in the same block).
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { PythonImports } from './pythonImports';
import type { NodeIndex } from './textIndex';
import { unparen } from './nodes';

/** What the finder needs; a `PythonRuleContext` satisfies it. */
export interface TimingContext {
  source: string;
  root: Node;
  index: NodeIndex;
  imports: PythonImports;
}

export const HOST_CLOCKS: ReadonlySet<string> = new Set([
  'time.perf_counter',
  'time.perf_counter_ns',
  'time.time',
  'time.time_ns',
  'time.monotonic',
  'time.monotonic_ns',
  'timeit.default_timer',
]);
const CLOCK_WORDS = ['perf_counter', 'perf_counter_ns', 'time', 'time_ns', 'monotonic', 'monotonic_ns', 'default_timer'];

export type ClockKind = 'host' | 'event';

export interface ClockReading {
  /** The reading call (`time.perf_counter()`, `start.record()`). */
  call: Node;
  /** The statement holding it (child of a `block` or the module). */
  statement: Node;
  kind: ClockKind;
}

export interface TimedRegion {
  kind: ClockKind;
  /** `t0 = <reading>` / `ev.record()`. */
  open: ClockReading;
  /** The first reading of the next statement holding one. */
  close: ClockReading;
  /** The name the opening reading is assigned to (host readings). */
  openVar?: string;
  /** Statements strictly between the two (comments left out). */
  between: Node[];
  /** Outermost calls of the timed statements, in source order. */
  timedCalls: Node[];
  /** The innermost enclosing `def`, or null at module level. */
  fn: Node | null;
}

export interface IterationCount {
  value: number;
  /** The `range(...)` argument that sets the end (integer literal or name). */
  endArg: Node;
  /** The start of `range(a, N)`, 0 for `range(N)`. */
  start: number;
  /** When `endArg` is a name: the integer literal it is bound to. */
  constant?: { name: string; literal: Node; assignment: Node; uses: number };
}

export interface TimingLoop {
  loop: Node;
  mode: 'per-iteration' | 'whole-loop';
  /** Per-iteration: the regions in the body; whole-loop: the one region around the loop. */
  regions: TimedRegion[];
  timedCalls: Node[];
  readings: ClockReading[];
  count?: IterationCount;
  fn: Node | null;
  /** `lat.append(<latency>)` statements at the top of the loop body (per-iteration only). */
  samples: { list: string; append: Node }[];
}

export interface TimingAnalysis {
  regions: TimedRegion[];
  loops: TimingLoop[];
}

const cache = new WeakMap<object, TimingAnalysis>();

/** The statement holding `n` (a child of a `block` or the module), or null across a def / class / lambda. */
export function statementOf(n: Node): Node | null {
  let cur: Node = n;
  for (;;) {
    const p = cur.parent;
    if (!p) return null;
    if (p.type === 'block' || p.type === 'module') return cur;
    if (p.type === 'lambda' || p.type === 'function_definition' || p.type === 'class_definition') return null;
    cur = p;
  }
}

export function enclosingFunction(n: Node): Node | null {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'function_definition') return p;
  return null;
}

export function isLoop(n: Node | null): boolean {
  return !!n && (n.type === 'for_statement' || n.type === 'while_statement');
}

/** Named children other than comments. */
export function statements(block: Node): Node[] {
  return block.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

/** Whether `n` is the first thing on its line (only indentation before it). */
export function startsLine(source: string, n: Node): boolean {
  for (let i = n.startIndex - 1; i >= 0; i--) {
    const c = source[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

function callOf(fn: Node): Node | null {
  const p = fn.parent;
  return p && p.type === 'call' && p.childForFieldName('function')?.id === fn.id ? p : null;
}

function hasNoArgs(call: Node): boolean {
  const args = call.childForFieldName('arguments');
  return !!args && args.type === 'argument_list' && args.namedChildCount === 0;
}

/** The innermost call a method chain starts from: `model(x).cpu()` → `model(x)`. */
export function rootCall(call: Node): Node {
  let c = call;
  for (;;) {
    const fn = c.childForFieldName('function');
    if (!fn || fn.type !== 'attribute') return c;
    const obj = unparen(fn.childForFieldName('object'));
    if (!obj || obj.type !== 'call') return c;
    c = obj;
  }
}

/** The callee text of a timed call (`model`, `session.run`, `self.model.generate`). */
export function calleeKey(call: Node): string {
  return rootCall(call).childForFieldName('function')?.text ?? '';
}

const NOISE_BUILTINS = new Set([
  'print', 'len', 'range', 'list', 'dict', 'tuple', 'set', 'sorted', 'min', 'max', 'sum', 'abs', 'round', 'str', 'int',
  'float', 'bool', 'isinstance', 'enumerate', 'zip', 'next', 'iter', 'open', 'repr', 'format', 'getattr', 'setattr',
]);
const NOISE_METHODS = new Set([
  'append', 'extend', 'insert', 'add', 'update', 'write', 'flush', 'record', 'synchronize', 'elapsed_time', 'info', 'debug',
  'warning', 'error', 'exception', 'log', 'set_postfix', 'set_description', 'clear', 'reset', 'empty_cache', 'collect',
]);

/**
 * Whether a call's callee, by the text, cannot resolve to an import: in a valid tree the name
 * resolved is the first token of the call (after opening parentheses), and only a name some
 * import binds resolves to one. False when the text cannot tell.
 */
function surelyUnimported(ctx: TimingContext, locals: ReadonlySet<string>, call: Node): boolean {
  const s = ctx.source;
  let i = call.startIndex;
  for (let c = s.charCodeAt(i); c === 40 || c === 32 || c === 9; c = s.charCodeAt(++i));
  const st = i;
  for (let c = s.charCodeAt(i); (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (i > st && c >= 48 && c <= 57); c = s.charCodeAt(++i));
  if (i === st || s.charCodeAt(i) > 127) return false;
  return !locals.has(s.slice(st, i));
}

/** Whether the call is bookkeeping rather than the work being timed. */
function isNoiseCall(ctx: TimingContext, call: Node, locals?: ReadonlySet<string>): boolean {
  const root = rootCall(call);
  const fn = root.childForFieldName('function');
  if (!fn) return true;
  if (fn.type === 'identifier') {
    if (NOISE_BUILTINS.has(fn.text) && ctx.imports.resolveName(fn.text, fn).status === 'unbound') return true;
  } else if (fn.type === 'attribute') {
    const attr = fn.childForFieldName('attribute')?.text ?? '';
    if (NOISE_METHODS.has(attr)) return true;
  }
  // A callee whose root name no import binds has no qualified name (skips the lookup).
  if (locals && surelyUnimported(ctx, locals, root)) return false;
  const q = ctx.imports.qualifiedName(root);
  if (q && (HOST_CLOCKS.has(q) || q.startsWith('time.') || q.startsWith('logging.') || q.startsWith('torch.cuda.') || q.startsWith('gc.'))) return true;
  return false;
}

/** The outermost call of an expression: through `await`, parentheses, `x = ...`, `.attr`, `[...]`. */
function outerCall(expr: Node | null): Node | null {
  let e = unparen(expr);
  for (let guard = 0; e && guard < 16; guard++) {
    switch (e.type) {
      case 'call':
        return e;
      case 'await':
        e = unparen(e.namedChild(0));
        break;
      case 'assignment':
      case 'augmented_assignment':
        e = unparen(e.childForFieldName('right'));
        break;
      case 'attribute':
        e = unparen(e.childForFieldName('object'));
        break;
      case 'subscript':
        e = unparen(e.childForFieldName('value'));
        break;
      default:
        return null;
    }
  }
  return null;
}

/**
 * Timed calls of statements: expression statements, and the bodies of `with` and loops.
 * `locals`: the names imports bind, when the tree is error-free (lets callees skip resolution).
 */
function callsOf(ctx: TimingContext, stmts: readonly Node[], out: Node[], depth = 0, locals?: ReadonlySet<string>, typeOf?: (n: Node) => string): void {
  if (depth > 6) return;
  for (const s of stmts) {
    const type = typeOf ? typeOf(s) : s.type;
    if (type === 'expression_statement') {
      for (const e of s.namedChildren) {
        const c = e ? outerCall(e) : null;
        if (c && !isNoiseCall(ctx, c, locals)) out.push(c);
      }
    } else if (type === 'with_statement' || type === 'for_statement' || type === 'while_statement') {
      const body = s.childForFieldName('body');
      if (body) callsOf(ctx, statements(body), out, depth + 1, locals, typeOf);
    }
  }
}

/** A place the text suggests a clock reading; the tree is asked only when it matters. */
interface Candidate {
  /** Start of the callee chain (`time.perf_counter()` → at `time`) and end after `)`. */
  start: number;
  end: number;
  /** Start of the identifier (the callee's last name). */
  at: number;
  /** The identifier node (absent when {@link plainCall} stands for it). */
  id?: Node;
  /** The identifier's text. */
  word: string;
  kind: ClockKind;
  /** Verified reading call: a node, null when it is not one, undefined before checking. */
  call?: Node | null;
  /**
   * In an error-free tree, for a callee written as a plain dotted chain directly followed by
   * `()`: the call node spanning exactly that text. Its existence shows the identifier is one,
   * and it is the call the identifier's callee makes.
   */
  plainCall?: Node;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
const WORD_OR_DOT = /[\w.]/;
const CHAIN = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** Identifiers named like a clock, followed in the text by `()` (no arguments). */
function hostCandidates(ctx: TimingContext, aliases: Set<string>, exact: boolean): Candidate[] {
  const s = ctx.source;
  const out: Candidate[] = [];
  const { startIndex, endIndex } = ctx.root;
  for (const word of new Set([...CLOCK_WORDS, ...aliases])) {
    // The text is checked first; the tree is asked only whether an identifier starts there.
    for (const at of ctx.index.positions(word, startIndex, endIndex)) {
      let e = at + word.length;
      while (isSpace(s[e])) e++;
      if (s[e] !== '(') continue;
      e++;
      while (isSpace(s[e])) e++;
      if (s[e] !== ')') continue;
      let st = at;
      if (s[st - 1] === '.') {
        while (st > 0 && WORD_OR_DOT.test(s[st - 1]!)) st--;
      } else if (!aliases.has(word)) continue;
      if (exact && e === at + word.length + 1 && CHAIN.test(s.slice(st, at + word.length))) {
        // `<chain>()` as plain text: one lookup finds the call, which vouches for the identifier.
        const call = ctx.index.nodeAt(st, e + 1, 'call');
        if (call) {
          out.push({ start: st, end: e + 1, at, word, kind: 'host', plainCall: call });
          continue;
        }
      }
      const id = ctx.index.identifierAt(at, word.length);
      if (id) out.push({ start: st, end: e + 1, at, id, word, kind: 'host' });
    }
  }
  return out;
}

/**
 * The reading call, or null. The callee is resolved from its text (`t_mod.time` → root `t_mod`
 * looked up at the identifier; for a plain chain, at its start: nothing binds inside a dotted
 * name), so only verified readings cost tree lookups.
 */
function verifyHost(ctx: TimingContext, c: Candidate): Node | null {
  const chain = ctx.source.slice(c.start, c.at) + c.word;
  if (!CHAIN.test(chain)) return null;
  const dot = chain.indexOf('.');
  const root = dot < 0 ? chain : chain.slice(0, dot);
  const r = ctx.imports.resolveName(root, c.plainCall ?? c.id!);
  if (r.status !== 'import' || !HOST_CLOCKS.has(r.qualified + (dot < 0 ? '' : chain.slice(dot)))) return null;
  if (c.plainCall) return c.plainCall;
  const fn = dot < 0 ? c.id : c.id!.parent;
  const call = fn?.parent;
  return call && call.type === 'call' ? call : null;
}

/**
 * Whether, by the text alone, the block holding the statement at `from` ends before `to`: a
 * code line in between is indented less than the line of `from` (blank and comment-only lines
 * are skipped). Only used to skip work; a continuation line indented less makes it miss.
 */
function blockEndsBefore(s: string, from: number, to: number): boolean {
  let ls = s.lastIndexOf('\n', from - 1) + 1;
  let indent = 0;
  while (isSpace(s[ls + indent])) indent++;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) {
    ls = i + 1;
    let k = 0;
    while (isSpace(s[ls + k])) k++;
    const c = s[ls + k];
    if (c === undefined || c === '\n' || c === '\r' || c === '#') continue;
    if (k < indent) return true;
  }
  return false;
}

/** `NAME` when the text around a candidate reads `NAME = <reading>` as a whole simple statement. */
function openerName(s: string, c: Candidate): string | undefined {
  let i = c.end;
  while (isSpace(s[i])) i++;
  if (i < s.length && !'\r\n;#'.includes(s[i]!)) return undefined;
  let j = c.start - 1;
  while (j >= 0 && isSpace(s[j])) j--;
  if (s[j] !== '=' || '=!<>+-*/%&|^@:'.includes(s[j - 1] ?? '')) return undefined;
  let k = j - 1;
  while (k >= 0 && s[k] !== '\n' && s[k] !== ';') k--;
  return /^\s*([A-Za-z_]\w*)\s*(:[^=]*)?$/.exec(s.slice(k + 1, j))?.[1];
}
/** Names (identifiers or `self.x`) assigned something holding `torch.cuda.Event(enable_timing=True)`. */
function eventNames(ctx: TimingContext): Set<string> {
  const names = new Set<string>();
  for (const id of ctx.index.named('Event')) {
    const p = id.parent;
    const fn = p && p.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id ? p : id;
    const call = callOf(fn);
    if (!call || ctx.imports.qualifiedName(call) !== 'torch.cuda.Event') continue;
    const args = call.childForFieldName('arguments');
    const timing = args?.namedChildren.some(
      (a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'enable_timing' && a.childForFieldName('value')?.type === 'true',
    );
    if (!timing) continue;
    for (let cur: Node | null = call, guard = 0; cur && guard < 8; cur = cur.parent, guard++) {
      const up = cur.parent;
      if (up && up.type === 'assignment' && up.childForFieldName('right')?.id === cur.id) {
        const left = up.childForFieldName('left');
        if (left && (left.type === 'identifier' || left.type === 'attribute')) names.add(left.text);
        else if (left && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
          for (const c of left.namedChildren) if (c && (c.type === 'identifier' || c.type === 'attribute')) names.add(c.text);
        }
        break;
      }
      if (up && (up.type === 'block' || up.type === 'module')) break;
    }
  }
  return names;
}

function eventCandidates(ctx: TimingContext): Candidate[] {
  const ids = ctx.index.named('record');
  if (ids.length === 0) return [];
  const names = eventNames(ctx);
  if (names.size === 0) return [];
  const out: Candidate[] = [];
  for (const id of ids) {
    const attr = id.parent;
    if (!attr || attr.type !== 'attribute' || attr.childForFieldName('attribute')?.id !== id.id) continue;
    let obj = unparen(attr.childForFieldName('object'));
    if (obj && obj.type === 'subscript') obj = obj.childForFieldName('value');
    if (!obj || !names.has(obj.text)) continue;
    const call = callOf(attr);
    if (call) out.push({ start: call.startIndex, end: call.endIndex, at: id.startIndex, id, word: 'record', kind: 'event', call });
  }
  return out;
}

/** `t0 = <reading>` → `t0` (the reading is the whole right side). */
function openerVar(stmt: Node, reading: Node): string | undefined | null {
  if (stmt.type !== 'expression_statement' || stmt.namedChildCount !== 1) return null;
  const e = stmt.namedChild(0);
  if (!e) return null;
  if (e.type === 'assignment') {
    const left = e.childForFieldName('left');
    const right = unparen(e.childForFieldName('right'));
    if (left?.type === 'identifier' && right?.id === reading.id) return left.text;
    return null;
  }
  return unparen(e)?.id === reading.id ? undefined : null;
}

const SIMPLE_CLOSERS = new Set(['expression_statement', 'return_statement']);

function isSyncStatement(ctx: TimingContext, s: Node, type: string = s.type): boolean {
  if (type !== 'expression_statement' || s.namedChildCount !== 1) return false;
  const c = unparen(s.namedChild(0));
  if (!c || c.type !== 'call') return false;
  const fn = c.childForFieldName('function');
  if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'synchronize') return true;
  return ctx.imports.qualifiedName(c) === 'torch.cuda.synchronize';
}

/** Climbs from a block through `with` bodies to the loop whose body it is. */
function loopOfBlock(block: Node): Node | null {
  let b: Node | null = block;
  while (b && b.type === 'block') {
    const p: Node | null = b.parent;
    if (!p) return null;
    if (isLoop(p)) return p.childForFieldName('body')?.id === b.id ? p : null;
    if (p.type !== 'with_statement') return null;
    b = p.parent;
  }
  return null;
}

const BINDING_PARENTS = new Set([
  'parameters', 'lambda_parameters', 'typed_parameter', 'list_splat_pattern', 'dictionary_splat_pattern', 'global_statement',
  'nonlocal_statement', 'dotted_name', 'aliased_import', 'as_pattern_target', 'pattern_list', 'tuple_pattern', 'list_pattern',
]);
const FIELD_BINDINGS: Record<string, string> = {
  assignment: 'left',
  augmented_assignment: 'left',
  for_statement: 'left',
  for_in_clause: 'left',
  named_expression: 'name',
  default_parameter: 'name',
  typed_default_parameter: 'name',
  function_definition: 'name',
  class_definition: 'name',
};
const TARGET_WRAPPERS = new Set(['tuple', 'list', 'expression_list', 'parenthesized_expression']);

/** Whether identifier `id` is a place a name is bound (assignment target, parameter, loop target, import...). */
export function isBindingSite(id: Node): boolean {
  let cur: Node = id;
  let p = cur.parent;
  while (p && TARGET_WRAPPERS.has(p.type)) {
    cur = p;
    p = p.parent;
  }
  if (!p) return false;
  if (BINDING_PARENTS.has(p.type)) return true;
  const field = FIELD_BINDINGS[p.type];
  return !!field && p.childForFieldName(field)?.id === cur.id;
}

function intLiteral(n: Node | null): number | undefined {
  if (!n || n.type !== 'integer') return undefined;
  const v = Number(n.text.replace(/_/g, ''));
  return Number.isSafeInteger(v) ? v : undefined;
}

function constantValue(ctx: TimingContext, name: Node, loop: Node, fn: Node | null): IterationCount['constant'] | undefined {
  const r = ctx.imports.resolveName(name.text, name);
  if (r.status !== 'shadowed') return undefined;
  const occ = ctx.index.named(name.text);
  const bindings = occ.filter(isBindingSite);
  if (bindings.length !== 1) return undefined;
  const b = bindings[0]!;
  const asg = b.parent;
  if (!asg || asg.type !== 'assignment' || asg.childForFieldName('left')?.id !== b.id) return undefined;
  const literal = asg.childForFieldName('right');
  if (intLiteral(literal) === undefined) return undefined;
  const stmt = asg.parent;
  if (!stmt || stmt.type !== 'expression_statement') return undefined;
  const holder = stmt.parent;
  const atModule = holder?.type === 'module';
  const inFn = holder?.type === 'block' && !!fn && holder.parent?.id === fn.id;
  if (!atModule && !inFn) return undefined;
  if ((inFn || !fn) && stmt.startIndex > loop.startIndex) return undefined;
  return { name: name.text, literal: literal!, assignment: asg, uses: occ.length };
}

function iterationCount(ctx: TimingContext, loop: Node, fn: Node | null): IterationCount | undefined {
  if (loop.type !== 'for_statement') return undefined;
  const right = unparen(loop.childForFieldName('right'));
  if (!right || right.type !== 'call') return undefined;
  const f = right.childForFieldName('function');
  if (!f || f.type !== 'identifier' || f.text !== 'range' || ctx.imports.resolveName('range', f).status !== 'unbound') return undefined;
  const args = (right.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
  if (args.length < 1 || args.length > 2) return undefined;
  const valueOf = (a: Node): { v: number; constant?: IterationCount['constant'] } | undefined => {
    const lit = intLiteral(a);
    if (lit !== undefined) return { v: lit };
    if (a.type !== 'identifier') return undefined;
    const constant = constantValue(ctx, a, loop, fn);
    return constant ? { v: intLiteral(constant.literal)!, constant } : undefined;
  };
  const endArg = args[args.length - 1]!;
  const end = valueOf(endArg);
  if (!end) return undefined;
  let start = 0;
  if (args.length === 2) {
    const s = valueOf(args[0]!);
    if (!s) return undefined;
    start = s.v;
  }
  const c: IterationCount = { value: Math.max(0, end.v - start), endArg, start };
  if (end.constant) c.constant = end.constant;
  return c;
}

/** Every identifier inside a small subtree (walking it is fine: it is one expression). */
export function identifiersIn(n: Node, out: Node[] = []): Node[] {
  if (n.type === 'identifier') out.push(n);
  else for (const c of n.namedChildren) if (c) identifiersIn(c, out);
  return out;
}

function sampleAppends(ctx: TimingContext, loop: Node, regions: readonly TimedRegion[]): TimingLoop['samples'] {
  const body = loop.childForFieldName('body');
  if (!body) return [];
  const timeVars = new Set<string>();
  for (const r of regions) if (r.openVar) timeVars.add(r.openVar);
  const holdsTime = (e: Node): boolean => {
    for (const r of regions) {
      for (const x of [r.open.call, r.close.call]) if (x.startIndex >= e.startIndex && x.endIndex <= e.endIndex) return true;
    }
    return identifiersIn(e).some((i) => timeVars.has(i.text) || i.text === 'elapsed_time');
  };
  const out: TimingLoop['samples'] = [];
  const visit = (stmts: readonly Node[], depth: number): void => {
    for (const s of stmts) {
      if (s.type === 'with_statement' && depth < 4) {
        const b = s.childForFieldName('body');
        if (b) visit(statements(b), depth + 1);
        continue;
      }
      if (s.type !== 'expression_statement' || s.namedChildCount !== 1) continue;
      const e = s.namedChild(0)!;
      if (e.type === 'assignment') {
        const left = e.childForFieldName('left');
        const right = e.childForFieldName('right');
        if (left?.type === 'identifier' && right && holdsTime(right)) timeVars.add(left.text);
        continue;
      }
      if (e.type !== 'call') continue;
      const fn = e.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'append') continue;
      const obj = fn.childForFieldName('object');
      const args = (e.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
      if (obj?.type !== 'identifier' || args.length !== 1 || args[0]!.type === 'keyword_argument') continue;
      if (holdsTime(args[0]!)) out.push({ list: obj.text, append: e });
    }
  };
  visit(statements(body), 0);
  return out;
}

/** The names imports bind to absolute targets (the only names that resolve to an import). */
function importedNames(ctx: TimingContext): ReadonlySet<string> {
  return new Set(ctx.imports.imports.filter((i) => i.qualified !== undefined).map((i) => i.local));
}

/** Readings, timed regions and timing loops of the module (computed once per analysis). */
export function analyzeTiming(ctx: TimingContext): TimingAnalysis {
  const hit = cache.get(ctx.index);
  if (hit) return hit;
  const aliases = new Set<string>();
  for (const imp of ctx.imports.imports) if (imp.qualified && HOST_CLOCKS.has(imp.qualified)) aliases.add(imp.local);
  // Text shortcuts are exact for valid code only: with syntax errors, ask the tree everywhere.
  const exact = !ctx.root.hasError;
  const cands = [...hostCandidates(ctx, aliases, exact), ...eventCandidates(ctx)].sort((x, y) => x.start - y.start);
  const verify = (c: Candidate): Node | null => {
    if (c.call === undefined) c.call = verifyHost(ctx, c);
    return c.call;
  };
  /** The first real reading in [start, end), by the sorted candidates. */
  const firstReading = (start: number, end: number): Candidate | undefined => {
    let lo = 0;
    let hi = cands.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cands[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < cands.length && cands[i]!.start < end; i++) if (verify(cands[i]!)) return cands[i];
    return undefined;
  };

  // Statement types are asked several times (comment? closer? loop? timed?): once per node.
  const types = new Map<number, string>();
  const typeOf = (n: Node): string => {
    let t = types.get(n.id);
    if (t === undefined) types.set(n.id, (t = n.type));
    return t;
  };
  const isLoopNode = (n: Node): boolean => {
    const t = typeOf(n);
    return t === 'for_statement' || t === 'while_statement';
  };

  const regions: TimedRegion[] = [];
  let importLocals: ReadonlySet<string> | undefined;
  for (let ci = 0; ci < cands.length; ci++) {
    const c = cands[ci]!;
    const next = cands[ci + 1];
    // Openers: `t0 = <host reading>` or `ev.record()`, a whole statement of a block, with a
    // later reading in the same block.
    if (!next) continue;
    const name = c.kind === 'host' ? openerName(ctx.source, c) : undefined;
    if (c.kind === 'host' && !name) continue;
    if (blockEndsBefore(ctx.source, c.start, next.start)) continue;
    const call = verify(c);
    if (!call) continue;
    let statement: Node | null;
    let v: string | undefined | null;
    /** The statement's parent, when known (a block or the module). */
    let holder: Node | null = null;
    if (name) {
      // The text reads `name = <reading>`: check it is that assignment statement (not `f(\n t=now())`).
      const asg = call.parent;
      statement = asg?.type === 'assignment' ? asg.parent : null;
      holder = statement?.parent ?? null;
      if (!statement || statement.type !== 'expression_statement' || !holder || (holder.type !== 'block' && holder.type !== 'module')) continue;
      v = name;
    } else {
      statement = statementOf(call);
      if (!statement || statement.type !== 'expression_statement') continue;
      v = openerVar(statement, call);
      if (v === null) continue;
    }
    const between: Node[] = [];
    let close: ClockReading | undefined;
    let steps = 0;
    for (let sib = statement.nextNamedSibling; sib && steps < 200; sib = sib.nextNamedSibling, steps++) {
      const sibType = typeOf(sib);
      if (sibType === 'comment') continue;
      const r = firstReading(sib.startIndex, sib.endIndex);
      if (r) {
        if (r.kind === c.kind && SIMPLE_CLOSERS.has(sibType)) close = { call: r.call!, statement: sib, kind: r.kind };
        break;
      }
      between.push(sib);
    }
    if (!close || between.length === 0) continue;
    const timedCalls: Node[] = [];
    importLocals ??= exact ? importedNames(ctx) : undefined;
    callsOf(ctx, between, timedCalls, 0, importLocals, typeOf);
    if (timedCalls.length === 0) continue;
    // (The statement's parent is a block or the module, never the def itself.)
    const fn = holder ? enclosingFunction(holder) : enclosingFunction(statement);
    const region: TimedRegion = { kind: c.kind, open: { call, statement, kind: c.kind }, close, between, timedCalls, fn };
    if (v !== undefined) region.openVar = v;
    regions.push(region);
  }

  const loops = new Map<number, TimingLoop>();
  // Whole-loop timing first: a region that brackets a loop times that loop, not an iteration of an outer loop.
  const wholeLoop = new Set<TimedRegion>();
  for (const region of regions) {
    const loopsBetween = region.between.filter(isLoopNode);
    if (loopsBetween.length !== 1 || region.between.some((s) => !isLoopNode(s) && !isSyncStatement(ctx, s, typeOf(s)))) continue;
    const loop = loopsBetween[0]!;
    wholeLoop.add(region);
    if (loops.has(loop.id)) continue;
    loops.set(loop.id, { loop, mode: 'whole-loop', regions: [region], timedCalls: region.timedCalls, readings: [region.open, region.close], fn: region.fn, samples: [] });
  }
  for (const region of regions) {
    if (wholeLoop.has(region)) continue;
    const loop = loopOfBlock(region.open.statement.parent!);
    if (!loop) continue;
    let l = loops.get(loop.id);
    if (!l || l.mode === 'whole-loop') loops.set(loop.id, (l = { loop, mode: 'per-iteration', regions: [], timedCalls: [], readings: [], fn: region.fn, samples: [] }));
    l.regions.push(region);
    l.timedCalls.push(...region.timedCalls);
    l.readings.push(region.open, region.close);
  }
  const loopList = [...loops.values()].sort((x, y) => x.loop.startIndex - y.loop.startIndex);
  for (const l of loopList) {
    const count = iterationCount(ctx, l.loop, l.fn);
    if (count) l.count = count;
    if (l.mode === 'per-iteration') l.samples = sampleAppends(ctx, l.loop, l.regions);
  }
  const result: TimingAnalysis = { regions, loops: loopList };
  cache.set(ctx.index, result);
  return result;
}

export function findTimingLoops(ctx: TimingContext): TimingLoop[] {
  return analyzeTiming(ctx).loops;
}

/** The range of a loop's header: `for _ in range(N)` / `while cond`, without the colon. */
export function loopHeaderEnd(loop: Node): Node {
  return loop.childForFieldName(loop.type === 'for_statement' ? 'right' : 'condition') ?? loop;
}
