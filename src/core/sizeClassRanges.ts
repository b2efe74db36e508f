// Where a measurement sits among the latency ranges a team's guide gives per model-size class
// (small < 1B, medium 1–7B, large 7–70B, XL 70B+ parameters). The ranges are the user's: guides
// disagree on the class boundaries and quote figures for particular hardware, prompt lengths and
// serving stacks, so no figure is built in; without ranges the class alone is shown.

import { formatMs } from './format';
import { sizeClass, type SizeClass } from './onnxParameters';

export const SIZE_CLASSES: readonly SizeClass[] = Object.freeze(['small', 'medium', 'large', 'xl'] as const);

export interface SizeClassRange {
  /** [low, high] ms of a typical, unoptimised deployment of a model of this class. */
  typicalMs: [number, number];
  /** [low, high] ms the guide reaches after optimisation. */
  optimizedMs?: [number, number];
  /** Where the figures come from, shown with them (e.g. "team serving guide, A10G, batch 1"). */
  source?: string;
}

export type SizeClassRanges = Partial<Record<SizeClass, SizeClassRange>>;

export type RangePosition = 'below optimized' | 'optimized' | 'between' | 'typical' | 'above typical' | 'below typical';

export interface ClassPlacement {
  class: SizeClass;
  label: string;
  range?: SizeClassRange;
  position?: RangePosition;
  /** One sentence for the panel and the CLI. */
  text: string;
}

/**
 * The model's class and, when ranges for it are configured, where `p50Ms` falls: within or
 * below the optimised range, between the optimised and typical ranges, within or above the
 * typical range. Undefined without a parameter count.
 */
export function placeInClass(parameters: number | undefined, p50Ms: number | undefined, ranges: SizeClassRanges | undefined): ClassPlacement | undefined {
  if (parameters === undefined) return undefined;
  const { class: cls, label } = sizeClass(parameters);
  const range = ranges?.[cls];
  if (!range) return { class: cls, label, text: `${label}; no latency ranges configured for this class (sizeClassRanges)` };
  const span = (r: [number, number]) => `${formatMs(r[0])}–${formatMs(r[1])}`;
  const from = range.source ? ` (${range.source})` : '';
  const guide = `typical ${span(range.typicalMs)}${range.optimizedMs ? `, optimized ${span(range.optimizedMs)}` : ''}${from}`;
  if (p50Ms === undefined) return { class: cls, label, range, text: `${label}: ${guide}` };
  const position = positionOf(p50Ms, range);
  const words: Record<RangePosition, string> = {
    'below optimized': 'faster than the optimized range',
    optimized: 'within the optimized range',
    between: 'between the optimized and the typical range',
    typical: 'within the typical range',
    'above typical': 'slower than the typical range',
    'below typical': 'faster than the typical range',
  };
  return { class: cls, label, range, position, text: `${label}: p50 ${formatMs(p50Ms)} is ${words[position]} (${guide})` };
}

function positionOf(p50: number, r: SizeClassRange): RangePosition {
  const [tLow, tHigh] = r.typicalMs;
  if (p50 > tHigh) return 'above typical';
  if (r.optimizedMs) {
    const [oLow, oHigh] = r.optimizedMs;
    if (p50 < oLow) return 'below optimized';
    if (p50 <= oHigh) return 'optimized';
    if (p50 < tLow) return 'between';
  }
  return p50 < tLow ? 'below typical' : 'typical';
}

/**
 * Checks a `sizeClassRanges` value from a settings file; reports each problem through `issue`
 * with its path and keeps the valid classes.
 */
export function parseSizeClassRanges(raw: unknown, issue: (path: Array<string | number>, message: string) => void): SizeClassRanges {
  const out: SizeClassRanges = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issue(['sizeClassRanges'], `must be an object keyed by class (${SIZE_CLASSES.join(', ')})`);
    return out;
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const path = ['sizeClassRanges', key];
    if (!(SIZE_CLASSES as readonly string[]).includes(key)) {
      issue(path, `unknown size class "${key}"; the classes are ${SIZE_CLASSES.join(', ')}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issue(path, 'must be an object with typicalMs [low, high] and optionally optimizedMs and source');
      continue;
    }
    const v = value as Record<string, unknown>;
    for (const k of Object.keys(v)) if (!['typicalMs', 'optimizedMs', 'source'].includes(k)) issue([...path, k], `unknown key "${k}"`);
    const typical = msRange(v.typicalMs);
    if (!typical) {
      issue([...path, 'typicalMs'], 'must be [low, high] in ms with 0 ≤ low ≤ high');
      continue;
    }
    const range: SizeClassRange = { typicalMs: typical };
    if (v.optimizedMs !== undefined) {
      const optimized = msRange(v.optimizedMs);
      if (!optimized) issue([...path, 'optimizedMs'], 'must be [low, high] in ms with 0 ≤ low ≤ high');
      else if (optimized[1] > typical[1]) issue([...path, 'optimizedMs'], 'an optimized range cannot reach above the typical one');
      else range.optimizedMs = optimized;
    }
    if (v.source !== undefined) {
      if (typeof v.source === 'string') range.source = v.source;
      else issue([...path, 'source'], 'must be text');
    }
    out[key as SizeClass] = range;
  }
  return out;
}

function msRange(v: unknown): [number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) return undefined;
  const [lo, hi] = v as [number, number];
  return lo <= hi ? [lo, hi] : undefined;
}
