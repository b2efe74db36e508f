// A run-condition finding: what about this run (or the machine it ran on) may make its numbers
// wrong, how sure we are, and what to do. Shown in the panel and the CLI, stored in the JSON.

export type VerdictSeverity = 'error' | 'warning' | 'info';

/**
 * A step the panel can offer as a button beside the fix. Only these two kinds exist, and the
 * host checks each one before acting: a result file is data, and must not be able to run an
 * arbitrary command by naming it.
 */
export type VerdictAction =
  | { kind: 'tuneSystem'; label: string }
  /** Opens the Settings editor at one latency.* setting. */
  | { kind: 'openSetting'; label: string; setting: string };

/** latency.* setting ids only, e.g. "latency.warmup", "latency.session.intraOpNumThreads". */
export const SETTING_ID = /^latency(\.[A-Za-z][A-Za-z0-9]*)+$/;

export interface Verdict {
  /** Stable code, e.g. "RUN003"; documented in docs/verdicts.md. */
  code: string;
  severity: VerdictSeverity;
  /** A few words, e.g. "Warm-up too short". */
  title: string;
  /** One or two sentences in plain words: what is wrong and why it matters for these numbers. */
  message: string;
  /** The measured facts the verdict rests on, one per line, e.g. "steady state at run 212 of the timeline; warm-up was 50". */
  evidence: string[];
  /** What to change; a setting, a command to run, or "Latency: Tune System…". */
  fix: string;
  /** Buttons for the fix, where one click can take the user there. */
  actions?: VerdictAction[];
}
