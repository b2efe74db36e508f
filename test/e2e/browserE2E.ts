// The browser end-to-end test: Chromium (Playwright) drives code-server with the PACKAGED
// extension installed (code-server --install-extension latency-linux-x64-*.vsix), no test
// hooks, as a user would: F1, "Latency: Run Benchmark", pick a model in the quick pick by typing,
// read the results panel's webview, the status bar, cancel a long run from its progress
// notification.
//
// What the panel and status bar must show is taken from the extension itself: the headline it
// writes to its "Latency" log (`lenet5.onnx: p50 83.0 µs, p99 0.912 ms over 40 runs`), read from
// the log file in code-server's profile. Each step waits, bounded, for the text it expects.

import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { CheckList, exactly, type Check } from './checks';
import { cleanEnv, findFiles, launchChromium, openWorkbench, startCodeServer, waitForValue, workbenchUrl, type CodeServer } from './codeServer';
import { ADVISOR_FIXED, ADVISOR_FIXTURE, ARTIFACTS, FIXTURE, FIXTURE_CONFIG, ROOT, prepareFixtureWorkspace, writeUserSettings } from './shared';

/** Where the README-style screenshot of the panel goes when LATENCY_UPDATE_SCREENSHOT=1. */
export const DOCS_SCREENSHOT = join(ROOT, 'docs', 'vscode-results-panel.png');
const SCREENSHOT_LIMIT_BYTES = 400 * 1024;

export interface BrowserE2ERun {
  checks: Check[];
  /** Why the run stopped outside any check (code-server or the page failed). */
  error?: string;
  artifacts: string;
  workDir: string;
  timings: Record<string, number>;
}

export interface BrowserE2EOptions {
  /** A code-server extensions folder holding the installed VSIX. */
  extensionsDir: string;
  workDir: string;
  /** Also write the panel's screenshot to docs/vscode-results-panel.png. */
  updateDocsScreenshot: boolean;
}

/** The headline the extension logs for every result it shows (resultHeadline in src/core/messages.ts). */
interface Headline {
  p50: string;
  p99: string;
  n: number;
  partial: boolean;
}

function parseHeadlines(log: string, model: string): Headline[] {
  const re = new RegExp(`\\[info\\] ${model.replace(/\./g, '\\.')}: p50 (.+?), p99 (.+?) over (\\d+) runs( \\(partial\\))?$`, 'gm');
  return [...log.matchAll(re)].map((m) => ({ p50: m[1]!, p99: m[2]!, n: Number(m[3]), partial: m[4] !== undefined }));
}

/** Processes (pids) running the given profiler script, from /proc. */
function processesRunning(script: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
      } catch {
        return false;
      }
    })
    .map(Number);
}

export async function runBrowserE2E(opts: BrowserE2EOptions): Promise<BrowserE2ERun> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const outDir = join(ARTIFACTS, 'vscode', 'e2e');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  rmSync(opts.workDir, { recursive: true, force: true });
  mkdirSync(opts.workDir, { recursive: true });

  // A stable folder name: it shows in the screenshot.
  const folder = prepareFixtureWorkspace(opts.workDir, 'models');
  const userDataDir = join(opts.workDir, 'user-data');
  writeUserSettings(userDataDir);
  const env = cleanEnv({ XDG_DATA_HOME: join(opts.workDir, 'xdg-data') });
  const logPath = join(outDir, 'code-server.log');
  const log = createWriteStream(logPath);
  const installed = readdirSync(opts.extensionsDir).find((d) => d.startsWith('latency-dev.latency-'));
  const profilerScript = join(opts.extensionsDir, installed ?? 'latency-dev.latency-?', 'dist', 'profiler.js');

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let consoleLog: string[] = [];
  let error: string | undefined;
  const checks = new CheckList(() => page, outDir);

  /** The extension's own log (its "Latency" output channel), once the extension host wrote it. */
  const extensionLog = () => {
    const file = findFiles(join(userDataDir, 'logs'), 'Latency.log')[0];
    return file ? readFileSync(file, 'utf8') : '';
  };
  const waitForHeadline = (model: string, count: number) =>
    waitForValue(() => parseHeadlines(extensionLog(), model)[count - 1], `the extension to log result ${count} of ${model} (Latency.log)`, 15_000);

  let closing = false;
  try {
    let t = performance.now();
    server = await startCodeServer({ workDir: opts.workDir, folder, userDataDir, extensionsDir: opts.extensionsDir, trusted: true, env, log, logPath });
    browser = await launchChromium();
    timings['code-server + chromium start'] = Math.round(performance.now() - t);
    const serverGone = Promise.race([server.exited, server.extensionHostExited]);

    t = performance.now();
    await checks.run('the workbench opens the fixture workspace, trusted, with the packaged extension', async () => {
      const workbench = await openWorkbench(browser!, workbenchUrl(server!.url, folder));
      page = workbench.page;
      consoleLog = workbench.consoleLog;
      void Promise.race([serverGone, workbench.crashed]).catch((err: unknown) => {
        // Closing the browser at the end disconnects the client, and code-server then ends the extension host (code 0): that is no crash.
        if (closing) return;
        error ??= err instanceof Error ? err.message : String(err);
      });
      await page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: FIXTURE.model }).first().waitFor({ state: 'visible', timeout: 30_000 });
      if (!installed) throw new Error(`no latency-dev.latency-* folder in ${opts.extensionsDir}`);
      return `${installed} installed; explorer lists ${FIXTURE.model}`;
    });
    timings['workbench load'] = Math.round(performance.now() - t);

    t = performance.now();
    let quickPickItems: string[] = [];
    const models = Object.values(FIXTURE).filter((f) => f.endsWith('.onnx'));
    const targets = Object.keys(FIXTURE_CONFIG.targets);
    await checks.run(`F1 › "Latency: Run Benchmark" asks what to benchmark, listing the workspace's ${models.length} models, its ${targets.length} named targets and the other kinds`, async () => {
      const attempts = await runFromCommandPalette(page!, 'Latency: Run Benchmark');
      quickPickItems = await waitForModelPick(page!);
      const expected = [...models, ...targets, 'Python Function…', 'Shell Command…', 'Choose a Model File…'].sort();
      if (JSON.stringify([...quickPickItems].sort()) !== JSON.stringify(expected)) {
        throw new Error(`the quick pick lists ${JSON.stringify(quickPickItems)}, expected ${JSON.stringify(expected)}`);
      }
      return `${quickPickItems.join(', ')}${attempts > 1 ? ` (listed at the palette's opening #${attempts}: the extension host was still starting)` : ''}`;
    });

    let completed: Headline | undefined;
    await checks.run(`typing "lenet5" and Enter benchmarks ${FIXTURE.model}: the results panel opens`, async () => {
      await chooseModel(page!, 'lenet5', FIXTURE.model);
      await page!.locator('.tab').filter({ hasText: `Latency: ${FIXTURE.model}` }).first().waitFor({ state: 'visible', timeout: 30_000 });
      completed = await waitForHeadline(FIXTURE.model, 1);
      return `extension logged p50 ${completed.p50}, p99 ${completed.p99}, n ${completed.n}`;
    });
    timings['first benchmark (palette → panel)'] = Math.round(performance.now() - t);

    await checks.run('the panel shows the extension\'s figures: n and p50', async () => {
      const figures = await readPanel(page!, { n: completed!.n, p50: completed!.p50 });
      if (completed!.n !== FIXTURE_CONFIG.iterations) throw new Error(`the extension measured ${completed!.n} runs, .vscode/latency.json asks for ${FIXTURE_CONFIG.iterations}`);
      if (completed!.partial) throw new Error('the extension logged the result as partial');
      if (figures.partialBanner) throw new Error('a complete run shows the Partial banner');
      return `n ${figures.n}, p50 ${figures.p50}, p99 ${figures.p99} (as logged: p99 ${completed!.p99})`;
    });

    await checks.run('the panel lists the run checks the extension logged, RUN002 among them (40 runs cannot bound p95)', async () => {
      const logged = (/\[info\] run checks: (.+)$/m.exec(extensionLog())?.[1] ?? '').split(', ').filter((c) => c !== 'none');
      if (!logged.some((c) => c.startsWith('RUN002 '))) throw new Error(`the extension logged run checks ${JSON.stringify(logged)}, without RUN002`);
      const cards = panelFrame(page!).locator('[data-code]');
      await cards.nth(logged.length - 1).waitFor({ state: 'visible', timeout: 10_000 });
      const shown = await cards.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-code')} ${e.getAttribute('data-severity')}`));
      if (JSON.stringify(shown) !== JSON.stringify(logged)) throw new Error(`the panel shows ${JSON.stringify(shown)}, the extension logged ${JSON.stringify(logged)}`);
      const run002 = ((await panelFrame(page!).locator('[data-code="RUN002"]').first().textContent()) ?? '').replace(/\s+/g, ' ');
      if (!/needs at least 72/.test(run002)) throw new Error(`RUN002 reads "${run002.slice(0, 200)}"`);
      return `${shown.join(', ')}; RUN002: "${run002.slice(0, 90)}…"`;
    });

    await checks.run('the status bar shows the p50', async () => {
      return waitForStatusBar(page!, `p50 ${completed!.p50}`);
    });

    await checks.run('a screenshot of the panel is saved, under 400 KB', async () => {
      // Move the mouse off any hover, let the charts finish their first paint (no animation in the panel).
      await page!.mouse.move(0, 0);
      const shot = join(outDir, 'results-panel.png');
      await page!.screenshot({ path: shot });
      const size = statSync(shot).size;
      if (size > SCREENSHOT_LIMIT_BYTES) throw new Error(`${shot} is ${(size / 1024).toFixed(0)} KB`);
      if (opts.updateDocsScreenshot) copyFileSync(shot, DOCS_SCREENSHOT);
      return `${opts.updateDocsScreenshot ? DOCS_SCREENSHOT : shot} (${(size / 1024).toFixed(0)} KB)`;
    });

    t = performance.now();
    await checks.run('F1 › "Latency: Set Run as Baseline…" lists the saved run; Enter makes it the baseline', async () => {
      await runFromCommandPalette(page!, 'Latency: Set Run as Baseline…');
      const rows = quickInput(page!).locator('.monaco-list-row');
      await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
      const listed = (await rows.first().textContent()) ?? '';
      if (!listed.includes(FIXTURE.model)) throw new Error(`the run quick pick's first row reads "${listed}"`);
      // Enter accepts the active row: wait until the pick has made the first one active, as a user would see it highlighted.
      await quickInput(page!).locator('.monaco-list-row.focused').filter({ hasText: FIXTURE.model }).first().waitFor({ state: 'visible', timeout: 10_000 });
      await page!.keyboard.press('Enter');
      await quickInput(page!).waitFor({ state: 'hidden', timeout: 5_000 });
      const id = await waitForValue(() => /\[info\] baseline is now (\S+)$/m.exec(extensionLog())?.[1], 'the extension to log the new baseline', 20_000);
      return `baseline ${id}`;
    });

    await checks.run(`a second benchmark of ${FIXTURE.model} is compared with the baseline: the panel shows the verdicts the extension logged`, async () => {
      await runFromCommandPalette(page!, 'Latency: Run Benchmark');
      await waitForModelPick(page!);
      await chooseModel(page!, 'lenet5', FIXTURE.model);
      await waitForHeadline(FIXTURE.model, 2);
      const line = await waitForValue(() => /\[info\] compared with the baseline .*?: (p50 .+)$/m.exec(extensionLog())?.[1], 'the extension to log the comparison', 20_000);
      const logged = Object.fromEntries([...line.matchAll(/(p50|p99) \S+ \S+ → \S+ \S+ \([^)]*\) (improved|regressed|no change|inconclusive)/g)].map((m) => [m[1]!, m[2]!]));
      if (!logged.p50 || !logged.p99) throw new Error(`cannot read the verdicts from "${line}"`);
      const frame = panelFrame(page!);
      await frame.locator('#comparison-card').waitFor({ state: 'visible', timeout: 10_000 });
      const shown: Record<string, string> = {};
      for (const metric of ['p50', 'p99']) {
        const row = frame.locator(`tr[data-compare-metric="${metric}"]`);
        shown[metric] = (await row.getAttribute('data-verdict', { timeout: 10_000 })) ?? '(none)';
      }
      if (shown.p50 !== logged.p50 || shown.p99 !== logged.p99) throw new Error(`the panel shows ${JSON.stringify(shown)}, the extension logged ${JSON.stringify(logged)}`);
      const label = ((await frame.locator('[data-compare="base-label"]').textContent()) ?? '').trim();
      return `p50 ${shown.p50}, p99 ${shown.p99}; against ${label}`;
    });
    timings['baseline and comparison'] = Math.round(performance.now() - t);

    t = performance.now();
    let partialRuns = 0;
    await checks.run(`a long run (${FIXTURE.longModel}, ${FIXTURE_CONFIG.models[FIXTURE.longModel]!.iterations.toLocaleString('en')} iterations) stops from its progress notification's Cancel button`, async () => {
      await runFromCommandPalette(page!, 'Latency: Run Benchmark');
      await waitForModelPick(page!);
      await chooseModel(page!, 'soak', FIXTURE.longModel);
      // The progress notification, once measured runs are under way: "1234/5000000 runs · p50 83.0 µs".
      const toast = page!.locator('.notification-toast').filter({ hasText: `Latency: ${FIXTURE.longModel}` });
      await toast.filter({ hasText: /\d+\/\d+ runs · p50/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
      const progress = ((await toast.first().locator('.notification-list-item-message').textContent()) ?? '').trim();
      await toast.first().getByRole('button', { name: 'Cancel' }).click({ timeout: 5_000 });
      const cancelled = page!.locator('.notification-toast .notification-list-item-message').filter({ hasText: /Latency: cancelled — partial result kept \(\d+ runs\)/ });
      await cancelled.first().waitFor({ state: 'visible', timeout: 10_000 });
      const message = ((await cancelled.first().textContent()) ?? '').trim();
      partialRuns = Number(/\((\d+) runs\)/.exec(message)?.[1]);
      return `cancelled at "${progress}"; then "${message}"`;
    });
    timings['long run → cancelled'] = Math.round(performance.now() - t);

    await checks.run('the cancelled run\'s profiler process has ended', async () => {
      const left = await waitForValue(() => (processesRunning(profilerScript).length === 0 ? [] : undefined), `no process running ${profilerScript}`, 5_000).catch(() => processesRunning(profilerScript));
      if (left.length) throw new Error(`still running ${profilerScript}: pids ${left.join(', ')}`);
      return `no process runs ${profilerScript.replace(opts.extensionsDir, '<extensions>')}`;
    });

    let partial: Headline | undefined;
    await checks.run('the panel shows the Partial banner and the partial figures', async () => {
      partial = await waitForHeadline(FIXTURE.longModel, 1);
      if (!partial.partial) throw new Error(`the extension logged ${JSON.stringify(partial)}, not partial`);
      if (partial.n !== partialRuns) throw new Error(`the notification says ${partialRuns} runs, the extension logged ${partial.n}`);
      const figures = await readPanel(page!, { n: partial.n, p50: partial.p50 });
      if (!figures.partialBanner) throw new Error('no Partial banner');
      if (!/^Partial — cancelled/.test(figures.partialBanner)) throw new Error(`the banner reads "${figures.partialBanner}"`);
      await page!.locator('.tab').filter({ hasText: `Latency: ${FIXTURE.longModel}` }).first().waitFor({ state: 'visible', timeout: 10_000 });
      return `"${figures.partialBanner.slice(0, 60)}…"; n ${figures.n}, p50 ${figures.p50}`;
    });

    await checks.run('the status bar shows the p50 marked (partial)', async () => {
      return waitForStatusBar(page!, `p50 ${partial!.p50} (partial)`);
    });

    await checks.run('closing the panel and clicking the status bar item reopens it with the last result', async () => {
      const tab = page!.locator('.tab').filter({ hasText: `Latency: ${FIXTURE.longModel}` }).first();
      await tab.hover();
      await tab.locator('.tab-actions .codicon-close, .tab-actions .action-label').first().click({ timeout: 5_000 });
      await page!.locator('iframe.webview.ready').waitFor({ state: 'detached', timeout: 10_000 });
      await page!.locator('.statusbar-item').filter({ hasText: exactly(`p50 ${partial!.p50} (partial)`) }).first().click();
      const figures = await readPanel(page!, { n: partial!.n, p50: partial!.p50 });
      if (!figures.partialBanner) throw new Error('the reopened panel shows no Partial banner');
      return `reopened: n ${figures.n}, p50 ${figures.p50}`;
    });
    t = performance.now();
    await checks.run(`opening ${FIXTURE.advisorFile} shows the advisors' squiggles`, async () => {
      await page!.keyboard.press('Control+P');
      const input = quickInput(page!).locator('.quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(FIXTURE.advisorFile);
      await quickInput(page!).locator('.monaco-list-row.focused').filter({ hasText: FIXTURE.advisorFile }).first().waitFor({ state: 'visible', timeout: 10_000 });
      await page!.keyboard.press('Enter');
      const squiggles = page!.locator('.monaco-editor .squiggly-warning');
      await squiggles.nth(1).waitFor({ state: 'attached', timeout: 20_000 }).catch(async () => {
        throw new Error(`${await squiggles.count()} warning squiggles in the editor after 20 s, expected 2`);
      });
      return `${await squiggles.count()} warning squiggles`;
    });

    await checks.run('Ctrl+. on the first finding lists the quick fix; choosing it rewrites the file', async () => {
      const { line, character } = ADVISOR_FIXTURE.first;
      await page!.keyboard.press('Control+G');
      await quickInput(page!).locator('.quick-input-box input').waitFor({ state: 'visible', timeout: 5_000 });
      await page!.keyboard.type(`${line + 1}:${character + 2}`);
      await page!.keyboard.press('Enter');
      await page!.keyboard.press('Control+.');
      const row = page!.locator('.action-widget .monaco-list-row').filter({ hasText: ADVISOR_FIXTURE.fixTitle });
      await row.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
        const shown = await page!.locator('.action-widget .monaco-list-row').allTextContents();
        throw new Error(`the quick fix menu lists ${JSON.stringify(shown)}`);
      });
      const listed = (await page!.locator('.action-widget .monaco-list-row').allTextContents()).map((x) => x.trim()).filter(Boolean);
      // The preferred fix comes first and is focused; Enter picks it, as a keyboard user does.
      const focused = ((await page!.locator('.action-widget .monaco-list-row.focused').first().textContent({ timeout: 5_000 })) ?? '').trim();
      if (!focused.includes(ADVISOR_FIXTURE.fixTitle)) throw new Error(`the focused quick fix is "${focused}", not the preferred "${ADVISOR_FIXTURE.fixTitle}"`);
      await page!.keyboard.press('Enter');
      await page!.locator('.action-widget').first().waitFor({ state: 'hidden', timeout: 5_000 });
      await page!.keyboard.press('Control+S');
      const file = join(folder, FIXTURE.advisorFile);
      await waitForValue(() => (readFileSync(file, 'utf8') === ADVISOR_FIXED ? true : undefined), `${FIXTURE.advisorFile} saved with time.perf_counter()`, 10_000).catch(() => {
        throw new Error(`the file reads:\n${readFileSync(file, 'utf8')}`);
      });
      // The re-analysis after the edit clears the warnings (debounced, in the worker thread).
      const squiggles = page!.locator('.monaco-editor .squiggly-warning');
      await squiggles.first().waitFor({ state: 'detached', timeout: 10_000 }).catch(async () => {
        throw new Error(`${await squiggles.count()} warning squiggles still shown 10 s after the fix`);
      });
      return `menu: ${listed.join(' | ')}; saved file uses perf_counter; no warning squiggles left`;
    });
    timings['advisor quick fix'] = Math.round(performance.now() - t);

    // Last, since it moves focus into the webview and then to the Settings editor.
    await checks.run('a run check\'s fix button opens the Settings editor at its setting (RUN006 → latency.cvTarget)', async () => {
      await page!.locator('.statusbar-item').filter({ hasText: /p50/ }).first().click();
      const card = panelFrame(page!).locator('[data-code="RUN006"]').first();
      await card.waitFor({ state: 'visible', timeout: 10_000 });
      // A note (info) starts folded: open it as a user would.
      if ((await card.locator('details[open]').count()) === 0) await card.locator('summary').click();
      const button = card.locator('.verdict-action').filter({ hasText: 'Open latency.cvTarget' }).first();
      await button.waitFor({ state: 'visible', timeout: 10_000 });
      await button.click();
      const editor = page!.locator('.settings-editor');
      await editor.first().waitFor({ state: 'visible', timeout: 10_000 });
      const query = ((await editor.locator('.suggest-input-container').first().textContent()) ?? '').trim();
      if (!query.includes('latency.cvTarget')) throw new Error(`the Settings editor searches for "${query}"`);
      await editor.locator('.setting-item-label').filter({ hasText: /^Cv Target$/i }).first().waitFor({ state: 'visible', timeout: 10_000 });
      return `searching "${query.replace(/^Search settings/, '')}", showing the CV target setting`;
    });
    if (error) throw new Error(error);
  } catch (err) {
    error ??= err instanceof Error ? err.message : String(err);
    await checks.screenshot('failure');
  } finally {
    closing = true;
    await browser?.close().catch(() => undefined);
    await server?.stop();
    log.end();
    writeFileSync(join(outDir, 'browser-console.log'), consoleLog.join('\n'));
    if (existsSync(join(userDataDir, 'logs'))) cpSync(join(userDataDir, 'logs'), join(outDir, 'logs'), { recursive: true });
  }
  const passed = !error && checks.passed;
  if (passed) rmSync(opts.workDir, { recursive: true, force: true });
  timings.total = Math.round(performance.now() - t0);
  return { checks: checks.checks, ...(error ? { error } : {}), artifacts: outDir, workDir: opts.workDir, timings };
}

export function browserRunPassed(run: BrowserE2ERun): boolean {
  return !run.error && run.checks.length > 0 && run.checks.every((c) => c.ok);
}

// ---------------------------------------------------------------------------------------------
// The workbench, as a user works it.

const quickInput = (page: Page) => page.locator('.quick-input-widget');

/**
 * F1, type the command's title, Enter. The palette lists an extension's commands once the
 * extension host has registered its contributions; until then the title finds nothing, so the
 * palette is closed and reopened (bounded). A palette that closes before the title is typed
 * (focus moved under it, e.g. as a previous quick pick hands focus back) is reopened too.
 */
async function runFromCommandPalette(page: Page, title: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const input = quickInput(page).locator('.quick-input-box input');
    const opened = await input.waitFor({ state: 'visible', timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    if (!opened) {
      // Focus left in the results webview's frame can keep F1 from the workbench: give it back
      // to the workbench (the side bar's title, which does nothing when clicked) and try again.
      if (Date.now() > deadline) throw new Error(`F1 does not open the command palette (looking for "${title}")`);
      await page.locator('.part.sidebar .title-label').first().click();
      continue;
    }
    const typed = await input.fill(`>${title}`, { timeout: 3_000 }).then(
      () => true,
      () => false,
    );
    const row = quickInput(page).locator('.monaco-list-row.focused').filter({ hasText: title });
    const found = typed && await row.first().waitFor({ state: 'visible', timeout: 1_500 }).then(
      () => true,
      () => false,
    );
    if (found) {
      await page.keyboard.press('Enter');
      return attempt;
    }
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`the command palette does not list "${title}"`);
  }
}

/** Waits for the extension's "What to benchmark?" quick pick; returns the labels it lists. */
async function waitForModelPick(page: Page): Promise<string[]> {
  const input = quickInput(page).locator('.quick-input-box input[placeholder="What to benchmark?"]');
  await input.waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
    const title = await quickInput(page).locator('.quick-input-title').textContent().catch(() => null);
    throw new Error(`no "What to benchmark?" quick pick (quick input title: ${JSON.stringify(title)})`);
  });
  await quickInput(page).locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 10_000 });
  // Section separators may render as rows of their own: only the items count.
  const separators = new Set(['ONNX models', 'Targets in latency.json', 'Other']);
  return (await quickInput(page).locator('.monaco-list-row .label-name').allTextContents()).map((s) => s.trim()).filter((s) => s && !separators.has(s));
}

/** Types `filter` into the model quick pick, checks that `model` is the one selected, Enter. */
async function chooseModel(page: Page, filter: string, model: string): Promise<void> {
  await page.keyboard.type(filter);
  const focused = quickInput(page).locator('.monaco-list-row.focused .label-name');
  await focused.filter({ hasText: exactly(model) }).waitFor({ state: 'visible', timeout: 5_000 }).catch(async () => {
    throw new Error(`typing "${filter}" selects ${JSON.stringify(await focused.allTextContents())}, not ${model}`);
  });
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden', timeout: 5_000 });
}

/** The results webview's content frame: the webview host iframe holds it as #active-frame. */
function panelFrame(page: Page): FrameLocator {
  return page.locator('iframe.webview.ready').first().contentFrame().locator('#active-frame').contentFrame();
}

/** Waits until the panel shows exactly `expected` n and p50; returns what it shows. */
async function readPanel(page: Page, expected: { n: number; p50: string }): Promise<{ n: string; p50: string; p99: string; partialBanner?: string }> {
  const frame = panelFrame(page);
  const cell = (stat: string) => frame.locator(`[data-stat="${stat}"]`);
  const n = expected.n.toString().replace(/\B(?=(\d{3})+$)/g, ',');
  try {
    await cell('n').filter({ hasText: exactly(n) }).waitFor({ state: 'visible', timeout: 20_000 });
    await cell('p50').filter({ hasText: exactly(expected.p50) }).waitFor({ state: 'visible', timeout: 5_000 });
  } catch {
    const shown = await Promise.all(['n', 'p50'].map((s) => cell(s).allTextContents().catch(() => ['(no panel)'])));
    throw new Error(`expected n "${n}" and p50 "${expected.p50}"; the panel shows n ${JSON.stringify(shown[0])}, p50 ${JSON.stringify(shown[1])}`);
  }
  const text = async (stat: string) => ((await cell(stat).first().textContent()) ?? '').trim();
  const banner = frame.locator('#partial-banner');
  const partialBanner = (await banner.count()) > 0 ? ((await banner.first().textContent()) ?? '').trim() : undefined;
  return { n: await text('n'), p50: await text('p50'), p99: await text('p99'), ...(partialBanner ? { partialBanner } : {}) };
}

/** Waits for a status bar item reading exactly `text` (its $(pulse) icon aside). */
async function waitForStatusBar(page: Page, text: string): Promise<string> {
  const item = page.locator('.statusbar-item').filter({ hasText: exactly(text) });
  await item.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
    const shown = await page.locator('.statusbar-item').filter({ hasText: /p50/ }).allTextContents();
    throw new Error(`expected "${text}", the status bar shows ${JSON.stringify(shown)}`);
  });
  const label = await item.first().locator('a').getAttribute('aria-label').catch(() => null);
  return `"${text}"${label ? ` (aria-label "${label.replace(/\s+/g, ' ').trim()}")` : ''}`;
}
