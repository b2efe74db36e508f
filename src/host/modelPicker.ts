// Chooses the model to benchmark: the explorer's selection, the only model in the workspace, or
// a quick pick that lists the most recently benchmarked first.

import * as vscode from 'vscode';

const RECENT_KEY = 'latency.recentModels';
const EXCLUDE = '**/{node_modules,.git,.latency}/**';

export async function pickModel(state: vscode.Memento): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles('**/*.onnx', EXCLUDE, 500);
  if (found.length === 0) {
    const choice = await vscode.window.showInformationMessage(
      'Latency: no .onnx model in this workspace.',
      'Choose a Model File…',
    );
    if (choice !== 'Choose a Model File…') return undefined;
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, openLabel: 'Benchmark' });
    return picked?.[0];
  }
  if (found.length === 1) return found[0];

  const recent = state.get<string[]>(RECENT_KEY, []);
  const rank = (u: vscode.Uri) => {
    const i = recent.indexOf(u.toString());
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  const sorted = [...found].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  const items = sorted.map((uri) => ({
    label: uri.path.split('/').pop() ?? uri.path,
    description: vscode.workspace.asRelativePath(uri, true),
    detail: rank(uri) !== Number.MAX_SAFE_INTEGER ? 'recently benchmarked' : undefined,
    uri,
  }));
  const choice = await vscode.window.showQuickPick(items, { title: 'Latency: Run Benchmark', placeHolder: 'Which model?', matchOnDescription: true });
  return choice?.uri;
}

export async function rememberModel(state: vscode.Memento, uri: vscode.Uri): Promise<void> {
  const recent = state.get<string[]>(RECENT_KEY, []).filter((u) => u !== uri.toString());
  await state.update(RECENT_KEY, [uri.toString(), ...recent].slice(0, 20));
}
