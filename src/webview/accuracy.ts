// Whether the optimised model still answers like the original, fed identical inputs. A failure
// here outranks every latency figure, so it is also a banner at the top of the comparison card:
// a speed-up bought with wrong answers must not be the first thing read.

import type { AccuracyReport, OutputAgreement } from '../core/accuracy';
import type { MetricComparison } from '../core/compare';
import { formatPercent } from '../core/format';
import { formatCount, h } from './dom';

/** The banner for a failed report, or undefined when the outputs agree. */
export function accuracyBanner(report: AccuracyReport, metrics: readonly MetricComparison[]): HTMLElement | undefined {
  if (report.pass) return undefined;
  const failed = report.outputs.filter((o) => !o.pass);
  // "Faster" only when the typical latency is shown to have improved; a wrong model that is not
  // faster is simply a model whose outputs differ.
  const faster = metrics.some((m) => m.metric === 'p50' && m.verdict === 'improved');
  const detail =
    report.outputs.length === 0
      ? 'No output could be compared, so nothing shows the two models agree.'
      : `${formatCount(failed.length)} of ${formatCount(report.outputs.length)} ${report.outputs.length === 1 ? 'output differs' : 'outputs differ'} beyond the ${formatPercent(report.threshold)} threshold: ${failed.map((o) => o.name).join(', ')}.`;
  return h(
    'div',
    { className: 'banner banner-error', attrs: { role: 'alert', id: 'accuracy-banner', 'data-accuracy': 'fail' } },
    h('strong', {}, faster ? 'Faster but wrong' : 'Outputs differ'),
    h('span', {}, ` — ${detail}${faster ? ' The speed-up does not count until the outputs agree.' : ''}`),
  );
}

export function renderAccuracy(container: HTMLElement, report: AccuracyReport | undefined): void {
  if (!report) {
    container.replaceChildren();
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const verdict = report.pass
    ? `Outputs agree: every output within the ${formatPercent(report.threshold)} threshold.`
    : `Outputs differ: ${formatCount(report.outputs.filter((o) => !o.pass).length)} of ${formatCount(report.outputs.length)} beyond the ${formatPercent(report.threshold)} threshold.`;
  container.replaceChildren(
    h('h3', {}, 'Output agreement'),
    h(
      'p',
      { className: `accuracy-verdict ${report.pass ? 'pass' : 'fail'}`, attrs: { 'data-accuracy-verdict': report.pass ? 'pass' : 'fail' } },
      h('span', { className: 'status-icon', attrs: { 'aria-hidden': 'true' } }, report.pass ? '✓' : '✗'),
      verdict,
    ),
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'grid-table accuracy-table' },
        h('caption', {}, 'Per output, base model vs this one, same inputs'),
        h('thead', {}, h('tr', {}, ...['Output', 'Max abs error', 'Relative L2', 'Cosine', 'Top-1 agreement', 'Judged by', 'Result'].map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
        h('tbody', {}, ...report.outputs.map((o) => outputRow(o, report.threshold))),
      ),
    ),
  );
}

function outputRow(o: OutputAgreement, threshold: number): HTMLElement {
  const judged = o.degradation === null ? `${o.judgedBy}: —` : `${o.judgedBy}: ${formatPercent(o.degradation)} ${o.pass ? '≤' : '>'} ${formatPercent(threshold)}`;
  return h(
    'tr',
    { attrs: { 'data-output': o.name, 'data-pass': String(o.pass) } },
    h('td', { className: 'mono' }, o.name),
    h('td', { className: 'num' }, magnitude(o.maxAbsError)),
    h('td', { className: 'num' }, o.relativeL2 === null ? '—' : formatPercent(o.relativeL2)),
    h('td', { className: 'num' }, cosine(o.cosine)),
    h('td', { className: 'num' }, o.top1Agreement === null ? '—' : formatPercent(o.top1Agreement)),
    h('td', { className: 'num' }, judged),
    h(
      'td',
      { className: `output-result ${o.pass ? 'pass' : 'fail'}` },
      h('span', { className: 'status-icon', attrs: { 'aria-hidden': 'true' } }, o.pass ? '✓' : '✗'),
      o.pass ? 'Pass' : 'Fail',
      o.problem ? h('span', { className: 'why' }, ` — ${o.problem}`) : null,
    ),
  );
}

/** An error in the output's own units: three significant digits, exponent form when tiny or huge. */
function magnitude(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(2) : String(Number(x.toPrecision(3)));
}

/** Six decimals, since agreeing outputs differ from 1 only there; never rounded up to a false 1. */
function cosine(x: number | null): string {
  if (x === null) return '—';
  if (x === 1) return '1';
  const text = String(Number(x.toFixed(6)));
  return text === '1' ? '> 0.999999' : text;
}
