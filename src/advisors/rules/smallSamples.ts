/**
 * LAT004 — too few timed iterations for tail percentiles (Python).
 *
 * Flags a per-iteration timing loop (each iteration yields one latency sample; see
 * `timingLoops.ts`) whose iteration count is known — `range(N)` / `range(a, N)` with integer
 * literals or names bound once to an integer literal — and below `latency.advisors.minSamples`
 * (default 1000). Loops with an unknown count, `while` loops, whole-loop timing (one sample,
 * a mean) and loops without clock readings (a warm-up loop) are never flagged.
 *
 * Why: with nearest-rank percentiles the p99 of n samples is the ⌈0.99·n⌉-th smallest. For
 * n < 100 that rank is n — the p99 *is* the maximum, a single outlier; at n = 100 it is the
 * second-slowest run; only around n ≥ 1000 does it rest on ~10 tail samples.
 *
 * Fix: the count becomes the threshold — the `range` literal is replaced (`range(a, N)` →
 * `range(a, a + min)`, written as one number), or, for a named constant, the constant's literal.
 * Safe when only the number of repetitions changes: the loop variable is unused in the body
 * and the constant (if any) is used by this loop alone. Otherwise (the variable indexes
 * inputs, or the constant sizes other things) it is offered as unsafe.
 */
import { docsLink, type Finding, type RelatedLocation } from '../findings';
import { rangeOfNode } from '../pyEdit';
import type { PythonRuleContext, Rule } from '../rule';
import { findTimingLoops, type TimingLoop } from '../timingLoops';

export const SMALL_SAMPLES_CODE = 'LAT004';

function loopVariableUnused(ctx: PythonRuleContext, l: TimingLoop): boolean {
  const left = l.loop.childForFieldName('left');
  const body = l.loop.childForFieldName('body');
  if (!left || !body || left.type !== 'identifier') return false;
  if (left.text === '_') return true;
  return (ctx.index.identifiers([left.text], body.startIndex, body.endIndex).get(left.text) ?? []).length === 0;
}

export function checkSmallSamples(ctx: PythonRuleContext): Finding[] {
  const min = Math.max(1, Math.floor(ctx.options.minSamples));
  const findings: Finding[] = [];
  for (const l of findTimingLoops(ctx)) {
    const c = l.count;
    if (l.mode !== 'per-iteration' || !c || c.value < 1 || c.value >= min) continue;
    const target = c.start + min;
    const constant = c.constant;
    const safe = loopVariableUnused(ctx, l) && (!constant || constant.uses === 2);
    const related: RelatedLocation[] = [];
    if (constant) related.push({ range: rangeOfNode(constant.assignment), message: `${constant.name} is set to ${constant.literal.text} here` });
    for (const call of l.timedCalls) related.push({ range: rangeOfNode(call), message: 'timed call' });
    const n = c.value;
    findings.push({
      code: SMALL_SAMPLES_CODE,
      severity: 'warning',
      range: rangeOfNode(c.endArg),
      message:
        `Only ${n} timed iteration${n === 1 ? '' : 's'} (fewer than ${min}): too few samples for tail latency. The p99 of n ` +
        'samples is about the ⌈0.99·n⌉-th smallest, so below n = 100 it is simply the maximum (one outlier), at n = 100 the ' +
        `second-slowest run, and only near n = 1000 does it rest on ~10 tail samples. Time at least ${min} iterations ` +
        '(setting latency.advisors.minSamples).',
      docs: docsLink(SMALL_SAMPLES_CODE),
      related,
      fixes: [
        {
          title: constant ? `Set ${constant.name} to ${target}` : `Time ${min} iterations`,
          safety: safe ? 'safe' : 'unsafe',
          edits: [{ range: rangeOfNode(constant ? constant.literal : c.endArg), newText: String(target) }],
          imports: [],
        },
      ],
    });
  }
  return findings;
}

export const SMALL_SAMPLES_RULE: Rule = {
  code: SMALL_SAMPLES_CODE,
  id: 'small-samples',
  title: 'Too few timed iterations for tail percentiles',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkPython: checkSmallSamples,
};
