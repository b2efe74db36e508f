// The verification checklist: after an optimisation, is the candidate really better — faster by
// what was expected, as accurate, stable, reproducible, within its memory budget? Each item is
// decided from measured data only; where the data to decide it is missing the item says
// "unknown" and what would settle it, never a guess.

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export type CheckId =
  | 'latencyTarget'
  | 'cvTarget'
  | 'accuracy'
  | 'noErrors'
  | 'reproducible'
  | 'allPercentiles'
  | 'throughput'
  | 'memory';

export interface CheckItem {
  id: CheckId;
  /** The question, e.g. "Latency reduced by at least 20%". */
  title: string;
  status: CheckStatus;
  /** The figures it was decided on, or (for unknown) what data would decide it. */
  evidence: string;
}

export interface Checklist {
  /** Every CheckId once, in the order above. */
  items: CheckItem[];
  /** fail when any item fails; incomplete when none fails but some are unknown; else pass. */
  verdict: 'pass' | 'fail' | 'incomplete';
}
