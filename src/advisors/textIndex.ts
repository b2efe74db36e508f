/**
 * Finding syntax nodes from the source text instead of walking the tree.
 *
 * Every node access in web-tree-sitter crosses into wasm (about 1–2 µs each), so a full
 * walk of a 10,000-line file costs ~70 ms and `descendantsOfType` ~25 ms. Rules instead
 * anchor on the rare words they care about (`from_pretrained`, `perf_counter`, `for`) and
 * ask the tree only about those spots; cost then follows the number of matches, not the
 * file size. Pure: no `vscode`.
 */
import type { Node } from '@vscode/tree-sitter-wasm';

export const PYTHON_IDENTIFIERS: ReadonlySet<string> = new Set(['identifier']);
export const SCRIPT_IDENTIFIERS: ReadonlySet<string> = new Set([
  'identifier',
  'property_identifier',
  'shorthand_property_identifier',
  'shorthand_property_identifier_pattern',
  'type_identifier',
]);

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
const isAsciiWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Finds nodes from the text instead of walking the tree: every occurrence of a word in the
 * source is checked against the smallest named node spanning it. (A token that is an
 * identifier or keyword is never directly followed by an ASCII letter, digit or `_`: the lexer
 * would have taken it in.)
 */
export function createNodeIndex(root: Node, source: string, identifierTypes: ReadonlySet<string> = PYTHON_IDENTIFIERS) {
  let words: Map<string, number[]> | undefined;
  const odd: [number, string][] = []; // word runs a token might not fill: non-ASCII, or starting with a digit
  const build = (): Map<string, number[]> => {
    const m = new Map<string, number[]>();
    const n = source.length;
    let i = 0;
    while (i < n) {
      if (!isWordChar(source.charCodeAt(i))) {
        i++;
        continue;
      }
      const st = i;
      let plain = !(source.charCodeAt(i) <= 57 && source.charCodeAt(i) >= 48);
      while (i < n) {
        const c = source.charCodeAt(i);
        if (!isWordChar(c)) break;
        if (c > 127) plain = false;
        i++;
      }
      const w = source.slice(st, i);
      if (!plain) {
        odd.push([st, w]);
        continue;
      }
      let list = m.get(w);
      if (!list) m.set(w, (list = []));
      list.push(st);
    }
    return m;
  };
  /** Start offsets in [start, end) where `name` may be a whole token, ascending (a superset). */
  const positions = (name: string, start: number, end: number, scanned: boolean): number[] => {
    const at: number[] = [];
    if (!scanned) {
      for (let p = source.indexOf(name, start); p >= 0 && p < end; p = source.indexOf(name, p + 1)) {
        if (!isAsciiWordChar(source.charCodeAt(p + name.length))) at.push(p);
      }
      return at;
    }
    words ??= build();
    for (const p of words.get(name) ?? []) if (p >= start && p < end) at.push(p);
    for (const [p, w] of odd) {
      if (p + w.length <= start || p >= end) continue;
      for (let i = w.indexOf(name); i >= 0; i = w.indexOf(name, i + 1)) {
        if (p + i >= start && p + i < end && !isAsciiWordChar(source.charCodeAt(p + i + name.length))) at.push(p + i);
      }
    }
    return at.sort((a, b) => a - b);
  };
  const cache = new Map<string, Node[]>();
  const keywordCache = new Map<string, Node[]>();
  return {
    /** Identifier nodes in [start, end) named one of `names`, by name, in source order. */
    identifiers(names: Iterable<string>, start: number, end: number): Map<string, Node[]> {
      const list = [...names];
      // Scanning the text once per name is cheap for a function; for a big scope with many names, index all words once.
      const scanned = !!words || (end - start) * list.length > 1_000_000;
      const out = new Map<string, Node[]>();
      for (const name of list) {
        const found: Node[] = [];
        for (const p of positions(name, start, end, scanned)) {
          const n = root.namedDescendantForIndex(p, p + name.length);
          if (n && identifierTypes.has(n.type) && n.startIndex === p && n.endIndex === p + name.length) found.push(n);
        }
        out.set(name, found);
      }
      return out;
    },
    /** Identifier nodes named `name` anywhere in the file, in source order (cached). */
    named(name: string): Node[] {
      let hit = cache.get(name);
      if (!hit) cache.set(name, (hit = this.identifiers([name], root.startIndex, root.endIndex).get(name) ?? []));
      return hit;
    },
    /**
     * Nodes of `type` that start with the keyword `keyword` (`for` → `for_statement`), in
     * source order. Found from the keyword's occurrences in the text, so strings and comments
     * cost a lookup but never match.
     */
    keywordNodes(keyword: string, type: string): Node[] {
      const key = `${keyword}\u0000${type}`;
      let hit = keywordCache.get(key);
      if (!hit) {
        hit = [];
        for (const p of positions(keyword, root.startIndex, root.endIndex, false)) {
          if (p > 0 && isAsciiWordChar(source.charCodeAt(p - 1))) continue;
          let n: Node | null = root.descendantForIndex(p, p + keyword.length);
          while (n && n.startIndex === p && n.type !== type) n = n.parent;
          if (n && n.type === type && n.startIndex === p) hit.push(n);
        }
        keywordCache.set(key, hit);
      }
      return hit;
    },
    /** Every def / class in the tree, in source order, with the index of its innermost enclosing def / class (or -1). */
    scopeNodes(): { node: Node; start: number; end: number; parent: number }[] {
      const byId = new Map<number, Node>();
      for (const [kw, type] of [
        ['def', 'function_definition'],
        ['class', 'class_definition'],
      ] as const) {
        for (const p of positions(kw, root.startIndex, root.endIndex, false)) {
          const n = root.namedDescendantForIndex(p, p + kw.length);
          if (n && n.type === type && n.id !== root.id) byId.set(n.id, n);
        }
      }
      const defs = [...byId.values()]
        .map((node) => ({ node, start: node.startIndex, end: node.endIndex, parent: -1 }))
        .sort((a, b) => a.start - b.start || b.end - a.end);
      const stack: number[] = [];
      defs.forEach((d, i) => {
        while (stack.length > 0 && d.start >= defs[stack[stack.length - 1]!]!.end) stack.pop();
        d.parent = stack.length > 0 ? stack[stack.length - 1]! : -1;
        stack.push(i);
      });
      return defs;
    },
  };
}


export type NodeIndex = ReturnType<typeof createNodeIndex>;
