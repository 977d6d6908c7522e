/**
 * The drill's HTML report: one self-contained page (the benchmark report's shell, benchmarks/report/page.ts)
 * of one or more drills, say a safe cluster beside its pitfall twin. Per fault: what was acknowledged and
 * what of it was lost (with duplicates and phantoms), and the writers' unavailability (p50/p99/max over
 * that fault's failovers); per failover, how its time was spent (hold-back, detection, promotion,
 * rebuild); the tables with every figure the charts draw, and the machine's load.
 */
import { chartJsSource, CLIENT_BASICS, escapeHtml, scriptJson } from '../../benchmarks/report/page.ts';
import { REPORT_CSS } from '../../benchmarks/report/style.ts';
import type { DrillReport } from './records.ts';

/** Runs in the browser (plain JS on purpose, as the benchmark report's client code). */
const CLIENT_DRILL = String.raw`
function drillPage() {
  const main = document.getElementById('drills');
  const rows = DATA.flatMap((d) => d.faults.map((f) => ({ d, f, label: d.backend + ' · ' + f.fault })));
  const labels = rows.map((r) => r.label);
  const bars = (label, color, pick) => ({ label, data: rows.map(pick), backgroundColor: color, borderColor: color });
  const grid = el('div', { className: 'grid' });
  main.append(grid);
  new Chart(chartCard(grid, 'Acknowledged and lost, per fault', 'Counted by the checker after every failover: <b>lost</b> = acknowledged to a writer but not readable afterwards; <b>phantom</b> = refused or unanswered but stored; <b>duplicated</b> = stored twice.'), {
    type: 'bar',
    data: { labels, datasets: [
      bars('acknowledged', '#2457c5', (r) => r.f.acknowledged),
      bars('lost', '#c92a2a', (r) => r.f.lost),
      bars('duplicated', '#e67700', (r) => r.f.duplicated),
      bars('phantom', '#862e9c', (r) => r.f.phantom),
    ] },
    options: { maintainAspectRatio: false, scales: { x: axis('backend · fault'), y: axis('appends', { beginAtZero: true }) }, plugins: { legend: { labels: { boxWidth: 12 } } } },
  });
  new Chart(chartCard(grid, 'Unavailability, per fault', 'The longest stretch without any acknowledged append around each fault (failed and hung appends alike), over that fault’s failovers.'), {
    type: 'bar',
    data: { labels, datasets: [
      bars('p50', '#74c0fc', (r) => r.f.unavailableMs.p50 / 1000),
      bars('p99', '#1c7ed6', (r) => r.f.unavailableMs.p99 / 1000),
      bars('max', '#0b3d91', (r) => r.f.unavailableMs.max / 1000),
    ] },
    options: { maintainAspectRatio: false, scales: { x: axis('backend · fault'), y: axis('unavailable (s)', { beginAtZero: true }) }, plugins: { legend: { labels: { boxWidth: 12 } } } },
  });
  const failovers = DATA.flatMap((d) => d.timeline.map((t, i) => ({ d, t, label: d.backend + ' #' + (i + 1) + ' ' + t.fault })));
  const phase = (label, color, pick) => ({ label, data: failovers.map((x) => pick(x.t) / 1000), backgroundColor: color, stack: 'time' });
  new Chart(chartCard(grid, 'Each failover, from the hold-back to a whole cluster', 'Hold-back: replication held before the fault (the same on safe and unsafe clusters); detection: until the failover manager declared the primary or leader dead; promotion: until a new one took writes; rebuild: until a replica followed it again. The writers’ unavailability is the line.', true), {
    type: 'bar',
    data: { labels: failovers.map((x) => x.label), datasets: [
      phase('hold-back', '#adb5bd', (t) => t.lagMs),
      phase('detection', '#f59f00', (t) => t.detectMs),
      phase('promotion', '#d9480f', (t) => t.promoteMs),
      phase('rebuild', '#2b8a3e', (t) => t.rebuildMs),
      { type: 'line', label: 'unavailable to the writers', data: failovers.map((x) => x.t.unavailableMs / 1000), borderColor: '#1d2330', backgroundColor: '#1d2330', showLine: false, pointRadius: 5, pointStyle: 'rectRot' },
    ] },
    options: { maintainAspectRatio: false, scales: { x: axis('failover'), y: axis('seconds', { stacked: true, beginAtZero: true }) }, plugins: { legend: { labels: { boxWidth: 12 } } } },
  });
  const th = (cells) => '<tr>' + cells.map((c) => '<th>' + c + '</th>').join('') + '</tr>';
  const td = (cells) => '<tr>' + cells.map((c) => '<td>' + c + '</td>').join('') + '</tr>';
  const ms = (p) => fmt(p.p50, 0) + ' / ' + fmt(p.p99, 0) + ' / ' + fmt(p.max, 0);
  const table = (title, head, body) => {
    main.append(el('h2', {}, esc(title)));
    const wrap = el('div', { className: 'tablewrap' });
    wrap.append(el('table', {}, th(head) + body.join('')));
    main.append(wrap);
  };
  table('Per drill', ['backend', 'failovers', 'writers', 'acknowledged', 'lost', 'duplicated', 'phantom', 'no answer', 'subscriber missed', 'subscriber twice', 'unavailable ms p50 / p99 / max', 'load average start → end'],
    DATA.map((d) => td([esc(d.backend), d.failovers, d.writers, fmt(d.acknowledged, 0), fmt(d.lost, 0), d.duplicated, d.phantom, d.indeterminate, fmt(d.subscriberMissed, 0), d.subscriberDuplicated, ms(d.unavailableMs),
      d.machine ? d.machine.loadAverageStart.map((x) => fmt(x, 2)).join(' ') + ' → ' + d.machine.loadAverageEnd.map((x) => fmt(x, 2)).join(' ') + ' (' + d.machine.cores + ' cores)' : ''])));
  table('Per fault', ['backend', 'fault', 'failovers', 'acknowledged', 'lost', 'duplicated', 'phantom', 'unavailable ms p50 / p99 / max'],
    rows.map(({ d, f }) => td([esc(d.backend), f.fault, f.failovers, fmt(f.acknowledged, 0), fmt(f.lost, 0), f.duplicated, f.phantom, ms(f.unavailableMs)])));
  table('Per failover', ['backend', '#', 'fault', 'hold-back ms', 'acknowledged during it', 'detected ms', 'promoted ms', 'rebuilt ms', 'unavailable ms', 'lost'],
    DATA.flatMap((d) => d.timeline.map((t, i) => td([esc(d.backend), i + 1, t.fault, t.lagMs, t.acknowledgedDuringLag, t.detectMs, t.promoteMs, t.rebuildMs, t.unavailableMs, t.lost]))));
}
`;

const DRILL_CSS = `
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; margin-top: 12px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .card.wide { grid-column: 1 / -1; }
  .card p { color: var(--muted); margin: 0 0 6px; }
  .chart { position: relative; height: 300px; }
  .chart.tall { height: 360px; }
  @media (max-width: 600px) { .grid { grid-template-columns: 1fr; } }
`;

export async function renderDrillHtml(drills: readonly DrillReport[], title?: string): Promise<string> {
  if (drills.length === 0) throw new Error('a drill report needs at least one drill');
  const heading = title ?? `Failover drill: ${[...new Set(drills.map((d) => d.backend))].join(', ')}`;
  const busy = drills.filter((d) => d.machine && d.machine.loadAverageStart[0]! > d.machine.cores);
  const busyBackends = [...new Set(busy.map((d) => d.backend))];
  const banner = busy.length
    ? `<p class="banner">The machine was busy (load average above its ${busy[0]!.machine!.cores} cores at the start of ${busy.length === 1 ? 'the drill of' : `${busy.length} of the ${drills.length} drills:`} ${busyBackends.map(escapeHtml).join(', ')}): unavailability windows are longer than on a quiet machine; the counts of lost appends are not a matter of speed.</p>`
    : '';
  // Each backend's settings once, with when its drills ran (a report may hold several drills of one backend).
  const backends = [...new Set(drills.map((d) => d.backend))].map((backend) => {
    const own = drills.filter((d) => d.backend === backend);
    const when = own.length === 1 ? `started ${own[0]!.startedAt}, ${Math.round(own[0]!.durationMs / 1000)} s` : `${own.length} drills, started ${own[0]!.startedAt} to ${own.at(-1)!.startedAt}`;
    return `${escapeHtml(backend)}: ${escapeHtml(own[0]!.durability)} (${escapeHtml(when)}).`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(heading)}</title>
<style>${REPORT_CSS}${DRILL_CSS}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(heading)}</h1>
  <p class="lede">Writers in other OS processes append all along (half with expected versions, half with <code>any</code>; a retry reuses its event id), a subscriber follows <code>$all</code>, and the nemesis strikes the primary or leader: <b>kill</b> (SIGKILL), <b>pause</b> (SIGSTOP past the failure detection, then fenced), <b>partition</b> (cut off from the other nodes and the clients on a network of namespaces, then fenced and healed). Then everything is read back.</p>
  <ul class="lede">${backends.map((b) => `<li>${b}</li>`).join('')}</ul>
  ${banner}
</header>
<main id="drills"></main>
<script>${await chartJsSource()}</script>
<script>
const DATA = ${scriptJson(drills)};
${CLIENT_BASICS}
${CLIENT_DRILL}
drillPage();
document.body.dataset.rendered = 'true';
</script>
</body>
</html>
`;
}
