import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { formatBytes, formatInterval, formatMs, formatParameters, formatPercent, formatRate, formatRatio } from '../../src/core/format';

function table<T>(fn: (x: T) => string, cases: ReadonlyArray<readonly [T, string]>): void {
  for (const [input, expected] of cases) assert.equal(fn(input), expected, `input ${String(input)}`);
}

describe('formatMs', () => {
  test('examples from the spec', () => {
    table(formatMs, [
      [0.0123, '12.3 µs'],
      [0.456, '0.456 ms'],
      [12.34, '12.3 ms'],
      [1234, '1.23 s'],
    ]);
  });

  test('three significant digits in each range, trailing zeros kept', () => {
    table(formatMs, [
      [0.0000005, '0.500 ns'],
      [0.000123, '123 ns'],
      [0.001, '1.00 µs'],
      [0.0995, '99.5 µs'],
      [0.1, '0.100 ms'],
      [1, '1.00 ms'],
      [5, '5.00 ms'],
      [123.4, '123 ms'],
      [999.4, '999 ms'],
      [12_345, '12.3 s'],
      [123_456, '123 s'],
      [1_234_567, '1235 s'],
    ]);
  });

  test('unit chosen after rounding: no "1000 ms" or "100 µs"', () => {
    table(formatMs, [
      [999.7, '1.00 s'],
      [0.09996, '0.100 ms'],
      [0.00099996, '1.00 µs'],
      [9.996, '10.0 ms'],
    ]);
  });

  test('zero, negatives and non-finite values', () => {
    table(formatMs, [
      [0, '0 ms'],
      [-0, '0 ms'],
      [-3.2, '-3.20 ms'],
      [Number.NaN, 'n/a'],
      [Number.POSITIVE_INFINITY, 'n/a'],
    ]);
  });
});

describe('formatBytes', () => {
  test('binary units, three significant digits', () => {
    table(formatBytes, [
      [0, '0 B'],
      [512, '512 B'],
      [1023, '1023 B'],
      [1024, '1.00 KiB'],
      [1536, '1.50 KiB'],
      [190_840_832, '182 MiB'], // 182.0 MiB exactly
      [1.5 * 1024 ** 3, '1.50 GiB'],
      [5e12, '4.55 TiB'],
    ]);
  });

  test('promotes when rounding reaches 1024', () => {
    table(formatBytes, [
      [1023.6, '1.00 KiB'],
      [1023.9 * 1024, '1.00 MiB'],
      [1010 * 1024, '1010 KiB'],
    ]);
  });

  test('negative and non-finite', () => {
    table(formatBytes, [
      [-2048, '-2.00 KiB'],
      [Number.NaN, 'n/a'],
    ]);
  });
});

describe('formatRate', () => {
  test('grouped whole numbers, three significant digits below 1000', () => {
    table(formatRate, [
      [3120.4, '3,120/s'],
      [1_234_567.8, '1,234,568/s'],
      [999.96, '1,000/s'],
      [714.2, '714/s'],
      [31.24, '31.2/s'],
      [0.5, '0.500/s'],
      [0, '0/s'],
      [Number.POSITIVE_INFINITY, 'n/a'],
    ]);
  });

  test('does not depend on the machine locale', () => {
    // A de-DE toLocaleString would give "3.120"; the report must read the same everywhere.
    assert.equal(formatRate(3120), '3,120/s');
  });
});

describe('formatPercent', () => {
  test('one decimal', () => {
    table(formatPercent, [
      [0.084, '8.4%'],
      [0.12345, '12.3%'],
      [1, '100.0%'],
      [1.5, '150.0%'],
      [0, '0.0%'],
      [-0.05, '-5.0%'],
    ]);
  });

  test('tiny non-zero values keep two significant digits instead of reading 0.0%', () => {
    table(formatPercent, [
      [0.0004, '0.040%'],
      [0.0000123, '0.0012%'],
    ]);
  });

  test('non-finite', () => {
    assert.equal(formatPercent(Number.NaN), 'n/a');
  });
});

describe('formatRatio', () => {
  test('whole multiples from 10, one decimal below, two significant digits under 1', () => {
    table(formatRatio, [
      [57.3, '57×'],
      [37.9, '38×'],
      [25.7, '26×'],
      [10, '10×'],
      [1234.5, '1,235×'],
      [9.94, '9.9×'],
      [3.42, '3.4×'],
      [1, '1.0×'],
      [0.853, '0.85×'],
      [0.0421, '0.042×'],
    ]);
  });

  test('the form is chosen after rounding: no "10.0×" or "1.0×" for 0.999', () => {
    table(formatRatio, [
      [9.96, '10×'],
      [0.996, '1.0×'],
    ]);
  });

  test('zero, negatives and non-finite values', () => {
    table(formatRatio, [
      [0, '0×'],
      [-2.5, '-2.5×'],
      [Number.NaN, 'n/a'],
      [Number.POSITIVE_INFINITY, 'n/a'],
    ]);
  });
});

describe('formatParameters', () => {
  test('as model cards write them', () => {
    assert.deepEqual([61_706, 197_016, 6.74e9, 70e9, 999, 1.2e12].map(formatParameters), ['61.7K', '197K', '6.74B', '70.0B', '999', '1.20T']);
  });
});

describe('formatInterval', () => {
  test('bounds in the figure\'s unit go bare; crossing units are spelled out', () => {
    assert.equal(formatInterval(12.4, 11.9, 13.1), '[11.9, 13.1]');
    assert.equal(formatInterval(0.1, 0.0998, 0.102), '[99.8 µs, 0.102 ms]');
  });
  test('a narrow interval gets the digits that tell its ends from the figure, up to five', () => {
    assert.equal(formatInterval(0.1391, 0.13896, 0.13931), '[0.1390, 0.1393]');
    assert.equal(formatInterval(0.139123, 0.139121, 0.139124), '[0.13912, 0.13912]', 'five digits at most');
    assert.equal(formatInterval(2, 2, 2.5), '[2.00, 2.50]', 'a bound equal to the figure needs no extra digit');
  });
});
