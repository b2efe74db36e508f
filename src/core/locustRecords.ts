// The per-request records a Locust run of an exported locustfile leaves (locustExport.ts): one
// JSON line per request, between a start line and an end line, written by the master. Pure:
// text in, checked records out, in completion order.

import { formatMs } from './format';
import type { EngineThreshold, HttpTarget, LoadEngine, RequestErrorKind } from './result';

export interface LocustRecord {
  /** When the request started (s since the epoch, the worker's clock). */
  t: number;
  /** Locust's response_time (ms). */
  ms: number;
  ok: boolean;
  /** 0 when no response came (refused, timed out, dropped). */
  status: number;
  kind?: RequestErrorKind;
  error?: string;
  /** The worker that sent it ("local" for a Locust run alone). */
  w: string;
}

export interface LocustStart {
  t: number;
  locust: string | null;
  url: string;
  method: string;
  expectedStatus: number[] | null;
  timeoutS: number;
  users: number;
  ratePerUser: number | null;
}

export interface LocustEnd {
  t: number;
  requests: number;
  errors: number;
  workers: number;
  /** Workers that answered the master's last call for records. */
  answered: number;
  /** Every worker answered with all it had sent. */
  complete: boolean;
  thresholds: EngineThreshold[];
}

export interface LocustRecords {
  start: LocustStart | null;
  /** Sorted by completion time (start + ms), the order the profiler's own client reports in. */
  records: LocustRecord[];
  end: LocustEnd | null;
  /** 1-based numbers of lines that were not records (a truncated last line, say). */
  badLines: number[];
}

const KINDS: readonly RequestErrorKind[] = ['refused', 'timeout', 'status', 'malformed', 'dropped', 'other'];
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseLocustRecords(text: string): LocustRecords {
  const out: LocustRecords = { start: null, records: [], end: null, badLines: [] };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      out.badLines.push(i + 1);
      return;
    }
    if (!isObj(v)) return void out.badLines.push(i + 1);
    if (v.type === 'start') {
      const start = startOf(v);
      if (start) out.start = start;
      else out.badLines.push(i + 1);
    } else if (v.type === 'end') {
      const end = endOf(v);
      if (end) out.end = end;
      else out.badLines.push(i + 1);
    } else {
      const r = recordOf(v);
      if (r) out.records.push(r);
      else out.badLines.push(i + 1);
    }
  });
  out.records.sort((a, b) => a.t * 1000 + a.ms - (b.t * 1000 + b.ms));
  return out;
}

function recordOf(v: Record<string, unknown>): LocustRecord | undefined {
  if (!isNum(v.t) || !isNum(v.ms) || v.ms < 0 || typeof v.ok !== 'boolean' || !isNum(v.status)) return undefined;
  const r: LocustRecord = { t: v.t, ms: v.ms, ok: v.ok, status: v.status, w: typeof v.w === 'string' ? v.w : '?' };
  if (!v.ok) {
    r.kind = KINDS.includes(v.kind as RequestErrorKind) ? (v.kind as RequestErrorKind) : 'other';
    r.error = typeof v.error === 'string' ? v.error : 'failed';
  }
  return r;
}

function startOf(v: Record<string, unknown>): LocustStart | undefined {
  if (!isNum(v.t) || typeof v.url !== 'string' || typeof v.method !== 'string' || !isNum(v.users)) return undefined;
  return {
    t: v.t,
    locust: typeof v.locust === 'string' && v.locust ? v.locust : null,
    url: v.url,
    method: v.method,
    expectedStatus: Array.isArray(v.expectedStatus) && v.expectedStatus.every(isNum) ? (v.expectedStatus as number[]) : null,
    timeoutS: isNum(v.timeoutS) ? v.timeoutS : 30,
    users: v.users,
    ratePerUser: isNum(v.ratePerUser) ? v.ratePerUser : null,
  };
}

function endOf(v: Record<string, unknown>): LocustEnd | undefined {
  if (!isNum(v.t) || !isNum(v.requests) || !isNum(v.errors)) return undefined;
  const thresholds: EngineThreshold[] = [];
  for (const x of Array.isArray(v.thresholds) ? v.thresholds : []) {
    if (isObj(x) && (x.metric === 'p99' || x.metric === 'errorRate') && isNum(x.limit) && typeof x.passed === 'boolean') {
      thresholds.push({ metric: x.metric, limit: x.limit, value: isNum(x.value) ? x.value : null, passed: x.passed });
    }
  }
  return {
    t: v.t,
    requests: v.requests,
    errors: v.errors,
    workers: isNum(v.workers) ? v.workers : 0,
    answered: isNum(v.answered) ? v.answered : 0,
    complete: v.complete === true,
    thresholds,
  };
}

/** Wall time the records span: the first start to the last completion (ms); 0 without records. */
export function recordsWallMs(records: readonly LocustRecord[]): number {
  if (!records.length) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.t * 1000);
    last = Math.max(last, r.t * 1000 + r.ms);
  }
  return last - first;
}

/** The headline facts of an endpoint loaded by Locust: who sent the load and whose clock timed it. */
export function engineFacts(target: HttpTarget, engine: LoadEngine): string[] {
  const failed = (engine.thresholds ?? []).filter((t) => !t.passed);
  return [
    `HTTP endpoint, load by Locust${engine.version ? ` ${engine.version}` : ''} (${engine.workers > 0 ? `${engine.workers} workers` : 'one process'}, its own timings)`,
    `${engine.users} users${engine.ratePerSecond !== undefined ? `, paced at ${engine.ratePerSecond} requests/s in all (approximate)` : ' (closed loop)'}`,
    `timeout ${formatMs(target.timeoutMs)}`,
    ...(target.expectedStatus ? [`success: status ${target.expectedStatus.join(', ')}`] : []),
    ...(engine.thresholds?.length ? [failed.length ? `SLO failed: ${failed.map((t) => t.metric).join(', ')}` : 'SLOs met'] : []),
  ];
}
