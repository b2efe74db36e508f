// Renders a saved benchmark result in the results panel's webview and saves a full-page PNG:
// for README/docs images taken from real runs rather than drawn by hand or from made-up data.
//
//   npm run build --silent
//   node dist/cli.js bench examples/tiny-transformer.onnx --threads 1 --json /tmp/result.json
//   node --import tsx scripts/screenshot-panel.ts /tmp/result.json docs/results-panel.png --theme dark
//
// With --base <other.json> the panel also shows the result compared with that run, as the
// host shows it against the workspace baseline (compareRuns with its defaults).
//
// The panel is the real one (src/webview built in memory, media/panel.css, renderPanelHtml's
// CSP) in Debian's Chromium, through the same harness as test/integration/webview.test.ts.
// It refuses a result the panel would refuse, and fails on any CSP violation, console error or
// page error, so a broken panel never ends up in the docs.

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compareRuns } from '../src/core/compare';
import { isBenchmarkResult, type PanelComparison } from '../src/core/panelProtocol';
import type { BenchmarkResult } from '../src/core/result';
import {
  DARK_MODERN,
  HIGH_CONTRAST_LIGHT,
  WebviewHarness,
  sendSnapshot,
  until,
  type HostStubWindow,
  type Theme,
} from '../test/support/webviewHarness';

// Module-local page globals for page.evaluate (the root tsconfig has no DOM lib).
declare const window: HostStubWindow & { requestAnimationFrame(cb: () => void): number };
declare const document: {
  getElementById(id: string): { hidden: boolean; textContent: string | null } | null;
  documentElement: { scrollWidth: number; scrollHeight: number };
};

const THEMES: Record<string, Theme> = { dark: DARK_MODERN, 'hc-light': HIGH_CONTRAST_LIGHT };
const USAGE = 'usage: node --import tsx scripts/screenshot-panel.ts <result.json> <out.png> [--theme dark|hc-light] [--width <px>] [--base <base-result.json>]';

interface Args {
  input: string;
  output: string;
  theme: Theme;
  width: number;
  base?: string;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  let theme = DARK_MODERN;
  let width = 1280;
  let base: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--theme') {
      const name = value();
      const t = THEMES[name];
      if (!t) throw new Error(`unknown theme "${name}" (dark or hc-light)\n${USAGE}`);
      theme = t;
    } else if (flag === '--width') {
      width = Number(value());
      if (!Number.isInteger(width) || width < 320 || width > 4000) throw new Error(`--width must be a whole number of pixels from 320 to 4000\n${USAGE}`);
    } else if (flag === '--base') {
      base = resolve(value());
    } else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag.startsWith('-')) {
      throw new Error(`unknown option ${flag}\n${USAGE}`);
    } else positional.push(arg);
  }
  if (positional.length !== 2) throw new Error(USAGE);
  return { input: resolve(positional[0]!), output: resolve(positional[1]!), theme, width, ...(base ? { base } : {}) };
}

function readResult(path: string): BenchmarkResult {
  const result: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isBenchmarkResult(result)) {
    throw new Error(`${path} is not a benchmark result this panel accepts (write one with: node dist/cli.js bench <model.onnx> --json <file>)`);
  }
  return result;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const result = readResult(args.input);
  let comparison: PanelComparison | undefined;
  if (args.base) {
    const base = readResult(args.base);
    comparison = { source: 'baseline', base: { label: `${base.target.name}, ${base.finishedAt}`, result: base }, comparison: compareRuns(base, result) };
  }

  const harness = await WebviewHarness.start({ title: `Latency: ${result.target.name}` });
  try {
    // The height only sets the first layout; the screenshot is of the full page.
    const probe = await harness.openPanel({ theme: args.theme, viewport: { width: args.width, height: 900 }, deviceScaleFactor: 1 });
    try {
      const { page } = probe;
      await sendSnapshot(page, result, comparison);
      // Either the panel shows, or the webview says why it could not (main.ts's render()).
      await until(page, () => document.getElementById('app')?.hidden === false || /^Could not show/.test(document.getElementById('empty-state')?.textContent ?? ''), 'the panel to render');
      const failure = await page.evaluate(() => (document.getElementById('app')?.hidden ? document.getElementById('empty-state')?.textContent ?? 'nothing rendered' : null));
      if (failure !== null) throw new Error(`the panel did not render the result: ${failure}`);
      // Let chart.js settle any resize from the first layout before the capture.
      await page.evaluate(() => new Promise<void>((ok) => window.requestAnimationFrame(() => window.requestAnimationFrame(() => ok()))));

      const violations = await page.evaluate(() => window.__cspViolations);
      const failed = harness.requests.filter((r) => r.status !== 200);
      const problems = [
        ...violations.map((v) => `CSP: ${v}`),
        ...probe.errors,
        ...failed.map((r) => `HTTP ${r.status} for ${r.path}`),
      ];
      if (problems.length > 0) throw new Error(`the panel reported problems; no screenshot written:\n  ${problems.join('\n  ')}`);

      mkdirSync(dirname(args.output), { recursive: true });
      await page.screenshot({ path: args.output, fullPage: true });
      const size = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
      console.log(`${args.output}: ${size.w}×${size.h} px, ${result.target.name}, ${result.summary?.n ?? 0} measured runs`);
    } finally {
      await probe.context.close();
    }
  } finally {
    await harness.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
