// What the runners (code-server in Chromium, and @vscode/test-electron) share: building the
// extension and the in-host suite, and the fixture workspace the suite expects.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { perturbedCopy } from '../support/fixtureModels';
import { ADVISOR_FIXTURE, FIXTURE, FIXTURE_CONFIG, PYTHON_FIXTURE } from '../vscode/protocol';

export const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, '.test-artifacts');
export { ADVISOR_FIXED, ADVISOR_FIXTURE, FIXTURE, FIXTURE_CONFIG, MODE_ENV, RELEASE_ENV, RESULTS_ENV, type SuiteMode, type SuiteResults, type TestRecord } from '../vscode/protocol';

/** Bundles the in-host suite into out/vscode-suite/; returns its index.js. */
export async function buildSuite(): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const suite = require(join(ROOT, 'test', 'vscode', 'build.js')) as { build(): Promise<string> };
  return suite.build();
}

/** Builds dist/ (the extension, profiler and webview) and out/vscode-suite/; returns the suite's index.js. */
export async function buildExtensionAndSuite(): Promise<string> {
  execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  return buildSuite();
}

/**
 * A temp folder holding lenet5.onnx, soak.onnx (the same model; .vscode/latency.json gives it
 * millions of iterations), bad.onnx (bytes that are no protobuf, let alone a model) and
 * .vscode/latency.json with FIXTURE_CONFIG. Three models: Run Benchmark asks which one.
 * Also bench_server.py (ADVISOR_FIXTURE): Python the advisors flag; predict.py and explode.py
 * (PYTHON_FIXTURE): a Python function to time and one that raises. The config names two targets.
 * `name`: the folder's name (it must not exist yet); a unique temp name otherwise.
 */
export function prepareFixtureWorkspace(parent = tmpdir(), name?: string): string {
  let dir: string;
  if (name) mkdirSync((dir = join(parent, name)));
  else dir = mkdtempSync(join(parent, 'latency-fixture-'));
  copyFileSync(join(ROOT, 'examples', 'lenet5.onnx'), join(dir, FIXTURE.model));
  copyFileSync(join(ROOT, 'examples', 'lenet5.onnx'), join(dir, FIXTURE.longModel));
  const garbage = Buffer.alloc(4096);
  let x = 0x2545f491;
  for (let i = 0; i < garbage.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    garbage[i] = x & 0xff;
  }
  writeFileSync(join(dir, FIXTURE.corruptModel), garbage);
  perturbedCopy(join(ROOT, 'examples', 'lenet5.onnx'), dir, FIXTURE.inaccurateModel, 1);
  writeFileSync(join(dir, FIXTURE.advisorFile), ADVISOR_FIXTURE.source);
  writeFileSync(join(dir, FIXTURE.pythonFile), PYTHON_FIXTURE.predict);
  writeFileSync(join(dir, FIXTURE.failingPythonFile), PYTHON_FIXTURE.explode);
  mkdirSync(join(dir, '.vscode'));
  writeFileSync(join(dir, '.vscode', 'latency.json'), `${JSON.stringify(FIXTURE_CONFIG, null, 2)}\n`);
  return dir;
}

/** User settings that keep a fresh profile quiet: no welcome page, tips, update or telemetry prompts. */
export const QUIET_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  // The fixture is no repository; spare the built-in git extension's scan on a 2-core machine.
  'git.enabled': false,
};

export function writeUserSettings(userDataDir: string): void {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(QUIET_USER_SETTINGS, null, 2)}\n`);
}
