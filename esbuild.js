// One build for the three runtimes (see GUIDE §1): the extension host, the profiler/CLI
// (plain Node, never `vscode`), and the webview (browser, no Node APIs).
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // onnxruntime-node is a native addon shipped per platform; it is loaded from node_modules at run time.
  external: ['vscode', 'onnxruntime-node'],
  // jsonc-parser's UMD entry hides its requires from the bundler; its ESM entry bundles cleanly.
  mainFields: ['module', 'main'],
};

/** Fails the build when the profiler side pulls in `vscode`: it runs outside the extension host. */
const forbidVscode = {
  name: 'forbid-vscode',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => ({
      errors: [{ text: `the profiler bundle must not import "vscode" (imported from ${args.importer})` }],
    }));
  },
};

const builds = [
  { ...nodeCommon, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...nodeCommon, entryPoints: ['src/profiler/main.ts'], outfile: 'dist/profiler.js', plugins: [forbidVscode] },
  // The advisors' worker thread: parsing and rules, off the extension host's thread.
  { ...nodeCommon, entryPoints: ['src/host/advisors/analysisWorker.ts'], outfile: 'dist/advisorWorker.js', plugins: [forbidVscode] },
  {
    ...nodeCommon,
    entryPoints: ['src/profiler/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [forbidVscode],
  },
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    plugins: [forbidVscode],
  },
];

// The advisors' parser (web-tree-sitter) loads its runtime and grammars as files at run time.
const WASM_FILES = ['tree-sitter.wasm', 'tree-sitter-python.wasm', 'tree-sitter-typescript.wasm', 'tree-sitter-tsx.wasm', 'tree-sitter-javascript.wasm'];

function copyWasm() {
  const from = path.dirname(require.resolve('@vscode/tree-sitter-wasm'));
  const to = path.join(__dirname, 'dist/wasm');
  fs.mkdirSync(to, { recursive: true });
  for (const f of WASM_FILES) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

async function main() {
  copyWasm();
  if (watch) {
    const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[esbuild] watching');
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
  fs.chmodSync(path.join(__dirname, 'dist/cli.js'), 0o755);
}

module.exports = { builds, WASM_FILES };

if (require.main === module) {
  main().catch((err) => {
    console.error(err.message ?? err);
    process.exit(1);
  });
}
