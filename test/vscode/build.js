// Bundles the in-host test suite (test/vscode/suite/*.ts) into out/vscode-suite/, one file per
// entry: index.js (what extensionTestsPath points at) and each *.test.js, which index.js hands
// to mocha. `vscode` is the extension host's own module; mocha is required from the project's
// node_modules (out/ sits in the project, so Node's resolution finds it).
//
//   node test/vscode/build.js     # prints the path of index.js
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const SUITE = path.join(__dirname, 'suite');
const OUT = path.join(ROOT, 'out', 'vscode-suite');

async function build() {
  const entryPoints = fs
    .readdirSync(SUITE)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(SUITE, f));
  fs.rmSync(OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    // Same resolution as esbuild.js (jsonc-parser's UMD entry hides its requires).
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  return path.join(OUT, 'index.js');
}

module.exports = { build, OUT };

if (require.main === module) {
  build().then(
    (index) => console.log(index),
    (err) => {
      console.error(err.message ?? err);
      process.exit(1);
    },
  );
}
