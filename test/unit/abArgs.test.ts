import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AB_USAGE, byteSize, parseAbArgs } from '../../src/profiler/abArgs';
import { UsageError, parseCli } from '../../src/profiler/cliArgs';

test('two models and nothing else: no gate, the default accuracy threshold, an empty config layer', () => {
  assert.deepEqual(parseAbArgs(['base.onnx', 'new.onnx']), {
    command: 'ab',
    basePath: 'base.onnx',
    candidatePath: 'new.onnx',
    layer: {},
    accuracyThreshold: 0.01,
    quiet: false,
  });
});

test("bench's flags build the same config layer bench would", () => {
  const argv = ['-n', '200', '-w', '10', '--threads', '1', '--cpus', '0-1', '--shape', 'input=8x1x28x28', '--dim', 'sequence=128', '--range', 'ids=0:30522', '--value', 'rate=16000'];
  const ab = parseAbArgs(['a.onnx', 'b.onnx', ...argv]);
  const bench = parseCli(['bench', 'a.onnx', ...argv]);
  assert.equal(bench.command, 'bench');
  if (bench.command === 'bench') assert.deepEqual(ab.layer, bench.layer);
  assert.deepEqual(ab.layer.inputs?.overrides?.input, { shape: [8, 1, 28, 28] });
  assert.deepEqual(ab.layer.cpuAffinity, [0, 1]);
});

test('gate, accuracy threshold and JSON', () => {
  const args = parseAbArgs(['a', 'b', '--fail-on-regression', '5%', '--accuracy-threshold', '0.5%', '--json', '-', '-q']);
  assert.equal(args.failOnRegression, 0.05);
  assert.equal(args.accuracyThreshold, 0.005);
  assert.equal(args.jsonPath, '-');
  assert.equal(args.quiet, true);
  assert.equal(parseAbArgs(['a', 'b', '--accuracy-threshold', '0']).accuracyThreshold, 0, '0 asks for identical outputs');
  assert.equal(parseAbArgs(['a', 'b', '--fail-on-regression', '0.1']).failOnRegression, 0.1);
});

test('ab takes the same tensor-file flags as bench, fed to both models; its help says so', () => {
  const argv = ['--input', 'input=x.npy', '--inputs', 'all.json'];
  const ab = parseAbArgs(['a.onnx', 'b.onnx', ...argv]);
  const bench = parseCli(['bench', 'a.onnx', ...argv]);
  if (bench.command === 'bench') assert.deepEqual(ab.layer, bench.layer);
  assert.deepEqual(ab.layer.inputs, { overrides: { input: { file: 'x.npy' } }, files: [{ path: 'all.json' }] });
  assert.throws(() => parseAbArgs(['a', 'b', '--input', 'x=a.npy', '--value', 'x=1']), /cannot be set for it too/);
  assert.match(AB_USAGE, /--input NAME=FILE +feed an input from a \.npy or JSON tensor file, to both models/);
  assert.match(AB_USAGE, /--inputs FILE +a JSON tensor file of several inputs/);
});

test('bad values are usage errors naming the flag', () => {
  assert.throws(() => parseAbArgs(['a', 'b', '--fail-on-regression', '5']), /--fail-on-regression expects a fraction like 1% or 0\.01, got "5"/);
  assert.throws(() => parseAbArgs(['a', 'b', '--fail-on-regression', '0%']), /--fail-on-regression expects/);
  assert.throws(() => parseAbArgs(['a', 'b', '--accuracy-threshold=-1%']), /--accuracy-threshold expects/);
  assert.throws(() => parseAbArgs(['a', 'b', '--accuracy-threshold', '100%']), /--accuracy-threshold expects/);
  assert.throws(() => parseAbArgs(['a', 'b', '--accuracy-threshold', 'tight']), /--accuracy-threshold expects/);
  assert.throws(() => parseAbArgs(['a', 'b', '-n', '0']), /--iterations expects an integer ≥ 1, got "0"/);
  assert.throws(() => parseAbArgs(['a', 'b', '--shape', 'input']), /--shape expects NAME=VALUE/);
  assert.throws(() => parseAbArgs(['a', 'b', '--cpus', 'x']), /--cpus expects/);
});

test('wrong arity and unknown options are UsageErrors', () => {
  assert.throws(() => parseAbArgs([]), (e: unknown) => e instanceof UsageError && /ab needs two models/.test(e.message));
  assert.throws(() => parseAbArgs(['a.onnx']), /ab needs two models/);
  assert.throws(() => parseAbArgs(['a', 'b', 'c']), /unexpected argument "c"/);
  assert.throws(() => parseAbArgs(['a', 'b', '--adaptive']), /Unknown option '--adaptive'/);
  assert.throws(() => parseAbArgs(['a', 'b', '--json']), /argument missing/);
});

test('parseCli dispatches ab and its help; the usage documents every exit status', () => {
  const cmd = parseCli(['ab', 'a.onnx', 'b.onnx', '--fail-on-regression', '10%']);
  assert.equal(cmd.command, 'ab');
  if (cmd.command === 'ab') assert.equal(cmd.failOnRegression, 0.1);
  assert.deepEqual(parseCli(['ab', '--help']), { command: 'ab-help' });
  assert.deepEqual(parseCli(['ab', 'a', '-h']), { command: 'ab-help' });
  assert.throws(() => parseCli(['ab', 'a']), UsageError);
  for (const status of ['0 the candidate agrees', '\n1 the candidate', 'missed --expect-reduction or --memory-limit', '3 the gate is inconclusive', '2 bad arguments', '130 interrupted']) {
    assert.ok(AB_USAGE.includes(status), status);
  }
});

test('--repeat, --expect-reduction and --memory-limit', () => {
  const args = parseAbArgs(['a', 'b', '--repeat', '3', '--expect-reduction', '20%', '--memory-limit', '512MB']);
  assert.equal(args.repeat, 3);
  assert.equal(args.expectReduction, 0.2);
  assert.equal(args.memoryLimitBytes, 512e6);
  assert.equal(parseAbArgs(['a', 'b', '--expect-reduction', '0.35']).expectReduction, 0.35);
  assert.equal(parseAbArgs(['a', 'b', '--memory-limit', '2GiB']).memoryLimitBytes, 2 * 1024 ** 3);
  assert.ok(!('repeat' in parseAbArgs(['a', 'b', '--repeat', '1'])), 'one run is the default, not a repeat');
  assert.throws(() => parseAbArgs(['a', 'b', '--repeat', '0']), /--repeat expects an integer ≥ 1, got "0"/);
  assert.throws(() => parseAbArgs(['a', 'b', '--expect-reduction', '100%']), /--expect-reduction expects a fraction like 1% or 0\.01, got "100%"/);
  assert.throws(() => parseAbArgs(['a', 'b', '--expect-reduction', '20']), /--expect-reduction expects/, 'a bare 20 is not read as 2000%');
  assert.throws(() => parseAbArgs(['a', 'b', '--memory-limit', '512']), (e: unknown) => e instanceof UsageError && /--memory-limit expects a size with its unit, like 512MB or 2GiB .*got "512"/.test(e.message));
});

test('byteSize: SI units are powers of 1000, IEC units powers of 1024; anything else is refused', () => {
  const cases: Array<[string, number]> = [
    ['512MB', 512e6],
    ['512mb', 512e6],
    ['2GiB', 2 * 2 ** 30],
    ['1.5 GB', 1.5e9],
    ['100kB', 100e3],
    ['64KiB', 65536],
    ['1TB', 1e12],
    ['4096B', 4096],
    ['0.5MiB', 524288],
  ];
  for (const [raw, bytes] of cases) assert.equal(byteSize('--memory-limit', raw), bytes, raw);
  for (const raw of ['', '512', 'MB', '-1GB', '0GB', '1e9B', '2 G', '2GB extra', '1.5.2GB', '0.1B', 'lots']) {
    assert.throws(() => byteSize('--memory-limit', raw), UsageError, raw);
  }
});

test('--candidate-* session options: an A/B of two configs, the model given once', () => {
  const a = parseAbArgs(['m.onnx', '--threads', '1', '--candidate-threads', '4', '--candidate-opt-level', 'basic']);
  assert.equal(a.basePath, 'm.onnx');
  assert.equal(a.candidatePath, 'm.onnx');
  assert.deepEqual(a.candidateSession, { intraOpNumThreads: 4, graphOptimizationLevel: 'basic' });
  assert.deepEqual(a.layer.session, { intraOpNumThreads: 1 });
  assert.equal(parseAbArgs(['a.onnx', 'b.onnx', '--candidate-ep', 'cpu']).candidatePath, 'b.onnx');
  assert.equal(parseAbArgs(['a.onnx', 'b.onnx']).candidateSession, undefined);
  assert.throws(() => parseAbArgs(['m.onnx']), /one model and --candidate-\* session options/);
  assert.throws(() => parseAbArgs(['m.onnx', '--candidate-opt-level', 'max']), /--candidate-opt-level/);
});
