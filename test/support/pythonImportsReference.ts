/**
 * The first, eager implementation of src/advisors/pythonImports.ts: it collects every binding
 * of the module up front (about 9x more node accesses on a 10,000-line file). Kept only as the
 * oracle of the differential test (pythonImportsDifferential.test.ts), so it stays independent
 * code on purpose: the product uses the lazy analysis. Same scoping model and limits (see the
 * header of src/advisors/pythonImports.ts).
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { ImportBinding, NameResolution, PythonImports, ScopeKind } from '../../src/advisors/pythonImports';

interface Binding {
  kind: 'import' | 'other';
  qualified?: string;
  /** Source index from which the binding is in effect. */
  pos: number;
}

interface Scope {
  kind: ScopeKind;
  parent: Scope | undefined;
  /** Region of source whose references belong to this scope. */
  start: number;
  end: number;
  bindings: Map<string, Binding[]>;
  globals: Set<string>;
  nonlocals: Set<string>;
  children: Scope[];
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

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

function fields(node: Node, field: string): Node[] {
  return node.childrenForFieldName(field).filter((c): c is Node => c !== null);
}

/** Identifiers bound by an assignment-like target. */
function targetNames(node: Node | null): string[] {
  if (!node) return [];
  if (node.type === 'identifier') return [node.text];
  if (DESTRUCTURING.has(node.type)) return named(node).flatMap(targetNames);
  return []; // attribute / subscript targets bind nothing
}

function dottedText(node: Node): string {
  return named(node)
    .filter((c) => c.type === 'identifier')
    .map((c) => c.text)
    .join('.');
}

function parameterNames(params: Node | null): string[] {
  if (!params) return [];
  const out: string[] = [];
  for (const p of named(params)) {
    switch (p.type) {
      case 'identifier':
        out.push(p.text);
        break;
      case 'default_parameter':
      case 'typed_default_parameter':
        out.push(...targetNames(p.childForFieldName('name')));
        break;
      case 'typed_parameter': {
        const first = named(p)[0];
        if (first) out.push(...(first.type === 'identifier' ? [first.text] : targetNames(first)));
        break;
      }
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
      case 'tuple_pattern':
        out.push(...targetNames(p));
        break;
      default:
        break;
    }
  }
  return out;
}

export function analyzePythonImportsReference(root: Node): PythonImports {
  const moduleScope: Scope = newScope('module', undefined, root.startIndex, root.endIndex);
  const imports: ImportBinding[] = [];

  function newScope(kind: ScopeKind, parent: Scope | undefined, start: number, end: number): Scope {
    const s: Scope = { kind, parent, start, end, bindings: new Map(), globals: new Set(), nonlocals: new Set(), children: [] };
    parent?.children.push(s);
    return s;
  }

  function bind(scope: Scope, name: string, b: Binding): void {
    let list = scope.bindings.get(name);
    if (!list) scope.bindings.set(name, (list = []));
    list.push(b);
  }

  function bindAll(scope: Scope, names: string[], pos: number): void {
    for (const n of names) bind(scope, n, { kind: 'other', pos });
  }

  const SCOPE_TYPES = [
    'import_statement',
    'import_from_statement',
    'function_definition',
    'class_definition',
    'lambda',
    'assignment',
    'augmented_assignment',
    'for_statement',
    'for_in_clause',
    'as_pattern',
    'named_expression',
    'global_statement',
    'nonlocal_statement',
    'string',
    'future_import_statement',
    ...COMPREHENSIONS,
  ];

  /**
   * One pass over just the node types that bind names or open scopes (found in wasm by
   * `descendantsOfType`, in pre-order), instead of materialising every node's children.
   * A node's scope is the innermost scope region containing its start: function / lambda /
   * class scopes cover their body only (parameters, defaults, annotations and superclasses are
   * evaluated in the enclosing scope), comprehensions their whole node. Subtrees the
   * structural walk never entered are skipped: strings (only f-string interpolations can hold
   * such nodes), `as` aliases, and the type parameters of `def` / `class`.
   */
  function collect(): void {
    const stack: Scope[] = [moduleScope];
    // Regions the structural walk never entered, not yet passed: disjoint, sorted by start.
    const skips: [number, number][] = [];
    const skipRange = (start: number, end: number): void => {
      if (end <= start) return;
      let i = skips.length;
      while (i > 0 && skips[i - 1]![0] > start) i--;
      skips.splice(i, 0, [start, end]);
    };
    const skip = (n: Node | null): void => {
      if (n) skipRange(n.startIndex, n.endIndex);
    };
    /** Skips all of `node` but the given children (`def` / `class` / `lambda` enter only some fields). */
    const skipAllBut = (node: Node, keep: (Node | null)[]): void => {
      let at = node.startIndex;
      for (const k of keep.filter((c): c is Node => c !== null).sort((a, b) => a.startIndex - b.startIndex)) {
        skipRange(at, k.startIndex);
        at = Math.max(at, k.endIndex);
      }
      skipRange(at, node.endIndex);
    };
    const open = (kind: ScopeKind, parent: Scope, start: number, end: number): Scope => {
      const s = newScope(kind, parent, start, end);
      stack.push(s);
      return s;
    };
    for (const node of root.descendantsOfType(SCOPE_TYPES)) {
      if (!node) continue;
      const at = node.startIndex;
      while (skips.length > 0 && skips[0]![1] <= at) skips.shift();
      if (skips.length > 0 && skips[0]![0] <= at) continue;
      const type = node.type;
      if (type === 'lambda' && !node.isNamed) continue; // the `lambda` keyword token
      while (stack.length > 1 && at >= stack[stack.length - 1]!.end) stack.pop();
      let i = stack.length - 1;
      while (i > 0 && stack[i]!.start > at) i--; // a scope whose body has not started yet
      const scope = stack[i]!;
      switch (type) {
        case 'string':
          skip(node);
          break;
        case 'import_statement': {
          for (const n of fields(node, 'name')) {
            if (n.type === 'aliased_import') {
              const alias = n.childForFieldName('alias');
              const target = n.childForFieldName('name');
              if (alias && target) addImport(scope, alias.text, dottedText(target), node);
            } else if (n.type === 'dotted_name') {
              const first = dottedText(n).split('.')[0];
              if (first) addImport(scope, first, first, node);
            }
          }
          skip(node);
          break;
        }
        case 'import_from_statement': {
          const mod = node.childForFieldName('module_name');
          const base = mod && mod.type === 'dotted_name' ? dottedText(mod) : undefined; // relative → undefined
          for (const n of fields(node, 'name')) {
            if (n.type === 'aliased_import') {
              const alias = n.childForFieldName('alias');
              const target = n.childForFieldName('name');
              if (alias && target) addImport(scope, alias.text, base && `${base}.${dottedText(target)}`, node);
            } else if (n.type === 'dotted_name') {
              const text = dottedText(n);
              addImport(scope, text, base && `${base}.${text}`, node);
            }
          }
          skip(node);
          break;
        }
        case 'future_import_statement':
          skip(node);
          break;
        case 'function_definition': {
          const name = node.childForFieldName('name');
          const params = node.childForFieldName('parameters');
          const body = node.childForFieldName('body');
          const rt = node.childForFieldName('return_type');
          if (name) bind(scope, name.text, { kind: 'other', pos: node.endIndex });
          skipAllBut(node, [params, rt, body]);
          if (body) bindAll(open('function', scope, body.startIndex, body.endIndex), parameterNames(params), -1);
          break;
        }
        case 'class_definition': {
          const name = node.childForFieldName('name');
          const body = node.childForFieldName('body');
          if (name) bind(scope, name.text, { kind: 'other', pos: node.endIndex });
          skipAllBut(node, [node.childForFieldName('superclasses'), body]);
          if (body) open('class', scope, body.startIndex, body.endIndex);
          break;
        }
        case 'lambda': {
          const body = node.childForFieldName('body');
          const params = node.childForFieldName('parameters');
          skipAllBut(node, [params, body]);
          if (body) bindAll(open('lambda', scope, body.startIndex, body.endIndex), parameterNames(params), -1);
          break;
        }
        case 'assignment':
        case 'augmented_assignment':
          bindAll(scope, targetNames(node.childForFieldName('left')), node.endIndex);
          break;
        case 'for_statement':
        case 'for_in_clause': {
          const right = node.childForFieldName('right');
          bindAll(scope, targetNames(node.childForFieldName('left')), right ? right.endIndex : node.startIndex);
          break;
        }
        case 'as_pattern': {
          const alias = node.childForFieldName('alias');
          bindAll(scope, targetNames(alias), node.endIndex);
          skip(alias);
          break;
        }
        case 'named_expression':
          bindAll(scope, targetNames(node.childForFieldName('name')), node.endIndex);
          break;
        case 'global_statement':
          for (const n of named(node)) if (n.type === 'identifier') scope.globals.add(n.text);
          skip(node);
          break;
        case 'nonlocal_statement':
          for (const n of named(node)) if (n.type === 'identifier') scope.nonlocals.add(n.text);
          skip(node);
          break;
        default:
          if (COMPREHENSIONS.has(type)) open('comprehension', scope, node.startIndex, node.endIndex);
      }
    }
    // Parameters / defaults (e.g. a lambda default) are met before the body they precede:
    // put every scope's children back in source order for the binary search below.
    const sortChildren = (s: Scope): void => {
      if (s.children.length > 1) s.children.sort((a, b) => a.start - b.start);
      s.children.forEach(sortChildren);
    };
    sortChildren(moduleScope);
  }

  function addImport(scope: Scope, local: string, qualified: string | undefined, statement: Node): void {
    bind(scope, local, qualified ? { kind: 'import', qualified, pos: statement.endIndex } : { kind: 'other', pos: statement.endIndex });
    imports.push({ local, qualified, statement, scope: scope.kind });
  }

  collect();

  // `global x` + a binding of x in a function: module-level x becomes ambiguous.
  const ambiguous = new Set<string>();
  const fixGlobals = (s: Scope): void => {
    for (const g of s.globals) {
      if (s.bindings.has(g)) {
        s.bindings.delete(g);
        ambiguous.add(g);
      }
    }
    s.children.forEach(fixGlobals);
  };
  fixGlobals(moduleScope);

  function scopeAt(index: number): Scope {
    let s = moduleScope;
    for (;;) {
      // Children are disjoint and in source order: binary search.
      const cs = s.children;
      let lo = 0;
      let hi = cs.length - 1;
      let inner: Scope | undefined;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const c = cs[mid]!;
        if (index < c.start) hi = mid - 1;
        else if (index >= c.end) lo = mid + 1;
        else {
          inner = c;
          break;
        }
      }
      if (!inner) return s;
      s = inner;
    }
  }

  function fromBindings(list: Binding[] | undefined, before: number | undefined): NameResolution | undefined {
    if (!list || list.length === 0) return undefined;
    let chosen: Binding | undefined;
    if (before === undefined) {
      chosen = list.reduce((a, b) => (b.pos > a.pos ? b : a));
    } else {
      for (const b of list) if (b.pos <= before && (!chosen || b.pos >= chosen.pos)) chosen = b;
      if (!chosen) return undefined;
    }
    return chosen.kind === 'import' && chosen.qualified ? { status: 'import', qualified: chosen.qualified } : { status: 'shadowed' };
  }

  function resolveAt(name: string, index: number): NameResolution {
    const own = scopeAt(index);
    if (own.globals.has(name)) return resolveModule(name, undefined);
    let s: Scope | undefined = own;
    let direct = true;
    while (s) {
      if (s.kind === 'module') return resolveModule(name, direct ? index : undefined);
      const skip = (s.kind === 'class' && !direct) || (direct && s.nonlocals.has(name));
      if (!skip) {
        const list = s.bindings.get(name);
        if (list && list.length > 0) {
          if (s.kind === 'class') {
            const r = fromBindings(list, index);
            if (r) return r; // not bound yet in the class body → fall through to enclosing scopes
          } else {
            // Function-like scopes: local for the whole body.
            if (list.some((b) => b.kind !== 'import')) return { status: 'shadowed' };
            return fromBindings(list, direct ? index : undefined) ?? { status: 'shadowed' }; // UnboundLocalError
          }
        }
      }
      s = s.parent;
      direct = false;
    }
    return { status: 'unbound' };
  }

  function resolveModule(name: string, before: number | undefined): NameResolution {
    if (ambiguous.has(name)) return { status: 'shadowed' };
    return fromBindings(moduleScope.bindings.get(name), before) ?? { status: 'unbound' };
  }

  function qualifiedName(node: Node): string | undefined {
    switch (node.type) {
      case 'call': {
        const fn = node.childForFieldName('function');
        return fn ? qualifiedName(fn) : undefined;
      }
      case 'parenthesized_expression': {
        const inner = named(node).filter((c) => c.type !== 'comment');
        return inner.length === 1 && inner[0] ? qualifiedName(inner[0]) : undefined;
      }
      case 'attribute': {
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
  }

  return {
    qualifiedName,
    resolveName: (name, at) => resolveAt(name, at.startIndex),
    moduleBinds: (name) => ambiguous.has(name) || (moduleScope.bindings.get(name)?.length ?? 0) > 0,
    imports,
  };
}
