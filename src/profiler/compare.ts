// `latency compare`: two results of `latency bench --json`, before and after, and a CI gate on
// the change. The statistics are src/core/compare.ts; this reads the files, prints and decides
// the exit status.

import { promises as fs } from 'fs';
import * as path from 'path';
import {
  compareRuns,
  gateDecision,
  metricGate,
  type CompareMetric,
  type Comparison,
  type GateDecision,
  type MetricComparison,
} from '../core/compare';
import { formatMs, formatPercent } from '../core/format';
import { comparisonToCsv, comparisonToMarkdown } from '../core/exportReport';
import { RUN_KIND, parseSavedRun } from '../core/history';
import { isBenchmarkResult } from '../core/panelProtocol';
import { OLDEST_READABLE_SCHEMA_VERSION, RESULT_SCHEMA_VERSION, isReadableSchemaVersion, type BenchmarkResult } from '../core/result';
import type { CompareArgs } from './compareArgs';

/** 3 is apart from 1 so a pipeline can tell "slower" from "cannot tell yet" and, say, rerun on the second. */
export const COMPARE_EXIT = { pass: 0, regression: 1, usage: 2, inconclusive: 3 } as const;

export interface CompareIo {
  out(text: string): void;
  err(text: string): void;
  /** Where --markdown and --csv go when they name a file. */
  writeFile?(path: string, text: string): Promise<void>;
}

const LABEL: Record<CompareMetric, string> = { p50: 'p50', p95: 'p95', p99: 'p99', p999: 'p99.9', mean: 'mean' };

/** A result and where it came from: a file for `compare`, a model for `ab`. */
export interface Loaded {
  file: string;
  result: BenchmarkResult;
}

export interface CompareJson {
  base: RunRef;
  candidate: RunRef;
  comparison: Comparison;
  gate: { failOnRegression: number; metrics: CompareMetric[]; decision: GateDecision; byMetric: Partial<Record<CompareMetric, GateDecision>> } | null;
  exitCode: number;
}

interface RunRef {
  file: string;
  model: string;
  n: number;
  partial: boolean;
}

export async function runCompare(args: CompareArgs, io: CompareIo): Promise<number> {
  const loaded = await Promise.all([load(args.basePath), load(args.candidatePath)]);
  const problems = loaded.filter((x): x is string => typeof x === 'string');
  if (problems.length) {
    for (const p of problems) io.err(`latency: ${p}\n`);
    return COMPARE_EXIT.usage;
  }
  const [base, candidate] = loaded as [Loaded, Loaded];

  const comparison = compareRuns(base.result, candidate.result, { noiseBand: args.noiseBand });
  const threshold = args.failOnRegression;
  const gate =
    threshold === undefined
      ? null
      : {
          failOnRegression: threshold,
          metrics: args.metrics,
          decision: gateDecision(comparison, threshold, args.metrics),
          byMetric: Object.fromEntries(args.metrics.map((m) => [m, metricGate(metricOf(comparison, m), threshold)])),
        };
  const exitCode = gate === null || gate.decision === 'pass' ? COMPARE_EXIT.pass : gate.decision === 'fail' ? COMPARE_EXIT.regression : COMPARE_EXIT.inconclusive;

  const reports = [
    { target: args.markdownPath, text: () => comparisonToMarkdown(comparison, base.result, candidate.result) },
    { target: args.csvPath, text: () => comparisonToCsv(comparison) },
  ];
  for (const r of reports) {
    if (r.target === undefined || r.target === '-') continue;
    try {
      await (io.writeFile ?? defaultWrite)(r.target, r.text());
    } catch (err) {
      io.err(`latency: cannot write ${r.target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return COMPARE_EXIT.usage;
    }
  }
  // One document on stdout: a report asked for there replaces the text (or JSON) one.
  const toStdout = reports.find((r) => r.target === '-');
  if (toStdout) {
    io.out(toStdout.text());
  } else if (args.json) {
    const json: CompareJson = { base: ref(base), candidate: ref(candidate), comparison, gate, exitCode };
    io.out(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    io.out(`${renderComparison(base, candidate, comparison, args)}\n`);
  }
  return exitCode;
}

/** The file's result, or what is wrong with it, naming the file as the user wrote it. */
async function load(file: string): Promise<Loaded | string> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `${file}: not JSON (${(err as Error).message}); expected a result written by \`latency bench --json\``;
  }
  // A run saved in the history (.latency/runs/*.json) holds its result in an envelope.
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === RUN_KIND) {
    const parsed = parseSavedRun(text, path.basename(file));
    if (!parsed.ok) return `${file}: ${parsed.reason}`;
    value = parsed.run.result;
  }
  if (!isBenchmarkResult(value)) return `${file}: not a Latency benchmark result: ${whyNotResult(value)}`;
  if (value.samplesMs.length === 0) return `${file}: the run has no measured samples (was it cancelled during warm-up?), so there is nothing to compare`;
  return { file, result: value };
}

/** isBenchmarkResult says only yes or no; the commonest reasons, spelled out. */
function whyNotResult(v: unknown): string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'the JSON is not an object';
  const o = v as Record<string, unknown>;
  if (!('schemaVersion' in o)) return 'it has no schemaVersion, so it was not written by `latency bench --json`';
  const version = o.schemaVersion;
  if (typeof version === 'number' && version < OLDEST_READABLE_SCHEMA_VERSION) {
    return `it is schema version ${version}, written by an older Latency; this one reads versions ${OLDEST_READABLE_SCHEMA_VERSION} to ${RESULT_SCHEMA_VERSION}: run the benchmark again`;
  }
  if (typeof version === 'number' && version > RESULT_SCHEMA_VERSION) {
    return `it is schema version ${version}, written by a newer Latency; this one reads version ${RESULT_SCHEMA_VERSION}: update Latency`;
  }
  if (!isReadableSchemaVersion(version)) return `schemaVersion is ${JSON.stringify(version)}, expected ${OLDEST_READABLE_SCHEMA_VERSION} to ${RESULT_SCHEMA_VERSION}`;
  if (!Array.isArray(o.samplesMs) || !o.samplesMs.every((x) => typeof x === 'number')) return 'samplesMs is missing or is not a list of numbers';
  return `a version ${version} result, but fields are missing or of the wrong type (edited or truncated?)`;
}

function ref(l: Loaded): RunRef {
  return { file: l.file, model: l.result.target.name, n: l.result.samplesMs.length, partial: l.result.partial };
}

function metricOf(c: Comparison, metric: CompareMetric): MetricComparison {
  return c.metrics.find((m) => m.metric === metric)!;
}

export function renderComparison(base: Loaded, candidate: Loaded, c: Comparison, args: Pick<CompareArgs, 'failOnRegression' | 'metrics'>): string {
  const pct = (c.level * 100).toFixed(0);
  const lines: string[] = [
    'Latency comparison',
    ...table([
      ['base', base.result.target.name, base.file, `n = ${count(c.n.base)}`, base.result.startedAt],
      ['new', candidate.result.target.name, candidate.file, `n = ${count(c.n.candidate)}`, candidate.result.startedAt],
    ]),
    `  ratio = new ÷ base, with ${pct}% bootstrap intervals; within ±${formatPercent(c.noiseBand)} reads "no change"`,
    '',
  ];
  const rows: string[][] = [['metric', 'base', 'new', 'ratio', `${pct}% CI`, 'verdict']];
  for (const m of c.metrics) {
    rows.push([
      LABEL[m.metric],
      formatMs(m.base),
      formatMs(m.candidate),
      m.ratio === null ? 'n/a' : ratioText(m.ratio),
      m.ci ? `[${ratioText(m.ci[0], '')}, ${ratioText(m.ci[1], '')}]` : m.ratio === null ? 'no ratio: base is 0' : `not bounded: needs n ≥ ${count(m.minSamples)} per run`,
      m.verdict,
    ]);
  }
  lines.push(...table(rows));
  lines.push('');

  const s = c.significance;
  const p = s.pValue < 0.001 ? 'p < 0.001' : `p = ${s.pValue.toFixed(3)}`;
  lines.push(`  distributions (Mann–Whitney U): ${p}; a new run is slower than a base run ${formatPercent(s.probabilityCandidateSlower)} of the time`);
  for (const l of [base, candidate]) {
    if (l.result.partial) lines.push(`  note: ${l.file} is a partial run${l.result.partialReason ? ` (${l.result.partialReason})` : ''}`);
  }
  if (c.environmentDiffs.length) {
    lines.push('', '  Differences that make this comparison unfair (latency may have moved for these reasons alone):');
    for (const d of c.environmentDiffs) lines.push(`  ! ${d}`);
  } else {
    lines.push('  machine and settings: no differences recorded');
  }
  if (args.failOnRegression !== undefined) lines.push('', ...gateLines(c, args.failOnRegression, args.metrics));
  return lines.join('\n');
}

function gateLines(c: Comparison, threshold: number, metrics: readonly CompareMetric[]): string[] {
  const decision = gateDecision(c, threshold, metrics);
  const limit = ratioText(1 + threshold, '');
  const head = `Gate: ${decision.toUpperCase()} (--fail-on-regression ${formatPercent(threshold)} on ${metrics.map((m) => LABEL[m]).join(', ')})`;
  const lines = [head];
  for (const name of metrics) {
    const m = metricOf(c, name);
    const g = metricGate(m, threshold);
    const ci = m.ci ? `[${ratioText(m.ci[0], '')}, ${ratioText(m.ci[1], '')}]` : null;
    let why: string;
    if (!ci) why = m.ratio === null ? 'no ratio: the base figure is 0' : `cannot be bounded: needs n ≥ ${count(m.minSamples)} per run, have ${count(c.n.base)} and ${count(c.n.candidate)}`;
    else if (g === 'fail') why = `regressed: its interval ${ci} lies above ${limit}`;
    else if (g === 'inconclusive') why = `its interval ${ci} straddles ${limit}: more runs (or a quieter machine) would narrow it`;
    else why = `within the threshold: its interval ${ci} ends at or below ${limit}`;
    lines.push(`  ${g === 'fail' ? 'x' : g === 'inconclusive' ? '?' : '✓'} ${LABEL[name]}: ${why}`);
  }
  return lines;
}

function ratioText(r: number, unit = '×'): string {
  return Number.isFinite(r) ? `${r.toFixed(3)}${unit}` : 'n/a';
}

/** "12,345": grouped by hand, as format.ts does, so output never depends on the locale. */
function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Left-aligned columns, two spaces apart, indented like the bench report. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

function defaultWrite(file: string, text: string): Promise<void> {
  return fs.writeFile(file, text);
}
