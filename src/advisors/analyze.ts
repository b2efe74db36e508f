/**
 * Runs the advisor rules over one document. Pure: no `vscode`.
 *
 * Settings select rules and override severities by code (`LAT001`) or id (`wrong-clock`).
 * A rule that throws is isolated: its error is reported and the other rules' findings stand.
 */
import type { Tree } from '@vscode/tree-sitter-wasm';
import { detectEol, type Finding, type Severity } from './findings';
import { advisorLanguageOf } from './languages';
import { loadParser, parseSync, type AdvisorLanguage } from './parser';
import { analyzePythonImports } from './pythonImports';
import { RULES } from './registry';
import { DEFAULT_RULE_OPTIONS, type Rule, type RuleOptions } from './rule';
import { analyzeScriptImports } from './scriptImports';
import { createNodeIndex, PYTHON_IDENTIFIERS, SCRIPT_IDENTIFIERS } from './textIndex';

export { advisorLanguageOf };

export type RuleSetting = 'off' | 'default' | Severity;

export interface AdvisorSettings {
  /** By rule code or id. */
  rules?: Record<string, RuleSetting>;
  options?: Partial<RuleOptions>;
}

export interface RuleFailure {
  code: string;
  error: string;
}

export interface Analysis {
  findings: Finding[];
  /** Rules that threw; their findings are missing, the rest are complete. */
  failures: RuleFailure[];
}

/** The effective severity of `rule` under `settings`, or undefined when it is off. */
export function effectiveSeverity(rule: Rule, settings: AdvisorSettings): Severity | undefined {
  const s = settings.rules?.[rule.code] ?? settings.rules?.[rule.id] ?? 'default';
  if (s === 'off') return undefined;
  if (s === 'default') return rule.defaultOff ? undefined : rule.defaultSeverity;
  return s;
}

function compare(a: Finding, b: Finding): number {
  return (
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}

/** Analyzes an already-parsed tree (the caller keeps ownership of `tree`). */
export function analyzeTree(source: string, language: AdvisorLanguage, tree: Tree, settings: AdvisorSettings = {}): Analysis {
  const root = tree.rootNode;
  const options: RuleOptions = { ...DEFAULT_RULE_OPTIONS, ...settings.options };
  const eol = detectEol(source);
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const active = RULES.map((rule) => ({ rule, severity: effectiveSeverity(rule, settings) })).filter(
    (r): r is { rule: Rule; severity: Severity } => r.severity !== undefined,
  );
  const run = (rule: Rule, severity: Severity, check: () => Finding[]): void => {
    try {
      for (const f of check()) findings.push(severity === f.severity ? f : { ...f, severity });
    } catch (err) {
      failures.push({ code: rule.code, error: err instanceof Error ? err.message : String(err) });
    }
  };
  if (language === 'python') {
    const python = active.filter((r) => r.rule.checkPython);
    if (python.length === 0) return { findings, failures };
    const index = createNodeIndex(root, source, PYTHON_IDENTIFIERS);
    const ctx = { language, source, root, eol, options, index, imports: analyzePythonImports(root, source) };
    for (const { rule, severity } of python) run(rule, severity, () => rule.checkPython!(ctx));
  } else {
    const script = active.filter((r) => r.rule.checkScript);
    if (script.length === 0) return { findings, failures };
    const ctx = { language, source, root, eol, options, index: createNodeIndex(root, source, SCRIPT_IDENTIFIERS), imports: analyzeScriptImports(root) };
    for (const { rule, severity } of script) run(rule, severity, () => rule.checkScript!(ctx));
  }
  findings.sort(compare);
  return { findings, failures };
}

/** Parses and analyzes; the grammar must be loaded (see {@link analyzeSource}). */
export function analyzeSourceSync(source: string, language: AdvisorLanguage, settings: AdvisorSettings = {}): Analysis {
  const tree = parseSync(source, language);
  try {
    return analyzeTree(source, language, tree, settings);
  } finally {
    tree.delete();
  }
}

export async function analyzeSource(source: string, language: AdvisorLanguage, settings: AdvisorSettings = {}): Promise<Analysis> {
  await loadParser(language);
  return analyzeSourceSync(source, language, settings);
}
