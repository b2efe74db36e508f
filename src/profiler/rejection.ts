// When the model rejects the synthesized inputs, name the input to blame. onnxruntime names it
// for shape and type errors; for value errors (an id past the end of an embedding) it names
// a graph node instead, so we find the input by substituting the safest value, one input at a time.

import type * as Ort from 'onnxruntime-node';
import { generateData } from '../core/inputSynthesis';
import type { InputPlan } from '../core/result';
import { BenchmarkError } from './benchmarkError';

const MAX_PROBES = 16;

export async function explainRejection(
  ort: typeof Ort,
  session: Ort.InferenceSession,
  plans: readonly InputPlan[],
  feeds: Record<string, Ort.Tensor>,
  err: unknown,
): Promise<BenchmarkError> {
  const ortMessage = (err instanceof Error ? err.message : String(err)).trim();
  const blamed = nameInMessage(ortMessage, plans) ?? (await probeByZeroing(ort, session, plans, feeds));
  const plan = plans.find((p) => p.name === blamed);
  if (!plan) {
    const what = plans.some((p) => p.fill.kind === 'file') ? 'the inputs' : 'the synthesized inputs';
    return new BenchmarkError(`The model rejected ${what}: ${ortMessage}`, {
      kind: 'inputRejected',
      ortMessage,
      hint: `Inputs fed: ${plans.map(describePlan).join('; ')}. Set shapes or values in .vscode/latency.json (inputs.overrides).`,
    });
  }
  return new BenchmarkError(`The model rejected input "${plan.name}" (${describePlan(plan)}): ${ortMessage}`, {
    kind: 'inputRejected',
    inputName: plan.name,
    inputShape: plan.shape,
    ortMessage,
    hint:
      plan.fill.kind === 'file'
        ? `"${plan.name}" was read from ${plan.fill.path}: save that tensor with the shape and element type the model expects, or point inputs.overrides.${plan.name}.file (--input ${plan.name}=FILE) at another file.`
        : `Set a shape, value or range for "${plan.name}" in .vscode/latency.json under inputs.overrides.`,
  });
}

export function describePlan(p: InputPlan): string {
  const fill = p.fill.kind === 'constant' ? `all ${JSON.stringify(p.fill.value)}` : p.fill.kind === 'file' ? `read from ${p.fill.path}` : `values in [${p.fill.low}, ${p.fill.high})`;
  return `${p.name}: ${p.type}[${p.shape.join(', ')}], ${fill}`;
}

/** The longest input name that appears in the message as a whole token. */
export function nameInMessage(message: string, plans: readonly InputPlan[]): string | undefined {
  const hits = plans
    .map((p) => p.name)
    .filter((name) => name !== '' && new RegExp(`(^|[^\\w.:/])${escapeRegExp(name)}($|[^\\w./])`).test(message));
  return hits.sort((a, b) => b.length - a.length)[0];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function probeByZeroing(
  ort: typeof Ort,
  session: Ort.InferenceSession,
  plans: readonly InputPlan[],
  feeds: Record<string, Ort.Tensor>,
): Promise<string | undefined> {
  const candidates = plans.filter((p) => p.type !== 'string' && !(p.fill.kind === 'constant' && p.fill.value === 0));
  for (const plan of candidates.slice(0, MAX_PROBES)) {
    const zero: InputPlan = { ...plan, fill: { kind: 'constant', value: plan.type === 'bool' ? false : 0 } };
    const probe = { ...feeds, [plan.name]: new ort.Tensor(plan.type, generateData(zero) as never, plan.shape) };
    try {
      await session.run(probe);
      return plan.name;
    } catch {
      // still rejected: this input is not (alone) the cause
    }
  }
  return undefined;
}
