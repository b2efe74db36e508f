import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeConfig, parseConfigLayer } from '../../src/core/config';
import { isBenchmarkResult } from '../../src/core/panelProtocol';
import { renderTextReport } from '../../src/core/report';
import { parseSizeClassRanges, placeInClass, type SizeClassRanges } from '../../src/core/sizeClassRanges';
import { makeResult } from '../support/resultFixture';

const ranges: SizeClassRanges = { small: { typicalMs: [5, 50], optimizedMs: [1, 5], source: 'team guide, A10G' }, large: { typicalMs: [200, 2000] } };

test('without ranges for its class, the model is only placed in the class', () => {
  assert.equal(placeInClass(undefined, 1, ranges), undefined, 'no parameter count, no class');
  const p = placeInClass(8e9, 300, {});
  assert.equal(p?.class, 'large');
  assert.equal(p?.range, undefined);
  assert.match(p!.text, /^large \(7–70B parameters\); no latency ranges configured/);
});

test('where the p50 sits: each position, at the edges too', () => {
  const at = (p50: number) => placeInClass(61_706, p50, ranges)!.position;
  assert.equal(at(0.5), 'below optimized');
  assert.equal(at(1), 'optimized');
  assert.equal(at(5), 'optimized', 'the shared edge belongs to the optimized range');
  assert.equal(at(4.9999), 'optimized');
  assert.equal(at(5.5), 'typical');
  assert.equal(at(50), 'typical');
  assert.equal(at(51), 'above typical');
  const gap = placeInClass(100, 3, { small: { typicalMs: [5, 50], optimizedMs: [1, 2] } })!;
  assert.equal(gap.position, 'between');
  assert.equal(placeInClass(100, 3, { small: { typicalMs: [5, 50] } })!.position, 'below typical');
  assert.equal(placeInClass(9e9, 150, ranges)!.position, 'below typical');
  assert.equal(
    placeInClass(61_706, 0.5, ranges)!.text,
    'small (< 1B parameters): p50 0.500 ms is faster than the optimized range (typical 5.00 ms–50.0 ms, optimized 1.00 ms–5.00 ms (team guide, A10G))',
  );
});

test('bad ranges are config issues with their path; good classes are kept', () => {
  const issues: string[] = [];
  const out = parseSizeClassRanges(
    { small: { typicalMs: [50, 5] }, medium: { typicalMs: [10, 100], optimizedMs: [1, 200] }, huge: {}, large: { typicalMs: [1, 2], extra: 1 } },
    (path, message) => issues.push(`${path.join('.')}: ${message}`),
  );
  assert.deepEqual(issues, [
    'sizeClassRanges.small.typicalMs: must be [low, high] in ms with 0 ≤ low ≤ high',
    'sizeClassRanges.medium.optimizedMs: an optimized range cannot reach above the typical one',
    'sizeClassRanges.huge: unknown size class "huge"; the classes are small, medium, large, xl',
    'sizeClassRanges.large.extra: unknown key "extra"',
  ]);
  assert.deepEqual(Object.keys(out), ['medium', 'large']);
  assert.equal(parseConfigLayer({ sizeClassRanges: [] }, 'x').issues.length, 1);
});

test('layers merge per class; the run records the ranges; the report and the panel guard read them', () => {
  const config = mergeConfig({ sizeClassRanges: { small: ranges.small! } }, { sizeClassRanges: { large: ranges.large! } });
  assert.deepEqual(Object.keys(config.sizeClassRanges), ['small', 'large']);
  const r = makeResult({ samples: { runs: 400, medianMs: 0.5 }, target: { parameters: 61_706 } });
  r.config.sizeClassRanges = ranges;
  assert.ok(isBenchmarkResult(r));
  assert.match(renderTextReport(r), /^ {2}size class +small \(< 1B parameters\): p50 0\.\d+ ms is faster than the optimized range/m);
  r.config.sizeClassRanges = { small: { typicalMs: [5] } } as unknown as SizeClassRanges;
  assert.equal(isBenchmarkResult(r), false, 'a malformed range is refused like any other bad field');
});
