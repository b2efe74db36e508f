// The "Latency Runs" view in the explorer: every saved run of each workspace folder, newest
// first, the baseline starred, and every file in the history folder that is not a readable run
// listed with the reason (reported, never fatal). Reading goes through HistoryStore, the same
// code the CLI uses; the view only turns listings into tree items.

import * as vscode from 'vscode';
import { formatMs } from '../core/format';
import { HISTORY_DIR, describeRun, type SavedRun } from '../core/history';
import { HistoryStore, type HistoryProblem } from '../profiler/historyStore';

export const RUNS_VIEW_ID = 'latency.runs';

export type RunsNode =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder }
  | { kind: 'run'; folder: vscode.WorkspaceFolder; run: SavedRun }
  | { kind: 'problem'; folder: vscode.WorkspaceFolder; problem: HistoryProblem };

export function historyStoreFor(folder: vscode.WorkspaceFolder): HistoryStore {
  return new HistoryStore(vscode.Uri.joinPath(folder.uri, HISTORY_DIR).fsPath);
}

/** Local folders only: the history is written with Node's fs, which cannot reach other schemes. */
export function historyFolders(): vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watchers: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    // Runs written by the CLI, another window or a teammate's checkout show up without a refresh.
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${HISTORY_DIR}/*.json`);
    const refresh = () => this.refresh();
    this.watchers.push(watcher, watcher.onDidCreate(refresh), watcher.onDidChange(refresh), watcher.onDidDelete(refresh));
    this.watchers.push(vscode.workspace.onDidChangeWorkspaceFolders(refresh));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      const folders = historyFolders();
      if (folders.length === 1) return this.folderChildren(folders[0]!);
      return folders.map((folder) => ({ kind: 'folder', folder }));
    }
    return node.kind === 'folder' ? this.folderChildren(node.folder) : [];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'latency.folder';
        return item;
      }
      case 'problem': {
        const name = node.problem.file.split(/[\\/]/).pop() ?? node.problem.file;
        const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
        item.description = 'not a readable run — skipped';
        item.tooltip = `${node.problem.file}\n\n${node.problem.reason}`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.resourceUri = vscode.Uri.file(node.problem.file);
        item.command = { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(node.problem.file)] };
        item.contextValue = 'latency.problem';
        return item;
      }
      case 'run':
        return runItem(node);
    }
  }

  /** For the tests and the commands: the folder's listing, as the view shows it. */
  async folderChildren(folder: vscode.WorkspaceFolder): Promise<RunsNode[]> {
    let listing;
    try {
      listing = await historyStoreFor(folder).list();
    } catch (err) {
      this.log.warn(`could not list the runs of ${folder.name}: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
    for (const p of listing.problems) this.log.warn(`history: skipped ${p.file}: ${p.reason}`);
    return [
      ...listing.runs.map((run): RunsNode => ({ kind: 'run', folder, run })),
      ...listing.problems.map((problem): RunsNode => ({ kind: 'problem', folder, problem })),
    ];
  }

  dispose(): void {
    for (const d of this.watchers.splice(0)) d.dispose();
    this.changed.dispose();
  }
}

function runItem(node: Extract<RunsNode, { kind: 'run' }>): vscode.TreeItem {
  const { run } = node;
  const r = run.result;
  const item = new vscode.TreeItem(run.label ?? r.target.name, vscode.TreeItemCollapsibleState.None);
  item.id = run.id;
  const figures = r.summary ? `p50 ${formatMs(r.summary.p50Ms)} · n=${r.summary.n}` : 'no measured runs';
  item.description = [run.label ? r.target.name : undefined, figures, relativeTime(r.startedAt), r.partial ? 'partial' : undefined, run.baseline ? 'baseline' : undefined]
    .filter((p): p is string => p !== undefined)
    .join(' · ');
  item.tooltip = new vscode.MarkdownString().appendText(`${describeRun(run)}\n\n${r.target.path}\n\nrun ${run.id}`);
  item.iconPath = run.baseline ? new vscode.ThemeIcon('star-full') : r.partial ? new vscode.ThemeIcon('circle-slash') : new vscode.ThemeIcon('pulse');
  item.contextValue = run.baseline ? 'latency.run.baseline' : 'latency.run';
  item.command = { command: 'latency.runs.open', title: 'Open Run', arguments: [node] };
  item.accessibilityInformation = { label: describeRun(run) };
  return item;
}

function relativeTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = Math.max(0, (now - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}
