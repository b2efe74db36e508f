// User-facing wording for run progress and outcomes, shared by the extension and tests.

import { formatMs } from './format';
import type { BenchmarkResult, TargetKind } from './result';

export interface ProgressView {
  phase: 'loading' | 'cold' | 'warmup' | 'measure';
  done: number;
  total: number;
  runningP50Ms?: number;
  /** Which of several repeats of the benchmark this progress belongs to (1-based), when repeating. */
  repeat?: { index: number; of: number };
  /** A concurrency sweep's level (1-based): `done` and `total` are that level's. */
  level?: { index: number; of: number; concurrency: number };
}

/**
 * In adaptive mode the measured total is only a cap, so the message counts runs without one
 * (e.g. "1234 runs · p50 2.10 ms (adaptive)") and the bar follows the cap.
 */
export function progressMessage(p: ProgressView, adaptive = false, kind: TargetKind = 'onnx'): string {
  const text = phaseMessage(p, adaptive, kind);
  if (p.level) return `level ${p.level.index}/${p.level.of} (${p.level.concurrency} in flight) · ${text}`;
  return p.repeat && p.repeat.of > 1 ? `repeat ${p.repeat.index}/${p.repeat.of} · ${text}` : text;
}

const LOADING: Record<TargetKind, string> = { onnx: 'loading the model…', python: 'importing and setting up…', command: 'measuring the shell start-up…', http: 'connecting…' };
const COLD: Record<TargetKind, string> = { onnx: 'first inference (cold start)…', python: 'first call (cold start)…', command: 'first run (cold start)…', http: 'first request (cold start)…' };

function phaseMessage(p: ProgressView, adaptive: boolean, kind: TargetKind): string {
  if (adaptive && p.phase === 'measure') return `${p.done} runs${p.runningP50Ms !== undefined ? ` · p50 ${formatMs(p.runningP50Ms)}` : ''} (adaptive)`;
  switch (p.phase) {
    case 'loading':
      return LOADING[kind];
    case 'cold':
      return COLD[kind];
    case 'warmup':
      return `warm-up ${p.done}/${p.total}`;
    case 'measure':
      return `${p.done}/${p.total} runs${p.runningP50Ms !== undefined ? ` · p50 ${formatMs(p.runningP50Ms)}` : ''}`;
  }
}

/**
 * Fraction of all inferences (warm-up + measured, over every repeat) done; the first inference
 * of each repeat counts as loading.
 */
export function progressFraction(p: ProgressView, warmup: number, iterations: number): number {
  if (p.level) {
    // A level's own counts; its warm-up taken as the first tenth of it (levels raise both counts alike).
    const within = p.total <= 0 ? 1 : p.phase === 'warmup' ? (0.1 * p.done) / p.total : p.phase === 'measure' ? 0.1 + (0.9 * p.done) / p.total : 0;
    return (p.level.index - 1 + Math.min(1, within)) / p.level.of;
  }
  const total = warmup + iterations;
  let within = 0;
  if (total === 0) within = 1;
  else if (p.phase === 'warmup') within = p.done / total;
  else if (p.phase === 'measure') within = (warmup + p.done) / total;
  if (!p.repeat || p.repeat.of <= 1) return within;
  return (p.repeat.index - 1 + within) / p.repeat.of;
}

export function statusText(result: BenchmarkResult): string {
  if (!result.summary) return '$(pulse) no runs';
  return `$(pulse) p50 ${formatMs(result.summary.p50Ms)}${result.partial ? ' (partial)' : ''}`;
}

/** "RUN003 warning, RUN006 warning", or "none": logged with every result, read back by the browser E2E. */
export function verdictLine(result: BenchmarkResult): string {
  return result.verdicts.length ? result.verdicts.map((v) => `${v.code} ${v.severity}`).join(', ') : 'none';
}

export function resultHeadline(result: BenchmarkResult): string {
  const s = result.summary;
  if (!s) return `${result.target.name}: no measured run completed`;
  return `${result.target.name}: p50 ${formatMs(s.p50Ms)}, p99 ${formatMs(s.p99Ms)} over ${s.n} runs${result.partial ? ' (partial)' : ''}`;
}
