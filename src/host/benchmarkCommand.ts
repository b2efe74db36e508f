// "Latency: Run Benchmark": trust gate, model choice, config, a cancellable progress
// notification, and the outcome shown — results kept even when the run ends early.

import * as path from 'path';
import * as vscode from 'vscode';
import { ConfigError, formatIssue } from '../core/config';
import { progressFraction, progressMessage, resultHeadline, verdictLine } from '../core/messages';
import type { BenchmarkResult } from '../core/result';
import { HISTORY_DIR } from '../core/history';
import { runInProfiler, type FailureData, type ProfilerOutcome } from '../profiler/client';
import type { PanelComparison } from '../core/panelProtocol';
import { HistoryStore } from '../profiler/historyStore';
import { COMMAND_DEFAULT_COUNTS, OPENAI_DEFAULT_COUNTS, DEFAULT_CALL_TIMEOUT_SECONDS, DEFAULT_SETUP_TIMEOUT_SECONDS, type HttpSpec, type TargetSpec } from '../core/target';
import { chooseInterpreter } from './pythonInterpreter';
import { copyableFix } from '../core/pythonDoctor';
import { hostTargetName, hostTargetScope, namedTarget, pickPythonFunction, pickTarget, rememberModel, type FunctionLister, type HostTarget } from './targetPicker';
import type { ResultsPanel } from './resultsPanel';
import { baselineComparison } from './runsCommands';
import { loadBenchmarkConfig, openConfigAt } from './workspaceConfig';

export const TRUST_MESSAGE =
  'Latency runs benchmarks only in trusted workspaces: a benchmark loads and executes the model files in this folder.';

export class BenchmarkController implements vscode.Disposable {
  private running: vscode.CancellationTokenSource | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly panel: ResultsPanel,
    /** Lists a Python file's functions (the advisors' worker parses it). */
    private readonly listFunctions: FunctionLister,
  ) {}

  /**
   * Whether a benchmark may start now: the workspace is trusted and no other benchmark runs
   * (one at a time, since two would measure each other). Says why not when it may not.
   */
  async mayStart(): Promise<boolean> {
    if (!vscode.workspace.isTrusted) {
      this.log.warn('benchmark refused: workspace is not trusted');
      void vscode.window.showWarningMessage(TRUST_MESSAGE, 'Manage Workspace Trust').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return false;
    }
    if (this.running) {
      const c = await vscode.window.showInformationMessage('Latency: a benchmark is already running.', 'Cancel It');
      if (c) this.running.cancel();
      return false;
    }
    return true;
  }

  /**
   * Runs `work` as the one benchmark in progress, in a cancellable progress notification that
   * "Latency: Cancel Benchmark" can stop too. Call after mayStart().
   */
  async exclusive<T>(title: string, work: (progress: vscode.Progress<{ message?: string; increment?: number }>, cancellation: vscode.CancellationToken) => Promise<T>): Promise<T> {
    const source = new vscode.CancellationTokenSource();
    this.setRunning(source);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => source.cancel());
        return work(progress, source.token);
      });
    } finally {
      source.dispose();
      this.setRunning(undefined);
    }
  }

  /**
   * Returns the outcome so callers (and the extension-host tests) can inspect it. `arg`: an ONNX
   * or .py file (the explorer, an editor), a target (a CodeLens, tests), `{ target: NAME }` for a
   * target named in .vscode/latency.json, or nothing (the quick pick).
   */
  async run(arg?: unknown): Promise<ProfilerOutcome | undefined> {
    if (!(await this.mayStart())) return undefined;
    const target = await this.targetOf(arg);
    if (!target) return undefined;
    return this.runTarget(target);
  }

  private async targetOf(arg: unknown): Promise<HostTarget | undefined> {
    if (arg instanceof vscode.Uri) return /\.py$/i.test(arg.path) ? pickPythonFunction(this.listFunctions, arg) : { kind: 'onnx', uri: arg };
    if (isObject(arg) && typeof arg.target === 'string') {
      const named = await namedTarget(arg.target);
      if (!named) void vscode.window.showErrorMessage(`Latency: no target named "${arg.target}" in .vscode/latency.json.`);
      return named;
    }
    if (isObject(arg) && arg.kind === 'onnx' && arg.uri instanceof vscode.Uri) return { kind: 'onnx', uri: arg.uri };
    if (isObject(arg) && arg.kind === 'python' && arg.file instanceof vscode.Uri && typeof arg.function === 'string') return arg as HostTarget;
    if (isObject(arg) && arg.kind === 'http' && typeof arg.url === 'string') {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const { kind: _kind, ...rest } = arg as Record<string, unknown> & { url: string };
      return folder ? { kind: 'http', spec: { ...(rest as Omit<HttpSpec, 'kind'>), kind: 'http' }, folder } : undefined;
    }
    if (isObject(arg) && arg.kind === 'command' && typeof arg.command === 'string') {
      const cwd = arg.cwd instanceof vscode.Uri ? arg.cwd : vscode.workspace.workspaceFolders?.[0]?.uri;
      return cwd ? ({ ...arg, cwd } as HostTarget) : undefined;
    }
    return pickTarget(this.context.workspaceState, this.listFunctions);
  }

  private async runTarget(target: HostTarget): Promise<ProfilerOutcome | undefined> {
    const scope = hostTargetScope(target);
    let config;
    try {
      config = await loadBenchmarkConfig(scope, target.kind === 'onnx' ? undefined : { defaults: target.kind === 'command' ? { ...COMMAND_DEFAULT_COUNTS } : target.kind === 'openai' ? { ...OPENAI_DEFAULT_COUNTS } : {}, own: target.own ?? {} });
    } catch (err) {
      if (err instanceof ConfigError) {
        this.reportConfigError(scope, err);
        return undefined;
      }
      throw err;
    }
    if (target.kind === 'onnx') await rememberModel(this.context.workspaceState, target.uri);
    let spec: TargetSpec;
    try {
      spec = await this.specOf(target, scope);
    } catch (err) {
      // A body file that cannot be read, an interpreter lookup that failed: said, not thrown at VS Code.
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(message);
      void vscode.window.showErrorMessage(`Latency: ${message}`);
      return undefined;
    }

    const name = hostTargetName(target);
    const runs = config.stopping.mode === 'adaptive' ? `adaptive runs (±${config.stopping.relativeHalfWidth * 100}% on p50 and ${config.stopping.targetPercentile})` : `${config.iterations} runs`;
    this.log.info(`benchmark ${target.kind === 'onnx' ? target.uri.fsPath : name}: ${runs} after ${config.warmup} warm-up`, config.session ?? spec);
    const repeat = Math.max(1, Math.floor(vscode.workspace.getConfiguration('latency', scope).get<number>('repeat', 1)));
    if (repeat > 1) this.log.info(`repeated ${repeat} times, each ${target.kind === 'onnx' ? 'on a fresh session' : 'from a fresh start'}`);
    return this.exclusive(`Latency: ${name}`, async (progress, cancellation) => {
      let reported = 0;
      const outcome = await runInProfiler({
        profilerScript: this.profilerScript,
        target: spec,
        config,
        repeat,
        cwd: spec.kind === 'onnx' ? path.dirname(spec.modelPath) : spec.kind === 'http' || spec.kind === 'openai' ? undefined : spec.cwd,
        cancellation,
        log: (level, message) => this.log[level](message),
        onProgress: (p) => {
          const adaptive = config.stopping.mode === 'adaptive';
          const percent = Math.round(progressFraction(p, config.warmup, adaptive ? config.stopping.maxIterations : config.iterations) * 100);
          progress.report({ message: progressMessage(p, adaptive, spec.kind === 'openai' ? 'http' : spec.kind), increment: Math.max(0, percent - reported) });
          reported = Math.max(reported, percent);
        },
      });
      // Saved first, so the comparison with the baseline can tell this run from the baseline itself.
      const savedId = outcome.result?.summary ? await this.saveToHistory(scope, outcome.result) : undefined;
      const comparison = outcome.result?.summary ? await baselineComparison(vscode.workspace.getWorkspaceFolder(scope), outcome.result, savedId, this.log) : undefined;
      this.present(scope, outcome, comparison, () => this.run(target));
      return outcome;
    });
  }

  /** What the profiler is asked to run: paths absolute, the interpreter chosen, timeouts from the target or the settings. */
  private async specOf(target: HostTarget, scope: vscode.Uri): Promise<TargetSpec> {
    const folder = vscode.workspace.getWorkspaceFolder(scope);
    if (target.kind === 'onnx') return { kind: 'onnx', modelPath: target.uri.fsPath };
    if (target.kind === 'openai') return target.spec;
    if (target.kind === 'http') {
      const body = target.bodyFile ? new TextDecoder().decode(await vscode.workspace.fs.readFile(target.bodyFile)) : undefined;
      return { ...target.spec, ...(body !== undefined ? { body } : {}) };
    }
    if (target.kind === 'command') {
      return { kind: 'command', command: target.command, ...(target.prepare !== undefined ? { prepare: target.prepare } : {}), cwd: target.cwd.fsPath, ...(target.timeoutSeconds !== undefined ? { timeoutSeconds: target.timeoutSeconds } : {}) };
    }
    const chosen = await chooseInterpreter(scope, target.interpreter, folder);
    this.log.info(`python interpreter: ${chosen.interpreter} (from the ${chosen.source})`);
    const c = vscode.workspace.getConfiguration('latency', scope);
    return {
      kind: 'python',
      file: target.file.fsPath,
      function: target.function,
      ...(target.setup !== undefined ? { setup: target.setup } : {}),
      ...(target.scriptForm ? { scriptForm: true } : {}),
      interpreter: chosen.interpreter,
      cwd: (target.cwd ?? folder?.uri ?? vscode.Uri.file(path.dirname(target.file.fsPath))).fsPath,
      callTimeoutSeconds: target.callTimeoutSeconds ?? c.get<number>('python.callTimeoutSeconds', DEFAULT_CALL_TIMEOUT_SECONDS),
      setupTimeoutSeconds: target.setupTimeoutSeconds ?? c.get<number>('python.setupTimeoutSeconds', DEFAULT_SETUP_TIMEOUT_SECONDS),
    };
  }

  get profilerScript(): string {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'profiler.js').fsPath;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Returns whether a running benchmark was asked to stop. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.cancel();
    return true;
  }

  private setRunning(source: vscode.CancellationTokenSource | undefined): void {
    this.running = source;
    // Drives the enablement of "Latency: Cancel Benchmark".
    void vscode.commands.executeCommand('setContext', 'latency.benchmarkRunning', source !== undefined);
  }

  /** Deactivation cancels a running benchmark; the client then ends the profiler process. */
  dispose(): void {
    this.running?.cancel();
  }

  private present(model: vscode.Uri, outcome: ProfilerOutcome, comparison: PanelComparison | undefined, again: () => Thenable<unknown>): void {
    // A run that ended before any measured inference has nothing to show: keep the last result.
    if (outcome.result && (outcome.status === 'completed' || outcome.result.summary)) this.showResult(outcome.result, comparison);
    switch (outcome.status) {
      case 'completed':
        return;
      case 'cancelled':
        this.log.info('benchmark cancelled');
        void vscode.window.showInformationMessage(
          outcome.result?.summary ? `Latency: cancelled — partial result kept (${outcome.result.summary.n} runs).` : 'Latency: benchmark cancelled before any measured run.',
        );
        return;
      case 'failed':
        this.log.error(outcome.message);
        if ('details' in outcome.data && outcome.data.details) this.log.error(outcome.data.details);
        void this.reportFailure(model, outcome, again);
    }
  }

  /**
   * Every run with measured figures goes to the folder's history, partial ones too (they are
   * marked so). A failure to save is logged, never in the way of the result on screen.
   */
  async saveToHistory(model: vscode.Uri, result: BenchmarkResult, label?: string): Promise<string | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(model);
    if (!folder || folder.uri.scheme !== 'file') return undefined;
    if (!vscode.workspace.getConfiguration('latency', model).get<boolean>('history.save', true)) return undefined;
    const dir = vscode.Uri.joinPath(folder.uri, HISTORY_DIR).fsPath;
    try {
      const saved = await new HistoryStore(dir).save(result, label === undefined ? {} : { label });
      this.lastSavedRun = saved.id;
      this.log.info(`saved run ${saved.id} to ${dir}`);
      return saved.id;
    } catch (err) {
      this.log.warn(`could not save the run to ${dir}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** The id of the last run saved to history, for tests. */
  lastSavedRun: string | undefined;

  private showResult(result: BenchmarkResult, comparison: PanelComparison | undefined): void {
    this.log.info(resultHeadline(result));
    this.log.info(`run checks: ${verdictLine(result)}`);
    this.panel.show(result, comparison);
  }

  /** `again` is what "Run Again" does after a crash: by default, this benchmark once more. */
  async reportFailure(
    model: vscode.Uri,
    outcome: { message: string; data: FailureData; result?: BenchmarkResult },
    again: () => Thenable<unknown> = () => vscode.commands.executeCommand('latency.runBenchmark', model),
  ): Promise<void> {
    const folder = vscode.workspace.getWorkspaceFolder(model);
    const data = outcome.data;
    const kept = outcome.result?.summary ? ` Partial result kept (${outcome.result.summary.n} runs).` : '';
    const actions: string[] = [];
    const inputName = 'inputName' in data ? data.inputName : undefined;
    if ((data.kind === 'inputRejected' || data.kind === 'inputSynthesis') && folder) actions.push('Open Config');
    if (data.kind === 'crashed') actions.push('Run Again');
    if (data.kind === 'cpuAffinity' || data.kind === 'timeout' || data.kind === 'interpreterNotFound') actions.push('Open Settings');
    if (data.kind === 'interpreterNotFound' && vscode.extensions.getExtension('ms-python.python')) actions.push('Select Interpreter');
    // A fix to run (pip install …) is offered to copy, never run: the user decides where it goes.
    const fixCommand = copyableFix('hint' in data ? data.hint : undefined);
    if (fixCommand) actions.push('Copy Fix Command');
    if (data.kind === 'timeout' || data.kind === 'pythonError' || data.kind === 'commandFailed') actions.push('Run Again');
    actions.push('Show Log');
    const hint = 'hint' in data && data.hint ? ` ${data.hint}` : '';
    const choice = await vscode.window.showErrorMessage(`Latency: ${firstLine(outcome.message)}${kept}${data.kind === 'crashed' ? '' : hint}`, ...actions);
    if (choice === 'Open Config' && folder) {
      const input = inputName ? { name: inputName, ...('inputShape' in data && data.inputShape ? { shape: data.inputShape } : {}) } : undefined;
      await openConfigAt(folder, ['inputs'], input);
    } else if (choice === 'Open Settings') {
      const setting = data.kind === 'timeout' ? 'latency.python.callTimeoutSeconds' : data.kind === 'interpreterNotFound' ? 'latency.python.interpreter' : 'latency.cpuAffinity';
      await vscode.commands.executeCommand('workbench.action.openSettings', setting);
    } else if (choice === 'Select Interpreter') {
      await vscode.commands.executeCommand('python.setInterpreter');
    } else if (choice === 'Copy Fix Command' && fixCommand) {
      await vscode.env.clipboard.writeText(fixCommand);
      void vscode.window.showInformationMessage(`Latency: copied "${fixCommand}" — run it in a terminal of the right environment.`);
    } else if (choice === 'Run Again') {
      await again();
    } else if (choice === 'Show Log') {
      this.log.show();
    }
  }

  reportConfigError(model: vscode.Uri, err: ConfigError): void {
    for (const issue of err.issues) this.log.error(formatIssue(issue));
    const first = err.issues[0];
    const folder = vscode.workspace.getWorkspaceFolder(model);
    const inFile = first && !first.source.startsWith('settings') && folder;
    const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : '';
    void vscode.window
      .showErrorMessage(`Latency: invalid configuration — ${first ? formatIssue(first) : err.message}${more}`, inFile ? 'Open Config' : 'Open Settings')
      .then((c) => {
        if (c === 'Open Config' && folder && first) void openConfigAt(folder, first.path);
        else if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'latency.');
      });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
