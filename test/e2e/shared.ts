// What both runners (code-server in Chromium, and @vscode/test-electron) share: building the
// extension and the in-host suite, and the fixture workspace the suite expects.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, '.test-artifacts');
export { RELEASE_ENV, RESULTS_ENV, type SuiteResults } from '../vscode/protocol';

/** Fixture settings: few runs so the suite stays quick; one thread so figures are steady. */
export const FIXTURE_CONFIG = { iterations: 40, warmup: 5, session: { intraOpNumThreads: 1 } };

/** Builds dist/ (the extension, profiler and webview) and out/vscode-suite/; returns the suite's index.js. */
export async function buildExtensionAndSuite(): Promise<string> {
  execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const suite = require(join(ROOT, 'test', 'vscode', 'build.js')) as { build(): Promise<string> };
  return suite.build();
}

/**
 * A temp folder holding lenet5.onnx, bad.onnx (bytes that are no protobuf, let alone a model)
 * and .vscode/latency.json with FIXTURE_CONFIG.
 */
export function prepareFixtureWorkspace(parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'latency-fixture-'));
  copyFileSync(join(ROOT, 'examples', 'lenet5.onnx'), join(dir, 'lenet5.onnx'));
  const garbage = Buffer.alloc(4096);
  let x = 0x2545f491;
  for (let i = 0; i < garbage.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    garbage[i] = x & 0xff;
  }
  writeFileSync(join(dir, 'bad.onnx'), garbage);
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
};

export function writeUserSettings(userDataDir: string): void {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(QUIET_USER_SETTINGS, null, 2)}\n`);
}
