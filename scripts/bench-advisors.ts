// node --import tsx scripts/bench-advisors.ts — cost of the Python advisors on a large file.
// Generates a deterministic ~10,000-line serving/benchmark module, loads the parser once, then
// times (median / min over RUNS runs) a full analysis phase by phase (parse, import analysis,
// each rule) and per-keystroke re-analysis (incremental reparse + analysis), against the goals.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { IncrementalDocument } from '../src/advisors/incremental';
import { loadParser, parseSync } from '../src/advisors/parser';
import { analyzePythonImports } from '../src/advisors/pythonImports';
import { RULES } from '../src/advisors/registry';
import { DEFAULT_RULE_OPTIONS, type PythonRuleContext } from '../src/advisors/rule';
import { createNodeIndex, PYTHON_IDENTIFIERS } from '../src/advisors/textIndex';
import { mulberry32 } from '../src/core/random';
import { corpusReport } from './advisor-corpus';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_LINES = Number(process.env.BENCH_LINES ?? 10_000);
const GOAL_TOTAL_MS = 30;
const GOAL_KEYSTROKE_MS = 5;
const KEYSTROKES = Number(process.env.BENCH_KEYSTROKES ?? 20);

const rng = mulberry32;

export function generateSource(targetLines: number, seed = 42): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines: string[] = [
    '#!/usr/bin/env python3',
    '"""Generated serving / benchmark module (bench-advisors)."""',
    'from __future__ import annotations',
    'import os',
    'import sys',
    'import json',
    'import time',
    'import time as t_mod',
    'import logging',
    'import numpy as np',
    'import torch',
    'import torch.nn as nn',
    'from time import time as now, perf_counter',
    'from collections import defaultdict, OrderedDict as OD',
    'from typing import Any, Dict, List, Optional',
    'from . import helpers',
    '',
    'log = logging.getLogger(__name__)',
    'CONFIG = {"batch": 8, "warmup": 3, "device": "cuda"}',
    '',
  ];
  let n = 0;
  const fn = (indent: string, name: string): string[] => {
    const i = indent;
    const kind = Math.floor(r() * 8);
    const out: string[] = [];
    out.push(`${i}def ${name}(self, batch: List[Any], n: int = 3, *args, timeout=None, **kw) -> Dict[str, float]:`);
    out.push(`${i}    """Run ${name} on a batch."""`);
    switch (kind) {
      case 0:
        out.push(`${i}    start = time.time()`);
        out.push(`${i}    out = self.model(torch.as_tensor(batch, device=CONFIG["device"]))`);
        out.push(`${i}    torch.cuda.synchronize()`);
        out.push(`${i}    elapsed = time.time() - start`);
        out.push(`${i}    log.info("latency %.3f ms", elapsed * 1000)`);
        out.push(`${i}    return {"latency": elapsed, "n": float(len(out))}`);
        break;
      case 1:
        out.push(`${i}    t0 = now()`);
        out.push(`${i}    results = [self.step(x) for x in batch if x is not None]`);
        out.push(`${i}    t1 = now()`);
        out.push(`${i}    return {"elapsed": t1 - t0, "count": float(len(results))}`);
        break;
      case 2:
        out.push(`${i}    ts = time.time()  # timestamp, not an interval`);
        out.push(`${i}    record = {"ts": ts, "size": len(batch), "pid": os.getpid()}`);
        out.push(`${i}    self.records.append(record)`);
        out.push(`${i}    return record`);
        break;
      case 3:
        out.push(`${i}    timings = defaultdict(list)`);
        out.push(`${i}    for step in range(n):`);
        out.push(`${i}        begin = t_mod.time()`);
        out.push(`${i}        y = np.mean([float(v) for v in batch]) if batch else 0.0`);
        out.push(`${i}        timings["step"].append(t_mod.time() - begin)`);
        out.push(`${i}        if y > 1e9:`);
        out.push(`${i}            break`);
        out.push(`${i}    return {k: sum(v) / max(len(v), 1) for k, v in timings.items()}`);
        break;
      case 4:
        out.push(`${i}    started = perf_counter()`);
        out.push(`${i}    with open(os.path.join("/tmp", "${name}.json"), "w") as fh:`);
        out.push(`${i}        json.dump({"batch": len(batch), "kw": sorted(kw)}, fh)`);
        out.push(`${i}    return {"write": perf_counter() - started}`);
        break;
      case 5:
        out.push(`${i}    deadline = time.time() + (timeout or 30.0)`);
        out.push(`${i}    while time.time() < deadline and (item := self.queue.get_nowait()):`);
        out.push(`${i}        try:`);
        out.push(`${i}            self.handle(item)`);
        out.push(`${i}        except Exception as exc:`);
        out.push(`${i}            log.warning("failed: %s", exc)`);
        out.push(`${i}    return {"left": deadline - time.time()}`);
        break;
      case 6:
        out.push(`${i}    key = lambda item, scale=2: item["score"] * scale`);
        out.push(`${i}    ranked = sorted(batch, key=key)`);
        out.push(`${i}    total, count = 0.0, 0`);
        out.push(`${i}    for idx, (a, b) in enumerate(zip(ranked, ranked[1:])):`);
        out.push(`${i}        total += abs(key(a) - key(b))`);
        out.push(`${i}        count += 1`);
        out.push(`${i}    return {"spread": total / max(count, 1), "msg": f"{name} done in {count} steps"}`);
        break;
      default:
        out.push(`${i}    def inner(x, *, factor=1.5):`);
        out.push(`${i}        nonlocal n`);
        out.push(`${i}        n -= 1`);
        out.push(`${i}        return x * factor`);
        out.push(`${i}    a = time.time()`);
        out.push(`${i}    values = list(map(inner, batch))`);
        out.push(`${i}    b = time.time()`);
        out.push(`${i}    dt = (b - a)`);
        out.push(`${i}    print(f"${name}: {dt:.6f}s", file=sys.stderr)`);
        out.push(`${i}    return {"dt": dt, "sum": float(sum(values))}`);
        break;
    }
    out.push('');
    return out;
  };
  while (lines.length < targetLines) {
    n++;
    if (r() < 0.25) {
      // module-level helper + a module-level timing block
      lines.push(...fn('', `helper_${n}`).map((l) => l.replace('(self, ', '(')));
      lines.push(`_t_${n} = time.time()`);
      lines.push(`RESULTS_${n} = [helper_${n}([i, i + 1]) for i in range(${1 + Math.floor(r() * 9)})]`);
      lines.push(`print("helper_${n}", time.time() - _t_${n})`);
      lines.push('');
      continue;
    }
    const cls = `Server${n}`;
    lines.push(`class ${cls}(${pick(['object', 'nn.Module', 'helpers.Base'])}):`);
    lines.push(`    """Serving wrapper #${n}."""`);
    lines.push(`    retries: int = ${Math.floor(r() * 5)}`);
    lines.push('');
    lines.push('    def __init__(self, model=None, device="cpu"):');
    lines.push('        self.model = model or nn.Identity()');
    lines.push('        self.device = device');
    lines.push('        self.records = []');
    lines.push('        self.created = time.time()');
    lines.push('');
    const methods = 2 + Math.floor(r() * 4);
    for (let m = 0; m < methods; m++) lines.push(...fn('    ', `${pick(['predict', 'warmup', 'step', 'serve', 'batch', 'flush'])}_${m}`));
  }
  lines.push('if __name__ == "__main__":');
  lines.push('    t_start = time.time()');
  lines.push('    srv = Server1() if "Server1" in globals() else None');
  lines.push('    print("total", time.time() - t_start)');
  lines.push('');
  return lines.join('\n');
}

function stats(xs: number[]): { median: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]! };
}

const fmt = (x: number): string => x.toFixed(2).padStart(9);
const row = (name: string, xs: number[], note = ''): void => {
  const s = stats(xs);
  console.log(`${name.padEnd(30)}${fmt(s.median)}${fmt(s.min)}${note ? `  ${note}` : ''}`);
};

/** Full analysis: parse, then imports + every Python rule on one shared context, phase by phase. */
function benchFull(source: string): { total: number[]; analysis: number[]; findings: number } {
  const phases = new Map<string, number[]>();
  const add = (k: string, ms: number): void => {
    let l = phases.get(k);
    if (!l) phases.set(k, (l = []));
    l.push(ms);
  };
  const total: number[] = [];
  const analysis: number[] = [];
  let findings = 0;
  const byRule = new Map<string, number>();
  for (let i = 0; i < RUNS + 1; i++) {
    const a = performance.now();
    const tree = parseSync(source, 'python');
    const b = performance.now();
    const root = tree.rootNode;
    const index = createNodeIndex(root, source, PYTHON_IDENTIFIERS);
    // Lazy: its cost lands in the rules that ask (scripts/bench-imports.ts compares it with the eager reference).
    const imports = analyzePythonImports(root, source);
    const c = performance.now();
    const ctx: PythonRuleContext = { language: 'python', source, root, eol: '\n', options: DEFAULT_RULE_OPTIONS, index, imports };
    const ruleMs: [string, number][] = [];
    findings = 0;
    for (const rule of RULES) {
      if (!rule.checkPython) continue;
      const t = performance.now();
      const f = rule.checkPython(ctx);
      ruleMs.push([`${rule.code} ${rule.id}`, performance.now() - t]);
      findings += f.length;
      byRule.set(rule.code, f.length);
    }
    const d = performance.now();
    tree.delete();
    if (i === 0) continue; // warm-up run (JIT), not counted
    add('parse', b - a);
    add('imports (lazy: setup only)', c - b);
    for (const [k, ms] of ruleMs) add(k, ms);
    analysis.push(d - b);
    total.push(d - a);
  }
  console.log(`\nfull analysis, ${RUNS} runs after 1 warm-up`);
  console.log(`${'phase'.padEnd(30)}${'median ms'.padStart(9)}${'min ms'.padStart(9)}  findings`);
  for (const [k, xs] of phases) row(k, xs, /^LAT/.test(k) ? String(byRule.get(k.slice(0, 6)) ?? '') : '');
  row('analysis (imports + rules)', analysis);
  row('total (parse + analysis)', total);
  return { total, analysis, findings };
}

/** One keystroke in the middle of the file, as the editor sends it: incremental reparse + analysis. */
function benchKeystrokes(source: string, doc: IncrementalDocument): { total: number[] } {
  const parse: number[] = [];
  const analyze: number[] = [];
  const total: number[] = [];
  let text = source;
  const at = text.indexOf('    def ', Math.floor(text.length / 2));
  for (let i = 0; i < KEYSTROKES + 2; i++) {
    // Type a comment one character at a time at the end of a method's line, then keep going.
    const line = text.indexOf('\n', at);
    const ch = i === 0 ? '  #' : 'x';
    const next = text.slice(0, line) + ch + text.slice(line);
    const a = performance.now();
    doc.update([{ rangeOffset: line, rangeLength: 0, text: ch }], next);
    const b = performance.now();
    doc.analyze();
    const c = performance.now();
    text = next;
    if (i < 2) continue; // warm-up keystrokes
    parse.push(b - a);
    analyze.push(c - b);
    total.push(c - a);
  }
  console.log(`\nper keystroke (${KEYSTROKES} single-character edits mid-file, after 2 warm-up edits)`);
  console.log(`${'phase'.padEnd(30)}${'median ms'.padStart(9)}${'min ms'.padStart(9)}`);
  row('incremental reparse', parse);
  row('analysis (imports + rules)', analyze);
  row('total', total);
  return { total };
}

/** A realistic module: the serving-code corpus (test/fixtures/advisors/corpus/*.py) concatenated until `targetLines`. */
export function corpusSource(targetLines: number): string {
  const dir = path.join(__dirname, '..', 'test', 'fixtures', 'advisors', 'corpus');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.py')).sort();
  const parts: string[] = [];
  let lines = 0;
  for (let i = 0; lines < targetLines; i++) {
    const text = fs.readFileSync(path.join(dir, files[i % files.length]!), 'utf8').replace(/\r\n/g, '\n');
    parts.push(text);
    lines += text.split('\n').length;
  }
  return parts.join('\n');
}

async function benchFile(title: string, source: string): Promise<string> {
  const lineCount = source.split('\n').length;
  console.log(`\n=== ${title}: ${lineCount} lines, ${source.length} chars`);
  const full = benchFull(source);
  const doc = await IncrementalDocument.open('python', source);
  let keys: { total: number[] };
  try {
    keys = benchKeystrokes(source, doc);
  } finally {
    doc.dispose();
  }
  const tot = stats(full.total).median;
  const ana = stats(full.analysis).median;
  const key = stats(keys.total).median;
  return (
    `${title} (${full.findings} findings):\n` +
    `  full analysis < ${GOAL_TOTAL_MS} ms:  ${tot.toFixed(1)} ms with parse = ${(tot / GOAL_TOTAL_MS).toFixed(2)}x; ${ana.toFixed(1)} ms without = ${(ana / GOAL_TOTAL_MS).toFixed(2)}x\n` +
    `  per keystroke < ${GOAL_KEYSTROKE_MS} ms:  ${key.toFixed(1)} ms = ${(key / GOAL_KEYSTROKE_MS).toFixed(2)}x`
  );
}

async function main(): Promise<void> {
  const t0 = performance.now();
  await loadParser('python');
  const loadMs = performance.now() - t0;
  console.log(`bench-advisors: ${RULES.filter((r) => r.checkPython).length} Python rules; parser load (once, not counted): ${loadMs.toFixed(1)} ms`);
  const goals = [
    await benchFile('generated module (dense: a wall-clock interval every ~10 lines)', generateSource(TARGET_LINES)),
    await benchFile('serving corpus concatenated (realistic code)', corpusSource(TARGET_LINES)),
  ];
  console.log('\ngoals (ratio = measured / goal; below 1.00 meets it)');
  for (const g of goals) console.log(g);
  const corpus = await corpusReport();
  const t = corpus.totals;
  const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  console.log(
    `\nfalse positives on the corpus (${t.files} files, ${t.lines} lines, all rules at defaults): ${t.fp} ` +
      `(${t.fpPer1000Lines.toFixed(2)} per 1,000 lines); precision ${pct(t.precision)}, recall ${pct(t.recall)} ` +
      `(${t.tp} of ${t.expected} expected findings). Details: node --import tsx scripts/advisor-corpus.ts`,
  );
}

if (require.main === module) void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
