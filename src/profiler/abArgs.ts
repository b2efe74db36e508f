// Arguments of `latency ab`. Pure apart from util.parseArgs, so it is unit-tested directly. The
// session, input and pinning flags are bench's own (cliArgs.ts), so both commands read them alike.

import { DEFAULT_ACCURACY_THRESHOLD } from '../core/accuracy';
import { DEFAULT_GATE_METRICS } from '../core/compare';
import { MIN_REPEATS } from '../core/checklist';
import type { ConfigLayer } from '../core/config';
import { RUN_OPTIONS, SESSION_OPTIONS, fraction, int, runLayer, sessionLayer } from './cliArgs';
import { UsageError, parseCommandLine } from './usageError';

export const AB_USAGE = `Usage:
  latency ab <base.onnx> <candidate.onnx> [options]
  latency ab <model.onnx> [<candidate.onnx>] --candidate-threads 4 [other --candidate-* options]

Loads both models in one process and runs them alternately (A B B A, repeated), so clock, heat
and background load drift hit both alike; reports each model's cold start and latency, the
change from base to candidate (p50, p95, p99, p99.9, mean as candidate ÷ base with 95% bootstrap
intervals), and whether the candidate's outputs agree with the base's on the same inputs (max
abs error, relative L2, cosine, top-1 for [batch, classes] outputs). A faster candidate that
answers differently is a failure. Inputs are planned from the base model; the candidate must
take the same input names and types.

Options:
  -n, --iterations N            measured runs of each model (default 1000)
  -w, --warmup N                warm-up runs of each model (default 50)
      --shape NAME=DIMS         input shape, e.g. --shape input=1x3x224x224 (repeatable)
      --value NAME=V            fill an input with a constant (repeatable)
      --range NAME=LO:HI        generated values in [LO, HI)
      --dim SYMBOL=N            size of a symbolic dimension, e.g. --dim sequence=128
      --default-dim N           size of other symbolic dimensions (default 32)
      --input NAME=FILE         feed an input from a .npy or JSON tensor file, to both models
                                (repeatable; no --value/--range for that input)
      --inputs FILE             a JSON tensor file of several inputs, {"name": nested lists, ...}
                                (repeatable; paths relative to the current directory)
  -t, --threads N               onnxruntime intra-op threads, both sessions (0 = onnxruntime decides)
      --inter-threads N, --opt-level L, --execution-mode M, --ep LIST   as for latency bench
      --candidate-threads N, --candidate-inter-threads N, --candidate-opt-level L,
      --candidate-execution-mode M, --candidate-ep LIST
                                session options for the candidate alone: an A/B of two session
                                configs, of one model (the candidate may then be left out) or two
      --cpus LIST               pin the benchmark to CPUs, e.g. 2,3 or 0-3
      --fail-on-regression P    gate on ${DEFAULT_GATE_METRICS.join(' and ')}: fail when the candidate is slower by more
                                than P (e.g. 5%), with the whole interval above 1 + P; p99 needs
                                at least 368 runs per model to be bounded
      --accuracy-threshold P    largest degradation that still passes: 1 − top-1 agreement for
                                classifier outputs, else relative L2 (default ${DEFAULT_ACCURACY_THRESHOLD * 100}%; 0 = exact)
      --repeat N                do the whole interleaved run N times, each on fresh sessions;
                                figures pool every repeat, and how far the repeats' p50 ratios
                                lie apart decides "reproducible" (needs N ≥ ${MIN_REPEATS})
      --expect-reduction P      the speed-up the change should bring, e.g. 20%: pass when the
                                whole p50 ratio interval is at or below 1 − P, fail when it is
                                all above
      --memory-limit SIZE       peak RSS the candidate must stay within, e.g. 512MB or 2GiB
                                (MB = 10^6 bytes, MiB = 2^20); both models share the process,
                                so this run can show the candidate fits, and only bench alone
                                can show it does not
      --config FILE             a latency.json (default: .vscode/latency.json if present; read
                                for the base model)
      --json FILE               write { base, candidate, comparison, accuracy, checklist, ... } as
                                JSON (- for stdout)
  -q, --quiet                   no progress line
  -h, --help                    this help

The verification checklist after the verdict marks each item ✓ pass, ✗ fail or ? unknown (the
data to decide it is missing; its line says what would settle it). Unknown items never fail the
exit status.

Exit status: 0 the candidate agrees with the base and the gate passed (or none was asked for),
1 the candidate's outputs disagree beyond --accuracy-threshold, or it regressed beyond
--fail-on-regression, or it missed --expect-reduction or --memory-limit (those checklist items
failed), 3 the gate is inconclusive (an interval straddles the threshold, or too few runs to
bound a gated percentile), 2 bad arguments, or models that cannot be loaded or fed the same
inputs, 130 interrupted.`;

export interface AbArgs {
  command: 'ab';
  basePath: string;
  candidatePath: string;
  layer: ConfigLayer;
  configPath?: string;
  jsonPath?: string;
  /** The gate's threshold as a fraction (0.05 = 5%); absent when no gate was asked for. */
  failOnRegression?: number;
  accuracyThreshold: number;
  /** Whole interleaved runs to do (--repeat); absent for one. */
  repeat?: number;
  /** --expect-reduction as a fraction (0.2 = 20% faster on p50). */
  expectReduction?: number;
  /** --memory-limit in bytes. */
  memoryLimitBytes?: number;
  /** --candidate-* session options: what the candidate's session does differently. */
  candidateSession?: NonNullable<ConfigLayer['session']>;
  quiet: boolean;
}

export function parseAbArgs(argv: readonly string[]): AbArgs {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      ...RUN_OPTIONS,
      ...candidateSessionOptions(),
      'fail-on-regression': { type: 'string' },
      'accuracy-threshold': { type: 'string' },
      'expect-reduction': { type: 'string' },
      'memory-limit': { type: 'string' },
    },
  });
  const { values: v, positionals } = parsed;
  const candidateSession = sessionLayer(v, 'candidate-');
  const [basePath, candidateArg, ...extra] = positionals;
  // With candidate session options, the model may be the same on both sides: an A/B of configs.
  const candidatePath = candidateArg ?? (candidateSession ? basePath : undefined);
  if (basePath === undefined || candidatePath === undefined) {
    throw new UsageError('ab needs two models, or one model and --candidate-* session options: latency ab <base.onnx> <candidate.onnx>');
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);

  const layer = runLayer(v);
  // Below 100%: a bare "5" is refused rather than read as 500%, and no real gate sits that high.
  const failOnRegression = v['fail-on-regression'] === undefined ? undefined : fraction('--fail-on-regression', v['fail-on-regression'], 1);
  const accuracyThreshold =
    v['accuracy-threshold'] === undefined ? DEFAULT_ACCURACY_THRESHOLD : fraction('--accuracy-threshold', v['accuracy-threshold'], 1, true);
  const repeat = v.repeat === undefined ? 1 : int('--repeat', v.repeat, 1);
  // Below 100%: a 100% reduction is a model that takes no time.
  const expectReduction = v['expect-reduction'] === undefined ? undefined : fraction('--expect-reduction', v['expect-reduction'], 1);
  const memoryLimitBytes = v['memory-limit'] === undefined ? undefined : byteSize('--memory-limit', v['memory-limit']);

  return {
    command: 'ab',
    basePath,
    candidatePath,
    layer,
    accuracyThreshold,
    quiet: v.quiet ?? false,
    ...(failOnRegression !== undefined ? { failOnRegression } : {}),
    ...(repeat > 1 ? { repeat } : {}),
    ...(expectReduction !== undefined ? { expectReduction } : {}),
    ...(memoryLimitBytes !== undefined ? { memoryLimitBytes } : {}),
    ...(candidateSession ? { candidateSession } : {}),
    ...(v.config !== undefined ? { configPath: v.config } : {}),
    ...(v.json !== undefined ? { jsonPath: v.json } : {}),
  };
}

/**
 * bench's session options under a `candidate-` prefix. A function, not a constant: cliArgs.ts
 * imports this module, so SESSION_OPTIONS is not yet defined while this one loads.
 */
function candidateSessionOptions(): { [K in keyof typeof SESSION_OPTIONS as `candidate-${K}`]: { type: 'string' } } {
  return Object.fromEntries(Object.entries(SESSION_OPTIONS).map(([k, o]) => [`candidate-${k}`, { type: o.type }])) as ReturnType<typeof candidateSessionOptions>;
}

/** Bytes per unit: SI prefixes are powers of 1000, IEC ones (KiB, MiB, …) powers of 1024. */
const BYTE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/**
 * "512MB", "2GiB", "1.5 GB": a size with its unit, which is required: a bare "512" could mean
 * bytes or megabytes, and a limit read wrongly by a factor of a million passes or fails
 * everything.
 */
export function byteSize(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)$/i.exec(raw.trim());
  const bytes = m ? Number(m[1]) * BYTE_UNITS[m[2]!.toLowerCase()]! : NaN;
  if (!(bytes >= 1 && Number.isFinite(bytes))) {
    throw new UsageError(`${flag} expects a size with its unit, like 512MB or 2GiB (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB), got "${raw}"`);
  }
  return Math.round(bytes);
}
