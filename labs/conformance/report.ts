import pc from 'picocolors';
import type { ConformanceReport, ScenarioStatus } from './scenario.ts';

const colour: Record<ScenarioStatus, (s: string) => string> = {
  pass: pc.green,
  fail: pc.red,
  unsupported: pc.yellow,
  skipped: pc.magenta,
};

export function formatReportTable(report: ConformanceReport): string {
  const width = Math.max(...report.scenarios.map((s) => s.id.length));
  const lines = report.scenarios.map((s) => {
    const detail = s.status === 'pass' ? '' : `  ${pc.dim(s.detail.split('\n')[0]!.slice(0, 160))}`;
    return `  ${s.id.padEnd(width)}  ${colour[s.status](s.status.padEnd(11))}${detail}`;
  });
  const counts = (['pass', 'fail', 'unsupported', 'skipped'] as const)
    .map((status) => `${report.scenarios.filter((s) => s.status === status).length} ${status}`)
    .join(', ');
  return [pc.bold(`Conformance: ${report.backend}`), ...lines, `  ${counts}`].join('\n');
}
