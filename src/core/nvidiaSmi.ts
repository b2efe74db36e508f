// Parsing of nvidia-smi's CSV query output. Pure: the profiler runs nvidia-smi and hands the
// text here, so every case is tested on captured output without a GPU.
//
// Columns are found by header name, never by position: drivers rename fields (throttle reasons
// became clock event reasons in R535) and a missing or extra column must not shift every value
// after it.

import type { GpuProcess, GpuState, TelemetryGpu } from './system';

/** Fields for the pre-flight `nvidia-smi --query-gpu=<fields> --format=csv`. */
export const GPU_QUERY_FIELDS: readonly string[] = [
  'index',
  'uuid',
  'name',
  'driver_version',
  'persistence_mode',
  'pstate',
  'clocks.current.sm',
  'clocks.max.sm',
  'clocks.current.memory',
  'clocks.max.memory',
  'clocks.applications.graphics',
  'clocks.default_applications.graphics',
  'power.draw',
  'power.limit',
  'power.default_limit',
  'power.max_limit',
  'temperature.gpu',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'clocks_event_reasons.active',
];

/** Fields streamed during a run (`--format=csv,noheader,nounits -lms …`): few, so each line is cheap to parse. */
export const TELEMETRY_FIELDS: readonly string[] = ['index', 'clocks.sm', 'temperature.gpu', 'power.draw', 'clocks_event_reasons.active'];

/** Fields for `nvidia-smi --query-compute-apps=<fields> --format=csv`. */
export const COMPUTE_APPS_FIELDS: readonly string[] = ['gpu_uuid', 'pid', 'process_name', 'used_memory'];

/** The name drivers before R535 know clocks_event_reasons.active by; they reject the new one. */
export const LEGACY_CLOCK_EVENT_FIELD = 'clocks_throttle_reasons.active';

/** `fields` with the clock event field under its pre-R535 name, for a driver that rejected the new one. */
export function withLegacyClockEventField(fields: readonly string[]): string[] {
  return fields.map((f) => (f === 'clocks_event_reasons.active' ? LEGACY_CLOCK_EVENT_FIELD : f));
}

/** True when nvidia-smi's message says a queried field is unknown to this driver. */
export function isInvalidFieldError(message: string): boolean {
  return /is not a valid field/i.test(message);
}

// Short and old names that nvidia-smi accepts in a query or prints in a header, mapped to the
// name used in the tables below.
const ALIASES: Readonly<Record<string, string>> = {
  'clocks.sm': 'clocks.current.sm',
  'clocks.mem': 'clocks.current.memory',
  'clocks.memory': 'clocks.current.memory',
  'clocks.max.mem': 'clocks.max.memory',
  'clocks.applications.gr': 'clocks.applications.graphics',
  'clocks.default_applications.gr': 'clocks.default_applications.graphics',
  'power.management.limit': 'power.limit',
  'gpu_uuid': 'uuid',
  [LEGACY_CLOCK_EVENT_FIELD]: 'clocks_event_reasons.active',
  'used_gpu_memory': 'used_memory',
};

/** "clocks.current.sm [MHz]" → "clocks.current.sm"; aliases resolved. */
function canonicalField(headerCell: string): string {
  const name = headerCell.replace(/\s*\[[^\]]*\]\s*$/, '').trim().toLowerCase();
  return ALIASES[name] ?? name;
}

const KNOWN_GPU_FIELDS = new Set([...GPU_QUERY_FIELDS, ...TELEMETRY_FIELDS].map(canonicalField));

/**
 * nvidia-smi's ways of saying "no value": bracketed notes ("[N/A]", "[Not Supported]",
 * "[Unknown Error]", "[Insufficient Permissions]"), and the same words unbracketed in older
 * drivers.
 */
function isUnavailable(cell: string): boolean {
  return cell === '' || /^\[.*\]$/.test(cell) || /^(n\/a|not supported|unknown error|insufficient permissions)$/i.test(cell);
}

function text(cell: string | undefined): string | null {
  if (cell === undefined) return null;
  const t = cell.trim();
  return isUnavailable(t) ? null : t;
}

/** "87.50 W", "345 MHz", "0 %", "39" → the number; anything else → null. */
function num(cell: string | undefined): number | null {
  const t = text(cell);
  if (t === null) return null;
  const m = /^([-+]?\d+(?:\.\d+)?)(?:\s*[A-Za-z%]+)?$/.exec(t);
  return m ? Number(m[1]) : null;
}

function onOff(cell: string | undefined): 'on' | 'off' | null {
  const t = text(cell)?.toLowerCase();
  if (t === 'enabled' || t === 'on') return 'on';
  if (t === 'disabled' || t === 'off') return 'off';
  return null;
}

const CLOCK_EVENT_BITS: ReadonlyArray<readonly [bigint, string]> = [
  [0x1n, 'idle'],
  [0x2n, 'applications_clocks_setting'],
  [0x4n, 'sw_power_cap'],
  [0x8n, 'hw_slowdown'],
  [0x10n, 'sync_boost'],
  [0x20n, 'sw_thermal_slowdown'],
  [0x40n, 'hw_thermal_slowdown'],
  [0x80n, 'hw_power_brake_slowdown'],
  [0x100n, 'display_clock_setting'],
];

/**
 * Names of the bits set in a clocks_event_reasons mask (NVML's nvmlClocksEventReason*), lowest
 * bit first, e.g. "0x0000000000000044" → ["sw_power_cap", "hw_thermal_slowdown"]. Bits NVML did
 * not define when this was written come out as "unknown_0x…", so a new driver's reason is shown
 * rather than lost. Note the driver sets hw_slowdown together with hw_thermal_slowdown and
 * hw_power_brake_slowdown (it is their umbrella), so those arrive in pairs.
 *
 * BigInt because the mask is 64 bits wide and Number loses the top ones.
 *
 * @throws RangeError when the mask is not hexadecimal ("0x…"): callers check for "[N/A]" first.
 */
export function decodeClockEventReasons(mask: string): string[] {
  const t = mask.trim();
  if (!/^0x[0-9a-f]+$/i.test(t)) throw new RangeError(`clock event reasons: expected a hex mask like 0x0000000000000001, got "${mask}"`);
  let bits = BigInt(t);
  const names: string[] = [];
  for (const [bit, name] of CLOCK_EVENT_BITS) {
    if (bits & bit) names.push(name);
    bits &= ~bit;
  }
  for (let bit = 1n; bits !== 0n; bit <<= 1n) {
    if (bits & bit) {
      names.push(`unknown_0x${bit.toString(16)}`);
      bits &= ~bit;
    }
  }
  return names;
}

/** Mask and decoded reasons of a cell; an unreadable mask keeps its raw text with no reasons, since one odd cell must not lose the GPU. */
function clockEvents(cell: string | undefined): { mask: string | null; reasons: string[] } {
  const mask = text(cell);
  if (mask === null) return { mask: null, reasons: [] };
  try {
    return { mask, reasons: decodeClockEventReasons(mask) };
  } catch {
    return { mask, reasons: [] };
  }
}

function splitLines(csv: string): string[] {
  return csv.split(/\r?\n/).filter((l) => l.trim() !== '');
}

function splitCells(line: string): string[] {
  // nvidia-smi never quotes; GPU names and UUIDs hold no commas.
  return line.split(',').map((c) => c.trim());
}

/** Column position by canonical field name. */
function columnIndex(headerCells: readonly string[]): Map<string, number> {
  const cols = new Map<string, number>();
  headerCells.forEach((h, i) => {
    const f = canonicalField(h);
    if (!cols.has(f)) cols.set(f, i);
  });
  return cols;
}

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv` (header line first, units in the header and
 * in the values). Any subset of GPU_QUERY_FIELDS, in any order, under current or legacy names;
 * a field not queried reads as null. Without an "index" column the row order is the index, as
 * nvidia-smi prints GPUs in index order.
 *
 * Malformed rows (a cell count different from the header's, a non-numeric index) are skipped:
 * a misaligned row would put values in the wrong fields, and nvidia-smi does not produce them,
 * so they come from something else writing to the stream.
 *
 * @throws Error when the first line is not a query header, e.g. when nvidia-smi printed
 *   "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" instead.
 */
export function parseGpuQuery(csv: string): GpuState[] {
  const lines = splitLines(csv);
  if (lines.length === 0) return [];
  const headerCells = splitCells(lines[0]!);
  const cols = columnIndex(headerCells);
  if (![...cols.keys()].some((f) => KNOWN_GPU_FIELDS.has(f))) {
    throw new Error(`nvidia-smi output is not a --query-gpu CSV (first line: "${lines[0]!.trim().slice(0, 200)}")`);
  }
  const gpus: GpuState[] = [];
  for (const line of lines.slice(1)) {
    const cells = splitCells(line);
    if (cells.length !== headerCells.length) continue;
    const cell = (field: string): string | undefined => {
      const i = cols.get(field);
      return i === undefined ? undefined : cells[i];
    };
    let index = gpus.length;
    if (cols.has('index')) {
      const i = num(cell('index'));
      if (i === null || !Number.isInteger(i)) continue;
      index = i;
    }
    const events = clockEvents(cell('clocks_event_reasons.active'));
    gpus.push({
      index,
      name: text(cell('name')) ?? 'unknown GPU',
      uuid: text(cell('uuid')),
      driver: text(cell('driver_version')),
      persistenceMode: onOff(cell('persistence_mode')),
      pstate: text(cell('pstate')),
      smClockMHz: num(cell('clocks.current.sm')),
      maxSmClockMHz: num(cell('clocks.max.sm')),
      memClockMHz: num(cell('clocks.current.memory')),
      maxMemClockMHz: num(cell('clocks.max.memory')),
      appSmClockMHz: num(cell('clocks.applications.graphics')),
      defaultAppSmClockMHz: num(cell('clocks.default_applications.graphics')),
      powerDrawW: num(cell('power.draw')),
      powerLimitW: num(cell('power.limit')),
      defaultPowerLimitW: num(cell('power.default_limit')),
      maxPowerLimitW: num(cell('power.max_limit')),
      temperatureC: num(cell('temperature.gpu')),
      utilizationPct: num(cell('utilization.gpu')),
      memoryUsedMiB: num(cell('memory.used')),
      memoryTotalMiB: num(cell('memory.total')),
      clockEventReasons: events.reasons,
      clockEventMask: events.mask,
    });
  }
  return gpus;
}

/**
 * Parses `nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv`.
 * Empty output, a bare header and "No running processes found" all mean no processes. Without a
 * header line the columns are taken to be COMPUTE_APPS_FIELDS in order (`noheader` output).
 *
 * process_name is the one free-text column (a path can hold a comma), so a row with more cells
 * than columns gives the surplus to it; a row with fewer cells, or no numeric pid, is skipped.
 */
export function parseComputeApps(csv: string): GpuProcess[] {
  const lines = splitLines(csv).filter((l) => !/^no running (compute )?processes found/i.test(l.trim()));
  if (lines.length === 0) return [];
  const first = splitCells(lines[0]!);
  const hasHeader = first.some((c) => canonicalField(c) === 'pid');
  const headerCells = hasHeader ? first : [...COMPUTE_APPS_FIELDS];
  const cols = columnIndex(headerCells);
  const nameCol = cols.get('process_name');
  const out: GpuProcess[] = [];
  for (const line of hasHeader ? lines.slice(1) : lines) {
    let cells = splitCells(line);
    const surplus = cells.length - headerCells.length;
    if (surplus < 0) continue;
    if (surplus > 0) {
      if (nameCol === undefined) continue;
      cells = [...cells.slice(0, nameCol), cells.slice(nameCol, nameCol + surplus + 1).join(','), ...cells.slice(nameCol + surplus + 1)];
    }
    const cell = (field: string): string | undefined => {
      const i = cols.get(field);
      return i === undefined ? undefined : cells[i];
    };
    const pid = num(cell('pid'));
    if (pid === null || !Number.isInteger(pid)) continue;
    out.push({ gpuUuid: text(cell('uuid')), pid, name: text(cell('process_name')) ?? '', usedMiB: num(cell('used_memory')) });
  }
  return out;
}

/**
 * One line of the streaming `--query-gpu=<fields> --format=csv,noheader,nounits -lms N`
 * output, e.g. "0, 1980, 61, 412.35, 0x0000000000000000". `fields` are the queried field names
 * in query order (default TELEMETRY_FIELDS).
 *
 * Returns null for a line that is not a reading (wrong cell count, no numeric index), since a
 * long-lived stream may carry a blank line or a driver message and must not stop for it.
 *
 * @throws RangeError when `fields` has no "index": a reading could not be told apart by GPU.
 */
export function parseTelemetryLine(line: string, fields: readonly string[] = TELEMETRY_FIELDS): TelemetryGpu | null {
  const cols = columnIndex(fields);
  const indexCol = cols.get('index');
  if (indexCol === undefined) throw new RangeError('parseTelemetryLine: the fields must include "index"');
  const cells = splitCells(line);
  if (cells.length !== fields.length) return null;
  const index = num(cells[indexCol]);
  if (index === null || !Number.isInteger(index)) return null;
  const cell = (field: string): string | undefined => {
    const i = cols.get(field);
    return i === undefined ? undefined : cells[i];
  };
  return {
    index,
    smClockMHz: num(cell('clocks.current.sm')),
    temperatureC: num(cell('temperature.gpu')),
    powerW: num(cell('power.draw')),
    clockEventReasons: clockEvents(cell('clocks_event_reasons.active')).reasons,
  };
}
