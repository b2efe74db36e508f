// "Latency: Export Results…": the panel's run (or comparison) as Markdown for a pull request, CSV
// for a spreadsheet, or JSON that `latency compare` reads back. The text comes from the pure
// exportDocument; this adapter asks where to save and writes it.

import * as vscode from 'vscode';
import { exportDocument } from '../core/exportReport';
import { EXPORT_FORMATS, type ExportFormat, type PanelComparison } from '../core/panelProtocol';
import type { BenchmarkResult } from '../core/result';

const FORMAT_LABELS: Record<ExportFormat, { label: string; detail: string; filter: string }> = {
  markdown: { label: 'Markdown', detail: 'tables ready to paste into a pull request', filter: 'Markdown' },
  csv: { label: 'CSV', detail: 'every run (or every compared metric), one row each', filter: 'CSV' },
  json: { label: 'JSON', detail: 'the whole result, readable by `latency compare`', filter: 'JSON' },
};

export interface ExportSource {
  readonly lastResult: BenchmarkResult | undefined;
  readonly lastComparison: PanelComparison | undefined;
}

export class ExportCommand {
  constructor(
    private readonly source: ExportSource,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Asks for the format (unless given) and the file; returns where it wrote, if it did. */
  async run(format?: ExportFormat, result = this.source.lastResult, comparison = result === this.source.lastResult ? this.source.lastComparison : undefined): Promise<vscode.Uri | undefined> {
    if (!result) {
      void vscode.window.showInformationMessage('Latency: nothing to export yet — run a benchmark or open a saved run first.');
      return undefined;
    }
    const chosen = format ?? (await this.pickFormat(comparison !== undefined));
    if (!chosen) return undefined;
    const doc = exportDocument(chosen, result, comparison);
    const target = await vscode.window.showSaveDialog({
      defaultUri: defaultLocation(result, comparison, doc.extension),
      filters: { [FORMAT_LABELS[chosen].filter]: [doc.extension] },
      saveLabel: 'Export',
      title: comparison ? 'Latency: Export Comparison' : 'Latency: Export Run',
    });
    if (!target) return undefined;
    return this.writeTo(target, chosen, result, comparison);
  }

  /** Writes without asking: for the tests, and for callers that already know the file. */
  async writeTo(target: vscode.Uri, format: ExportFormat, result: BenchmarkResult, comparison?: PanelComparison): Promise<vscode.Uri | undefined> {
    const doc = exportDocument(format, result, comparison);
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(doc.text));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`export to ${target.toString()} failed: ${message}`);
      void vscode.window.showErrorMessage(`Latency: could not write ${target.fsPath}: ${message}`);
      return undefined;
    }
    this.log.info(`exported ${comparison ? 'the comparison' : 'the run'} as ${format} to ${target.toString()}`);
    void vscode.window.showInformationMessage(`Latency: exported to ${vscode.workspace.asRelativePath(target)}.`, 'Open').then((c) => {
      if (c) void vscode.commands.executeCommand('vscode.open', target);
    });
    return target;
  }

  private async pickFormat(isComparison: boolean): Promise<ExportFormat | undefined> {
    const picked = await vscode.window.showQuickPick(
      EXPORT_FORMATS.map((format) => ({ label: FORMAT_LABELS[format].label, detail: FORMAT_LABELS[format].detail, format })),
      { title: isComparison ? 'Latency: Export Comparison' : 'Latency: Export Run', placeHolder: 'Which format?' },
    );
    return picked?.format;
  }
}

function defaultLocation(result: BenchmarkResult, comparison: PanelComparison | undefined, extension: string): vscode.Uri | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(result.target.path)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) return undefined;
  const stamp = result.startedAt.slice(0, 19).replace(/[-:T]/g, '').replace(/^(\d{8})(\d{6})$/, '$1-$2');
  const model = result.target.name.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_');
  const name = comparison ? `latency-${model}-vs-${comparison.base.result.target.name.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_')}-${stamp}` : `latency-${model}-${stamp}`;
  return vscode.Uri.joinPath(folder.uri, `${name}.${extension}`);
}
