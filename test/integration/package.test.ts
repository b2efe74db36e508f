// The per-platform VSIX: it carries exactly what the extension loads, only this platform's
// onnxruntime binaries, and the profiler inside it really runs a model.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mergeConfig } from '../../src/core/config';
import { runInProfiler } from '../../src/profiler/client';
import { ROOT } from '../support/dist';

let dir: string;
let files: string[];
const target = `${process.platform}-${process.arch}`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'latency-vsix-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'package-vsix.js'), '--target', target, '--out', dir], { cwd: ROOT, stdio: 'pipe' });
  const vsix = readdirSync(dir).find((f) => f.endsWith('.vsix'));
  assert.ok(vsix, 'a .vsix was written');
  execFileSync('unzip', ['-q', join(dir, vsix), '-d', join(dir, 'x')]);
  files = execFileSync('find', ['.', '-type', 'f'], { cwd: join(dir, 'x', 'extension'), encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.slice(2));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the VSIX holds the bundles, media, schema and only this platform\'s onnxruntime', () => {
  for (const f of ['package.json', 'readme.md', 'LICENSE.txt', 'dist/extension.js', 'dist/profiler.js', 'dist/webview.js', 'dist/advisorWorker.js', 'dist/wasm/tree-sitter.wasm', 'dist/wasm/tree-sitter-python.wasm', 'docs/rules/LAT001.md', 'media/panel.css', 'schemas/latency.schema.json', 'python/latency_harness.py']) {
    assert.ok(files.includes(f), `${f} missing from the VSIX`);
  }
  const [platform, arch] = target.split('-');
  const binaries = files.filter((f) => f.includes('onnxruntime-node/bin/'));
  assert.ok(binaries.some((f) => f.endsWith('onnxruntime_binding.node')));
  assert.ok(binaries.every((f) => f.includes(`/${platform}/${arch}/`)), binaries.join('\n'));
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.map') || f.includes('node_modules/chart.js')), 'no sources, maps or bundled-in dependencies');
});

test('the packaged profiler runs a model with the packaged onnxruntime', async () => {
  const outcome = await runInProfiler({
    profilerScript: join(dir, 'x', 'extension', 'dist', 'profiler.js'),
    modelPath: join(ROOT, 'examples', 'lenet5.onnx'),
    config: mergeConfig({ iterations: 20, warmup: 2 }),
  });
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome).slice(0, 400));
  assert.equal(outcome.result?.summary?.n, 20);
});
