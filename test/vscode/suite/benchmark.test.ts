// "Latency: Run Benchmark" end to end in the extension host: the command forks dist/profiler.js,
// which loads onnxruntime-node and the fixture's model; the outcome comes back as the command's
// return value, the status bar and the results panel show it.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { formatMs } from '../../../src/core/format';
import { FIXTURE } from '../protocol';
import { activeApi, assertCompleted, fixtureConfig, fixtureFile, resultsTabs, runBenchmark, waitForResultsTabs } from './helpers';

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
    const tabs = await waitForResultsTabs(1);
    assert.equal(tabs[0]?.label, 'Latency: lenet5.onnx');
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
