// Everything VS Code-related, in the order it runs, shared by the node:test entry
// (test/e2e/vscode.test.ts, what `npm test` runs) and the CLI (test/e2e/runVscodeTests.ts):
//
//   1. prepare: code-server and Chromium are there, the in-host suite is bundled, the VSIX for
//      this platform is built (scripts/package-vsix.js) and installed into code-server;
//   2. the in-host mocha suite in a trusted workspace, the unpacked VSIX as the extension;
//   3. the in-host suite's restricted part, the folder opened in Restricted Mode;
//   4. the browser E2E with the installed VSIX.
//
// One work folder (the OS temp dir) holds all of it; each phase removes its part when it
// passed, and the whole folder goes when everything passed (cleanup()).

import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBrowserE2E, type BrowserE2ERun } from './browserE2E';
import { checkPrerequisites } from './codeServer';
import { runHostSuite, type HostSuiteRun } from './hostSuite';
import { buildSuite, type SuiteMode } from './shared';
import { packageAndInstall, type PackagedExtension } from './vsix';

/** Limit for the in-host suite to write its results, from the workbench's load. */
const SUITE_TIMEOUT_MS = Number(process.env.LATENCY_E2E_TIMEOUT_MS) || 120_000;

export interface Prepared {
  workRoot: string;
  suiteIndex: string;
  packaged: PackagedExtension;
}

export function newWorkRoot(): string {
  return join(tmpdir(), `latency-vscode-${process.pid}`);
}

/** Throws SetupError (naming the install command) when code-server or Chromium is missing. */
export async function prepare(workRoot: string): Promise<Prepared> {
  checkPrerequisites();
  rmSync(workRoot, { recursive: true, force: true });
  const suiteIndex = await buildSuite();
  const packaged = await packageAndInstall(join(workRoot, 'package'));
  return { workRoot, suiteIndex, packaged };
}

export function runHostPhase(prepared: Prepared, mode: SuiteMode): Promise<HostSuiteRun> {
  return runHostSuite({
    mode,
    extensionPath: prepared.packaged.extensionPath,
    suiteIndex: prepared.suiteIndex,
    workDir: join(prepared.workRoot, `host-${mode}`),
    timeoutMs: SUITE_TIMEOUT_MS,
  });
}

export function runBrowserPhase(prepared: Prepared): Promise<BrowserE2ERun> {
  return runBrowserE2E({
    extensionsDir: prepared.packaged.extensionsDir,
    workDir: join(prepared.workRoot, 'e2e'),
    updateDocsScreenshot: process.env.LATENCY_UPDATE_SCREENSHOT === '1',
  });
}

/** Removes the work folder when everything passed; otherwise says where it is. */
export function cleanup(workRoot: string, allPassed: boolean): string | undefined {
  if (!existsSync(workRoot)) return undefined;
  if (allPassed) {
    rmSync(workRoot, { recursive: true, force: true });
    return undefined;
  }
  return `kept ${workRoot} (VSIX, fixture workspaces, code-server profiles and logs of the failed parts)`;
}

export function formatTimings(timings: Record<string, number>): string {
  return Object.entries(timings)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
    .join(', ');
}
