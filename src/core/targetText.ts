// How each kind of target is described in words, once, for the text report, the exports and the
// panel: an ONNX file, a Python function and a shell command load, start and run differently, so
// their cold start and runtime read differently. Plain strings: callers escape for their medium.

import { formatBytes, formatMs, formatParameters, formatRate, formatRatio } from './format';
import { sizeClass } from './onnxParameters';
import { engineFacts } from './locustRecords';
import type { BenchmarkResult, BenchmarkTarget, Environment, RequestErrors } from './result';

/** What one timed iteration is called. */
export function iterationNoun(target: BenchmarkTarget): string {
  return target.kind === 'onnx' ? 'inference' : target.kind === 'python' ? 'call' : target.kind === 'http' ? 'request' : 'run';
}

/** The row label for where the target lives. */
export function targetPlaceLabel(target: BenchmarkTarget): string {
  return target.kind === 'onnx' ? 'model' : target.kind === 'python' ? 'function' : target.kind === 'http' ? 'endpoint' : 'command';
}

/** Where the target lives: the file (with the def line for a function), or the command and its folder. */
export function targetPlace(target: BenchmarkTarget): string {
  if (target.kind === 'python') return `${target.path}${target.line !== undefined ? `:${target.line}` : ''} (${target.function}${target.setup ? `, setup ${target.setup}` : ''})`;
  if (target.kind === 'command') return `${target.command}  (in ${target.path})`;
  if (target.kind === 'http') return `${target.method} ${target.url}`;
  return target.path;
}

/** Short facts for the headline: size and parameters of a model, the interpreter of a function, the shell of a command. */
export function targetFacts(target: BenchmarkTarget): string[] {
  if (target.kind === 'onnx') {
    return [formatBytes(target.sizeBytes), ...(target.parameters !== undefined ? [`${formatParameters(target.parameters)} parameters, ${sizeClass(target.parameters).label}`] : [])];
  }
  if (target.kind === 'python') return ['Python function', ...(target.cudaSynchronized ? ['each call synchronized with CUDA'] : [])];
  if (target.kind === 'http' && target.engine) return engineFacts(target, target.engine);
  if (target.kind === 'http') {
    if (target.llm) return [`LLM streaming, ${target.llm.api} API, model ${target.llm.model}`, `${target.concurrency} in flight (closed loop)`, `${target.llm.prompts.count} prompts, max_tokens ${target.llm.maxTokens}${target.llm.sharedPrefixWords ? `, shared prefix of ${target.llm.sharedPrefixWords} words` : ''}`, `timeout ${formatMs(target.timeoutMs)}`];
    return [`HTTP endpoint`, target.openLoop ? `open loop at ${formatRate(target.openLoop.ratePerSec)} (${target.openLoop.arrival}), at most ${target.concurrency} in flight` : `${target.concurrency} in flight (closed loop)`, `timeout ${formatMs(target.timeoutMs)}`, ...(target.expectedStatus ? [`success: status ${target.expectedStatus.join(', ')}`] : []),
      ...(target.busyPoll ? ['client busy-polled for answers'] : []),
      ...(target.bodyTemplate ? [`body template: ${target.bodyTemplate.variables.map((v) => `{{${v}}}`).join(' ') || 'no variables'}${target.bodyTemplate.lines !== undefined ? `, ${target.bodyTemplate.lines} lines` : ''}, seed ${target.bodyTemplate.seed}`] : [])];
  }
  return [
    `shell command (${target.shell.join(' ')})`,
    `shell start-up ${formatMs(target.shellOverheadMs)} subtracted`,
    ...(target.prepare !== undefined ? [`prepare: ${target.prepare}`] : []),
  ];
}

/** "52 of 1,000 requests failed (5.2%): 50 status 500, 2 dropped", or "none of 1,000 requests failed". */
export function requestErrorsText(e: RequestErrors): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (e.count === 0) return `none of ${n(e.attempted)} requests failed`;
  const parts = Object.entries(e.byKind)
    .filter(([, c]) => (c ?? 0) > 0)
    .map(([kind, c]) => (kind === 'status' ? Object.entries(e.statuses).map(([s, k]) => `${n(k)} status ${s}`).join(', ') || `${n(c!)} unexpected status` : `${n(c!)} ${kind}`));
  const rate = e.attempted > 0 ? ` (${((100 * e.count) / e.attempted).toFixed(1)}%)` : '';
  return `${n(e.count)} of ${n(e.attempted)} requests failed${rate}: ${parts.join(', ')}; the latency figures are of the ${n(e.attempted - e.count)} that succeeded`;
}

/** The software the figures depend on. */
export function runtimeText(env: Environment): string {
  const parts: string[] = [];
  if (env.onnxruntime !== undefined) parts.push(`onnxruntime ${env.onnxruntime}`);
  if (env.python) {
    const packages = Object.entries(env.python.packages).map(([name, version]) => `${name} ${version}`);
    parts.push(`Python ${env.python.version}${packages.length ? ` (${packages.join(', ')})` : ''}`);
    if (env.python.cuda) parts.push(`CUDA ${env.python.cuda.runtime ?? '?'} on ${env.python.cuda.device}`);
  }
  parts.push(`node ${env.node}`);
  return parts.join(', ');
}

/** The cold start in the target's own terms: a session load, an import and setup, or nothing before the first run. */
export function coldStartText(result: BenchmarkResult): string {
  const { loadMs, firstMs, ratio, importMs, setupMs } = result.coldStart;
  const first = firstMs === null ? 'did not complete' : formatMs(firstMs);
  const noun = iterationNoun(result.target);
  let base: string;
  if (result.target.kind === 'python') {
    const split = importMs !== undefined && setupMs !== undefined ? `import ${formatMs(importMs)} + setup ${formatMs(setupMs)}` : `import and setup ${formatMs(loadMs)}`;
    base = `${split}, first ${noun} ${first}`;
  } else if (result.target.kind === 'command' || result.target.kind === 'http') {
    base = `first ${noun} ${first}`;
  } else {
    base = `session load ${formatMs(loadMs)}, first ${noun} ${first}`;
  }
  if (ratio === null || !Number.isFinite(ratio)) return base;
  // The panel's summary and timeline note use the same formatter, so the figures agree.
  return `${base} (${formatRatio(ratio)} p50)`;
}
