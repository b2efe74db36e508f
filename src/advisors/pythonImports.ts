/**
 * Import / alias resolution for one Python module, on a tree-sitter tree.
 *
 * Answers "what is this call really?": with `import torch as T`,
 * `T.cuda.synchronize()` resolves to `torch.cuda.synchronize`; with
 * `from time import time as now`, `now()` resolves to `time.time`.
 *
 * Scoping model (Python's LEGB, simplified, erring towards "unresolved"):
 * - Scopes: module, function (body; parameters are local), lambda, class body,
 *   comprehension / generator expression.
 * - Bindings recorded per scope: imports (`import a.b`, `import a.b as x`,
 *   `from m import n [as x]`), assignment / augmented-assignment / annotated
 *   targets (incl. tuple/list unpacking and starred), `for` targets,
 *   `with ... as`, `except ... as`, walrus (`:=`), `def` / `class` names,
 *   parameters (plain, typed, default, `*args`, `**kw`), comprehension targets.
 * - A reference written directly in the module (or a class body) sees the
 *   last binding of that scope that textually precedes it (so
 *   `import time` ... `time = 3` ... `time.time()` is unresolved, and
 *   `time = 3` ... `import time` ... `time.time()` is resolved).
 * - A reference inside a function sees the function's locals first: a name
 *   bound there by anything other than an import is unresolved (a parameter
 *   or local named `torch` shadows the module). Then enclosing function
 *   scopes (class bodies are skipped, as in Python), then the module, where
 *   the *last* module-level binding in the file is used (functions run after
 *   the module body has executed).
 * - `global x` in a function that also binds `x` makes module-level `x`
 *   ambiguous → unresolved everywhere. `nonlocal x` skips the local scope.
 * - Relative imports (`from . import x`, `from .m import x`) bind the name but
 *   resolve to nothing. Unknown names (builtins, undefined) resolve to nothing.
 *
 * Not handled (documented limits): `from m import *` (names it brings in are
 * unknown, and it does not shadow earlier bindings); `match` capture
 * patterns; `del`; `importlib` / `__import__`; `sys.modules` tricks;
 * module attributes assigned from outside (`torch.foo = bar`); flow-sensitivity
 * inside functions (any non-import binding of a name anywhere in a function
 * makes it unresolved throughout that function); names bound in a
 * comprehension's first iterable are attributed to the comprehension scope.
 *
 * Cost model (every node access crosses into wasm): nothing is proportional to the file size
 * beyond text scans; each query costs in proportion to the occurrences of the names involved.
 * - `imports`: found from the occurrences of the words `import` and `from` (on first use).
 * - Finding a position's scopes: descend from the root towards the position through cached
 *   children arrays (a JS binary search per level), stopping at the first node whose text holds
 *   none of `def` / `class` / `lambda` / `for` (every scope opener contains one of them). Nodes
 *   met on the way are cached (type, end, children, fields), so queries in the same statement
 *   or function share the work; a descent resumes below the deepest node of the previous one
 *   that holds the new position (queries come mostly in source order).
 * - A name referenced in a function-like scope that neither binds it nor declares it global
 *   resolves the same anywhere in that scope: the answer is cached per (scope, name).
 * - "Does scope S bind `name`, how, where": the occurrences of `name` in S's text range, cut
 *   down first by a text check (an occurrence after or before `.`, or before `(` other than a
 *   `def` / `class` name, can never be a binding, global or parameter; import statements come
 *   from the `imports` list), then each one classified from its root-to-leaf path: the binder
 *   (assignment / augmented / annotated target incl. destructuring, `for` target, `as` alias,
 *   walrus, def / class name, parameter, global / nonlocal), whether it lies in a region the
 *   eager pass never enters (strings, imports, global / nonlocal statements, `as` aliases, the
 *   name and type parameters of def / class / lambda) and the scope it binds in. Cached per
 *   (name, position) and per (scope, name).
 * - Module-level questions (the module's bindings of `name`, and whether a `global name` in
 *   some scope that also binds it makes it ambiguous) scan `name`'s occurrences in the whole
 *   text once per name.
 * - Syntax errors: the text shortcuts (the occurrence filter, "no word glued before a token",
 *   scope words) are exact for valid code; in a tree with errors they are only trusted inside
 *   error-free subtrees (`hasError`, asked of the nodes on the way down), and the empty name
 *   (MISSING identifiers) is looked up along the error paths. Answers stay identical; only the
 *   cost rises.
 */
import type { Node } from '@vscode/tree-sitter-wasm';

export type ScopeKind = 'module' | 'function' | 'lambda' | 'class' | 'comprehension';

export interface ImportBinding {
  /** The local name bound (`T` for `import torch as T`). */
  local: string;
  /** Fully qualified target (`torch`, `time.time`), or undefined for relative imports. */
  qualified: string | undefined;
  /** The import statement node. */
  statement: Node;
  /** Kind of scope the import is in. */
  scope: ScopeKind;
}

/** Result of looking a bare name up at a point in the module. */
export type NameResolution =
  | { status: 'import'; qualified: string }
  /** Bound, but not (only) to a known import: assignment, parameter, relative import, ambiguous. */
  | { status: 'shadowed' }
  /** Not bound in any visible scope (builtin or undefined). */
  | { status: 'unbound' };

export interface PythonImports {
  /**
   * Qualified name of a call's callee, an attribute chain, or an identifier:
   * `T.cuda.synchronize()` → `torch.cuda.synchronize`. Undefined when the root
   * name is not bound to a known absolute import at that point.
   */
  qualifiedName(node: Node): string | undefined;
  /** Looks a bare name up as if referenced at `at`. */
  resolveName(name: string, at: Node): NameResolution;
  /** Whether the module scope binds `name` anywhere (import, assignment, def, global...). */
  moduleBinds(name: string): boolean;
  /** Every import binding in the module, in source order. */
  readonly imports: readonly ImportBinding[];
}

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const DESTRUCTURING = new Set([
  'pattern_list',
  'tuple_pattern',
  'list_pattern',
  'tuple',
  'list',
  'parenthesized_expression',
  'expression_list',
  'as_pattern_target',
  'list_splat_pattern',
  'dictionary_splat_pattern',
  'list_splat',
]);
/** Node types whose whole subtree the eager pass never enters. */
const SKIPPED = new Set(['string', 'import_statement', 'import_from_statement', 'future_import_statement', 'global_statement', 'nonlocal_statement']);
/** Parameter-list entries that bind through `targetNames` (besides the typed / default forms). */
const PARAM_DIRECT = new Set(['identifier', 'list_splat_pattern', 'dictionary_splat_pattern', 'tuple_pattern']);
/** `a.b.c`: ASCII identifiers joined by dots, nothing else. */
const DOTTED_CHAIN = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Words every scope opener's text contains. */
const SCOPE_WORDS = ['def', 'class', 'lambda', 'for'];

const isAsciiWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** Whitespace within a line (the lexer's extras, newlines aside). */
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 12 || c === 11;

/** A node met on a descent, with what was asked of it (each a wasm call, made once). */
interface Info {
  node: Node;
  type: string;
  end: number;
  kids?: Node[];
  /** Infos of `kids`, filled in as they are met (saves the id lookup on later descents). */
  kinfo?: (Info | undefined)[];
  fields?: Map<string, number>;
  /** Whether the node's text holds a scope word (so a scope opener may lie inside). */
  words?: boolean;
  /** Whether the node is or contains a syntax error (ERROR or MISSING). */
  err?: boolean;
  /** The scope the node opens, once asked for. */
  scope?: Scope;
}

interface Scope {
  /** Opener node id (the root's for the module). */
  key: number;
  kind: ScopeKind;
  /** Text range holding every binding of the scope (the opener node). */
  start: number;
  end: number;
}

interface Binding {
  kind: 'import' | 'other';
  qualified?: string;
  pos: number;
  /** Source order of the binder (pre-order: start, then depth), to order ties as the eager pass does. */
  start: number;
  depth: number;
}

/** What one occurrence of a name does. */
type Role =
  | { role: 'bind'; scope: number; binding: Binding }
  | { role: 'global' | 'nonlocal'; scope: number };

interface ScopeNames {
  /** Bindings before `global` removal, in the eager pass's order. */
  raw: Binding[];
  global: boolean;
  nonlocal: boolean;
}

const shadowed = (): NameResolution => ({ status: 'shadowed' });
const unbound = (): NameResolution => ({ status: 'unbound' });

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

function fields(node: Node, field: string): Node[] {
  return node.childrenForFieldName(field).filter((c): c is Node => c !== null);
}

function dottedText(node: Node): string {
  return named(node)
    .filter((c) => c.type === 'identifier')
    .map((c) => c.text)
    .join('.');
}

function scopeKind(type: string): ScopeKind {
  if (type === 'function_definition') return 'function';
  if (type === 'class_definition') return 'class';
  if (type === 'lambda') return 'lambda';
  return 'comprehension';
}

/** `source` must be the text `root` was parsed from (the default reads it from the tree). */
export function analyzePythonImports(root: Node, source: string = root.text): PythonImports {
  const infos = new Map<number, Info>();
  const info = (node: Node): Info => {
    let i = infos.get(node.id);
    if (!i) infos.set(node.id, (i = { node, type: node.type, end: node.endIndex }));
    return i;
  };
  const rootInfo = info(root);
  const moduleScope: Scope = { key: root.id, kind: 'module', start: 0, end: source.length };

  const hasErr = (x: Info): boolean => (x.err ??= x.node.hasError);
  /**
   * In an error-free tree the text shortcuts below are exact. Error recovery can make a node of
   * anything (a MISSING `def`, a call swallowed as an assignment target), so there they are only
   * trusted inside error-free subtrees.
   */
  const treeHasErr = hasErr(rootInfo);
  /**
   * Whether source index p directly follows a word that is not a number: then no identifier or
   * keyword token starts at p (the lexer would have taken p into that word), except where error
   * recovery lexed oddities (`"\nAnswer` with its quote deleted: `\n` then `Answer`).
   */
  const glued = (p: number): boolean => {
    let s = p - 1;
    if (s < 0 || !isAsciiWordChar(source.charCodeAt(s))) return false;
    while (s > 0 && isAsciiWordChar(source.charCodeAt(s - 1))) s--;
    return !isDigit(source.charCodeAt(s));
  };
  const kidsOf = (x: Info): Node[] => (x.kids ??= x.node.children.filter((c): c is Node => c !== null));
  /** Id of the node's child for `field` (0 when none). `#first` is the first named child. */
  const field = (x: Info, name: string): number => {
    x.fields ??= new Map();
    let id = x.fields.get(name);
    if (id === undefined) {
      const c = name === '#first' ? x.node.namedChildren[0] : x.node.childForFieldName(name);
      x.fields.set(name, (id = c ? c.id : 0));
    }
    return id;
  };

  let scopeWordsAt: number[] | undefined;
  const hasScopeWord = (x: Info): boolean => {
    if (x.words === undefined) {
      if (!scopeWordsAt) {
        // Over-approximates (words in strings and comments count): a miss only costs a deeper descent.
        const at: number[] = [];
        for (const w of SCOPE_WORDS) {
          for (let p = source.indexOf(w); p >= 0; p = source.indexOf(w, p + 1)) {
            if (glued(p)) continue; // (consulted only for error-free nodes)
            if (isAsciiWordChar(source.charCodeAt(p + w.length))) continue;
            at.push(p);
          }
        }
        scopeWordsAt = at.sort((a, b) => a - b);
      }
      const s = x.node.startIndex;
      let lo = 0;
      let hi = scopeWordsAt.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (scopeWordsAt[mid]! < s) lo = mid + 1;
        else hi = mid;
      }
      x.words = lo < scopeWordsAt.length && scopeWordsAt[lo]! < x.end;
    }
    return x.words;
  };

  /** The child of `x` that contains source index `i`, if any. */
  const childAt = (x: Info, i: number): Info | undefined => {
    const kids = kidsOf(x);
    let lo = 0;
    let hi = kids.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (kids[mid]!.startIndex <= i) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const kinfo = (x.kinfo ??= []);
    const c = (kinfo[found] ??= info(kids[found]!));
    return c.end > i ? c : undefined;
  };

  /**
   * Whether `c` is the body of def / class `x`. In an error-free tree the body is the one child
   * that is a `block` (the grammar's suite), which saves asking for the field.
   */
  const isBody = (x: Info, c: Info): boolean => (treeHasErr ? c.node.id === field(x, 'body') : c.type === 'block');

  /** Whether the eager pass never enters child `c` of `x` (nor anything under it). */
  const skips = (x: Info, c: Info): boolean => {
    if (SKIPPED.has(x.type)) return true;
    const id = c.node.id;
    switch (x.type) {
      case 'function_definition': // (body first: the usual way down)
        return !isBody(x, c) && id !== field(x, 'parameters') && id !== field(x, 'return_type');
      case 'class_definition':
        return !isBody(x, c) && id !== field(x, 'superclasses');
      case 'lambda':
        return id !== field(x, 'body') && id !== field(x, 'parameters');
      case 'as_pattern':
        return id === field(x, 'alias');
      default:
        return false;
    }
  };

  const opensAt = (x: Info, c: Info): boolean =>
    x.type === 'function_definition' || x.type === 'class_definition' ? isBody(x, c) : x.type === 'lambda' && c.node.id === field(x, 'body');

  interface Descent {
    path: Info[];
    /** Indexes k of path whose scope region holds path[k + 1] (or the position, for the last). */
    scopes: number[];
    /** First k whose edge path[k] → path[k + 1] enters a region the eager pass skips. */
    firstSkip: number;
  }

  /** Scopes and skipped regions along a root-to-node path. */
  const along = (path: Info[]): Descent => {
    const scopes: number[] = [];
    let firstSkip = Infinity;
    for (let k = 0; k < path.length; k++) {
      const x = path[k]!;
      if (COMPREHENSIONS.has(x.type)) scopes.push(k);
      const c = path[k + 1];
      if (!c) break;
      if (skips(x, c)) {
        if (firstSkip === Infinity) firstSkip = k;
      } else if (opensAt(x, c)) scopes.push(k);
    }
    return { path, scopes, firstSkip };
  };

  /** Root-to-leaf path to source index i. */
  const descend = (i: number): Descent => {
    // Resume below the deepest node of the last path that holds i (the child holding i is unique).
    let k = 1;
    while (k < finger.length && finger[k]!.node.startIndex <= i && i < finger[k]!.end) k++;
    const path = finger.slice(0, k);
    for (let c = childAt(path[k - 1]!, i); c; c = childAt(c, i)) path.push(c);
    finger = path;
    return along(path);
  };
  /** The last root-to-leaf path `descend` took (queries come mostly in source order). */
  let finger: Info[] = [rootInfo];

  /**
   * Scopes whose region holds source index i, outermost (the module) first: down from the root,
   * stopping where no scope opener can lie further down (no scope word in the node's text), or at
   * a region the eager pass skips (openers there do not count).
   */
  const scopesAt = (i: number): Scope[] => {
    // Resume at the deepest node of the last walk that holds i: the walk down to it, and the
    // chain built on the way, depend only on the nodes passed (the child holding i is unique).
    let k = 1;
    while (k < walk.length && walk[k]!.node.startIndex <= i && i < walk[k]!.end) k++;
    const from = walk.length === 0 ? rootInfo : walk[k - 1]!;
    const chain = walkChain.slice(0, walk.length === 0 ? 1 : walkLen[k - 1]!);
    walk.length = k - 1;
    walkLen.length = k - 1;
    for (let x: Info | undefined = from; x; ) {
      walk.push(x);
      walkLen.push(chain.length);
      if (COMPREHENSIONS.has(x.type)) chain.push(scopeOf(x));
      if (!hasScopeWord(x) && !(treeHasErr && hasErr(x))) break;
      const c = childAt(x, i);
      if (!c || skips(x, c)) break;
      if (opensAt(x, c)) chain.push(scopeOf(x));
      x = c;
    }
    walkChain = chain;
    return chain;
  };
  /** The last `scopesAt` walk: nodes passed, chain length on reaching each, and the chain built. */
  const walk: Info[] = [];
  const walkLen: number[] = [];
  let walkChain: Scope[] = [moduleScope];

  const scopeOf = (x: Info): Scope => (x.scope ??= { key: x.node.id, kind: scopeKind(x.type), start: x.node.startIndex, end: x.end });

  /** Innermost scope (key) whose opener is a strict ancestor of path[b]. */
  const scopeAbove = (d: Descent, b: number): { key: number; kind: ScopeKind } => {
    for (let s = d.scopes.length - 1; s >= 0; s--) {
      const k = d.scopes[s]!;
      if (k < b) return { key: d.path[k]!.node.id, kind: scopeKind(d.path[k]!.type) };
    }
    return { key: moduleScope.key, kind: 'module' };
  };

  // ---- imports -------------------------------------------------------------------------------

  interface ImportEntry {
    scope: number;
    local: string;
    binding: Binding;
  }
  let importList: ImportBinding[] | undefined;
  const importEntries: ImportEntry[] = [];
  const imports = (): ImportBinding[] => {
    if (importList) return importList;
    importList = [];
    // Import statements start with `import` or `from` (whichever a broken one still has).
    const found = new Map<number, { d: Descent; b: number }>();
    for (const kw of ['import', 'from']) {
      for (let p = source.indexOf(kw); p >= 0; p = source.indexOf(kw, p + 1)) {
        if (isAsciiWordChar(source.charCodeAt(p + kw.length))) continue;
        if (glued(p) && (!treeHasErr || errorFree(p - 1, p))) continue;
        const d = descend(p);
        const n = d.path.length - 1;
        const leaf = d.path[n]!;
        if (n < 1 || leaf.type !== kw || leaf.node.startIndex !== p) continue;
        const b = n - 1;
        const st = d.path[b]!;
        if (st.type !== 'import_statement' && st.type !== 'import_from_statement') continue;
        if (d.firstSkip < b) continue;
        found.set(st.node.id, { d, b });
      }
    }
    const statements = [...found.values()].sort((x, y) => x.d.path[x.b]!.node.startIndex - y.d.path[y.b]!.node.startIndex);
    for (const { d, b } of statements) {
      const st = d.path[b]!;
      const scope = scopeAbove(d, b);
      const node = st.node;
      const add = (local: string, qualified: string | undefined): void => {
        const binding: Binding = qualified
          ? { kind: 'import', qualified, pos: st.end, start: node.startIndex, depth: b }
          : { kind: 'other', pos: st.end, start: node.startIndex, depth: b };
        importEntries.push({ scope: scope.key, local, binding });
        importList!.push({ local, qualified, statement: node, scope: scope.kind });
      };
      if (st.type === 'import_statement') {
        for (const m of fields(node, 'name')) {
          if (m.type === 'aliased_import') {
            const alias = m.childForFieldName('alias');
            const target = m.childForFieldName('name');
            if (alias && target) add(alias.text, dottedText(target));
          } else if (m.type === 'dotted_name') {
            const first = dottedText(m).split('.')[0];
            if (first) add(first, first);
          }
        }
      } else {
        const mod = node.childForFieldName('module_name');
        const base = mod && mod.type === 'dotted_name' ? dottedText(mod) : undefined; // relative → undefined
        for (const m of fields(node, 'name')) {
          if (m.type === 'aliased_import') {
            const alias = m.childForFieldName('alias');
            const target = m.childForFieldName('name');
            if (alias && target) add(alias.text, base && `${base}.${dottedText(target)}`);
          } else if (m.type === 'dotted_name') {
            const text = dottedText(m);
            add(text, base && `${base}.${text}`);
          }
        }
      }
    }
    return importList;
  };

  // ---- occurrences of a name -----------------------------------------------------------------

  /**
   * Index of the last character of the token before p, skipping whitespace (newlines too: the
   * grammar lets `def` and its name sit on different lines) and line continuations; -1 at the
   * start of the file; -2 when a comment might lie in between (unsure).
   */
  const tokenBefore = (p: number): number => {
    let a = p - 1;
    for (;;) {
      while (a >= 0 && isBlank(source.charCodeAt(a))) a--;
      if (a < 0) return -1;
      const c = source.charCodeAt(a);
      if (c === 10 || c === 13) {
        // Onto the line before: a `#` there may start a comment hiding the token.
        for (let k = a - 1; k >= 0; k--) {
          const d = source.charCodeAt(k);
          if (d === 10 || d === 13) break;
          if (d === 35) return -2;
        }
        a--;
      } else if (c === 92) a--; // '\' line continuation
      else return a;
    }
  };

  /** Text range [spanLo, spanHi] the last `mayBind` verdict read. */
  let spanLo = 0;
  let spanHi = 0;
  /**
   * Whether an identifier at [p, p + len) might bind, or declare global / nonlocal, the name
   * (imports aside). False only where that is impossible in a valid tree: right after or before a
   * `.` on the same line (attribute, dotted / relative module name), or before `(` unless the
   * token before is `def` / `class` (a call, not a def / class name).
   */
  const mayBind = (p: number, len: number): boolean => {
    let a = p - 1;
    while (a >= 0 && (source.charCodeAt(a) === 32 || source.charCodeAt(a) === 9)) a--;
    let z = p + len;
    while (z < source.length && (source.charCodeAt(z) === 32 || source.charCodeAt(z) === 9)) z++;
    const next = z < source.length ? source.charCodeAt(z) : -1;
    spanHi = z;
    if (a >= 0 && source.charCodeAt(a) === 46) {
      // '.' before
      spanLo = a;
      spanHi = p + len - 1;
      return false;
    }
    spanLo = p;
    if (next === 46) return false; // '.' after
    if (next !== 40) return true; // not '('
    const q = tokenBefore(p);
    if (q === -2) return true;
    if (q === -1) return false;
    spanLo = q;
    if (!isAsciiWordChar(source.charCodeAt(q))) return false;
    let w = q;
    while (w > 0 && isAsciiWordChar(source.charCodeAt(w - 1))) w--;
    spanLo = w;
    const word = source.slice(w, q + 1);
    return word === 'def' || word === 'class';
  };

  /** Whether an error-free node holds source range [lo, hi] (so `mayBind`'s reading of it is exact). */
  const errorFree = (lo: number, hi: number): boolean => {
    let x = rootInfo;
    for (;;) {
      if (!hasErr(x)) return true;
      const c = childAt(x, lo);
      if (!c || c.end <= hi) return false;
      x = c;
    }
  };

  /** What the identifier at the end of `d.path` does, if it is named `name` and starts at p (null: a reference, an import part, or nothing). */
  const classify = (d: Descent, name: string, p: number): Role | null => {
    const path = d.path;
    const n = path.length - 1;
    const leaf = path[n]!;
    if (n < 1 || leaf.type !== 'identifier' || leaf.node.startIndex !== p || leaf.end !== p + name.length) return null;
    let j = n;
    while (j > 1 && DESTRUCTURING.has(path[j - 1]!.type)) j--;
    const t = path[j]!;
    const tid = t.node.id;
    const parent = path[j - 1]!;
    const b = j - 1;
    const bind = (pos: number, at: number): Role | null => {
      if (d.firstSkip < at) return null;
      const x = path[at]!;
      return { role: 'bind', scope: scopeAbove(d, at).key, binding: { kind: 'other', pos, start: x.node.startIndex, depth: at } };
    };
    const param = (paramsAt: number): Role | null => {
      const def = path[paramsAt - 1];
      if (!def || (def.type !== 'function_definition' && def.type !== 'lambda')) return null;
      if (field(def, 'parameters') !== path[paramsAt]!.node.id || field(def, 'body') === 0) return null;
      if (d.firstSkip < paramsAt - 1) return null;
      return { role: 'bind', scope: def.node.id, binding: { kind: 'other', pos: -1, start: def.node.startIndex, depth: paramsAt - 1 } };
    };
    switch (parent.type) {
      case 'assignment':
      case 'augmented_assignment':
        return tid === field(parent, 'left') ? bind(parent.end, b) : null;
      case 'for_statement':
      case 'for_in_clause': {
        if (tid !== field(parent, 'left')) return null;
        const right = parent.node.childForFieldName('right');
        return bind(right ? right.endIndex : parent.node.startIndex, b);
      }
      case 'as_pattern':
        return tid === field(parent, 'alias') ? bind(parent.end, b) : null;
      case 'named_expression':
        return tid === field(parent, 'name') ? bind(parent.end, b) : null;
      case 'function_definition':
      case 'class_definition':
        return j === n && tid === field(parent, 'name') ? bind(parent.end, b) : null;
      case 'global_statement':
      case 'nonlocal_statement':
        if (j !== n || d.firstSkip < b) return null;
        return { role: parent.type === 'global_statement' ? 'global' : 'nonlocal', scope: scopeAbove(d, b).key };
      case 'parameters':
      case 'lambda_parameters':
        return PARAM_DIRECT.has(t.type) ? param(b) : null;
      case 'default_parameter':
      case 'typed_default_parameter':
        return tid === field(parent, 'name') && b >= 2 ? param(b - 1) : null;
      case 'typed_parameter':
        return tid === field(parent, '#first') && b >= 2 ? param(b - 1) : null;
      default:
        return null;
    }
  };

  const roles = new Map<string, Map<number, Role | null>>();
  const roleAt = (name: string, p: number): Role | null => {
    let m = roles.get(name);
    if (!m) roles.set(name, (m = new Map()));
    let r = m.get(p);
    if (r === undefined) m.set(p, (r = classify(descend(p), name, p)));
    return r;
  };

  /** Paths to the MISSING (empty) identifiers error recovery inserted: the only way to bind "". */
  let missing: Info[][] | undefined;
  const missingIdentifiers = (): Info[][] => {
    if (missing) return missing;
    const out: Info[][] = [];
    const visit = (path: Info[]): void => {
      const x = path[path.length - 1]!;
      if (x.type === 'identifier' && x.end === x.node.startIndex) out.push([...path]);
      for (const c of kidsOf(x)) {
        if (!c.hasError) continue;
        path.push(info(c));
        visit(path);
        path.pop();
      }
    };
    if (treeHasErr) visit([rootInfo]);
    return (missing = out);
  };

  /** Occurrences of `name` in [start, end) that might bind it, classified. */
  const rolesIn = (name: string, start: number, end: number): Role[] => {
    const out: Role[] = [];
    const len = name.length;
    if (len === 0) {
      for (const path of missingIdentifiers()) {
        const r = classify(along(path), name, path[path.length - 1]!.node.startIndex);
        if (r) out.push(r);
      }
      return out;
    }
    for (let p = source.indexOf(name, start); p >= 0 && p < end; p = source.indexOf(name, p + 1)) {
      if (isAsciiWordChar(source.charCodeAt(p + len))) continue;
      if (glued(p) && (!treeHasErr || errorFree(p - 1, p))) continue;
      if (!mayBind(p, len) && (!treeHasErr || errorFree(spanLo, spanHi))) continue;
      const r = roleAt(name, p);
      if (r) out.push(r);
    }
    return out;
  };

  /** Every binding role of `name` in the file (for module-level questions), once per name. */
  const fileRoles = new Map<string, Role[]>();
  const allRoles = (name: string): Role[] => {
    let r = fileRoles.get(name);
    if (!r) fileRoles.set(name, (r = rolesIn(name, 0, source.length)));
    return r;
  };

  const scopeNames = new Map<number, Map<string, ScopeNames>>();
  const namesIn = (scope: Scope, name: string): ScopeNames => {
    let m = scopeNames.get(scope.key);
    if (!m) scopeNames.set(scope.key, (m = new Map()));
    let s = m.get(name);
    if (!s) {
      const found = fileRoles.get(name) ?? (scope.kind === 'module' ? allRoles(name) : rolesIn(name, scope.start, scope.end));
      s = { raw: [], global: false, nonlocal: false };
      for (const r of found) {
        if (r.scope !== scope.key) continue;
        if (r.role === 'bind') s.raw.push(r.binding);
        else if (r.role === 'global') s.global = true;
        else s.nonlocal = true;
      }
      imports();
      for (const e of importEntries) if (e.scope === scope.key && e.local === name) s.raw.push(e.binding);
      s.raw.sort((a, b) => a.start - b.start || a.depth - b.depth); // stable: within a binder, source order
      m.set(name, s);
    }
    return s;
  };

  /** Bindings after `global` removal (a scope declaring `global x` and binding x loses them). */
  const bindingsIn = (scope: Scope, name: string): Binding[] => {
    const s = namesIn(scope, name);
    return s.global && s.raw.length > 0 ? [] : s.raw;
  };

  const ambiguousCache = new Map<string, boolean>();
  /** `global name` in a scope that also binds name: module-level name is ambiguous. */
  const ambiguous = (name: string): boolean => {
    let a = ambiguousCache.get(name);
    if (a === undefined) {
      a = false;
      for (const r of allRoles(name)) {
        if (r.role !== 'global') continue;
        const scopeKey = r.scope;
        const raw = (scopeKey === moduleScope.key ? namesIn(moduleScope, name) : rawInKey(scopeKey, name)).raw;
        if (raw.length > 0) {
          a = true;
          break;
        }
      }
      ambiguousCache.set(name, a);
    }
    return a;
  };

  /** Bindings of `name` in the scope opened by node `key`, from the file-wide roles. */
  const rawInKey = (key: number, name: string): ScopeNames => {
    const s: ScopeNames = { raw: [], global: false, nonlocal: false };
    for (const r of allRoles(name)) if (r.scope === key && r.role === 'bind') s.raw.push(r.binding);
    imports();
    for (const e of importEntries) if (e.scope === key && e.local === name) s.raw.push(e.binding);
    return s;
  };

  // ---- resolution ----------------------------------------------------------------------------

  const fromBindings = (list: Binding[], before: number | undefined): NameResolution | undefined => {
    if (list.length === 0) return undefined;
    let chosen: Binding | undefined;
    if (before === undefined) {
      chosen = list.reduce((a, b) => (b.pos > a.pos ? b : a));
    } else {
      for (const b of list) if (b.pos <= before && (!chosen || b.pos >= chosen.pos)) chosen = b;
      if (!chosen) return undefined;
    }
    return chosen.kind === 'import' && chosen.qualified ? { status: 'import', qualified: chosen.qualified } : shadowed();
  };

  const resolveModule = (name: string, before: number | undefined): NameResolution => {
    if (ambiguous(name)) return shadowed();
    return fromBindings(bindingsIn(moduleScope, name), before) ?? unbound();
  };

  /**
   * Answers for a name referenced in a function-like scope that neither binds it nor declares it
   * global: then the position plays no part (enclosing scopes are read whole), so per (scope, name).
   */
  const outerAnswers = new Map<number, Map<string, NameResolution>>();
  const resolveAt = (name: string, i: number): NameResolution => {
    const chain = scopesAt(i);
    const own = chain[chain.length - 1]!;
    const ownNames = namesIn(own, name);
    if (ownNames.global) return resolveModule(name, undefined);
    if (own.kind === 'module' || own.kind === 'class' || (!ownNames.nonlocal && bindingsIn(own, name).length > 0)) return resolveIn(chain, name, i);
    let m = outerAnswers.get(own.key);
    if (!m) outerAnswers.set(own.key, (m = new Map()));
    let r = m.get(name);
    if (!r) m.set(name, (r = resolveIn(chain, name, i)));
    return { ...r }; // (a fresh object per answer, as before)
  };
  const resolveIn = (chain: Scope[], name: string, i: number): NameResolution => {
    let direct = true;
    for (let k = chain.length - 1; k >= 0; k--) {
      const s = chain[k]!;
      if (s.kind === 'module') return resolveModule(name, direct ? i : undefined);
      const skip = (s.kind === 'class' && !direct) || (direct && namesIn(s, name).nonlocal);
      if (!skip) {
        const list = bindingsIn(s, name);
        if (list.length > 0) {
          if (s.kind === 'class') {
            const r = fromBindings(list, i);
            if (r) return r; // not bound yet in the class body → fall through to enclosing scopes
          } else {
            // Function-like scopes: local for the whole body.
            if (list.some((b) => b.kind !== 'import')) return shadowed();
            return fromBindings(list, direct ? i : undefined) ?? shadowed(); // UnboundLocalError
          }
        }
      }
      direct = false;
    }
    return unbound();
  };

  /**
   * The answer for a callee / attribute spanning [start, end) whose text is a plain dotted chain
   * (`T.cuda.synchronize`): in a valid (sub)tree that text is an attribute chain over
   * identifiers, so it resolves from the text alone, saving the node walk. null: not such a text
   * (spaces, comments, brackets, non-ASCII...), or not known to be error-free: walk the nodes.
   */
  const chainAnswer = (start: number, end: number): string | undefined | null => {
    if (end <= start) return null;
    const text = source.slice(start, end);
    if (!DOTTED_CHAIN.test(text)) return null;
    if (treeHasErr && !errorFree(start, end - 1)) return null;
    const dot = text.indexOf('.');
    const r = resolveAt(dot < 0 ? text : text.slice(0, dot), start);
    if (r.status !== 'import') return undefined;
    return dot < 0 ? r.qualified : r.qualified + text.slice(dot);
  };

  const qualifiedName = (node: Node): string | undefined => {
    switch (node.type) {
      case 'call': {
        const args = node.childForFieldName('arguments');
        const fast = args ? chainAnswer(node.startIndex, args.startIndex) : null;
        if (fast !== null) return fast;
        const fn = node.childForFieldName('function');
        return fn ? qualifiedName(fn) : undefined;
      }
      case 'parenthesized_expression': {
        const inner = named(node).filter((c) => c.type !== 'comment');
        return inner.length === 1 && inner[0] ? qualifiedName(inner[0]) : undefined;
      }
      case 'attribute': {
        const fast = chainAnswer(node.startIndex, node.endIndex);
        if (fast !== null) return fast;
        const obj = node.childForFieldName('object');
        const attr = node.childForFieldName('attribute');
        if (!obj || !attr) return undefined;
        const base = qualifiedName(obj);
        return base ? `${base}.${attr.text}` : undefined;
      }
      case 'identifier': {
        const r = resolveAt(node.text, node.startIndex);
        return r.status === 'import' ? r.qualified : undefined;
      }
      default:
        return undefined;
    }
  };

  return {
    qualifiedName,
    resolveName: (name, at) => resolveAt(name, at.startIndex),
    moduleBinds: (name) => ambiguous(name) || bindingsIn(moduleScope, name).length > 0,
    get imports() {
      return imports();
    },
  };
}
