// Arguments of `latency compare`. Pure apart from util.parseArgs, so it is unit-tested directly.

import { COMPARE_METRICS, DEFAULT_GATE_METRICS, DEFAULT_NOISE_BAND, type CompareMetric } from '../core/compare';
import { UsageError, oneDocumentOnStdout, parseCommandLine } from './usageError';

export const COMPARE_USAGE = `Usage:
  latency compare <base.json> <new.json> [options]

Compares two results written by \`latency bench --json\` (or two runs saved by the editor under
.latency/runs/): p50, p95, p99, p99.9 and the mean,
each as new ÷ base with a 95% bootstrap confidence interval, and a verdict: "regressed" or
"improved" when the whole interval lies beyond the noise band, "no change" when it lies within
it, "inconclusive" otherwise (or when a run is too small to bound that percentile). Also lists
differences in machine and settings (CPU, core count, OS, onnxruntime and Node versions,
threads and other session options, pinning, governor and boost, GPU clocks, input shapes) that
make the two runs unfair to compare.

Options:
      --fail-on-regression P  gate the result: fail when a gated metric is slower by more than
                              P, e.g. 5% or 0.05, with its whole interval above 1 + P
      --metric LIST           what the gate checks: p50, p95, p99, p999, mean, comma-separated
                              (default ${DEFAULT_GATE_METRICS.join(',')}); needs --fail-on-regression
      --noise-band P          changes within ±P read "no change" (default ${DEFAULT_NOISE_BAND * 100}%)
      --json                  print the comparison as JSON
      --markdown FILE         also write the comparison as Markdown, for a pull request (- for
                              stdout, instead of the text report)
      --csv FILE              also write one row per metric as CSV (- for stdout)
  -h, --help                  this help

Exit status: 0 the gate passed (or no gate was asked for), 1 a gated metric regressed beyond
the threshold, 3 inconclusive: an interval straddles the threshold, or a run has too few
samples to bound a gated metric (p99 needs 368 runs per side), 2 bad arguments, or a file that
cannot be read or is not a version 2 result.`;

export interface CompareArgs {
  command: 'compare';
  basePath: string;
  candidatePath: string;
  json: boolean;
  /** The gate's threshold as a fraction (0.05 = 5%); absent when no gate was asked for. */
  failOnRegression?: number;
  /** What the gate checks. */
  metrics: CompareMetric[];
  noiseBand: number;
  markdownPath?: string;
  csvPath?: string;
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  const parsed = parseCommandLine({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'fail-on-regression': { type: 'string' },
      metric: { type: 'string', multiple: true },
      'noise-band': { type: 'string' },
      json: { type: 'boolean' },
      markdown: { type: 'string' },
      csv: { type: 'string' },
    },
  });
  const { values: v, positionals } = parsed;
  const [basePath, candidatePath, ...extra] = positionals;
  if (basePath === undefined || candidatePath === undefined) {
    throw new UsageError('compare needs two result files: latency compare <base.json> <new.json>');
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  oneDocumentOnStdout({ '--json': v.json === true, '--markdown -': v.markdown === '-', '--csv -': v.csv === '-' });

  const failOnRegression = v['fail-on-regression'] === undefined ? undefined : share('--fail-on-regression', v['fail-on-regression'], Infinity);
  const noiseBand = v['noise-band'] === undefined ? DEFAULT_NOISE_BAND : share('--noise-band', v['noise-band'], 1);
  let metrics = [...DEFAULT_GATE_METRICS];
  if (v.metric !== undefined) {
    // Without a gate the flag would do nothing, and a user who wrote it believes a build is guarded.
    if (failOnRegression === undefined) throw new UsageError('--metric chooses what --fail-on-regression checks: add --fail-on-regression, e.g. 5%');
    metrics = parseMetrics(v.metric);
  }
  return {
    command: 'compare',
    basePath,
    candidatePath,
    json: v.json ?? false,
    ...(failOnRegression !== undefined ? { failOnRegression } : {}),
    metrics,
    noiseBand,
    ...(v.markdown !== undefined ? { markdownPath: v.markdown } : {}),
    ...(v.csv !== undefined ? { csvPath: v.csv } : {}),
  };
}

/**
 * "5%" or "0.05", at least 0 and below `max` (as a fraction). A bare number of 1 or more is
 * refused rather than guessed at: "5" may mean 5% or 500%.
 */
function share(flag: string, raw: string, max: number): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(raw.trim());
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (m && !m[2] && value >= 1) throw new UsageError(`${flag} "${raw}" is ambiguous: write ${raw}% or ${value / 100} for ${raw} percent`);
  if (!(value >= 0 && value < max)) {
    const limit = max === Infinity ? '' : ` below ${max * 100}%`;
    throw new UsageError(`${flag} expects a percentage like 5% or a fraction like 0.05${limit}, got "${raw}"`);
  }
  return value;
}

function parseMetrics(raw: readonly string[]): CompareMetric[] {
  const out: CompareMetric[] = [];
  for (const item of raw.flatMap((s) => s.split(','))) {
    const name = item.trim().toLowerCase();
    if (name === '') continue;
    // The report prints "p99.9"; accept what it shows as well as the key.
    const metric = (name === 'p99.9' ? 'p999' : name) as CompareMetric;
    if (!COMPARE_METRICS.includes(metric)) {
      throw new UsageError(`--metric: "${item.trim()}" is not one of ${COMPARE_METRICS.join(', ')}`);
    }
    if (!out.includes(metric)) out.push(metric);
  }
  if (out.length === 0) throw new UsageError(`--metric needs at least one of ${COMPARE_METRICS.join(', ')}`);
  return out;
}
