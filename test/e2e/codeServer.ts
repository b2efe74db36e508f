// code-server (VS Code 1.100.3 served to a browser) and Chromium for the VS Code tests: finding
// them, installing a VSIX, starting a server on a fresh profile, opening its workbench, and
// ending every process they started. Nothing here knows about the Latency extension.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, watch, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CODE_SERVER_VERSION = '4.100.3';
/** The one command that installs everything the VS Code tests need. */
export const INSTALL_COMMAND = 'bash scripts/install-code-server.sh';
// Same default and override as scripts/install-code-server.sh.
const CODE_SERVER_DIR = process.env.LATENCY_CODE_SERVER_DIR || join(homedir(), '.cache', 'latency-test', `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER = process.env.LATENCY_CODE_SERVER || join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Something this machine lacks; the message says how to install it. */
export class SetupError extends Error {}

/** Throws a SetupError naming what is missing and INSTALL_COMMAND. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(CODE_SERVER)) {
    missing.push(`code-server ${CODE_SERVER_VERSION} (looked for ${CODE_SERVER})`);
  } else if (!process.env.LATENCY_CODE_SERVER) {
    const pkg = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json');
    const version = existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version : undefined;
    if (version !== CODE_SERVER_VERSION) missing.push(`code-server ${CODE_SERVER_VERSION} (${CODE_SERVER_DIR} holds ${version ?? 'an unknown version'})`);
  }
  if (!existsSync(CHROMIUM)) missing.push(`Chromium (looked for ${CHROMIUM})`);
  if (missing.length) {
    throw new SetupError(`the VS Code tests need ${missing.join(' and ')}.\nInstall with:\n\n    ${INSTALL_COMMAND}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Process groups: code-server leads one of its own (server, extension host, profiler), which a
// Ctrl-C of this process does not reach. Every live group is killed when this process ends.

const liveGroups = new Set<number>();
let exitHooked = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const p of liveGroups) killGroup(p, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\nvscode tests: ${signal}, stopping code-server`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** The environment for code-server: this one, less what a VS Code this may run in (a terminal of it) would leak. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete env[k];
  return env;
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

/** A config file of our own, so ~/.config/code-server/config.yaml is neither read nor written. */
function writeConfig(workDir: string, name: string, port: number): string {
  mkdirSync(workDir, { recursive: true });
  const config = join(workDir, name);
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  return config;
}

/**
 * `code-server --install-extension vsix` into extensionsDir, as a user installs a VSIX; returns
 * the folder it unpacked the extension into.
 */
export async function installVsix(vsix: string, extensionsDir: string, workDir: string, extensionId: string): Promise<string> {
  mkdirSync(extensionsDir, { recursive: true });
  const config = writeConfig(workDir, 'code-server-install.yaml', 0);
  const args = ['--config', config, '--user-data-dir', join(workDir, 'install-user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix];
  const output = await new Promise<string>((resolve, reject) => {
    execFile(CODE_SERVER, args, { env: cleanEnv({ XDG_DATA_HOME: join(workDir, 'xdg-data') }), timeout: 120_000 }, (err, stdout, stderr) => {
      const text = `${stdout}${stderr}`;
      if (err) reject(new Error(`code-server --install-extension ${vsix} failed: ${err.message}\n${text}`));
      else resolve(text);
    });
  });
  if (!/successfully installed/i.test(output)) throw new Error(`code-server --install-extension did not report success:\n${output}`);
  const folder = readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(`${extensionId.toLowerCase()}-`));
  if (!folder) throw new Error(`no ${extensionId}-* folder in ${extensionsDir} after installing ${vsix}:\n${output}`);
  return join(extensionsDir, folder);
}

export interface CodeServer {
  process: ChildProcess;
  url: string;
  /** Rejects when code-server exits before stop(). */
  exited: Promise<never>;
  /** Rejects when code-server reports that an extension host process exited. */
  extensionHostExited: Promise<never>;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  workDir: string;
  folder: string;
  userDataDir: string;
  extensionsDir: string;
  /** false: the folder opens in Restricted Mode (workspace trust on, a fresh profile trusts nothing). */
  trusted: boolean;
  env: NodeJS.ProcessEnv;
  log: WriteStream;
  /** Where the log is, for error messages. */
  logPath: string;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const port = await freePort();
  const config = writeConfig(opts.workDir, 'code-server.yaml', port);
  const args = [
    '--config', config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(opts.trusted ? ['--disable-workspace-trust'] : []),
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    opts.folder,
  ];
  const child = spawn(CODE_SERVER, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) trackGroup(child.pid);
  let stopping = false;
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`could not start code-server: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      if (!stopping) reject(new Error(`code-server exited early (code ${code}, signal ${signal}); see ${opts.logPath}`));
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
        reject(new Error(`the extension host exited (code ${m[1]}, signal ${m[2]}); see ${opts.logPath}`));
      }
    };
    child.stdout?.on('data', onData);
  });
  extensionHostExited.catch(() => undefined);
  child.stdout?.pipe(opts.log, { end: false });
  child.stderr?.pipe(opts.log, { end: false });

  const stop = async () => {
    stopping = true;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child.pid, 'SIGTERM');
    const killer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 5000);
    await gone;
    clearTimeout(killer);
    // The group's other members (extension host, file watcher, a profiler) may outlive the leader.
    killGroup(child.pid, 'SIGKILL');
  };

  // code-server prints "HTTP server listening on http://127.0.0.1:PORT/" once it serves.
  let startTimer: NodeJS.Timeout | undefined;
  try {
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
      new Promise<never>((_, reject) => {
        startTimer = setTimeout(() => reject(new Error(`code-server did not start listening within 60 s; see ${opts.logPath}`)), 60_000);
      }),
    ]);
    return { process: child, url, exited, extensionHostExited, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(startTimer);
  }
}

/** The workbench URL for `folder`; with `payload`, VS Code's extension-development options (vscode-remote URIs). */
export function workbenchUrl(base: string, folder: string, dev?: { extensionDevelopmentPath: string; extensionTestsPath: string }): string {
  const authority = new URL(base).host;
  const remote = (p: string) => `vscode-remote://${authority}${p}`;
  let url = `${base}?folder=${encodeURIComponent(folder)}`;
  if (dev) {
    const payload = [
      ['extensionDevelopmentPath', remote(dev.extensionDevelopmentPath)],
      ['extensionTestsPath', remote(dev.extensionTestsPath)],
    ];
    url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return url;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.LATENCY_E2E_HEADED !== '1',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface Workbench {
  page: Page;
  /** Rejects when the page crashes. */
  crashed: Promise<never>;
  /** The browser console, HTTP errors and page errors, for the artifacts. */
  consoleLog: string[];
}

/** Opens `url` in a new page and waits for the workbench (its status bar) to show. */
export async function openWorkbench(browser: Browser, url: string): Promise<Workbench> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const consoleLog: string[] = [];
  page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}${m.type() === 'error' && m.location().url ? ` (${m.location().url})` : ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) consoleLog.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => consoleLog.push(`[request failed] ${r.url()}: ${r.failure()?.errorText ?? ''}`));
  page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
  const crashed = new Promise<never>((_, reject) => {
    page.once('crash', () => reject(new Error('the workbench page crashed')));
  });
  crashed.catch(() => undefined);
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ state: 'attached', timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  return { page, crashed, consoleLog };
}

/** Resolves when `file` exists (write it whole: rename into place); rejects after timeoutMs or when `abort` rejects. */
export function waitForFile(file: string, timeoutMs: number, abort: Promise<never>, what: string): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  return new Promise<void>((resolve, reject) => {
    const watcher = watch(dirname(file), () => {
      if (existsSync(file)) done();
    });
    const timer = setTimeout(() => fail(new Error(`${what} did not appear within ${timeoutMs / 1000} s`)), timeoutMs);
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

/**
 * Resolves with `probe()`'s first defined value, probing every intervalMs; rejects after
 * timeoutMs naming `what`. For state only a file or /proc tells (a log line, a process).
 */
export async function waitForValue<T>(probe: () => T | undefined, what: string, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Files named `name` anywhere under `dir` (the extension host's logs sit in a dated folder). */
export function findFiles(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.split(/[\\/]/).pop() === name)
    .map((p) => join(dir, p));
}
