// The status bar item: the last p50 at a glance; a click opens the results panel.

import * as vscode from 'vscode';
import { formatMs } from '../core/format';
import { statusText } from '../core/messages';
import type { BenchmarkResult } from '../core/result';

export class LatencyStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('latency.lastResult', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Latency';
    this.item.command = 'latency.showResults';
  }

  get text(): string {
    return this.item.text;
  }

  show(result: BenchmarkResult): void {
    this.item.text = statusText(result);
    const s = result.summary;
    // Screen readers would otherwise read the icon name and the tooltip's raw markdown.
    this.item.accessibilityInformation = {
      label: `Latency ${result.target.name}: ${s ? `p50 ${formatMs(s.p50Ms)}` : 'no measured runs'}${result.partial ? ', partial' : ''}. Open the results panel.`,
      role: 'button',
    };
    const md = new vscode.MarkdownString(`**Latency — ${escapeMarkdown(result.target.name)}**\n\n`);
    if (s) {
      md.appendMarkdown(`p50 ${formatMs(s.p50Ms)} · p95 ${formatMs(s.p95Ms)} · p99 ${formatMs(s.p99Ms)} · ${s.n} runs\n\n`);
    }
    if (result.partial) md.appendMarkdown(`Partial: ${escapeMarkdown(result.partialReason ?? '')}\n\n`);
    md.appendMarkdown('Click to open the results panel.');
    this.item.tooltip = md;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
