// The verification checklist after an optimisation: one line per question, its answer as a
// glyph and in words, and the figures it was decided on (or, when unknown, what would decide
// it). The checklist itself is computed in core/checklist; this only shows it.

import type { CheckStatus, Checklist } from '../core/checklist';
import { formatCount, h } from './dom';

const STATUS: Record<CheckStatus, { icon: string; text: string }> = {
  pass: { icon: '✓', text: 'Pass' },
  fail: { icon: '✗', text: 'Fail' },
  unknown: { icon: '?', text: 'Unknown' },
};

export function renderChecklist(container: HTMLElement, checklist: Checklist | undefined): void {
  if (!checklist) {
    container.replaceChildren();
    container.hidden = true;
    return;
  }
  container.hidden = false;
  const count = (s: CheckStatus) => checklist.items.filter((i) => i.status === s).length;
  const total = checklist.items.length;
  const line =
    checklist.verdict === 'pass'
      ? `Verified: all ${formatCount(total)} checks pass.`
      : checklist.verdict === 'fail'
        ? `Not verified: ${formatCount(count('fail'))} of ${formatCount(total)} checks ${count('fail') === 1 ? 'fails' : 'fail'}${count('unknown') > 0 ? `, ${formatCount(count('unknown'))} unknown` : ''}.`
        : `Incomplete: none fails, but ${formatCount(count('unknown'))} of ${formatCount(total)} cannot be decided from the data.`;
  const verdictIcon = checklist.verdict === 'pass' ? 'pass' : checklist.verdict === 'fail' ? 'fail' : 'unknown';
  container.replaceChildren(
    h('h3', {}, 'Verification checklist'),
    h(
      'p',
      { className: `checklist-verdict status-${verdictIcon}`, attrs: { 'data-checklist-verdict': checklist.verdict } },
      h('span', { className: 'status-icon', attrs: { 'aria-hidden': 'true' } }, STATUS[verdictIcon].icon),
      line,
    ),
    h(
      'ul',
      { className: 'checklist' },
      ...checklist.items.map((item) => {
        const status = STATUS[item.status];
        return h(
          'li',
          { className: `check status-${item.status}`, attrs: { 'data-check': item.id, 'data-status': item.status } },
          h('span', { className: 'status-icon', attrs: { 'aria-hidden': 'true' } }, status.icon),
          h(
            'div',
            { className: 'check-body' },
            h('span', { className: 'check-status' }, status.text),
            h('strong', { className: 'check-title' }, item.title),
            h('p', { className: 'check-evidence' }, item.evidence),
          ),
        );
      }),
    ),
  );
}
