// `latency ab`: the interleaved A/B benchmark of a base model and a candidate (abBenchmark.ts),
// then the same comparison and gate as `latency compare`, plus output agreement. Prints, writes
// the JSON and decides the exit status.

import type { AccuracyReport } from '../core/accuracy';
import { evaluateChecklist, type CheckStatus, type Checklist } from '../core/checklist';
import { compareRuns, gateDecision, withoutIntendedDiffs, type CompareMetric, type Comparison, type GateDecision, DEFAULT_GATE_METRICS } from '../core/compare';
import type { BenchmarkConfig } from '../core/config';
import { formatMs, formatPercent } from '../core/format';
import { spreadOf } from '../core/repeats';
import type { BenchmarkResult, SessionConfig } from '../core/result';
import type { AbArgs } from './abArgs';
import { runAbBenchmark, type AbEvents } from './abBenchmark';
import { BenchmarkError } from './benchmarkError';
import { renderComparison, table } from './compare';

/** 1 covers both ways a candidate can be unfit (slower, or wrong): a pipeline stops on either. */
export const AB_EXIT = { pass: 0, failed: 1, usage: 2, inconclusive: 3, interrupted: 130 } as const;

export interface AbIo {
  out(text: string): void;
  err(text: string): void;
  /** Where the JSON goes when --json names a file. */
  writeFile(path: string, text: string): Promise<void>;
  /** Whether to draw a progress line on err. */
  progress: boolean;
  isCancelled(): boolean;
}

export interface AbJson {
  /** Over every repeat's runs; each carries `repeats` when --repeat N ran 2 or more. */
  base: BenchmarkResult;
  candidate: BenchmarkResult;
  /** Of the pooled runs. */
  comparison: Comparison;
  accuracy: AccuracyReport;
  gate: { failOnRegression: number; metrics: CompareMetric[]; decision: GateDecision } | null;
  checklist: Checklist;
  /** One comparison per completed repeat, in order; present when repeated. */
  repeatComparisons?: Comparison[];
  exitCode: number;
}

/** Everything the text report shows. */
export interface AbReport {
  base: BenchmarkResult;
  candidate: BenchmarkResult;
  comparison: Comparison;
  accuracy: AccuracyReport;
  gate: GateDecision | null;
  checklist: Checklist;
  repeatComparisons?: Comparison[];
  exitCode: number;
}

const CHECK_MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', unknown: '?' };

export async function runAb(args: AbArgs, config: BenchmarkConfig, io: AbIo): Promise<number> {
  const events: AbEvents = {
    isCancelled: io.isCancelled,
    onProgress: io.progress
      ? (p) => io.err(`\r\x1b[K${p.repeats > 1 ? `repeat ${p.repeat}/${p.repeats} · ` : ''}${p.phase === 'warmup' ? 'warm-up' : 'measuring'} ${p.done}/${p.total} runs of each model`)
      : undefined,
  };
  let outcome;
  try {
    outcome = await runAbBenchmark(
      {
        basePath: args.basePath,
        candidatePath: args.candidatePath,
        config,
        accuracyThreshold: args.accuracyThreshold,
        ...(args.repeat !== undefined ? { repeat: args.repeat } : {}),
        ...(args.candidateSession ? { candidateSession: args.candidateSession } : {}),
      },
      events,
    );
  } catch (err) {
    if (io.progress) io.err('\r\x1b[K');
    if (err instanceof BenchmarkError) {
      io.err(`latency: ${err.message}\n`);
      if (err.data.hint) io.err(`hint: ${err.data.hint}\n`);
      return AB_EXIT.usage;
    }
    throw err;
  }
  if (io.progress) io.err('\r\x1b[K');
  const { base, candidate, accuracy } = outcome;
  if (base.samplesMs.length === 0 || candidate.samplesMs.length === 0) {
    io.err('latency: interrupted before any measured run, so there is nothing to compare\n');
    return AB_EXIT.interrupted;
  }

  // Session options the user set apart for the candidate are what is being compared, not a flaw in the comparison.
  const comparison = withoutIntendedDiffs(compareRuns(base, candidate), Object.keys(args.candidateSession ?? {}) as Array<keyof SessionConfig>);
  const repeatComparisons = outcome.repeats?.map((p) => compareRuns(p.base, p.candidate));
  const checklist = evaluateChecklist({
    base,
    candidate,
    comparison,
    accuracy,
    ...(repeatComparisons ? { repeatComparisons } : {}),
    targets: {
      ...(args.expectReduction !== undefined ? { expectedReduction: args.expectReduction } : {}),
      ...(args.memoryLimitBytes !== undefined ? { memoryLimitBytes: args.memoryLimitBytes } : {}),
    },
  });
  const metrics = [...DEFAULT_GATE_METRICS];
  const gate = args.failOnRegression === undefined ? null : { failOnRegression: args.failOnRegression, metrics, decision: gateDecision(comparison, args.failOnRegression, metrics) };
  const partial = base.partial || candidate.partial;
  const exitCode = failures(args, accuracy, gate?.decision ?? null, checklist).length
    ? AB_EXIT.failed
    : gate?.decision === 'inconclusive'
      ? AB_EXIT.inconclusive
      : partial
        ? AB_EXIT.interrupted
        : AB_EXIT.pass;

  const report = renderAb(args, { base, candidate, comparison, accuracy, gate: gate?.decision ?? null, checklist, ...(repeatComparisons ? { repeatComparisons } : {}), exitCode });
  const jsonToStdout = args.jsonPath === '-';
  (jsonToStdout ? io.err : io.out)(`${report}\n`);
  if (args.jsonPath !== undefined) {
    const json: AbJson = { base, candidate, comparison, accuracy, gate, checklist, ...(repeatComparisons ? { repeatComparisons } : {}), exitCode };
    const text = `${JSON.stringify(json, null, 2)}\n`;
    if (jsonToStdout) io.out(text);
    else await io.writeFile(args.jsonPath, text);
  }
  return exitCode;
}

/** "intra-op threads 1 → 4, graph optimization all → basic": what the candidate's session does differently. */
function sessionChange(base: SessionConfig, candidate: SessionConfig): string {
  const keys = Object.keys(base) as Array<keyof SessionConfig>;
  return keys
    .filter((k) => String(base[k]) !== String(candidate[k]))
    .map((k) => `${k} ${String(base[k])} → ${String(candidate[k])}`)
    .join(', ');
}

/**
 * What makes the candidate unfit, each a reason for exit 1: wrong answers, a regression past the
 * gate, and the checklist items whose targets the user set (a missed speed-up, a blown memory
 * limit). Other checklist items inform; an unknown one never fails the run.
 */
function failures(args: Pick<AbArgs, 'expectReduction' | 'memoryLimitBytes'>, accuracy: AccuracyReport, gate: GateDecision | null, checklist: Checklist): string[] {
  const failed = (id: 'latencyTarget' | 'memory') => checklist.items.some((i) => i.id === id && i.status === 'fail');
  return [
    !accuracy.pass ? 'accuracy' : '',
    gate === 'fail' ? 'latency regression' : '',
    args.expectReduction !== undefined && failed('latencyTarget') ? 'expected reduction not reached' : '',
    args.memoryLimitBytes !== undefined && failed('memory') ? 'memory limit exceeded' : '',
  ].filter(Boolean);
}

export function renderAb(
  args: Pick<AbArgs, 'basePath' | 'candidatePath' | 'failOnRegression' | 'expectReduction' | 'memoryLimitBytes' | 'candidateSession'>,
  r: AbReport,
): string {
  const { base, candidate, comparison, accuracy, gate, checklist, exitCode } = r;
  const configs = args.candidateSession && base.config.session && candidate.config.session ? sessionChange(base.config.session, candidate.config.session) : '';
  const lines: string[] = [
    `Latency A/B: ${base.target.name} (base) vs ${candidate.target.name} (candidate${configs ? `: ${configs}` : ''}), one process, runs interleaved A B B A`,
    ...table([
      ['', 'model', 'load', 'first run', 'p50', 'p95', 'p99', 'CV', 'runs'],
      ...([['base', base], ['candidate', candidate]] as const).map(([label, r]) => [
        label,
        r.target.name,
        formatMs(r.coldStart.loadMs),
        r.coldStart.firstMs === null ? 'n/a' : formatMs(r.coldStart.firstMs),
        r.summary ? formatMs(r.summary.p50Ms) : 'n/a',
        r.summary ? formatMs(r.summary.p95Ms) : 'n/a',
        r.summary ? formatMs(r.summary.p99Ms) : 'n/a',
        r.summary ? formatPercent(r.summary.cv) : 'n/a',
        `${r.samplesMs.length} after ${r.warmupSamplesMs.length} warm-up`,
      ]),
    ]),
  ];
  // Both runs shared the machine and its readings, so one list of run checks serves both.
  const checks = [...new Set([...base.verdicts, ...candidate.verdicts].filter((v) => v.severity !== 'info').map((v) => `${v.code} ${v.title.toLowerCase()}`))];
  if (checks.length) lines.push(`  run checks: ${checks.join('; ')} (latency bench shows their evidence and fixes)`);
  lines.push('', renderComparison({ file: args.basePath, result: base }, { file: args.candidatePath, result: candidate }, comparison, { failOnRegression: args.failOnRegression, metrics: [...DEFAULT_GATE_METRICS] }));

  lines.push('', `Accuracy: both models fed the same inputs; an output passes when its degradation is at most ${formatPercent(accuracy.threshold)}`);
  const rows = [['output', 'max abs error', 'relative L2', 'cosine', 'top-1', 'judged by', 'result']];
  for (const o of accuracy.outputs) {
    rows.push([
      o.name,
      Number.isNaN(o.maxAbsError) ? 'n/a' : o.maxAbsError.toPrecision(3),
      o.relativeL2 === null ? 'n/a' : formatPercent(o.relativeL2),
      o.cosine === null ? 'n/a' : o.cosine.toFixed(6),
      o.top1Agreement === null ? 'n/a' : formatPercent(o.top1Agreement),
      o.judgedBy,
      o.pass ? 'pass' : `FAIL${o.problem ? `: ${o.problem}` : ''}`,
    ]);
  }
  lines.push(...table(rows));

  if (r.repeatComparisons) lines.push('', ...repeatLines(base, candidate, r.repeatComparisons));

  lines.push('', 'Verdict');
  const p50 = comparison.metrics.find((m) => m.metric === 'p50')!;
  const speed = p50.ratio === null ? 'its p50 ratio is undefined' : `p50 ${p50.ratio.toFixed(3)}× the base's, ${p50.verdict}`;
  if (!accuracy.pass) {
    const failed = accuracy.outputs.filter((o) => !o.pass).map((o) => o.name);
    lines.push(`  FAILURE: accuracy FAILED on ${failed.join(', ')}: the candidate answers differently from the base, whatever its speed (${speed})`);
  } else {
    lines.push(`  accuracy passed on all ${accuracy.outputs.length} output${accuracy.outputs.length === 1 ? '' : 's'}; ${speed}`);
  }
  // Top-1 decides only with enough rows to resolve the threshold (see compareOutputs); say so when it could not.
  if (accuracy.outputs.some((o) => o.top1Agreement !== null && o.judgedBy === 'relative L2')) {
    lines.push(`  note: too few rows for top-1 agreement to show a ${formatPercent(accuracy.threshold)} change, so relative L2 judged classifier outputs; feed a larger batch (--shape NAME=${Math.ceil(1 / Math.max(accuracy.threshold, 1e-9))}x…) to judge by answers`);
  }
  if (gate !== null) lines.push(`  latency gate: ${gate.toUpperCase()} (--fail-on-regression ${formatPercent(args.failOnRegression!)})`);
  if (base.partial || candidate.partial) lines.push('  interrupted: partial runs, figures from the runs done');
  lines.push('', `Checklist: ${checklist.verdict.toUpperCase()}${checklist.verdict === 'incomplete' ? ' (? items lack the data to decide them; each says what would)' : ''}`);
  for (const item of checklist.items) lines.push(`  ${CHECK_MARK[item.status]} ${item.title}: ${item.evidence}`);

  const outcome = exitCode === AB_EXIT.pass ? 'PASS' : exitCode === AB_EXIT.failed ? 'FAIL' : exitCode === AB_EXIT.inconclusive ? 'INCONCLUSIVE' : 'INTERRUPTED';
  const why = [...failures(args, accuracy, gate, checklist), gate === 'inconclusive' ? 'latency gate inconclusive' : ''].filter(Boolean);
  lines.push('', `latency ab: ${outcome}${why.length ? ` (${why.join(', ')})` : ''} · exit ${exitCode}`);
  return lines.join('\n');
}

/** Each repeat's p50s and ratio, and how far apart the ratios lie: the A/B's own reproducibility. */
function repeatLines(base: BenchmarkResult, candidate: BenchmarkResult, comparisons: readonly Comparison[]): string[] {
  const rows = [['', 'base p50', 'candidate p50', 'p50 ratio', '95% interval', 'change']];
  comparisons.forEach((c, i) => {
    const p50 = c.metrics.find((m) => m.metric === 'p50')!;
    rows.push([
      `#${i + 1}`,
      formatMs(p50.base),
      formatMs(p50.candidate),
      p50.ratio === null ? 'n/a' : `${p50.ratio.toFixed(3)}×`,
      p50.ci ? `[${p50.ci[0].toFixed(3)}, ${p50.ci[1].toFixed(3)}]` : 'not bounded',
      p50.verdict,
    ]);
  });
  const ratios = comparisons.map((c) => c.metrics.find((m) => m.metric === 'p50')!.ratio);
  const spreads = [
    ratios.every((x): x is number => x !== null) ? `p50 ratio ${formatPercent(spreadOf(ratios))}` : '',
    base.repeats ? `base p50 ${formatPercent(base.repeats.spread.p50)}` : '',
    candidate.repeats ? `candidate p50 ${formatPercent(candidate.repeats.spread.p50)}` : '',
  ].filter(Boolean);
  return [
    `Repeats: the whole A/B ${comparisons.length} times, each on fresh sessions; the figures above pool them all`,
    ...table(rows),
    `  spread between repeats ((max − min) ÷ median): ${spreads.join(', ')}`,
  ];
}
