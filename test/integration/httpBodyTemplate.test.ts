// Templated request bodies end to end: a real server on 127.0.0.1 records every body it receives,
// and the values in them must vary exactly as the template says (in-process and through the CLI).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeConfig, type ConfigLayer } from '../../src/core/config';
import type { BenchmarkResult } from '../../src/core/result';
import type { HttpSpec } from '../../src/core/target';
import { runHttpBenchmark } from '../../src/profiler/httpBenchmark';
import { distFile } from '../support/dist';
import { startServer, type TestServer } from '../support/httpServers';

const dir = mkdtempSync(join(tmpdir(), 'latency-body-template-'));

interface Recording {
  server: TestServer;
  /** Every body received, in arrival order, with its content-length header. */
  bodies: Array<{ body: string; length: string | undefined }>;
}

/** Answers {"ok":true} after `ms`, recording every body (httpServers' `received` keeps only 50). */
async function recordingServer(ms = 1): Promise<Recording> {
  const bodies: Recording['bodies'] = [];
  const server = await startServer((_n, req, res, body) => {
    bodies.push({ body, length: req.headers['content-length'] });
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
      res.end('{"ok":true}');
    }, ms);
  });
  return { server, bodies };
}

function run(spec: Omit<HttpSpec, 'kind'>, layer: ConfigLayer): Promise<BenchmarkResult> {
  return runHttpBenchmark({ spec: { kind: 'http', ...spec }, config: mergeConfig(layer) }, { isCancelled: () => false });
}

// Lines a JSON string would need escaped: quotes, backslashes, a tab, non-ASCII.
const LINES = ['plain words', 'say "hi"', 'back\\slash\tand tab', 'ünïcode ✓ 日本'];
const linesFile = join(dir, 'texts.txt');
writeFileSync(linesFile, `${LINES.join('\n')}\n`);

const TEMPLATE = '{"id": {{i}}, "text": {{json line}}, "token": {{random_int 0 999}}, "request": "{{uuid}}"}';

interface Body {
  id: number;
  text: string;
  token: number;
  request: string;
}

async function templatedRun(seed: number, concurrency: number): Promise<{ result: BenchmarkResult; bodies: Body[] }> {
  const rec = await recordingServer();
  try {
    const result = await run({ url: `${rec.server.url}predict`, body: TEMPLATE, bodyTemplate: true, bodyLinesFile: linesFile, bodySeed: seed, concurrency }, { iterations: 40, warmup: 7 });
    for (const { body, length } of rec.bodies) assert.equal(Number(length), Buffer.byteLength(body), `content-length of ${body}`);
    return { result, bodies: rec.bodies.map(({ body }) => JSON.parse(body) as Body) }; // every body valid JSON
  } finally {
    await rec.server.close();
  }
}

test('a template at concurrency 4: indices 0..n-1 each once, lines cycle by index, valid JSON, the target records it', async () => {
  const { result, bodies } = await templatedRun(11, 4);
  assert.equal(result.samplesMs.length, 40);
  assert.equal(bodies.length, 1 + 7 + 40, 'cold start, warm-up and measured requests');
  assert.deepEqual(bodies.map((b) => b.id).sort((a, b) => a - b), Array.from({ length: 48 }, (_, k) => k));
  for (const b of bodies) {
    assert.equal(b.text, LINES[b.id % LINES.length]);
    assert.ok(Number.isInteger(b.token) && b.token >= 0 && b.token <= 999);
  }
  assert.equal(new Set(bodies.map((b) => b.request)).size, 48, 'a fresh uuid per request');
  assert.ok(new Set(bodies.map((b) => b.token)).size > 20, 'random ids vary');
  assert.equal(result.target.kind, 'http');
  if (result.target.kind !== 'http') return;
  assert.equal(result.target.method, 'POST');
  assert.deepEqual(result.target.bodyTemplate, { variables: ['i', 'line', 'random_int', 'uuid'], seed: 11, linesFile, lines: 4 });
});

test('the random values are reproducible: the same seed sends the same bodies (at any concurrency), another seed others', async () => {
  const byId = (bodies: Body[]) => new Map(bodies.map((b) => [b.id, `${b.token} ${b.request}`]));
  const [a, again, other] = [await templatedRun(5, 1), await templatedRun(5, 3), await templatedRun(6, 1)];
  assert.deepEqual(byId(again.bodies), byId(a.bodies));
  const differ = [...byId(other.bodies)].filter(([id, v]) => byId(a.bodies).get(id) !== v).length;
  assert.equal(differ, 48);
});

test('bench URL --body-lines alone replays a JSON Lines file, one line a request; --body-template with a bad variable exits 1 naming where', async () => {
  const jsonl = join(dir, 'inputs.jsonl');
  writeFileSync(jsonl, '{"x": [1]}\n{"x": [2]}\n{"x": [3]}\n');
  const rec = await recordingServer();
  try {
    const r = await cliAsync(['bench', `${rec.server.url}predict`, '--body-lines', jsonl, '--concurrency', '2', '-n', '12', '-w', '2', '--json', '-']);
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout) as BenchmarkResult;
    assert.equal(json.samplesMs.length, 12);
    assert.ok(json.target.kind === 'http' && json.target.bodyTemplate?.lines === 3 && json.target.bodyTemplate.linesFile === jsonl, JSON.stringify(json.target));
    const xs = rec.bodies.map(({ body }) => (JSON.parse(body) as { x: number[] }).x[0]!);
    assert.equal(xs.length, 15);
    assert.deepEqual([1, 2, 3].map((x) => xs.filter((v) => v === x).length), [5, 5, 5]);

    const template = join(dir, 'bad.json');
    writeFileSync(template, '{\n  "id": {{index}}\n}\n');
    const bad = await cliAsync(['bench', `${rec.server.url}predict`, '--body-template', template, '-n', '3']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /body template, line 2, column 9: unknown variable "index"/);
  } finally {
    await rec.server.close();
  }
});

function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [distFile('cli.js'), ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
