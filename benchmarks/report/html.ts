/**
 * The HTML report: one self-contained file (Chart.js inlined, data embedded, no network) that shows a
 * results file, or compares two. Per workload: the HDR percentile plot (corrected latency solid, service
 * time dashed, log percentile axis to p99.99), throughput, p99 and send delay, and backlog/lag over
 * time, every target side by side; a summary table on top, the environment at the bottom.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeHistogram } from '../harness/runner.ts';
import type { ResultsFile, RunRecord } from './results.ts';
import { describeEnvironment } from '../harness/environment.ts';

/** x = log10(100 / (100 - p)): 0 = p0, 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99. */
function percentileCurve(encoded: string): [number, number][] {
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return [];
  const points: [number, number][] = [];
  for (let i = 0; i <= 80; i++) {
    const x = i / 20;
    const p = 100 * (1 - 10 ** -x);
    points.push([x, h.getValueAtPercentile(Math.min(p, 99.999)) / 1000]);
  }
  h.destroy();
  return points;
}

interface ReportRun {
  key: string;
  source: string;
  label: string;
  workload: string;
  mode: string;
  kind: string;
  status: string;
  reason: string | null;
  summary: RunRecord['summary'] | null;
  timeSeries: RunRecord['timeSeries'] | null;
  search: RunRecord['search'] | null;
  notes: string[];
  corrected: [number, number][];
  service: [number, number][];
}

function reportRuns(results: ResultsFile, source: string): ReportRun[] {
  return results.runs.map((r) => ({
    key: `${r.target}|${r.via}|${r.workload}|${r.mode}`,
    source,
    label: `${source ? `${source}: ` : ''}${r.target}${r.via === 'http' ? ' via HTTP' : ''}${r.mode !== 'open' ? ` (${r.mode})` : ''}`,
    workload: r.workload,
    mode: r.mode,
    kind: r.kind,
    status: r.status,
    reason: r.reason ?? null,
    summary: r.summary ?? null,
    timeSeries: r.timeSeries ?? null,
    search: r.search ?? null,
    notes: r.notes,
    corrected: r.histograms ? percentileCurve(r.histograms.corrected) : [],
    service: r.histograms ? percentileCurve(r.histograms.service) : [],
  }));
}

async function chartJsSource(): Promise<string> {
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js'); // …/chart.js/dist/chart.cjs
  return readFile(join(dirname(main), 'chart.umd.js'), 'utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside <script>: no `</script>`, no U+2028/2029 surprises. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface RenderOptions {
  title?: string;
  /** A second results file: the report then compares the two ("A" = first, "B" = second). */
  compareWith?: ResultsFile;
}

export async function renderHtml(results: ResultsFile, options: RenderOptions = {}): Promise<string> {
  const other = options.compareWith;
  const runs = other ? [...reportRuns(results, 'A'), ...reportRuns(other, 'B')] : reportRuns(results, '');
  const workloads = [...new Set(runs.map((r) => r.workload))];
  const title = options.title ?? (other ? `Benchmark comparison: ${results.startedAt} (A) vs ${other.startedAt} (B)` : `Benchmark results ${results.startedAt}`);
  const envs = other ? [['A', results] as const, ['B', other] as const] : [['', results] as const];
  const data = { workloads, runs, compare: Boolean(other) };
  const chartJs = (await chartJsSource()).replace(/<\/script/gi, '<\\/script');

  const envHtml = envs
    .map(
      ([name, r]) => `<section class="env"><h3>${name ? `${name}: ` : ''}Environment</h3>
<p>${escapeHtml(describeEnvironment(r.environment))}</p>
<p>Started ${escapeHtml(r.startedAt)}, finished ${escapeHtml(r.finishedAt)}. Command: <code>${escapeHtml(r.command.join(' '))}</code></p>
<ul>${r.environment.backends.map((b) => `<li><b>${escapeHtml(b.name)}</b>: ${escapeHtml(b.description)}${b.version ? ` — ${escapeHtml(b.version)}` : ''}</li>`).join('')}</ul>
<p>Packages: ${Object.entries(r.environment.packages).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`).join(', ')}</p>
<p>Settings: <code>${escapeHtml(JSON.stringify(r.environment.settings))}</code></p>
${r.environment.notes.length ? `<ul>${r.environment.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}</section>`,
    )
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #f6f7f9; --card: #fff; --accent: #2457c5; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { padding: 20px 28px 8px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 28px 0 4px; }
  h3 { font-size: 14px; margin: 0 0 8px; }
  main { padding: 0 28px 40px; }
  .lede { color: var(--muted); max-width: 980px; margin: 4px 0 0; }
  table { border-collapse: collapse; background: var(--card); font-variant-numeric: tabular-nums; width: 100%; }
  th, td { padding: 3px 7px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
  th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
  th { background: #eef1f6; position: sticky; top: 0; font-weight: 600; }
  td.note { text-align: left; white-space: normal; color: var(--muted); min-width: 220px; max-width: 380px; font-size: 12px; }
  tr.skipped td { color: #9aa1ad; }
  .better { color: #1a7f37; } .worse { color: #c62828; }
  .tablewrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; max-height: 520px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 14px; margin-top: 10px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px 12px; }
  .card p { margin: 0 0 6px; color: var(--muted); font-size: 12px; }
  .chart { position: relative; height: 280px; }
  .desc { color: var(--muted); margin: 0; }
  .env { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-top: 14px; }
  .env p, .env ul { margin: 4px 0; color: var(--muted); }
  code { font-size: 12px; }
  .steps td, .steps th { font-size: 12px; }
  h3.mode { margin: 14px 0 0; color: var(--muted); font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <p class="lede">Latency is <b>corrected</b>: measured from each operation's <i>intended</i> start on an open-loop schedule to its completion, so stalls and queueing are not hidden (coordinated omission). <b>Service time</b> (actual start to completion, dashed in the percentile plots) is what a closed-loop tool reports; <b>send delay</b> is how late operations started because the in-flight bound was reached. Warm-up is excluded. Raw-driver baselines show the practical limit of each backend here; the no-op backend shows the harness's own cost.</p>
</header>
<main>
  <h2>Summary</h2>
  <div class="tablewrap"><table id="summary"></table></div>
  <div id="workloads"></div>
  <h2>Environment</h2>
  ${envHtml}
</main>
<script>${chartJs}</script>
<script>
const DATA = ${scriptJson(data)};
const WORKLOAD_DESCRIPTIONS = ${scriptJson(Object.fromEntries([...results.workloads, ...(other?.workloads ?? [])].map((w) => [w.name, w.description])))};
${CLIENT_SCRIPT}
</script>
</body>
</html>
`;
}

/** Runs in the browser. Plain JS on purpose: it is embedded as text. */
const CLIENT_SCRIPT = String.raw`
const PALETTE = ['#2457c5', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#e67700', '#495057', '#5c7cfa', '#94d82d'];
// One colour per target in every chart: A/B (comparisons) and the mode suffix do not change it.
const colorOf = (() => { const m = new Map(); return (key) => { const base = key.replace(/^[AB]: /, '').replace(/ \((closed|max-rate)\)$/, ''); if (!m.has(base)) m.set(base, PALETTE[m.size % PALETTE.length]); return m.get(base); }; })();
const fmt = (n, d = 2) => n === null || n === undefined ? '' : (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : Number(n.toFixed(d)).toString());
const el = (tag, attrs = {}, html = '') => { const e = document.createElement(tag); Object.assign(e, attrs); if (html) e.innerHTML = html; return e; };
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
Chart.defaults.font.size = 11;
// Log axes: label the powers of ten only, without trailing zeros.
const LOG_TICKS = { callback: (v) => { const l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9 ? (v >= 1 ? v.toLocaleString('en-US') : String(Number(v.toPrecision(1)))) : ''; } };
// Dashed companions (service time, send delay, held back) share their run's colour and legend entry.
const LEGEND = { labels: { boxWidth: 12, filter: (item) => !/ \(service\)$| send delay$| held back$/.test(item.text) } };
Chart.defaults.animation = false;

function summaryTable() {
  const t = document.getElementById('summary');
  const head = ['target', 'workload', 'mode', 'rate', 'ops/s', 'events/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'service p99', 'send delay p99', 'errors', 'conflicts', 'lag p99', 'vs raw', 'notes'];
  if (DATA.compare) head.push('B vs A');
  t.innerHTML = '<thead><tr>' + head.map((h) => '<th>' + h + '</th>').join('') + '</tr></thead>';
  const body = el('tbody');
  for (const r of DATA.runs) {
    const s = r.summary;
    const tr = el('tr');
    if (!s) {
      tr.className = 'skipped';
      tr.innerHTML = '<td>' + esc(r.label) + '</td><td>' + esc(r.workload) + '</td><td>' + r.mode + '</td><td colspan="' + (head.length - 4) + '" class="note">' + esc(r.status + ': ' + (r.reason || '').split('\n')[0]) + '</td>';
      body.append(tr);
      continue;
    }
    const rate = r.mode === 'max-rate' ? 'max ' + (r.search && r.search.maxSustainableRate !== null ? fmt(r.search.maxSustainableRate) : 'none') : s.targetRate !== null ? fmt(s.targetRate) : s.concurrency + ' workers';
    // Short notes in the cell; the full text of the run's notes on hover.
    const notes = [];
    if (s.unsent) notes.push(s.unsent + ' unsent (held back by the in-flight bound)');
    if (s.drain) notes.push('drained ' + fmt(s.drain.events) + ' events in ' + s.drain.seconds + ' s (' + fmt(s.drain.eventsPerSecond) + '/s)' + (s.drain.completed ? '' : ', NOT complete'));
    for (const n of r.notes) if (!/never sent/.test(n)) notes.push(n.length > 90 ? n.slice(0, 89) + '…' : n);
    const cells = [esc(r.label), esc(r.workload), r.mode, rate, fmt(s.throughput, 1), fmt(s.eventsPerSecond, 1), fmt(s.p50Ms, 3), fmt(s.p99Ms, 3), fmt(s.p999Ms, 3), fmt(s.maxMs, 1), fmt(s.service.p99Ms, 3), fmt(s.sendDelay.p99Ms, 3), s.errorCount - s.conflicts, s.conflicts ? s.conflicts + ' (' + (s.conflictRate * 100).toFixed(1) + ' %)' : 0, s.lag ? fmt(s.lag.p99Ms, 2) : '', s.baseline ? s.baseline.throughputRatio + '× ops/s, ' + s.baseline.p99Ratio + '× p99' : ''];
    tr.innerHTML = cells.map((c) => '<td>' + c + '</td>').join('') + '<td class="note" title="' + esc(r.notes.join('\n')) + '">' + esc(notes.join('; ')) + '</td>' + (DATA.compare ? '<td>' + compareCell(r) + '</td>' : '');
    body.append(tr);
  }
  t.append(body);
}

function compareCell(r) {
  if (r.source !== 'B' || !r.summary) return '';
  const a = DATA.runs.find((x) => x.source === 'A' && x.key === r.key && x.summary);
  if (!a) return 'no A';
  const pct = (b, aa) => aa === 0 ? 'n/a' : ((b / aa - 1) * 100).toFixed(1) + ' %';
  const tp = r.summary.throughput - a.summary.throughput, p99 = r.summary.p99Ms - a.summary.p99Ms;
  return '<span class="' + (tp >= 0 ? 'better' : 'worse') + '">ops/s ' + (tp >= 0 ? '+' : '') + pct(r.summary.throughput, a.summary.throughput) + '</span>, <span class="' + (p99 <= 0 ? 'better' : 'worse') + '">p99 ' + (p99 >= 0 ? '+' : '') + pct(r.summary.p99Ms, a.summary.p99Ms) + '</span>';
}

function chartCard(parent, title, note) {
  const card = el('div', { className: 'card' }, '<h3>' + esc(title) + '</h3>' + (note ? '<p>' + note + '</p>' : ''));
  const box = el('div', { className: 'chart' });
  const canvas = el('canvas');
  box.append(canvas);
  card.append(box);
  parent.append(card);
  return canvas;
}

const PCT_LABELS = { 0: 'p0', 1: 'p90', 2: 'p99', 3: 'p99.9', 4: 'p99.99' };

function percentilePlot(parent, runs) {
  const canvas = chartCard(parent, 'Latency by percentile', 'Solid: corrected (intended start → completion). Dashed: service time. Log scales.');
  const datasets = [];
  for (const r of runs) {
    if (!r.corrected.length) continue;
    const c = colorOf(r.label);
    datasets.push({ label: r.label, data: r.corrected.map(([x, y]) => ({ x, y: Math.max(y, 0.001) })), borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: 2, borderDash: r.source === 'B' ? [2, 2] : [] });
    datasets.push({ label: r.label + ' (service)', data: r.service.map(([x, y]) => ({ x, y: Math.max(y, 0.001) })), borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: 1, borderDash: [6, 4] });
  }
  new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: {
        x: { type: 'linear', min: 0, max: 4, ticks: { stepSize: 1, callback: (v) => PCT_LABELS[v] ?? '' }, title: { display: true, text: 'percentile' } },
        y: { type: 'logarithmic', ticks: LOG_TICKS, title: { display: true, text: 'ms' } },
      },
      plugins: { legend: LEGEND, tooltip: { callbacks: { title: (items) => 'p' + (100 * (1 - Math.pow(10, -items[0].parsed.x))).toFixed(3) } } },
    },
  });
}

function seriesPlot(parent, runs, title, note, pick, yTitle, logY) {
  const withData = runs.filter((r) => r.timeSeries && r.timeSeries.length);
  const datasets = [];
  for (const r of withData) {
    for (const [suffix, fn, dash] of pick) {
      const c = colorOf(r.label);
      datasets.push({ label: r.label + suffix, data: r.timeSeries.map((p) => ({ x: p.t, y: logY && fn(p) <= 0 ? null : fn(p) })), borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: dash.length ? 1 : 2, borderDash: dash, segment: { borderDash: (ctx) => (r.timeSeries[ctx.p1DataIndex] && r.timeSeries[ctx.p1DataIndex].phase === 'warmup' ? [2, 3] : dash.length ? dash : undefined) } });
    }
  }
  if (!datasets.length) return;
  const canvas = chartCard(parent, title, note);
  new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: { x: { type: 'linear', title: { display: true, text: 'seconds' } }, y: { type: logY ? 'logarithmic' : 'linear', beginAtZero: !logY, ticks: logY ? LOG_TICKS : {}, title: { display: true, text: yTitle } } },
      plugins: { legend: LEGEND },
    },
  });
}

function searchTable(parent, runs) {
  for (const r of runs.filter((x) => x.search)) {
    const card = el('div', { className: 'card' });
    card.innerHTML = '<h3>' + esc(r.label) + ': maximum sustainable rate ' + (r.search.maxSustainableRate ?? 'none') + '/s</h3><p>Limits: p99 ≤ ' + r.search.maxP99Ms + ' ms, backlog ≤ ' + r.search.maxBacklog + '. Steps in the order tried.</p>' +
      '<table class="steps"><thead><tr><th>rate</th><th>ops/s</th><th>p99 ms</th><th>held back</th><th>unsent</th><th>verdict</th></tr></thead><tbody>' +
      r.search.steps.map((s) => '<tr><td>' + fmt(s.rate) + '</td><td>' + fmt(s.throughput, 1) + '</td><td>' + fmt(s.p99Ms, 3) + '</td><td>' + s.maxPending + '</td><td>' + s.unsent + '</td><td class="note ' + (s.sustainable ? 'better' : 'worse') + '">' + esc(s.why) + '</td></tr>').join('') + '</tbody></table>';
    parent.append(card);
  }
}

function workloadSections() {
  const root = document.getElementById('workloads');
  for (const w of DATA.workloads) {
    const runs = DATA.runs.filter((r) => r.workload === w && r.summary);
    const section = el('section');
    section.append(el('h2', {}, esc(w)));
    section.append(el('p', { className: 'desc' }, esc(WORKLOAD_DESCRIPTIONS[w] || '')));
    if (!runs.length) { section.append(el('p', { className: 'desc' }, 'No target ran this workload (see the summary for why).')); root.append(section); continue; }
    // One group per load mode: open-loop latency and closed-loop throughput answer different questions.
    for (const mode of ['open', 'closed', 'max-rate']) {
      const group = runs.filter((r) => r.mode === mode);
      if (!group.length) continue;
      section.append(el('h3', { className: 'mode' }, { open: 'Open loop (fixed arrival rate)', closed: 'Closed loop (workers as fast as possible)', 'max-rate': 'Maximum sustainable rate search' }[mode]));
      const grid = el('div', { className: 'grid' });
      section.append(grid);
      percentilePlot(grid, group);
      seriesPlot(grid, group, 'Throughput over time', 'Successful operations per second, per interval (dotted: warm-up). Log scale.', [['', (p) => p.throughput, []]], 'ops/s', true);
      if (mode === 'closed') seriesPlot(grid, group, 'p99 latency over time', 'p99 per interval (a closed loop has no send delay: it never falls behind a schedule).', [['', (p) => p.p99Ms, []]], 'ms', true);
      else seriesPlot(grid, group, 'p99 latency and send delay over time', 'Solid: corrected p99. Dashed: send delay p99 (backpressure). Gaps: nothing completed.', [['', (p) => p.p99Ms, []], [' send delay', (p) => p.sendDelayP99Ms, [6, 4]]], 'ms', true);
      if (group.some((r) => r.timeSeries && r.timeSeries.some((p) => p.backlog > 0 || p.pending > 0))) {
        seriesPlot(grid, group, 'Backlog over time', 'Solid: subscription backlog (events). Dashed: operations held back by the in-flight bound.', [['', (p) => p.backlog, []], [' held back', (p) => p.pending, [6, 4]]], 'count', false);
      }
      if (group.some((r) => r.timeSeries && r.timeSeries.some((p) => p.lagP99Ms > 0))) {
        seriesPlot(grid, group, 'Subscription lag over time', 'p99 of append start → delivery, per interval.', [['', (p) => p.lagP99Ms, []]], 'ms', true);
      }
      searchTable(grid, group);
    }
    root.append(section);
  }
}

summaryTable();
workloadSections();
document.body.dataset.rendered = 'true';
`;
