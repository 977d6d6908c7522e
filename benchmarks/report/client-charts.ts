/**
 * Runs in the browser (embedded as text, plain JS on purpose): the charts. Every chart names both axes
 * with their units. One colour per target throughout.
 */
export const CLIENT_CHARTS = String.raw`
// Log axes: label 1, 2 and 5 of each decade (a decade with no label leaves an axis unreadable).
// Log axes: 1, 2 and 5 of each decade; within a narrow range, every tick at least 20 % above the last labelled one.
const LOG_TICKS = { autoSkip: false, callback: (v, i, ticks) => {
  const label = (x) => (x >= 1 ? Number(x.toPrecision(3)).toLocaleString('en-US') : String(Number(x.toPrecision(2))));
  if (ticks.length > 1 && ticks[ticks.length - 1].value / ticks[0].value < 30) {
    let last = -Infinity;
    for (let k = 0; k <= i; k++) if (ticks[k].value >= last * 1.2) { if (k === i) return label(v); last = ticks[k].value; }
    return '';
  }
  const m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
  return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6) ? label(v) : '';
} };
// Dashed companions (service time, send delay, held back, p50) share their run's colour and legend entry.
const LEGEND = { labels: { boxWidth: 12, filter: (item) => !/ \(service\)$| send delay$| held back$| lag p50$/.test(item.text) } };

const PCT_LABELS = { 0: 'p0', 1: 'p90', 2: 'p99', 3: 'p99.9', 4: 'p99.99' };

function percentilePlot(parent, runs) {
  const datasets = [];
  for (const r of runs) {
    if (!r.corrected.length) continue;
    const c = colorOf(r.label);
    datasets.push({ label: r.label, data: r.corrected.map(([x, y]) => ({ x, y: Math.max(y, 0.001) })), borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: 2, borderDash: r.source === 'B' ? [2, 2] : [] });
    datasets.push({ label: r.label + ' (service)', data: r.service.map(([x, y]) => ({ x, y: Math.max(y, 0.001) })), borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: 1, borderDash: [6, 4] });
  }
  if (!datasets.length) return;
  const canvas = chartCard(parent, 'Latency by percentile', 'Solid: corrected (intended start → completion). Dashed: service time. Log scales. Each curve stops at the highest percentile its samples support (100 samples beyond it).');
  new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: { x: axis('percentile', { type: 'linear', min: 0, max: 4, ticks: { stepSize: 1, callback: (v) => PCT_LABELS[v] ?? '' } }), y: axis('latency, ms (log)', { type: 'logarithmic', ticks: LOG_TICKS }) },
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
      const data = r.timeSeries.map((p) => ({ x: p.t, y: fn(p) === undefined || (logY && fn(p) <= 0) ? null : fn(p) }));
      if (data.every((p) => p.y === null)) continue;
      datasets.push({ label: r.label + suffix, data, borderColor: c, backgroundColor: c, pointRadius: 0, borderWidth: dash.length ? 1 : 2, borderDash: dash, segment: { borderDash: (ctx) => (r.timeSeries[ctx.p1DataIndex] && r.timeSeries[ctx.p1DataIndex].phase === 'warmup' ? [2, 3] : dash.length ? dash : undefined) } });
    }
  }
  if (!datasets.length) return;
  const canvas = chartCard(parent, title, note);
  new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: { x: axis('time since start, s', { type: 'linear' }), y: axis(yTitle, { type: logY ? 'logarithmic' : 'linear', beginAtZero: !logY, ticks: logY ? LOG_TICKS : {} }) },
      plugins: { legend: LEGEND },
    },
  });
}

/**
 * Latency against achieved throughput (OpenMessaging Benchmark's and YCSB's way of reading results):
 * where a curve bends up is that target's capacity here. Small multiples: one panel per technology (the
 * store and its raw baselines), every panel on the same axes so they compare at a glance. Solid p99,
 * dashed p50, dotted p99.9. The line joins the steps that kept up only: a saturated step is a cross
 * with no line to it (its achieved rate is below its offered one, so a line would run back to the left);
 * a percentile too few samples support is a hollow triangle (it is the max).
 */
const SWEEP_FIELDS = [['p99Ms', 'p99', [], 2], ['p50Ms', 'p50', [6, 4], 1.5], ['p999Ms', 'p99.9', [2, 3], 1]];

function sweepPanels(parent, runs) {
  const sweeps = runs.filter((r) => r.sweep && r.sweep.steps.length);
  if (!sweeps.length) return;
  const all = sweeps.flatMap((r) => r.sweep.steps);
  const ys = all.flatMap((s) => SWEEP_FIELDS.map(([f]) => Math.max(s[f], 0.001)));
  const shared = { xMax: Math.max(...all.map((s) => s.achievedRate)) * 1.05, yMin: Math.min(...ys) / 1.2, yMax: Math.max(...ys) * 1.2 };
  for (const tech of [...new Set(sweeps.map((r) => r.backend))]) sweepChart(parent, sweeps.filter((r) => r.backend === tech), tech, shared);
}

function sweepChart(parent, sweeps, tech, shared) {
  const datasets = [];
  for (const r of sweeps) {
    const c = colorOf(r.label);
    const steps = r.sweep.steps;
    for (const [field, name, dash, width] of SWEEP_FIELDS) {
      const few = (s) => s.tooFewSamplesFor.includes(name);
      datasets.push({
        label: r.label + (name === 'p99' ? '' : ' ' + name), borderColor: c, backgroundColor: c, borderWidth: width, borderDash: dash, showLine: true,
        data: steps.map((s) => ({ x: s.achievedRate, y: Math.max(s[field], 0.001), step: s, name })),
        pointStyle: steps.map((s) => (s.saturated ? 'crossRot' : few(s) ? 'triangle' : 'circle')),
        pointRadius: steps.map((s) => (s.saturated ? 7 : name === 'p99' ? 3.5 : 2)),
        pointBorderWidth: steps.map((s) => (s.saturated ? 2.5 : 1)),
        pointBackgroundColor: steps.map((s) => (few(s) ? '#fff' : c)),
        segment: { borderColor: (ctx) => (steps[ctx.p0DataIndex].saturated || steps[ctx.p1DataIndex].saturated ? 'transparent' : undefined) },
      });
    }
  }
  const canvas = chartCard(parent, tech + ': corrected latency against achieved throughput', 'One point per offered rate (median of the repeats). Solid p99, dashed p50, dotted p99.9. <b>×</b>: saturated (could not keep up; no line leads to it). Hollow triangle: too few samples, the point is the max. Same axes in every panel; log latency axis.');
  new Chart(canvas, {
    type: 'scatter',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: { x: axis('achieved throughput, operations/s', { type: 'linear', min: 0, max: shared.xMax }), y: axis('corrected latency, ms (log)', { type: 'logarithmic', min: shared.yMin, max: shared.yMax, ticks: LOG_TICKS }) },
      plugins: {
        legend: { labels: { boxWidth: 12, usePointStyle: false, filter: (item) => !/ (p50|p99\.9)$/.test(item.text) } },
        tooltip: { callbacks: { label: (ctx) => { const s = ctx.raw.step; const name = ctx.raw.name; return ctx.dataset.label + ': offered ' + s.offeredRate + '/s, achieved ' + fmt(s.achievedRate, 1) + '/s, ' + (s.tooFewSamplesFor.includes(name) ? name + ' = max of ' + s.samples + ' samples' : name) + ' ' + fmt(ctx.raw.y, 3) + ' ms' + (s.saturated ? ' — SATURATED' : ''); } } },
      },
    },
  });
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
    for (const mode of ['sweep', 'open', 'closed', 'max-rate']) {
      const group = runs.filter((r) => r.mode === mode);
      if (!group.length) continue;
      section.append(el('h3', { className: 'mode' }, { sweep: 'Rate sweep: latency against throughput', open: 'Open loop (fixed arrival rate)', closed: 'Closed loop (workers as fast as possible)', 'max-rate': 'Maximum sustainable rate search' }[mode]));
      const grid = el('div', { className: 'grid' });
      section.append(grid);
      if (mode === 'sweep') {
        sweepPanels(grid, group);
        sweepTable(grid, group);
        continue;
      }
      percentilePlot(grid, group);
      seriesPlot(grid, group, 'Throughput over time', 'Successful operations per second, per interval (dotted: warm-up).', [['', (p) => p.throughput, []]], 'throughput, operations/s', false);
      if (mode === 'closed') seriesPlot(grid, group, 'p99 latency over time', 'p99 per interval (a closed loop has no send delay: it never falls behind a schedule).', [['', (p) => p.p99Ms, []]], 'p99 latency, ms (log)', true);
      else seriesPlot(grid, group, 'p99 latency and send delay over time', 'Solid: corrected p99. Dashed: send delay p99 (backpressure). Gaps: nothing completed.', [['', (p) => p.p99Ms, []], [' send delay', (p) => p.sendDelayP99Ms, [6, 4]]], 'latency, ms (log)', true);
      if (group.some((r) => r.timeSeries && r.timeSeries.some((p) => p.backlog > 0 || p.pending > 0))) {
        seriesPlot(grid, group, 'Backlog over time', 'Solid: subscription backlog (events appended, not yet handled by the slowest subscriber). Dashed: operations held back by the in-flight bound.', [['', (p) => p.backlog, []], [' held back', (p) => p.pending, [6, 4]]], 'events or operations', false);
      }
      if (group.some((r) => r.timeSeries && r.timeSeries.some((p) => p.lagP99Ms > 0))) {
        seriesPlot(grid, group, 'Subscription lag over time', 'Solid: p99, dashed: p50 of append start → handled, per interval.', [['', (p) => p.lagP99Ms, []], [' lag p50', (p) => p.lagP50Ms, [6, 4]]], 'lag, ms (log)', true);
      }
      if (group.some((r) => r.timeSeries && r.timeSeries.some((p) => p.rssMiB))) {
        seriesPlot(grid, group, 'Memory of the benchmark process over time', 'Resident set size (harness and in-process clients): events piling up in memory would show here.', [['', (p) => p.rssMiB, []]], 'resident set size, MiB', false);
      }
      groupCharts(grid, group);
      searchTable(grid, group);
    }
    root.append(section);
  }
}
`;
