// Keeps Latency diagnostics in step with open Python / TypeScript / JavaScript documents:
// analyzed on open, debounced on edit, cleared on close, redone when settings change. The
// analysis itself runs in a worker thread (workerClient.ts), which keeps each document's tree
// and reparses it incrementally from the edits sent along.

import * as vscode from 'vscode';
import type { AdvisorSettings } from '../../advisors/analyze';
import { advisorLanguageOf } from '../../advisors/languages';
import type { OffsetEdit } from '../../advisors/incremental';
import type { Finding } from '../../advisors/findings';
import { declaresFlashAttention } from '../../advisors/workspaceFacts';
import { readAdvisorSettings } from './advisorSettings';
import { toDiagnostic } from './convert';
import { AdvisorWorkerClient, AdvisorWorkerError } from './workerClient';
import type { PyFunctionDef } from '../../advisors/pyFunctions';

const DEBOUNCE_MS = 250;
/** Generated or minified files this large are not code anyone reads; skip them. */
const MAX_CHARS = 2_000_000;
/** Files, unsaved buffers and notebook cells (benchmarks often live in notebooks). */
const SCHEMES = new Set(['file', 'untitled', 'vscode-notebook-cell', 'vscode-remote']);
const MANIFEST_GLOB = '{requirements*.txt,requirements*.in,pyproject.toml,setup.py,setup.cfg,environment*.yml,environment*.yaml,Pipfile}';

interface DocState {
  version: number;
  findings: Finding[];
}

/** A document the worker holds, and the edits made since it was last sent. */
interface SentState {
  /** The worker thread that holds it: after a restart the document is sent in full again. */
  workerId: number | undefined;
  pending: OffsetEdit[];
}

export class AdvisorDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('latency');
  private readonly state = new Map<string, DocState>();
  private readonly sent = new Map<string, SentState>();
  private readonly worker: AdvisorWorkerClient;
  private warnedGivenUp = false;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private flashAttention: Promise<boolean> | undefined;
  private reportedIgnored = new Set<string>();

  /** The module-level functions of a Python source, parsed in the advisors' worker (the Python-function picker's list). */
  listFunctions(text: string): Promise<PyFunctionDef[]> {
    return this.worker.functions(text);
  }

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.worker = new AdvisorWorkerClient(
      vscode.Uri.joinPath(extensionUri, 'dist', 'advisorWorker.js').fsPath,
      { wasmDir: vscode.Uri.joinPath(extensionUri, 'dist', 'wasm').fsPath },
      (level, message) => (level === 'error' ? log.error(message) : log.info(message)),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${MANIFEST_GLOB}`);
    const manifestsChanged = (): void => {
      this.flashAttention = undefined;
      this.refreshAll();
    };
    this.disposables.push(
      this.collection,
      watcher,
      watcher.onDidChange(manifestsChanged),
      watcher.onDidCreate(manifestsChanged),
      watcher.onDidDelete(manifestsChanged),
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const t = this.sent.get(e.document.uri.toString());
        if (t) for (const c of e.contentChanges) t.pending.push({ rangeOffset: c.rangeOffset, rangeLength: c.rangeLength, text: c.text });
        this.schedule(e.document, DEBOUNCE_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('latency.advisors')) this.refreshAll();
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** The findings behind the current diagnostics of `uri`, if they match `version`. */
  findingsFor(uri: vscode.Uri, version: number): Finding[] | undefined {
    const s = this.state.get(uri.toString());
    return s && s.version === version ? s.findings : undefined;
  }

  private refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!this.handles(doc)) return;
    const key = doc.uri.toString();
    const prev = this.timers.get(key);
    if (prev) clearTimeout(prev);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(doc);
      }, delay),
    );
  }

  private handles(doc: vscode.TextDocument): boolean {
    // Output panes, git views and the like are documents too; only real files and unsaved buffers count.
    return SCHEMES.has(doc.uri.scheme) && advisorLanguageOf(doc.languageId) !== undefined;
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
    this.state.delete(key);
    this.dropTree(key);
    this.collection.delete(uri);
  }

  private dropTree(key: string): void {
    if (this.sent.delete(key)) this.worker.close(key);
  }

  private async settingsFor(doc: vscode.TextDocument): Promise<AdvisorSettings | undefined> {
    const resolved = readAdvisorSettings(doc.uri);
    for (const msg of resolved.ignored) {
      if (this.reportedIgnored.has(msg)) continue;
      this.reportedIgnored.add(msg);
      this.log.warn(`ignored setting ${msg}`);
    }
    if (!resolved.enabled) return undefined;
    const flash =
      resolved.flashAttention === 'available' ? true : resolved.flashAttention === 'unavailable' ? false : await this.flashAttentionDeclared();
    return { ...resolved.settings, options: { ...resolved.settings.options, flashAttnAvailable: flash } };
  }

  private flashAttentionDeclared(): Promise<boolean> {
    this.flashAttention ??= (async () => {
      try {
        const files = await vscode.workspace.findFiles(MANIFEST_GLOB, '**/node_modules/**', 50);
        const manifests = await Promise.all(
          files.map(async (u) => ({ name: u.path, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(u)) })),
        );
        return declaresFlashAttention(manifests);
      } catch (err) {
        this.log.warn(`could not read dependency manifests: ${(err as Error).message}`);
        return false;
      }
    })();
    return this.flashAttention;
  }

  private async analyze(doc: vscode.TextDocument): Promise<void> {
    if (doc.isClosed || !this.handles(doc)) return;
    try {
      const found = await this.settingsFor(doc);
      // Read after the await, so the text and the edits queued for the worker agree.
      const version = doc.version;
      const text = doc.getText();
      const settings = text.length > MAX_CHARS || doc.isClosed ? undefined : found;
      if (!settings) {
        this.state.delete(doc.uri.toString());
        this.dropTree(doc.uri.toString());
        this.collection.delete(doc.uri);
        return;
      }
      const key = doc.uri.toString();
      const lang = advisorLanguageOf(doc.languageId)!;
      let sent = this.sent.get(key);
      const resend = !sent || sent.workerId === undefined || sent.workerId !== this.worker.workerId;
      if (!sent) this.sent.set(key, (sent = { workerId: undefined, pending: [] }));
      const edits = sent.pending.splice(0);
      const result = await this.worker.analyze({ uri: key, language: lang, edits: resend ? [] : edits, text, settings });
      sent.workerId = this.worker.workerId;
      // A newer edit or a close arrived while we worked: its own analysis will land instead.
      if (doc.isClosed || doc.version !== version) return;
      const { findings, failures } = result;
      for (const f of failures) this.log.error(`advisor ${f.code} failed on ${doc.uri.fsPath}: ${f.error}`);
      this.state.set(key, { version, findings });
      this.collection.set(
        doc.uri,
        findings.map((f) => toDiagnostic(f, doc.uri, this.extensionUri)),
      );
      this.log.debug(
        `advisors: ${findings.length} findings in ${doc.uri.fsPath} (${result.incremental ? 'incremental ' : ''}parse ${result.parseMs.toFixed(1)} ms, rules ${result.analysisMs.toFixed(1)} ms)`,
      );
    } catch (err) {
      // The worker crashed, hung or could not load the parser: the editor stays usable; the
      // diagnostics already shown stay until a later analysis succeeds.
      this.sent.delete(doc.uri.toString());
      this.log.error(`advisors could not analyze ${doc.uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
      if (err instanceof AdvisorWorkerError && err.fatal && !this.warnedGivenUp) {
        this.warnedGivenUp = true;
        void vscode.window.showWarningMessage(`Latency advisors stopped: ${err.message}.`, 'Show Log').then((c) => {
          if (c === 'Show Log') this.log.show();
        });
      }
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.sent.clear();
    this.worker.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
