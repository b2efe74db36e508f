// "Latency: Check Python Environment": which interpreter a Python-function benchmark would use,
// whether the harness runs in it, what it has, and whether torch can use CUDA — each problem with
// its fix. The checks run in a short-lived profiler process, like a benchmark.

import * as vscode from 'vscode';
import { renderDoctorReport, type DoctorReport } from '../core/doctorReport';
import { copyableFix } from '../core/pythonDoctor';
import { checkPythonInProfiler } from '../profiler/client';
import { chooseInterpreter } from './pythonInterpreter';

export class CheckPythonCommand {
  constructor(
    private readonly profilerScript: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Returns the report (for tests), or undefined when refused or the check itself failed. */
  async run(scope?: vscode.Uri): Promise<DoctorReport | undefined> {
    if (!vscode.workspace.isTrusted) {
      // The interpreter may come from this workspace's settings: starting it is running its code.
      void vscode.window.showWarningMessage('Latency checks the Python environment only in trusted workspaces: it starts the interpreter the workspace names.');
      return undefined;
    }
    const where = scope ?? vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const chosen = where ? await chooseInterpreter(where) : { interpreter: 'python3', source: 'default' as const };
    let report: DoctorReport;
    try {
      report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Latency: checking ${chosen.interpreter}…` }, () =>
        checkPythonInProfiler(this.profilerScript, { interpreter: chosen.interpreter, cuda: 'auto' }),
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`python check failed: ${message}`);
      void vscode.window.showErrorMessage(`Latency: could not check ${chosen.interpreter}: ${message}`);
      return undefined;
    }
    this.log.info(`python check (interpreter from the ${chosen.source}):\n${renderDoctorReport(report)}`);
    for (const c of [report.python, report.cuda]) if (c && !c.ok && c.details) this.log.info(c.details);
    const actions = ['Show Details'];
    const problem = !report.python.ok ? report.python : report.cuda && !report.cuda.ok ? report.cuda : undefined;
    const fix = copyableFix(problem?.hint);
    if (fix) actions.push('Copy Fix Command');
    if (!report.python.ok && chosen.source !== 'python extension') actions.push('Open Settings');
    const shown = report.python.ok
      ? vscode.window.showInformationMessage(`Latency: ${summary(report)}`, ...actions)
      : vscode.window.showErrorMessage(`Latency: ${report.python.message}${report.python.hint ? ` ${report.python.hint}` : ''}`, ...actions);
    // Not awaited: the report is the answer; the buttons act whenever the user gets to them.
    void shown.then(async (choice) => {
      if (choice === 'Show Details') this.log.show();
      else if (choice === 'Copy Fix Command' && fix) await vscode.env.clipboard.writeText(fix);
      else if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'latency.python.interpreter');
    });
    return report;
  }
}

function summary(r: DoctorReport): string {
  if (!r.python.ok) return r.python.message;
  const env = r.python.env;
  const packages = Object.entries(env.packages).map(([n, v]) => `${n} ${v}`).join(', ') || 'no ML packages';
  const cuda = r.cuda === undefined ? '' : r.cuda.ok ? `; CUDA on ${r.cuda.device}` : `; CUDA not usable: ${r.cuda.message}`;
  return `${env.executable} is Python ${env.version} (${packages})${cuda}. The Python-function benchmark can run in it.`;
}
