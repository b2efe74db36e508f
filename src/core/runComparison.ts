// What the results panel sets a run against: a saved run from the history (the folder's baseline
// after every benchmark, or any two runs the user picked). Pure, so the host adapter only reads
// files and shows the outcome.

import { evaluateChecklist, type ChecklistTargets } from './checklist';
import { compareRuns } from './compare';
import type { SavedRun } from './history';
import { formatMs } from './format';
import type { PanelComparison } from './panelProtocol';
import type { BenchmarkResult } from './result';

/** How the panel names a saved run: its label when it has one, else the model and when it ran. */
export function runLabel(run: SavedRun): string {
  const when = shortTime(run.result.startedAt);
  return run.label ? `"${run.label}" (${run.result.target.name}, ${when})` : `${run.result.target.name} at ${when}`;
}

/**
 * Why a run cannot be set against `base`, in words for the user; undefined when it can. Runs
 * without measured figures have nothing to compare, and a run against itself says nothing.
 */
export function whyNotComparable(base: SavedRun, candidate: BenchmarkResult, candidateId?: string): string | undefined {
  if (candidateId !== undefined && candidateId === base.id) return 'it is the baseline itself';
  if (!base.result.summary || base.result.samplesMs.length === 0) return `the baseline ${runLabel(base)} has no measured runs`;
  if (!candidate.summary || candidate.samplesMs.length === 0) return 'this run has no measured runs';
  return undefined;
}

/**
 * The candidate set against a saved run, ready for the panel, with the verification checklist
 * (its accuracy item stays unknown: outputs are compared only by an A/B run).
 */
export function compareWithSaved(base: SavedRun, candidate: BenchmarkResult, source: 'baseline' | 'history', targets: ChecklistTargets = {}): PanelComparison {
  const comparison = compareRuns(base.result, candidate);
  return {
    source,
    base: { id: base.id, label: runLabel(base), result: base.result },
    comparison,
    checklist: evaluateChecklist({ base: base.result, candidate, comparison, targets }),
  };
}

/** One line for a log or a notification: "p50 0.82× [0.80, 0.84] improved; p99 … no change". */
export function comparisonHeadline(c: PanelComparison): string {
  return c.comparison.metrics
    .filter((m) => m.metric === 'p50' || m.metric === 'p99')
    .map((m) => {
      const ratio = m.ratio === null ? 'n/a' : `${m.ratio.toFixed(3)}×`;
      const ci = m.ci ? ` [${m.ci[0].toFixed(3)}, ${m.ci[1].toFixed(3)}]` : '';
      return `${m.metric} ${formatMs(m.base)} → ${formatMs(m.candidate)} (${ratio}${ci}) ${m.verdict}`;
    })
    .join('; ');
}

function shortTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = new Date(t).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}
