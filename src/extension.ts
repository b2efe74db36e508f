// Activation wires the adapters together and nothing more: no model, no onnxruntime, no
// profiler process until the user runs a benchmark.

import * as vscode from 'vscode';
import { AdvisorCodeActions, CONFIGURE_RULE_COMMAND, configureRule } from './host/advisors/codeActions';
import { AdvisorDiagnostics } from './host/advisors/diagnostics';
import { AbCommand, abArguments } from './host/abCommand';
import { BenchmarkController } from './host/benchmarkCommand';
import { ExportCommand } from './host/exportCommand';
import { ExportLocustCommand, exportLocustArg } from './host/exportLocustCommand';
import { ResultsPanel } from './host/resultsPanel';
import { RunsCommands } from './host/runsCommands';
import { RUNS_VIEW_ID, RunsTreeProvider } from './host/runsView';
import { LatencyStatusBar } from './host/statusBar';
import { MeasuredLens } from './host/measuredLens';
import { CheckPythonCommand } from './host/checkPythonCommand';
import { TuneSystemCommand } from './host/tuneSystemCommand';
import { openConfigAt } from './host/workspaceConfig';

export interface LatencyApi {
  /** For tests and other extensions: the panel's current result, the status bar text, and whether a benchmark runs. */
  readonly lastResult: ResultsPanel['lastResult'];
  /** What the panel sets the result against (the baseline after a run, two runs compared, an A/B run). */
  readonly lastComparison: ResultsPanel['lastComparison'];
  /** The Runs view's data and commands, for tests: what the tree lists, and the actions without their prompts where given a node. */
  readonly runs: { tree: RunsTreeProvider; commands: RunsCommands };
  /** "Compare Two Models (A/B)…": `run(base, candidate)` without prompts, and the last outcome. */
  readonly ab: AbCommand;
  /** Writes the panel's content as `format` to a file, without the save dialog. */
  readonly exporter: ExportCommand;
  readonly statusBarText: string;
  readonly isRunning: boolean;
  /** The id of the last run saved under .latency/runs, if any. */
  readonly lastSavedRun: string | undefined;
  /** Measured Python functions, as their CodeLenses and diagnostics show them. */
  readonly measured: MeasuredLens;
  /** "Latency: Check Python Environment", for tests. */
  readonly checkPython: CheckPythonCommand;
  /** "Latency: Tune System…" without its prompts, for tests: writes and opens the scripts. */
  readonly tuneSystem: TuneSystemCommand;
}

/** Languages the advisors read; the selector also serves the code-action provider. */
const ADVISOR_SELECTOR: vscode.DocumentSelector = ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact'].map((language) => ({ language }));

export function activate(context: vscode.ExtensionContext): LatencyApi {
  const log = vscode.window.createOutputChannel('Latency', { log: true });
  const panel = new ResultsPanel(context.extensionUri, log);
  const statusBar = new LatencyStatusBar();
  // Advisors only read source text, so they run in restricted mode too; nothing is executed.
  const advisors = new AdvisorDiagnostics(context.extensionUri, log);
  const controller = new BenchmarkController(context, log, panel, (text) => advisors.listFunctions(text));
  const measured = new MeasuredLens();
  const checkPython = new CheckPythonCommand(controller.profilerScript, log);
  const tuneSystem = new TuneSystemCommand(context, log);
  const exporter = new ExportCommand(panel, log);
  panel.onExport = (format) => void exporter.run(format);
  const runsTree = new RunsTreeProvider(log);
  const runsView = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsTree, canSelectMany: true, showCollapseAll: false });
  const runsCommands = new RunsCommands(runsTree, panel, exporter, log);
  const ab = new AbCommand(controller, panel, log);

  context.subscriptions.push(
    log,
    panel,
    statusBar,
    controller,
    advisors,
    vscode.languages.registerCodeActionsProvider(ADVISOR_SELECTOR, new AdvisorCodeActions(advisors, context.extensionUri), AdvisorCodeActions.metadata),
    vscode.commands.registerCommand(CONFIGURE_RULE_COMMAND, (code: string, setting: string) => configureRule(code, setting)),
    panel.registerSerializer(),
    measured,
    vscode.languages.registerCodeLensProvider({ language: 'python' }, measured),
    panel.onDidChangeResult((result) => statusBar.show(result)),
    panel.onDidChangeResult((result) => measured.update(result)),
    vscode.commands.registerCommand('latency.runBenchmark', (arg?: unknown) => controller.run(arg)),
    vscode.commands.registerCommand('latency.cancelBenchmark', () => controller.cancel()),
    vscode.commands.registerCommand('latency.checkPython', (uri?: vscode.Uri) => checkPython.run(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('latency.showResults', async () => {
      if (panel.lastResult) panel.show(panel.lastResult);
      else if ((await vscode.window.showInformationMessage('Latency: no benchmark yet.', 'Run Benchmark')) === 'Run Benchmark') {
        await vscode.commands.executeCommand('latency.runBenchmark');
      }
    }),
    vscode.commands.registerCommand('latency.openConfig', async () => {
      const folder = vscode.workspace.workspaceFolders?.length === 1
        ? vscode.workspace.workspaceFolders[0]
        : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Open the benchmark config of which folder?' });
      if (folder) await openConfigAt(folder);
      else if (!vscode.workspace.workspaceFolders?.length) void vscode.window.showInformationMessage('Latency: open a folder to give it a benchmark config.');
    }),
    vscode.commands.registerCommand('latency.showLog', () => log.show()),
    vscode.commands.registerCommand('latency.tuneSystem', () => tuneSystem.run()),
    vscode.commands.registerCommand('latency.exportResults', () => exporter.run()),
    vscode.commands.registerCommand('latency.exportLocust', (arg?: unknown) => new ExportLocustCommand(log, `Latency ${String(context.extension.packageJSON.version)}`).run(exportLocustArg(arg))),
    vscode.commands.registerCommand('latency.compareModels', async (a?: unknown, b?: unknown) => {
      const args = await abArguments(a, b);
      return args ? ab.run(args.base, args.candidate) : undefined;
    }),
    runsTree,
    runsView,
    ...runsCommands.register(),
  );
  log.info(`Latency activated (${context.extensionMode === vscode.ExtensionMode.Test ? 'test' : 'normal'} mode)`);

  return {
    get lastResult() {
      return panel.lastResult;
    },
    get statusBarText() {
      return statusBar.text;
    },
    get isRunning() {
      return controller.isRunning;
    },
    get lastSavedRun() {
      return controller.lastSavedRun;
    },
    get lastComparison() {
      return panel.lastComparison;
    },
    runs: { tree: runsTree, commands: runsCommands },
    ab,
    exporter,
    tuneSystem,
    measured,
    checkPython,
  };
}

export function deactivate(): void {
  // Every disposable (panel, status bar, a running profiler via the controller) is on context.subscriptions.
}
