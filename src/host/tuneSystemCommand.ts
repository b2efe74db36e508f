// "Latency: Tune System…": reads the machine through the profiler, writes a tuning script and
// its matching restore script, opens them for review, and runs one only when the user asks, in a
// terminal that echoes every command. Nothing privileged ever runs without the user seeing it.

import * as vscode from 'vscode';
import { parseAffinity } from '../core/config';
import type { SystemSnapshot } from '../core/system';
import { buildTuneScripts } from '../core/tuneScript';
import { readSystemInProfiler } from '../profiler/client';

export const TUNE_TRUST_MESSAGE =
  'Latency runs tuning scripts only in trusted workspaces: the script is built from this folder\u2019s settings (latency.cpuAffinity).';

export interface TuneScriptsWritten {
  tune: vscode.Uri;
  restore: vscode.Uri;
  system: SystemSnapshot;
}

export class TuneSystemCommand {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Returns the scripts written, so tests can check them; undefined when reading the system failed. */
  async run(): Promise<TuneScriptsWritten | undefined> {
    let system: SystemSnapshot;
    try {
      system = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Latency: reading CPU and GPU settings…' },
        () => readSystemInProfiler(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'profiler.js').fsPath),
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`tune system: ${message}`);
      void vscode.window.showErrorMessage(`Latency: could not read the system settings: ${message}`);
      return undefined;
    }

    const scope = vscode.workspace.workspaceFolders?.[0]?.uri;
    const cpus = parseAffinity(vscode.workspace.getConfiguration('latency', scope).get('cpuAffinity'));
    const scripts = buildTuneScripts(system, Array.isArray(cpus) ? { cpus } : {});
    const dir = vscode.Uri.joinPath(this.context.globalStorageUri, 'tune');
    await vscode.workspace.fs.createDirectory(dir);
    const tune = vscode.Uri.joinPath(dir, 'latency-tune.sh');
    const restore = vscode.Uri.joinPath(dir, 'latency-restore.sh');
    // The restore script records the state found now; a second tuning must not overwrite the
    // only record of the settings from before the first.
    const keepRestore = await exists(restore) && !(await this.confirmOverwrite(restore));
    await vscode.workspace.fs.writeFile(tune, new TextEncoder().encode(scripts.tune));
    if (!keepRestore) await vscode.workspace.fs.writeFile(restore, new TextEncoder().encode(scripts.restore));
    for (const note of scripts.notes) this.log.info(`tune system: ${note}`);

    const restoreDoc = await vscode.workspace.openTextDocument(restore);
    await vscode.window.showTextDocument(restoreDoc, { preview: false, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    const tuneDoc = await vscode.workspace.openTextDocument(tune);
    await vscode.window.showTextDocument(tuneDoc, { preview: false, viewColumn: vscode.ViewColumn.One });

    void this.offerToRun(tune, restore);
    return { tune, restore, system };
  }

  private async offerToRun(tune: vscode.Uri, restore: vscode.Uri): Promise<void> {
    const choice = await vscode.window.showInformationMessage(
      'Latency: review the tuning script. It changes system settings with sudo; the restore script beside it puts them back.',
      'Run in Terminal',
      'Run Restore in Terminal',
    );
    if (choice === 'Run in Terminal') await this.runInTerminal(tune);
    else if (choice === 'Run Restore in Terminal') await this.runInTerminal(restore);
  }

  /** Saves the user's edits first: what runs is what they reviewed. */
  async runInTerminal(script: vscode.Uri): Promise<vscode.Terminal | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(TUNE_TRUST_MESSAGE);
      return undefined;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === script.toString());
    if (doc?.isDirty) await doc.save();
    const terminal = vscode.window.createTerminal({ name: 'Latency: Tune System' });
    terminal.show();
    // bash -x echoes each command before it runs; the script asks for sudo itself, line by line.
    terminal.sendText(`bash -x ${shellQuote(script.fsPath)}`);
    this.log.info(`tune system: ran ${script.fsPath} in a terminal`);
    return terminal;
  }

  private async confirmOverwrite(restore: vscode.Uri): Promise<boolean> {
    const choice = await vscode.window.showWarningMessage(
      `A restore script from an earlier tuning exists (${restore.fsPath}). Replace it with one recording the settings as they are now?`,
      { modal: true },
      'Replace',
      'Keep the Earlier One',
    );
    return choice === 'Replace';
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
