// nvidia-smi parsing on output captured from H200 hosts (driver 580, test/fixtures/system), and
// on made-up variants for what those hosts did not show: N/A values, several GPUs, throttling,
// old drivers, garbage.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  GPU_QUERY_FIELDS,
  LEGACY_CLOCK_EVENT_FIELD,
  TELEMETRY_FIELDS,
  decodeClockEventReasons,
  isInvalidFieldError,
  parseComputeApps,
  parseGpuQuery,
  parseTelemetryLine,
  withLegacyClockEventField,
} from '../../src/core/nvidiaSmi';

const FIXTURES = join(__dirname, '..', 'fixtures', 'system');
const h200Csv = readFileSync(join(FIXTURES, 'nvidia-smi-query-h200.csv'), 'utf8');
const h200Q = readFileSync(join(FIXTURES, 'nvidia-smi-q-h200.txt'), 'utf8');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

test('the real H200 query output parses by header name', () => {
  const gpus = parseGpuQuery(h200Csv);
  assert.equal(gpus.length, 1);
  const g = gpus[0]!;
  assert.deepEqual(g, {
    // No index column in this capture: the row order is the index.
    index: 0,
    name: 'NVIDIA H200',
    uuid: null,
    driver: '580.159.04',
    persistenceMode: 'on',
    pstate: 'P0',
    smClockMHz: 345,
    maxSmClockMHz: 1980,
    memClockMHz: 3201,
    maxMemClockMHz: 3201,
    appSmClockMHz: 1980,
    defaultAppSmClockMHz: 1980,
    powerDrawW: 87.5,
    powerLimitW: 700,
    defaultPowerLimitW: 700,
    maxPowerLimitW: 700,
    temperatureC: 39,
    utilizationPct: 0,
    memoryUsedMiB: 0,
    memoryTotalMiB: 143771,
    clockEventReasons: ['idle'],
    clockEventMask: '0x0000000000000001',
  });
});

test('the real output for exactly GPU_QUERY_FIELDS: the driver accepts every field and echoes it back', () => {
  const csv = fixture('nvidia-smi-query-indexed-h200.csv');
  const header = csv.split('\n')[0]!.split(',').map((c) => c.trim().replace(/ \[.*\]$/, ''));
  assert.deepEqual(header, GPU_QUERY_FIELDS);
  const [g] = parseGpuQuery(csv);
  assert.equal(g!.index, 0);
  assert.equal(g!.uuid, 'GPU-8b7ce6f0-8aee-2981-08f7-de87b1a1b261');
  assert.equal(g!.smClockMHz, 360);
  assert.equal(g!.powerDrawW, 85.08);
  assert.deepEqual(g!.clockEventReasons, ['idle']);
});

test('asked by short or legacy names, the driver prints the canonical ones', () => {
  // Queried as index,clocks.sm,clocks.mem,clocks_throttle_reasons.active.
  const csv = fixture('nvidia-smi-query-short-names-h200.csv');
  assert.match(csv, /^index, clocks\.current\.sm \[MHz\], clocks\.current\.memory \[MHz\], clocks_event_reasons\.active$/m);
  const [g] = parseGpuQuery(csv);
  assert.equal(g!.smClockMHz, 360);
  assert.equal(g!.memClockMHz, 3201);
  assert.deepEqual(g!.clockEventReasons, ['idle']);
});

test('real captures: compute apps with nothing running, a rejected field, the telemetry stream', () => {
  assert.deepEqual(parseComputeApps(fixture('nvidia-smi-compute-apps-h200.csv')), []);
  assert.ok(isInvalidFieldError(fixture('nvidia-smi-invalid-field-h200.txt')));
  const lines = fixture('nvidia-smi-stream-h200.txt').split('\n').filter(Boolean);
  assert.ok(lines.length >= 10);
  for (const line of lines) {
    const r = parseTelemetryLine(line);
    assert.ok(r, line);
    assert.equal(r.index, 0);
    assert.equal(r.smClockMHz, 345);
    assert.equal(r.temperatureC, 44);
    assert.ok(r.powerW !== null && r.powerW > 80 && r.powerW < 81);
    assert.deepEqual(r.clockEventReasons, ['idle']);
  }
});

test('the decoded reasons agree with what nvidia-smi -q on the same host calls active', () => {
  const section = /Clocks Event Reasons\n([\s\S]*?)\n {4}Clocks Event Reasons Counters/.exec(h200Q)?.[1];
  assert.ok(section, 'the -q capture has a Clocks Event Reasons section');
  const label: Record<string, string> = {
    Idle: 'idle',
    'Applications Clocks Setting': 'applications_clocks_setting',
    'SW Power Cap': 'sw_power_cap',
    'HW Slowdown': 'hw_slowdown',
    'HW Thermal Slowdown': 'hw_thermal_slowdown',
    'HW Power Brake Slowdown': 'hw_power_brake_slowdown',
    'Sync Boost': 'sync_boost',
    'SW Thermal Slowdown': 'sw_thermal_slowdown',
    'Display Clock Setting': 'display_clock_setting',
  };
  const rows = [...section.matchAll(/^\s+(.+?)\s+:\s+(Active|Not Active)\s*$/gm)];
  assert.equal(rows.length, 9, 'every reason -q lists has a bit name');
  const active = rows.filter((m) => m[2] === 'Active').map((m) => label[m[1]!]);
  assert.deepEqual(active, parseGpuQuery(h200Csv)[0]!.clockEventReasons);
  // And the limits -q shows are the CSV's.
  assert.match(h200Q, /Max Power Limit\s+: 700\.00 W/);
  assert.match(h200Q, /SM\s+: 1980 MHz/);
});

test('field lists: the pre-flight list covers the fixture header; telemetry is short and indexed', () => {
  const header = h200Csv.split('\n')[0]!.split(',').map((c) => c.trim().replace(/ \[.*\]$/, ''));
  for (const f of header) assert.ok(GPU_QUERY_FIELDS.includes(f), `${f} is queried`);
  assert.ok(GPU_QUERY_FIELDS.includes('index') && GPU_QUERY_FIELDS.includes('uuid'));
  assert.deepEqual([...TELEMETRY_FIELDS].sort(), ['clocks.sm', 'clocks_event_reasons.active', 'index', 'power.draw', 'temperature.gpu']);
  assert.deepEqual(withLegacyClockEventField(['index', 'clocks_event_reasons.active']), ['index', LEGACY_CLOCK_EVENT_FIELD]);
  assert.ok(isInvalidFieldError('Field "clocks_event_reasons.active" is not a valid field to query.'));
  assert.ok(!isInvalidFieldError('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.'));
});

test('unavailable values in every spelling nvidia-smi uses read as null', () => {
  const csv = [
    'index, uuid, name, persistence_mode, clocks.current.sm [MHz], power.draw [W], power.limit [W], temperature.gpu, utilization.gpu [%], clocks_event_reasons.active',
    '0, GPU-aaaa, Tesla T4, Disabled, [N/A], [Not Supported], N/A, [Unknown Error], [Insufficient Permissions], [N/A]',
    '1, GPU-bbbb, Tesla T4, [N/A], Not Supported, , 70.00 W, 41, 3 %, 0x0000000000000000',
  ].join('\n');
  const [a, b] = parseGpuQuery(csv);
  assert.equal(a!.persistenceMode, 'off');
  assert.equal(a!.smClockMHz, null);
  assert.equal(a!.powerDrawW, null);
  assert.equal(a!.powerLimitW, null);
  assert.equal(a!.temperatureC, null);
  assert.equal(a!.utilizationPct, null);
  assert.deepEqual(a!.clockEventReasons, []);
  assert.equal(a!.clockEventMask, null);
  assert.equal(b!.persistenceMode, null);
  assert.equal(b!.smClockMHz, null);
  assert.equal(b!.powerDrawW, null, 'an empty cell is no value, not 0');
  assert.equal(b!.powerLimitW, 70);
  assert.deepEqual(b!.clockEventReasons, []);
  assert.equal(b!.clockEventMask, '0x0000000000000000');
  // Fields not queried at all are null too.
  assert.equal(a!.maxSmClockMHz, null);
  assert.equal(a!.driver, null);
});

test('several GPUs, columns in another order, an extra column, Windows line ends', () => {
  const csv =
    'uuid, index, name, fan.speed [%], clocks.current.sm [MHz], clocks_event_reasons.active\r\n' +
    'GPU-1111, 0, NVIDIA A100-SXM4-80GB, [N/A], 1410 MHz, 0x0000000000000000\r\n' +
    'GPU-2222, 1, NVIDIA A100-SXM4-80GB, [N/A], 1095 MHz, 0x0000000000000024\r\n';
  const gpus = parseGpuQuery(csv);
  assert.deepEqual(
    gpus.map((g) => [g.index, g.uuid, g.smClockMHz, g.clockEventReasons]),
    [
      [0, 'GPU-1111', 1410, []],
      [1, 'GPU-2222', 1095, ['sw_power_cap', 'sw_thermal_slowdown']],
    ],
  );
});

test('a pre-R535 driver\'s header (clocks_throttle_reasons, short clock names) maps to the same fields', () => {
  const csv = 'index, name, clocks.sm [MHz], clocks.mem [MHz], clocks_throttle_reasons.active\n0, Tesla V100-SXM2-16GB, 1530 MHz, 877 MHz, 0x0000000000000004\n';
  const [g] = parseGpuQuery(csv);
  assert.equal(g!.smClockMHz, 1530);
  assert.equal(g!.memClockMHz, 877);
  assert.deepEqual(g!.clockEventReasons, ['sw_power_cap']);
});

test('garbage: an error message instead of CSV is an error; malformed rows are skipped', () => {
  assert.throws(
    () => parseGpuQuery("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n"),
    /not a --query-gpu CSV.*NVIDIA-SMI has failed/,
  );
  assert.deepEqual(parseGpuQuery(''), []);
  assert.deepEqual(parseGpuQuery('\n  \n'), []);
  const csv = [
    'index, name, temperature.gpu',
    '0, GPU A, 40',
    'a stray line without enough cells',
    'x, GPU B, 41',
    '1, GPU C, 42, surplus',
    '2, GPU D, 43',
  ].join('\n');
  assert.deepEqual(
    parseGpuQuery(csv).map((g) => [g.index, g.name, g.temperatureC]),
    [
      [0, 'GPU A', 40],
      [2, 'GPU D', 43],
    ],
  );
});

test('clock event masks decode bit by bit, unknown bits by value', () => {
  assert.deepEqual(decodeClockEventReasons('0x0000000000000000'), []);
  assert.deepEqual(decodeClockEventReasons('0x0000000000000001'), ['idle']);
  assert.deepEqual(decodeClockEventReasons('0x0000000000000020'), ['sw_thermal_slowdown']);
  assert.deepEqual(decodeClockEventReasons('0x0000000000000044'), ['sw_power_cap', 'hw_thermal_slowdown']);
  assert.deepEqual(decodeClockEventReasons('0x00000000000000C8'), ['hw_slowdown', 'hw_thermal_slowdown', 'hw_power_brake_slowdown']);
  assert.deepEqual(decodeClockEventReasons('0x1FF'), [
    'idle',
    'applications_clocks_setting',
    'sw_power_cap',
    'hw_slowdown',
    'sync_boost',
    'sw_thermal_slowdown',
    'hw_thermal_slowdown',
    'hw_power_brake_slowdown',
    'display_clock_setting',
  ]);
  assert.deepEqual(decodeClockEventReasons('0x0000000000000210'), ['sync_boost', 'unknown_0x200']);
  // The top bit of the 64-bit mask survives: Number would have rounded it away.
  assert.deepEqual(decodeClockEventReasons('0x8000000000000001'), ['idle', 'unknown_0x8000000000000000']);
  assert.throws(() => decodeClockEventReasons('[N/A]'), RangeError);
  assert.throws(() => decodeClockEventReasons('44'), /hex mask/);
});

test('an unreadable mask keeps its text and gives no reasons, without losing the GPU', () => {
  const [g] = parseGpuQuery('index, name, clocks_event_reasons.active\n0, GPU, Active\n');
  assert.equal(g!.clockEventMask, 'Active');
  assert.deepEqual(g!.clockEventReasons, []);
});

test('compute apps: processes, none, and the odd process name', () => {
  const header = 'gpu_uuid, pid, process_name, used_gpu_memory [MiB]';
  assert.deepEqual(parseComputeApps(''), []);
  assert.deepEqual(parseComputeApps(`${header}\n`), []);
  assert.deepEqual(parseComputeApps('No running processes found\n'), []);
  const csv = [
    header,
    'GPU-1111, 4242, /usr/bin/python3, 10240 MiB',
    'GPU-2222, 4343, /opt/app,v2/server, [N/A]',
    'GPU-2222, not-a-pid, ghost, 1 MiB',
  ].join('\n');
  assert.deepEqual(parseComputeApps(csv), [
    { gpuUuid: 'GPU-1111', pid: 4242, name: '/usr/bin/python3', usedMiB: 10240 },
    { gpuUuid: 'GPU-2222', pid: 4343, name: '/opt/app,v2/server', usedMiB: null },
  ]);
  // noheader,nounits output: the documented field order.
  assert.deepEqual(parseComputeApps('GPU-1111, 7, python, 512\n'), [{ gpuUuid: 'GPU-1111', pid: 7, name: 'python', usedMiB: 512 }]);
});

test('telemetry lines (noheader, nounits) parse in query order; non-readings are null', () => {
  assert.deepEqual(parseTelemetryLine('0, 1980, 61, 412.35, 0x0000000000000000'), {
    index: 0,
    smClockMHz: 1980,
    temperatureC: 61,
    powerW: 412.35,
    clockEventReasons: [],
  });
  assert.deepEqual(parseTelemetryLine('3, 1755, 87, 699.80, 0x0000000000000004\r'), {
    index: 3,
    smClockMHz: 1755,
    temperatureC: 87,
    powerW: 699.8,
    clockEventReasons: ['sw_power_cap'],
  });
  assert.deepEqual(parseTelemetryLine('1, [N/A], [N/A], [Not Supported], [N/A]'), {
    index: 1,
    smClockMHz: null,
    temperatureC: null,
    powerW: null,
    clockEventReasons: [],
  });
  // Another field order, given by the caller.
  assert.deepEqual(parseTelemetryLine('40, 2, 0x20', ['temperature.gpu', 'index', 'clocks_throttle_reasons.active']), {
    index: 2,
    smClockMHz: null,
    temperatureC: 40,
    powerW: null,
    clockEventReasons: ['sw_thermal_slowdown'],
  });
  assert.equal(parseTelemetryLine(''), null);
  assert.equal(parseTelemetryLine('Unable to determine the device handle for GPU0000:00:06.0: Unknown Error'), null);
  assert.equal(parseTelemetryLine('0, 1980, 61'), null);
  assert.equal(parseTelemetryLine('GPU, 1980, 61, 412.35, 0x0'), null);
  assert.throws(() => parseTelemetryLine('1980', ['clocks.sm']), /must include "index"/);
});
