import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG, layersFromWorkspaceFile, mergeConfig, parseAffinity, parseConfigLayer, withBaseDir } from '../../src/core/config';
import { ensureInputOverride, locateInConfig, parseWorkspaceConfigText } from '../../src/core/configFile';

describe('config layers', () => {
  test('defaults: 1000 measured runs after 50 warm-up, onnxruntime-chosen threads on CPU', () => {
    const c = mergeConfig();
    assert.equal(c.iterations, 1000);
    assert.equal(c.warmup, 50);
    assert.deepEqual(c.session.executionProviders, ['cpu']);
    assert.equal(c.session.intraOpNumThreads, 0);
  });

  test('later layers win; dimension and override maps merge per key', () => {
    const c = mergeConfig(
      { iterations: 10, session: { intraOpNumThreads: 2 }, inputs: { dimensions: { seq: 8 }, overrides: { a: { value: 1 } } } },
      { iterations: 20, inputs: { dimensions: { batch: 2 }, overrides: { b: { shape: [1] } } } },
    );
    assert.equal(c.iterations, 20);
    assert.equal(c.session.intraOpNumThreads, 2);
    assert.equal(c.session.graphOptimizationLevel, 'all');
    assert.deepEqual(c.inputs.dimensions, { seq: 8, batch: 2 });
    assert.deepEqual(Object.keys(c.inputs.overrides), ['a', 'b']);
    assert.deepEqual(DEFAULT_CONFIG.inputs.overrides, {}, 'merging never mutates the defaults');
  });

  test('every invalid value is reported with its path; typos are not silently ignored', () => {
    const { issues } = parseConfigLayer(
      {
        iteration: 5,
        warmup: -1,
        session: { graphOptimizationLevel: 'max', intraOpNumThreads: 1.5, executionProviders: [] },
        inputs: { overrides: { ids: { range: [5, 1] }, img: { shape: [1, -3] }, x: { colour: 1 } }, dimensions: { s: 'big' } },
      },
      'test',
    );
    const paths = issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths.sort(), [
      'inputs.dimensions.s',
      'inputs.overrides.ids.range',
      'inputs.overrides.img.shape',
      'inputs.overrides.x.colour',
      'iteration',
      'session.executionProviders',
      'session.graphOptimizationLevel',
      'session.intraOpNumThreads',
      'warmup',
    ]);
  });

  test('stopping, CV target and CPU pinning: defaults, layers and validation', () => {
    const d = mergeConfig();
    assert.equal(d.stopping.mode, 'fixed', 'the default stays a fixed 1000 runs');
    assert.equal(d.stopping.relativeHalfWidth, 0.01);
    assert.equal(d.cvTarget, 0.001);
    assert.equal(d.cpuAffinity, null);

    const file = parseConfigLayer({ stopping: { mode: 'adaptive', targetPercentile: 'p95', maxSeconds: 5 }, cvTarget: 0.02, cpuAffinity: '0-2, 5' }, 'f');
    assert.deepEqual(file.issues, []);
    const c = mergeConfig(file.layer, { stopping: { relativeHalfWidth: 0.005 } });
    assert.deepEqual(c.stopping, { mode: 'adaptive', targetPercentile: 'p95', relativeHalfWidth: 0.005, maxIterations: 100000, maxSeconds: 5 });
    assert.equal(c.cvTarget, 0.02);
    assert.deepEqual(c.cpuAffinity, [0, 1, 2, 5]);
    assert.equal(mergeConfig(file.layer, parseConfigLayer({ cpuAffinity: '' }, 's').layer).cpuAffinity, null, '"" clears the pinning');
    assert.deepEqual(parseAffinity([3, 1, 3]), [1, 3]);
    assert.equal(DEFAULT_CONFIG.stopping.mode, 'fixed', 'merging never mutates the defaults');

    const bad = parseConfigLayer({ stopping: { mode: 'sometimes', relativeHalfWidth: 2, maxIterations: 0, maxSeconds: -1, patience: 3 }, cvTarget: 0, cpuAffinity: 'all' }, 'f');
    assert.deepEqual(bad.issues.map((i) => i.path.join('.')).sort(), [
      'cpuAffinity',
      'cvTarget',
      'stopping.maxIterations',
      'stopping.maxSeconds',
      'stopping.mode',
      'stopping.patience',
      'stopping.relativeHalfWidth',
    ]);
    assert.match(bad.issues.find((i) => i.path[0] === 'cpuAffinity')!.message, /taskset -c format/);
  });

  test('tensor files: a per-input "file" (with an agreeing shape allowed), and multi-input "files"', () => {
    const { layer, issues } = parseConfigLayer(
      { inputs: { overrides: { pixel_values: { file: 'data/x.npy' }, ids: { file: 'ids.json', shape: [1, 'seq'] } }, files: ['data/inputs.json'] } },
      'latency.json',
    );
    assert.deepEqual(issues, []);
    assert.deepEqual(layer.inputs?.overrides, { pixel_values: { file: 'data/x.npy' }, ids: { file: 'ids.json', shape: [1, 'seq'] } });
    assert.deepEqual(layer.inputs?.files, [{ path: 'data/inputs.json' }]);
  });

  test('"file" excludes "value" and "range"; bad paths are issues with their path', () => {
    const { layer, issues } = parseConfigLayer(
      { inputs: { overrides: { a: { file: 'a.npy', value: 1 }, b: { file: 'b.npy', range: [0, 2] }, c: { file: '' }, d: { file: 3 } }, files: ['ok.json', ''] } },
      'latency.json',
    );
    assert.deepEqual(
      issues.map((i) => [i.path.join('.'), i.message]),
      [
        ['inputs.overrides.a.value', 'cannot be set with "file": the file gives the values (keep "file" or "value", not both)'],
        ['inputs.overrides.b.range', 'cannot be set with "file": the file gives the values (keep "file" or "range", not both)'],
        ['inputs.overrides.c.file', 'must be the path of a .npy or JSON tensor file, e.g. "data/input.npy"'],
        ['inputs.overrides.d.file', 'must be the path of a .npy or JSON tensor file, e.g. "data/input.npy"'],
        ['inputs.files', 'must be a list of JSON tensor file paths, e.g. ["data/inputs.json"]'],
      ],
    );
    assert.deepEqual(layer.inputs?.overrides, {}, 'no half-valid override survives');
  });

  test('relative tensor paths are anchored where their layer was read; files from every layer apply', () => {
    const fromFile = withBaseDir({ iterations: 3, inputs: { overrides: { x: { file: 'x.npy' }, y: { value: 1 } }, files: [{ path: 'all.json' }] } }, '/ws');
    assert.deepEqual(fromFile.inputs?.overrides, { x: { file: 'x.npy', baseDir: '/ws' }, y: { value: 1 } });
    assert.deepEqual(fromFile.inputs?.files, [{ path: 'all.json', baseDir: '/ws' }]);
    assert.equal(withBaseDir(fromFile, '/other').inputs?.files?.[0]?.baseDir, '/ws', 'an anchored path keeps its folder');
    const noFiles = { iterations: 3 };
    assert.equal(withBaseDir(noFiles, '/ws'), noFiles);
    const merged = mergeConfig(fromFile, { inputs: { overrides: { x: { file: 'other.npy' } }, files: [{ path: 'more.json' }] } });
    assert.deepEqual(merged.inputs.overrides.x, { file: 'other.npy' }, "a later layer's override replaces the input's override whole");
    assert.deepEqual(merged.inputs.files, [{ path: 'all.json', baseDir: '/ws' }, { path: 'more.json' }]);
    assert.equal(mergeConfig().inputs.files, undefined);
  });

  test('per-model sections apply only to their model', () => {
    const raw = { iterations: 100, models: { 'models/a.onnx': { iterations: 5 }, './models/b.onnx': { warmup: 0 } } };
    const forA = layersFromWorkspaceFile(raw, 'f', 'models/a.onnx');
    assert.equal(mergeConfig(...forA.layers).iterations, 5);
    const forB = layersFromWorkspaceFile(raw, 'f', 'models/b.onnx');
    assert.equal(mergeConfig(...forB.layers).iterations, 100);
    assert.equal(mergeConfig(...forB.layers).warmup, 0);
  });
});

describe('.vscode/latency.json text', () => {
  test('comments and trailing commas are fine', () => {
    const { layers, issues } = parseWorkspaceConfigText('{\n  // fast\n  "iterations": 7,\n}\n', 'latency.json', undefined);
    assert.deepEqual(issues, []);
    assert.equal(mergeConfig(...layers).iterations, 7);
  });

  test('malformed JSON is an issue with line and column, never an exception', () => {
    const { issues } = parseWorkspaceConfigText('{\n  "iterations": 7\n  "warmup": 1\n}', 'latency.json', undefined);
    assert.equal(issues.length >= 1, true);
    assert.match(issues[0]?.source ?? '', /^latency\.json:3:3$/);
    assert.match(issues[0]?.message ?? '', /CommaExpected/);
  });

  test('locate a setting, or its deepest existing parent', () => {
    const text = '{\n  "inputs": {\n    "overrides": {\n      "ids": { "range": [0, 9] }\n    }\n  }\n}';
    const hit = locateInConfig(text, ['inputs', 'overrides', 'ids']);
    assert.equal(text.slice(hit.offset, hit.offset + 5), '"ids"');
    const parent = locateInConfig(text, ['inputs', 'overrides', 'missing']);
    assert.equal(text.slice(parent.offset, parent.offset + 11), '"overrides"');
  });

  test('adding an override keeps comments and existing entries', () => {
    const text = '{\n  // keep me\n  "inputs": { "overrides": { "a": { "value": 1 } } }\n}\n';
    const out = ensureInputOverride(text, 'input_ids', [1, 32]);
    assert.match(out, /keep me/);
    const parsed = parseWorkspaceConfigText(out, 'f', undefined);
    assert.deepEqual(mergeConfig(...parsed.layers).inputs.overrides, { a: { value: 1 }, input_ids: { shape: [1, 32] } });
    assert.equal(ensureInputOverride(out, 'input_ids', [9]), out, 'an existing override is left alone');
    const fromEmpty = ensureInputOverride('', 'x');
    assert.deepEqual(mergeConfig(...parseWorkspaceConfigText(fromEmpty, 'f', undefined).layers).inputs.overrides, { x: {} });
  });
});
