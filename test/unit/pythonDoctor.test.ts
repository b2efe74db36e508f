// The doctor's words for each failure, from real message texts. The CUDA messages are fixture
// strings, copied from what torch raises or warns: there is no GPU on the machines these tests
// run on, so they cannot be produced here (test/integration/pythonBenchmark.test.ts gets a real
// "Torch not compiled with CUDA enabled" from a CPU-only torch).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  copyableFix,
  PIP_NAMES,
  cudaProblemIn,
  describeCallFailure,
  describeTimeout,
  diagnosePython,
  pipPackageFor,
  type FailureContext,
} from '../../src/core/pythonDoctor';
import type { ErrorMessage } from '../../src/core/pythonProtocol';

const ctx: FailureContext = {
  interpreter: 'python3',
  executable: '/home/u/.venv/bin/python3',
  pythonVersion: '3.11.2',
  file: '/home/u/proj/model.py',
  function: 'predict',
  setup: 'load',
  torchVersion: '2.3.0+cu121',
};

function exception(partial: Partial<ErrorMessage> & Pick<ErrorMessage, 'phase' | 'type' | 'message'>): ErrorMessage {
  return { t: 'error', traceback: '', ...partial };
}

test('a missing interpreter: not on PATH, or no such file; the hint says install, the setting, or Select Interpreter', () => {
  const onPath = diagnosePython({ kind: 'spawn', code: 'ENOENT', message: 'spawn python3 ENOENT' }, { interpreter: 'python3' });
  assert.equal(onPath.kind, 'interpreterNotFound');
  assert.equal(onPath.message, 'Python interpreter not found: "python3" is not on PATH');
  assert.match(onPath.hint, /Install Python 3 \(python3\)/);
  assert.match(onPath.hint, /latency\.python\.interpreter/);
  assert.match(onPath.hint, /"Python: Select Interpreter"/);

  const path = diagnosePython({ kind: 'spawn', code: 'ENOENT', message: 'spawn /opt/py/bin/python ENOENT' }, { interpreter: '/opt/py/bin/python' });
  assert.equal(path.message, 'Python interpreter not found: /opt/py/bin/python does not exist');

  const denied = diagnosePython({ kind: 'spawn', code: 'EACCES', message: 'spawn /opt/py EACCES' }, { interpreter: '/opt/py' });
  assert.equal(denied.kind, 'interpreterNotFound');
  assert.match(denied.message, /permission denied/);
  assert.match(denied.hint, /chmod \+x/);
});

test('No module named x: names the module and the interpreter, and the pip command for that interpreter', () => {
  const d = diagnosePython(
    {
      kind: 'exception',
      error: exception({
        phase: 'import',
        type: 'ModuleNotFoundError',
        message: "No module named 'cv2'",
        module: 'cv2',
        file: '/home/u/proj/model.py',
        line: 4,
        traceback: 'Traceback (most recent call last):\n  File "/home/u/proj/model.py", line 4, in <module>\n    import cv2\nModuleNotFoundError: No module named \'cv2\'\n',
      }),
    },
    ctx,
  );
  assert.equal(d.kind, 'moduleNotFound');
  assert.equal(d.message, `No module named 'cv2' in "/home/u/.venv/bin/python3" (Python 3.11.2), needed importing model.py at /home/u/proj/model.py:4`);
  assert.match(d.hint, /^Install it into that interpreter: "\/home\/u\/\.venv\/bin\/python3" -m pip install opencv-python /);
  assert.match(d.hint, /Select Interpreter/);
  assert.doesNotMatch(d.hint, /your own module/, 'a known package is not the user\'s own module');
  assert.match(d.details ?? '', /import cv2/);
});

test('the import name → pip name map', () => {
  const expected: Record<string, string> = {
    cv2: 'opencv-python',
    PIL: 'Pillow',
    sklearn: 'scikit-learn',
    yaml: 'PyYAML',
    skimage: 'scikit-image',
    bs4: 'beautifulsoup4',
    'google.protobuf': 'protobuf',
    onnxruntime: 'onnxruntime',
  };
  for (const [mod, pip] of Object.entries(expected)) assert.equal(pipPackageFor(mod), pip, mod);
  assert.deepEqual(Object.keys(PIP_NAMES).sort(), Object.keys(expected).sort());
  assert.equal(pipPackageFor('numpy'), 'numpy');
  assert.equal(pipPackageFor('PIL.Image'), 'Pillow');

  const protobuf = diagnosePython({ kind: 'exception', error: exception({ phase: 'import', type: 'ModuleNotFoundError', message: "No module named 'google.protobuf'", module: 'google.protobuf' }) }, ctx);
  assert.match(protobuf.hint, /-m pip install protobuf /, 'google is a namespace package: google.protobuf missing means protobuf is not installed');

  const own = diagnosePython({ kind: 'exception', error: exception({ phase: 'setup', type: 'ModuleNotFoundError', message: "No module named 'helpers'", module: 'helpers' }) }, ctx);
  assert.match(own.message, /needed in load\(\)/);
  assert.match(own.hint, /-m pip install helpers /);
  assert.match(own.hint, /If helpers is your own module, put it next to model\.py or on PYTHONPATH/);
});

test('a submodule missing (torch._C): the package is broken or installed for another Python version', () => {
  const d = diagnosePython(
    {
      kind: 'exception',
      error: exception({ phase: 'import', type: 'ModuleNotFoundError', message: "No module named 'torch._C'", module: 'torch._C' }),
    },
    ctx,
  );
  assert.equal(d.kind, 'moduleNotFound');
  assert.match(d.message, /No module named 'torch\._C' in "\/home\/u\/\.venv\/bin\/python3" \(Python 3\.11\.2\)/);
  assert.match(d.message, /torch is installed but broken, or was installed for another Python version/);
  assert.match(d.hint, /"\/home\/u\/\.venv\/bin\/python3" -m pip install --force-reinstall torch/);
});

test('without sys.executable (the harness never said hello) the interpreter as asked for is named', () => {
  const d = diagnosePython({ kind: 'exception', error: exception({ phase: 'probe', type: 'ModuleNotFoundError', message: "No module named 'torch'", module: 'torch' }) }, { interpreter: 'python3' });
  assert.equal(d.message, `No module named 'torch' in "python3"`);
  assert.match(d.hint, /"python3" -m pip install torch/);
});

test('a compiled package built for another version (undefined symbol, NumPy 2 ABI) is a module problem with a reinstall', () => {
  const d = diagnosePython(
    {
      kind: 'exception',
      error: exception({
        phase: 'import',
        type: 'ImportError',
        message: '/venv/lib/python3.11/site-packages/torchvision/_C.so: undefined symbol: _ZN3c1017RegisterOperatorsD1Ev',
      }),
    },
    ctx,
  );
  assert.equal(d.kind, 'moduleNotFound');
  assert.match(d.hint, /--force-reinstall/);
  const numpy2 = diagnosePython(
    {
      kind: 'exception',
      error: exception({ phase: 'import', type: 'ImportError', message: 'numpy.core.multiarray failed to import', module: 'numpy.core.multiarray' }),
    },
    ctx,
  );
  assert.equal(numpy2.kind, 'moduleNotFound');
  assert.match(numpy2.hint, /pip install --force-reinstall numpy/);
});

// --- CUDA: fixture strings in torch's own words (no GPU here) ---------------------------------

const CUDA_FIXTURES: Array<{ name: string; type: string; message: string; problem: string; hint: RegExp }> = [
  {
    name: 'driver too old (torch built for a newer CUDA)',
    type: 'RuntimeError',
    message:
      'The NVIDIA driver on your system is too old (found version 11040). Please update your GPU driver by downloading and installing a new version from the URL: http://www.nvidia.com/Download/index.aspx Alternatively, go to: https://pytorch.org to install a PyTorch version that has been compiled with your version of the CUDA driver.',
    problem: 'driverTooOld',
    hint: /torch build that matches the driver's CUDA version \(`nvidia-smi` shows the driver's CUDA version/,
  },
  {
    name: 'CUDA driver version insufficient',
    type: 'RuntimeError',
    message: 'CUDA error: CUDA driver version is insufficient for CUDA runtime version\nCUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1.',
    problem: 'driverTooOld',
    hint: /nvidia-smi/,
  },
  {
    name: 'no driver',
    type: 'RuntimeError',
    message: 'Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx',
    problem: 'noDriver',
    hint: /install the NVIDIA driver/,
  },
  {
    name: 'no kernel image (GPU architecture not in the build)',
    type: 'RuntimeError',
    message: 'CUDA error: no kernel image is available for execution on the device\nCUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1.\nCompile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.',
    problem: 'noKernelImage',
    hint: /no kernels for this GPU's architecture/,
  },
  {
    name: 'CPU-only torch',
    type: 'AssertionError',
    message: 'Torch not compiled with CUDA enabled',
    problem: 'notCompiled',
    hint: /torch 2\.3\.0\+cu121 is a CPU-only build\. Install a CUDA build of torch that matches the driver/,
  },
  {
    name: 'forward compatibility on unsupported hardware (error 804)',
    type: 'RuntimeError',
    message:
      'Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions before calling NumCudaDevices() that might have already set an error? Error 804: forward compatibility was attempted on non supported HW',
    problem: 'forwardCompat',
    hint: /matches the driver's CUDA version/,
  },
];

for (const f of CUDA_FIXTURES) {
  test(`CUDA mismatch (fixture text, no GPU here): ${f.name}`, () => {
    assert.equal(cudaProblemIn(f.message), f.problem);
    for (const phase of ['setup', 'first', 'probe'] as const) {
      const d = diagnosePython({ kind: 'exception', error: exception({ phase, type: f.type, message: f.message }) }, ctx);
      assert.equal(d.kind, 'cudaMismatch', `${phase}: ${d.message}`);
      assert.match(d.message, /^torch and the CUDA setup disagree/);
      assert.match(d.hint, f.hint);
      assert.match(d.hint, /or run on the CPU/);
    }
  });
}

test('CUDA: a capability warning on stderr before the error counts too; the process dying with it on stderr as well', () => {
  const stderr =
    '/venv/lib/python3.11/site-packages/torch/cuda/__init__.py:209: UserWarning: \nNVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current PyTorch installation.\nThe current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90.';
  assert.equal(cudaProblemIn(stderr), 'noKernelImage');
  const d = diagnosePython({ kind: 'exception', error: exception({ phase: 'setup', type: 'RuntimeError', message: 'CUDA error: unspecified launch failure' }) }, { ...ctx, stderr });
  assert.equal(d.kind, 'cudaMismatch');
  const died = diagnosePython({ kind: 'exit', code: null, signal: 'SIGABRT', answered: true, stage: 'first' }, { ...ctx, stderr });
  assert.equal(died.kind, 'cudaMismatch');
  assert.match(died.message, /died during the first call to predict\(\) \(signal SIGABRT\) with a CUDA error/);
  // A UserWarning that merely mentions CUDA is not a mismatch.
  assert.equal(cudaProblemIn('UserWarning: TypedStorage is deprecated. CUDA is fine.'), undefined);
});

// --- the user's file ---------------------------------------------------------------------------

test('a missing function lists the top-level callables the file defines', () => {
  const d = diagnosePython(
    {
      kind: 'exception',
      error: exception({ phase: 'resolve', type: 'NameNotFound', message: 'model.py does not define infer', missing: { name: 'infer', role: 'function' }, defines: ['load', 'predict', 'Model'] }),
    },
    ctx,
  );
  assert.equal(d.kind, 'pythonError');
  assert.equal(d.message, 'model.py has no function "infer": it defines load, predict, Model');
  assert.equal(d.hint, 'Name one of them: model.py:load.');

  const none = diagnosePython({ kind: 'exception', error: exception({ phase: 'resolve', type: 'NameNotFound', message: '', missing: { name: 'f', role: 'function' }, defines: [] }) }, ctx);
  assert.match(none.message, /it defines no top-level functions or classes/);

  const setup = diagnosePython(
    { kind: 'exception', error: exception({ phase: 'resolve', type: 'NameNotFound', message: '', missing: { name: 'init', role: 'setup' }, defines: ['load', 'predict'] }) },
    ctx,
  );
  assert.equal(setup.message, 'model.py has no setup function "init": it defines load, predict');
  assert.match(setup.hint, /one of load, predict/);

  const script = diagnosePython(
    { kind: 'exception', error: exception({ phase: 'resolve', type: 'NameNotFound', message: '', missing: { name: 'predict', role: 'function' }, defines: ['run'] }) },
    { ...ctx, scriptForm: true },
  );
  assert.match(script.hint, /predict\(inputs\), with setup\(\) when it has one: define predict, or name the function to time as model\.py:<function>/);
});

test('a SyntaxError names file:line and the interpreter that could not parse it', () => {
  const d = diagnosePython(
    {
      kind: 'exception',
      error: exception({
        phase: 'import',
        type: 'SyntaxError',
        message: 'invalid syntax',
        file: '/home/u/proj/model.py',
        line: 12,
        traceback: '  File "/home/u/proj/model.py", line 12\n    match x:\n          ^\nSyntaxError: invalid syntax\n',
      }),
    },
    { ...ctx, pythonVersion: '3.8.10' },
  );
  assert.equal(d.kind, 'pythonError');
  assert.equal(d.message, 'SyntaxError in /home/u/proj/model.py:12: invalid syntax');
  assert.match(d.hint, /\(Python 3\.8\.10\): syntax from a newer Python fails in an older one/);
  assert.match(d.details ?? '', /match x:/);
});

test('an exception in import, setup, the first call or a measured call: where, with file:line', () => {
  const imp = diagnosePython({ kind: 'exception', error: exception({ phase: 'import', type: 'ValueError', message: 'broken', file: '/home/u/proj/model.py', line: 3 }) }, ctx);
  assert.equal(imp.kind, 'pythonError');
  assert.equal(imp.message, 'Importing model.py raised ValueError: broken at /home/u/proj/model.py:3');
  const setup = diagnosePython({ kind: 'exception', error: exception({ phase: 'setup', type: 'KeyError', message: "'w'", file: '/home/u/proj/model.py', line: 8 }) }, ctx);
  assert.equal(setup.message, "load() raised KeyError: 'w' at /home/u/proj/model.py:8");
  const first = diagnosePython({ kind: 'exception', error: exception({ phase: 'first', type: 'TypeError', message: 'predict() missing 1 required positional argument', iteration: 1 }) }, ctx);
  assert.equal(first.message, 'The first call to predict() raised TypeError: predict() missing 1 required positional argument');
  const call = diagnosePython({ kind: 'exception', error: exception({ phase: 'measure', type: 'ValueError', message: 'bad input\nmore', iteration: 501, file: '/home/u/proj/model.py', line: 20 }) }, ctx);
  assert.equal(call.message, 'predict() raised ValueError: bad input at measured run 501 at /home/u/proj/model.py:20');
});

test('describeCallFailure: the partial reason of a call that raised', () => {
  assert.equal(describeCallFailure(exception({ phase: 'measure', type: 'ValueError', message: 'bad input', iteration: 501 })), 'ValueError: bad input at measured run 501');
  assert.equal(describeCallFailure(exception({ phase: 'warmup', type: 'ZeroDivisionError', message: 'division by zero', iteration: 3 })), 'ZeroDivisionError: division by zero at warm-up run 3');
  assert.equal(describeCallFailure(exception({ phase: 'measure', type: 'SystemExit', message: '', iteration: 2 })), 'SystemExit: (no message) at measured run 2');
});

// --- the interpreter ------------------------------------------------------------------------

test('Python too old: the harness says so, or (Python 2) cannot even parse the harness', () => {
  const told = diagnosePython(
    { kind: 'exception', error: exception({ phase: 'startup', type: 'PythonTooOld', message: 'Python 3.6.9 is too old: Latency needs Python 3.8 or newer', version: '3.6.9' }) },
    { interpreter: '/usr/bin/python3.6' },
  );
  assert.equal(told.kind, 'interpreterNotFound');
  assert.equal(told.message, '"/usr/bin/python3.6" is Python 3.6.9: Latency needs Python 3.8 or newer');
  assert.match(told.hint, /Install Python 3\.8 or newer/);

  const py2 = diagnosePython(
    { kind: 'exit', code: 1, signal: null, answered: false, stage: 'start' },
    { interpreter: 'python', stderr: '  File "/ext/python/latency_harness.py", line 44\n    n = os.write(_out_fd, view)\n        ^\nSyntaxError: invalid syntax' },
  );
  assert.equal(py2.kind, 'interpreterNotFound');
  assert.match(py2.message, /"python" is too old for Latency's harness, or is not Python 3/);
});

test('an interpreter that is not Python at all, or a shim for a version that is not installed', () => {
  const echo = diagnosePython(
    { kind: 'exit', code: 0, signal: null, answered: false, stage: 'start', stdout: '/ext/python/latency_harness.py run {"file":"/w/m.py"}' },
    { interpreter: '/bin/echo', stderr: '' },
  );
  assert.equal(echo.kind, 'interpreterNotFound');
  assert.match(echo.message, /^"\/bin\/echo" did not start Latency's harness as Python 3\.8\+ would: it ended with exit code 0 and said: \/ext\/python\/latency_harness\.py run/);
  assert.match(echo.hint, /latency\.python\.interpreter/);

  const shim = diagnosePython(
    { kind: 'exit', code: 127, signal: null, answered: false, stage: 'start' },
    { interpreter: 'python3.9', stderr: "pyenv: python3.9: command not found\n\nThe `python3.9' command exists in these Python versions:\n  3.9.18\n" },
  );
  assert.equal(shim.kind, 'interpreterNotFound');
  assert.match(shim.message, /exit code 127 and said: pyenv: python3\.9: command not found/);
});

test('the process dying after it answered: how, and a hint for the usual causes', () => {
  const oom = diagnosePython({ kind: 'exit', code: null, signal: 'SIGKILL', answered: true, stage: 'setup' }, ctx);
  assert.equal(oom.kind, 'pythonError');
  assert.equal(oom.message, 'The Python process died during load() (signal SIGKILL)');
  assert.match(oom.hint, /out-of-memory killer/);
  const segv = diagnosePython({ kind: 'exit', code: null, signal: 'SIGSEGV', answered: true, stage: 'measure' }, { ...ctx, stderr: 'Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f (most recent call first):\n  File "/home/u/proj/model.py", line 5 in predict' });
  assert.equal(segv.message, 'The Python process died during the measured calls to predict() (signal SIGSEGV)');
  assert.match(segv.hint, /crashed in native code/);
  assert.match(segv.details ?? '', /Segmentation fault/);
  const exit = diagnosePython({ kind: 'exit', code: 3, signal: null, answered: true, stage: 'import' }, ctx);
  assert.equal(exit.message, 'The Python process died during the import of model.py (exit code 3)');
});

test('timeouts name the phase, and for calls how many completed', () => {
  const t = (stage: Parameters<typeof describeTimeout>[0], after?: number) => diagnosePython({ kind: 'timeout', stage, seconds: 2, ...(after !== undefined ? { after } : {}) }, ctx);
  assert.equal(t('import').message, 'Importing model.py took longer than 2 s (the setup timeout)');
  assert.equal(t('setup').message, 'load() in model.py took longer than 2 s (the setup timeout counts the import too)');
  assert.equal(t('first').message, 'The first call to predict() took longer than 2 s');
  assert.equal(t('measure', 37).message, 'A call to predict() in the measured phase took longer than 2 s (after 37 completed measured runs)');
  assert.equal(t('warmup', 1).message, 'A call to predict() in the warm-up phase took longer than 2 s (after 1 completed warm-up run)');
  for (const stage of ['setup', 'first', 'measure'] as const) {
    const d = t(stage);
    assert.equal(d.kind, 'timeout');
    assert.match(d.hint, /raise the timeout/);
  }
  assert.equal(t('probe').message, '"python3" did not answer the environment check within 2 s');
});

test('copyableFix: the pip install of a missing-module hint, nothing from other hints', () => {
  assert.equal(copyableFix('Install it into that interpreter: "/usr/bin/python3" -m pip install opencv-python — or use …'), '"/usr/bin/python3" -m pip install opencv-python');
  assert.equal(copyableFix('Install a CUDA build of torch (`nvidia-smi` shows the driver\'s CUDA version)'), undefined);
  assert.equal(copyableFix(undefined), undefined);
});
