// The results panel's HTML shell. Pure so it can be served unchanged by the browser test;
// everything inside the containers is built by the webview bundle with DOM APIs, so the only
// interpolated values are the host-supplied URIs, nonce and title below.

export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview's own resources are served from. */
  cspSource: string;
  /** Fresh per render; the only way a script may run (no 'unsafe-inline', no hosts). */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** Shown until a result arrives, e.g. when persisted state could not be revived. */
  emptyMessage?: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * chart.js needs nothing beyond this: it draws on canvas, sizes it through the CSSOM
 * (`el.style.x = …`, which style-src does not govern) and injects no <style> element.
 */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ') + ';';
}

export function renderPanelHtml(opts: PanelHtmlOptions): string {
  const a = escapeHtml;
  const empty = opts.emptyMessage ?? 'Waiting for benchmark results…';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(panelCsp(opts.cspSource, opts.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(opts.styleUri)}">
<title>${a(opts.title)}</title>
</head>
<body>
<div id="empty-state" class="empty-state" role="status">${a(empty)}</div>
<main id="app" hidden>
  <div class="header-row">
    <header id="header" class="header"></header>
    <div id="export-actions" class="export-actions" role="group" aria-label="Export these results"></div>
  </div>
  <!-- When the run is set against another, that is what the user came for: it comes first. -->
  <section id="comparison-card" class="card comparison-card" aria-labelledby="comparison-heading" hidden>
    <h2 id="comparison-heading" class="comparison-heading"></h2>
    <div id="comparison" class="comparison"></div>
    <div class="chart-box"><canvas id="compare-chart" role="img" aria-label="Cumulative distributions of the base run's latencies and this run's"></canvas></div>
    <p id="compare-note" class="note"></p>
    <div id="accuracy" class="accuracy" hidden></div>
    <div id="checklist" class="checklist-section" hidden></div>
  </section>
  <section id="verdicts-card" class="card verdicts-card" aria-labelledby="verdicts-heading">
    <h2 id="verdicts-heading">Run checks</h2>
    <div id="verdicts"></div>
  </section>
  <section class="card" aria-labelledby="summary-heading">
    <h2 id="summary-heading">Summary</h2>
    <div id="summary"></div>
    <p id="estimator" class="note"></p>
  </section>
  <section id="streaming-card" class="card" aria-labelledby="streaming-heading" hidden>
    <h2 id="streaming-heading">LLM streaming</h2>
    <div id="streaming"></div>
    <div class="charts">
      <div>
        <div class="chart-box"><canvas id="ttft-chart" role="img" aria-label="Cumulative distribution of the time to first token, with the SLO"></canvas></div>
        <p id="ttft-note" class="note"></p>
      </div>
      <div>
        <div class="chart-box"><canvas id="tpot-chart" role="img" aria-label="Cumulative distribution of the time per output token, with the SLO"></canvas></div>
        <p id="tpot-note" class="note"></p>
      </div>
    </div>
  </section>
  <div class="charts">
    <section class="card" aria-labelledby="histogram-heading">
      <h2 id="histogram-heading">Latency distribution</h2>
      <div class="chart-box"><canvas id="histogram-chart" role="img" aria-label="Histogram of measured latencies"></canvas></div>
      <p id="histogram-note" class="note"></p>
    </section>
    <section class="card" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Every iteration</h2>
      <div class="chart-box"><canvas id="timeline-chart" role="img" aria-label="Latency of each iteration in run order"></canvas></div>
      <p id="timeline-note" class="note"></p>
    </section>
  </div>
  <section id="telemetry-card" class="card" aria-labelledby="telemetry-heading" hidden>
    <h2 id="telemetry-heading">Machine during the run</h2>
    <div id="telemetry" class="telemetry"></div>
    <p id="telemetry-note" class="note"></p>
  </section>
  <section class="card" aria-labelledby="details-heading">
    <h2 id="details-heading">Details</h2>
    <div id="details" class="details"></div>
  </section>
</main>
<script nonce="${a(opts.nonce)}" src="${a(opts.scriptUri)}"></script>
</body>
</html>
`;
}
