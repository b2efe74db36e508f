// Entry point of the results panel's webview. The host sends full snapshots; the latest one is
// also kept in the webview state, because VS Code discards this page whenever the panel is
// hidden (no retained context) and after a restart, and getState() is what comes back.

import { isHostToWebviewMessage, isPanelState, unrestorableStateReason, type PanelComparison, type PanelState } from '../core/panelProtocol';
import type { BenchmarkResult } from '../core/result';
import { renderAccuracy } from './accuracy';
import { HistogramChart, TimelineChart } from './charts';
import { renderChecklist } from './checklist';
import { CompareChart } from './compareChart';
import { renderComparison } from './comparison';
import { renderDetails } from './details';
import { byId } from './dom';
import { renderExportButtons } from './exportButtons';
import { renderHeader } from './header';
import { renderSummary } from './summaryTable';
import { TelemetryView } from './telemetry';
import { observeThemeChanges, readTheme } from './theme';
import { renderVerdicts } from './verdicts';
import { StreamingView } from './streaming';

const vscode = acquireVsCodeApi();

const histogramChart = new HistogramChart(byId<HTMLCanvasElement>('histogram-chart'), byId('histogram-note'));
const timelineChart = new TimelineChart(byId<HTMLCanvasElement>('timeline-chart'), byId('timeline-note'));
const compareChart = new CompareChart(byId<HTMLCanvasElement>('compare-chart'), byId('compare-note'));
const telemetryView = new TelemetryView(byId('telemetry-card'), byId('telemetry'), byId('telemetry-note'));
const streamingView = new StreamingView({ card: byId('streaming-card'), table: byId('streaming'), ttftCanvas: byId<HTMLCanvasElement>('ttft-chart'), ttftNote: byId('ttft-note'), tpotCanvas: byId<HTMLCanvasElement>('tpot-chart'), tpotNote: byId('tpot-note') });
let current: PanelState | undefined;

renderExportButtons(byId('export-actions'), (format) => vscode.postMessage({ type: 'export', format }));

function render(result: BenchmarkResult, comparison: PanelComparison | undefined): void {
  current = comparison ? { result, comparison } : { result };
  const app = byId('app');
  const empty = byId('empty-state');
  try {
    renderHeader(byId('header'), result);
    renderVerdicts(byId('verdicts'), result.verdicts, (action) => vscode.postMessage({ type: 'verdictAction', action }));
    renderComparisonCard(comparison);
    renderSummary(byId('summary'), byId('estimator'), result);
    renderDetails(byId('details'), result);
    // Charts size themselves from their container, so it must be laid out first.
    app.hidden = false;
    empty.hidden = true;
    renderCharts(current);
  } catch (err) {
    app.hidden = true;
    empty.hidden = false;
    empty.textContent = `Could not show these results: ${err instanceof Error ? err.message : String(err)}`;
    console.error(err);
  }
}

/** Every snapshot says whether there is a comparison: one without it hides the card again. */
function renderComparisonCard(comparison: PanelComparison | undefined): void {
  const card = byId('comparison-card');
  if (!comparison) {
    card.hidden = true;
    compareChart.clear();
    for (const id of ['comparison', 'accuracy', 'checklist']) byId(id).replaceChildren();
    delete card.dataset.source;
    return;
  }
  renderComparison({ card, heading: byId('comparison-heading'), body: byId('comparison') }, comparison);
  renderAccuracy(byId('accuracy'), comparison.accuracy);
  renderChecklist(byId('checklist'), comparison.checklist);
  card.hidden = false;
}

function renderCharts(state: PanelState): void {
  const theme = readTheme();
  histogramChart.render(state.result, theme);
  timelineChart.render(state.result, theme);
  telemetryView.render(state.result, theme);
  streamingView.render(state.result, theme);
  if (state.comparison) compareChart.render(state.comparison.base.result, state.result, theme);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToWebviewMessage(message)) return;
  render(message.result, message.comparison);
  const state: PanelState = message.comparison ? { result: message.result, comparison: message.comparison } : { result: message.result };
  vscode.setState(state);
});

observeThemeChanges(() => {
  if (current && !byId('app').hidden) renderCharts(current);
});

const RESTORE_FAILED: Record<ReturnType<typeof unrestorableStateReason>, string> = {
  older: 'The previous results could not be restored: they were saved by an older version of Latency. Run the benchmark again (Latency: Run Benchmark) to see them here.',
  newer: 'The previous results could not be restored: they were saved by a newer version of Latency. Run the benchmark again (Latency: Run Benchmark) to see them here.',
  invalid: 'The previous results could not be restored. Run the benchmark again (Latency: Run Benchmark) to see them here.',
};

const saved = vscode.getState();
if (isPanelState(saved)) render(saved.result, saved.comparison);
else if (saved !== undefined && saved !== null) byId('empty-state').textContent = RESTORE_FAILED[unrestorableStateReason(saved)];

vscode.postMessage({ type: 'ready' });
