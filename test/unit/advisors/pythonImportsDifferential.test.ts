// Differential test: the product's lazy analysis (src/advisors/pythonImports.ts) and the eager
// reference (test/support/pythonImportsReference.ts) must give identical answers on the advisor
// fixtures, the 10,000-line bench module, hand-picked corners and a few hundred generated snippets.
// (The behaviour cases themselves are in pythonImports.test.ts, run against both.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import { analyzePythonImports, type ImportBinding, type NameResolution } from '../../../src/advisors/pythonImports';
import { analyzePythonImportsReference } from '../../support/pythonImportsReference';
import { mulberry32 } from '../../../src/core/random';
import { generateSource } from '../../../scripts/bench-advisors';
import type { Node } from '@vscode/tree-sitter-wasm';

test.before(() => loadParser('python'));

// ---- differential: eager vs lazy -----------------------------------------------------------------

interface DiffStats {
  files: number;
  nodes: number;
  resolves: number;
  mismatches: string[];
}

const show = (r: NameResolution): string => (r.status === 'import' ? `import:${r.qualified}` : r.status);

/** Compares eager and lazy answers on one source; the lazy side is asked twice, in opposite orders (caches must not matter). */
function compare(label: string, src: string, stats: DiffStats): void {
  const tree = parseSync(src, 'python');
  try {
    const root = tree.rootNode;
    const eager = analyzePythonImportsReference(root);
    const lazy = analyzePythonImports(root, src);
    const lazy2 = analyzePythonImports(root, src);
    const where = (n: Node): string => `${label}:${n.startPosition.row + 1}:${n.startPosition.column + 1} ${JSON.stringify(n.text.slice(0, 60))}`;
    const fail = (msg: string): void => {
      if (stats.mismatches.length < 20) stats.mismatches.push(msg);
    };
    stats.files++;
    const nodes = root.descendantsOfType(['call', 'attribute', 'identifier']).filter((n): n is Node => n !== null);
    const calls = nodes.filter((n) => n.type === 'call');
    const expected = nodes.map((n) => eager.qualifiedName(n));
    const got2 = [...nodes].reverse().map((n) => lazy2.qualifiedName(n)).reverse();
    nodes.forEach((n, i) => {
      const got = lazy.qualifiedName(n);
      stats.nodes++;
      if (got !== expected[i] || got2[i] !== expected[i]) fail(`qualifiedName ${where(n)}: eager ${expected[i]} lazy ${got} / ${got2[i]}`);
    });
    const show2 = (i: ImportBinding): string => `${i.local}|${i.qualified}|${i.scope}|${i.statement.id}`;
    const eagerImports = eager.imports.map(show2);
    assert.deepEqual(lazy.imports.map(show2), eagerImports, `${label}: imports`);
    const names = new Set(eager.imports.map((i) => i.local));
    for (const extra of ['time', 'torch', 'perf_counter', 'range', 'print', 'self', 'x']) names.add(extra);
    for (const c of [...calls].reverse()) {
      for (const name of names) {
        stats.resolves++;
        const e = show(eager.resolveName(name, c));
        const l = show(lazy2.resolveName(name, c));
        if (e !== l) fail(`resolveName(${name}) at ${where(c)}: eager ${e} lazy ${l}`);
      }
    }
    const allNames = new Set([...names, ...nodes.filter((n) => n.type === 'identifier').map((n) => n.text)]);
    for (const name of allNames) {
      if (eager.moduleBinds(name) !== lazy.moduleBinds(name)) fail(`moduleBinds(${name}) in ${label}: eager ${eager.moduleBinds(name)}`);
    }
  } finally {
    tree.delete();
  }
}

function pyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pyFiles(p));
    else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

/** A random module mixing imports, aliases and every kind of shadowing the scoping model knows. */
export function randomSnippet(seed: number): string {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const NAMES = ['time', 'torch', 'T', 'now', 'pc', 'np', 'os', 'sync', 't', 'x'] as const;
  const IMPORTS = [
    'import time',
    'import torch',
    'import torch as T',
    'import time as t, os as t',
    'from time import time as now, perf_counter as pc',
    'from time import (time as t,\n    perf_counter)',
    'from torch.cuda import synchronize as sync',
    'import os.path',
    'import numpy as np, time as time',
    'from . import time',
    'from .m import now',
    'from x import *',
    'from __future__ import annotations',
    'import torch.nn as np',
    'from os import path as x',
  ];
  const name = (): string => pick(NAMES);
  /** An expression using a name, safe anywhere an expression goes. */
  const use = (): string => {
    const n = name();
    return pick([
      `${n}.time()`,
      `${n}.cuda.synchronize()`,
      `${n}()`,
      `(${n}).compile(m)`,
      `(${n}.x)()`,
      `${n} . time ()`,
      `${n}[0].f()`,
      `${n}.a.b`,
      `f(${n}, key=${n}.k)`,
      `${n}\\\n    .time()`,
      `[${n}.f() for ${name()} in ${n}]`,
      `{k: ${n}.f() for k in ${name()}}`,
      `sum(${n}.f() for ${name()} in y)`,
      `(lambda ${name()}, y=${n}.d(): ${n}.time())()`,
      `f"{${n}.time()} {(${name()} := 2)} {[${n} for ${name()} in z]}"`,
      `"${n}.time()"`,
      `[${name()} := ${n}.f(), ${n}.g()]`,
      `(${n} if ${name()} else ${name()}).time()`,
      `(\n    ${n}.\n    time())`,
    ]);
  };
  /** A statement-level use (may end in a comment). */
  const stmtUse = (): string => pick([use(), `${use()}  # ${name()} = 1`, `${name()}(${use()})`, `${name()} (x)`]);
  const target = (): string => {
    const n = name();
    return pick([n, n, `a, (b, *${n})`, `[${n}, c]`, `(${n})`, `${n}.attr`, `d[${n}]`, `*${n}, e`]);
  };
  const params = (): string => {
    const ps: string[] = [];
    const count = Math.floor(r() * 4);
    for (let i = 0; i < count; i++) {
      const n = name();
      ps.push(pick([n, `${n}: int`, `${n}=${use()}`, `${n}: ${name()} = ${name()}`, `*${n}`, `**${n}`, `p${i}`, `q${i}=${name()}`]));
    }
    if (chance(0.1)) ps.push('*');
    return ps.join(', ');
  };
  const lambdaParams = (): string => {
    const ps: string[] = [];
    const count = Math.floor(r() * 3);
    for (let i = 0; i < count; i++) ps.push(pick([name(), `${name()}=${use()}`, `p${i}=${name()}`]));
    if (chance(0.3)) ps.push(pick([`*${name()}`, `**${name()}`]));
    return ps.join(', ');
  };
  const lines: string[] = [];
  /** Continuation lines (inside brackets, after a backslash) indented deeper than the statement. */
  const emit = (indent: string, text: string): void => {
    lines.push(text.replace(/\n/g, `\n${indent}        `));
  };
  const block = (indent: string, depth: number, inFunction: boolean, count: number): void => {
    for (let s = 0; s < count; s++) {
      const i = indent;
      const k = Math.floor(r() * (depth > 2 ? 16 : 24));
      switch (k) {
        case 0:
        case 1:
          emit(i, `${i}${pick(IMPORTS)}`);
          break;
        case 2:
        case 3:
        case 4:
          emit(i, `${i}${stmtUse()}`);
          break;
        case 5:
          emit(i, `${i}${target()} = ${use()}`);
          break;
        case 6:
          emit(i, `${i}${pick([`${name()} += 1`, `${name()}: int = 3`, `${name()}: Clock`, `${name()} = ${name()} = ${use()}`])}`);
          break;
        case 7:
          emit(i, `${i}(${name()} := ${use()})`);
          break;
        case 8:
          emit(i, `${i}print(${use()}, ${use()})`);
          break;
        case 9:
          emit(i, `${i}${pick(['global', 'nonlocal'])} ${name()}${chance(0.3) ? `, ${name()}` : ''}`);
          break;
        case 10:
          emit(i, `${i}${name()} = lambda ${lambdaParams()}: ${use()}`);
          break;
        case 11:
          emit(i, `${i}return ${use()}` + (inFunction ? '' : ''));
          break;
        case 12:
          emit(i, `${i}del ${name()}`);
          break;
        case 13:
          emit(i, `${i}x = [${use()} for ${target().replace('.attr', '').replace(/d\[.*\]/, 'z')} in ${name()} if ${use()}]`);
          break;
        case 14:
          emit(i, `${i}s = ${pick(['"""\n' + name() + '.time()\n"""', `'${name()}.time()'`, `b"${name()}"`])}`);
          break;
        case 15:
          emit(i, `${i}${pick(['', 'await '])}${use()}`);
          break;
        case 16:
        case 17: {
          if (chance(0.3)) emit(i, `${i}@${name()}.${pick(['jit', 'compile'])}${chance(0.5) ? '()' : ''}`);
          const head = pick(['def', 'async def', 'def \\\n   ', 'def\n  # c\n ']);
          emit(i, `${i}${head} ${name()}(${params()})${chance(0.2) ? ` -> ${pick([use(), name()])}` : ''}:`);
          block(`${i}    `, depth + 1, true, 1 + Math.floor(r() * 4));
          break;
        }
        case 18:
          emit(i, `${i}class ${name()}${chance(0.5) ? `(${name()}.Module, metaclass=${name()})` : ''}:`);
          block(`${i}    `, depth + 1, false, 1 + Math.floor(r() * 4));
          break;
        case 19:
          emit(i, `${i}for ${target().replace(/d\[(.*)\]/, 'd.$1')} in ${use()}:`);
          block(`${i}    `, depth + 1, inFunction, 1 + Math.floor(r() * 3));
          break;
        case 20:
          emit(i, `${i}with ${use()} as ${name()}, open(${name()}) as (${name()}, b):`);
          block(`${i}    `, depth + 1, inFunction, 1 + Math.floor(r() * 2));
          break;
        case 21:
          emit(i, `${i}try:`);
          block(`${i}    `, depth + 1, inFunction, 1 + Math.floor(r() * 2));
          emit(i, `${i}except ${pick(['ImportError', `${name()}.Error`, '(A, B)'])} as ${name()}:`);
          block(`${i}    `, depth + 1, inFunction, 1 + Math.floor(r() * 2));
          break;
        case 22:
          emit(i, `${i}if ${use()}:`);
          block(`${i}    `, depth + 1, inFunction, 1 + Math.floor(r() * 3));
          emit(i, `${i}else:`);
          block(`${i}    `, depth + 1, inFunction, 1);
          break;
        default:
          emit(i, `${i}match ${name()}:`);
          emit(i, `${i}    case [${name()}, *rest] as ${name()}:`);
          block(`${i}        `, depth + 1, inFunction, 1);
          emit(i, `${i}    case _:`);
          emit(i, `${i}        ${use()}`);
          break;
      }
    }
  };
  block('', 0, false, 6 + Math.floor(r() * 14));
  if (chance(0.15)) {
    // A broken edit: cut one line short, so the eager and lazy sides also meet error trees.
    const at = Math.floor(r() * lines.length);
    lines[at] = lines[at]!.slice(0, Math.floor(r() * lines[at]!.length));
  }
  lines.push('');
  return lines.join('\n');
}

/** Hand-picked corners: non-ASCII, CRLF, tabs, glued numbers, continuations, f-strings, ties, type parameters, match, async. */
const EDGE_CASES = [
  'import time as tïme\ns = "😀 é"\ntïme.time()\ndef f():\n    tïme.time()\n    é = 1\n    return é.x()\n',
  's = "😀😀"; import torch as T\nT.cuda.synchronize()\ndef g(T=T.x()):\n\tT.y()\n',
  'import time\nx = [1for time in y]\ntime.time()\nz = 1if time else 2\ntime.time()\n',
  'import time\ndef \\\n  time(): pass\ntime.time()\nclass \\\n time: pass\n',
  'import time\r\ndef f():\r\n    global time\r\n    time = 3\r\ntime.time()\r\n',
  'import time\nprint(f"{(time := 3)} {[time for time in x]} {lambda time: time.time()}")\ntime.time()\n',
  'import time\nwith a as (time.x, b): pass\ntime.time()\nfor time.y in z: pass\ntime.time()\n',
  'import time\nclass K:\n    global time\n    import time as time\n    time.time()\ntime.time()\n',
  'import time as t, os as t\ndef f():\n    t.path()\nt.path()\n',
  'from m import a as x, b as x\ndef f():\n    x.y()\nx.y()\n',
  'import time\ndef f[T](x: T) -> T:\n    time.time()\nclass C[T]:\n    time.time()\ntype X = time\n',
  'import time\nmatch v:\n    case {"k": time}:\n        time.time()\n    case [*time]:\n        time.time()\n    case time.X as y:\n        time.time()\n',
  'import time\nasync def f():\n    async with a as time:\n        time.time()\n    async for time in b:\n        pass\n    [time async for time in c]\n',
  'import torch\ntorch.cuda.synchronize()  # ' + 'x'.repeat(50) + '\n(torch\n .cuda\n # c\n .synchronize)()\n',
  'def f(a, /, b, *, c): a.x(); b.y(); c.z()\nimport a, b, c\ndef g(): a.x(); b.y(); c.z()\n',
  'import time\ntime: int\ntime.time()\ndef h():\n    time: int\n    time.time()\n',
  'from __future__ import annotations\nfrom . import (a as b)\nfrom .. x import y\nfrom .x.y import z as w\nb.c(); y.d(); w.e()\n',
  'import time\ndel time\ntime.time()\nexec("x")\nprint >>f, time.time()\n',
  'import time\nx = lambda: (yield)\ntime.time()\nnonlocal time\ntime.time()\n',
  'import time\n@time.x\n@(lambda f: f)\ndef time(): pass\ntime.time()\n',
  'import time\ntry:\n    pass\nexcept* (time.A, B) as time:\n    pass\ntime.time()\n',
  // The grammar lets a def / class name sit lines (and comments) away from its keyword.
  'import os\ndef\nos():\n    pass\nos.path()\nclass\n\n  # c\n  os (x): pass\nos.path()\n',
  'import os\ndef \\\n\n os(): pass\nos.path()\n',
  'import os\nx = "#"; y = 2\ndef\\\n os(): pass\nos.path()\n',
  'import os\nclass # c\\\n  os(): pass\nos.path()\n',
];


test('differential: lazy answers equal eager answers', (t) => {
  const stats: DiffStats = { files: 0, nodes: 0, resolves: 0, mismatches: [] };
  const fixtures = pyFiles(path.join(__dirname, '../../fixtures/advisors'));
  assert.ok(fixtures.length > 0, 'fixtures found');
  const t0 = performance.now();
  for (const f of fixtures) compare(path.relative(path.join(__dirname, '../../..'), f), fs.readFileSync(f, 'utf8'), stats);
  const fixtureNodes = stats.nodes;
  const t1 = performance.now();
  compare('generateSource(10000)', generateSource(10_000), stats);
  const benchNodes = stats.nodes - fixtureNodes;
  EDGE_CASES.forEach((src, i) => compare(`edge#${i}`, src, stats));
  const t2 = performance.now();
  let erroneous = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const src = randomSnippet(seed);
    const tree = parseSync(src, 'python');
    if (tree.rootNode.hasError) erroneous++;
    tree.delete();
    compare(`snippet#${seed}`, src, stats);
  }
  const t3 = performance.now();
  t.diagnostic(`time: fixtures ${(t1 - t0).toFixed(0)} ms, bench module + edge cases ${(t2 - t1).toFixed(0)} ms, snippets ${(t3 - t2).toFixed(0)} ms`);
  t.diagnostic(
    `${stats.files} sources (${fixtures.length} fixtures, 1 bench module, ${EDGE_CASES.length} edge cases, 400 snippets, ${erroneous} with parse errors); ` +
      `qualifiedName compared on ${stats.nodes} nodes (${fixtureNodes} fixtures, ${benchNodes} bench); ${stats.resolves} resolveName queries`,
  );
  assert.deepEqual(stats.mismatches, []);
});
