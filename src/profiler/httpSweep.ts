// A closed-loop concurrency sweep of one endpoint: a complete session (fresh connections, cold
// start, warm-up, measured requests; httpBenchmark.ts) at each level in turn, then the curve
// analysed (core/sweep.ts: knee, best level under a p99 budget).
//
// - Counts per level: the configured iterations and warm-up, raised to 20 measured and 2 warm-up
//   requests per request in flight (levelCounts), so every worker of a high level sends many
//   requests and the level's tail is not a handful of samples. The CLI's default for a sweep is
//   200 after 20 (target.ts SWEEP_DEFAULT_COUNTS): 1…64 measures about 3,000 requests.
// - The result's own summary, samples, warm-up, outliers and verdict inputs are those of ONE
//   level, the one `sweep.reported` names: the best under the p99 budget, else the knee, else
//   the last level measured. `sweep.points` holds every level. target.concurrency is that level.
// - coldStart is the first request of the whole sweep (level one, a cold server), its ratio
//   against level one's p50 (no queueing there). Telemetry of every level is kept, in order.
// - Progress is each level's own (its counts), marked with the level (`level`: i of n, its
//   concurrency); a log line names the level too. Cancel keeps the
//   levels completed (the one cut short is left out of the points unless it measured something,
//   and then marked partial) and the result is partial. A level after the first where every
//   request failed (the server fell over) ends the sweep the same way, the error logged;
//   nothing measured at the first level is the usual 'httpFailed' error.

import type { ProgressParams } from '../core/profilerProtocol';
import type { BenchmarkResult } from '../core/result';
import { analyzeSweep, checkSweepLevels, levelCounts, pointOf, type SweepPoint } from '../core/sweep';
import { computeVerdicts } from '../core/verdicts';
import { BenchmarkError } from './benchmarkError';
import { prepareHttpRun, runHttpSession, type HttpBenchmarkOptions } from './httpBenchmark';
import type { BenchmarkEvents } from './onnxBenchmark';

export async function runHttpSweep(opts: HttpBenchmarkOptions, events: BenchmarkEvents): Promise<BenchmarkResult> {
  const levels = opts.spec.sweep;
  if (!levels) throw new RangeError('runHttpSweep: the spec names no sweep levels');
  checkSweepLevels(levels);
  if ((opts.repeat ?? 1) !== 1) throw new RangeError('runHttpSweep: a sweep is not repeated (each level is already a complete session)');
  const log = events.log ?? (() => undefined);
  const ctx = await prepareHttpRun(opts, events);
  const done: Array<{ concurrency: number; result: BenchmarkResult }> = [];
  let stoppedWhy: string | undefined;
  /** The level cut short, kept to be returned when it is all there is. */
  let cutShort: BenchmarkResult | undefined;

  for (let i = 0; i < levels.length; i++) {
    const c = levels[i]!;
    // The first level runs even when cancelled already: its session returns the empty partial result.
    if (i > 0 && events.isCancelled()) {
      stoppedWhy = 'cancelled';
      break;
    }
    const counts = levelCounts(c, opts.config.iterations, opts.config.warmup);
    log('info', `sweep level ${i + 1} of ${levels.length}: ${c} in flight, ${counts.warmup} warm-up and ${counts.iterations} measured requests`);
    const level = { index: i + 1, of: levels.length, concurrency: c };
    const onProgress = events.onProgress && ((p: ProgressParams) => events.onProgress!({ ...p, level }));
    const levelEvents: BenchmarkEvents = i === 0 ? { ...events, onProgress } : { ...events, onProgress, onStarted: undefined, onColdStart: undefined };
    let result: BenchmarkResult;
    try {
      result = await runHttpSession({ ...ctx, request: { ...ctx.request, concurrency: c }, config: { ...opts.config, ...counts } }, levelEvents);
    } catch (err) {
      if (i === 0 || !(err instanceof BenchmarkError)) throw err;
      log('error', `sweep level ${c}: ${err.message}; the sweep stops with the ${done.length} levels done`);
      stoppedWhy = `level ${c} failed (${err.message})`;
      break;
    }
    if (result.partial) {
      if (result.summary) done.push({ concurrency: c, result });
      cutShort = result;
      stoppedWhy = result.partialReason?.startsWith('cancelled') ? 'cancelled' : (result.partialReason ?? 'stopped early');
      break;
    }
    done.push({ concurrency: c, result });
    const s = result.summary;
    if (s) log('info', `sweep level ${c}: ${s.throughputPerSec.toFixed(1)} req/s, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms`);
  }

  // Cut short before the first level measured anything: that level's own (empty, partial) result.
  if (done.length === 0) return { ...cutShort!, sweep: analyzeSweep(levels, []) };
  const points: SweepPoint[] = done.filter((d) => d.result.summary).map((d) => pointOf(d.concurrency, d.result.summary!, d.result.errors ?? { count: 0, attempted: 0 }, d.result.partial));
  const sweep = analyzeSweep(levels, points, opts.spec.p99BudgetMs);
  const main = done.find((d) => d.concurrency === sweep.reported.concurrency) ?? done[done.length - 1]!;
  const first = done[0]!.result;
  const firstMs = first.coldStart.firstMs;
  const firstP50 = first.summary?.p50Ms;
  const { verdicts: _, ...base } = main.result;
  const analysed: Omit<BenchmarkResult, 'verdicts'> = {
    ...base,
    coldStart: { ...base.coldStart, firstMs, ratio: firstMs !== null && firstP50 ? firstMs / firstP50 : null },
    telemetry: done.flatMap((d) => d.result.telemetry),
    memory: { peakRssBytes: Math.max(...done.map((d) => d.result.memory.peakRssBytes)) },
    startedAt: first.startedAt,
    sweep,
  };
  if (stoppedWhy !== undefined) {
    analysed.partial = true;
    analysed.partialReason = `${stoppedWhy} after ${points.filter((p) => !p.partial).length} of ${levels.length} sweep levels`;
    if (stoppedWhy === 'cancelled') analysed.stopping = { ...analysed.stopping, reason: 'cancelled' };
  }
  log('info', `sweep: knee ${sweep.knee.concurrency ?? 'none'} (${sweep.knee.reason}); figures of ${sweep.reported.concurrency} in flight (${sweep.reported.why})`);
  return { ...analysed, verdicts: computeVerdicts(analysed) };
}
