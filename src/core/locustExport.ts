// An endpoint scenario written out as a Locust file (locustfile.py), for when one load generator
// is not enough and the load belongs on Locust's distributed mode (a master and many workers).
// Pure: the scenario in, Python source text out.
//
// Every value reaches the Python text as a literal built here (pyLiteral): strings escaped to
// ASCII with \x, \u and \U escapes, numbers finite, nothing interpolated raw, so a URL, header
// or body holding quotes, backslashes, newlines, `"""` or any Unicode cannot change the code.
//
// What the generated file does (its own header says it again for whoever opens it):
// - One HttpUser sends the request; closed loop (`wait_time = constant(0)`) unless a rate is
//   given, then `constant_throughput(rate / users)` per user. That pacing is approximate: a user
//   waits for its response before the next request, so a slow server lowers the rate (Locust
//   has no open-loop arrival process) and the total rate holds only with the user count exported.
// - Success is judged as the profiler's own client judges it: the expected statuses (default any
//   2xx, no redirects followed), and a body that says it is JSON must parse.
// - Every request is recorded (events.request): start time, Locust's response_time (ms, its own
//   clock, from just before the request to the body read), ok, status, error kind and message.
//   Workers send their records to the master in batches over Locust's own connection (custom
//   messages), so the master alone writes one JSON-lines file whatever machines the workers run
//   on: nothing to collect afterwards. When the run stops, the master asks every worker for what
//   it still holds and waits for each to confirm (up to FLUSH_WAIT_S) before it writes the end
//   line; a worker that never answers leaves the end line's `complete` false.
// - The SLOs are checked from those records when Locust quits: a p99 over the budget or an error
//   rate over the threshold sets the exit code to 1; with SLOs declared and met it is 0 (request
//   errors alone then do not fail the run, the error-rate threshold decides).

import type { HttpSpec, LocustRunSpec } from './target';
import { DEFAULT_HTTP_TIMEOUT_SECONDS } from './target';

export interface LocustSlo {
  /** The p99 of successful requests must stay at or under this (ms). */
  p99BudgetMs?: number;
  /** Failed requests ÷ all requests must stay at or under this (a fraction: 0.01 = 1%). */
  maxErrorRate?: number;
}

export interface LocustScenario {
  spec: HttpSpec;
  /** Locust users in all; default the spec's concurrency (closed loop), or 1. */
  users?: number;
  /** Target requests per second over all users (paced per user; approximate, see the notes). */
  ratePerSecond?: number;
  slo?: LocustSlo;
  /** Written into the header, e.g. "Latency 0.9.0". */
  generator?: string;
}

/** The custom messages and the command-line option the generated file defines (the runner uses them). */
export const LOCUST_RECORDS_OPTION = '--latency-records';
export const LOCUST_RECORDS_ENV = 'LATENCY_LOCUST_RECORDS';
export const LOCUST_DEFAULT_RECORDS_FILE = 'latency-locust-records.jsonl';
/** Set by the profiler to its pid: a Locust process it started exits when that process is gone (even killed). */
export const LOCUST_WATCH_PARENT_ENV = 'LATENCY_LOCUST_WATCH_PARENT';

export class LocustExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocustExportError';
  }
}

/** A Python literal for a JSON-like value; throws for what has none (NaN, Infinity, undefined, a lone surrogate). */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new LocustExportError(`${v} has no Python literal`);
    return Number.isInteger(v) ? String(v) : String(v);
  }
  if (typeof v === 'string') return pyString(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyString(k)}: ${pyLiteral(x)}`)
      .join(', ')}}`;
  }
  throw new LocustExportError(`a ${typeof v} has no Python literal`);
}

/** A double-quoted, pure-ASCII Python str literal. */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new LocustExportError(`a lone UTF-16 surrogate (U+${cp.toString(16).toUpperCase()}) cannot be sent as UTF-8`);
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** One line of a Python comment: no newline can end it early and start code. */
function pyComment(s: string): string {
  return s.replace(/[\r\n\u2028\u2029\u0085\f\v]+/g, ' ');
}

export interface SettledScenario {
  host: string;
  path: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  expectedStatus: number[] | null;
  timeoutSeconds: number;
  users: number;
  ratePerSecond: number | null;
  p99BudgetMs: number | null;
  maxErrorRate: number | null;
}

/** The scenario checked and its defaults settled as the profiler's own client settles them. */
export function settleScenario(s: LocustScenario): SettledScenario {
  const spec = s.spec;
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new LocustExportError(`not a valid URL: ${spec.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LocustExportError(`Locust sends http:// and https:// requests only, not ${url.protocol}// (${spec.url})`);
  const users = s.users ?? spec.concurrency ?? 1;
  if (!(Number.isInteger(users) && users >= 1)) throw new LocustExportError(`users must be an integer ≥ 1, got ${users}`);
  const positive = (what: string, v: number | undefined): number | null => {
    if (v === undefined) return null;
    if (!(Number.isFinite(v) && v > 0)) throw new LocustExportError(`${what} must be a number > 0, got ${v}`);
    return v;
  };
  const rate = positive('the rate (requests/s)', s.ratePerSecond);
  const budget = positive('the p99 budget (ms)', s.slo?.p99BudgetMs);
  const maxErrorRate = s.slo?.maxErrorRate;
  if (maxErrorRate !== undefined && !(Number.isFinite(maxErrorRate) && maxErrorRate >= 0 && maxErrorRate <= 1)) {
    throw new LocustExportError(`the error-rate threshold must be a fraction in [0, 1], got ${maxErrorRate}`);
  }
  const timeoutSeconds = positive('the timeout (s)', spec.timeoutSeconds) ?? DEFAULT_HTTP_TIMEOUT_SECONDS;
  if (spec.expectedStatus !== undefined && spec.expectedStatus.length === 0) throw new LocustExportError('the expected statuses must name at least one status');
  // The template renderer is TypeScript (core/bodyTemplate.ts); a locustfile would send its raw text.
  if (spec.bodyTemplate) throw new LocustExportError('a templated body ({{…}}) cannot be exported to Locust yet: give a fixed body, or edit the exported file to build one per request');
  const body = spec.body ?? null;
  const method = (spec.method ?? (body !== null ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new LocustExportError(`not an HTTP method: ${method}`);
  const headers: Record<string, string> = { ...(spec.headers ?? {}) };
  // As resolveRequest does: a JSON body says so unless a header already does.
  if (body !== null && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type') && isJson(body)) headers['content-type'] = 'application/json';
  return {
    host: url.origin,
    path: `${url.pathname}${url.search}`,
    url: spec.url,
    method,
    headers,
    body,
    expectedStatus: spec.expectedStatus ? [...spec.expectedStatus] : null,
    timeoutSeconds,
    users,
    ratePerSecond: rate,
    p99BudgetMs: budget,
    maxErrorRate: maxErrorRate ?? null,
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The locustfile's text. */
export function renderLocustFile(scenario: LocustScenario): string {
  const s = settleScenario(scenario);
  const perUser = s.ratePerSecond !== null ? s.ratePerSecond / s.users : null;
  const slos = [
    s.p99BudgetMs !== null ? `p99 ≤ ${s.p99BudgetMs} ms` : '',
    s.maxErrorRate !== null ? `error rate ≤ ${s.maxErrorRate * 100}%` : '',
  ].filter(Boolean);
  const header = [
    `# Locust file for ${pyComment(`${s.method} ${s.url}`)}`,
    `# Written by ${pyComment(scenario.generator ?? 'Latency')} (latency locust export). Edit freely.`,
    '#',
    '# Run it distributed (one master, any number of workers, on any machines):',
    `#   locust -f THIS_FILE --master --headless --expect-workers 2 -u ${s.users} -r ${s.users} -t 60s \\`,
    `#          --exit-code-on-error 0 ${LOCUST_RECORDS_OPTION} records.jsonl`,
    '#   locust -f THIS_FILE --worker --master-host MASTER_IP      # on each load machine',
    '# then read the per-request records into Latency: latency locust import records.jsonl',
    '#',
    '# The timings are Locust\'s own: response_time in ms on each worker\'s clock, from just before the',
    '# request to the body read (requests\' HttpUser). They are not the Latency client\'s timings.',
    s.ratePerSecond !== null
      ? `# Rate: ${s.ratePerSecond} requests/s in all, paced per user (constant_throughput). Approximate: a user waits for
# its response before the next, so a slow server lowers the rate, and the total holds only with -u ${s.users}.`
      : '# Closed loop: every user sends its next request as soon as the last one answered (no wait time).',
    slos.length ? `# SLOs, checked when Locust quits (exit code 1 when one fails): ${slos.join(', ')}.` : '# No SLOs: Locust\'s exit code is its own (see --exit-code-on-error).',
  ];
  return `${header.join('\n')}

import array
import json
import math
import os
import sys
import time

import gevent
from locust import HttpUser, constant, constant_throughput, events, task
import locust.runners
from locust.runners import MasterRunner, WorkerRunner

if not getattr(locust.runners, "__version__", ""):
    # Debian's python3-locust 2.12.1 reports an empty version, and a master refuses a worker that
    # sends one as "pre 2.0": every process that loads this file sends this instead.
    locust.runners.__version__ = "0+unknown"

# ---- The scenario: literals written by Latency --------------------------------------------------
HOST = ${pyLiteral(s.host)}
PATH = ${pyLiteral(s.path)}
URL = ${pyLiteral(s.url)}  # also the name Locust's own statistics use
METHOD = ${pyLiteral(s.method)}
HEADERS = ${pyLiteral(s.headers)}
BODY = ${s.body === null ? 'None' : `${pyLiteral(s.body)}.encode("utf-8")`}
EXPECTED_STATUS = ${pyLiteral(s.expectedStatus)}  # None: any 2xx
TIMEOUT_S = ${pyLiteral(s.timeoutSeconds)}  # requests' timeout: per connect and per read, not the whole response
USERS = ${pyLiteral(s.users)}
RATE_PER_USER = ${pyLiteral(perUser)}  # requests/s per user; None: closed loop
P99_BUDGET_MS = ${pyLiteral(s.p99BudgetMs)}
MAX_ERROR_RATE = ${pyLiteral(s.maxErrorRate)}

# ---- Per-request records ----------------------------------------------------------------------
RECORDS_MESSAGE = "latency_records"
FLUSH_MESSAGE = "latency_flush"
DONE_MESSAGE = "latency_done"
BATCH_INTERVAL_S = 0.25
FLUSH_WAIT_S = 15.0


class LatencyFailure(Exception):
    """A failed request, with the kind Latency counts it under."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def failure_kind(error):
    """refused / timeout / dropped / other, from a requests exception and what caused it."""
    seen = []
    e = error
    while e is not None and len(seen) < 10:
        seen.append(e)
        e = e.__cause__ or e.__context__
    names = " ".join(type(x).__name__ for x in seen) + " " + " ".join(str(x) for x in seen)
    if "ConnectionRefused" in names or "Connection refused" in names:
        return "refused"
    if "Timeout" in names or "timed out" in names:
        return "timeout"
    if any(w in names for w in ("RemoteDisconnected", "ConnectionReset", "ChunkedEncoding", "IncompleteRead", "ProtocolError", "Connection aborted")):
        return "dropped"
    return "other"


class EndpointUser(HttpUser):
    host = HOST
    wait_time = constant(0) if RATE_PER_USER is None else constant_throughput(RATE_PER_USER)

    @task
    def request(self):
        with self.client.request(METHOD, PATH, name=URL, headers=HEADERS, data=BODY, timeout=TIMEOUT_S,
                                 allow_redirects=False, catch_response=True) as response:
            error = getattr(response, "error", None)
            if error is not None or response.status_code == 0:
                response.failure(LatencyFailure(failure_kind(error), str(error)))
                return
            status = response.status_code
            expected = status in EXPECTED_STATUS if EXPECTED_STATUS is not None else 200 <= status < 300
            if not expected:
                response.failure(LatencyFailure("status", "answered %d %s" % (status, response.reason or "")))
                return
            if "json" in (response.headers.get("content-type") or "").lower():
                # After Locust's clock stopped: only to check the body, as Latency's own client does.
                try:
                    json.loads(response.content or b"")
                except ValueError as e:
                    response.failure(LatencyFailure("malformed", "answered %d with a JSON content type but a body that is not JSON (%s)" % (status, e)))
                    return
            response.success()


def record_of(start_time, response_time, response, exception):
    """[start (s since the epoch), ms, ok, status, kind, message]: compact, for the wire."""
    status = getattr(response, "status_code", 0) or 0
    if exception is None:
        return [start_time, response_time, True, status, None, None]
    kind = exception.kind if isinstance(exception, LatencyFailure) else "other"
    return [start_time, response_time, False, status, kind, str(exception)[:300]]


class Recorder:
    """Master (or a lone Locust): writes the records. Worker: batches them to the master."""

    def __init__(self, environment):
        self.environment = environment
        self.runner = environment.runner
        self.worker = isinstance(self.runner, WorkerRunner)
        self.master = isinstance(self.runner, MasterRunner)
        self.buffer = []
        self.sent = 0
        self.closed = False
        self.file = None
        self.done = {}
        self.counts = {}
        self.ok_ms = array.array("d")
        self.requests = 0
        self.errors = 0
        self.ended = False
        self.thresholds = []

    # -- every process
    def on_request(self, start_time=None, response_time=None, response=None, exception=None, **kw):
        if self.closed:
            return
        r = record_of(start_time if start_time is not None else time.time() - (response_time or 0) / 1000.0,
                      float(response_time or 0), response, exception)
        if self.worker:
            self.buffer.append(r)
        else:
            self.write([r], "local")

    # -- workers
    def send_batch(self):
        if self.buffer:
            batch, self.buffer = self.buffer, []
            self.runner.send_message(RECORDS_MESSAGE, {"records": batch})
            self.sent += len(batch)

    def batch_loop(self):
        while True:
            gevent.sleep(BATCH_INTERVAL_S)
            if not self.closed:
                self.send_batch()

    def on_flush(self, environment, msg, **kw):
        self.closed = True
        self.send_batch()
        self.runner.send_message(DONE_MESSAGE, {"sent": self.sent})

    # -- the master
    def open(self):
        path = self.environment.parsed_options.latency_records if self.environment.parsed_options else None
        self.file = open(path or os.environ.get(${pyLiteral(LOCUST_RECORDS_ENV)}, ${pyLiteral(LOCUST_DEFAULT_RECORDS_FILE)}), "w", encoding="utf-8")
        self.file.write(json.dumps({"type": "start", "t": time.time(), "locust": locust_version(), "url": URL, "method": METHOD,
                                    "expectedStatus": EXPECTED_STATUS, "timeoutS": TIMEOUT_S, "users": USERS,
                                    "ratePerUser": RATE_PER_USER}) + "\\n")

    def write(self, records, worker):
        if self.file is None or self.ended:
            return
        self.counts[worker] = self.counts.get(worker, 0) + len(records)
        lines = []
        for t, ms, ok, status, kind, message in records:
            self.requests += 1
            if ok:
                self.ok_ms.append(ms)
                lines.append(json.dumps({"t": t, "ms": ms, "ok": True, "status": status, "w": worker}))
            else:
                self.errors += 1
                lines.append(json.dumps({"t": t, "ms": ms, "ok": False, "status": status, "kind": kind, "error": message, "w": worker}))
        self.file.write("\\n".join(lines) + "\\n")
        self.file.flush()  # read as it grows: progress while the run goes on

    def on_records(self, environment, msg, **kw):
        self.write(msg.data["records"], msg.node_id)

    def on_done(self, environment, msg, **kw):
        self.done[msg.node_id] = msg.data["sent"]

    def collect(self):
        """Asks every worker for the records it holds and waits until each has answered with all of them."""
        workers = [c.id for c in self.runner.clients.all]
        self.runner.send_message(FLUSH_MESSAGE, {})
        deadline = time.time() + FLUSH_WAIT_S
        while time.time() < deadline:
            if all(w in self.done for w in workers):
                break
            gevent.sleep(0.05)
        return workers

    def end(self):
        if self.ended or self.file is None:
            return
        workers = self.collect() if self.master else []
        self.closed = True
        complete = all(w in self.done and self.done[w] == self.counts.get(w, 0) for w in workers)
        p99 = percentile(sorted(self.ok_ms), 0.99)
        error_rate = self.errors / self.requests if self.requests else None
        if P99_BUDGET_MS is not None:
            self.thresholds.append({"metric": "p99", "limit": P99_BUDGET_MS, "value": p99,
                                    "passed": p99 is not None and p99 <= P99_BUDGET_MS})
        if MAX_ERROR_RATE is not None:
            self.thresholds.append({"metric": "errorRate", "limit": MAX_ERROR_RATE, "value": error_rate,
                                    "passed": error_rate is not None and error_rate <= MAX_ERROR_RATE})
        self.file.write(json.dumps({"type": "end", "t": time.time(), "requests": self.requests, "errors": self.errors,
                                    "workers": len(workers), "answered": sum(1 for w in workers if w in self.done),
                                    "complete": complete, "thresholds": self.thresholds}) + "\\n")
        self.file.close()
        self.ended = True

    def on_quitting(self, environment, **kw):
        if self.worker:
            return
        self.end()
        failed = [t for t in self.thresholds if not t["passed"]]
        for t in failed:
            unit = " ms" if t["metric"] == "p99" else ""
            sys.stderr.write("latency: SLO failed: %s %s%s > %s%s\\n" % (t["metric"], "n/a" if t["value"] is None else "%.6g" % t["value"], unit, t["limit"], unit))
        if failed:
            environment.process_exit_code = 1
        elif self.thresholds and environment.process_exit_code is None and not unhandled_exception():
            environment.process_exit_code = 0


def percentile(xs, q):
    """Hyndman-Fan type 7, as Latency computes it."""
    if not xs:
        return None
    h = (len(xs) - 1) * q
    lo = int(math.floor(h))
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def locust_version():
    try:
        import locust
        v = getattr(locust, "__version__", "") or ""
        return v if v and v != "0.0.0" else None
    except Exception:
        return None


def unhandled_exception():
    try:
        from locust import log
        return bool(log.unhandled_greenlet_exception)
    except Exception:
        return False


@events.init_command_line_parser.add_listener
def add_records_option(parser):
    parser.add_argument(${pyLiteral(LOCUST_RECORDS_OPTION)}, type=str, default="",
                        help="where the master writes one JSON line per request (default $${LOCUST_RECORDS_ENV} or ${LOCUST_DEFAULT_RECORDS_FILE})")


def watch_parent(parent):
    """Started by Latency: exit when Latency is gone, so no Locust process outlives it, even killed."""
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(3)
        except OSError:
            pass
        gevent.sleep(0.5)


# At import, not at init: a worker fires init only once it reached the master, which may never be.
if os.environ.get(${pyLiteral(LOCUST_WATCH_PARENT_ENV)}, "").isdigit():
    gevent.spawn(watch_parent, int(os.environ[${pyLiteral(LOCUST_WATCH_PARENT_ENV)}]))


@events.init.add_listener
def setup_recorder(environment, **kw):
    recorder = Recorder(environment)
    environment.events.request.add_listener(recorder.on_request)
    environment.events.quitting.add_listener(recorder.on_quitting)
    if recorder.worker:
        environment.runner.register_message(FLUSH_MESSAGE, recorder.on_flush)
        gevent.spawn(recorder.batch_loop)
    else:
        if recorder.master:
            environment.runner.register_message(RECORDS_MESSAGE, recorder.on_records)
            environment.runner.register_message(DONE_MESSAGE, recorder.on_done)
        recorder.open()
        environment.events.test_stop.add_listener(lambda **kw: recorder.end())
`;
}

/** The `locust` object of a named HTTP target, or what is wrong with it. */
export function parseLocustRunSpec(v: unknown): LocustRunSpec | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object such as { "workers": 2, "runTimeSeconds": 30 }';
  const o = v as Record<string, unknown>;
  const known = ['workers', 'runTimeSeconds', 'users', 'ratePerSecond', 'p99BudgetMs', 'maxErrorRate'];
  const unknown = Object.keys(o).find((k) => !known.includes(k));
  if (unknown !== undefined) return `unknown option "${unknown}" (known: ${known.join(', ')})`;
  const int = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1;
  const pos = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (!int(o.workers)) return '"workers" must be an integer ≥ 1';
  if (!pos(o.runTimeSeconds)) return '"runTimeSeconds" must be a number of seconds > 0';
  if (o.users !== undefined && !int(o.users)) return '"users" must be an integer ≥ 1';
  if (o.ratePerSecond !== undefined && !pos(o.ratePerSecond)) return '"ratePerSecond" must be a number > 0';
  if (o.p99BudgetMs !== undefined && !pos(o.p99BudgetMs)) return '"p99BudgetMs" must be a number of ms > 0';
  if (o.maxErrorRate !== undefined && !(typeof o.maxErrorRate === 'number' && o.maxErrorRate >= 0 && o.maxErrorRate <= 1)) return '"maxErrorRate" must be a fraction in [0, 1], e.g. 0.01';
  return {
    workers: o.workers as number,
    runTimeSeconds: o.runTimeSeconds as number,
    ...(o.users !== undefined ? { users: o.users as number } : {}),
    ...(o.ratePerSecond !== undefined ? { ratePerSecond: o.ratePerSecond as number } : {}),
    ...(o.p99BudgetMs !== undefined ? { p99BudgetMs: o.p99BudgetMs as number } : {}),
    ...(o.maxErrorRate !== undefined ? { maxErrorRate: o.maxErrorRate as number } : {}),
  };
}

/** The scenario of an HTTP spec that asks for a Locust run. */
export function scenarioOfSpec(spec: HttpSpec, generator?: string): LocustScenario {
  const l = spec.locust;
  const slo = { ...(l?.p99BudgetMs !== undefined ? { p99BudgetMs: l.p99BudgetMs } : {}), ...(l?.maxErrorRate !== undefined ? { maxErrorRate: l.maxErrorRate } : {}) };
  return {
    spec,
    ...(l?.users !== undefined ? { users: l.users } : {}),
    ...(l?.ratePerSecond !== undefined ? { ratePerSecond: l.ratePerSecond } : {}),
    ...(Object.keys(slo).length ? { slo } : {}),
    ...(generator !== undefined ? { generator } : {}),
  };
}
