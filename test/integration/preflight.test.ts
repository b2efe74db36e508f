// The pre-flight and CPU pinning on the machine the tests run on, and the nvidia-smi path
// through fake nvidia-smi executables.
//
// The machine these tests were written on (a 2-vCPU VM) has no cpufreq, no boost files and no
// NVIDIA GPU; the assertions about those readings follow what the test itself finds in /sys,
// so they also hold on a host that has them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { test } from 'node:test';
import { GPU_QUERY_FIELDS } from '../../src/core/nvidiaSmi';
import { readGpuInventory, takePreflight } from '../../src/profiler/preflight';
import { fakeExecutables } from '../support/fakeExecutable';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'system');
const linux = process.platform === 'linux';

const fakes = fakeExecutables('latency-preflight-');
const script = fakes.script;

/**
 * A fake nvidia-smi. This machine has no NVIDIA GPU; the fake replays real output captured from
 * an H200 host (test/fixtures/system), so the spawn-and-parse path is exercised for real. It
 * logs its arguments, one call per line, to `<dir>/<name>.args`.
 */
function fakeNvidiaSmi(name: string): string {
  return script(
    join(name, 'nvidia-smi'),
    `echo "$*" >> '${join(fakes.dir, name)}.args'
case "$*" in
  *--query-gpu=*) cat '${join(FIXTURES, 'nvidia-smi-query-h200.csv')}' ;;
  # Nothing ran on the H200's GPU: nvidia-smi printed the header alone.
  *--query-compute-apps=*) cat '${join(FIXTURES, 'nvidia-smi-compute-apps-h200.csv')}' ;;
  *) echo "fake nvidia-smi: unexpected arguments: $*" >&2; exit 2 ;;
esac`,
  );
}

/** PATH without any folder holding an nvidia-smi (on Linux the pre-flight runs nothing else from PATH). */
function pathWithoutNvidiaSmi(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d && !existsSync(join(d, 'nvidia-smi')))
    .join(delimiter);
}

async function withPath<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

test('the real pre-flight on this machine: readings present, nothing guessed, in bounded time', { skip: !linux && 'Linux readings' }, async (t) => {
  const started = performance.now();
  const snap = await withPath(pathWithoutNvidiaSmi(), () => takePreflight());
  const ms = performance.now() - started;
  t.diagnostic(`pre-flight took ${ms.toFixed(0)} ms; noise floor cv ${snap.noiseFloor?.cv.toFixed(4)}, task ${snap.noiseFloor?.taskMs.toFixed(3)} ms`);
  t.diagnostic(`busiest: ${JSON.stringify(snap.cpu.busiest)}`);

  const cpufreq = existsSync('/sys/devices/system/cpu/cpu0/cpufreq');
  assert.equal(snap.cpu.cpufreq, cpufreq);
  if (!cpufreq) assert.deepEqual(snap.cpu.cores, [], 'no cpufreq, no per-core readings');
  const boostFiles = existsSync('/sys/devices/system/cpu/intel_pstate/no_turbo') || existsSync('/sys/devices/system/cpu/cpufreq/boost');
  if (!boostFiles) {
    assert.equal(snap.cpu.boost, 'unknown', 'no boost file: unknown, not a guess');
    assert.equal(snap.cpu.boostSource, null);
  }

  assert.equal(snap.platform, 'linux');
  assert.ok(snap.cpu.loadAverage, 'load average read from /proc/loadavg');
  assert.ok(snap.cpu.loadAverage.every((x) => Number.isFinite(x) && x >= 0));
  assert.ok(snap.cpu.logicalCpus >= 1);
  assert.ok(snap.cpu.affinity && snap.cpu.affinity.length >= 1, 'affinity from Cpus_allowed_list');
  assert.ok(snap.cpu.busiest.length <= 5);
  assert.ok(!snap.cpu.busiest.some((p) => p.pid === process.pid), 'the profiler is not its own competition');
  assert.ok(snap.cpu.busiest.every((p, i, a) => p.cpuPercent >= 5 && (i === 0 || a[i - 1]!.cpuPercent >= p.cpuPercent)));

  assert.ok(snap.memory.totalBytes > 0);
  assert.ok(snap.memory.availableBytes !== null && snap.memory.availableBytes <= snap.memory.totalBytes);
  assert.ok(snap.openFilesLimit !== null && snap.openFilesLimit > 0);
  assert.equal(snap.openFilesLimit, Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]));

  const nf = snap.noiseFloor;
  assert.ok(nf, 'noise floor is on by default');
  assert.equal(nf.runs, 150);
  assert.ok(Number.isFinite(nf.cv) && nf.cv > 0, `cv ${nf.cv}`);
  // Calibrated to ~1 ms; load during calibration or measurement moves it, but not by orders of magnitude.
  assert.ok(nf.taskMs > 0.05 && nf.taskMs < 50, `task ${nf.taskMs} ms`);

  assert.equal(snap.gpu.status, 'absent', 'no nvidia-smi on PATH');
  assert.deepEqual(snap.gpu.gpus, []);
  // ~1.1 s on an idle 2-vCPU VM (two systeminformation process listings 0.5 s apart dominate);
  // the bound leaves room for a CI machine busy with other work.
  assert.ok(ms < 10_000, `pre-flight took ${ms.toFixed(0)} ms`);
});

test('noiseFloor: false skips the noise floor', async () => {
  const snap = await takePreflight({ noiseFloor: false, nvidiaSmi: join(fakes.dir, 'no-such-nvidia-smi') });
  assert.equal(snap.noiseFloor, null);
  assert.equal(snap.gpu.status, 'absent');
});

test('a fake nvidia-smi first on PATH replaying the H200 capture: the GPU is present and parsed', async () => {
  const fake = fakeNvidiaSmi('onpath');
  const snap = await withPath(`${join(fakes.dir, 'onpath')}${delimiter}${process.env.PATH}`, () => takePreflight({ noiseFloor: false }));
  assert.equal(snap.gpu.status, 'present', snap.gpu.message);
  assert.equal(snap.gpu.gpus.length, 1);
  const g = snap.gpu.gpus[0]!;
  assert.equal(g.name, 'NVIDIA H200');
  assert.equal(g.persistenceMode, 'on');
  assert.equal(g.smClockMHz, 345);
  assert.equal(g.maxSmClockMHz, 1980);
  assert.equal(g.powerLimitW, 700);
  assert.deepEqual(g.clockEventReasons, ['idle']);
  assert.deepEqual(snap.gpu.processes, []);
  const calls = readFileSync(`${dirname(fake)}.args`, 'utf8').trim().split('\n');
  assert.ok(calls.includes(`--query-gpu=${GPU_QUERY_FIELDS.join(',')} --format=csv`), calls.join('\n'));
  assert.ok(calls.some((c) => c.startsWith('--query-compute-apps=gpu_uuid,pid,process_name,used_memory')), calls.join('\n'));
});

test('nvidia-smi fails: status error, in nvidia-smi\'s own words', async () => {
  const failing = script('nvidia-smi-failing', `echo "Failed to initialize NVML: Driver/library version mismatch" >&2\nexit 9`);
  const inv = await readGpuInventory(failing, 2000);
  assert.equal(inv.status, 'error');
  assert.match(inv.message ?? '', /exited with code 9: Failed to initialize NVML: Driver\/library version mismatch/);
  assert.deepEqual(inv.gpus, []);

  // Most of nvidia-smi's failures go to stdout.
  const stdoutFail = script('nvidia-smi-stdout', `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."\nexit 9`);
  assert.match((await readGpuInventory(stdoutFail, 2000)).message ?? '', /couldn't communicate with the NVIDIA driver/);
});

test('nvidia-smi hangs: status error after the timeout, without waiting for its pipes', async () => {
  // Not `exec sleep`: the sleep outlives the killed shell and holds stdout open, as a wrapper's child would.
  const hanging = script('nvidia-smi-hanging', 'sleep 5');
  const started = performance.now();
  const inv = await readGpuInventory(hanging, 300);
  const ms = performance.now() - started;
  assert.equal(inv.status, 'error');
  assert.match(inv.message ?? '', /did not answer within 300 ms/);
  assert.ok(ms < 2000, `settled after ${ms.toFixed(0)} ms`);
});

test('nvidia-smi without a GPU, an unknown binary, a non-CSV answer', async () => {
  const noDevices = script('nvidia-smi-nodev', 'echo "No devices were found"\nexit 6');
  const inv = await readGpuInventory(noDevices, 2000);
  assert.equal(inv.status, 'absent');
  assert.match(inv.message ?? '', /No devices were found/);

  assert.equal((await readGpuInventory(join(fakes.dir, 'does-not-exist'), 2000)).status, 'absent');

  const garbage = script('nvidia-smi-garbage', 'echo "Segmentation fault (core dumped)"');
  const bad = await readGpuInventory(garbage, 2000);
  assert.equal(bad.status, 'error');
  assert.match(bad.message ?? '', /not a --query-gpu CSV/);
});

test('a pre-R535 driver that rejects clocks_event_reasons is asked again with the old name', async () => {
  const old = script(
    'nvidia-smi-r470',
    `case "$*" in
  # The wording and exit code of driver 580 rejecting a field (nvidia-smi-invalid-field-h200.txt).
  *clocks_event_reasons*) echo 'Field "clocks_event_reasons.active" is not a valid field to query.'; echo; exit 2 ;;
  *--query-gpu=*) printf 'index, name, clocks.current.sm [MHz], clocks_throttle_reasons.active\\n0, Tesla V100-SXM2-16GB, 1530 MHz, 0x0000000000000004\\n' ;;
  *) echo 'gpu_uuid, pid, process_name, used_gpu_memory [MiB]' ;;
esac`,
  );
  const inv = await readGpuInventory(old, 2000);
  assert.equal(inv.status, 'present', inv.message);
  assert.deepEqual(inv.gpus[0]!.clockEventReasons, ['sw_power_cap']);
});

// Pinning changes the whole process's affinity, so it runs in a child: the rest of this test
// run keeps its CPUs.
function pinInChild(cpus: number[], env: NodeJS.ProcessEnv = process.env): { pin: unknown; threads: string[]; worker: string } {
  const code = `
    const fs = require('fs');
    const { Worker } = require('worker_threads');
    const { pinToCpus } = require(${JSON.stringify(join(ROOT, 'src', 'profiler', 'affinity.ts'))});
    const pin = pinToCpus(${JSON.stringify(cpus)});
    const allowed = (t) => /Cpus_allowed_list:\\s*(.*)/.exec(t)[1].trim();
    const threads = fs.readdirSync('/proc/self/task').map((tid) => allowed(fs.readFileSync('/proc/self/task/' + tid + '/status', 'utf8')));
    // A thread created after the pin, as onnxruntime's pool is.
    const w = new Worker("require('worker_threads').parentPort.postMessage(require('fs').readFileSync('/proc/thread-self/status', 'utf8'))", { eval: true });
    w.once('message', (s) => { console.log(JSON.stringify({ pin, threads, worker: allowed(s) })); w.terminate(); });
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { pin: unknown; threads: string[]; worker: string };
}

const hasTaskset = linux && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

test('pinToCpus([0]) pins every thread, and threads created later inherit it', { skip: !hasTaskset && 'needs Linux and taskset' }, () => {
  const r = pinInChild([0]);
  assert.deepEqual(r.pin, { ok: true, affinity: [0] });
  assert.ok(r.threads.length > 1, 'node runs several threads');
  assert.deepEqual([...new Set(r.threads)], ['0'], `every existing thread: ${r.threads.join(' ')}`);
  assert.equal(r.worker, '0');
});

test('pinToCpus: clear refusals', { skip: !linux && 'Linux only' }, () => {
  const absent = pinInChild([999]).pin as { ok: boolean; message: string };
  assert.equal(absent.ok, false);
  assert.match(absent.message, /CPU 999 is not present on this machine \(online CPUs: [\d,-]+\)/);

  const empty = pinInChild([]).pin as { ok: boolean; message: string };
  assert.deepEqual(empty, { ok: false, message: 'No CPUs given to pin to.' });

  const noTaskset = pinInChild([0], { ...process.env, PATH: join(fakes.dir, 'empty-path') }).pin as { ok: boolean; message: string };
  assert.equal(noTaskset.ok, false);
  assert.match(noTaskset.message, /taskset was not found on PATH.*util-linux/);
});
