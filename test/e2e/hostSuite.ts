// Runs the in-host mocha suite (test/vscode/suite) inside code-server's extension host, with
// the workbench loaded in Chromium, and looks at the workbench afterwards.
//
// How the results come back: the page URL's `payload` names the extension under development and
// the suite (vscode-remote:// URIs), so the remote extension host (a child of code-server, which
// inherits its environment) loads them and awaits the suite's run(). The suite writes its
// results JSON to $LATENCY_VSCODE_TEST_RESULTS, which this runner waits for with fs.watch: no
// sleeps, no polling of the UI. The suite then holds the extension host until this runner writes
// $LATENCY_VSCODE_TEST_RELEASE, so the checks on the workbench (status bar item, results
// panel's webview, notifications) see the extension still alive.
//
// Modes (SuiteMode): `trusted` starts code-server with --disable-workspace-trust; `restricted`
// starts it without, so the fresh profile opens the fixture folder in Restricted Mode.

import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatMs } from '../../src/core/format';
import { CheckList, exactly, type Check } from './checks';
import { cleanEnv, launchChromium, openWorkbench, startCodeServer, waitForFile, workbenchUrl, type CodeServer } from './codeServer';
import { ARTIFACTS, MODE_ENV, RELEASE_ENV, RESULTS_ENV, prepareFixtureWorkspace, writeUserSettings, type SuiteMode, type SuiteResults } from './shared';

/** What "Latency: Run Benchmark" says in Restricted Mode (src/host/benchmarkCommand.ts). */
/** The error "Latency: Run Benchmark" shows for bad.onnx (src/host/benchmarkCommand.ts, the profiler's message). */
const CORRUPT_MODEL_MESSAGE = /^Latency: Could not load bad\.onnx as an ONNX model/;

export const TRUST_MESSAGE = 'Latency runs benchmarks only in trusted workspaces: a benchmark loads and executes the model files in this folder.';

export interface HostSuiteRun {
  mode: SuiteMode;
  /** The suite's own report; undefined when it never wrote one (see error). */
  results?: SuiteResults;
  /** Why the suite produced no results (code-server, the page or the extension host failed). */
  error?: string;
  /** Checks on the workbench page, made while the suite holds the extension host. */
  checks: Check[];
  artifacts: string;
  /** Kept on failure: the fixture workspace, profile and logs. */
  workDir: string;
  timings: Record<string, number>;
}

export interface HostSuiteOptions {
  mode: SuiteMode;
  /** The extension under development: the unpacked VSIX (or the source tree). */
  extensionPath: string;
  /** out/vscode-suite/index.js */
  suiteIndex: string;
  workDir: string;
  timeoutMs: number;
}

export async function runHostSuite(opts: HostSuiteOptions): Promise<HostSuiteRun> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const outDir = join(ARTIFACTS, 'vscode', `host-${opts.mode}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  rmSync(opts.workDir, { recursive: true, force: true });
  mkdirSync(opts.workDir, { recursive: true });

  const folder = prepareFixtureWorkspace(opts.workDir);
  const userDataDir = join(opts.workDir, 'user-data');
  const extensionsDir = join(opts.workDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir);
  const resultsFile = join(opts.workDir, 'results', 'results.json');
  const releaseFile = join(opts.workDir, 'results', 'release');
  const env = cleanEnv({
    [RESULTS_ENV]: resultsFile,
    [RELEASE_ENV]: releaseFile,
    [MODE_ENV]: opts.mode,
    // code-server keeps logs and a heartbeat file under $XDG_DATA_HOME/code-server: the run's own.
    XDG_DATA_HOME: join(opts.workDir, 'xdg-data'),
  });
  const logPath = join(outDir, 'code-server.log');
  const log = createWriteStream(logPath);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let consoleLog: string[] = [];
  let results: SuiteResults | undefined;
  let error: string | undefined;
  const checks = new CheckList(() => page, outDir);
  try {
    let t = performance.now();
    server = await startCodeServer({ workDir: opts.workDir, folder, userDataDir, extensionsDir, trusted: opts.mode === 'trusted', env, log, logPath });
    browser = await launchChromium();
    timings['code-server + chromium start'] = Math.round(performance.now() - t);
    t = performance.now();
    const workbench = await openWorkbench(browser, workbenchUrl(server.url, folder, { extensionDevelopmentPath: opts.extensionPath, extensionTestsPath: opts.suiteIndex }));
    page = workbench.page;
    consoleLog = workbench.consoleLog;
    timings['workbench load'] = Math.round(performance.now() - t);
    t = performance.now();
    await waitForFile(resultsFile, opts.timeoutMs, Promise.race([server.exited, server.extensionHostExited, workbench.crashed]), `the suite's results (${resultsFile})`);
    timings['suite (workbench loaded → results)'] = Math.round(performance.now() - t);
    results = JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
    writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
    timings['mocha (in the host)'] = results.stats.durationMs;

    t = performance.now();
    if (opts.mode === 'trusted') await checkTrustedWorkbench(page, checks, results);
    else await checkRestrictedWorkbench(page, checks);
    timings['workbench checks'] = Math.round(performance.now() - t);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
    await checks.screenshot('failure');
  } finally {
    writeFileSync(releaseFile, '');
    await browser?.close().catch(() => undefined);
    await server?.stop();
    log.end();
    writeFileSync(join(outDir, 'browser-console.log'), consoleLog.join('\n'));
    // The server's and the extension host's logs (the Latency output channel among them).
    if (existsSync(join(userDataDir, 'logs'))) cpSync(join(userDataDir, 'logs'), join(outDir, 'logs'), { recursive: true });
  }
  const passed = !error && results?.passed === true && checks.passed;
  if (passed) rmSync(opts.workDir, { recursive: true, force: true });
  timings.total = Math.round(performance.now() - t0);
  return { mode: opts.mode, ...(results ? { results } : {}), ...(error ? { error } : {}), checks: checks.checks, artifacts: outDir, workDir: opts.workDir, timings };
}

/** Whether a host run passed: the suite's tests and every workbench check. */
export function hostRunPassed(run: HostSuiteRun): boolean {
  return !run.error && run.results?.passed === true && run.checks.length > 0 && run.checks.every((c) => c.ok);
}

/**
 * The status bar item and the results panel's webview show what the extension says it shows (its
 * API, read by the suite at the end). The UI catches up asynchronously (extension host ->
 * websocket -> renderer -> webview), so each check waits, bounded, for the expected text.
 */
async function checkTrustedWorkbench(page: Page, checks: CheckList, results: SuiteResults): Promise<void> {
  const state = results.extensionState;
  const last = state?.lastResult;
  if (!state || !last) {
    checks.fail(
      'the suite reports the extension state',
      state
        ? `the extension's last result has no measured runs (status bar "${state.statusBarText}"), so there are no figures to look for; see the failed tests above`
        : 'the suite reported no extension state (the extension is not active: did the tests run?)',
    );
    return;
  }
  // "$(pulse) p50 1.23 ms" renders as an icon followed by "p50 1.23 ms".
  const statusText = state.statusBarText.replace(/\$\([\w-]+\)/g, '').trim();
  await checks.run('status bar shows the last p50', async () => {
    const item = page.locator('.statusbar-item').filter({ hasText: exactly(statusText) });
    await item.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      const shown = await page.locator('.statusbar-item').filter({ hasText: /p50/ }).allTextContents();
      throw new Error(`expected "${statusText}", the status bar shows ${JSON.stringify(shown)}`);
    });
    return statusText;
  });
  await checks.run('results panel tab is open', async () => {
    const tab = page.locator('.tab').filter({ hasText: `Latency: ${last.name}` });
    await tab.first().waitFor({ state: 'visible', timeout: 10_000 });
    return `${((await tab.first().textContent()) ?? '').trim()} (${await tab.count()} tab)`;
  });
  await checks.run('results panel renders the last p50', async () => {
    // A webview is an iframe (the host) holding the content iframe (#active-frame).
    const cells = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('[data-stat="p50"]');
    const expected = formatMs(last.p50Ms);
    await cells.filter({ hasText: exactly(expected) }).waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
      throw new Error(`expected "${expected}", the panel shows ${JSON.stringify(await cells.allTextContents())}`);
    });
    return `${expected} (n = ${last.n})`;
  });
  // The corrupt-model test's error notification (errors stay until dismissed) and its Show Log button.
  const error = page.locator('.notification-toast').filter({ has: page.locator('.notification-list-item-message', { hasText: CORRUPT_MODEL_MESSAGE }) });
  await checks.run('the corrupt model\'s error notification says what went wrong', async () => {
    await error.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      const shown = await page.locator('.notification-toast .notification-list-item-message').allTextContents();
      throw new Error(`no notification matches ${CORRUPT_MODEL_MESSAGE}; notifications shown: ${JSON.stringify(shown)}`);
    });
    return ((await error.first().locator('.notification-list-item-message').textContent()) ?? '').trim();
  });
  await checks.run('its "Show Log" button opens the Latency log, which holds the last result', async () => {
    await error.first().getByRole('button', { name: 'Show Log' }).click({ timeout: 5_000 });
    const headline = `${last.name}: p50 ${formatMs(last.p50Ms)}`;
    const lines = page.locator('.output-view .view-lines, .panel .view-lines');
    await lines.filter({ hasText: headline }).first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      throw new Error(`the output panel does not show "${headline}…"; it shows ${JSON.stringify((await lines.allTextContents()).map((t) => t.slice(-300)))}`);
    });
    return `output shows "${headline}…"`;
  });
}

/** Restricted Mode as the user sees it: the workbench says so, and the refusal explains itself. */
async function checkRestrictedWorkbench(page: Page, checks: CheckList): Promise<void> {
  await checks.run('the status bar shows Restricted Mode', async () => {
    const item = page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' });
    await item.first().waitFor({ state: 'visible', timeout: 10_000 });
    return ((await item.first().textContent()) ?? '').trim();
  });
  const toast = page.locator('.notification-toast').filter({ hasText: TRUST_MESSAGE });
  await checks.run('Run Benchmark warns that it runs only in trusted workspaces, and why', async () => {
    await toast.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      const shown = await page.locator('.notification-toast').allTextContents();
      throw new Error(`no notification says "${TRUST_MESSAGE}"; notifications shown: ${JSON.stringify(shown)}`);
    });
    return TRUST_MESSAGE;
  });
  await checks.run('its "Manage Workspace Trust" button opens the Workspace Trust editor', async () => {
    await toast.first().getByRole('button', { name: 'Manage Workspace Trust' }).click({ timeout: 10_000 });
    const editor = page.locator('.workspace-trust-editor');
    await editor.first().waitFor({ state: 'visible', timeout: 10_000 });
    const title = ((await editor.locator('.workspace-trust-title').first().textContent({ timeout: 5_000 }).catch(() => '')) ?? '').trim();
    return title || 'Workspace Trust editor open';
  });
}
