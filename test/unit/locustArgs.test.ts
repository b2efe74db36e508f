import assert from 'node:assert/strict';
import { test } from 'node:test';
import { USAGE, UsageError, parseCli } from '../../src/profiler/cliArgs';
import { parseLocustArgs } from '../../src/profiler/locustArgs';

test('locust export: the request and load options, --out defaulting to locustfile.py', () => {
  assert.deepEqual(parseCli(['locust', 'export', 'http://h:1/p', '--method', 'post', '--header', 'A: b: c', '--users', '4', '--rate', '20', '--p99-budget', '150ms', '--max-error-rate', '1%']), {
    command: 'locust',
    action: 'export',
    request: { url: 'http://h:1/p', method: 'POST', headers: { A: 'b: c' }, users: 4, ratePerSecond: 20, p99BudgetMs: 150, maxErrorRate: 0.01 },
    out: 'locustfile.py',
  });
  assert.equal((parseLocustArgs(['export', 'http://h/', '--concurrency', '3']) as { request: { users: number } }).request.users, 3);
});

test('locust run: workers, run time and outputs; import: the records file', () => {
  assert.deepEqual(parseLocustArgs(['run', 'http://h/', '--workers', '3', '--run-time', '5s', '--json', '-', '-q']), {
    command: 'locust',
    action: 'run',
    request: { url: 'http://h/' },
    workers: 3,
    runTimeSeconds: 5,
    quiet: true,
    jsonPath: '-',
  });
  const defaults = parseLocustArgs(['run', 'http://h/']) as { workers: number; runTimeSeconds: number };
  assert.deepEqual([defaults.workers, defaults.runTimeSeconds], [2, 10]);
  assert.deepEqual(parseLocustArgs(['import', 'r.jsonl', '--csv', 'x.csv']), { command: 'locust', action: 'import', recordsPath: 'r.jsonl', quiet: false, csvPath: 'x.csv' });
  assert.deepEqual(parseLocustArgs(['--help']), { command: 'locust-help' });
  assert.deepEqual(parseLocustArgs([]), { command: 'locust-help' });
});

test('locust: wrong flags are refused, not ignored', () => {
  const refused = (argv: string[], re: RegExp) => assert.throws(() => parseLocustArgs(argv), (e: unknown) => e instanceof UsageError && re.test(e.message));
  refused(['export', 'http://h/', '--workers', '2'], /--workers applies to locust run/);
  refused(['export', 'http://h/', '--json', 'x'], /--json applies to locust run/);
  refused(['run', 'http://h/', '--out', 'f.py'], /--out applies to locust export/);
  refused(['run', 'model.onnx'], /not an http/);
  refused(['run', 'http://h/', '--workers', '0'], /--workers expects an integer ≥ 1/);
  refused(['run', 'http://h/', '--run-time', 'soon'], /--run-time expects a number > 0/);
  refused(['run', 'http://h/', '--users', '2', '--concurrency', '3'], /the same/);
  refused(['run', 'http://h/', '--max-error-rate', '150%'], /--max-error-rate/);
  refused(['run', 'http://h/', '--header', 'nocolon'], /--header expects/);
  refused(['run', 'http://h/', '--json', '-', '--csv', '-'], /stdout/);
  refused(['launch', 'http://h/'], /unknown locust action/);
  refused(['import'], /name the records file/);
  assert.match(USAGE, /latency locust export\|run\|import/);
});
