// "Latency: Run Benchmark" end to end in the extension host: the command forks dist/profiler.js,
// which loads onnxruntime-node and the fixture's model; the outcome comes back as the command's
// return value, the status bar and the results panel show it.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { formatMs } from '../../../src/core/format';
import { HISTORY_DIR, parseSavedRun } from '../../../src/core/history';
import { FIXTURE } from '../protocol';
import { activeApi, assertCompleted, fixtureConfig, fixtureFile, fixtureFolder, resultsTabs, runBenchmark, waitForResultsTabs } from './helpers';

describe('Latency: Run Benchmark', () => {
  it('benchmarks the fixture model and shows p50 in the status bar and the results panel', async () => {
    const api = await activeApi();
    const { iterations, warmup } = await fixtureConfig();
    const outcome = await runBenchmark(fixtureFile(FIXTURE.model));
    assertCompleted(outcome, iterations);
    assert.equal(outcome.result.target.name, 'lenet5.onnx');
    assert.equal(outcome.result.warmupSamplesMs.length, warmup);

    assert.equal(api.lastResult, outcome.result, 'the API exposes the result the command returned');
    assert.equal(api.statusBarText, `$(pulse) p50 ${formatMs(outcome.result.summary!.p50Ms)}`);
    const tabs = await waitForResultsTabs(1, 10_000, 'Latency: lenet5.onnx');
    assert.equal(tabs[0]?.label, 'Latency: lenet5.onnx');

    // Saved to the folder's run history, as a file that reads back as this run.
    assert.ok(api.lastSavedRun, 'the run was saved');
    const file = vscode.Uri.joinPath(fixtureFolder().uri, HISTORY_DIR, `${api.lastSavedRun}.json`);
    const parsed = parseSavedRun(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)), `${api.lastSavedRun}.json`);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    assert.deepEqual(parsed.run.result.samplesMs, outcome.result.samplesMs);
  });

  it('carries the run checks to the panel: a 40-run fixture cannot bound p95, p99 or p99.9 (RUN002)', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    const outcome = await runBenchmark(fixtureFile(FIXTURE.model));
    assertCompleted(outcome, iterations);
    const { summary, verdicts, system } = outcome.result;
    assert.ok(summary);
    assert.ok(summary.ci.p50, 'p50 is bounded from 40 runs');
    assert.ok(summary.ci.p50[0] <= summary.p50Ms && summary.p50Ms <= summary.ci.p50[1], `p50 ${summary.p50Ms} within its CI ${summary.ci.p50}`);
    assert.deepEqual([summary.ci.p95, summary.ci.p99, summary.ci.p999], [null, null, null], 'no percentile above p50 can be bounded from 40 runs');
    const run002 = verdicts.find((v) => v.code === 'RUN002');
    assert.ok(run002, `RUN002 among ${verdicts.map((v) => v.code).join(', ')}`);
    assert.equal(run002.severity, 'warning');
    assert.match(run002.evidence.join('\n'), /needs at least 72/, 'p95 needs 72 runs for a two-sided 95% interval');
    assert.ok(verdicts.every((v) => v.message && v.fix), 'every verdict says what is wrong and what to do');
    assert.ok(system && system.cpu.logicalCpus > 0, 'the pre-flight readings travel with the result');
    assert.equal(api.lastResult, outcome.result, 'the panel holds the result with its verdicts');
    await waitForResultsTabs(1);
  });

  it('"Latency: Tune System…" writes a tuning and a restore script from the profiler\'s readings and opens both', async () => {
    const api = await activeApi();
    const written = await api.tuneSystem.run();
    assert.ok(written, 'the profiler read the system');
    const tune = new TextDecoder().decode(await vscode.workspace.fs.readFile(written.tune));
    const restore = new TextDecoder().decode(await vscode.workspace.fs.readFile(written.restore));
    for (const script of [tune, restore]) {
      assert.match(script, /^#!\/usr\/bin\/env bash\n/);
      assert.match(script, /^set -euo pipefail$/m);
    }
    if (!written.system.cpu.cpufreq) {
      assert.doesNotMatch(tune, /scaling_governor/, 'no governor commands where there is no cpufreq');
      assert.match(tune, /cpufreq/, 'the script says why it leaves the CPU alone');
    }
    const open = vscode.window.visibleTextEditors.map((e) => e.document.uri.toString());
    assert.ok(open.includes(written.tune.toString()) && open.includes(written.restore.toString()), `both scripts open: ${open.join(', ')}`);
    // Only the scripts' tabs: the results panel stays for the tests after this one.
    const scripts = new Set([written.tune.toString(), written.restore.toString()]);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && scripts.has(t.input.uri.toString()));
    await vscode.window.tabGroups.close(tabs);
  });

  it('reports a corrupt model as failed with a clear message, and the next run still completes', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    const before = api.lastResult;

    const bad = await runBenchmark(fixtureFile(FIXTURE.corruptModel));
    assert.equal(bad.status, 'failed');
    if (bad.status !== 'failed') return;
    assert.match(bad.message, /Could not load bad\.onnx as an ONNX model/);
    assert.equal(bad.data.kind, 'modelInvalid');
    assert.ok('hint' in bad.data && /corrupt|not an ONNX model/.test(bad.data.hint ?? ''), `a hint that names the likely cause: ${JSON.stringify(bad.data)}`);
    assert.equal(bad.result?.summary, undefined, 'no measured run of a model that does not load');
    assert.equal(api.lastResult, before, 'a failed run without results keeps the last result on show');

    const good = await runBenchmark(fixtureFile(FIXTURE.model));
    assertCompleted(good, iterations);
    assert.equal(api.lastResult, good.result);
    assert.equal(api.statusBarText, `$(pulse) p50 ${formatMs(good.result.summary!.p50Ms)}`);
    assert.equal(resultsTabs().length, 1, 'the results panel is reused, not duplicated');
  });
});
