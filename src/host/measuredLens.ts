// Puts a measured Python function's figures back on its source: a CodeLens over the `def`
// (click: run it again) and, when the run says what to change there, a diagnostic on that line.
// Fed every result the panel shows, so a run opened from history points back too.

import * as vscode from 'vscode';
import { currentDefLine, measuredFunction, type MeasuredFunction } from '../core/measuredFunction';
import type { BenchmarkResult } from '../core/result';

export const MEASURED_SOURCE = 'Latency (measured)';

export class MeasuredLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly byFile = new Map<string, Map<string, { measured: MeasuredFunction; result: BenchmarkResult }>>();
  private readonly collection = vscode.languages.createDiagnosticCollection('latency-measured');
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  /** Records the result's function (the latest run of each function wins); other targets are ignored. */
  update(result: BenchmarkResult): void {
    const m = measuredFunction(result);
    if (!m || result.target.kind !== 'python') return;
    const key = vscode.Uri.file(m.file).toString();
    const fns = this.byFile.get(key) ?? new Map();
    fns.set(m.function, { measured: m, result });
    this.byFile.set(key, fns);
    this.collection.set(
      vscode.Uri.file(m.file),
      [...fns.values()].flatMap(({ measured }) => {
        if (!measured.finding) return [];
        const d = new vscode.Diagnostic(
          new vscode.Range(measured.line, 0, measured.line, Number.MAX_SAFE_INTEGER),
          measured.finding.message,
          measured.finding.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
        );
        d.source = MEASURED_SOURCE;
        d.code = measured.finding.code;
        return [d];
      }),
    );
    this.changed.fire();
  }

  /** What is known for a file, for tests. */
  measuredIn(file: vscode.Uri): MeasuredFunction[] {
    return [...(this.byFile.get(file.toString())?.values() ?? [])].map((x) => x.measured);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const fns = this.byFile.get(document.uri.toString());
    if (!fns) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const { measured, result } of fns.values()) {
      // The file may have been edited since: the lens stays on the def it measured, or is dropped.
      const line = currentDefLine(measured, (l) => document.lineAt(l).text, document.lineCount);
      if (line === undefined) continue;
      const range = new vscode.Range(line, 0, line, 0);
      const t = result.target;
      lenses.push(
        new vscode.CodeLens(range, { title: measured.lens, command: 'latency.showResults', tooltip: 'Show the results panel' }),
        new vscode.CodeLens(range, {
          title: 'Run again',
          command: 'latency.runBenchmark',
          arguments: [t.kind === 'python' ? { kind: 'python', file: document.uri, function: t.function, ...(t.setup ? { setup: t.setup } : {}) } : undefined],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.collection.dispose();
    this.changed.dispose();
  }
}
