import assert from 'node:assert/strict';
import { test } from 'node:test';
import { USAGE, UsageError, parseCli } from '../../src/profiler/cliArgs';

test('the documented example parses into a config layer', () => {
  const cmd = parseCli(['bench', 'model.onnx', '--iterations', '500', '--warmup', '20', '--shape', 'input=1x3x224x224', '--threads', '4', '--json', 'out.json']);
  assert.equal(cmd.command, 'bench');
  if (cmd.command !== 'bench') return;
  assert.deepEqual(cmd.target, { kind: 'onnx', modelPath: 'model.onnx' });
  assert.equal(cmd.jsonPath, 'out.json');
  assert.deepEqual(cmd.layer, {
    iterations: 500,
    warmup: 20,
    session: { intraOpNumThreads: 4 },
    inputs: { overrides: { input: { shape: [1, 3, 224, 224] } } },
  });
});

test('values, ranges, dims, session options and short flags', () => {
  const cmd = parseCli(['bench', 'm.onnx', '-n', '3', '--value', 'rate=16000', '--value', 'flag=true', '--value', 'text=hi', '--range', 'ids=0:30522', '--dim', 'sequence=128', '--default-dim', '8', '--opt-level', 'basic', '--execution-mode', 'parallel', '--ep', 'cuda, cpu', '--inter-threads', '2', '-q', '--shape', 'x=1xseq']);
  assert.ok(cmd.command === 'bench');
  if (cmd.command !== 'bench') return;
  assert.equal(cmd.quiet, true);
  assert.deepEqual(cmd.layer.session, { interOpNumThreads: 2, graphOptimizationLevel: 'basic', executionMode: 'parallel', executionProviders: ['cuda', 'cpu'] });
  assert.deepEqual(cmd.layer.inputs, {
    defaultDimension: 8,
    dimensions: { sequence: 128 },
    overrides: { rate: { value: 16000 }, flag: { value: true }, text: { value: 'hi' }, ids: { range: [0, 30522] }, x: { shape: [1, 'seq'] } },
  });
});

test('adaptive stopping, CV target and CPU pinning flags', () => {
  const cmd = parseCli(['bench', 'm.onnx', '--adaptive', '--precision', '0.5%', '--target-percentile', 'p95', '--max-iterations', '20000', '--max-time', '30s', '--cv-target', '2%', '--cpus', '0-1,3']);
  assert.ok(cmd.command === 'bench');
  if (cmd.command !== 'bench') return;
  assert.deepEqual(cmd.layer.stopping, { mode: 'adaptive', relativeHalfWidth: 0.005, targetPercentile: 'p95', maxIterations: 20000, maxSeconds: 30 });
  assert.equal(cmd.layer.cvTarget, 0.02);
  assert.deepEqual(cmd.layer.cpuAffinity, [0, 1, 3]);
  const plain = parseCli(['bench', 'm.onnx', '--precision', '0.02']);
  assert.ok(plain.command === 'bench' && plain.layer.stopping?.relativeHalfWidth === 0.02 && plain.layer.stopping.mode === undefined);
});

test('help and version', () => {
  assert.deepEqual(parseCli(['--help']), { command: 'help' });
  assert.deepEqual(parseCli(['-v']), { command: 'version' });
});

test('tensor files: --input NAME=FILE per input (a shape may come along), --inputs FILE for several', () => {
  const cmd = parseCli(['bench', 'm.onnx', '--input', 'pixel_values=data/x.npy', '--input', 'ids=a=b.json', '--shape', 'pixel_values=1x3x8x8', '--inputs', 'all.json', '--inputs', 'more.json']);
  assert.ok(cmd.command === 'bench');
  if (cmd.command !== 'bench') return;
  assert.deepEqual(cmd.layer.inputs, {
    overrides: { pixel_values: { shape: [1, 3, 8, 8], file: 'data/x.npy' }, 'ids=a': { file: 'b.json' } },
    files: [{ path: 'all.json' }, { path: 'more.json' }],
  });
  assert.match(USAGE, /--input NAME=FILE +feed an input from a \.npy or JSON tensor file/);
  assert.match(USAGE, /--inputs FILE +a JSON tensor file of several inputs/);
  for (const [argv, message] of [
    [['--input', 'x=a.npy', '--value', 'x=1'], /--input x=a\.npy: the file gives "x"'s values, so --value\/--range cannot be set for it too/],
    [['--range', 'x=0:2', '--input', 'x=a.npy'], /cannot be set for it too/],
    [['--input', 'x=a.npy', '--input', 'x=b.npy'], /--input x is given twice \("a\.npy" and "b\.npy"\)/],
    [['--input', 'a.npy'], /--input expects NAME=VALUE, got "a\.npy"/],
    [['--input', 'x='], /--input x=: expected NAME=FILE/],
    [['--inputs', ''], /--inputs expects a JSON tensor file/],
  ] as Array<[string[], RegExp]>) {
    assert.throws(() => parseCli(['bench', 'm.onnx', ...argv]), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  }
});

test('bad arguments are usage errors that say what is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /missing command/],
    [['run', 'm.onnx'], /unknown command "run"/],
    [['bench'], /missing target: latency bench <model.onnx>/],
    [['bench', 'm.onnx', '--iterations', 'lots'], /--iterations expects an integer ≥ 1, got "lots"/],
    [['bench', 'm.onnx', '--iterations', '0'], /≥ 1/],
    [['bench', 'm.onnx', '--shape', '1x3'], /NAME=VALUE/],
    [['bench', 'm.onnx', '--shape', 'x=1x-3'], /not a size/],
    [['bench', 'm.onnx', '--range', 'x=5:1'], /LOW < HIGH/],
    [['bench', 'm.onnx', '--opt-level', 'max'], /one of disabled, basic, extended, all/],
    [['bench', 'm.onnx', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['bench', 'a.onnx', 'b.onnx'], /unexpected argument "b.onnx"/],
    [['bench', 'm.onnx', '--precision', '150%'], /--precision expects a fraction like 1% or 0.01/],
    [['bench', 'm.onnx', '--target-percentile', 'p90'], /one of p95, p99, p999/],
    [['bench', 'm.onnx', '--max-time', 'soon'], /--max-time expects seconds/],
    [['bench', 'm.onnx', '--cpus', 'fast'], /--cpus expects CPU numbers like "2,3"/],
    [['bench', 'm.onnx', '--repeat', '0'], /--repeat expects an integer ≥ 1, got "0"/],
    [['bench', 'm.onnx', '--repeat', '2.5'], /--repeat expects an integer ≥ 1/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCli(argv), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  }
});

test('--repeat N asks for N complete runs; one (the default) leaves the field out', () => {
  const cmd = parseCli(['bench', 'm.onnx', '--repeat', '3', '-n', '50']);
  assert.ok(cmd.command === 'bench');
  if (cmd.command !== 'bench') return;
  assert.equal(cmd.repeat, 3);
  assert.deepEqual(cmd.layer, { iterations: 50 }, 'not a config setting: the config describes one run');
  const once = parseCli(['bench', 'm.onnx', '--repeat', '1']);
  assert.ok(once.command === 'bench' && !('repeat' in once));
  assert.ok(!('repeat' in parseCli(['bench', 'm.onnx'])));
});

test('bench --markdown and --csv: files, or one document on stdout', () => {
  const a = parseCli(['bench', 'm.onnx', '--markdown', 'run.md', '--csv', '-']);
  assert.ok(a.command === 'bench');
  if (a.command !== 'bench') return;
  assert.equal(a.markdownPath, 'run.md');
  assert.equal(a.csvPath, '-');
  assert.throws(() => parseCli(['bench', 'm.onnx', '--json', '-', '--csv', '-']), /--json - and --csv - all ask for stdout/);
});

test('--python, --setup, --interpreter and --timeout make a Python target; the file alone is the script form', () => {
  const cmd = parseCli(['bench', '--python', 'serve/model.py:predict', '--setup', 'load', '--interpreter', '.venv/bin/python', '--timeout', '5', '-n', '200']);
  assert.ok(cmd.command === 'bench');
  assert.deepEqual(cmd.target, { kind: 'python', file: 'serve/model.py', function: 'predict', scriptForm: false, setup: 'load', interpreter: '.venv/bin/python', callTimeoutSeconds: 5 });
  assert.equal(cmd.layer.iterations, 200);
  const script = parseCli(['bench', '--python', 'bench.py']);
  assert.ok(script.command === 'bench');
  assert.deepEqual(script.target, { kind: 'python', file: 'bench.py', function: 'predict', scriptForm: true });
});

test('--command with --prepare and --timeout; --target names a workspace target', () => {
  const cmd = parseCli(['bench', '--command', 'sleep 0.1', '--prepare', 'sync', '--timeout', '30s']);
  assert.ok(cmd.command === 'bench');
  assert.deepEqual(cmd.target, { kind: 'command', command: 'sleep 0.1', prepare: 'sync', timeoutSeconds: 30 });
  const named = parseCli(['bench', '--target', 'encoder', '--interpreter', 'python3.12']);
  assert.ok(named.command === 'bench');
  assert.deepEqual(named.target, { kind: 'named', name: 'encoder', interpreter: 'python3.12' });
});

test('one target at a time, and flags of another kind are refused rather than ignored', () => {
  const refused: Array<[string[], RegExp]> = [
    [['bench'], /^missing target: latency bench <model\.onnx> \| --python/],
    [['bench', 'm.onnx', '--python', 'a.py:f'], /^one target at a time: a model path and --python/],
    [['bench', '--python', 'a.py:f', '--command', 'true'], /^one target at a time: --python and --command/],
    [['bench', '--python', 'a.py:f', '--threads', '2'], /^--threads applies to ONNX models only$/],
    [['bench', '--command', 'true', '--shape', 'x=1'], /^--shape applies to ONNX models only$/],
    [['bench', 'm.onnx', '--setup', 'load'], /^--setup applies to --python only$/],
    [['bench', '--python', 'a.py:f', '--prepare', 'sync'], /^--prepare applies to --command only$/],
    [['bench', 'm.onnx', '--timeout', '5'], /^--timeout applies to --python, --command and URLs only$/],
    [['bench', 'm.onnx', '--concurrency', '4'], /^--concurrency applies to URLs \(HTTP endpoints\) only$/],
    [['bench', 'http://127.0.0.1:1/x', '--threads', '2'], /^--threads applies to ONNX models only$/],
    [['bench', 'http://127.0.0.1:1/x', '--header', 'nocolon'], /^--header expects 'Name: value'/],
    [['bench', 'http://127.0.0.1:1/x', '--expect-status', '200,abc'], /^--expect-status expects statuses like 200,201/],
    [['bench', '--command', 'true', '--interpreter', 'python3'], /^--interpreter applies to Python functions only$/],
    [['bench', '--python', 'model.onnx:f'], /^--python: "model\.onnx:f" does not name a \.py file/],
    [['bench', '--python', 'a.py:f', '--setup', 'load()'], /^--setup expects a function name/],
    [['bench', '--command', '  '], /^--command expects a shell command/],
    [['bench', '--command', 'true', '--timeout', '0'], /^--timeout expects seconds > 0/],
  ];
  for (const [argv, message] of refused) {
    assert.throws(() => parseCli(argv), (err: unknown) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  }
});

test('doctor: the interpreter to check, --cuda and --json', () => {
  assert.deepEqual(parseCli(['doctor']), { command: 'doctor', cuda: false, json: false });
  assert.deepEqual(parseCli(['doctor', '--python', '/usr/bin/python3', '--cuda', '--json']), { command: 'doctor', cuda: true, json: true, interpreter: '/usr/bin/python3' });
  assert.match(USAGE, /latency bench --python path\/to\/file\.py:function/);
  assert.match(USAGE, /latency bench --command "…" \[--prepare "…"\]/);
});

test('a URL is an HTTP endpoint: concurrency, method, headers, body file, expected statuses, timeout', () => {
  const cmd = parseCli(['bench', 'http://127.0.0.1:8000/predict', '--concurrency', '8', '--method', 'post', '--header', 'Authorization: Bearer x', '--header', 'X-Trace:1', '--body-file', 'req.json', '--expect-status', '200,201', '--timeout', '5', '-n', '500']);
  assert.ok(cmd.command === 'bench');
  assert.deepEqual(cmd.target, {
    kind: 'http',
    url: 'http://127.0.0.1:8000/predict',
    method: 'POST',
    headers: { Authorization: 'Bearer x', 'X-Trace': '1' },
    bodyFile: 'req.json',
    concurrency: 8,
    expectedStatus: [200, 201],
    timeoutSeconds: 5,
  });
  assert.equal(cmd.layer.iterations, 500);
});

test('--busy-poll: for a URL only, recorded in the target; absent, the field is left out', () => {
  const cmd = parseCli(['bench', 'http://127.0.0.1:8000/p', '--busy-poll', '--rate', '50']);
  assert.ok(cmd.command === 'bench');
  assert.deepEqual(cmd.target, { kind: 'http', url: 'http://127.0.0.1:8000/p', rate: 50, busyPoll: true });
  const plain = parseCli(['bench', 'http://127.0.0.1:8000/p']);
  assert.ok(plain.command === 'bench');
  assert.deepEqual(plain.target, { kind: 'http', url: 'http://127.0.0.1:8000/p' });
  assert.throws(() => parseCli(['bench', 'm.onnx', '--busy-poll']), /--busy-poll applies to URLs \(HTTP endpoints\) only/);
});
