import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFixes, detectEol, docsLink, lineStarts, offsetAt, type Fix } from '../../../src/advisors/findings';

const r = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });

test('docs link and eol detection', () => {
  assert.equal(docsLink('LAT001'), 'docs/rules/LAT001.md');
  assert.equal(detectEol('a\r\nb\n'), '\r\n');
  assert.equal(detectEol('a\nb\r\n'), '\n');
  assert.equal(detectEol('abc'), '\n');
});

test('offsets: CRLF lines keep their \\r on the line', () => {
  const t = 'ab\r\ncd\r\n';
  const s = lineStarts(t);
  assert.deepEqual(s, [0, 4, 8]);
  assert.equal(offsetAt(s, t, { line: 1, character: 1 }), 5);
  assert.throws(() => offsetAt(s, t, { line: 5, character: 0 }), RangeError);
});

test('applies edits right-to-left, inserts each import once, dedups identical edits', () => {
  const text = 'x = a()\ny = a()\n';
  const imp = { statement: 'import b', edit: { range: r(0, 0, 0, 0), newText: 'import b\n' } };
  const fixes: Fix[] = [
    { title: 't', safety: 'safe', edits: [{ range: r(0, 4, 0, 5), newText: 'b.c' }], imports: [imp] },
    { title: 't', safety: 'safe', edits: [{ range: r(1, 4, 1, 5), newText: 'b.c' }, { range: r(1, 4, 1, 5), newText: 'b.c' }], imports: [imp] },
  ];
  assert.equal(applyFixes(text, fixes), 'import b\nx = b.c()\ny = b.c()\n');
  assert.equal(applyFixes(text, []), text);
});

test('rejects overlapping edits', () => {
  const fixes: Fix[] = [
    { title: 't', safety: 'unsafe', edits: [{ range: r(0, 0, 0, 3), newText: 'x' }, { range: r(0, 2, 0, 4), newText: 'y' }], imports: [] },
  ];
  assert.throws(() => applyFixes('abcdef', fixes), /overlapping/);
});
