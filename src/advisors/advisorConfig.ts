/**
 * `latency.advisors.*` settings, validated once for both readers: the VS Code adapter (values
 * from the configuration API) and `latency lint` (values from `.vscode/settings.json`), so
 * the editor and CI apply the same rules. Pure.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { AdvisorSettings, RuleSetting } from './analyze';

export const RULE_SETTINGS: readonly RuleSetting[] = ['off', 'default', 'error', 'warning', 'information', 'hint'];

export type FlashAttentionSetting = 'auto' | 'available' | 'unavailable';

export interface RawAdvisorSettings {
  enabled?: unknown;
  rules?: unknown;
  minSamples?: unknown;
  flashAttention?: unknown;
}

export interface ResolvedAdvisorSettings {
  enabled: boolean;
  settings: AdvisorSettings;
  flashAttention: FlashAttentionSetting;
  /** Values that were ignored, each with why. */
  ignored: string[];
}

export function resolveAdvisorSettings(raw: RawAdvisorSettings): ResolvedAdvisorSettings {
  const ignored: string[] = [];
  const rules: Record<string, RuleSetting> = {};
  if (raw.rules && typeof raw.rules === 'object' && !Array.isArray(raw.rules)) {
    for (const [k, v] of Object.entries(raw.rules as Record<string, unknown>)) {
      if (typeof v === 'string' && (RULE_SETTINGS as readonly string[]).includes(v)) rules[k] = v as RuleSetting;
      else ignored.push(`latency.advisors.rules.${k}: ${JSON.stringify(v)} is not one of ${RULE_SETTINGS.join(', ')}`);
    }
  } else if (raw.rules !== undefined && raw.rules !== null) ignored.push('latency.advisors.rules: expected an object of code → severity');
  const options: NonNullable<AdvisorSettings['options']> = {};
  if (typeof raw.minSamples === 'number' && Number.isInteger(raw.minSamples) && raw.minSamples >= 1) options.minSamples = raw.minSamples;
  else if (raw.minSamples !== undefined) ignored.push(`latency.advisors.minSamples: ${JSON.stringify(raw.minSamples)} is not an integer ≥ 1`);
  let flashAttention: FlashAttentionSetting = 'auto';
  if (raw.flashAttention === 'available' || raw.flashAttention === 'unavailable' || raw.flashAttention === 'auto') flashAttention = raw.flashAttention;
  else if (raw.flashAttention !== undefined) ignored.push(`latency.advisors.flashAttention: ${JSON.stringify(raw.flashAttention)} is not auto, available or unavailable`);
  return { enabled: raw.enabled !== false, settings: { rules, options }, flashAttention, ignored };
}

/**
 * The `latency.advisors.*` keys of a VS Code settings file (JSON with comments), or an error
 * message when the file does not parse.
 */
export function advisorSettingsFromSettingsJson(text: string): { raw: RawAdvisorSettings } | { error: string } {
  // VS Code treats an empty (or comments-only) settings file as no settings.
  if (text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '').trim() === '') return { raw: {} };
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const e = errors[0]!;
    const line = text.slice(0, e.offset).split('\n').length;
    return { error: `${printParseErrorCode(e.error)} at line ${line}` };
  }
  if (value === undefined) return { raw: {} };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'expected an object of settings' };
  const v = value as Record<string, unknown>;
  return {
    raw: {
      enabled: v['latency.advisors.enabled'],
      rules: v['latency.advisors.rules'],
      minSamples: v['latency.advisors.minSamples'],
      flashAttention: v['latency.advisors.flashAttention'],
    },
  };
}
