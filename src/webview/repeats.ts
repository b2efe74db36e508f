// Several complete runs of one benchmark (`--repeat N`), each with a fresh session: how far the
// figures move between runs, which no interval inside one run can see (clocks, memory placement,
// the session's own choices).

import { formatMs, formatPercent } from '../core/format';
import type { Repeats } from '../core/result';
import { formatCount, h } from './dom';

export function repeatsSection(repeats: Repeats): HTMLElement {
  const head = ['Repeat', 'Runs', 'p50', 'p99', 'Mean', 'CV', 'Load', 'First inference'];
  return h(
    'div',
    { className: 'repeats' },
    h(
      'div',
      { className: 'table-scroll' },
      h(
        'table',
        { className: 'grid-table repeats-table' },
        h('caption', {}, `Repeats: ${formatCount(repeats.runs.length)} complete runs, a fresh session each`),
        h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
        h(
          'tbody',
          {},
          ...repeats.runs.map((r, i) =>
            h(
              'tr',
              { attrs: { 'data-repeat': String(i + 1) } },
              h('th', { attrs: { scope: 'row' } }, String(i + 1)),
              h('td', { className: 'num' }, formatCount(r.n)),
              h('td', { className: 'num' }, formatMs(r.p50Ms)),
              h('td', { className: 'num' }, formatMs(r.p99Ms)),
              h('td', { className: 'num' }, formatMs(r.meanMs)),
              h('td', { className: 'num' }, formatPercent(r.cv)),
              h('td', { className: 'num' }, formatMs(r.loadMs)),
              h('td', { className: 'num' }, r.firstMs === null ? 'did not complete' : formatMs(r.firstMs)),
            ),
          ),
        ),
      ),
    ),
    h(
      'p',
      {
        className: 'note',
        attrs: { 'data-stat': 'repeat-spread', title: 'Spread: (largest − smallest) ÷ median of the repeats’ figures' },
      },
      `Between repeats: p50 spread ${formatPercent(repeats.spread.p50)}, p99 spread ${formatPercent(repeats.spread.p99)}. The figures above pool every repeat’s measured runs.`,
    ),
  );
}
