import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADVISOR_LANGUAGES, isParserLoaded, loadParser, parse, parseSync, syntaxErrors, wasmDirectory } from '../../../src/advisors/parser';
import * as fs from 'node:fs';
import * as path from 'node:path';

test('wasm directory resolves to the installed package and holds the runtime', () => {
  assert.ok(fs.existsSync(path.join(wasmDirectory(), 'tree-sitter.wasm')));
});

test('parses Python', async () => {
  const tree = await parse('import torch\n\ndef f(x):\n    return torch.relu(x)\n', 'python');
  try {
    assert.equal(tree.rootNode.type, 'module');
    assert.equal(tree.rootNode.hasError, false);
    const fn = tree.rootNode.namedChildren[1];
    assert.equal(fn?.type, 'function_definition');
    assert.equal(fn?.childForFieldName('name')?.text, 'f');
  } finally {
    tree.delete();
  }
});

test('parses TypeScript, TSX and JavaScript', async () => {
  const ts = await parse('const x: number = 1;\nfunction f<T>(a: T): T { return a; }\n', 'typescript');
  assert.equal(ts.rootNode.type, 'program');
  assert.equal(ts.rootNode.hasError, false);
  ts.delete();
  const tsx = await parse('const e = <div className="a">{x as number}</div>;\n', 'tsx');
  assert.equal(tsx.rootNode.hasError, false);
  tsx.delete();
  const js = await parse('const f = async (a) => await a;\n', 'javascript');
  assert.equal(js.rootNode.hasError, false);
  js.delete();
});

test('reports syntax errors', async () => {
  const py = await parse('def f(:\n    return 1\n', 'python');
  assert.equal(py.rootNode.hasError, true);
  assert.ok(syntaxErrors(py).length > 0);
  py.delete();
  const ts = await parse('const x: = ;\n', 'typescript');
  assert.equal(ts.rootNode.hasError, true);
  assert.ok(syntaxErrors(ts).length > 0);
  ts.delete();
  const ok = await parse('x = 1\n', 'python');
  assert.deepEqual(syntaxErrors(ok), []);
  ok.delete();
});

test('loading is cached and parseSync works once loaded', async () => {
  await Promise.all(ADVISOR_LANGUAGES.map((l) => loadParser(l)));
  await Promise.all(ADVISOR_LANGUAGES.map((l) => loadParser(l)));
  for (const l of ADVISOR_LANGUAGES) assert.equal(isParserLoaded(l), true);
  const t = parseSync('y = 2\n', 'python');
  assert.equal(t.rootNode.hasError, false);
  t.delete();
});

test('positions are 0-based rows and UTF-16 columns', async () => {
  const t = await parse('s = "é€😀"; x = 1\n', 'python');
  const x = t.rootNode.descendantsOfType('identifier').find((n) => n?.text === 'x');
  const src = 's = "é€😀"; x = 1\n';
  assert.equal(x?.startPosition.row, 0);
  assert.equal(x?.startIndex, src.indexOf('x ='));
  // Record whether column is in UTF-16 units (VS Code's unit) — asserted so a change is noticed.
  assert.equal(x?.startPosition.column, src.indexOf('x ='));
  t.delete();
});
