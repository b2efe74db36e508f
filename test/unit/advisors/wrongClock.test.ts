import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadParser, parseSync, syntaxErrors } from '../../../src/advisors/parser';
import { analyzePythonImports } from '../../../src/advisors/pythonImports';
import { applyFixes, type Finding } from '../../../src/advisors/findings';
import { checkWrongClock, WRONG_CLOCK_CODE } from '../../../src/advisors/rules/wrongClock';

const DIR = path.join(__dirname, '../../fixtures/advisors/wrong-clock');

function analyze(source: string): { findings: Finding[]; errors: number } {
  const tree = parseSync(source, 'python');
  try {
    const findings = checkWrongClock({ source, root: tree.rootNode, imports: analyzePythonImports(tree.rootNode) });
    return { findings, errors: syntaxErrors(tree).length };
  } finally {
    tree.delete();
  }
}

function fixAll(source: string): string {
  return applyFixes(source, analyze(source).findings.flatMap((f) => f.fixes.filter((x) => x.safety === 'safe')));
}

const read = (f: string): string => fs.readFileSync(path.join(DIR, f), 'utf8');
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');
const files = fs.readdirSync(DIR).sort();
const pairs = files.filter((f) => f.endsWith('.in.py')).map((f) => f.slice(0, -'.in.py'.length));
const negatives = files.filter((f) => f.endsWith('.none.py'));

test.before(() => loadParser('python'));

test('fixture sets are present', () => {
  assert.ok(pairs.length >= 5);
  assert.ok(negatives.length >= 4);
  for (const p of pairs) assert.ok(files.includes(`${p}.out.py`), `${p}.out.py missing`);
});

for (const name of pairs) {
  for (const [eolName, conv] of [
    ['LF', (s: string) => s],
    ['CRLF', crlf],
  ] as const) {
    test(`fix: ${name} (${eolName})`, () => {
      const input = conv(read(`${name}.in.py`));
      const expected = conv(read(`${name}.out.py`));
      const { findings, errors } = analyze(input);
      assert.equal(errors, 0, 'input parses cleanly');
      assert.ok(findings.length > 0, 'has findings');
      for (const f of findings) {
        assert.equal(f.code, WRONG_CLOCK_CODE);
        assert.equal(f.fixes.length, 1);
        assert.equal(f.fixes[0]!.safety, 'safe');
      }
      const fixed = fixAll(input);
      assert.equal(fixed, expected);
      // Line endings: no bare \n introduced into a CRLF file, and vice versa.
      if (eolName === 'CRLF') assert.equal(/(^|[^\r])\n/.test(fixed), false);
      else assert.equal(fixed.includes('\r'), false);
      // Reparses with no syntax errors; second application changes nothing.
      const again = analyze(fixed);
      assert.equal(again.errors, 0);
      assert.deepEqual(again.findings, []);
      assert.equal(fixAll(fixed), fixed);
    });
  }
}

for (const name of negatives) {
  test(`no findings: ${name}`, () => {
    for (const src of [read(name), crlf(read(name))]) {
      const { findings, errors } = analyze(src);
      assert.equal(errors, 0);
      assert.deepEqual(
        findings.map((f) => `${f.range.start.line + 1}:${f.range.start.character}`),
        [],
      );
    }
  });
}

test('finding shape: range, severity, docs, related locations, grouped fix', () => {
  const src = 'import time\ndef f(m):\n    t0 = time.time()\n    m()\n    return time.time() - t0\n';
  const { findings } = analyze(src);
  assert.equal(findings.length, 2);
  const [a, b] = findings;
  assert.deepEqual(a!.range, { start: { line: 2, character: 9 }, end: { line: 2, character: 20 } });
  assert.deepEqual(b!.range, { start: { line: 4, character: 11 }, end: { line: 4, character: 22 } });
  assert.equal(a!.severity, 'warning');
  assert.equal(a!.docs, 'docs/rules/LAT001.md');
  assert.deepEqual(
    a!.related.map((r) => r.message),
    ['elapsed time computed here', 'other clock reading of this interval'],
  );
  assert.deepEqual(a!.related[0]!.range, { start: { line: 4, character: 11 }, end: { line: 4, character: 27 } });
  // Each finding's fix rewrites the whole interval, so applying one fix alone never mixes clocks.
  assert.equal(a!.fixes[0]!.edits.length, 2);
  assert.equal(applyFixes(src, a!.fixes), src.replace(/time\.time\(\)/g, 'time.perf_counter()'));
});

test('independent intervals are separate groups; a group with an unfixable reading gets no fix', () => {
  const two = analyze('import time\nt0 = time.time()\nd0 = time.time() - t0\ndef g():\n    t1 = time.time()\n    return time.time() - t1\n');
  assert.equal(two.findings.length, 4);
  assert.equal(two.findings[0]!.fixes[0]!.edits.length, 2);
  // `time` and `perf_counter` both taken by non-imports at module level: no safe spelling.
  const stuck = analyze('from time import time\nperf_counter = 1\nt0 = time()\nd = time() - t0\n');
  assert.equal(stuck.findings.length, 2);
  assert.deepEqual(stuck.findings[0]!.fixes, []);
});

test('an existing perf_counter import is reused', () => {
  const src = 'from time import time, perf_counter as pc\nt0 = time()\nd = time() - t0\n';
  assert.equal(fixAll(src), 'from time import time, perf_counter as pc\nt0 = pc()\nd = pc() - t0\n');
});
