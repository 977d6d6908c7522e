/**
 * The HTML report: one self-contained file (Chart.js inlined, data embedded, no network) that shows a
 * results file, or compares two. On top: a warning when the machine was busy, the sweeps' headline
 * (highest unsaturated rate per target) and the summary table (notes on a line of their own, so it fits
 * 1280 px). Growth runs: per technology, cost against stored events. Per workload: for sweeps, latency
 * against achieved throughput, one panel per technology (the store and its raw baselines); the HDR percentile plot; throughput, p99 and send delay, backlog, lag and memory over time.
 * The environment at the bottom: machine, commit, load before and after, servers' settings, emulators.
 */
import { decodeHistogram } from '../harness/histograms.ts';
import { MIN_SAMPLES_BEYOND } from '../harness/sample-count.ts';
import { describeEnvironment } from '../results-file/io.ts';
import type { ResultsFile, RunRecord } from '../results-file/schema.ts';
import { summaryRow, type SummaryRow } from '../results-file/summary-rows.ts';
import { CLIENT_CHARTS } from './client-charts.ts';
import { CLIENT_GROUP_CHARTS } from './client-group-charts.ts';
import { CLIENT_GROWTH } from './client-growth.ts';
import { CLIENT_TABLES } from './client-tables.ts';
import { chartJsSource, CLIENT_BASICS, escapeHtml, scriptJson } from './page.ts';
import { REPORT_CSS } from './style.ts';

/**
 * x = log10(100 / (100 - p)): 0 = p0, 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99. The curve stops at the
 * highest percentile its samples support (MIN_SAMPLES_BEYOND beyond it: x ≤ log10(n / 100)); past it a
 * curve would only draw the few slowest samples as if they were a percentile.
 */
function percentileCurve(encoded: string): [number, number][] {
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return [];
  const xMax = Math.max(0, Math.log10(h.totalCount / MIN_SAMPLES_BEYOND));
  const points: [number, number][] = [];
  for (let i = 0; i <= 80 && i / 20 <= xMax; i++) {
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
  summary: RunRecord['summary'] | null;
  row: SummaryRow;
  timeSeries: RunRecord['timeSeries'] | null;
  search: RunRecord['search'] | null;
  sweep: RunRecord['sweep'] | null;
  growth: RunRecord['growth'] | null;
  backend: string;
  reason: string | null;
  emulator: string | null;
  busy: string | null;
  corrected: [number, number][];
  service: [number, number][];
}

function reportRuns(results: ResultsFile, source: string): ReportRun[] {
  return results.runs.map((r) => {
    const row = summaryRow(results, r);
    const emulator = results.environment.backends.find((b) => b.name === r.backend)?.emulator ?? null;
    return {
      key: `${r.target}|${r.via}|${r.workload}|${r.mode}|${r.summary?.consumerGroup?.members ?? ''}`,
      source,
      label: `${source ? `${source}: ` : ''}${row.target}${r.mode !== 'open' ? ` (${r.mode})` : ''}`,
      workload: r.workload,
      mode: r.mode,
      kind: r.kind,
      status: r.status,
      summary: r.summary ?? null,
      row,
      timeSeries: r.timeSeries ?? null,
      search: r.search ?? null,
      sweep: r.sweep ?? null,
      growth: r.growth ?? null,
      backend: r.backend,
      reason: r.reason ?? null,
      emulator,
      busy: r.machine?.busy ? r.machine.why : null,
      corrected: r.histograms ? percentileCurve(r.histograms.corrected) : [],
      service: r.histograms ? percentileCurve(r.histograms.service) : [],
    };
  });
}

export interface RenderOptions {
  title?: string;
  /** A second results file: the report then compares the two ("A" = first, "B" = second). */
  compareWith?: ResultsFile;
}

function environmentSection(name: string, r: ResultsFile): string {
  const e = r.environment;
  const backends = e.backends
    .map((b) => {
      const settings = b.settings ? ` Settings: ${Object.entries(b.settings).map(([k, v]) => `<code>${escapeHtml(k)}</code> ${escapeHtml(v)}`).join(', ')}.` : '';
      const emulator = b.emulator ? ` <b class="warn">Emulator</b>: ${escapeHtml(b.emulator)}.` : '';
      return `<li><b>${escapeHtml(b.name)}</b>: ${escapeHtml(b.description)}${b.version ? ` — ${escapeHtml(b.version)}` : ''}.${emulator}${settings}</li>`;
    })
    .join('');
  return `<section class="env"><h3>${name ? `${name}: ` : ''}Environment</h3>
<p>${escapeHtml(describeEnvironment(e))}</p>
<p>Started ${escapeHtml(r.startedAt)}, finished ${escapeHtml(r.finishedAt)}. Command: <code>${escapeHtml(r.command.join(' '))}</code></p>
<ul>${backends}</ul>
<p>Packages: ${Object.entries(e.packages).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`).join(', ')}</p>
<p>Settings: <code>${escapeHtml(JSON.stringify(e.settings))}</code></p>
${e.notes.length ? `<ul>${e.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}</section>`;
}

/** Said first, before any figure: the machine was busy, or a target is an emulator. */
function warnings(files: ResultsFile[]): string {
  const lines: string[] = [];
  for (const f of files) {
    const m = f.environment.machine;
    if (m?.busy) lines.push(`The machine was busy during this session (${m.why}); load average ${f.environment.loadAverage.join(' / ')} before, ${(f.environment.loadAverageAfter ?? []).join(' / ')} after. Figures may say more about the other work than about the targets.`);
    else if (f.runs.some((r) => r.machine?.busy)) lines.push('The machine was busy during some runs (marked in their notes): their figures may say more about the other work than about the targets.');
    for (const b of f.environment.backends) if (b.emulator) lines.push(`${b.name}: ${b.emulator}.`);
  }
  return [...new Set(lines)].map((l) => `<p class="banner">${escapeHtml(l)}</p>`).join('\n');
}

export async function renderHtml(results: ResultsFile, options: RenderOptions = {}): Promise<string> {
  const other = options.compareWith;
  const runs = other ? [...reportRuns(results, 'A'), ...reportRuns(other, 'B')] : reportRuns(results, '');
  // Growth runs have their own section (client-growth.ts), not a workload's.
  const workloads = [...new Set(runs.filter((r) => r.mode !== 'growth').map((r) => r.workload))];
  const title = options.title ?? (other ? `Benchmark comparison: ${results.startedAt} (A) vs ${other.startedAt} (B)` : `Benchmark results ${results.startedAt}`);
  const envs: [string, ResultsFile][] = other ? [['A', results], ['B', other]] : [['', results]];
  const data = { workloads, runs, compare: Boolean(other) };
  const chartJs = await chartJsSource();
  const descriptions = Object.fromEntries([...results.workloads, ...(other?.workloads ?? [])].map((w) => [w.name, w.description]));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  <p class="lede">Latency is <b>corrected</b>: measured from each operation's <i>intended</i> start on an open-loop schedule to its completion, so stalls and queueing are not hidden (coordinated omission). <b>Service time</b> (actual start to completion, dashed in the percentile plots) is what a closed-loop tool reports; <b>send delay</b> is how late operations started. A run is <b>saturated</b> when it could not keep up with its schedule: its ops/s is what it achieved while falling behind, not a capacity, and it gets no ratio to raw. A percentile that too few samples support is shown as the <b>max of N samples</b>. Warm-up is excluded. Raw-driver baselines show the practical limit of each backend here; the no-op backend shows the harness's own cost.</p>
  ${warnings(other ? [results, other] : [results])}
</header>
<main>
  <div id="headline"></div>
  <h2>Summary</h2>
  <div class="tablewrap"><table id="summary"></table></div>
  <div id="workloads"></div>
  <h2>Environment</h2>
  ${envs.map(([name, r]) => environmentSection(name, r)).join('\n')}
</main>
<script>${chartJs}</script>
<script>
const DATA = ${scriptJson(data)};
const WORKLOAD_DESCRIPTIONS = ${scriptJson(descriptions)};
${CLIENT_BASICS}
${CLIENT_TABLES}
${CLIENT_CHARTS}
${CLIENT_GROUP_CHARTS}
${CLIENT_GROWTH}
headlineTable();
summaryTable();
workloadSections();
growthSection();
document.body.dataset.rendered = 'true';
</script>
</body>
</html>
`;
}
