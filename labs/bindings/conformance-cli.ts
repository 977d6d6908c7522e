/**
 * npm run conformance -- --backend <name> [--json] [--out <file>] [--scenario <id> ...]
 *
 * Runs the conformance suite against a real server of that backend (external from the environment, or
 * embedded) and prints a table, or with --json one JSON document:
 * { "backend", "startedAt", "scenarios": [ { "id", "status", "detail", "durationMs" } ] }.
 * npm prints its own "> script" banner on stdout first: to pipe the JSON, use `npm run -s conformance …`
 * or `--out <file>`, which writes the JSON document to that file.
 * Exit code: 0 when nothing failed (pitfall stores: when exactly their expected failures failed).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { backendByName, backendNames } from '../backends.ts';
import {
  SCENARIO_IDS,
  formatReportTable,
  judgeResults,
  runConformance,
  skippedReport,
  type ConformanceReport,
  type ScenarioId,
} from '../conformance/index.ts';
import { startBackend } from '../runtime/backend.ts';
import { fixtureExtras } from './fixture.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', short: 'b' },
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage = `Usage: npm run -s conformance -- --backend <${backendNames().join('|')}> [--json] [--out <file>] [--scenario <id>]…`;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const definition = values.backend ? backendByName(values.backend) : undefined;
if (!definition) {
  console.error(values.backend ? `Unknown backend '${values.backend}'.` : 'Which backend?');
  console.error(usage);
  process.exit(2);
}
const only = values.scenario as ScenarioId[] | undefined;
const unknown = only?.filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
if (unknown?.length) {
  console.error(`Unknown scenario id(s): ${unknown.join(', ')}. Known: ${SCENARIO_IDS.join(', ')}`);
  process.exit(2);
}

const progress = (line: string) => {
  if (!values.json) console.error(pc.dim(line));
};

let report: ConformanceReport;
let outcome;
try {
  outcome = await startBackend(definition, { log: progress });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
if (outcome.status === 'ran') {
  const running = outcome.running;
  progress(`Running the conformance suite on ${definition.title} (${running.description}) …`);
  try {
    report = await runConformance(definition.name, running.createStore, {
      only,
      extras: fixtureExtras(definition, running),
      observer: {
        scenarioFinished: (s, r) => progress(`  ${r.status.padEnd(11)} ${s.id} (${r.durationMs} ms)`),
      },
    });
  } finally {
    await running.stop();
  }
} else {
  report = skippedReport(definition.name, outcome.reason, only);
}

if (values.out) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(formatReportTable(report));
}
process.exitCode = judgeResults(report.scenarios, definition).length === 0 ? 0 : 1;
