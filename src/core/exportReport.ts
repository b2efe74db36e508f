// A run or a comparison as Markdown (ready to paste into a pull request) and as CSV (for a
// spreadsheet or a plotting script). Pure: the CLI and the extension write the files.
//
// Text that comes from the model or the machine is escaped for the format it lands in: a model
// named "a|b" must not split a Markdown table, nor one named "=cmd()" become a spreadsheet formula.

import type { AccuracyReport } from './accuracy';
import type { Checklist } from './checklist';
import type { Comparison, MetricComparison } from './compare';
import { formatBytes, formatInterval, formatMs, formatPercent, formatRate, formatRatio } from './format';
import type { ExportFormat, PanelComparison } from './panelProtocol';
import type { BenchmarkResult, Interval, PercentileKey } from './result';
import { iterationNoun, requestErrorsText, runtimeText } from './targetText';
import { streamingMarkdown } from './streamingText';

const PERCENTILES: ReadonlyArray<{ key: PercentileKey; label: string; field: 'p50Ms' | 'p95Ms' | 'p99Ms' | 'p999Ms' }> = [
  { key: 'p50', label: 'p50', field: 'p50Ms' },
  { key: 'p95', label: 'p95', field: 'p95Ms' },
  { key: 'p99', label: 'p99', field: 'p99Ms' },
  { key: 'p999', label: 'p99.9', field: 'p999Ms' },
];

const SEVERITY_MARK = { error: '❌', warning: '⚠️', info: 'ℹ️' } as const;

/** One run: headline, percentiles with their intervals, run checks, and what it ran on. */
export function runToMarkdown(result: BenchmarkResult): string {
  const s = result.summary;
  const lines = [`### Latency: ${md(result.target.name)}`, ''];
  if (result.partial) lines.push(`> **Partial result:** ${md(result.partialReason ?? 'stopped early')}`, '');
  if (!s) {
    lines.push('No measured run completed.');
  } else {
    lines.push('| metric | value | 95% CI |', '|---|---:|---|');
    for (const p of PERCENTILES) lines.push(`| ${p.label} | ${formatMs(s[p.field])} | ${ciText(s[p.field], s.ci[p.key])} |`);
    lines.push(
      `| mean ± stdev | ${formatMs(s.meanMs)} ± ${formatMs(s.stdevMs)} | |`,
      `| CV | ${formatPercent(s.cv)} | |`,
      `| throughput | ${formatRate(s.throughputPerSec)} | |`,
      `| cold start (first ${iterationNoun(result.target)}) | ${result.coldStart.firstMs === null ? 'n/a' : formatMs(result.coldStart.firstMs)}${result.coldStart.ratio === null ? '' : ` (${formatRatio(result.coldStart.ratio)} p50)`} | |`,
      `| peak RSS | ${formatBytes(result.memory.peakRssBytes)} | |`,
    );
  }
  if (result.streaming) lines.push('', ...streamingMarkdown(result.streaming));
  lines.push('', `${s?.n ?? 0} measured runs after ${result.config.warmup} warm-up · ${md(result.environment.cpu)} · ${md(runtimeText(result.environment))}`);
  if (result.errors && result.errors.count > 0) lines.push('', `**Failed requests:** ${md(requestErrorsText(result.errors))}`);
  if (result.verdicts.length > 0) {
    lines.push('', '**Run checks**', '');
    for (const v of result.verdicts) lines.push(`- ${SEVERITY_MARK[v.severity]} **${md(v.code)} ${md(v.title)}**: ${md(v.message)} *Fix:* ${md(v.fix)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A comparison, base against candidate: the table a reviewer reads, then what may make it
 * unfair; output agreement and the verification checklist when an A/B run produced them. A
 * failed accuracy check comes first, above the latency table: a faster wrong model is a failure.
 */
export function comparisonToMarkdown(
  c: Comparison,
  base: BenchmarkResult,
  candidate: BenchmarkResult,
  extra: { accuracy?: AccuracyReport; checklist?: Checklist } = {},
): string {
  const lines = [`### Latency: ${md(candidate.target.name)} against ${md(base.target.name)}`, ''];
  if (extra.accuracy && !extra.accuracy.pass) {
    const failed = extra.accuracy.outputs.filter((o) => !o.pass).map((o) => md(o.name));
    lines.push(`> **❌ Accuracy check failed:** outputs ${failed.join(', ')} differ by more than ${formatPercent(extra.accuracy.threshold)}.`, '');
  }
  lines.push(
    '| metric | base | new | ratio | 95% CI | verdict |',
    '|---|---:|---:|---:|---|---|',
    ...c.metrics.map((m) => `| ${metricLabel(m)} | ${formatMs(m.base)} | ${formatMs(m.candidate)} | ${m.ratio === null ? 'n/a' : `${m.ratio.toFixed(3)}×`} | ${ratioCi(m.ci)} | ${verdictText(m)} |`),
    '',
    `n = ${c.n.base} (base), ${c.n.candidate} (new); "no change" means within ±${formatPercent(c.noiseBand)}; Mann–Whitney p ${pText(c.significance.pValue)}.`,
  );
  if (c.environmentDiffs.length > 0) {
    lines.push('', '**Not measured alike:**', '', ...c.environmentDiffs.map((d) => `- ${md(d)}`));
  }
  if (extra.accuracy) lines.push('', ...accuracyMarkdown(extra.accuracy));
  if (extra.checklist) lines.push('', ...checklistMarkdown(extra.checklist));
  return `${lines.join('\n')}\n`;
}

/** Every warm-up and measured run, one row each, with the outlier label; RFC 4180 quoting. */
export function runToCsv(result: BenchmarkResult): string {
  const outliers = new Set(result.outliers?.indices ?? []);
  const rows = [['phase', 'run', 'latency_ms', 'outlier']];
  result.warmupSamplesMs.forEach((ms, i) => rows.push(['warmup', String(i), String(ms), '']));
  result.samplesMs.forEach((ms, i) => rows.push(['measure', String(i), String(ms), outliers.has(i) ? '1' : '0']));
  return toCsv(rows);
}

/** One row per metric: the figures, the ratio and its interval, the verdict. */
export function comparisonToCsv(c: Comparison): string {
  const rows = [['metric', 'base_ms', 'new_ms', 'ratio', 'ci_low', 'ci_high', 'verdict']];
  for (const m of c.metrics) {
    rows.push([m.metric, String(m.base), String(m.candidate), m.ratio === null ? '' : String(m.ratio), m.ci ? String(m.ci[0]) : '', m.ci ? String(m.ci[1]) : '', m.verdict]);
  }
  return toCsv(rows);
}

function accuracyMarkdown(a: AccuracyReport): string[] {
  const fmt = (v: number | null, digits = 4) => (v === null ? 'n/a' : Number.isFinite(v) ? v.toPrecision(digits) : String(v));
  return [
    `**Output agreement** (threshold ${formatPercent(a.threshold)}): ${a.pass ? 'pass' : '**fail**'}`,
    '',
    '| output | max abs error | relative L2 | cosine | top-1 | judged by | result |',
    '|---|---:|---:|---:|---:|---|---|',
    ...a.outputs.map(
      (o) =>
        `| ${md(o.name)} | ${fmt(o.maxAbsError)} | ${fmt(o.relativeL2)} | ${fmt(o.cosine, 6)} | ${o.top1Agreement === null ? 'n/a' : formatPercent(o.top1Agreement)} | ${o.judgedBy} | ${o.pass ? 'pass' : `**fail**${o.problem ? `: ${md(o.problem)}` : ''}`} |`,
    ),
  ];
}

const CHECK_MARK = { pass: '✅', fail: '❌', unknown: '❔' } as const;

function checklistMarkdown(list: Checklist): string[] {
  return [
    `**Verification checklist:** ${list.verdict}`,
    '',
    ...list.items.map((i) => `- ${CHECK_MARK[i.status]} ${md(i.title)} — ${md(i.evidence)}`),
  ];
}

/** What an export writes: the text and the file extension it belongs under. */
export interface ExportDocument {
  text: string;
  extension: 'md' | 'csv' | 'json';
}

/**
 * The panel's content in one format: the shown run, or, when it is set against another run,
 * the comparison (Markdown: the comparison and the run's own figures; CSV: the comparison's
 * rows; JSON: both results whole, so `latency compare` can read either side back).
 */
export function exportDocument(format: ExportFormat, result: BenchmarkResult, comparison?: PanelComparison): ExportDocument {
  if (format === 'json') {
    const body = comparison
      ? {
          kind: 'latency.comparison',
          source: comparison.source,
          base: comparison.base.result,
          candidate: result,
          comparison: comparison.comparison,
          ...(comparison.accuracy ? { accuracy: comparison.accuracy } : {}),
          ...(comparison.checklist ? { checklist: comparison.checklist } : {}),
        }
      : result;
    return { text: `${JSON.stringify(body, null, 2)}\n`, extension: 'json' };
  }
  if (format === 'csv') return { text: comparison ? comparisonToCsv(comparison.comparison) : runToCsv(result), extension: 'csv' };
  if (!comparison) return { text: runToMarkdown(result), extension: 'md' };
  const extra = { ...(comparison.accuracy ? { accuracy: comparison.accuracy } : {}), ...(comparison.checklist ? { checklist: comparison.checklist } : {}) };
  return { text: `${comparisonToMarkdown(comparison.comparison, comparison.base.result, result, extra)}\n${runToMarkdown(result)}`, extension: 'md' };
}

function ciText(valueMs: number, ci: Interval | null): string {
  return ci ? formatInterval(valueMs, ci[0], ci[1]) : 'not bounded (n too small)';
}

function ratioCi(ci: Interval | null): string {
  return ci ? `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : 'not bounded';
}

function metricLabel(m: MetricComparison): string {
  return m.metric === 'p999' ? 'p99.9' : m.metric;
}

function verdictText(m: MetricComparison): string {
  return m.verdict === 'regressed' ? '**regressed**' : m.verdict === 'improved' ? '**improved**' : m.verdict;
}

function pText(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${p.toFixed(3)}`;
}

/** Markdown inline text: table pipes, emphasis and HTML cannot take effect; line breaks cannot split a row. */
function md(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]<>|#!]/g, (c) => `\\${c}`);
}

function toCsv(rows: readonly string[][]): string {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

// A leading =, +, -, @ makes spreadsheets evaluate the cell; a quote in front keeps it text
// (numbers are written by String() and never start with anything but a digit or '-' + digit).
function csvCell(value: string): string {
  const guarded = /^[=+@\t\r]/.test(value) || /^-(?!\d)/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}
