import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULT_STOPPING } from '../../src/core/adaptiveStop';
import { formatMs, formatPercent, formatRatio } from '../../src/core/format';
import { combineRepeats } from '../../src/core/repeats';
import { renderTextReport } from '../../src/core/report';
import { PERCENTILE_ESTIMATOR, RESULT_SCHEMA_VERSION, type BenchmarkResult, type InputPlan } from '../../src/core/result';
import { commandResult, httpResult, logNormalSamples, makeResult, pythonResult } from '../support/resultFixture';

function input(name: string, fill: InputPlan['fill']): InputPlan {
  return { name, type: 'int64', shape: [1, 128], declaredShape: ['batch', 'sequence'], fill, notes: ['batch → 1', 'sequence → 128'] };
}

function sampleResult(): BenchmarkResult {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    target: { kind: 'onnx', path: '/home/ana/models/tiny-transformer.onnx', name: 'tiny-transformer.onnx', sizeBytes: 190_840_832 },
    config: {
      iterations: 1000,
      warmup: 50,
      stopping: { ...DEFAULT_STOPPING },
      cvTarget: 0.001,
      cpuAffinity: null,
      session: {
        intraOpNumThreads: 4,
        interOpNumThreads: 0,
        graphOptimizationLevel: 'extended',
        executionMode: 'parallel',
        executionProviders: ['cuda', 'cpu'],
      },
      inputs: [
        input('input_ids', { kind: 'random', low: 0, high: 30522, seed: 42 }),
        input('attention_mask', { kind: 'constant', value: 1 }),
      ],
    },
    summary: {
      n: 1000,
      p50Ms: 1.27,
      p90Ms: 1.41,
      p95Ms: 1.52,
      p99Ms: 2.03,
      p999Ms: 3.88,
      meanMs: 1.31,
      stdevMs: 0.11,
      cv: 0.084,
      minMs: 1.1,
      maxMs: 12.3,
      throughputPerSec: 762.3,
      ci: { p50: [1.25, 1.29], p95: [1.49, 1.56], p99: [1.9, 2.4], p999: null },
      ciLevel: 0.95,
    },
    estimator: PERCENTILE_ESTIMATOR,
    // 48.1 / 1.27 ≈ 37.9 → "38× p50"
    coldStart: { loadMs: 412.3, firstMs: 48.1, ratio: 48.1 / 1.27 },
    warmupSamplesMs: [1.4, 1.3],
    samplesMs: [1.27, 1.31],
    memory: { peakRssBytes: 250 * 1024 * 1024 },
    environment: {
      os: 'linux',
      arch: 'x64',
      cpu: 'AMD EPYC 7763 64-Core Processor',
      cpuCores: 16,
      totalMemoryBytes: 64 * 1024 ** 3,
      node: 'v20.20.2',
      onnxruntime: '1.30.0',
      hostname: 'secret-host',
    },
    stopping: { mode: 'fixed', reason: 'iterations', achieved: { p50: 0.016, target: 0.12 } },
    steadyState: null,
    outliers: null,
    instability: null,
    system: null,
    telemetry: [],
    verdicts: [],
    partial: false,
    startedAt: '2025-01-01T10:00:00.000Z',
    finishedAt: '2025-01-01T10:00:02.000Z',
  };
}

/** The report's line for a table row, by its label. */
function rowOf(report: string, label: string): string | undefined {
  return report.split('\n').find((l) => l.trimStart().startsWith(`${label} `));
}

/** Terminal columns for the characters these tests use: CJK and emoji take two. */
function columns(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u4e00-\u9fff\u{1f300}-\u{1f64f}]/u.test(ch) ? 2 : 1;
  return w;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('renderTextReport', () => {
  test('shows the model, configuration, inputs and cold start', () => {
    const report = renderTextReport(sampleResult());
    assert.match(report, /tiny-transformer\.onnx \(182 MiB\)/);
    assert.match(report, /\/home\/ana\/models\/tiny-transformer\.onnx/);
    assert.match(report, /1000 measured iterations after 50 warm-up/);
    assert.match(report, /threads intra 4 \/ inter auto/);
    assert.match(report, /optimization extended/);
    assert.match(report, /parallel/);
    assert.match(report, /providers cuda, cpu/);
    assert.match(report, /input_ids\s+int64\s+\[1, 128\]\s+random \[0, 30522\) seed 42/);
    assert.match(report, /attention_mask\s+int64\s+\[1, 128\]\s+constant 1/);
    assert.match(report, /session load 412 ms, first inference 48\.1 ms \(38× p50\)/);
    assert.match(report, /AMD EPYC 7763 64-Core Processor \(16 cores, 64\.0 GiB\), linux x64/);
    assert.match(report, /onnxruntime 1\.30\.0, node v20\.20\.2/);
    assert.doesNotMatch(report, /secret-host/, 'hostname stays out of pasted reports');
  });

  test('the statistics table has every figure, formatted', () => {
    const report = renderTextReport(sampleResult());
    const expected: Array<[string, string]> = [
      ['n', '1000'],
      ['p50', '1.27 ms  [1.25, 1.29]'],
      ['p90', '1.41 ms'],
      ['p95', '1.52 ms  [1.49, 1.56]'],
      ['p99', '2.03 ms  [1.90, 2.40]'],
      ['p99.9', '3.88 ms  (not bounded: needs n ≥ 3,688; this is near the maximum)'],
      ['mean ± stdev', '1.31 ms ± 0.110 ms'],
      ['CV', '8.4%'],
      ['min', '1.10 ms'],
      ['max', '12.3 ms'],
      ['throughput', '762/s'],
      ['peak RSS', '250 MiB'],
    ];
    for (const [label, value] of expected) {
      const line = rowOf(report, label);
      assert.ok(line, `row ${label} present`);
      assert.ok(line.endsWith(` ${value}`), `row ${label}: ${JSON.stringify(line)} should end with ${value}`);
    }
    assert.ok(report.includes(`Percentiles: ${PERCENTILE_ESTIMATOR}`));
    assert.match(report, /distribution-free 95% confidence intervals/);
    assert.match(report, /Checks: no problems found/);
  });

  test('run checks are listed with their evidence and fix; adaptive runs say why they stopped', () => {
    const r = sampleResult();
    r.config.stopping = { ...r.config.stopping, mode: 'adaptive' };
    r.stopping = { mode: 'adaptive', reason: 'maxSeconds', achieved: { p50: 0.004, target: 0.031 } };
    r.verdicts = [
      { code: 'RUN003', severity: 'warning', title: 'CPU clocks cannot be verified', message: 'No cpufreq.', evidence: ['no /sys/devices/system/cpu/cpu0/cpufreq'], fix: "Run 'Latency: Tune System…'" },
      { code: 'RUN012', severity: 'info', title: 'Outliers\u001b[31m', message: 'Seven runs.', evidence: [], fix: 'None needed.' },
    ];
    const report = renderTextReport(r);
    assert.match(rowOf(report, 'run')!, /adaptive, ±1\.0% on p50 and p99: hit the 60 s cap, 2 measured after 50 warm-up/);
    assert.match(report, /Checks \(2\):\n {2}! RUN003 warning: CPU clocks cannot be verified\. No cpufreq\.\n {6}- no \/sys\/devices\/system\/cpu\/cpu0\/cpufreq\n {6}fix: Run 'Latency: Tune System…'/);
    assert.match(report, /i RUN012 info: Outliers\\u001b\[31m\. Seven runs\./, 'escape sequences in a verdict are shown, not obeyed');
    assert.equal(rowOf(report, 'system'), '  system        pre-flight readings unavailable');
  });

  test('figures are right-aligned so units line up', () => {
    const report = renderTextReport(sampleResult());
    const unitColumn = (label: string): number => rowOf(report, label)!.indexOf(' ms');
    const col = unitColumn('p50');
    for (const label of ['p90', 'p99.9', 'min', 'max', 'mean ± stdev']) assert.equal(unitColumn(label), col, label);
    // The value column starts at one place for every labelled line.
    const valueStart = (l: string): number => l.search(/(?<=\S\s{2,})\S/);
    const starts = ['model', 'session', 'inputs', 'cold start', 'n', 'p50', 'mean ± stdev'].map((label) => valueStart(rowOf(report, label)!));
    assert.equal(new Set(starts).size, 1, JSON.stringify(starts));
  });

  test('fits in about 30 lines, without colour codes', () => {
    const report = renderTextReport(sampleResult());
    assert.ok(report.split('\n').length <= 30, `${report.split('\n').length} lines`);
    assert.doesNotMatch(report, CONTROL);
    assert.ok(!report.endsWith('\n'));
  });

  test('no partial banner on a complete run', () => {
    assert.doesNotMatch(renderTextReport(sampleResult()), /PARTIAL/i);
  });

  test('partial runs get a banner with the reason and the count', () => {
    const r = sampleResult();
    r.partial = true;
    r.partialReason = 'cancelled by user';
    r.summary = { ...r.summary!, n: 412 };
    const report = renderTextReport(r);
    const lines = report.split('\n');
    const banner = lines.findIndex((l) => l.includes('PARTIAL'));
    assert.ok(banner >= 0 && banner <= 1, 'banner right under the title');
    assert.match(lines[banner]!, /412 of 1000/);
    assert.match(lines[banner]!, /cancelled by user/);
    assert.ok(rowOf(report, 'n')!.endsWith('412 of 1000'));

    delete r.partialReason;
    assert.match(renderTextReport(r), /PARTIAL.*no reason recorded/);
  });

  test('the cold-start ratio is formatted as the panel formats it', () => {
    const r = sampleResult();
    for (const [ratio, text] of [[57.3, '57×'], [25.7, '26×'], [9.96, '10×'], [3.42, '3.4×'], [0.853, '0.85×']] as const) {
      r.coldStart.ratio = ratio;
      assert.equal(formatRatio(ratio), text);
      assert.match(renderTextReport(r), new RegExp(`first inference 48\\.1 ms \\(${text.replace('.', '\\.')} p50\\)`), `ratio ${ratio}`);
    }
  });

  test('null summary: says no measured run completed, shows no statistics', () => {
    const r = sampleResult();
    r.partial = true;
    r.partialReason = 'cancelled during warm-up';
    r.summary = null;
    r.samplesMs = [];
    r.coldStart.ratio = null;
    const report = renderTextReport(r);
    assert.match(report, /No measured run completed/);
    assert.match(report, /PARTIAL.*0 of 1000.*cancelled during warm-up/);
    for (const label of ['p50', 'p99', 'mean ± stdev', 'CV', 'throughput']) assert.equal(rowOf(report, label), undefined, label);
    assert.doesNotMatch(report, /× p50/);
    assert.match(report, /session load 412 ms, first inference 48\.1 ms$/m);
    assert.ok(rowOf(report, 'peak RSS')!.endsWith('250 MiB'));
    assert.doesNotMatch(report, /NaN|undefined|null/);
  });

  test('odd characters in names, paths and values cannot break the layout', () => {
    const r = sampleResult();
    r.target.name = 'evil\nname\x1b[31mred\t.onnx';
    r.target.path = '/tmp/a\r\nb/\u202etxt.onnx';
    r.partial = true;
    r.partialReason = 'worker crashed:\nstack trace\n  at foo';
    r.environment.cpu = 'CPU\u0007 with bell';
    r.config.inputs = [
      input('输入_ids', { kind: 'random', low: 0, high: 10, seed: 1 }),
      input('mask\u200b🙂', { kind: 'constant', value: 'a\nb\u2028c' }),
      input('x'.repeat(200), { kind: 'constant', value: true }),
    ];
    const plain = sampleResult();
    plain.partial = true;
    plain.partialReason = 'x';
    plain.config.inputs.push(input('third', { kind: 'constant', value: 0 }));

    const report = renderTextReport(r);
    assert.doesNotMatch(report, CONTROL, 'no raw control, separator or bidi characters');
    assert.equal(report.split('\n').length, renderTextReport(plain).split('\n').length, 'no extra lines');
    assert.ok(report.includes('evil\\nname\\u001b[31mred\\t.onnx'), 'escapes are visible');
    assert.ok(report.includes('\\u202etxt.onnx'));
    assert.ok(report.includes('worker crashed:\\nstack trace'));
    assert.ok(report.includes('constant "a\\nb\\u2028c"'));

    // The type column starts at one terminal column on every input row, wide characters included.
    const inputRows = report.split('\n').filter((l) => / int64 /.test(l));
    assert.equal(inputRows.length, 3);
    const typeColumns = inputRows.map((l) => columns(l.slice(0, l.indexOf(' int64 '))));
    assert.deepEqual(new Set(typeColumns).size, 1, JSON.stringify(inputRows));
    assert.ok(inputRows.every((l) => l.length < 120), 'a 200-character name is cut short');
    assert.ok(inputRows[2]!.includes('x...'));
  });

  test('many inputs are summarised rather than listed', () => {
    const r = sampleResult();
    r.config.inputs = Array.from({ length: 12 }, (_, i) => input(`in${i}`, { kind: 'constant', value: i }));
    const report = renderTextReport(r);
    assert.match(report, /\.\.\. and 8 more/);
    assert.ok(report.split('\n').length <= 30);
  });

  test('no inputs, no providers, non-finite figures', () => {
    const r = sampleResult();
    r.config.inputs = [];
    r.config.session!.executionProviders = [];
    r.coldStart.ratio = Number.NaN;
    r.summary = { ...r.summary!, throughputPerSec: Number.POSITIVE_INFINITY };
    const report = renderTextReport(r);
    assert.match(report, /inputs\s+\(none\)/);
    assert.match(report, /providers \(default\)/);
    assert.doesNotMatch(report, /× p50/);
    assert.ok(rowOf(report, 'throughput')!.endsWith('n/a'));
  });

  describe('repeated runs', () => {
    // Three repeats of 50 runs: the first two alike, the third 10% slower throughout.
    function repeated(thirdScale: number): BenchmarkResult {
      const runs = [1, 1, thirdScale].map((scale, i) =>
        makeResult({ samplesMs: logNormalSamples({ runs: 50, medianMs: 2 * scale, sigma: 0.02, seed: i + 1 }), startedAt: `2026-11-26T10:00:0${i}.000Z` }),
      );
      return combineRepeats(runs, { planned: 3 });
    }

    test('a Repeats section: each repeat, the spread, and when the repeats differ beyond the noise of a run', () => {
      const r = repeated(1.1);
      const report = renderTextReport(r);
      assert.match(rowOf(report, 'run')!, /3 repeats of 50 measured iterations after 50 warm-up, each on a fresh session$/);
      assert.ok(rowOf(report, 'n')!.endsWith('150 (3 repeats)'), rowOf(report, 'n'));
      const lines = report.split('\n');
      const head = lines.findIndex((l) => l.startsWith('  Repeats (3, each a fresh session'));
      assert.ok(head > 0, report);
      assert.match(lines[head + 1]!, /^ {4} +runs +p50 +p99 +CV +load +first run$/);
      for (let i = 0; i < 3; i++) {
        const run = r.repeats!.runs[i]!;
        const line = lines[head + 2 + i]!;
        assert.ok(line.startsWith(`    #${i + 1}`), line);
        assert.ok(line.includes(formatMs(run.p50Ms)) && line.includes(formatMs(run.p99Ms)) && line.includes(formatPercent(run.cv)), line);
      }
      const spread = formatPercent(r.repeats!.spread.p50);
      assert.ok(rowOf(report, 'spread')!.includes(`p50 ${spread}, p99 ${formatPercent(r.repeats!.spread.p99)}`));
      assert.ok(report.includes(`repeats differ by ${spread} on p50, more than the noise within a run`), report);
      assert.ok(r.repeats!.spread.p50 > 0.05, 'the fixture: about 10% apart');
    });

    test('repeats that agree are said to agree; the banner of a cancelled repeated run counts repeats', () => {
      const r = repeated(1);
      const report = renderTextReport(r);
      assert.match(report, /the repeats agree within the noise of a run/);
      assert.doesNotMatch(report, /repeats differ/);

      const cancelled = combineRepeats([makeResult({ samplesMs: [1, 2, 3] }), makeResult({ samplesMs: [1, 2, 3] })], { planned: 3, cutShort: true });
      const banner = renderTextReport(cancelled).split('\n')[1]!;
      assert.equal(banner, '!! PARTIAL RESULT: 2 complete repeats, 6 measured runs (cancelled after 2 of 3 repeats, keeping their 6 measured runs; repeat 3, cut short, is left out)');
    });
  });
});


describe('renderTextReport for Python functions and commands', () => {
  test('a function: its file and def line, import and setup apart, the interpreter and its packages, no session or inputs', () => {
    const report = renderTextReport(pythonResult());
    assert.match(report, /^Latency benchmark: model\.py:predict \(Python function\)$/m);
    assert.match(report, /^\s+function\s+\/home\/dev\/serve\/model\.py:42 \(predict, setup load\)$/m);
    assert.match(report, /^\s+cold start\s+import 1\.61 s \+ setup 218 ms, first call /m);
    assert.match(report, /^\s+runtime\s+Python 3\.11\.2 \(numpy 1\.24\.2, torch 1\.13\.1\), node v20\.19\.0$/m);
    assert.doesNotMatch(report, /session|onnxruntime|^\s+inputs/m);
  });

  test('a command: the command and its folder, the shell start-up subtracted, the first run as its cold start', () => {
    const report = renderTextReport(commandResult());
    assert.match(report, /^Latency benchmark: python3 infer\.py --batch 8 \(shell command \(\/bin\/sh -c\), shell start-up 0\.912 ms subtracted, prepare: sync\)$/m);
    assert.match(report, /^\s+command\s+python3 infer\.py --batch 8  \(in \/home\/dev\/serve\)$/m);
    assert.match(report, /^\s+cold start\s+first run /m);
    assert.doesNotMatch(report, /session load|onnxruntime/);
  });
});

describe('renderTextReport for an HTTP endpoint', () => {
  test('the endpoint, its concurrency, and the failed requests apart from the latency figures', () => {
    const report = renderTextReport(httpResult());
    assert.match(report, /^Latency benchmark: POST http:\/\/127\.0\.0\.1:8000\/v1\/predict \(HTTP endpoint, 8 in flight \(closed loop\), timeout 30\.0 s\)$/m);
    assert.match(report, /^\s+endpoint\s+POST http:\/\/127\.0\.0\.1:8000\/v1\/predict$/m);
    assert.match(report, /^\s+errors\s+52 of 1,000 requests failed \(5\.2%\): 50 status 500, 2 dropped; the latency figures are of the 948 that succeeded$/m);
    assert.match(report, /^\s+cold start\s+first request /m);
  });
});
