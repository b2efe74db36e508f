// Runs the results panel's webview in a real Chromium, under the same CSP it gets in VS Code:
// the shell from renderPanelHtml, the bundle built (in memory) from src/webview/main.ts and
// media/panel.css, served from a loopback server that plays the part of the webview resource
// origin, with a stand-in for VS Code's side (acquireVsCodeApi, theme variables, persisted state).
//
// Used by test/integration/webview.test.ts and scripts/screenshot-panel.ts. All state lives on
// a WebviewHarness instance: start one, open panels on it, close it.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { renderPanelHtml } from '../../src/core/panelHtml';
import type { PanelComparison } from '../../src/core/panelProtocol';
import type { BenchmarkResult } from '../../src/core/result';

export const ROOT = resolve(__dirname, '../..');
/** Debian's chromium package; playwright-core drives it and downloads nothing. */
export const CHROMIUM = '/usr/bin/chromium';

// ---------------------------------------------------------------------------------------------
// Themes, as VS Code writes them onto <html style> and the body class.

export interface Theme {
  bodyClass: string[];
  vars: Record<string, string>;
}

export const DARK_MODERN: Theme = {
  bodyClass: ['vscode-dark'],
  vars: {
    '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
    '--vscode-font-size': '13px',
    '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
    '--vscode-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-sideBar-background': '#181818',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-widget-border': '#313131',
    '--vscode-editorGroup-border': '#ffffff17',
    '--vscode-charts-foreground': '#cccccc',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-editorError-foreground': '#f14c4c',
    '--vscode-editorWarning-foreground': '#cca700',
    '--vscode-editorInfo-foreground': '#3794ff',
    '--vscode-editorHoverWidget-background': '#202020',
    '--vscode-editorHoverWidget-foreground': '#cccccc',
    '--vscode-editorHoverWidget-border': '#454545',
    '--vscode-inputValidation-warningBackground': '#352a05',
    '--vscode-inputValidation-warningBorder': '#b89500',
  },
};

export const HIGH_CONTRAST_LIGHT: Theme = {
  bodyClass: ['vscode-high-contrast', 'vscode-high-contrast-light'],
  vars: {
    ...DARK_MODERN.vars,
    '--vscode-foreground': '#292929',
    '--vscode-descriptionForeground': '#292929',
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#292929',
    '--vscode-editorWidget-background': '#ffffff',
    '--vscode-panel-border': '#0f4a85',
    '--vscode-contrastBorder': '#0f4a85',
    '--vscode-charts-blue': '#0f4a85',
    '--vscode-charts-orange': '#b5200d',
    '--vscode-charts-red': '#b5200d',
    '--vscode-charts-green': '#374e06',
    '--vscode-charts-purple': '#652d90',
    '--vscode-editorError-foreground': '#b5200d',
    '--vscode-editorWarning-foreground': '#895503',
    '--vscode-editorInfo-foreground': '#0f4a85',
    '--vscode-editorHoverWidget-background': '#ffffff',
    '--vscode-editorHoverWidget-foreground': '#292929',
  },
};

export const LIGHT_MODERN: Theme = {
  bodyClass: ['vscode-light'],
  vars: {
    ...DARK_MODERN.vars,
    '--vscode-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-widget-border': '#e5e5e5',
    '--vscode-editorGroup-border': '#e5e5e5',
    '--vscode-charts-foreground': '#3b3b3b',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-red': '#e51400',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-purple': '#652d90',
    '--vscode-editorError-foreground': '#e51400',
    '--vscode-editorWarning-foreground': '#bf8803',
    '--vscode-editorInfo-foreground': '#1a85ff',
    '--vscode-editorHoverWidget-background': '#f8f8f8',
    '--vscode-editorHoverWidget-foreground': '#3b3b3b',
    '--vscode-editorHoverWidget-border': '#c8c8c8',
    '--vscode-inputValidation-warningBackground': '#f6f5d2',
    '--vscode-inputValidation-warningBorder': '#b89500',
  },
};

// ---------------------------------------------------------------------------------------------
// The page side.

/**
 * What vscodeHostStub installs on `window`, for the functions passed to page.evaluate. Callers
 * declare their own `window` with it (plus whatever else they read), module-local, because the
 * root tsconfig deliberately has no DOM lib (host and profiler code must not see one).
 */
export interface HostStubWindow {
  /** Every message the page posted to the host, in order. */
  __posted: Array<{ type: string }>;
  /** CSP violations, from before the first page script ran. */
  __cspViolations: string[];
  /** Switches the theme the way VS Code does: new variables and body classes, nothing else. */
  __applyTheme(theme: Theme): void;
  postMessage(message: unknown, targetOrigin: string): void;
}
declare const window: HostStubWindow;
declare const sessionStorage: { setItem(key: string, value: string): void };

/**
 * This stands in for VS Code's webview host: acquireVsCodeApi() (callable once, as in
 * VS Code) records what the page posts, and keeps setState() in sessionStorage so it outlives
 * a reload the way VS Code's persisted webview state does. It also applies the theme the way
 * VS Code does, and records CSP violations from before the first script runs.
 *
 * Plain source text rather than a function: tsx compiles functions with esbuild's keepNames
 * helper (__name), which does not exist in the page.
 */
export function vscodeHostStub(theme: Theme): string {
  return `(() => {
    let theme = ${JSON.stringify(theme)};
    const posted = [];
    const violations = [];
    window.__posted = posted;
    window.__cspViolations = violations;
    document.addEventListener('securitypolicyviolation', (e) => {
      violations.push(e.violatedDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });
    const applyTheme = () => {
      for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.add(...theme.bodyClass);
    };
    window.__applyTheme = (t) => {
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      document.documentElement.removeAttribute('style');
      theme = t;
      applyTheme();
    };
    const KEY = 'vscode-webview-state';
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      // VS Code has applied the theme before any page script runs.
      applyTheme();
      return {
        postMessage: (m) => { posted.push(JSON.parse(JSON.stringify(m))); },
        getState: () => {
          const s = sessionStorage.getItem(KEY);
          return s === null ? undefined : JSON.parse(s);
        },
        setState: (s) => { sessionStorage.setItem(KEY, JSON.stringify(s)); return s; },
      };
    };
  })();`;
}

/** Polls with page.evaluate; page.waitForFunction would need eval, which the CSP forbids. */
export function until(page: Page, fn: () => unknown, what: string, timeoutMs?: number): Promise<void> {
  return waitFor(what, async () => Boolean(await page.evaluate(fn)), timeoutMs);
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Stands in for state persisted by an earlier session (possibly an older build): writes it
 * where the stand-in's getState() reads it, then reloads, as VS Code does when it revives a panel.
 */
export async function reloadWithState(page: Page, state: unknown): Promise<void> {
  await page.evaluate((s) => sessionStorage.setItem('vscode-webview-state', JSON.stringify(s)), state);
  await page.reload();
  await until(page, () => window.__posted.some((m) => m.type === 'ready'), 'ready after reload');
}

/**
 * What the host sends: a full snapshot, delivered through window.postMessage as VS Code does.
 * Without a comparison the key is left out, as the host leaves it out.
 */
export async function sendSnapshot(page: Page, result: BenchmarkResult, comparison?: PanelComparison): Promise<void> {
  const message = comparison ? { type: 'snapshot', result, comparison } : { type: 'snapshot', result };
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

// ---------------------------------------------------------------------------------------------
// The host side.

/**
 * The webview entry with the options esbuild.js gives it (less the source map), built in
 * memory so callers always exercise the current source and never race a build writing dist/.
 */
export async function buildWebviewBundle(root: string = ROOT): Promise<string> {
  const built = await esbuild.build({
    entryPoints: [join(root, 'src/webview/main.ts')],
    outfile: join(root, 'dist/webview.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
    plugins: [
      {
        name: 'forbid-vscode',
        setup(build) {
          build.onResolve({ filter: /^vscode$/ }, (args) => ({ errors: [{ text: `the webview must not import "vscode" (from ${args.importer})` }] }));
        },
      },
    ],
  });
  return built.outputFiles[0]!.text;
}

export interface HarnessOptions {
  /** The panel title written into the shell's <title>, as the host does (`Latency: <model>`). */
  title?: string;
  chromiumPath?: string;
}

export interface OpenPanelOptions {
  theme?: Theme;
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
}

/** One open panel page, in its own browser context (so its own sessionStorage). */
export interface PanelProbe {
  page: Page;
  context: BrowserContext;
  /** Page errors, console errors and console warnings, as they happen. */
  errors: string[];
}

export interface ServedRequest {
  path: string;
  status: number;
}

export class WebviewHarness {
  private constructor(
    readonly title: string,
    /** The loopback origin standing in for the webview's resource origin (`webview.cspSource`). */
    readonly origin: string,
    /** Every request the loopback server answered (the favicon aside), with its status. */
    readonly requests: readonly ServedRequest[],
    private readonly server: Server,
    private readonly browser: Browser,
  ) {}

  /**
   * Builds the bundle, starts the server and launches Chromium. Throws with install
   * instructions when Chromium is missing, before doing anything else.
   */
  static async start(opts: HarnessOptions = {}): Promise<WebviewHarness> {
    const chromiumPath = opts.chromiumPath ?? CHROMIUM;
    if (!existsSync(chromiumPath)) {
      throw new Error(`Chromium is required to render the results panel and was not found at ${chromiumPath}. Install it with: apt-get install -y chromium`);
    }
    const title = opts.title ?? 'Latency';
    const bundle = await buildWebviewBundle();
    const css = readFileSync(join(ROOT, 'media/panel.css'), 'utf8');

    const requests: ServedRequest[] = [];
    let origin = '';
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const send = (status: number, type: string, body: string) => {
        requests.push({ path, status });
        res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (path === '/') {
        send(200, 'text/html', renderPanelHtml({
          cspSource: origin,
          nonce: randomBytes(16).toString('base64'),
          scriptUri: `${origin}/dist/webview.js`,
          styleUri: `${origin}/media/panel.css`,
          title,
        }));
      } else if (path === '/dist/webview.js') send(200, 'text/javascript', bundle);
      else if (path === '/media/panel.css') send(200, 'text/css', css);
      // Chromium asks for this on its own; a VS Code webview never would.
      else if (path === '/favicon.ico') res.writeHead(204).end();
      else send(404, 'text/plain', 'not found');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    let browser: Browser;
    try {
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
      });
    } catch (err) {
      await new Promise<void>((ok) => server.close(() => ok()));
      throw err;
    }
    return new WebviewHarness(title, origin, requests, server, browser);
  }

  /**
   * Opens the panel in a fresh browser context with the host stand-in in place, and waits for the
   * webview to post `ready`. On failure the context is closed and the page's errors are in the
   * message.
   */
  async openPanel(opts: OpenPanelOptions = {}): Promise<PanelProbe> {
    const context = await this.browser.newContext({
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    });
    await context.addInitScript({ content: vscodeHostStub(opts.theme ?? DARK_MODERN) });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`);
    });
    try {
      await page.goto(`${this.origin}/`);
      await until(page, () => window.__posted.some((m) => m.type === 'ready'), 'the webview to post ready');
    } catch (err) {
      await context.close();
      throw new Error(`${(err as Error).message}; page reported: ${errors.join(' | ') || 'nothing'}`);
    }
    return { page, context, errors };
  }

  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      await new Promise<void>((ok) => this.server.close(() => ok()));
    }
  }
}

/** A canvas as the functions passed to page.evaluate touch it (the root tsconfig has no DOM lib). */
export interface PageCanvas {
  width: number;
  height: number;
  dataset: Record<string, string | undefined>;
  getContext(kind: '2d', opts?: { willReadFrequently: boolean }): {
    drawImage(source: PageCanvas, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}

declare const document: { getElementById(id: string): PageCanvas | null; createElement(tag: 'canvas'): PageCanvas };

/** Painted pixels on a canvas, and how many are close to `rgb` (when given). */
export function canvasPixels(page: Page, id: string, rgb?: [number, number, number]) {
  return page.evaluate(
    ({ id, rgb }) => {
      const canvas = document.getElementById(id)!;
      // Read through a copy: repeated getImageData on the chart's own canvas makes Chromium warn
      // (willReadFrequently), which would trip the no-console-warnings check.
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      let matching = 0;
      let hash = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! === 0) continue;
        painted++;
        hash = (Math.imul(hash, 31) + data[i]! * 65536 + data[i + 1]! * 256 + data[i + 2]!) | 0;
        if (rgb && Math.abs(data[i]! - rgb[0]) + Math.abs(data[i + 1]! - rgb[1]) + Math.abs(data[i + 2]! - rgb[2]) < 24) matching++;
      }
      return { painted, matching, hash, total: canvas.width * canvas.height };
    },
    { id, rgb },
  );
}
