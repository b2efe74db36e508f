// Runs the checks behind `latency doctor` with the shipped harness: the interpreter first (its
// version and packages), then, when asked, torch's view of CUDA. A failed check is part of the
// report, never a thrown error, so every check that can run does.

import type { DoctorProblem, DoctorReport } from '../core/doctorReport';
import { BenchmarkError } from './benchmarkError';
import { probePython } from './pythonBenchmark';

/** `cuda`: 'auto' asks torch about CUDA only when torch is installed. */
export async function runDoctor(interpreter: string, cuda: boolean | 'auto'): Promise<DoctorReport> {
  let env;
  try {
    env = await probePython(interpreter);
  } catch (err) {
    return { interpreter, python: { ok: false, ...problemOf(err) } };
  }
  const report: DoctorReport = { interpreter, python: { ok: true, env } };
  if (cuda === true || (cuda === 'auto' && env.packages.torch !== undefined)) {
    try {
      const withCuda = await probePython(interpreter, { cuda: true });
      const c = withCuda.cuda;
      report.cuda = c ? { ok: true, device: c.device, runtime: c.runtime, capability: c.capability } : { ok: false, kind: 'cudaMismatch', message: 'torch reported no CUDA device' };
    } catch (err) {
      report.cuda = { ok: false, ...problemOf(err) };
    }
  }
  return report;
}

function problemOf(err: unknown): DoctorProblem {
  if (err instanceof BenchmarkError) {
    return { kind: err.data.kind, message: err.message, ...(err.data.hint ? { hint: err.data.hint } : {}), ...(err.data.details ? { details: err.data.details } : {}) };
  }
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err) };
}
