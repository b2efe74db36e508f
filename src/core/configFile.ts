// `.vscode/latency.json`: JSON with comments, parsed with the same parser VS Code uses, so
// errors point at a line and column and the editor can jump to any setting by its path.

import { findNodeAtLocation, modify, applyEdits, parse, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { layersFromWorkspaceFile, type ConfigIssue, type ConfigLayer } from './config';

export const WORKSPACE_CONFIG_PATH = '.vscode/latency.json';

export function parseWorkspaceConfigText(text: string, source: string, modelRelPath: string | undefined): { layers: ConfigLayer[]; issues: ConfigIssue[] } {
  const errors: ParseError[] = [];
  const raw: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    return {
      layers: [],
      issues: errors.map((e) => {
        const { line, column } = lineColumn(text, e.offset);
        return { source: `${source}:${line}:${column}`, path: [], message: `invalid JSON (${printParseErrorCode(e.error)})` };
      }),
    };
  }
  return layersFromWorkspaceFile(raw ?? {}, source, modelRelPath);
}

/** Offset and length of the value at `path`, or of the deepest existing parent. */
export function locateInConfig(text: string, path: Array<string | number>): { offset: number; length: number } {
  const root = parseTree(text);
  if (!root) return { offset: 0, length: 0 };
  for (let depth = path.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(root, path.slice(0, depth));
    if (node) {
      // Point at the property key when there is one: that is what a reader looks for.
      const target = node.parent?.type === 'property' ? node.parent : node;
      return { offset: target.offset, length: target.length };
    }
  }
  return { offset: 0, length: 0 };
}

/**
 * Adds an empty override for an input unless one exists, keeping the user's formatting and
 * comments; returns the new text. Used when a rejected input sends the user to the config.
 */
export function ensureInputOverride(text: string, inputName: string, shape?: number[]): string {
  const base = text.trim() ? text : '{\n}\n';
  const root = parseTree(base);
  if (root && findNodeAtLocation(root, ['inputs', 'overrides', inputName])) return base;
  const value = shape ? { shape } : {};
  const edits = modify(base, ['inputs', 'overrides', inputName], value, { formattingOptions: { insertSpaces: true, tabSize: 2 } });
  return applyEdits(base, edits);
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}
