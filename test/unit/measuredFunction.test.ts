import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measuredFunction } from '../../src/core/measuredFunction';
import { commandResult, makeResult, pythonResult } from '../support/resultFixture';

test('a healthy function: the figures for over its def, no finding', () => {
  const m = measuredFunction(pythonResult({ samples: { medianMs: 2, seed: 3 } }))!;
  assert.equal(m.file, '/home/dev/serve/model.py');
  assert.equal(m.line, 41, 'the def line, 0-based');
  assert.match(m.lens, /^Latency: p50 \S+ ms · p99 \S+ ms · first call \S+ ms \(8\.0×\) · 1,000 calls$/);
  assert.equal(m.finding, undefined);
});

test('a cold start of 10× or more is a warning on the def line that says what to do', () => {
  const m = measuredFunction(pythonResult({ coldStart: { firstMs: 400, ratio: 200 } }))!;
  assert.equal(m.finding?.code, 'measured-cold-start');
  assert.match(m.finding!.message, /^Measured: the first call of predict\(\) took 400 ms, 200× its steady p50 .* call it once at start-up/);
});

test('a partial run says why it stopped; ONNX, command and line-less results have no source line', () => {
  const partial = pythonResult({ partial: true, partialReason: 'ValueError: bad at measured run 12 after 11 of 1,000 measured runs' });
  assert.match(measuredFunction(partial)!.finding!.message, /stopped early: ValueError: bad/);
  assert.equal(measuredFunction(makeResult()), undefined);
  assert.equal(measuredFunction(commandResult()), undefined);
  const noLine = pythonResult();
  if (noLine.target.kind === 'python') delete noLine.target.line;
  assert.equal(measuredFunction(noLine), undefined);
});
