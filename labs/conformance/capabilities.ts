/**
 * npm run capabilities: runs the conformance suite on every backend (real servers: embedded ones are
 * started, external ones come from the environment, unreachable ones are recorded as skipped with the
 * reason) and writes docs/capabilities.json and docs/capabilities.md.
 */
import { writeFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import pc from 'picocolors';
import { BACKENDS } from '../backends.ts';
import { matrixEntry, renderMatrix, type CapabilityMatrix } from './capability-matrix.ts';
import { runConformance, skippedReport } from './runner.ts';
import type { ConformanceReport } from './scenario.ts';

const environment = `${platform()} ${release()} ${arch()}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const backends: CapabilityMatrix['backends'] = [];
for (const definition of BACKENDS) {
  console.error(pc.bold(`\n${definition.title}`));
  let report: ConformanceReport;
  try {
    const running = await definition.start((line) => console.error(pc.dim(`  ${line}`)));
    console.error(pc.dim(`  ${running.description}`));
    try {
      report = await runConformance(definition.name, running.createStore, {
        observer: { scenarioFinished: (s, r) => console.error(`  ${r.status.padEnd(11)} ${s.id} ${pc.dim(`(${r.durationMs} ms)`)}`) },
      });
    } finally {
      await running.stop();
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(pc.yellow(`  skipped: ${reason.split('\n')[0]}`));
    report = skippedReport(definition.name, reason);
  }
  backends.push(matrixEntry(report, { title: definition.title, server: definition.server, expectedFailures: definition.expectedFailures, caveats: definition.caveats }));
}
const matrix: CapabilityMatrix = { generatedAt: new Date().toISOString(), environment, backends };
await writeFile(new URL('../../docs/capabilities.json', import.meta.url), `${JSON.stringify(matrix, null, 2)}\n`);
await writeFile(new URL('../../docs/capabilities.md', import.meta.url), renderMatrix(matrix));
console.error(pc.green('\nWrote docs/capabilities.json and docs/capabilities.md'));
