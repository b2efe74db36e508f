// Command-line arguments of `latency`, turned into a config layer. Pure apart from util.parseArgs,
// so it is unit-tested without running anything.

import { EXECUTION_MODES, OPTIMIZATION_LEVELS, TARGET_PERCENTILES, parseAffinity, type ConfigLayer, type InputOverride } from '../core/config';
import type { ExecutionMode, GraphOptimizationLevel, StoppingRule } from '../core/result';
import { DEFAULT_TEMPLATE_SEED } from '../core/bodyTemplate';
import { SloSyntaxError, parseSlo } from '../core/llmMetrics';
import { COMMAND_DEFAULT_COUNTS, DEFAULT_MAX_TOKENS, DEFAULT_OPENAI_TIMEOUT_SECONDS, OPENAI_DEFAULT_COUNTS, parsePythonTarget, type OpenAiSpec } from '../core/target';
import { ARRIVALS, type Arrival } from '../core/openLoop';
import { DEFAULT_SWEEP_LEVELS, parseSweepLevels } from '../core/sweep';
import { parseAbArgs, type AbArgs } from './abArgs';
import { parseCompareArgs, type CompareArgs } from './compareArgs';
import { parseLintArgs, type LintArgs } from './lintArgs';
import { parseLocustArgs, type LocustArgs } from './locustArgs';
import { UsageError, oneDocumentOnStdout, parseCommandLine } from './usageError';

export { UsageError };

export const USAGE = `Usage:
  latency bench <model.onnx> [options]
  latency bench --python path/to/file.py:function [--setup FN] [--interpreter PY] [options]
  latency bench --command "…" [--prepare "…"] [options]
  latency bench http://host:port/path [--concurrency N | --sweep [LIST] | --rate R] [--body-file F] [options]
  latency bench --openai http://host:port/v1 --model NAME --prompts F [--slo ttft=200,tpot=50] [options]
                                             an OpenAI-compatible LLM server, streamed: TTFT,
                                             TPOT, ITL, tokens/s, goodput under the SLO
  latency bench --target NAME [options]      a target named in .vscode/latency.json "targets"
  latency doctor [--python PY] [--cuda]      check a Python interpreter: version, packages, CUDA
  latency lint <path>... [--json] [--fix] [--fail-on LEVEL]   (latency lint --help for more)
  latency compare <base.json> <new.json> [--fail-on-regression 5%] [--metric p50,p99]
                  [--noise-band 2%] [--json]   before and after; exit 0 pass, 1 regression,
                                               3 inconclusive (latency compare --help for more)
  latency ab <base.onnx> <candidate.onnx> [--fail-on-regression 5%] [--accuracy-threshold 1%]
             [bench's -n, -w, input, session and --cpus options] [--json FILE]
             both models interleaved in one process, with output agreement; exit 0 pass,
             1 regression or accuracy failure, 3 inconclusive (latency ab --help for more)
  latency locust export|run|import …         the endpoint as a Locust file; run on Locust
                                             distributed (master + workers); read its
                                             records back (latency locust --help for more)
  latency system [--json] [--scripts DIR]   the pre-flight readings; --scripts writes
                                            latency-tune.sh and latency-restore.sh to review

Bench options:
  -n, --iterations N        measured runs (default 1000; ${COMMAND_DEFAULT_COUNTS.iterations} for --command, ${OPENAI_DEFAULT_COUNTS.iterations} for --openai)
  -w, --warmup N            warm-up runs (default 50; ${COMMAND_DEFAULT_COUNTS.warmup} for --command, ${OPENAI_DEFAULT_COUNTS.warmup} for --openai)
      --python FILE[:FN]    time a Python function in-process with the shipped harness; FILE alone
                            times predict() after setup() when the file defines them
      --setup FN            run FN() once before timing and pass what it returns to the function
      --interpreter PY      the Python to run it with (default python3)
      --command "CMD"       time a shell command as a whole process per run (/bin/sh -c), the
                            shell's own start-up measured and subtracted, exit codes checked
      --prepare "CMD"       run before every run of --command, untimed
      --timeout S           longest one call (--python, default 60), run (--command, default
                            600) or response (a URL, default 30) may take
  For a URL (an HTTP endpoint; failed requests are counted apart, never in the figures):
      --concurrency N       requests in flight at once, closed loop (default 1)
      --sweep [LIST]        closed loop at each concurrency in LIST (default ${DEFAULT_SWEEP_LEVELS.join(',')}): the
                            throughput/latency curve and its knee; -n/-w per level are raised to
                            20/2 per request in flight (default 200 after 20)
      --p99-budget MS       with --sweep: the best concurrency is the most throughput with p99 ≤ MS
      --rate R              open loop: R requests per second whatever the answers; latency runs
                            from each request's intended send time (no coordinated omission)
      --arrival A           with --rate: constant (default) or poisson
      --duration S          with --rate: send for S seconds (instead of -n requests)
      --busy-poll           keep the client awake while requests are in flight, so answers are
                            read as they arrive (not after a wake-up, ~0.2–0.5 ms here); costs a CPU
      --method M            GET, POST, … (default GET, or POST with a body)
      --header 'K: V'       a request header (repeatable)
      --body-file F         the request body, sent as is (JSON gets content-type application/json)
      --body-template F     a body rendered per request: {{i}} (request index from 0), {{line}}
                            (next line of --body-lines), {{random_int LO HI}}, {{random LO HI}},
                            {{uuid}} (seeded), {{timestamp_ms}}, {{json NAME}} (as a JSON string)
      --body-lines F        a file of inputs, one a line, that {{line}} cycles through; alone,
                            each line is a whole body (replaying JSON Lines)
      --body-seed N         seed of the template's random values (default ${DEFAULT_TEMPLATE_SEED})
      --expect-status LIST  statuses that count as success, e.g. 200,201 (default any 2xx)
  For --openai URL (chat/completions or completions with stream: true; --concurrency, --header
  and --timeout (default ${DEFAULT_OPENAI_TIMEOUT_SECONDS}, for one whole answer) apply as for a URL):
      --model NAME          the model name sent in every request (required)
      --prompts FILE        .txt (one prompt per line), .jsonl ({"prompt": …} or {"messages": […]}
                            per line) or .json (an array of them); sent in turn (required)
      --api chat|completions  which endpoint a base URL gets (default chat); a URL ending in
                            /chat/completions or /completions is taken as it is
      --max-tokens N        max_tokens of every request (default ${DEFAULT_MAX_TOKENS})
      --shared-prefix N     put the same N generated words before every prompt, to show what
                            the server's prompt (prefix) caching does to TTFT (default 0)
      --slo LIST            objectives in ms for goodput, e.g. ttft=200,tpot=50 (also itl, e2e)
      --shape NAME=DIMS     input shape, e.g. --shape input=1x3x224x224 (repeatable)
      --value NAME=V        fill an input with a constant (repeatable)
      --range NAME=LO:HI    generated values in [LO, HI), e.g. --range input_ids=0:30522
      --dim SYMBOL=N        size of a symbolic dimension, e.g. --dim sequence=128
      --default-dim N       size of other symbolic dimensions (default 32)
      --input NAME=FILE     feed an input from a .npy or JSON tensor file (repeatable); the
                            file gives the shape, so no --value/--range for that input
      --inputs FILE         a JSON tensor file of several inputs, {"name": nested lists, ...}
                            (repeatable); an input's own --input wins. Paths are relative to
                            the current directory; inputs without a file are synthesized
  -t, --threads N           onnxruntime intra-op threads (0 = onnxruntime decides)
      --inter-threads N     onnxruntime inter-op threads
      --opt-level L         graph optimization: ${OPTIMIZATION_LEVELS.join(' | ')}
      --execution-mode M    ${EXECUTION_MODES.join(' | ')}
      --ep LIST             execution providers in order, e.g. cuda,cpu
      --adaptive            stop when the p50 and target-percentile CIs are within --precision
      --precision P         adaptive target half-width, e.g. 1% or 0.01 (default 1%)
      --target-percentile Q p95 | p99 | p999 (default p99)
      --max-iterations N    adaptive cap on measured runs (default 100000)
      --max-time S          adaptive cap in seconds (default 60)
      --cv-target P         CV a stable run stays under, e.g. 0.1% (default 0.1%)
      --repeat N            N complete runs, each on a fresh session, in one process; the
                            result pools their runs and reports how far apart they lie (default 1)
      --cpus LIST           pin the benchmark to CPUs, e.g. 2,3 or 0-3 (uses taskset)
      --config FILE         a latency.json (default: .vscode/latency.json if present)
      --json FILE           write the full result as JSON (- for stdout)
      --markdown FILE       write the result as Markdown tables, for a pull request (- for stdout)
      --csv FILE            write every warm-up and measured run as CSV (- for stdout)
  -q, --quiet               no progress line
  -h, --help                this help
  -v, --version             print the version

Exit status: 0 done, 1 benchmark failed, 2 bad arguments, 130 interrupted (partial result kept).`;

/** What `latency bench` runs, as the command line named it (paths and the named target resolved later). */
export type BenchTargetArg =
  | { kind: 'onnx'; modelPath: string }
  | { kind: 'python'; file: string; function: string; scriptForm: boolean; setup?: string; interpreter?: string; callTimeoutSeconds?: number }
  | { kind: 'command'; command: string; prepare?: string; timeoutSeconds?: number }
  | { kind: 'http'; url: string; method?: string; headers?: Record<string, string>; bodyFile?: string; bodyTemplate?: boolean; bodyLinesFile?: string; bodySeed?: number; concurrency?: number; expectedStatus?: number[]; timeoutSeconds?: number; sweep?: number[]; p99BudgetMs?: number; rate?: number; arrival?: Arrival; durationSeconds?: number; busyPoll?: true }
  | OpenAiSpec
  | { kind: 'named'; name: string; interpreter?: string };

export interface DoctorArgs {
  command: 'doctor';
  interpreter?: string;
  cuda: boolean;
  json: boolean;
}

export interface BenchArgs {
  command: 'bench';
  target: BenchTargetArg;
  layer: ConfigLayer;
  configPath?: string;
  jsonPath?: string;
  /** The result as Markdown (for a pull request) or CSV (every run), written to a file or '-' for stdout. */
  markdownPath?: string;
  csvPath?: string;
  /** Complete runs to do (--repeat); absent for one. */
  repeat?: number;
  quiet: boolean;
}

export interface SystemArgs {
  command: 'system';
  json: boolean;
  scriptsDir?: string;
  cpus?: number[];
}

export type CliCommand =
  | BenchArgs
  | LintArgs
  | CompareArgs
  | AbArgs
  | LocustArgs
  | SystemArgs
  | DoctorArgs
  | { command: 'help' }
  | { command: 'lint-help' }
  | { command: 'compare-help' }
  | { command: 'ab-help' }
  | { command: 'locust-help' }
  | { command: 'version' };

export function parseCli(argv: readonly string[]): CliCommand {
  if (argv[0] === 'lint') {
    const rest = argv.slice(1);
    if (rest.includes('-h') || rest.includes('--help')) return { command: 'lint-help' };
    return parseLintArgs(rest);
  }
  if (argv[0] === 'compare') {
    const rest = argv.slice(1);
    if (rest.includes('-h') || rest.includes('--help')) return { command: 'compare-help' };
    return parseCompareArgs(rest);
  }
  if (argv[0] === 'ab') {
    const rest = argv.slice(1);
    if (rest.includes('-h') || rest.includes('--help')) return { command: 'ab-help' };
    return parseAbArgs(rest);
  }
  if (argv[0] === 'locust') return parseLocustArgs(argv.slice(1));
  if (argv[0] === 'system') return parseSystemArgs(argv.slice(1));
  if (argv[0] === 'doctor') return parseDoctorArgs(argv.slice(1));
  const parsed = parseCommandLine({
    args: withSweepValue(argv),
    allowPositionals: true,
    strict: true,
    options: {
      ...RUN_OPTIONS,
      adaptive: { type: 'boolean' },
      precision: { type: 'string' },
      'target-percentile': { type: 'string' },
      'max-iterations': { type: 'string' },
      'max-time': { type: 'string' },
      'cv-target': { type: 'string' },
      markdown: { type: 'string' },
      csv: { type: 'string' },
      ...TARGET_OPTIONS,
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const { values: v, positionals } = parsed;
  if (v.help) return { command: 'help' };
  if (v.version) return { command: 'version' };
  const [command, modelPath, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command (try: latency bench model.onnx)');
  if (command !== 'bench') throw new UsageError(`unknown command "${command}" (the commands are "bench", "ab", "compare", "lint" and "system")`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const target = targetArg(v, modelPath);

  const layer = runLayer(v);
  const stopping: NonNullable<ConfigLayer['stopping']> = {};
  if (v.adaptive) stopping.mode = 'adaptive';
  if (v.precision !== undefined) stopping.relativeHalfWidth = fraction('--precision', v.precision, 1);
  if (v['target-percentile'] !== undefined) stopping.targetPercentile = oneOf('--target-percentile', v['target-percentile'], TARGET_PERCENTILES) as StoppingRule['targetPercentile'];
  if (v['max-iterations'] !== undefined) stopping.maxIterations = int('--max-iterations', v['max-iterations'], 1);
  if (v['max-time'] !== undefined) {
    const s = Number(v['max-time'].replace(/s$/, ''));
    if (!(s > 0 && Number.isFinite(s))) throw new UsageError(`--max-time expects seconds > 0, got "${v['max-time']}"`);
    stopping.maxSeconds = s;
  }
  if (Object.keys(stopping).length) layer.stopping = stopping;
  if (v['cv-target'] !== undefined) layer.cvTarget = fraction('--cv-target', v['cv-target'], 10);

  const repeat = v.repeat === undefined ? 1 : int('--repeat', v.repeat, 1);
  if (repeat > 1 && (v.sweep !== undefined || v.rate !== undefined)) throw new UsageError(`--repeat does not apply to ${v.sweep !== undefined ? '--sweep' : '--rate'}`);
  oneDocumentOnStdout({ '--json -': v.json === '-', '--markdown -': v.markdown === '-', '--csv -': v.csv === '-' });

  return {
    command: 'bench',
    target,
    layer,
    quiet: v.quiet ?? false,
    ...(repeat > 1 ? { repeat } : {}),
    ...(v.config !== undefined ? { configPath: v.config } : {}),
    ...(v.json !== undefined ? { jsonPath: v.json } : {}),
    ...(v.markdown !== undefined ? { markdownPath: v.markdown } : {}),
    ...(v.csv !== undefined ? { csvPath: v.csv } : {}),
  };
}

/** --body-template F (read as --body-file, rendered per request), --body-lines F, --body-seed N. */
function bodyTemplateArgs(str: (k: string) => string | undefined): { bodyFile?: string; bodyTemplate?: true; bodyLinesFile?: string; bodySeed?: number } {
  const file = str('body-template');
  const lines = str('body-lines');
  const seed = str('body-seed');
  if (file !== undefined && str('body-file') !== undefined) throw new UsageError('give --body-file (sent as is) or --body-template (rendered per request), not both');
  if (lines !== undefined && str('body-file') !== undefined) throw new UsageError('--body-lines needs --body-template (whose {{line}} takes each line) instead of --body-file');
  if (seed !== undefined && file === undefined && lines === undefined) throw new UsageError('--body-seed applies to --body-template only');
  if (file === undefined && lines === undefined) return {};
  return {
    ...(file !== undefined ? { bodyFile: file } : {}),
    bodyTemplate: true,
    ...(lines !== undefined ? { bodyLinesFile: lines } : {}),
    ...(seed !== undefined ? { bodySeed: int('--body-seed', seed, 0) } : {}),
  };
}

/** The flags that pick a target other than an ONNX file. */
const TARGET_OPTIONS = {
  python: { type: 'string' },
  setup: { type: 'string' },
  interpreter: { type: 'string' },
  command: { type: 'string' },
  prepare: { type: 'string' },
  target: { type: 'string' },
  timeout: { type: 'string' },
  concurrency: { type: 'string' },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  'body-file': { type: 'string' },
  'body-template': { type: 'string' },
  'body-lines': { type: 'string' },
  'body-seed': { type: 'string' },
  'expect-status': { type: 'string' },
  sweep: { type: 'string' },
  'p99-budget': { type: 'string' },
  rate: { type: 'string' },
  arrival: { type: 'string' },
  duration: { type: 'string' },
  'busy-poll': { type: 'boolean' },
  openai: { type: 'string' },
  model: { type: 'string' },
  prompts: { type: 'string' },
  api: { type: 'string' },
  'max-tokens': { type: 'string' },
  'shared-prefix': { type: 'string' },
  slo: { type: 'string' },
} as const;

/** What `--sweep` with no list stands for once withSweepValue gave it one. */
const SWEEP_DEFAULT_VALUE = 'default';

/** `--sweep` takes an optional list, which parseArgs cannot express: a bare `--sweep` (not followed by a list of levels) becomes `--sweep=default`. */
function withSweepValue(argv: readonly string[]): string[] {
  return argv.map((a, i) => (a === '--sweep' && !/^\d[\d,\s]*$/.test(argv[i + 1] ?? '') ? `--sweep=${SWEEP_DEFAULT_VALUE}` : a));
}

/** The load-model flags of a URL: one of --concurrency, --sweep and --rate, with their own options. */
function loadModelArgs(str: (k: string) => string | undefined): { sweep?: number[]; p99BudgetMs?: number; rate?: number; arrival?: Arrival; durationSeconds?: number } {
  const given = (['concurrency', 'sweep', 'rate'] as const).filter((k) => str(k) !== undefined).map((k) => `--${k}`);
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} are different load models: give one (--concurrency N: a closed loop; --sweep: closed loops at several levels; --rate R: an open loop)`);
  if (str('p99-budget') !== undefined && str('sweep') === undefined) throw new UsageError('--p99-budget applies to --sweep only');
  for (const f of ['arrival', 'duration']) if (str(f) !== undefined && str('rate') === undefined) throw new UsageError(`--${f} applies to --rate only`);
  const out: ReturnType<typeof loadModelArgs> = {};
  const sweep = str('sweep');
  if (sweep !== undefined) {
    try {
      out.sweep = sweep === SWEEP_DEFAULT_VALUE ? [...DEFAULT_SWEEP_LEVELS] : parseSweepLevels(sweep);
    } catch (err) {
      throw new UsageError(`--sweep: ${(err as Error).message}`);
    }
  }
  const budget = str('p99-budget');
  if (budget !== undefined) {
    const ms = Number(budget.replace(/ms$/, ''));
    if (!(ms > 0 && Number.isFinite(ms))) throw new UsageError(`--p99-budget expects milliseconds > 0, e.g. 250, got "${budget}"`);
    out.p99BudgetMs = ms;
  }
  const rate = str('rate');
  if (rate !== undefined) {
    const r = Number(rate.replace(/\/s$/, ''));
    if (!(r > 0 && Number.isFinite(r))) throw new UsageError(`--rate expects requests per second > 0, e.g. 50, got "${rate}"`);
    out.rate = r;
  }
  const arrival = str('arrival');
  if (arrival !== undefined) out.arrival = oneOf('--arrival', arrival, ARRIVALS) as Arrival;
  const duration = str('duration');
  if (duration !== undefined) out.durationSeconds = seconds('--duration', duration);
  return out;
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Exactly one target: a model path, --python, --command or --target; flags that belong to another kind are refused, not ignored. */
function targetArg(v: Values, modelPath: string | undefined): BenchTargetArg {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const chosen = [modelPath !== undefined ? 'a model path' : '', str('python') !== undefined ? '--python' : '', str('command') !== undefined ? '--command' : '', str('target') !== undefined ? '--target' : '', str('openai') !== undefined ? '--openai' : ''].filter(Boolean);
  if (chosen.length === 0) throw new UsageError('missing target: latency bench <model.onnx> | --python file.py:function | --command "…" | --openai URL | --target NAME');
  if (chosen.length > 1) throw new UsageError(`one target at a time: ${chosen.join(' and ')} were both given`);
  const isUrl = modelPath !== undefined && /^https?:\/\//i.test(modelPath);
  const kind = isUrl ? 'http' : modelPath !== undefined ? 'onnx' : str('python') !== undefined ? 'python' : str('command') !== undefined ? 'command' : str('openai') !== undefined ? 'openai' : 'named';
  const onlyFor = (flags: string[], kinds: string[], what: string) => {
    if (kinds.includes(kind)) return;
    const given = flags.filter((f) => v[f] !== undefined && !(Array.isArray(v[f]) && (v[f] as string[]).length === 0));
    if (given.length) throw new UsageError(`--${given[0]} applies to ${what} only`);
  };
  onlyFor([...Object.keys(SESSION_OPTIONS), ...Object.keys(INPUT_OPTIONS)], ['onnx', 'named'], 'ONNX models');
  onlyFor(['setup'], ['python'], '--python');
  onlyFor(['interpreter'], ['python', 'named'], 'Python functions');
  onlyFor(['prepare'], ['command'], '--command');
  onlyFor(['timeout'], ['python', 'command', 'http', 'openai'], '--python, --command and URLs');
  onlyFor(['method', 'body-file', 'body-template', 'body-lines', 'body-seed', 'expect-status', 'sweep', 'p99-budget', 'rate', 'arrival', 'duration', 'busy-poll'], ['http'], 'URLs (HTTP endpoints)');
  onlyFor(['concurrency', 'header'], ['http', 'openai'], 'URLs (HTTP endpoints)');
  onlyFor(['model', 'prompts', 'api', 'max-tokens', 'shared-prefix', 'slo'], ['openai'], '--openai (an OpenAI-compatible LLM server)');
  const timeout = str('timeout') === undefined ? undefined : seconds('--timeout', str('timeout')!);
  switch (kind) {
    case 'onnx':
      return { kind, modelPath: modelPath! };
    case 'openai':
      return openAiArg(v, str, timeout);
    case 'http': {
      const headers = headersOption(v.header as string[] | undefined);
      const method = str('method');
      if (method !== undefined && !/^[A-Za-z]+$/.test(method)) throw new UsageError(`--method expects a method such as GET or POST, got "${method}"`);
      const expect = str('expect-status');
      const statuses = expect?.split(',').map((s) => s.trim());
      if (statuses && !statuses.every((s) => /^[1-5]\d\d$/.test(s))) throw new UsageError(`--expect-status expects statuses like 200,201, got "${expect}"`);
      return {
        kind,
        url: modelPath!,
        ...(method ? { method: method.toUpperCase() } : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
        ...(str('body-file') !== undefined ? { bodyFile: str('body-file')! } : {}),
        ...bodyTemplateArgs(str),
        ...(str('concurrency') !== undefined ? { concurrency: int('--concurrency', str('concurrency')!, 1) } : {}),
        ...(statuses ? { expectedStatus: statuses.map(Number) } : {}),
        ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
        ...loadModelArgs(str),
        ...(v['busy-poll'] === true ? { busyPoll: true as const } : {}),
      };
    }
    case 'python': {
      let parsed;
      try {
        parsed = parsePythonTarget(str('python')!);
      } catch (err) {
        throw new UsageError(`--python: ${(err as Error).message}`);
      }
      const setup = str('setup');
      if (setup !== undefined && !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(setup)) throw new UsageError(`--setup expects a function name, got "${setup}"`);
      const interpreter = str('interpreter');
      if (interpreter !== undefined && !interpreter.trim()) throw new UsageError('--interpreter expects a Python interpreter, e.g. python3 or .venv/bin/python');
      return { kind, ...parsed, ...(setup !== undefined ? { setup } : {}), ...(interpreter ? { interpreter } : {}), ...(timeout !== undefined ? { callTimeoutSeconds: timeout } : {}) };
    }
    case 'command': {
      const command = str('command')!;
      if (!command.trim()) throw new UsageError('--command expects a shell command, e.g. --command "python3 infer.py"');
      const prepare = str('prepare');
      if (prepare !== undefined && !prepare.trim()) throw new UsageError('--prepare expects a shell command');
      return { kind, command, ...(prepare !== undefined ? { prepare } : {}), ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}) };
    }
    default: {
      const interpreter = str('interpreter');
      return { kind: 'named', name: str('target')!, ...(interpreter ? { interpreter } : {}) };
    }
  }
}

function headersOption(raw: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of raw ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header expects 'Name: value', got "${h}"`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return headers;
}

/** --openai URL --model NAME --prompts F and the rest; the prompts file is read when the run starts. */
function openAiArg(v: Values, str: (k: string) => string | undefined, timeout: number | undefined): OpenAiSpec {
  const url = str('openai')!;
  if (!/^https?:\/\/\S+$/i.test(url)) throw new UsageError(`--openai expects the server's URL, e.g. http://127.0.0.1:8000/v1, got "${url}"`);
  const model = str('model');
  if (model === undefined || !model.trim()) throw new UsageError('--openai needs --model NAME (the model name the server lists at GET /v1/models)');
  const prompts = str('prompts');
  if (prompts === undefined || !prompts.trim()) throw new UsageError('--openai needs --prompts FILE (.txt: one prompt per line; .jsonl: {"prompt": …} per line)');
  const api = str('api');
  if (api !== undefined) oneOf('--api', api, ['chat', 'completions']);
  let slo: OpenAiSpec['slo'];
  if (str('slo') !== undefined) {
    try {
      slo = parseSlo(str('slo')!);
    } catch (err) {
      if (err instanceof SloSyntaxError) throw new UsageError(`--slo: ${err.message}`);
      throw err;
    }
  }
  const headers = headersOption(v.header as string[] | undefined);
  return {
    kind: 'openai',
    url,
    model,
    promptsFile: prompts,
    ...(api !== undefined ? { api: api as 'chat' | 'completions' } : {}),
    ...(str('max-tokens') !== undefined ? { maxTokens: int('--max-tokens', str('max-tokens')!, 1) } : {}),
    ...(str('shared-prefix') !== undefined ? { sharedPrefix: int('--shared-prefix', str('shared-prefix')!, 0) } : {}),
    ...(slo ? { slo } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(str('concurrency') !== undefined ? { concurrency: int('--concurrency', str('concurrency')!, 1) } : {}),
    ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
  };
}

function seconds(flag: string, raw: string): number {
  const s = Number(raw.replace(/s$/, ''));
  if (!(s > 0 && Number.isFinite(s))) throw new UsageError(`${flag} expects seconds > 0, got "${raw}"`);
  return s;
}

function parseDoctorArgs(argv: readonly string[]): DoctorArgs | { command: 'help' } {
  const parsed = parseCommandLine({
    args: [...argv],
    strict: true,
    options: { python: { type: 'string' }, cuda: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const v = parsed.values;
  if (v.help) return { command: 'help' };
  return { command: 'doctor', cuda: v.cuda ?? false, json: v.json ?? false, ...(v.python !== undefined ? { interpreter: v.python } : {}) };
}

function parseSystemArgs(argv: readonly string[]): SystemArgs | { command: 'help' } {
  const parsed = parseCommandLine({
    args: [...argv],
    strict: true,
    options: { json: { type: 'boolean' }, scripts: { type: 'string' }, cpus: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const v = parsed.values;
  if (v.help) return { command: 'help' };
  const out: SystemArgs = { command: 'system', json: v.json ?? false };
  if (v.scripts !== undefined) out.scriptsDir = v.scripts;
  if (v.cpus !== undefined) {
    const cpus = cpusOption(v.cpus);
    if (cpus) out.cpus = cpus;
  }
  return out;
}

/** How onnxruntime sessions are set up; shared by every command that loads a model. */
export const SESSION_OPTIONS = {
  threads: { type: 'string', short: 't' },
  'inter-threads': { type: 'string' },
  'opt-level': { type: 'string' },
  'execution-mode': { type: 'string' },
  ep: { type: 'string' },
} as const;

/** How inputs are synthesized; shared by every command that feeds a model. */
export const INPUT_OPTIONS = {
  shape: { type: 'string', multiple: true },
  value: { type: 'string', multiple: true },
  range: { type: 'string', multiple: true },
  dim: { type: 'string', multiple: true },
  'default-dim': { type: 'string' },
  input: { type: 'string', multiple: true },
  inputs: { type: 'string', multiple: true },
} as const;

/** What bench and ab both take: counts, inputs, session options, pinning, repeats, the config file and output. */
export const RUN_OPTIONS = {
  iterations: { type: 'string', short: 'n' },
  warmup: { type: 'string', short: 'w' },
  ...INPUT_OPTIONS,
  ...SESSION_OPTIONS,
  cpus: { type: 'string' },
  repeat: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

type InputValues = { shape?: string[]; value?: string[]; range?: string[]; dim?: string[]; 'default-dim'?: string; input?: string[]; inputs?: string[] };

/**
 * The session part of a config layer from SESSION_OPTIONS' values; undefined when none was given.
 * `prefix` reads the same options under another name (`latency ab`'s --candidate-threads …).
 */
export function sessionLayer(values: Record<string, string | boolean | string[] | undefined>, prefix = ''): ConfigLayer['session'] {
  const get = (k: keyof typeof SESSION_OPTIONS): string | undefined => {
    const x = values[`${prefix}${k}`];
    return typeof x === 'string' ? x : undefined;
  };
  const flag = (k: keyof typeof SESSION_OPTIONS) => `--${prefix}${k}`;
  const session: NonNullable<ConfigLayer['session']> = {};
  const threads = get('threads');
  const inter = get('inter-threads');
  const level = get('opt-level');
  const mode = get('execution-mode');
  const ep = get('ep');
  if (threads !== undefined) session.intraOpNumThreads = int(flag('threads'), threads, 0);
  if (inter !== undefined) session.interOpNumThreads = int(flag('inter-threads'), inter, 0);
  if (level !== undefined) session.graphOptimizationLevel = oneOf(flag('opt-level'), level, OPTIMIZATION_LEVELS) as GraphOptimizationLevel;
  if (mode !== undefined) session.executionMode = oneOf(flag('execution-mode'), mode, EXECUTION_MODES) as ExecutionMode;
  if (ep !== undefined) {
    const eps = ep.split(',').map((s) => s.trim()).filter(Boolean);
    if (!eps.length) throw new UsageError(`${flag('ep')} needs at least one provider, e.g. ${flag('ep')} cpu`);
    session.executionProviders = eps;
  }
  return Object.keys(session).length ? session : undefined;
}

/** The config layer bench and ab both build from RUN_OPTIONS' values. */
export function runLayer(v: Record<string, string | boolean | string[] | undefined>): ConfigLayer {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const layer: ConfigLayer = {};
  const iterations = str('iterations');
  const warmup = str('warmup');
  const cpus = str('cpus');
  if (iterations !== undefined) layer.iterations = int('--iterations', iterations, 1);
  if (warmup !== undefined) layer.warmup = int('--warmup', warmup, 0);
  if (cpus !== undefined) layer.cpuAffinity = cpusOption(cpus);
  const session = sessionLayer(v);
  if (session) layer.session = session;
  const inputs = inputsLayer(v as InputValues);
  if (inputs) layer.inputs = inputs;
  return layer;
}

/** The inputs part of a config layer from INPUT_OPTIONS' values; undefined when none was given. */
export function inputsLayer(v: InputValues): ConfigLayer['inputs'] {
  const overrides: Record<string, InputOverride> = {};
  const override = (name: string) => (overrides[name] ??= {});
  for (const s of v.shape ?? []) {
    const [name, dims] = pair('--shape', s);
    override(name).shape = dims.split(/[x,]/).map((d) => {
      if (/^\d+$/.test(d)) return Number(d);
      if (/^[A-Za-z_][\w.]*$/.test(d)) return d;
      throw new UsageError(`--shape ${s}: "${d}" is not a size (write dims like 1x3x224x224)`);
    });
  }
  for (const s of v.value ?? []) {
    const [name, raw] = pair('--value', s);
    override(name).value = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  for (const s of v.range ?? []) {
    const [name, raw] = pair('--range', s);
    const m = /^(-?[\d.]+(?:e-?\d+)?):(-?[\d.]+(?:e-?\d+)?)$/.exec(raw);
    if (!m || !(Number(m[1]) < Number(m[2]))) throw new UsageError(`--range ${s}: expected NAME=LOW:HIGH with LOW < HIGH`);
    override(name).range = [Number(m[1]), Number(m[2])];
  }
  for (const s of v.input ?? []) {
    const [name, file] = pair('--input', s);
    if (file === '') throw new UsageError(`--input ${s}: expected NAME=FILE (a .npy or JSON tensor file)`);
    const o = override(name);
    if (o.file !== undefined) throw new UsageError(`--input ${name} is given twice ("${o.file}" and "${file}")`);
    // The file gives the values; a generated fill for the same input would be silently ignored.
    if (o.value !== undefined || o.range !== undefined) throw new UsageError(`--input ${name}=${file}: the file gives "${name}"'s values, so --value/--range cannot be set for it too`);
    o.file = file;
  }
  const files = (v.inputs ?? []).map((path) => {
    if (path === '') throw new UsageError('--inputs expects a JSON tensor file');
    return { path };
  });
  const dimensions: Record<string, number> = {};
  for (const s of v.dim ?? []) {
    const [name, raw] = pair('--dim', s);
    dimensions[name] = int(`--dim ${name}`, raw, 0);
  }
  const inputs: NonNullable<ConfigLayer['inputs']> = {};
  if (v['default-dim'] !== undefined) inputs.defaultDimension = int('--default-dim', v['default-dim'], 1);
  if (Object.keys(dimensions).length) inputs.dimensions = dimensions;
  if (Object.keys(overrides).length) inputs.overrides = overrides;
  if (files.length) inputs.files = files;
  return Object.keys(inputs).length ? inputs : undefined;
}

/** `--cpus 2,3` / `0-3`; null for an empty list (no pinning). */
export function cpusOption(raw: string): number[] | null {
  const cpus = parseAffinity(raw);
  if (typeof cpus === 'string') throw new UsageError(`--cpus ${cpus.replace(/^must be/, 'expects')}`);
  return cpus;
}

export function int(flag: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`${flag} expects an integer ≥ ${min}, got "${raw}"`);
  return Number(raw);
}

/** "1%" or "0.01"; must be < max, and > 0 unless `allowZero` (a tolerance of 0 means "exactly"). */
export function fraction(flag: string, raw: string, max: number, allowZero = false): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(raw.trim());
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!((allowZero ? value >= 0 : value > 0) && value < max)) throw new UsageError(`${flag} expects a fraction like 1% or 0.01, got "${raw}"`);
  return value;
}

export function oneOf(flag: string, raw: string, allowed: readonly string[]): string {
  if (!allowed.includes(raw)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw;
}

export function pair(flag: string, raw: string): [string, string] {
  const eq = raw.lastIndexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got "${raw}"`);
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}
