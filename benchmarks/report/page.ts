/**
 * What every HTML page of the workbench shares (the benchmark report, the failover drill's report): one
 * self-contained file with Chart.js inlined and the data embedded, the report's stylesheet, and the
 * browser-side basics (formatting, elements, colours, a chart card with titled axes).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export async function chartJsSource(): Promise<string> {
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js'); // …/chart.js/dist/chart.cjs
  return (await readFile(join(dirname(main), 'chart.umd.js'), 'utf8')).replace(/<\/script/gi, '<\\/script');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside <script>: no `</script>`, no U+2028/2029 surprises. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Runs in the browser, before any page's own script: formatting, elements, one colour per target, chart cards. */
export const CLIENT_BASICS = String.raw`
const fmt = (n, d = 2) => n === null || n === undefined ? '' : (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : Number(n.toFixed(d)).toString());
const el = (tag, attrs = {}, html = '') => { const e = document.createElement(tag); Object.assign(e, attrs); if (html) e.innerHTML = html; return e; };
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const PALETTE = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#e67700', '#495057', '#5c7cfa', '#94d82d'];
// One colour per target in every chart: A/B (comparisons) and the mode suffix do not change it.
const colorOf = (() => { const m = new Map(); return (key) => { const base = key.replace(/^[AB]: /, '').replace(/ \((closed|max-rate|sweep|growth)\)$/, ''); if (!m.has(base)) m.set(base, PALETTE[m.size % PALETTE.length]); return m.get(base); }; })();
Chart.defaults.font.size = 11;
Chart.defaults.animation = false;
const axis = (text, extra = {}) => ({ ...extra, title: { display: true, text } });

function chartCard(parent, title, note, wide) {
  const card = el('div', { className: 'card' + (wide ? ' wide' : '') }, '<h3>' + esc(title) + '</h3>' + (note ? '<p>' + note + '</p>' : ''));
  const box = el('div', { className: wide ? 'chart tall' : 'chart' });
  const canvas = el('canvas');
  box.append(canvas);
  card.append(box);
  parent.append(card);
  return canvas;
}
`;
