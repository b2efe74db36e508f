// The Python environment doctor: turns a failure of the harness (the interpreter would not
// start, an exception in import, setup or a call, a hang, a crash) into an error kind, a message
// that says what happened, and a hint that says how to fix it. Pure: the profiler gathers the
// facts (spawn error codes, the harness's error message, stderr), this module words them.

import type { ProfilerErrorKind } from './profilerProtocol';
import type { ErrorMessage } from './pythonProtocol';

export interface Diagnosis {
  kind: ProfilerErrorKind;
  message: string;
  hint: string;
  /** Verbatim detail for the log: the traceback, the last lines of stderr. */
  details?: string;
}

/** What is known around a failure; every field but the interpreter may be missing. */
export interface FailureContext {
  /** The interpreter as asked for (a setting, a path, `python3`). */
  interpreter: string;
  /** sys.executable, once the harness answered: where pip must install. */
  executable?: string;
  /** "3.11.2". */
  pythonVersion?: string;
  /** The user's .py file. */
  file?: string;
  /** The timed function and the setup, as named. */
  function?: string;
  setup?: string;
  /** The script form (`file.py` alone: `predict` and an optional `setup`). */
  scriptForm?: boolean;
  /** torch's version, when installed (for the CPU-only-build message). */
  torchVersion?: string;
  /** The last lines the interpreter wrote to stderr. */
  stderr?: string;
}

/** Where a run was when it stopped answering. */
export type HarnessStage = 'start' | 'import' | 'setup' | 'first' | 'warmup' | 'measure' | 'finish' | 'probe';

export type PythonFailure =
  /** The interpreter could not be started at all (child_process 'error'). */
  | { kind: 'spawn'; code?: string; message: string }
  /** The harness reported an exception or a missing name. */
  | { kind: 'exception'; error: ErrorMessage }
  /** The process ended without finishing; `answered`: it had said hello (so it is Python). */
  | { kind: 'exit'; code: number | null; signal: string | null; answered: boolean; stage: HarnessStage; stdout?: string }
  /** Stopped by the watchdog; `after`: the calls of that phase known to have completed. */
  | { kind: 'timeout'; stage: HarnessStage; seconds: number; after?: number };

/** The Python extension's command, named in hints so people find it in the palette. */
export const SELECT_INTERPRETER = '"Python: Select Interpreter"';
export const INTERPRETER_SETTING = 'latency.python.interpreter';
export const MIN_PYTHON = '3.8';

const CHOOSE_INTERPRETER = `set ${INTERPRETER_SETTING} to the interpreter's path, or pick one with ${SELECT_INTERPRETER}`;

/**
 * Import names whose pip distribution is called something else. Kept small: the common ones in
 * ML code. An import name not here is assumed to be its own pip name.
 */
export const PIP_NAMES: Readonly<Record<string, string>> = Object.freeze({
  cv2: 'opencv-python',
  PIL: 'Pillow',
  sklearn: 'scikit-learn',
  yaml: 'PyYAML',
  skimage: 'scikit-image',
  bs4: 'beautifulsoup4',
  'google.protobuf': 'protobuf',
  onnxruntime: 'onnxruntime',
});

/** The pip distribution that provides an import name (its top-level package unless mapped). */
export function pipPackageFor(module: string): string {
  const mapped = PIP_NAMES[module];
  if (mapped) return mapped;
  const top = module.split('.')[0] ?? module;
  return PIP_NAMES[top] ?? top;
}

export type CudaProblem = 'notCompiled' | 'noDriver' | 'driverTooOld' | 'noKernelImage' | 'forwardCompat';

/** torch's own wordings, as it raises or warns them. */
const CUDA_PATTERNS: ReadonlyArray<[RegExp, CudaProblem]> = [
  [/Torch not compiled with CUDA enabled/i, 'notCompiled'],
  [/Found no NVIDIA driver on your system/i, 'noDriver'],
  [/The NVIDIA driver on your system is too old/i, 'driverTooOld'],
  [/CUDA driver version is insufficient for CUDA runtime version/i, 'driverTooOld'],
  [/forward compatibility was attempted on non supported HW/i, 'forwardCompat'],
  [/no kernel image is available for execution on the device/i, 'noKernelImage'],
  [/with CUDA capability sm_\d+ is not compatible with the current PyTorch installation/i, 'noKernelImage'],
];

/** Which CUDA mismatch a text reports, if any. */
export function cudaProblemIn(text: string): CudaProblem | undefined {
  for (const [re, problem] of CUDA_PATTERNS) if (re.test(text)) return problem;
  return undefined;
}

const NVIDIA_SMI = '`nvidia-smi` shows the driver\'s CUDA version (top right, "CUDA Version")';

function cudaHint(problem: CudaProblem, ctx: FailureContext): string {
  const torch = ctx.torchVersion ? `torch ${ctx.torchVersion}` : 'this torch';
  const cpu = 'or run on the CPU (device "cpu")';
  switch (problem) {
    case 'notCompiled':
      return `${torch} is a CPU-only build. Install a CUDA build of torch that matches the driver (${NVIDIA_SMI}; pytorch.org lists the builds), ${cpu}.`;
    case 'noDriver':
      return `torch finds no NVIDIA driver: install the NVIDIA driver (\`nvidia-smi\` must work), ${cpu}.`;
    case 'driverTooOld':
    case 'forwardCompat':
      return `${torch} was built for a newer CUDA than the driver supports. Install a torch build that matches the driver's CUDA version (${NVIDIA_SMI}; pytorch.org lists the builds), or update the driver, ${cpu}.`;
    case 'noKernelImage':
      return `${torch} has no kernels for this GPU's architecture. Install a torch build that supports it (usually one for a newer CUDA; ${NVIDIA_SMI}), ${cpu}.`;
  }
}

const base = (file: string): string => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
const firstLine = (text: string): string => text.split('\n').find((l) => l.trim())?.trim() ?? '';
const q = (s: string): string => `"${s}"`;

function interpreterName(ctx: FailureContext): string {
  return ctx.executable || ctx.interpreter;
}

function details(...parts: Array<string | undefined>): string | undefined {
  const kept = parts.map((p) => p?.trimEnd()).filter((p): p is string => !!p);
  return kept.length ? kept.join('\n\n') : undefined;
}

function stderrDetail(ctx: FailureContext): string | undefined {
  return ctx.stderr?.trim() ? `stderr (last lines):\n${ctx.stderr.trimEnd()}` : undefined;
}

/** "at /path/m.py:12" when the harness located it; "" otherwise. */
function location(error: ErrorMessage): string {
  return error.file && error.line ? ` at ${error.file}:${error.line}` : '';
}

/**
 * "ValueError: bad input at measured run 501": what a call that raised is called in a partial
 * result's reason.
 */
export function describeCallFailure(error: ErrorMessage): string {
  const where =
    error.phase === 'measure' ? ` at measured run ${error.iteration ?? '?'}`
    : error.phase === 'warmup' ? ` at warm-up run ${error.iteration ?? '?'}`
    : error.phase === 'first' ? ' in the first call'
    : '';
  return `${error.type}: ${firstLine(error.message) || '(no message)'}${where}`;
}

/** The words for a run that stopped answering (a hang) in `stage`. */
export function describeTimeout(stage: HarnessStage, seconds: number, ctx: FailureContext, after?: number): string {
  const fn = `${ctx.function ?? 'the function'}()`;
  const file = ctx.file ? base(ctx.file) : 'the file';
  switch (stage) {
    case 'start':
    case 'import':
      return `Importing ${file} took longer than ${seconds} s (the setup timeout)`;
    case 'setup':
      return `${ctx.setup ?? 'setup'}() in ${file} took longer than ${seconds} s (the setup timeout counts the import too)`;
    case 'first':
      return `The first call to ${fn} took longer than ${seconds} s`;
    case 'warmup':
    case 'measure': {
      const phase = stage === 'warmup' ? 'warm-up' : 'measured';
      const done = after === undefined ? '' : ` (after ${after} completed ${phase} run${after === 1 ? '' : 's'})`;
      return `A call to ${fn} in the ${phase} phase took longer than ${seconds} s${done}`;
    }
    case 'finish':
      return `The Python process did not finish within ${seconds} s of its last call`;
    case 'probe':
      return `"${ctx.interpreter}" did not answer the environment check within ${seconds} s`;
  }
}

export function diagnosePython(failure: PythonFailure, ctx: FailureContext): Diagnosis {
  switch (failure.kind) {
    case 'spawn':
      return spawnFailure(failure, ctx);
    case 'exception':
      return exceptionFailure(failure.error, ctx);
    case 'exit':
      return exitFailure(failure, ctx);
    case 'timeout':
      return {
        kind: 'timeout',
        message: describeTimeout(failure.stage, failure.seconds, ctx, failure.after),
        hint:
          failure.stage === 'probe'
            ? `Check that "${ctx.interpreter}" starts (and imports torch) from a terminal.`
            : 'If it is only slow, raise the timeout (the latency.python.callTimeoutSeconds setting or --timeout S; latency.python.setupTimeoutSeconds for import and setup; or callTimeoutSeconds / setupTimeoutSeconds of a named target); if it waits for input, a lock or the network, it will not return. Where it was stuck is in the details.',
        ...optionalDetails(details(stderrDetail(ctx))),
      };
  }
}

function optionalDetails(d: string | undefined): { details?: string } {
  return d === undefined ? {} : { details: d };
}

function spawnFailure(failure: { code?: string; message: string }, ctx: FailureContext): Diagnosis {
  const interp = ctx.interpreter;
  const onPath = !/[\\/]/.test(interp);
  if (failure.code === 'ENOENT') {
    return {
      kind: 'interpreterNotFound',
      message: onPath ? `Python interpreter not found: "${interp}" is not on PATH` : `Python interpreter not found: ${interp} does not exist`,
      hint: `Install Python 3 (python3), or ${CHOOSE_INTERPRETER}.`,
      details: failure.message,
    };
  }
  if (failure.code === 'EACCES' || failure.code === 'EPERM') {
    return {
      kind: 'interpreterNotFound',
      message: `The Python interpreter "${interp}" could not be started: permission denied (is it an executable file?)`,
      hint: `Make it executable (chmod +x), or ${CHOOSE_INTERPRETER}.`,
      details: failure.message,
    };
  }
  return {
    kind: 'interpreterNotFound',
    message: `The Python interpreter "${interp}" could not be started: ${failure.message}`,
    hint: `Check that it runs from a terminal, or ${CHOOSE_INTERPRETER}.`,
    details: failure.message,
  };
}

function exitFailure(failure: Extract<PythonFailure, { kind: 'exit' }>, ctx: FailureContext): Diagnosis {
  const stderr = ctx.stderr ?? '';
  const how = failure.signal ? `signal ${failure.signal}` : `exit code ${failure.code ?? '?'}`;
  if (!failure.answered) {
    const saidPython = /Traceback \(most recent call last\)|^\s*File ".*", line \d+/m.test(stderr);
    if (/latency_harness\.py/.test(stderr) && /SyntaxError/.test(stderr)) {
      return {
        kind: 'interpreterNotFound',
        message: `"${ctx.interpreter}" is too old for Latency's harness, or is not Python 3: it could not parse it (Latency needs Python ${MIN_PYTHON} or newer)`,
        hint: `Install Python ${MIN_PYTHON} or newer, or ${CHOOSE_INTERPRETER}.`,
        ...optionalDetails(details(stderrDetail(ctx))),
      };
    }
    if (saidPython) {
      return {
        kind: 'internal',
        message: `Latency's Python harness failed before it started (${how}): ${lastLine(stderr)}`,
        hint: 'This is a bug in Latency or a very unusual interpreter; the details hold the traceback.',
        ...optionalDetails(details(stderrDetail(ctx))),
      };
    }
    const said = firstLine(stderr) || firstLine(failure.stdout ?? '');
    return {
      kind: 'interpreterNotFound',
      message: `"${ctx.interpreter}" did not start Latency's harness as Python ${MIN_PYTHON}+ would: it ended with ${how}${said ? ` and said: ${clip(said, 200)}` : ' without a word'}`,
      hint: `Point ${INTERPRETER_SETTING} at a Python ${MIN_PYTHON}+ interpreter (or pick one with ${SELECT_INTERPRETER}); check that it runs from a terminal.`,
      ...optionalDetails(details(failure.stdout ? `stdout:\n${clip(failure.stdout, 2000)}` : undefined, stderrDetail(ctx))),
    };
  }
  const problem = cudaProblemIn(stderr);
  if (problem) {
    return {
      kind: 'cudaMismatch',
      message: `The Python process died during ${stageWords(failure.stage, ctx)} (${how}) with a CUDA error: ${clip(lastMatchingLine(stderr, problem), 300)}`,
      hint: cudaHint(problem, ctx),
      ...optionalDetails(details(stderrDetail(ctx))),
    };
  }
  const hint =
    failure.signal === 'SIGKILL'
      ? 'Something killed it: the kernel\'s out-of-memory killer sends SIGKILL when memory runs out (check `dmesg`).'
      : failure.signal === 'SIGSEGV' || failure.signal === 'SIGBUS' || failure.signal === 'SIGABRT' || failure.signal === 'SIGILL'
        ? 'It crashed in native code (a C extension, CUDA, or a package built for another version); the details hold the stack Python dumped.'
        : 'Your code (or a library it calls) ended the process; the details hold its last stderr lines.';
  return {
    kind: 'pythonError',
    message: `The Python process died during ${stageWords(failure.stage, ctx)} (${how})`,
    hint,
    ...optionalDetails(details(stderrDetail(ctx))),
  };
}

function stageWords(stage: HarnessStage, ctx: FailureContext): string {
  const fn = `${ctx.function ?? 'the function'}()`;
  switch (stage) {
    case 'start':
      return 'start-up';
    case 'import':
      return `the import of ${ctx.file ? base(ctx.file) : 'the file'}`;
    case 'setup':
      return `${ctx.setup ?? 'setup'}()`;
    case 'first':
      return `the first call to ${fn}`;
    case 'warmup':
      return `the warm-up calls to ${fn}`;
    case 'measure':
      return `the measured calls to ${fn}`;
    case 'finish':
      return 'the end of the run';
    case 'probe':
      return 'the environment check';
  }
}

function exceptionFailure(error: ErrorMessage, ctx: FailureContext): Diagnosis {
  const detail = details(error.traceback, stderrDetail(ctx));
  const withDetails = optionalDetails(detail);
  const text = `${error.message}\n${error.traceback}`;

  if (error.phase === 'startup' && error.type === 'PythonTooOld') {
    return {
      kind: 'interpreterNotFound',
      message: `"${ctx.interpreter}" is Python ${error.version ?? '(too old)'}: Latency needs Python ${MIN_PYTHON} or newer`,
      hint: `Install Python ${MIN_PYTHON} or newer, or ${CHOOSE_INTERPRETER}.`,
      ...withDetails,
    };
  }

  const problem = cudaProblemIn(text) ?? (ctx.stderr ? cudaProblemIn(ctx.stderr) : undefined);
  if (problem) {
    return {
      kind: 'cudaMismatch',
      message: `torch and the CUDA setup disagree (${where(error, ctx)}): ${clip(firstMatchingLine(text, problem) ?? firstLine(error.message), 300)}`,
      hint: cudaHint(problem, ctx),
      ...withDetails,
    };
  }

  if (error.type === 'ModuleNotFoundError' || (error.module && /No module named/.test(error.message))) {
    return moduleNotFound(error, ctx, withDetails);
  }
  if (error.type === 'ImportError' && /undefined symbol|DLL load failed|_ARRAY_API not found|numpy\.core\.multiarray failed to import|compiled using NumPy 1\.x|cannot open shared object file/i.test(text)) {
    const mod = error.module ?? /from '([\w.]+)'/.exec(error.message)?.[1];
    const pkg = mod ? pipPackageFor(mod) : undefined;
    return {
      kind: 'moduleNotFound',
      message: `A compiled package cannot load in ${q(interpreterName(ctx))} (${where(error, ctx)}): ${clip(firstLine(error.message), 300)}`,
      hint: `It was built for another Python, numpy or CUDA version than the one installed. Reinstall it for this interpreter${pkg ? `: ${q(interpreterName(ctx))} -m pip install --force-reinstall ${pkg}` : ` with ${q(interpreterName(ctx))} -m pip install --force-reinstall <package>`}.`,
      ...withDetails,
    };
  }

  if (error.phase === 'resolve' && error.missing) return missingName(error, ctx);

  if (error.phase === 'import' && ['SyntaxError', 'IndentationError', 'TabError'].includes(error.type)) {
    const file = error.file ?? ctx.file ?? 'the file';
    const loc = error.line ? `${file}:${error.line}` : file;
    const version = ctx.pythonVersion ? ` (Python ${ctx.pythonVersion})` : '';
    return {
      kind: 'pythonError',
      message: `${error.type} in ${loc}: ${firstLine(error.message)}`,
      hint: `Fix the syntax there. The file must import under ${q(interpreterName(ctx))}${version}: syntax from a newer Python fails in an older one.`,
      ...withDetails,
    };
  }

  if (error.phase === 'internal' || error.phase === 'startup') {
    return {
      kind: 'internal',
      message: `Latency's Python harness failed: ${error.type}: ${clip(firstLine(error.message), 300)}`,
      hint: 'This is a bug in Latency; the details hold the traceback.',
      ...withDetails,
    };
  }

  const said = `${error.type}: ${clip(firstLine(error.message) || '(no message)', 300)}`;
  const message =
    error.phase === 'import' ? `Importing ${ctx.file ? base(ctx.file) : 'the file'} raised ${said}${location(error)}`
    : error.phase === 'setup' ? `${ctx.setup ?? 'setup'}() raised ${said}${location(error)}`
    : error.phase === 'first' ? `The first call to ${ctx.function ?? 'the function'}() raised ${said}${location(error)}`
    : error.phase === 'probe' ? `The environment check in ${q(interpreterName(ctx))} raised ${said}`
    : `${ctx.function ?? 'The function'}() raised ${describeCallFailure(error)}${location(error)}`;
  return {
    kind: 'pythonError',
    message,
    hint: error.phase === 'probe' ? 'The details hold the traceback.' : 'Fix the error in your code; the details hold the full traceback.',
    ...withDetails,
  };
}

function where(error: ErrorMessage, ctx: FailureContext): string {
  switch (error.phase) {
    case 'import':
      return `importing ${ctx.file ? base(ctx.file) : 'the file'}${location(error)}`;
    case 'setup':
      return `in ${ctx.setup ?? 'setup'}()${location(error)}`;
    case 'first':
      return `in the first call to ${ctx.function ?? 'the function'}()${location(error)}`;
    case 'warmup':
    case 'measure':
      return `in ${ctx.function ?? 'the function'}()${error.phase === 'measure' ? ` at measured run ${error.iteration ?? '?'}` : ` at warm-up run ${error.iteration ?? '?'}`}${location(error)}`;
    case 'probe':
      return 'checking CUDA';
    default:
      return error.phase;
  }
}

function moduleNotFound(error: ErrorMessage, ctx: FailureContext, withDetails: { details?: string }): Diagnosis {
  const mod = error.module ?? /No module named '([^']+)'/.exec(error.message)?.[1] ?? '?';
  const interp = interpreterName(ctx);
  const version = ctx.pythonVersion ? ` (Python ${ctx.pythonVersion})` : '';
  const by = error.phase === 'probe' ? '' : `, needed ${where(error, ctx)}`;
  const dotted = mod.includes('.') && !PIP_NAMES[mod];
  if (dotted) {
    // Python names the first part it cannot find, so the package above it imported: its
    // installation lacks a part (a compiled `_C`, a submodule of another version).
    const top = mod.split('.')[0]!;
    return {
      kind: 'moduleNotFound',
      message: `No module named '${mod}' in ${q(interp)}${version}${by}: ${top} is installed but broken, or was installed for another Python version`,
      hint: `Reinstall it for this interpreter: ${q(interp)} -m pip install --force-reinstall ${pipPackageFor(top)} (or ${CHOOSE_INTERPRETER} with a working ${top}).`,
      ...withDetails,
    };
  }
  const pkg = pipPackageFor(mod);
  const own = PIP_NAMES[mod] ? '' : ` If ${mod} is your own module, put it next to ${ctx.file ? base(ctx.file) : 'the file'} or on PYTHONPATH.`;
  return {
    kind: 'moduleNotFound',
    message: `No module named '${mod}' in ${q(interp)}${version}${by}`,
    hint: `Install it into that interpreter: ${q(interp)} -m pip install ${pkg} — or use the interpreter that has it: ${CHOOSE_INTERPRETER}.${own}`,
    ...withDetails,
  };
}

function missingName(error: ErrorMessage, ctx: FailureContext): Diagnosis {
  const missing = error.missing!;
  const file = ctx.file ? base(ctx.file) : error.file ? base(error.file) : 'the file';
  const defines = error.defines ?? [];
  if (error.type === 'TypeError') {
    return { kind: 'pythonError', message: error.message, hint: `Name a function: ${file}:<function>.` };
  }
  const what = missing.role === 'setup' ? 'setup function' : 'function';
  const list = defines.length ? `it defines ${defines.join(', ')}` : 'it defines no top-level functions or classes';
  const hint =
    missing.role === 'setup'
      ? `Name a setup the file defines${defines.length ? ` (one of ${defines.join(', ')})` : ''}, or leave setup out.`
      : ctx.scriptForm
        ? `A file alone times its predict(inputs), with setup() when it has one: define predict, or name the function to time as ${file}:<function>.`
        : defines.length
          ? `Name one of them: ${file}:${defines[0]}.`
          : `Define ${missing.name} in ${file} at top level.`;
  return { kind: 'pythonError', message: `${file} has no ${what} "${missing.name}": ${list}`, hint };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim());
  return lines[lines.length - 1]?.trim() ?? '';
}

function firstMatchingLine(text: string, problem: CudaProblem): string | undefined {
  return text.split('\n').find((l) => cudaProblemIn(l) === problem)?.trim();
}

function lastMatchingLine(text: string, problem: CudaProblem): string {
  const lines = text.split('\n').filter((l) => cudaProblemIn(l) === problem);
  return lines[lines.length - 1]?.trim() ?? firstLine(text);
}

/**
 * The command in a hint the user may want to run, offered to copy (never run): the pip install
 * that adds a missing module to the interpreter that lacked it.
 */
export function copyableFix(hint: string | undefined): string | undefined {
  return hint ? /(?:"[^"]+"|\S+) -m pip install \S+/.exec(hint)?.[0] : undefined;
}
