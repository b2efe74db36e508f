/**
 * Import resolution for one JavaScript / TypeScript module, on a tree-sitter tree.
 *
 * Knows the module-level forms: `import x from 'm'`, `import * as x from 'm'`,
 * `import { a as b } from 'm'`, `import x = require('m')`, `const x = require('m')`,
 * `const { a, b: c } = require('m')`, and `await import('m')` bound to a const.
 * A default import resolves to the module itself (onnxruntime-node's default export is
 * its namespace), so `ort.InferenceSession.create` is `onnxruntime-node.InferenceSession.create`
 * whichever form bound `ort`. Deliberately simple scoping: a name bound at module level
 * resolves everywhere except where a function declares a parameter or local of the
 * same name between the module and the reference (checked by climbing the tree).
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import { createNodeIndex, SCRIPT_IDENTIFIERS, type NodeIndex } from './textIndex';

export interface ScriptImportBinding {
  local: string;
  /** `onnxruntime-node` or `onnxruntime-node.InferenceSession`. */
  qualified: string;
  statement: Node;
}

export interface ScriptImports {
  /** Qualified name of a call's callee, a member chain or an identifier; undefined if not from an import. */
  qualifiedName(node: Node): string | undefined;
  readonly imports: readonly ScriptImportBinding[];
}

function unquote(s: Node | null | undefined): string | undefined {
  if (!s || s.type !== 'string') return undefined;
  const frag = s.namedChildren.find((c) => c?.type === 'string_fragment');
  return frag ? frag.text : s.text.length >= 2 ? s.text.slice(1, -1) : undefined;
}

/** `require('m')` / `await import('m')` / `(require('m'))` → `m`. */
function requiredModule(n: Node | null): string | undefined {
  while (n && (n.type === 'parenthesized_expression' || n.type === 'await_expression')) n = n.namedChild(0);
  if (!n || n.type !== 'call_expression') return undefined;
  const fn = n.childForFieldName('function');
  if (!fn || !(fn.type === 'import' || (fn.type === 'identifier' && fn.text === 'require'))) return undefined;
  const args = n.childForFieldName('arguments');
  const first = args?.namedChild(0) ?? null;
  return unquote(first);
}

/** Function-like nodes: each one is a scope boundary for `var`, parameters and `this`. */
export const SCRIPT_FUNCTIONS: ReadonlySet<string> = new Set([
  'function_declaration',
  'function_expression',
  'function',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
]);

/** Whether identifier `id` is where a name is bound (declared), not a use of it. */
function isBinding(id: Node): boolean {
  let cur = id;
  for (let p = id.parent; p; cur = p, p = p.parent) {
    switch (p.type) {
      case 'variable_declarator':
        return p.childForFieldName('name')?.id === cur.id;
      case 'required_parameter':
      case 'optional_parameter':
        return p.childForFieldName('pattern')?.id === cur.id;
      case 'formal_parameters':
        return true; // a plain JS parameter, or inside a parameter's pattern
      case 'arrow_function':
        return p.childForFieldName('parameter')?.id === cur.id;
      case 'catch_clause':
        return p.childForFieldName('parameter')?.id === cur.id;
      case 'function_declaration':
      case 'generator_function_declaration':
      case 'class_declaration':
        return p.childForFieldName('name')?.id === cur.id;
      case 'for_in_statement':
        return p.childForFieldName('left')?.id === cur.id && p.childForFieldName('kind') !== null;
      case 'object_pattern':
      case 'array_pattern':
      case 'pair_pattern':
      case 'rest_pattern':
      case 'assignment_pattern':
      case 'object_assignment_pattern':
      case 'shorthand_property_identifier_pattern':
        continue; // destructuring: decided by what holds the pattern
      default:
        return false;
    }
  }
  return false;
}

export function analyzeScriptImports(root: Node): ScriptImports {
  const imports: ScriptImportBinding[] = [];
  const byLocal = new Map<string, string>();
  const add = (local: string, qualified: string, statement: Node): void => {
    imports.push({ local, qualified, statement });
    byLocal.set(local, qualified);
  };
  for (const st of root.namedChildren) {
    if (!st) continue;
    if (st.type === 'import_statement') {
      const mod = unquote(st.childForFieldName('source'));
      const clause = st.namedChildren.find((c) => c?.type === 'import_clause');
      const req = st.namedChildren.find((c) => c?.type === 'import_require_clause');
      if (req) {
        const id = req.namedChildren.find((c) => c?.type === 'identifier');
        const m = unquote(req.namedChildren.find((c) => c?.type === 'string'));
        if (id && m) add(id.text, m, st);
        continue;
      }
      if (!mod || !clause) continue;
      for (const c of clause.namedChildren) {
        if (!c) continue;
        if (c.type === 'identifier') add(c.text, mod, st);
        else if (c.type === 'namespace_import') {
          const id = c.namedChildren.find((x) => x?.type === 'identifier');
          if (id) add(id.text, mod, st);
        } else if (c.type === 'named_imports') {
          for (const spec of c.namedChildren) {
            if (!spec || spec.type !== 'import_specifier') continue;
            const name = spec.childForFieldName('name');
            const alias = spec.childForFieldName('alias') ?? name;
            if (name && alias) add(alias.text, `${mod}.${name.text}`, st);
          }
        }
      }
    } else if (st.type === 'lexical_declaration' || st.type === 'variable_declaration') {
      for (const d of st.namedChildren) {
        if (!d || d.type !== 'variable_declarator') continue;
        const mod = requiredModule(d.childForFieldName('value'));
        if (!mod) continue;
        const name = d.childForFieldName('name');
        if (!name) continue;
        if (name.type === 'identifier') add(name.text, mod, st);
        else if (name.type === 'object_pattern') {
          for (const p of name.namedChildren) {
            if (!p) continue;
            if (p.type === 'shorthand_property_identifier_pattern') add(p.text, `${mod}.${p.text}`, st);
            else if (p.type === 'pair_pattern') {
              const key = p.childForFieldName('key');
              const value = p.childForFieldName('value');
              if (key && value?.type === 'identifier') add(value.text, `${mod}.${key.text}`, st);
            }
          }
        }
      }
    }
  }

  let index: NodeIndex | undefined;
  const declares = new Map<string, boolean>();
  /**
   * Whether function `fn` itself declares `name`: a parameter, or a `var`/`let`/`const`,
   * function, class or catch binding whose nearest enclosing function is `fn` (block scopes
   * are not told apart: a binding anywhere in the function's own body counts). Found from the
   * name's occurrences in the function's text, so comments, strings and nested functions'
   * locals never count.
   */
  function functionDeclares(fn: Node, name: string): boolean {
    const key = `${fn.id}\u0000${name}`;
    const hit = declares.get(key);
    if (hit !== undefined) return hit;
    index ??= createNodeIndex(root, root.text, SCRIPT_IDENTIFIERS);
    let found = false;
    for (const id of index.identifiers([name], fn.startIndex, fn.endIndex).get(name) ?? []) {
      if (isBinding(id) && nearestFunction(id) === fn.id) {
        found = true;
        break;
      }
    }
    declares.set(key, found);
    return found;
  }

  /** The id of the function whose scope a binding identifier belongs to (a declared function's name belongs outside it). */
  function nearestFunction(id: Node): number | undefined {
    for (let p = id.parent; p && p.id !== root.id; p = p.parent) {
      if (!SCRIPT_FUNCTIONS.has(p.type)) continue;
      if (p.childForFieldName('name')?.id === id.id) continue;
      return p.id;
    }
    return undefined;
  }

  function shadowed(name: string, node: Node): boolean {
    for (let p = node.parent; p && p.id !== root.id; p = p.parent) {
      if (SCRIPT_FUNCTIONS.has(p.type) && functionDeclares(p, name)) return true;
    }
    return false;
  }

  function qualifiedName(node: Node): string | undefined {
    switch (node.type) {
      case 'call_expression':
      case 'new_expression': {
        const fn = node.childForFieldName(node.type === 'call_expression' ? 'function' : 'constructor');
        return fn ? qualifiedName(fn) : undefined;
      }
      case 'await_expression':
      case 'parenthesized_expression':
      case 'non_null_expression': {
        const inner = node.namedChild(0);
        return inner ? qualifiedName(inner) : undefined;
      }
      case 'member_expression': {
        const obj = node.childForFieldName('object');
        const prop = node.childForFieldName('property');
        if (!obj || !prop) return undefined;
        const base = qualifiedName(obj);
        return base ? `${base}.${prop.text}` : undefined;
      }
      case 'identifier': {
        const q = byLocal.get(node.text);
        return q && !shadowed(node.text, node) ? q : undefined;
      }
      default:
        return undefined;
    }
  }

  return { qualifiedName, imports };
}
