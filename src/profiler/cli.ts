// `latency` — the headless CLI. It runs the very same benchmark code as the extension's profiler
// process, in-process, and prints the same figures the panel shows.

import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { ConfigError, mergeConfig, withBaseDir, type BenchmarkConfig, type ConfigLayer } from '../core/config';
import { WORKSPACE_CONFIG_PATH, parseWorkspaceConfigText } from '../core/configFile';
import { exportDocument } from '../core/exportReport';
import { formatMs } from '../core/format';
import { renderTextReport } from '../core/report';
import { median } from '../core/stats';
import { BenchmarkError } from './benchmarkError';
import { USAGE, UsageError, parseCli, type BenchArgs, type SystemArgs } from './cliArgs';
import { takePreflight } from './preflight';
import { buildTuneScripts } from '../core/tuneScript';
import { renderSystemReport } from '../core/report';
import { runOnnxBenchmark } from './onnxBenchmark';
import { LINT_EXIT, runLint } from './lint';
import { LINT_USAGE } from './lintArgs';
import { runCompare } from './compare';
import { COMPARE_USAGE } from './compareArgs';
import { runAb } from './ab';
import { AB_USAGE, type AbArgs } from './abArgs';
import pkg from '../../package.json';

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      const usage = argv[0] === 'lint' ? LINT_USAGE : argv[0] === 'compare' ? COMPARE_USAGE : argv[0] === 'ab' ? AB_USAGE : USAGE;
      process.stderr.write(`latency: ${err.message}\n\n${usage}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (args.command === 'version') {
    process.stdout.write(`latency ${pkg.version}\n`);
    return EXIT.ok;
  }
  if (args.command === 'lint-help') {
    process.stdout.write(`${LINT_USAGE}\n`);
    return EXIT.ok;
  }
  if (args.command === 'lint') {
    try {
      return await runLint(args, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), cwd: process.cwd() });
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`latency: ${err.message}\n`);
        return LINT_EXIT.usage;
      }
      throw err;
    }
  }
  if (args.command === 'compare-help') {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    return EXIT.ok;
  }
  if (args.command === 'compare') return runCompare(args, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
  if (args.command === 'ab-help') {
    process.stdout.write(`${AB_USAGE}\n`);
    return EXIT.ok;
  }
  if (args.command === 'ab') return ab(args);
  if (args.command === 'system') return system(args);
  return bench(args);
}

/** Reads the machine; with --scripts, writes the tuning and restore scripts for review (never runs them). */
async function system(args: SystemArgs): Promise<number> {
  const snapshot = await takePreflight();
  if (args.json) process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  else process.stdout.write(`${renderSystemReport(snapshot)}\n`);
  if (args.scriptsDir !== undefined) {
    const scripts = buildTuneScripts(snapshot, args.cpus ? { cpus: args.cpus } : {});
    await fs.mkdir(args.scriptsDir, { recursive: true });
    const tune = path.join(args.scriptsDir, 'latency-tune.sh');
    const restore = path.join(args.scriptsDir, 'latency-restore.sh');
    await writeAtomically(tune, scripts.tune);
    await writeAtomically(restore, scripts.restore);
    await Promise.all([fs.chmod(tune, 0o755), fs.chmod(restore, 0o755)]);
    for (const note of scripts.notes) process.stderr.write(`note: ${note}\n`);
    process.stderr.write(`wrote ${tune} and ${restore}: review them, then run with bash -x (they use sudo where needed)\n`);
  }
  return EXIT.ok;
}

async function bench(args: BenchArgs): Promise<number> {
  const config = await configOrReport(args);
  if (!config) return EXIT.usage;
  const interrupt = onInterrupt('finishing with the runs done so far');
  const showProgress = !args.quiet && process.stderr.isTTY;
  // The running p50 is the CLI's own concern: the runner only streams the samples.
  const measured: number[] = [];
  // Whatever goes to stdout as a document moves the text report to stderr.
  const documentToStdout = [args.jsonPath, args.markdownPath, args.csvPath].includes('-');

  let repeatText = '';

  try {
    const result = await runOnnxBenchmark(
      { modelPath: args.modelPath, config, ...(args.repeat !== undefined ? { repeat: args.repeat } : {}) },
      {
        isCancelled: () => interrupt.cancelled,
        onRepeat: (i, of) => {
          repeatText = `repeat ${i}/${of} · `;
        },
        onProgress: (p) => {
          if (!showProgress) return;
          if (p.phase === 'measure') measured.push(...p.newSamplesMs);
          const p50 = measured.length ? ` · p50 ${formatMs(median(measured))}` : '';
          process.stderr.write(`\r\x1b[K${repeatText}${p.phase === 'warmup' ? 'warm-up' : 'measuring'} ${p.done}/${p.total}${p50}`);
        },
      },
    );
    if (showProgress) process.stderr.write('\r\x1b[K');
    const report = renderTextReport(result);
    (documentToStdout ? process.stderr : process.stdout).write(`${report}\n`);
    const documents = [
      { target: args.jsonPath, text: () => exportDocument('json', result).text },
      { target: args.markdownPath, text: () => exportDocument('markdown', result).text },
      { target: args.csvPath, text: () => exportDocument('csv', result).text },
    ];
    for (const d of documents) {
      if (d.target === '-') process.stdout.write(d.text());
      else if (d.target !== undefined) await writeAtomically(d.target, d.text());
    }
    return result.partial ? EXIT.interrupted : EXIT.ok;
  } catch (err) {
    if (showProgress) process.stderr.write('\r\x1b[K');
    if (err instanceof BenchmarkError) {
      process.stderr.write(`latency: ${err.message}\n`);
      if (err.data.hint) process.stderr.write(`hint: ${err.data.hint}\n`);
      return EXIT.failed;
    }
    throw err;
  }
}

async function ab(args: AbArgs): Promise<number> {
  // Per-model config sections are read for the base: its inputs are the ones planned and fed to both.
  const config = await configOrReport({ ...args, modelPath: args.basePath });
  if (!config) return EXIT.usage;
  const interrupt = onInterrupt('comparing the runs done so far');
  return runAb(args, config, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    writeFile: writeAtomically,
    progress: !args.quiet && process.stderr.isTTY,
    isCancelled: () => interrupt.cancelled,
  });
}

/** The resolved config, or undefined after saying what is wrong with it. */
async function configOrReport(args: Parameters<typeof resolveConfig>[0]): Promise<BenchmarkConfig | undefined> {
  try {
    return await resolveConfig(args);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`latency: invalid configuration\n${err.message}\n`);
    return undefined;
  }
}

/** The first Ctrl-C asks the run to stop and keep what it has; a second one quits at once. */
function onInterrupt(then: string): { readonly cancelled: boolean } {
  const state = { cancelled: false };
  process.on('SIGINT', () => {
    if (state.cancelled) process.exit(EXIT.interrupted);
    state.cancelled = true;
    process.stderr.write(`\ninterrupted: ${then} (Ctrl-C again to quit now)\n`);
  });
  return state;
}

async function resolveConfig(args: Pick<BenchArgs, 'configPath' | 'modelPath' | 'layer'>): Promise<BenchmarkConfig> {
  const layers: ConfigLayer[] = [];
  const configPath = args.configPath ?? (existsSync(WORKSPACE_CONFIG_PATH) ? WORKSPACE_CONFIG_PATH : undefined);
  if (configPath !== undefined) {
    let text: string;
    try {
      text = await fs.readFile(configPath, 'utf8');
    } catch (err) {
      throw new ConfigError([{ source: configPath, path: [], message: `cannot read: ${(err as Error).message}` }]);
    }
    // Per-model sections are keyed relative to the workspace folder that holds .vscode/.
    const configDir = path.dirname(path.resolve(configPath));
    const root = path.basename(configDir) === '.vscode' ? path.dirname(configDir) : configDir;
    const rel = path.relative(root, path.resolve(args.modelPath)).split(path.sep).join('/');
    const parsed = parseWorkspaceConfigText(text, configPath, rel);
    if (parsed.issues.length) throw new ConfigError(parsed.issues);
    // Tensor-file paths in it are relative to the same folder, as the extension reads them.
    layers.push(...parsed.layers.map((l) => withBaseDir(l, root)));
  }
  return mergeConfig(...layers, args.layer);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`latency: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
