/**
 * Fixture-pair tests for one advisor rule, run through the real parser and `analyzeSource`
 * with every other rule turned off.
 *
 * In `dir`:
 * - `NAME.in.EXT` + `NAME.out.EXT`: the rule finds something; applying the preferred
 *   (first) fix of every finding gives `.out`. Checked with LF and CRLF line endings; the
 *   output reparses with no new syntax errors, and fixing it again changes nothing.
 * - `NAME.hint.EXT`: the rule finds something; no fix is required.
 * - `NAME.none.EXT`: the rule finds nothing.
 * EXT is `py`, `ts`, `tsx`, `js`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { advisorLanguageOf, analyzeSource, type AdvisorSettings } from '../../src/advisors/analyze';
import { applyFixes, type Finding } from '../../src/advisors/findings';
import { parse, syntaxErrors } from '../../src/advisors/parser';
import { RULES } from '../../src/advisors/registry';

export function onlyRule(code: string, extra: AdvisorSettings = {}): AdvisorSettings {
  const rules: AdvisorSettings['rules'] = {};
  for (const r of RULES) rules[r.code] = r.code === code ? (extra.rules?.[code] ?? 'default') : 'off';
  return { ...extra, rules };
}

export async function findingsFor(code: string, source: string, file: string, extra: AdvisorSettings = {}): Promise<Finding[]> {
  const lang = advisorLanguageOf(file);
  if (!lang) throw new Error(`no advisor language for ${file}`);
  const { findings, failures } = await analyzeSource(source, lang, onlyRule(code, extra));
  assert.deepEqual(failures, [], 'no rule failures');
  return findings;
}

export async function syntaxErrorCount(source: string, file: string): Promise<number> {
  const tree = await parse(source, advisorLanguageOf(file)!);
  try {
    return syntaxErrors(tree).length;
  } finally {
    tree.delete();
  }
}

/** Applies the preferred fix of every finding. */
export function applyPreferred(source: string, findings: readonly Finding[]): string {
  return applyFixes(
    source,
    findings.flatMap((f) => (f.fixes[0] ? [f.fixes[0]] : [])),
  );
}

const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');

export function ruleFixtureTests(code: string, dir: string, extra: AdvisorSettings = {}): void {
  const files = fs.readdirSync(dir).sort();
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  const pairs = files.filter((f) => /\.in\.\w+$/.test(f));
  const hints = files.filter((f) => /\.hint\.\w+$/.test(f));
  const negatives = files.filter((f) => /\.none\.\w+$/.test(f));

  test(`${code}: fixture set is present`, () => {
    assert.ok(pairs.length + hints.length >= 1, 'at least one positive fixture');
    assert.ok(negatives.length >= 1, 'at least one negative fixture');
    for (const p of pairs) assert.ok(files.includes(p.replace('.in.', '.out.')), `${p}: .out twin missing`);
  });

  for (const inFile of pairs) {
    const outFile = inFile.replace('.in.', '.out.');
    for (const [eol, conv] of [
      ['LF', (s: string) => s],
      ['CRLF', crlf],
    ] as const) {
      test(`${code} fix: ${inFile} (${eol})`, async () => {
        const input = conv(read(inFile));
        const expected = conv(read(outFile));
        const before = await syntaxErrorCount(input, inFile);
        const findings = await findingsFor(code, input, inFile, extra);
        assert.ok(findings.length > 0, 'has findings');
        for (const f of findings) {
          assert.equal(f.code, code);
          assert.equal(f.docs, `docs/rules/${code}.md`);
          assert.ok(f.message.length > 10, 'has a message');
        }
        assert.ok(findings.some((f) => f.fixes.length > 0), 'some finding has a fix');
        const fixed = applyPreferred(input, findings);
        assert.equal(fixed, expected);
        if (eol === 'CRLF') assert.equal(/(^|[^\r])\n/.test(fixed), false, 'no bare LF in a CRLF file');
        else assert.equal(fixed.includes('\r'), false, 'no CR in an LF file');
        assert.ok((await syntaxErrorCount(fixed, inFile)) <= before, 'no new syntax errors');
        const again = await findingsFor(code, fixed, inFile, extra);
        assert.equal(applyPreferred(fixed, again), fixed, 'fixing twice changes nothing the second time');
      });
    }
  }

  for (const f of hints) {
    test(`${code} hint: ${f}`, async () => {
      const src = read(f);
      const findings = await findingsFor(code, src, f, extra);
      assert.ok(findings.length > 0, 'has findings');
      for (const x of findings) assert.equal(x.code, code);
    });
  }

  for (const f of negatives) {
    test(`${code} no findings: ${f}`, async () => {
      for (const src of [read(f), crlf(read(f))]) {
        const findings = await findingsFor(code, src, f, extra);
        assert.deepEqual(
          findings.map((x) => `${x.range.start.line + 1}:${x.range.start.character + 1} ${x.message}`),
          [],
        );
      }
    });
  }
}
