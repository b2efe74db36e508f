// The history folder on a real filesystem: round trips, files it must skip without failing, a
// crash's leftovers, several processes saving at the same second, and a run of 100,000 samples.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, promises as fsp, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseSavedRun } from '../../src/core/history';
import { HistoryError, HistoryStore } from '../../src/profiler/historyStore';
import { ROOT } from '../support/dist';
import { h200System, makeResult } from '../support/resultFixture';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'latency-history-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh history folder that does not exist yet, as in a new workspace. */
function freshDir(): string {
  return join(root, `ws${folders++}`, '.latency', 'runs');
}

/** Every file in `dir`, parsed; none may fail. */
function parsedFiles(dir: string) {
  return readdirSync(dir).map((name) => {
    const parsed = parseSavedRun(readFileSync(join(dir, name), 'utf8'), name);
    assert.ok(parsed.ok, `${name}: ${JSON.stringify(parsed)}`);
    return parsed.run;
  });
}

describe('HistoryStore', () => {
  test('save, list, read, rename, baseline and delete round trip', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    assert.deepEqual(await store.list(), { runs: [], problems: [] }, 'no folder yet: an empty history');

    const older = makeResult({ startedAt: '2026-11-25T09:00:00.000Z', target: { name: 'lenet5.onnx' } });
    const newer = makeResult({ startedAt: '2026-11-26T10:22:36.000Z', system: h200System() });
    const a = await store.save(older, { label: 'before' });
    const b = await store.save(newer);
    assert.equal(a.id, '20261125-090000-lenet5');
    assert.equal(b.id, '20261126-102236-tiny-transformer');
    assert.deepEqual(readdirSync(dir).sort(), [`${a.id}.json`, `${b.id}.json`], 'no temporary file left behind');

    const listed = await store.list();
    assert.deepEqual(listed.problems, []);
    assert.deepEqual(listed.runs.map((r) => r.id), [b.id, a.id], 'newest first');
    assert.deepEqual((await store.read(a.id)).result, JSON.parse(JSON.stringify(older)));
    assert.equal((await store.read(a.id)).label, 'before');

    assert.equal((await store.rename(b.id, 'after upgrade')).label, 'after upgrade');
    assert.equal((await store.read(b.id)).label, 'after upgrade');
    assert.equal((await store.rename(b.id, '  ')).label, undefined);
    assert.equal((await store.read(b.id)).label, undefined);

    const baselines = async () => (await store.list()).runs.filter((r) => r.baseline).map((r) => r.id);
    assert.equal((await store.setBaseline(a.id))?.baseline, true);
    assert.deepEqual(await baselines(), [a.id]);
    await store.setBaseline(b.id);
    assert.deepEqual(await baselines(), [b.id], 'the old baseline is cleared');
    const c = await store.save(older, { baseline: true });
    assert.equal(c.id, '20261125-090000-lenet5-2', 'same start and model: the next free id');
    assert.equal(c.baseline, true);
    assert.deepEqual(await baselines(), [c.id]);
    assert.equal(await store.setBaseline(null), null);
    assert.deepEqual(await baselines(), []);
    // The rewrites kept what they did not change.
    assert.deepEqual((await store.read(c.id)).result.samplesMs, older.samplesMs);

    assert.equal(await store.delete(a.id), true);
    assert.equal(await store.delete(a.id), false);
    await assert.rejects(store.read(a.id), (e: unknown) => e instanceof HistoryError && e.code === 'not-found');
    await assert.rejects(store.setBaseline(a.id), (e: unknown) => e instanceof HistoryError && e.code === 'not-found');
    assert.deepEqual((await store.list()).runs.map((r) => r.id), [b.id, c.id]);
  });

  test('ids that could reach outside the folder are refused before touching the disk', async () => {
    const store = new HistoryStore(freshDir());
    for (const id of ['../../package', '/etc/passwd', '..', 'a/b', '.hidden']) {
      await assert.rejects(store.read(id), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-id', id);
      await assert.rejects(store.delete(id), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-id', id);
      await assert.rejects(store.rename(id, 'x'), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-id', id);
    }
  });

  test('a truncated file and foreign files are reported and skipped; a crash\'s temporary file is ignored', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    const good = await store.save(makeResult());
    const text = readFileSync(join(dir, `${good.id}.json`), 'utf8');
    writeFileSync(join(dir, '20261126-110000-truncated.json'), text.slice(0, text.length / 3));
    writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    writeFileSync(join(dir, 'bench.json'), JSON.stringify(makeResult()));
    writeFileSync(join(dir, 'v1.json'), text.replace(/"schemaVersion": \d+/, '"schemaVersion": 1'));
    writeFileSync(join(dir, 'empty.json'), '');
    // What a save killed between writing and renaming leaves: a dot-file ending in .tmp.
    writeFileSync(join(dir, `.${good.id}-2.4242.deadbeef.tmp`), text.slice(0, 100));
    writeFileSync(join(dir, 'notes.txt'), 'not JSON, not .json');

    const { runs, problems } = await store.list();
    assert.deepEqual(runs.map((r) => r.id), [good.id]);
    const reasons = Object.fromEntries(problems.map((p) => [p.file.slice(dir.length + 1), p.reason]));
    assert.deepEqual(Object.keys(reasons), ['20261126-110000-truncated.json', 'bench.json', 'empty.json', 'package.json', 'v1.json']);
    assert.match(reasons['20261126-110000-truncated.json']!, /^not JSON: .* at line \d+, column \d+ \(the file ends early/);
    assert.equal(reasons['package.json'], 'not a Latency run file');
    assert.match(reasons['bench.json']!, /a bare benchmark result/);
    assert.match(reasons['v1.json']!, /^saved by an older Latency; results before schema 2 cannot be shown/);
    assert.equal(reasons['empty.json'], 'empty file');
    for (const p of problems) assert.ok(p.file.startsWith(dir), 'full path, so the user can open it');

    // A new save still works beside them, and reading a bad one by id says why.
    assert.equal((await store.save(makeResult())).id, `${good.id}-2`);
    await assert.rejects(store.read('20261126-110000-truncated'), (e: unknown) => e instanceof HistoryError && e.code === 'unreadable' && /not JSON/.test(e.message));
  });

  test('a folder named like a run and an unreadable file are problems, not failures', { skip: process.platform === 'win32' }, async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    await store.save(makeResult());
    const { mkdirSync, chmodSync } = await import('node:fs');
    mkdirSync(join(dir, 'folder.json'));
    writeFileSync(join(dir, 'locked.json'), '{}');
    chmodSync(join(dir, 'locked.json'), 0o000);
    const { runs, problems } = await store.list();
    assert.equal(runs.length, 1);
    const reasons = Object.fromEntries(problems.map((p) => [p.file.slice(dir.length + 1), p.reason]));
    assert.equal(reasons['folder.json'], 'a folder, not a run file');
    // root reads it anyway, and then it is just not a run.
    assert.match(reasons['locked.json']!, /^(cannot read it: permission denied|not a Latency run file)$/);
  });

  test('a save removes temporary files left by a crash long ago, and leaves fresh ones alone', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    await store.save(makeResult({ startedAt: '2026-11-26T10:00:00.000Z' }));
    const stale = join(dir, '.20261126-090000-x.1.aa.tmp');
    const fresh = join(dir, '.20261126-090000-x.2.bb.tmp');
    writeFileSync(stale, '{');
    writeFileSync(fresh, '{');
    const dayAgo = new Date(Date.now() - 24 * 3600 * 1000);
    utimesSync(stale, dayAgo, dayAgo);
    await store.save(makeResult({ startedAt: '2026-11-26T11:00:00.000Z' }));
    const names = readdirSync(dir);
    assert.ok(!names.includes('.20261126-090000-x.1.aa.tmp'), names.join(' '));
    assert.ok(names.includes('.20261126-090000-x.2.bb.tmp'), names.join(' '));
  });

  test('on a filesystem without hard links (FAT, some network mounts) saves still claim distinct ids', async () => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    const link = fsp.link;
    let refused = 0;
    fsp.link = async () => {
      refused++;
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    };
    try {
      const result = makeResult();
      const ids = await Promise.all([store.save(result), store.save(result), store.save(result)]).then((runs) => runs.map((r) => r.id));
      assert.deepEqual(ids.sort(), ['20261126-102236-tiny-transformer', '20261126-102236-tiny-transformer-2', '20261126-102236-tiny-transformer-3']);
      assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.json')), [], 'no temporary file left behind');
      assert.equal(parsedFiles(dir).length, 3);
      assert.ok(refused >= 3, 'the fallback ran');
    } finally {
      fsp.link = link;
    }
  });

  test('8 processes saving the same run at once: every save lands, under distinct ids, and every file parses', async () => {
    const dir = freshDir();
    const children = 8;
    const savesEach = 3;
    const code = `
      const { HistoryStore } = require(${JSON.stringify(join(ROOT, 'src', 'profiler', 'historyStore.ts'))});
      const { makeResult } = require(${JSON.stringify(join(ROOT, 'test', 'support', 'resultFixture.ts'))});
      const store = new HistoryStore(${JSON.stringify(dir)});
      // One start time and model for all: every save contends for the same id.
      const result = makeResult();
      const child = Number(process.argv[1]);
      process.stdout.write('ready\\n');
      process.stdin.once('data', async () => {
        const ids = [];
        for (let j = 0; j < ${savesEach}; j++) ids.push((await store.save(result, { label: 'child ' + child + ' save ' + j })).id);
        process.stdout.write(JSON.stringify(ids) + '\\n');
        process.stdin.destroy();
      });
    `;
    const procs = Array.from({ length: children }, (_, k) =>
      spawn(process.execPath, ['--import', 'tsx', '-e', code, String(k)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    const outputs = procs.map((p) => {
      let out = '';
      let err = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const ready = new Promise<void>((resolve, reject) => {
        const check = () => (out.includes('ready\n') ? resolve() : undefined);
        p.stdout.on('data', check);
        p.once('exit', (c) => reject(new Error(`child exited (${c}) before it was ready: ${err}`)));
      });
      const done = new Promise<string>((resolve, reject) => {
        p.once('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`child exited ${c}: ${err}`))));
      });
      return { ready, done };
    });
    try {
      // All started (tsx compiled, fixture built) before any saves, so the saves really overlap.
      await Promise.all(outputs.map((o) => o.ready));
      for (const p of procs) p.stdin.end('go\n');
      const results = await Promise.all(outputs.map((o) => o.done));
      const ids = results.flatMap((out) => JSON.parse(out.trim().split('\n').pop()!) as string[]);
      assert.equal(ids.length, children * savesEach);
      assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.sort().join(' ')}`);

      const files = readdirSync(dir);
      assert.deepEqual(files.filter((f) => !f.endsWith('.json')), [], 'no temporary file left behind');
      const runs = parsedFiles(dir);
      assert.deepEqual(runs.map((r) => r.id).sort(), [...ids].sort());
      const labels = runs.map((r) => r.label).sort();
      const expected = Array.from({ length: children }, (_, k) => Array.from({ length: savesEach }, (_, j) => `child ${k} save ${j}`)).flat().sort();
      assert.deepEqual(labels, expected, 'no save was lost or overwritten');
      const { problems } = await new HistoryStore(dir).list();
      assert.deepEqual(problems, []);
    } finally {
      for (const p of procs) if (p.exitCode === null) p.kill();
    }
  });

  test('a run of 100,000 samples saves and loads in reasonable time', async (t) => {
    const dir = freshDir();
    const store = new HistoryStore(dir);
    const result = makeResult({ samples: { runs: 100_000 } });

    let t0 = performance.now();
    const run = await store.save(result);
    const saveMs = performance.now() - t0;
    t0 = performance.now();
    const { runs, problems } = await store.list();
    const listMs = performance.now() - t0;
    t0 = performance.now();
    const read = await store.read(run.id);
    const readMs = performance.now() - t0;

    const bytes = readFileSync(join(dir, `${run.id}.json`)).length;
    t.diagnostic(`100,000 samples, ${(bytes / 1024 / 1024).toFixed(2)} MiB: save ${saveMs.toFixed(0)} ms, list ${listMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`);
    assert.deepEqual(problems, []);
    assert.equal(runs.length, 1);
    assert.deepEqual(read.result, JSON.parse(JSON.stringify(result)));
    // Doubles survive JSON exactly.
    assert.ok(read.result.samplesMs.every((x, i) => x === result.samplesMs[i]));
    // Generous: a loaded CI machine, and a debug build of Node, still stay well under these.
    assert.ok(saveMs < 5000, `save took ${saveMs} ms`);
    assert.ok(readMs < 5000, `read took ${readMs} ms`);
  });
});
