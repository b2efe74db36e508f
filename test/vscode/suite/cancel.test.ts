// "Latency: Cancel Benchmark" in the extension host: a benchmark of soak.onnx (the fixture gives
// it millions of iterations, so it only ends when cancelled) stops at once, its profiler
// process goes away, and the extension is ready for the next run.
//
// The extension exposes whether a benchmark runs (api.isRunning) but not how far it got, so the
// cancel arrives while the profiler is still loading: this covers "cancelled before any measured
// run". Cancelling mid-measurement, with its partial result, banner and "(partial)" status,
// is covered from the progress notification's Cancel button by the browser E2E (test/e2e).
/// <reference types="mocha" />

import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ProfilerOutcome } from '../../../src/profiler/client';
import { FIXTURE } from '../protocol';
import { activeApi, assertCompleted, fixtureConfig, fixtureFile, runBenchmark, waitUntil, within } from './helpers';

/**
 * Pids of this extension host's child processes running the profiler (Linux: /proc), or
 * undefined where /proc is not there to ask.
 */
function profilerChildren(): number[] | undefined {
  const task = `/proc/${process.pid}/task`;
  if (!fs.existsSync(task)) return undefined;
  const pids = fs
    .readdirSync(task)
    .flatMap((tid) => {
      try {
        return fs.readFileSync(`${task}/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  return pids.filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('profiler.js');
    } catch {
      return false; // exited meanwhile
    }
  });
}

describe('Latency: Cancel Benchmark', () => {
  it('has nothing to cancel when no benchmark runs', async () => {
    const api = await activeApi();
    assert.equal(api.isRunning, false);
    assert.equal(await vscode.commands.executeCommand<boolean>('latency.cancelBenchmark'), false);
  });

  it('stops a long benchmark at once, ends its profiler process, and the next run completes', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    const resultBefore = api.lastResult;
    const statusBefore = api.statusBarText;

    const started = Date.now();
    const running = vscode.commands.executeCommand<ProfilerOutcome | undefined>('latency.runBenchmark', fixtureFile(FIXTURE.longModel));
    await waitUntil(() => api.isRunning, 'api.isRunning after latency.runBenchmark');
    assert.equal(await vscode.commands.executeCommand<boolean>('latency.cancelBenchmark'), true, 'latency.cancelBenchmark reports that it asked the run to stop');

    // Uncancelled, 5 million runs take minutes; cancelled, the profiler answers or is killed within its grace period.
    const outcome = await within(running, 15_000, `the cancelled benchmark of ${FIXTURE.longModel}`);
    assert.ok(outcome, 'latency.runBenchmark returned no outcome');
    assert.equal(outcome.status, 'cancelled', `expected cancelled, got ${JSON.stringify(outcome).slice(0, 300)}`);
    assert.equal(api.isRunning, false, 'isRunning is false once the command returned');
    assert.equal(await vscode.commands.executeCommand<boolean>('latency.cancelBenchmark'), false, 'nothing left to cancel');
    const s = outcome.result?.summary;
    if (s) {
      // The cancel raced past the model load: what was measured is kept, and marked partial.
      assert.equal(outcome.result?.partial, true);
      assert.ok(s.n > 0 && s.n < 5_000_000, `n ${s.n}`);
      assert.equal(api.lastResult, outcome.result);
      assert.match(api.statusBarText, / \(partial\)$/);
    } else {
      // Nothing was measured: the panel and the status bar keep the last result, as after a failed load.
      assert.ok(
        api.lastResult === resultBefore && api.statusBarText === statusBefore,
        `a run cancelled before any measured run must keep the last result on show; the extension replaced it ` +
          `(status bar "${statusBefore}" → "${api.statusBarText}", panel result of ${api.lastResult?.target.name} with ${api.lastResult?.summary?.n ?? 'no'} measured runs)`,
      );
    }
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 15, `the run ended ${seconds.toFixed(1)} s after it started`);

    if (profilerChildren() !== undefined) {
      await waitUntil(() => profilerChildren()?.length === 0, 'the profiler process to exit', 5_000, 20).catch(() => {
        assert.fail(`profiler process(es) still running after the cancelled run: ${profilerChildren()?.join(', ')}`);
      });
    }

    const next = await runBenchmark(fixtureFile(FIXTURE.model));
    assertCompleted(next, iterations);
    assert.equal(api.lastResult, next.result);
  });
});
