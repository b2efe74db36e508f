// The words and tables of an HTTP load result, shared by the terminal report, the Markdown
// export and the panel: a sweep's table (knee and best marked) and its notes, and the facts of
// an open loop. Pure; the callers escape for their medium.

import { formatMs, formatPercent, formatRate } from './format';
import type { OpenLoopReport } from './openLoop';
import type { SweepReport } from './sweep';

export interface SweepTable {
  header: string[];
  rows: string[][];
  /** Which side each column is aligned to. */
  align: Array<'left' | 'right'>;
}

/** One row per level: concurrency (knee and best marked), p50, p95, p99, req/s, errors. */
export function sweepTable(sweep: SweepReport): SweepTable {
  const rows = sweep.points.map((p) => {
    const marks = [
      p.concurrency === sweep.knee.concurrency ? 'knee' : '',
      p.concurrency === sweep.best.concurrency ? 'best' : '',
      p.concurrency === sweep.reported.concurrency ? 'reported' : '',
      p.partial ? 'partial' : '',
    ].filter(Boolean);
    const errors = p.errors.count > 0 ? `${p.errors.count} of ${p.errors.attempted} (${formatPercent(p.errors.count / p.errors.attempted)})` : '0';
    return [`${p.concurrency}${marks.length ? ` (${marks.join(', ')})` : ''}`, formatMs(p.p50Ms), formatMs(p.p95Ms), formatMs(p.p99Ms), formatRate(p.throughputPerSec), errors];
  });
  return { header: ['in flight', 'p50', 'p95', 'p99', 'throughput', 'errors'], rows, align: ['left', 'right', 'right', 'right', 'right', 'right'] };
}

/** The lines under the table: knee, best under budget, and which level the main figures are. */
export function sweepNotes(sweep: SweepReport): string[] {
  const notes = [
    sweep.knee.concurrency !== null ? `knee: ${sweep.knee.concurrency} in flight — ${sweep.knee.reason}` : `knee: none — ${sweep.knee.reason}`,
    `knee method: ${sweep.kneeMethod}`,
  ];
  if (sweep.p99BudgetMs !== undefined) {
    notes.push(sweep.best.concurrency !== null ? `best under p99 ≤ ${formatMs(sweep.p99BudgetMs)}: ${sweep.best.concurrency} in flight — ${sweep.best.reason}` : `best under p99 ≤ ${formatMs(sweep.p99BudgetMs)}: none — ${sweep.best.reason}`);
  }
  const why = sweep.reported.why === 'best' ? 'the best under the budget' : sweep.reported.why === 'knee' ? 'the knee' : 'the last level measured';
  notes.push(`the figures above are those of ${sweep.reported.concurrency} in flight (${why})`);
  if (sweep.points.length < sweep.levels.length) notes.push(`${sweep.points.length} of ${sweep.levels.length} levels measured (${sweep.levels.join(', ')} asked)`);
  return notes;
}

/** Label/value pairs for an open loop: rate asked and sent, send lag, in flight, kept or not. */
export function openLoopFacts(o: OpenLoopReport): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['open loop', `${formatRate(o.targetRatePerSec)} ${o.arrival} arrivals${o.seed !== undefined ? ` (seed ${o.seed})` : ''}; latency from each request's intended send time`],
    ['rate sent', `${formatRate(o.achievedRatePerSec)} (${o.sent} of ${o.scheduled} requests sent)`],
    ['send lag', `p50 ${formatMs(o.lagMs.p50)}, p99 ${formatMs(o.lagMs.p99)}, max ${formatMs(o.lagMs.max)}`],
    ['in flight', `at most ${o.maxInFlight} (cap ${o.inFlightCap}${o.capHits ? `, reached ${o.capHits} times` : ''})`],
    ['rate kept', o.kept ? 'yes' : `no — ${(o.notKept ?? []).join('; ')}`],
  ];
  return facts;
}
