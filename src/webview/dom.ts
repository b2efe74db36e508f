// DOM construction for the panel. Text only ever enters through textContent (never innerHTML),
// so names and paths from the benchmarked model cannot become markup.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; attrs?: Record<string, string> } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`results panel markup is missing #${id}`);
  return el as T;
}

/** A two-column table of label → value rows; `key` tags the value cell for tests and styling. */
export function keyValueTable(
  caption: string,
  rows: Array<{ label: string; value: string; key?: string; title?: string }>,
): HTMLTableElement {
  return h(
    'table',
    { className: 'kv' },
    h('caption', {}, caption),
    h(
      'tbody',
      {},
      ...rows.map((r) => {
        const attrs: Record<string, string> = {};
        if (r.key) attrs['data-stat'] = r.key;
        if (r.title) attrs.title = r.title;
        return h('tr', {}, h('th', { attrs: { scope: 'row' } }, r.label), h('td', { attrs }, r.value));
      }),
    ),
  );
}

/** Thousands grouped with commas, independent of locale like the formatters in core/format. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return Math.round(n).toString().replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Local date and time as YYYY-MM-DD HH:MM:SS, so it reads the same whatever the locale. */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
