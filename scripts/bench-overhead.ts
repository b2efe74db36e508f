// npm run bench:overhead — does the profiler add measurable time? On the bundled example and on a
// sub-millisecond model, alternate rounds of (a) the real profiler process and (b) a bare
// onnxruntime-node loop, same session options and inputs, and compare pooled p50s.
// Also: the extension's activation cost (against a stand-in `vscode` module: a real VS Code
// cannot be downloaded here) and the bundle sizes.

import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Module from 'node:module';
import { join } from 'node:path';
import { build, buildSync } from 'esbuild';
import { mergeConfig } from '../src/core/config';
import { formatBytes, formatMs } from '../src/core/format';
import { percentile } from '../src/core/stats';
import { runInProfiler } from '../src/profiler/client';

const ROOT = join(__dirname, '..');
// Each side runs in a fresh process per round; process-to-process variation (memory layout,
// scheduling) is larger than the effect sought, so many short rounds beat a few long ones.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 16);
const PER_ROUND = Number(process.env.BENCH_ITERATIONS ?? 300);

const models = [
  { label: 'tiny-transformer (bundled example, seq 32)', path: join(ROOT, 'examples', 'tiny-transformer.onnx') },
  { label: 'lenet5 (< 1 ms)', path: join(ROOT, 'examples', 'lenet5.onnx') },
];

const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);

async function profilerRound(modelPath: string) {
  const config = mergeConfig({ iterations: PER_ROUND, warmup: 50, session: { intraOpNumThreads: 1 } });
  const outcome = await runInProfiler({ profilerScript: join(ROOT, 'dist', 'profiler.js'), modelPath, config });
  if (outcome.status !== 'completed') throw new Error(`profiler run failed: ${JSON.stringify(outcome).slice(0, 300)}`);
  return outcome.result;
}

/** The bare loop is bundled like the profiler, so both sides are plain `node file.js` processes. */
const bareScript = join(mkdtempSync(join(tmpdir(), 'latency-bench-')), 'bareLoop.js');
buildSync({ entryPoints: [join(__dirname, 'bench', 'bareLoop.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node'], nodePaths: [join(ROOT, 'node_modules')], outfile: bareScript, logLevel: 'warning' });

function bareRound(modelPath: string, session: object, inputs: object): Promise<number[]> {
  const job = JSON.stringify({ modelPath, session, inputs, warmup: 50, iterations: PER_ROUND });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bareScript, job], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`bare loop exited with ${code}`))));
  });
}

async function overhead(): Promise<void> {
  console.log(`Profiler overhead: ${ROUNDS} alternating rounds × ${PER_ROUND} runs each side, intraOpNumThreads 1\n`);
  for (const model of models) {
    const prof: number[] = [];
    const bare: number[] = [];
    const roundRatios: number[] = [];
    // One untimed profiler run gives the exact session options and input plans the bare loop reuses.
    const { config } = await profilerRound(model.path);
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which side goes first so slow drift of the machine cancels out.
      let rp: number[] = [];
      let rb: number[] = [];
      const runBare = async () => {
        rb = await bareRound(model.path, config.session, config.inputs);
      };
      if (r % 2 === 1) await runBare();
      rp = (await profilerRound(model.path)).samplesMs;
      if (r % 2 === 0) await runBare();
      prof.push(...rp);
      bare.push(...rb);
      roundRatios.push(p50(rp) / p50(rb));
    }
    const ratio = p50(prof) / p50(bare);
    const sortedRatios = [...roundRatios].sort((a, b) => a - b);
    const geoMean = Math.exp(roundRatios.reduce((a, r) => a + Math.log(r), 0) / roundRatios.length);
    console.log(`${model.label}`);
    console.log(`  profiler p50 ${formatMs(p50(prof))}   bare loop p50 ${formatMs(p50(bare))}   (n = ${prof.length} each)`);
    console.log(`  ratio of pooled p50s, profiler/bare: ${ratio.toFixed(3)}   goal ≤ 1.02: ${ratio <= 1.02 ? 'met' : 'NOT met'}`);
    console.log(`  per-round ratios: median ${percentile(sortedRatios, 0.5).toFixed(3)}, geometric mean ${geoMean.toFixed(3)}, range ${sortedRatios[0]?.toFixed(3)}–${sortedRatios.at(-1)?.toFixed(3)}\n`);
  }
}

/** Loads dist/extension.js against a minimal stand-in for the `vscode` module and times activate(). */
function activation(): void {
  const disposable = { dispose() {} };
  const stub: Record<string, unknown> = {
    window: {
      createOutputChannel: () => ({ info() {}, warn() {}, error() {}, trace() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
      registerWebviewPanelSerializer: () => disposable,
    },
    commands: { registerCommand: () => disposable },
    workspace: {},
    EventEmitter: class {
      event = () => disposable;
      fire() {}
      dispose() {}
    },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    Uri: { joinPath: () => ({}) },
  };
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: unknown })._load = (req: string, ...rest: unknown[]) => (req === 'vscode' ? stub : load(req, ...rest));
  const t0 = process.hrtime.bigint();
  const ext = require(join(ROOT, 'dist', 'extension.js')) as { activate(ctx: unknown): unknown };
  const t1 = process.hrtime.bigint();
  ext.activate({ subscriptions: [], extensionUri: {}, extensionMode: 1, workspaceState: {} });
  const t2 = process.hrtime.bigint();
  const ortLoaded = Object.keys(require.cache).some((k) => k.includes('onnxruntime'));
  console.log('Extension activation (stand-in vscode module; a real host comes with the extension-host suite)');
  console.log(`  load bundle ${formatMs(Number(t1 - t0) / 1e6)}, activate() ${formatMs(Number(t2 - t1) / 1e6)}; onnxruntime loaded: ${ortLoaded ? 'YES (regression)' : 'no'}\n`);
  if (ortLoaded) process.exitCode = 1;
}

/** Sizes as shipped: the same esbuild configurations, minified, without source maps. */
async function bundles(): Promise<void> {
  const { builds } = require(join(ROOT, 'esbuild.js')) as { builds: Array<Record<string, unknown> & { outfile: string }> };
  console.log('Bundle sizes (minified, as in the VSIX)');
  for (const b of builds) {
    const out = await build({ ...b, minify: true, sourcemap: false, write: false, logLevel: 'silent' });
    const size = out.outputFiles?.[0]?.contents.byteLength ?? 0;
    console.log(`  ${b.outfile.padEnd(18)} ${formatBytes(size)}`);
  }
}

async function main(): Promise<void> {
  activation();
  await bundles();
  console.log('');
  await overhead();
}

void main();
