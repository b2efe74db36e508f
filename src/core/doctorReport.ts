// `latency doctor` and "Latency: Check Python Environment": whether an interpreter can run the
// Python-function target, what it has, and (when asked) whether torch can use CUDA, each problem
// with the fix the environment doctor (pythonDoctor.ts) found for it.

import type { ProfilerErrorKind } from './profilerProtocol';
import type { PythonEnvironment } from './result';

export interface DoctorProblem {
  kind: ProfilerErrorKind;
  message: string;
  hint?: string;
  details?: string;
}

export interface DoctorReport {
  /** As asked for (a setting, the Python extension's choice, `python3`). */
  interpreter: string;
  python: { ok: true; env: PythonEnvironment } | ({ ok: false } & DoctorProblem);
  /** Only when CUDA was asked about and the interpreter itself works. */
  cuda?: { ok: true; device: string; runtime: string | null; capability: string | null } | ({ ok: false } & DoctorProblem);
}

export function doctorPassed(r: DoctorReport): boolean {
  return r.python.ok && (r.cuda === undefined || r.cuda.ok);
}

/** Aligned lines, no trailing newline; `clean` escapes what came from the machine for the medium. */
export function renderDoctorReport(r: DoctorReport, clean: (s: string) => string = (s) => s): string {
  const row = (label: string, value: string) => `  ${label.padEnd(12)} ${value}`;
  const lines = [`Latency Python check: ${clean(r.interpreter)}`];
  const problem = (p: DoctorProblem) => [p.message, ...(p.hint ? [`fix: ${p.hint}`] : [])].map(clean).join('\n' + ' '.repeat(15));
  if (!r.python.ok) {
    lines.push(row('interpreter', `✗ ${problem(r.python)}`));
    return lines.join('\n');
  }
  const env = r.python.env;
  lines.push(row('interpreter', `✓ ${clean(env.executable)} (Python ${clean(env.version)})`));
  const packages = Object.entries(env.packages).map(([name, version]) => `${clean(name)} ${clean(version)}`);
  lines.push(row('packages', packages.length ? packages.join(', ') : 'none of numpy, torch, onnxruntime, jax, tensorflow, transformers'));
  lines.push(row('harness', '✓ the shipped harness runs in it'));
  if (r.cuda) {
    lines.push(row('CUDA', r.cuda.ok ? `✓ ${clean(r.cuda.device)} · CUDA ${clean(r.cuda.runtime ?? 'unknown')}${r.cuda.capability ? ` · sm ${clean(r.cuda.capability)}` : ''}` : `✗ ${problem(r.cuda)}`));
  }
  return lines.join('\n');
}
