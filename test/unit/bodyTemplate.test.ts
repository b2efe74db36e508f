import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BodyRenderer, TemplateSyntaxError, compileTemplate, dataLines, positionOf, sixDecimals } from '../../src/core/bodyTemplate';

const render = (text: string, n: number, ctx = {}) => {
  const r = new BodyRenderer(compileTemplate(text), ctx);
  return Array.from({ length: n }, () => r.next().toString('utf8'));
};

test('a template without placeholders renders the very same Buffer every time', () => {
  const r = new BodyRenderer(compileTemplate('{"x": [1, 2, 3]}'));
  const first = r.next();
  assert.equal(first.toString(), '{"x": [1, 2, 3]}');
  for (let k = 0; k < 5; k++) assert.equal(r.next(), first); // same object: no per-request work
  assert.equal(r.count, 6);
  assert.deepEqual(compileTemplate('plain').variables, []);
});

test('{{i}} counts requests from 0; whitespace inside the braces is allowed', () => {
  assert.deepEqual(render('{"id": {{i}}, "again": {{ i }}}', 3), ['{"id": 0, "again": 0}', '{"id": 1, "again": 1}', '{"id": 2, "again": 2}']);
});

test('{{line}} cycles through the lines, one per request; every {{line}} of a body is the same line', () => {
  const lines = dataLines('alpha\r\n\nbeta\ngamma\n');
  assert.deepEqual(lines, ['alpha', 'beta', 'gamma']);
  assert.deepEqual(render('{{line}}|{{line}}', 5, { lines }), ['alpha|alpha', 'beta|beta', 'gamma|gamma', 'alpha|alpha', 'beta|beta']);
});

test('{{json …}} makes a JSON string literal, so the body stays valid JSON whatever the line holds', () => {
  const lines = ['say "hi"\tthen\\leave', 'ünïcode ✓'];
  const bodies = render('{"text": {{json line}}, "n": {{json i}}}', 4, { lines });
  for (const [k, b] of bodies.entries()) assert.deepEqual(JSON.parse(b), { text: lines[k % 2], n: String(k) });
});

test('random values are seeded: the same seed gives the same bodies, another seed others; bounds hold', () => {
  const text = '{{random_int 3 7}} {{random -1 1}} {{uuid}}';
  const a = render(text, 200, { seed: 42 });
  assert.deepEqual(render(text, 200, { seed: 42 }), a);
  assert.notDeepEqual(render(text, 200, { seed: 43 }), a);
  const ints = new Set<number>();
  const uuids = new Set<string>();
  for (const body of a) {
    const [int, real, uuid] = body.split(' ');
    const n = Number(int);
    assert.ok(Number.isInteger(n) && n >= 3 && n <= 7, int);
    ints.add(n);
    assert.ok(Number(real) >= -1 && Number(real) < 1, real);
    assert.match(real!, /^-?\d\.\d{6}$/);
    assert.match(uuid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    uuids.add(uuid!);
  }
  assert.deepEqual([...ints].sort(), [3, 4, 5, 6, 7]); // both ends reached in 200 draws
  assert.equal(uuids.size, 200);
});

test('{{random}} writes 6 decimals, rounded down (so never HI), from integers', () => {
  assert.deepEqual([0, 0.5, -0.5, 1.25e-7, -1.25e-7, 0.999_999_9, -3.000_000_4, 123456.789].map(sixDecimals), [
    '0.000000', '0.500000', '-0.500000', '0.000000', '-0.000001', '0.999999', '-3.000001', '123456.789000',
  ]);
  assert.equal(sixDecimals(2e12), '2000000000000');
});

test('{{timestamp_ms}} reads the clock per request', () => {
  let t = 1000;
  assert.deepEqual(render('{{timestamp_ms}}', 3, { now: () => (t += 5) }), ['1005', '1010', '1015']);
});

test('\\{{ is a literal {{; a lone }} is plain text', () => {
  assert.deepEqual(render('\\{{i}} {{i}} }}', 2), ['{{i}} 0 }}', '{{i}} 1 }}']);
});

test('variables are listed once each, in order of first use', () => {
  assert.deepEqual(compileTemplate('{{line}} {{i}} {{json line}} {{random_int 0 1}} {{uuid}}').variables, ['line', 'i', 'random_int', 'uuid']);
});

test('bad syntax and unknown variables name the line and column', () => {
  const fails = (text: string, pattern: RegExp, offset?: number) =>
    assert.throws(() => compileTemplate(text), (e: unknown) => e instanceof TemplateSyntaxError && pattern.test(e.message) && (offset === undefined || e.offset === offset), text);
  fails('{\n  "a": {{nope}}\n}', /line 2, column 8: unknown variable "nope" \(known: i, line, random_int LO HI/, 9);
  fails('{"a": {{i}', /line 1, column 7: "\{\{" is not closed/);
  fails('{{i {{i}}', /column 1: "\{\{" is not closed/);
  fails('{{}}', /empty/);
  fails('{{json}}', /needs a variable/);
  fails('{{i 3}}', /takes no arguments/);
  fails('{{random_int 1}}', /needs two numbers/);
  fails('{{random_int a b}}', /not two numbers/);
  fails('{{random_int 1.5 3}}', /needs integers/);
  fails('{{random_int 5 1}}', /LO must not exceed HI/);
  fails('{{random 1 1}}', /LO must be below HI/);
  assert.equal(positionOf('ab\ncd', 4), 'line 2, column 2');
});

test('{{line}} without lines, and lines no {{line}} uses, are errors', () => {
  assert.throws(() => new BodyRenderer(compileTemplate('x {{line}}')), /line 1, column 3: \{\{line\}\} needs a lines file/);
  assert.throws(() => new BodyRenderer(compileTemplate('x {{line}}'), { lines: [] }), /needs a lines file/);
  assert.throws(() => new BodyRenderer(compileTemplate('{{i}}'), { lines: ['a'] }), /never uses \{\{line\}\}/);
});
