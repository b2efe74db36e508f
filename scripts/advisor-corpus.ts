// node --import tsx scripts/advisor-corpus.ts [--json] — advisor ground-truth report.
//
// Runs every advisor rule (settings `{}`: all rules at their defaults) over the realistic
// serving / benchmark files in test/fixtures/advisors/corpus/ and compares the findings
// (code, start line) with the annotations written in those files:
//
//   Python  `...  # expect: LAT002, LAT105; maybe: LAT104`
//   JS/TS   `...  // expect: LAT108`
//
// `expect` marks a finding that must start on that line; `maybe` marks a judgement call
// (a finding there is neither a true nor a false positive, its absence is no miss).
// Several findings of one code on one line count once. Matching is by (code, start line);
// a finding that starts on another line of the annotated statement when that statement is
// split over several lines (a multi-line call; for a compound statement only its header,
// never its body) also matches, and is listed as "off-line" so anchoring stays visible. Files named `good-*` hold no
// pitfall (LAT0xx) expectations at all. Prints per-rule TP / FP / FN / precision / recall,
// false positives per 1,000 lines, and every FP and FN as `file:line CODE message`.
// Always exits 0: it is a report, not a gate (test/unit/advisors/corpus.test.ts is the gate).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { advisorLanguageOf, analyzeSource, type RuleFailure } from '../src/advisors/analyze';
import { parse, syntaxErrors, type AdvisorLanguage, type SyntaxNode, type SyntaxTree } from '../src/advisors/parser';
import { RULES, ruleByCode } from '../src/advisors/registry';

export const CORPUS_DIR = path.join(__dirname, '..', 'test', 'fixtures', 'advisors', 'corpus');

/** The codes the corpus is annotated for (issue text); registered rules are added to these. */
export const KNOWN_CODES: readonly string[] = [
  'LAT001', 'LAT002', 'LAT003', 'LAT004', 'LAT005', 'LAT006', 'LAT007',
  'LAT101', 'LAT102', 'LAT103', 'LAT104', 'LAT105', 'LAT106', 'LAT107', 'LAT108', 'LAT109',
];

const CODE_RE = /^LAT\d{3}$/;

export type AnnotationKind = 'expect' | 'maybe';

export interface Expectation {
  file: string;
  /** 1-based. */
  line: number;
  code: string;
  kind: AnnotationKind;
}

export interface MalformedAnnotation {
  file: string;
  line: number;
  text: string;
  reason: string;
}

export interface CorpusFinding {
  file: string;
  /** 1-based start line. */
  line: number;
  code: string;
  message: string;
}

/** A true positive that starts on another line of the annotated (multi-line) statement. */
export interface OffLineMatch extends CorpusFinding {
  annotatedLine: number;
}

export interface FileReport {
  file: string;
  language: AdvisorLanguage;
  lines: number;
  expectations: Expectation[];
  findings: CorpusFinding[];
  failures: RuleFailure[];
  syntaxErrors: number;
  tp: number;
  fp: number;
  fn: number;
  /** 1-based last line of the statement each annotated line starts (see matching above). */
  spans: Record<number, number>;
}

export type RuleStatus = 'active' | 'off-by-default' | 'not-registered';

/** Matches of findings against annotations, for one rule or the whole corpus. */
export interface Counts {
  expected: number;
  maybe: number;
  tp: number;
  /** Of `tp`, those that start on another line of the annotated statement. */
  tpOffLine: number;
  fp: number;
  fn: number;
  /** Findings that landed on a `maybe` annotation. */
  maybeHits: number;
  precision: number | null;
  recall: number | null;
}

export interface RuleStats extends Counts {
  code: string;
  id: string | undefined;
  kind: 'pitfall' | 'optimization';
  status: RuleStatus;
  /** Which languages the registered rule checks. */
  python: boolean;
  script: boolean;
}

export interface CorpusReport {
  dir: string;
  files: FileReport[];
  rules: RuleStats[];
  totals: Counts & { files: number; lines: number; fpPer1000Lines: number };
  falsePositives: CorpusFinding[];
  falseNegatives: CorpusFinding[];
  offLine: OffLineMatch[];
  malformed: MalformedAnnotation[];
  failures: (RuleFailure & { file: string })[];
}

const ANNOTATION_RE = /(?:#|\/\/)\s*((?:expect|maybe)\s*:.*)$/;

/** Annotations of one file. Lines are 1-based. */
export function parseAnnotations(
  file: string,
  source: string,
): { expectations: Expectation[]; malformed: MalformedAnnotation[] } {
  const expectations: Expectation[] = [];
  const malformed: MalformedAnnotation[] = [];
  source.split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    const m = ANNOTATION_RE.exec(text);
    if (!m) {
      if (/(?:#|\/\/)\s*(?:expect|maybe)\b/i.test(text) && /LAT\d/.test(text)) {
        malformed.push({ file, line, text: text.trim(), reason: 'annotation without `expect:` / `maybe:` form' });
      }
      return;
    }
    const seen = new Map<string, AnnotationKind>();
    for (const segment of m[1]!.split(';')) {
      const s = /^\s*(expect|maybe)\s*:\s*(.*?)\s*$/.exec(segment);
      if (!s) {
        malformed.push({ file, line, text: text.trim(), reason: `unparsable segment "${segment.trim()}"` });
        continue;
      }
      const kind = s[1] as AnnotationKind;
      const codes = s[2]!.split(',').map((c) => c.trim());
      for (const code of codes) {
        if (!CODE_RE.test(code)) {
          malformed.push({ file, line, text: text.trim(), reason: `"${code}" is not a LATnnn code` });
          continue;
        }
        const prev = seen.get(code);
        if (prev) {
          malformed.push({ file, line, text: text.trim(), reason: `${code} annotated twice (${prev}, ${kind})` });
          continue;
        }
        seen.set(code, kind);
        expectations.push({ file, line, code, kind });
      }
    }
  });
  return { expectations, malformed };
}

export function corpusFiles(dir: string = CORPUS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => advisorLanguageOf(f) !== undefined && fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

export function isPitfallCode(code: string): boolean {
  return /^LAT0\d\d$/.test(code);
}

function lineCount(source: string): number {
  const lines = source.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length;
}

/**
 * 1-based last line of the statement (or, for a compound statement, of its header) that
 * starts with the first token on 1-based `line`; `line` itself when nothing spans further.
 */
function statementEnd(tree: SyntaxTree, source: string, lineTexts: readonly string[], line: number, language: AdvisorLanguage): number {
  const text = lineTexts[line - 1] ?? '';
  const column = text.search(/\S/);
  if (column < 0) return line;
  const row = line - 1;
  let node: SyntaxNode | null = tree.rootNode.descendantForPosition({ row, column });
  if (!node) return line;
  for (;;) {
    const parent: SyntaxNode | null = node.parent;
    if (!parent || !parent.parent) break; // stop below the module / program
    if (parent.startPosition.row !== row || parent.startPosition.column !== column) break;
    node = parent;
  }
  let end = node.endPosition.row;
  const body = node.childForFieldName('body');
  if (body && body.startPosition.row >= row) {
    end = Math.max(row, language === 'python' && body.startPosition.row > row ? body.startPosition.row - 1 : body.startPosition.row);
  }
  void source;
  return Math.max(line, end + 1);
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export async function corpusReport(dir: string = CORPUS_DIR): Promise<CorpusReport> {
  const files: FileReport[] = [];
  const falsePositives: CorpusFinding[] = [];
  const falseNegatives: CorpusFinding[] = [];
  const offLine: OffLineMatch[] = [];
  const malformed: MalformedAnnotation[] = [];
  const failures: (RuleFailure & { file: string })[] = [];
  const perCode = new Map<string, { expected: number; maybe: number; tp: number; tpOffLine: number; fp: number; fn: number; maybeHits: number }>();
  const stat = (code: string) => {
    let s = perCode.get(code);
    if (!s) perCode.set(code, (s = { expected: 0, maybe: 0, tp: 0, tpOffLine: 0, fp: 0, fn: 0, maybeHits: 0 }));
    return s;
  };
  for (const code of KNOWN_CODES) stat(code);
  for (const rule of RULES) stat(rule.code);

  for (const file of corpusFiles(dir)) {
    const language = advisorLanguageOf(file)!;
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    const { expectations, malformed: bad } = parseAnnotations(file, source);
    malformed.push(...bad);

    const lineTexts = source.split(/\r?\n/);
    const spans: Record<number, number> = {};
    const tree = await parse(source, language);
    let errors: number;
    try {
      errors = syntaxErrors(tree).length;
      for (const e of expectations) spans[e.line] ??= statementEnd(tree, source, lineTexts, e.line, language);
    } finally {
      tree.delete();
    }

    const analysis = await analyzeSource(source, language, {});
    for (const f of analysis.failures) failures.push({ ...f, file });
    const findings: CorpusFinding[] = analysis.findings.map((f) => ({
      file,
      line: f.range.start.line + 1,
      code: f.code,
      message: f.message,
    }));

    for (const e of expectations) stat(e.code)[e.kind === 'expect' ? 'expected' : 'maybe']++;
    // One finding site per (code, line): duplicates on a line count once.
    const sites = new Map<string, CorpusFinding>();
    for (const f of findings) if (!sites.has(`${f.code}@${f.line}`)) sites.set(`${f.code}@${f.line}`, f);
    const annotated = new Set(expectations.map((e) => `${e.code}@${e.line}`));

    let tp = 0;
    let fp = 0;
    let fn = 0;
    const matched = new Set<Expectation>();
    const used = new Set<string>();
    const hit = (e: Expectation, key: string, f: CorpusFinding): void => {
      matched.add(e);
      used.add(key);
      if (e.kind === 'maybe') {
        stat(e.code).maybeHits++;
        return;
      }
      tp++;
      stat(e.code).tp++;
      if (f.line !== e.line) {
        stat(e.code).tpOffLine++;
        offLine.push({ ...f, annotatedLine: e.line });
      }
    };
    // 1. exact (code, line)
    for (const e of expectations) {
      const key = `${e.code}@${e.line}`;
      const f = sites.get(key);
      if (f) hit(e, key, f);
    }
    // 2. another line of the annotated multi-line statement, not itself annotated for that code
    for (const e of expectations) {
      if (matched.has(e)) continue;
      for (let line = e.line + 1; line <= (spans[e.line] ?? e.line); line++) {
        const key = `${e.code}@${line}`;
        const f = sites.get(key);
        if (f && !used.has(key) && !annotated.has(key)) {
          hit(e, key, f);
          break;
        }
      }
    }
    for (const [key, f] of sites) {
      if (used.has(key) || annotated.has(key)) continue;
      fp++;
      stat(f.code).fp++;
      falsePositives.push(f);
    }
    for (const e of expectations) {
      if (e.kind !== 'expect' || matched.has(e)) continue;
      fn++;
      stat(e.code).fn++;
      const rule = ruleByCode(e.code);
      const why = !rule
        ? 'rule not registered'
        : rule.defaultOff
          ? 'rule off by default'
          : !(language === 'python' ? rule.checkPython : rule.checkScript)
            ? `rule has no ${language === 'python' ? 'Python' : 'JS/TS'} check`
            : 'not reported';
      falseNegatives.push({ file, line: e.line, code: e.code, message: `expected (${rule?.title ?? e.code}): ${why}` });
    }
    files.push({ file, language, lines: lineCount(source), expectations, findings, failures: analysis.failures, syntaxErrors: errors, tp, fp, fn, spans });
  }

  const rules: RuleStats[] = [...perCode.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, s]) => {
      const rule = ruleByCode(code);
      return {
        code,
        id: rule?.id,
        kind: rule?.kind ?? (isPitfallCode(code) ? 'pitfall' : 'optimization'),
        status: !rule ? 'not-registered' : rule.defaultOff ? 'off-by-default' : 'active',
        python: !!rule?.checkPython,
        script: !!rule?.checkScript,
        ...s,
        precision: ratio(s.tp, s.tp + s.fp),
        recall: ratio(s.tp, s.tp + s.fn),
      };
    });

  const sum = (k: 'expected' | 'maybe' | 'tp' | 'tpOffLine' | 'fp' | 'fn' | 'maybeHits'): number => rules.reduce((a, r) => a + r[k], 0);
  const lines = files.reduce((a, f) => a + f.lines, 0);
  const tp = sum('tp');
  const fp = sum('fp');
  const fn = sum('fn');
  const order = (a: CorpusFinding, b: CorpusFinding): number =>
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  return {
    dir,
    files,
    rules,
    totals: {
      files: files.length,
      lines,
      expected: sum('expected'),
      maybe: sum('maybe'),
      tp,
      tpOffLine: sum('tpOffLine'),
      fp,
      fn,
      maybeHits: sum('maybeHits'),
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      fpPer1000Lines: lines === 0 ? 0 : (fp * 1000) / lines,
    },
    falsePositives: falsePositives.sort(order),
    falseNegatives: falseNegatives.sort(order),
    offLine: offLine.sort(order),
    malformed,
    failures,
  };
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export function formatReport(r: CorpusReport): string {
  const out: string[] = [];
  const t = r.totals;
  out.push(
    `Advisor corpus: ${t.files} files, ${t.lines.toLocaleString('en-US')} lines, ` +
      `${t.expected} expected findings, ${t.maybe} judgement calls (maybe)`,
  );
  out.push('');
  const header = ['code', 'id', 'status', 'lang', 'exp', 'maybe', 'TP', 'off-line', 'FP', 'FN', 'maybe-hit', 'precision', 'recall'];
  const rows = r.rules.map((s) => [
    s.code,
    s.id ?? '—',
    s.status,
    s.status === 'not-registered' ? '—' : [s.python ? 'py' : '', s.script ? 'js' : ''].filter(Boolean).join('+') || '—',
    String(s.expected),
    String(s.maybe),
    String(s.tp),
    String(s.tpOffLine),
    String(s.fp),
    String(s.fn),
    String(s.maybeHits),
    pct(s.precision),
    pct(s.recall),
  ]);
  rows.push(['total', '', '', '', String(t.expected), String(t.maybe), String(t.tp), String(t.tpOffLine), String(t.fp), String(t.fn), String(t.maybeHits), pct(t.precision), pct(t.recall)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]): string => row.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  out.push(fmt(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(0, -1)) out.push(fmt(row));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  out.push(fmt(rows[rows.length - 1]!));
  out.push('');
  out.push(`False positives per 1,000 lines: ${t.fpPer1000Lines.toFixed(2)} (${t.fp} in ${t.lines} lines)`);
  const good = r.files.filter((f) => f.file.startsWith('good-'));
  const goodPitfalls = good.flatMap((f) => f.findings.filter((x) => isPitfallCode(x.code)));
  out.push(`Pitfall findings in good-* files: ${goodPitfalls.length} (${good.length} files)`);

  out.push('');
  out.push(`False positives (${r.falsePositives.length}):`);
  for (const f of r.falsePositives) out.push(`  ${f.file}:${f.line} ${f.code} ${oneLine(f.message)}`);
  out.push('');
  out.push(`False negatives (${r.falseNegatives.length}):`);
  for (const f of r.falseNegatives) out.push(`  ${f.file}:${f.line} ${f.code} ${f.message}`);

  if (r.offLine.length > 0) {
    out.push('');
    out.push(`True positives starting on another line of the annotated statement (${r.offLine.length}):`);
    for (const f of r.offLine) out.push(`  ${f.file}:${f.line} ${f.code} (annotated on line ${f.annotatedLine})`);
  }

  const parseErrors = r.files.filter((f) => f.syntaxErrors > 0);
  if (parseErrors.length > 0) {
    out.push('');
    out.push('Corpus files with syntax errors (fix the corpus):');
    for (const f of parseErrors) out.push(`  ${f.file}: ${f.syntaxErrors}`);
  }
  if (r.malformed.length > 0) {
    out.push('');
    out.push(`Malformed annotations (${r.malformed.length}):`);
    for (const m of r.malformed) out.push(`  ${m.file}:${m.line} ${m.reason}: ${m.text}`);
  }
  if (r.failures.length > 0) {
    out.push('');
    out.push(`Rule failures (${r.failures.length}):`);
    for (const f of r.failures) out.push(`  ${f.file} ${f.code} ${oneLine(f.error)}`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const report = await corpusReport();
  process.stdout.write((json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
}

if (require.main === module) {
  main()
    .catch((err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    })
    .finally(() => {
      process.exitCode = 0;
    });
}
