// From a measured Python function back to its source: the figures shown over its `def` and the
// finding put on that line when the measurement says something is worth changing there.

import { formatMs, formatRatio } from './format';
import type { BenchmarkResult } from './result';

export interface MeasuredFunction {
  /** The .py file and the 0-based line of the def. */
  file: string;
  line: number;
  function: string;
  /** One line over the def, e.g. "Latency: p50 1.02 ms · p99 1.40 ms · first call 201 ms (197×) · 1,000 calls". */
  lens: string;
  /** What to change, when the run says so; none for a healthy function. */
  finding?: { severity: 'warning' | 'information'; code: string; message: string };
}

/** A first call at least this many times the steady p50 is worth warming up at start-up (the guides' 200× encoder is the extreme). */
export const COLD_START_RATIO = 10;

export function measuredFunction(result: BenchmarkResult): MeasuredFunction | undefined {
  const t = result.target;
  if (t.kind !== 'python' || t.line === undefined) return undefined;
  const s = result.summary;
  const { firstMs, ratio } = result.coldStart;
  const parts = s ? [`p50 ${formatMs(s.p50Ms)}`, `p99 ${formatMs(s.p99Ms)}`] : ['no measured call'];
  if (firstMs !== null) parts.push(`first call ${formatMs(firstMs)}${ratio !== null && Number.isFinite(ratio) ? ` (${formatRatio(ratio)})` : ''}`);
  if (s) parts.push(`${s.n.toLocaleString('en-US')} calls${result.partial ? ', partial' : ''}`);
  const out: MeasuredFunction = { file: t.path, line: t.line - 1, function: t.function, lens: `Latency: ${parts.join(' · ')}` };
  if (ratio !== null && Number.isFinite(ratio) && ratio >= COLD_START_RATIO && firstMs !== null && s) {
    out.finding = {
      severity: 'warning',
      code: 'measured-cold-start',
      message:
        `Measured: the first call of ${t.function}() took ${formatMs(firstMs)}, ${formatRatio(ratio)} its steady p50 of ${formatMs(s.p50Ms)}. ` +
        'The first request after a deploy or restart pays this: call it once at start-up (a warm-up request) before serving.',
    };
  } else if (result.partial && result.partialReason) {
    out.finding = { severity: 'warning', code: 'measured-partial', message: `Measured run of ${t.function}() stopped early: ${result.partialReason}.` };
  }
  return out;
}

/**
 * Where the measured `def` is now: the recorded line when it still holds that def, else the
 * nearest line that does within 200 lines (the file was edited since the run), else undefined.
 * `lineAt` gives a line's text (0-based).
 */
export function currentDefLine(m: Pick<MeasuredFunction, 'line' | 'function'>, lineAt: (line: number) => string, lineCount: number): number | undefined {
  const name = m.function.split('.').pop() ?? m.function;
  const def = new RegExp(`^\\s*(async\\s+)?def\\s+${name}\\b`);
  const isDef = (line: number) => line >= 0 && line < lineCount && def.test(lineAt(line));
  if (isDef(m.line)) return m.line;
  for (let d = 1; d < 200; d++) {
    if (isDef(m.line - d)) return m.line - d;
    if (isDef(m.line + d)) return m.line + d;
  }
  return undefined;
}
