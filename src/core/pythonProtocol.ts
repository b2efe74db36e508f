// The JSON-lines protocol between the shipped Python harness (python/latency_harness.py) and the
// profiler, declared once. The harness writes one JSON object per line on its own duplicate of
// the original stdout (the user's prints go to stderr); the profiler writes HarnessCommand lines
// to its stdin. Times are integer nanoseconds from time.perf_counter_ns(). Pure: no Node APIs.

export const HARNESS_PROTOCOL_VERSION = 1;

/** Where the harness was when something happened. */
export type HarnessPhase =
  /** Before anything: the interpreter is too old, or the harness was started wrongly. */
  | 'startup'
  /** Importing the user's file (and what it imports). */
  | 'import'
  /** Looking up the function and setup in the imported module. */
  | 'resolve'
  | 'setup'
  /** The first call: the cold start. */
  | 'first'
  | 'warmup'
  | 'measure'
  /** Probe mode (`probePython`): reading versions, importing torch for the CUDA check. */
  | 'probe'
  /** A fault in the harness itself. */
  | 'internal';

export const HARNESS_PHASES: readonly HarnessPhase[] = ['startup', 'import', 'resolve', 'setup', 'first', 'warmup', 'measure', 'probe', 'internal'];

export type SamplePhase = 'warmup' | 'measure';

/** The argument of `latency_harness.py run '<json>'`. */
export interface HarnessRunConfig {
  /** Absolute path of the .py file. */
  file: string;
  /** Dotted name of the timed callable in the module. */
  function: string;
  /** Named setup (must exist); null: none, or in the script form `setup` when the file has one. */
  setup: string | null;
  scriptForm: boolean;
  warmup: number;
  /** Measured calls at most (an adaptive run sends "stop" sooner). */
  iterations: number;
  /** Samples are flushed when at least this long passed since the previous flush, and at phase ends. */
  flushIntervalMs: number;
}

/** The argument of `latency_harness.py probe '<json>'`. */
export interface HarnessProbeConfig {
  /** Import torch and check that CUDA works. */
  cuda: boolean;
}

/**
 * profiler → harness, one per line on stdin: "stop" ends the current phase after the call in
 * progress, "cancel" the run; "flush" asks for the samples not yet sent (before a hung call is
 * killed; answered from the control thread, so it may repeat samples: see SamplesMessage.count).
 */
export type HarnessCommand = 'stop' | 'cancel' | 'flush';

export function harnessCommandLine(command: HarnessCommand): string {
  return `${command}\n`;
}

export interface InterpreterInfo {
  /** "3.11.2". */
  version: string;
  /** sys.executable. */
  executable: string;
  /** Distribution name → version, for the packages that were installed. */
  packages: Record<string, string>;
}

export interface CudaDeviceInfo {
  device: string;
  /** torch.version.cuda. */
  runtime: string | null;
  /** "8.6". */
  capability: string | null;
}

/** First line of a run: the interpreter that really runs. */
export interface HelloMessage extends InterpreterInfo {
  t: 'hello';
  protocol: number;
  pid: number;
}

/** The file imported. */
export interface ImportedMessage {
  t: 'imported';
  importNs: number;
  /** The name the module was imported under. */
  module: string;
}

/** Setup done (0 ns without one): the first call comes next. */
export interface ReadyMessage {
  t: 'ready';
  setupNs: number;
  function: string;
  /** The setup that ran; null when none. */
  setup: string | null;
  /** 1-based line of the function's def in the file; null when it is defined elsewhere or has no code object. */
  line: number | null;
}

/** The first call completed. */
export interface ColdMessage {
  t: 'cold';
  ns: number;
  /** Every call from here on is bracketed by torch.cuda.synchronize(). */
  synchronized: boolean;
  cuda: CudaDeviceInfo | null;
}

/** A batch of samples: the calls completed since the previous batch of the same phase. */
export interface SamplesMessage {
  t: 'samples';
  phase: SamplePhase;
  ns: number[];
  /**
   * Calls completed in this phase so far: `ns` holds calls count − ns.length + 1 … count. A
   * "flush" answer may overlap batches already received; calls up to the count known are not new.
   */
  count: number;
  /** Wall time of this phase so far. */
  wallNs: number;
  /** Peak RSS of the Python process so far. */
  rssBytes: number;
  /** The phase's last batch. */
  final: boolean;
}

/** Every phase done (or stopped): the run's last message. */
export interface DoneMessage {
  t: 'done';
  rssBytes: number;
  /** torch.cuda.max_memory_allocated() when CUDA was used. */
  cudaPeakAllocatedBytes: number | null;
}

/** The answer of probe mode; a failed CUDA check follows it with an ErrorMessage. */
export interface ProbeMessage extends InterpreterInfo {
  t: 'probe';
  cuda?: CudaDeviceInfo;
}

/** Something raised, or a name is missing; the harness exits after sending it. */
export interface ErrorMessage {
  t: 'error';
  phase: HarnessPhase;
  /** The exception's class name ("ValueError"); "NameNotFound" for a missing function or setup. */
  type: string;
  message: string;
  /** Formatted traceback without the harness's own frames; "" when there is none. */
  traceback: string;
  /** Where in the user's file: a SyntaxError's own location, else the last frame in the file. */
  file?: string;
  line?: number;
  /** ImportError.name: the module that could not be imported. */
  module?: string;
  /** For a call: its 1-based number in its phase. */
  iteration?: number;
  /** A function or setup the file lacks (or that is not callable). */
  missing?: { name: string; role: 'function' | 'setup' };
  /** What the file does define at top level (functions, classes), with `missing`. */
  defines?: string[];
  /** The interpreter's version, when it is too old. */
  version?: string;
}

export type HarnessMessage =
  | HelloMessage
  | ImportedMessage
  | ReadyMessage
  | ColdMessage
  | SamplesMessage
  | DoneMessage
  | ProbeMessage
  | ErrorMessage;

export interface HarnessParseError {
  error: string;
}

export function isHarnessParseError(r: HarnessMessage | HarnessParseError): r is HarnessParseError {
  return !('t' in r);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';

class Invalid extends Error {}

function need<T>(o: Obj, key: string, ok: (v: unknown) => v is T, what: string): T {
  const v = o[key];
  if (!ok(v)) throw new Invalid(`"${key}" must be ${what}, got ${short(v)}`);
  return v;
}

function opt<T>(o: Obj, key: string, ok: (v: unknown) => v is T, what: string): T | undefined {
  return o[key] === undefined ? undefined : need(o, key, ok, what);
}

function nullable<T>(o: Obj, key: string, ok: (v: unknown) => v is T, what: string): T | null {
  return o[key] === null ? null : need(o, key, ok, `${what} or null`);
}

function short(v: unknown): string {
  const s = v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function interpreterInfo(o: Obj): InterpreterInfo {
  const packages = need(o, 'packages', isObj, 'an object');
  for (const [k, v] of Object.entries(packages)) if (!isStr(v)) throw new Invalid(`packages.${k} must be a string`);
  return {
    version: need(o, 'version', isStr, 'a string'),
    executable: need(o, 'executable', isStr, 'a string'),
    packages: packages as Record<string, string>,
  };
}

function cudaInfo(v: unknown): CudaDeviceInfo {
  if (!isObj(v)) throw new Invalid('"cuda" must be an object');
  return {
    device: need(v, 'device', isStr, 'a string'),
    runtime: nullable(v, 'runtime', isStr, 'a string'),
    capability: nullable(v, 'capability', isStr, 'a string'),
  };
}

function samples(v: unknown): number[] {
  if (!Array.isArray(v)) throw new Invalid(`"ns" must be an array, got ${short(v)}`);
  for (let i = 0; i < v.length; i++) if (!isNat(v[i])) throw new Invalid(`ns[${i}] must be a whole number of ns, got ${short(v[i])}`);
  return v as number[];
}

const isPhase = (v: unknown): v is HarnessPhase => (HARNESS_PHASES as readonly unknown[]).includes(v);
const isSamplePhase = (v: unknown): v is SamplePhase => v === 'warmup' || v === 'measure';
const isRole = (v: unknown): v is 'function' | 'setup' => v === 'function' || v === 'setup';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isPositive = (v: unknown): v is number => isNat(v) && v > 0;

function message(o: Obj): HarnessMessage {
  const t = need(o, 't', isStr, 'a string');
  switch (t) {
    case 'hello':
      return { t, protocol: need(o, 'protocol', isNat, 'a whole number'), pid: need(o, 'pid', isNat, 'a whole number'), ...interpreterInfo(o) };
    case 'imported':
      return { t, importNs: need(o, 'importNs', isNat, 'a whole number of ns'), module: need(o, 'module', isStr, 'a string') };
    case 'ready':
      return {
        t,
        setupNs: need(o, 'setupNs', isNat, 'a whole number of ns'),
        function: need(o, 'function', isStr, 'a string'),
        setup: nullable(o, 'setup', isStr, 'a string'),
        line: nullable(o, 'line', isPositive, 'a line number'),
      };
    case 'cold':
      return {
        t,
        ns: need(o, 'ns', isNat, 'a whole number of ns'),
        synchronized: need(o, 'synchronized', isBool, 'a boolean'),
        cuda: o.cuda === null ? null : cudaInfo(o.cuda),
      };
    case 'samples':
      return {
        t,
        phase: need(o, 'phase', isSamplePhase, '"warmup" or "measure"'),
        ns: samples(o.ns),
        count: need(o, 'count', isNat, 'a whole number'),
        wallNs: need(o, 'wallNs', isNat, 'a whole number of ns'),
        rssBytes: need(o, 'rssBytes', isNat, 'a whole number of bytes'),
        final: need(o, 'final', isBool, 'a boolean'),
      };
    case 'done':
      return { t, rssBytes: need(o, 'rssBytes', isNat, 'a whole number of bytes'), cudaPeakAllocatedBytes: nullable(o, 'cudaPeakAllocatedBytes', isNat, 'a whole number of bytes') };
    case 'probe': {
      const out: ProbeMessage = { t, ...interpreterInfo(o) };
      if (o.cuda !== undefined) out.cuda = cudaInfo(o.cuda);
      return out;
    }
    case 'error': {
      const out: ErrorMessage = {
        t,
        phase: need(o, 'phase', isPhase, `one of ${HARNESS_PHASES.join(', ')}`),
        type: need(o, 'type', isStr, 'a string'),
        message: need(o, 'message', isStr, 'a string'),
        traceback: need(o, 'traceback', isStr, 'a string'),
      };
      const file = opt(o, 'file', isStr, 'a string');
      if (file !== undefined) out.file = file;
      const line = opt(o, 'line', isPositive, 'a line number');
      if (line !== undefined) out.line = line;
      const module = opt(o, 'module', isStr, 'a string');
      if (module !== undefined) out.module = module;
      const iteration = opt(o, 'iteration', isPositive, 'a positive whole number');
      if (iteration !== undefined) out.iteration = iteration;
      if (o.missing !== undefined) {
        if (!isObj(o.missing)) throw new Invalid('"missing" must be an object');
        out.missing = { name: need(o.missing, 'name', isStr, 'a string'), role: need(o.missing, 'role', isRole, '"function" or "setup"') };
      }
      const defines = opt(o, 'defines', isStrArray, 'an array of strings');
      if (defines !== undefined) out.defines = defines;
      const version = opt(o, 'version', isStr, 'a string');
      if (version !== undefined) out.version = version;
      return out;
    }
    default:
      throw new Invalid(`unknown message type ${short(t)}`);
  }
}

/**
 * One line from the harness, checked field by field: the message, or `{error}` saying what is
 * wrong with it (not JSON, not an object, an unknown type, a field of the wrong type).
 */
export function parseHarnessLine(line: string): HarnessMessage | HarnessParseError {
  const text = line.trim();
  if (!text) return { error: 'empty line' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: `not JSON: ${short(text)}` };
  }
  if (!isObj(value)) return { error: `not a JSON object: ${short(value)}` };
  try {
    return message(value);
  } catch (err) {
    if (err instanceof Invalid) return { error: `${short(value.t)} message: ${err.message}` };
    throw err;
  }
}
