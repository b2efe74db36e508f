// The one results panel: a thin adapter between VS Code's webview API and the pure protocol
// and HTML in src/core. The webview persists the last snapshot itself (setState), so the panel
// does not retain its context when hidden and is revived by the serializer after a restart.

import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { renderPanelHtml } from '../core/panelHtml';
import {
  RESULTS_VIEW_TYPE,
  isPanelState,
  isWebviewToHostMessage,
  type ExportFormat,
  type HostToWebviewMessage,
  type PanelComparison,
} from '../core/panelProtocol';
import type { BenchmarkResult } from '../core/result';
import type { VerdictAction } from '../core/verdict';

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  /** Messages to a webview that has not loaded yet (or was unloaded while hidden) are lost. */
  private webviewReady = false;
  private latest: BenchmarkResult | undefined;
  private latestComparison: PanelComparison | undefined;
  /** Set by whoever writes exports (the export command); the panel only forwards the request. */
  onExport: ((format: ExportFormat) => void) | undefined;
  private readonly resultChanged = new vscode.EventEmitter<BenchmarkResult>();
  /** Fires for every result shown, including one revived with the panel after a restart. */
  readonly onDidChangeResult = this.resultChanged.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get lastResult(): BenchmarkResult | undefined {
    return this.latest;
  }

  /** What the shown result is set against, if anything. */
  get lastComparison(): PanelComparison | undefined {
    return this.latestComparison;
  }

  /** Shows `result`, set against `comparison` when given; a result shown without one clears the last. */
  show(result: BenchmarkResult, comparison?: PanelComparison): void {
    this.latestComparison = comparison;
    this.setLatest(result);
    if (this.panel) {
      this.panel.title = titleFor(result);
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        RESULTS_VIEW_TYPE,
        titleFor(result),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.webviewOptions(),
      );
      this.adopt(panel);
    }
    this.postLatest();
  }

  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        if (this.panel) {
          // Only one results panel exists; the live one already shows the newest result.
          panel.dispose();
          return;
        }
        let emptyMessage: string | undefined;
        if (isPanelState(state)) {
          if (!this.latest) {
            this.latestComparison = state.comparison;
            this.setLatest(state.result);
          }
        } else if (!this.latest) {
          this.log.warn('Results panel state could not be restored (missing or from an incompatible version).');
          emptyMessage = 'The previous results could not be restored. Run Latency: Run Benchmark to measure again.';
        }
        if (this.latest) panel.title = titleFor(this.latest);
        this.adopt(panel, emptyMessage);
      },
    });
  }

  dispose(): void {
    // Disposing the panel fires onDidDispose, which releases its listeners.
    this.panel?.dispose();
    this.releasePanel();
    this.resultChanged.dispose();
  }

  private setLatest(result: BenchmarkResult): void {
    this.latest = result;
    this.resultChanged.fire(result);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
      ],
    };
  }

  private adopt(panel: vscode.WebviewPanel, emptyMessage?: string): void {
    this.panel = panel;
    this.webviewReady = false;
    const webview = panel.webview;
    // A revived panel comes back with default options; they are not part of the persisted state.
    webview.options = this.webviewOptions();
    this.panelDisposables.push(
      webview.onDidReceiveMessage((msg: unknown) => {
        if (!isWebviewToHostMessage(msg)) {
          this.log.warn(`Ignored an unexpected message from the results panel: ${safeJson(msg)}`);
          return;
        }
        if (msg.type === 'verdictAction') {
          void this.runVerdictAction(msg.action);
          return;
        }
        if (msg.type === 'export') {
          this.log.info(`results panel: export as ${msg.format}`);
          this.onExport?.(msg.format);
          return;
        }
        // 'ready' arrives again every time the webview reloads (e.g. after being hidden).
        this.webviewReady = true;
        this.postLatest();
      }),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.webviewReady = false;
      }),
      panel.onDidDispose(() => this.releasePanel()),
    );
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
      title: panel.title,
      ...(emptyMessage === undefined ? {} : { emptyMessage }),
    });
  }

  private postLatest(): void {
    if (!this.panel || !this.webviewReady || !this.latest) return;
    const message: HostToWebviewMessage = {
      type: 'snapshot',
      result: this.latest,
      ...(this.latestComparison ? { comparison: this.latestComparison } : {}),
    };
    this.panel.webview.postMessage(message).then(
      (delivered) => {
        if (!delivered) this.log.debug('Results snapshot not delivered; it will be re-sent when the panel is ready.');
      },
      (err: unknown) => this.log.error(`Could not send results to the panel: ${String(err)}`),
    );
  }

  /** The guard already limited actions to Tune System and latency.* settings; nothing else runs. */
  private async runVerdictAction(action: VerdictAction): Promise<void> {
    this.log.info(`results panel: ${action.kind === 'tuneSystem' ? 'Tune System' : `open setting ${action.setting}`}`);
    if (action.kind === 'tuneSystem') await vscode.commands.executeCommand('latency.tuneSystem');
    else await vscode.commands.executeCommand('workbench.action.openSettings', action.setting);
  }

  private releasePanel(): void {
    this.panel = undefined;
    this.webviewReady = false;
    for (const d of this.panelDisposables.splice(0)) d.dispose();
  }
}

function titleFor(result: BenchmarkResult): string {
  return `Latency: ${result.target.name}`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}
