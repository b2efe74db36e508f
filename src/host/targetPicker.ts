// Chooses what "Latency: Run Benchmark" measures: an ONNX model in the workspace (the most
// recently benchmarked first), a target named in `.vscode/latency.json`, a Python function picked
// from a file, or a shell command typed in.

import * as path from 'path';
import * as vscode from 'vscode';
import type { PyFunctionDef } from '../advisors/pyFunctions';
import type { ConfigLayer } from '../core/config';
import { pythonTargetName, type HttpSpec, type OpenAiSpec } from '../core/target';
import type { NamedTarget } from '../core/targetsConfig';
import { readNamedTargets } from './workspaceConfig';

const RECENT_KEY = 'latency.recentModels';
const LAST_COMMAND_KEY = 'latency.lastCommand';
const EXCLUDE = '**/{node_modules,.git,.latency}/**';
const PY_EXCLUDE = '**/{node_modules,.git,.latency,.venv,venv,env,site-packages,__pycache__}/**';

export type HostTarget =
  | { kind: 'onnx'; uri: vscode.Uri }
  | {
      kind: 'python';
      file: vscode.Uri;
      function: string;
      setup?: string;
      scriptForm?: boolean;
      /** The target's own interpreter (a named target); otherwise chosen when it runs. */
      interpreter?: string;
      cwd?: vscode.Uri;
      callTimeoutSeconds?: number;
      setupTimeoutSeconds?: number;
      /** Counts a named target sets for itself. */
      own?: ConfigLayer;
    }
  | { kind: 'command'; command: string; prepare?: string; cwd: vscode.Uri; timeoutSeconds?: number; own?: ConfigLayer }
  /** `folder`: whose settings and history the run belongs to; `bodyFile` is read when the run starts. */
  | { kind: 'http'; spec: HttpSpec; folder: vscode.Uri; bodyFile?: vscode.Uri; own?: ConfigLayer }
  /** An OpenAI-compatible streaming server (a named target), its prompts file made absolute. */
  | { kind: 'openai'; spec: OpenAiSpec; folder: vscode.Uri; own?: ConfigLayer };

/** How a target reads in titles and logs. */
export function hostTargetName(t: HostTarget): string {
  if (t.kind === 'onnx') return path.basename(t.uri.fsPath);
  if (t.kind === 'python') return pythonTargetName(t.file.fsPath, t.function);
  if (t.kind === 'http') return `${t.spec.method ?? (t.spec.body !== undefined || t.bodyFile || t.spec.bodyLinesFile !== undefined ? 'POST' : 'GET')} ${t.spec.url}`;
  if (t.kind === 'openai') return `${t.spec.model} at ${t.spec.url}`;
  return t.command;
}

/** The file or folder a target belongs to: what settings, history and the workspace folder are looked up by. */
export function hostTargetScope(t: HostTarget): vscode.Uri {
  return t.kind === 'onnx' ? t.uri : t.kind === 'python' ? t.file : t.kind === 'http' || t.kind === 'openai' ? t.folder : t.cwd;
}

export type FunctionLister = (text: string) => Promise<PyFunctionDef[]>;

type Item = vscode.QuickPickItem & { pick?: () => Promise<HostTarget | undefined> };

export async function pickTarget(state: vscode.Memento, listFunctions: FunctionLister): Promise<HostTarget | undefined> {
  const [found, named] = await Promise.all([vscode.workspace.findFiles('**/*.onnx', EXCLUDE, 500), readNamedTargets()]);
  const recent = state.get<string[]>(RECENT_KEY, []);
  const rank = (u: vscode.Uri) => {
    const i = recent.indexOf(u.toString());
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  const models: Item[] = [...found]
    .sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path))
    .map((uri) => ({
      label: uri.path.split('/').pop() ?? uri.path,
      description: vscode.workspace.asRelativePath(uri, true),
      detail: rank(uri) !== Number.MAX_SAFE_INTEGER ? 'recently benchmarked' : undefined,
      pick: async () => ({ kind: 'onnx', uri }),
    }));
  const several = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const targets: Item[] = named.map(({ folder, target }) => ({
    label: target.name,
    description: `${describeNamed(target)}${several ? ` · ${folder.name}` : ''}`,
    pick: async () => fromNamed(folder, target),
  }));
  const others: Item[] = [
    { label: '$(symbol-method) Python Function…', description: 'time a function in a .py file, in-process', pick: () => pickPythonFunction(listFunctions) },
    { label: '$(terminal) Shell Command…', description: 'time a whole process per run, like hyperfine', pick: () => askCommand(state) },
    {
      label: '$(folder-opened) Choose a Model File…',
      description: 'an .onnx file outside the workspace',
      pick: async () => {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, openLabel: 'Benchmark' });
        return picked?.[0] ? { kind: 'onnx', uri: picked[0] } : undefined;
      },
    },
  ];
  const separator = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const items: Item[] = [
    ...(models.length ? [separator('ONNX models'), ...models] : []),
    ...(targets.length ? [separator('Targets in latency.json'), ...targets] : []),
    separator('Other'),
    ...others,
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Latency: Run Benchmark', placeHolder: 'What to benchmark?', matchOnDescription: true });
  return choice?.pick?.();
}

function describeNamed(target: NamedTarget): string {
  const s = target.spec;
  if (s.kind === 'python') return `$(symbol-method) ${s.file}:${s.function}`;
  if (s.kind === 'http') return `$(globe) ${s.url}${s.concurrency && s.concurrency > 1 ? ` ×${s.concurrency}` : ''}`;
  if (s.kind === 'openai') return `$(comment-discussion) ${s.model} at ${s.url}${s.concurrency && s.concurrency > 1 ? ` ×${s.concurrency}` : ''}`;
  return `$(terminal) ${s.command}`;
}

function fromNamed(folder: vscode.WorkspaceFolder, named: NamedTarget): HostTarget {
  const at = (rel: string | undefined) => vscode.Uri.file(path.resolve(folder.uri.fsPath, rel ?? '.'));
  const own: ConfigLayer = { ...(named.iterations !== undefined ? { iterations: named.iterations } : {}), ...(named.warmup !== undefined ? { warmup: named.warmup } : {}) };
  const s = named.spec;
  if (s.kind === 'python') {
    return {
      kind: 'python',
      file: at(s.file),
      function: s.function,
      ...(s.setup !== undefined ? { setup: s.setup } : {}),
      ...(s.scriptForm ? { scriptForm: true } : {}),
      ...(s.interpreter !== undefined ? { interpreter: s.interpreter } : {}),
      cwd: at(s.cwd),
      ...(s.callTimeoutSeconds !== undefined ? { callTimeoutSeconds: s.callTimeoutSeconds } : {}),
      ...(s.setupTimeoutSeconds !== undefined ? { setupTimeoutSeconds: s.setupTimeoutSeconds } : {}),
      own,
    };
  }
  if (s.kind === 'http') {
    const { bodyFile, ...spec } = s;
    if (spec.bodyLinesFile !== undefined) spec.bodyLinesFile = at(spec.bodyLinesFile).fsPath;
    return { kind: 'http', spec, folder: folder.uri, ...(bodyFile !== undefined ? { bodyFile: at(bodyFile) } : {}), own };
  }
  if (s.kind === 'openai') return { kind: 'openai', spec: { ...s, promptsFile: at(s.promptsFile).fsPath }, folder: folder.uri, own };
  return { kind: 'command', command: s.command, ...(s.prepare !== undefined ? { prepare: s.prepare } : {}), cwd: at(s.cwd), ...(s.timeoutSeconds !== undefined ? { timeoutSeconds: s.timeoutSeconds } : {}), own };
}

/** The named target `name` (in any folder), for `latency.runBenchmark` called with `{ target: name }`. */
export async function namedTarget(name: string): Promise<HostTarget | undefined> {
  const found = (await readNamedTargets()).find((t) => t.target.name === name);
  return found ? fromNamed(found.folder, found.target) : undefined;
}

/**
 * A function of a .py file: the file (the active editor's first), then one of its module-level
 * functions; a function that takes arguments then gets a setup whose return value feeds it.
 */
export async function pickPythonFunction(listFunctions: FunctionLister, file?: vscode.Uri): Promise<HostTarget | undefined> {
  const chosenFile = file ?? (await pickPythonFile());
  if (!chosenFile) return undefined;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(chosenFile));
  const functions = (await listFunctions(text)).filter((f) => !f.name.includes('.') && !f.isAsync);
  const name = path.basename(chosenFile.fsPath);
  if (functions.length === 0) {
    void vscode.window.showWarningMessage(`Latency: ${name} defines no module-level function to time (async functions and methods are not timed directly; wrap them in a function).`);
    return undefined;
  }
  const fn = await vscode.window.showQuickPick(
    functions.map((f) => ({ label: f.name, description: f.parameters, detail: `line ${f.line + 1}`, f })),
    { title: `Latency: a function of ${name}`, placeHolder: 'Which function? Each call is timed.' },
  );
  if (!fn) return undefined;
  const takesArguments = !/^\(\s*\)$/.test(fn.f.parameters);
  let setup: string | undefined;
  if (takesArguments) {
    const candidates = functions.filter((f) => f.name !== fn.f.name && /^\(\s*\)$/.test(f.parameters));
    const preferred = ['setup', 'load', 'load_model', 'make_inputs', 'inputs'];
    candidates.sort((a, b) => (preferred.indexOf(a.name) + 1 || 99) - (preferred.indexOf(b.name) + 1 || 99));
    const pick = await vscode.window.showQuickPick(
      [
        ...candidates.map((f) => ({ label: f.name, description: `line ${f.line + 1}`, detail: `runs once, untimed; what it returns is passed to ${fn.f.name}()`, setup: f.name as string | undefined })),
        { label: 'No setup', description: '', detail: `call ${fn.f.name}() with no arguments`, setup: undefined },
      ],
      { title: `Latency: ${fn.f.name}${fn.f.parameters} needs its arguments`, placeHolder: 'Which function sets up its input?' },
    );
    if (!pick) return undefined;
    setup = pick.setup;
  }
  return { kind: 'python', file: chosenFile, function: fn.f.name, ...(setup ? { setup } : {}) };
}

async function pickPythonFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  const files = await vscode.workspace.findFiles('**/*.py', PY_EXCLUDE, 2000);
  const first = active?.languageId === 'python' && active.uri.scheme === 'file' ? active.uri : undefined;
  const ordered = first ? [first, ...files.filter((f) => f.toString() !== first.toString())] : files;
  if (ordered.length === 0) {
    void vscode.window.showInformationMessage('Latency: no .py file in this workspace.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    ordered.map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), detail: uri === first ? 'active editor' : undefined, uri })),
    { title: 'Latency: Python function', placeHolder: 'Which file?', matchOnDescription: true },
  );
  return pick?.uri;
}

async function askCommand(state: vscode.Memento): Promise<HostTarget | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showInformationMessage('Latency: open a folder to run a command in.');
    return undefined;
  }
  const command = await vscode.window.showInputBox({
    title: 'Latency: Shell Command',
    prompt: `Run with /bin/sh -c in ${folder.name}, output discarded; the shell's own start-up is measured and subtracted. Name it in .vscode/latency.json "targets" to add --prepare or counts.`,
    placeHolder: 'python3 infer.py --batch 8',
    value: state.get<string>(LAST_COMMAND_KEY, ''),
    validateInput: (v) => (v.trim() ? undefined : 'Type the command to time'),
  });
  if (!command?.trim()) return undefined;
  await state.update(LAST_COMMAND_KEY, command);
  return { kind: 'command', command, cwd: folder.uri };
}

export async function rememberModel(state: vscode.Memento, uri: vscode.Uri): Promise<void> {
  const recent = state.get<string[]>(RECENT_KEY, []).filter((u) => u !== uri.toString());
  await state.update(RECENT_KEY, [uri.toString(), ...recent].slice(0, 20));
}
