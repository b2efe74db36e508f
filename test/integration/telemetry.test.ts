// The telemetry sampler on this machine's real /proc files, with fake streaming nvidia-smi
// executables for the GPU part. This machine has no NVIDIA GPU: the fakes print lines captured
// from the real stream on an H200 host (test/fixtures/system/nvidia-smi-stream-h200.txt: 345 MHz,
// 44 °C, ~80.9 W, idle), and made-up ones for what that host did not show.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TELEMETRY_FIELDS } from '../../src/core/nvidiaSmi';
import type { TelemetrySample } from '../../src/core/system';
import { TelemetrySampler } from '../../src/profiler/telemetry';
import { fakeExecutables } from '../support/fakeExecutable';

const linux = process.platform === 'linux';
const H200_LINE = readFileSync(join(__dirname, '..', 'fixtures', 'system', 'nvidia-smi-stream-h200.txt'), 'utf8').split('\n')[0]!;

const fakes = fakeExecutables('latency-telemetry-');
const script = fakes.script;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Polls `cond`: spawning is slow and uneven on a busy machine, so fixed sleeps would be flaky. */
async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Stands in for the benchmark loop: advances the run counter every few ms, switching to 'measure' halfway. */
async function fakeBenchmark(sampler: TelemetrySampler, ms: number): Promise<void> {
  const start = performance.now();
  let run = 0;
  let phase: 'warmup' | 'measure' = 'warmup';
  while (performance.now() - start < ms) {
    await sleep(5);
    if (phase === 'warmup' && performance.now() - start > ms / 2) {
      phase = 'measure';
      run = 0;
    }
    sampler.position(phase, ++run);
  }
}

test('CPU sampling over ~1 s at 100 ms: ordered, positioned, load and frequency read; cost per tick', async (t) => {
  const sampler = new TelemetrySampler({ intervalMs: 100, gpuPresent: false });
  sampler.start();
  await fakeBenchmark(sampler, 1000);
  const early = sampler.drain();
  const rest = await sampler.stop();
  const samples = [...early, ...rest];
  const cost = sampler.overhead();
  t.diagnostic(`${samples.length} samples; tick cost mean ${cost.meanTickUs.toFixed(1)} µs, max ${cost.maxTickUs.toFixed(1)} µs`);
  t.diagnostic(`first: ${JSON.stringify(samples[0])}`);

  // A reading at start and one at stop, and the timer's in between: timers slip on a loaded
  // machine, so fewer than 10 ticks may fit; never more than 11.
  assert.ok(samples.length >= 7 && samples.length <= 13, `${samples.length} samples`);
  assert.ok(early.length >= 5, 'drain() hands over what was taken so far');
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i]!.tMs > samples[i - 1]!.tMs, 'tMs increases');
  assert.ok(samples[0]!.tMs < 50 && samples[0]!.run === 0, `a reading at start: ${JSON.stringify(samples[0])}`);
  assert.ok(samples[1]!.tMs >= 90 && samples[1]!.tMs < 400, `first timer tick at ${samples[1]!.tMs} ms`);
  assert.equal(samples[0]!.phase, 'warmup');
  assert.equal(samples.at(-1)!.phase, 'measure');
  assert.ok(samples.slice(1).every((s) => s.run >= 1), 'run comes from position()');
  const measure = samples.filter((s) => s.phase === 'measure');
  for (let i = 1; i < measure.length; i++) assert.ok(measure[i]!.run >= measure[i - 1]!.run);
  assert.ok(samples.every((s) => s.gpus.length === 0), 'no GPU, no GPU readings');
  if (linux) {
    assert.ok(samples.every((s) => typeof s.load1 === 'number' && s.load1 >= 0), 'load1 from /proc/loadavg');
    const hasMHz = existsSync('/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq') || /^cpu MHz/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    if (hasMHz) assert.ok(samples.every((s) => typeof s.cpuMHz === 'number' && s.cpuMHz > 0), 'cpu MHz from cpufreq or /proc/cpuinfo');
  }
  assert.equal(cost.ticks, samples.length);
  // Steady state is a few µs; the bound only catches gross regressions (a spawn or a big read
  // per tick), with room for a busy shared VM preempting a tick.
  assert.ok(cost.meanTickUs > 0 && cost.meanTickUs < 5000, `a tick costs ${cost.meanTickUs} µs`);
  assert.deepEqual(await sampler.stop(), [], 'stop() again is harmless');
});

test('a position object shared with the benchmark loop is read at each tick', async () => {
  const where = { phase: 'warmup' as 'warmup' | 'measure', run: 0 };
  const sampler = new TelemetrySampler({ intervalMs: 50, gpuPresent: false, where });
  sampler.start();
  where.phase = 'measure';
  where.run = 42;
  const samples: TelemetrySample[] = [];
  await until('two samples', () => (samples.push(...sampler.drain()), samples.length >= 2));
  samples.push(...(await sampler.stop()));
  assert.ok(samples.slice(1).every((s) => s.phase === 'measure' && s.run === 42), JSON.stringify(samples));
});

test('polled mode reads only when asked and an interval has passed: nothing fires inside a timed run', async () => {
  const where = { phase: 'measure' as 'warmup' | 'measure', run: 0 };
  const sampler = new TelemetrySampler({ intervalMs: 100, gpuPresent: false, where, mode: 'polled' });
  sampler.start();
  assert.equal(sampler.drain().length, 1, 'the reading at start');
  await sleep(250);
  assert.deepEqual(sampler.drain(), [], 'no timer: nothing was read while the loop was "inside an inference"');
  where.run = 7;
  sampler.sampleIfDue();
  sampler.sampleIfDue();
  const polled = sampler.drain();
  assert.equal(polled.length, 1, 'one reading per interval however often the loop polls');
  assert.equal(polled[0]!.run, 7);
  where.run = 9;
  const last = await sampler.stop();
  assert.deepEqual(last.map((s) => s.run), [9], 'and one at stop');
});

test('a streaming nvidia-smi fills the GPU fields, and stop() kills it', async (t) => {
  const argsFile = join(fakes.dir, 'stream.args');
  const fake = script(
    'nvidia-smi-stream',
    `echo "$*" > '${argsFile}'
while :; do
  echo '${H200_LINE}'
  echo '1, 1980, 61, 412.35, 0x0000000000000020'
  sleep 0.05
done`,
  );
  const sampler = new TelemetrySampler({ intervalMs: 100, gpuPresent: true, nvidiaSmi: fake });
  sampler.start();
  const samples: TelemetrySample[] = [];
  await until('a GPU reading', () => (samples.push(...sampler.drain()), samples.some((s) => s.gpus.length > 0)));
  await fakeBenchmark(sampler, 600);
  const pid = sampler.gpuChildPid;
  assert.ok(pid !== undefined && alive(pid), 'one nvidia-smi runs during the run');
  samples.push(...(await sampler.stop()));
  assert.equal(alive(pid), false, 'stop() leaves no nvidia-smi behind');
  assert.equal(sampler.gpuChildPid, undefined);

  assert.equal(readFileSync(argsFile, 'utf8').trim(), `--query-gpu=${TELEMETRY_FIELDS.join(',')} --format=csv,noheader,nounits -lms 100`);
  const fromFirst = samples.slice(samples.findIndex((s) => s.gpus.length > 0));
  assert.ok(fromFirst.length >= 4, `${fromFirst.length} samples with the stream running`);
  assert.ok(fromFirst.every((s) => s.gpus.length === 2), 'once readings flow, every sample has them');
  assert.deepEqual(fromFirst.at(-1)!.gpus, [
    { index: 0, smClockMHz: 345, temperatureC: 44, powerW: 80.88, clockEventReasons: ['idle'] },
    { index: 1, smClockMHz: 1980, temperatureC: 61, powerW: 412.35, clockEventReasons: ['sw_thermal_slowdown'] },
  ]);
  const cost = sampler.overhead();
  t.diagnostic(`GPU output handled in ${cost.gpuChunks} chunks, mean ${cost.meanGpuChunkUs.toFixed(1)} µs, max ${cost.maxGpuChunkUs.toFixed(1)} µs; tick mean ${cost.meanTickUs.toFixed(1)} µs`);
});

test('an nvidia-smi that exits at once, or is missing: samples still come, with no GPU part', async () => {
  const quits = script('nvidia-smi-quits', `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."\nexit 9`);
  for (const bin of [quits, join(fakes.dir, 'no-such-nvidia-smi')]) {
    const sampler = new TelemetrySampler({ intervalMs: 50, gpuPresent: true, nvidiaSmi: bin });
    sampler.start();
    const samples: TelemetrySample[] = [];
    // Long enough for the child to have failed, with the sampler carrying on after it.
    await sleep(300);
    await until('three samples', () => (samples.push(...sampler.drain()), samples.length >= 3));
    samples.push(...(await sampler.stop()));
    assert.ok(samples.every((s: TelemetrySample) => s.gpus.length === 0), bin);
  }
});

test('an nvidia-smi that dies mid-run: earlier samples have GPU readings, later ones none', async () => {
  const dies = script('nvidia-smi-dies', `for i in 1 2 3 4; do echo '${H200_LINE}'; sleep 0.05; done\nexit 1`);
  const sampler = new TelemetrySampler({ intervalMs: 50, gpuPresent: true, nvidiaSmi: dies });
  sampler.start();
  const samples: TelemetrySample[] = [];
  await until('a GPU reading', () => (samples.push(...sampler.drain()), samples.some((s) => s.gpus.length > 0)));
  await until('nvidia-smi to exit', () => sampler.gpuChildPid === undefined);
  const before = samples.length + sampler.drain().length;
  await sleep(250);
  const after = await sampler.stop();
  assert.ok(before > 0 && after.length >= 2, `${after.length} samples after it died`);
  assert.ok(after.every((s) => s.gpus.length === 0), 'none after it died');
});

test('a pre-R535 driver that rejects clocks_event_reasons is restarted with the old field name', async () => {
  const old = script(
    'nvidia-smi-old-stream',
    `case "$*" in
  *clocks_event_reasons*) echo 'Field "clocks_event_reasons.active" is not a valid field to query.'; exit 2 ;;
esac
while :; do echo '0, 1530, 50, 250.00, 0x0000000000000004'; sleep 0.05; done`,
  );
  const sampler = new TelemetrySampler({ intervalMs: 50, gpuPresent: true, nvidiaSmi: old });
  sampler.start();
  const samples: TelemetrySample[] = [];
  await until('a GPU reading', () => (samples.push(...sampler.drain()), samples.some((s) => s.gpus.length > 0)));
  const pid = sampler.gpuChildPid;
  await sampler.stop();
  assert.deepEqual(samples.find((s) => s.gpus.length > 0)!.gpus, [{ index: 0, smClockMHz: 1530, temperatureC: 50, powerW: 250, clockEventReasons: ['sw_power_cap'] }]);
  assert.ok(pid !== undefined && !alive(pid));
});

test('options are checked', async () => {
  assert.throws(() => new TelemetrySampler({ intervalMs: 0, gpuPresent: false }), RangeError);
  const s = new TelemetrySampler({ intervalMs: 10, gpuPresent: false });
  s.start();
  assert.throws(() => s.start(), /runs once/);
  await s.stop();
});
