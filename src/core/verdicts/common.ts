// What the verdict checks share: the run's data, the words for the fixes, and the formatting of
// evidence lines from readings the machine or the model supplied.

import { formatMs, formatPercent } from '../format';
import { formatCpuList } from '../procReadings';
import type { BenchmarkResult } from '../result';
import type { SystemSnapshot } from '../system';

export type RunData = Omit<BenchmarkResult, 'verdicts'>;

/** Providers that run the model on a GPU; a CPU-only run does not care about GPU clocks. */
const GPU_PROVIDERS = new Set(['cuda', 'tensorrt', 'rocm', 'migraphx', 'dml', 'webgpu']);

export const TUNE_COMMAND = "'Latency: Tune System…'";
export const TUNE_SYSTEM = `Run ${TUNE_COMMAND}`;

/** A GPU execution provider, or a Python function whose calls were synchronized with CUDA. */
export function usesGpu(r: RunData): boolean {
  if (r.target.kind === 'python') return r.target.cudaSynchronized;
  return r.config.session?.executionProviders.some((ep) => GPU_PROVIDERS.has(ep.toLowerCase())) ?? false;
}

export function noiseFloorLine(sys: SystemSnapshot): string {
  const nf = sys.noiseFloor!;
  return `noise floor: a fixed ${formatMs(nf.taskMs)} CPU task varied by CV ${formatPercent(nf.cv)} over ${nf.runs} runs`;
}

/**
 * The fix sentence from fixes joined by "; ". A last fix may begin "or accept…", an alternative
 * to the others; alone it is the only way forward, so its "or" goes.
 */
export function fixSentence(fixes: readonly string[]): string {
  return `${capitalize(fixes.length === 1 ? fixes[0]!.replace(/^or /, '') : fixes.join('; '))}.`;
}

export function isNum(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

export function mhz(x: number): string {
  return `${Math.round(x)} MHz`;
}

export function mhzBare(x: number): string {
  return `${Math.round(x)}`;
}

export function cpuList(cpus: readonly number[]): string {
  return formatCpuList(cpus.filter((c) => Number.isInteger(c) && c >= 0));
}

/** "a", "a and b", "a, b and c". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Text from the machine or the model (process names, governors, reasons) with control and
 * bidi characters replaced, so it cannot break a line or reorder the CLI's output, and cut
 * to a length that fits one evidence line.
 */
export function clean(text: string): string {
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return safe.length > 80 ? `${safe.slice(0, 79)}…` : safe;
}
