// node --import tsx scripts/bench-advisors.ts — cost of the Python advisors on a large file.
// Generates a deterministic ~10,000-line serving/benchmark module, loads the parser once, then
// times (median / min over RUNS runs): parse, import analysis, LAT001 (wrongClock), and the total.

import { loadParser, parseSync } from '../src/advisors/parser';
import { analyzePythonImports } from '../src/advisors/pythonImports';
import { checkWrongClock } from '../src/advisors/rules/wrongClock';
import { mulberry32 } from '../src/core/random';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_LINES = Number(process.env.BENCH_LINES ?? 10_000);
const GOAL_TOTAL_MS = 30;

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

async function main(): Promise<void> {
  const source = generateSource(TARGET_LINES);
  const lineCount = source.split('\n').length;
  const t0 = performance.now();
  await loadParser('python');
  const loadMs = performance.now() - t0;

  const parse: number[] = [];
  const imports: number[] = [];
  const lat001: number[] = [];
  const total: number[] = [];
  let findings = 0;
  let importCount = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const a = performance.now();
    const tree = parseSync(source, 'python');
    const b = performance.now();
    const imp = analyzePythonImports(tree.rootNode);
    const c = performance.now();
    const f = checkWrongClock({ source, root: tree.rootNode, imports: imp });
    const d = performance.now();
    tree.delete();
    findings = f.length;
    importCount = imp.imports.length;
    if (i === 0) continue; // warm-up run (JIT), not counted
    parse.push(b - a);
    imports.push(c - b);
    lat001.push(d - c);
    total.push(d - a);
  }
  const fmt = (x: number): string => x.toFixed(2).padStart(8);
  console.log(`bench-advisors: ${lineCount} lines, ${source.length} chars; ${importCount} import bindings, ${findings} LAT001 findings`);
  console.log(`parser load (once): ${loadMs.toFixed(1)} ms; ${RUNS} runs after 1 warm-up`);
  console.log(`${'phase'.padEnd(16)}${'median ms'.padStart(10)}${'min ms'.padStart(10)}`);
  const row = (name: string, xs: number[]): void => {
    const s = stats(xs);
    console.log(`${name.padEnd(16)}${fmt(s.median).padStart(10)}${fmt(s.min).padStart(10)}`);
  };
  row('parse', parse);
  row('imports', imports);
  row('LAT001', lat001);
  row('total', total);
  const tot = stats(total);
  const analysis = stats(imports.map((x, i) => x + lat001[i]!));
  console.log(
    `goal: total < ${GOAL_TOTAL_MS} ms → median ${(tot.median / GOAL_TOTAL_MS).toFixed(2)}x goal, min ${(tot.min / GOAL_TOTAL_MS).toFixed(2)}x goal` +
      ` (analysis without parse: median ${analysis.median.toFixed(2)} ms = ${(analysis.median / GOAL_TOTAL_MS).toFixed(2)}x)`,
  );
}

if (require.main === module) void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
