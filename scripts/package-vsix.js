#!/usr/bin/env node
// Builds a VSIX for one platform: onnxruntime-node ships native binaries for every platform
// (~288 MB), so each VSIX carries only its own (~45 MB for linux-x64).
//   node scripts/package-vsix.js [--target linux-x64] [--out DIR]

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

const target = arg('--target', `${process.platform}-${process.arch}`);
const outDir = path.resolve(arg('--out', ROOT));
const [platform, arch] = target.split('-');
const binDir = path.join(ORT_BIN, platform ?? '', arch ?? '');
if (!fs.existsSync(path.join(ROOT, binDir))) {
  const available = fs.readdirSync(path.join(ROOT, ORT_BIN)).flatMap((p) => fs.readdirSync(path.join(ROOT, ORT_BIN, p)).map((a) => `${p}-${a}`));
  console.error(`onnxruntime-node has no binaries for ${target}; available: ${available.join(', ')}`);
  process.exit(2);
}

// An allowlist: only what the extension loads at run time travels in the VSIX.
const allow = [
  'package.json',
  'README.md',
  'LICENSE',
  'docs/*.png',
  'dist/extension.js',
  'dist/profiler.js',
  'dist/webview.js',
  'dist/advisorWorker.js',
  'python/latency_harness.py',
  'dist/wasm/*.wasm',
  'docs/rules/*.md',
  'media/**',
  'schemas/**',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist/**/*.js',
  `${binDir}/**`,
  'node_modules/onnxruntime-common/package.json',
  'node_modules/onnxruntime-common/dist/cjs/**/*.js',
  // Marks the folder CommonJS; the package root says "type": "module".
  'node_modules/onnxruntime-common/dist/cjs/package.json',
];
const ignoreDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latency-vsix-'));
const ignoreFile = path.join(ignoreDir, '.vscodeignore');
process.on('exit', () => fs.rmSync(ignoreDir, { recursive: true, force: true }));
fs.writeFileSync(ignoreFile, ['**', ...allow.map((p) => `!${p}`)].join('\n') + '\n');

const version = require(path.join(ROOT, 'package.json')).version;
const out = path.join(outDir, `latency-${target}-${version}.vsix`);
execFileSync(
  process.execPath,
  [require.resolve('@vscode/vsce/vsce'), 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository',
    // The README's images are shipped in the VSIX (docs/*.png), so relative links stay valid.
    '--no-rewrite-relative-links'],
  { cwd: ROOT, stdio: 'inherit' },
);
console.log(`\n${out} (${(fs.statSync(out).size / 1048576).toFixed(1)} MiB)`);
