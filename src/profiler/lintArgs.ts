// Arguments of `latency lint`. Pure apart from util.parseArgs, so it is unit-tested directly.

import { RULE_SETTINGS } from '../advisors/advisorConfig';
import type { RuleSetting } from '../advisors/analyze';
import type { Severity } from '../advisors/findings';
import { parseSeverity } from '../advisors/lintReport';
import { UsageError, parseCommandLine } from './usageError';

export const LINT_USAGE = `Usage:
  latency lint <path>... [options]

Checks Python, TypeScript and JavaScript files (directories are searched; node_modules,
virtual environments and hidden folders are skipped) for latency pitfalls and optimization
chances. Prints file:line:col CODE message per finding. The latency.advisors.* settings of
.vscode/settings.json in the current folder apply, as in the editor; these options win.

Options:
      --json                print findings as JSON: [{file, line, column, endLine, endColumn,
                            code, severity, message, docs, fixes[]}]
      --fix                 apply safe fixes in place, then report what remains
      --fail-on LEVEL       exit 1 when a finding at or above LEVEL remains:
                            error | warning | information | hint | none (default warning)
      --rule CODE=SETTING   off | error | warning | information | hint | default, by code or
                            id, e.g. --rule LAT104=off --rule wrong-clock=error (repeatable)
      --min-samples N       timing loops with fewer iterations are flagged (default 1000)
      --flash-attention X   auto | available | unavailable (default auto: read requirements
                            files / pyproject.toml in the current folder)

Exit status: 0 nothing at or above --fail-on, 1 findings remain, 2 bad arguments or unreadable path.`;

export interface LintArgs {
  command: 'lint';
  paths: string[];
  json: boolean;
  fix: boolean;
  failOn: Severity | 'none';
  rules: Record<string, RuleSetting>;
  minSamples?: number;
  flashAttention: 'auto' | 'available' | 'unavailable';
}


export function parseLintArgs(argv: readonly string[]): LintArgs {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      fix: { type: 'boolean' },
      'fail-on': { type: 'string' },
      rule: { type: 'string', multiple: true },
      'min-samples': { type: 'string' },
      'flash-attention': { type: 'string' },
    },
  });
  const { values: v, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError('missing path: latency lint <file-or-folder>...');
  let failOn: LintArgs['failOn'] = 'warning';
  if (v['fail-on'] !== undefined) {
    const s = v['fail-on'] === 'none' ? 'none' : parseSeverity(v['fail-on']);
    if (!s) throw new UsageError(`--fail-on must be error, warning, information, hint or none, got "${v['fail-on']}"`);
    failOn = s;
  }
  const rules: Record<string, RuleSetting> = {};
  for (const r of v.rule ?? []) {
    const eq = r.indexOf('=');
    const key = r.slice(0, eq).trim();
    const raw = r.slice(eq + 1).trim().toLowerCase();
    const setting = raw === 'info' ? 'information' : raw;
    if (eq <= 0 || !(RULE_SETTINGS as readonly string[]).includes(setting)) {
      throw new UsageError(`--rule expects CODE=${RULE_SETTINGS.join('|')}, got "${r}"`);
    }
    rules[key] = setting as RuleSetting;
  }
  let minSamples: number | undefined;
  if (v['min-samples'] !== undefined) {
    if (!/^\d+$/.test(v['min-samples']) || Number(v['min-samples']) < 1) {
      throw new UsageError(`--min-samples expects an integer ≥ 1, got "${v['min-samples']}"`);
    }
    minSamples = Number(v['min-samples']);
  }
  const fa = v['flash-attention'] ?? 'auto';
  if (fa !== 'auto' && fa !== 'available' && fa !== 'unavailable') {
    throw new UsageError(`--flash-attention must be auto, available or unavailable, got "${fa}"`);
  }
  return {
    command: 'lint',
    paths: positionals,
    json: v.json ?? false,
    fix: v.fix ?? false,
    failOn,
    rules,
    ...(minSamples !== undefined ? { minSamples } : {}),
    flashAttention: fa,
  };
}
