// What to benchmark, as a request names it: an ONNX file, a Python function, or a shell command.
// The profiler turns a spec into a run; the result records the target it really measured
// (result.ts `BenchmarkTarget`). Pure: parsing and naming only.

export interface OnnxSpec {
  kind: 'onnx';
  modelPath: string;
}

export interface PythonSpec {
  kind: 'python';
  /** The .py file, absolute or relative to `cwd`. */
  file: string;
  /** The callable timed on each iteration. */
  function: string;
  /**
   * Called once before the first timed call; what it returns is passed to `function` (None:
   * `function()` is called with no argument).
   */
  setup?: string;
  /**
   * The script form (`file.py` alone): `predict` is timed and `setup` is used when the file
   * defines it. With an explicit `file.py:function`, a named setup that is missing is an error.
   */
  scriptForm?: boolean;
  /** The interpreter to start: a path or a command on PATH. */
  interpreter: string;
  /** Working directory of the harness; the file's folder is put first on sys.path as well. */
  cwd?: string;
  /** Longest wait for any one call before the run stops as hung (seconds). */
  callTimeoutSeconds?: number;
  /** Longest wait for import plus setup (seconds): loading a large model can take minutes. */
  setupTimeoutSeconds?: number;
}

export interface CommandSpec {
  kind: 'command';
  command: string;
  /** Run before every iteration, untimed (hyperfine's --prepare). */
  prepare?: string;
  cwd?: string;
  /** Longest wait for one run of the command (seconds). */
  timeoutSeconds?: number;
}

export interface HttpSpec {
  kind: 'http';
  url: string;
  /** Default GET, or POST when there is a body. */
  method?: string;
  headers?: Record<string, string>;
  /** The request body, sent as is (a JSON body gets content-type application/json unless a header says otherwise). */
  body?: string;
  /**
   * `body` is a template rendered per request ({{i}}, {{line}}, {{random_int LO HI}}, …: see
   * core/bodyTemplate.ts). An explicit opt-in, so a body that merely contains `{{` is sent as is.
   */
  bodyTemplate?: boolean;
  /** The file whose lines {{line}} cycles through (absolute, or relative to the profiler's cwd). */
  bodyLinesFile?: string;
  /** Seed of the template's {{random…}} and {{uuid}} (default DEFAULT_TEMPLATE_SEED). */
  bodySeed?: number;
  /** Requests in flight at once (default 1). */
  concurrency?: number;
  /** Statuses that count as success (default: any 2xx). */
  expectedStatus?: number[];
  /** Longest wait for one response (seconds, default DEFAULT_HTTP_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
  /** A closed-loop sweep over these concurrency levels (increasing); excludes `concurrency` and `rate`. */
  sweep?: number[];
  /** The sweep's "best concurrency" is the most throughput whose p99 stays within this (ms). */
  p99BudgetMs?: number;
  /** Open loop: requests sent at this rate (per second) whatever the answers; excludes `concurrency` and `sweep`. */
  rate?: number;
  /** Open-loop arrivals: evenly spaced (default) or Poisson. */
  arrival?: 'constant' | 'poisson';
  /** Open loop: run this long (seconds) instead of a count of requests (iterations = rate × duration). */
  durationSeconds?: number;
  /**
   * Keep the profiler's event loop turning while requests are in flight, so an answer is read as
   * it arrives rather than after the process is woken (profiler/keepAwake.ts): costs a busy CPU.
   */
  busyPoll?: boolean;
  /** Send the load with Locust in distributed mode (a master and workers on this machine) instead of the profiler's own client. */
  locust?: LocustRunSpec;
}

/** A Locust run of an endpoint (src/profiler/locustRun.ts); `users` defaults to the concurrency. */
export interface LocustRunSpec {
  workers: number;
  runTimeSeconds: number;
  users?: number;
  /** Requests/s in all, paced per user (approximate). */
  ratePerSecond?: number;
  p99BudgetMs?: number;
  /** A fraction of requests (0.01 = 1%). */
  maxErrorRate?: number;
}

export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;

/**
 * Counts for a sweep when the user set none: per level, raised to 20 requests (and 2 warm-up
 * requests) per request in flight (core/sweep.ts levelCounts), so 1…64 sends about 3,000.
 */
export const SWEEP_DEFAULT_COUNTS = { iterations: 200, warmup: 20 } as const;

/** An OpenAI-compatible streaming endpoint (chat/completions or completions, `stream: true`): see profiler/openaiBenchmark.ts. */
export interface OpenAiSpec {
  kind: 'openai';
  /** The base (`http://host:port/v1`, the API's path is added) or the full endpoint URL. */
  url: string;
  /** Default 'chat'. */
  api?: 'chat' | 'completions';
  model: string;
  /** The prompts file (.txt, .jsonl or .json; see core/prompts.ts), absolute or relative to the profiler's cwd. */
  promptsFile: string;
  /** max_tokens of every request (default DEFAULT_MAX_TOKENS). */
  maxTokens?: number;
  /** Words of generated text put before every prompt, to expose prompt caching (default 0). */
  sharedPrefix?: number;
  /** Objectives for goodput, in ms. */
  slo?: { ttftMs?: number; tpotMs?: number; itlMs?: number; e2eMs?: number };
  headers?: Record<string, string>;
  /** Requests in flight at once (default 1). */
  concurrency?: number;
  /** Longest wait for one whole streamed answer (seconds, default DEFAULT_OPENAI_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
}

export const DEFAULT_MAX_TOKENS = 128;
/** An LLM answer takes seconds: 100 requests bound a p95 with a 95% interval; 2 warm-up ones get the server past its first-batch costs. */
export const OPENAI_DEFAULT_COUNTS = { iterations: 100, warmup: 2 } as const;
/** A streamed answer of many tokens from a loaded server takes far longer than one inference request. */
export const DEFAULT_OPENAI_TIMEOUT_SECONDS = 120;

export type TargetSpec = OnnxSpec | PythonSpec | CommandSpec | HttpSpec | OpenAiSpec;

/**
 * Counts for a command when the user set none: the inference defaults (1000 after 50) would keep a
 * 100 ms command busy for almost two minutes. 100 runs still bound the p95 with a 95% interval
 * (hyperfine's floor is 10 runs and 3 s); a few warm-up runs fill the page cache and the shell's
 * lookups, which the first measured runs would otherwise pay.
 */
export const COMMAND_DEFAULT_COUNTS = { iterations: 100, warmup: 3 } as const;

export const DEFAULT_CALL_TIMEOUT_SECONDS = 60;
export const DEFAULT_SETUP_TIMEOUT_SECONDS = 300;
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 600;

export class TargetSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetSyntaxError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * `path/to/file.py:function` or `path/to/file.py` (the script form). The last colon splits, so a
 * Windows drive letter (`C:\m.py:f`) survives; a dotted name (`Model.predict`) is allowed for a
 * callable reached through module attributes.
 */
export function parsePythonTarget(text: string): { file: string; function: string; scriptForm: boolean } {
  const t = text.trim();
  if (!t) throw new TargetSyntaxError('empty Python target: write path/to/file.py:function');
  const colon = t.lastIndexOf(':');
  const tail = colon > 1 ? t.slice(colon + 1) : '';
  if (colon > 1 && !/[\\/]/.test(tail)) {
    const file = t.slice(0, colon);
    if (!IDENTIFIER.test(tail)) throw new TargetSyntaxError(`"${tail}" is not a Python function name (in "${t}")`);
    checkPyFile(file, t);
    return { file, function: tail, scriptForm: false };
  }
  checkPyFile(t, t);
  return { file: t, function: 'predict', scriptForm: true };
}

export function checkPythonName(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new TargetSyntaxError(`${what} "${name}" is not a Python name`);
  return name;
}

function checkPyFile(file: string, whole: string): void {
  if (!/\.py$/i.test(file)) throw new TargetSyntaxError(`"${whole}" does not name a .py file: write path/to/file.py:function`);
}

/** How a target is named in titles, the runs list and file names. */
export function pythonTargetName(file: string, fn: string): string {
  const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
  return `${base}:${fn}`;
}
