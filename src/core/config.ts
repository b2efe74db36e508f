// Benchmark configuration: defaults, layers (settings, `.vscode/latency.json`, CLI flags) and
// their validation. Pure: callers read files and settings, this module decides what they mean.

import { parseSizeClassRanges, type SizeClassRanges } from './sizeClassRanges';
import { DEFAULT_STOPPING } from './adaptiveStop';
import { parseCpuList } from './procReadings';
import { parseTargets } from './targetsConfig';
import type { ExecutionMode, GraphOptimizationLevel, InputPlan, RunConfig, SessionConfig, StoppingRule } from './result';

export interface InputOverride {
  /** Concrete shape; a string entry names a symbolic dimension resolved as usual. */
  shape?: Array<number | string>;
  value?: number | boolean | string;
  /** [low, high) for generated values. */
  range?: [number, number];
  /** A .npy or JSON tensor file with this input's values (and so its shape); excludes value and range. */
  file?: string;
  /** The absolute folder `file` is relative to; absent: the current directory (CLI flags). */
  baseDir?: string;
}

/** A JSON tensor file holding several inputs by name (--inputs, inputs.files). */
export interface TensorFileRef {
  path: string;
  /** As for InputOverride.baseDir. */
  baseDir?: string;
}

export interface InputsConfig {
  defaultDimension: number;
  dimensions: Record<string, number>;
  overrides: Record<string, InputOverride>;
  /** Multi-input tensor files; an input's own `file` override takes precedence over them. */
  files?: TensorFileRef[];
}

export interface BenchmarkConfig {
  iterations: number;
  warmup: number;
  session: SessionConfig;
  inputs: InputsConfig;
  stopping: StoppingRule;
  /** A run whose CV exceeds this (a fraction) gets a verdict explaining what the machine can reach. */
  cvTarget: number;
  /** CPUs to pin the profiler to before the session is created; null leaves scheduling alone. */
  cpuAffinity: number[] | null;
  /** The team's latency ranges per model-size class; none are built in. */
  sizeClassRanges: SizeClassRanges;
}

/**
 * The config as a result records it: counts, stopping and pinning as set, the ranges only when
 * any were given, and what the target fed (`inputs`, empty for a Python function or a command)
 * under which `session` (absent where onnxruntime did not run).
 */
export function recordedRunConfig(config: BenchmarkConfig, fed: { session?: SessionConfig; inputs: InputPlan[] }): RunConfig {
  return {
    iterations: config.iterations,
    warmup: config.warmup,
    stopping: config.stopping,
    cvTarget: config.cvTarget,
    cpuAffinity: config.cpuAffinity,
    ...(Object.keys(config.sizeClassRanges).length ? { sizeClassRanges: config.sizeClassRanges } : {}),
    ...(fed.session ? { session: fed.session } : {}),
    inputs: fed.inputs,
  };
}

/** One source of settings; any key may be absent. */
export interface ConfigLayer {
  iterations?: number;
  warmup?: number;
  session?: Partial<SessionConfig>;
  inputs?: {
    defaultDimension?: number;
    dimensions?: Record<string, number>;
    overrides?: Record<string, InputOverride>;
    files?: TensorFileRef[];
  };
  stopping?: Partial<StoppingRule>;
  cvTarget?: number;
  cpuAffinity?: number[] | null;
  sizeClassRanges?: SizeClassRanges;
}

export const DEFAULT_CONFIG: BenchmarkConfig = {
  iterations: 1000,
  warmup: 50,
  session: {
    intraOpNumThreads: 0,
    interOpNumThreads: 0,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  },
  inputs: { defaultDimension: 32, dimensions: {}, overrides: {} },
  stopping: DEFAULT_STOPPING,
  // The figure common latency guides ask for; the verdict explains what this machine can reach.
  cvTarget: 0.001,
  cpuAffinity: null,
  sizeClassRanges: {},
};

export const STOPPING_MODES: readonly StoppingRule['mode'][] = ['fixed', 'adaptive'];
export const TARGET_PERCENTILES: readonly StoppingRule['targetPercentile'][] = ['p95', 'p99', 'p999'];

export const OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
export const EXECUTION_MODES: readonly ExecutionMode[] = ['sequential', 'parallel'];

/** A problem in one configuration source, located by its JSON path so an editor can jump to it. */
export interface ConfigIssue {
  source: string;
  path: Array<string | number>;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path.length ? ` at "${issue.path.join('.')}"` : '';
  return `${issue.source}${where}: ${issue.message}`;
}

/** Later layers win; dimension and override maps merge per key, an input's override as a whole. */
export function mergeConfig(...layers: ConfigLayer[]): BenchmarkConfig {
  const out: BenchmarkConfig = {
    ...DEFAULT_CONFIG,
    session: { ...DEFAULT_CONFIG.session, executionProviders: [...DEFAULT_CONFIG.session.executionProviders] },
    inputs: { defaultDimension: DEFAULT_CONFIG.inputs.defaultDimension, dimensions: {}, overrides: {} },
    stopping: { ...DEFAULT_CONFIG.stopping },
    sizeClassRanges: {},
  };
  for (const layer of layers) {
    if (layer.iterations !== undefined) out.iterations = layer.iterations;
    if (layer.warmup !== undefined) out.warmup = layer.warmup;
    if (layer.cvTarget !== undefined) out.cvTarget = layer.cvTarget;
    if (layer.cpuAffinity !== undefined) out.cpuAffinity = layer.cpuAffinity === null ? null : [...layer.cpuAffinity];
    // Per class: a folder's file may set one class and keep the user's ranges for the others.
    if (layer.sizeClassRanges) out.sizeClassRanges = { ...out.sizeClassRanges, ...layer.sizeClassRanges };
    for (const [k, v] of Object.entries(layer.stopping ?? {})) {
      if (v !== undefined) (out.stopping as unknown as Record<string, unknown>)[k] = v;
    }
    if (layer.session) {
      for (const [k, v] of Object.entries(layer.session)) {
        if (v !== undefined) (out.session as unknown as Record<string, unknown>)[k] = v;
      }
    }
    if (layer.inputs) {
      if (layer.inputs.defaultDimension !== undefined) out.inputs.defaultDimension = layer.inputs.defaultDimension;
      Object.assign(out.inputs.dimensions, layer.inputs.dimensions ?? {});
      Object.assign(out.inputs.overrides, layer.inputs.overrides ?? {});
      // Every layer's files apply (an input named in two of them is an error when they are read).
      if (layer.inputs.files?.length) out.inputs.files = [...(out.inputs.files ?? []), ...layer.inputs.files.map((f) => ({ ...f }))];
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/**
 * Validates one raw layer (parsed JSON or settings). Unknown keys are reported rather than
 * ignored: a typo such as "iteration" would otherwise silently benchmark with defaults.
 */
export function parseConfigLayer(raw: unknown, source: string, allowModels = false): { layer: ConfigLayer; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const issue = (path: Array<string | number>, message: string) => issues.push({ source, path, message });
  const layer: ConfigLayer = {};
  if (raw === undefined || raw === null) return { layer, issues };
  if (!isObj(raw)) {
    issue([], 'expected an object');
    return { layer, issues };
  }
  const known = new Set(['$schema', 'iterations', 'warmup', 'session', 'inputs', 'stopping', 'cvTarget', 'cpuAffinity', 'sizeClassRanges', ...(allowModels ? ['models', 'targets'] : [])]);
  for (const key of Object.keys(raw)) if (!known.has(key)) issue([key], `unknown setting "${key}"`);

  if (raw.iterations !== undefined) {
    if (isInt(raw.iterations, 1)) layer.iterations = raw.iterations;
    else issue(['iterations'], 'must be an integer ≥ 1');
  }
  if (raw.warmup !== undefined) {
    if (isInt(raw.warmup, 0)) layer.warmup = raw.warmup;
    else issue(['warmup'], 'must be an integer ≥ 0');
  }
  if (raw.session !== undefined) layer.session = parseSession(raw.session, issue);
  if (raw.inputs !== undefined) layer.inputs = parseInputs(raw.inputs, issue);
  if (raw.stopping !== undefined) layer.stopping = parseStopping(raw.stopping, issue);
  if (raw.cvTarget !== undefined) {
    if (typeof raw.cvTarget === 'number' && raw.cvTarget > 0 && raw.cvTarget < 10) layer.cvTarget = raw.cvTarget;
    else issue(['cvTarget'], 'must be a fraction > 0, e.g. 0.001 for 0.1%');
  }
  if (raw.sizeClassRanges !== undefined) layer.sizeClassRanges = parseSizeClassRanges(raw.sizeClassRanges, issue);
  if (raw.cpuAffinity !== undefined) {
    const cpus = parseAffinity(raw.cpuAffinity);
    if (typeof cpus === 'string') issue(['cpuAffinity'], cpus);
    else layer.cpuAffinity = cpus;
  }
  return { layer, issues };
}

/**
 * A CPU list as taskset writes it ("2,3" or "0-3,8"), a list of CPU numbers, or "" / null / []
 * for no pinning. Returns the message on failure.
 */
export function parseAffinity(raw: unknown): number[] | null | string {
  const hint = 'must be CPU numbers like "2,3" or "0-3" (the taskset -c format), or "" for no pinning';
  if (raw === null || raw === '') return null;
  if (Array.isArray(raw)) {
    if (raw.length === 0) return null;
    if (raw.every((c) => isInt(c, 0))) return [...new Set(raw as number[])].sort((a, b) => a - b);
    return hint;
  }
  if (typeof raw !== 'string') return hint;
  try {
    const cpus = parseCpuList(raw.trim());
    return cpus.length ? cpus : null;
  } catch {
    return hint;
  }
}

function parseStopping(raw: unknown, issue: IssueFn): Partial<StoppingRule> {
  const out: Partial<StoppingRule> = {};
  if (!isObj(raw)) {
    issue(['stopping'], 'expected an object');
    return out;
  }
  for (const [key, v] of Object.entries(raw)) {
    const path = ['stopping', key];
    switch (key) {
      case 'mode':
        if (STOPPING_MODES.includes(v as StoppingRule['mode'])) out.mode = v as StoppingRule['mode'];
        else issue(path, `must be one of ${STOPPING_MODES.join(', ')}`);
        break;
      case 'targetPercentile':
        if (TARGET_PERCENTILES.includes(v as StoppingRule['targetPercentile'])) out.targetPercentile = v as StoppingRule['targetPercentile'];
        else issue(path, `must be one of ${TARGET_PERCENTILES.join(', ')}`);
        break;
      case 'relativeHalfWidth':
        if (typeof v === 'number' && v > 0 && v < 1) out.relativeHalfWidth = v;
        else issue(path, 'must be a fraction between 0 and 1, e.g. 0.01 for ±1%');
        break;
      case 'maxIterations':
        if (isInt(v, 1)) out.maxIterations = v;
        else issue(path, 'must be an integer ≥ 1');
        break;
      case 'maxSeconds':
        if (typeof v === 'number' && v > 0 && Number.isFinite(v)) out.maxSeconds = v;
        else issue(path, 'must be a number of seconds > 0');
        break;
      default:
        issue(path, `unknown stopping option "${key}"`);
    }
  }
  return out;
}

type IssueFn = (path: Array<string | number>, message: string) => void;

function parseSession(raw: unknown, issue: IssueFn): Partial<SessionConfig> {
  const out: Partial<SessionConfig> = {};
  if (!isObj(raw)) {
    issue(['session'], 'expected an object');
    return out;
  }
  for (const [key, v] of Object.entries(raw)) {
    const path = ['session', key];
    switch (key) {
      case 'intraOpNumThreads':
      case 'interOpNumThreads':
        if (isInt(v, 0)) out[key] = v;
        else issue(path, 'must be an integer ≥ 0 (0 lets onnxruntime choose)');
        break;
      case 'graphOptimizationLevel':
        if (OPTIMIZATION_LEVELS.includes(v as GraphOptimizationLevel)) out.graphOptimizationLevel = v as GraphOptimizationLevel;
        else issue(path, `must be one of ${OPTIMIZATION_LEVELS.join(', ')}`);
        break;
      case 'executionMode':
        if (EXECUTION_MODES.includes(v as ExecutionMode)) out.executionMode = v as ExecutionMode;
        else issue(path, `must be one of ${EXECUTION_MODES.join(', ')}`);
        break;
      case 'executionProviders':
        if (Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string' && p.length > 0)) {
          out.executionProviders = v as string[];
        } else issue(path, 'must be a non-empty list of provider names, e.g. ["cpu"]');
        break;
      default:
        issue(path, `unknown session option "${key}"`);
    }
  }
  return out;
}

function parseInputs(raw: unknown, issue: IssueFn): NonNullable<ConfigLayer['inputs']> {
  const out: NonNullable<ConfigLayer['inputs']> = {};
  if (!isObj(raw)) {
    issue(['inputs'], 'expected an object');
    return out;
  }
  for (const [key, v] of Object.entries(raw)) {
    switch (key) {
      case 'defaultDimension':
        if (isInt(v, 1)) out.defaultDimension = v;
        else issue(['inputs', key], 'must be an integer ≥ 1');
        break;
      case 'dimensions':
        if (!isObj(v)) {
          issue(['inputs', key], 'expected an object mapping dimension names to sizes');
          break;
        }
        out.dimensions = {};
        for (const [dim, size] of Object.entries(v)) {
          if (isInt(size, 0)) out.dimensions[dim] = size;
          else issue(['inputs', key, dim], 'must be an integer ≥ 0');
        }
        break;
      case 'overrides':
        if (!isObj(v)) {
          issue(['inputs', key], 'expected an object keyed by input name');
          break;
        }
        out.overrides = {};
        for (const [name, o] of Object.entries(v)) {
          const parsed = parseOverride(o, ['inputs', 'overrides', name], issue);
          if (parsed) out.overrides[name] = parsed;
        }
        break;
      case 'files':
        if (Array.isArray(v) && v.every((f) => typeof f === 'string' && f.trim() !== '')) out.files = (v as string[]).map((path) => ({ path }));
        else issue(['inputs', key], 'must be a list of JSON tensor file paths, e.g. ["data/inputs.json"]');
        break;
      default:
        issue(['inputs', key], `unknown inputs option "${key}"`);
    }
  }
  return out;
}

function parseOverride(raw: unknown, path: string[], issue: IssueFn): InputOverride | undefined {
  if (!isObj(raw)) {
    issue(path, 'expected an object with "shape", "value", "range" or "file"');
    return undefined;
  }
  const out: InputOverride = {};
  let ok = true;
  for (const [key, v] of Object.entries(raw)) {
    switch (key) {
      case 'shape':
        if (Array.isArray(v) && v.every((d) => isInt(d, 0) || (typeof d === 'string' && d.length > 0))) {
          out.shape = v as Array<number | string>;
        } else {
          issue([...path, key], 'must be a list of sizes ≥ 0 (or dimension names), e.g. [1, 3, 224, 224]');
          ok = false;
        }
        break;
      case 'value':
        if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'string') out.value = v;
        else {
          issue([...path, key], 'must be a number, boolean or string');
          ok = false;
        }
        break;
      case 'range':
        if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && (v[0] as number) < (v[1] as number)) {
          out.range = [v[0] as number, v[1] as number];
        } else {
          issue([...path, key], 'must be [low, high] with low < high');
          ok = false;
        }
        break;
      case 'file':
        if (typeof v === 'string' && v.trim() !== '') out.file = v;
        else {
          issue([...path, key], 'must be the path of a .npy or JSON tensor file, e.g. "data/input.npy"');
          ok = false;
        }
        break;
      default:
        issue([...path, key], `unknown override option "${key}" (expected shape, value, range or file)`);
        ok = false;
    }
  }
  if (out.file !== undefined && (out.value !== undefined || out.range !== undefined)) {
    // A shape may stay (it is checked against the file); values cannot come from two places.
    issue([...path, out.value !== undefined ? 'value' : 'range'], `cannot be set with "file": the file gives the values (keep "file" or "${out.value !== undefined ? 'value' : 'range'}", not both)`);
    ok = false;
  }
  return ok ? out : undefined;
}

/**
 * `layer` with its relative tensor-file paths anchored at `baseDir` (the workspace folder, or the
 * config file's); paths already anchored keep theirs. The paths themselves stay as the user wrote
 * them, so a run's plan shows the same "data/x.npy" on every machine.
 */
export function withBaseDir(layer: ConfigLayer, baseDir: string): ConfigLayer {
  const inputs = layer.inputs;
  if (!inputs?.overrides && !inputs?.files) return layer;
  const overrides = inputs.overrides && Object.fromEntries(Object.entries(inputs.overrides).map(([name, o]) => [name, o.file !== undefined && o.baseDir === undefined ? { ...o, baseDir } : o]));
  const files = inputs.files?.map((f) => (f.baseDir === undefined ? { ...f, baseDir } : f));
  return { ...layer, inputs: { ...inputs, ...(overrides ? { overrides } : {}), ...(files ? { files } : {}) } };
}

/**
 * The workspace file holds a base layer and optional per-model layers keyed by the model's
 * path relative to the workspace folder (forward slashes), so one file can serve several models.
 */
export function layersFromWorkspaceFile(raw: unknown, source: string, modelRelPath: string | undefined): { layers: ConfigLayer[]; issues: ConfigIssue[] } {
  const base = parseConfigLayer(raw, source, true);
  const layers = [base.layer];
  // The targets' own problems are reported with the rest, so one bad target is not a silent gap.
  const issues = [...base.issues, ...parseTargets(raw, source).issues];
  if (isObj(raw) && raw.models !== undefined) {
    if (!isObj(raw.models)) {
      issues.push({ source, path: ['models'], message: 'expected an object keyed by model path' });
    } else {
      for (const [rel, value] of Object.entries(raw.models)) {
        const parsed = parseConfigLayer(value, source);
        issues.push(...parsed.issues.map((i) => ({ ...i, path: ['models', rel, ...i.path] })));
        if (modelRelPath !== undefined && normalizeRel(rel) === normalizeRel(modelRelPath)) layers.push(parsed.layer);
      }
    }
  }
  return { layers, issues };
}

function normalizeRel(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}
