// Entry point of the results panel's webview. The host sends full snapshots; the latest one is
// also kept in the webview state, because VS Code discards this page whenever the panel is
// hidden (no retained context) and after a restart, and getState() is what comes back.

import { isHostToWebviewMessage, isPanelState, unrestorableStateReason } from '../core/panelProtocol';
import type { BenchmarkResult } from '../core/result';
import { HistogramChart, TimelineChart } from './charts';
import { renderDetails } from './details';
import { byId } from './dom';
import { renderHeader } from './header';
import { renderSummary } from './summaryTable';
import { TelemetryView } from './telemetry';
import { observeThemeChanges, readTheme } from './theme';
import { renderVerdicts } from './verdicts';

const vscode = acquireVsCodeApi();

const histogramChart = new HistogramChart(byId<HTMLCanvasElement>('histogram-chart'), byId('histogram-note'));
const timelineChart = new TimelineChart(byId<HTMLCanvasElement>('timeline-chart'), byId('timeline-note'));
const telemetryView = new TelemetryView(byId('telemetry-card'), byId('telemetry'), byId('telemetry-note'));
let current: BenchmarkResult | undefined;

function render(result: BenchmarkResult): void {
  current = result;
  const app = byId('app');
  const empty = byId('empty-state');
  try {
    renderHeader(byId('header'), result);
    renderVerdicts(byId('verdicts'), result.verdicts, (action) => vscode.postMessage({ type: 'verdictAction', action }));
    renderSummary(byId('summary'), byId('estimator'), result);
    renderDetails(byId('details'), result);
    // Charts size themselves from their container, so it must be laid out first.
    app.hidden = false;
    empty.hidden = true;
    renderCharts(result);
  } catch (err) {
    app.hidden = true;
    empty.hidden = false;
    empty.textContent = `Could not show these results: ${err instanceof Error ? err.message : String(err)}`;
    console.error(err);
  }
}

function renderCharts(result: BenchmarkResult): void {
  const theme = readTheme();
  histogramChart.render(result, theme);
  timelineChart.render(result, theme);
  telemetryView.render(result, theme);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isHostToWebviewMessage(message)) return;
  render(message.result);
  vscode.setState({ result: message.result });
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
if (isPanelState(saved)) render(saved.result);
else if (saved !== undefined && saved !== null) byId('empty-state').textContent = RESTORE_FAILED[unrestorableStateReason(saved)];

vscode.postMessage({ type: 'ready' });
