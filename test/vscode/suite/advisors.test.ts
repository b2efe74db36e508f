// Advisors in a real extension host: diagnostics on the fixture's Python file, the quick fix
// through the code-action API, undo, settings that turn a rule off, and fix-all on save.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { ADVISOR_FIXED, ADVISOR_FIXTURE, FIXTURE } from '../protocol';
import { activeApi, fixtureFile, waitUntil } from './helpers';

const latencyDiagnostics = (uri: vscode.Uri, code?: string): vscode.Diagnostic[] =>
  vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'Latency' && (code === undefined || (typeof d.code === 'object' ? d.code.value : d.code) === code));

async function openFixture(): Promise<{ doc: vscode.TextDocument; editor: vscode.TextEditor }> {
  const doc = await vscode.workspace.openTextDocument(fixtureFile(FIXTURE.advisorFile));
  const editor = await vscode.window.showTextDocument(doc);
  return { doc, editor };
}

describe('Advisors', () => {
  let doc: vscode.TextDocument;

  before(async () => {
    await activeApi();
    ({ doc } = await openFixture());
    assert.equal(doc.languageId, 'python');
  });

  after(async () => {
    await vscode.workspace.getConfiguration('latency.advisors').update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('puts LAT001 diagnostics on the wall-clock readings, with docs link and related locations', async () => {
    // Opening the document is enough: the extension analyzes on open.
    await waitUntil(() => latencyDiagnostics(doc.uri, 'LAT001').length === 2, 'two LAT001 diagnostics', 20_000);
    const [first, second] = latencyDiagnostics(doc.uri, 'LAT001');
    assert.equal(first!.range.start.line, ADVISOR_FIXTURE.first.line);
    assert.equal(first!.range.start.character, ADVISOR_FIXTURE.first.character);
    assert.equal(doc.getText(first!.range), 'time.time()');
    assert.equal(doc.getText(second!.range), 'time.time()');
    assert.equal(first!.severity, vscode.DiagnosticSeverity.Warning);
    const code = first!.code as { value: string; target: vscode.Uri };
    assert.equal(code.value, 'LAT001');
    assert.match(code.target.path, /\/docs\/rules\/LAT001\.md$/);
    const page = await vscode.workspace.fs.readFile(code.target);
    assert.match(new TextDecoder().decode(page), /LAT001/, 'the docs page ships with the extension');
    assert.ok((first!.relatedInformation ?? []).some((r) => r.message === 'elapsed time computed here'));
  });

  it('offers the safe fix as preferred, with docs and turn-off actions; applying it fixes the file and undo restores it', async () => {
    const diag = latencyDiagnostics(doc.uri, 'LAT001')[0]!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    // (Actions come back through the command as copies; match them by title.)
    const ours = actions.filter((a) => a.title === ADVISOR_FIXTURE.fixTitle || /LAT001/.test(a.title));
    const fix = ours.find((a) => a.title === ADVISOR_FIXTURE.fixTitle);
    assert.ok(fix, `no "${ADVISOR_FIXTURE.fixTitle}" among ${JSON.stringify(ours.map((a) => a.title))}`);
    assert.equal(fix.isPreferred, true);
    assert.ok(ours.some((a) => a.title === 'Show documentation for LAT001'));
    assert.ok(ours.some((a) => a.title.startsWith('Turn off LAT001')));
    assert.ok(fix.edit, 'the fix carries its edit');
    assert.equal(await vscode.workspace.applyEdit(fix.edit), true);
    assert.equal(doc.getText(), ADVISOR_FIXED);
    await waitUntil(() => latencyDiagnostics(doc.uri, 'LAT001').length === 0, 'LAT001 diagnostics cleared after the fix', 10_000);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), ADVISOR_FIXTURE.source, 'undo restores the file');
    await waitUntil(() => latencyDiagnostics(doc.uri, 'LAT001').length === 2, 'LAT001 diagnostics back after undo', 10_000);
  });

  it('honours latency.advisors.rules: "off" clears the rule, a severity changes it', async () => {
    const config = vscode.workspace.getConfiguration('latency.advisors');
    await config.update('rules', { LAT001: 'off' }, vscode.ConfigurationTarget.Workspace);
    await waitUntil(() => latencyDiagnostics(doc.uri, 'LAT001').length === 0, 'LAT001 off', 10_000);
    await config.update('rules', { 'wrong-clock': 'error' }, vscode.ConfigurationTarget.Workspace);
    await waitUntil(
      () => latencyDiagnostics(doc.uri, 'LAT001').filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length === 2,
      'LAT001 as errors',
      10_000,
    );
    await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await waitUntil(
      () => latencyDiagnostics(doc.uri, 'LAT001').filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length === 2,
      'LAT001 back to warnings',
      10_000,
    );
  });

  it('source.fixAll.latency applies the safe fixes (editor.codeActionsOnSave)', async () => {
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      new vscode.Range(0, 0, doc.lineCount, 0),
      'source.fixAll.latency',
    );
    const fixAll = actions.find((a) => a.kind?.value === 'source.fixAll.latency');
    assert.ok(fixAll?.edit, `no fix-all action among ${JSON.stringify(actions.map((a) => a.title))}`);
    await vscode.workspace.applyEdit(fixAll.edit);
    assert.equal(doc.getText(), ADVISOR_FIXED);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), ADVISOR_FIXTURE.source);
  });

  it('re-analyzes as the user types: a new wall-clock interval gets its diagnostics', async () => {
    const editor = await vscode.window.showTextDocument(doc);
    const end = new vscode.Position(doc.lineCount - 1, 0);
    await editor.edit((b) => b.insert(end, '\n\ndef again(f):\n    t0 = time.time()\n    f()\n    return time.time() - t0\n'));
    await waitUntil(() => latencyDiagnostics(doc.uri, 'LAT001').length === 4, 'four LAT001 diagnostics after typing', 10_000);
    await vscode.commands.executeCommand('undo');
    await waitUntil(() => latencyDiagnostics(doc.uri, 'LAT001').length === 2, 'two again after undo', 10_000);
    assert.equal(doc.getText(), ADVISOR_FIXTURE.source);
  });
});
