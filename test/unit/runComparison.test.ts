import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportDocument } from '../../src/core/exportReport';
import { toSavedRun } from '../../src/core/history';
import { comparisonHeadline, compareWithSaved, runLabel, whyNotComparable } from '../../src/core/runComparison';
import { makeResult } from '../support/resultFixture';

const base = makeResult({ samples: { runs: 1000, seed: 1, medianMs: 2 }, startedAt: '2026-11-26T10:22:05.000Z', target: { name: 'model.onnx' } });
const faster = makeResult({ samples: { runs: 1000, seed: 2, medianMs: 1.5 }, target: { name: 'model.int8.onnx' } });

describe('a run set against a saved run', () => {
  test('labels name the run by its label, else by model and time (UTC)', () => {
    assert.equal(runLabel(toSavedRun(base)), 'model.onnx at 2026-11-26 10:22 UTC');
    assert.equal(runLabel(toSavedRun(base, { label: 'before fix' })), '"before fix" (model.onnx, 2026-11-26 10:22 UTC)');
  });

  test('a 25% faster candidate is "improved" on p50 against the baseline, and the headline says so', () => {
    const saved = toSavedRun(base, { baseline: true });
    const c = compareWithSaved(saved, faster, 'baseline');
    assert.equal(c.source, 'baseline');
    assert.equal(c.base.id, saved.id);
    assert.equal(c.base.result, base);
    const p50 = c.comparison.metrics.find((m) => m.metric === 'p50')!;
    assert.equal(p50.verdict, 'improved');
    assert.ok(p50.ratio! > 0.7 && p50.ratio! < 0.8, `ratio ${p50.ratio}`);
    assert.match(comparisonHeadline(c), /^p50 \S+ ms → \S+ ms \(0\.7\d\d× \[0\.\d{3}, 0\.\d{3}\]\) improved; p99 /);
    // The checklist comes along; outputs are not compared outside an A/B run, so accuracy stays unknown.
    assert.equal(c.checklist?.items.length, 8);
    assert.equal(c.checklist?.items.find((i) => i.id === 'accuracy')?.status, 'unknown');
    const target = compareWithSaved(saved, faster, 'baseline', { expectedReduction: 0.1 }).checklist?.items.find((i) => i.id === 'latencyTarget');
    assert.equal(target?.status, 'pass', target?.evidence);
  });

  test('nothing to compare: the baseline itself, or a side without measured runs', () => {
    const saved = toSavedRun(base);
    assert.equal(whyNotComparable(saved, base, saved.id), 'it is the baseline itself');
    assert.equal(whyNotComparable(saved, faster, 'other'), undefined);
    const empty = makeResult({ samplesMs: [], summary: null });
    assert.equal(whyNotComparable(saved, empty), 'this run has no measured runs');
    assert.match(whyNotComparable(toSavedRun(empty), faster) ?? '', /^the baseline .* has no measured runs$/);
  });
});

describe('export of what the panel shows', () => {
  const comparison = compareWithSaved(toSavedRun(base), faster, 'history');

  test('a run alone: Markdown, CSV of every run, JSON that reads back as the result', () => {
    assert.match(exportDocument('markdown', faster).text, /^### Latency: model\.int8\.onnx\n/);
    const csv = exportDocument('csv', faster);
    assert.equal(csv.extension, 'csv');
    assert.equal(csv.text.trimEnd().split('\r\n').length, 1 + 50 + 1000);
    assert.deepEqual(JSON.parse(exportDocument('json', faster).text), JSON.parse(JSON.stringify(faster)));
  });

  test('a comparison: the comparison table first, then the run; CSV of the metrics; JSON with both sides', () => {
    const md = exportDocument('markdown', faster, comparison).text;
    assert.ok(md.indexOf('against model.onnx') < md.indexOf('### Latency: model.int8.onnx\n'), 'comparison before the run');
    assert.match(md, /\| p50 \| .* \| \*\*improved\*\* \|/);
    const rows = exportDocument('csv', faster, comparison).text.trimEnd().split('\r\n');
    assert.equal(rows.length, 1 + 5);
    const json = JSON.parse(exportDocument('json', faster, comparison).text) as Record<string, unknown>;
    assert.equal(json.kind, 'latency.comparison');
    assert.deepEqual(Object.keys(json).sort(), ['base', 'candidate', 'checklist', 'comparison', 'kind', 'source']);
  });

  test('a failed accuracy check heads the Markdown, and the checklist follows the table', () => {
    const withAb = {
      ...comparison,
      source: 'ab' as const,
      accuracy: {
        threshold: 0.01,
        pass: false,
        outputs: [{ name: 'logits|x', maxAbsError: 0.5, relativeL2: 0.2, cosine: 0.98, top1Agreement: null, degradation: 0.2, judgedBy: 'relative L2' as const, pass: false }],
      },
      checklist: {
        verdict: 'fail' as const,
        items: [{ id: 'accuracy' as const, title: 'Accuracy degradation under 1%', status: 'fail' as const, evidence: 'logits: relative L2 20%' }],
      },
    };
    const md = exportDocument('markdown', faster, withAb).text;
    const lines = md.split('\n');
    assert.match(lines[2]!, /^> \*\*❌ Accuracy check failed:\*\* outputs logits\\\|x differ by more than 1\.0%\.$/);
    assert.ok(md.indexOf('| metric | base |') < md.indexOf('**Output agreement**'));
    assert.match(md, /^- ❌ Accuracy degradation under 1% — logits: relative L2 20%$/m);
    assert.match(md, /\*\*Verification checklist:\*\* fail/);
  });
});
