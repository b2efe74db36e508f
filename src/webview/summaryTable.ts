// The summary figures, grouped the way they are read: where the latency sits, how much it
// varies, and what a first user and the machine pay for it.

import { formatBytes, formatMs, formatPercent, formatRate, formatRatio } from '../core/format';
import type { BenchmarkResult } from '../core/result';
import { formatCount, h, keyValueTable } from './dom';

export function renderSummary(container: HTMLElement, estimatorLine: HTMLElement, result: BenchmarkResult): void {
  const s = result.summary;
  const cold = result.coldStart;
  const resources = keyValueTable('Cold start & resources', [
    { label: 'Throughput', value: s ? formatRate(s.throughputPerSec) : 'n/a', key: 'throughput', title: 'Sequential inferences per second over the measured phase' },
    { label: 'Model load', value: formatMs(cold.loadMs), key: 'load', title: 'Creating the session: reading, parsing and optimizing the model' },
    { label: 'First inference', value: cold.firstMs === null ? 'did not complete' : formatMs(cold.firstMs), key: 'first' },
    { label: 'First ÷ p50', value: cold.ratio === null ? 'n/a' : formatRatio(cold.ratio), key: 'cold-ratio', title: 'How much slower the cold first inference was than a typical warm one' },
    { label: 'Peak RSS', value: formatBytes(result.memory.peakRssBytes), key: 'rss', title: 'Peak resident memory of the benchmark process' },
  ]);

  if (!s) {
    container.replaceChildren(
      h('p', { className: 'empty-figures' }, 'No latency figures: no measured run completed.'),
      h('div', { className: 'stat-groups single' }, resources),
    );
  } else {
    container.replaceChildren(
      h(
        'div',
        { className: 'stat-groups' },
        keyValueTable('Percentiles', [
          { label: 'p50', value: formatMs(s.p50Ms), key: 'p50', title: 'Median' },
          { label: 'p90', value: formatMs(s.p90Ms), key: 'p90' },
          { label: 'p95', value: formatMs(s.p95Ms), key: 'p95' },
          { label: 'p99', value: formatMs(s.p99Ms), key: 'p99' },
          { label: 'p99.9', value: formatMs(s.p999Ms), key: 'p999' },
        ]),
        keyValueTable('Distribution', [
          { label: 'Runs (n)', value: formatCount(s.n), key: 'n' },
          { label: 'Mean', value: formatMs(s.meanMs), key: 'mean' },
          { label: 'Std dev', value: formatMs(s.stdevMs), key: 'stdev', title: 'Sample standard deviation (n − 1)' },
          { label: 'CV', value: formatPercent(s.cv), key: 'cv', title: 'Coefficient of variation: std dev ÷ mean' },
          { label: 'Min – max', value: `${formatMs(s.minMs)} – ${formatMs(s.maxMs)}`, key: 'range' },
        ]),
        resources,
      ),
    );
  }
  estimatorLine.textContent = `Percentile estimator: ${result.estimator}.`;
}
