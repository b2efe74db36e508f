/**
 * How `latency lint` reports findings: one `file:line:col CODE message` line each, or JSON.
 * Pure: positions become 1-based here, as editors and compilers print them.
 */
import type { Finding, Fix, Severity, TextEdit } from './findings';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

const RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

/** Whether `s` is at least as severe as `threshold`. */
export function atOrAbove(s: Severity, threshold: Severity): boolean {
  return RANK[s] >= RANK[threshold];
}

export function parseSeverity(raw: string): Severity | undefined {
  const k = raw.toLowerCase();
  if (k === 'info') return 'information';
  return (SEVERITIES as readonly string[]).includes(k) ? (k as Severity) : undefined;
}

export interface JsonEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  newText: string;
}

export interface JsonFix {
  title: string;
  safety: Fix['safety'];
  /** Every edit the fix makes, its imports included, in document order. */
  edits: JsonEdit[];
}

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: Severity;
  message: string;
  docs: string;
  fixes: JsonFix[];
}

function jsonEdit(e: TextEdit): JsonEdit {
  return {
    line: e.range.start.line + 1,
    column: e.range.start.character + 1,
    endLine: e.range.end.line + 1,
    endColumn: e.range.end.character + 1,
    newText: e.newText,
  };
}

export function findingToJson(file: string, f: Finding): JsonFinding {
  return {
    file,
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    code: f.code,
    severity: f.severity,
    message: f.message,
    docs: f.docs,
    fixes: f.fixes.map((x) => ({
      title: x.title,
      safety: x.safety,
      edits: [...x.imports.map((i) => i.edit), ...x.edits]
        .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character)
        .map(jsonEdit),
    })),
  };
}

/** `path/to/file.py:12:5 LAT001 message [warning]`, the form editors and CI logs link. */
export function findingLine(file: string, f: Finding): string {
  return `${file}:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.code} ${f.message} [${f.severity}]`;
}

export interface LintSummary {
  files: number;
  findings: number;
  fixed: number;
  bySeverity: Record<Severity, number>;
}

export function summaryLine(s: LintSummary): string {
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 || w === 'information' ? '' : 's'}`;
  const parts = SEVERITIES.filter((k) => s.bySeverity[k] > 0).map((k) => plural(s.bySeverity[k], k));
  const fixed = s.fixed > 0 ? `, ${s.fixed} fixed` : '';
  return `${plural(s.findings, 'finding')}${parts.length ? ` (${parts.join(', ')})` : ''} in ${plural(s.files, 'file')}${fixed}`;
}
