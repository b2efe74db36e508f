// The run-condition advisors: what about this run, or the machine it ran on, may make its
// numbers wrong. Pure (bundled into the webview too): they read the result's own samples,
// pre-flight snapshot and telemetry, and never act; every fix is something the user does.
//
// Each check is silent when its condition is fine or its data is missing, except where not
// being able to verify is itself the finding (CPU clocks on a VM). Codes are documented in
// docs/verdicts.md; keep the two in step.

import { actionsFor } from './verdicts/actions';
import { LOAD_CHECKS } from './verdicts/load';
import { backgroundLoad, cpuClocks, gpuClocks, throttling } from './verdicts/machine';
import { coldStart, cvAboveTarget, partialRun, tooFewSamples, warmupTooShort } from './verdicts/sampling';
import { autocorrelated, bimodal, drift, outliers } from './verdicts/stability';
import type { RunData } from './verdicts/common';
import type { Verdict, VerdictSeverity } from './verdict';

const SEVERITY_RANK: Record<VerdictSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Every check, in code order, which the severity sort keeps within a severity. */
const CHECKS: ReadonlyArray<(r: RunData) => Verdict[]> = [
  coldStart,
  tooFewSamples,
  cpuClocks,
  gpuClocks,
  backgroundLoad,
  cvAboveTarget,
  warmupTooShort,
  drift,
  throttling,
  bimodal,
  autocorrelated,
  outliers,
  partialRun,
  ...LOAD_CHECKS,
];

/**
 * The run-condition verdicts for a finished (or partial) run: errors first, then warnings,
 * then info, each group in code order. Conditions that are fine produce nothing; a check whose
 * data is missing (no summary, no steady-state or instability analysis, no pre-flight
 * readings) is skipped, except RUN003, which says the CPU clocks cannot be verified.
 *
 * Never throws on odd data: a verdict that cannot be worked out is left out.
 */
export function computeVerdicts(result: RunData): Verdict[] {
  const all = CHECKS.flatMap((check) => check(result));
  // An endpoint's cold start (LOAD003) says what RUN001's info variant says, in a server's terms.
  const serverCold = all.some((v) => v.code === 'LOAD003');
  const verdicts = all.filter((v) => !(serverCold && v.code === 'RUN001' && v.severity === 'info')).map((v) => {
    const actions = actionsFor(v, result);
    return actions.length ? { ...v, actions } : v;
  });
  // Array.prototype.sort is stable, so code order survives within a severity.
  return verdicts.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}
