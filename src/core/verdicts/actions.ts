// The buttons offered beside a verdict's fix: where one click can take the user to the setting
// the fix names, or to "Latency: Tune System…". They follow the same conditions as the fix text
// (a machine without cpufreq and without a GPU in use has nothing to tune), so no button offers
// what the words do not.

import type { Verdict, VerdictAction } from '../verdict';
import { usesGpu, type RunData } from './common';

const TUNE: VerdictAction = { kind: 'tuneSystem', label: 'Tune System…' };

function setting(id: string): VerdictAction {
  return { kind: 'openSetting', label: `Open ${id}`, setting: id };
}

export function actionsFor(v: Verdict, r: RunData): VerdictAction[] {
  const sys = r.system;
  const tunable = sys !== null && (sys.cpu.cpufreq || (usesGpu(r) && sys.gpu.status === 'present'));
  const pinned = (r.config.cpuAffinity?.length ?? 0) > 0;
  switch (v.code) {
    case 'RUN001':
    case 'RUN007':
      return v.severity === 'info' ? [] : [setting('latency.warmup')];
    case 'RUN002':
      return [setting('latency.iterations')];
    case 'RUN003':
      return [...(tunable ? [TUNE] : []), ...(pinned ? [] : [setting('latency.cpuAffinity')])];
    case 'RUN004':
    case 'RUN009':
      return [TUNE];
    case 'RUN005':
      return pinned ? [] : [setting('latency.cpuAffinity')];
    case 'RUN006':
      return [
        ...(!usesGpu(r) && r.config.session && r.config.session.intraOpNumThreads !== 1 ? [setting('latency.session.intraOpNumThreads')] : []),
        ...(pinned ? [] : [setting('latency.cpuAffinity')]),
        ...(tunable ? [TUNE] : []),
        setting('latency.cvTarget'),
      ];
    case 'RUN008':
    case 'RUN011':
      return tunable ? [TUNE] : [];
    case 'RUN013':
      return r.config.stopping.mode === 'adaptive' && (r.stopping.reason === 'maxSeconds' || r.stopping.reason === 'maxIterations')
        ? [setting(r.stopping.reason === 'maxSeconds' ? 'latency.stopping.maxSeconds' : 'latency.stopping.maxIterations'), setting('latency.stopping.relativeHalfWidth')]
        : [];
    default:
      return [];
  }
}
