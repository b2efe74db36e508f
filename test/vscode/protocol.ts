// What the in-host suite (suite/index.ts) and the runners outside the host (test/e2e/) agree on:
// the environment variables the suite reads and the results JSON it writes. No `vscode` here:
// the runners import it in plain Node.

export const RESULTS_ENV = 'LATENCY_VSCODE_TEST_RESULTS';
export const RELEASE_ENV = 'LATENCY_VSCODE_TEST_RELEASE';

export interface TestRecord {
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResults {
  passed: boolean;
  stats: { tests: number; passes: number; failures: number; pending: number; durationMs: number };
  tests: TestRecord[];
  /** The report as printed, line by line. */
  output: string[];
  /**
   * The extension's own view of what it shows, read through its API once the tests are done:
   * what a runner looking at the workbench should find there (the UI catches up asynchronously).
   */
  extensionState?: { statusBarText: string; lastResult?: { name: string; n: number; p50Ms: number } };
  /** Where it ran: VS Code version, app host (desktop / web), remote name. */
  host: { vscodeVersion: string; appHost: string; remoteName: string | undefined; uiKind: string };
}
