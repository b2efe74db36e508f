// A run or a comparison as Markdown (ready to paste into a pull request) and as CSV (for a
// spreadsheet or a plotting script). Pure: the CLI and the extension write the files.
//
// Text that comes from the model or the machine is escaped for the format it lands in: a model
// named "a|b" must not split a Markdown table, nor one named "=cmd()" become a spreadsheet formula.

import type { Comparison, MetricComparison } from './compare';
import { formatBytes, formatInterval, formatMs, formatPercent, formatRate, formatRatio } from './format';
import type { BenchmarkResult, Interval, PercentileKey } from './result';

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
      `| cold start (first inference) | ${result.coldStart.firstMs === null ? 'n/a' : formatMs(result.coldStart.firstMs)}${result.coldStart.ratio === null ? '' : ` (${formatRatio(result.coldStart.ratio)} p50)`} | |`,
      `| peak RSS | ${formatBytes(result.memory.peakRssBytes)} | |`,
    );
  }
  lines.push('', `${s?.n ?? 0} measured runs after ${result.config.warmup} warm-up · ${md(result.environment.cpu)} · onnxruntime ${md(result.environment.onnxruntime)}`);
  if (result.verdicts.length > 0) {
    lines.push('', '**Run checks**', '');
    for (const v of result.verdicts) lines.push(`- ${SEVERITY_MARK[v.severity]} **${md(v.code)} ${md(v.title)}**: ${md(v.message)} *Fix:* ${md(v.fix)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A comparison, base against candidate: the table a reviewer reads, then what may make it unfair. */
export function comparisonToMarkdown(c: Comparison, base: BenchmarkResult, candidate: BenchmarkResult): string {
  const lines = [
    `### Latency: ${md(candidate.target.name)} against ${md(base.target.name)}`,
    '',
    '| metric | base | new | ratio | 95% CI | verdict |',
    '|---|---:|---:|---:|---|---|',
    ...c.metrics.map((m) => `| ${metricLabel(m)} | ${formatMs(m.base)} | ${formatMs(m.candidate)} | ${m.ratio === null ? 'n/a' : `${m.ratio.toFixed(3)}×`} | ${ratioCi(m.ci)} | ${verdictText(m)} |`),
    '',
    `n = ${c.n.base} (base), ${c.n.candidate} (new); "no change" means within ±${formatPercent(c.noiseBand)}; Mann–Whitney p ${pText(c.significance.pValue)}.`,
  ];
  if (c.environmentDiffs.length > 0) {
    lines.push('', '**Not measured alike:**', '', ...c.environmentDiffs.map((d) => `- ${md(d)}`));
  }
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
