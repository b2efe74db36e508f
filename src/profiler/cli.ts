// `latency` — the headless CLI. It runs the very same benchmark code as the extension's profiler
// process, in-process, and prints the same figures the panel shows.

import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { ConfigError, mergeConfig, withBaseDir, type BenchmarkConfig, type ConfigLayer } from '../core/config';
import { parse as parseJsonc } from 'jsonc-parser';
import { WORKSPACE_CONFIG_PATH, parseWorkspaceConfigText } from '../core/configFile';
import { COMMAND_DEFAULT_COUNTS, OPENAI_DEFAULT_COUNTS, SWEEP_DEFAULT_COUNTS, type TargetSpec } from '../core/target';
import { parseTargets } from '../core/targetsConfig';
import { exportDocument } from '../core/exportReport';
import { formatMs } from '../core/format';
import { renderTextReport } from '../core/report';
import { LatencyHistogram } from '../core/histogram';
import { BenchmarkError } from './benchmarkError';
import { USAGE, UsageError, parseCli, type BenchArgs, type DoctorArgs, type SystemArgs } from './cliArgs';
import { takePreflight } from './preflight';
import { buildTuneScripts } from '../core/tuneScript';
import { renderSystemReport } from '../core/report';
import { runTarget } from './runTarget';
import { runDoctor } from './doctor';
import { doctorPassed, renderDoctorReport } from '../core/doctorReport';
import { LINT_EXIT, runLint } from './lint';
import { LINT_USAGE } from './lintArgs';
import { runCompare } from './compare';
import { COMPARE_USAGE } from './compareArgs';
import { runAb } from './ab';
import { AB_USAGE, type AbArgs } from './abArgs';
import { LOCUST_USAGE } from './locustArgs';
import { runLocustCli } from './locustCli';
import pkg from '../../package.json';

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      const usage = argv[0] === 'lint' ? LINT_USAGE : argv[0] === 'compare' ? COMPARE_USAGE : argv[0] === 'ab' ? AB_USAGE : argv[0] === 'locust' ? LOCUST_USAGE : USAGE;
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
  if (args.command === 'locust-help') {
    process.stdout.write(`${LOCUST_USAGE}\n`);
    return EXIT.ok;
  }
  if (args.command === 'locust') {
    const interrupt = args.action === 'run' ? onInterrupt('stopping Locust and keeping the requests recorded so far') : { cancelled: false };
    return runLocustCli(args, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), writeFile: writeAtomically, isCancelled: () => interrupt.cancelled, progress: process.stderr.isTTY });
  }
  if (args.command === 'system') return system(args);
  if (args.command === 'doctor') return doctor(args);
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

/** Checks a Python interpreter for the Python-function target; exit 1 when a check fails. */
async function doctor(args: DoctorArgs): Promise<number> {
  const report = await runDoctor(args.interpreter ?? 'python3', args.cuda);
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderDoctorReport(report)}\n`);
  const failed = [report.python, report.cuda].filter((c) => c && !c.ok) as Array<{ details?: string }>;
  if (!args.json) for (const f of failed) if (f.details) process.stderr.write(`${f.details.trimEnd()}\n`);
  return doctorPassed(report) ? EXIT.ok : EXIT.failed;
}

async function bench(args: BenchArgs): Promise<number> {
  const resolved = await benchOrReport(args);
  if (!resolved) return EXIT.usage;
  const { config, target } = resolved;
  const interrupt = onInterrupt('finishing with the runs done so far');
  const showProgress = !args.quiet && process.stderr.isTTY;
  // The running p50 is the CLI's own concern: the runner only streams the samples.
  // Bucketed, not kept: a long run streams millions of samples (histogram.ts bounds the error).
  let measured = new LatencyHistogram();
  // Whatever goes to stdout as a document moves the text report to stderr.
  const documentToStdout = [args.jsonPath, args.markdownPath, args.csvPath].includes('-');

  let repeatText = '';
  let lastDone = 0;

  try {
    const result = await runTarget(
      { target, config, ...(args.repeat !== undefined ? { repeat: args.repeat } : {}) },
      {
        isCancelled: () => interrupt.cancelled,
        onRepeat: (i, of) => {
          repeatText = `repeat ${i}/${of} · `;
        },
        onProgress: (p) => {
          if (!showProgress) return;
          // A sweep runs one session per level: its running p50 starts again with each level.
          if (p.phase === 'warmup' || p.done < lastDone) measured = new LatencyHistogram();
          lastDone = p.phase === 'measure' ? p.done : 0;
          if (p.phase === 'measure') measured.recordAll(p.newSamplesMs);
          const p50 = measured.count ? ` · p50 ${formatMs(measured.quantile(0.5))}` : '';
          const level = p.level ? `level ${p.level.index}/${p.level.of} (${p.level.concurrency} in flight) · ` : '';
          process.stderr.write(`\r\x1b[K${repeatText}${level}${p.phase === 'warmup' ? 'warm-up' : 'measuring'} ${p.done}/${p.total}${p50}`);
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
      if (err.data.details) process.stderr.write(`${err.data.details.trimEnd()}\n`);
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

/** The target to run and its config, or undefined after saying what is wrong (a bad config, an unknown target name). */
async function benchOrReport(args: BenchArgs): Promise<{ config: BenchmarkConfig; target: TargetSpec } | undefined> {
  try {
    return await resolveBench(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`latency: invalid configuration\n${err.message}\n`);
      return undefined;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`latency: ${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

/**
 * The command line's target made concrete: paths absolute, a named target looked up in the
 * workspace file (its paths relative to the folder that holds .vscode/), and counts layered as
 * defaults < command defaults < the file < the named target's own < flags.
 */
async function resolveBench(args: BenchArgs): Promise<{ config: BenchmarkConfig; target: TargetSpec }> {
  const t = args.target;
  const file = await readWorkspaceFile(args.configPath);
  const root = file?.root ?? process.cwd();
  let spec: TargetSpec;
  const targetLayer: ConfigLayer = {};
  if (t.kind === 'named') {
    if (!file) throw new UsageError(`--target ${t.name}: no ${WORKSPACE_CONFIG_PATH} here (or --config FILE) to name targets in`);
    const parsed = parseTargets(file.raw, file.source);
    const named = parsed.targets.find((x) => x.name === t.name);
    if (!named) {
      const known = parsed.targets.map((x) => x.name);
      throw new UsageError(`--target ${t.name}: ${file.source} has no target of that name${known.length ? ` (it has ${known.join(', ')})` : ' (its "targets" section is empty or missing)'}`);
    }
    if (named.iterations !== undefined) targetLayer.iterations = named.iterations;
    if (named.warmup !== undefined) targetLayer.warmup = named.warmup;
    const s = named.spec;
    if (s.kind === 'python') spec = { ...s, file: path.resolve(root, s.file), cwd: path.resolve(root, s.cwd ?? '.'), interpreter: t.interpreter ?? s.interpreter ?? 'python3' };
    else if (s.kind === 'http') {
      const { bodyFile, ...rest } = s;
      spec = { ...rest, ...(bodyFile !== undefined ? { body: await readBody(path.resolve(root, bodyFile), `targets.${t.name}.bodyFile`) } : {}) };
      if (spec.bodyLinesFile !== undefined) spec.bodyLinesFile = path.resolve(root, spec.bodyLinesFile);
    } else if (s.kind === 'openai') spec = { ...s, promptsFile: path.resolve(root, s.promptsFile) };
    else spec = { ...s, cwd: path.resolve(root, s.cwd ?? '.') };
  } else if (t.kind === 'python') {
    spec = {
      kind: 'python',
      file: path.resolve(t.file),
      function: t.function,
      ...(t.scriptForm ? { scriptForm: true } : {}),
      ...(t.setup !== undefined ? { setup: t.setup } : {}),
      interpreter: t.interpreter ?? 'python3',
      cwd: process.cwd(),
      ...(t.callTimeoutSeconds !== undefined ? { callTimeoutSeconds: t.callTimeoutSeconds } : {}),
    };
  } else if (t.kind === 'command') {
    spec = { ...t, cwd: process.cwd() };
  } else if (t.kind === 'openai') {
    spec = { ...t, promptsFile: path.resolve(t.promptsFile) };
  } else if (t.kind === 'http') {
    const { bodyFile, ...rest } = t;
    spec = { ...rest, ...(bodyFile !== undefined ? { body: await readBody(bodyFile, rest.bodyTemplate ? '--body-template' : '--body-file') } : {}) };
    if (spec.bodyLinesFile !== undefined) spec.bodyLinesFile = path.resolve(spec.bodyLinesFile);
  } else {
    spec = { kind: 'onnx', modelPath: t.modelPath };
  }
  const defaults: ConfigLayer = spec.kind === 'command' ? { ...COMMAND_DEFAULT_COUNTS } : spec.kind === 'openai' ? { ...OPENAI_DEFAULT_COUNTS } : spec.kind === 'http' && spec.sweep ? { ...SWEEP_DEFAULT_COUNTS } : {};
  const fileLayers = file ? file.layers(spec.kind === 'onnx' ? path.relative(root, path.resolve(spec.modelPath)).split(path.sep).join('/') : undefined) : [];
  return { config: mergeConfig(defaults, ...fileLayers, targetLayer, args.layer), target: spec };
}

async function readBody(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${what} ${file}: ${(err as Error).message}`);
  }
}

/** The workspace file (--config or .vscode/latency.json here), read once; undefined when there is none. */
async function readWorkspaceFile(configPath: string | undefined): Promise<{ source: string; raw: unknown; root: string; layers(modelRel: string | undefined): ConfigLayer[] } | undefined> {
  const source = configPath ?? (existsSync(WORKSPACE_CONFIG_PATH) ? WORKSPACE_CONFIG_PATH : undefined);
  if (source === undefined) return undefined;
  let text: string;
  try {
    text = await fs.readFile(source, 'utf8');
  } catch (err) {
    throw new ConfigError([{ source, path: [], message: `cannot read: ${(err as Error).message}` }]);
  }
  const configDir = path.dirname(path.resolve(source));
  const root = path.basename(configDir) === '.vscode' ? path.dirname(configDir) : configDir;
  const first = parseWorkspaceConfigText(text, source, undefined);
  if (first.issues.length) throw new ConfigError(first.issues);
  return {
    source,
    raw: parseJsonc(text),
    root,
    layers: (modelRel) => parseWorkspaceConfigText(text, source, modelRel).layers.map((l) => withBaseDir(l, root)),
  };
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

async function resolveConfig(args: Pick<BenchArgs, 'configPath' | 'layer'> & { modelPath: string }): Promise<BenchmarkConfig> {
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
