// Reads the benchmark configuration a user sees in VS Code: settings (latency.*), then
// `.vscode/latency.json` of the model's workspace folder. Validation lives in the pure core.

import * as path from 'path';
import * as vscode from 'vscode';
import type { ChecklistTargets } from '../core/checklist';
import { ConfigError, mergeConfig, parseConfigLayer, withBaseDir, type BenchmarkConfig, type ConfigLayer } from '../core/config';
import { parse as parseJsonc } from 'jsonc-parser';
import { WORKSPACE_CONFIG_PATH, ensureInputOverride, locateInConfig, parseWorkspaceConfigText } from '../core/configFile';
import { parseTargets, type NamedTarget } from '../core/targetsConfig';

const TEMPLATE = `{
  // Benchmark settings for this folder; they take precedence over user settings (latency.*).
  "iterations": 1000,
  "warmup": 50,
  "session": {
    "intraOpNumThreads": 0
  },
  "inputs": {
    // Sizes for symbolic dimensions, by name, e.g. "sequence": 128
    "dimensions": {},
    // Per input: "shape", a constant "value", a "range" for generated values,
    // or a "file" (.npy or JSON tensor, relative to this workspace folder), e.g.
    // "pixel_values": { "file": "data/image.npy" }
    "overrides": {}
  }
}
`;

export function configFileUri(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, WORKSPACE_CONFIG_PATH);
}

/** `countsOnlyIfSet`: iterations and warm-up only where the user set them, so a target's own defaults are not overridden by the settings' defaults. */
function settingsLayer(scope: vscode.Uri, countsOnlyIfSet = false): { layer: ConfigLayer; issues: ConfigError['issues'] } {
  const c = vscode.workspace.getConfiguration('latency', scope);
  const count = (key: 'iterations' | 'warmup'): unknown => {
    if (!countsOnlyIfSet) return c.get(key);
    const i = c.inspect(key);
    return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  };
  const raw = {
    iterations: count('iterations'),
    warmup: count('warmup'),
    session: {
      intraOpNumThreads: c.get('session.intraOpNumThreads'),
      interOpNumThreads: c.get('session.interOpNumThreads'),
      graphOptimizationLevel: c.get('session.graphOptimizationLevel'),
      executionMode: c.get('session.executionMode'),
      executionProviders: c.get('session.executionProviders'),
    },
    inputs: {
      defaultDimension: c.get('inputs.defaultDimension'),
      dimensions: c.get('inputs.dimensions'),
      overrides: c.get('inputs.overrides'),
    },
    stopping: {
      mode: c.get('stopping.mode'),
      targetPercentile: c.get('stopping.targetPercentile'),
      relativeHalfWidth: c.get('stopping.relativeHalfWidth'),
      maxIterations: c.get('stopping.maxIterations'),
      maxSeconds: c.get('stopping.maxSeconds'),
    },
    cvTarget: c.get('cvTarget'),
    cpuAffinity: c.get('cpuAffinity'),
    sizeClassRanges: c.get('sizeClassRanges'),
  };
  return parseConfigLayer(JSON.parse(JSON.stringify(raw)), 'settings (latency.*)');
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') return undefined;
    throw err;
  }
}

/** How a target that is not an ONNX model layers its config: its kind's defaults below everything, its own counts above the files. */
export interface TargetLayers {
  defaults: ConfigLayer;
  own: ConfigLayer;
}

/**
 * Throws ConfigError listing every problem, so the user fixes them in one go. `scope` is the
 * model, or the file or folder of another target (which then reads no per-model section).
 */
export async function loadBenchmarkConfig(scope: vscode.Uri, target?: TargetLayers): Promise<BenchmarkConfig> {
  const model = scope;
  const settings = settingsLayer(model, target !== undefined);
  const folder = vscode.workspace.getWorkspaceFolder(model);
  // Tensor files are named relative to the workspace folder; a model outside any folder has only
  // settings, and its own folder is the one place a relative path can sensibly mean.
  const baseDir = folder ? folder.uri.fsPath : path.dirname(model.fsPath);
  const layers = [withBaseDir(settings.layer, baseDir)];
  const issues = [...settings.issues];
  if (folder) {
    const uri = configFileUri(folder);
    const text = await readText(uri);
    if (text !== undefined) {
      const rel = target ? undefined : vscode.workspace.asRelativePath(model, false);
      const parsed = parseWorkspaceConfigText(text, WORKSPACE_CONFIG_PATH, rel);
      layers.push(...parsed.layers.map((l) => withBaseDir(l, baseDir)));
      issues.push(...parsed.issues);
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return target ? mergeConfig(target.defaults, ...layers, target.own) : mergeConfig(...layers);
}

/** The targets each workspace folder names in its `.vscode/latency.json`; a file with problems lists its valid targets (the run reports the rest). */
export async function readNamedTargets(): Promise<Array<{ folder: vscode.WorkspaceFolder; target: NamedTarget }>> {
  const out: Array<{ folder: vscode.WorkspaceFolder; target: NamedTarget }> = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const text = await readText(configFileUri(folder)).catch(() => undefined);
    if (text === undefined) continue;
    const raw: unknown = parseJsonc(text, [], { allowTrailingComma: true, disallowComments: false });
    for (const target of parseTargets(raw, WORKSPACE_CONFIG_PATH).targets) out.push({ folder, target });
  }
  return out;
}

/**
 * Opens `.vscode/latency.json` (created from a commented template when absent) with the
 * cursor on `path`; with an input name, an override entry is added for it first.
 */
export async function openConfigAt(folder: vscode.WorkspaceFolder, path: Array<string | number> = [], input?: { name: string; shape?: number[] }): Promise<void> {
  const uri = configFileUri(folder);
  if ((await readText(uri)) === undefined) {
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(TEMPLATE));
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  let target = path;
  if (input) {
    const updated = ensureInputOverride(doc.getText(), input.name, input.shape);
    if (updated !== doc.getText()) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), updated);
      await vscode.workspace.applyEdit(edit);
    }
    target = ['inputs', 'overrides', input.name];
  }
  const { offset, length } = locateInConfig(doc.getText(), target);
  const editor = await vscode.window.showTextDocument(doc);
  const range = new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + length));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/**
 * The verification checklist's targets from the settings: the speed-up a change is expected to
 * bring and a memory budget (both unset by default, leaving those items "unknown"), and the
 * accuracy threshold A/B runs use.
 */
export function checklistTargets(scope: vscode.Uri): ChecklistTargets {
  const c = vscode.workspace.getConfiguration('latency', scope);
  const reduction = c.get<number | null>('checklist.expectedReduction', null);
  const memoryMiB = c.get<number | null>('checklist.memoryLimitMiB', null);
  return {
    ...(typeof reduction === 'number' && reduction > 0 && reduction < 1 ? { expectedReduction: reduction } : {}),
    ...(typeof memoryMiB === 'number' && memoryMiB > 0 ? { memoryLimitBytes: memoryMiB * 1024 * 1024 } : {}),
  };
}
