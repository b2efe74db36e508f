// Command targets in-process (as the CLI runs them), against commands whose durations are known.
// The machine these run on may be busy: bounds are loose where timing is concerned.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mergeConfig, type ConfigLayer } from '../../src/core/config';
import type { ProgressParams } from '../../src/core/profilerProtocol';
import type { CommandTarget } from '../../src/core/result';
import type { RunHeader } from '../../src/core/resultAssembler';
import { POSIX_SHELL, exitHint, runCommandBenchmark } from '../../src/profiler/commandBenchmark';
import { rejection } from '../support/rejection';

const posix = process.platform !== 'win32';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'latency-cmd-test-'));
  dirs.push(d);
  return d;
}

function run(command: string, layer: ConfigLayer, more: { prepare?: string; cwd?: string; timeoutSeconds?: number; repeat?: number; isCancelled?: () => boolean } = {}) {
  return runCommandBenchmark(
    {
      spec: {
        kind: 'command',
        command,
        ...(more.prepare !== undefined ? { prepare: more.prepare } : {}),
        ...(more.cwd !== undefined ? { cwd: more.cwd } : {}),
        ...(more.timeoutSeconds !== undefined ? { timeoutSeconds: more.timeoutSeconds } : {}),
      },
      config: mergeConfig(layer),
      progressIntervalMs: 50,
      ...(more.repeat !== undefined ? { repeat: more.repeat } : {}),
    },
    { isCancelled: more.isCancelled ?? (() => false) },
  );
}

/** Processes whose command line holds `marker` (Linux /proc; elsewhere nothing is found). */
function processesWith(marker: string): number[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker)) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

/** Killed processes are reaped by init a moment later: wait up to 3 s for them to go. */
async function assertNoneLeft(marker: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (processesWith(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(processesWith(marker), [], `processes running "${marker}" survived`);
}


test('sleep 0.05: the shell overhead is subtracted, p50 is the sleep (≥ 50 ms, not much more); the result is a command result', { skip: !posix }, async () => {
  const headers: RunHeader[] = [];
  const progress: ProgressParams[] = [];
  let first: number | undefined;
  const result = await runCommandBenchmark(
    { spec: { kind: 'command', command: 'sleep 0.05' }, config: mergeConfig({ iterations: 12, warmup: 2 }), progressIntervalMs: 50 },
    { isCancelled: () => false, onStarted: (h) => headers.push(h), onColdStart: (ms) => (first = ms), onProgress: (p) => progress.push(p) },
  );
  const s = result.summary!;
  assert.ok(s.p50Ms >= 50 && s.p50Ms <= 65, `p50 ${s.p50Ms} ms`);
  assert.ok(Math.min(...result.samplesMs) >= 49, `min ${Math.min(...result.samplesMs)} ms`);
  assert.equal(result.samplesMs.length, 12);
  assert.equal(result.warmupSamplesMs.length, 2);
  assert.equal(result.partial, false);
  assert.equal(result.stopping.reason, 'iterations');

  const target = result.target as CommandTarget;
  assert.equal(target.kind, 'command');
  assert.equal(target.command, 'sleep 0.05');
  assert.equal(target.name, 'sleep 0.05');
  assert.equal(target.path, process.cwd());
  assert.deepEqual(target.shell, [...POSIX_SHELL]);
  assert.ok(target.shellOverheadMs > 0);
  assert.equal(target.prepare, undefined);
  assert.deepEqual(result.config.inputs, []);
  assert.equal(result.config.session, undefined);
  assert.equal(result.environment.onnxruntime, undefined);
  assert.equal(result.coldStart.loadMs, 0);
  assert.ok(result.coldStart.firstMs !== null && result.coldStart.firstMs >= 49);
  assert.equal(first, result.coldStart.firstMs);
  // The cold and warm-up runs read the memory of their processes at 10 ms: sleep is resident for ~50 ms.
  assert.ok(result.memory.peakRssBytes > 100 * 1024, `peak RSS ${result.memory.peakRssBytes}`);

  assert.equal(headers.length, 1);
  assert.equal((headers[0]!.target as CommandTarget).shellOverheadMs, target.shellOverheadMs, 'the header announces the figure the samples were corrected by');
  const measured = progress.filter((p) => p.phase === 'measure').flatMap((p) => p.newSamplesMs);
  assert.deepEqual(measured, result.samplesMs, 'progress carried every sample, as corrected in the result');
});

test('true: the empty-ish command comes out near 0 once the shell overhead is subtracted', { skip: !posix }, async () => {
  const result = await run('true', { iterations: 30, warmup: 2 });
  const target = result.target as CommandTarget;
  assert.ok(target.shellOverheadMs > 0, `overhead ${target.shellOverheadMs}`);
  assert.ok(result.summary!.p50Ms < 3, `p50 ${result.summary!.p50Ms} ms (overhead ${target.shellOverheadMs} ms)`);
  assert.ok(result.samplesMs.every((x) => x >= 0), 'clamped at 0, never negative');
});

test('exit 3 before any measured run: commandFailed with the code, the command and the stderr tail', { skip: !posix }, async () => {
  const err = await rejection(run('echo "first line" >&2; echo "it went wrong" >&2; exit 3', { iterations: 5, warmup: 0 }));
  assert.equal(err.data.kind, 'commandFailed');
  assert.match(err.message, /exited with code 3 at the first run \(the cold start\): it went wrong$/);
  assert.match(err.data.details ?? '', /^\$ \/bin\/sh -c 'echo "first line"/);
  assert.match(err.data.details ?? '', /first line\nit went wrong$/);
  assert.match(err.data.hint ?? '', /exit 3/);
});

test('command not found: exit 127 with a hint about PATH', { skip: !posix }, async () => {
  const err = await rejection(run('latency-no-such-command-xyz --flag', { iterations: 3, warmup: 0 }));
  assert.equal(err.data.kind, 'commandFailed');
  assert.match(err.message, /code 127/);
  assert.match(err.data.hint ?? '', /command not found — check PATH/);
  assert.match(err.data.details ?? '', /latency-no-such-command-xyz/);
});

test('failure at measured run 6: a partial result that keeps the 5 samples before it', { skip: !posix }, async () => {
  const cwd = folder();
  // Runs: cold start 1, warm-up 2, measured 3.. → the 8th process is measured run 6.
  const cmd = 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; if [ $n -ge 8 ]; then echo "boom at $n" >&2; exit 3; fi';
  const result = await run(cmd, { iterations: 20, warmup: 1 }, { cwd });
  assert.equal(result.partial, true);
  assert.equal(result.samplesMs.length, 5);
  assert.equal(result.warmupSamplesMs.length, 1);
  assert.equal(result.stopping.reason, 'error');
  assert.match(result.partialReason ?? '', /^exit code 3 at measured run 6 after 5 of 20 measured runs: boom at 8$/);
  assert.ok(result.summary !== null);
});

test('--prepare runs before every run, untimed: the command needs the file it creates and removes it', { skip: !posix }, async () => {
  const cwd = folder();
  const result = await run('[ -f ready ] && rm ready', { iterations: 6, warmup: 2 }, { cwd, prepare: 'sleep 0.2; touch ready' });
  assert.equal(result.partial, false);
  assert.equal(result.samplesMs.length, 6);
  assert.equal((result.target as CommandTarget).prepare, 'sleep 0.2; touch ready');
  assert.ok(result.summary!.p50Ms < 100, `the prepare's 200 ms sleep is not timed (p50 ${result.summary!.p50Ms} ms)`);
  // Without the prepare, the very first run fails.
  const err = await rejection(run('[ -f ready ] && rm ready', { iterations: 2, warmup: 0 }, { cwd }));
  assert.match(err.message, /^The command exited with code 1 at the first run/);
});

test('a failing --prepare is an error that names the prepare command', { skip: !posix }, async () => {
  const err = await rejection(run('true', { iterations: 3, warmup: 1 }, { prepare: 'echo "no cache to clear" >&2; exit 4' }));
  assert.equal(err.data.kind, 'commandFailed');
  assert.match(err.message, /^The --prepare command exited with code 4 at the first run \(the cold start\): no cache to clear$/);
  assert.match(err.data.details ?? '', /^\$ \/bin\/sh -c 'echo "no cache to clear"/);
});

test('a hanging command with a 1 s timeout: a timeout error, and nothing of it left running', { skip: !posix }, async () => {
  const marker = '31.41592';
  const started = Date.now();
  const err = await rejection(run(`sleep ${marker} & sleep ${marker}; wait`, { iterations: 3, warmup: 0 }, { timeoutSeconds: 1 }));
  assert.equal(err.data.kind, 'timeout');
  assert.match(err.message, /still running after 1 s at the first run/);
  assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  await assertNoneLeft(marker);
});

test('cancelled mid-run: a partial result with the runs done, and the running command killed', { skip: !posix }, async () => {
  const cwd = folder();
  const marker = '27.18281';
  // Cold start 1, measured 2 and 3 quick; the 4th process (measured run 3) hangs until cancelled.
  const cmd = `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; if [ $n -ge 4 ]; then touch long; sleep ${marker}; fi`;
  const started = Date.now();
  const result = await run(cmd, { iterations: 10, warmup: 0 }, { cwd, isCancelled: () => existsSync(join(cwd, 'long')) });
  assert.equal(result.partial, true);
  assert.equal(result.stopping.reason, 'cancelled');
  assert.equal(result.samplesMs.length, 2);
  assert.match(result.partialReason ?? '', /^cancelled after 2 of 10 measured runs$/);
  assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  await assertNoneLeft(marker);
});

test('cancelled before anything ran: a partial result without figures, no throw', { skip: !posix }, async () => {
  const result = await run('true', { iterations: 5, warmup: 0 }, { isCancelled: () => true });
  assert.equal(result.partial, true);
  assert.equal(result.summary, null);
  assert.equal(result.coldStart.firstMs, null);
});

test('megabytes on stdout and stderr: the run completes and the profiler keeps only a bounded tail', { skip: !posix }, async () => {
  const before = process.memoryUsage();
  const result = await run('head -c 50000000 /dev/zero; head -c 50000000 /dev/zero >&2', { iterations: 3, warmup: 0 });
  assert.equal(result.partial, false);
  assert.equal(result.samplesMs.length, 3);
  // 200 MB went to stderr over the 4 runs; kept in memory, even one run's would be 50 MB. (The
  // run's other work — readings, telemetry — allocates a few MB of its own, hence the margin.)
  const after = process.memoryUsage();
  const grew = Math.max(after.arrayBuffers - before.arrayBuffers, after.heapUsed - before.heapUsed);
  assert.ok(grew < 25e6, `memory grew by ${grew} bytes`);
  // A chatty failure: only the end of its stderr is kept.
  const err = await rejection(run(`head -c 3000000 /dev/zero | tr '\\0' x >&2; echo >&2; echo "last words" >&2; exit 5`, { iterations: 2, warmup: 0 }));
  assert.match(err.message, /code 5 .*: last words$/);
  assert.ok((err.data.details ?? '').length < 8192, `details hold ${(err.data.details ?? '').length} characters`);
  assert.match(err.data.details ?? '', /last words$/);
  // One 3 MB line: its end is kept, marked as cut.
  const oneLine = await rejection(run(`head -c 3000000 /dev/zero | tr '\\0' x >&2; echo " last words" >&2; exit 5`, { iterations: 2, warmup: 0 }));
  assert.match(oneLine.message, /code 5 .*: …x+ last words$/);
  assert.ok(oneLine.message.length < 400);
  assert.match(oneLine.data.details ?? '', /\n…x+ last words$/);
});

test('repeat 2: two complete runs, each calibrated, combined with their spread', { skip: !posix }, async () => {
  const result = await run('sleep 0.01', { iterations: 8, warmup: 1 }, { repeat: 2 });
  assert.equal(result.partial, false);
  assert.equal(result.repeats?.runs.length, 2);
  assert.equal(result.samplesMs.length, 16);
  assert.equal(result.target.kind, 'command');
});

test('adaptive stopping: stops on precision once the intervals are narrow enough, or at the cap', { skip: !posix }, async () => {
  const precise = await run('sleep 0.005', {
    iterations: 10,
    warmup: 0,
    stopping: { mode: 'adaptive', targetPercentile: 'p95', relativeHalfWidth: 5, maxIterations: 400, maxSeconds: 60 },
  });
  assert.equal(precise.stopping.reason, 'precision');
  assert.equal(precise.partial, false);
  assert.ok(precise.samplesMs.length >= 72 && precise.samplesMs.length < 400, `n ${precise.samplesMs.length}`);
  const capped = await run('true', {
    iterations: 10,
    warmup: 0,
    stopping: { mode: 'adaptive', targetPercentile: 'p99', relativeHalfWidth: 1e-9, maxIterations: 15, maxSeconds: 60 },
  });
  assert.equal(capped.stopping.reason, 'maxIterations');
  assert.equal(capped.samplesMs.length, 15);
  assert.equal(capped.partial, false);
});

test('each run is a fresh sh -c: the command text arrives exactly, stdin is /dev/null, the driver\'s variables are not seen', { skip: !posix }, async () => {
  const cmd = `[ "$(printf '%s|' "it's" 'a  b' \\$HOME)" = "it's|a  b|\\$HOME|" ] && [ -z "\${LATENCY_COMMAND+x}\${LATENCY_PREPARE+x}\${c+x}" ] && cat && x=1 && [ -z "\${y+x}" ] && y=1`;
  const result = await run(cmd, { iterations: 3, warmup: 1 }, { prepare: 'cat' });
  assert.equal(result.partial, false, result.partialReason);
  assert.equal(result.samplesMs.length, 3);
});

test('a process killed by a signal: the status the shell reports (128 + n), with what it means', { skip: !posix }, async () => {
  const err = await rejection(run('kill -SEGV $$', { iterations: 2, warmup: 0 }));
  assert.match(err.message, /exited with code 139 at the first run/);
  assert.match(err.data.hint ?? '', /SIGSEGV\): the program crashed/);
});

test('what the runs leave in the background is stopped when the benchmark ends', { skip: !posix }, async () => {
  const marker = '23.45678';
  const result = await run(`sleep ${marker} >/dev/null 2>&1 &`, { iterations: 3, warmup: 0 });
  assert.equal(result.partial, false);
  await assertNoneLeft(marker);
});

test('bad requests: an empty command, a missing folder, a timeout ≤ 0, repeat 0', { skip: !posix }, async () => {
  assert.equal((await rejection(run('  ', { iterations: 1, warmup: 0 }))).data.kind, 'commandFailed');
  const missing = await rejection(run('true', { iterations: 1, warmup: 0 }, { cwd: join(folder(), 'nope') }));
  assert.match(missing.message, /does not exist/);
  await assert.rejects(run('true', { iterations: 1, warmup: 0 }, { timeoutSeconds: 0 }), RangeError);
  await assert.rejects(run('true', { iterations: 1, warmup: 0 }, { repeat: 0 }), RangeError);
});

test('exit hints: not executable, a bash-ism, signals as the shell reports them', () => {
  assert.match(exitHint(126, ''), /not executable/);
  assert.match(exitHint(2, 'sh: 1: Syntax error: "(" unexpected'), /bash -c/);
  assert.match(exitHint(137, ''), /signal 9 \(SIGKILL\).*out-of-memory/);
  assert.match(exitHint(139, ''), /signal 11 \(SIGSEGV\): the program crashed/);
  assert.match(exitHint(1, ''), /exit 1/);
});
