// Awaits a benchmark that must fail, and returns its BenchmarkError (its kind and hint are what
// the tests check); any other outcome fails the test.

import assert from 'node:assert/strict';
import { BenchmarkError } from '../../src/profiler/benchmarkError';

export async function rejection(p: Promise<unknown>): Promise<BenchmarkError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BenchmarkError, `expected a BenchmarkError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the benchmark to fail');
}
