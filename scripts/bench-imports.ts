// node --import tsx scripts/bench-imports.ts — eager vs lazy Python import analysis on a large file.
// On generateSource(10000) (scripts/bench-advisors.ts), parsed once, times (median / min over RUNS
// runs after 1 warm-up): a fresh analysis plus `qualifiedName` of every call whose callee text
// contains `time` or `torch` (typical rule queries), for the eager reference (test/support, a
// whole-tree scan) and the product's lazy analyzePythonImports (text search + point lookups). The calls are found once,
// outside the timings; both sides are checked to give the same answers.

import { loadParser, parseSync } from '../src/advisors/parser';
import { analyzePythonImports } from '../src/advisors/pythonImports';
import { analyzePythonImportsReference } from '../test/support/pythonImportsReference';
import type { Node } from '@vscode/tree-sitter-wasm';
import { generateSource } from './bench-advisors';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_LINES = Number(process.env.BENCH_LINES ?? 10_000);

function stats(xs: number[]): { median: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]! };
}

async function main(): Promise<void> {
  const source = generateSource(TARGET_LINES);
  await loadParser('python');
  const tree = parseSync(source, 'python');
  const root = tree.rootNode;
  const calls = root.descendantsOfType('call').filter((c): c is Node => {
    const text = c?.childForFieldName('function')?.text ?? '';
    return text.includes('time') || text.includes('torch');
  });

  const run = (lazy: boolean): { ms: number; answers: (string | undefined)[]; imports: number } => {
    const t0 = performance.now();
    const imp = lazy ? analyzePythonImports(root, source) : analyzePythonImportsReference(root);
    const answers = calls.map((c) => imp.qualifiedName(c));
    const ms = performance.now() - t0;
    return { ms, answers, imports: imp.imports.length };
  };

  const eager: number[] = [];
  const lazy: number[] = [];
  let resolved = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    // Alternate the order so neither side always runs on a warmer cache.
    let e: ReturnType<typeof run>;
    let l: ReturnType<typeof run>;
    if (i % 2 === 0) {
      e = run(false);
      l = run(true);
    } else {
      l = run(true);
      e = run(false);
    }
    if (e.answers.some((q, k) => q !== l.answers[k]) || e.imports !== l.imports) throw new Error('eager and lazy answers differ');
    resolved = e.answers.filter((q) => q !== undefined).length;
    if (i === 0) continue; // warm-up run (JIT), not counted
    eager.push(e.ms);
    lazy.push(l.ms);
  }
  // Timings on a busy machine are noisy; the number of node accesses that cross into wasm is not.
  const crossings = (lazyVariant: boolean): number => {
    const proto = Object.getPrototypeOf(root) as Record<string, unknown>;
    let n = 0;
    const restore: (() => void)[] = [];
    for (const key of ['type', 'endIndex', 'text', 'children', 'namedChildren', 'parent', 'hasError', 'isNamed', 'childCount', 'namedChildCount']) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (!d?.get) continue;
      const get = d.get;
      Object.defineProperty(proto, key, { ...d, get(this: unknown) { n++; return get.call(this); } });
      restore.push(() => Object.defineProperty(proto, key, d));
    }
    for (const key of ['childForFieldName', 'childrenForFieldName', 'child', 'namedChild', 'descendantForIndex', 'namedDescendantForIndex', 'descendantsOfType']) {
      const f = proto[key];
      if (typeof f !== 'function') continue;
      proto[key] = function (this: unknown, ...args: unknown[]) {
        n++;
        return (f as (...a: unknown[]) => unknown).apply(this, args);
      };
      restore.push(() => { proto[key] = f; });
    }
    try {
      run(lazyVariant);
    } finally {
      restore.forEach((r) => r());
    }
    return n;
  };
  const eagerCrossings = crossings(false);
  const lazyCrossings = crossings(true);
  tree.delete();

  const e = stats(eager);
  const l = stats(lazy);
  const fmt = (x: number): string => x.toFixed(2).padStart(10);
  console.log(`bench-imports: ${source.split('\n').length} lines, ${source.length} chars; ${calls.length} calls queried (${resolved} resolve to an import)`);
  console.log(`${RUNS} runs after 1 warm-up; analysis + qualifiedName of every queried call`);
  console.log(`${'variant'.padEnd(10)}${'median ms'.padStart(10)}${'min ms'.padStart(10)}`);
  console.log(`${'eager'.padEnd(10)}${fmt(e.median)}${fmt(e.min)}`);
  console.log(`${'lazy'.padEnd(10)}${fmt(l.median)}${fmt(l.min)}`);
  console.log(`ratio eager / lazy: median ${(e.median / l.median).toFixed(1)}x, min ${(e.min / l.min).toFixed(1)}x`);
  console.log(
    `node accesses crossing into wasm (one untimed run each): eager ${eagerCrossings}, lazy ${lazyCrossings} (${(eagerCrossings / lazyCrossings).toFixed(1)}x fewer)`,
  );
}

if (require.main === module)
  void main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
