/**
 * Two results files side by side: each run of B matched to the run of A with the same target, path,
 * workload and mode; throughput and latency with their change. Different machines or loads make the
 * change meaningless, so both environments are printed first.
 */
import type { ResultsFile, RunRecord } from '../results-file/schema.ts';
import { describeEnvironment } from '../results-file/io.ts';

export interface ComparisonRow {
  key: string;
  target: string;
  workload: string;
  mode: string;
  a: RunRecord['summary'] | undefined;
  b: RunRecord['summary'] | undefined;
  throughputChange: number | null;
  p99Change: number | null;
}

const keyOf = (r: RunRecord) => `${r.target}|${r.via}|${r.workload}|${r.mode}`;

export function compareResults(a: ResultsFile, b: ResultsFile): ComparisonRow[] {
  const keys = [...new Set([...a.runs, ...b.runs].map(keyOf))];
  return keys.map((key) => {
    const ra = a.runs.find((r) => keyOf(r) === key && r.status === 'ok');
    const rb = b.runs.find((r) => keyOf(r) === key && r.status === 'ok');
    const any = (ra ?? rb ?? a.runs.find((r) => keyOf(r) === key) ?? b.runs.find((r) => keyOf(r) === key))!;
    const change = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined || x === 0 ? null : y / x - 1);
    return {
      key,
      target: any.via === 'http' ? `${any.target} via HTTP` : any.target,
      workload: any.workload,
      mode: any.mode,
      a: ra?.summary,
      b: rb?.summary,
      throughputChange: change(ra?.summary?.throughput, rb?.summary?.throughput),
      p99Change: change(ra?.summary?.p99Ms, rb?.summary?.p99Ms),
    };
  });
}

export function compareTable(a: ResultsFile, b: ResultsFile): string {
  const pct = (v: number | null) => (v === null ? '' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`);
  const rows = compareResults(a, b).map((r) => [
    r.target,
    r.workload,
    r.mode,
    r.a ? `${r.a.throughput}${r.a.saturated ? ' (saturated)' : ''}` : '-',
    r.b ? `${r.b.throughput}${r.b.saturated ? ' (saturated)' : ''}` : '-',
    pct(r.throughputChange),
    r.a ? String(r.a.p99Ms) : '-',
    r.b ? String(r.b.p99Ms) : '-',
    pct(r.p99Change),
  ]);
  const head = ['target', 'workload', 'mode', 'A ops/s', 'B ops/s', 'change', 'A p99 ms', 'B p99 ms', 'change'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `A: ${a.startedAt} — ${describeEnvironment(a.environment)}`,
    `B: ${b.startedAt} — ${describeEnvironment(b.environment)}`,
    '',
    line(head),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}
