// Human-readable figures for the CLI report and the webview. Output is deliberately
// locale-independent (no toLocaleString / Intl): the same result must read the same in a CI
// log, a bug report and the panel, and tests must not depend on the machine's locale.

/** What non-finite input renders as: a figure that could not be measured, not a crash. */
const NOT_AVAILABLE = 'n/a';

/**
 * A duration given in milliseconds, to three significant digits in the unit that keeps the
 * number readable: ns below 1 µs, µs below 0.1 ms, ms below 1 s, then s.
 * e.g. 0.0123 → "12.3 µs", 0.456 → "0.456 ms", 12.34 → "12.3 ms", 1234 → "1.23 s".
 *
 * The unit is chosen after rounding, so 999.7 ms reads "1.00 s" rather than "1000 ms".
 * Trailing zeros are kept ("5.00 ms") so columns of figures share one precision.
 */
export function formatMs(ms: number): string {
  return formatMsDigits(ms, 3);
}

// Apart from formatMs so that `values.map(formatMs)` cannot pass the index as a digit count.
function formatMsDigits(ms: number, digits: number): string {
  if (!Number.isFinite(ms)) return NOT_AVAILABLE;
  if (ms === 0) return '0 ms';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const rounded = roundSignificant(abs, digits);
  if (rounded >= 1000) return `${sign}${significant(abs / 1000, digits)} s`;
  if (rounded >= 0.1) return `${sign}${significant(abs, digits)} ms`;
  if (rounded >= 0.001) return `${sign}${significant(abs * 1e3, digits)} µs`;
  return `${sign}${significant(abs * 1e6, digits)} ns`;
}

const UNIT = / (ns|µs|ms|s)$/;

/**
 * A confidence interval beside its figure: "[11.9, 13.1]" when both bounds read in the figure's
 * unit, with units spelled out when a bound crosses into another ("[998 µs, 1.02 ms]"). A narrow
 * interval gets up to two more digits, so it never reads "[0.139, 0.139]" around 0.139.
 */
export function formatInterval(valueMs: number, lowMs: number, highMs: number): string {
  let parts: string[] = [];
  for (let digits = 3; digits <= 5; digits++) {
    parts = [formatMsDigits(valueMs, digits), formatMsDigits(lowMs, digits), formatMsDigits(highMs, digits)];
    if (lowMs === highMs || (parts[1] !== parts[2] && (lowMs === valueMs || parts[1] !== parts[0]) && (highMs === valueMs || parts[2] !== parts[0]))) break;
  }
  const units = parts.map((p) => UNIT.exec(p)?.[1]);
  if (units.every((u) => u !== undefined && u === units[0])) return `[${parts[1]!.replace(UNIT, '')}, ${parts[2]!.replace(UNIT, '')}]`;
  return `[${parts[1]}, ${parts[2]}]`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * A byte count in binary (1024-based) units, three significant digits: 190_840_832 → "182 MiB".
 * Plain bytes are whole numbers ("512 B"). Values of 1000–1023 in a unit stay in it
 * ("1010 KiB"), as is usual for binary units.
 */
/** A parameter count the way model cards write it: 61.7K, 197K, 6.74B. */
export function formatParameters(n: number): string {
  if (!Number.isFinite(n) || n < 0) return NOT_AVAILABLE;
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, unit] of units) if (n >= size) return `${significant(n / size, 3)}${unit}`;
  return String(Math.round(n));
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return NOT_AVAILABLE;
  const sign = n < 0 ? '-' : '';
  let value = Math.abs(n);
  if (Math.round(value) < 1024) return `${sign}${Math.round(value)} B`;
  value /= 1024;
  let unit = 1;
  // Compare what would be displayed, so 1023.9 KiB becomes "1.00 MiB" rather than "1024 KiB".
  while (unit < BYTE_UNITS.length - 1 && Number(significant(value, 3)) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${sign}${significant(value, 3)} ${BYTE_UNITS[unit]}`;
}

/**
 * Events per second: three significant digits, but whole digits are never rounded away and
 * thousands are grouped with commas: 3120.4 → "3,120/s", 31.24 → "31.2/s", 0.5 → "0.500/s".
 */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return NOT_AVAILABLE;
  if (perSec === 0) return '0/s';
  const sign = perSec < 0 ? '-' : '';
  return `${sign}${groupThousands(significant(Math.abs(perSec), 3))}/s`;
}

/**
 * A fraction as a percentage with one decimal: 0.084 → "8.4%". Non-zero magnitudes under
 * 0.1% get two significant digits instead (0.00042 → "0.042%"), so a very stable run's CV
 * does not read as exactly zero.
 */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return NOT_AVAILABLE;
  const pct = fraction * 100;
  if (pct === 0) return '0.0%';
  const sign = pct < 0 ? '-' : '';
  const abs = Math.abs(pct);
  if (Number(abs.toFixed(1)) === 0) return `${sign}${significant(abs, 2)}%`;
  return `${sign}${abs.toFixed(1)}%`;
}

/**
 * A ratio as a multiple, to about two significant digits: whole numbers from 10 up
 * (37.9 → "38×", 1234 → "1,234×"), one decimal from 1 to 10 (3.42 → "3.4×"), two significant
 * digits below 1 (0.853 → "0.85×"). A cold-start ratio divides one noisy first inference by
 * the p50, so a third digit would be false precision. The form is chosen after rounding, so
 * 9.96 reads "10×" rather than "10.0×". One formatter for the CLI report and the panel, so the
 * same run never reads "57×" in one place and "57.3×" in another.
 */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return NOT_AVAILABLE;
  if (ratio === 0) return '0×';
  const sign = ratio < 0 ? '-' : '';
  const abs = Math.abs(ratio);
  if (abs < 1) return `${sign}${significant(abs, 2)}×`;
  const oneDecimal = abs.toFixed(1);
  if (Number(oneDecimal) < 10) return `${sign}${oneDecimal}×`;
  return `${sign}${groupThousands(Math.round(abs).toString())}×`;
}

/** x rounded to `digits` significant digits, as a number (for choosing units after rounding). */
function roundSignificant(x: number, digits: number): number {
  return Number(x.toPrecision(digits));
}

/**
 * x > 0 to `digits` significant digits in fixed notation; digits left of the point are kept
 * even when there are more than `digits` of them (toPrecision would switch to exponent form).
 */
function significant(x: number, digits: number): string {
  // The exponent after rounding, so 9.996 → "10.0" rather than "10.00".
  const exponent = Number(x.toExponential(digits - 1).split('e')[1]);
  return x.toFixed(Math.max(0, digits - 1 - exponent));
}

function groupThousands(fixed: string): string {
  const [whole = '', fraction] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
