import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { minSamplesToBound } from '../../src/core/quantileCI';
import type { BenchmarkResult } from '../../src/core/result';
import type { Verdict } from '../../src/core/verdict';
import { isVerdictAction } from '../../src/core/panelProtocol';
import { computeVerdicts } from '../../src/core/verdicts';
import {
  h200System,
  intelLaptopSystem,
  logNormalSamples,
  makeResult,
  measureTelemetry,
  tunedSystem,
  type ResultOverrides,
} from '../support/resultFixture';

function verdicts(overrides: ResultOverrides = {}): Verdict[] {
  return computeVerdicts(makeResult(overrides));
}

function only(vs: readonly Verdict[], code: string): Verdict {
  const found = vs.filter((v) => v.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(vs.map((v) => v.code))}`);
  return found[0]!;
}

function none(vs: readonly Verdict[], code: string): void {
  const found = vs.filter((v) => v.code === code);
  assert.equal(found.length, 0, `expected no ${code}, got ${JSON.stringify(found, null, 1)}`);
}

function hasEvidence(v: Verdict, ...fragments: string[]): void {
  for (const f of fragments) {
    assert.ok(
      v.evidence.some((line) => line.includes(f)),
      `${v.code}: no evidence line contains "${f}":\n  ${v.evidence.join('\n  ')}`,
    );
  }
}

function wellFormed(v: Verdict): void {
  assert.match(v.code, /^RUN\d{3}$/);
  assert.ok(['error', 'warning', 'info'].includes(v.severity));
  for (const field of [v.title, v.message, v.fix]) assert.ok(field.trim().length > 0, `${v.code}: empty text`);
  assert.ok(v.evidence.length > 0, `${v.code}: no evidence`);
  for (const line of v.evidence) assert.ok(!line.includes('\n'), `${v.code}: evidence is one fact per line`);
}

/** The quiet, tuned machine every check should pass on: anything firing here is a false alarm. */
function cleanRun(): ResultOverrides {
  return {
    samples: { runs: 5000, sigma: 0.003, seed: 7 },
    system: tunedSystem(),
    config: { cvTarget: 0.01, cpuAffinity: [2, 3], session: { intraOpNumThreads: 1 } },
    telemetry: measureTelemetry(5000, 250, () => ({ load1: 1.05, cpuMHz: 2800 })),
  };
}

/** A cuda run on the H200 host. */
function gpuRun(overrides: ResultOverrides = {}): ResultOverrides {
  return {
    ...overrides,
    system: overrides.system ?? h200System(),
    config: { ...overrides.config, session: { executionProviders: ['cuda', 'cpu'], ...overrides.config?.session } },
  };
}

describe('computeVerdicts', () => {
  test('a clean, tuned run gives no warnings or errors', () => {
    const vs = verdicts(cleanRun());
    assert.deepEqual(
      vs.filter((v) => v.severity !== 'info'),
      [],
    );
  });

  test('a clean cuda run on the H200 host (persistence on, clocks steady) gives no GPU verdicts', () => {
    const vs = verdicts(
      gpuRun({
        ...cleanRun(),
        system: h200System(),
        telemetry: measureTelemetry(5000, 250, () => ({ load1: 1.0, gpus: [{ index: 0, smClockMHz: 1980, temperatureC: 52, clockEventReasons: [] }] })),
      }),
    );
    for (const code of ['RUN004', 'RUN008', 'RUN009']) none(vs, code);
  });

  test('verdicts come errors first, then warnings, then info, each in code order', () => {
    const samples = logNormalSamples({ runs: 200 });
    const vs = verdicts(
      gpuRun({
        samplesMs: samples,
        coldStart: { firstMs: 400 },
        outliers: { method: 'test', lowFenceMs: 1, highFenceMs: 3, count: 1, indices: [7] },
        telemetry: measureTelemetry(200, 50, () => ({ gpus: [{ index: 0, smClockMHz: 1980, clockEventReasons: ['hw_slowdown'] }] })),
      }),
    );
    const rank = { error: 0, warning: 1, info: 2 } as const;
    for (let i = 1; i < vs.length; i++) {
      const a = vs[i - 1]!;
      const b = vs[i]!;
      assert.ok(rank[a.severity] < rank[b.severity] || (rank[a.severity] === rank[b.severity] && a.code <= b.code), `${a.code} ${a.severity} before ${b.code} ${b.severity}`);
    }
    assert.equal(vs[0]!.severity, 'error');
    assert.ok(vs.some((v) => v.severity === 'warning'));
    assert.equal(vs[vs.length - 1]!.severity, 'info');
    vs.forEach(wellFormed);
  });

  test('missing analyses skip their checks without throwing', () => {
    const vs = verdicts({ steadyState: null, instability: null, outliers: null, system: null });
    for (const code of ['RUN004', 'RUN005', 'RUN007', 'RUN008', 'RUN010', 'RUN011', 'RUN012']) none(vs, code);
    vs.forEach(wellFormed);
    const empty = verdicts({ samplesMs: [], summary: null, partial: true, partialReason: 'cancelled during warm-up' });
    empty.forEach(wellFormed);
  });

  describe('RUN001 cold start', () => {
    test('no warm-up and a detected transient: warning with the figures', () => {
      const samples = logNormalSamples({ runs: 1000 });
      for (let i = 0; i < 30; i++) samples[i] = samples[i]! * 4;
      const v = only(
        verdicts({
          samplesMs: samples,
          config: { warmup: 0 },
          steadyState: { index: 30, method: 'test', warmupRuns: 0 },
          coldStart: { firstMs: 400 },
        }),
        'RUN001',
      );
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'run 30', 'warm-up was 0', 'first 30 measured runs', 'first inference 400 ms = 199× the steady p50', 'median of the first 5 measured runs');
      assert.match(v.fix, /latency\.warmup to 50/);
      wellFormed(v);
    });

    test('first inference far above p50 and the first measured runs still slow: warning without a steady-state analysis', () => {
      const samples = logNormalSamples({ runs: 1000 });
      for (let i = 0; i < 5; i++) samples[i] = 10;
      const v = only(verdicts({ samplesMs: samples, config: { warmup: 0 }, steadyState: null, coldStart: { firstMs: 400 } }), 'RUN001');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'median of the first 5 measured runs 10.0 ms');
    });

    test('cold start large but covered by warm-up: info saying it was excluded', () => {
      const v = only(verdicts({ coldStart: { firstMs: 400 } }), 'RUN001');
      assert.equal(v.severity, 'info');
      assert.match(v.message, /200× the steady p50/);
      assert.match(v.message, /serverless/);
      hasEvidence(v, '400 ms', '200×');
    });

    test('silent when the cold start is modest and warm-up covered it', () => {
      none(verdicts(), 'RUN001');
    });
  });

  describe('RUN002 too few samples', () => {
    test('200 runs cannot bound p99 or p99.9: warning with the runs each needs', () => {
      const v = only(verdicts({ samples: { runs: 200 } }), 'RUN002');
      assert.equal(v.severity, 'warning');
      const p99 = minSamplesToBound(0.99, 0.95);
      const p999 = minSamplesToBound(0.999, 0.95);
      hasEvidence(v, `p99 = `, `needs at least ${p99}`, 'p99.9 = ', `needs at least ${p999}`, 'max = ');
      assert.ok(!v.evidence.some((l) => l.startsWith('p95')), 'p95 is bounded at n = 200');
      assert.match(v.message, /near the maximum/);
      assert.match(v.fix, new RegExp(`latency\\.iterations to at least ${p999}`));
    });

    test('adaptive runs are told to raise the cap', () => {
      const v = only(verdicts({ samples: { runs: 200 }, config: { stopping: { mode: 'adaptive' } } }), 'RUN002');
      assert.match(v.fix, /latency\.stopping\.maxIterations/);
    });

    test('silent when every shown percentile is bounded', () => {
      none(verdicts({ samples: { runs: 5000 } }), 'RUN002');
    });
  });

  describe('RUN003 CPU clocks', () => {
    test('VM without cpufreq: "cannot verify" warning, never ok', () => {
      const v = only(verdicts(), 'RUN003');
      assert.equal(v.severity, 'warning');
      assert.match(v.title, /cannot be verified/);
      assert.doesNotMatch(`${v.title} ${v.message}`, /\bok\b/i);
      hasEvidence(v, 'cpufreq is absent', '2445 MHz on 2 CPUs', 'CV 2.3%');
    });

    test('no pre-flight readings: "cannot verify" warning', () => {
      const v = only(verdicts({ system: null }), 'RUN003');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'no pre-flight snapshot');
    });

    test('Intel laptop: powersave governor and turbo on, with per-governor CPU lists', () => {
      const sys = intelLaptopSystem();
      sys.cpu.cores[6]!.governor = 'schedutil';
      sys.cpu.cores[7]!.governor = 'performance';
      const v = only(verdicts({ system: sys }), 'RUN003');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'governor powersave on CPUs 0-5', 'governor schedutil on CPU 6', 'turbo/boost on (intel_pstate/no_turbo)', '800–4100 MHz');
      assert.ok(!v.evidence.some((l) => l.includes('performance')), 'performance CPUs are not listed');
      assert.match(v.fix, /Tune System/);
    });

    test("only the profiler's CPUs count", () => {
      const sys = tunedSystem();
      sys.cpu.cores[0]!.governor = 'powersave';
      sys.cpu.cores[1]!.governor = 'powersave';
      sys.cpu.affinity = [2, 3];
      none(verdicts({ system: sys }), 'RUN003');
      sys.cpu.affinity = null;
      hasEvidence(only(verdicts({ system: sys }), 'RUN003'), 'governor powersave on CPUs 0-1');
    });

    test('boost state unreadable with cpufreq present: info', () => {
      const sys = tunedSystem();
      sys.cpu.boost = 'unknown';
      sys.cpu.boostSource = null;
      const v = only(verdicts({ system: sys }), 'RUN003');
      assert.equal(v.severity, 'info');
      hasEvidence(v, 'no_turbo');
    });

    test('silent with the performance governor and boost off', () => {
      none(verdicts({ system: tunedSystem() }), 'RUN003');
    });
  });

  describe('RUN004 GPU clocks', () => {
    function unlockedH200() {
      const sys = h200System();
      const g = sys.gpu.gpus[0]!;
      g.persistenceMode = 'off';
      g.appSmClockMHz = 1410;
      g.powerLimitW = 500;
      return sys;
    }
    const moving = measureTelemetry(1000, 100, (run) => ({ gpus: [{ index: 0, smClockMHz: run < 500 ? 1980 : 1650 }] }));

    test('cuda run: persistence off, SM clock moved, application clock and power limit lowered', () => {
      const v = only(verdicts(gpuRun({ system: unlockedH200(), telemetry: moving })), 'RUN004');
      assert.equal(v.severity, 'warning');
      hasEvidence(
        v,
        'GPU 0: persistence mode off',
        'SM clock ranged 1650–1980 MHz',
        'application clock 1410 MHz below the maximum 1980 MHz',
        'power limit 500 W below the default 700 W',
      );
      assert.match(v.fix, /-lgc 1980,1980/);
    });

    test('a CPU-only run on a GPU host does not care about the GPU', () => {
      none(verdicts({ system: unlockedH200(), telemetry: moving }), 'RUN004');
    });

    test('silent on the H200 as read (persistence on, application clock and power at default)', () => {
      none(verdicts(gpuRun()), 'RUN004');
    });

    test('a GPU run where nvidia-smi failed: warning that the clocks are unknown', () => {
      const sys = h200System();
      sys.gpu = { status: 'error', message: 'NVIDIA-SMI has failed', gpus: [], processes: [] };
      const v = only(verdicts(gpuRun({ system: sys })), 'RUN004');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'nvidia-smi failed: NVIDIA-SMI has failed');
    });
  });

  describe('RUN005 background load', () => {
    test('load before the run, a busy process and memory pressure', () => {
      const sys = intelLaptopSystem();
      sys.cpu.loadAverage = [6.4, 5.0, 4.0];
      sys.cpu.busiest = [
        { pid: 4242, name: 'python3', cpuPercent: 85.2 },
        { pid: 2211, name: 'code', cpuPercent: 3.2 },
      ];
      sys.memory.pressureSomeAvg10 = 23.5;
      sys.memory.swapUsedBytes = 1024 ** 3;
      const v = only(verdicts({ system: sys }), 'RUN005');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'load average 6.40', '0.80 per CPU', 'pid 4242 python3 at 85%', 'stalled on memory 23.5%', 'swap in use: 1.00 GiB');
      assert.ok(!v.evidence.some((l) => l.includes('pid 2211')), 'idle processes are not blamed');
    });

    test('load rising during measurement beyond the profiler’s own threads', () => {
      const v = only(
        verdicts({
          config: { session: { intraOpNumThreads: 1 } },
          telemetry: measureTelemetry(1000, 100, (run) => ({ load1: run < 500 ? 1.1 : 3.9 })),
        }),
        'RUN005',
      );
      hasEvidence(v, 'rose to 3.90');
    });

    test('process names cannot break lines', () => {
      const sys = intelLaptopSystem();
      sys.cpu.busiest = [{ pid: 1, name: 'evil\nRUN000 ok\u202e', cpuPercent: 50 }];
      const v = only(verdicts({ system: sys }), 'RUN005');
      wellFormed(v);
      hasEvidence(v, 'evil?RUN000 ok?');
    });

    test('silent on a quiet machine (swap alone is not load)', () => {
      const sys = intelLaptopSystem();
      sys.memory.swapUsedBytes = 1024 ** 2;
      none(verdicts({ system: sys }), 'RUN005');
    });
  });

  describe('RUN006 CV above target', () => {
    test('far above the target: warning explaining what the machine can reach', () => {
      const v = only(verdicts(), 'RUN006');
      assert.equal(v.severity, 'warning');
      assert.match(v.message, /CV is 4\.9% against a target of 0\.1%/);
      assert.match(v.message, /a fixed 1\.00 ms CPU task varies by 2\.3% here, so 0\.1% is out of reach on this machine without tuning/i);
      assert.match(v.message, /bulk of runs itself varies by 5\.0%/);
      hasEvidence(v, 'CV 4.9%', 'target 0.1%', 'robust CV 5.0%', 'noise floor', 'CV 2.3%', 'intraOpNumThreads 0', 'not pinned');
      assert.match(v.fix, /latency\.session\.intraOpNumThreads to 1/);
      assert.match(v.fix, /latency\.cpuAffinity/);
      assert.match(v.fix, /--cpus/);
    });

    test('a tail-driven CV says the bulk is steady', () => {
      const samples = logNormalSamples({ runs: 1000, sigma: 0.005 });
      for (let i = 10; i < 1000; i += 50) samples[i] = 8;
      const v = only(verdicts({ samplesMs: samples, config: { cvTarget: 0.01 } }), 'RUN006');
      assert.match(v.message, /a tail of slow runs makes the CV/);
    });

    test('within ten times the target: info', () => {
      const v = only(verdicts({ samples: { sigma: 0.02 }, config: { cvTarget: 0.005 } }), 'RUN006');
      assert.equal(v.severity, 'info');
    });

    test('Tune System is offered where clocks can be set', () => {
      assert.match(only(verdicts({ system: intelLaptopSystem() }), 'RUN006').fix, /Tune System/);
      assert.doesNotMatch(only(verdicts(), 'RUN006').fix, /Tune System/, 'nothing to tune for the CPU on a VM');
    });

    test('silent under the target', () => {
      none(verdicts({ config: { cvTarget: 0.1 } }), 'RUN006');
    });
  });

  describe('RUN007 warm-up too short', () => {
    test('steady state after the warm-up ended: warning with the index and a round suggestion', () => {
      const v = only(verdicts({ steadyState: { index: 212, method: 'test' } }), 'RUN007');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'run 212', 'warm-up was 50 runs', 'first 162 measured runs');
      assert.match(v.fix, /latency\.warmup to 400 \(CLI --warmup 400\)/);
      none(verdicts({ steadyState: { index: 212, method: 'test' } }), 'RUN001');
    });

    test('silent when the warm-up covered the transient', () => {
      none(verdicts({ steadyState: { index: 40, method: 'test' } }), 'RUN007');
    });
  });

  describe('RUN008 drift', () => {
    const drift = { firstThirdP50Ms: 2.0, lastThirdP50Ms: 2.24, change: 0.12, pValue: 0.0004, significant: true };

    test('blames the SM clock that fell while p50 rose', () => {
      const v = only(
        verdicts(
          gpuRun({
            instability: { drift },
            telemetry: measureTelemetry(1000, 50, (run) => ({ load1: 1, gpus: [{ index: 0, smClockMHz: run < 500 ? 1980 : 1650, temperatureC: 60 }] })),
          }),
        ),
        'RUN008',
      );
      assert.equal(v.severity, 'warning');
      assert.match(v.message, /GPU 0 SM clock fell from 1980 to 1650 MHz while p50 rose 12\.0%/);
      hasEvidence(v, 'first third 2.00 ms', 'last third 2.24 ms', '+12.0%', 'p < 0.001', 'SM clock fell from 1980 to 1650 MHz');
      assert.match(v.fix, /Tune System/);
    });

    test('blames temperature and CPU clock too', () => {
      const v = only(
        verdicts({
          instability: { drift },
          telemetry: measureTelemetry(1000, 50, (run) => ({ cpuMHz: run < 500 ? 3000 : 2600, gpus: [{ index: 0, temperatureC: run < 500 ? 45 : 71 }] })),
        }),
        'RUN008',
      );
      hasEvidence(v, 'CPU clock fell from 3000 to 2600 MHz', 'GPU 0 temperature rose from 45 to 71 °C');
    });

    test('says when nothing it can see moved', () => {
      const v = only(verdicts({ instability: { drift }, telemetry: measureTelemetry(1000, 50, () => ({ load1: 1, cpuMHz: 2800 })) }), 'RUN008');
      assert.match(v.message, /Nothing we record moved/);
    });

    test('says when there is no telemetry to blame', () => {
      const v = only(verdicts({ instability: { drift } }), 'RUN008');
      assert.match(v.message, /No telemetry/);
    });

    test('silent without significant drift', () => {
      none(verdicts({ instability: { drift: { ...drift, significant: false } } }), 'RUN008');
    });
  });

  describe('RUN009 throttling', () => {
    test('GPU thermal slowdown during measurement: error', () => {
      const v = only(
        verdicts(
          gpuRun({
            telemetry: measureTelemetry(1000, 100, (run) => ({
              gpus: [{ index: 0, smClockMHz: 1700, temperatureC: run >= 300 ? 88 : 70, clockEventReasons: run >= 300 ? ['sw_thermal_slowdown'] : [] }],
            })),
          }),
        ),
        'RUN009',
      );
      assert.equal(v.severity, 'error');
      hasEvidence(v, 'GPU 0: sw_thermal_slowdown in 8 of 11 readings', 'from run 300', 'peak 88 °C');
    });

    test('CPU clock falling below the pre-flight maximum on a tuned machine: warning', () => {
      const v = only(verdicts({ system: tunedSystem(), telemetry: measureTelemetry(1000, 100, (run) => ({ cpuMHz: run < 400 ? 2800 : 2400 })) }), 'RUN009');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'fell to 2400 MHz', 'pre-flight maximum 2800 MHz');
    });

    test('silent when throttling was only in warm-up, on a CPU-only run, or idle', () => {
      const warm = measureTelemetry(50, 10, () => ({ gpus: [{ index: 0, clockEventReasons: ['hw_slowdown'] }] })).map((t) => ({ ...t, phase: 'warmup' as const }));
      none(verdicts(gpuRun({ telemetry: warm })), 'RUN009');
      const throttled = measureTelemetry(1000, 100, () => ({ gpus: [{ index: 0, clockEventReasons: ['sw_power_cap'] }] }));
      none(verdicts({ system: h200System(), telemetry: throttled }), 'RUN009');
      none(verdicts(gpuRun({ telemetry: measureTelemetry(1000, 100, () => ({ gpus: [{ index: 0, clockEventReasons: ['idle'] }] })) })), 'RUN009');
      none(verdicts({ system: tunedSystem(), telemetry: measureTelemetry(1000, 100, () => ({ cpuMHz: 2790 })) }), 'RUN009');
    });
  });

  describe('RUN010 bimodal', () => {
    function mixture(share: number): number[] {
      const a = logNormalSamples({ runs: 1000, medianMs: 2, sigma: 0.02, seed: 3 });
      const b = logNormalSamples({ runs: 1000, medianMs: 3, sigma: 0.02, seed: 4 });
      return a.map((x, i) => (i % 100 < share * 100 ? b[i]! : x));
    }

    test('two sizeable populations: warning with the modes and shares', () => {
      const v = only(verdicts({ samplesMs: mixture(0.4), instability: { bimodality: { bimodal: true, modesMs: [2, 3] } } }), 'RUN010');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'modes at 2.00 ms and 3.00 ms', '60.0% of runs near 2.00 ms', '40.0% of runs near 3.00 ms', 'p50');
      assert.match(v.fix, /code paths/);
      assert.match(v.fix, /latency\.cpuAffinity/);
    });

    test('a small second population: info', () => {
      const v = only(verdicts({ samplesMs: mixture(0.05), instability: { bimodality: { bimodal: true, modesMs: [2, 3] } } }), 'RUN010');
      assert.equal(v.severity, 'info');
    });

    test('silent on one mode', () => {
      none(verdicts(), 'RUN010');
    });
  });

  describe('RUN011 autocorrelation', () => {
    test('a strong trend: warning with the effective sample size', () => {
      const v = only(verdicts({ instability: { autocorrelation: { lag1: 0.45, threshold: 0.062, pattern: 'trend' } } }), 'RUN011');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, 'lag-1 autocorrelation 0.45', '±0.06', 'about 379 independent runs of the 1000');
      assert.match(v.message, /narrower than the truth/);
    });

    test('a mild alternation: info', () => {
      const v = only(verdicts({ instability: { autocorrelation: { lag1: -0.12, threshold: 0.062, pattern: 'alternating' } } }), 'RUN011');
      assert.equal(v.severity, 'info');
      assert.match(v.title, /alternate/);
      hasEvidence(v, '-0.12');
    });

    test('silent without a pattern', () => {
      none(verdicts(), 'RUN011');
    });
  });

  describe('RUN012 outliers', () => {
    test('more than 1% of runs: warning with count, share and fences', () => {
      const samples = logNormalSamples({ runs: 1000 });
      const indices = Array.from({ length: 25 }, (_, k) => 20 + k * 40);
      for (const i of indices) samples[i] = 9;
      const v = only(verdicts({ samplesMs: samples }), 'RUN012');
      assert.equal(v.severity, 'warning');
      hasEvidence(v, '25 of 1000 runs (2.5%)', 'fences', '25 above, 0 below', 'at measured runs 20, 60, 100');
      assert.match(v.message, /labelled, not dropped/);
    });

    test('a few: info', () => {
      const samples = logNormalSamples({ runs: 1000 });
      samples[500] = 9;
      const v = only(verdicts({ samplesMs: samples }), 'RUN012');
      assert.equal(v.severity, 'info');
      hasEvidence(v, '1 of 1000 runs (0.1%)', 'slowest 9.00 ms');
    });

    test('silent without outliers', () => {
      none(verdicts(), 'RUN012');
    });
  });

  describe('RUN013 partial run', () => {
    test('a cancelled run: warning with the reason', () => {
      const v = only(
        verdicts({
          samples: { runs: 412 },
          config: { iterations: 1000 },
          partial: true,
          partialReason: 'cancelled by the user',
          stopping: { reason: 'cancelled' },
        }),
        'RUN013',
      );
      assert.equal(v.severity, 'warning');
      hasEvidence(v, '412 of 1000 measured runs completed', 'cancelled by the user', 'stopped: cancelled');
    });

    test('no measured run: error', () => {
      const v = only(verdicts({ samplesMs: [], summary: null, partial: true, partialReason: 'profiler exited' }), 'RUN013');
      assert.equal(v.severity, 'error');
    });

    test('adaptive stop at the time cap: info with the precision reached', () => {
      const vs = verdicts({
        config: { stopping: { mode: 'adaptive', relativeHalfWidth: 0.01, targetPercentile: 'p99', maxSeconds: 60 } },
        stopping: { mode: 'adaptive', reason: 'maxSeconds', achieved: { p50: 0.004, target: 0.031 } },
      });
      const v = only(vs, 'RUN013');
      assert.equal(v.severity, 'info');
      hasEvidence(v, 'target ±1.0% on p50 and p99', 'reached ±0.4% on p50, ±3.1% on p99');
      assert.match(v.fix, /latency\.stopping\.maxSeconds/);
    });

    test('silent on a complete run and on an adaptive run that reached its target', () => {
      none(verdicts(), 'RUN013');
      none(verdicts({ config: { stopping: { mode: 'adaptive' } }, stopping: { mode: 'adaptive', reason: 'precision' } }), 'RUN013');
    });
  });

  test('every verdict on a messy run is well-formed', () => {
    const sys = intelLaptopSystem();
    sys.cpu.loadAverage = [9, 9, 9];
    const r: BenchmarkResult = makeResult({ system: sys, samples: { runs: 150, sigma: 0.4 }, config: { warmup: 0 }, coldStart: { firstMs: 500 } });
    const vs = computeVerdicts(r);
    assert.ok(vs.length >= 4);
    vs.forEach(wellFormed);
  });
});

// Readings captured on a real H200 host by the device check (.device/check.sh in the issue 5
// notes): a CPU-only run while a torch matmul loop held the GPU at its power cap.
describe('on readings from a real H200 under load', () => {
  const captured = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'system', 'h200-run-under-load.json'), 'utf8')) as Pick<BenchmarkResult, 'system' | 'telemetry'>;

  test('a GPU run measured at the power cap is an error (RUN009), with the reason and the clock', () => {
    const v = verdicts({ system: captured.system, telemetry: captured.telemetry, config: { session: { executionProviders: ['cuda', 'cpu'] } } });
    const run009 = v.find((x) => x.code === 'RUN009');
    assert.ok(run009, v.map((x) => x.code).join(', '));
    assert.equal(run009.severity, 'error');
    assert.match(run009.evidence.join('\n'), /sw_power_cap/);
    assert.match(run009.evidence.join('\n'), /1470 MHz/);
  });

  test('the CPU run beside it gets no GPU verdict, but the busy python3 is named as background load (RUN005)', () => {
    const v = verdicts({ system: captured.system, telemetry: captured.telemetry });
    assert.ok(!v.some((x) => x.code === 'RUN009' || x.code === 'RUN004'), v.map((x) => x.code).join(', '));
    const run005 = v.find((x) => x.code === 'RUN005');
    assert.ok(run005);
    assert.match(run005.evidence.join('\n'), /python3 at 99% of a CPU/);
  });
});

describe('fix buttons (actions)', () => {
  const kinds = (v: Verdict) => (v.actions ?? []).map((a) => (a.kind === 'tuneSystem' ? 'tune' : a.setting));

  test('on a VM nothing can be tuned: the buttons open the settings the fix names', () => {
    const vs = verdicts();
    assert.deepEqual(kinds(only(vs, 'RUN003')), ['latency.cpuAffinity']);
    assert.deepEqual(kinds(only(vs, 'RUN006')), ['latency.session.intraOpNumThreads', 'latency.cpuAffinity', 'latency.cvTarget']);
  });

  test('with cpufreq, Tune System is offered where the fix names it', () => {
    const vs = verdicts({ system: intelLaptopSystem(), config: { cpuAffinity: [2, 3], session: { intraOpNumThreads: 1 } } });
    assert.deepEqual(kinds(only(vs, 'RUN003')), ['tune']);
    assert.deepEqual(kinds(only(vs, 'RUN006')), ['tune', 'latency.cvTarget']);
  });

  test('too few samples opens latency.iterations; every action is one the panel protocol accepts', () => {
    const vs = verdicts({ samples: { runs: 100 } });
    assert.deepEqual(kinds(only(vs, 'RUN002')), ['latency.iterations']);
    for (const v of vs) for (const a of v.actions ?? []) assert.ok(isVerdictAction(a), JSON.stringify(a));
  });
});
