// Run history: the file format of a saved run, and what decides whether two runs may be compared.
// Pure, so the extension host, the CLI and the webview read runs by one set of rules; the files
// themselves are written in src/profiler/historyStore.ts.
//
// A history folder is shared with whatever else the user (or another Latency build) puts there,
// so reading never trusts a file: every failure becomes a reason in plain words, never a throw.

import { parse, type ParseError } from 'jsonc-parser';
import { lineColumn } from './configFile';
import { formatMs } from './format';
import { isBenchmarkResult } from './panelProtocol';
import { OLDEST_READABLE_SCHEMA_VERSION, RESULT_SCHEMA_VERSION, type BenchmarkResult, type PythonEnvironment } from './result';

/** Where runs are kept, relative to the workspace folder. */
export const HISTORY_DIR = '.latency/runs';

export const RUN_KIND = 'latency.run';

/** Bump on any change to the envelope that an older build would misread. */
export const HISTORY_VERSION = 1;

export interface Fingerprint {
  /** A short hash of `parts`: equal keys, comparable runs. */
  key: string;
  /** Each thing that must match, in words, so a mismatch can say what differs. */
  parts: Record<string, string>;
}

export interface SavedRun {
  kind: typeof RUN_KIND;
  historyVersion: typeof HISTORY_VERSION;
  /** Also the file name (without `.json`): sortable by start time, safe on every filesystem. */
  id: string;
  savedAt: string;
  label?: string;
  /** At most one run in a folder is the baseline others are compared with. */
  baseline?: boolean;
  fingerprint: Fingerprint;
  result: BenchmarkResult;
}

export type ParsedRun = { ok: true; run: SavedRun } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Fingerprint

/**
 * What must be the same for two runs' figures to be comparable: the machine, the runtime, the
 * session options, pinning, the input shapes and, where the pre-flight read them, the clock
 * settings. The model is not part of it, since comparing two models on one machine is the point
 * of an A/B run.
 *
 * Left out on purpose: the hostname (CI pools and containers give identical machines a new name
 * every run, and the hardware parts already tell machines apart), total memory (VMs of one type
 * report slightly different totals), the node patch version and the kernel's live readings
 * (clocks, load), which vary between runs on one unchanged machine.
 */
export function environmentFingerprint(result: BenchmarkResult): Fingerprint {
  const env = result.environment;
  const session = result.config.session;
  const parts: Record<string, string> = {
    cpu: env.cpu,
    cpuCores: String(env.cpuCores),
    os: env.os,
    arch: env.arch,
    node: nodeMajor(env.node),
    // ONNX parts only where onnxruntime ran, so fingerprints of existing ONNX runs are unchanged.
    ...(env.onnxruntime !== undefined ? { onnxruntime: env.onnxruntime } : {}),
    ...(session
      ? {
          'session.intraOpNumThreads': String(session.intraOpNumThreads),
          'session.interOpNumThreads': String(session.interOpNumThreads),
          'session.graphOptimizationLevel': session.graphOptimizationLevel,
          'session.executionMode': session.executionMode,
          // Order kept: the first provider that loads runs the model.
          'session.executionProviders': session.executionProviders.join(','),
        }
      : {}),
    ...(env.python ? pythonParts(env.python) : {}),
    cpuAffinity: result.config.cpuAffinity === null ? 'none' : cpuList(result.config.cpuAffinity),
    inputs: result.config.inputs.map((i) => `${i.name}=${i.shape.join('x')}`).join(' '),
  };
  const system = result.system;
  if (system) {
    // Without cpufreq (most VMs) there is no governor to read; an empty part would only say so twice.
    if (system.cpu.cores.length > 0) {
      parts['cpu.governors'] = [...new Set(system.cpu.cores.map((c) => c.governor ?? 'unknown'))].sort().join(',');
    }
    parts['cpu.boost'] = system.cpu.boost;
    for (const g of [...system.gpu.gpus].sort((a, b) => a.index - b.index)) {
      const at = `gpu${g.index}`;
      parts[`${at}.name`] = g.name;
      // The panel's guard does not check the driver (it never shows it), so a file may hold anything here.
      parts[`${at}.driver`] = typeof g.driver === 'string' ? g.driver : 'unknown';
      parts[`${at}.appSmClockMHz`] = orUnknown(g.appSmClockMHz);
      // Tune System resets it, and a lowered limit caps the clock under load as surely as a lower
      // application clock does.
      parts[`${at}.powerLimitW`] = orUnknown(g.powerLimitW);
    }
  }
  return { key: fnv1a64(canonicalJson(parts)), parts };
}

/** The parts that differ between two fingerprints, by name; a part only one side has counts. */
export function fingerprintDiff(a: Fingerprint, b: Fingerprint): Array<{ part: string; a: string | undefined; b: string | undefined }> {
  const names = [...new Set([...Object.keys(a.parts), ...Object.keys(b.parts)])].sort();
  return names.filter((n) => a.parts[n] !== b.parts[n]).map((part) => ({ part, a: a.parts[part], b: b.parts[part] }));
}

function nodeMajor(version: string): string {
  return /^v?(\d+)/.exec(version)?.[1] ?? version;
}

function orUnknown(n: number | null): string {
  return n === null ? 'unknown' : String(n);
}

/** taskset style: [0, 1, 2, 3, 6] → "0-3,6". */
function cpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** Keys sorted, so the hash does not depend on the order parts were added in. */
function canonicalJson(parts: Record<string, string>): string {
  return JSON.stringify(Object.keys(parts).sort().map((k) => [k, parts[k]]));
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const U64 = 0xffffffffffffffffn;

/** FNV-1a, 64-bit, over the UTF-8 bytes of `text`, as 16 hex digits. Not for security, only identity. */
export function fnv1a64(text: string): string {
  let h = FNV_OFFSET;
  const byte = (b: number) => {
    h = ((h ^ BigInt(b)) * FNV_PRIME) & U64;
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) byte(cp);
    else if (cp < 0x800) {
      byte(0xc0 | (cp >> 6));
      byte(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      byte(0xe0 | (cp >> 12));
      byte(0x80 | ((cp >> 6) & 0x3f));
      byte(0x80 | (cp & 0x3f));
    } else {
      byte(0xf0 | (cp >> 18));
      byte(0x80 | ((cp >> 12) & 0x3f));
      byte(0x80 | ((cp >> 6) & 0x3f));
      byte(0x80 | (cp & 0x3f));
    }
  }
  return h.toString(16).padStart(16, '0');
}

// ---------------------------------------------------------------------------------------------
// Ids

const MODEL_PART_MAX = 40;

/**
 * What a run id may be: it becomes a file name, and ids arrive from webview messages and command
 * lines too. No leading dot (hidden, or `..`) or dash (read as an option), no trailing dot (dropped
 * by Windows).
 */
export function isRunId(id: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(id) && !id.endsWith('.');
}

/**
 * `20261126-153012-lenet5`: the start time in UTC (so ids sort by it whatever the time zone of
 * the machine that saved them), then the model's name without its extension; `-2`, `-3`… when
 * that id is taken. Taken ids compare without case, since two ids differing only in case are
 * one file on macOS and Windows.
 */
export function runId(result: BenchmarkResult, existingIds: Iterable<string>): string {
  const base = `${timestampPart(result.startedAt)}-${modelPart(result.target.name)}`;
  const taken = new Set<string>();
  for (const id of existingIds) taken.add(id.toLowerCase());
  if (!taken.has(base.toLowerCase())) return base;
  for (let n = 2; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id.toLowerCase())) return id;
  }
}

function timestampPart(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '00000000-000000';
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function modelPart(name: string): string {
  const stem = name.replace(/\.onnx$/i, '');
  const safe = stem
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, MODEL_PART_MAX)
    // Trailing dots vanish on Windows; leading dashes or dots would blur the separator after the time.
    .replace(/^[-.]+|[-.]+$/g, '');
  return safe || 'model';
}

// ---------------------------------------------------------------------------------------------
// Saving and parsing

export interface SaveOptions {
  /** Default: runId(result, existingIds). */
  id?: string;
  existingIds?: Iterable<string>;
  /** ISO time; default now. */
  savedAt?: string;
  label?: string;
  baseline?: boolean;
}

/**
 * The envelope for `result`. Refuses a result this build could not read back, so a bad result
 * fails where it is saved instead of turning up later as a broken file.
 *
 * @throws TypeError when the result does not validate or the id is not a valid run id.
 */
export function toSavedRun(result: BenchmarkResult, opts: SaveOptions = {}): SavedRun {
  if (!isBenchmarkResult(result)) throw new TypeError(`cannot save this result: ${locateInvalid(result)}`);
  const id = opts.id ?? runId(result, opts.existingIds ?? []);
  if (!isRunId(id)) throw new TypeError(`not a valid run id: ${JSON.stringify(id)}`);
  const run: SavedRun = {
    kind: RUN_KIND,
    historyVersion: HISTORY_VERSION,
    id,
    savedAt: opts.savedAt ?? new Date().toISOString(),
    fingerprint: environmentFingerprint(result),
    result,
  };
  return withLabel(withBaseline(run, opts.baseline ?? false), opts.label);
}

/** A copy with the label set; blank removes it, and whitespace is folded so a label stays one line. */
export function withLabel(run: SavedRun, label: string | undefined): SavedRun {
  const clean = label?.replace(/\s+/g, ' ').trim();
  return reorder({ ...run, label: clean || undefined });
}

/** A copy marked as the baseline or not; `false` is left out of the file rather than written. */
export function withBaseline(run: SavedRun, baseline: boolean): SavedRun {
  return reorder({ ...run, baseline: baseline || undefined });
}

/** Envelope fields first, in one order, so the head of every file reads the same; undefined ones dropped. */
function reorder(run: SavedRun): SavedRun {
  const out: SavedRun = { kind: run.kind, historyVersion: run.historyVersion, id: run.id, savedAt: run.savedAt } as SavedRun;
  if (run.label !== undefined) out.label = run.label;
  if (run.baseline !== undefined) out.baseline = run.baseline;
  out.fingerprint = run.fingerprint;
  out.result = run.result;
  return out;
}

/**
 * Reads one saved run. `fileName` (a path or a bare name) is where it came from: the file name
 * is the run's id, since that is how the store finds it, so a file copied under another name is
 * a run of its own rather than a second copy of one id.
 *
 * The fingerprint is recomputed rather than read: it is derived data, and recomputing keeps runs
 * saved by builds that fingerprinted differently comparable by one rule. The copy in the file is
 * for readers outside Latency.
 */
export function parseSavedRun(text: string, fileName: string): ParsedRun {
  const fail = (reason: string): ParsedRun => ({ ok: false, reason });
  // Editors on Windows may add a byte-order mark when the file is hand-edited; JSON.parse rejects it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return fail('empty file');

  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    return fail(`not JSON: ${jsonErrorDetail(body, err)}`);
  }

  if (!isObject(data) || data.kind !== RUN_KIND) return fail(foreignReason(data));

  const hv = data.historyVersion;
  if (typeof hv !== 'number' || !Number.isInteger(hv) || hv < 1) return fail(`invalid run: historyVersion is ${preview(hv)}, not a format number`);
  if (hv > HISTORY_VERSION) {
    return fail(`saved by a newer Latency (run format ${hv}; this build reads format ${HISTORY_VERSION}): update Latency to open it`);
  }

  const result = data.result;
  if (!isObject(result)) return fail('invalid run: result is missing');
  const sv = result.schemaVersion;
  if (typeof sv === 'number' && sv > RESULT_SCHEMA_VERSION) {
    return fail(`saved by a newer Latency (result schema ${sv}; this build reads schema ${RESULT_SCHEMA_VERSION}): update Latency to open it`);
  }
  if (typeof sv === 'number' && sv < OLDEST_READABLE_SCHEMA_VERSION) {
    return fail(`saved by an older Latency; results before schema ${OLDEST_READABLE_SCHEMA_VERSION} cannot be shown (this one has schema ${sv})`);
  }

  if (typeof data.id !== 'string') return fail(`invalid run: id should be a string, found ${preview(data.id)}`);
  if (typeof data.savedAt !== 'string') return fail(`invalid run: savedAt should be a string, found ${preview(data.savedAt)}`);
  if (data.label !== undefined && typeof data.label !== 'string') return fail(`invalid run: label should be a string, found ${preview(data.label)}`);
  if (data.baseline !== undefined && typeof data.baseline !== 'boolean') {
    return fail(`invalid run: baseline should be true or false, found ${preview(data.baseline)}`);
  }
  if (!isBenchmarkResult(result)) return fail(`invalid run: ${locateInvalid(result)}`);

  const id = idFromFileName(fileName);
  if (!isRunId(id)) return fail(`the file name is not a run id (letters, digits, '.', '-', '_'; at most 100 characters), so Latency cannot address it`);

  const run: SavedRun = {
    kind: RUN_KIND,
    historyVersion: HISTORY_VERSION,
    id,
    savedAt: data.savedAt,
    fingerprint: environmentFingerprint(result),
    result,
  };
  return { ok: true, run: withLabel(withBaseline(run, data.baseline === true), data.label) };
}

function pythonParts(py: PythonEnvironment): Record<string, string> {
  const parts: Record<string, string> = { python: py.version };
  for (const [name, version] of Object.entries(py.packages)) parts[`python.${name}`] = version;
  if (py.cuda) parts['python.cuda'] = py.cuda.device;
  return parts;
}

/** The id a file holds: its name without folder and `.json`. */
export function idFromFileName(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  return base.endsWith('.json') ? base.slice(0, -'.json'.length) : base;
}

function foreignReason(data: unknown): string {
  const what = 'not a Latency run file';
  // `latency bench --json` output dropped into the folder is the likeliest stray, and the fix differs.
  if (isObject(data) && typeof data.schemaVersion === 'number' && isObject(data.target)) {
    return `${what}: a bare benchmark result (as \`latency bench --json\` writes), not a saved run`;
  }
  if (isObject(data) && typeof data.kind === 'string') return `${what} (its kind is ${preview(data.kind)})`;
  return what;
}

/**
 * The parser's complaint with where it happened. V8 names the offending token but (for most
 * errors) not its position, so the position comes from jsonc-parser, which reports the offset
 * of the first error; V8's quoted excerpt of the text is dropped, as it can run to a whole line
 * of samples.
 */
function jsonErrorDetail(text: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const what = raw.replace(/, .*is not valid JSON$/s, '').replace(/( in JSON)? at position \d+.*$/s, '') || 'invalid JSON';
  const errors: ParseError[] = [];
  parse(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  const v8Offset = /at position (\d+)/.exec(raw)?.[1];
  const offset = errors[0]?.offset ?? (v8Offset === undefined ? undefined : Number(v8Offset));
  if (offset === undefined) return what;
  const { line, column } = lineColumn(text, offset);
  // V8 words a cut-off file by what it expected next ("Expected ',' or ']'…"), so tell it by where the error is.
  const truncated = offset >= text.trimEnd().length ? ' (the file ends early: cut off while it was being written?)' : '';
  return `${what} at line ${line}, column ${column}${truncated}`;
}

// ---------------------------------------------------------------------------------------------
// Finding the field that fails validation

/**
 * A minimal result that passes isBenchmarkResult, every nullable part present and every list one
 * item long, so the search below can descend into any part. Kept valid by the history tests.
 */
const VALID_RESULT: BenchmarkResult = {
  schemaVersion: RESULT_SCHEMA_VERSION,
  target: { kind: 'onnx', path: 'm.onnx', name: 'm.onnx', sizeBytes: 0 },
  config: {
    iterations: 1,
    warmup: 1,
    stopping: { mode: 'fixed', targetPercentile: 'p99', relativeHalfWidth: 0.01, maxIterations: 1, maxSeconds: 1 },
    cvTarget: 0.001,
    cpuAffinity: [0],
    session: { intraOpNumThreads: 0, interOpNumThreads: 0, graphOptimizationLevel: 'all', executionMode: 'sequential', executionProviders: ['cpu'] },
    inputs: [{ name: 'x', type: 'float32', shape: [1], declaredShape: [1], fill: { kind: 'constant', value: 0 }, notes: [''] }],
  },
  summary: {
    n: 1, p50Ms: 1, p90Ms: 1, p95Ms: 1, p99Ms: 1, p999Ms: 1, meanMs: 1, stdevMs: 0, cv: 0, minMs: 1, maxMs: 1, throughputPerSec: 1,
    ci: { p50: [1, 1], p95: [1, 1], p99: [1, 1], p999: [1, 1] },
    ciLevel: 0.95,
  },
  estimator: '',
  coldStart: { loadMs: 1, firstMs: 1, ratio: 1 },
  warmupSamplesMs: [1],
  samplesMs: [1],
  memory: { peakRssBytes: 1 },
  environment: { os: '', arch: '', cpu: '', cpuCores: 1, totalMemoryBytes: 1, node: '', onnxruntime: '', hostname: '' },
  stopping: { mode: 'fixed', reason: 'iterations', achieved: { p50: 0, target: 0 } },
  steadyState: { index: 0, method: '', warmupRuns: 1, transientMeasuredRuns: 0 },
  outliers: { method: '', lowFenceMs: 0, highFenceMs: 2, count: 1, indices: [0] },
  instability: {
    robustCv: 0,
    bimodality: { bimodal: false, modesMs: [1] },
    autocorrelation: { lag1: 0, threshold: 1, pattern: 'none' },
    drift: { firstThirdP50Ms: 1, lastThirdP50Ms: 1, change: 0, pValue: 1, significant: false },
  },
  system: {
    takenAt: '',
    platform: '',
    cpu: {
      cpufreq: true,
      cores: [{ cpu: 0, governor: '', curMHz: 1, maxMHz: 1, scalingMinMHz: 1, scalingMaxMHz: 1 }],
      boost: 'on',
      boostSource: '',
      cpuinfoMHz: [1],
      loadAverage: [0, 0, 0],
      logicalCpus: 1,
      affinity: [0],
      busiest: [{ pid: 1, name: '', cpuPercent: 0 }],
    },
    memory: { totalBytes: 1, availableBytes: 1, swapTotalBytes: 0, swapUsedBytes: 0, pressureSomeAvg10: 0 },
    gpu: {
      status: 'present',
      message: '',
      gpus: [{
        index: 0, name: '', uuid: '', driver: '', persistenceMode: 'on', pstate: '', smClockMHz: 1, maxSmClockMHz: 1, memClockMHz: 1,
        maxMemClockMHz: 1, appSmClockMHz: 1, defaultAppSmClockMHz: 1, powerDrawW: 1, powerLimitW: 1, defaultPowerLimitW: 1, maxPowerLimitW: 1,
        temperatureC: 1, utilizationPct: 0, memoryUsedMiB: 0, memoryTotalMiB: 1, clockEventReasons: [''], clockEventMask: '',
      }],
      processes: [{ gpuUuid: '', pid: 1, name: '', usedMiB: 0 }],
    },
    openFilesLimit: 1,
    noiseFloor: { cv: 0, runs: 1, taskMs: 1 },
  },
  telemetry: [{ tMs: 0, phase: 'measure', run: 0, load1: 0, cpuMHz: 1, gpus: [{ index: 0, smClockMHz: 1, temperatureC: 1, powerW: 1, clockEventReasons: [''] }] }],
  verdicts: [{ code: '', severity: 'info', title: '', message: '', evidence: [''], fix: '', actions: [{ kind: 'tuneSystem', label: '' }] }],
  partial: false,
  partialReason: '',
  startedAt: '',
  finishedAt: '',
};

type Path = Array<string | number>;

/**
 * Which field of a result fails validation, in words ("result.summary.p50Ms should be a number,
 * found \"fast\""). isBenchmarkResult stays the only judge of validity: this grafts the file's
 * fields one at a time onto VALID_RESULT and reports the first graft it rejects, descending into
 * that field the same way. Fields that pass are kept grafted, so a check that spans fields
 * (outlier indices against the sample count) sees the file's own values; samplesMs precedes
 * outliers in VALID_RESULT's key order for that reason.
 */
export function locateInvalid(result: unknown): string {
  if (!isBenchmarkResult(VALID_RESULT)) return 'result does not validate';
  if (!isObject(result)) return `result should be an object, found ${preview(result)}`;
  return locate(VALID_RESULT, [], result, 'result');
}

/**
 * The other forms of VALID_RESULT's tagged unions: a field can only be judged against the form
 * its `kind` selects, or a bad `seed` in a random fill would read as a bad `kind`.
 */
const UNION_FORMS: ReadonlyArray<ReadonlyArray<Record<string, unknown>>> = [
  [{ kind: 'constant', value: 0 }, { kind: 'random', low: 0, high: 1, seed: 0 }],
  [{ kind: 'tuneSystem', label: '' }, { kind: 'openSetting', label: '', setting: 'latency.warmup' }],
];

function locate(base: unknown, at: Path, actual: unknown, label: string): string {
  let valid = getAt(base, at);
  if (isObject(actual) && isObject(valid) && actual.kind !== valid.kind) {
    const kind = valid.kind;
    const form = UNION_FORMS.find((forms) => forms.some((f) => f.kind === kind))?.find((f) => f.kind === actual.kind);
    if (form) {
      base = setAt(base, at, form);
      valid = form;
    }
  }
  if (isObject(actual) && isObject(valid)) {
    let grafted = base;
    const keys = [...new Set([...Object.keys(valid), ...Object.keys(actual)])];
    for (const k of keys) {
      const next = setAt(grafted, [...at, k], actual[k]);
      if (isBenchmarkResult(next)) {
        grafted = next;
        continue;
      }
      return locate(grafted, [...at, k], actual[k], `${label}.${k}`);
    }
    return `${label} is not valid as a whole`;
  }
  if (Array.isArray(actual) && Array.isArray(valid) && valid.length > 0) {
    const oneItem = setAt(base, at, [valid[0]]);
    // Fixed-length tuples (intervals, load averages) reject any one-item list: judge them whole.
    if (isBenchmarkResult(oneItem)) {
      for (let i = 0; i < actual.length; i++) {
        if (!isBenchmarkResult(setAt(base, at, [actual[i]]))) return locate(oneItem, [...at, 0], actual[i], `${label}[${i}]`);
      }
    }
  }
  return describeMismatch(label, actual, valid);
}

function describeMismatch(label: string, actual: unknown, valid: unknown): string {
  if (actual === undefined) return `${label} is missing`;
  if (kindOf(actual) === kindOf(valid)) return `${label} has an unexpected value ${preview(actual)}`;
  return `${label} should be ${expected(valid)}, found ${preview(actual)}`;
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function expected(v: unknown): string {
  switch (kindOf(v)) {
    case 'number': return 'a number';
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'array': return 'a list';
    case 'object': return 'an object';
    default: return 'something else';
  }
}

function preview(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function getAt(root: unknown, at: Path): unknown {
  let v = root;
  for (const k of at) v = (v as Record<string | number, unknown> | undefined)?.[k];
  return v;
}

/** A copy of `root` with the value at `at` replaced (removed when undefined), sharing everything off that path. */
function setAt(root: unknown, at: Path, value: unknown): unknown {
  if (at.length === 0) return value;
  const [k, ...rest] = at as [string | number, ...Path];
  const copy: Record<string | number, unknown> = Array.isArray(root) ? [...root] as never : { ...(root as object) };
  const inner = setAt(copy[k], rest, value);
  if (inner === undefined && !Array.isArray(copy)) delete copy[k];
  else copy[k] = inner;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// For the history view

/** Newest first by start time (an unreadable one last); ties by id, so the order is total. */
export function sortRuns(runs: readonly SavedRun[]): SavedRun[] {
  const time = (r: SavedRun) => {
    const t = Date.parse(r.result.startedAt);
    return Number.isFinite(t) ? t : -Infinity;
  };
  return [...runs].sort((a, b) => time(b) - time(a) || (b.savedAt < a.savedAt ? -1 : b.savedAt > a.savedAt ? 1 : 0) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0));
}

/**
 * One line for a list: `"before fix" — lenet5.onnx · p50 1.23 ms · n=1000 · 2026-11-26 10:22 UTC · baseline`.
 * UTC, because a pure module cannot know the viewer's zone and a bare time would mislead.
 */
export function describeRun(run: SavedRun): string {
  const r = run.result;
  const parts = [r.target.name];
  parts.push(r.summary ? `p50 ${formatMs(r.summary.p50Ms)}` : 'no measured runs');
  if (r.summary) parts.push(`n=${r.summary.n}`);
  parts.push(displayTime(r.startedAt));
  if (r.partial) parts.push('partial');
  if (run.baseline) parts.push('baseline');
  const line = parts.join(' · ');
  return run.label ? `"${run.label}" — ${line}` : line;
}

function displayTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = new Date(t).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
