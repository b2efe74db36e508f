import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../../src/advisors/parser';
import { analyzeScriptImports } from '../../../src/advisors/scriptImports';
import { createNodeIndex, SCRIPT_IDENTIFIERS } from '../../../src/advisors/textIndex';

/** Qualified names of every `create(...)` call's callee in `src`. */
async function createCalls(src: string, lang: 'typescript' | 'javascript' = 'typescript'): Promise<(string | undefined)[]> {
  const tree = await parse(src, lang);
  try {
    const imports = analyzeScriptImports(tree.rootNode);
    const index = createNodeIndex(tree.rootNode, src, SCRIPT_IDENTIFIERS);
    return index.named('create').map((id) => {
      let n = id.parent;
      while (n && n.type !== 'call_expression') n = n.parent;
      return n ? imports.qualifiedName(n) : undefined;
    });
  } finally {
    tree.delete();
  }
}

const ORT = 'onnxruntime-node.InferenceSession.create';

test('ESM namespace, default and named imports (with alias)', async () => {
  assert.deepEqual(await createCalls("import * as ort from 'onnxruntime-node';\nort.InferenceSession.create('m.onnx');"), [ORT]);
  assert.deepEqual(await createCalls("import ort from 'onnxruntime-node';\nawait ort.InferenceSession.create('m.onnx');"), [ORT]);
  assert.deepEqual(await createCalls("import { InferenceSession as S } from 'onnxruntime-node';\nS.create('m.onnx');"), [ORT]);
});

test('CommonJS require, destructuring with rename, import = require', async () => {
  assert.deepEqual(await createCalls("const ort = require('onnxruntime-node');\nort.InferenceSession.create('m');", 'javascript'), [ORT]);
  assert.deepEqual(await createCalls("const { InferenceSession } = require('onnxruntime-node');\nInferenceSession.create('m');", 'javascript'), [ORT]);
  assert.deepEqual(await createCalls("const { InferenceSession: IS } = require('onnxruntime-node');\nIS.create('m');", 'javascript'), [ORT]);
  assert.deepEqual(await createCalls("import ort = require('onnxruntime-node');\nort.InferenceSession.create('m');"), [ORT]);
});

test('a parameter or local of the same name shadows the import; other modules and strings do not resolve', async () => {
  assert.deepEqual(await createCalls("import * as ort from 'onnxruntime-node';\nfunction f(ort) { return ort.InferenceSession.create('m'); }"), [undefined]);
  assert.deepEqual(await createCalls("import * as ort from 'onnxruntime-node';\nfunction f() { const ort = mock(); return ort.InferenceSession.create('m'); }"), [undefined]);
  assert.deepEqual(await createCalls("import * as other from 'other';\nother.InferenceSession.create('m');"), ['other.InferenceSession.create']);
  assert.deepEqual(await createCalls("thing.InferenceSession.create('m');\nconst s = 'ort.InferenceSession.create()';"), [undefined]);
});

test('shadowing is decided by real bindings in that function only: not nested functions, comments or strings', async () => {
  const imp = "import * as ort from 'onnxruntime-node';\n";
  // A local in a nested helper does not hide the import in the outer function.
  assert.deepEqual(await createCalls(imp + "async function h() { const s = await ort.InferenceSession.create('m'); function helper() { const ort = 1; } }"), [ORT]);
  // Comments and strings mentioning a declaration do not count.
  assert.deepEqual(await createCalls(imp + "function h() {\n  // const ort is not here\n  const msg = 'let ort = 1';\n  return ort.InferenceSession.create('m');\n}"), [ORT]);
  // Destructured locals, catch parameters, for-of bindings and parameter patterns do shadow.
  assert.deepEqual(await createCalls(imp + "async function h() { const { ort } = await import('./other'); return ort.InferenceSession.create('m'); }"), [undefined]);
  assert.deepEqual(await createCalls(imp + "function h() { try {} catch (ort) { return ort.InferenceSession.create('m'); } }"), [undefined]);
  assert.deepEqual(await createCalls(imp + "function h(xs) { for (const ort of xs) ort.InferenceSession.create('m'); }"), [undefined]);
  assert.deepEqual(await createCalls(imp + "const h = ({ ort }: { ort: any }) => ort.InferenceSession.create('m');"), [undefined]);
  assert.deepEqual(await createCalls(imp + "const h = (ort = null) => ort.InferenceSession.create('m');"), [undefined]);
  // A use of the name (not a binding) in the function leaves the import visible.
  assert.deepEqual(await createCalls(imp + "function h(o) { o.ort = ort; return ort.InferenceSession.create('m'); }"), [ORT]);
});
