// Output agreement between a model and its optimised copy (quantised, pruned, re-exported), fed
// identical inputs. A faster model that answers differently is a failure, not a speed-up: these
// figures decide it. Pure: the profiler runs both sessions and hands the output tensors here.

/** One output tensor of both models, flattened row-major as onnxruntime returns it. */
export interface OutputPair {
  name: string;
  dims: readonly number[];
  candidateDims?: readonly number[];
  base: ArrayLike<number>;
  candidate: ArrayLike<number>;
}

export interface OutputAgreement {
  name: string;
  /** Largest |base − candidate| over all elements. */
  maxAbsError: number;
  /** ‖base − candidate‖₂ ÷ ‖base‖₂; null when the base output is all zeros (no scale to compare against). */
  relativeL2: number | null;
  /** Cosine of the angle between the two outputs as vectors; null when either is all zeros. */
  cosine: number | null;
  /** For classifier-shaped outputs ([batch, classes], classes > 1): share of rows whose arg-max agrees. */
  top1Agreement: number | null;
  /** What the pass/fail rests on: 1 − top-1 agreement for classifiers with enough rows, else the relative L2 error. */
  degradation: number | null;
  judgedBy: 'top-1' | 'relative L2';
  pass: boolean;
  /** Why it failed when the figures alone do not say (shape mismatch, NaN in one output only). */
  problem?: string;
}

export interface AccuracyReport {
  threshold: number;
  outputs: OutputAgreement[];
  pass: boolean;
}

/** "Under 1% degradation", as common optimisation guides put it; a setting. */
export const DEFAULT_ACCURACY_THRESHOLD = 0.01;

/**
 * Compares every output pair. An output passes when its degradation is at most `threshold`;
 * the report passes when every output does.
 *
 * @throws RangeError for a threshold that is not a finite number ≥ 0.
 */
export function compareOutputs(pairs: readonly OutputPair[], threshold = DEFAULT_ACCURACY_THRESHOLD): AccuracyReport {
  if (!(Number.isFinite(threshold) && threshold >= 0)) throw new RangeError(`compareOutputs: threshold must be a number ≥ 0, got ${threshold}`);
  const outputs = pairs.map((p) => compareOne(p, threshold));
  return { threshold, outputs, pass: outputs.length > 0 && outputs.every((o) => o.pass) };
}

function compareOne(p: OutputPair, threshold: number): OutputAgreement {
  const failed = (problem: string) => failedAgreement(p.name, problem);
  const candidateDims = p.candidateDims ?? p.dims;
  if (candidateDims.length !== p.dims.length || candidateDims.some((d, i) => d !== p.dims[i])) {
    return failed(`shape [${p.dims.join(', ')}] vs [${candidateDims.join(', ')}]`);
  }
  if (p.base.length !== p.candidate.length) return failed(`${p.base.length} vs ${p.candidate.length} elements`);

  let maxAbs = 0;
  let diff2 = 0;
  let base2 = 0;
  let cand2 = 0;
  let dot = 0;
  for (let i = 0; i < p.base.length; i++) {
    const a = p.base[i]!;
    const b = p.candidate[i]!;
    // A NaN or Infinity where the other model has a number is a different answer, not a rounding.
    if (Number.isFinite(a) !== Number.isFinite(b)) return failed(`element ${i}: ${a} vs ${b}`);
    if (!Number.isFinite(a)) continue;
    const d = a - b;
    maxAbs = Math.max(maxAbs, Math.abs(d));
    diff2 += d * d;
    base2 += a * a;
    cand2 += b * b;
    dot += a * b;
  }
  const relativeL2 = base2 > 0 ? Math.sqrt(diff2 / base2) : diff2 === 0 ? 0 : null;
  const cosine = base2 > 0 && cand2 > 0 ? Math.max(-1, Math.min(1, dot / Math.sqrt(base2 * cand2))) : null;
  const top1Agreement = classifierShaped(p.dims) ? top1(p.base, p.candidate, p.dims[p.dims.length - 1]!) : null;
  // One disagreement in k rows is a 1/k degradation, so top-1 can only show a change of size
  // `threshold` with at least 1/threshold rows; with fewer (batch 1, say) a badly broken model can
  // keep every arg-max, and the stricter relative L2 decides instead.
  const rows = top1Agreement === null ? 0 : Math.floor(p.base.length / p.dims[p.dims.length - 1]!);
  const byTop1 = top1Agreement !== null && threshold > 0 && rows >= Math.ceil(1 / threshold);
  const degradation = byTop1 ? 1 - top1Agreement : relativeL2;
  return {
    name: p.name,
    maxAbsError: maxAbs,
    relativeL2,
    cosine,
    top1Agreement,
    degradation,
    judgedBy: byTop1 ? 'top-1' : 'relative L2',
    pass: degradation !== null && degradation <= threshold,
    ...(degradation === null ? { problem: 'the base output is all zeros and the candidate is not, so no relative error exists' } : {}),
  };
}

/** An output that could not be compared at all: it fails, with the reason. */
export function failedAgreement(name: string, problem: string): OutputAgreement {
  return { name, maxAbsError: Number.NaN, relativeL2: null, cosine: null, top1Agreement: null, degradation: null, judgedBy: 'relative L2', pass: false, problem };
}

/**
 * [batch, classes] with more than one class: logits or probabilities, as ONNX classifiers
 * return them. A rank-1 output is more often a regression vector than one row of logits.
 */
function classifierShaped(dims: readonly number[]): boolean {
  return dims.length === 2 && dims[1]! > 1;
}

function top1(base: ArrayLike<number>, candidate: ArrayLike<number>, classes: number): number {
  const rows = Math.floor(base.length / classes);
  if (rows === 0) return 1;
  let agree = 0;
  for (let r = 0; r < rows; r++) if (argmax(base, r * classes, classes) === argmax(candidate, r * classes, classes)) agree++;
  return agree / rows;
}

function argmax(values: ArrayLike<number>, start: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[start + i]! > values[start + best]!) best = i;
  return best;
}
