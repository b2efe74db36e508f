// Arguments of `latency locust export|run|import`. Pure apart from util.parseArgs.

import { fraction, int } from './cliArgs';
import { UsageError, oneDocumentOnStdout, parseCommandLine } from './usageError';

export const LOCUST_USAGE = `Usage:
  latency locust export <url> [request options] [load options] [--out FILE]
  latency locust run <url> [request options] [load options] --workers N [--run-time S] [--json F]
  latency locust import <records.jsonl> [--json F] [--markdown F] [--csv F]

When one load generator is not enough, Locust (Debian's python3-locust, or pip install locust)
sends the load: \`export\` writes the endpoint scenario as a locustfile to run on your own
machines (a master and workers); \`run\` runs it here in Locust's distributed mode, a master and
N workers on 127.0.0.1, and reads every request's timing back into the same result as
\`latency bench\` (report, --json for compare and history); \`import\` reads the records the master
of your own cluster wrote (locust ... --master --latency-records FILE).
The timings are Locust's own (its clock on each worker, request start to body read), not those
of latency bench's client. Failed requests are counted apart, never in the figures.

Request options (as for latency bench <url>):
      --method M            GET, POST, … (default GET, or POST with a body)
      --header 'K: V'       a request header (repeatable)
      --body-file F         the request body, sent as is (JSON gets content-type application/json)
      --expect-status LIST  statuses that count as success, e.g. 200,201 (default any 2xx)
      --timeout S           longest wait for a connection or a read (default 30)
Load options:
      --users N             Locust users in all, each a closed loop (default 1; --concurrency
                            is the same)
      --rate R              pace the users at R requests/s in all (constant_throughput per
                            user: approximate, a slow server lowers it)
      --p99-budget MS       SLO: fail (exit 1) when the p99 of successful requests exceeds MS
      --max-error-rate P    SLO: fail (exit 1) when more than P of requests fail, e.g. 1%
Export:
      --out FILE            where to write the locustfile (default locustfile.py; - for stdout)
Run:
      --workers N           worker processes (default 2)
      --run-time S          how long Locust sends requests (default 10)
      --spawn-rate R        users started per second (default: all at once)
      --locustfile F        run this locustfile (one exported, then edited) instead
Run and import:
      --json FILE           write the full result as JSON (- for stdout)
      --markdown FILE       write the result as Markdown tables (- for stdout)
      --csv FILE            write every request's time as CSV (- for stdout)
  -q, --quiet               no progress lines
  -h, --help                this help

Exit status: 0 done, 1 failed (Locust, the endpoint, or an SLO), 2 bad arguments,
130 interrupted (partial result kept).`;

export interface LocustRequestArgs {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  bodyFile?: string;
  expectedStatus?: number[];
  timeoutSeconds?: number;
  users?: number;
  ratePerSecond?: number;
  p99BudgetMs?: number;
  maxErrorRate?: number;
}

export interface LocustOutputs {
  jsonPath?: string;
  markdownPath?: string;
  csvPath?: string;
  quiet: boolean;
}

export type LocustArgs =
  | { command: 'locust'; action: 'export'; request: LocustRequestArgs; out: string }
  | ({ command: 'locust'; action: 'run'; request: LocustRequestArgs; workers: number; runTimeSeconds: number; spawnRate?: number; locustfile?: string } & LocustOutputs)
  | ({ command: 'locust'; action: 'import'; recordsPath: string } & LocustOutputs);

const REQUEST_OPTIONS = {
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  'body-file': { type: 'string' },
  'expect-status': { type: 'string' },
  timeout: { type: 'string' },
  users: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  'p99-budget': { type: 'string' },
  'max-error-rate': { type: 'string' },
} as const;

const OUTPUT_OPTIONS = {
  json: { type: 'string' },
  markdown: { type: 'string' },
  csv: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export function parseLocustArgs(argv: readonly string[]): LocustArgs | { command: 'locust-help' } {
  const [action, ...rest] = argv;
  if (action === undefined || action === '-h' || action === '--help' || rest.includes('-h') || rest.includes('--help')) return { command: 'locust-help' };
  if (action === 'import') {
    const { values: v, positionals } = parseCommandLine({ args: rest, allowPositionals: true, strict: true, options: OUTPUT_OPTIONS });
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'locust import: name the records file (locust ... --latency-records FILE)');
    return { command: 'locust', action, recordsPath: positionals[0]!, ...outputs(v) };
  }
  if (action !== 'export' && action !== 'run') throw new UsageError(`unknown locust action "${action}" (the actions are "export", "run" and "import")`);
  const runOnly = { workers: { type: 'string' }, 'run-time': { type: 'string' }, 'spawn-rate': { type: 'string' }, locustfile: { type: 'string' } } as const;
  const { values: v, positionals } = parseCommandLine({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: { ...REQUEST_OPTIONS, out: { type: 'string' }, ...runOnly, ...OUTPUT_OPTIONS },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : `locust ${action}: name the endpoint, e.g. http://127.0.0.1:8000/predict`);
  const url = positionals[0]!;
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`locust ${action}: "${url}" is not an http:// or https:// URL`);
  const request = requestArgs(url, v);
  const given = (keys: readonly string[]) => keys.filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (action === 'export') {
    const wrong = given([...Object.keys(runOnly), ...Object.keys(OUTPUT_OPTIONS)]);
    if (wrong.length) throw new UsageError(`--${wrong[0]} applies to locust run (or import) only`);
    return { command: 'locust', action, request, out: v.out ?? 'locustfile.py' };
  }
  if (v.out !== undefined) throw new UsageError('--out applies to locust export only');
  const workers = v.workers === undefined ? 2 : int('--workers', v.workers, 1);
  const runTime = v['run-time'] === undefined ? 10 : seconds('--run-time', v['run-time']);
  const spawnRate = v['spawn-rate'] === undefined ? undefined : positive('--spawn-rate', v['spawn-rate']);
  return {
    command: 'locust',
    action,
    request,
    workers,
    runTimeSeconds: runTime,
    ...(spawnRate !== undefined ? { spawnRate } : {}),
    ...(v.locustfile !== undefined ? { locustfile: v.locustfile } : {}),
    ...outputs(v),
  };
}

function requestArgs(url: string, v: Record<string, string | boolean | string[] | undefined>): LocustRequestArgs {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const headers: Record<string, string> = {};
  for (const h of (v.header as string[] | undefined) ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header expects 'Name: value', got "${h}"`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const method = str('method');
  if (method !== undefined && !/^[A-Za-z]+$/.test(method)) throw new UsageError(`--method expects a method such as GET or POST, got "${method}"`);
  const expect = str('expect-status');
  const statuses = expect?.split(',').map((s) => s.trim());
  if (statuses && !statuses.every((s) => /^[1-5]\d\d$/.test(s))) throw new UsageError(`--expect-status expects statuses like 200,201, got "${expect}"`);
  if (str('users') !== undefined && str('concurrency') !== undefined) throw new UsageError('--users and --concurrency are the same: give one');
  const usersRaw = str('users') ?? str('concurrency');
  const budget = str('p99-budget');
  const errorRate = str('max-error-rate');
  return {
    url,
    ...(method ? { method: method.toUpperCase() } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(str('body-file') !== undefined ? { bodyFile: str('body-file')! } : {}),
    ...(statuses ? { expectedStatus: statuses.map(Number) } : {}),
    ...(str('timeout') !== undefined ? { timeoutSeconds: seconds('--timeout', str('timeout')!) } : {}),
    ...(usersRaw !== undefined ? { users: int(str('users') !== undefined ? '--users' : '--concurrency', usersRaw, 1) } : {}),
    ...(str('rate') !== undefined ? { ratePerSecond: positive('--rate', str('rate')!) } : {}),
    ...(budget !== undefined ? { p99BudgetMs: positive('--p99-budget', budget.replace(/ms$/, '')) } : {}),
    ...(errorRate !== undefined ? { maxErrorRate: fraction('--max-error-rate', errorRate, 1, true) } : {}),
  };
}

function outputs(v: { json?: string; markdown?: string; csv?: string; quiet?: boolean }): LocustOutputs {
  oneDocumentOnStdout({ '--json -': v.json === '-', '--markdown -': v.markdown === '-', '--csv -': v.csv === '-' });
  return {
    quiet: v.quiet ?? false,
    ...(v.json !== undefined ? { jsonPath: v.json } : {}),
    ...(v.markdown !== undefined ? { markdownPath: v.markdown } : {}),
    ...(v.csv !== undefined ? { csvPath: v.csv } : {}),
  };
}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (!(raw.trim() !== '' && Number.isFinite(n) && n > 0)) throw new UsageError(`${flag} expects a number > 0, got "${raw}"`);
  return n;
}

function seconds(flag: string, raw: string): number {
  return positive(flag, raw.replace(/s$/, ''));
}
