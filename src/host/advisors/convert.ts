// Findings (pure core, 0-based positions) to VS Code diagnostics and edits, and back.

import * as vscode from 'vscode';
import type { Finding, Range, Severity, TextEdit } from '../../advisors/findings';

export const DIAGNOSTIC_SOURCE = 'Latency';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function toTextEdit(e: TextEdit): vscode.TextEdit {
  return new vscode.TextEdit(toRange(e.range), e.newText);
}

export function docsUri(extensionUri: vscode.Uri, code: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${code}.md`);
}

export function toDiagnostic(f: Finding, uri: vscode.Uri, extensionUri: vscode.Uri): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(f.range), f.message, SEVERITY[f.severity]);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = { value: f.code, target: docsUri(extensionUri, f.code) };
  if (f.related.length > 0) {
    d.relatedInformation = f.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message));
  }
  return d;
}

export function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** Whether `d` is the diagnostic made from `f` (diagnostics are copied across the API boundary). */
export function sameFinding(d: vscode.Diagnostic, f: Finding): boolean {
  return d.source === DIAGNOSTIC_SOURCE && diagnosticCode(d) === f.code && d.message === f.message && d.range.isEqual(toRange(f.range));
}
