// Small DOM helpers shared by the page's modules. DOM is built with textContent only: nothing from the
// API or the URL is parsed as HTML.

export const DONT_KNOW = 'dont-know';

export const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export const fmt = (n) => (Math.round(n * 10) / 10).toFixed(1);

/** A wide table inside a region that scrolls on its own, so the page never scrolls sideways on a phone. */
export function scrollable(label, table) {
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, table);
}

export async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const data = await res.json();
      if (data.issues) message = data.issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      else if (data.message) message = data.message;
    } catch {
      /* keep the status line */
    }
    throw new Error(message);
  }
  return res;
}
