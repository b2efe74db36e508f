import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_ACCURACY_THRESHOLD, compareOutputs } from '../../src/core/accuracy';

const near = (actual: number | null, expected: number, eps = 1e-12) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= eps, `${actual} ≉ ${expected}`);

describe('compareOutputs', () => {
  test('hand-worked regression output: max abs error, relative L2, cosine', () => {
    // base (3, 4), candidate (3, 5): diff (0, −1), ‖diff‖ = 1, ‖base‖ = 5 → relative L2 0.2;
    // cosine = (9 + 20) / (5 · √34).
    const r = compareOutputs([{ name: 'y', dims: [2], base: [3, 4], candidate: [3, 5] }], 0.25);
    const o = r.outputs[0]!;
    assert.equal(o.maxAbsError, 1);
    near(o.relativeL2, 0.2);
    near(o.cosine, 29 / (5 * Math.sqrt(34)));
    assert.equal(o.top1Agreement, null, 'a rank-1 output is not read as logits');
    near(o.degradation, 0.2);
    assert.equal(r.pass, true, '20% is within the 25% asked for here');
    assert.equal(compareOutputs([{ name: 'y', dims: [2], base: [3, 4], candidate: [3, 5] }]).pass, false, 'but not within the default 1%');
  });

  test('a classifier with too few rows for top-1 to resolve the threshold is judged by relative L2', () => {
    // 4 rows × 3 classes; row 2's winner changes (class 0 → class 2).
    const base = [0.1, 0.7, 0.2, 0.9, 0.05, 0.05, 0.5, 0.1, 0.4, 0.2, 0.2, 0.6];
    const cand = [0.12, 0.68, 0.2, 0.85, 0.1, 0.05, 0.3, 0.1, 0.6, 0.25, 0.15, 0.6];
    const r = compareOutputs([{ name: 'logits', dims: [4, 3], base, candidate: cand }]);
    const o = r.outputs[0]!;
    assert.equal(o.top1Agreement, 0.75);
    assert.equal(o.judgedBy, 'relative L2', '4 rows cannot show a 1% change in answers');
    assert.equal(o.pass, false);
    assert.equal(r.pass, false);
  });

  test('with enough rows, top-1 agreement decides, whatever the logits drift', () => {
    // 200 rows of 2 classes; the candidate's logits are scaled ×1.5 (relative L2 50%) but every
    // arg-max holds, except in 1 row of 200 (0.5%).
    const base: number[] = [];
    const cand: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = [Math.sin(i), Math.cos(i)];
      base.push(...a);
      cand.push(...(i === 7 ? [a[1]!, a[0]!] : a.map((x) => x * 1.5)));
    }
    const o = compareOutputs([{ name: 'logits', dims: [200, 2], base, candidate: cand }]).outputs[0]!;
    assert.equal(o.judgedBy, 'top-1');
    assert.equal(o.top1Agreement, 0.995);
    assert.ok(o.relativeL2! > 0.4);
    assert.equal(o.pass, true, 'the answers agree in 99.5% of rows: within 1%');
    const batch1 = compareOutputs([{ name: 'logits', dims: [1, 2], base: [1, 2], candidate: [1.5, 3] }]).outputs[0]!;
    assert.equal(batch1.top1Agreement, 1);
    assert.equal(batch1.pass, false, 'batch 1: the same arg-max proves little; 50% relative L2 fails');
  });

  test('identical outputs agree exactly; a tiny quantisation error passes the default 1%', () => {
    const base = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const same = compareOutputs([{ name: 'h', dims: [1, 10, 100], base, candidate: [...base] }]);
    assert.equal(same.outputs[0]!.maxAbsError, 0);
    assert.equal(same.outputs[0]!.relativeL2, 0);
    near(same.outputs[0]!.cosine, 1);
    const int8 = compareOutputs([{ name: 'h', dims: [1, 10, 100], base, candidate: base.map((x) => Math.round(x * 127) / 127) }]);
    assert.equal(int8.threshold, DEFAULT_ACCURACY_THRESHOLD);
    assert.ok(int8.outputs[0]!.relativeL2! < 0.01 && int8.pass, JSON.stringify(int8.outputs[0]));
  });

  test('shape mismatches, NaN in one model only, and an all-zero base fail with the reason', () => {
    const r = compareOutputs([
      { name: 'a', dims: [1, 10], candidateDims: [1, 12], base: new Float32Array(10), candidate: new Float32Array(12) },
      { name: 'b', dims: [3], base: [1, 2, 3], candidate: [1, Number.NaN, 3] },
      { name: 'c', dims: [1, 1, 2], base: [0, 0], candidate: [0, 1] },
      { name: 'd', dims: [2], base: [Number.NaN, 1], candidate: [Number.NaN, 2] },
    ]);
    const [a, b, c, d] = r.outputs;
    assert.match(a!.problem!, /shape \[1, 10\] vs \[1, 12\]/);
    assert.match(b!.problem!, /element 1: 2 vs NaN/);
    assert.equal(c!.relativeL2, null);
    assert.match(c!.problem!, /all zeros/);
    assert.equal(d!.problem, undefined, 'NaN in both is the same answer');
    assert.equal(r.pass, false);
    assert.throws(() => compareOutputs([], -1), RangeError);
    assert.equal(compareOutputs([]).pass, false, 'no outputs compared is not a pass');
  });
});
