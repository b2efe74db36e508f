/**
 * The contract every advisor rule implements. Pure: no `vscode`.
 *
 * A rule is a module exporting one {@link Rule}. It receives an already-parsed document
 * and returns findings with fixes as text edits; it never mutates anything.
 *
 * Performance contract: analysis of a 10,000-line file must stay within a few ms per rule.
 * Do not walk the whole tree (`descendantsOfType`, cursors, recursion over `children`):
 * anchor on the words the rule is about through `ctx.index` (text search, then a point
 * lookup in the tree) and climb with `.parent` from there.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { Finding, Severity } from './findings';
import type { PythonImports } from './pythonImports';
import type { ScriptImports } from './scriptImports';
import type { NodeIndex } from './textIndex';

export interface RuleOptions {
  /** Timing loops with fewer iterations than this are flagged (LAT004). */
  minSamples: number;
  /** Whether `flash_attn` is importable in the workspace (LAT105 suggests flash_attention_2). */
  flashAttnAvailable: boolean;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = { minSamples: 1000, flashAttnAvailable: false };

interface BaseContext {
  source: string;
  root: Node;
  /** Text-anchored node lookups, shared by all rules for one analysis. */
  index: NodeIndex;
  eol: '\n' | '\r\n';
  options: RuleOptions;
}

export interface PythonRuleContext extends BaseContext {
  language: 'python';
  imports: PythonImports;
}

export interface ScriptRuleContext extends BaseContext {
  language: 'typescript' | 'tsx' | 'javascript';
  imports: ScriptImports;
}

export type RuleKind = 'pitfall' | 'optimization';

export interface Rule {
  /** Stable code, `LATnnn`: 0xx pitfalls, 1xx optimization chances. */
  code: string;
  /** Kebab-case id used in settings and docs titles, e.g. `wrong-clock`. */
  id: string;
  /** One line for docs and the settings description. */
  title: string;
  kind: RuleKind;
  defaultSeverity: Severity;
  /** Off unless the user turns it on (noisy rules). */
  defaultOff?: boolean;
  checkPython?(ctx: PythonRuleContext): Finding[];
  checkScript?(ctx: ScriptRuleContext): Finding[];
}
