/**
 * Runs in the browser (embedded as text, plain JS on purpose): the consumer-group charts. The scale-out
 * curve (events handled per second against the number of members, one line per backend, the offered rate
 * as a dashed line), events handled per member over time for the largest group of each backend (the kill
 * and the takeover marked in the title), and a table of what each run measured.
 */
export const CLIENT_GROUP_CHARTS = String.raw`
function groupCharts(parent, runs) {
  const groups = runs.filter((r) => r.summary && r.summary.consumerGroup);
  if (!groups.length) return;
  const backends = [...new Set(groups.map((r) => r.row.target.replace(/ · \d+ members?$/, '')))];
  const datasets = backends.map((b) => {
    const c = colorOf(b);
    const points = groups.filter((r) => r.row.target.startsWith(b + ' · ')).map((r) => ({ x: r.summary.consumerGroup.members, y: r.summary.consumerGroup.handledPerSecond, run: r })).sort((p, q) => p.x - q.x);
    return { label: b, data: points, borderColor: c, backgroundColor: c, showLine: true, borderWidth: 2, pointRadius: 4 };
  });
  const offered = groups[0].summary.targetRate;
  if (offered) {
    const xs = groups.map((r) => r.summary.consumerGroup.members);
    datasets.push({ label: 'offered rate', data: [{ x: Math.min(...xs), y: offered }, { x: Math.max(...xs), y: offered }], borderColor: '#868e96', borderDash: [6, 4], pointRadius: 0, showLine: true, borderWidth: 1 });
  }
  const g0 = groups[0].summary.consumerGroup;
  const scale = chartCard(parent, 'Scale-out: events handled per second against members', 'One member process per instance; the handler ' + (g0.handlerKind === 'cpu' ? 'computes' : 'waits') + ' ' + g0.handlerCostMs + ' ms per event; ' + g0.partitions + ' partitions. Dashed: the writers’ rate. Every member shares this machine’s cores with the server.');
  new Chart(scale, {
    type: 'scatter',
    data: { datasets },
    options: {
      maintainAspectRatio: false, parsing: false,
      scales: { x: axis('members in the group', { type: 'linear', ticks: { stepSize: 1 } }), y: axis('events handled per second', { type: 'linear', beginAtZero: true }) },
      plugins: { legend: { labels: { boxWidth: 12 } }, tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ': ' + ctx.raw.x + ' members, ' + fmt(ctx.raw.y, 1) + ' events/s' } } },
    },
  });
  for (const b of backends) {
    const largest = groups.filter((r) => r.row.target.startsWith(b + ' · ')).sort((p, q) => q.summary.consumerGroup.members - p.summary.consumerGroup.members)[0];
    const g = largest && largest.summary.consumerGroup;
    if (!g || g.members < 2) continue;
    const members = g.perMember.map((m) => m.member);
    const series = members.map((m, i) => ({
      label: m + (g.perMember[i].killed ? ' (killed)' : ''),
      data: g.memberSeries.map((p) => ({ x: p.t, y: p.handled[m] || 0 })),
      borderColor: PALETTE[(i + 3) % PALETTE.length], backgroundColor: PALETTE[(i + 3) % PALETTE.length], pointRadius: 0, borderWidth: 2, borderDash: g.perMember[i].killed ? [4, 3] : [],
    }));
    const kill = g.killedAtSeconds === null ? 'no member was killed' : 'member killed at ' + fmt(g.killedAtSeconds, 1) + ' s; ' + (g.takeoverMs === null ? 'its partitions were not taken over during the run' : 'its partitions were taken over ' + fmt(g.takeoverMs, 0) + ' ms later (lease ' + g.leaseMs + ' ms)');
    const canvas = chartCard(parent, b + ': events handled per member over time', esc(kill) + '. ' + g.redelivered + ' events handled twice.');
    new Chart(canvas, {
      type: 'line',
      data: { datasets: series },
      options: { maintainAspectRatio: false, parsing: false, scales: { x: axis('seconds since the first append', { type: 'linear' }), y: axis('events handled per second', { type: 'linear', beginAtZero: true }) }, plugins: { legend: { labels: { boxWidth: 12 } } } },
    });
  }
  const rows = groups.map((r) => {
    const g = r.summary.consumerGroup;
    return '<tr><td>' + esc(r.row.target) + '</td><td>' + fmt(g.handledPerSecond, 1) + '</td><td>' + g.perMember.map((m) => esc(m.member) + ' ' + m.handled + (m.killed ? ' (killed)' : '')).join(', ') + '</td><td>' + (g.takeoverMs === null ? '—' : fmt(g.takeoverMs, 0) + ' ms') + '</td><td>' + g.redelivered + '</td><td>' + fmt(r.summary.lag ? r.summary.lag.p99Ms : 0, 1) + '</td></tr>';
  }).join('');
  const card = el('div', { className: 'card wide' }, '<h3>Consumer group runs</h3><div class="tablewrap"><table><thead><tr><th>target</th><th>handled/s</th><th>handled per member</th><th>takeover after kill</th><th>handled twice</th><th>lag p99, ms</th></tr></thead><tbody>' + rows + '</tbody></table></div>');
  parent.append(card);
}
`;
