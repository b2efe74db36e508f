// Chart colours come from VS Code's theme. Canvas cannot use CSS variables, so they are read
// into concrete colours here and re-read whenever VS Code switches theme: it swaps the body's
// vscode-light / vscode-dark / vscode-high-contrast class and rewrites the variables in
// <html style>.

export interface ChartTheme {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  /** Measured samples. */
  primary: string;
  /** Warm-up samples. */
  secondary: string;
  /** The cold first inference and the p99 marker. */
  alert: string;
  /** The p50 marker. */
  accent: string;
  /** Labelled outliers on the timeline, the GPU clock in telemetry and the base run in a comparison: apart from the four above. */
  outlier: string;
  hoverBackground: string;
  hoverForeground: string;
  hoverBorder: string;
  fontFamily: string;
  monoFontFamily: string;
  fontSize: number;
}

function themeKind(): ChartTheme['kind'] {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

// VS Code's own defaults, for when the panel is opened outside it or a theme omits a colour.
const FALLBACKS: Record<ChartTheme['kind'], Record<string, string>> = {
  dark: { fg: '#cccccc', muted: '#9d9d9d', border: '#2b2b2b', bg: '#1f1f1f', blue: '#3794ff', orange: '#d18616', red: '#f14c4c', green: '#89d185', purple: '#b180d7' },
  light: { fg: '#3b3b3b', muted: '#717171', border: '#e5e5e5', bg: '#ffffff', blue: '#1a85ff', orange: '#d18616', red: '#e51400', green: '#388a34', purple: '#652d90' },
  'high-contrast': { fg: '#ffffff', muted: '#ffffff', border: '#6fc3df', bg: '#000000', blue: '#3794ff', orange: '#d18616', red: '#f14c4c', green: '#89d185', purple: '#b180d7' },
  'high-contrast-light': { fg: '#292929', muted: '#292929', border: '#0f4a85', bg: '#ffffff', blue: '#0f4a85', orange: '#b5200d', red: '#b5200d', green: '#374e06', purple: '#652d90' },
};

export function readTheme(): ChartTheme {
  const kind = themeKind();
  const fb = FALLBACKS[kind];
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-foreground', fb.fg!);
  return {
    kind,
    foreground,
    muted: v('--vscode-descriptionForeground', fb.muted!),
    grid: v('--vscode-panel-border', fb.border!),
    background: v('--vscode-editor-background', fb.bg!),
    primary: v('--vscode-charts-blue', fb.blue!),
    secondary: v('--vscode-charts-orange', fb.orange!),
    alert: v('--vscode-charts-red', fb.red!),
    accent: v('--vscode-charts-green', fb.green!),
    outlier: v('--vscode-charts-purple', fb.purple!),
    hoverBackground: v('--vscode-editorHoverWidget-background', fb.bg!),
    hoverForeground: v('--vscode-editorHoverWidget-foreground', foreground),
    hoverBorder: v('--vscode-editorHoverWidget-border', fb.border!),
    fontFamily: v('--vscode-font-family', 'system-ui, sans-serif'),
    monoFontFamily: v('--vscode-editor-font-family', 'monospace'),
    fontSize: Number.parseFloat(v('--vscode-font-size', '13')) || 13,
  };
}

let probe: CanvasRenderingContext2D | null | undefined;

/**
 * `color` at the given opacity. Theme colours arrive in any CSS syntax (#rgb, #rrggbbaa,
 * rgb(), named), so the canvas normalises them first.
 */
export function withAlpha(color: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const normalised = String(probe.fillStyle);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normalised);
  if (hex) {
    const [r, g, b] = [hex[1], hex[2], hex[3]].map((x) => Number.parseInt(x!, 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)$/.exec(normalised.replace(/\s/g, ''));
  if (rgba) {
    const a = rgba[4] === undefined ? 1 : Number(rgba[4]);
    return `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${a * alpha})`;
  }
  return color;
}

/** Calls `onChange` (at most once per frame) after VS Code changes theme. */
export function observeThemeChanges(onChange: () => void): () => void {
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onChange();
    });
  });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  return () => observer.disconnect();
}
