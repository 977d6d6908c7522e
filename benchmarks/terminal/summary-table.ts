/**
 * The terminal summary at the end of a run, one line per run (baselines next to their stores), notes
 * on their own indented line below it so the table stays narrow; and the same as Markdown for docs.
 */
import pc from 'picocolors';
import type { ResultsFile } from '../results-file/schema.ts';
import { summaryRows, type SummaryRow } from '../results-file/summary-rows.ts';

const COLUMNS = ['target', 'workload', 'mode', 'rate', 'ops/s', 'events/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'send p99', 'errors', 'conflicts', 'vs raw'] as const;

function cells(r: SummaryRow): string[] {
  return [r.target, r.workload, r.mode, r.rate, r.opsPerSecond, r.eventsPerSecond, r.p50, r.p99, r.p999, r.max, r.sendDelayP99, r.errors, r.conflicts, r.vsRaw];
}

export function renderTable(results: ResultsFile, color = true): string {
  const rows = summaryRows(results);
  const table = rows.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...table.map((r) => (r[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((v, i) => (i >= 3 && i <= 12 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const header = line(COLUMNS);
  const out = [color ? pc.bold(header) : header, widths.map((w) => '─'.repeat(w)).join('  ')];
  rows.forEach((r, i) => {
    const text = line(table[i]!);
    out.push(color && r.saturated ? pc.yellow(text) : text);
    for (const note of r.notes) out.push(`    ${color ? pc.dim(note) : note}`);
  });
  return out.join('\n');
}

/** The same summary as a Markdown table, notes in the last column (`npm run bench -- report <file> --markdown`). */
export function renderMarkdown(results: ResultsFile): string {
  const escape = (c: string) => c.replace(/\|/g, '\\|');
  const head = [...COLUMNS, 'notes'];
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i >= 3 && i <= 12 ? '---:' : '---')).join(' | ')} |`,
    ...summaryRows(results).map((r) => `| ${[...cells(r), r.notes.join('; ')].map(escape).join(' | ')} |`),
  ].join('\n');
}
