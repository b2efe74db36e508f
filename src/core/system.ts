// What the profiler found out about the machine before and during a run. Types only: the
// readings are taken in src/profiler (files under /sys and /proc, nvidia-smi, systeminformation)
// and parsed by pure modules, so every parser is tested on real outputs without the hardware.
//
// A reading that could not be taken is null, never a guess: on a VM without cpufreq the
// governor is unknown, and the verdicts must say "cannot verify", not "ok".

export interface CpuCoreReading {
  cpu: number;
  /** scaling_governor, e.g. "performance", "powersave", "schedutil". */
  governor: string | null;
  /** scaling_cur_freq (falls back to cpuinfo_cur_freq), in MHz. */
  curMHz: number | null;
  /** cpuinfo_max_freq, the hardware maximum, in MHz. */
  maxMHz: number | null;
  /** scaling_min_freq and scaling_max_freq: the range the governor may use, in MHz. */
  scalingMinMHz: number | null;
  scalingMaxMHz: number | null;
}

export type BoostState = 'on' | 'off' | 'unknown';

export interface BusyProcess {
  pid: number;
  name: string;
  /** Percent of one CPU, as top shows it. */
  cpuPercent: number;
}

export interface CpuState {
  /** True when /sys/devices/system/cpu/cpu0/cpufreq exists; false on most VMs and containers. */
  cpufreq: boolean;
  /** One entry per online CPU that has cpufreq; empty without it. */
  cores: CpuCoreReading[];
  boost: BoostState;
  /** Where the boost state came from: "intel_pstate/no_turbo" or "cpufreq/boost"; null when unknown. */
  boostSource: string | null;
  /** "cpu MHz" per logical CPU from /proc/cpuinfo: often a fixed nominal figure on VMs. */
  cpuinfoMHz: number[];
  loadAverage: [number, number, number] | null;
  logicalCpus: number;
  /** CPUs the profiler may run on (sched affinity); null when it could not be read. */
  affinity: number[] | null;
  /** The busiest processes other than the profiler, busiest first (at most five). */
  busiest: BusyProcess[];
}

export interface MemoryState {
  totalBytes: number;
  availableBytes: number | null;
  swapTotalBytes: number | null;
  swapUsedBytes: number | null;
  /** PSI "some avg10" from /proc/pressure/memory (percent of time stalled); null without PSI. */
  pressureSomeAvg10: number | null;
}

export interface GpuState {
  index: number;
  name: string;
  uuid: string | null;
  driver: string | null;
  persistenceMode: 'on' | 'off' | null;
  pstate: string | null;
  smClockMHz: number | null;
  maxSmClockMHz: number | null;
  memClockMHz: number | null;
  maxMemClockMHz: number | null;
  /** Application clocks (graphics) set now, and the default ones. */
  appSmClockMHz: number | null;
  defaultAppSmClockMHz: number | null;
  powerDrawW: number | null;
  powerLimitW: number | null;
  defaultPowerLimitW: number | null;
  maxPowerLimitW: number | null;
  temperatureC: number | null;
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  /** Decoded clocks_event_reasons.active (formerly "throttle reasons"), e.g. ["idle"], ["sw_thermal_slowdown"]. */
  clockEventReasons: string[];
  /** The raw bit mask as nvidia-smi printed it, e.g. "0x0000000000000001"; null when not reported. */
  clockEventMask: string | null;
}

export interface GpuProcess {
  gpuUuid: string | null;
  pid: number;
  name: string;
  usedMiB: number | null;
}

export interface GpuInventory {
  /** 'absent': no nvidia-smi (or no NVIDIA GPU); 'error': nvidia-smi ran and failed. */
  status: 'present' | 'absent' | 'error';
  message?: string;
  gpus: GpuState[];
  processes: GpuProcess[];
}

/** A fixed CPU-only task timed repeatedly before the run: the least variation this machine shows. */
export interface NoiseFloor {
  /** Coefficient of variation of the task's durations (a fraction). */
  cv: number;
  runs: number;
  /** Median duration of one task, in ms. */
  taskMs: number;
}

export interface SystemSnapshot {
  takenAt: string;
  platform: string;
  cpu: CpuState;
  memory: MemoryState;
  gpu: GpuInventory;
  /** RLIMIT_NOFILE soft limit of the profiler; null when unknown. */
  openFilesLimit: number | null;
  noiseFloor: NoiseFloor | null;
}

/** One reading taken while the benchmark ran, so drift can be blamed on what moved. */
export interface TelemetrySample {
  /** ms since the run header (model loaded). */
  tMs: number;
  phase: 'warmup' | 'measure';
  /** Runs completed in that phase when the reading was taken: the x position on the timeline. */
  run: number;
  load1: number | null;
  /** Mean current CPU frequency over the profiler's CPUs (cpufreq, else /proc/cpuinfo). */
  cpuMHz: number | null;
  gpus: TelemetryGpu[];
}

export interface TelemetryGpu {
  index: number;
  smClockMHz: number | null;
  temperatureC: number | null;
  powerW: number | null;
  clockEventReasons: string[];
}
