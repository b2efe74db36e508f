// Linux /sys and /proc parsing on synthetic trees: an Intel host (intel_pstate), an AMD host
// (acpi-cpufreq), mixed governors, and the VM with no cpufreq at all (the H200 host in
// test/fixtures/system/h200-host-system.txt is one).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BOOST_FILES,
  cpuFreqPaths,
  cpufreqPath,
  formatCpuList,
  interpretCpuFreq,
  parseCpuList,
  parseCpuinfoMHz,
  parseLoadavg,
  parseMeminfo,
  parseOpenFilesLimit,
  parsePidStat,
  parsePressure,
  parseStatCpuTotal,
  parseStatusCpusAllowed,
} from '../../src/core/procReadings';

type Core = { governor: string; cur: number; max: number; min?: number; smax?: number; curFile?: 'scaling_cur_freq' | 'cpuinfo_cur_freq' };

/** A sysfs tree as interpretCpuFreq receives it: path → content with the kernel's trailing newline. */
function tree(cores: Record<number, Core>, extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [cpu, c] of Object.entries(cores)) {
    const n = Number(cpu);
    files[cpufreqPath(n, 'scaling_governor')] = `${c.governor}\n`;
    files[cpufreqPath(n, c.curFile ?? 'scaling_cur_freq')] = `${c.cur}\n`;
    files[cpufreqPath(n, 'cpuinfo_max_freq')] = `${c.max}\n`;
    files[cpufreqPath(n, 'scaling_min_freq')] = `${c.min ?? 800000}\n`;
    files[cpufreqPath(n, 'scaling_max_freq')] = `${c.smax ?? c.max}\n`;
  }
  return { ...files, ...extra };
}

test('Intel, intel_pstate: powersave governor, no_turbo 0 → boost on, kHz read as MHz', () => {
  const files = tree(
    {
      0: { governor: 'powersave', cur: 1200000, max: 4700000 },
      1: { governor: 'powersave', cur: 4512345, max: 4700000 },
    },
    { [BOOST_FILES.intelNoTurbo]: '0\n' },
  );
  const r = interpretCpuFreq(files, [0, 1]);
  assert.equal(r.cpufreq, true);
  assert.equal(r.boost, 'on');
  assert.equal(r.boostSource, 'intel_pstate/no_turbo');
  assert.deepEqual(r.cores, [
    { cpu: 0, governor: 'powersave', curMHz: 1200, maxMHz: 4700, scalingMinMHz: 800, scalingMaxMHz: 4700 },
    { cpu: 1, governor: 'powersave', curMHz: 4512.345, maxMHz: 4700, scalingMinMHz: 800, scalingMaxMHz: 4700 },
  ]);
});

test('Intel with turbo forbidden: no_turbo 1 → boost off, and it outranks cpufreq/boost', () => {
  const files = tree({ 0: { governor: 'performance', cur: 3000000, max: 3000000 } }, { [BOOST_FILES.intelNoTurbo]: '1\n', [BOOST_FILES.cpufreqBoost]: '1\n' });
  const r = interpretCpuFreq(files, [0]);
  assert.equal(r.boost, 'off');
  assert.equal(r.boostSource, 'intel_pstate/no_turbo');
});

test('AMD, acpi-cpufreq: performance governor, cpufreq/boost 1 → on; 0 → off', () => {
  const cores = {
    0: { governor: 'performance', cur: 3700000, max: 3700000, min: 2200000 },
    2: { governor: 'performance', cur: 3699000, max: 3700000, min: 2200000 },
  };
  const on = interpretCpuFreq(tree(cores, { [BOOST_FILES.cpufreqBoost]: '1\n' }), [0, 2]);
  assert.equal(on.boost, 'on');
  assert.equal(on.boostSource, 'cpufreq/boost');
  assert.deepEqual(
    on.cores.map((c) => [c.cpu, c.governor, c.curMHz, c.scalingMinMHz]),
    [
      [0, 'performance', 3700, 2200],
      [2, 'performance', 3699, 2200],
    ],
  );
  assert.equal(interpretCpuFreq(tree(cores, { [BOOST_FILES.cpufreqBoost]: '0\n' }), [0, 2]).boost, 'off');
});

test('mixed governors are reported per CPU; a CPU without files is left out', () => {
  const files = tree({
    0: { governor: 'performance', cur: 3000000, max: 3500000 },
    1: { governor: 'schedutil', cur: 1400000, max: 3500000 },
    3: { governor: 'powersave', cur: 800000, max: 3500000, curFile: 'cpuinfo_cur_freq' },
  });
  const r = interpretCpuFreq(files, [0, 1, 2, 3]);
  assert.deepEqual(
    r.cores.map((c) => [c.cpu, c.governor, c.curMHz]),
    [
      [0, 'performance', 3000],
      [1, 'schedutil', 1400],
      [3, 'powersave', 800],
    ],
    'cpu 2 has no cpufreq files; cpu 3 falls back to cpuinfo_cur_freq',
  );
  assert.equal(r.boost, 'unknown', 'neither boost file: unknown, not a guess');
  assert.equal(r.boostSource, null);
});

test('no cpufreq at all (VMs, containers, the H200 host): cpufreq false, no cores, boost unknown', () => {
  const host = readFileSync(join(__dirname, '..', 'fixtures', 'system', 'h200-host-system.txt'), 'utf8');
  assert.match(host, /cpu0\/cpufreq\/'?: No such file or directory/);
  const missing: Record<string, string | undefined> = Object.fromEntries(cpuFreqPaths([0, 1, 2]).map((p) => [p, undefined]));
  for (const files of [{}, missing]) {
    assert.deepEqual(interpretCpuFreq(files, [0, 1, 2]), { cpufreq: false, cores: [], boost: 'unknown', boostSource: null });
  }
});

test('unreadable values are null, not 0', () => {
  const files = { [cpufreqPath(0, 'scaling_governor')]: '\n', [cpufreqPath(0, 'scaling_cur_freq')]: '<unknown>\n', [BOOST_FILES.cpufreqBoost]: 'yes\n' };
  const r = interpretCpuFreq(files, [0]);
  assert.deepEqual(r.cores, [{ cpu: 0, governor: null, curMHz: null, maxMHz: null, scalingMinMHz: null, scalingMaxMHz: null }]);
  assert.equal(r.boost, 'unknown');
});

test('cpuFreqPaths names every per-CPU file and both boost files', () => {
  const paths = cpuFreqPaths([3]);
  assert.ok(paths.includes('/sys/devices/system/cpu/cpu3/cpufreq/scaling_governor'));
  assert.ok(paths.includes('/sys/devices/system/cpu/cpu3/cpufreq/cpuinfo_cur_freq'));
  assert.ok(paths.includes('/sys/devices/system/cpu/intel_pstate/no_turbo'));
  assert.ok(paths.includes('/sys/devices/system/cpu/cpufreq/boost'));
});

test('/proc/cpuinfo: cpu MHz per processor; none on ARM', () => {
  const x86 = ['processor\t: 0', 'model name\t: Intel(R) Xeon(R) Processor', 'cpu MHz\t\t: 2100.000', 'cache size\t: 16384 KB', '', 'processor\t: 1', 'cpu MHz\t\t: 3499.998', ''].join('\n');
  assert.deepEqual(parseCpuinfoMHz(x86), [2100, 3499.998]);
  assert.deepEqual(parseCpuinfoMHz('processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\n'), []);
});

test('/proc/loadavg', () => {
  assert.deepEqual(parseLoadavg('1.23 1.40 1.91 1/88 5485\n'), [1.23, 1.4, 1.91]);
  assert.deepEqual(parseLoadavg('0.00 0.01 0.05 1/100 1\n'), [0, 0.01, 0.05]);
  assert.equal(parseLoadavg(''), null);
  assert.equal(parseLoadavg('garbage'), null);
});

test('/proc/meminfo: kB are KiB; absent fields are null', () => {
  const text = ['MemTotal:       16316412 kB', 'MemFree:         1234567 kB', 'MemAvailable:   12000000 kB', 'SwapCached:            0 kB', 'SwapTotal:       2097148 kB', 'SwapFree:        2000000 kB', ''].join('\n');
  assert.deepEqual(parseMeminfo(text), {
    totalBytes: 16316412 * 1024,
    availableBytes: 12000000 * 1024,
    swapTotalBytes: 2097148 * 1024,
    swapFreeBytes: 2000000 * 1024,
  });
  // Kernels before 3.14 have no MemAvailable.
  assert.deepEqual(parseMeminfo('MemTotal: 1024 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n'), { totalBytes: 1024 * 1024, availableBytes: null, swapTotalBytes: 0, swapFreeBytes: 0 });
});

test('/proc/pressure/memory: some and full; a missing line is null', () => {
  const text = 'some avg10=1.25 avg60=0.40 avg300=0.10 total=123456\nfull avg10=0.50 avg60=0.00 avg300=0.00 total=789\n';
  assert.deepEqual(parsePressure(text), {
    some: { avg10: 1.25, avg60: 0.4, avg300: 0.1, totalUs: 123456 },
    full: { avg10: 0.5, avg60: 0, avg300: 0, totalUs: 789 },
  });
  assert.deepEqual(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), { some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 0 }, full: null });
  assert.deepEqual(parsePressure(''), { some: null, full: null });
});

test('CPU lists: parse and format round-trip', () => {
  assert.deepEqual(parseCpuList('0-3,8,10-11'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseCpuList('0-1\n'), [0, 1]);
  assert.deepEqual(parseCpuList(' 5 , 2,2 '), [2, 5]);
  assert.deepEqual(parseCpuList(''), []);
  assert.throws(() => parseCpuList('0-3,x'), /"x" is not a CPU number/);
  assert.throws(() => parseCpuList('3-1'), /reversed/);
  assert.throws(() => parseCpuList('0-99999999'), /beyond/);
  assert.throws(() => parseCpuList('-1'), RangeError);
  assert.equal(formatCpuList([0, 1, 2, 3, 8, 10, 11]), '0-3,8,10-11');
  assert.equal(formatCpuList([11, 0, 10, 1, 1]), '0-1,10-11');
  assert.equal(formatCpuList([7]), '7');
  assert.equal(formatCpuList([]), '');
  assert.throws(() => formatCpuList([1.5]), RangeError);
  for (const list of ['0', '0-63', '1,3,5-7,64-127']) assert.equal(formatCpuList(parseCpuList(list)), list);
});

test('/proc/self/status and /proc/self/limits', () => {
  const status = 'Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed_list:\t0\n';
  assert.deepEqual(parseStatusCpusAllowed(status), [0, 1]);
  assert.equal(parseStatusCpusAllowed('Name:\tnode\n'), null);
  const limits = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             63704                63704                processes ',
    'Max open files            20000                1048576              files     ',
  ].join('\n');
  assert.equal(parseOpenFilesLimit(limits), 20000);
  assert.equal(parseOpenFilesLimit('Max open files            unlimited            unlimited            files\n'), null);
  assert.equal(parseOpenFilesLimit(''), null);
});

test('/proc/<pid>/stat: names with spaces and parentheses; utime + stime', () => {
  const line = (comm: string) => `4242 (${comm}) S 1 4242 4242 0 -1 4194560 1234 0 5 0 700 300 0 0 20 0 12 0 100 123456789 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n`;
  assert.deepEqual(parsePidStat(line('node')), { pid: 4242, ppid: 1, comm: 'node', cpuTicks: 1000 });
  assert.equal(parsePidStat(line('tmux: server'))!.comm, 'tmux: server');
  assert.equal(parsePidStat(line('a) S 9 (b'))!.comm, 'a) S 9 (b', 'cut at the last parenthesis');
  assert.equal(parsePidStat(line('a) S 9 (b'))!.ppid, 1);
  assert.equal(parsePidStat(''), null);
  assert.equal(parsePidStat('4242 (node) S'), null);
});

test('/proc/stat: all CPUs\' ticks, guest time not counted twice', () => {
  const text = 'cpu  100 5 50 1000 10 1 2 3 40 0\ncpu0 50 2 25 500 5 0 1 1 20 0\nintr 123\n';
  assert.equal(parseStatCpuTotal(text), 100 + 5 + 50 + 1000 + 10 + 1 + 2 + 3);
  assert.equal(parseStatCpuTotal('intr 1\n'), null);
});
