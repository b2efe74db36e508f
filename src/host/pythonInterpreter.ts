// Which Python runs a function target: the target's own interpreter, else the one the Python
// extension has selected for the file, else `latency.python.interpreter`, else `python3`.

import * as path from 'path';
import * as vscode from 'vscode';

export interface ChosenInterpreter {
  interpreter: string;
  /** Where it came from, for the log and the doctor. */
  source: 'target' | 'python extension' | 'setting' | 'default';
}

/** The subset of the Python extension's API used here (ms-python.python ≥ 2022; `settings` is the older form). */
interface PythonExtensionApi {
  ready?: Promise<void>;
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable: { uri: vscode.Uri | undefined } } | undefined>;
  };
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

export async function chooseInterpreter(scope: vscode.Uri, own?: string, folder?: vscode.WorkspaceFolder): Promise<ChosenInterpreter> {
  // A path in a target is relative to its workspace folder; a bare name is looked up on PATH.
  if (own) return { interpreter: folder && /[\\/]/.test(own) && !path.isAbsolute(own) ? path.join(folder.uri.fsPath, own) : own, source: 'target' };
  const fromExtension = await pythonExtensionInterpreter(scope);
  if (fromExtension) return { interpreter: fromExtension, source: 'python extension' };
  const setting = vscode.workspace.getConfiguration('latency', scope).get<string>('python.interpreter', '').trim();
  if (setting) return { interpreter: setting, source: 'setting' };
  return { interpreter: 'python3', source: 'default' };
}

/** The Python extension's interpreter for `scope`; undefined when it is not installed or says nothing (never an error). */
async function pythonExtensionInterpreter(scope: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    await api.ready;
    if (api.environments) {
      const active = api.environments.getActiveEnvironmentPath(scope);
      const resolved = await api.environments.resolveEnvironment(active);
      return resolved?.executable.uri?.fsPath ?? (active.path || undefined);
    }
    return api.settings?.getExecutionDetails(scope).execCommand?.[0];
  } catch {
    return undefined;
  }
}
