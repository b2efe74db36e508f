/**
 * Small syntax-tree helpers shared by the Python and JS/TS rules (both grammars call a
 * parenthesised expression `parenthesized_expression`). Pure.
 */
import type { Node } from '@vscode/tree-sitter-wasm';

/** `(x)` → `x` (any depth; a comment inside the parentheses does not count). */
export function unparen(n: Node | null): Node | null {
  while (n && n.type === 'parenthesized_expression') {
    const inner = n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    if (inner.length !== 1) return n;
    n = inner[0]!;
  }
  return n;
}
