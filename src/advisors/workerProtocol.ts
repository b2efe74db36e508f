/**
 * The typed protocol between the extension host and the advisors' worker thread, declared
 * once. Transport: vscode-jsonrpc over the worker's message port. The worker keeps one
 * incrementally reparsed tree per document; the host sends the edits made since its last
 * request and the full text (which guards against a lost edit).
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { AdvisorSettings, RuleFailure } from './analyze';
import type { Finding } from './findings';
import type { OffsetEdit } from './incremental';
import type { AdvisorLanguage } from './parser';
import type { PyFunctionDef } from './pyFunctions';

/** Passed as the worker's `workerData`. */
export interface AdvisorWorkerData {
  /** Folder holding tree-sitter.wasm and the grammars. */
  wasmDir: string;
}

export interface AnalyzeParams {
  /** The document's key (its URI). */
  uri: string;
  language: AdvisorLanguage;
  /** Content changes since the previous request for `uri`, in order. */
  edits: OffsetEdit[];
  text: string;
  settings: AdvisorSettings;
}

export interface AnalyzeResult {
  findings: Finding[];
  failures: RuleFailure[];
  /** Reparse (incremental when the worker had the document) and analysis times, for the log. */
  parseMs: number;
  analysisMs: number;
  incremental: boolean;
}

/** host → worker: bring the document up to date and analyze it. */
export const AnalyzeRequest = new RequestType<AnalyzeParams, AnalyzeResult, void>('latency/advisors/analyze');

/** host → worker: the top-level functions of a Python source (a one-off parse; no document is kept). */
export const FunctionsRequest = new RequestType<{ text: string }, { functions: PyFunctionDef[] }, void>('latency/advisors/functions');

/** host → worker: the document closed; free its tree. */
export const CloseNotification = new NotificationType<{ uri: string }>('latency/advisors/close');
