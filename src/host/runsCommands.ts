// The commands of the Runs view (and their palette forms, which ask for the run): open a saved
// run in the results panel, rename it, make it the folder's baseline, delete it, compare two
// runs, export one. Files are read and written by HistoryStore; comparisons come from the pure
// core. Nothing here executes the workspace's code, so these work in restricted mode too.

import * as vscode from 'vscode';
import { describeRun, type SavedRun } from '../core/history';
import type { PanelComparison } from '../core/panelProtocol';
import type { BenchmarkResult } from '../core/result';
import { comparisonHeadline, compareWithSaved, runLabel, whyNotComparable } from '../core/runComparison';
import type { ExportCommand } from './exportCommand';
import type { ResultsPanel } from './resultsPanel';
import { historyFolders, historyStoreFor, type RunsNode, type RunsTreeProvider } from './runsView';
import { checklistTargets } from './workspaceConfig';

type RunNode = Extract<RunsNode, { kind: 'run' }>;

export class RunsCommands {
  constructor(
    private readonly tree: RunsTreeProvider,
    private readonly panel: ResultsPanel,
    private readonly exporter: ExportCommand,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  register(): vscode.Disposable[] {
    const c = (id: string, fn: (node?: RunsNode, selection?: RunsNode[]) => unknown) =>
      vscode.commands.registerCommand(id, (node?: unknown, selection?: unknown) => fn(asNode(node), asNodes(selection)));
    return [
      c('latency.runs.refresh', () => this.tree.refresh()),
      c('latency.runs.open', (node) => this.open(node)),
      c('latency.runs.rename', (node) => this.rename(node)),
      c('latency.runs.setBaseline', (node) => this.setBaseline(node)),
      c('latency.runs.clearBaseline', (node) => this.clearBaseline(node)),
      c('latency.runs.delete', (node, selection) => this.delete(node, selection)),
      c('latency.runs.compare', (node, selection) => this.compare(node, selection)),
      c('latency.runs.compareWithBaseline', (node) => this.compareWithBaseline(node)),
      c('latency.runs.export', (node) => this.export(node)),
    ];
  }

  /** Shows the run, set against its folder's baseline when there is another one. */
  async open(node?: RunsNode): Promise<BenchmarkResult | undefined> {
    const target = await this.runOrPick(node, 'Open which run?');
    if (!target) return undefined;
    const comparison = await baselineComparison(target.folder, target.run.result, target.run.id, this.log);
    this.panel.show(target.run.result, comparison);
    return target.run.result;
  }

  /** `newLabel` skips the prompt (for callers that already have it, and the tests). */
  async rename(node?: RunsNode, newLabel?: string): Promise<SavedRun | undefined> {
    const target = await this.runOrPick(node, 'Rename which run?');
    if (!target) return undefined;
    const label = newLabel ?? await vscode.window.showInputBox({
      title: 'Latency: Rename Run',
      prompt: `A name for ${describeRun(target.run)} (empty removes the name)`,
      value: target.run.label ?? '',
      validateInput: (v) => (v.length > 200 ? 'At most 200 characters.' : undefined),
    });
    if (label === undefined) return undefined;
    return this.mutate(target, (store) => store.rename(target.run.id, label), `renamed ${target.run.id}`);
  }

  async setBaseline(node?: RunsNode): Promise<SavedRun | undefined> {
    const target = await this.runOrPick(node, 'Which run becomes the baseline?');
    if (!target) return undefined;
    const run = await this.mutate(target, async (store) => (await store.setBaseline(target.run.id)) ?? undefined, `baseline is now ${target.run.id}`);
    if (run) void vscode.window.showInformationMessage(`Latency: ${runLabel(run)} is the baseline; every new run in ${target.folder.name} is compared with it.`);
    return run;
  }

  async clearBaseline(node?: RunsNode): Promise<void> {
    const folder = node?.folder ?? (await pickFolder());
    if (!folder) return;
    await this.mutate({ folder }, async (store) => (await store.setBaseline(null)) ?? undefined, `baseline cleared in ${folder.name}`);
  }

  /** `confirmed` skips the modal confirmation (for the tests; the menus never pass it). */
  async delete(node?: RunsNode, selection?: RunsNode[], confirmed = false): Promise<number> {
    const chosen = selection && selection.length > 1 ? selection.filter(isRun) : node && isRun(node) ? [node] : [];
    const targets = chosen.length > 0 ? chosen : [await this.runOrPick(undefined, 'Delete which run?')].filter((t): t is RunNode => t !== undefined);
    if (targets.length === 0) return 0;
    const what = targets.length === 1 ? describeRun(targets[0]!.run) : `${targets.length} runs`;
    const answer = confirmed ? 'Delete' : await vscode.window.showWarningMessage(`Delete ${what}?`, { modal: true, detail: 'The saved file under .latency/runs is removed; this cannot be undone.' }, 'Delete');
    if (answer !== 'Delete') return 0;
    let deleted = 0;
    for (const t of targets) {
      try {
        if (await historyStoreFor(t.folder).delete(t.run.id)) deleted++;
      } catch (err) {
        this.fail(`could not delete ${t.run.id}`, err);
      }
    }
    this.log.info(`deleted ${deleted} run(s)`);
    this.tree.refresh();
    return deleted;
  }

  /**
   * Two runs side by side: the two selected in the view (older is the base), or the given run
   * set against one picked from the same folder.
   */
  async compare(node?: RunsNode, selection?: RunsNode[]): Promise<PanelComparison | undefined> {
    const picked = (selection ?? []).filter(isRun);
    let base: RunNode | undefined;
    let candidate: RunNode | undefined;
    if (picked.length === 2) {
      [candidate, base] = [...picked].sort((a, b) => Date.parse(b.run.result.startedAt) - Date.parse(a.run.result.startedAt)) as [RunNode, RunNode];
    } else {
      candidate = await this.runOrPick(node, 'Compare which run?');
      if (!candidate) return undefined;
      base = await this.pickRun(candidate.folder, `Compare ${runLabel(candidate.run)} against which run?`, candidate.run.id);
    }
    if (!base || !candidate) return undefined;
    return this.showComparison(base, candidate.run.result, candidate.run.id, 'history');
  }

  async compareWithBaseline(node?: RunsNode): Promise<PanelComparison | undefined> {
    const target = await this.runOrPick(node, 'Compare which run with the baseline?');
    if (!target) return undefined;
    const baseline = (await historyStoreFor(target.folder).list()).runs.find((r) => r.baseline);
    if (!baseline) {
      const choice = await vscode.window.showInformationMessage(`Latency: ${target.folder.name} has no baseline run yet.`, 'Make This Run the Baseline');
      if (choice) await this.setBaseline(target);
      return undefined;
    }
    return this.showComparison({ kind: 'run', folder: target.folder, run: baseline }, target.run.result, target.run.id, 'baseline');
  }

  async export(node?: RunsNode): Promise<vscode.Uri | undefined> {
    const target = await this.runOrPick(node, 'Export which run?');
    if (!target) return undefined;
    return this.exporter.run(undefined, target.run.result);
  }

  private showComparison(base: RunNode, candidate: BenchmarkResult, candidateId: string, source: 'baseline' | 'history'): PanelComparison | undefined {
    const why = whyNotComparable(base.run, candidate, candidateId);
    if (why) {
      void vscode.window.showInformationMessage(`Latency: nothing to compare — ${why}.`);
      return undefined;
    }
    const comparison = compareWithSaved(base.run, candidate, source, checklistTargets(base.folder.uri));
    this.log.info(`compared with ${comparison.base.label}: ${comparisonHeadline(comparison)}`);
    this.panel.show(candidate, comparison);
    return comparison;
  }

  private async mutate<T>(target: { folder: vscode.WorkspaceFolder }, change: (store: ReturnType<typeof historyStoreFor>) => Promise<T>, done: string): Promise<T | undefined> {
    try {
      const out = await change(historyStoreFor(target.folder));
      this.log.info(done);
      return out;
    } catch (err) {
      this.fail(done.replace(/^\w+/, 'could not change'), err);
      return undefined;
    } finally {
      this.tree.refresh();
    }
  }

  private fail(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`Latency: ${what}: ${message}`);
  }

  private async runOrPick(node: RunsNode | undefined, placeHolder: string): Promise<RunNode | undefined> {
    if (node && isRun(node)) return node;
    const folder = node?.folder ?? (await pickFolder());
    return folder ? this.pickRun(folder, placeHolder) : undefined;
  }

  private async pickRun(folder: vscode.WorkspaceFolder, placeHolder: string, excludeId?: string): Promise<RunNode | undefined> {
    const runs = (await this.tree.folderChildren(folder)).filter(isRun).filter((n) => n.run.id !== excludeId);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(`Latency: no ${excludeId ? 'other ' : ''}saved runs in ${folder.name}. Every benchmark is saved under .latency/runs.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((n) => ({ label: `${n.run.baseline ? '$(star-full) ' : ''}${n.run.label ?? n.run.result.target.name}`, description: describeRun(n.run), node: n })),
      { title: 'Latency: Runs', placeHolder, matchOnDescription: true },
    );
    return picked?.node;
  }
}

/**
 * The comparison a new or reopened run gets: against its folder's baseline, when there is one
 * other than the run itself and both have figures. A history that cannot be read only costs
 * the comparison, never the result.
 */
export async function baselineComparison(folder: vscode.WorkspaceFolder | undefined, result: BenchmarkResult, runId: string | undefined, log: vscode.LogOutputChannel): Promise<PanelComparison | undefined> {
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  try {
    const baseline = (await historyStoreFor(folder).list()).runs.find((r) => r.baseline);
    if (!baseline) return undefined;
    const why = whyNotComparable(baseline, result, runId);
    if (why) {
      log.info(`not compared with the baseline: ${why}`);
      return undefined;
    }
    const comparison = compareWithSaved(baseline, result, 'baseline', checklistTargets(folder.uri));
    log.info(`compared with the baseline ${comparison.base.label}: ${comparisonHeadline(comparison)}`);
    return comparison;
  } catch (err) {
    log.warn(`could not compare with the baseline: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = historyFolders();
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Runs of which folder?' });
}

function isRun(n: RunsNode): n is RunNode {
  return n.kind === 'run';
}

// Tree nodes arrive from menus; a palette invocation passes nothing, a keybinding may pass a URI.
function asNode(v: unknown): RunsNode | undefined {
  return typeof v === 'object' && v !== null && 'kind' in v && 'folder' in v ? (v as RunsNode) : undefined;
}

function asNodes(v: unknown): RunsNode[] | undefined {
  return Array.isArray(v) ? v.map(asNode).filter((n): n is RunsNode => n !== undefined) : undefined;
}
