// Restricted Mode: the fixture folder opened untrusted (the runner starts code-server without
// --disable-workspace-trust, on a fresh profile). The extension declares limited support, so it
// activates, but "Latency: Run Benchmark" refuses to load the workspace's model. The warning it
// shows (and its "Manage Workspace Trust" button) is checked on the page by the runner, while
// this suite holds the extension host (the release handshake in index.ts).
//
// Runs only with LATENCY_VSCODE_TEST_MODE=restricted (the *.untrusted.test.js files).
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { FIXTURE } from '../protocol';
import { activeApi, fixtureFile, latencyExtension, waitUntil } from './helpers';

describe('Latency in Restricted Mode', () => {
  it('sees the fixture folder untrusted', () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opens the folder in Restricted Mode');
  });

  it('activates (limited support in untrusted workspaces) and registers its commands', async () => {
    const api = await activeApi();
    assert.equal(latencyExtension().isActive, true);
    assert.equal(api.isRunning, false);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of ['latency.runBenchmark', 'latency.cancelBenchmark', 'latency.showResults', 'latency.tuneSystem']) assert.ok(registered.has(c), `${c} is not registered`);
  });

  it('refuses to run a benchmark: no outcome, nothing running, nothing shown', async () => {
    const api = await activeApi();
    const outcome = await vscode.commands.executeCommand<unknown>('latency.runBenchmark', fixtureFile(FIXTURE.model));
    assert.equal(outcome, undefined, `latency.runBenchmark returned ${JSON.stringify(outcome)?.slice(0, 200)}`);
    assert.equal(api.isRunning, false);
    assert.equal(api.lastResult, undefined);
    assert.equal(api.statusBarText, '', 'no status bar text without a result');
    assert.equal(await vscode.commands.executeCommand<boolean>('latency.cancelBenchmark'), false);
  });

  it('refuses an A/B of two models too: both would be loaded and run', async () => {
    const api = await activeApi();
    const shown = await vscode.commands.executeCommand<unknown>('latency.compareModels', fixtureFile(FIXTURE.model), fixtureFile(FIXTURE.inaccurateModel));
    assert.equal(shown, undefined);
    assert.equal(api.ab.last, undefined);
    assert.equal(api.lastComparison, undefined);
    assert.equal(api.isRunning, false);
  });

  it('will not run a tuning script in a terminal', async () => {
    const api = await activeApi();
    const terminals = vscode.window.terminals.length;
    const ran = await api.tuneSystem.runInTerminal(vscode.Uri.file('/tmp/latency-tune.sh'));
    assert.equal(ran, undefined);
    assert.equal(vscode.window.terminals.length, terminals, 'no terminal was opened');
  });

  it('still shows the advisors\' diagnostics: they only read source text, nothing runs', async () => {
    await activeApi();
    const doc = await vscode.workspace.openTextDocument(fixtureFile(FIXTURE.advisorFile));
    await vscode.window.showTextDocument(doc);
    await waitUntil(
      () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'Latency').length >= 2,
      'Latency diagnostics in Restricted Mode',
      20_000,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
