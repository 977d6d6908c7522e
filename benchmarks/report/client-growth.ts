/**
 * Runs in the browser (embedded as text, plain JS on purpose): the growth curves. One row of panels per
 * technology (the store and its raw baseline in each panel, one colour per target as everywhere): append
 * latency, readStream latency, bytes per event on disk and catch-up rate, each against stored events on
 * a log axis; then each target's steps as a table. A saturated step is a cross and no line leads to it;
 * a percentile too few samples support is a hollow triangle (the point is the max).
 */
export const CLIENT_GROWTH = String.raw`
// judged: the figure is a latency of a step that can saturate (a cross, no line); sizes and rates are not.
function growthChart(parent, runs, title, note, series, yTitle, logY, judged) {
  const datasets = [];
  for (const r of runs) {
    const c = colorOf(r.label);
    const steps = r.growth.steps;
    for (const [suffix, pick, dash, field] of series) {
      const points = steps.map((s) => ({ x: Math.max(s.storedEvents, 1), y: pick(s), step: s })).filter((p) => p.y !== null && p.y !== undefined && (!logY || p.y > 0));
      if (!points.length) continue;
      const few = (s) => field && s.tooFewSamplesFor.includes(field);
      const sat = (s) => judged && s.saturated;
      datasets.push({
        label: growthLabel(r) + suffix, data: points, borderColor: c, backgroundColor: c, borderWidth: dash.length ? 1.5 : 2, borderDash: dash, showLine: true,
        pointStyle: points.map((p) => (sat(p.step) ? 'crossRot' : few(p.step) ? 'triangle' : 'circle')),
        pointRadius: points.map((p) => (sat(p.step) ? 7 : 3.5)),
        pointBackgroundColor: points.map((p) => (few(p.step) ? '#fff' : c)),
        segment: { borderColor: (ctx) => (sat(points[ctx.p0DataIndex].step) || sat(points[ctx.p1DataIndex].step) ? 'transparent' : undefined) },
      });
    }
  }
  if (!datasets.length) return;
  const canvas = chartCard(parent, title, note);
  new Chart(canvas, {
    type: 'scatter',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: { x: axis('stored events (log)', { type: 'logarithmic', ticks: LOG_TICKS }), y: axis(yTitle, { type: logY ? 'logarithmic' : 'linear', beginAtZero: !logY, ticks: logY ? LOG_TICKS : {} }) },
      plugins: {
        legend: { labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ' at ' + fmt(ctx.raw.step.storedEvents, 0) + ' events: ' + fmt(ctx.raw.y, 3) + (ctx.raw.step.saturated ? ' — SATURATED' : '') } },
      },
    },
  });
}

/** "append (send delay), readStream old (unsent)": which measurement fell behind and how; the details are the cell's title. */
function growthVerdict(step) {
  const parts = new Map();
  for (const why of step.saturation) {
    const [what, reason] = [why.slice(0, why.indexOf(':')), why.slice(why.indexOf(':') + 1)];
    const kind = /never sent/.test(reason) ? 'unsent' : /achieved/.test(reason) ? 'achieved < offered' : /send delay/.test(reason) ? 'send delay' : reason.trim();
    parts.set(what, [...new Set([...(parts.get(what) || []), kind])]);
  }
  return [...parts].map(([what, kinds]) => what + ' (' + kinds.join(', ') + ')').join(', ');
}

const growthLabel = (r) => r.label.replace(/ \(growth\)$/, '');

function growthTable(parent, r) {
  const card = el('div', { className: 'card wide' });
  const g = r.growth;
  const mib = (b) => fmt(b / 1048576, 0);
  card.innerHTML = '<h3>' + esc(growthLabel(r)) + ': growth steps</h3><p>Fill: ' + esc(g.fillMethod) + '; streams of ' + g.eventsPerStream + ' events. Appends at ' + (g.steps[0] ? g.steps[0].appendRate : '') + '/s, open loop, corrected. Catch-up: a new reader from the start of $all, followed at most the time shown.' + (r.busy ? ' <b class="warn">Busy machine</b>: ' + esc(r.busy) + '.' : '') + '</p>' +
    '<div class="tablewrap"><table class="steps"><thead><tr><th>stored events</th><th>fill s</th><th>open s</th><th>append p50 / p99 ms</th><th>readStream old p50 / p99 ms</th><th>hot p50 / p99 ms</th><th>catch-up events/s</th><th>tail ms</th><th>bytes/event</th><th>RSS MiB</th><th>samples</th></tr></thead><tbody>' +
    g.steps.map((s) => '<tr><td>' + fmt(s.storedEvents, 0) + '</td><td>' + fmt(s.fillSeconds, 1) + '</td><td>' + fmt(s.openSeconds, 2) + '</td><td>' + fmt(s.appendP50Ms) + ' / ' + fmt(s.appendP99Ms) + '</td><td>' + fmt(s.readStreamOldP50Ms) + ' / ' + fmt(s.readStreamOldP99Ms) + '</td><td>' + fmt(s.readStreamHotP50Ms) + ' / ' + fmt(s.readStreamHotP99Ms) + '</td><td>' + fmt(s.catchUpEventsPerSecond, 0) + (s.catchUpReachedEnd ? '' : ' <small>(' + fmt(s.catchUpEvents, 0) + ' in ' + fmt(s.catchUpSeconds, 1) + ' s)</small>') + '</td><td>' + (s.tailCatchUpMs === null ? '–' : fmt(s.tailCatchUpMs, 1)) + '</td><td>' + (s.bytesPerEvent === null ? 'n/a' : fmt(s.bytesPerEvent, 0)) + '</td><td>' + mib(s.rssMaxBytes) + '</td><td>' + fmt(s.samples, 0) + ' / ' + fmt(s.readSamples.old, 0) + '</td></tr><tr class="notes"><td colspan="11" class="note ' + (s.saturated ? 'worse' : 'better') + '" title="' + esc(s.saturation.join('; ')) + '">' + (s.saturated ? 'saturated: ' + esc(growthVerdict(s)) : 'kept up') + (s.tooFewSamplesFor.includes('p99') ? '; p99 = max of its samples' : '') + (s.machine && s.machine.busy ? '; busy machine' : '') + '</td></tr>').join('') +
    '</tbody></table></div>' + (g.stoppedAt ? '<p class="warn">The ladder stopped at ' + fmt(g.stoppedAt.requestedEvents, 0) + ' events: ' + esc(g.stoppedAt.reason) + '</p>' : '') + (g.steps.some((s) => s.diskNote) ? '<p>Disk: ' + esc(g.steps.find((s) => s.diskNote).diskNote) + '.</p>' : '');
  parent.append(card);
}

function growthSection() {
  const all = DATA.runs.filter((r) => r.mode === 'growth');
  const runs = all.filter((r) => r.growth && r.growth.steps.length);
  if (!all.length) return;
  const section = el('section', { id: 'growth' });
  section.append(el('h2', {}, 'Growth: cost against stored events'));
  section.append(el('p', { className: 'desc' }, 'Before each step the store (and its raw baseline) was filled to that many events by its own bulk path, then measured: appends and stream reads open loop (corrected latency, ≥ the samples a p99 needs or its time limit), a new subscriber from the start of $all, bytes on disk. Solid: p99; dashed: p50 (latency) or the hot stream (reads). <b>×</b>: the step saturated. Stored events on a log axis.'));
  for (const tech of [...new Set(all.map((r) => r.backend))]) {
    const group = runs.filter((r) => r.backend === tech);
    const failed = all.filter((r) => r.backend === tech && !(r.growth && r.growth.steps.length));
    const emulator = group.find((r) => r.emulator);
    section.append(el('h3', { className: 'mode' }, esc(tech) + (emulator ? ' — <span class="warn">emulator: ' + esc(emulator.emulator) + '</span>' : '')));
    for (const r of failed) section.append(el('p', { className: 'banner' }, esc(growthLabel(r)) + ': ' + esc(r.status) + (r.reason ? ' — ' + esc(r.reason) : '')));
    const grid = el('div', { className: 'grid' });
    section.append(grid);
    growthChart(grid, group, tech + ': append latency', 'Corrected, open loop. Solid p99, dashed p50.', [[' p99', (s) => s.appendP99Ms, [], 'p99'], [' p50', (s) => s.appendP50Ms, [6, 4], 'p50']], 'append latency, ms (log)', true, true);
    growthChart(grid, group, tech + ': readStream latency (50-event stream)', 'p99. Solid: a stream written before the first fill (old); dashed: one written just before the step (hot).', [[' old p99', (s) => s.readStreamOldP99Ms, [], 'p99'], [' hot p99', (s) => s.readStreamHotP99Ms, [6, 4], 'p99']], 'readStream latency, ms (log)', true, true);
    growthChart(grid, group, tech + ': bytes per event on disk', 'Table and indexes, or log segments, divided by the events stored.', [['', (s) => s.bytesPerEvent, []]], 'bytes per event', false, false);
    growthChart(grid, group, tech + ': catch-up from the start of $all', 'A new subscriber (raw: read-all pages) from the first event, events delivered per second.', [['', (s) => s.catchUpEventsPerSecond, []]], 'events/s', false, false);
    for (const r of group) growthTable(grid, r);
  }
  document.getElementById('workloads').before(section);
}
`;
