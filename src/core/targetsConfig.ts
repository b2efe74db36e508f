// Named targets in `.vscode/latency.json`: the Python functions and commands a workspace
// benchmarks, so "Latency: Run Benchmark" can offer them and `latency bench --target NAME` can
// run them. Paths are relative to the workspace folder. Pure: validation and resolution only.
//
//   "targets": {
//     "encoder": { "python": "serve/model.py:predict", "setup": "load", "iterations": 300 },
//     "cli":     { "command": "python3 infer.py --batch 8", "prepare": "sync", "iterations": 20 }
//   }

import { TemplateSyntaxError, compileTemplate } from './bodyTemplate';
import type { ConfigIssue } from './config';
import { ARRIVALS, type Arrival } from './openLoop';
import { DEFAULT_SWEEP_LEVELS, checkSweepLevels } from './sweep';
import { parseLocustRunSpec } from './locustExport';
import { SloSyntaxError, parseSlo } from './llmMetrics';
import { TargetSyntaxError, checkPythonName, parsePythonTarget, type CommandSpec, type HttpSpec, type OpenAiSpec, type PythonSpec } from './target';

export interface NamedTarget {
  name: string;
  /** What to run; `file`/`cwd` relative to the workspace folder until resolveNamedTarget. */
  spec: (Omit<PythonSpec, 'interpreter'> & { interpreter?: string }) | CommandSpec | NamedHttpSpec | OpenAiSpec;
  /** Counts for this target alone (processes often want far fewer runs than an inference). */
  iterations?: number;
  warmup?: number;
}

/**
 * An endpoint as the file names it: the body inline or from a file relative to the workspace
 * folder; `bodyLinesFile` (the file's "bodyLines") is relative to the folder too.
 */
export type NamedHttpSpec = HttpSpec & { bodyFile?: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isSeconds = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

const PYTHON_KEYS = ['python', 'setup', 'interpreter', 'cwd', 'callTimeoutSeconds', 'setupTimeoutSeconds', 'iterations', 'warmup'];
const COMMAND_KEYS = ['command', 'prepare', 'cwd', 'timeoutSeconds', 'iterations', 'warmup'];
const HTTP_KEYS = ['url', 'method', 'headers', 'body', 'bodyFile', 'bodyTemplate', 'bodyLines', 'bodySeed', 'concurrency', 'expectedStatus', 'timeoutSeconds', 'iterations', 'warmup', 'sweep', 'p99BudgetMs', 'rate', 'arrival', 'durationSeconds', 'busyPoll', 'locust'];
/** An OpenAI-compatible streaming endpoint: "openai" is its base URL; `promptsFile` is relative to the workspace folder until resolved. */
const OPENAI_KEYS = ['openai', 'model', 'prompts', 'api', 'maxTokens', 'sharedPrefix', 'slo', 'headers', 'concurrency', 'timeoutSeconds', 'iterations', 'warmup'];

/** The `targets` section of a parsed workspace file; absent is an empty list. */
export function parseTargets(raw: unknown, source: string): { targets: NamedTarget[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const targets: NamedTarget[] = [];
  if (!isObj(raw) || raw.targets === undefined) return { targets, issues };
  if (!isObj(raw.targets)) {
    issues.push({ source, path: ['targets'], message: 'expected an object keyed by target name' });
    return { targets, issues };
  }
  for (const [name, value] of Object.entries(raw.targets)) {
    const issue = (key: string | undefined, message: string) => issues.push({ source, path: ['targets', name, ...(key ? [key] : [])], message });
    if (!isObj(value)) {
      issue(undefined, 'expected an object with "python" (file.py:function) or "command"');
      continue;
    }
    const given = (['python', 'command', 'url', 'openai'] as const).filter((k) => value[k] !== undefined);
    const kind = given.length === 1 && typeof value[given[0]!] === 'string' ? (given[0] === 'url' ? 'http' : given[0]!) : undefined;
    if (!kind) {
      issue(undefined, 'needs exactly one of "python" (e.g. "serve/model.py:predict"), "command" (a shell command), "openai" (an OpenAI-compatible LLM server, e.g. "http://127.0.0.1:8000/v1") and "url" (an HTTP endpoint)');
      continue;
    }
    const before = issues.length;
    const known = kind === 'python' ? PYTHON_KEYS : kind === 'http' ? HTTP_KEYS : kind === 'openai' ? OPENAI_KEYS : COMMAND_KEYS;
    for (const key of Object.keys(value)) if (!known.includes(key)) issue(key, `unknown option "${key}" for a ${kind} target (known: ${known.join(', ')})`);
    const named: NamedTarget = { name, spec: kind === 'python' ? pythonSpec(value, issue) : kind === 'http' ? httpSpec(value, issue) : kind === 'openai' ? openAiSpec(value, issue) : commandSpec(value, issue) };
    if (value.iterations !== undefined) {
      if (isInt(value.iterations, 1)) named.iterations = value.iterations;
      else issue('iterations', 'must be an integer ≥ 1');
    }
    if (value.warmup !== undefined) {
      if (isInt(value.warmup, 0)) named.warmup = value.warmup;
      else issue('warmup', 'must be an integer ≥ 0');
    }
    if (issues.length === before) targets.push(named);
  }
  return { targets, issues };
}

function pythonSpec(v: Obj, issue: (key: string, message: string) => void): NamedTarget['spec'] {
  let parsed = { file: '', function: 'predict', scriptForm: true };
  try {
    parsed = parsePythonTarget(v.python as string);
  } catch (err) {
    issue('python', err instanceof TargetSyntaxError ? err.message : String(err));
  }
  const spec: NamedTarget['spec'] = { kind: 'python', file: parsed.file, function: parsed.function, ...(parsed.scriptForm ? { scriptForm: true } : {}) };
  if (v.setup !== undefined) {
    try {
      if (typeof v.setup !== 'string') throw new TargetSyntaxError('must be the name of a function in the file');
      spec.setup = checkPythonName(v.setup, 'setup');
    } catch (err) {
      issue('setup', (err as Error).message);
    }
  }
  if (v.interpreter !== undefined) {
    if (typeof v.interpreter === 'string' && v.interpreter.trim()) spec.interpreter = v.interpreter;
    else issue('interpreter', 'must be a path to a Python interpreter, or a command on PATH such as "python3"');
  }
  if (v.cwd !== undefined) {
    if (typeof v.cwd === 'string') spec.cwd = v.cwd;
    else issue('cwd', 'must be a folder, relative to the workspace folder');
  }
  for (const key of ['callTimeoutSeconds', 'setupTimeoutSeconds'] as const) {
    if (v[key] === undefined) continue;
    if (isSeconds(v[key])) spec[key] = v[key];
    else issue(key, 'must be a number of seconds > 0');
  }
  return spec;
}

function httpSpec(v: Obj, issue: (key: string, message: string) => void): NamedHttpSpec {
  const spec: NamedHttpSpec = { kind: 'http', url: v.url as string };
  if (!/^https?:\/\/\S+$/i.test(spec.url)) issue('url', 'must be an http:// or https:// URL');
  if (v.method !== undefined) {
    if (typeof v.method === 'string' && /^[A-Za-z]+$/.test(v.method)) spec.method = v.method.toUpperCase();
    else issue('method', 'must be an HTTP method such as "GET" or "POST"');
  }
  if (v.headers !== undefined) {
    if (isObj(v.headers) && Object.values(v.headers).every((h) => typeof h === 'string')) spec.headers = v.headers as Record<string, string>;
    else issue('headers', 'must be an object of header names to string values');
  }
  if (v.body !== undefined && v.bodyFile !== undefined) issue('body', 'give "body" or "bodyFile", not both');
  else if (v.body !== undefined) {
    // A JSON object or array is sent as its JSON text; a string is sent as is.
    spec.body = typeof v.body === 'string' ? v.body : JSON.stringify(v.body);
  } else if (v.bodyFile !== undefined) {
    if (typeof v.bodyFile === 'string' && v.bodyFile) spec.bodyFile = v.bodyFile;
    else issue('bodyFile', 'must be a file, relative to the workspace folder');
  }
  bodyTemplateOptions(v, spec, issue);
  if (v.concurrency !== undefined) {
    if (isInt(v.concurrency, 1)) spec.concurrency = v.concurrency;
    else issue('concurrency', 'must be an integer ≥ 1');
  }
  if (v.expectedStatus !== undefined) {
    if (Array.isArray(v.expectedStatus) && v.expectedStatus.length > 0 && v.expectedStatus.every((s) => isInt(s, 100) && s <= 599)) spec.expectedStatus = v.expectedStatus as number[];
    else issue('expectedStatus', 'must be a list of HTTP statuses, e.g. [200, 201]');
  }
  if (v.timeoutSeconds !== undefined) {
    if (isSeconds(v.timeoutSeconds)) spec.timeoutSeconds = v.timeoutSeconds;
    else issue('timeoutSeconds', 'must be a number of seconds > 0');
  }
  loadModel(v, spec, issue);
  if (v.locust !== undefined) {
    const locust = parseLocustRunSpec(v.locust);
    if (typeof locust === 'string') issue('locust', locust);
    else if (spec.sweep !== undefined || spec.rate !== undefined) issue('locust', 'Locust sends its own load (users, ratePerSecond): leave out "sweep" and "rate", or "locust"');
    else spec.locust = locust;
  }
  return spec;
}

/** An endpoint's load model: `concurrency` (closed loop), `sweep` (true or a list of levels) or `rate` (open loop), and their options. */
function loadModel(v: Obj, spec: NamedHttpSpec, issue: (key: string, message: string) => void): void {
  const models = (['concurrency', 'sweep', 'rate'] as const).filter((k) => v[k] !== undefined && v[k] !== false);
  if (models.length > 1) issue(models[1]!, `give one of "concurrency", "sweep" and "rate", not ${models.map((m) => `"${m}"`).join(' and ')}`);
  if (v.sweep !== undefined && v.sweep !== false) {
    if (v.sweep === true) spec.sweep = [...DEFAULT_SWEEP_LEVELS];
    else if (Array.isArray(v.sweep) && v.sweep.every((c) => isInt(c, 1))) {
      try {
        checkSweepLevels(v.sweep as number[]);
        spec.sweep = [...(v.sweep as number[])];
      } catch (err) {
        issue('sweep', (err as Error).message);
      }
    } else issue('sweep', `must be true (levels ${DEFAULT_SWEEP_LEVELS.join(', ')}) or a list of increasing concurrencies, e.g. [1, 4, 16]`);
  }
  if (v.p99BudgetMs !== undefined) {
    if (spec.sweep === undefined) issue('p99BudgetMs', 'applies to a "sweep" only');
    else if (typeof v.p99BudgetMs === 'number' && v.p99BudgetMs > 0 && Number.isFinite(v.p99BudgetMs)) spec.p99BudgetMs = v.p99BudgetMs;
    else issue('p99BudgetMs', 'must be a number of milliseconds > 0');
  }
  if (v.rate !== undefined) {
    if (typeof v.rate === 'number' && v.rate > 0 && Number.isFinite(v.rate)) spec.rate = v.rate;
    else issue('rate', 'must be a number of requests per second > 0');
  }
  for (const key of ['arrival', 'durationSeconds'] as const) if (v[key] !== undefined && v.rate === undefined) issue(key, 'applies to a "rate" (open loop) only');
  if (v.arrival !== undefined && v.rate !== undefined) {
    if (typeof v.arrival === 'string' && ARRIVALS.includes(v.arrival as Arrival)) spec.arrival = v.arrival as Arrival;
    else issue('arrival', `must be one of ${ARRIVALS.join(', ')}`);
  }
  if (v.durationSeconds !== undefined && v.rate !== undefined) {
    if (isSeconds(v.durationSeconds)) spec.durationSeconds = v.durationSeconds;
    else issue('durationSeconds', 'must be a number of seconds > 0');
  }
  if (v.busyPoll !== undefined) {
    if (typeof v.busyPoll !== 'boolean') issue('busyPoll', 'must be true (keep the client awake while requests are in flight) or false');
    else if (v.busyPoll) spec.busyPoll = true;
  }
}

/** "bodyTemplate": true (the body, inline or from bodyFile, rendered per request), "bodyLines" (a file for {{line}}; alone, each line is the body), "bodySeed". */
function bodyTemplateOptions(v: Obj, spec: NamedHttpSpec, issue: (key: string, message: string) => void): void {
  if (v.bodyTemplate !== undefined) {
    if (typeof v.bodyTemplate !== 'boolean') issue('bodyTemplate', 'must be true (the body is a template rendered per request) or false');
    else if (v.bodyTemplate) {
      if (spec.body === undefined && spec.bodyFile === undefined && v.bodyLines === undefined) issue('bodyTemplate', 'needs a "body" or "bodyFile" to render');
      spec.bodyTemplate = true;
      // An inline template is checked now, where the file can be fixed; a bodyFile when it is read.
      if (spec.body !== undefined) {
        try {
          compileTemplate(spec.body);
        } catch (err) {
          if (!(err instanceof TemplateSyntaxError)) throw err;
          issue('body', err.message);
        }
      }
    }
  }
  if (v.bodyLines !== undefined) {
    if (typeof v.bodyLines === 'string' && v.bodyLines) spec.bodyLinesFile = v.bodyLines;
    else issue('bodyLines', 'must be a file of inputs, one a line, relative to the workspace folder');
    if ((spec.body !== undefined || spec.bodyFile !== undefined) && v.bodyTemplate !== true) issue('bodyLines', 'with a "body" or "bodyFile", set "bodyTemplate": true and use {{line}} in it');
  }
  if (v.bodySeed !== undefined) {
    if (!isInt(v.bodySeed, 0)) issue('bodySeed', 'must be an integer ≥ 0');
    else if (!spec.bodyTemplate && spec.bodyLinesFile === undefined) issue('bodySeed', 'applies to a body template only ("bodyTemplate": true)');
    else spec.bodySeed = v.bodySeed;
  }
}

function openAiSpec(v: Obj, issue: (key: string, message: string) => void): OpenAiSpec {
  const spec: OpenAiSpec = { kind: 'openai', url: v.openai as string, model: '', promptsFile: '' };
  if (!/^https?:\/\/\S+$/i.test(spec.url)) issue('openai', 'must be an http:// or https:// URL, e.g. "http://127.0.0.1:8000/v1"');
  if (typeof v.model === 'string' && v.model.trim()) spec.model = v.model;
  else issue('model', 'must name the model, as the server lists it at GET /v1/models');
  if (typeof v.prompts === 'string' && v.prompts) spec.promptsFile = v.prompts;
  else issue('prompts', 'must be a prompts file (.txt, .jsonl or .json), relative to the workspace folder');
  if (v.api !== undefined) {
    if (v.api === 'chat' || v.api === 'completions') spec.api = v.api;
    else issue('api', 'must be "chat" or "completions"');
  }
  if (v.maxTokens !== undefined) {
    if (isInt(v.maxTokens, 1)) spec.maxTokens = v.maxTokens;
    else issue('maxTokens', 'must be an integer ≥ 1');
  }
  if (v.sharedPrefix !== undefined) {
    if (isInt(v.sharedPrefix, 0)) spec.sharedPrefix = v.sharedPrefix;
    else issue('sharedPrefix', 'must be a number of words ≥ 0');
  }
  if (v.slo !== undefined) {
    // "ttft=200,tpot=50" or { "ttft": 200, "tpot": 50 }, in milliseconds.
    const text = typeof v.slo === 'string' ? v.slo : isObj(v.slo) ? Object.entries(v.slo).map(([k, x]) => `${k}=${typeof x === 'number' ? x : String(x)}`).join(',') : undefined;
    try {
      if (text === undefined) throw new SloSyntaxError('must be "ttft=200,tpot=50" or {"ttft": 200, "tpot": 50} (milliseconds)');
      spec.slo = parseSlo(text);
    } catch (err) {
      issue('slo', err instanceof SloSyntaxError ? err.message : String(err));
    }
  }
  if (v.headers !== undefined) {
    if (isObj(v.headers) && Object.values(v.headers).every((h) => typeof h === 'string')) spec.headers = v.headers as Record<string, string>;
    else issue('headers', 'must be an object of header names to string values');
  }
  if (v.concurrency !== undefined) {
    if (isInt(v.concurrency, 1)) spec.concurrency = v.concurrency;
    else issue('concurrency', 'must be an integer ≥ 1');
  }
  if (v.timeoutSeconds !== undefined) {
    if (isSeconds(v.timeoutSeconds)) spec.timeoutSeconds = v.timeoutSeconds;
    else issue('timeoutSeconds', 'must be a number of seconds > 0');
  }
  return spec;
}

function commandSpec(v: Obj, issue: (key: string, message: string) => void): CommandSpec {
  const spec: CommandSpec = { kind: 'command', command: v.command as string };
  if (!spec.command.trim()) issue('command', 'must not be empty');
  if (v.prepare !== undefined) {
    if (typeof v.prepare === 'string' && v.prepare.trim()) spec.prepare = v.prepare;
    else issue('prepare', 'must be a shell command run before every run');
  }
  if (v.cwd !== undefined) {
    if (typeof v.cwd === 'string') spec.cwd = v.cwd;
    else issue('cwd', 'must be a folder, relative to the workspace folder');
  }
  if (v.timeoutSeconds !== undefined) {
    if (isSeconds(v.timeoutSeconds)) spec.timeoutSeconds = v.timeoutSeconds;
    else issue('timeoutSeconds', 'must be a number of seconds > 0');
  }
  return spec;
}
