import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadParser, parseSync } from '../../../src/advisors/parser';
import { analyzePythonImports, type PythonImports } from '../../../src/advisors/pythonImports';
import { analyzePythonImportsReference } from '../../support/pythonImportsReference';
import type { Node } from '@vscode/tree-sitter-wasm';

// The product's lazy analysis and the eager reference (the differential test's oracle) must
// both meet every case.
const IMPLEMENTATIONS: [string, (root: Node, src: string) => PythonImports][] = [
  ['lazy', (root, src) => analyzePythonImports(root, src)],
  ['reference', (root) => analyzePythonImportsReference(root)],
];

test.before(() => loadParser('python'));

for (const [impl, analyze] of IMPLEMENTATIONS) {
  /** Qualified names of every call in `src`, in source order, as "callee-text => qualified". */
  function calls(src: string): string[] {
    const tree = parseSync(src, 'python');
    try {
      assert.equal(tree.rootNode.hasError, false, 'fixture must parse');
      const imports = analyze(tree.rootNode, src);
      return tree.rootNode
        .descendantsOfType('call')
        .filter((c): c is Node => c !== null)
        .map((c) => `${c.childForFieldName('function')?.text} => ${imports.qualifiedName(c) ?? '?'}`);
    } finally {
      tree.delete();
    }
  }

  test(`${impl}: plain and aliased imports`, () => {
    assert.deepEqual(
      calls(
        [
          'import torch as T',
          'import onnxruntime as ort',
          'import os.path',
          'import os.path as osp',
          'import numpy, time',
          'T.cuda.synchronize()',
          'ort.InferenceSession("m.onnx")',
          'os.path.join()',
          'osp.join()',
          'numpy.zeros(3)',
          'time.time()',
          '',
        ].join('\n'),
      ),
      [
        'T.cuda.synchronize => torch.cuda.synchronize',
        'ort.InferenceSession => onnxruntime.InferenceSession',
        'os.path.join => os.path.join',
        'osp.join => os.path.join',
        'numpy.zeros => numpy.zeros',
        'time.time => time.time',
      ],
    );
  });

  test(`${impl}: from-imports, aliases, parenthesised lists, dotted modules`, () => {
    assert.deepEqual(
      calls(
        [
          'from torch import compile',
          'from time import time as now, perf_counter',
          'from time import (sleep as nap,',
          '    monotonic)',
          'from torch.cuda import synchronize as sync',
          'compile(m)',
          'now()',
          'perf_counter()',
          'nap(1)',
          'monotonic()',
          'sync()',
          '',
        ].join('\n'),
      ),
      [
        'compile => torch.compile',
        'now => time.time',
        'perf_counter => time.perf_counter',
        'nap => time.sleep',
        'monotonic => time.monotonic',
        'sync => torch.cuda.synchronize',
      ],
    );
  });

  test(`${impl}: relative imports, unknown names, builtins and wildcard stay unresolved`, () => {
    assert.deepEqual(
      calls(['from . import time', 'from .clock import now', 'from x import *', 'time.time()', 'now()', 'compile(s)', 'undefined_fn()', 'foo().bar()', ''].join('\n')),
      ['time.time => ?', 'now => ?', 'compile => ?', 'undefined_fn => ?', 'foo().bar => ?', 'foo => ?'],
    );
  });

  test(`${impl}: module-level rebinding is flow-ordered`, () => {
    assert.deepEqual(
      calls(
        [
          'time.time()', // before import: unbound
          'import time',
          'time.time()',
          'time = Clock()',
          'time.time()', // rebound
          'import time as time',
          'time.time()', // re-imported
          'for time in xs: pass',
          'time.time()',
          '',
        ].join('\n'),
      ),
      ['time.time => ?', 'time.time => time.time', 'Clock => ?', 'time.time => ?', 'time.time => time.time', 'time.time => ?'],
    );
  });

  test(`${impl}: module-level shadowing by def, class, with-as, except-as, walrus, unpacking, augmented`, () => {
    const kinds = [
      'def time(): pass',
      'class time: pass',
      'with open("f") as time: pass',
      'try:\n    pass\nexcept Exception as time:\n    pass',
      '(time := 3)',
      'a, (b, *time) = v',
      'time += 1',
      'time: Clock = c',
      'from .local import time',
    ];
    for (const k of kinds) {
      assert.deepEqual(calls(`import time\n${k}\ntime.time()\n`).at(-1), 'time.time => ?', k);
    }
    // attribute / subscript targets do not rebind
    assert.deepEqual(calls('import time\ntime.x = 1\nd[time] = 2\ntime.time()\n').at(-1), 'time.time => time.time');
  });

  test(`${impl}: function parameters and locals shadow; module imports seen from functions`, () => {
    assert.deepEqual(
      calls(
        [
          'import torch',
          'def a(torch): torch.compile(m)',
          'def b(x, *torch): torch.compile(m)',
          'def c(x, torch: int = 1): torch.compile(m)',
          'def d(**torch): torch.compile(m)',
          'def e():',
          '    torch.compile(m)',
          '    torch = None', // local for the whole body → unresolved even before
          'def f():',
          '    torch.compile(m)',
          'def g():',
          '    import torch as torch2',
          '    torch2.compile(m)',
          'lambda torch: torch.compile(m)',
          '[torch.compile(m) for torch in ms]',
          'class K:',
          '    torch = 3',
          '    def h(self):',
          '        torch.compile(m)', // class attrs are not visible in methods
          '',
        ].join('\n'),
      ),
      [
        'torch.compile => ?',
        'torch.compile => ?',
        'torch.compile => ?',
        'torch.compile => ?',
        'torch.compile => ?',
        'torch.compile => torch.compile',
        'torch2.compile => torch.compile',
        'torch.compile => ?',
        'torch.compile => ?',
        'torch.compile => torch.compile',
      ],
    );
  });

  test(`${impl}: functions see the final module-level binding; global and nonlocal`, () => {
    assert.deepEqual(
      calls(['import time', 'def f():', '    time.time()', 'time = FakeClock()', ''].join('\n')).at(0),
      'time.time => ?',
    );
    assert.deepEqual(
      calls(['import time', 'def f():', '    time.time()', 'def g():', '    global time', '    time = 3', ''].join('\n')).at(0),
      'time.time => ?',
    );
    assert.deepEqual(
      calls(['def f():', '    import time', '    def g():', '        time.time()', ''].join('\n')),
      ['time.time => time.time'],
    );
    assert.deepEqual(
      calls(['import time', 'def f():', '    time = 1', '    def g():', '        nonlocal time', '        time.time()', ''].join('\n')),
      ['time.time => ?'],
    );
  });

  test(`${impl}: try/except ImportError fallback to None is conservatively unresolved; default args use the outer scope`, () => {
    assert.deepEqual(
      calls(['try:', '    import onnxruntime as ort', 'except ImportError:', '    ort = None', 'ort.InferenceSession(p)', ''].join('\n')),
      ['ort.InferenceSession => ?'],
    );
    assert.deepEqual(calls(['import time', 'def f(t=time.time()): pass', ''].join('\n')), ['time.time => time.time']);
  });

  test(`${impl}: imports list, resolveName and moduleBinds`, () => {
    const src = 'import torch as T\nfrom .x import y\ndef f(p):\n    return p\n';
    const tree = parseSync(src, 'python');
    const r = analyze(tree.rootNode, src);
    assert.deepEqual(
      r.imports.map((i) => [i.local, i.qualified, i.scope]),
      [
        ['T', 'torch', 'module'],
        ['y', undefined, 'module'],
      ],
    );
    const ret = tree.rootNode.descendantsOfType('return_statement')[0]!;
    assert.deepEqual(r.resolveName('T', ret), { status: 'import', qualified: 'torch' });
    assert.deepEqual(r.resolveName('p', ret), { status: 'shadowed' });
    assert.deepEqual(r.resolveName('y', ret), { status: 'shadowed' });
    assert.deepEqual(r.resolveName('time', ret), { status: 'unbound' });
    assert.equal(r.moduleBinds('f'), true);
    assert.equal(r.moduleBinds('time'), false);
    tree.delete();
  });

  test(`${impl}: names inside strings and comments are never calls`, () => {
    assert.deepEqual(calls('import time\n# time.time()\ns = "time.time()"\n'), []);
  });
}
