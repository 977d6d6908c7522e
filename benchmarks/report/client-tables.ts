/**
 * Runs in the browser (embedded as text, plain JS on purpose): the sweeps' headline, the summary table
 * (cells computed once by results-file/summary-rows.ts, shared with the terminal), and the per-run
 * tables of sweep steps and max-rate searches.
 */
export const CLIENT_TABLES = String.raw`
const range = (s, d = 1) => s ? (s.min === s.max ? fmt(s.median, d) : fmt(s.median, d) + ' <small>(' + fmt(s.min, d) + '–' + fmt(s.max, d) + ')</small>') : '';
const maxOf = (step, name) => step.tooFewSamplesFor.includes(name) ? ' <small>max of ' + fmt(step.samples, 0) + ' samples</small>' : '';

function headlineTable() {
  const sweeps = DATA.runs.filter((r) => r.sweep);
  if (!sweeps.length) return;
  const root = document.getElementById('headline');
  root.append(el('h2', {}, 'Headline: the highest offered rate that did not saturate'));
  root.append(el('p', { className: 'desc' }, 'Per target and workload, from the rate sweep: for each repeat, the highest offered rate at which the run kept up (nothing unsent, ≥ ' + Math.round(sweeps[0].sweep.saturationRule.minAchievedShare * 100) + ' % of the offered rate achieved, send-delay p99 ≤ ' + sweeps[0].sweep.saturationRule.maxSendDelayP99Ms + ' ms); the median of the repeats, with their range. The p99 is the median repeat\'s at that rate.'));
  const t = el('table');
  t.innerHTML = '<thead><tr><th>target</th><th>workload</th><th>kind</th><th>highest unsaturated rate, ops/s</th><th>p99 there, ms</th><th>repeats</th><th>rates tried</th><th class="note">caveats</th></tr></thead>';
  const body = el('tbody');
  for (const r of sweeps) {
    const h = r.sweep.highestUnsaturatedRate;
    const step = h ? r.sweep.steps.filter((s) => !s.saturated && s.offeredRate <= h.median).slice(-1)[0] : undefined;
    const caveats = [r.emulator ? 'emulator: ' + r.emulator.split(';')[0] : '', r.busy ? 'busy machine: ' + r.busy : ''].filter(Boolean).join('; ');
    body.append(el('tr', {}, '<td>' + esc(r.row.target) + '</td><td>' + esc(r.workload) + '</td><td>' + r.kind + '</td><td>' + (!h ? '<span class="sat">saturated at every rate</span>' : h.median === 0 ? '<span class="sat">none in most repeats</span> <small>(range 0–' + fmt(h.max, 0) + ')</small>' : (h.median >= Math.max(...r.sweep.rates) ? '≥ ' : '') + range(h, 0) + (h.median >= Math.max(...r.sweep.rates) ? ' <small>top of the ladder: a lower bound</small>' : '')) + '</td><td>' + (step ? fmt(step.p99Ms, 2) + maxOf(step, 'p99') : '') + '</td><td>' + r.sweep.repeats + '</td><td>' + r.sweep.steps.map((s) => s.offeredRate).join(', ') + '</td><td class="note">' + esc(caveats) + '</td>'));
  }
  t.append(body);
  const wrap = el('div', { className: 'tablewrap' });
  wrap.append(t);
  root.append(wrap);
}

function summaryTable() {
  const t = document.getElementById('summary');
  const head = ['target', 'workload', 'mode', 'rate', 'ops/s', 'events/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'send delay p99 ms', 'errors', 'conflicts', 'vs raw'];
  if (DATA.compare) head.push('B vs A');
  t.innerHTML = '<thead><tr>' + head.map((h) => '<th>' + h + '</th>').join('') + '</tr></thead>';
  const body = el('tbody');
  const small = (text) => esc(text).replace(/ \((max of [^)]*|achieved while saturated)\)$/, ' <small>$1</small>');
  for (const r of DATA.runs) {
    const c = r.row;
    const tr = el('tr', { className: 'run' + (r.summary ? '' : ' skipped') + (c.saturated ? ' saturated' : '') });
    const cells = [esc(r.label), esc(r.workload), r.mode, esc(c.rate), small(c.opsPerSecond), c.eventsPerSecond, small(c.p50), small(c.p99), small(c.p999), c.sendDelayP99, c.errors, c.conflicts, esc(c.vsRaw)];
    tr.innerHTML = cells.map((v, i) => '<td' + (i === 4 ? ' class="ops"' : '') + '>' + v + '</td>').join('') + (DATA.compare ? '<td>' + compareCell(r) + '</td>' : '');
    body.append(tr);
    if (c.notes.length) body.append(el('tr', { className: 'notes' }, '<td colspan="' + head.length + '">' + c.notes.map(esc).join(' · ') + '</td>'));
  }
  t.append(body);
}

function compareCell(r) {
  if (r.source !== 'B' || !r.summary) return '';
  const a = DATA.runs.find((x) => x.source === 'A' && x.key === r.key && x.summary);
  if (!a) return 'no A';
  if (a.summary.saturated || r.summary.saturated) return 'saturated: not compared';
  const pct = (b, aa) => aa === 0 ? 'n/a' : ((b / aa - 1) * 100).toFixed(1) + ' %';
  const tp = r.summary.throughput - a.summary.throughput, p99 = r.summary.p99Ms - a.summary.p99Ms;
  return '<span class="' + (tp >= 0 ? 'better' : 'worse') + '">ops/s ' + (tp >= 0 ? '+' : '') + pct(r.summary.throughput, a.summary.throughput) + '</span>, <span class="' + (p99 <= 0 ? 'better' : 'worse') + '">p99 ' + (p99 >= 0 ? '+' : '') + pct(r.summary.p99Ms, a.summary.p99Ms) + '</span>';
}

function sweepTable(parent, runs) {
  for (const r of runs.filter((x) => x.sweep)) {
    const card = el('div', { className: 'card wide' });
    const rule = r.sweep.saturationRule;
    card.innerHTML = '<h3>' + esc(r.label) + ': sweep steps</h3><p>Median of ' + r.sweep.repeats + ' repeats (range in small type). Saturated: something unsent, achieved &lt; ' + Math.round(rule.minAchievedShare * 100) + ' % of offered, or send-delay p99 &gt; ' + rule.maxSendDelayP99Ms + ' ms. Each step ran ≥ ' + fmt(r.sweep.minSamples, 0) + ' operations or its time limit.</p>' +
      '<details><summary>' + r.sweep.steps.length + ' offered rates: ' + r.sweep.steps.map((x) => x.offeredRate + (x.saturated ? ' ×' : '')).join(', ') + '</summary><table class="steps"><thead><tr><th>offered/s</th><th>achieved/s</th><th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>send p99 ms</th><th>samples</th><th>unsent</th><th>errors</th><th>verdict</th></tr></thead><tbody>' +
      r.sweep.steps.map((s) => '<tr><td>' + fmt(s.offeredRate) + '</td><td>' + range(s.spread.achievedRate) + '</td><td>' + range(s.spread.p50Ms, 2) + maxOf(s, 'p50') + '</td><td>' + range(s.spread.p99Ms, 2) + maxOf(s, 'p99') + '</td><td>' + range(s.spread.p999Ms, 2) + maxOf(s, 'p99.9') + '</td><td>' + fmt(s.sendDelayP99Ms, 2) + '</td><td>' + fmt(s.samples, 0) + '</td><td>' + s.unsent + '</td><td>' + s.errorCount + '</td><td class="note ' + (s.saturated ? 'worse' : 'better') + '">' + verdictOf(s) + '</td></tr>').join('') + '</tbody></table></details>';
    parent.append(card);
  }
}

/** "saturated in 2 of 3 repeats (unsent, send delay)", or "kept up". */
function verdictOf(step) {
  const n = step.repeats.filter((x) => x.saturated).length;
  const kinds = [...new Set(step.repeats.flatMap((x) => x.saturation).map((why) => /never sent/.test(why) ? 'unsent' : /achieved/.test(why) ? 'achieved < offered' : /send delay/.test(why) ? 'send delay' : why))];
  if (n === 0) return 'kept up';
  return (step.saturated ? 'saturated' : 'kept up') + ' (' + n + ' of ' + step.repeats.length + ' repeats saturated: ' + esc(kinds.join(', ')) + ')';
}

function searchTable(parent, runs) {
  for (const r of runs.filter((x) => x.search)) {
    const card = el('div', { className: 'card' });
    const s = r.search;
    const verdict = s.verdict === 'busy-machine' ? 'no verdict: the machine was busy (' + esc(r.busy || '') + '); measured ' + (s.maxSustainableRate ?? 'none') : 'maximum sustainable rate ' + (s.maxSustainableRate ?? 'none') + '/s' + (s.spread && s.spread.min !== s.spread.max ? ' (repeats ' + s.spread.min + '–' + s.spread.max + ')' : '');
    card.innerHTML = '<h3>' + esc(r.label) + ': ' + verdict + '</h3><p>Limits: p99 ≤ ' + s.maxP99Ms + ' ms, backlog ≤ ' + s.maxBacklog + ', not saturated. ' + (s.repeats ? s.repeats.length + ' searches: ' + s.repeats.map((x) => x.maxSustainableRate ?? 'none').join(', ') + '. ' : '') + 'Steps of the median search, in the order tried; a failed step is tried once more (try 2), and its rate fails only if both tries do. Each step is judged on its p99, also from fewer than 10,000 samples (its verdict says how few lie beyond it).</p>' +
      '<table class="steps"><thead><tr><th>rate</th><th>ops/s</th><th>p99 ms</th><th>samples</th><th>held back</th><th>unsent</th><th>verdict</th></tr></thead><tbody>' +
      s.steps.map((x) => '<tr><td>' + fmt(x.rate) + (x.attempt ? ' <small>(try ' + x.attempt + ')</small>' : '') + '</td><td>' + fmt(x.throughput, 1) + '</td><td>' + fmt(x.p99Ms, 3) + '</td><td>' + (x.samples ?? '') + '</td><td>' + x.maxPending + '</td><td>' + x.unsent + '</td><td class="note ' + (x.sustainable ? 'better' : 'worse') + '">' + esc(x.why) + '</td></tr>').join('') + '</tbody></table>';
    parent.append(card);
  }
}
`;
