// Locust's per-request records turned into a BenchmarkResult, so a distributed run gets the same
// statistics, panel, comparisons and history as the profiler's own client.
//
// - samplesMs: the successful requests' Locust response times, in completion order. They are
//   Locust's timings (its own clock on each worker), not the profiler client's; the target's
//   `engine` says so.
// - No cold start: all users start at once on fresh connections, so no one request is "the
//   first"; coldStart.firstMs is null and those first requests are among the samples, as in
//   Locust's own figures. No warm-up either (Locust has none).
// - errors: every failed request, counted apart by kind (ErrorTally, as for the own client).
// - throughput: successful requests per second over the wall time the records span (first
//   start to last completion).
// - The run is partial when it was cancelled, or the end line is missing or says some worker's
//   records did not all arrive.

import { DEFAULT_CONFIG, mergeConfig, recordedRunConfig, type BenchmarkConfig } from '../core/config';
import type { LocustRecords } from '../core/locustRecords';
import { recordsWallMs } from '../core/locustRecords';
import type { BenchmarkResult, Environment, HttpTarget, LoadEngine } from '../core/result';
import { ResultAssembler } from '../core/resultAssembler';
import type { SystemSnapshot } from '../core/system';
import { computeVerdicts } from '../core/verdicts';
import { BenchmarkError } from './benchmarkError';
import { ErrorTally } from './httpClient';

export interface LocustImportContext {
  environment: Environment;
  system: SystemSnapshot | null;
  /** What the runner knows better than the file (workers started, run time asked); the file fills the rest. */
  engine?: Partial<LoadEngine>;
  /** The counts and stopping of the config the run was asked with, if any. */
  config?: BenchmarkConfig;
  cancelled?: boolean;
  /** The master's exit status, when the profiler ran it. */
  exitCode?: number | null;
  /** Where the records came from, for messages. */
  source: string;
}

export function resultFromLocustRecords(parsed: LocustRecords, ctx: LocustImportContext): BenchmarkResult {
  const { start, records, end } = parsed;
  if (!start) {
    throw new BenchmarkError(`${ctx.source} is not a Latency Locust records file: it has no start line`, {
      kind: 'commandFailed',
      hint: 'Run Locust with a locustfile written by `latency locust export`; its master writes the records (--latency-records FILE).',
    });
  }
  if (!records.length) {
    throw new BenchmarkError(`Locust recorded no request (${ctx.source})`, {
      kind: 'commandFailed',
      hint: 'The run ended before any user sent a request: give it a longer run time, or check that the workers connected to the master.',
    });
  }
  const tally = new ErrorTally();
  const samples: number[] = [];
  for (const r of records) {
    tally.attempted++;
    if (r.ok) samples.push(r.ms);
    else tally.add({ ok: false, kind: r.kind ?? 'other', message: r.error ?? 'failed', ...(r.status ? { status: r.status } : {}) });
  }
  const engine: LoadEngine = {
    name: 'locust',
    ...(start.locust ? { version: start.locust } : {}),
    workers: ctx.engine?.workers ?? end?.workers ?? 0,
    users: ctx.engine?.users ?? start.users,
    ...(start.ratePerUser !== null ? { ratePerSecond: start.ratePerUser * (ctx.engine?.users ?? start.users) } : {}),
    ...(ctx.engine?.runTimeSeconds !== undefined ? { runTimeSeconds: ctx.engine.runTimeSeconds } : {}),
    ...(end && end.thresholds.length ? { thresholds: end.thresholds } : {}),
    ...(ctx.exitCode !== undefined ? { exitCode: ctx.exitCode } : {}),
  };
  const target: HttpTarget = {
    kind: 'http',
    path: start.url,
    name: `${start.method} ${start.url}`,
    url: start.url,
    method: start.method,
    concurrency: engine.users,
    ...(start.expectedStatus ? { expectedStatus: start.expectedStatus } : {}),
    timeoutMs: start.timeoutS * 1000,
    engine,
  };
  // The counts the run really did: every request is one "iteration", none was warm-up.
  const config = mergeConfig(ctx.config ?? DEFAULT_CONFIG, { iterations: records.length, warmup: 0, stopping: { mode: 'fixed' } });
  const assembler = new ResultAssembler();
  assembler.start({
    target,
    config: recordedRunConfig(config, { inputs: [] }),
    environment: ctx.environment,
    startedAt: new Date(start.t * 1000).toISOString(),
    loadMs: 0,
    system: ctx.system,
  });
  assembler.addMeasured(samples, recordsWallMs(records));
  const incomplete = !end ? 'the records end without an end line (Locust was killed, or the file was cut)' : !end.complete ? `only ${end.answered} of ${end.workers} workers handed over all their records` : undefined;
  const partialReason = ctx.cancelled ? 'cancelled' : incomplete;
  const result = assembler.finish({
    stopReason: ctx.cancelled ? 'cancelled' : 'maxSeconds',
    ...(partialReason !== undefined ? { partialReason } : {}),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    finishedAt: new Date((end?.t ?? (records[records.length - 1]!.t + records[records.length - 1]!.ms / 1000)) * 1000).toISOString(),
  }) as BenchmarkResult;
  result.errors = tally.toErrors();
  // Failed requests are iterations without a sample: a run that lost none is complete, which the
  // assembler (counting samples) cannot tell.
  if (partialReason === undefined) {
    result.partial = false;
    delete result.partialReason;
  }
  const { verdicts: _, ...analysed } = result;
  result.verdicts = computeVerdicts(analysed);
  return result;
}

/** The SLOs Locust judged failed, as lines for a log or a terminal. */
export function failedThresholds(result: BenchmarkResult): string[] {
  const engine = result.target.kind === 'http' ? result.target.engine : undefined;
  return (engine?.thresholds ?? [])
    .filter((t) => !t.passed)
    .map((t) =>
      t.metric === 'p99'
        ? `p99 ${t.value === null ? 'n/a (no successful request)' : `${t.value.toFixed(3)} ms`} is over the budget of ${t.limit} ms`
        : `error rate ${t.value === null ? 'n/a' : `${(t.value * 100).toFixed(2)}%`} is over the threshold of ${(t.limit * 100).toFixed(2)}%`,
    );
}
