// "Latency: Run Benchmark" end to end in the extension host: the command forks dist/profiler.js,
// which loads onnxruntime-node and the fixture's model; the outcome comes back as the command's
// return value, the status bar and the results panel show it.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { formatMs } from '../../../src/core/format';
import type { ProfilerOutcome } from '../../../src/profiler/client';
import { activeApi, fixtureConfig, fixtureFile, resultsTabs, waitForResultsTabs } from './helpers';

async function runBenchmark(model: vscode.Uri): Promise<ProfilerOutcome> {
  const outcome = await vscode.commands.executeCommand<ProfilerOutcome | undefined>('latency.runBenchmark', model);
  assert.ok(outcome, `latency.runBenchmark returned nothing for ${model.fsPath} (refused or no model chosen)`);
  return outcome;
}

function assertCompleted(outcome: ProfilerOutcome, iterations: number): asserts outcome is Extract<ProfilerOutcome, { status: 'completed' }> {
  if (outcome.status !== 'completed') {
    assert.fail(`expected a completed run, got ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.message}` : ''}`);
  }
  const s = outcome.result.summary;
  assert.ok(s, 'a completed run has a summary');
  assert.equal(s.n, iterations, 'n is the configured number of iterations (.vscode/latency.json)');
  assert.equal(outcome.result.samplesMs.length, iterations);
  assert.ok(s.p50Ms > 0, `p50 ${s.p50Ms} > 0`);
  assert.ok(s.p50Ms <= s.p99Ms, `p50 ${s.p50Ms} <= p99 ${s.p99Ms}`);
  assert.equal(outcome.result.partial, false);
}

describe('Latency: Run Benchmark', () => {
  it('benchmarks the fixture model and shows p50 in the status bar and the results panel', async () => {
    const api = await activeApi();
    const { iterations, warmup } = await fixtureConfig();
    const outcome = await runBenchmark(fixtureFile('lenet5.onnx'));
    assertCompleted(outcome, iterations);
    assert.equal(outcome.result.target.name, 'lenet5.onnx');
    assert.equal(outcome.result.warmupSamplesMs.length, warmup);

    assert.equal(api.lastResult, outcome.result, 'the API exposes the result the command returned');
    assert.equal(api.statusBarText, `$(pulse) p50 ${formatMs(outcome.result.summary!.p50Ms)}`);
    const tabs = await waitForResultsTabs(1);
    assert.equal(tabs[0]?.label, 'Latency: lenet5.onnx');
  });

  it('reports a corrupt model as failed with a clear message, and the next run still completes', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    const before = api.lastResult;

    const bad = await runBenchmark(fixtureFile('bad.onnx'));
    assert.equal(bad.status, 'failed');
    if (bad.status !== 'failed') return;
    assert.match(bad.message, /Could not load bad\.onnx as an ONNX model/);
    assert.equal(bad.data.kind, 'modelInvalid');
    assert.ok('hint' in bad.data && /corrupt|not an ONNX model/.test(bad.data.hint ?? ''), `a hint that names the likely cause: ${JSON.stringify(bad.data)}`);
    assert.equal(bad.result?.summary, undefined, 'no measured run of a model that does not load');
    assert.equal(api.lastResult, before, 'a failed run without results keeps the last result on show');

    const good = await runBenchmark(fixtureFile('lenet5.onnx'));
    assertCompleted(good, iterations);
    assert.equal(api.lastResult, good.result);
    assert.equal(api.statusBarText, `$(pulse) p50 ${formatMs(good.result.summary!.p50Ms)}`);
    assert.equal(resultsTabs().length, 1, 'the results panel is reused, not duplicated');
  });
});
