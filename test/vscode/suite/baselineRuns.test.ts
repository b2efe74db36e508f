// The Runs view and comparisons in the extension host: runs saved by "Latency: Run Benchmark"
// are listed (a corrupt file beside them is reported, not fatal), one is made the baseline, the
// next benchmark is set against it and the panel receives the comparison with its verdicts;
// two runs compared from the view; rename, export and delete.
/// <reference types="mocha" />

import * as assert from 'assert';
import * as vscode from 'vscode';
import { HISTORY_DIR } from '../../../src/core/history';
import type { RunsNode } from '../../../src/host/runsView';
import { FIXTURE } from '../protocol';
import { activeApi, assertCompleted, fixtureConfig, fixtureFile, fixtureFolder, runBenchmark } from './helpers';

type RunNode = Extract<RunsNode, { kind: 'run' }>;

const VERDICTS = ['improved', 'regressed', 'no change', 'inconclusive'];

async function listed(): Promise<RunsNode[]> {
  const api = await activeApi();
  return api.runs.tree.folderChildren(fixtureFolder());
}

async function runNodes(): Promise<RunNode[]> {
  return (await listed()).filter((n): n is RunNode => n.kind === 'run');
}

describe('Latency Runs view and comparisons', () => {
  const corrupt = () => vscode.Uri.joinPath(fixtureFolder().uri, HISTORY_DIR, '20260101-000000-truncated.json');

  after(async () => {
    await vscode.workspace.fs.delete(corrupt()).then(undefined, () => undefined);
  });

  it('lists every saved run newest first, and reports a corrupt file in the folder without failing', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    assertCompleted(await runBenchmark(fixtureFile(FIXTURE.model)), iterations);
    await vscode.workspace.fs.writeFile(corrupt(), new TextEncoder().encode('{"kind": "latency.run", "historyVersion": 1, "id": "20260101'));

    const nodes = await listed();
    const runs = nodes.filter((n): n is RunNode => n.kind === 'run');
    assert.ok(runs.length >= 1);
    assert.equal(runs[0]!.run.id, api.lastSavedRun, 'the newest run is listed first');
    const problems = nodes.filter((n) => n.kind === 'problem');
    assert.equal(problems.length, 1, `one problem: ${JSON.stringify(problems)}`);
    const item = api.runs.tree.getTreeItem(problems[0]!);
    assert.equal(item.label, '20260101-000000-truncated.json');
    assert.match(String(item.tooltip), /20260101-000000-truncated\.json\n\n.+/, 'the tooltip gives the reason');
    const runItem = api.runs.tree.getTreeItem(runs[0]!);
    assert.match(String(runItem.description), /^p50 \S+ (µs|ms) · n=\d+ · /);
    assert.equal(runItem.contextValue, 'latency.run');
  });

  it('after "Set as Baseline", the next benchmark is set against the baseline and the panel gets the verdicts', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    const [newest] = await runNodes();
    assert.ok(newest);
    const baseline = await api.runs.commands.setBaseline(newest);
    assert.equal(baseline?.id, newest.run.id);
    const marked = (await runNodes()).filter((n) => n.run.baseline);
    assert.deepEqual(marked.map((n) => n.run.id), [newest.run.id], 'exactly one baseline');
    assert.equal(api.runs.tree.getTreeItem(marked[0]!).contextValue, 'latency.run.baseline');

    const outcome = await runBenchmark(fixtureFile(FIXTURE.model));
    assertCompleted(outcome, iterations);
    const c = api.lastComparison;
    assert.ok(c, 'the panel holds a comparison');
    assert.equal(c.source, 'baseline');
    assert.equal(c.base.id, newest.run.id);
    assert.equal(api.lastResult, outcome.result, 'the comparison is for the run just shown');
    assert.deepEqual(c.comparison.metrics.map((m) => m.metric), ['p50', 'p95', 'p99', 'p999', 'mean']);
    for (const m of c.comparison.metrics) assert.ok(VERDICTS.includes(m.verdict), `${m.metric}: ${m.verdict}`);
    assert.equal(c.comparison.n.base, newest.run.result.samplesMs.length);
    assert.equal(c.comparison.n.candidate, iterations);
    assert.equal(c.checklist?.items.length, 8, 'the verification checklist comes with the comparison');
    const p999 = c.comparison.metrics.find((m) => m.metric === 'p999')!;
    assert.equal(p999.verdict, 'inconclusive', `${iterations} runs cannot bound p99.9`);
  });

  it('compares two runs selected in the view (older as base), and reopening the baseline shows it alone', async () => {
    const api = await activeApi();
    const runs = await runNodes();
    assert.ok(runs.length >= 2);
    const [newer, older] = [runs[0]!, runs[1]!];
    const c = await api.runs.commands.compare(newer, [newer, older]);
    assert.ok(c);
    assert.equal(c.source, 'history');
    assert.equal(c.base.id, older.run.id);
    assert.equal(api.lastResult, newer.run.result);

    const baseline = runs.find((n) => n.run.baseline)!;
    await api.runs.commands.open(baseline);
    assert.equal(api.lastResult, baseline.run.result);
    assert.equal(api.lastComparison, undefined, 'the baseline is not compared with itself');
  });

  it('renames a run, exports the comparison as Markdown and JSON, deletes a run', async () => {
    const api = await activeApi();
    const [newest] = await runNodes();
    assert.ok(newest);
    const renamed = await api.runs.commands.rename(newest, 'after <fix> | 1');
    assert.equal(renamed?.label, 'after <fix> | 1');
    assert.equal(api.runs.tree.getTreeItem((await runNodes()).find((n) => n.run.id === newest.run.id)!).label, 'after <fix> | 1');

    const c = await api.runs.commands.compareWithBaseline((await runNodes()).find((n) => n.run.id === newest.run.id));
    assert.ok(c, 'compared with the baseline');
    const md = vscode.Uri.joinPath(fixtureFolder().uri, 'latency-export-test.md');
    const json = vscode.Uri.joinPath(fixtureFolder().uri, 'latency-export-test.json');
    try {
      assert.ok(await api.exporter.writeTo(md, 'markdown', api.lastResult!, api.lastComparison));
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(md));
      assert.match(text, /^### Latency: lenet5\.onnx against lenet5\.onnx\n/);
      assert.match(text, /\| p50 \| \S+ (µs|ms) \| \S+ (µs|ms) \| \d\.\d{3}× \| \[\d\.\d{3}, \d\.\d{3}\] \| (\*\*improved\*\*|\*\*regressed\*\*|no change|inconclusive) \|/);
      assert.ok(await api.exporter.writeTo(json, 'json', api.lastResult!, api.lastComparison));
      const parsed = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(json))) as { kind: string; comparison: { metrics: unknown[] } };
      assert.equal(parsed.kind, 'latency.comparison');
      assert.equal(parsed.comparison.metrics.length, 5);
    } finally {
      for (const f of [md, json]) await vscode.workspace.fs.delete(f).then(undefined, () => undefined);
    }

    const before = (await runNodes()).length;
    const victim = (await runNodes()).find((n) => !n.run.baseline)!;
    assert.equal(await api.runs.commands.delete(victim, undefined, true), 1);
    const after = await runNodes();
    assert.equal(after.length, before - 1);
    assert.ok(!after.some((n) => n.run.id === victim.run.id));
  });
});

describe('Latency: Compare Two Models (A/B)', () => {
  it('a copy with broken weights: both models measured interleaved, the panel shows the comparison with a failed accuracy check', async () => {
    const api = await activeApi();
    const { iterations } = await fixtureConfig();
    const shown = await api.ab.run(fixtureFile(FIXTURE.model), fixtureFile(FIXTURE.inaccurateModel));
    assert.ok(shown, 'the A/B ran');
    assert.equal(shown.outcome.status, 'completed', JSON.stringify(shown.outcome).slice(0, 300));
    const c = api.lastComparison;
    assert.ok(c);
    assert.equal(c, shown.comparison);
    assert.equal(c.source, 'ab');
    assert.equal(api.lastResult?.target.name, FIXTURE.inaccurateModel, 'the panel shows the candidate');
    assert.equal(c.base.result.target.name, FIXTURE.model);
    assert.equal(c.comparison.n.base, iterations);
    assert.equal(c.comparison.n.candidate, iterations);
    assert.ok(c.accuracy, 'the output agreement travels to the panel');
    assert.equal(c.accuracy.pass, false, JSON.stringify(c.accuracy.outputs));
    assert.equal(c.checklist?.verdict, 'fail', 'the checklist fails on accuracy');
    assert.equal(c.checklist?.items.find((i) => i.id === 'accuracy')?.status, 'fail');
    assert.deepEqual(
      (await runNodes()).slice(0, 2).map((n) => n.run.label).sort(),
      [`A/B base (vs ${FIXTURE.inaccurateModel})`, `A/B candidate (vs ${FIXTURE.model})`],
      'both sides are saved to the history',
    );
  });

  it('the same model under two names agrees exactly', async () => {
    const api = await activeApi();
    const shown = await api.ab.run(fixtureFile(FIXTURE.model), fixtureFile(FIXTURE.longModel));
    assert.equal(shown?.outcome.status, 'completed');
    assert.equal(api.lastComparison?.accuracy?.pass, true);
    assert.ok(api.lastComparison?.accuracy?.outputs.every((o) => o.maxAbsError === 0));
  });
});
