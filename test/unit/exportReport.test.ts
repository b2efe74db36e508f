import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareRuns } from '../../src/core/compare';
import { comparisonToCsv, comparisonToMarkdown, runToCsv, runToMarkdown } from '../../src/core/exportReport';
import { computeVerdicts } from '../../src/core/verdicts';
import { makeResult } from '../support/resultFixture';

describe('Markdown', () => {
  test('a run: every percentile with its interval, or "not bounded"; the checks with their fixes', () => {
    const r = makeResult({ samples: { runs: 1000 } });
    r.verdicts = computeVerdicts(r);
    assert.ok(r.verdicts.length > 0, 'the fixture draws some checks (at least RUN002 for p99.9)');
    const text = runToMarkdown(r);
    assert.match(text, /^### Latency: /);
    assert.match(text, /\| p50 \| \S+ ms \| \[\S+, \S+\] \|/);
    assert.match(text, /\| p99\.9 \| \S+ ms \| not bounded \(n too small\) \|/, '1000 runs cannot bound p99.9');
    assert.match(text, /1000 measured runs after 50 warm-up/);
    for (const v of r.verdicts) assert.ok(text.includes(`**${v.code} ${v.title}**`), v.code);
    assert.match(text, /\*\*Run checks\*\*/);
  });

  test('a comparison: one row per metric with ratio, interval and verdict', () => {
    const base = makeResult({ samples: { runs: 1000, seed: 1 } });
    const slower = makeResult({ samples: { runs: 1000, seed: 2, medianMs: 2.4 } });
    const c = compareRuns(base, slower);
    const text = comparisonToMarkdown(c, base, slower);
    assert.match(text, /\| p50 \| \S+ ms \| \S+ ms \| 1\.\d{3}× \| \[\d\.\d{3}, \d\.\d{3}\] \| \*\*regressed\*\* \|/);
    assert.match(text, /\| p99\.9 \| .* \| not bounded \| inconclusive \|/);
    assert.match(text, /"no change" means within ±2\.0%/);
  });

  test('names from the model or the machine cannot break the table or add markup', () => {
    const r = makeResult({ target: { name: 'a|b<img src=x>*x*\nnext' } });
    const first = runToMarkdown(r).split('\n')[0]!;
    assert.equal(first, '### Latency: a\\|b\\<img src=x\\>\\*x\\* next');
  });
});

describe('CSV', () => {
  test('a run: every warm-up and measured run, outliers marked', () => {
    const r = makeResult({ samplesMs: [1, 1.1, 0.9, 1, 50, 1.05, 0.95, 1, 1, 1.02], config: { warmup: 2 }, warmupSamplesMs: [3, 2] });
    const rows = runToCsv(r).trimEnd().split('\r\n');
    assert.equal(rows[0], 'phase,run,latency_ms,outlier');
    assert.deepEqual(rows.slice(1, 3), ['warmup,0,3,', 'warmup,1,2,']);
    assert.equal(rows.length, 1 + 2 + 10);
    assert.equal(rows[3 + 4], 'measure,4,50,1', 'the 50 ms run is labelled');
    assert.equal(rows[3 + 0], 'measure,0,1,0');
  });

  test('a comparison: one row per metric; empty cells where no interval exists', () => {
    const base = makeResult({ samples: { runs: 200, seed: 3 } });
    const c = compareRuns(base, makeResult({ samples: { runs: 200, seed: 4 } }));
    const rows = comparisonToCsv(c).trimEnd().split('\r\n');
    assert.equal(rows[0], 'metric,base_ms,new_ms,ratio,ci_low,ci_high,verdict');
    assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), c.metrics.map((m) => m.metric));
    assert.match(rows.find((r) => r.startsWith('p99,'))!, /^p99,[\d.]+,[\d.]+,[\d.]+,,,inconclusive$/, '200 runs cannot bound p99');
  });
});
