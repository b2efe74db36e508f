import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import { analyzePythonImports } from '../../../src/advisors/pythonImports';
import { createNodeIndex } from '../../../src/advisors/textIndex';
import { analyzeTiming, calleeKey, type TimingAnalysis } from '../../../src/advisors/timingLoops';

test.before(() => loadParser('python'));

function timing(source: string): TimingAnalysis & { summary: () => unknown[] } {
  const tree = parseSync(source, 'python');
  const root = tree.rootNode;
  const t = analyzeTiming({ source, root, index: createNodeIndex(root, source), imports: analyzePythonImports(root) });
  return {
    ...t,
    summary: () =>
      t.loops.map((l) => ({
        line: l.loop.startPosition.row + 1,
        mode: l.mode,
        count: l.count?.value,
        calls: l.timedCalls.map((c) => c.text),
        keys: l.timedCalls.map(calleeKey),
        fn: l.fn?.childForFieldName('name')?.text ?? null,
        samples: l.samples.map((s) => s.list),
        readings: l.readings.map((r) => `${r.kind}:${r.call.text}`),
      })),
  };
}

test('per-iteration loop: readings in the body around a call, count from range(N)', () => {
  const t = timing(
    ['import time', 'def bench(model, x):', '    lat = []', '    for _ in range(100):', '        t0 = time.perf_counter()', '        y = model(x).cpu()', '        lat.append(time.perf_counter() - t0)', ''].join('\n'),
  );
  assert.deepEqual(t.summary(), [
    {
      line: 4,
      mode: 'per-iteration',
      count: 100,
      calls: ['model(x).cpu()'],
      keys: ['model'],
      fn: 'bench',
      samples: ['lat'],
      readings: ['host:time.perf_counter()', 'host:time.perf_counter()'],
    },
  ]);
});

test('whole-loop timing: readings immediately before and after, synchronize allowed in between', () => {
  const t = timing(
    ['from timeit import default_timer as timer', 'import torch', 'N = 50', 't0 = timer()', 'for _ in range(N):', '    session.run(None, feeds)', 'torch.cuda.synchronize()', 'total = timer() - t0', ''].join('\n'),
  );
  assert.deepEqual(t.summary(), [
    { line: 5, mode: 'whole-loop', count: 50, calls: ['session.run(None, feeds)'], keys: ['session.run'], fn: null, samples: [], readings: ['host:timer()', 'host:timer()'] },
  ]);
  assert.equal(t.loops[0]!.count!.constant!.name, 'N');
});

test('a loop that is not the only statement between the readings is a region, not a timing loop', () => {
  const t = timing(['import time', 't0 = time.time()', 'prepare()', 'for x in xs:', '    f(x)', 'dt = time.time() - t0', ''].join('\n'));
  assert.equal(t.regions.length, 1);
  assert.deepEqual(t.summary(), []);
});

test('iteration counts: range(a, N), function constants, and unknown forms', () => {
  const body = (header: string, pre = ''): string =>
    `import time\ndef f(m):\n${pre}    ${header}:\n        t0 = time.monotonic()\n        m()\n        print(time.monotonic() - t0)\n`;
  assert.equal(timing(body('for i in range(10, 60)')).loops[0]!.count!.value, 50);
  assert.equal(timing(body('for i in range(1_000)')).loops[0]!.count!.value, 1000);
  assert.equal(timing(body('for i in range(K)', '    K = 7\n')).loops[0]!.count!.value, 7);
  assert.equal(timing(body('for i in range(K)', '    K = 7\n    K = 9\n')).loops[0]!.count, undefined);
  assert.equal(timing(body('for i in range(K)', '    K = int(7)\n')).loops[0]!.count, undefined);
  assert.equal(timing(body('for i in range(0, 10, 2)')).loops[0]!.count, undefined);
  assert.equal(timing(body('for i in [1, 2, 3]')).loops[0]!.count, undefined);
  assert.equal(timing(body('while True')).loops[0]!.count, undefined);
  // `range` rebound: not the builtin
  assert.equal(timing(body('for i in range(5)', '    range = my_range\n')).loops[0]!.count, undefined);
});

test('aliases, monotonic_ns and timeit clocks are readings; time.sleep, shadowed names and strings are not', () => {
  const ok = timing('import time as T\nfor _ in range(3):\n    a = T.monotonic_ns()\n    g()\n    b = T.monotonic_ns()\n');
  assert.equal(ok.loops.length, 1);
  const shadowed = timing('import time\ndef f(time):\n    for _ in range(3):\n        a = time.perf_counter()\n        g()\n        b = time.perf_counter()\n');
  assert.equal(shadowed.loops.length, 0);
  const strings = timing('import time\nfor _ in range(3):\n    s = "t0 = time.perf_counter()"\n    g()\n    # t1 = time.perf_counter()\n');
  assert.equal(strings.loops.length, 0);
  const notCalls = timing('import time\nfor _ in range(3):\n    t0 = time.perf_counter()\n    print(t0)\n    time.sleep(1)\n    t1 = time.perf_counter()\n');
  assert.equal(notCalls.loops.length, 0, 'print / sleep are not timed work');
});

test('CUDA events with enable_timing are readings; with statements in the body are looked into', () => {
  const t = timing(
    [
      'import torch',
      'start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)',
      'for _ in range(20):',
      '    with torch.no_grad():',
      '        start.record()',
      '        model(x)',
      '        end.record()',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    t.summary().map((s) => (s as { readings: string[] }).readings),
    [['event:start.record()', 'event:end.record()']],
  );
  const noTiming = timing('import torch\ne = torch.cuda.Event()\nf = torch.cuda.Event()\nfor _ in range(2):\n    e.record()\n    g()\n    f.record()\n');
  assert.equal(noTiming.loops.length, 0);
});

test('nested loops: a whole-loop timing inside a sweep is the timing loop, not the sweep', () => {
  const t = timing(
    ['import time', 'for bs in sizes:', '    t0 = time.perf_counter()', '    for _ in range(100):', '        model(bs)', '    print(bs, time.perf_counter() - t0)', ''].join('\n'),
  );
  assert.deepEqual(
    t.summary().map((s) => [(s as { line: number }).line, (s as { mode: string }).mode]),
    [[4, 'whole-loop']],
  );
});

test('results are cached per analysis (one index)', () => {
  const source = 'import time\nfor _ in range(3):\n    t0 = time.perf_counter()\n    g()\n    t1 = time.perf_counter()\n';
  const tree = parseSync(source, 'python');
  const ctx = { source, root: tree.rootNode, index: createNodeIndex(tree.rootNode, source), imports: analyzePythonImports(tree.rootNode) };
  assert.equal(analyzeTiming(ctx), analyzeTiming(ctx));
});
