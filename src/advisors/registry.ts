/**
 * Every advisor rule, in code order. Pure: no `vscode`.
 *
 * Rules come in groups (one file per group under `rules/`). A code may be implemented by
 * one group for Python and another for JS/TS; the registry merges them into one rule, so
 * settings, docs and severities are per code whatever the language.
 */
import type { Rule } from './rule';
import { BENCHMARK_RULES } from './rules/benchmarkRules';
import { GENERATION_RULES } from './rules/generationRules';
import { MODEL_RULES } from './rules/modelRules';
import { SCRIPT_RULES } from './rules/scriptRules';
import { SERVING_RULES } from './rules/servingRules';
import { checkWrongClock, WRONG_CLOCK_CODE } from './rules/wrongClock';

const WRONG_CLOCK: Rule = {
  code: WRONG_CLOCK_CODE,
  id: 'wrong-clock',
  title: 'Wall clock used to measure elapsed time',
  kind: 'pitfall',
  defaultSeverity: 'warning',
  checkPython: checkWrongClock,
};

export function mergeRules(groups: readonly (readonly Rule[])[]): Rule[] {
  const byCode = new Map<string, Rule>();
  for (const rule of groups.flat()) {
    const prev = byCode.get(rule.code);
    if (!prev) {
      byCode.set(rule.code, { ...rule });
      continue;
    }
    if (prev.id !== rule.id) throw new Error(`rule ${rule.code} registered as both ${prev.id} and ${rule.id}`);
    if ((prev.checkPython && rule.checkPython) || (prev.checkScript && rule.checkScript)) {
      throw new Error(`rule ${rule.code} has two implementations for one language`);
    }
    byCode.set(rule.code, { ...prev, checkPython: prev.checkPython ?? rule.checkPython, checkScript: prev.checkScript ?? rule.checkScript });
  }
  return [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export const RULES: readonly Rule[] = mergeRules([[WRONG_CLOCK], BENCHMARK_RULES, SCRIPT_RULES, SERVING_RULES, MODEL_RULES, GENERATION_RULES]);

export function ruleByCode(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code);
}
