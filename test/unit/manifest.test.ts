// package.json's contributions, the JSON schema and the config parser describe one thing three
// times; these tests keep them from drifting apart.

import { parseTargets } from '../../src/core/targetsConfig';
import { DEFAULT_CALL_TIMEOUT_SECONDS, DEFAULT_SETUP_TIMEOUT_SECONDS } from '../../src/core/target';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RULES } from '../../src/advisors/registry';
import { DEFAULT_RULE_OPTIONS } from '../../src/advisors/rule';
import { DEFAULT_ACCURACY_THRESHOLD } from '../../src/core/accuracy';
import { DEFAULT_CONFIG, parseConfigLayer } from '../../src/core/config';
import { SIZE_CLASSES } from '../../src/core/sizeClassRanges';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'latency.schema.json'), 'utf8'));

test('the command, its menus and the trust declaration', () => {
  const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === 'latency.runBenchmark');
  assert.deepEqual([cmd.title, cmd.category], ['Run Benchmark', 'Latency']);
  const explorer = pkg.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'latency.runBenchmark');
  assert.equal(explorer.when, 'resourceExtname == .onnx || resourceExtname == .py');
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(pkg.main, './dist/extension.js');
  assert.ok(existsSync(join(ROOT, pkg.contributes.jsonValidation[0].url)));
  assert.equal(pkg.contributes.jsonValidation[0].fileMatch, '.vscode/latency.json');
});

test('setting defaults are the core defaults', () => {
  const props = pkg.contributes.configuration.properties;
  const flat: Record<string, unknown> = {
    'latency.iterations': DEFAULT_CONFIG.iterations,
    'latency.warmup': DEFAULT_CONFIG.warmup,
    'latency.inputs.defaultDimension': DEFAULT_CONFIG.inputs.defaultDimension,
    'latency.inputs.dimensions': DEFAULT_CONFIG.inputs.dimensions,
    'latency.inputs.overrides': DEFAULT_CONFIG.inputs.overrides,
    'latency.cvTarget': DEFAULT_CONFIG.cvTarget,
    // The settings UI edits a string; "" means what null means in the core: no pinning.
    'latency.cpuAffinity': DEFAULT_CONFIG.cpuAffinity === null ? '' : DEFAULT_CONFIG.cpuAffinity.join(','),
    // Read by the extension host alone (run history), not part of the benchmark config.
    'latency.history.save': true,
    // The A/B accuracy check's default, as the core and the CLI use it.
    'latency.accuracy.threshold': DEFAULT_ACCURACY_THRESHOLD,
    // Read by the extension host and passed to the profiler with the run, as --repeat is.
    'latency.repeat': 1,
    // Checklist targets: unset until the user names one.
    'latency.checklist.expectedReduction': null,
    'latency.checklist.memoryLimitMiB': null,
    'latency.sizeClassRanges': DEFAULT_CONFIG.sizeClassRanges,
    // Python-function targets: the interpreter when the Python extension names none ("" = python3), and the core's timeouts.
    'latency.python.interpreter': '',
    'latency.python.callTimeoutSeconds': DEFAULT_CALL_TIMEOUT_SECONDS,
    'latency.python.setupTimeoutSeconds': DEFAULT_SETUP_TIMEOUT_SECONDS,
  };
  for (const [k, v] of Object.entries(DEFAULT_CONFIG.session)) flat[`latency.session.${k}`] = v;
  for (const [k, v] of Object.entries(DEFAULT_CONFIG.stopping)) flat[`latency.stopping.${k}`] = v;
  const benchmarkKeys = Object.keys(props).filter((k) => !k.startsWith('latency.advisors.'));
  assert.deepEqual(benchmarkKeys.sort(), Object.keys(flat).sort());
  for (const [key, value] of Object.entries(flat)) assert.deepEqual(props[key].default, value, key);
});

test('every key the schema offers is one the parser accepts, and the other way round', () => {
  const d = schema.definitions;
  const sample: Record<string, unknown> = {
    iterations: 5,
    warmup: 1,
    session: { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'basic', executionMode: 'parallel', executionProviders: ['cpu'] },
    inputs: { defaultDimension: 8, dimensions: { s: 4 }, overrides: { x: { shape: [1, 's'], value: 1, range: [0, 2] }, y: { file: 'y.npy' } }, files: ['inputs.json'] },
    stopping: { mode: 'adaptive', targetPercentile: 'p95', relativeHalfWidth: 0.02, maxIterations: 5000, maxSeconds: 10 },
    cvTarget: 0.01,
    cpuAffinity: '0-1',
    sizeClassRanges: { small: { typicalMs: [5, 50], optimizedMs: [1, 5], source: 'team guide' } },
  };
  assert.deepEqual(Object.keys(d.modelSettings.properties).sort(), Object.keys(sample).sort());
  assert.deepEqual(Object.keys(d.session.properties).sort(), Object.keys(sample.session as object).sort());
  assert.deepEqual(Object.keys(d.inputs.properties).sort(), Object.keys(sample.inputs as object).sort());
  assert.deepEqual(Object.keys(d.inputOverride.properties).sort(), ['file', 'range', 'shape', 'value']);
  const setting = pkg.contributes.configuration.properties['latency.inputs.overrides'].additionalProperties;
  assert.deepEqual(Object.keys(setting.properties).sort(), Object.keys(d.inputOverride.properties).sort());
  assert.deepEqual(Object.keys(d.stopping.properties).sort(), Object.keys(sample.stopping as object).sort());
  assert.deepEqual(d.stopping.properties.mode.enum, ['fixed', 'adaptive']);
  assert.deepEqual(Object.keys(d.sizeClassRanges.properties), [...SIZE_CLASSES]);
  assert.deepEqual(Object.keys(pkg.contributes.configuration.properties['latency.sizeClassRanges'].properties), [...SIZE_CLASSES]);
  assert.deepEqual(parseConfigLayer(sample, 'schema sample').issues, []);
  assert.deepEqual(d.session.properties.graphOptimizationLevel.enum, ['disabled', 'basic', 'extended', 'all']);
});

test('advisor settings match the core, and the extension wakes for the languages advisors read', () => {
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).filter((k) => k.startsWith('latency.advisors.')).sort(), [
    'latency.advisors.enabled',
    'latency.advisors.flashAttention',
    'latency.advisors.minSamples',
    'latency.advisors.rules',
  ]);
  assert.equal(props['latency.advisors.minSamples'].default, DEFAULT_RULE_OPTIONS.minSamples);
  assert.equal(props['latency.advisors.enabled'].default, true);
  assert.deepEqual(props['latency.advisors.rules'].additionalProperties.enum, ['off', 'default', 'error', 'warning', 'information', 'hint']);
  for (const lang of ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact']) {
    assert.ok(pkg.activationEvents.includes(`onLanguage:${lang}`), lang);
  }
});

test('every rule has its docs page, which the VSIX ships', () => {
  for (const r of RULES) {
    const file = join(ROOT, 'docs', 'rules', `${r.code}.md`);
    assert.ok(existsSync(file), `${file} missing`);
    const text = readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^# ${r.code}`), `${r.code}.md starts with its code`);
    assert.ok(text.includes(r.id), `${r.code}.md names its id ${r.id}`);
    if (r.checkPython) assert.match(text, /Python|python/, `${r.code}.md covers Python`);
    if (r.checkScript) assert.match(text, /JavaScript|TypeScript/, `${r.code}.md covers JS/TS`);
  }
  const ignore = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
  assert.match(ignore, /^!docs\/rules\/\*\.md$/m);
  assert.match(ignore, /^!dist\/wasm\/\*\.wasm$/m);
});

test('the schema\'s named targets take exactly the keys the targets parser accepts', () => {
  const d = schema.definitions;
  const python = { python: 'serve/model.py:predict', setup: 'load', interpreter: 'python3', cwd: 'serve', callTimeoutSeconds: 5, setupTimeoutSeconds: 60, iterations: 10, warmup: 1 };
  const command = { command: 'sleep 0.01', prepare: 'true', cwd: '.', timeoutSeconds: 5, iterations: 10, warmup: 1 };
  assert.deepEqual(Object.keys(d.pythonTarget.properties).sort(), Object.keys(python).sort());
  assert.deepEqual(Object.keys(d.commandTarget.properties).sort(), Object.keys(command).sort());
  const http = { url: 'http://127.0.0.1:8000/predict', method: 'POST', headers: { authorization: 'Bearer x' }, bodyFile: 'req.json', bodyTemplate: true, bodyLines: 'inputs.jsonl', bodySeed: 7, concurrency: 4, expectedStatus: [200], timeoutSeconds: 5, iterations: 10, warmup: 1, busyPoll: true, locust: { workers: 2, runTimeSeconds: 30, users: 4, ratePerSecond: 10, p99BudgetMs: 100, maxErrorRate: 0.01 } };
  assert.deepEqual(Object.keys(d.httpTarget.properties.locust.properties).sort(), Object.keys(http.locust).sort());
  // The load models exclude one another, so they are checked with a target of their own below.
  const load = { sweep: [1, 4], p99BudgetMs: 100, rate: 5, arrival: 'poisson', durationSeconds: 10 };
  assert.deepEqual(Object.keys(d.httpTarget.properties).sort(), [...Object.keys(http), 'body', ...Object.keys(load)].sort());
  const { sweep, p99BudgetMs, ...open } = load;
  assert.deepEqual(parseTargets({ targets: { s: { url: http.url, sweep, p99BudgetMs }, o: { url: http.url, ...open } } }, 'schema sample').issues, []);
  const parsed = parseTargets({ targets: { py: python, cmd: command, api: http } }, 'schema sample');
  assert.deepEqual(parsed.issues, []);
  assert.deepEqual(parsed.targets.map((t) => t.spec.kind), ['python', 'command', 'http']);
  assert.ok(schema.properties.targets, 'the top level offers "targets"');
});

test('Export Locust File is contributed and registered', () => {
  const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === 'latency.exportLocust');
  assert.deepEqual([cmd?.title, cmd?.category], ['Export Locust File…', 'Latency']);
  assert.match(readFileSync(join(ROOT, 'src', 'extension.ts'), 'utf8'), /registerCommand\('latency\.exportLocust'/);
});
