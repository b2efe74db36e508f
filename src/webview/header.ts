// The panel's header: what was measured, how the run ended when it chose its own length, and a
// banner when the figures cover fewer runs than were configured, so a partial result is never
// mistaken for a complete one.

import { formatBytes, formatParameters } from '../core/format';
import { sizeClass } from '../core/onnxParameters';
import { placeInClass } from '../core/sizeClassRanges';
import type { BenchmarkResult } from '../core/result';
import { requestErrorsText, targetFacts, targetPlace } from '../core/targetText';
import { describeStopReason } from './details';
import { formatCount, formatTimestamp, h } from './dom';

export function renderHeader(container: HTMLElement, result: BenchmarkResult): void {
  const { target, config, summary } = result;
  const measured = summary?.n ?? 0;
  const runs = `${formatCount(measured)} measured + ${formatCount(result.warmupSamplesMs.length)} warm-up runs`;

  const banner = result.partial ? partialBanner(result, measured, config.iterations) : undefined;
  // Only with the team's ranges for this class: the class alone is already in the meta line.
  const placement = target.kind === 'onnx' ? placeInClass(target.parameters, summary?.p50Ms, config.sizeClassRanges) : undefined;
  const place = targetPlace(target);
  container.replaceChildren(
    h('h1', { className: 'model-name', attrs: { title: target.name, 'data-target-kind': target.kind } }, target.name),
    h('p', { className: 'model-path', attrs: { title: place } }, place),
    h(
      'p',
      { className: 'meta' },
      [
        ...(target.kind === 'onnx'
          ? [formatBytes(target.sizeBytes), ...(target.parameters !== undefined ? [`${formatParameters(target.parameters)} parameters (${sizeClass(target.parameters).label.replace(' parameters', '')})`] : [])]
          : targetFacts(target)),
        runs,
        // A fixed count needs no explanation; an adaptive run's length is itself a finding.
        ...(result.stopping.mode === 'adaptive' ? [`adaptive stop: ${describeStopReason(result.stopping.reason)}`] : []),
        `finished ${formatTimestamp(result.finishedAt)}`,
      ].join(' · '),
    ),
    ...(placement?.range ? [h('p', { className: 'size-class', attrs: { 'data-size-position': placement.position ?? 'none' } }, `Size class ${placement.text}`)] : []),
    ...(banner ? [banner] : []),
    // Failed requests are not in any figure below: say so where the figures start.
    ...(result.errors && result.errors.count > 0
      ? [h('div', { className: 'banner banner-partial', attrs: { role: 'status', id: 'errors-banner' } }, h('strong', {}, 'Failed requests — '), h('span', {}, requestErrorsText(result.errors)))]
      : []),
  );
}

function partialBanner(result: BenchmarkResult, measured: number, configured: number): HTMLElement {
  const reason = result.partialReason?.trim() || `completed ${formatCount(measured)} of ${formatCount(configured)} runs`;
  const scope =
    measured > 0
      ? `The figures below cover the ${formatCount(measured)} measured runs that completed.`
      : 'No measured run completed, so there are no latency figures.';
  return h(
    'div',
    { className: 'banner banner-partial', attrs: { role: 'status', id: 'partial-banner' } },
    h('strong', {}, `Partial — ${reason}`),
    h('span', {}, ` ${scope}`),
  );
}
