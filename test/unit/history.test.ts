// The saved-run format: what makes two runs comparable, how runs are named, and that every file
// a history folder may hold reads back as a run or as a reason in plain words, never a throw.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  HISTORY_VERSION,
  RUN_KIND,
  describeRun,
  environmentFingerprint,
  fingerprintDiff,
  fnv1a64,
  isRunId,
  locateInvalid,
  parseSavedRun,
  runId,
  sortRuns,
  toSavedRun,
  type SavedRun,
} from '../../src/core/history';
import type { BenchmarkResult } from '../../src/core/result';
import { ROOT } from '../support/dist';
import { h200System, intelLaptopSystem, makeResult, tunedSystem, type ResultOverrides } from '../support/resultFixture';

const SAVED_AT = '2026-11-26T10:23:00.000Z';

function saved(overrides: ResultOverrides = {}, opts: Parameters<typeof toSavedRun>[1] = {}): SavedRun {
  return toSavedRun(makeResult(overrides), { savedAt: SAVED_AT, ...opts });
}

/** The file text of `run` after `mutate` changed its parsed JSON, as a hand edit or another build would. */
function edited(run: SavedRun, mutate: (j: Record<string, any>) => void): string {
  const j = JSON.parse(JSON.stringify(run)) as Record<string, any>;
  mutate(j);
  return JSON.stringify(j, null, 2);
}

function reasonOf(text: string, file = 'run.json'): string {
  const parsed = parseSavedRun(text, file);
  assert.equal(parsed.ok, false, 'expected a refusal');
  return (parsed as { reason: string }).reason;
}

describe('environmentFingerprint', () => {
  const fp = (o: ResultOverrides) => environmentFingerprint(makeResult(o));

  test('equal for runs on one unchanged setup, whatever their samples, model, time or host name', () => {
    const a = fp({ system: h200System() });
    const b = fp({
      system: h200System(),
      samples: { seed: 7, medianMs: 40 },
      target: { name: 'resnet50.onnx', path: '/elsewhere/resnet50.onnx' },
      startedAt: '2027-01-02T03:04:05.000Z',
      // CI pools and containers rename identical machines every run.
      environment: { hostname: 'runner-7f3a9c', node: '20.11.1' },
    });
    assert.equal(a.key, b.key);
    assert.deepEqual(fingerprintDiff(a, b), []);
    assert.match(a.key, /^[0-9a-f]{16}$/);
  });

  test('survives a JSON round trip (how it is compared after loading)', () => {
    const r = makeResult({ system: intelLaptopSystem() });
    assert.equal(environmentFingerprint(JSON.parse(JSON.stringify(r)) as BenchmarkResult).key, environmentFingerprint(r).key);
  });

  const base = (): ResultOverrides => ({ system: h200System() });
  const h200 = (mutate: (s: ReturnType<typeof h200System>) => void) => {
    const s = h200System();
    mutate(s);
    return s;
  };
  const cases: Array<[string, ResultOverrides, string[]]> = [
    ['intra-op threads', { config: { session: { intraOpNumThreads: 4 } } }, ['session.intraOpNumThreads']],
    ['onnxruntime version', { environment: { onnxruntime: '1.29.0' } }, ['onnxruntime']],
    ['CPU model', { environment: { cpu: 'AMD EPYC 9654 96-Core Processor' } }, ['cpu']],
    ['core count', { environment: { cpuCores: 16 } }, ['cpuCores']],
    ['node major', { environment: { node: 'v22.3.0' } }, ['node']],
    ['execution providers and their order', { config: { session: { executionProviders: ['cuda', 'cpu'] } } }, ['session.executionProviders']],
    ['pinning', { config: { cpuAffinity: [2, 3, 4, 7] } }, ['cpuAffinity']],
    ['an input shape', { config: { inputs: [{ ...makeResult().config.inputs[0]!, shape: [1, 256] }] } }, ['inputs']],
    ['the GPU application clock', { system: h200((s) => (s.gpu.gpus[0]!.appSmClockMHz = 1410)) }, ['gpu0.appSmClockMHz']],
    ['the GPU driver', { system: h200((s) => (s.gpu.gpus[0]!.driver = '550.54.15')) }, ['gpu0.driver']],
  ];
  for (const [what, overrides, parts] of cases) {
    test(`differs when ${what} differs, and says so`, () => {
      const a = fp(base());
      const b = fp({ ...base(), ...overrides });
      assert.notEqual(a.key, b.key);
      assert.deepEqual(fingerprintDiff(a, b).map((d) => d.part), parts);
    });
  }

  test('names the CPU governor and boost, and a GPU that only one side has', () => {
    const diff = fingerprintDiff(fp({ system: intelLaptopSystem() }), fp({ system: tunedSystem() }));
    assert.deepEqual(diff, [
      { part: 'cpu.boost', a: 'on', b: 'off' },
      { part: 'cpu.governors', a: 'powersave', b: 'performance' },
    ]);
    const gpu = fingerprintDiff(fp({ system: intelLaptopSystem() }), fp({ system: h200System() }));
    assert.ok(gpu.some((d) => d.part === 'gpu0.name' && d.a === undefined && d.b === 'NVIDIA H200'), JSON.stringify(gpu));
  });

  test('pinning reads as taskset does', () => {
    assert.equal(fp({ config: { cpuAffinity: [7, 0, 1, 2, 3, 5] } }).parts.cpuAffinity, '0-3,5,7');
    assert.equal(fp({ config: { cpuAffinity: null } }).parts.cpuAffinity, 'none');
  });
});

describe('fnv1a64', () => {
  test('matches the published FNV-1a 64 test vectors', () => {
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('foobar'), '85944171f73967e8');
  });

  test('hashes the UTF-8 bytes, astral characters included', () => {
    const reference = (s: string) => {
      let h = 0xcbf29ce484222325n;
      for (const b of Buffer.from(s, 'utf8')) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
      return h.toString(16).padStart(16, '0');
    };
    for (const s of ['é', 'µs → ms', '日本語', '𝜇 🚀', 'Intel(R) Core(TM) i7']) assert.equal(fnv1a64(s), reference(s), s);
  });
});

describe('runId', () => {
  test('start time in UTC, then the model name without .onnx', () => {
    assert.equal(runId(makeResult(), []), '20261126-102236-tiny-transformer');
    assert.equal(runId(makeResult({ startedAt: '2026-12-31T23:30:00-02:00' }), []), '20270101-013000-tiny-transformer');
  });

  test('sorts in start order, across day, month and year boundaries', () => {
    const starts = ['2026-09-30T23:59:59.000Z', '2026-10-01T00:00:00.000Z', '2026-11-26T09:05:03.000Z', '2026-11-26T10:22:36.000Z', '2027-01-01T00:00:00.000Z'];
    const ids = starts.map((startedAt) => runId(makeResult({ startedAt }), []));
    assert.deepEqual([...ids].sort(), ids);
  });

  test('keeps letters, digits, dot, dash and underscore of the name, at most 40 characters', () => {
    const id = (name: string) => runId(makeResult({ target: { name } }), []);
    assert.equal(id('My Model (v2) ünï.onnx'), '20261126-102236-My-Model-v2-n');
    assert.equal(id('bert_base.int8.ONNX'), '20261126-102236-bert_base.int8');
    assert.equal(id('../../etc/passwd'), '20261126-102236-etc-passwd');
    assert.equal(id('.onnx'), '20261126-102236-model');
    assert.equal(id('…'), '20261126-102236-model');
    const long = id(`${'a'.repeat(39)}.b.c.d.onnx`);
    assert.equal(long, `20261126-102236-${'a'.repeat(39)}`, 'cut at 40, then a trailing dot trimmed');
    for (const name of ['My Model (v2) ünï.onnx', '../../etc/passwd', 'x'.repeat(500), 'con.onnx', 'a\\b:c*?"<>|.onnx']) assert.ok(isRunId(id(name)), id(name));
  });

  test('a taken id gets -2, -3…, compared without case', () => {
    const r = makeResult();
    const base = '20261126-102236-tiny-transformer';
    assert.equal(runId(r, [base]), `${base}-2`);
    assert.equal(runId(r, new Set([base, `${base}-2`])), `${base}-3`);
    assert.equal(runId(r, [base.toUpperCase()]), `${base}-2`);
    assert.equal(runId(r, ['20261126-102236-other']), base);
  });

  test('isRunId refuses anything that could leave the folder or hide', () => {
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '.hidden', '-rf', 'x.', 'a b', 'x'.repeat(101), 'é']) assert.equal(isRunId(bad), false, bad);
    for (const good of ['20261126-102236-lenet5', '20261126-102236-lenet5-2', 'my_run.v2']) assert.equal(isRunId(good), true, good);
  });
});

describe('toSavedRun', () => {
  test('wraps the result with its kind, versions, fingerprint and options', () => {
    const result = makeResult();
    const run = toSavedRun(result, { savedAt: SAVED_AT, label: '  before\n\tthe fix ', baseline: true });
    assert.equal(run.kind, RUN_KIND);
    assert.equal(run.historyVersion, HISTORY_VERSION);
    assert.equal(run.id, '20261126-102236-tiny-transformer');
    assert.equal(run.label, 'before the fix');
    assert.equal(run.baseline, true);
    assert.deepEqual(run.fingerprint, environmentFingerprint(result));
    assert.equal(run.result, result);
    // The head of the file identifies it.
    assert.deepEqual(Object.keys(run), ['kind', 'historyVersion', 'id', 'savedAt', 'label', 'baseline', 'fingerprint', 'result']);
  });

  test('leaves out a blank label and a false baseline', () => {
    const run = saved({}, { label: '   ', baseline: false });
    assert.deepEqual(Object.keys(run), ['kind', 'historyVersion', 'id', 'savedAt', 'fingerprint', 'result']);
  });

  test('takes a free id from existingIds', () => {
    assert.equal(saved({}, { existingIds: ['20261126-102236-tiny-transformer'] }).id, '20261126-102236-tiny-transformer-2');
  });

  test('refuses a result that could not be read back, naming the field', () => {
    const broken = makeResult();
    (broken as any).summary.p99Ms = Number.NaN.toString();
    assert.throws(() => toSavedRun(broken), /result\.summary\.p99Ms should be a number/);
    assert.throws(() => toSavedRun(makeResult(), { id: '../escape' }), /not a valid run id/);
  });
});

describe('parseSavedRun', () => {
  const run = saved({ system: h200System() }, { label: 'after upgrade', baseline: true });
  const text = JSON.stringify(run, null, 2);
  const file = `${run.id}.json`;

  test('reads back what toSavedRun wrote', () => {
    const parsed = parseSavedRun(text, file);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepEqual(parsed.run, JSON.parse(text));
  });

  test('takes the id from the file name, so a copy under another name is a run of its own', () => {
    const parsed = parseSavedRun(text, `/ws/.latency/runs/${run.id}-before-upgrade.json`);
    assert.ok(parsed.ok);
    assert.equal(parsed.run.id, `${run.id}-before-upgrade`);
    assert.match(reasonOf(text, 'copy of run.json'), /file name is not a run id/);
  });

  test('recomputes the fingerprint rather than trusting the file', () => {
    const parsed = parseSavedRun(edited(run, (j) => (j.fingerprint = { key: 'stale', parts: {} })), file);
    assert.ok(parsed.ok);
    assert.equal(parsed.run.fingerprint.key, run.fingerprint.key);
  });

  test('accepts a byte-order mark a Windows editor added', () => {
    assert.ok(parseSavedRun(`\uFEFF${text}`, file).ok);
  });

  test('truncated JSON: says where it ends and what probably happened', () => {
    // Cut inside the samples, V8 complains of a missing ',' rather than of the end: either way it is the end.
    const half = text.slice(0, Math.floor(text.length / 2));
    const lines = half.split('\n');
    const reason = reasonOf(half);
    assert.ok(reason.startsWith('not JSON: '), reason);
    assert.ok(reason.endsWith(` at line ${lines.length}, column ${lines.at(-1)!.length + 1} (the file ends early: cut off while it was being written?)`), reason);
    assert.match(reasonOf('{\n  "kind": "latency.run",\n  "id":'), /^not JSON: Unexpected end of JSON input at line 3, column 8 \(the file ends early/);
  });

  test('other JSON errors name the token and its line and column', () => {
    assert.equal(reasonOf('{\n  "kind": "latency.run",\n  "id": }'), "not JSON: Unexpected token '}' at line 3, column 9");
    assert.equal(reasonOf('{"a": 1}\n}'), 'not JSON: Unexpected non-whitespace character after JSON at line 2, column 1');
    // V8 quotes the text around the error; with a run's samples that is a wall of digits.
    assert.ok(reasonOf(`${text.slice(0, -2)},,}`).length < 100);
  });

  test('empty file', () => {
    assert.equal(reasonOf(''), 'empty file');
    assert.equal(reasonOf(' \n'), 'empty file');
  });

  test('a foreign JSON file is not a Latency run', () => {
    assert.equal(reasonOf(readFileSync(join(ROOT, 'package.json'), 'utf8'), 'package.json'), 'not a Latency run file');
    assert.equal(reasonOf('[1, 2, 3]'), 'not a Latency run file');
    assert.equal(reasonOf('"latency.run"'), 'not a Latency run file');
    assert.equal(reasonOf('{"kind": "latency.settings"}'), 'not a Latency run file (its kind is "latency.settings")');
  });

  test('a bare `bench --json` result is told apart from other strays', () => {
    assert.match(reasonOf(JSON.stringify(makeResult())), /^not a Latency run file: a bare benchmark result/);
  });

  test('a newer run format or result schema: saved by a newer Latency', () => {
    assert.match(reasonOf(edited(run, (j) => (j.historyVersion = HISTORY_VERSION + 1))), /^saved by a newer Latency \(run format 2; this build reads format 1\)/);
    assert.match(reasonOf(edited(run, (j) => (j.result.schemaVersion = 4))), /^saved by a newer Latency \(result schema 4; this build reads schema 3\)/);
  });

  test('a historyVersion that is not a format number is invalid', () => {
    for (const v of [0, '1', 1.5, null]) {
      assert.match(reasonOf(edited(run, (j) => (j.historyVersion = v))), /^invalid run: historyVersion is .*, not a format number$/, String(v));
    }
    assert.match(reasonOf(edited(run, (j) => delete j.historyVersion)), /historyVersion is nothing/);
  });

  test('a v1 result inside: saved by an older Latency', () => {
    const v1 = edited(run, (j) => {
      j.result.schemaVersion = 1;
      delete j.result.system;
      delete j.result.steadyState;
    });
    assert.equal(reasonOf(v1), 'saved by an older Latency; results before schema 2 cannot be shown (this one has schema 1)');
  });

  test('a broken field is named by its path', () => {
    const cases: Array<[(j: Record<string, any>) => void, string]> = [
      [(j) => (j.result.summary.p50Ms = 'fast'), 'result.summary.p50Ms should be a number, found "fast"'],
      [(j) => delete j.result.config.session.executionMode, 'result.config.session.executionMode is missing'],
      [(j) => (j.result.stopping.reason = 'bored'), 'result.stopping.reason has an unexpected value "bored"'],
      [(j) => (j.result.samplesMs[7] = null), 'result.samplesMs[7] should be a number, found null'],
      [(j) => (j.result.summary.ci.p50 = [1, 2, 3]), 'result.summary.ci.p50 has an unexpected value [1,2,3]'],
      [(j) => (j.result.outliers = { method: 'x', lowFenceMs: 0, highFenceMs: 1, count: 1, indices: [5000] }), 'result.outliers.indices[0] has an unexpected value 5000'],
      [(j) => (j.result.system.gpu.gpus[0].persistenceMode = 'Enabled'), 'result.system.gpu.gpus[0].persistenceMode has an unexpected value "Enabled"'],
      [(j) => (j.result.config.inputs = 'input_ids'), 'result.config.inputs should be a list, found "input_ids"'],
      [(j) => (j.result.partialReason = 42), 'result.partialReason should be a string, found 42'],
      [(j) => (j.label = 7), 'label should be a string, found 7'],
      [(j) => (j.baseline = 'yes'), 'baseline should be true or false, found "yes"'],
      [(j) => delete j.savedAt, 'savedAt should be a string, found nothing'],
      [(j) => delete j.result, 'result is missing'],
    ];
    for (const [mutate, reason] of cases) assert.equal(reasonOf(edited(run, mutate)), `invalid run: ${reason}`);
  });

  test('a broken verdict or telemetry item is named by its index', () => {
    const withLists = saved({
      verdicts: [
        { code: 'RUN003', severity: 'warning', title: 't', message: 'm', evidence: [], fix: '' },
        { code: 'RUN004', severity: 'warning', title: 't', message: 'm', evidence: [], fix: '' },
      ],
    });
    assert.equal(reasonOf(edited(withLists, (j) => (j.result.verdicts[1].severity = 'fatal'))), 'invalid run: result.verdicts[1].severity has an unexpected value "fatal"');
    assert.equal(
      reasonOf(edited(withLists, (j) => (j.result.verdicts[0].actions = [{ kind: 'openSetting', label: 'x', setting: 'editor.fontSize' }]))),
      'invalid run: result.verdicts[0].actions[0].setting has an unexpected value "editor.fontSize"',
    );
  });

  test('a tagged union is judged by the form its kind selects', () => {
    const fill = (f: unknown) => reasonOf(edited(run, (j) => (j.result.config.inputs[0].fill = f)));
    assert.equal(fill({ kind: 'random', low: 0, high: 10, seed: 'x' }), 'invalid run: result.config.inputs[0].fill.seed should be a number, found "x"');
    assert.equal(fill({ kind: 'constant' }), 'invalid run: result.config.inputs[0].fill.value is missing');
    assert.equal(fill({ kind: 'sine', value: 1 }), 'invalid run: result.config.inputs[0].fill.kind has an unexpected value "sine"');
  });

  test('locateInvalid on something that is not an object at all', () => {
    assert.equal(locateInvalid([]), 'result should be an object, found []');
  });
});

describe('sortRuns and describeRun', () => {
  const at = (startedAt: string, name = 'lenet5.onnx') => saved({ startedAt, target: { name } });

  test('newest first; ties by id so the order is total', () => {
    const runs = [at('2026-11-25T08:00:00.000Z'), at('2026-11-26T08:00:00.000Z', 'a.onnx'), at('2026-11-26T08:00:00.000Z', 'b.onnx'), at('not a date')];
    assert.deepEqual(sortRuns(runs).map((r) => r.id), [
      '20261126-080000-b',
      '20261126-080000-a',
      '20261125-080000-lenet5',
      '00000000-000000-lenet5',
    ]);
    assert.equal(runs[0]!.id, '20261125-080000-lenet5', 'the input is left alone');
  });

  test('one line: label, model, p50, n, date and marks', () => {
    const run = saved({ summary: { p50Ms: 1.234 } }, { label: 'before fix', baseline: true });
    assert.equal(describeRun(run), '"before fix" — tiny-transformer.onnx · p50 1.23 ms · n=1000 · 2026-11-26 10:22 UTC · baseline');
    const partial = saved({ summary: null, samplesMs: [], partial: true, outliers: null, instability: null });
    assert.equal(describeRun(partial), 'tiny-transformer.onnx · no measured runs · 2026-11-26 10:22 UTC · partial');
  });
});
