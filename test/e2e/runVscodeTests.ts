// Runs the in-host test suite (test/vscode/suite) inside a real VS Code extension host:
// code-server (VS Code 1.100.3 served to a browser) with this extension under development,
// its workbench loaded in Debian's Chromium through playwright-core.
//
//   node --import tsx test/e2e/runVscodeTests.ts      (needs: bash scripts/install-code-server.sh)
//
// How the results come back: the page URL's `payload` names the extension and the suite with
// vscode-remote:// URIs, so the remote extension host (a child of code-server, which inherits
// its environment) loads the extension and awaits the suite's run(). The suite writes its
// results JSON to $LATENCY_VSCODE_TEST_RESULTS, which this runner sets when it spawns
// code-server and then waits for with fs.watch: no sleeps, no polling of the UI. The suite then
// holds the extension host until this runner writes $LATENCY_VSCODE_TEST_RELEASE, so the
// checks on the workbench itself (status bar item, results panel's webview) and the screenshot
// see the extension still alive. Logs, results and the screenshot go to
// .test-artifacts/vscode-e2e/. Exit 0 only when all passed.
//
// Environment: LATENCY_CODE_SERVER (code-server binary), CHROMIUM (browser binary),
// LATENCY_E2E_TIMEOUT_MS (whole-suite limit, default 300000), LATENCY_E2E_HEADED=1.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatMs } from '../../src/core/format';
import { ARTIFACTS, RELEASE_ENV, RESULTS_ENV, type SuiteResults, ROOT, buildExtensionAndSuite, prepareFixtureWorkspace, writeUserSettings } from './shared';

const CODE_SERVER_VERSION = '4.100.3';
const INSTALL_COMMAND = 'bash scripts/install-code-server.sh';
const CODE_SERVER = process.env.LATENCY_CODE_SERVER || join(homedir(), '.cache', 'latency-test', `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SUITE_TIMEOUT_MS = Number(process.env.LATENCY_E2E_TIMEOUT_MS) || 300_000;
const OUT_DIR = join(ARTIFACTS, 'vscode-e2e');

class SetupError extends Error {}

const timings: Record<string, number> = {};
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(CODE_SERVER)) missing.push(`code-server ${CODE_SERVER_VERSION} (looked for ${CODE_SERVER})`);
  if (!existsSync(CHROMIUM)) missing.push(`Chromium (looked for ${CHROMIUM})`);
  if (missing.length) {
    throw new SetupError(`missing ${missing.join(' and ')}.\nInstall with:\n\n    ${INSTALL_COMMAND}\n`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when `file` exists (it is renamed into place whole); rejects when `abort` does. */
function waitForFile(file: string, timeoutMs: number, abort: Promise<never>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const watcher = watch(dirname(file), () => {
      if (existsSync(file)) done();
    });
    const timer = setTimeout(() => fail(new Error(`no results after ${timeoutMs / 1000} s: the suite did not finish (see ${OUT_DIR})`)), timeoutMs);
    const cleanup = () => {
      watcher.close();
      clearTimeout(timer);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (err: unknown) => {
      cleanup();
      reject(err);
    };
    abort.catch(fail);
    if (existsSync(file)) done();
  });
}

interface CodeServer {
  process: ChildProcess;
  url: string;
  /** Rejects when code-server exits before we stop it. */
  exited: Promise<never>;
  /** Rejects when code-server reports that an extension host process exited. */
  extensionHostExited: Promise<never>;
  stop(): Promise<void>;
}

async function startCodeServer(opts: { port: number; userDataDir: string; extensionsDir: string; folder: string; env: NodeJS.ProcessEnv; log: WriteStream }): Promise<CodeServer> {
  // A config file of our own, so neither ~/.config/code-server/config.yaml is read nor written.
  const config = join(opts.userDataDir, '..', 'code-server.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${opts.port}\nauth: none\ncert: false\n`);
  const args = [
    '--config', config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${opts.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    opts.folder,
  ];
  const child = spawn(CODE_SERVER, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stopping = false;
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`could not start code-server: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`code-server exited early (code ${code}, signal ${signal}); see ${join(OUT_DIR, 'code-server.log')}`));
    });
  });
  exited.catch(() => undefined);
  const extensionHostExited = new Promise<never>((_, reject) => {
    let tail = '';
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4096);
      const m = /Extension Host Process exited with code: (-?\d+|null), signal: (\w+)/.exec(tail);
      if (m) {
        child.stdout?.off('data', onData);
        reject(new Error(`the extension host exited (code ${m[1]}, signal ${m[2]}) before the suite wrote its results; see ${OUT_DIR}`));
      }
    };
    child.stdout?.on('data', onData);
  });
  extensionHostExited.catch(() => undefined);
  child.stdout?.pipe(opts.log, { end: false });
  child.stderr?.pipe(opts.log, { end: false });

  // code-server prints "HTTP server listening on http://127.0.0.1:PORT/" once it serves.
  const url = await Promise.race([
    new Promise<string>((resolve) => {
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        const m = /HTTP server listening on (http:\/\/\S+)/.exec(buffered);
        if (m?.[1]) {
          child.stdout?.off('data', onData);
          resolve(m[1].replace(/\/?$/, '/'));
        }
      };
      child.stdout?.on('data', onData);
    }),
    exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('code-server did not start listening within 60 s')), 60_000).unref()),
  ]);

  return {
    process: child,
    url,
    exited,
    extensionHostExited,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // detached: code-server leads its own process group (server, extension host, profiler).
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      await gone;
      clearTimeout(killer);
    },
  };
}

function testUrl(base: string, folder: string, suiteIndex: string): string {
  const authority = new URL(base).host;
  const remote = (p: string) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(suiteIndex)],
  ];
  return `${base}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Checks on the workbench the user sees, after the suite: the status bar item and the results
 * panel's webview show what the extension says it shows (its API, read by the suite at the end).
 * The UI catches up asynchronously (ext host -> websocket -> renderer -> webview), so each check
 * waits, bounded, for the expected text rather than reading whatever is there first.
 */
async function checkWorkbench(page: Page, state: SuiteResults['extensionState']): Promise<Array<{ name: string; ok: boolean; detail: string }>> {
  const checks: Array<{ name: string; ok: boolean; detail: string }> = [];
  const check = async (name: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
    } catch (err) {
      checks.push({ name, ok: false, detail: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  };
  const last = state?.lastResult;
  if (!state || !last) {
    checks.push({ name: 'extension state', ok: false, detail: 'the suite reported no result from the extension' });
    return checks;
  }
  const exactly = (text: string) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  // "$(pulse) p50 1.23 ms" renders as an icon followed by "p50 1.23 ms".
  const statusText = state.statusBarText.replace(/\$\([\w-]+\)/g, '').trim();
  await check('status bar shows the last p50', async () => {
    const item = page.locator('.statusbar-item').filter({ hasText: exactly(statusText) });
    await item.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      const shown = await page.locator('.statusbar-item').filter({ hasText: /p50/ }).allTextContents();
      throw new Error(`expected "${statusText}", the status bar shows ${JSON.stringify(shown)}`);
    });
    return `${statusText} (${await item.count()} item)`;
  });
  await check('results panel tab is open', async () => {
    const tab = page.locator('.tab').filter({ hasText: `Latency: ${last.name}` });
    await tab.first().waitFor({ state: 'visible', timeout: 10_000 });
    return `${((await tab.first().textContent()) ?? '').trim()} (${await tab.count()} tab)`;
  });
  await check('results panel renders the last p50', async () => {
    // A webview is an iframe (the host) holding the content iframe (#active-frame).
    const cells = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('[data-stat="p50"]');
    const expected = formatMs(last.p50Ms);
    await cells.filter({ hasText: exactly(expected) }).waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
      throw new Error(`expected "${expected}", the panel shows ${JSON.stringify(await cells.allTextContents())}`);
    });
    return `${expected} (n = ${last.n})`;
  });
  return checks;
}

async function main(): Promise<number> {
  const t0 = performance.now();
  checkPrerequisites();
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });

  const suiteIndex = await timed('build', buildExtensionAndSuite);
  const work = join(tmpdir(), `latency-vscode-e2e-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const folder = prepareFixtureWorkspace(work);
  const userDataDir = join(work, 'user-data');
  const extensionsDir = join(work, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  writeUserSettings(userDataDir);
  const resultsFile = join(work, 'results', 'results.json');
  mkdirSync(dirname(resultsFile), { recursive: true });

  // The suite holds the extension host (and so the status bar item and the panel) until the
  // release file appears: this runner writes it after looking at the workbench.
  const releaseFile = join(work, 'results', 'release');
  // The extension host inherits this environment. Variables of a VS Code this runner may itself
  // run in (an integrated terminal) must not leak into code-server's.
  const env: NodeJS.ProcessEnv = { ...process.env, [RESULTS_ENV]: resultsFile, [RELEASE_ENV]: releaseFile };
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  // code-server keeps logs and a heartbeat file under $XDG_DATA_HOME/code-server: the run's own.
  env.XDG_DATA_HOME = join(work, 'xdg-data');

  const log = createWriteStream(join(OUT_DIR, 'code-server.log'));
  const consoleLog: string[] = [];
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let exitCode = 1;
  try {
    const port = await freePort();
    server = await timed('code-server start', () => startCodeServer({ port, userDataDir, extensionsDir, folder, env, log }));
    // code-server leads a process group of its own (so that stop() ends the extension host and
    // any profiler with it), which Ctrl-C does not reach: end it when this runner is stopped.
    const pid = server.process.pid!;
    process.once('exit', () => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\nvscode e2e: ${signal}, stopping code-server`);
        process.exit(130);
      });
    }
    console.log(`code-server ${CODE_SERVER_VERSION} at ${server.url} (workspace ${folder})`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: process.env.LATENCY_E2E_HEADED !== '1',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}${m.type() === 'error' && m.location().url ? ` (${m.location().url})` : ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) consoleLog.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => consoleLog.push(`[request failed] ${r.url()}: ${r.failure()?.errorText ?? ''}`));
    page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
    const pageGone = new Promise<never>((_, reject) => {
      page.once('crash', () => reject(new Error('the workbench page crashed')));
    });
    pageGone.catch(() => undefined);

    const tSuite = performance.now();
    await timed('workbench load', async () => {
      await page.goto(testUrl(server!.url, folder, suiteIndex));
      await page.locator('.monaco-workbench').waitFor({ state: 'attached', timeout: 60_000 });
      await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    });
    console.log('workbench loaded; running the extension-host suite…');
    await waitForFile(resultsFile, SUITE_TIMEOUT_MS, Promise.race([server.exited, server.extensionHostExited, pageGone]));
    timings['suite (from page open)'] = Math.round(performance.now() - tSuite);
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
    writeFileSync(join(OUT_DIR, 'results.json'), JSON.stringify(results, null, 2));
    timings['mocha (in the host)'] = results.stats.durationMs;

    const checks = await timed('workbench checks', () => checkWorkbench(page, results.extensionState));
    const screenshot = join(OUT_DIR, 'workbench.png');
    await page.screenshot({ path: screenshot });

    console.log(`\nExtension-host suite (VS Code ${results.host.vscodeVersion}, ${results.host.appHost}/${results.host.uiKind}, remote ${results.host.remoteName ?? 'none'}):\n`);
    for (const line of results.output) console.log(`  ${line}`);
    console.log('\nWorkbench checks:');
    for (const c of checks) console.log(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`);
    console.log(`\nscreenshot: ${screenshot}`);
    exitCode = results.passed && checks.every((c) => c.ok) ? 0 : 1;
  } catch (err) {
    console.error(`\nvscode e2e: ${err instanceof Error ? err.message : String(err)}`);
    if (browser) {
      const page = browser.contexts()[0]?.pages()[0];
      await page?.screenshot({ path: join(OUT_DIR, 'workbench-failure.png') }).catch(() => undefined);
    }
    exitCode = 1;
  } finally {
    writeFileSync(releaseFile, '');
    await browser?.close().catch(() => undefined);
    await server?.stop();
    log.end();
    writeFileSync(join(OUT_DIR, 'browser-console.log'), consoleLog.join('\n'));
    // The server's and the extension host's logs (the Latency output channel among them).
    if (existsSync(join(userDataDir, 'logs'))) cpSync(join(userDataDir, 'logs'), join(OUT_DIR, 'logs'), { recursive: true });
    if (exitCode === 0) rmSync(work, { recursive: true, force: true });
    else console.error(`kept ${work} (workspace, profile and logs of code-server) and ${OUT_DIR}`);
  }
  timings.total = Math.round(performance.now() - t0);
  console.log(`\ntimings (ms): ${Object.entries(timings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(exitCode === 0 ? 'PASSED' : 'FAILED');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof SetupError ? `vscode e2e: ${err.message}` : err);
    process.exit(err instanceof SetupError ? 2 : 1);
  },
);
