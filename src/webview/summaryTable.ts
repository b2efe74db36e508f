// The summary figures, grouped the way they are read: where the latency sits (with how sure
// we are of it), how much it varies, whether it held still, and what a first user and the
// machine pay for it.

import { formatBytes, formatInterval, formatMs, formatPercent, formatRate, formatRatio } from '../core/format';
import type { BenchmarkResult, Instability, Outliers, PercentileKey, SteadyState, Summary } from '../core/result';
import { formatCount, h, keyValueTable } from './dom';
import { repeatsSection } from './repeats';
import { iterationNoun } from '../core/targetText';

export function renderSummary(container: HTMLElement, estimatorLine: HTMLElement, result: BenchmarkResult): void {
  const s = result.summary;
  const cold = result.coldStart;
  const kind = result.target.kind;
  const noun = iterationNoun(result.target);
  const load =
    kind === 'python'
      ? [{ label: 'Import + setup', value: formatMs(cold.loadMs), key: 'load', title: cold.importMs !== undefined && cold.setupMs !== undefined ? `import ${formatMs(cold.importMs)}, setup ${formatMs(cold.setupMs)}` : 'Importing the file and running its setup' }]
      : kind === 'onnx'
        ? [{ label: 'Model load', value: formatMs(cold.loadMs), key: 'load', title: 'Creating the session: reading, parsing and optimizing the model' }]
        : [];
  const cuda = result.memory.cudaPeakAllocatedBytes;
  const resources = keyValueTable('Cold start & resources', [
    { label: 'Throughput', value: s ? formatRate(s.throughputPerSec) : 'n/a', key: 'throughput', title: kind === 'http' ? `Successful requests per second over the measured phase, ${result.target.kind === 'http' ? result.target.concurrency : 1} in flight` : `Sequential ${noun}s per second over the measured phase` },
    ...load,
    { label: `First ${noun}`, value: cold.firstMs === null ? 'did not complete' : formatMs(cold.firstMs), key: 'first' },
    { label: 'First ÷ p50', value: cold.ratio === null ? 'n/a' : formatRatio(cold.ratio), key: 'cold-ratio', title: `How much slower the cold first ${noun} was than a typical warm one` },
    { label: 'Peak RSS', value: formatBytes(result.memory.peakRssBytes), key: 'rss', title: kind === 'onnx' ? 'Peak resident memory of the benchmark process' : kind === 'python' ? 'Peak resident memory of the Python process' : kind === 'http' ? "Peak resident memory of the load generator (the server's is not seen)" : 'Peak resident memory of the largest process seen while the command ran (read from /proc every 50 ms: a lower bound, 0 for runs under 10 ms)' },
    ...(cuda !== undefined ? [{ label: 'CUDA peak', value: formatBytes(cuda), key: 'cuda-peak', title: 'torch.cuda.max_memory_allocated() over the measured calls' }] : []),
  ]);

  const repeats = result.repeats ? [repeatsSection(result.repeats)] : [];
  if (!s) {
    container.replaceChildren(
      h('p', { className: 'empty-figures' }, 'No latency figures: no measured run completed.'),
      h('div', { className: 'stat-groups single' }, resources),
      ...repeats,
    );
  } else {
    const cvTitle = `Coefficient of variation: std dev ÷ mean. Target for a stable run: ≤ ${formatPercent(result.config.cvTarget)}`;
    container.replaceChildren(
      h(
        'div',
        { className: 'stat-groups' },
        percentileTable(s),
        keyValueTable('Distribution', [
          { label: 'Runs (n)', value: formatCount(s.n), key: 'n' },
          { label: 'Mean', value: formatMs(s.meanMs), key: 'mean' },
          { label: 'Std dev', value: formatMs(s.stdevMs), key: 'stdev', title: 'Sample standard deviation (n − 1)' },
          { label: 'CV', value: formatPercent(s.cv), key: 'cv', title: cvTitle },
          { label: 'Min – max', value: `${formatMs(s.minMs)} – ${formatMs(s.maxMs)}`, key: 'range' },
        ]),
        stabilityTable(result.instability, result.outliers, result.steadyState),
        resources,
      ),
      ...repeats,
    );
  }
  estimatorLine.textContent = `Percentile estimator: ${result.estimator}.`;
}

// ---------------------------------------------------------------------------------------------
// Percentiles with their confidence intervals

const PERCENTILE_ROWS: ReadonlyArray<{ label: string; key: string; value: (s: Summary) => number; ci?: PercentileKey; title?: string }> = [
  { label: 'p50', key: 'p50', value: (s) => s.p50Ms, ci: 'p50', title: 'Median' },
  { label: 'p90', key: 'p90', value: (s) => s.p90Ms },
  { label: 'p95', key: 'p95', value: (s) => s.p95Ms, ci: 'p95' },
  { label: 'p99', key: 'p99', value: (s) => s.p99Ms, ci: 'p99' },
  { label: 'p99.9', key: 'p999', value: (s) => s.p999Ms, ci: 'p999' },
];

function percentileTable(s: Summary): HTMLTableElement {
  const level = `${Math.round(s.ciLevel * 1000) / 10}%`;
  const rows = PERCENTILE_ROWS.map((row) => {
    const value = row.value(s);
    const ci = row.ci === undefined ? undefined : s.ci[row.ci];
    const valueAttrs: Record<string, string> = { 'data-stat': row.key };
    let ciCell: HTMLTableCellElement;
    if (row.ci === undefined || ci === undefined) {
      // No interval is computed for this percentile; an empty cell keeps the column aligned.
      ciCell = h('td', { className: 'ci', attrs: { 'data-stat': `${row.key}-ci`, 'aria-label': 'no interval computed' } });
      if (row.title) valueAttrs.title = row.title;
    } else if (ci === null) {
      // Type 7 still yields a number here, but it is interpolated between the slowest runs, so
      // it is the maximum under another name: shown dimmed, and said to be unbounded.
      valueAttrs.title = `With ${formatCount(s.n)} runs there are too few beyond ${row.label} to estimate it: this figure is interpolated between the slowest runs, so it is close to the maximum, not a measured ${row.label}.`;
      ciCell = h(
        'td',
        {
          className: 'ci unbounded',
          attrs: {
            'data-stat': `${row.key}-ci`,
            title: `No ${level} interval exists for ${row.label} at n = ${formatCount(s.n)}: even the slowest run is not certainly above the true ${row.label}. More runs are needed to bound it.`,
          },
        },
        // Two fixed lines: the column is sized for bracketed figures, and a free wrap would
        // break the phrase wherever the width happens to fall.
        'not bounded',
        h('span', { className: 'why' }, ' (n too small)'),
      );
    } else {
      valueAttrs.title = `${row.title ? `${row.title}. ` : ''}${level} CI ${formatMs(ci[0])} – ${formatMs(ci[1])}`;
      ciCell = h(
        'td',
        {
          className: 'ci',
          attrs: {
            'data-stat': `${row.key}-ci`,
            title: `${level} confidence interval for the true ${row.label}, distribution-free: two order statistics of the sample chosen so that the true ${row.label} lies between them with ${level} probability, whatever the shape of the latency distribution (${formatMs(ci[0])} to ${formatMs(ci[1])}).`,
          },
        },
        formatInterval(value, ci[0], ci[1]),
      );
    }
    return h(
      'tr',
      { className: ci === null ? 'unbounded' : '' },
      h('th', { attrs: { scope: 'row' } }, row.label),
      h('td', { className: ci === null ? 'value dim' : 'value', attrs: valueAttrs }, formatMs(value)),
      ciCell,
    );
  });
  return h(
    'table',
    { className: 'kv percentiles' },
    h('caption', {}, 'Percentiles', h('span', { className: 'caption-note', attrs: { title: 'Distribution-free confidence intervals from order statistics' } }, ` · ${level} CI`)),
    h('tbody', {}, ...rows),
  );
}

// ---------------------------------------------------------------------------------------------
// Stability: whether the latency held still over the run

function stabilityTable(inst: Instability | null, outliers: Outliers | null, steady: SteadyState | null): HTMLTableElement {
  const rows: Array<{ label: string; value: string; key?: string; title?: string }> = [];
  if (inst) {
    rows.push(
      { label: 'Robust CV', value: formatPercent(inst.robustCv), key: 'robust-cv', title: '1.4826 · MAD ÷ median: the spread of the bulk of the runs, which a slow tail cannot inflate' },
      {
        label: 'Modes',
        value: inst.bimodality.bimodal ? `bimodal: ${inst.bimodality.modesMs.map(formatMs).join(', ')}` : 'one',
        key: 'modes',
        title: inst.bimodality.bimodal ? 'The runs cluster around more than one latency: a mean or a single percentile describes neither cluster' : 'The runs cluster around one latency',
      },
      {
        label: 'Lag-1 autocorr.',
        value: `${signed(inst.autocorrelation.lag1, 2)} (${PATTERN[inst.autocorrelation.pattern]})`,
        key: 'autocorr',
        title: `Correlation of each run with the next. Beyond ±${inst.autocorrelation.threshold.toFixed(2)} the runs are not independent: a trend (positive) or alternation (negative), which makes confidence intervals too narrow`,
      },
      {
        label: 'p50 first → last ⅓',
        value: `${formatMs(inst.drift.firstThirdP50Ms)} → ${formatMs(inst.drift.lastThirdP50Ms)}`,
        key: 'drift-p50',
        title: 'Median of the first third of the measured runs, and of the last third',
      },
      {
        label: 'Drift',
        value: `${signed(inst.drift.change * 100, 1)}% (p ${formatP(inst.drift.pValue)})`,
        key: 'drift',
        title: `Change from the first third's p50 to the last third's, with the p-value of a Mann–Whitney test between them: ${inst.drift.significant ? 'a significant drift' : 'not a significant drift'}`,
      },
    );
  }
  if (outliers) {
    rows.push({
      label: 'Outliers',
      value: `${formatCount(outliers.count)} labelled`,
      key: 'outliers',
      title: `${outliers.method}: outside ${formatMs(outliers.lowFenceMs)} – ${formatMs(outliers.highFenceMs)}. Labelled on the timeline, never dropped: every figure includes them`,
    });
  }
  if (steady) {
    // The timeline's numbering (iteration 0 is the cold first inference), so this reads the
    // same as the marker on the chart.
    const iteration = formatCount(steady.index + 1);
    const inMeasured = steady.transientMeasuredRuns > 0;
    rows.push({
      label: 'Steady from',
      value: `iteration ${iteration}, ${inMeasured ? 'after warm-up' : 'in warm-up'}`,
      key: 'steady',
      title: `${steady.method}: where the latency settles on the timeline. Warm-up was ${formatCount(steady.warmupRuns)} runs${
        inMeasured ? `, so the first ${formatCount(steady.transientMeasuredRuns)} measured runs were still warming up and are in every figure` : ', long enough'
      }`,
    });
  }
  if (rows.length === 0) rows.push({ label: 'Stability', value: 'too few runs to assess', key: 'stability' });
  const table = keyValueTable('Stability', rows);
  // Words as much as figures here, so they may wrap rather than push into the next group.
  table.classList.add('stability');
  return table;
}

const PATTERN: Record<Instability['autocorrelation']['pattern'], string> = { none: 'independent', trend: 'trend', alternating: 'alternating' };

function signed(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  return x > 0 && Number(fixed) !== 0 ? `+${fixed}` : fixed.replace(/^-(0\.?0*)$/, '$1');
}

function formatP(p: number): string {
  if (p < 0.001) return '< 0.001';
  return `= ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}
