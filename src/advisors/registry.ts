/**
 * Every advisor rule, in code order. Pure: no `vscode`.
 */
import type { Rule } from './rule';
import { checkWrongClock, WRONG_CLOCK_CODE } from './rules/wrongClock';

export const RULES: readonly Rule[] = [
  {
    code: WRONG_CLOCK_CODE,
    id: 'wrong-clock',
    title: 'Wall clock used to measure elapsed time',
    kind: 'pitfall',
    defaultSeverity: 'warning',
    checkPython: checkWrongClock,
  },
];

export function ruleByCode(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code);
}
