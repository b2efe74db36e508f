import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { buildTuneScripts } from '../../src/core/tuneScript';
import type { SystemSnapshot } from '../../src/core/system';
import { amdDesktopSystem, h200System, intelLaptopSystem, tunedSystem, vmSystem } from '../support/resultFixture';

/** Lines that run something: neither blank nor comments. */
function commands(script: string): string[] {
  return script.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

/** The comments as one paragraph, so phrases split by line wrapping still match. */
function prose(script: string): string {
  return script
    .split('\n')
    .filter((l) => l.startsWith('#') && !l.startsWith('#!'))
    .map((l) => l.replace(/^#\s?/, ''))
    .join(' ');
}

function assertBashSyntax(script: string, label: string): void {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `${label}: bash -n failed: ${r.stderr}`);
}

/** Every command is preceded by a comment or by another command of the same kind (a per-CPU run). */
function assertCommented(script: string, label: string): void {
  const lines = script.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#') || line === 'set -euo pipefail') continue;
    const prev = lines[i - 1]!;
    const sameKind = prev.split(' ').slice(0, 4).join(' ') === line.split(' ').slice(0, 4).join(' ');
    assert.ok(prev.startsWith('#') || sameKind, `${label}: "${line}" has no comment before it`);
  }
}

function checkBoth(s: { tune: string; restore: string }, label: string): void {
  for (const [name, script] of [['tune', s.tune], ['restore', s.restore]] as const) {
    assert.ok(script.startsWith('#!/usr/bin/env bash\n'), `${label} ${name}: shebang`);
    assert.match(script, /^set -euo pipefail$/m, `${label} ${name}: strict mode`);
    assertBashSyntax(script, `${label} ${name}`);
    assertCommented(script, `${label} ${name}`);
    for (const cmd of commands(script)) {
      if (/\btee\b|nvidia-smi/.test(cmd)) assert.match(cmd, /\bsudo\b/, `${label} ${name}: privileged line without sudo: ${cmd}`);
    }
  }
}

describe('buildTuneScripts', () => {
  test('Intel laptop (powersave, turbo on): performance + no_turbo=1, restore puts powersave and no_turbo=0 back', () => {
    const s = buildTuneScripts(intelLaptopSystem(), {});
    checkBoth(s, 'intel');
    for (let cpu = 0; cpu < 8; cpu++) {
      assert.ok(
        commands(s.tune).includes(`echo performance | sudo tee /sys/devices/system/cpu/cpu${cpu}/cpufreq/scaling_governor >/dev/null`),
        `tune sets CPU ${cpu}`,
      );
      assert.ok(
        commands(s.restore).includes(`echo powersave | sudo tee /sys/devices/system/cpu/cpu${cpu}/cpufreq/scaling_governor >/dev/null`),
        `restore puts CPU ${cpu} back`,
      );
    }
    assert.ok(commands(s.tune).includes('echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo >/dev/null'));
    assert.ok(commands(s.restore).includes('echo 0 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo >/dev/null'));
    assert.match(prose(s.tune), /cpupower frequency-set -g performance/, 'cpupower named as the alternative');
    assert.ok(!/cpufreq\/boost/.test(commands(s.tune).join('\n')), 'only the switch that exists is used');
    // 1024 open files on this laptop: raised, with the shell caveat.
    assert.ok(commands(s.tune).some((c) => c.startsWith('ulimit -n 65536')));
    assert.match(prose(s.tune), /only to the shell/);
    assert.match(prose(s.tune), /limits\.conf/);
    assert.match(prose(s.tune), /latency\.cpuAffinity/);
    assert.ok(!commands(s.tune).some((c) => c.includes('taskset')), 'pinning is described, not run');
  });

  test('only the CPUs asked for are touched, and the pinning example uses them', () => {
    const s = buildTuneScripts(intelLaptopSystem(), { cpus: [2, 3] });
    const gov = commands(s.tune).filter((c) => c.includes('scaling_governor'));
    assert.deepEqual(gov, [
      'echo performance | sudo tee /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor >/dev/null',
      'echo performance | sudo tee /sys/devices/system/cpu/cpu3/cpufreq/scaling_governor >/dev/null',
    ]);
    assert.equal(commands(s.restore).filter((c) => c.includes('scaling_governor')).length, 2);
    assert.match(prose(s.tune), /--cpus 2-3/);
  });

  test('AMD desktop (schedutil, cpufreq/boost=1): boost=0, restore schedutil and boost=1', () => {
    const s = buildTuneScripts(amdDesktopSystem(), {});
    checkBoth(s, 'amd');
    assert.equal(commands(s.tune).filter((c) => c.startsWith('echo performance | sudo tee')).length, 16);
    assert.equal(commands(s.restore).filter((c) => c.startsWith('echo schedutil | sudo tee')).length, 16);
    assert.ok(commands(s.tune).includes('echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost >/dev/null'));
    assert.ok(commands(s.restore).includes('echo 1 | sudo tee /sys/devices/system/cpu/cpufreq/boost >/dev/null'));
    assert.ok(!s.tune.includes('intel_pstate/no_turbo >'));
  });

  test('mixed governors are restored CPU by CPU', () => {
    const sys = intelLaptopSystem();
    sys.cpu.cores[1]!.governor = 'schedutil';
    sys.cpu.cores[2]!.governor = 'performance';
    const s = buildTuneScripts(sys, {});
    const restore = commands(s.restore);
    assert.ok(restore.includes('echo schedutil | sudo tee /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor >/dev/null'));
    assert.ok(restore.includes('echo powersave | sudo tee /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor >/dev/null'));
    assert.ok(!restore.some((c) => c.includes('/cpu2/')), 'CPU 2 was already performance: nothing to restore');
    assert.ok(!commands(s.tune).some((c) => c.includes('/cpu2/')));
  });

  test('VM without cpufreq: no governor or turbo lines, and the comments say why', () => {
    const s = buildTuneScripts(vmSystem(), {});
    checkBoth(s, 'vm');
    const all = commands(s.tune).concat(commands(s.restore)).join('\n');
    assert.ok(!/scaling_governor|no_turbo|cpufreq\/boost|cpupower/.test(all), all);
    assert.match(prose(s.tune), /no cpufreq/);
    assert.match(prose(s.tune), /VM or container/);
    assert.match(prose(s.tune), /host controls the clocks/);
    assert.match(prose(s.restore), /nothing to restore/);
  });

  test('H200 snapshot: -lgc 1980,1980, restore -rgc, persistence stays on, power already default', () => {
    const s = buildTuneScripts(h200System(), {});
    checkBoth(s, 'h200');
    const tune = commands(s.tune);
    const restore = commands(s.restore);
    assert.ok(tune.includes('sudo nvidia-smi -i 0 -lgc 1980,1980'), tune.join('\n'));
    assert.ok(restore.includes('sudo nvidia-smi -i 0 -rgc'));
    assert.ok(!tune.some((c) => c.includes(' -pm ')), 'persistence already on');
    assert.ok(!restore.some((c) => c.includes('-pm 0')), 'restore keeps persistence on');
    assert.match(prose(s.restore), /Persistence mode was on before tuning; it stays on/);
    assert.ok(!tune.some((c) => c.includes(' -pl ')), 'power limit already 700 of 700 W');
    assert.match(prose(s.tune), /already the default 700 W/);
    assert.match(prose(s.tune), /This is also the maximum: if the power cap or the heat of a long run pulls the clock below it/, 'on the H200 the default application clock is the maximum, which the power cap pulls down under load (seen on the device: 1470 MHz, sw_power_cap)');
    assert.ok(s.notes.some((n) => n.includes('1980 MHz')));
  });

  test('GPU with persistence off and a lowered power limit: both set and both restored', () => {
    const sys = h200System();
    const g = sys.gpu.gpus[0]!;
    g.persistenceMode = 'off';
    g.powerLimitW = 500;
    g.defaultAppSmClockMHz = 1755;
    const s = buildTuneScripts(sys, {});
    checkBoth(s, 'gpu');
    const tune = commands(s.tune);
    const restore = commands(s.restore);
    assert.ok(tune.includes('sudo nvidia-smi -i 0 -pm 1'));
    assert.ok(tune.includes('sudo nvidia-smi -i 0 -pl 700'));
    assert.ok(tune.includes('sudo nvidia-smi -i 0 -lgc 1755,1755'), 'default application clock, below the boost maximum');
    assert.ok(restore.includes('sudo nvidia-smi -i 0 -pm 0'));
    assert.ok(restore.includes('sudo nvidia-smi -i 0 -pl 500'));
    assert.ok(restore.includes('sudo nvidia-smi -i 0 -rgc'));
  });

  test('an explicit lock clock and GPU list are used; unknown GPUs are noted', () => {
    const s = buildTuneScripts(h200System(), { gpuIndices: [0, 3], lockGpuClockMHz: 1500 });
    assert.ok(commands(s.tune).includes('sudo nvidia-smi -i 0 -lgc 1500,1500'));
    assert.ok(s.notes.some((n) => n.includes('GPU 3')));
    const none = buildTuneScripts(h200System(), { gpuIndices: [] });
    assert.ok(!commands(none.tune).some((c) => c.includes('nvidia-smi')));
  });

  test('a tuned machine gives scripts that change nothing', () => {
    const sys = tunedSystem();
    sys.openFilesLimit = 1_048_576;
    const s = buildTuneScripts(sys, {});
    checkBoth(s, 'tuned');
    assert.deepEqual(commands(s.tune), ['set -euo pipefail']);
    assert.deepEqual(commands(s.restore), ['set -euo pipefail']);
  });

  test('a crafted governor name is rejected', () => {
    const sys = intelLaptopSystem();
    sys.cpu.cores[3]!.governor = 'performance; rm -rf /';
    assert.throws(() => buildTuneScripts(sys, {}), /governor/);
    // Even on a CPU that was not asked for: one crafted field makes the whole snapshot suspect.
    assert.throws(() => buildTuneScripts(sys, { cpus: [0] }), /governor/);
    sys.cpu.cores[3]!.governor = 'Powersave';
    assert.throws(() => buildTuneScripts(sys, {}), /governor/);
  });

  test('crafted numbers are rejected', () => {
    const bad: Array<[string, (s: SystemSnapshot) => void]> = [
      ['cpu number', (s) => ((s.cpu.cores[0] as { cpu: unknown }).cpu = '0; reboot')],
      ['fractional cpu', (s) => (s.cpu.cores[0]!.cpu = 1.5)],
      ['gpu index', (s) => ((s.gpu.gpus[0] as { index: unknown }).index = '0 -r')],
      ['clock', (s) => ((s.gpu.gpus[0] as { defaultAppSmClockMHz: unknown }).defaultAppSmClockMHz = '1980,1980; id')],
      ['fractional clock', (s) => (s.gpu.gpus[0]!.defaultAppSmClockMHz = 1980.5)],
      ['power', (s) => ((s.gpu.gpus[0] as { defaultPowerLimitW: unknown }).defaultPowerLimitW = '700 && id')],
      ['negative power', (s) => (s.gpu.gpus[0]!.powerLimitW = -1)],
    ];
    for (const [label, mutate] of bad) {
      const sys = label.includes('cpu') ? intelLaptopSystem() : h200System();
      mutate(sys);
      assert.throws(() => buildTuneScripts(sys, {}), RangeError, label);
    }
    assert.throws(() => buildTuneScripts(intelLaptopSystem(), { cpus: [-1] }), RangeError);
    assert.throws(() => buildTuneScripts(h200System(), { lockGpuClockMHz: Number.NaN }), RangeError);
  });

  test('machine text in comments cannot start a new line', () => {
    const sys = h200System();
    sys.gpu.gpus[0]!.name = 'H200\nsudo rm -rf /\n#';
    sys.takenAt = 'now\nreboot';
    const s = buildTuneScripts(sys, {});
    checkBoth(s, 'names');
    assert.ok(!commands(s.tune).some((c) => c.includes('rm -rf') || c === 'reboot'));
  });

  test('unknown previous states are not guessed', () => {
    const sys = h200System();
    sys.gpu.gpus[0]!.persistenceMode = null;
    const s = buildTuneScripts(sys, {});
    assert.ok(commands(s.tune).includes('sudo nvidia-smi -i 0 -pm 1'));
    assert.ok(!commands(s.restore).some((c) => c.includes('-pm')), 'no restore for a state never recorded');
    assert.ok(s.notes.some((n) => /persistence mode before tuning unknown/.test(n)));

    const cpu = intelLaptopSystem();
    cpu.cpu.cores[0]!.governor = null;
    const c = buildTuneScripts(cpu, {});
    assert.ok(!commands(c.tune).some((l) => l.includes('/cpu0/')), 'an unreadable governor cannot be restored, so it is not changed');
  });

  test('non-Linux snapshots produce scripts that change nothing', () => {
    const sys = h200System();
    sys.platform = 'darwin';
    const s = buildTuneScripts(sys, {});
    checkBoth(s, 'darwin');
    assert.deepEqual(commands(s.tune), ['set -euo pipefail']);
  });
});
