// Quick fixes for Latency diagnostics: each finding's fixes (the first preferred), "fix all
// of this kind in the file", docs, and turning the rule off. Also `source.fixAll.latency`
// for editor.codeActionsOnSave, which applies safe fixes only.

import * as vscode from 'vscode';
import { compatibleFixes, mergeFixEdits, type Finding, type Fix } from '../../advisors/findings';
import type { AdvisorDiagnostics } from './diagnostics';
import { DIAGNOSTIC_SOURCE, diagnosticCode, docsUri, sameFinding, toTextEdit } from './convert';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('latency');
export const CONFIGURE_RULE_COMMAND = 'latency.advisors.configureRule';

/** The fixes that can be applied together (in order), as one workspace edit. */
function editFor(doc: vscode.TextDocument, fixes: readonly Fix[]): { edit: vscode.WorkspaceEdit; count: number } | undefined {
  const text = doc.getText();
  const accepted = compatibleFixes(text, fixes);
  if (accepted.length === 0) return undefined;
  const edit = new vscode.WorkspaceEdit();
  edit.set(doc.uri, mergeFixEdits(text, accepted).map(toTextEdit));
  return { edit, count: accepted.length };
}

const safeFix = (f: Finding): Fix | undefined => f.fixes.find((x) => x.safety === 'safe');

export class AdvisorCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND],
  };

  constructor(
    private readonly diagnostics: AdvisorDiagnostics,
    private readonly extensionUri: vscode.Uri,
  ) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const findings = this.diagnostics.findingsFor(doc.uri, doc.version);
    if (!findings) return [];
    const only = context.only;
    if (only && FIX_ALL_KIND.intersects(only)) return this.fixAll(doc, findings);
    if (only && !vscode.CodeActionKind.QuickFix.intersects(only)) return [];
    const actions: vscode.CodeAction[] = [];
    const seenCodes = new Set<string>();
    for (const d of context.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const f = findings.find((x) => sameFinding(d, x));
      if (!f) continue;
      f.fixes.forEach((fix, i) => {
        const e = editFor(doc, [fix]);
        if (!e) return;
        const a = new vscode.CodeAction(fix.safety === 'unsafe' ? `${fix.title} (review: changes behaviour)` : fix.title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.edit = e.edit;
        a.isPreferred = i === 0 && fix.safety === 'safe';
        actions.push(a);
      });
      const code = diagnosticCode(d)!;
      if (seenCodes.has(code)) continue;
      seenCodes.add(code);
      const sameKind = findings.filter((x) => x.code === code).map(safeFix).filter((x): x is Fix => x !== undefined);
      if (sameKind.length > 1) {
        const e = editFor(doc, sameKind);
        if (e) {
          const a = new vscode.CodeAction(`Fix all ${code} problems in this file (${e.count} safe fixes)`, vscode.CodeActionKind.QuickFix);
          a.edit = e.edit;
          a.diagnostics = context.diagnostics.filter((x) => diagnosticCode(x) === code && x.source === DIAGNOSTIC_SOURCE);
          actions.push(a);
        }
      }
      const docs = new vscode.CodeAction(`Show documentation for ${code}`, vscode.CodeActionKind.QuickFix);
      docs.command = { title: docs.title, command: 'markdown.showPreview', arguments: [docsUri(this.extensionUri, code)] };
      docs.diagnostics = [d];
      actions.push(docs);
      const off = new vscode.CodeAction(`Turn off ${code} in workspace settings`, vscode.CodeActionKind.QuickFix);
      off.command = { title: off.title, command: CONFIGURE_RULE_COMMAND, arguments: [code, 'off'] };
      off.diagnostics = [d];
      actions.push(off);
    }
    return actions;
  }

  private fixAll(doc: vscode.TextDocument, findings: readonly Finding[]): vscode.CodeAction[] {
    const fixes = findings.map(safeFix).filter((x): x is Fix => x !== undefined);
    const e = fixes.length ? editFor(doc, fixes) : undefined;
    if (!e) return [];
    const a = new vscode.CodeAction(`Latency: apply ${e.count} safe fixes`, FIX_ALL_KIND);
    a.edit = e.edit;
    return [a];
  }
}

/** Sets `latency.advisors.rules[code]` in the workspace (or user settings without a folder). */
export async function configureRule(code: string, setting: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('latency.advisors');
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const current = { ...(config.get<Record<string, string>>('rules') ?? {}) };
  current[code] = setting;
  await config.update('rules', current, target);
}

