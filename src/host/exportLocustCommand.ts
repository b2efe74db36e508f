// "Latency: Export Locust File…": an HTTP endpoint (a target named in .vscode/latency.json, or a
// URL typed in) written as a locustfile into the workspace and opened. The text comes from the
// pure renderLocustFile. Allowed in untrusted workspaces: it writes one text file and runs
// nothing; running Locust (the CLI's `latency locust run`) executes code and is not offered here.

import * as path from 'path';
import * as vscode from 'vscode';
import { LocustExportError, renderLocustFile, type LocustScenario } from '../core/locustExport';
import type { HttpSpec } from '../core/target';
import { readNamedTargets } from './workspaceConfig';

/**
 * What the command may be given (keybindings, tasks, other extensions): a target's name, or
 * `{ target?, url?, file? }`: the endpoint (a named target, or a URL) and the file to write
 * (absolute, or relative to the first workspace folder), with no dialog for what is given.
 */
export type ExportLocustArg = string | { target?: string; url?: string; file?: string };

/** The command's argument as given, checked: anything else is no argument (the pickers ask). */
export function exportLocustArg(arg: unknown): ExportLocustArg | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as Record<string, unknown>;
  const out: Exclude<ExportLocustArg, string> = {};
  for (const key of ['target', 'url', 'file'] as const) if (typeof a[key] === 'string') out[key] = a[key];
  return out;
}

type Pick = { label: string; description?: string; spec?: () => Promise<{ spec: HttpSpec; folder: vscode.Uri | undefined } | undefined> };

export class ExportLocustCommand {
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly generator: string,
  ) {}

  /** Returns the file written (see ExportLocustArg for what `arg` may hold). */
  async run(arg?: ExportLocustArg): Promise<vscode.Uri | undefined> {
    const given = typeof arg === 'string' ? { target: arg } : (arg ?? {});
    if (given.url !== undefined && !/^https?:\/\/\S+$/i.test(given.url)) {
      void vscode.window.showErrorMessage(`Latency: cannot export "${given.url}" to Locust: not an http:// or https:// address.`);
      return undefined;
    }
    const chosen = given.url !== undefined ? { spec: { kind: 'http' as const, url: given.url }, folder: undefined } : await this.pickEndpoint(given.target);
    if (!chosen) return undefined;
    let text: string;
    try {
      text = renderLocustFile(scenarioOf(chosen.spec, this.generator));
    } catch (err) {
      if (!(err instanceof LocustExportError)) throw err;
      void vscode.window.showErrorMessage(`Latency: cannot export ${chosen.spec.url} to Locust: ${err.message}`);
      return undefined;
    }
    const folder = chosen.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    if (given.file !== undefined) {
      if (!path.isAbsolute(given.file) && !folder) {
        void vscode.window.showErrorMessage(`Latency: cannot export to "${given.file}": a relative path needs an open folder.`);
        return undefined;
      }
      return this.writeTo(path.isAbsolute(given.file) ? vscode.Uri.file(given.file) : vscode.Uri.joinPath(folder!, given.file), text);
    }
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, 'locustfile.py') } : {}),
      filters: { Python: ['py'] },
      saveLabel: 'Export',
      title: 'Latency: Export Locust File',
    });
    if (!target) return undefined;
    return this.writeTo(target, text);
  }

  /** Writes without asking: for the tests, and for callers that already know the file. */
  async writeTo(target: vscode.Uri, text: string): Promise<vscode.Uri | undefined> {
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`Locust export to ${target.toString()} failed: ${message}`);
      void vscode.window.showErrorMessage(`Latency: could not write ${target.fsPath}: ${message}`);
      return undefined;
    }
    this.log.info(`exported a Locust file to ${target.toString()}`);
    await vscode.window.showTextDocument(target);
    return target;
  }

  private async pickEndpoint(name: string | undefined): Promise<{ spec: HttpSpec; folder: vscode.Uri | undefined } | undefined> {
    const named = (await readNamedTargets()).filter((t) => t.target.spec.kind === 'http');
    const resolve = async (folder: vscode.WorkspaceFolder, spec: HttpSpec & { bodyFile?: string }) => {
      const { bodyFile, ...rest } = spec;
      if (bodyFile === undefined) return { spec: rest, folder: folder.uri };
      const file = vscode.Uri.file(path.resolve(folder.uri.fsPath, bodyFile));
      try {
        return { spec: { ...rest, body: new TextDecoder().decode(await vscode.workspace.fs.readFile(file)) }, folder: folder.uri };
      } catch (err) {
        void vscode.window.showErrorMessage(`Latency: cannot read the body file ${file.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    };
    if (name !== undefined) {
      const found = named.find((t) => t.target.name === name);
      if (!found) {
        void vscode.window.showErrorMessage(`Latency: no HTTP target named "${name}" in .vscode/latency.json.`);
        return undefined;
      }
      return resolve(found.folder, found.target.spec as HttpSpec);
    }
    const items: Pick[] = [
      ...named.map(({ folder, target }) => ({
        label: target.name,
        description: `$(globe) ${(target.spec as HttpSpec).url}`,
        spec: () => resolve(folder, target.spec as HttpSpec),
      })),
      { label: '$(link) Endpoint URL…', description: 'type the address of a served model', spec: askUrl },
    ];
    const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder: 'Export which endpoint as a Locust file?' });
    return picked?.spec?.();
  }
}

async function askUrl(): Promise<{ spec: HttpSpec; folder: undefined } | undefined> {
  const url = await vscode.window.showInputBox({
    prompt: 'The endpoint Locust should load (GET; name a target in .vscode/latency.json for a method, headers or a body)',
    placeHolder: 'http://127.0.0.1:8000/predict',
    validateInput: (v) => (/^https?:\/\/\S+$/i.test(v.trim()) ? undefined : 'Write an http:// or https:// address'),
  });
  return url ? { spec: { kind: 'http', url: url.trim() }, folder: undefined } : undefined;
}

function scenarioOf(spec: HttpSpec, generator: string): LocustScenario {
  return { spec, generator };
}
