// The panel's guards: a result that passes must be renderable without another check, and
// anything else (an older schema in persisted state, a malformed message) must be refused.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareOutputs } from '../../src/core/accuracy';
import type { CheckId, Checklist } from '../../src/core/checklist';
import { COMPARE_METRICS, compareRuns } from '../../src/core/compare';
import {
  EXPORT_FORMATS,
  PANEL_CHANGE_VERDICTS,
  PANEL_CHECK_IDS,
  PANEL_COMPARE_METRICS,
  isBenchmarkResult,
  isHostToWebviewMessage,
  isPanelComparison,
  isPanelState,
  isWebviewToHostMessage,
  unrestorableStateReason,
  type PanelComparison,
} from '../../src/core/panelProtocol';
import { mergeConfig } from '../../src/core/config';
import type { BenchmarkResult } from '../../src/core/result';
import { ResultAssembler } from '../../src/core/resultAssembler';
import {
  amdDesktopSystem,
  commandResult,
  h200System,
  httpResult,
  intelLaptopSystem,
  makeResult,
  measureTelemetry,
  pythonResult,
  tunedSystem,
  vmSystem,
} from '../support/resultFixture';

/** A v2 result using every optional part: a GPU host, telemetry, verdicts of every severity. */
function fullResult(): BenchmarkResult {
  return makeResult({
    system: h200System(),
    telemetry: measureTelemetry(1000, 100, (run) => ({ cpuMHz: 3400, load1: 0.5, gpus: [{ index: 0, smClockMHz: 1980, temperatureC: 40 + run / 100, clockEventReasons: ['none'] }] })),
    verdicts: [
      { code: 'SYS001', severity: 'error', title: 't', message: 'm', evidence: ['e1', 'e2'], fix: 'f' },
      { code: 'RUN003', severity: 'warning', title: 't', message: 'm', evidence: [], fix: '' },
      { code: 'RUN021', severity: 'info', title: 't', message: 'm', evidence: ['e'], fix: 'f' },
    ],
  });
}

/** A deep copy of `base` with `mutate` applied, as untrusted JSON would arrive. */
function variant(mutate: (r: Record<string, any>) => void, base: BenchmarkResult = fullResult()): unknown {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, any>;
  mutate(copy);
  return copy;
}

describe('isBenchmarkResult', () => {
  test('accepts a v2 result after a JSON round trip, with and without its optional parts', () => {
    assert.ok(isBenchmarkResult(variant(() => {})));
    assert.ok(isBenchmarkResult(variant((r) => {
      r.summary = null;
      r.steadyState = null;
      r.outliers = null;
      r.instability = null;
      r.system = null;
      r.telemetry = [];
      r.verdicts = [];
      r.stopping.achieved = { p50: null, target: null };
    })));
    assert.ok(isBenchmarkResult(variant((r) => {
      r.summary.ci.p999 = null;
      r.summary.ci.p99 = null;
      r.config.cpuAffinity = [0, 1];
      r.system.cpu.loadAverage = null;
      r.system.noiseFloor = null;
      r.system.gpu = { status: 'error', message: 'NVIDIA-SMI has failed', gpus: [], processes: [] };
    })));
  });

  test('accepts what the profiler assembles, complete, partial and empty, after JSON', () => {
    const c = mergeConfig({ iterations: 200, warmup: 20 });
    for (const measured of [200, 3, 0]) {
      const a = new ResultAssembler();
      a.start({
        target: { kind: 'onnx', path: '/m/model.onnx', name: 'model.onnx', sizeBytes: 10 },
        config: { iterations: c.iterations, warmup: c.warmup, stopping: c.stopping, cvTarget: c.cvTarget, cpuAffinity: c.cpuAffinity, session: c.session, inputs: [] },
        environment: { os: 'Linux', arch: 'x64', cpu: 'cpu', cpuCores: 2, totalMemoryBytes: 1, node: '20', onnxruntime: '1.30.0', hostname: 'h' },
        startedAt: '2026-11-26T00:00:00.000Z',
        loadMs: 12,
        system: h200System(),
      });
      a.coldStart(20);
      a.addWarmup(Array.from({ length: 20 }, (_, i) => 2 + 3 / (i + 1)));
      a.addMeasured(Array.from({ length: measured }, (_, i) => 2 + (i % 7) * 0.01 + (i === 50 ? 30 : 0)), 400);
      const r = a.finish(measured < 200 ? { partialReason: 'cancelled' } : { peakRssBytes: 1 });
      assert.ok(isBenchmarkResult(JSON.parse(JSON.stringify(r))), `${measured} measured runs`);
    }
  });

  test('accepts Python-function and command results after JSON, and a schema-2 ONNX result (still read)', () => {
    const json = (r: BenchmarkResult): unknown => JSON.parse(JSON.stringify(r));
    assert.ok(isBenchmarkResult(json(pythonResult())));
    assert.ok(isBenchmarkResult(json(commandResult())));
    assert.ok(isBenchmarkResult(json(httpResult())));
    const cuda = pythonResult({ target: { cudaSynchronized: true } as never, memory: { cudaPeakAllocatedBytes: 5e8 } });
    cuda.environment.python!.cuda = { device: 'NVIDIA H200', runtime: '12.8', capability: '9.0' };
    assert.ok(isBenchmarkResult(json(cuda)));
    assert.ok(isBenchmarkResult(variant((r) => { r.schemaVersion = 2; })), 'every schema-2 result is a valid schema-3 result');
  });

  test('refuses a target whose kind-specific fields are wrong or missing', () => {
    const bad: Array<[string, (r: any) => void, () => BenchmarkResult]> = [
      ['an unknown kind', (r) => { r.target.kind = 'jax'; }, pythonResult],
      ['a Python target without its function', (r) => { delete r.target.function; }, pythonResult],
      ['a Python target whose cudaSynchronized is not a boolean', (r) => { r.target.cudaSynchronized = 'yes'; }, pythonResult],
      ['a command target whose shell is a string', (r) => { r.target.shell = '/bin/sh -c'; }, commandResult],
      ['a command target without its shell overhead', (r) => { delete r.target.shellOverheadMs; }, commandResult],
      ['an ONNX target without a session', (r) => { delete r.config.session; }, () => makeResult()],
      ['an HTTP target without its concurrency', (r) => { delete r.target.concurrency; }, httpResult],
      ['request errors of an unknown kind', (r) => { r.errors.byKind.gremlins = 1; }, httpResult],
      ['request errors whose count is a string', (r) => { r.errors.count = '52'; }, httpResult],
      ['packages that are not strings', (r) => { r.environment.python = { version: '3', executable: 'p', packages: { torch: 2 } }; }, pythonResult],
    ];
    for (const [what, edit, make] of bad) {
      const r = JSON.parse(JSON.stringify(make()));
      edit(r);
      assert.equal(isBenchmarkResult(r), false, what);
    }
  });

  test('accepts the system snapshots of real hosts', () => {
    for (const system of [vmSystem(), h200System(), intelLaptopSystem(), amdDesktopSystem(), tunedSystem()]) {
      assert.ok(isBenchmarkResult(variant((r) => { r.system = JSON.parse(JSON.stringify(system)); })), system.cpu.cpufreq ? 'cpufreq host' : 'VM');
    }
  });

  test('refuses a v1 result, and says it is from an older version', () => {
    const v1 = variant((r) => {
      r.schemaVersion = 1;
      delete r.summary.ci;
      delete r.summary.ciLevel;
      for (const k of ['stopping', 'steadyState', 'outliers', 'instability', 'system', 'telemetry', 'verdicts']) delete r[k];
    });
    assert.equal(isBenchmarkResult(v1), false);
    assert.equal(isPanelState({ result: v1 }), false);
    assert.equal(unrestorableStateReason({ result: v1 }), 'older');
    // The version alone decides: a v1 number on a v2-shaped result is still refused.
    assert.equal(isBenchmarkResult(variant((r) => { r.schemaVersion = 1; })), false);
    assert.equal(unrestorableStateReason({ result: variant((r) => { r.schemaVersion = 4; }) }), 'newer');
    assert.equal(unrestorableStateReason({ result: 'nope' }), 'invalid');
    assert.equal(unrestorableStateReason(42), 'invalid');
  });

  const broken: Record<string, (r: Record<string, any>) => void> = {
    'summary without ci': (r) => { delete r.summary.ci; },
    'summary without ciLevel': (r) => { delete r.summary.ciLevel; },
    'a CI with one end': (r) => { r.summary.ci.p50 = [1]; },
    'a CI with three ends': (r) => { r.summary.ci.p99 = [1, 2, 3]; },
    'a CI end that is not a number (NaN through JSON)': (r) => { r.summary.ci.p95 = [1, null]; },
    'a CI missing': (r) => { delete r.summary.ci.p999; },
    'config without stopping': (r) => { delete r.config.stopping; },
    'an unknown stopping mode': (r) => { r.config.stopping.mode = 'forever'; },
    'config.cpuAffinity not a list': (r) => { r.config.cpuAffinity = '0-3'; },
    'config without cvTarget': (r) => { delete r.config.cvTarget; },
    'an unknown stop reason': (r) => { r.stopping.reason = 'bored'; },
    'achieved precision not a number': (r) => { r.stopping.achieved.p50 = '1%'; },
    'verdicts not a list': (r) => { r.verdicts = {}; },
    'a verdict of unknown severity': (r) => { r.verdicts[0].severity = 'fatal'; },
    'a verdict with evidence as a string': (r) => { r.verdicts[0].evidence = 'e1'; },
    'a verdict with non-string evidence': (r) => { r.verdicts[0].evidence = ['e1', 2]; },
    'a verdict without a fix': (r) => { delete r.verdicts[0].fix; },
    'a verdict with a markup object as message': (r) => { r.verdicts[1].message = { html: '<b>' }; },
    'telemetry missing': (r) => { delete r.telemetry; },
    'a telemetry reading in an unknown phase': (r) => { r.telemetry[0].phase = 'cooldown'; },
    'a telemetry GPU without clock event reasons': (r) => { delete r.telemetry[0].gpus[0].clockEventReasons; },
    'a steady state without an index': (r) => { delete r.steadyState.index; },
    'a negative steady-state index': (r) => { r.steadyState.index = -1; },
    'an outlier index past the samples': (r) => { r.outliers.indices = [r.samplesMs.length]; },
    'a fractional outlier index': (r) => { r.outliers.indices = [1.5]; },
    'instability with an unknown pattern': (r) => { r.instability.autocorrelation.pattern = 'chaos'; },
    'instability without drift': (r) => { delete r.instability.drift; },
    'system without cpu': (r) => { delete r.system.cpu; },
    'a busy process without a name': (r) => { r.system.cpu.busiest = [{ pid: 1, cpuPercent: 3 }]; },
    'a load average of two numbers': (r) => { r.system.cpu.loadAverage = [1, 2]; },
    'a GPU with a numeric name': (r) => { r.system.gpu.gpus[0].name = 100; },
    'a GPU with clock event reasons as a string': (r) => { r.system.gpu.gpus[0].clockEventReasons = 'idle'; },
    'an unknown GPU inventory status': (r) => { r.system.gpu.status = 'maybe'; },
    'memory without total': (r) => { delete r.system.memory.totalBytes; },
  };
  for (const [what, mutate] of Object.entries(broken)) {
    test(`refuses ${what}`, () => {
      const v = variant(mutate);
      assert.equal(isBenchmarkResult(v), false);
      assert.equal(isHostToWebviewMessage({ type: 'snapshot', result: v }), false);
      assert.equal(unrestorableStateReason({ result: v }), 'invalid');
    });
  }
});

describe('messages from the webview', () => {
  test('a fix button may ask for Tune System or a latency.* setting, and nothing else', () => {
    assert.ok(isWebviewToHostMessage({ type: 'ready' }));
    assert.ok(isWebviewToHostMessage({ type: 'verdictAction', action: { kind: 'tuneSystem', label: 'Tune System…' } }));
    assert.ok(isWebviewToHostMessage({ type: 'verdictAction', action: { kind: 'openSetting', label: 'x', setting: 'latency.session.intraOpNumThreads' } }));
    for (const action of [
      { kind: 'openSetting', label: 'x', setting: 'terminal.integrated.shell.linux' },
      { kind: 'openSetting', label: 'x', setting: 'latency.warmup; rm -rf /' },
      { kind: 'openSetting', label: 'x', setting: 'latency' },
      { kind: 'command', label: 'x', command: 'workbench.action.terminal.sendSequence' },
      { kind: 'tuneSystem' },
      null,
    ]) {
      assert.equal(isWebviewToHostMessage({ type: 'verdictAction', action }), false, JSON.stringify(action));
    }
  });

  test('a result whose verdict carries a malformed action is refused as a whole', () => {
    const r = makeResult({ verdicts: [{ code: 'RUN007', severity: 'warning', title: 't', message: 'm', evidence: [], fix: 'f', actions: [{ kind: 'openSetting', label: 'x', setting: 'editor.fontSize' } as never] }] });
    assert.equal(isBenchmarkResult(JSON.parse(JSON.stringify(r))), false);
    r.verdicts[0]!.actions = [{ kind: 'openSetting', label: 'x', setting: 'latency.warmup' }];
    assert.equal(isBenchmarkResult(JSON.parse(JSON.stringify(r))), true);
  });
});

describe('repeats and tensor-file inputs', () => {
  const repeated = () =>
    variant((r) => {
      r.repeats = {
        runs: [
          { n: 500, p50Ms: 2.01, p99Ms: 2.4, meanMs: 2.05, cv: 0.04, loadMs: 410, firstMs: 16 },
          { n: 500, p50Ms: 2.04, p99Ms: 2.5, meanMs: 2.08, cv: 0.05, loadMs: 405, firstMs: null },
        ],
        spread: { p50: 0.015, p99: 0.041 },
      };
      r.config.inputs[0].fill = { kind: 'file', path: '/data/ids.npy', sha256: 'ab'.repeat(32) };
    });

  test('a repeated result whose input was read from a file is accepted', () => {
    assert.ok(isBenchmarkResult(repeated()));
    assert.ok(isBenchmarkResult(variant((r) => { r.config.inputs[0].fill = { kind: 'file', path: 'x.json', sha256: '' }; })), 'no repeats at all');
  });

  const broken: Record<string, (r: Record<string, any>) => void> = {
    'repeats without runs': (r) => { delete r.repeats.runs; },
    'repeats as a list': (r) => { r.repeats = r.repeats.runs; },
    'a repeat with p50 as a string': (r) => { r.repeats.runs[0].p50Ms = '2 ms'; },
    'a repeat without its first inference (null when it did not complete, never absent)': (r) => { delete r.repeats.runs[1].firstMs; },
    'a repeat without a load time': (r) => { delete r.repeats.runs[0].loadMs; },
    'a spread without p99': (r) => { delete r.repeats.spread.p99; },
    'repeats: null': (r) => { r.repeats = null; },
    'a file fill without its hash': (r) => { delete r.config.inputs[0].fill.sha256; },
    'a file fill with a numeric path': (r) => { r.config.inputs[0].fill.path = 7; },
    'an unknown fill kind': (r) => { r.config.inputs[0].fill = { kind: 'url', url: 'http://x' }; },
  };
  for (const [what, mutate] of Object.entries(broken)) {
    test(`refuses ${what}`, () => {
      const v = repeated() as Record<string, any>;
      mutate(v);
      assert.equal(isBenchmarkResult(v), false);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Comparisons

const ALL_CHECKS: CheckId[] = ['latencyTarget', 'cvTarget', 'accuracy', 'noErrors', 'reproducible', 'allPercentiles', 'throughput', 'memory'];

/** A base run, a candidate 20% faster on the same machine, their A/B figures, after JSON. */
function abComparison(): PanelComparison {
  const base = makeResult({ samples: { seed: 11 } });
  const candidate = makeResult({ samples: { seed: 12, medianMs: 1.6 } });
  const checklist: Checklist = {
    items: ALL_CHECKS.map((id, i) => ({ id, title: `check ${id}`, status: i === 2 ? 'fail' : i === 4 ? 'unknown' : 'pass', evidence: `evidence for ${id}` })),
    verdict: 'fail',
  };
  const comparison: PanelComparison = {
    source: 'ab',
    base: { id: 'run-1', label: 'base.onnx, 2026-11-26 10:22', result: base },
    comparison: compareRuns(base, candidate, { resamples: 200 }),
    accuracy: compareOutputs([
      { name: 'logits', dims: [1, 3], base: [1, 2, 3], candidate: [1, 2, 3.001] },
      { name: 'hidden', dims: [2], base: [1, 2], candidate: [1, 2], candidateDims: [1, 2] },
    ]),
    checklist,
  };
  return JSON.parse(JSON.stringify(comparison)) as PanelComparison;
}

function comparisonVariant(mutate: (c: Record<string, any>) => void): unknown {
  const c = JSON.parse(JSON.stringify(abComparison())) as Record<string, any>;
  mutate(c);
  return c;
}

describe('isPanelComparison', () => {
  test('its lists are the ones compare.ts and checklist.ts use', () => {
    assert.deepEqual(PANEL_COMPARE_METRICS, COMPARE_METRICS);
    assert.deepEqual(PANEL_CHECK_IDS, ALL_CHECKS);
    assert.deepEqual([...PANEL_CHANGE_VERDICTS].sort(), ['improved', 'inconclusive', 'no change', 'regressed']);
  });

  test('accepts what compareRuns, compareOutputs and a checklist produce, after JSON', () => {
    const c = abComparison();
    assert.ok(isPanelComparison(c));
    // The shape mismatch went through JSON as maxAbsError NaN → null; still renderable.
    assert.equal(c.accuracy!.outputs[1]!.maxAbsError, null);
    assert.ok(c.comparison.metrics.some((m) => m.ci === null), 'an unbounded p99.9 (1000 runs) is part of it');
    assert.ok(isHostToWebviewMessage({ type: 'snapshot', result: makeResult(), comparison: c }));
    assert.ok(isPanelState({ result: makeResult(), comparison: c }));
  });

  test('accepts the baseline and history forms, without accuracy, checklist or id', () => {
    for (const source of ['baseline', 'history']) {
      const c = comparisonVariant((x) => {
        x.source = source;
        delete x.accuracy;
        delete x.checklist;
        delete x.base.id;
      });
      assert.ok(isPanelComparison(c), source);
    }
    assert.ok(isPanelComparison(comparisonVariant((x) => { x.comparison.environmentDiffs = ['CPU: a vs b', '<img src=x onerror=alert(1)>']; })));
    assert.ok(isPanelComparison(comparisonVariant((x) => { x.comparison.metrics[0].ratio = null; x.comparison.metrics[0].ci = null; })), 'a base figure of 0');
    assert.ok(isPanelComparison(comparisonVariant((x) => { x.comparison.metrics = x.comparison.metrics.slice(0, 2); })), 'a subset of the metrics');
  });

  const broken: Record<string, (c: Record<string, any>) => void> = {
    'an unknown source': (c) => { c.source = 'cloud'; },
    'no source': (c) => { delete c.source; },
    'no base': (c) => { delete c.base; },
    'a base label that is markup in an object': (c) => { c.base.label = { html: '<b>x</b>' }; },
    'a numeric base id': (c) => { c.base.id = 3; },
    'a base result of an older schema': (c) => { c.base.result.schemaVersion = 1; },
    'a base result without samples': (c) => { delete c.base.result.samplesMs; },
    'no comparison': (c) => { delete c.comparison; },
    'metrics not a list': (c) => { c.comparison.metrics = { p50: 1 }; },
    'an unknown metric': (c) => { c.comparison.metrics[0].metric = 'p42'; },
    'a metric twice': (c) => { c.comparison.metrics[1].metric = c.comparison.metrics[0].metric; },
    'a metric name that is markup': (c) => { c.comparison.metrics[0].metric = '<img src=x onerror=alert(1)>'; },
    'a base figure as a string': (c) => { c.comparison.metrics[0].base = '2 ms'; },
    'a candidate figure that went through JSON as NaN': (c) => { c.comparison.metrics[0].candidate = null; },
    'a ratio as a string': (c) => { c.comparison.metrics[0].ratio = '0.8'; },
    'a CI with one end': (c) => { c.comparison.metrics[0].ci = [0.8]; },
    'a CI end of null': (c) => { c.comparison.metrics[0].ci = [0.8, null]; },
    'an unknown verdict': (c) => { c.comparison.metrics[0].verdict = 'faster'; },
    'a verdict in another case': (c) => { c.comparison.metrics[0].verdict = 'Improved'; },
    'no minSamples': (c) => { delete c.comparison.metrics[0].minSamples; },
    'no n': (c) => { delete c.comparison.n; },
    'n.candidate missing': (c) => { delete c.comparison.n.candidate; },
    'a level as a percentage string': (c) => { c.comparison.level = '95%'; },
    'no noise band': (c) => { delete c.comparison.noiseBand; },
    'no significance': (c) => { delete c.comparison.significance; },
    'a p-value of null': (c) => { c.comparison.significance.pValue = null; },
    'no probability that the candidate is slower': (c) => { delete c.comparison.significance.probabilityCandidateSlower; },
    'environment differences as a string': (c) => { c.comparison.environmentDiffs = 'CPU differs'; },
    'an environment difference that is an object': (c) => { c.comparison.environmentDiffs = [{ toString: 'x' }]; },
    'accuracy without outputs': (c) => { delete c.accuracy.outputs; },
    'accuracy: null': (c) => { c.accuracy = null; },
    'an output with pass as a string': (c) => { c.accuracy.outputs[0].pass = 'yes'; },
    'an output judged by something else': (c) => { c.accuracy.outputs[0].judgedBy = 'vibes'; },
    'an output with a numeric name': (c) => { c.accuracy.outputs[0].name = 1; },
    'an output with cosine as a string': (c) => { c.accuracy.outputs[0].cosine = '1'; },
    'an output with a problem that is not text': (c) => { c.accuracy.outputs[1].problem = ['x']; },
    'accuracy without a threshold': (c) => { delete c.accuracy.threshold; },
    'a checklist item of unknown id': (c) => { c.checklist.items[0].id = 'vibes'; },
    'a checklist item twice': (c) => { c.checklist.items[1].id = c.checklist.items[0].id; },
    'a checklist item of unknown status': (c) => { c.checklist.items[0].status = 'skipped'; },
    'a checklist item without evidence': (c) => { delete c.checklist.items[0].evidence; },
    'a checklist item with a numeric title': (c) => { c.checklist.items[0].title = 1; },
    'an unknown checklist verdict': (c) => { c.checklist.verdict = 'mostly'; },
    'checklist items not a list': (c) => { c.checklist.items = {}; },
  };
  for (const [what, mutate] of Object.entries(broken)) {
    test(`refuses ${what}, and with it the whole snapshot and state`, () => {
      const c = comparisonVariant(mutate);
      assert.equal(isPanelComparison(c), false);
      const result = makeResult();
      assert.equal(isHostToWebviewMessage({ type: 'snapshot', result, comparison: c }), false);
      assert.equal(isPanelState({ result, comparison: c }), false);
    });
  }

  test('refuses what is not a comparison at all', () => {
    for (const v of [null, undefined, 0, 'ab', [], [abComparison()], { ...abComparison(), base: null }]) {
      assert.equal(isPanelComparison(v), false, JSON.stringify(v) ?? 'undefined');
    }
    // comparison: null is not "no comparison": the host omits the key.
    assert.equal(isHostToWebviewMessage({ type: 'snapshot', result: makeResult(), comparison: null }), false);
  });

  test('state whose base run is from an older build says so', () => {
    const c = comparisonVariant((x) => { x.base.result.schemaVersion = 1; });
    assert.equal(unrestorableStateReason({ result: makeResult(), comparison: c }), 'older');
    const newer = comparisonVariant((x) => { x.base.result.schemaVersion = 99; });
    assert.equal(unrestorableStateReason({ result: makeResult(), comparison: newer }), 'newer');
    assert.equal(unrestorableStateReason({ result: makeResult(), comparison: comparisonVariant((x) => { x.source = 'x'; }) }), 'invalid');
  });
});

describe('export requests from the webview', () => {
  test('only the listed formats', () => {
    for (const format of EXPORT_FORMATS) assert.ok(isWebviewToHostMessage({ type: 'export', format }), format);
    assert.deepEqual([...EXPORT_FORMATS], ['markdown', 'csv', 'json']);
    for (const format of ['html', 'Markdown', 'md', '../../etc/passwd', '', null, undefined, 1, ['json'], { toString: 'json' }]) {
      assert.equal(isWebviewToHostMessage({ type: 'export', format }), false, JSON.stringify(format) ?? 'undefined');
    }
    assert.equal(isWebviewToHostMessage({ type: 'export' }), false, 'no format');
    assert.equal(isWebviewToHostMessage({ type: 'snapshot', format: 'json' }), false, 'a host message type');
    assert.equal(isWebviewToHostMessage(['export', 'json']), false);
  });
});
