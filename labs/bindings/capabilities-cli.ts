/**
 * npm run capabilities: runs the conformance suite on every backend (real servers: embedded ones are
 * started, external ones come from the environment, unreachable ones are recorded as skipped with the
 * reason) and writes docs/capabilities.json and docs/capabilities.md.
 */
import { writeFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import pc from 'picocolors';
import { BACKENDS } from '../backends.ts';
import { matrixEntry, renderMatrix, runConformance, skippedReport, type CapabilityMatrix, type ConformanceReport } from '../conformance/index.ts';
import { startBackend } from '../runtime/backend.ts';
import { fixtureExtras } from './fixture.ts';

const environment = `${platform()} ${release()} ${arch()}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const backends: CapabilityMatrix['backends'] = [];
for (const definition of BACKENDS) {
  console.error(pc.bold(`\n${definition.title}`));
  let report: ConformanceReport;
  const outcome = await startBackend(definition, { log: (line) => console.error(pc.dim(`  ${line}`)) });
  if (outcome.status === 'ran') {
    const running = outcome.running;
    console.error(pc.dim(`  ${running.description}`));
    try {
      report = await runConformance(definition.name, running.createStore, {
        extras: fixtureExtras(definition, running),
        observer: { scenarioFinished: (s, r) => console.error(`  ${r.status.padEnd(11)} ${s.id} ${pc.dim(`(${r.durationMs} ms)`)}`) },
      });
    } finally {
      await running.stop();
    }
  } else {
    console.error(pc.yellow(`  skipped: ${outcome.reason.split('\n')[0]}`));
    report = skippedReport(definition.name, outcome.reason);
  }
  backends.push(
    matrixEntry(report, {
      title: definition.title,
      server: definition.server,
      expectedFailures: definition.expectedFailures,
      flakyUnderLoad: definition.flakyUnderLoad,
      qualifiedPasses: definition.qualifiedPasses,
      caveats: definition.caveats,
      peer: definition.peer,
    }),
  );
}
const matrix: CapabilityMatrix = { generatedAt: new Date().toISOString(), environment, backends };
await writeFile(new URL('../../docs/capabilities.json', import.meta.url), `${JSON.stringify(matrix, null, 2)}\n`);
await writeFile(new URL('../../docs/capabilities.md', import.meta.url), renderMatrix(matrix));
console.error(pc.green('\nWrote docs/capabilities.json and docs/capabilities.md'));
