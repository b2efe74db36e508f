// The shown run against another: per metric, both figures, the change with its interval, and a
// verdict read off that interval; then whether the distributions differ at all, and what about
// the two runs makes the comparison unfair. Figures come from compareRuns (core/compare), so
// the panel and the CLI's `compare` never disagree on a verdict.

import type { ChangeVerdict, CompareMetric, MetricComparison } from '../core/compare';
import { formatMs, formatPercent } from '../core/format';
import type { PanelComparison } from '../core/panelProtocol';
import { accuracyBanner } from './accuracy';
import { formatCount, h } from './dom';

const SOURCE_LABEL: Record<PanelComparison['source'], { badge: string; title: string }> = {
  baseline: { badge: 'Baseline', title: 'The workspace baseline, compared after every run' },
  history: { badge: 'History', title: 'A run picked from the run history' },
  ab: { badge: 'A/B', title: 'An interleaved A/B run: both models measured alternately in one session' },
};

const METRIC_LABEL: Record<CompareMetric, string> = { p50: 'p50', p95: 'p95', p99: 'p99', p999: 'p99.9', mean: 'mean' };

// The verdict is said in words; the glyph and the colour only repeat it. Latency going down is
// the good direction, so "improved" points down.
const VERDICT_LABEL: Record<ChangeVerdict, { icon: string; text: string }> = {
  improved: { icon: '▼', text: 'Improved' },
  regressed: { icon: '▲', text: 'Regressed' },
  'no change': { icon: '=', text: 'No change' },
  inconclusive: { icon: '?', text: 'Inconclusive' },
};

export interface ComparisonElements {
  card: HTMLElement;
  heading: HTMLElement;
  body: HTMLElement;
}

/** Fills the comparison card; the caller shows it (and hides it again for a snapshot without one). */
export function renderComparison(els: ComparisonElements, pc: PanelComparison): void {
  const c = pc.comparison;
  const source = SOURCE_LABEL[pc.source];
  els.card.dataset.source = pc.source;
  els.heading.replaceChildren(
    h('span', { className: 'source-badge', attrs: { title: source.title, 'data-compare': 'source' } }, source.badge),
    'Compared with ',
    h('span', { className: 'base-label', attrs: { 'data-compare': 'base-label', ...(pc.base.id ? { title: `Saved run ${pc.base.id}` } : {}) } }, pc.base.label),
  );

  const level = levelText(c.level);
  const banner = pc.accuracy ? accuracyBanner(pc.accuracy, c.metrics) : undefined;
  els.body.replaceChildren(
    ...(banner ? [banner] : []),
    h(
      'p',
      { className: 'compare-meta', attrs: { 'data-compare': 'meta' } },
      `Base ${formatCount(c.n.base)} runs, this run ${formatCount(c.n.candidate)} runs. Change is this run ÷ base with a ${level} bootstrap interval; `,
      `changes within ±${formatPercent(c.noiseBand)} read “no change”.`,
    ),
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'grid-table compare-table' },
        h('caption', {}, 'Latency, base → this run'),
        h('thead', {}, h('tr', {}, ...['Metric', 'Base', 'This run', 'Change', `${level} interval`, 'Verdict'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
        h('tbody', {}, ...c.metrics.map((m) => metricRow(m, c.n, level))),
      ),
    ),
    significanceLine(pc),
    environmentNote(c.environmentDiffs),
  );
}

function metricRow(m: MetricComparison, n: { base: number; candidate: number }, level: string): HTMLElement {
  const label = METRIC_LABEL[m.metric];
  const verdict = VERDICT_LABEL[m.verdict];
  let change: string;
  let interval: HTMLElement;
  if (m.ratio === null) {
    change = 'n/a';
    interval = h('td', { className: 'num muted', attrs: { 'data-compare': 'ci', title: 'The base figure is 0 ms (a timer too coarse for the model), so no ratio exists' } }, 'no ratio (base 0 ms)');
  } else {
    change = `${signedPercent(m.ratio - 1)} (${ratioText(m.ratio, m.ci).ratio})`;
    if (m.ci) {
      interval = h('td', { className: 'num', attrs: { 'data-compare': 'ci', title: `${level} interval of this run ÷ base: ${signedPercent(m.ci[0] - 1)} to ${signedPercent(m.ci[1] - 1)}` } }, ratioText(m.ratio, m.ci).ci);
    } else {
      const few = Math.min(n.base, n.candidate) < m.minSamples;
      const why = few
        ? `Bounding ${label} at ${level} needs at least ${formatCount(m.minSamples)} runs on each side; below that even the slowest run may not reach the true ${label}.`
        : 'No interval could be computed for this ratio.';
      interval = h('td', { className: 'num muted', attrs: { 'data-compare': 'ci', title: why } }, few ? `not bounded (n < ${formatCount(m.minSamples)})` : 'no interval');
    }
  }
  return h(
    'tr',
    { className: `compare-row verdict-${m.verdict.replace(' ', '-')}`, attrs: { 'data-compare-metric': m.metric, 'data-verdict': m.verdict } },
    h('th', { attrs: { scope: 'row' } }, label),
    h('td', { className: 'num', attrs: { 'data-compare': 'base' } }, formatMs(m.base)),
    h('td', { className: 'num', attrs: { 'data-compare': 'candidate' } }, formatMs(m.candidate)),
    h('td', { className: 'num change', attrs: { 'data-compare': 'change' } }, change),
    interval,
    h(
      'td',
      { attrs: { 'data-compare': 'verdict' } },
      h('span', { className: 'change-verdict' }, h('span', { className: 'change-icon', attrs: { 'aria-hidden': 'true' } }, verdict.icon), verdict.text),
    ),
  );
}

function significanceLine(pc: PanelComparison): HTMLElement {
  const s = pc.comparison.significance;
  const alpha = 1 - pc.comparison.level;
  const differ = s.pValue < alpha ? 'the two distributions differ' : 'no evidence that the two distributions differ';
  return h(
    'p',
    { className: 'compare-significance', attrs: { 'data-compare': 'significance' } },
    `${s.test}: p ${formatP(s.pValue)}, ${differ}. A run of this build is slower than a base run ${formatPercent(s.probabilityCandidateSlower)} of the time (50% when neither tends to be slower).`,
  );
}

function environmentNote(diffs: readonly string[]): HTMLElement {
  if (diffs.length === 0) {
    return h('p', { className: 'note', attrs: { 'data-compare': 'env-same' } }, 'Same machine, settings and inputs, as far as both runs recorded them.');
  }
  return h(
    'div',
    { className: 'banner banner-warning', attrs: { role: 'note', 'data-compare': 'env-diffs' } },
    h('strong', {}, 'Not apples to apples'),
    h('span', {}, ` — ${diffs.length === 1 ? 'this differs' : 'these differ'} between the two runs, so part of any change may come from ${diffs.length === 1 ? 'it' : 'them'} rather than the model:`),
    h('ul', { className: 'env-diffs' }, ...diffs.map((d) => h('li', {}, d))),
  );
}

// ---------------------------------------------------------------------------------------------
// Figures

/** "95%", "99.9%": the confidence level as people write it. */
function levelText(level: number): string {
  return `${Math.round(level * 1000) / 10}%`;
}

/** A relative change with its sign: "−18.0%", "+5.2%", "0.0%" (a true minus, as in print). */
export function signedPercent(change: number): string {
  const text = formatPercent(change);
  if (text.startsWith('-')) return `−${text.slice(1)}`;
  return change > 0 && !/^0\.0+%$/.test(text) ? `+${text}` : text;
}

/**
 * The ratio and its interval, "0.82×" and "[0.80, 0.84]", with as many decimals (two to four)
 * as it takes for the three figures to read apart, so a tight interval never prints as
 * "[1.00, 1.00]" around 1.00.
 */
export function ratioText(ratio: number, ci: readonly [number, number] | null): { ratio: string; ci: string } {
  let digits = 2;
  if (ci) {
    while (digits < 4 && (ci[0].toFixed(digits) === ratio.toFixed(digits) || ci[1].toFixed(digits) === ratio.toFixed(digits)) && ci[0] !== ci[1]) digits++;
  }
  return { ratio: `${ratio.toFixed(digits)}×`, ci: ci ? `[${ci[0].toFixed(digits)}, ${ci[1].toFixed(digits)}]` : '' };
}

function formatP(p: number): string {
  if (p < 0.001) return '< 0.001';
  return `= ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}
