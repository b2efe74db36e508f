// Everything VS Code-related from the command line, with a readable report: the packaged
// extension (VSIX for this platform, installed into code-server 4.100.3 = VS Code 1.100.3) under
// the in-host mocha suite, trusted and in Restricted Mode, and the browser E2E (Chromium through
// playwright-core). `npm test` runs the same through test/e2e/vscode.test.ts.
//
//   node --import tsx test/e2e/runVscodeTests.ts      (needs: bash scripts/install-code-server.sh)
//   node --import tsx test/e2e/runVscodeTests.ts --only trusted,e2e     (phases: trusted, restricted, e2e)
//
// Artifacts (logs, results, screenshots of failures) go to .test-artifacts/vscode/<phase>/.
// Exit status: 0 all passed, 1 a test or check failed, 2 code-server or Chromium is missing.
//
// Environment: LATENCY_CODE_SERVER (code-server binary), CHROMIUM (browser binary),
// LATENCY_E2E_TIMEOUT_MS (limit for the in-host suite, default 120000), LATENCY_E2E_HEADED=1,
// LATENCY_UPDATE_SCREENSHOT=1 (also writes docs/vscode-results-panel.png).

import type { Check } from './checks';
import { SetupError } from './codeServer';
import type { HostSuiteRun } from './hostSuite';
import { hostRunPassed } from './hostSuite';
import { browserRunPassed } from './browserE2E';
import { cleanup, formatTimings, newWorkRoot, prepare, runBrowserPhase, runHostPhase } from './phases';

function printChecks(title: string, checks: Check[]): void {
  if (!checks.length) return;
  console.log(`\n${title}:`);
  for (const c of checks) {
    const [first, ...rest] = c.detail.split('\n');
    console.log(`  ${c.ok ? '✓' : '✗'} ${c.name}: ${first}`);
    for (const line of rest) console.log(`      ${line}`);
  }
}

function printHostRun(run: HostSuiteRun): void {
  const r = run.results;
  console.log(`\n── Extension-host suite, ${run.mode} workspace ──`);
  if (r) {
    console.log(`VS Code ${r.host.vscodeVersion} (${r.host.appHost}/${r.host.uiKind}, remote ${r.host.remoteName ?? 'none'}), workspace trusted: ${r.host.workspaceTrusted}, extension: ${r.host.extensionPath ?? '?'}\n`);
    for (const line of r.output) console.log(`  ${line}`);
  }
  if (run.error) console.log(`\n✗ ${run.error}`);
  printChecks('Workbench checks', run.checks);
  console.log(`\n${formatTimings(run.timings)}`);
  if (!hostRunPassed(run)) console.log(`artifacts: ${run.artifacts}`);
}

const PHASES = ['trusted', 'restricted', 'e2e'] as const;
type Phase = (typeof PHASES)[number];

function selectedPhases(): Set<Phase> {
  const i = process.argv.indexOf('--only');
  if (i === -1) return new Set(PHASES);
  const wanted = (process.argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = wanted.filter((w) => !(PHASES as readonly string[]).includes(w));
  if (unknown.length || !wanted.length) throw new SetupError(`--only takes a comma-separated list of ${PHASES.join(', ')}; got ${JSON.stringify(process.argv[i + 1] ?? '')}`);
  return new Set(wanted as Phase[]);
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const phases = selectedPhases();
  const workRoot = newWorkRoot();
  const prepared = await prepare(workRoot);
  const { packaged } = prepared;
  console.log(`VSIX ${packaged.vsix}: ${(packaged.sizeBytes / 1048576).toFixed(1)} MiB; packaged in ${(packaged.timings.packageMs / 1000).toFixed(1)} s, installed into code-server in ${(packaged.timings.installMs / 1000).toFixed(1)} s (${packaged.extensionPath})`);

  let passed = true;
  for (const mode of ['trusted', 'restricted'] as const) {
    if (!phases.has(mode)) continue;
    const run = await runHostPhase(prepared, mode);
    printHostRun(run);
    passed &&= hostRunPassed(run);
  }
  if (phases.has('e2e')) {
    const e2e = await runBrowserPhase(prepared);
    console.log('\n── Browser E2E, packaged extension installed ──');
    if (e2e.error) console.log(`✗ ${e2e.error}`);
    printChecks('Checks', e2e.checks);
    console.log(`\n${formatTimings(e2e.timings)}`);
    if (!browserRunPassed(e2e)) console.log(`artifacts: ${e2e.artifacts}`);
    passed &&= browserRunPassed(e2e);
  }

  const kept = cleanup(workRoot, passed);
  if (kept) console.log(kept);
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(passed ? 'PASSED' : 'FAILED');
  return passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof SetupError ? `vscode tests: ${err.message}` : err);
    process.exit(err instanceof SetupError ? 2 : 1);
  },
);
