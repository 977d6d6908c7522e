// Evidence on the page: sources (documentation or a lab scenario with its status and, where the lab
// emulates the capability, the caveat in the same cell), the breakdown and contribution tables, and
// benchmark figures with every label they need (target, mode, offered rate, errors and unsent,
// saturation, server) — never merged across targets or modes.
import { fmt, h, scrollable } from './dom.js';

export function sourceLink(s) {
  if (s.kind === 'docs') return h('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank', text: s.title });
  if (s.kind === 'benchmark') return benchmarkSource(s);
  return h(
    'span',
    { class: 'lab-source' },
    h('a', { href: s.url, text: s.column === s.backend ? `${s.backend} lab` : `${s.column} (${s.backend} lab)` }),
    ' (',
    s.scenarios.flatMap((sc, i) => [
      i ? ', ' : '',
      h('a', { href: sc.matrixUrl, title: sc.detail || 'capability matrix entry' }, h('code', { text: sc.id })),
      ' ',
      h('span', { class: `badge status-${sc.status}`, text: sc.status === 'not-run' ? 'not run yet' : sc.emulated ? `${sc.status}, emulated` : sc.status }),
    ]),
    ')',
    ...[...new Set(s.scenarios.flatMap((sc) => sc.caveats.map((c) => c.text)))].map((text) => h('span', { class: 'caveat' }, h('strong', { text: 'Caveat: ' }), text)),
    measured(s),
  );
}

const MODE_NAME = { sweep: 'rate sweep', 'max-rate': 'max-rate search', growth: 'growth curve' };

/** A cited benchmark run: the file, its labels (emulator, busy machine) and every figure, folded away. */
function benchmarkSource(s) {
  const labels = [
    s.missing ? h('span', { class: 'badge status-not-run', text: 'not in this checkout' }) : null,
    s.emulator ? h('span', { class: 'badge status-unsupported', text: 'emulator' }) : null,
    s.machineBusy ? h('span', { class: 'badge status-unsupported', text: 'busy machine' }) : null,
  ].filter(Boolean);
  return h(
    'span',
    { class: 'lab-source' },
    h('a', { href: s.url, text: `${s.column ?? s.backend} benchmark: ${MODE_NAME[s.mode] ?? s.mode}` }),
    ' (',
    h('code', { text: s.results }),
    s.startedAt ? `, ${s.startedAt.slice(0, 16).replace('T', ' ')} UTC` : '',
    ')',
    ...labels.flatMap((l) => [' ', l]),
    s.missing ? h('span', { class: 'caveat', text: s.missing }) : null,
    s.emulator ? h('span', { class: 'caveat' }, h('strong', { text: 'Caveat: ' }), s.emulator) : null,
    s.figures.length
      ? h('details', { class: 'measured' }, h('summary', { text: 'What the run measured' }), h('ul', {}, s.figures.map((f) => h('li', { text: f }))))
      : null,
  );
}

const EVIDENCE = { measured: 'measured here', emulator: 'emulator only', documentation: 'documentation only' };

/** The rating's support at a glance: measured on this machine, only on an emulator, or documentation. */
export function evidenceBadge(level) {
  return h('span', { class: `badge evidence-${level}`, text: EVIDENCE[level] ?? level });
}

/** What the cited runs measured on this machine (the scenarios' own narration), folded away until asked for. */
function measured(s) {
  const ran = s.scenarios.filter((sc) => (sc.status === 'pass' || sc.status === 'fail') && sc.detail);
  if (!ran.length) return null;
  return h(
    'details',
    { class: 'measured' },
    h('summary', { text: `What the ${s.column} run measured` }),
    h('ul', {}, ran.map((sc) => h('li', {}, h('code', { text: sc.id }), ` ${sc.status}: `, sc.detail.replace(/ \| /g, '; ')))),
  );
}

export function breakdownTable(r) {
  const rows = r.breakdown.filter((b) => b.weight > 0);
  return scrollable(
    `Breakdown of ${r.name}`,
    h(
      'table',
      { class: 'breakdown' },
      h('caption', { text: `How ${r.name} scores ${fmt(r.score)}: points = weight × rating / (5 × total weight) × 100` }),
      h('thead', {}, h('tr', {}, ['Criterion', 'Weight', 'Rating', 'Points', 'Why this rating', 'Evidence'].map((t) => h('th', { scope: 'col', text: t })))),
      h(
        'tbody',
        {},
        rows.map((b) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row', text: b.name }),
            h('td', { class: 'num', text: fmt(b.weight) }),
            h('td', { class: 'num' }, h('span', { class: `rating r${b.rating}`, text: `${b.rating}/5` })),
            h('td', { class: 'num', text: fmt(b.points) }),
            h('td', { class: 'why', text: b.rationale }),
            h('td', { class: 'evidence' }, evidenceBadge(b.evidence), h('br'), b.sources.flatMap((s, i) => [i ? h('br') : '', sourceLink(s)])),
          ),
        ),
      ),
    ),
  );
}

export function contributionsList(r, sourceLabel) {
  const items = [...r.contributions].sort((a, b) => b.points - a.points);
  return scrollable(
    `Contributions to ${r.name}`,
    h(
      'table',
      { class: 'contributions' },
      h('caption', { text: 'Each answer’s contribution to this score' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Answer' }), h('th', { scope: 'col', text: 'Points' }))),
      h('tbody', {}, items.map((c) => h('tr', {}, h('td', { text: sourceLabel(c.source) }), h('td', { class: 'num', text: fmt(c.points) })))),
    ),
  );
}

const TARGET = { store: 'Lab store', raw: 'Raw driver (baseline)', http: 'Lab store over HTTP' };
const MODE = { open: 'Open loop', closed: 'Closed loop', 'max-rate': 'Max-rate search', sweep: 'Sweep' };
const n0 = (x) => Math.round(x).toLocaleString('en');

function modeCell(f) {
  if (f.mode === 'open') return `${MODE.open}, ${n0(f.offeredRate ?? 0)} ops/s offered`;
  if (f.mode === 'closed') return `${MODE.closed}${f.concurrency ? `, ${f.concurrency} workers` : ''}`;
  // A median over repeats carries its range: two figures whose ranges overlap are a tie.
  const range = f.offeredRange ? ` (repeats ${n0(f.offeredRange.min)}–${n0(f.offeredRange.max)})` : '';
  if (f.mode === 'sweep') return f.saturated ? `${MODE.sweep} from ${n0(f.offeredRate ?? 0)} ops/s` : `${MODE.sweep}: highest rate that kept up ${f.offeredRate === null ? '—' : `${n0(f.offeredRate)} ops/s${range}`}`;
  return `${MODE['max-rate']}${f.offeredRate ? `: ${n0(f.offeredRate)} ops/s sustained${range}` : ''}`;
}

function outcomeCells(f) {
  if (f.saturated) {
    // A saturated run is not a capacity: no achieved rate or latency is shown as if it were one.
    const at = f.saturatedAt ? ` at ${n0(f.saturatedAt)} ops/s offered` : '';
    return [h('td', { class: 'saturated', colspan: 2 }, h('strong', { text: `Saturated${at}` }), `: ${f.saturation.join('; ')}. Not a capacity figure.`)];
  }
  const swept = f.mode === 'sweep' && f.saturatedAt ? ` (saturated at ${n0(f.saturatedAt)} ops/s)` : '';
  // A p99 from too few samples is their maximum, and says so.
  return [h('td', { class: 'num', text: `${n0(f.throughput)} ops/s${swept}` }), h('td', { class: 'num', text: `${f.p99Ms} ms${f.p99Note ? ` (${f.p99Note})` : ''}` })];
}

function problems(f) {
  const parts = [];
  if (f.errors) parts.push(`${n0(f.errors)} errors`);
  if (f.unsent) parts.push(`${n0(f.unsent)} unsent`);
  if (f.conflicts) parts.push(`${n0(f.conflicts)} version conflicts (expected here)`);
  return parts.join(', ') || 'none';
}

export function benchmarksBlock(r, evidence) {
  if (!r.benchmarks) return h('p', { class: 'muted', text: evidence.benchmarksStartedAt ? `No benchmark runs for ${r.name} in the latest results.` : 'No benchmark results yet.' });
  const figures = r.benchmarks.figures;
  const servers = [...new Map(figures.map((f) => [f.server.description, f.server])).values()];
  const load = evidence.benchmarksLoadAverage ? ` Load average when the run started: ${evidence.benchmarksLoadAverage.join(' / ')}.` : '';
  return h(
    'div',
    { class: 'bench' },
    h('p', { text: `Measured on the machine that ran the benchmarks, ${new Date(r.benchmarks.startedAt).toLocaleString()}. Each row is one run: lab-store and raw-driver figures, open- and closed-loop runs are never merged.${load}` }),
    ...servers.map((s) => (s.emulator ? h('p', { class: 'caveat emulator' }, h('strong', { text: 'Emulator: ' }), s.emulator) : h('p', { class: 'muted', text: `Server: ${s.description}` }))),
    scrollable(
      `Benchmarks of ${r.name}`,
      h(
        'table',
        { class: 'figures' },
        h('caption', { text: `${r.name}: benchmark runs` }),
        h('thead', {}, h('tr', {}, ['Workload', 'Target', 'Mode and rate', 'Achieved', 'p99', 'Errors / unsent'].map((t) => h('th', { scope: 'col', text: t })))),
        h(
          'tbody',
          {},
          figures.map((f) =>
            h(
              'tr',
              { class: f.saturated ? 'is-saturated' : '' },
              h('th', { scope: 'row', text: f.workload }),
              h('td', { text: `${TARGET[f.target] ?? f.target}${f.server.emulator ? ' (on an emulator, not the real service)' : ''}` }),
              h('td', { text: modeCell(f) }),
              ...outcomeCells(f),
              h('td', { text: problems(f) + (f.machineBusy ? `; machine busy: ${f.machineBusy}` : '') }),
            ),
          ),
        ),
      ),
    ),
  );
}
