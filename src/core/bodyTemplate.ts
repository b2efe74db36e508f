// Request-body templates: a body that varies per request (an index, random ids, the next line of
// a file of real inputs), compiled once and rendered per request without parsing anything again.
// Pure: no I/O; the lines of a data file and the clock are handed in.
//
// The language (a template is used only on an explicit opt-in, so a body that merely contains
// `{{` is never touched):
//
//   {{i}}                  the request's index: 0 for the first request the benchmark sends (the
//                          cold start), then 1, 2, … through warm-up and measured requests (and
//                          on through later repeats)
//   {{line}}               line i of the lines file, cycling (i mod the number of lines): each
//                          request takes the next line; every {{line}} of one body is the same line
//   {{random_int LO HI}}   a seeded integer in [LO, HI], both ends included
//   {{random LO HI}}       a seeded number in [LO, HI), written with 6 decimals (-0.734519)
//   {{uuid}}               a seeded version-4 UUID (reproducible, so not unique across seeds)
//   {{timestamp_ms}}       Date.now() when the body is rendered
//   {{json NAME …}}        any of the above as a JSON string literal, quotes and escapes included:
//                          {"text": {{json line}}} is valid JSON whatever the line holds
//   \{{                    a literal {{
//
// Values are inserted raw otherwise: `"{{line}}"` is valid JSON only when the line needs no
// escaping, which is what {{json line}} is for. Random values come from one mulberry32 stream
// seeded once and drawn in request order, so two runs with the same seed send the same bodies.

import { mulberry32 } from './random';

export const TEMPLATE_VARIABLES = ['i', 'line', 'random_int', 'random', 'uuid', 'timestamp_ms'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** The seed of {{random…}} and {{uuid}} when none is given. */
export const DEFAULT_TEMPLATE_SEED = 0x1a7e;

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based offset of the problem in the template text. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

type Placeholder =
  | { name: 'i' | 'line' | 'uuid' | 'timestamp_ms'; json: boolean; offset: number }
  | { name: 'random_int' | 'random'; json: boolean; offset: number; lo: number; hi: number };

export interface CompiledTemplate {
  /** The template text as given. */
  source: string;
  /** Literal text and placeholders in order; literals with `\{{` already unescaped. */
  parts: Array<string | Placeholder>;
  /** The variables used, each once, in order of first use. */
  variables: TemplateVariable[];
}

/** "line 2, column 7": where `offset` lies in `text` (1-based, as editors count). */
export function positionOf(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** Parses `text` once; throws TemplateSyntaxError (naming the line and column) for bad syntax or an unknown variable. */
export function compileTemplate(text: string): CompiledTemplate {
  const parts: Array<string | Placeholder> = [];
  const variables: TemplateVariable[] = [];
  const fail = (message: string, offset: number): never => {
    throw new TemplateSyntaxError(`body template, ${positionOf(text, offset)}: ${message}`, offset);
  };
  let literal = '';
  let k = 0;
  while (k < text.length) {
    const open = text.indexOf('{{', k);
    if (open < 0) {
      literal += text.slice(k);
      break;
    }
    if (open > 0 && text[open - 1] === '\\') {
      literal += `${text.slice(k, open - 1)}{{`;
      k = open + 2;
      continue;
    }
    literal += text.slice(k, open);
    const close = text.indexOf('}}', open + 2);
    const nextOpen = text.indexOf('{{', open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) fail('"{{" is not closed by "}}" (write \\{{ for a literal "{{")', open);
    const words = text.slice(open + 2, close).trim().split(/\s+/).filter(Boolean);
    const p = placeholder(words, open, fail);
    if (literal) parts.push(literal);
    literal = '';
    parts.push(p);
    if (!variables.includes(p.name)) variables.push(p.name);
    k = close + 2;
  }
  if (literal) parts.push(literal);
  return { source: text, parts, variables };
}

function placeholder(words: string[], offset: number, fail: (message: string, offset: number) => never): Placeholder {
  const json = words[0] === 'json';
  const [name, ...args] = json ? words.slice(1) : words;
  if (name === undefined) fail(json ? '{{json …}} needs a variable, e.g. {{json line}}' : 'empty {{}}', offset);
  const known = `known: ${TEMPLATE_VARIABLES.map((v) => (v === 'random_int' || v === 'random' ? `${v} LO HI` : v)).join(', ')}, and json before any of them`;
  switch (name) {
    case 'i':
    case 'line':
    case 'uuid':
    case 'timestamp_ms':
      if (args.length) fail(`{{${name}}} takes no arguments, got "${args.join(' ')}"`, offset);
      return { name, json, offset };
    case 'random_int':
    case 'random': {
      const usage = `write {{${name} LO HI}}, e.g. {{${name} 0 ${name === 'random' ? '1' : '999'}}}`;
      if (args.length !== 2) fail(`{{${name}}} needs two numbers: ${usage}`, offset);
      const [lo, hi] = args.map(Number) as [number, number];
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) fail(`"${args.join(' ')}" are not two numbers: ${usage}`, offset);
      if (name === 'random_int') {
        if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) fail(`{{random_int}} needs integers, got "${args.join(' ')}"`, offset);
        if (lo > hi) fail(`{{random_int ${lo} ${hi}}}: LO must not exceed HI`, offset);
      } else if (!(lo < hi)) fail(`{{random ${lo} ${hi}}}: LO must be below HI`, offset);
      return { name, json, offset, lo, hi };
    }
    default:
      return fail(`unknown variable "${name}" (${known})`, offset);
  }
}

export interface RenderContext {
  /** The lines {{line}} cycles through (blank lines already dropped: see dataLines). */
  lines?: readonly string[];
  /** Seed of {{random…}} and {{uuid}} (default DEFAULT_TEMPLATE_SEED). */
  seed?: number;
  /** The clock of {{timestamp_ms}} (default Date.now). */
  now?: () => number;
}

/** The lines of a data file for {{line}}: split on LF or CRLF, blank lines dropped (a trailing newline is no input). */
export function dataLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Renders one body per call, request index counting from 0. A template without placeholders
 * returns the very same Buffer every time. Throws TemplateSyntaxError when {{line}} is used
 * without lines, or lines are given that no {{line}} uses (a forgotten placeholder would otherwise
 * send the same body every time without a word).
 */
export class BodyRenderer {
  /** Requests rendered so far: the index of the next one. */
  count = 0;
  private readonly fixed: Buffer | undefined;
  private readonly steps: Array<string | ((i: number) => string)>;

  constructor(
    readonly template: CompiledTemplate,
    ctx: RenderContext = {},
  ) {
    const lines = ctx.lines;
    const usesLine = template.variables.includes('line');
    if (usesLine && (!lines || lines.length === 0)) {
      const at = template.parts.find((p) => typeof p !== 'string' && p.name === 'line') as Placeholder;
      throw new TemplateSyntaxError(
        `body template, ${positionOf(template.source, at.offset)}: {{line}} needs a lines file with at least one non-blank line (--body-lines F, or "bodyLines" in latency.json)`,
        at.offset,
      );
    }
    if (!usesLine && lines !== undefined) throw new TemplateSyntaxError('a lines file was given but the body template never uses {{line}} (or {{json line}})', 0);
    const rand = mulberry32(ctx.seed ?? DEFAULT_TEMPLATE_SEED);
    const now = ctx.now ?? Date.now;
    const jsonLines: string[] = [];
    this.steps = template.parts.map((p) => {
      if (typeof p === 'string') return p;
      const raw = valueOf(p, lines ?? [], rand, now);
      if (!p.json) return raw;
      // JSON of each line once, on first use: replaying a file renders the same lines again and again.
      if (p.name === 'line') return (i: number) => (jsonLines[i % lines!.length] ??= JSON.stringify(lines![i % lines!.length]));
      return (i: number) => JSON.stringify(raw(i));
    });
    if (this.steps.every((s) => typeof s === 'string')) this.fixed = Buffer.from(this.steps.join(''), 'utf8');
  }

  /** The body of the next request. */
  next(): Buffer {
    const i = this.count++;
    if (this.fixed) return this.fixed;
    let s = '';
    for (const step of this.steps) s += typeof step === 'string' ? step : step(i);
    return Buffer.from(s, 'utf8');
  }
}

function valueOf(p: Placeholder, lines: readonly string[], rand: () => number, now: () => number): (i: number) => string {
  switch (p.name) {
    case 'i':
      return (i) => String(i);
    case 'line':
      return (i) => lines[i % lines.length]!;
    case 'timestamp_ms':
      return () => String(now());
    case 'uuid':
      return () => uuid4(rand);
    case 'random_int': {
      const { lo, hi } = p;
      const span = hi - lo + 1;
      return () => String(lo + Math.floor(rand() * span));
    }
    case 'random': {
      const { lo, hi } = p;
      return () => sixDecimals(lo + rand() * (hi - lo));
    }
  }
}

/**
 * `v` rounded down to 6 decimals, written from integers: String() of an arbitrary double costs
 * ~0.5 µs (shortest round-trip digits), which made a 512-float body cost ~0.3 ms a request.
 * Rounding down keeps a value drawn from [LO, HI) below HI.
 */
export function sixDecimals(v: number): string {
  if (!(Math.abs(v) < 1e9)) return String(v);
  const scaled = Math.floor(v * 1e6);
  const abs = Math.abs(scaled);
  const whole = Math.floor(abs / 1e6);
  const frac = String(abs - whole * 1e6);
  return `${scaled < 0 ? '-' : ''}${whole}.${'000000'.slice(frac.length)}${frac}`;
}

/** A version-4 UUID from 128 seeded bits (RFC 9562 §5.4: version nibble 4, variant bits 10). */
function uuid4(rand: () => number): string {
  const b: number[] = [];
  for (let w = 0; w < 4; w++) {
    const x = Math.floor(rand() * 4294967296);
    b.push(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  }
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => HEX[x]!);
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`;
}
