import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentDefLine, measuredFunction } from '../../src/core/measuredFunction';
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

test('currentDefLine: the recorded line while it holds the def, the nearest def after edits, none once it is gone', () => {
  const lines = ['import torch', '', 'def predict(x):', '    return x', '', 'async def predict_async(x):', '    pass'];
  const at = (src: string[]) => (l: number) => src[l]!;
  assert.equal(currentDefLine({ line: 2, function: 'predict' }, at(lines), lines.length), 2);
  const edited = ['# a header comment', '# and another', ...lines];
  assert.equal(currentDefLine({ line: 2, function: 'predict' }, at(edited), edited.length), 4, 'two lines were added above');
  assert.equal(currentDefLine({ line: 5, function: 'predict_async' }, at(lines), lines.length), 5, 'async def too, not the def of a name it starts with');
  assert.equal(currentDefLine({ line: 2, function: 'Model.predict' }, at(lines), lines.length), 2, 'a method is found by its own name');
  assert.equal(currentDefLine({ line: 2, function: 'gone' }, at(lines), lines.length), undefined);
});
