// The run checks: what about this run, or the machine it ran on, may make the figures below
// wrong. First in the panel, because a number measured on a throttled or busy machine should
// be read with that in mind, not discovered to be wrong after it was quoted.

import type { Verdict, VerdictAction, VerdictSeverity } from '../core/verdict';
import { h } from './dom';

const SEVERITY_ORDER: Record<VerdictSeverity, number> = { error: 0, warning: 1, info: 2 };

// The label says the severity in words, so it never rests on colour alone; the glyphs are
// geometric shapes rather than emoji, which some fonts would draw in their own colours.
const SEVERITY_LABEL: Record<VerdictSeverity, { icon: string; text: string }> = {
  error: { icon: '✕', text: 'Error' },
  warning: { icon: '▲', text: 'Warning' },
  info: { icon: 'i', text: 'Info' },
};

/** Errors first, then warnings, then information; the profiler's order within each. */
export function sortVerdicts(verdicts: readonly Verdict[]): Verdict[] {
  return verdicts
    .map((v, i) => ({ v, i }))
    .sort((a, b) => SEVERITY_ORDER[a.v.severity] - SEVERITY_ORDER[b.v.severity] || a.i - b.i)
    .map(({ v }) => v);
}

/** `onAction` hands a clicked fix button to the host, which checks it before acting. */
export function renderVerdicts(container: HTMLElement, verdicts: readonly Verdict[], onAction: (action: VerdictAction) => void): void {
  if (verdicts.length === 0) {
    container.replaceChildren(
      h('p', { className: 'verdicts-none', attrs: { 'data-verdicts': 'none' } }, h('span', { className: 'ok-icon', attrs: { 'aria-hidden': 'true' } }, '✓'), 'No problems found with how this run was measured.'),
    );
    return;
  }
  const sorted = sortVerdicts(verdicts);
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => ({ s, n: sorted.filter((v) => v.severity === s).length }))
    .filter((c) => c.n > 0)
    .map(({ s, n }) => `${n} ${s === 'info' ? (n === 1 ? 'note' : 'notes') : n === 1 ? s : `${s}s`}`);
  container.replaceChildren(
    h('p', { className: 'verdicts-count' }, counts.join(' · ')),
    h('ul', { className: 'verdict-list' }, ...sorted.map((v) => verdictItem(v, onAction))),
  );
}

function verdictItem(v: Verdict, onAction: (action: VerdictAction) => void): HTMLElement {
  const label = SEVERITY_LABEL[v.severity];
  // Notes start folded to their title line, so errors and warnings lead; any can be opened.
  const details = h(
    'details',
    { className: 'verdict-details' },
    h(
      'summary',
      { className: 'verdict-head' },
      h('span', { className: 'severity' }, h('span', { className: 'severity-icon', attrs: { 'aria-hidden': 'true' } }, label.icon), label.text),
      h('span', { className: 'verdict-code' }, v.code),
      h('strong', { className: 'verdict-title' }, v.title),
    ),
    h('p', { className: 'verdict-message' }, v.message),
    v.evidence.length > 0 && h('ul', { className: 'verdict-evidence', attrs: { 'aria-label': 'Evidence' } }, ...v.evidence.map((e) => h('li', {}, e))),
    v.fix.trim() !== '' && h('p', { className: 'verdict-fix' }, h('span', { className: 'fix-label' }, 'Fix: '), v.fix),
    v.actions &&
      v.actions.length > 0 &&
      h(
        'div',
        { className: 'verdict-actions' },
        ...v.actions.map((a) => {
          const button = h('button', { className: 'verdict-action', attrs: { type: 'button', 'data-action': a.kind } }, a.label);
          if (a.kind === 'openSetting') button.title = `Open the setting ${a.setting}`;
          button.addEventListener('click', () => onAction(a));
          return button;
        }),
      ),
  );
  details.open = v.severity !== 'info';
  return h('li', { className: `verdict verdict-${v.severity}`, attrs: { 'data-severity': v.severity, 'data-code': v.code } }, details);
}
