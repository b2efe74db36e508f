/**
 * Advisor findings and their fixes. Pure: no `vscode`, no tree-sitter.
 *
 * Positions are 0-based lines and UTF-16 character offsets (VS Code's units,
 * which is also what web-tree-sitter reports for JS strings).
 */

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** An import a fix needs; inserted once however many fixes ask for it. */
export interface FixImport {
  /** Dedup key and the statement itself, e.g. `import time`. */
  statement: string;
  /** The edit inserting it (the statement plus the document's line ending). */
  edit: TextEdit;
}

export interface Fix {
  title: string;
  /** `safe`: preserves behaviour for all programs the rule matches; may be applied in bulk. */
  safety: 'safe' | 'unsafe';
  edits: TextEdit[];
  imports: FixImport[];
}

export interface RelatedLocation {
  range: Range;
  message: string;
}

export interface Finding {
  /** Stable rule code, e.g. `LAT001`. */
  code: string;
  severity: Severity;
  range: Range;
  message: string;
  /** Relative docs link, `docs/rules/<code>.md`. */
  docs: string;
  related: RelatedLocation[];
  fixes: Fix[];
}

export function docsLink(code: string): string {
  return `docs/rules/${code}.md`;
}

/** Start offset of every line; a line ends after `\n` (so `\r\n` stays with its line). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

export function offsetAt(starts: readonly number[], text: string, pos: Position): number {
  const lineStart = starts[pos.line];
  if (lineStart === undefined) throw new RangeError(`line ${pos.line} out of range`);
  const off = lineStart + pos.character;
  if (off > text.length) throw new RangeError(`position ${pos.line}:${pos.character} out of range`);
  return off;
}

/** The position of `offset` (rows end at `\n`; columns in UTF-16 units, as tree-sitter counts them for JS strings). */
export function positionAt(starts: readonly number[], offset: number): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo]! };
}

/** `\r\n` if the text's first line break is CRLF, else `\n`. */
export function detectEol(text: string): '\n' | '\r\n' {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * The edits of several fixes as one non-overlapping list in document order: each distinct
 * import once, identical duplicate edits once. Throws if two different edits overlap (the
 * caller then applies the fixes one at a time).
 */
export function mergeFixEdits(text: string, fixes: readonly Fix[]): TextEdit[] {
  const starts = lineStarts(text);
  const seenImports = new Set<string>();
  const edits: { start: number; end: number; edit: TextEdit; order: number }[] = [];
  const seenEdits = new Set<string>();
  let order = 0;
  const add = (e: TextEdit): void => {
    const start = offsetAt(starts, text, e.range.start);
    const end = offsetAt(starts, text, e.range.end);
    if (end < start) throw new RangeError('edit range end precedes start');
    const key = `${start}:${end}:${e.newText}`;
    if (seenEdits.has(key)) return;
    seenEdits.add(key);
    edits.push({ start, end, edit: e, order: order++ });
  };
  for (const f of fixes) {
    for (const imp of f.imports) {
      if (seenImports.has(imp.statement)) continue;
      seenImports.add(imp.statement);
      add(imp.edit);
    }
    for (const e of f.edits) add(e);
  }
  edits.sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order);
  for (let i = 1; i < edits.length; i++) {
    const prev = edits[i - 1]!;
    const cur = edits[i]!;
    // Two insertions at one point are fine (applied in order); anything else sharing text is not.
    if (cur.start < prev.end) throw new Error('overlapping fix edits');
  }
  return edits.map((e) => e.edit);
}

/**
 * Applies fixes to `text`: all their edits, plus each distinct import once.
 * Edits must not overlap (throws if they do); identical duplicate edits are applied once.
 */
export function applyFixes(text: string, fixes: readonly Fix[]): string {
  const starts = lineStarts(text);
  let out = '';
  let at = 0;
  for (const e of mergeFixEdits(text, fixes)) {
    const start = offsetAt(starts, text, e.range.start);
    out += text.slice(at, start) + e.newText;
    at = offsetAt(starts, text, e.range.end);
  }
  return out + text.slice(at);
}

/**
 * The fixes that can be applied together, in order: a fix whose edits would overlap one
 * already taken is left for a later pass.
 */
export function compatibleFixes(text: string, fixes: readonly Fix[]): Fix[] {
  const accepted: Fix[] = [];
  for (const f of fixes) {
    try {
      mergeFixEdits(text, [...accepted, f]);
      accepted.push(f);
    } catch {
      // overlaps an accepted fix (or is malformed): skip it this pass
    }
  }
  return accepted;
}

/** Applies {@link compatibleFixes}; returns the new text and how many fixes went in. */
export function applyCompatibleFixes(text: string, fixes: readonly Fix[]): { text: string; applied: number } {
  const accepted = compatibleFixes(text, fixes);
  return { text: applyFixes(text, accepted), applied: accepted.length };
}
