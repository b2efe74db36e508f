// `latency.advisors.*` settings for one document, validated by the pure core.

import * as vscode from 'vscode';
import { resolveAdvisorSettings, type ResolvedAdvisorSettings } from '../../advisors/advisorConfig';

export function readAdvisorSettings(scope: vscode.Uri | undefined): ResolvedAdvisorSettings {
  const c = vscode.workspace.getConfiguration('latency.advisors', scope);
  return resolveAdvisorSettings({
    enabled: c.get('enabled'),
    rules: c.get('rules'),
    minSamples: c.get('minSamples'),
    flashAttention: c.get('flashAttention'),
  });
}
