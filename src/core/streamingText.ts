// An LLM streaming run's figures in words and tables, for the terminal report and the Markdown
// export: TTFT, TPOT, ITL and e2e at p50/p90/p99 (and mean), output tokens and rates, goodput
// under the SLO. Numbers only (and the SLO, made of numbers), so nothing here needs escaping.

import { formatMs } from './format';
import { goodputText, perSecond, type LatencyStats, type StreamingReport } from './llmMetrics';

const COLUMNS: ReadonlyArray<{ label: string; key: 'ttft' | 'tpot' | 'itl' | 'e2e' }> = [
  { label: 'TTFT', key: 'ttft' },
  { label: 'TPOT', key: 'tpot' },
  { label: 'ITL', key: 'itl' },
  { label: 'e2e', key: 'e2e' },
];
const ROWS: ReadonlyArray<{ label: string; field: keyof LatencyStats }> = [
  { label: 'p50', field: 'p50Ms' },
  { label: 'p90', field: 'p90Ms' },
  { label: 'p99', field: 'p99Ms' },
  { label: 'mean', field: 'meanMs' },
];

const cell = (s: LatencyStats | null, field: keyof LatencyStats) => (s ? formatMs(s[field]) : 'n/a');

/** "144 output tokens (server usage) · 52.3 tokens/s · 4.36 req/s". */
export function tokensText(s: StreamingReport): string {
  const source = s.tokenCount === 'usage' ? 'server usage' : s.tokenCount === 'chunks' ? 'counted chunks: the server sent no usage' : 'usage where the server sent it, else chunks';
  const cached = s.cachedPromptTokens !== undefined && s.promptTokens ? ` · ${Math.round((100 * s.cachedPromptTokens) / s.promptTokens)}% of prompt tokens from the server's prefix cache` : '';
  return `${s.outputTokens.toLocaleString('en-US')} output tokens (${source}) · ${perSecond(s.outputTokensPerSec, 'tokens')} · ${perSecond(s.requestsPerSec, 'req')}${cached}`;
}

/** The terminal report's streaming block: a table of the four distributions, then tokens and goodput. */
export function streamingTextLines(s: StreamingReport, indent: string, labelWidth: number): string[] {
  const table = [['', ...COLUMNS.map((c) => c.label)], ...ROWS.map((r) => [r.label, ...COLUMNS.map((c) => cell(s[c.key], r.field))])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row, j) => {
    const [label, ...values] = row;
    const head = j === 0 ? 'streaming' : label!;
    return `${indent}${head.padEnd(labelWidth)}${values.map((v, i) => v.padStart(widths[i + 1]!)).join('   ')}`.trimEnd();
  });
  lines.push(`${indent}${'tokens'.padEnd(labelWidth)}${tokensText(s)}`);
  const goodput = goodputText(s);
  if (goodput) lines.push(`${indent}${'goodput'.padEnd(labelWidth)}${goodput.replace(/^goodput /, '')}`);
  lines.push(`${indent}${''.padEnd(labelWidth)}${s.requests} streamed answers of ${s.attempted} measured requests; TPOT = (e2e − TTFT) ÷ (tokens − 1); ITL = every gap between token chunks`);
  return lines;
}

/** The Markdown export's streaming table and lines. */
export function streamingMarkdown(s: StreamingReport): string[] {
  const lines = [`| streaming | ${COLUMNS.map((c) => c.label).join(' | ')} |`, `|---|${COLUMNS.map(() => '---:').join('|')}|`];
  for (const r of ROWS) lines.push(`| ${r.label} | ${COLUMNS.map((c) => cell(s[c.key], r.field)).join(' | ')} |`);
  lines.push('', tokensText(s));
  const goodput = goodputText(s);
  if (goodput) lines.push('', `**${goodput.replace(/^goodput/, 'Goodput')}**`);
  return lines;
}
