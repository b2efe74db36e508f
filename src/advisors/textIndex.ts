/**
 * Finding syntax nodes from the source text instead of walking the tree.
 *
 * Every node access in web-tree-sitter crosses into wasm (about 1–2 µs each), so a full
 * walk of a 10,000-line file costs ~70 ms and `descendantsOfType` ~25 ms. Rules instead
 * anchor on the rare words they care about (`from_pretrained`, `perf_counter`, `for`) and
 * ask the tree only about those spots; cost then follows the number of matches, not the
 * file size. Pure: no `vscode`.
 *
 * Cost model of the index itself: a word's candidate positions in a small range come from
 * `indexOf`; for large scans a compact index of every word of the file is built once (no
 * string per word: a hash table of positions in typed arrays, verified against the text), so
 * a query costs a binary search plus the word's occurrences in the range. The identifier node
 * at a position is asked of the tree once per analysis and shared by every query and rule.
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

/** FNV-1a over UTF-16 code units (as the word table hashes each word). */
function hashOf(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

/**
 * Every word of the source, by position. Plain words (ASCII, not starting with a digit — the
 * runs a token fills whole) are bucketed by hash, ascending within a bucket; the other word
 * runs ("odd": non-ASCII, or starting with a digit — a token might fill only part of one) are
 * kept as spans and searched by substring.
 */
interface WordTable {
  mask: number;
  /** Positions of plain words, grouped by bucket (`bucketStart[b]` .. `bucketStart[b + 1]`). */
  positions: Int32Array;
  bucketStart: Int32Array;
  oddStart: number[];
  oddEnd: number[];
  /** The odd runs holding a character other than a digit (the only ones a name not starting with a digit can lie in). */
  letteredStart: number[];
  letteredEnd: number[];
}

/** ASCII character classes: 0 not a word character, 1 letter or `_`, 2 digit. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_CLASS[c] = c >= 48 && c <= 57 ? 2 : (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : 0;

function buildWordTable(source: string): WordTable {
  const n = source.length;
  let starts = new Int32Array(Math.max(16, n >> 2));
  let hashes = new Int32Array(starts.length);
  let count = 0;
  const oddStart: number[] = [];
  const oddEnd: number[] = [];
  const letteredStart: number[] = [];
  const letteredEnd: number[] = [];
  let i = 0;
  while (i < n) {
    let c = source.charCodeAt(i);
    if (c < 128 && ASCII_CLASS[c] === 0) {
      i++;
      continue;
    }
    const st = i;
    let plain = c < 128 && ASCII_CLASS[c] === 1;
    let digits = c < 128 && ASCII_CLASS[c] === 2;
    let h = 0x811c9dc5 | 0;
    for (;;) {
      h = Math.imul(h ^ c, 16777619);
      if (++i >= n) break;
      c = source.charCodeAt(i);
      if (c < 128) {
        const k = ASCII_CLASS[c];
        if (k === 0) break;
        if (k === 1) digits = false;
      } else {
        plain = false;
        digits = false;
      }
    }
    if (!plain) {
      oddStart.push(st);
      oddEnd.push(i);
      if (!digits) {
        letteredStart.push(st);
        letteredEnd.push(i);
      }
      continue;
    }
    if (count === starts.length) {
      const s2 = new Int32Array(count * 2);
      s2.set(starts);
      starts = s2;
      const h2 = new Int32Array(count * 2);
      h2.set(hashes);
      hashes = h2;
    }
    starts[count] = st;
    hashes[count] = h;
    count++;
  }
  let size = 16;
  while (size < count) size *= 2;
  const mask = size - 1;
  const bucketStart = new Int32Array(size + 1);
  for (let k = 0; k < count; k++) bucketStart[(hashes[k]! & mask) + 1]!++;
  for (let b = 0; b < size; b++) bucketStart[b + 1]! += bucketStart[b]!;
  const fill = bucketStart.slice(0, size);
  const positions = new Int32Array(count);
  for (let k = 0; k < count; k++) positions[fill[hashes[k]! & mask]!++] = starts[k]!;
  return { mask, positions, bucketStart, oddStart, oddEnd, letteredStart, letteredEnd };
}

/** Whether the word run holding `p` (with a word character at p - 1) is ASCII and does not start with a digit. */
function insidePlainRun(source: string, p: number): boolean {
  let k = p - 1;
  while (k >= 0) {
    const c = source.charCodeAt(k);
    if (c > 127) return false;
    if (!isAsciiWordChar(c)) break;
    k--;
  }
  const first = source.charCodeAt(k + 1);
  return !(first >= 48 && first <= 57);
}

/**
 * Finds nodes from the text instead of walking the tree: every occurrence of a word in the
 * source is checked against the smallest named node spanning it. (A token that is an
 * identifier or keyword is never directly followed by an ASCII letter, digit or `_`: the lexer
 * would have taken it in.)
 */
export function createNodeIndex(root: Node, source: string, identifierTypes: ReadonlySet<string> = PYTHON_IDENTIFIERS) {
  let table: WordTable | undefined;
  /** Start offsets in [start, end) where `name` may be a whole token, ascending (a superset). */
  const positions = (name: string, start: number, end: number, scanned: boolean): number[] => {
    const at: number[] = [];
    if (!scanned) {
      const len = name.length;
      let asciiName = true;
      for (let i = 0; i < len; i++) if (name.charCodeAt(i) > 127) asciiName = false;
      for (let p = source.indexOf(name, start); p >= 0 && p < end; p = source.indexOf(name, p + 1)) {
        const next = source.charCodeAt(p + len);
        if (isAsciiWordChar(next)) continue;
        // Inside a plain word run (as the word table sees it) no token starts: skip.
        if (p > 0 && asciiName && !(next > 127) && isWordChar(source.charCodeAt(p - 1)) && insidePlainRun(source, p)) continue;
        at.push(p);
      }
      return at;
    }
    const t = (table ??= buildWordTable(source));
    const len = name.length;
    const b = hashOf(name) & t.mask;
    const pos = t.positions;
    let lo = t.bucketStart[b]!;
    let hi = t.bucketStart[b + 1]!;
    const last = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pos[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < last; k++) {
      const p = pos[k]!;
      if (p >= end) break;
      // A plain word run starts at p: it is `name` when the text matches and the run ends there.
      if (source.startsWith(name, p) && !isWordChar(source.charCodeAt(p + len))) at.push(p);
    }
    const f = name.charCodeAt(0);
    const digitFirst = f >= 48 && f <= 57;
    const os = digitFirst ? t.oddStart : t.letteredStart;
    const oe = digitFirst ? t.oddEnd : t.letteredEnd;
    if (os.length > 0 && len > 0) {
      // The odd runs overlapping [start, end): ends ascend as starts do (runs are disjoint).
      let a = 0;
      let z = os.length;
      while (a < z) {
        const mid = (a + z) >> 1;
        if (oe[mid]! <= start) a = mid + 1;
        else z = mid;
      }
      let extra = false;
      for (let r = a; r < os.length && os[r]! < end; r++) {
        const ws = os[r]!;
        const we = oe[r]!;
        for (let q = ws; q + len <= we; q++) {
          if (source.charCodeAt(q) !== f || !source.startsWith(name, q)) continue;
          if (q >= start && q < end && !isAsciiWordChar(source.charCodeAt(q + len))) {
            at.push(q);
            extra = true;
          }
        }
      }
      if (extra) at.sort((x, y) => x - y);
    }
    return at;
  };
  /** Identifier node exactly at [p, p + length) or null, asked of the tree once per (p, length). */
  const nodeCache = new Map<number, { len: number; node: Node | null }>();
  const identifierAt = (p: number, len: number): Node | null => {
    const hit = nodeCache.get(p);
    if (hit && hit.len === len) return hit.node;
    const n = root.namedDescendantForIndex(p, p + len);
    const node = n && identifierTypes.has(n.type) && n.startIndex === p && n.endIndex === p + len ? n : null;
    if (!hit) nodeCache.set(p, { len, node });
    return node;
  };
  /** The smallest named node spanning exactly [start, end), with its type, asked of the tree once per span. */
  const spanCache = new Map<number, { end: number; node: Node | null; type: string | undefined }>();
  const namedSpan = (start: number, end: number): { node: Node | null; type: string | undefined } => {
    const hit = spanCache.get(start);
    if (hit && hit.end === end) return hit;
    const n = root.namedDescendantForIndex(start, end);
    const exact = n && n.startIndex === start && n.endIndex === end ? n : null;
    const r = { end, node: exact, type: exact?.type };
    if (!hit) spanCache.set(start, r);
    return r;
  };
  /** Scanning the text once per name is cheap for a small range; for big scans, index all words once. */
  const useTable = (start: number, end: number, names: number): boolean => !!table || (end - start) * names > 1_000_000;
  const cache = new Map<string, Node[]>();
  let scopes: { node: Node; start: number; end: number; parent: number }[] | undefined;
  const keywordCache = new Map<string, Node[]>();
  const whole = (start: number, end: number): boolean => start <= root.startIndex && end >= root.endIndex;
  return {
    /** Identifier nodes in [start, end) named one of `names`, by name, in source order. */
    identifiers(names: Iterable<string>, start: number, end: number): Map<string, Node[]> {
      const list = [...names];
      const scanned = useTable(start, end, list.length);
      const out = new Map<string, Node[]>();
      for (const name of list) {
        const found: Node[] = [];
        for (const p of positions(name, start, end, scanned)) {
          const n = identifierAt(p, name.length);
          if (n) found.push(n);
        }
        out.set(name, found);
      }
      return out;
    },
    /**
     * Offsets in [start, end) where an identifier `name` may start, ascending: a superset of the
     * identifiers' starts (text only; confirm with {@link identifierAt}). `batch`: how many names
     * the caller asks about over this range (a large batch over a large range uses the word index).
     */
    positions(name: string, start: number, end: number, batch = 1): number[] {
      return positions(name, start, end, useTable(start, end, batch));
    },
    /** The identifier node spanning exactly [p, p + length), or null (cached per analysis). */
    identifierAt,
    /** The node of type `type` spanning exactly [start, end) (the smallest named one there), or null (cached per analysis). */
    nodeAt(start: number, end: number, type: string): Node | null {
      const r = namedSpan(start, end);
      return r.type === type ? r.node : null;
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
    /** Every def / class in the tree, in source order, with the index of its innermost enclosing def / class (or -1). Cached: do not modify. */
    scopeNodes(): { node: Node; start: number; end: number; parent: number }[] {
      if (scopes) return scopes;
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
      return (scopes = defs);
    },
  };
}


export type NodeIndex = ReturnType<typeof createNodeIndex>;
