// Export buttons in the header. The webview only asks; the host renders the report (from the
// same result and comparison it sent) and chooses where to save it, so no file content or path
// ever comes from the page.

import { EXPORT_FORMATS, type ExportFormat } from '../core/panelProtocol';
import { h } from './dom';

const LABEL: Record<ExportFormat, string> = { markdown: 'Markdown', csv: 'CSV', json: 'JSON' };

/** Built once: the buttons carry no data, and #app hides them until there is a result. */
export function renderExportButtons(container: HTMLElement, onExport: (format: ExportFormat) => void): void {
  container.replaceChildren(
    h('span', { className: 'export-label', attrs: { 'aria-hidden': 'true' } }, 'Export'),
    ...EXPORT_FORMATS.map((format) => {
      const button = h(
        'button',
        {
          className: 'export-button',
          attrs: { type: 'button', 'data-export': format, title: `Save these results (with the comparison, when one is shown) as ${LABEL[format]}`, 'aria-label': `Export as ${LABEL[format]}` },
        },
        LABEL[format],
      );
      button.addEventListener('click', () => onExport(format));
      return button;
    }),
  );
}
