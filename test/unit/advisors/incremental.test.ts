import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSource } from '../../../src/advisors/analyze';
import { IncrementalDocument, type OffsetEdit } from '../../../src/advisors/incremental';
import { parse } from '../../../src/advisors/parser';
import { mulberry32 } from '../../../src/core/random';

const BASE = 'import time\n\ndef f(m):\n    t0 = time.time()\n    m()\n    return time.time() - t0\n\n\ndef g(x):\n    return x * 2  # é ünïcode\n';

async function fullTree(text: string): Promise<string> {
  const t = await parse(text, 'python');
  try {
    return t.rootNode.toString();
  } finally {
    t.delete();
  }
}

test('typing keystroke by keystroke keeps the same tree and findings as a fresh parse', async () => {
  const doc = await IncrementalDocument.open('python', BASE);
  try {
    let text = BASE;
    const insertion = '\ndef h(f):\n    a = time.time()\n    f()\n    print(time.time() - a)\n';
    for (const ch of insertion) {
      const e: OffsetEdit = { rangeOffset: text.length, rangeLength: 0, text: ch };
      text += ch;
      doc.update([e], text);
    }
    assert.equal(doc.source, text);
    assert.equal((doc as unknown as { tree: { rootNode: { toString(): string } } }).tree.rootNode.toString(), await fullTree(text));
    assert.deepEqual(doc.analyze().findings, (await analyzeSource(text, 'python')).findings);
    assert.equal(doc.analyze().findings.filter((f) => f.code === 'LAT001').length, 4);
  } finally {
    doc.dispose();
  }
});

test('random replacements, several per update, match a fresh parse (multi-line, non-ASCII)', async () => {
  const rnd = mulberry32(7);
  const pieces = ['time.time()', '\n', '    ', 'x', 'é', 'def k():\n    pass\n', '', '(', ')', '"s"'];
  const doc = await IncrementalDocument.open('python', BASE);
  try {
    let text = BASE;
    for (let round = 0; round < 40; round++) {
      const edits: OffsetEdit[] = [];
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const start = Math.floor(rnd() * (text.length + 1));
        const len = Math.min(text.length - start, Math.floor(rnd() * 6));
        const ins = pieces[Math.floor(rnd() * pieces.length)]!;
        edits.push({ rangeOffset: start, rangeLength: len, text: ins });
        text = text.slice(0, start) + ins + text.slice(start + len);
      }
      doc.update(edits, text);
      assert.equal(
        (doc as unknown as { tree: { rootNode: { toString(): string } } }).tree.rootNode.toString(),
        await fullTree(text),
        `round ${round}`,
      );
    }
    assert.deepEqual(doc.analyze().findings, (await analyzeSource(text, 'python')).findings);
  } finally {
    doc.dispose();
  }
});

test('a lost or wrong edit is caught by the text check and the tree rebuilt', async () => {
  const doc = await IncrementalDocument.open('python', BASE);
  try {
    const next = BASE.replace('def g', 'def gg');
    doc.update([{ rangeOffset: 3, rangeLength: 0, text: 'zzz' }], next);
    assert.equal(doc.source, next);
    assert.equal((doc as unknown as { tree: { rootNode: { toString(): string } } }).tree.rootNode.toString(), await fullTree(next));
    doc.update([{ rangeOffset: 10_000, rangeLength: 5, text: 'x' }], BASE);
    assert.equal((doc as unknown as { tree: { rootNode: { toString(): string } } }).tree.rootNode.toString(), await fullTree(BASE));
  } finally {
    doc.dispose();
  }
  assert.throws(() => doc.analyze(), /disposed/);
});
