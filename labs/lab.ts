/**
 * npm run lab -- <backend> [--scenario <id>]… [--no-pitfalls] [--verbose] [--keep]
 *
 * The narrated tour: starts a real server for the backend (embedded, or the one the environment points
 * at), runs every conformance scenario on it and tells what each did and what came back, then the
 * backend's own extra steps, then its pitfall twin through the same scenarios — printing the failures the
 * learner came for in full, each with where to look in the naive store, and the passing ones as one line —
 * and ends with a table where a failure that is the lesson says so. `--keep` leaves the lab's server
 * running (its connection settings printed) until Ctrl-C, for the exercises in docs/labs/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { BACKENDS, backendByName, type BackendDefinition, type RunningBackend } from './backends.ts';
import {
  SCENARIO_IDS,
  describeVerdict,
  judgeResults,
  judgeScenario,
  runScenario,
  selectScenarios,
  type ScenarioId,
  type ScenarioResult,
} from './conformance/index.ts';
import { fixtureExtras } from './bindings/fixture.ts';
import { startBackend } from './runtime/backend.ts';
import { pitfallLocation } from './pitfall-location.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scenario: { type: 'string', multiple: true },
    'no-pitfalls': { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

// A pitfall twin is shown after its backend's tour, not as a lab of its own. Every twin names the files
// where its flaw is (pitfallSource), including one whose lesson is only flaky (no expectedFailures) or
// whose expected failures depend on the machine (the Kafka acks=1 twin's hold-back needs iptables).
const labs = BACKENDS.filter((b) => !b.pitfallSource && !b.peer);
const usage = [
  `Usage: npm run lab -- <${labs.map((b) => b.name).join('|')}> [--scenario <id>]… [--no-pitfalls] [--verbose] [--keep]`,
  '',
  'Labs:',
  ...labs.map((b) => `  ${b.name.padEnd(14)} ${b.title}${b.pitfall ? ` (with its pitfall twin, ${b.pitfall})` : ''}`),
  '',
  '  --verbose   the full start line of each server and every scenario narrated in the pitfall section too',
  '  --keep      leave the lab server running after the tour (its connection settings printed) until Ctrl-C',
].join('\n');

const name = positionals[0];
if (values.help || !name) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const definition = backendByName(name);
if (!definition) {
  console.error(`No lab named '${name}'.\n\n${usage}`);
  process.exit(2);
}
const only = values.scenario as ScenarioId[] | undefined;
const unknown = only?.filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
if (unknown?.length) {
  console.error(`Unknown scenario id(s): ${unknown.join(', ')}.\nKnown: ${SCENARIO_IDS.join(', ')}`);
  process.exit(2);
}
const verbose = values.verbose;

const width = Math.min(process.stdout.columns || 100, 110);
const rule = (title: string) => console.log(`\n${pc.bold(pc.cyan(`━━ ${title} ${'━'.repeat(Math.max(0, width - title.length - 4))}`))}`);
const wrap = (text: string, indent: string) => {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/)) {
      if ((indent + line + word).length > width && line) {
        lines.push(indent + line.trimEnd());
        line = '';
      }
      line += `${word} `;
    }
    if (line.trim()) lines.push(indent + line.trimEnd());
  }
  return lines.join('\n');
};

function printIntro(backend: BackendDefinition): void {
  const file = new URL(`./${backend.name.replace(/-naive$/, '')}/lab-intro.md`, import.meta.url);
  if (!existsSync(file)) return;
  for (const raw of readFileSync(file, 'utf8').trim().split('\n')) {
    if (raw.startsWith('#')) console.log(pc.bold(raw.replace(/^#+\s*/, '')));
    else console.log(raw.replace(/`([^`]+)`/g, (_, code: string) => pc.cyan(code)).replace(/\*\*([^*]+)\*\*/g, (_, b: string) => pc.bold(b)));
  }
}

/** The lab line of one result: what it means, in words, with the condition a pass holds under. */
function statusLine(backend: BackendDefinition, result: ScenarioResult): string {
  const verdict = judgeScenario(result, backend);
  const qualified = result.status === 'pass' ? backend.qualifiedPasses?.[result.id] : undefined;
  switch (verdict.kind) {
    case 'pass':
      return qualified ? `${pc.green('✔ pass')} ${pc.yellow(`(${/emulat/i.test(qualified) ? 'emulated' : 'qualified'}: ${qualified})`)}` : pc.green('✔ pass');
    case 'lesson-shown':
      return pc.yellow('✘ fails: this is the lesson');
    case 'lesson-missing':
      return pc.red(`✘ passed, but the lesson expects it to fail this time (${verdict.why})`);
    case 'flaky-failure':
      return pc.yellow('✘ fails this time (its flaw, under load)');
    case 'failure':
      return pc.red('✘ FAIL');
    case 'unsupported':
      return pc.yellow('○ unsupported');
    case 'skipped':
      return pc.magenta('○ skipped');
  }
}

async function start(backend: BackendDefinition): Promise<RunningBackend | ScenarioResult[]> {
  process.stdout.write(pc.dim(`\nStarting ${backend.title} …\n`));
  const outcome = await startBackend(backend, { log: verbose ? (line) => console.log(pc.dim(`  ${line}`)) : undefined });
  if (outcome.status === 'skipped') {
    console.log(`\n${pc.bold(pc.yellow('Not available.'))} ${outcome.reason}`);
    if (!backend.embedded) console.log(pc.dim('This backend cannot be started by the workbench itself; see its lab page in docs/labs/.'));
    return selectScenarios(only).map((s) => ({ id: s.id, status: 'skipped', detail: outcome.reason, durationMs: 0 }));
  }
  const description = outcome.running.description;
  console.log(`${pc.green('✔')} ${verbose ? description : description.split(';')[0]}`);
  return outcome.running;
}

/** The real store: every scenario narrated, then what only this backend offers. */
async function narratedTour(backend: BackendDefinition, running: RunningBackend): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const selected = selectScenarios(only);
  for (const [index, scenario] of selected.entries()) {
    console.log(`\n${pc.bold(`${String(index + 1).padStart(2)}/${selected.length}  ${scenario.title}`)}  ${pc.dim(scenario.id)}`);
    console.log(pc.dim(wrap(scenario.property, '       ')));
    const result = await runScenario(backend.name, running.createStore, scenario, {
      extras: fixtureExtras(backend, running),
      observer: { narrate: (_s, line) => console.log(wrap(`→ ${line}`, '       ')) },
    });
    results.push(result);
    console.log(`       ${statusLine(backend, result)} ${pc.dim(`(${result.durationMs} ms)`)}`);
    if (result.status !== 'pass') console.log(pc.dim(wrap(result.detail, '         ')));
  }
  if (backend.tour && !only) {
    rule(`${backend.title}: what only it offers`);
    await backend.tour(running, (line) => console.log(wrap(`→ ${line}`, '  ')));
  }
  return results;
}

/** The pitfall twin: the lesson's failures in full, with where to look; the rest as one line. */
async function pitfallTour(backend: BackendDefinition, running: RunningBackend): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const passed: string[] = [];
  const selected = selectScenarios(only);
  for (const scenario of selected) {
    const narration: string[] = [];
    const result = await runScenario(backend.name, running.createStore, scenario, {
      extras: fixtureExtras(backend, running),
      observer: { narrate: (_s, line) => narration.push(line) },
    });
    results.push(result);
    const verdict = judgeScenario(result, backend);
    if (verdict.kind === 'pass' && !verbose) {
      passed.push(scenario.id);
      process.stdout.write(pc.dim('.'));
      continue;
    }
    if (passed.length > 0 || verdict.kind !== 'pass') process.stdout.write('\n');
    console.log(`\n${pc.bold(scenario.title)}  ${pc.dim(scenario.id)}`);
    console.log(pc.dim(wrap(scenario.property, '    ')));
    for (const line of narration) console.log(wrap(`→ ${line}`, '    '));
    console.log(`    ${statusLine(backend, result)} ${pc.dim(`(${result.durationMs} ms)`)}`);
    if (result.status === 'fail') console.log(wrap(`what broke: ${result.detail}`, '      '));
    const why = backend.expectedFailures?.[scenario.id] ?? (verdict.kind === 'flaky-failure' ? verdict.why : undefined);
    if (why) console.log(wrap(`${pc.bold('why:')} ${why}`, '      '));
    const at = result.status === 'fail' ? pitfallLocation(backend, scenario.id) : undefined;
    if (at) console.log(`      ${pc.bold('look at:')} ${pc.cyan(at)}`);
  }
  if (passed.length > 0) {
    console.log(`\n\n${pc.green(`✔ ${passed.length} more scenarios pass on the naive store too`)} ${pc.dim('(--verbose narrates them)')}:`);
    console.log(pc.dim(wrap(passed.join(', '), '  ')));
  }
  return results;
}

function table(rows: { backend: BackendDefinition; results: ScenarioResult[] }[]): void {
  rule('Summary');
  const ids = selectScenarios(only).map((s) => s.id);
  const idWidth = Math.max(...ids.map((id) => id.length));
  const columns = 24;
  console.log(`  ${''.padEnd(idWidth)}  ${rows.map((r) => r.backend.name.padEnd(columns)).join('')}`);
  const cell = (backend: BackendDefinition, r: ScenarioResult | undefined) => {
    if (!r) return pc.dim('—'.padEnd(columns));
    const verdict = judgeScenario(r, backend);
    const qualified = r.status === 'pass' && backend.qualifiedPasses?.[r.id];
    const text: Record<typeof verdict.kind, string> = {
      pass: qualified ? (/emulat/i.test(qualified) ? 'pass (emulated)*' : 'pass (qualified)*') : 'pass',
      'lesson-shown': 'fail (the lesson)',
      'lesson-missing': 'PASS? (lesson missing)',
      'flaky-failure': 'fail (flaw, under load)',
      failure: 'FAIL',
      unsupported: 'unsupported',
      skipped: 'skipped',
    };
    const padded = text[verdict.kind].padEnd(columns);
    if (verdict.error) return pc.red(padded);
    if (verdict.kind === 'pass') return qualified ? pc.yellow(padded) : pc.green(padded);
    return pc.yellow(padded);
  };
  for (const id of ids) {
    console.log(`  ${id.padEnd(idWidth)}  ${rows.map((r) => cell(r.backend, r.results.find((x) => x.id === id))).join('')}`);
  }
  const qualified = rows.flatMap((r) => Object.entries(r.backend.qualifiedPasses ?? {}).map(([id, why]) => `${r.backend.name} ${id}: ${why}`));
  if (qualified.length > 0) console.log(pc.yellow(wrap(`* ${[...new Set(qualified)].join('; ')}`, '  ')));
}

async function keepRunning(backend: BackendDefinition, running: RunningBackend): Promise<void> {
  rule(`${backend.title} is still running (--keep)`);
  for (const [key, value] of Object.entries(running.env)) console.log(`  ${pc.bold(key)}=${value}`);
  if (running.env.DATABASE_URL) console.log(pc.dim(`  e.g. psql "${running.env.DATABASE_URL}" -c 'EXPLAIN ANALYZE SELECT * FROM event_store.events ORDER BY transaction_id, position LIMIT 10'`));
  console.log(pc.dim('  Other processes reach it through the variables above. Press Ctrl-C to stop it.'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(pc.dim('\nStopping …'));
}

console.log(pc.bold(`\nEvent Store Workbench — the ${definition.title} lab`));
rule(`${definition.title}: the conformance scenarios, narrated`);
printIntro(definition);
const rows: { backend: BackendDefinition; results: ScenarioResult[] }[] = [];
const running = await start(definition);
let kept: RunningBackend | undefined;
if (Array.isArray(running)) rows.push({ backend: definition, results: running });
else {
  try {
    rows.push({ backend: definition, results: await narratedTour(definition, running) });
  } finally {
    if (values.keep) kept = running;
    else await running.stop();
  }
}
const twin = definition.pitfall ? backendByName(definition.pitfall) : undefined;
if (twin && !values['no-pitfalls']) {
  rule(`Pitfalls: ${twin.title}`);
  const twinRunning = await start(twin);
  if (Array.isArray(twinRunning)) rows.push({ backend: twin, results: twinRunning });
  else {
    try {
      rows.push({ backend: twin, results: await pitfallTour(twin, twinRunning) });
    } finally {
      await twinRunning.stop();
    }
  }
}
table(rows);
const unexpected = rows.flatMap((row) => judgeResults(row.results, row.backend).map((r) => `${row.backend.name} ${r.id}: ${describeVerdict(r.verdict)}`));
console.log(
  unexpected.length === 0
    ? pc.green(`\nEvery scenario behaved as the lab expects. Read on: docs/labs/${definition.cluster ? 'replication' : definition.name}.md`)
    : pc.red(`\n${unexpected.length} scenario(s) did not behave as expected:\n  ${unexpected.join('\n  ')}`),
);
process.exitCode = unexpected.length === 0 ? 0 : 1;
if (kept) {
  await keepRunning(definition, kept);
  await kept.stop();
}
