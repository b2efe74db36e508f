// "Latency: Compare Two Models (A/B)…": a model and its optimised copy benchmarked interleaved in
// one profiler process, fed the same inputs, their outputs compared. The panel shows the
// candidate set against the base with the output agreement; a candidate that answers
// differently is reported as a failure, prominently, however fast it is.

import * as path from 'path';
import * as vscode from 'vscode';
import { evaluateChecklist, type ChecklistTargets } from '../core/checklist';
import { compareRuns } from '../core/compare';
import { ConfigError } from '../core/config';
import type { PanelComparison } from '../core/panelProtocol';
import type { AbRunResult } from '../core/profilerProtocol';
import { comparisonHeadline } from '../core/runComparison';
import { runAbInProfiler, type AbClientOutcome } from '../profiler/abClient';
import type { BenchmarkController } from './benchmarkCommand';
import type { ResultsPanel } from './resultsPanel';
import { checklistTargets, loadBenchmarkConfig } from './workspaceConfig';

const EXCLUDE = '**/{node_modules,.git,.latency}/**';

export interface AbCommandOutcome {
  outcome: AbClientOutcome;
  comparison?: PanelComparison;
}

export class AbCommand {
  /** The last A/B outcome shown, for tests. */
  last: AbCommandOutcome | undefined;

  constructor(
    private readonly controller: BenchmarkController,
    private readonly panel: ResultsPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Base and candidate given: no prompts. Otherwise asks for what is missing. */
  async run(base?: vscode.Uri, candidate?: vscode.Uri): Promise<AbCommandOutcome | undefined> {
    if (!(await this.controller.mayStart())) return undefined;
    const models = await pickModels(base, candidate);
    if (!models) return undefined;
    let config;
    try {
      config = await loadBenchmarkConfig(models.base);
    } catch (err) {
      if (err instanceof ConfigError) {
        this.controller.reportConfigError(models.base, err);
        return undefined;
      }
      throw err;
    }
    const settings = vscode.workspace.getConfiguration('latency', models.base);
    const threshold = settings.get<number>('accuracy.threshold', 0.01);
    const repeat = Math.max(1, Math.floor(settings.get<number>('repeat', 1)));
    const names = { base: path.basename(models.base.fsPath), candidate: path.basename(models.candidate.fsPath) };
    this.log.info(`A/B ${models.base.fsPath} against ${models.candidate.fsPath}: ${config.iterations} runs each after ${config.warmup} warm-up, interleaved`);

    const outcome = await this.controller.exclusive(`Latency A/B: ${names.base} vs ${names.candidate}`, (progress, cancellation) => {
      let reported = 0;
      return runAbInProfiler({
        profilerScript: this.controller.profilerScript,
        basePath: models.base.fsPath,
        candidatePath: models.candidate.fsPath,
        config,
        accuracyThreshold: threshold,
        repeat,
        cwd: path.dirname(models.base.fsPath),
        cancellation,
        log: (level, message) => this.log[level](message),
        onProgress: (p) => {
          const total = config.warmup + config.iterations;
          const done = p.phase === 'warmup' ? p.done : config.warmup + p.done;
          const percent = total > 0 ? Math.round((done / total) * 100) : 0;
          const which = p.repeat !== undefined && p.repeats !== undefined && p.repeats > 1 ? { index: p.repeat, of: p.repeats } : undefined;
          const overall = which ? Math.round(((which.index - 1) * 100 + percent) / which.of) : percent;
          const prefix = which ? `repeat ${which.index}/${which.of} · ` : '';
          progress.report({ message: `${prefix}${p.phase === 'warmup' ? 'warm-up' : 'measuring'} ${p.done}/${p.total} runs of each`, increment: Math.max(0, overall - reported) });
          reported = Math.max(reported, overall);
        },
      });
    });

    const shown = await this.present(models.base, outcome, names);
    this.last = shown;
    return shown;
  }

  private async present(base: vscode.Uri, outcome: AbClientOutcome, names: { base: string; candidate: string }): Promise<AbCommandOutcome> {
    if (outcome.status === 'failed') {
      this.log.error(outcome.message);
      void this.controller.reportFailure(base, outcome, () => vscode.commands.executeCommand('latency.compareModels'));
      return { outcome };
    }
    const result = outcome.result;
    if (!result || result.base.samplesMs.length === 0 || result.candidate.samplesMs.length === 0) {
      void vscode.window.showInformationMessage('Latency: A/B cancelled before any measured run.');
      return { outcome };
    }
    const comparison = abComparison(result, names.base, checklistTargets(base));
    this.log.info(`A/B ${names.candidate} against ${names.base}: ${comparisonHeadline(comparison)}; outputs ${result.accuracy.pass ? 'agree' : 'DIFFER'}`);
    this.panel.show(result.candidate, comparison);
    await this.controller.saveToHistory(base, result.base, `A/B base (vs ${names.candidate})`);
    await this.controller.saveToHistory(base, result.candidate, `A/B candidate (vs ${names.base})`);
    if (outcome.status === 'cancelled') {
      void vscode.window.showInformationMessage(`Latency: A/B cancelled — partial results kept (${result.candidate.samplesMs.length} runs of each).`);
    } else if (!result.accuracy.pass) {
      const worst = result.accuracy.outputs.filter((o) => !o.pass).map((o) => o.name).join(', ');
      const p50 = comparison.comparison.metrics.find((m) => m.metric === 'p50');
      const speed = p50?.verdict === 'improved' && p50.ratio ? ` is ${(1 / p50.ratio).toFixed(2)}× faster but` : '';
      void vscode.window.showErrorMessage(`Latency: ${names.candidate}${speed} fails the accuracy check: ${worst} differ from ${names.base} beyond ${(result.accuracy.threshold * 100).toFixed(1)}%.`);
    }
    return { outcome, comparison };
  }
}

/** The candidate's result set against the base of the same interleaved run, with the checklist. */
export function abComparison(result: AbRunResult, baseName: string, targets: ChecklistTargets): PanelComparison {
  const comparison = compareRuns(result.base, result.candidate);
  const repeatComparisons = result.repeats?.map((pair) => compareRuns(pair.base, pair.candidate));
  return {
    source: 'ab',
    base: { label: `${baseName} (A/B base, same run)`, result: result.base },
    comparison,
    accuracy: result.accuracy,
    checklist: evaluateChecklist({
      base: result.base,
      candidate: result.candidate,
      comparison,
      accuracy: result.accuracy,
      ...(repeatComparisons ? { repeatComparisons } : {}),
      targets,
    }),
  };
}

async function pickModels(base?: vscode.Uri, candidate?: vscode.Uri): Promise<{ base: vscode.Uri; candidate: vscode.Uri } | undefined> {
  if (base && candidate) return { base, candidate };
  const found = (await vscode.workspace.findFiles('**/*.onnx', EXCLUDE, 500)).sort((a, b) => a.path.localeCompare(b.path));
  const item = (uri: vscode.Uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), uri });
  const chosenBase =
    base ??
    (await vscode.window.showQuickPick(found.map(item), { title: 'Latency A/B (1/2)', placeHolder: 'The base model (A): the one you have now' }))?.uri;
  if (!chosenBase) {
    if (found.length === 0) void vscode.window.showInformationMessage('Latency: no .onnx model in this workspace to compare.');
    return undefined;
  }
  const others = found.filter((u) => u.toString() !== chosenBase.toString());
  if (others.length === 0) {
    void vscode.window.showInformationMessage(`Latency: A/B needs a second .onnx model besides ${path.basename(chosenBase.fsPath)}.`);
    return undefined;
  }
  const chosenCandidate = (await vscode.window.showQuickPick(others.map(item), { title: 'Latency A/B (2/2)', placeHolder: `The candidate (B) to set against ${path.basename(chosenBase.fsPath)}` }))?.uri;
  return chosenCandidate ? { base: chosenBase, candidate: chosenCandidate } : undefined;
}

/**
 * Arguments as VS Code passes them: from the explorer with two models selected (clicked, all
 * selected), or (base, candidate) from another command or a test.
 */
export async function abArguments(a: unknown, b: unknown): Promise<{ base?: vscode.Uri; candidate?: vscode.Uri } | undefined> {
  if (a instanceof vscode.Uri && b instanceof vscode.Uri) return { base: a, candidate: b };
  if (Array.isArray(b) && b.length === 2 && b.every((u) => u instanceof vscode.Uri)) {
    const [x, y] = b as [vscode.Uri, vscode.Uri];
    const pick = await vscode.window.showQuickPick(
      [x, y].map((uri, i) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), pair: i === 0 ? [x, y] : [y, x] })),
      { title: 'Latency A/B', placeHolder: 'Which one is the base (A)? The other is the candidate (B).' },
    );
    return pick ? { base: pick.pair[0], candidate: pick.pair[1] } : undefined;
  }
  return { ...(a instanceof vscode.Uri ? { base: a } : {}) };
}
