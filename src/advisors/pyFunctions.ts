// The callables a Python file defines at its top level, found with tree-sitter: what "Latency:
// Run Benchmark › Python Function…" offers to time. Module-level functions, and methods of
// module-level classes as `Class.method` (the harness reaches them through the module).

import type { SyntaxNode, SyntaxTree } from './parser';

export interface PyFunctionDef {
  /** `predict`, or `Model.forward` for a method. */
  name: string;
  /** 0-based line of the `def` keyword (a decorator above it is not the definition). */
  line: number;
  /** The parameters as written, e.g. "(x, batch=8)". */
  parameters: string;
  isAsync: boolean;
}

export function topLevelFunctions(tree: SyntaxTree): PyFunctionDef[] {
  const out: PyFunctionDef[] = [];
  for (const child of tree.rootNode.namedChildren) {
    if (!child) continue;
    const def = unwrap(child);
    if (def?.type === 'function_definition') push(out, def, '');
    else if (def?.type === 'class_definition') {
      const className = def.childForFieldName('name')?.text;
      const body = def.childForFieldName('body');
      if (!className || !body) continue;
      for (const member of body.namedChildren) {
        const method = member ? unwrap(member) : null;
        if (method?.type === 'function_definition') push(out, method, `${className}.`);
      }
    }
  }
  return out;
}

/** A decorated definition's own definition node. */
function unwrap(node: SyntaxNode): SyntaxNode | null {
  return node.type === 'decorated_definition' ? node.childForFieldName('definition') : node;
}

function push(out: PyFunctionDef[], def: SyntaxNode, prefix: string): void {
  const name = def.childForFieldName('name')?.text;
  if (!name) return;
  out.push({
    name: `${prefix}${name}`,
    line: def.startPosition.row,
    parameters: def.childForFieldName('parameters')?.text.replace(/\s+/g, ' ') ?? '()',
    isAsync: def.children.some((c) => c?.type === 'async'),
  });
}
