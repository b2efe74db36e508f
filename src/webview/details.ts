// Everything needed to reproduce or compare the run: session settings, exactly what was fed to
// each input, and the machine it ran on.

import { formatBytes, formatMs } from '../core/format';
import type { BenchmarkResult, InputPlan } from '../core/result';
import { formatCount, formatTimestamp, h, keyValueTable } from './dom';

export function renderDetails(container: HTMLElement, result: BenchmarkResult): void {
  const { config, environment: env } = result;
  const session = config.session;
  const threads = (n: number) => (n === 0 ? 'auto (onnxruntime decides)' : String(n));
  const started = Date.parse(result.startedAt);
  const finished = Date.parse(result.finishedAt);
  const elapsed = Number.isFinite(finished - started) ? formatMs(finished - started) : 'n/a';

  container.replaceChildren(
    h(
      'div',
      { className: 'detail-groups' },
      keyValueTable('Run', [
        { label: 'Iterations', value: formatCount(config.iterations) },
        { label: 'Warm-up', value: formatCount(config.warmup) },
        { label: 'Started', value: formatTimestamp(result.startedAt) },
        { label: 'Wall time', value: elapsed },
      ]),
      keyValueTable('Session', [
        { label: 'Execution providers', value: session.executionProviders.join(', ') || 'default' },
        { label: 'Intra-op threads', value: threads(session.intraOpNumThreads) },
        { label: 'Inter-op threads', value: threads(session.interOpNumThreads) },
        { label: 'Graph optimization', value: session.graphOptimizationLevel },
        { label: 'Execution mode', value: session.executionMode },
      ]),
      keyValueTable('Environment', [
        { label: 'OS', value: `${env.os} (${env.arch})` },
        { label: 'CPU', value: `${env.cpu} · ${formatCount(env.cpuCores)} cores` },
        { label: 'Memory', value: formatBytes(env.totalMemoryBytes) },
        { label: 'Node.js', value: env.node },
        { label: 'onnxruntime', value: env.onnxruntime },
        { label: 'Host', value: env.hostname },
      ]),
    ),
    inputsTable(config.inputs),
  );
}

function inputsTable(inputs: InputPlan[]): HTMLElement {
  if (inputs.length === 0) return h('p', { className: 'note' }, 'The model declares no inputs.');
  const head = ['Input', 'Type', 'Shape fed', 'Declared', 'Values', 'Why this shape'];
  return h(
    'div',
    { className: 'table-scroll' },
    h(
      'table',
      { className: 'inputs' },
      h('caption', {}, 'Inputs fed'),
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { attrs: { scope: 'col' } }, t)))),
      h(
        'tbody',
        {},
        ...inputs.map((input) =>
          h(
            'tr',
            {},
            h('td', { className: 'mono' }, input.name),
            h('td', { className: 'mono' }, input.type),
            h('td', { className: 'mono' }, `[${input.shape.join(', ')}]`),
            h('td', { className: 'mono' }, `[${input.declaredShape.join(', ')}]`),
            h('td', {}, describeFill(input.fill)),
            h('td', { className: 'notes' }, input.notes.join('; ') || '—'),
          ),
        ),
      ),
    ),
  );
}

function describeFill(fill: InputPlan['fill']): string {
  return fill.kind === 'constant'
    ? `constant ${JSON.stringify(fill.value)}`
    : `random in [${fill.low}, ${fill.high}), seed ${fill.seed}`;
}
