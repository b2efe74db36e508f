// Shared by the in-host tests: the extension under test, its API and the fixture workspace that
// the runners prepare (prepareFixtureWorkspace in test/e2e/shared.ts; FIXTURE in ../protocol.ts):
// lenet5.onnx, soak.onnx (the same model with a huge iteration count), bad.onnx (garbage bytes)
// and a .vscode/latency.json with few iterations.

import * as assert from 'assert';
import * as vscode from 'vscode';
import type { LatencyApi } from '../../../src/extension';
import type { ProfilerOutcome } from '../../../src/profiler/client';

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
 * command is not yet among `tabGroups` when the command returns, and a reused panel's new title
 * arrives later too. Waits for the change event until there are `count` tabs (one of them
 * titled `label`, when given).
 */
export async function waitForResultsTabs(count: number, timeoutMs = 10_000, label?: string): Promise<vscode.Tab[]> {
  const done = () => resultsTabs().length === count && (label === undefined || resultsTabs().some((t) => t.label === label));
  if (done()) return resultsTabs();
  return new Promise<vscode.Tab[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`expected ${count} results panel tab(s)${label ? ` titled ${label}` : ''} within ${timeoutMs} ms, found ${JSON.stringify(resultsTabs().map((t) => t.label))}`));
    }, timeoutMs);
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
      if (!done()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(resultsTabs());
    });
  });
}

/**
 * Resolves once `condition()` holds, checking it every `intervalMs`; rejects after `timeoutMs`
 * naming what it waited for. For state the extension exposes only as a getter (its API's
 * isRunning), where there is no event to wait on.
 */
export function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000, intervalMs = 5): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, intervalMs);
  });
}

/** `promise`, or a rejection naming `what` when it has not settled within `timeoutMs`. */
export function within<T>(promise: Thenable<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

/** Runs "Latency: Run Benchmark" on `model` (no quick pick) and returns its outcome. */
export async function runBenchmark(model: vscode.Uri): Promise<ProfilerOutcome> {
  const outcome = await vscode.commands.executeCommand<ProfilerOutcome | undefined>('latency.runBenchmark', model);
  assert.ok(outcome, `latency.runBenchmark returned nothing for ${model.fsPath} (refused or no model chosen)`);
  return outcome;
}

/** A completed run with real figures: n as configured, p50 > 0, p50 ≤ p99, not partial. */
export function assertCompleted(outcome: ProfilerOutcome, iterations: number): asserts outcome is Extract<ProfilerOutcome, { status: 'completed' }> {
  if (outcome.status !== 'completed') {
    assert.fail(`expected a completed run, got ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.message}` : ''}`);
  }
  const s = outcome.result.summary;
  assert.ok(s, 'a completed run has a summary');
  assert.equal(s.n, iterations, 'n is the configured number of iterations (.vscode/latency.json)');
  assert.equal(outcome.result.samplesMs.length, iterations);
  assert.ok(s.p50Ms > 0, `p50 ${s.p50Ms} > 0`);
  assert.ok(s.p50Ms <= s.p99Ms, `p50 ${s.p50Ms} <= p99 ${s.p99Ms}`);
  assert.equal(outcome.result.partial, false);
}
