// `latency ab`: the interleaved A/B benchmark of a base model and a candidate (abBenchmark.ts),
// then the same comparison and gate as `latency compare`, plus output agreement. Prints, writes
// the JSON and decides the exit status.

import type { AccuracyReport } from '../core/accuracy';
import { compareRuns, gateDecision, type CompareMetric, type Comparison, type GateDecision, DEFAULT_GATE_METRICS } from '../core/compare';
import type { BenchmarkConfig } from '../core/config';
import { formatMs, formatPercent } from '../core/format';
import type { BenchmarkResult } from '../core/result';
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
  base: BenchmarkResult;
  candidate: BenchmarkResult;
  comparison: Comparison;
  accuracy: AccuracyReport;
  gate: { failOnRegression: number; metrics: CompareMetric[]; decision: GateDecision } | null;
  exitCode: number;
}

export async function runAb(args: AbArgs, config: BenchmarkConfig, io: AbIo): Promise<number> {
  const events: AbEvents = {
    isCancelled: io.isCancelled,
    onProgress: io.progress
      ? (p) => io.err(`\r\x1b[K${p.phase === 'warmup' ? 'warm-up' : 'measuring'} ${p.done}/${p.total} runs of each model`)
      : undefined,
  };
  let outcome;
  try {
    outcome = await runAbBenchmark({ basePath: args.basePath, candidatePath: args.candidatePath, config, accuracyThreshold: args.accuracyThreshold }, events);
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

  const comparison = compareRuns(base, candidate);
  const metrics = [...DEFAULT_GATE_METRICS];
  const gate = args.failOnRegression === undefined ? null : { failOnRegression: args.failOnRegression, metrics, decision: gateDecision(comparison, args.failOnRegression, metrics) };
  const partial = base.partial || candidate.partial;
  const exitCode = !accuracy.pass || gate?.decision === 'fail' ? AB_EXIT.failed : gate?.decision === 'inconclusive' ? AB_EXIT.inconclusive : partial ? AB_EXIT.interrupted : AB_EXIT.pass;

  const report = renderAb(args, base, candidate, comparison, accuracy, gate?.decision ?? null, exitCode);
  const jsonToStdout = args.jsonPath === '-';
  (jsonToStdout ? io.err : io.out)(`${report}\n`);
  if (args.jsonPath !== undefined) {
    const json: AbJson = { base, candidate, comparison, accuracy, gate, exitCode };
    const text = `${JSON.stringify(json, null, 2)}\n`;
    if (jsonToStdout) io.out(text);
    else await io.writeFile(args.jsonPath, text);
  }
  return exitCode;
}

export function renderAb(
  args: Pick<AbArgs, 'basePath' | 'candidatePath' | 'failOnRegression'>,
  base: BenchmarkResult,
  candidate: BenchmarkResult,
  comparison: Comparison,
  accuracy: AccuracyReport,
  gate: GateDecision | null,
  exitCode: number,
): string {
  const lines: string[] = [
    `Latency A/B: ${base.target.name} (base) vs ${candidate.target.name} (candidate), one process, runs interleaved A B B A`,
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
  const outcome = exitCode === AB_EXIT.pass ? 'PASS' : exitCode === AB_EXIT.failed ? 'FAIL' : exitCode === AB_EXIT.inconclusive ? 'INCONCLUSIVE' : 'INTERRUPTED';
  const why = [!accuracy.pass ? 'accuracy' : '', gate === 'fail' ? 'latency regression' : gate === 'inconclusive' ? 'latency gate inconclusive' : ''].filter(Boolean);
  lines.push('', `latency ab: ${outcome}${why.length ? ` (${why.join(', ')})` : ''} · exit ${exitCode}`);
  return lines.join('\n');
}
