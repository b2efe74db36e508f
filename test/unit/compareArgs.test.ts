import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError, parseCli } from '../../src/profiler/cliArgs';
import { COMPARE_USAGE, parseCompareArgs } from '../../src/profiler/compareArgs';

test('two files and nothing else: no gate, the default noise band', () => {
  assert.deepEqual(parseCompareArgs(['base.json', 'new.json']), {
    command: 'compare',
    basePath: 'base.json',
    candidatePath: 'new.json',
    json: false,
    metrics: ['p50', 'p99'],
    noiseBand: 0.02,
  });
});

test('the documented example: a 5% gate on p50 and p99, the noise band and JSON', () => {
  const args = parseCompareArgs(['a.json', 'b.json', '--fail-on-regression', '5%', '--metric', 'p50,p99', '--noise-band', '1.5%', '--json']);
  assert.equal(args.failOnRegression, 0.05);
  assert.deepEqual(args.metrics, ['p50', 'p99']);
  assert.equal(args.noiseBand, 0.015);
  assert.equal(args.json, true);
});

test('percentages or fractions; a bare number of 1 or more is refused as ambiguous', () => {
  assert.equal(parseCompareArgs(['a', 'b', '--fail-on-regression', '0.05']).failOnRegression, 0.05);
  assert.equal(parseCompareArgs(['a', 'b', '--fail-on-regression', '0']).failOnRegression, 0, 'any proven regression fails');
  assert.equal(parseCompareArgs(['a', 'b', '--fail-on-regression', '150%']).failOnRegression, 1.5, 'more than twice as slow');
  assert.equal(parseCompareArgs(['a', 'b', '--noise-band', '0%']).noiseBand, 0);
  assert.throws(() => parseCompareArgs(['a', 'b', '--fail-on-regression', '5']), /"5" is ambiguous: write 5% or 0\.05/);
  assert.throws(() => parseCompareArgs(['a', 'b', '--noise-band', '100%']), /--noise-band expects a percentage like 5% or a fraction like 0\.05 below 100%/);
  assert.throws(() => parseCompareArgs(['a', 'b', '--fail-on-regression=-5%']), /--fail-on-regression expects a percentage/);
  assert.throws(() => parseCompareArgs(['a', 'b', '--fail-on-regression', 'five']), /--fail-on-regression expects a percentage/);
});

test('--metric: comma-separated or repeated, p99.9 as the report writes it, duplicates once', () => {
  const args = parseCompareArgs(['a', 'b', '--fail-on-regression', '5%', '--metric', 'p95, P99.9', '--metric', 'mean,p95']);
  assert.deepEqual(args.metrics, ['p95', 'p999', 'mean']);
  assert.throws(() => parseCompareArgs(['a', 'b', '--fail-on-regression', '5%', '--metric', 'p90']), /"p90" is not one of p50, p95, p99, p999, mean/);
  assert.throws(() => parseCompareArgs(['a', 'b', '--fail-on-regression', '5%', '--metric', ',']), /--metric needs at least one/);
  // Without a gate the flag would guard nothing.
  assert.throws(() => parseCompareArgs(['a', 'b', '--metric', 'p50']), /--metric chooses what --fail-on-regression checks/);
});

test('wrong arity and unknown options are usage errors', () => {
  assert.throws(() => parseCompareArgs([]), (e: unknown) => e instanceof UsageError && /needs two result files/.test(e.message));
  assert.throws(() => parseCompareArgs(['a.json']), /needs two result files/);
  assert.throws(() => parseCompareArgs(['a', 'b', 'c']), /unexpected argument "c"/);
  assert.throws(() => parseCompareArgs(['a', 'b', '--frobnicate']), /Unknown option '--frobnicate'/);
  assert.throws(() => parseCompareArgs(['a', 'b', '--fail-on-regression']), /argument missing/);
});

test('parseCli dispatches compare, its help, and its errors are UsageErrors', () => {
  const cmd = parseCli(['compare', 'base.json', 'new.json', '--fail-on-regression', '10%']);
  assert.equal(cmd.command, 'compare');
  if (cmd.command === 'compare') assert.equal(cmd.failOnRegression, 0.1);
  assert.deepEqual(parseCli(['compare', '--help']), { command: 'compare-help' });
  assert.deepEqual(parseCli(['compare', 'a', '-h']), { command: 'compare-help' });
  assert.throws(() => parseCli(['compare', 'a']), (e: unknown) => e instanceof UsageError && /two result files/.test(e.message));
  assert.throws(() => parseCli(['frobnicate']), /the commands are "bench", "ab", "compare", "lint" and "system"/);
});

test('the usage text documents every exit status and option', () => {
  for (const needle of ['0 the gate passed', '1 a gated metric regressed', '3 inconclusive', '2 bad arguments', '--fail-on-regression', '--metric', '--noise-band', '--json', 'default p50,p99', 'default 2%']) {
    assert.ok(COMPARE_USAGE.includes(needle), needle);
  }
});

test('--markdown and --csv: a file or stdout; only one thing may go to stdout', () => {
  const a = parseCompareArgs(['a.json', 'b.json', '--markdown', 'pr.md', '--csv', '-']);
  assert.equal(a.markdownPath, 'pr.md');
  assert.equal(a.csvPath, '-');
  assert.throws(() => parseCompareArgs(['a.json', 'b.json', '--markdown', '-', '--csv', '-']), /--markdown - and --csv - all ask for stdout/);
  assert.throws(() => parseCompareArgs(['a.json', 'b.json', '--json', '--markdown', '-']), UsageError);
  assert.equal(parseCompareArgs(['a.json', 'b.json', '--json', '--markdown', 'pr.md']).json, true);
});
