// The messages that cross the results panel's webview boundary, declared once so the host
// adapter and the webview bundle cannot drift apart. Everything arriving from the other side
// (or from persisted state, which may have been written by an older build) is untrusted until
// a guard below has accepted it.

import { RESULT_SCHEMA_VERSION, type BenchmarkResult } from './result';

/** Webview → host. */
export type WebviewToHostMessage = { type: 'ready' };

/**
 * Host → webview. Always a full snapshot, never a delta: the webview may have been reloaded
 * (hidden without retained context, or revived after a restart) and holds nothing to apply
 * a delta to.
 */
export type HostToWebviewMessage = { type: 'snapshot'; result: BenchmarkResult };

/** What the webview hands to `setState`; VS Code returns it on reload and to the serializer. */
export interface PanelState {
  result: BenchmarkResult;
}

export const RESULTS_VIEW_TYPE = 'latency.results';

type Dict = Record<string, unknown>;

function isObject(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Both postMessage and setState go through JSON, which turns NaN/Infinity into null; such a
// result fails here rather than rendering "null" (summarize never produces them).
const isNum = (v: unknown): v is number => typeof v === 'number';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);

const SUMMARY_KEYS = [
  'n', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'meanMs', 'stdevMs', 'cv', 'minMs', 'maxMs', 'throughputPerSec',
] as const;

function isSummary(v: unknown): boolean {
  return isObject(v) && SUMMARY_KEYS.every((k) => isNum(v[k]));
}

function isFill(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (v.kind === 'constant') return ['number', 'boolean', 'string'].includes(typeof v.value);
  if (v.kind === 'random') return isNum(v.low) && isNum(v.high) && isNum(v.seed);
  return false;
}

function isInputPlan(v: unknown): boolean {
  return (
    isObject(v) &&
    isStr(v.name) &&
    isStr(v.type) &&
    isNumArray(v.shape) &&
    Array.isArray(v.declaredShape) &&
    v.declaredShape.every((d) => isNum(d) || isStr(d)) &&
    isFill(v.fill) &&
    Array.isArray(v.notes) &&
    v.notes.every(isStr)
  );
}

function isRunConfig(v: unknown): boolean {
  if (!isObject(v) || !isNum(v.iterations) || !isNum(v.warmup)) return false;
  const s = v.session;
  return (
    isObject(s) &&
    isNum(s.intraOpNumThreads) &&
    isNum(s.interOpNumThreads) &&
    isStr(s.graphOptimizationLevel) &&
    isStr(s.executionMode) &&
    Array.isArray(s.executionProviders) &&
    s.executionProviders.every(isStr) &&
    Array.isArray(v.inputs) &&
    v.inputs.every(isInputPlan)
  );
}

function isEnvironment(v: unknown): boolean {
  return (
    isObject(v) &&
    ['os', 'arch', 'cpu', 'node', 'onnxruntime', 'hostname'].every((k) => isStr(v[k])) &&
    isNum(v.cpuCores) &&
    isNum(v.totalMemoryBytes)
  );
}

/** Deep enough that the panel can render every field it reads without further checks. */
export function isBenchmarkResult(v: unknown): v is BenchmarkResult {
  if (!isObject(v) || v.schemaVersion !== RESULT_SCHEMA_VERSION) return false;
  const { target, coldStart, memory } = v;
  return (
    isObject(target) &&
    target.kind === 'onnx' &&
    isStr(target.path) &&
    isStr(target.name) &&
    isNum(target.sizeBytes) &&
    isRunConfig(v.config) &&
    (v.summary === null || isSummary(v.summary)) &&
    isStr(v.estimator) &&
    isObject(coldStart) &&
    isNum(coldStart.loadMs) &&
    (coldStart.firstMs === null || isNum(coldStart.firstMs)) &&
    (coldStart.ratio === null || isNum(coldStart.ratio)) &&
    isNumArray(v.warmupSamplesMs) &&
    isNumArray(v.samplesMs) &&
    isObject(memory) &&
    isNum(memory.peakRssBytes) &&
    isEnvironment(v.environment) &&
    typeof v.partial === 'boolean' &&
    (v.partialReason === undefined || isStr(v.partialReason)) &&
    isStr(v.startedAt) &&
    isStr(v.finishedAt)
  );
}

export function isHostToWebviewMessage(v: unknown): v is HostToWebviewMessage {
  return isObject(v) && v.type === 'snapshot' && isBenchmarkResult(v.result);
}

export function isWebviewToHostMessage(v: unknown): v is WebviewToHostMessage {
  return isObject(v) && v.type === 'ready';
}

export function isPanelState(v: unknown): v is PanelState {
  return isObject(v) && isBenchmarkResult(v.result);
}
