// The messages that cross the results panel's webview boundary, declared once so the host
// adapter and the webview bundle cannot drift apart. Everything arriving from the other side
// (or from persisted state, which may have been written by an older build) is untrusted until
// a guard below has accepted it.

import type { AccuracyReport } from './accuracy';
import type { CheckId, Checklist } from './checklist';
import type { ChangeVerdict, CompareMetric, Comparison } from './compare';
import { OLDEST_READABLE_SCHEMA_VERSION, RESULT_SCHEMA_VERSION, isReadableSchemaVersion, type BenchmarkResult, type RequestErrorKind } from './result';
import { isHistogramData } from './histogram';
import { parseSizeClassRanges } from './sizeClassRanges';
import { SETTING_ID, type VerdictAction } from './verdict';

export type ExportFormat = 'markdown' | 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = Object.freeze(['markdown', 'csv', 'json'] as const);

/** Webview → host. `export` asks the host to save what the panel shows (the comparison too, when there is one). */
export type WebviewToHostMessage =
  | { type: 'ready' }
  | { type: 'verdictAction'; action: VerdictAction }
  | { type: 'export'; format: ExportFormat };

/**
 * The shown result set against another run: the workspace's baseline (after every run), two
 * runs picked from the history, or the base side of an interleaved A/B run. The A/B form also
 * carries output agreement and the verification checklist.
 */
export interface PanelComparison {
  source: 'baseline' | 'history' | 'ab';
  base: {
    /** The saved run's id, when the base comes from the history. */
    id?: string;
    /** How the panel names the base: its label, model and when it ran. */
    label: string;
    result: BenchmarkResult;
  };
  comparison: Comparison;
  accuracy?: AccuracyReport;
  checklist?: Checklist;
}

/**
 * Host → webview. Always a full snapshot, never a delta: the webview may have been reloaded
 * (hidden without retained context, or revived after a restart) and holds nothing to apply
 * a delta to.
 */
export type HostToWebviewMessage = { type: 'snapshot'; result: BenchmarkResult; comparison?: PanelComparison };

/** What the webview hands to `setState`; VS Code returns it on reload and to the serializer. */
export interface PanelState {
  result: BenchmarkResult;
  comparison?: PanelComparison;
}

export const RESULTS_VIEW_TYPE = 'latency.results';

type Dict = Record<string, unknown>;

function isObject(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Both postMessage and setState go through JSON, which turns NaN/Infinity into null; such a
// result fails here rather than rendering "null" (summarize never produces them).
const isNum = (v: unknown): v is number => typeof v === 'number';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isStrOrNull = (v: unknown): v is string | null => v === null || isStr(v);
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isArrayOf = (v: unknown, item: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(item);
const isOneOf = <T extends string>(v: unknown, values: readonly T[]): v is T => isStr(v) && (values as readonly string[]).includes(v);
const isIndex = (v: unknown, length: number): boolean => isNum(v) && Number.isInteger(v) && v >= 0 && v < length;

const SUMMARY_KEYS = [
  'n', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'meanMs', 'stdevMs', 'cv', 'minMs', 'maxMs', 'throughputPerSec', 'ciLevel',
] as const;
const CI_KEYS = ['p50', 'p95', 'p99', 'p999'] as const;

const isInterval = (v: unknown): boolean => v === null || (Array.isArray(v) && v.length === 2 && v.every(isNum));

function isSummary(v: unknown): boolean {
  return isObject(v) && SUMMARY_KEYS.every((k) => isNum(v[k])) && isObject(v.ci) && CI_KEYS.every((k) => isInterval((v.ci as Dict)[k]));
}

function isFill(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (v.kind === 'constant') return ['number', 'boolean', 'string'].includes(typeof v.value);
  if (v.kind === 'random') return isNum(v.low) && isNum(v.high) && isNum(v.seed);
  if (v.kind === 'file') return isStr(v.path) && isStr(v.sha256);
  return false;
}

function isInputPlan(v: unknown): boolean {
  return (
    isObject(v) &&
    isStr(v.name) &&
    isStr(v.type) &&
    isNumArray(v.shape) &&
    Array.isArray(v.declaredShape) &&
    v.declaredShape.every((d) => isNum(d) || isStr(d)) &&
    isFill(v.fill) &&
    isStrArray(v.notes)
  );
}

const STOPPING_MODES = ['fixed', 'adaptive'] as const;
const STOP_REASONS = ['iterations', 'precision', 'maxIterations', 'maxSeconds', 'cancelled', 'error'] as const;

function isStoppingRule(v: unknown): boolean {
  return (
    isObject(v) &&
    isOneOf(v.mode, STOPPING_MODES) &&
    isOneOf(v.targetPercentile, ['p95', 'p99', 'p999'] as const) &&
    isNum(v.relativeHalfWidth) &&
    isNum(v.maxIterations) &&
    isNum(v.maxSeconds)
  );
}

/** Valid as the config parser would accept it: not one issue. */
function isSizeClassRanges(v: unknown): boolean {
  let ok = true;
  parseSizeClassRanges(v, () => (ok = false));
  return ok;
}

function isRunConfig(v: unknown): boolean {
  if (!isObject(v) || !isNum(v.iterations) || !isNum(v.warmup)) return false;
  const s = v.session;
  return (
    isStoppingRule(v.stopping) &&
    isNum(v.cvTarget) &&
    (v.sizeClassRanges === undefined || isSizeClassRanges(v.sizeClassRanges)) &&
    (v.cpuAffinity === null || isNumArray(v.cpuAffinity)) &&
    (s === undefined ||
      (isObject(s) &&
        isNum(s.intraOpNumThreads) &&
        isNum(s.interOpNumThreads) &&
        isStr(s.graphOptimizationLevel) &&
        isStr(s.executionMode) &&
        isStrArray(s.executionProviders))) &&
    isArrayOf(v.inputs, isInputPlan)
  );
}

/** Each kind's own fields; an ONNX target is the only kind that has a session, so it must have one. */
function isTarget(t: unknown, config: unknown): boolean {
  if (!isObject(t) || !isStr(t.path) || !isStr(t.name)) return false;
  const hasSession = isObject(config) && config.session !== undefined;
  switch (t.kind) {
    case 'onnx':
      return hasSession && isNum(t.sizeBytes) && (t.parameters === undefined || isNum(t.parameters));
    case 'python':
      return (
        isStr(t.function) &&
        (t.setup === undefined || isStr(t.setup)) &&
        isStr(t.interpreter) &&
        (t.line === undefined || isNum(t.line)) &&
        isBool(t.cudaSynchronized)
      );
    case 'command':
      return isStr(t.command) && (t.prepare === undefined || isStr(t.prepare)) && isStrArray(t.shell) && isNum(t.shellOverheadMs);
    case 'http':
      return (
        isStr(t.url) && isStr(t.method) && isNum(t.concurrency) && (t.expectedStatus === undefined || isNumArray(t.expectedStatus)) && isNum(t.timeoutMs) && (t.bodyTemplate === undefined || isBodyTemplate(t.bodyTemplate)) && (t.llm === undefined || isLlmRequestInfo(t.llm)) &&
        (t.busyPoll === undefined || t.busyPoll === true) &&
        (t.openLoop === undefined || (isObject(t.openLoop) && isNum(t.openLoop.ratePerSec) && isOneOf(t.openLoop.arrival, ['constant', 'poisson'] as const) && (t.openLoop.seed === undefined || isNum(t.openLoop.seed)))) &&
        (t.engine === undefined || isLoadEngine(t.engine))
      );
    default:
      return false;
  }
}

function isBodyTemplate(v: unknown): boolean {
  return isObject(v) && isStrArray(v.variables) && isNum(v.seed) && (v.linesFile === undefined || isStr(v.linesFile)) && (v.lines === undefined || isNum(v.lines));
}

function isLoadEngine(v: unknown): boolean {
  return (
    isObject(v) &&
    v.name === 'locust' &&
    (v.version === undefined || isStr(v.version)) &&
    isNum(v.workers) &&
    isNum(v.users) &&
    (v.ratePerSecond === undefined || isNum(v.ratePerSecond)) &&
    (v.runTimeSeconds === undefined || isNum(v.runTimeSeconds)) &&
    (v.exitCode === undefined || isNumOrNull(v.exitCode)) &&
    (v.thresholds === undefined ||
      isArrayOf(v.thresholds, (x) => isObject(x) && isOneOf(x.metric, ['p99', 'errorRate'] as const) && isNum(x.limit) && isNumOrNull(x.value) && isBool(x.passed)))
  );
}

const REQUEST_ERROR_KINDS: readonly RequestErrorKind[] = ['refused', 'timeout', 'status', 'malformed', 'dropped', 'other'];

function isRequestErrors(v: unknown): boolean {
  return (
    isObject(v) &&
    isNum(v.count) &&
    isNum(v.attempted) &&
    isObject(v.byKind) &&
    Object.entries(v.byKind).every(([k, n]) => isOneOf(k, REQUEST_ERROR_KINDS) && isNum(n)) &&
    isObject(v.statuses) &&
    Object.values(v.statuses).every(isNum) &&
    isStrArray(v.examples)
  );
}

function isSweepPoint(v: unknown): boolean {
  return (
    isObject(v) &&
    ['concurrency', 'n', 'p50Ms', 'p95Ms', 'p99Ms', 'meanMs', 'throughputPerSec'].every((k) => isNum(v[k])) &&
    isObject(v.errors) &&
    isNum(v.errors.count) &&
    isNum(v.errors.attempted) &&
    (v.partial === undefined || isBool(v.partial))
  );
}

/** A sweep's points, knee, best and reported level: what the sweep card and reports read. */
function isSweep(v: unknown): boolean {
  return (
    isObject(v) &&
    isNumArray(v.levels) &&
    isArrayOf(v.points, isSweepPoint) &&
    isObject(v.knee) &&
    isNumOrNull(v.knee.concurrency) &&
    isStr(v.knee.reason) &&
    isStr(v.kneeMethod) &&
    (v.p99BudgetMs === undefined || isNum(v.p99BudgetMs)) &&
    isObject(v.best) &&
    isNumOrNull(v.best.concurrency) &&
    isStr(v.best.reason) &&
    isObject(v.reported) &&
    isNum(v.reported.concurrency) &&
    isOneOf(v.reported.why, ['best', 'knee', 'last'] as const)
  );
}

/** An open loop's report (every figure finite: JSON would make an Infinity null). */
function isOpenLoop(v: unknown): boolean {
  return (
    isObject(v) &&
    isOneOf(v.arrival, ['constant', 'poisson'] as const) &&
    (v.seed === undefined || isNum(v.seed)) &&
    ['targetRatePerSec', 'scheduled', 'sent', 'achievedRatePerSec', 'maxInFlight', 'inFlightCap', 'capHits'].every((k) => isNum(v[k])) &&
    isObject(v.lagMs) &&
    isNum(v.lagMs.p50) &&
    isNum(v.lagMs.p99) &&
    isNum(v.lagMs.max) &&
    isBool(v.kept) &&
    (v.notKept === undefined || isStrArray(v.notKept))
  );
}

function isLlmRequestInfo(v: unknown): boolean {
  return (
    isObject(v) &&
    isOneOf(v.api, ['chat', 'completions'] as const) &&
    isStr(v.model) &&
    isObject(v.prompts) &&
    isStr(v.prompts.file) &&
    isNum(v.prompts.count) &&
    isStr(v.prompts.sha256) &&
    isNum(v.maxTokens) &&
    isNum(v.sharedPrefixWords)
  );
}

const isLatencyStatsOrNull = (v: unknown): boolean => v === null || (isObject(v) && ['n', 'meanMs', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'minMs', 'maxMs'].every((k) => isNum(v[k])));
const isSlo = (v: unknown): boolean => isObject(v) && Object.entries(v).every(([k, x]) => isOneOf(k, ['ttftMs', 'tpotMs', 'itlMs', 'e2eMs'] as const) && isNum(x));

/** result.streaming (llmMetrics.ts StreamingReport). */
function isStreamingReport(v: unknown): boolean {
  return (
    isObject(v) &&
    ['requests', 'attempted', 'wallMs', 'outputTokens', 'outputTokensPerSec', 'requestsPerSec'].every((k) => isNum(v[k])) &&
    ['ttft', 'tpot', 'itl', 'e2e'].every((k) => isLatencyStatsOrNull(v[k])) &&
    isOneOf(v.tokenCount, ['usage', 'chunks', 'mixed'] as const) &&
    (v.promptTokens === undefined || isNum(v.promptTokens)) &&
    (v.cachedPromptTokens === undefined || isNum(v.cachedPromptTokens)) &&
    (v.slo === undefined || isSlo(v.slo)) &&
    (v.goodput === undefined || (isObject(v.goodput) && isNum(v.goodput.requests) && isNum(v.goodput.fraction) && isNum(v.goodput.perSec))) &&
    isNumArray(v.ttftMs) &&
    isNumArray(v.tpotMs)
  );
}

function isSampledStorage(v: unknown, stored: number): boolean {
  return (
    isObject(v) &&
    v.method === 'reservoir' &&
    v.stored === stored &&
    isNum(v.total) &&
    v.total >= stored &&
    isNum(v.relativeError) &&
    isHistogramData(v.histogram) &&
    v.histogram.count === v.total
  );
}

function isPythonEnvironment(v: unknown): boolean {
  return (
    isObject(v) &&
    isStr(v.version) &&
    isStr(v.executable) &&
    isObject(v.packages) &&
    Object.values(v.packages).every(isStr) &&
    (v.cuda === undefined || (isObject(v.cuda) && isStr(v.cuda.device) && isStrOrNull(v.cuda.runtime) && isStrOrNull(v.cuda.capability)))
  );
}

function isEnvironment(v: unknown): boolean {
  return (
    isObject(v) &&
    ['os', 'arch', 'cpu', 'node', 'hostname'].every((k) => isStr(v[k])) &&
    (v.onnxruntime === undefined || isStr(v.onnxruntime)) &&
    (v.python === undefined || isPythonEnvironment(v.python)) &&
    isNum(v.cpuCores) &&
    isNum(v.totalMemoryBytes)
  );
}

function isStoppingOutcome(v: unknown): boolean {
  return (
    isObject(v) &&
    isOneOf(v.mode, STOPPING_MODES) &&
    isOneOf(v.reason, STOP_REASONS) &&
    isObject(v.achieved) &&
    isNumOrNull(v.achieved.p50) &&
    isNumOrNull(v.achieved.target)
  );
}

function isSteadyState(v: unknown): boolean {
  return isObject(v) && isNum(v.index) && v.index >= 0 && isStr(v.method) && isNum(v.warmupRuns) && isNum(v.transientMeasuredRuns);
}

/** `samples` is how many measured runs there are: every index must name one of them. */
function isOutliers(v: unknown, samples: number): boolean {
  return (
    isObject(v) &&
    isStr(v.method) &&
    isNum(v.lowFenceMs) &&
    isNum(v.highFenceMs) &&
    isNum(v.count) &&
    isArrayOf(v.indices, (i) => isIndex(i, samples))
  );
}

function isInstability(v: unknown): boolean {
  if (!isObject(v) || !isNum(v.robustCv)) return false;
  const { bimodality: b, autocorrelation: a, drift: d } = v;
  return (
    isObject(b) &&
    isBool(b.bimodal) &&
    isNumArray(b.modesMs) &&
    isObject(a) &&
    isNum(a.lag1) &&
    isNum(a.threshold) &&
    isOneOf(a.pattern, ['none', 'trend', 'alternating'] as const) &&
    isObject(d) &&
    ['firstThirdP50Ms', 'lastThirdP50Ms', 'change', 'pValue'].every((k) => isNum(d[k])) &&
    isBool(d.significant)
  );
}

// The system snapshot is checked for the fields the panel reads, no further: it is read-only
// diagnostic text, and rejecting a whole result over a field the panel never shows would cost
// the user their figures for nothing.

function isCore(v: unknown): boolean {
  return isObject(v) && isStrOrNull(v.governor) && isNumOrNull(v.curMHz) && isNumOrNull(v.maxMHz);
}

function isBusyProcess(v: unknown): boolean {
  return isObject(v) && isNum(v.pid) && isStr(v.name) && isNum(v.cpuPercent);
}

function isCpuState(v: unknown): boolean {
  return (
    isObject(v) &&
    isBool(v.cpufreq) &&
    isArrayOf(v.cores, isCore) &&
    isOneOf(v.boost, ['on', 'off', 'unknown'] as const) &&
    isStrOrNull(v.boostSource) &&
    isNumArray(v.cpuinfoMHz) &&
    (v.loadAverage === null || (isNumArray(v.loadAverage) && v.loadAverage.length === 3)) &&
    isNum(v.logicalCpus) &&
    (v.affinity === null || isNumArray(v.affinity)) &&
    isArrayOf(v.busiest, isBusyProcess)
  );
}

function isMemoryState(v: unknown): boolean {
  return (
    isObject(v) &&
    isNum(v.totalBytes) &&
    ['availableBytes', 'swapTotalBytes', 'swapUsedBytes', 'pressureSomeAvg10'].every((k) => isNumOrNull(v[k]))
  );
}

const GPU_NUMBERS = [
  'smClockMHz', 'maxSmClockMHz', 'appSmClockMHz', 'defaultAppSmClockMHz', 'powerDrawW', 'powerLimitW', 'defaultPowerLimitW', 'temperatureC', 'utilizationPct',
] as const;

function isGpuState(v: unknown): boolean {
  return (
    isObject(v) &&
    isNum(v.index) &&
    isStr(v.name) &&
    (v.persistenceMode === null || isOneOf(v.persistenceMode, ['on', 'off'] as const)) &&
    isStrOrNull(v.pstate) &&
    GPU_NUMBERS.every((k) => isNumOrNull(v[k])) &&
    isStrArray(v.clockEventReasons) &&
    isStrOrNull(v.clockEventMask)
  );
}

function isGpuInventory(v: unknown): boolean {
  return (
    isObject(v) &&
    isOneOf(v.status, ['present', 'absent', 'error'] as const) &&
    (v.message === undefined || isStr(v.message)) &&
    isArrayOf(v.gpus, isGpuState)
  );
}

function isNoiseFloor(v: unknown): boolean {
  return isObject(v) && isNum(v.cv) && isNum(v.runs) && isNum(v.taskMs);
}

function isSystemSnapshot(v: unknown): boolean {
  return (
    isObject(v) &&
    isStr(v.takenAt) &&
    isStr(v.platform) &&
    isCpuState(v.cpu) &&
    isMemoryState(v.memory) &&
    isGpuInventory(v.gpu) &&
    isNumOrNull(v.openFilesLimit) &&
    (v.noiseFloor === null || isNoiseFloor(v.noiseFloor))
  );
}

function isTelemetryGpu(v: unknown): boolean {
  return (
    isObject(v) &&
    isNum(v.index) &&
    isNumOrNull(v.smClockMHz) &&
    isNumOrNull(v.temperatureC) &&
    isNumOrNull(v.powerW) &&
    isStrArray(v.clockEventReasons)
  );
}

function isTelemetrySample(v: unknown): boolean {
  return (
    isObject(v) &&
    isNum(v.tMs) &&
    isOneOf(v.phase, ['warmup', 'measure'] as const) &&
    isNum(v.run) &&
    isNumOrNull(v.load1) &&
    isNumOrNull(v.cpuMHz) &&
    isArrayOf(v.gpus, isTelemetryGpu)
  );
}

function isVerdict(v: unknown): boolean {
  return (
    isObject(v) &&
    isStr(v.code) &&
    isOneOf(v.severity, ['error', 'warning', 'info'] as const) &&
    isStr(v.title) &&
    isStr(v.message) &&
    isStrArray(v.evidence) &&
    isStr(v.fix) &&
    (v.actions === undefined || isArrayOf(v.actions, isVerdictAction))
  );
}

export function isVerdictAction(v: unknown): v is VerdictAction {
  if (!isObject(v) || !isStr(v.label)) return false;
  if (v.kind === 'tuneSystem') return true;
  return v.kind === 'openSetting' && isStr(v.setting) && SETTING_ID.test(v.setting);
}

function isRepeatRun(v: unknown): boolean {
  return isObject(v) && ['n', 'p50Ms', 'p99Ms', 'meanMs', 'cv', 'loadMs'].every((k) => isNum(v[k])) && isNumOrNull(v.firstMs);
}

function isRepeats(v: unknown): boolean {
  return isObject(v) && isArrayOf(v.runs, isRepeatRun) && isObject(v.spread) && isNum(v.spread.p50) && isNum(v.spread.p99);
}

/** Deep enough that the panel can render every field it reads without further checks. */
export function isBenchmarkResult(v: unknown): v is BenchmarkResult {
  if (!isObject(v) || !isReadableSchemaVersion(v.schemaVersion)) return false;
  const { target, coldStart, memory } = v;
  return (
    isTarget(target, v.config) &&
    isRunConfig(v.config) &&
    (v.summary === null || isSummary(v.summary)) &&
    isStr(v.estimator) &&
    isObject(coldStart) &&
    isNum(coldStart.loadMs) &&
    isNumOrNull(coldStart.firstMs) &&
    isNumOrNull(coldStart.ratio) &&
    (coldStart.importMs === undefined || isNum(coldStart.importMs)) &&
    (coldStart.setupMs === undefined || isNum(coldStart.setupMs)) &&
    isNumArray(v.warmupSamplesMs) &&
    isNumArray(v.samplesMs) &&
    isObject(memory) &&
    isNum(memory.peakRssBytes) &&
    (memory.cudaPeakAllocatedBytes === undefined || isNum(memory.cudaPeakAllocatedBytes)) &&
    isEnvironment(v.environment) &&
    isStoppingOutcome(v.stopping) &&
    (v.steadyState === null || isSteadyState(v.steadyState)) &&
    (v.outliers === null || isOutliers(v.outliers, v.samplesMs.length)) &&
    (v.instability === null || isInstability(v.instability)) &&
    (v.system === null || isSystemSnapshot(v.system)) &&
    isArrayOf(v.telemetry, isTelemetrySample) &&
    isArrayOf(v.verdicts, isVerdict) &&
    isBool(v.partial) &&
    (v.partialReason === undefined || isStr(v.partialReason)) &&
    (v.repeats === undefined || isRepeats(v.repeats)) &&
    (v.errors === undefined || isRequestErrors(v.errors)) &&
    (v.sweep === undefined || isSweep(v.sweep)) &&
    (v.openLoop === undefined || isOpenLoop(v.openLoop)) &&
    (v.streaming === undefined || isStreamingReport(v.streaming)) &&
    (v.sampling === undefined || isSampledStorage(v.sampling, v.samplesMs.length)) &&
    isStr(v.startedAt) &&
    isStr(v.finishedAt)
  );
}

// ---------------------------------------------------------------------------------------------
// The comparison shown beside a result. Spelled out here rather than imported from compare.ts
// and checklist.ts, which would pull the bootstrap and the checklist rules into the webview
// bundle for the sake of two lists; the unit tests hold these lists to the modules' own.

export const PANEL_COMPARE_METRICS: readonly CompareMetric[] = Object.freeze(['p50', 'p95', 'p99', 'p999', 'mean'] as const);
export const PANEL_CHANGE_VERDICTS: readonly ChangeVerdict[] = Object.freeze(['improved', 'regressed', 'no change', 'inconclusive'] as const);
export const PANEL_CHECK_IDS: readonly CheckId[] = Object.freeze([
  'latencyTarget', 'cvTarget', 'accuracy', 'noErrors', 'reproducible', 'allPercentiles', 'throughput', 'memory',
] as const);

/** Every element's `key` is different: the panel keys rows (and test selectors) by it. */
function isUniqueBy(items: unknown[], key: string): boolean {
  const seen = new Set(items.map((x) => (x as Dict)[key]));
  return seen.size === items.length;
}

function isMetricComparison(v: unknown): boolean {
  return (
    isObject(v) &&
    isOneOf(v.metric, PANEL_COMPARE_METRICS) &&
    isNum(v.base) &&
    isNum(v.candidate) &&
    isNumOrNull(v.ratio) &&
    isInterval(v.ci) &&
    isOneOf(v.verdict, PANEL_CHANGE_VERDICTS) &&
    isNum(v.minSamples)
  );
}

function isComparison(v: unknown): boolean {
  if (!isObject(v) || !isArrayOf(v.metrics, isMetricComparison) || !isUniqueBy(v.metrics as unknown[], 'metric')) return false;
  const { n, significance: s } = v;
  return (
    isObject(n) &&
    isNum(n.base) &&
    isNum(n.candidate) &&
    ['level', 'noiseBand', 'resamples', 'seed'].every((k) => isNum(v[k])) &&
    isObject(s) &&
    isStr(s.test) &&
    ['u', 'z', 'pValue', 'probabilityCandidateSlower'].every((k) => isNum(s[k])) &&
    isStrArray(v.environmentDiffs)
  );
}

function isOutputAgreement(v: unknown): boolean {
  return (
    isObject(v) &&
    isStr(v.name) &&
    // An output that could not be compared at all has NaN here (failedAgreement), which JSON
    // turns into null: the panel shows it as "—", beside the problem that says why.
    isNumOrNull(v.maxAbsError) &&
    ['relativeL2', 'cosine', 'top1Agreement', 'degradation'].every((k) => isNumOrNull(v[k])) &&
    isOneOf(v.judgedBy, ['top-1', 'relative L2'] as const) &&
    isBool(v.pass) &&
    (v.problem === undefined || isStr(v.problem))
  );
}

function isAccuracyReport(v: unknown): v is AccuracyReport {
  return isObject(v) && isNum(v.threshold) && isArrayOf(v.outputs, isOutputAgreement) && isBool(v.pass);
}

function isCheckItem(v: unknown): boolean {
  return isObject(v) && isOneOf(v.id, PANEL_CHECK_IDS) && isStr(v.title) && isOneOf(v.status, ['pass', 'fail', 'unknown'] as const) && isStr(v.evidence);
}

function isChecklist(v: unknown): v is Checklist {
  return (
    isObject(v) &&
    isArrayOf(v.items, isCheckItem) &&
    isUniqueBy(v.items as unknown[], 'id') &&
    isOneOf(v.verdict, ['pass', 'fail', 'incomplete'] as const)
  );
}

/** As isBenchmarkResult, for the comparison: the panel renders every field it reads unchecked. */
export function isPanelComparison(v: unknown): v is PanelComparison {
  if (!isObject(v) || !isOneOf(v.source, ['baseline', 'history', 'ab'] as const)) return false;
  const base = v.base;
  return (
    isObject(base) &&
    (base.id === undefined || isStr(base.id)) &&
    isStr(base.label) &&
    isBenchmarkResult(base.result) &&
    isComparison(v.comparison) &&
    (v.accuracy === undefined || isAccuracyReport(v.accuracy)) &&
    (v.checklist === undefined || isChecklist(v.checklist))
  );
}

// A snapshot or state whose comparison fails its guard is refused whole, not shown without the
// comparison: the comparison is what the user asked to see (after an A/B run it carries the
// accuracy verdict), and a panel quietly showing the candidate alone would read as "nothing to
// compare" rather than "something is wrong". Both sides are written by the same build, so a
// bad comparison means a bug or tampering, never an old format worth salvaging.
const hasValidComparison = (v: Dict): boolean => v.comparison === undefined || isPanelComparison(v.comparison);

/**
 * Why persisted state is not a PanelState: written by an older build (a schema before this
 * one), by a newer one (a downgrade), or not results at all. Lets the panel tell the user
 * whether running the benchmark again will help. The comparison's base run was written with
 * the result, so its version says the same; it is consulted when the result's own does not.
 */
export function unrestorableStateReason(v: unknown): 'older' | 'newer' | 'invalid' {
  const versions = [versionOf(isObject(v) ? v.result : undefined)];
  if (isObject(v) && isObject(v.comparison) && isObject(v.comparison.base)) versions.push(versionOf(v.comparison.base.result));
  if (versions.some((x) => x !== undefined && x < OLDEST_READABLE_SCHEMA_VERSION)) return 'older';
  if (versions.some((x) => x !== undefined && x > RESULT_SCHEMA_VERSION)) return 'newer';
  return 'invalid';
}

function versionOf(result: unknown): number | undefined {
  return isObject(result) && isNum(result.schemaVersion) ? result.schemaVersion : undefined;
}

export function isHostToWebviewMessage(v: unknown): v is HostToWebviewMessage {
  return isObject(v) && v.type === 'snapshot' && isBenchmarkResult(v.result) && hasValidComparison(v);
}

export function isWebviewToHostMessage(v: unknown): v is WebviewToHostMessage {
  if (!isObject(v)) return false;
  if (v.type === 'ready') return true;
  if (v.type === 'verdictAction') return isVerdictAction(v.action);
  // The host writes a file in the format named: anything outside the list is refused here.
  if (v.type === 'export') return isOneOf(v.format, EXPORT_FORMATS);
  return false;
}

export function isPanelState(v: unknown): v is PanelState {
  return isObject(v) && isBenchmarkResult(v.result) && hasValidComparison(v);
}
