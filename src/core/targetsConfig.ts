// Named targets in `.vscode/latency.json`: the Python functions and commands a workspace
// benchmarks, so "Latency: Run Benchmark" can offer them and `latency bench --target NAME` can
// run them. Paths are relative to the workspace folder. Pure: validation and resolution only.
//
//   "targets": {
//     "encoder": { "python": "serve/model.py:predict", "setup": "load", "iterations": 300 },
//     "cli":     { "command": "python3 infer.py --batch 8", "prepare": "sync", "iterations": 20 }
//   }

import type { ConfigIssue } from './config';
import { TargetSyntaxError, checkPythonName, parsePythonTarget, type CommandSpec, type PythonSpec } from './target';

export interface NamedTarget {
  name: string;
  /** What to run; `file`/`cwd` relative to the workspace folder until resolveNamedTarget. */
  spec: Omit<PythonSpec, 'interpreter'> & { interpreter?: string } | CommandSpec;
  /** Counts for this target alone (processes often want far fewer runs than an inference). */
  iterations?: number;
  warmup?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isSeconds = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

const PYTHON_KEYS = ['python', 'setup', 'interpreter', 'cwd', 'callTimeoutSeconds', 'setupTimeoutSeconds', 'iterations', 'warmup'];
const COMMAND_KEYS = ['command', 'prepare', 'cwd', 'timeoutSeconds', 'iterations', 'warmup'];

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
    const kind = typeof value.python === 'string' ? 'python' : typeof value.command === 'string' ? 'command' : undefined;
    if (!kind || (value.python !== undefined && value.command !== undefined)) {
      issue(undefined, 'needs exactly one of "python" (e.g. "serve/model.py:predict") and "command" (a shell command)');
      continue;
    }
    const before = issues.length;
    const known = kind === 'python' ? PYTHON_KEYS : COMMAND_KEYS;
    for (const key of Object.keys(value)) if (!known.includes(key)) issue(key, `unknown option "${key}" for a ${kind} target (known: ${known.join(', ')})`);
    const named: NamedTarget = { name, spec: kind === 'python' ? pythonSpec(value, issue) : commandSpec(value, issue) };
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
