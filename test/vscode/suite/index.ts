// Entry point of the in-host test suite (the @vscode/test-electron convention): the extension
// host requires this file and awaits `run()`. It runs the compiled `*.test.js` next to it with
// mocha, prints a spec-like report to the extension host's console, and writes the results as
// JSON so a runner outside the host (test/e2e/hostSuite.ts drives code-server in Chromium,
// where no process exit code comes back) can read them.
//
// Where the JSON goes: $LATENCY_VSCODE_TEST_RESULTS (the extension host inherits the
// environment of code-server / of the VS Code it runs in), else `results.json` next to this file.
// Test files run in file-name order (activation.test.js first: it expects no result yet).
// $LATENCY_VSCODE_TEST_MODE picks the files: `trusted` (default) runs every *.test.js but the
// *.untrusted.test.js ones, `restricted` only those (see SuiteMode in ../protocol.ts).
//
// When run() returns, the extension host exits and takes the extension's status bar item and
// webview content with it. A runner that wants to look at the workbench afterwards sets
// $LATENCY_VSCODE_TEST_RELEASE to a file path: run() then waits, after writing the results,
// until that file exists (or RELEASE_TIMEOUT_MS passed) before it returns.

import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { LatencyApi } from '../../../src/extension';
import { EXTENSION_ID } from './helpers';
import { MODE_ENV, RELEASE_ENV, RESULTS_ENV, suiteMode, type SuiteResults, type TestRecord } from '../protocol';

const RELEASE_TIMEOUT_MS = 120_000;

export async function run(): Promise<void> {
  const resultsFile = process.env[RESULTS_ENV] || path.join(__dirname, 'results.json');
  const mode = suiteMode(process.env[MODE_ENV]);
  const mocha = new Mocha({
    ui: 'bdd',
    // A benchmark forks a profiler and loads onnxruntime: seconds on a small machine.
    timeout: 60_000,
    color: false,
    reporter: RecordingReporter as unknown as Mocha.ReporterConstructor,
  });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.endsWith('.untrusted.test.js') === (mode === 'restricted'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  const started = Date.now();
  let results: SuiteResults;
  try {
    // mocha.run() requires the files (CommonJS, so `require('vscode')` is the host's API module).
    const runner = await new Promise<Mocha.Runner>((resolve) => {
      const r: Mocha.Runner = mocha.run(() => resolve(r));
    });
    const reporter = RecordingReporter.last;
    const stats = runner.stats;
    results = {
      mode,
      passed: (stats?.failures ?? 1) === 0 && (stats?.tests ?? 0) > 0,
      stats: {
        tests: stats?.tests ?? 0,
        passes: stats?.passes ?? 0,
        failures: stats?.failures ?? 0,
        pending: stats?.pending ?? 0,
        durationMs: Date.now() - started,
      },
      tests: reporter?.records ?? [],
      output: reporter?.lines ?? [],
      host: hostInfo(),
      ...extensionState(),
    };
  } catch (err) {
    // A test file that does not load is a failure too, reported the same way.
    const message = err instanceof Error ? err.message : String(err);
    results = {
      mode,
      passed: false,
      stats: { tests: 0, passes: 0, failures: 1, pending: 0, durationMs: Date.now() - started },
      tests: [{ title: 'load test files', fullTitle: 'load test files', state: 'failed', error: { message, ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) } }],
      output: [`could not load the test files: ${message}`],
      host: hostInfo(),
    };
  }
  writeAtomically(resultsFile, JSON.stringify(results, null, 2));
  console.log(`[latency-tests] results written to ${resultsFile}`);
  const release = process.env[RELEASE_ENV];
  if (release) await waitForFile(release, RELEASE_TIMEOUT_MS);
  if (!results.passed) throw new Error(`${results.stats.failures} of ${results.stats.tests} extension-host tests failed`);
}

function extensionState(): Pick<SuiteResults, 'extensionState'> {
  const ext = vscode.extensions.getExtension<LatencyApi>(EXTENSION_ID);
  if (!ext?.isActive) return {};
  const last = ext.exports.lastResult;
  return {
    extensionState: {
      statusBarText: ext.exports.statusBarText,
      ...(last?.summary ? { lastResult: { name: last.target.name, n: last.summary.n, p50Ms: last.summary.p50Ms, partial: last.partial } } : {}),
    },
  };
}

function hostInfo(): SuiteResults['host'] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  return {
    vscodeVersion: vscode.version,
    appHost: vscode.env.appHost,
    remoteName: vscode.env.remoteName,
    uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
    workspaceTrusted: vscode.workspace.isTrusted,
    ...(ext ? { extensionPath: ext.extensionUri.fsPath } : {}),
  };
}

/** Resolves once `file` exists, or after timeoutMs (a runner that went away must not hang the host). */
function waitForFile(file: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const finish = () => {
      watcher.close();
      clearTimeout(timer);
      resolve();
    };
    const watcher = fs.watch(path.dirname(file), () => {
      if (fs.existsSync(file)) finish();
    });
    const timer = setTimeout(() => {
      console.log(`[latency-tests] ${file} did not appear within ${timeoutMs} ms; finishing anyway`);
      finish();
    }, timeoutMs);
    if (fs.existsSync(file)) finish();
  });
}

/** The runner waits for this file: it must never see it half written. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** A spec-like reporter that keeps every line and every test's outcome. */
class RecordingReporter {
  static last: RecordingReporter | undefined;
  readonly records: TestRecord[] = [];
  readonly lines: string[] = [];

  constructor(runner: Mocha.Runner) {
    RecordingReporter.last = this;
    const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;
    let depth = 0;
    const print = (line: string) => {
      this.lines.push(line);
      console.log(line);
    };
    const indent = () => '  '.repeat(depth);
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.root) return;
      print(`${indent()}${suite.title}`);
      depth++;
    });
    runner.on(EVENT_SUITE_END, (suite: Mocha.Suite) => {
      if (!suite.root) depth--;
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      this.records.push({ title: test.title, fullTitle: test.fullTitle(), state: 'passed', ...(test.duration === undefined ? {} : { durationMs: test.duration }) });
      print(`${indent()}✓ ${test.title} (${test.duration ?? 0} ms)`);
    });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      this.records.push({
        title: test.title,
        fullTitle: test.fullTitle(),
        state: 'failed',
        ...(test.duration === undefined ? {} : { durationMs: test.duration }),
        error: { message: err?.message ?? String(err), ...(err?.stack ? { stack: err.stack } : {}) },
      });
      print(`${indent()}✗ ${test.title}: ${err?.message ?? String(err)}`);
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      this.records.push({ title: test.title, fullTitle: test.fullTitle(), state: 'pending' });
      print(`${indent()}- ${test.title} (pending)`);
    });
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      print('');
      print(`${s?.passes ?? 0} passing, ${s?.failures ?? 0} failing, ${s?.pending ?? 0} pending`);
      for (const r of this.records.filter((x) => x.state === 'failed')) {
        print('');
        print(`FAILED ${r.fullTitle}`);
        print(r.error?.stack ?? r.error?.message ?? '');
      }
    });
  }
}
