/**
 * A document's syntax tree kept across edits, so re-analysis after a keystroke reparses
 * incrementally (tree-sitter reuses every unchanged subtree) instead of from scratch.
 * Pure: edits are described by offsets, as VS Code's content changes carry them.
 */
import type { Point, Tree } from '@vscode/tree-sitter-wasm';
import { analyzeTree, type AdvisorSettings, type Analysis } from './analyze';
import { loadParser, parseSync, type AdvisorLanguage } from './parser';

export interface OffsetEdit {
  /** Offset (UTF-16 units) where replaced text starts in the text before the edit. */
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** Where `text` ends: the point after its last character. */
function endPoint(start: Point, text: string): Point {
  const nl = text.lastIndexOf('\n');
  if (nl < 0) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: text.length - nl - 1 };
}

export class IncrementalDocument {
  private tree: Tree | undefined;
  private text = '';

  private constructor(readonly language: AdvisorLanguage) {}

  static async open(language: AdvisorLanguage, text: string): Promise<IncrementalDocument> {
    await loadParser(language);
    const doc = new IncrementalDocument(language);
    doc.text = text;
    doc.tree = parseSync(text, language);
    return doc;
  }

  get source(): string {
    return this.text;
  }

  /**
   * Applies content changes (in the order VS Code reports them: each relative to the text
   * after the previous one) and reparses. `expected`, the document's full new text, guards
   * against a lost event: on any mismatch the tree is rebuilt from scratch.
   */
  update(edits: readonly OffsetEdit[], expected: string): void {
    if (!this.tree) throw new Error('document is disposed');
    if (edits.length === 0 && expected === this.text) return;
    let text = this.text;
    for (const e of edits) {
      const start = e.rangeOffset;
      const oldEnd = start + e.rangeLength;
      if (start < 0 || oldEnd > text.length) {
        text = '';
        break;
      }
      const startPosition = pointAt(text, start);
      const oldEndPosition = pointAt(text, oldEnd);
      this.tree.edit({
        startIndex: start,
        oldEndIndex: oldEnd,
        newEndIndex: start + e.text.length,
        startPosition,
        oldEndPosition,
        newEndPosition: endPoint(startPosition, e.text),
      });
      text = text.slice(0, start) + e.text + text.slice(oldEnd);
    }
    const old = this.tree;
    this.tree = text === expected ? parseSync(expected, this.language, old) : parseSync(expected, this.language);
    old.delete();
    this.text = expected;
  }

  analyze(settings: AdvisorSettings = {}): Analysis {
    if (!this.tree) throw new Error('document is disposed');
    return analyzeTree(this.text, this.language, this.tree, settings);
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
  }
}
