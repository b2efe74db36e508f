// The figures of an LLM streaming benchmark, from the per-request records (openaiStream.ts):
// time to first token (TTFT), time per output token after the first (TPOT), inter-token
// latency (ITL, every gap between token-bearing chunks, pooled over requests), end-to-end
// latency, output tokens per second, and goodput under service-level objectives. Pure: shared
// by the profiler, the reports and the panel bundle.
//
// Goodput (DistServe's definition, as vLLM's benchmark reports it): requests that met every
// SLO given, per second of the measured phase and as a fraction. The fraction is of every
// measured request attempted: a failed request met no SLO. Per request: TTFT ≤ ttft, TPOT ≤ tpot
// (a one-token answer has no TPOT and meets it), e2e ≤ e2e, and every inter-token gap ≤ itl.

import { formatPercent, formatRate } from './format';
import { percentile } from './stats';
import { tpotOf, type StreamRecord } from './openaiStream';

/** Service-level objectives, each in ms; only those given are checked. */
export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  itlMs?: number;
  e2eMs?: number;
}

const SLO_KEYS = { ttft: 'ttftMs', tpot: 'tpotMs', itl: 'itlMs', e2e: 'e2eMs' } as const;
type SloName = keyof typeof SLO_KEYS;
const SLO_LABEL: Record<keyof Slo, string> = { ttftMs: 'TTFT', tpotMs: 'TPOT', itlMs: 'ITL', e2eMs: 'e2e' };

export class SloSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SloSyntaxError';
  }
}

/**
 * "ttft=200,tpot=50" → { ttftMs: 200, tpotMs: 50 }. Values are milliseconds; "ms" and "s"
 * suffixes are read ("ttft=0.2s"). Names: ttft, tpot, itl, e2e.
 */
export function parseSlo(text: string): Slo {
  const slo: Slo = {};
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new SloSyntaxError('empty SLO: write e.g. ttft=200,tpot=50 (milliseconds)');
  for (const part of parts) {
    const m = /^([a-z0-9]+)\s*(?:=|<=|≤)\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?$/i.exec(part);
    if (!m) throw new SloSyntaxError(`"${part}" is not NAME=MILLISECONDS (e.g. ttft=200)`);
    const name = m[1]!.toLowerCase();
    if (!(name in SLO_KEYS)) throw new SloSyntaxError(`unknown SLO "${m[1]}" in "${part}": the names are ${Object.keys(SLO_KEYS).join(', ')}`);
    const key = SLO_KEYS[name as SloName];
    if (slo[key] !== undefined) throw new SloSyntaxError(`${name} is given twice`);
    const ms = Number(m[2]) * (m[3]?.toLowerCase() === 's' ? 1000 : 1);
    if (!(ms > 0 && Number.isFinite(ms))) throw new SloSyntaxError(`${name} must be more than 0 ms, got "${part}"`);
    slo[key] = ms;
  }
  return slo;
}

/** "TTFT ≤ 200 ms and TPOT ≤ 50 ms". */
export function sloText(slo: Slo): string {
  const parts = (Object.keys(SLO_LABEL) as Array<keyof Slo>).filter((k) => slo[k] !== undefined).map((k) => `${SLO_LABEL[k]} ≤ ${Number(slo[k]!.toPrecision(6))} ms`);
  return parts.length <= 1 ? (parts[0] ?? 'no SLO') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function isEmptySlo(slo: Slo | undefined): boolean {
  return !slo || Object.values(slo).every((v) => v === undefined);
}

/** Whether one request met every objective given. */
export function meetsSlo(r: StreamRecord, slo: Slo): boolean {
  if (slo.ttftMs !== undefined && r.ttftMs > slo.ttftMs) return false;
  if (slo.e2eMs !== undefined && r.e2eMs > slo.e2eMs) return false;
  const tpot = tpotOf(r);
  if (slo.tpotMs !== undefined && tpot !== undefined && tpot > slo.tpotMs) return false;
  if (slo.itlMs !== undefined && r.itlMs.some((g) => g > slo.itlMs!)) return false;
  return true;
}

/** A distribution in short: what the report tables show. */
export interface LatencyStats {
  n: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export function latencyStats(values: readonly number[]): LatencyStats | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const asc = Array.from(sorted);
  let sum = 0;
  for (const v of asc) sum += v;
  return {
    n: asc.length,
    meanMs: sum / asc.length,
    p50Ms: percentile(asc, 0.5),
    p90Ms: percentile(asc, 0.9),
    p95Ms: percentile(asc, 0.95),
    p99Ms: percentile(asc, 0.99),
    minMs: asc[0]!,
    maxMs: asc[asc.length - 1]!,
  };
}

export interface Goodput {
  /** Requests that met every SLO. */
  requests: number;
  /** Of the measured requests attempted (failures included, as requests that met none). */
  fraction: number;
  perSec: number;
}

/** result.streaming: the streaming figures of the measured requests (cold start and warm-up left out). */
export interface StreamingReport {
  /** Measured requests that streamed a complete answer, and all measured requests sent. */
  requests: number;
  attempted: number;
  /** Wall time of the measured phase (ms): what the rates are over. */
  wallMs: number;
  ttft: LatencyStats | null;
  /** One value per request of 2 or more tokens. */
  tpot: LatencyStats | null;
  /** Every gap between token-bearing chunks of every request, pooled. */
  itl: LatencyStats | null;
  e2e: LatencyStats | null;
  outputTokens: number;
  outputTokensPerSec: number;
  requestsPerSec: number;
  /** Where the token counts came from: the server's usage, counted chunks, or some of each. */
  tokenCount: 'usage' | 'chunks' | 'mixed';
  /** Prompt tokens the server reported as served from its prefix cache, summed (when it said). */
  cachedPromptTokens?: number;
  promptTokens?: number;
  /** Present when SLOs were given. */
  slo?: Slo;
  goodput?: Goodput;
  /** Per request, in the order they finished: TTFT, and TPOT (NaN-free: requests of one token left out). For the panel's distributions. */
  ttftMs: number[];
  tpotMs: number[];
}

export function buildStreamingReport(records: readonly StreamRecord[], opts: { attempted: number; wallMs: number; slo?: Slo }): StreamingReport {
  const wallSec = opts.wallMs > 0 ? opts.wallMs / 1000 : 0;
  const rate = (n: number) => (wallSec > 0 ? n / wallSec : 0);
  const ttftMs = records.map((r) => r.ttftMs);
  const tpotMs = records.map(tpotOf).filter((t): t is number => t !== undefined);
  const itl: number[] = [];
  for (const r of records) for (const g of r.itlMs) itl.push(g);
  const outputTokens = records.reduce((a, r) => a + r.outputTokens, 0);
  const usage = records.filter((r) => r.tokenSource === 'usage').length;
  const withPrompt = records.filter((r) => r.promptTokens !== undefined);
  const withCached = records.filter((r) => r.cachedPromptTokens !== undefined);
  const report: StreamingReport = {
    requests: records.length,
    attempted: opts.attempted,
    wallMs: opts.wallMs,
    ttft: latencyStats(ttftMs),
    tpot: latencyStats(tpotMs),
    itl: latencyStats(itl),
    e2e: latencyStats(records.map((r) => r.e2eMs)),
    outputTokens,
    outputTokensPerSec: rate(outputTokens),
    requestsPerSec: rate(records.length),
    tokenCount: usage === records.length ? 'usage' : usage === 0 ? 'chunks' : 'mixed',
    ...(withPrompt.length ? { promptTokens: withPrompt.reduce((a, r) => a + r.promptTokens!, 0) } : {}),
    ...(withCached.length ? { cachedPromptTokens: withCached.reduce((a, r) => a + r.cachedPromptTokens!, 0) } : {}),
    ttftMs,
    tpotMs,
  };
  if (!isEmptySlo(opts.slo)) {
    const good = records.filter((r) => meetsSlo(r, opts.slo!)).length;
    report.slo = { ...opts.slo };
    report.goodput = { requests: good, fraction: opts.attempted > 0 ? good / opts.attempted : 0, perSec: rate(good) };
  }
  return report;
}

/** "goodput 87% (3.1 req/s) under TTFT ≤ 200 ms and TPOT ≤ 50 ms"; undefined without an SLO. */
export function goodputText(s: StreamingReport): string | undefined {
  if (!s.goodput || !s.slo) return undefined;
  return `goodput ${formatPercent(s.goodput.fraction)} (${perSecond(s.goodput.perSec, 'req')}, ${s.goodput.requests} of ${s.attempted} requests) under ${sloText(s.slo)}`;
}

/** "3.10 req/s", "1,234 tokens/s". */
export function perSecond(x: number, unit: string): string {
  return formatRate(x).replace(/\/s$/, ` ${unit}/s`);
}
