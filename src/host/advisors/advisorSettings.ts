// `latency.advisors.*` settings for one document, as the pure core's AdvisorSettings.

import * as vscode from 'vscode';
import type { AdvisorSettings, RuleSetting } from '../../advisors/analyze';

const RULE_SETTINGS: readonly string[] = ['off', 'default', 'error', 'warning', 'information', 'hint'];

export interface ResolvedAdvisorSettings {
  enabled: boolean;
  settings: AdvisorSettings;
  flashAttention: 'auto' | 'available' | 'unavailable';
  /** Settings that were ignored, for the log. */
  ignored: string[];
}

export function readAdvisorSettings(scope: vscode.Uri | undefined): ResolvedAdvisorSettings {
  const c = vscode.workspace.getConfiguration('latency.advisors', scope);
  const ignored: string[] = [];
  const rules: Record<string, RuleSetting> = {};
  const raw = c.get<unknown>('rules');
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v === 'string' && RULE_SETTINGS.includes(v)) rules[k] = v as RuleSetting;
      else ignored.push(`latency.advisors.rules.${k}: ${JSON.stringify(v)} is not one of ${RULE_SETTINGS.join(', ')}`);
    }
  } else if (raw !== undefined && raw !== null) ignored.push('latency.advisors.rules: expected an object of code → severity');
  const minSamples = c.get<unknown>('minSamples');
  const options: AdvisorSettings['options'] = {};
  if (typeof minSamples === 'number' && Number.isInteger(minSamples) && minSamples >= 1) options.minSamples = minSamples;
  else if (minSamples !== undefined) ignored.push(`latency.advisors.minSamples: ${JSON.stringify(minSamples)} is not an integer ≥ 1`);
  const fa = c.get<string>('flashAttention', 'auto');
  return {
    enabled: c.get<boolean>('enabled', true) !== false,
    settings: { rules, options },
    flashAttention: fa === 'available' || fa === 'unavailable' ? fa : 'auto',
    ignored,
  };
}
