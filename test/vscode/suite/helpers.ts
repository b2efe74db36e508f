// Shared by the in-host tests: the extension under test, its API and the fixture workspace that
// the runners prepare (test/e2e/fixtureWorkspace.ts): lenet5.onnx, bad.onnx (garbage bytes) and
// a .vscode/latency.json with few iterations.

import * as assert from 'assert';
import * as vscode from 'vscode';
import type { LatencyApi } from '../../../src/extension';

export const EXTENSION_ID = 'latency-dev.latency';

export function latencyExtension(): vscode.Extension<LatencyApi> {
  const ext = vscode.extensions.getExtension<LatencyApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this extension host`);
  return ext;
}

export async function activeApi(): Promise<LatencyApi> {
  return latencyExtension().activate();
}

export function fixtureFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open: the runner should open the fixture workspace');
  return folder;
}

export function fixtureFile(name: string): vscode.Uri {
  return vscode.Uri.joinPath(fixtureFolder().uri, name);
}

/** The fixture's `.vscode/latency.json`, as the tests expect the extension to read it. */
export async function fixtureConfig(): Promise<{ iterations: number; warmup: number }> {
  const bytes = await vscode.workspace.fs.readFile(fixtureFile('.vscode/latency.json'));
  const json = JSON.parse(new TextDecoder().decode(bytes)) as { iterations?: unknown; warmup?: unknown };
  assert.equal(typeof json.iterations, 'number', '.vscode/latency.json must set iterations');
  assert.equal(typeof json.warmup, 'number', '.vscode/latency.json must set warmup');
  return { iterations: json.iterations as number, warmup: json.warmup as number };
}

/** Tabs of the results webview (the view type carries a host-specific prefix). */
export function resultsTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('latency.results'));
}

/**
 * The workbench's tab model reaches the extension host after the fact: a panel created by a
 * command is not yet among `tabGroups` when the command returns. Waits for the change event.
 */
export async function waitForResultsTabs(count: number, timeoutMs = 10_000): Promise<vscode.Tab[]> {
  if (resultsTabs().length === count) return resultsTabs();
  return new Promise<vscode.Tab[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`expected ${count} results panel tab(s) within ${timeoutMs} ms, found ${resultsTabs().length}`));
    }, timeoutMs);
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
      if (resultsTabs().length !== count) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(resultsTabs());
    });
  });
}
