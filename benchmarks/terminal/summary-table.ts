/** The terminal summary at the end of a run: one line per run, baselines next to their stores. */
import pc from 'picocolors';
import type { ResultsFile, RunRecord } from './results.ts';

const COLUMNS = ['target', 'workload', 'mode', 'rate', 'ops/s', 'events/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'send p99', 'errors', 'conflicts', 'vs raw', 'notes'] as const;

export function summaryRows(results: ResultsFile): string[][] {
  return results.runs.map((r) => row(r));
}

function row(r: RunRecord): string[] {
  const target = r.via === 'http' ? `${r.target} via HTTP` : r.target;
  if (r.status !== 'ok' || !r.summary) return [target, r.workload, r.mode, '', '', '', '', '', '', '', '', '', '', '', `${r.status}: ${truncate(r.reason ?? '', 60)}`];
  const s = r.summary;
  const rate = r.mode === 'max-rate' ? `max ${r.search?.maxSustainableRate ?? 'none'}` : s.targetRate !== null ? String(s.targetRate) : `${s.concurrency} workers`;
  const notes: string[] = [];
  if (s.unsent > 0) notes.push(`${s.unsent} unsent`);
  if (s.lag) notes.push(`lag p99 ${s.lag.p99Ms} ms`);
  if (s.drain) notes.push(`drained ${s.drain.events} in ${s.drain.seconds} s`);
  return [
    target,
    r.workload,
    r.mode,
    rate,
    fmt(s.throughput),
    fmt(s.eventsPerSecond),
    String(s.p50Ms),
    String(s.p99Ms),
    String(s.p999Ms),
    String(s.maxMs),
    String(s.sendDelay.p99Ms),
    String(s.errorCount - s.conflicts),
    s.conflicts ? `${s.conflicts} (${(s.conflictRate * 100).toFixed(1)} %)` : '0',
    s.baseline ? `${s.baseline.throughputRatio}× tput, ${s.baseline.p99Ratio}× p99` : '',
    notes.join(', '),
  ];
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : String(n);
}

function truncate(text: string, max: number): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function renderTable(results: ResultsFile, color = true): string {
  const rows = summaryRows(results);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i >= 3 && i <= 12 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const header = line(COLUMNS);
  return [color ? pc.bold(header) : header, widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same summary as a Markdown table, for docs/benchmarks.md (`npm run bench -- report <file> --markdown`). */
export function renderMarkdown(results: ResultsFile): string {
  const rows = summaryRows(results);
  const escape = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${COLUMNS.join(' | ')} |`,
    `| ${COLUMNS.map((_, i) => (i >= 3 && i <= 12 ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
  ].join('\n');
}
