// `--repeat N`: the same benchmark done N times in one process, each time on a fresh session
// (load, cold start, warm-up, measured runs), combined by core/repeats.ts. The single run is
// passed in, so this file knows the order of things and nothing about onnxruntime.

import { combineRepeats } from '../core/repeats';
import type { BenchmarkResult } from '../core/result';
import type { BenchmarkEvents } from './onnxBenchmark';

/**
 * Runs `runOnce` up to `count` times and combines the repeats that completed. A run header and
 * a cold start are reported once, from the first repeat, as the combined result carries them;
 * progress comes from every repeat. Cancelled in the first repeat, that repeat's own partial
 * result is returned; later, the repeats done are kept and the one cut short is left out
 * (combineRepeats says why).
 */
export async function runRepeated(
  count: number,
  runOnce: (events: BenchmarkEvents) => Promise<BenchmarkResult>,
  events: BenchmarkEvents,
): Promise<BenchmarkResult> {
  const done: BenchmarkResult[] = [];
  const later: BenchmarkEvents = { ...events, onStarted: undefined, onColdStart: undefined };
  let cutShort = false;
  let cutShortReason: string | undefined;
  for (let i = 0; i < count; i++) {
    if (i > 0 && events.isCancelled()) break;
    events.onRepeat?.(i + 1, count);
    const result = await runOnce(i === 0 ? events : later);
    if (result.partial) {
      if (i === 0) return { ...result, partialReason: `${result.partialReason ?? 'stopped early'} (repeat 1 of ${count})` };
      cutShort = true;
      cutShortReason = result.partialReason;
      break;
    }
    done.push(result);
    events.log?.('info', `repeat ${i + 1} of ${count}: p50 ${result.summary?.p50Ms.toFixed(3)} ms over ${result.samplesMs.length} runs`);
  }
  return combineRepeats(done, { planned: count, cutShort, ...(cutShortReason !== undefined ? { cutShortReason } : {}) });
}
