/**
 * npm run capabilities: runs the conformance suite on every backend (real servers: embedded ones are
 * started, external ones come from the environment, unreachable ones are recorded as skipped with the
 * reason) and writes docs/capabilities.json and docs/capabilities.md.
 *
 * npm run capabilities -- --backend kafka,kafka-naive: runs only those backends again and keeps every other
 * column as the committed docs/capabilities.json has it (each backend's results carry their own run; a
 * backend the file does not have yet is left out until it is run).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import pc from 'picocolors';
import { BACKENDS } from '../backends.ts';
import { matrixEntry, renderMatrix, runConformance, skippedReport, type CapabilityMatrix, type ConformanceReport } from '../conformance/index.ts';
import { startBackend } from '../runtime/backend.ts';
import { fixtureExtras } from './fixture.ts';

const environment = `${platform()} ${release()} ${arch()}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const { values } = parseArgs({ options: { backend: { type: 'string', multiple: true } } });
const only = (values.backend ?? []).flatMap((b) => b.split(',')).map((b) => b.trim()).filter(Boolean);
const unknown = only.filter((name) => !BACKENDS.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(`Unknown backend(s) ${unknown.join(', ')}; known: ${BACKENDS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const JSON_PATH = new URL('../../docs/capabilities.json', import.meta.url);
const committed: CapabilityMatrix | undefined = only.length > 0 ? (JSON.parse(await readFile(JSON_PATH, 'utf8')) as CapabilityMatrix) : undefined;
const backends: CapabilityMatrix['backends'] = [];
for (const definition of BACKENDS) {
  if (committed && !only.includes(definition.name)) {
    // Not asked for: its committed column as it is (none yet: left out until it is run).
    const kept = committed.backends.find((b) => b.backend === definition.name);
    if (kept) backends.push(kept);
    continue;
  }
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
await writeFile(JSON_PATH, `${JSON.stringify(matrix, null, 2)}\n`);
await writeFile(new URL('../../docs/capabilities.md', import.meta.url), renderMatrix(matrix));
console.error(pc.green('\nWrote docs/capabilities.json and docs/capabilities.md'));
