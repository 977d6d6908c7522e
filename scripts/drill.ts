/**
 * `npm run drill -- --backend <cluster> [--failovers N] [--faults kill,pause,partition] [--json] [--html <file>]`:
 * a failover drill (scripts/drill/run.ts) and what the checker found, on the terminal, as JSON, and as an
 * HTML report (scripts/drill/report.ts). `--from a.json,b.json --html <file>` renders drills already run.
 * Exits 1 when an acknowledged append was lost on a backend whose lesson is not that loss, 2 on bad input
 * (a backend without a cluster, a fault it or this machine cannot take).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import pc from 'picocolors';
import { BACKENDS, backendByName } from '../labs/backends.ts';
import { PartitionUnavailableError, type ClusterFault } from '../labs/runtime/index.ts';
import { runDrill, UnsupportedFaultError } from './drill/run.ts';
import type { DrillReport } from './drill/records.ts';
import { renderDrillHtml } from './drill/report.ts';

const FAULTS: readonly ClusterFault[] = ['kill', 'pause', 'partition'];
const clusters = BACKENDS.filter((b) => b.cluster).map((b) => b.name);
const usage = `Usage: npm run drill -- --backend <${clusters.join('|')}> [--failovers N] [--faults ${FAULTS.join(',')}] [--writers N] [--settle-ms N] [--json] [--html <file>]
       npm run drill -- --from <drill.json>[,<drill.json>…] --html <file>`;

function fail(message: string): never {
  console.error(`${pc.red(message)}\n\n${usage}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      backend: { type: 'string', short: 'b' },
      failovers: { type: 'string', default: '1' },
      faults: { type: 'string', default: 'kill' },
      writers: { type: 'string', default: '4' },
      'settle-ms': { type: 'string', default: '1500' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (parsed.help) {
  console.log(usage);
  process.exit(0);
}

async function writeHtml(file: string, drills: DrillReport[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, await renderDrillHtml(drills));
  console.error(pc.dim(`HTML report: ${file}`));
}

if (parsed.from !== undefined) {
  if (!parsed.html) fail('--from renders drills already run: it needs --html <file>.');
  const drills: DrillReport[] = [];
  for (const file of parsed.from.split(',').map((f) => f.trim()).filter(Boolean)) {
    try {
      drills.push(JSON.parse(await readFile(file, 'utf8')) as DrillReport);
    } catch (error) {
      fail(`Cannot read the drill ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (drills.length === 0) fail('--from names no file.');
  await writeHtml(parsed.html, drills);
  process.exit(0);
}
const definition = parsed.backend ? backendByName(parsed.backend) : undefined;
if (!parsed.backend) fail('--backend is required.');
if (!definition) fail(`No backend named '${parsed.backend}'.`);
if (!definition.cluster) fail(`'${definition.name}' runs one node: a failover drill needs a cluster (${clusters.join(', ')}).`);
const failovers = Number(parsed.failovers);
if (!Number.isInteger(failovers) || failovers < 1 || failovers > 100) fail(`--failovers must be a whole number from 1 to 100, not '${parsed.failovers}'.`);
const writers = Number(parsed.writers);
if (!Number.isInteger(writers) || writers < 1 || writers > 16) fail(`--writers must be a whole number from 1 to 16, not '${parsed.writers}'.`);
// How long the writers append before the first fault and after each failover (Kafka's writers need
// seconds to get going: its one writer role passes between their processes).
const settleMs = Number(parsed['settle-ms']);
if (!Number.isInteger(settleMs) || settleMs < 0 || settleMs > 600_000) fail(`--settle-ms must be a whole number of milliseconds up to 600000, not '${parsed['settle-ms']}'.`);
const faults = parsed.faults.split(',').map((f) => f.trim()) as ClusterFault[];
const unknownFault = faults.find((f) => !FAULTS.includes(f));
if (unknownFault !== undefined) fail(`Unknown fault '${unknownFault}' (known: ${FAULTS.join(', ')}).`);

// Ctrl-C or a kill: exit through 'exit', where every server this process started is killed and its
// data removed (without a handler Node dies of the signal and runs no 'exit' listener).
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const bar = process.stderr.isTTY
  ? new cliProgress.SingleBar(
      { format: `${pc.cyan(definition.name)} [{bar}] failover {value}/{total} · {phase} · {acknowledged} delivered`, barsize: 20, hideCursor: true, clearOnComplete: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    )
  : undefined;
bar?.start(failovers, 0, { phase: 'starting the cluster', acknowledged: 0 });
let report: DrillReport;
try {
  report = await runDrill(definition, {
    failovers,
    faults,
    writers,
    settleMs,
    log: (line) => (bar ? bar.update({ phase: line }) : console.error(pc.dim(line))),
    onProgress: ({ failover, phase, acknowledged }) =>
      bar ? bar.update(failover, { phase, acknowledged }) : console.error(pc.dim(`failover ${failover}/${failovers} · ${phase} · ${acknowledged} delivered`)),
  });
} catch (error) {
  bar?.stop();
  // A fault this backend or this machine cannot take is bad input (exit 2), said in one sentence.
  if (error instanceof PartitionUnavailableError || error instanceof UnsupportedFaultError) fail(`The drill cannot run: ${error.message}.`);
  console.error(pc.red(`The drill could not run: ${error instanceof Error ? error.message : String(error)}`));
  process.exit(1);
}
bar?.stop();

if (parsed.html) await writeHtml(parsed.html, [report]);
if (parsed.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const count = (n: number, bad: boolean) => (n > 0 && bad ? pc.red(String(n)) : String(n));
  console.log(pc.bold(`${report.title}: ${report.failovers} failover(s), ${report.writers} writer processes`));
  console.log(pc.dim(`  ${report.durability}`));
  console.log(
    `  acknowledged ${report.acknowledged} · lost ${count(report.lost, true)} · duplicated ${count(report.duplicated, true)} · ` +
      `phantom ${report.phantom} · no answer ${report.indeterminate} · subscriber missed ${count(report.subscriberMissed, true)}, twice ${count(report.subscriberDuplicated, true)}`,
  );
  console.log(`  unavailable: p50 ${report.unavailableMs.p50} ms · p99 ${report.unavailableMs.p99} ms · max ${report.unavailableMs.max} ms`);
  for (const t of report.timeline) {
    console.log(
      pc.dim(`    ${t.fault.padEnd(6)} lag ${t.lagMs} ms (${t.acknowledgedDuringLag} acknowledged meanwhile) · detected after ${t.detectMs} ms · promoted in ${t.promoteMs} ms · rebuilt in ${t.rebuildMs} ms · unavailable ${t.unavailableMs} ms · lost ${t.lost}`),
    );
  }
}
// A loss is the lesson of a pitfall twin, and a defect anywhere else.
const lessonIsLoss = definition.pitfall === undefined && definition.pitfallSource !== undefined;
process.exit(report.lost > 0 && !lessonIsLoss ? 1 : 0);
