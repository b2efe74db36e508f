// Activation and contributions, in a real extension host.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { activeApi, latencyExtension } from './helpers';

describe('Latency extension', () => {
  it('activates and exports its test API', async () => {
    const ext = latencyExtension();
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.ok(api && typeof api === 'object', 'activate() returned no API');
    assert.ok('lastResult' in api, 'the API has no lastResult');
    assert.ok('statusBarText' in api, 'the API has no statusBarText');
    assert.equal(api.lastResult, undefined, 'no benchmark has run yet');
    assert.equal(typeof api.statusBarText, 'string');
  });

  it('registers every command it contributes', async () => {
    await activeApi();
    const contributed = (latencyExtension().packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands.map((c) => c.command);
    assert.deepEqual(
      [...contributed].sort(),
      [
        'latency.cancelBenchmark',
        'latency.checkPython',
        'latency.compareModels',
        'latency.exportLocust',
        'latency.exportResults',
        'latency.openConfig',
        'latency.runBenchmark',
        'latency.runs.clearBaseline',
        'latency.runs.compare',
        'latency.runs.compareWithBaseline',
        'latency.runs.delete',
        'latency.runs.export',
        'latency.runs.open',
        'latency.runs.refresh',
        'latency.runs.rename',
        'latency.runs.setBaseline',
        'latency.showLog',
        'latency.showResults',
        'latency.tuneSystem',
      ],
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('runs in a trusted workspace with the fixture folder open', () => {
    assert.equal(vscode.workspace.isTrusted, true, 'the runner starts VS Code with workspace trust disabled');
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
  });
});
