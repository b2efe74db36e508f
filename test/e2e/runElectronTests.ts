// The same in-host suite (test/vscode/suite) under @vscode/test-electron, for contributors whose
// machine can download VS Code (it cannot run where only the npm registry is reachable: there,
// use test/e2e/runVscodeTests.ts, which runs it in code-server).
//
//   node --import tsx test/e2e/runElectronTests.ts
//   xvfb-run -a node --import tsx test/e2e/runElectronTests.ts    (Linux without a display)
//
// runTests() downloads VS Code (LATENCY_VSCODE_VERSION, default: latest stable; 1.100.3 is what
// code-server 4.100.3 runs) into ~/.cache/latency-test/vscode-electron (not .vscode-test/ in
// the project), or uses LATENCY_VSCODE_EXECUTABLE, an installed VS Code's binary. It starts it
// with the extension under development on a fresh profile and awaits the suite's run(); VS Code
// exits non-zero when a test failed. The suite also writes its results JSON (to
// $LATENCY_VSCODE_TEST_RESULTS, passed through extensionTestsEnv), printed here.
//
// Only the trusted part of the suite runs here: runTests() always adds --disable-workspace-trust,
// so the Restricted Mode part (*.untrusted.test.ts) and the browser E2E run under code-server
// (test/e2e/runVscodeTests.ts, or test/e2e/vscode.test.ts in `npm test`).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ARTIFACTS, MODE_ENV, RESULTS_ENV, type SuiteResults, ROOT, buildExtensionAndSuite, prepareFixtureWorkspace, writeUserSettings } from './shared';

async function main(): Promise<number> {
  const extensionTestsPath = await buildExtensionAndSuite();
  const work = mkdtempSync(join(tmpdir(), 'latency-electron-e2e-'));
  const workspace = prepareFixtureWorkspace(work);
  // A fresh profile every run: a results panel restored from an earlier run would change what
  // the suite sees (the webview serializer revives it with the old result).
  const userDataDir = join(work, 'user-data');
  writeUserSettings(userDataDir);
  const resultsFile = join(work, 'results.json');
  const outDir = join(ARTIFACTS, 'vscode-electron');
  mkdirSync(outDir, { recursive: true });

  let exitCode = 1;
  try {
    exitCode = await runTests({
      ...(process.env.LATENCY_VSCODE_EXECUTABLE
        ? { vscodeExecutablePath: process.env.LATENCY_VSCODE_EXECUTABLE }
        : { version: process.env.LATENCY_VSCODE_VERSION || 'stable', cachePath: join(homedir(), '.cache', 'latency-test', 'vscode-electron') }),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      extensionTestsEnv: { [RESULTS_ENV]: resultsFile, [MODE_ENV]: 'trusted' },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${userDataDir}`,
        `--extensions-dir=${join(work, 'extensions')}`,
      ],
    });
  } catch (err) {
    // runTests rejects when VS Code exits non-zero (a failing suite) or cannot be downloaded.
    console.error(`vscode electron tests: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
  }
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
    console.log(`\nExtension-host suite (VS Code ${results.host.vscodeVersion}):\n`);
    for (const line of results.output) console.log(`  ${line}`);
    if (!results.passed) exitCode = 1;
  } else {
    console.error('the suite wrote no results: it did not run (see the VS Code output above)');
    exitCode = 1;
  }
  if (exitCode === 0) rmSync(work, { recursive: true, force: true });
  else console.error(`kept ${work}`);
  console.log(exitCode === 0 ? 'PASSED' : 'FAILED');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
