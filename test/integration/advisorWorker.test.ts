// The advisors' worker thread as the extension host runs it: the bundled dist/advisorWorker.js
// in a real worker_threads Worker, driven by the same client the extension uses.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeSource } from '../../src/advisors/analyze';
import { AdvisorWorkerClient, AdvisorWorkerError } from '../../src/host/advisors/workerClient';
import { ROOT, distFile } from '../support/dist';

const WASM = join(ROOT, 'dist', 'wasm');
const BASE = 'import time\n\ndef f(m):\n    t0 = time.time()\n    m()\n    return time.time() - t0\n';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-worker-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('analyzes in the worker, then reparses incrementally from the edits sent; results equal an in-process analysis', async () => {
  const logs: string[] = [];
  const client = new AdvisorWorkerClient(distFile('advisorWorker.js'), { wasmDir: WASM }, (_l, m) => logs.push(m));
  try {
    const first = await client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} });
    assert.equal(first.incremental, false);
    assert.deepEqual(first.findings, (await analyzeSource(BASE, 'python')).findings);
    assert.equal(first.findings.filter((f) => f.code === 'LAT001').length, 2);
    const added = '\ndef g(h):\n    a = time.time()\n    h()\n    print(time.time() - a)\n';
    const next = BASE + added;
    const second = await client.analyze({
      uri: 'file:///a.py',
      language: 'python',
      edits: [{ rangeOffset: BASE.length, rangeLength: 0, text: added }],
      text: next,
      settings: { rules: { LAT001: 'error' } },
    });
    assert.equal(second.incremental, true);
    assert.deepEqual(second.findings, (await analyzeSource(next, 'python', { rules: { LAT001: 'error' } })).findings);
    assert.equal(second.findings.filter((f) => f.code === 'LAT001' && f.severity === 'error').length, 4);
    // A wrong edit (a lost event) is caught by the text check: the answer is still right.
    const third = await client.analyze({ uri: 'file:///a.py', language: 'python', edits: [{ rangeOffset: 0, rangeLength: 0, text: 'zzz' }], text: BASE, settings: {} });
    assert.deepEqual(third.findings, first.findings);
    assert.ok(logs.some((l) => /advisors worker started/.test(l)));
  } finally {
    client.dispose();
  }
});

test('a worker that dies is restarted on the next request; after three failures in a row the client gives up', async () => {
  const crashing = join(dir, 'crash.js');
  writeFileSync(crashing, 'process.exit(3);\n');
  const logs: string[] = [];
  const client = new AdvisorWorkerClient(crashing, { wasmDir: WASM }, (_l, m) => logs.push(m));
  try {
    for (let i = 1; i <= 3; i++) {
      await assert.rejects(
        client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} }),
        (err: unknown) => err instanceof AdvisorWorkerError && /exited with code 3/.test(err.message) && err.fatal === (i === 3),
      );
    }
    assert.equal(client.isGivenUp, true);
    await assert.rejects(client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} }), /failed 3 times in a row/);
    assert.equal(logs.filter((l) => /advisors worker started/.test(l)).length, 3, 'one start per attempt, none after giving up');
  } finally {
    client.dispose();
  }
});

test('a worker that never answers is ended after the timeout, and the next request gets a fresh one that works', async () => {
  // Hangs the first time it starts (it answers nothing), then behaves as the real worker.
  const flaky = join(dir, 'flaky.js');
  const marker = join(dir, 'started-once');
  writeFileSync(
    flaky,
    `const fs = require('fs');\nif (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); require('worker_threads').parentPort.on('message', () => {}); }\nelse require(${JSON.stringify(distFile('advisorWorker.js'))});\n`,
  );
  const client = new AdvisorWorkerClient(flaky, { wasmDir: WASM }, () => undefined, 1_000);
  try {
    await assert.rejects(client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} }), /took over 1 s/);
    const ok = await client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} });
    assert.equal(ok.findings.filter((f) => f.code === 'LAT001').length, 2);
    assert.equal(ok.incremental, false, 'the fresh worker gets the document in full');
  } finally {
    client.dispose();
  }
});

test('a bad wasm folder is an error answer, not a crash; the worker keeps serving', async () => {
  const client = new AdvisorWorkerClient(distFile('advisorWorker.js'), { wasmDir: join(dir, 'nowhere') }, () => undefined);
  try {
    await assert.rejects(client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} }), (err: unknown) => err instanceof AdvisorWorkerError && !err.fatal);
  } finally {
    client.dispose();
  }
});

test('lists a Python file\'s top-level functions in the worker (the Python-function picker), between analyses of other documents', async () => {
  const client = new AdvisorWorkerClient(distFile('advisorWorker.js'), { wasmDir: WASM }, () => undefined);
  try {
    await client.analyze({ uri: 'file:///a.py', language: 'python', edits: [], text: BASE, settings: {} });
    const functions = await client.functions('import numpy as np\n\ndef setup():\n    return np.ones(4)\n\n@decorate\ndef predict(x):\n    return x @ x\n');
    assert.deepEqual(functions.map((f) => [f.name, f.line, f.parameters]), [['setup', 2, '()'], ['predict', 6, '(x)']]);
    const broken = await client.functions('def broken(:\n    pass\n\ndef fine():\n    return 1\n');
    assert.deepEqual(broken.map((f) => f.name), ['broken', 'fine'], 'a file that does not parse lists what tree-sitter recovers');
  } finally {
    client.dispose();
  }
});
