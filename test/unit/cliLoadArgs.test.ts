// `latency bench URL` load-model flags: --sweep [LIST], --p99-budget, --rate, --arrival, --duration.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError, USAGE, parseCli } from '../../src/profiler/cliArgs';

const URL = 'http://127.0.0.1:8000/predict';

function target(argv: string[]): unknown {
  const cmd = parseCli(argv);
  assert.ok(cmd.command === 'bench');
  return cmd.target;
}

test('--sweep with no list takes the default levels, wherever it stands; a list is parsed', () => {
  assert.deepEqual(target(['bench', URL, '--sweep']), { kind: 'http', url: URL, sweep: [1, 2, 4, 8, 16, 32, 64] });
  assert.deepEqual(target(['bench', '--sweep', URL]), { kind: 'http', url: URL, sweep: [1, 2, 4, 8, 16, 32, 64] });
  assert.deepEqual(target(['bench', URL, '--sweep', '-n', '50']), { kind: 'http', url: URL, sweep: [1, 2, 4, 8, 16, 32, 64] });
  assert.deepEqual(target(['bench', URL, '--sweep', '1,4,16', '--p99-budget', '250ms']), { kind: 'http', url: URL, sweep: [1, 4, 16], p99BudgetMs: 250 });
  assert.deepEqual(target(['bench', URL, '--sweep=2,8']), { kind: 'http', url: URL, sweep: [2, 8] });
});

test('--rate with --arrival and --duration', () => {
  assert.deepEqual(target(['bench', URL, '--rate', '50']), { kind: 'http', url: URL, rate: 50 });
  assert.deepEqual(target(['bench', URL, '--rate', '12.5/s', '--arrival', 'poisson', '--duration', '30s']), { kind: 'http', url: URL, rate: 12.5, arrival: 'poisson', durationSeconds: 30 });
  assert.match(USAGE, /--sweep \[LIST\]/);
  assert.match(USAGE, /--rate R/);
});

test('refused: two load models, options of another model, bad values, other targets, --repeat', () => {
  const refused: Array<[string[], RegExp]> = [
    [['bench', URL, '--concurrency', '4', '--sweep'], /^--concurrency and --sweep are different load models: give one/],
    [['bench', URL, '--sweep', '1,2', '--rate', '5'], /^--sweep and --rate are different load models/],
    [['bench', URL, '--concurrency', '2', '--rate', '5'], /^--concurrency and --rate are different load models/],
    [['bench', URL, '--p99-budget', '100'], /^--p99-budget applies to --sweep only$/],
    [['bench', URL, '--sweep', '--arrival', 'poisson'], /^--arrival applies to --rate only$/],
    [['bench', URL, '--duration', '10'], /^--duration applies to --rate only$/],
    [['bench', URL, '--sweep', '4,2'], /^--sweep: sweep levels must increase/],
    [['bench', URL, '--sweep=1,x'], /^--sweep: sweep levels must be integers/],
    [['bench', URL, '--rate', '0'], /^--rate expects requests per second > 0/],
    [['bench', URL, '--rate', '5', '--arrival', 'burst'], /^--arrival must be one of constant, poisson/],
    [['bench', URL, '--sweep', '--p99-budget', 'x'], /^--p99-budget expects milliseconds > 0/],
    [['bench', 'm.onnx', '--sweep'], /^--sweep applies to URLs \(HTTP endpoints\) only$/],
    [['bench', '--command', 'true', '--rate', '5'], /^--rate applies to URLs \(HTTP endpoints\) only$/],
    [['bench', URL, '--sweep', '--repeat', '3'], /^--repeat does not apply to --sweep$/],
    [['bench', URL, '--rate', '5', '--repeat', '3'], /^--repeat does not apply to --rate$/],
  ];
  for (const [argv, message] of refused) {
    assert.throws(() => parseCli(argv), (err: unknown) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  }
});
