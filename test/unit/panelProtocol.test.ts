// The panel's guards: a result that passes must be renderable without another check, and
// anything else (an older schema in persisted state, a malformed message) must be refused.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isBenchmarkResult,
  isHostToWebviewMessage,
  isPanelState,
  isWebviewToHostMessage,
  unrestorableStateReason,
} from '../../src/core/panelProtocol';
import { mergeConfig } from '../../src/core/config';
import type { BenchmarkResult } from '../../src/core/result';
import { ResultAssembler } from '../../src/core/resultAssembler';
import {
  amdDesktopSystem,
  h200System,
  intelLaptopSystem,
  makeResult,
  measureTelemetry,
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
    assert.equal(unrestorableStateReason({ result: variant((r) => { r.schemaVersion = 3; }) }), 'newer');
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
