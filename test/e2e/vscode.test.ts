// Everything VS Code-related as node:test tests, for `npm test`: each in-host mocha test and each
// workbench / E2E check becomes a subtest of its phase (see phases.ts), so the runner prints a
// line per test and counts them in its "# pass / # fail" summary.
//
//   node --import tsx --test test/e2e/vscode.test.ts
//
// Without code-server 4.100.3 or Chromium every test FAILS, naming the command that installs
// them (bash scripts/install-code-server.sh). Artifacts: .test-artifacts/vscode/<phase>/.

import { after, test, type TestContext } from 'node:test';
import type { Check } from './checks';
import { browserRunPassed } from './browserE2E';
import { SetupError } from './codeServer';
import { hostRunPassed, type HostSuiteRun } from './hostSuite';
import { cleanup, formatTimings, newWorkRoot, prepare, runBrowserPhase, runHostPhase, type Prepared } from './phases';
import type { SuiteMode } from './shared';

const workRoot = newWorkRoot();
let prepared: Prepared | undefined;
let setupFailure: string | undefined;
let allPassed = true;

let finished = false;
/** Removes the work folder when everything passed; returns where it was kept otherwise. */
function finish(): string | undefined {
  if (finished) return undefined;
  finished = true;
  return cleanup(workRoot, allPassed && prepared !== undefined);
}
// The last test finishes (its diagnostics say what was kept); this covers a run filtered by name.
after(() => {
  const kept = finish();
  if (kept) console.log(kept);
});

/**
 * An error for a failure reported from elsewhere (the extension host, a page check): its stack
 * here would only show this file's reporting loop, so the message (with the real stack, where
 * there is one) is all it carries.
 */
function reported(message: string): Error {
  const err = new Error(message);
  err.stack = message;
  return err;
}

function requirePrepared(): Prepared {
  if (prepared) return prepared;
  allPassed = false;
  throw reported(`not run: the setup failed: ${setupFailure ?? 'unknown reason'}`);
}

async function reportChecks(t: TestContext, checks: Check[]): Promise<void> {
  for (const c of checks) {
    await t.test(c.name, (st) => {
      st.diagnostic(`${c.durationMs} ms${c.ok ? `: ${c.detail.split('\n')[0]}` : ''}`);
      if (!c.ok) throw reported(c.detail);
    });
  }
}

test('VS Code: code-server and Chromium are installed; the VSIX packages and installs into code-server', { timeout: 240_000 }, async (t) => {
  try {
    prepared = await prepare(workRoot);
  } catch (err) {
    allPassed = false;
    setupFailure = err instanceof Error ? err.message : String(err);
    throw err instanceof SetupError ? reported(err.message) : err;
  }
  const p = prepared.packaged;
  t.diagnostic(`VSIX ${p.vsix.split('/').pop()}: ${(p.sizeBytes / 1048576).toFixed(1)} MiB (${p.sizeBytes} bytes); package ${(p.timings.packageMs / 1000).toFixed(1)} s, install ${(p.timings.installMs / 1000).toFixed(1)} s`);
});

async function hostPhase(t: TestContext, mode: SuiteMode): Promise<void> {
  const run: HostSuiteRun = await runHostPhase(requirePrepared(), mode);
  const r = run.results;
  if (r) t.diagnostic(`VS Code ${r.host.vscodeVersion} (${r.host.appHost}/${r.host.uiKind}), workspace trusted: ${r.host.workspaceTrusted}, extension: ${r.host.extensionPath ?? '?'}`);
  t.diagnostic(formatTimings(run.timings));
  if (!hostRunPassed(run)) {
    allPassed = false;
    t.diagnostic(`artifacts: ${run.artifacts}`);
  }
  if (run.error) {
    await t.test('the suite ran in the extension host and reported back', () => {
      throw reported(`${run.error}\n(artifacts: ${run.artifacts})`);
    });
  }
  for (const record of r?.tests ?? []) {
    await t.test(record.fullTitle, { skip: record.state === 'pending' }, (st) => {
      if (record.durationMs !== undefined) st.diagnostic(`${record.durationMs} ms in the extension host`);
      if (record.state === 'failed') throw reported(record.error?.stack ?? record.error?.message ?? 'failed');
    });
  }
  if (r) {
    await t.test('the extension under test is the packaged one (the VSIX as code-server installed it)', () => {
      const expected = requirePrepared().packaged.extensionPath;
      if (r.host.extensionPath !== expected) throw reported(`the extension host loaded ${r.host.extensionPath ?? 'no latency-dev.latency'}, expected ${expected}`);
    });
  }
  if (r && r.stats.tests === 0) {
    await t.test('the suite has tests', () => {
      throw reported('mocha ran no test in the extension host');
    });
  }
  await reportChecks(t, run.checks);
}

test('VS Code: extension-host suite (mocha) in a trusted workspace, packaged extension', { timeout: 240_000 }, async (t) => {
  await hostPhase(t, 'trusted');
});

test('VS Code: extension-host suite (mocha) in Restricted Mode', { timeout: 240_000 }, async (t) => {
  await hostPhase(t, 'restricted');
});

test('VS Code: browser E2E, Chromium driving code-server with the packaged extension installed', { timeout: 240_000 }, async (t) => {
  const run = await runBrowserPhase(requirePrepared());
  t.diagnostic(formatTimings(run.timings));
  if (!browserRunPassed(run)) {
    allPassed = false;
    t.diagnostic(`artifacts: ${run.artifacts}`);
  }
  if (run.error) {
    await t.test('code-server and the workbench stayed up', () => {
      throw reported(`${run.error}\n(artifacts: ${run.artifacts})`);
    });
  }
  await reportChecks(t, run.checks);
  const kept = finish();
  if (kept) t.diagnostic(kept);
});
