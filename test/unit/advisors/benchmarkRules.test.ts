import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { applyFixes } from '../../../src/advisors/findings';
import { BENCHMARK_RULES } from '../../../src/advisors/rules/benchmarkRules';
import { findingsFor, ruleFixtureTests } from '../../support/advisorFixtures';

const FIXTURES = path.join(__dirname, '../../fixtures/advisors');

ruleFixtureTests('LAT003', path.join(FIXTURES, 'no-warmup'));
ruleFixtureTests('LAT004', path.join(FIXTURES, 'small-samples'));
ruleFixtureTests('LAT005', path.join(FIXTURES, 'missing-synchronize'));
ruleFixtureTests('LAT007', path.join(FIXTURES, 'mean-only'));

const LOOP = [
  'import time',
  'def bench(model, x):',
  '    lat = []',
  '    for _ in range(100):',
  '        t0 = time.perf_counter()',
  '        model(x)',
  '        lat.append(time.perf_counter() - t0)',
  '    return lat',
  '',
].join('\n');

test('the group: four Python-only rules with their metadata', () => {
  assert.deepEqual(
    BENCHMARK_RULES.map((r) => [r.code, r.id, r.kind, r.defaultSeverity, !!r.checkPython, !!r.checkScript]),
    [
      ['LAT003', 'no-warmup', 'pitfall', 'warning', true, false],
      ['LAT004', 'small-samples', 'pitfall', 'warning', true, false],
      ['LAT005', 'missing-synchronize', 'pitfall', 'warning', true, false],
      ['LAT007', 'mean-only', 'pitfall', 'information', true, false],
    ],
  );
});

test('LAT003: range is the loop header, related is the timed call, fix is unsafe', async () => {
  const [f, ...rest] = await findingsFor('LAT003', LOOP, 'b.py');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'warning');
  assert.deepEqual(f!.range, { start: { line: 3, character: 4 }, end: { line: 3, character: 23 } });
  assert.match(f!.message, /model\(…\) with no warm-up/);
  assert.match(f!.message, /201 ms vs 1\.0 ms/);
  assert.deepEqual(f!.related.map((r) => [r.range.start.line, r.range.start.character, r.message]), [[5, 8, 'timed call, first executed inside the timing loop']]);
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
});

test('LAT003: a method warmed up elsewhere in its class is not flagged', async () => {
  const src = [
    'import time',
    'class B:',
    '    def __init__(self, model, x):',
    '        self.model, self.x = model, x',
    '        self.model(self.x)',
    '    def run(self):',
    '        for _ in range(1000):',
    '            t0 = time.perf_counter()',
    '            self.model(self.x)',
    '            print(time.perf_counter() - t0)',
    '',
  ].join('\n');
  assert.deepEqual(await findingsFor('LAT003', src, 'b.py'), []);
  assert.equal((await findingsFor('LAT003', src.replace('        self.model(self.x)\n    def run', '    def run'), 'b.py')).length, 1);
});

test('LAT004: message gives the count and the threshold; minSamples setting is honoured', async () => {
  const [f] = await findingsFor('LAT004', LOOP, 'b.py');
  assert.equal(f!.severity, 'warning');
  assert.deepEqual(f!.range, { start: { line: 3, character: 19 }, end: { line: 3, character: 22 } });
  assert.match(f!.message, /Only 100 timed iterations \(fewer than 1000\)/);
  assert.match(f!.message, /below n = 100 it is simply the maximum/);
  assert.deepEqual(await findingsFor('LAT004', LOOP, 'b.py', { options: { minSamples: 100 } }), []);
  const [g] = await findingsFor('LAT004', LOOP, 'b.py', { options: { minSamples: 250 } });
  assert.equal(applyFixes(LOOP, [g!.fixes[0]!]), LOOP.replace('range(100)', 'range(250)'));
  assert.equal(g!.fixes[0]!.safety, 'safe');
});

test('LAT004: a constant shared with other code is fixed as unsafe', async () => {
  const src = 'import time\nN = 10\nxs = [0] * N\nfor _ in range(N):\n    t0 = time.perf_counter()\n    f(xs)\n    print(time.perf_counter() - t0)\n';
  const [f] = await findingsFor('LAT004', src, 'b.py');
  assert.equal(f!.fixes[0]!.safety, 'unsafe');
  assert.equal(f!.related[0]!.message, 'N is set to 10 here');
});

test('LAT005: flags the closing reading; related are the CUDA call and the opening reading', async () => {
  const src = 'import time\nimport torch\nm = torch.nn.Linear(4, 4).cuda()\nt0 = time.perf_counter()\ny = m(torch.ones(4, 4))\ndt = time.perf_counter() - t0\n';
  const [f, ...rest] = await findingsFor('LAT005', src, 'b.py');
  assert.equal(rest.length, 0);
  assert.deepEqual(f!.range, { start: { line: 5, character: 5 }, end: { line: 5, character: 24 } });
  assert.match(f!.message, /launch asynchronously, so the host clock measures the launch, not the execution/);
  assert.deepEqual(f!.related.map((r) => r.message), ['CUDA work launched here', 'the clock starts here']);
  assert.equal(f!.fixes[0]!.safety, 'safe');
  assert.equal(applyFixes(src, [f!.fixes[0]!]), src.replace('dt =', 'torch.cuda.synchronize()\ndt ='));
});

test('LAT005: nothing without a torch import', async () => {
  const noTorch = 'import time\nm = load().cuda()\nt0 = time.perf_counter()\nm(1)\ndt = time.perf_counter() - t0\n';
  assert.deepEqual(await findingsFor('LAT005', noTorch, 'b.py'), []);
});

test('LAT007: information severity; range is the mean; the fix imports statistics once', async () => {
  const src = LOOP.replace('    return lat\n', '    import numpy as np\n    print(np.mean(lat))\n    print(np.mean(lat) * 1000)\n');
  const [f, ...rest] = await findingsFor('LAT007', src, 'b.py');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'information');
  assert.deepEqual(f!.range, { start: { line: 8, character: 10 }, end: { line: 8, character: 22 } });
  assert.match(f!.message, /Only the mean of lat is reported/);
  assert.deepEqual(f!.fixes[0]!.imports.map((i) => i.statement), ['import statistics']);
});

test('LAT007: a mean printed inside the loop gets a finding but no fix', async () => {
  const src = LOOP.replace('        lat.append(time.perf_counter() - t0)\n', '        lat.append(time.perf_counter() - t0)\n        print(sum(lat) / len(lat))\n').replace('    return lat\n', '');
  const [f] = await findingsFor('LAT007', src, 'b.py');
  assert.ok(f);
  assert.deepEqual(f.fixes, []);
});
