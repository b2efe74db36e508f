// The advisor ground-truth corpus (test/fixtures/advisors/corpus/, report: scripts/advisor-corpus.ts).
// Guards the corpus itself and the false-positive side only: recall is reported, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CORPUS_DIR,
  KNOWN_CODES,
  corpusFiles,
  corpusReport,
  isPitfallCode,
  parseAnnotations,
  type CorpusReport,
} from '../../../scripts/advisor-corpus';

const files = corpusFiles();
const read = (f: string): string => fs.readFileSync(path.join(CORPUS_DIR, f), 'utf8');

let report: Promise<CorpusReport> | undefined;
const getReport = (): Promise<CorpusReport> => (report ??= corpusReport());

test('corpus: at least 15 files and 2,000 lines', () => {
  assert.ok(files.length >= 15, `${files.length} files`);
  const lines = files.reduce((n, f) => n + read(f).split(/\r?\n/).length, 0);
  assert.ok(lines >= 2000, `${lines} lines`);
  assert.ok(files.some((f) => f.endsWith('.py')) && files.some((f) => /\.[cm]?[jt]s$/.test(f)), 'Python and JS/TS');
  assert.ok(files.filter((f) => f.startsWith('good-')).length >= 3, 'several good-* files');
});

test('corpus: keeps its CRLF and tab-indented files', () => {
  assert.ok(files.some((f) => /\r\n/.test(read(f))), 'a CRLF file');
  assert.ok(files.some((f) => /^\t+\S/m.test(read(f))), 'a tab-indented file');
});

test('corpus: every annotation is well-formed and names a LATnnn code', () => {
  let count = 0;
  for (const f of files) {
    const { expectations, malformed } = parseAnnotations(f, read(f));
    assert.deepEqual(malformed, [], `${f}: malformed annotations`);
    for (const e of expectations) {
      assert.match(e.code, /^LAT\d{3}$/, `${f}:${e.line}`);
      assert.ok(KNOWN_CODES.includes(e.code), `${f}:${e.line} ${e.code} is not a code of the issue`);
    }
    count += expectations.length;
  }
  assert.ok(count > 0);
});

test('corpus: good-* files hold no pitfall (LAT0xx) expectation', () => {
  for (const f of files.filter((x) => x.startsWith('good-'))) {
    const pitfalls = parseAnnotations(f, read(f)).expectations.filter((e) => isPitfallCode(e.code));
    assert.deepEqual(pitfalls, [], f);
  }
});

test('corpus: the report runs and covers every file, all of which parse cleanly', async () => {
  const r = await getReport();
  assert.deepEqual(r.files.map((f) => f.file).sort(), [...files].sort());
  for (const f of r.files) {
    assert.equal(f.syntaxErrors, 0, `${f.file} has syntax errors`);
    assert.ok(f.lines >= 40, `${f.file}: ${f.lines} lines`);
  }
  assert.equal(r.totals.files, files.length);
  assert.equal(r.totals.tp + r.totals.fn, r.totals.expected);
  assert.ok(Number.isFinite(r.totals.fpPer1000Lines));
  for (const rule of r.rules) assert.match(rule.code, /^LAT\d{3}$/);
});

test('corpus: no rule throws on the corpus', async () => {
  const r = await getReport();
  assert.deepEqual(r.failures, []);
});

test('corpus: good-* files get no finding from pitfall rules (false-positive guard)', async () => {
  const r = await getReport();
  const found = r.files
    .filter((f) => f.file.startsWith('good-'))
    .flatMap((f) => f.findings.filter((x) => isPitfallCode(x.code)))
    .map((x) => `${x.file}:${x.line} ${x.code} ${x.message}`);
  assert.deepEqual(found, []);
});
