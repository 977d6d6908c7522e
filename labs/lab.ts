/**
 * npm run lab -- <backend> [--scenario <id>]… [--no-pitfalls]
 *
 * The narrated tour: starts a real server for the backend (embedded, or the one the environment points
 * at), runs every conformance scenario on it and tells what each did and what came back, then runs the
 * backend's own extra steps and its pitfall twin through the same scenarios, and ends with a table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { BACKENDS, backendByName, type BackendDefinition } from './backends.ts';
import { describeVerdict, judgeResults, judgeScenario, runScenario, selectScenarios } from './conformance/index.ts';
import { SCENARIO_IDS, type ScenarioId, type ScenarioResult } from './conformance/scenario.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scenario: { type: 'string', multiple: true },
    'no-pitfalls': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const labs = BACKENDS.filter((b) => !b.expectedFailures);
const usage = [
  `Usage: npm run lab -- <${labs.map((b) => b.name).join('|')}> [--scenario <id>]… [--no-pitfalls]`,
  '',
  'Labs:',
  ...labs.map((b) => `  ${b.name.padEnd(14)} ${b.title}${b.pitfall ? ` (with its pitfall twin, ${b.pitfall})` : ''}`),
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

const width = Math.min(process.stdout.columns || 100, 110);
const rule = (title: string) => console.log(`\n${pc.bold(pc.cyan(`━━ ${title} ${'━'.repeat(Math.max(0, width - title.length - 4))}`))}`);
const wrap = (text: string, indent: string) => {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if ((indent + line + word).length > width && line) {
      lines.push(indent + line.trimEnd());
      line = '';
    }
    line += `${word} `;
  }
  if (line.trim()) lines.push(indent + line.trimEnd());
  return lines.join('\n');
};

function printIntro(backend: BackendDefinition): void {
  const file = new URL(`./${backend.name}/lab-intro.md`, import.meta.url);
  if (!existsSync(file)) return;
  for (const raw of readFileSync(file, 'utf8').trim().split('\n')) {
    if (raw.startsWith('#')) console.log(pc.bold(raw.replace(/^#+\s*/, '')));
    else console.log(raw.replace(/`([^`]+)`/g, (_, code: string) => pc.cyan(code)).replace(/\*\*([^*]+)\*\*/g, (_, b: string) => pc.bold(b)));
  }
}

const statusMark = (r: ScenarioResult, expectedFailure: boolean) => {
  if (r.status === 'pass') return pc.green(`✔ pass`);
  if (r.status === 'fail') return expectedFailure ? pc.yellow('✘ fails, as the pitfall predicts') : pc.red('✘ FAIL');
  if (r.status === 'unsupported') return pc.yellow('○ unsupported');
  return pc.magenta('○ skipped');
};

async function tour(backend: BackendDefinition, heading: string): Promise<ScenarioResult[]> {
  rule(heading);
  printIntro(backend);
  process.stdout.write(pc.dim(`\nStarting ${backend.title} …\n`));
  let running;
  try {
    running = await backend.start((line) => console.log(pc.dim(`  ${line}`)));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`\n${pc.bold(pc.yellow('Not available.'))} ${reason}`);
    if (!backend.embedded) console.log(pc.dim('This backend cannot be started by the workbench itself; see its lab page in docs/labs/.'));
    return selectScenarios(only).map((s) => ({ id: s.id, status: 'skipped', detail: reason, durationMs: 0 }));
  }
  console.log(`${pc.green('✔')} ${running.description}`);
  const results: ScenarioResult[] = [];
  const selected = selectScenarios(only);
  const expected = backend.expectedFailures ?? {};
  try {
    for (const [index, scenario] of selected.entries()) {
      console.log(`\n${pc.bold(`${String(index + 1).padStart(2)}/${selected.length}  ${scenario.title}`)}  ${pc.dim(scenario.id)}`);
      console.log(pc.dim(wrap(scenario.property, '       ')));
      const result = await runScenario(backend.name, running.createStore, scenario, {
        observer: { narrate: (_s, line) => console.log(wrap(`→ ${line}`, '       ')) },
      });
      results.push(result);
      const why = expected[scenario.id];
      console.log(`       ${statusMark(result, Boolean(why) || Boolean(backend.expectedFailures))} ${pc.dim(`(${result.durationMs} ms)`)}`);
      if (result.status !== 'pass') console.log(pc.dim(wrap(result.detail, '         ')));
      if (why && result.status === 'fail') console.log(wrap(`${pc.bold('why:')} ${why}`, '         '));
      if (why && result.status === 'pass') console.log(pc.red(wrap(`expected this pitfall to show (${why}) but it passed this time`, '         ')));
    }
    if (backend.tour && !only) {
      rule(`${backend.title}: what only it offers`);
      await backend.tour(running, (line) => console.log(wrap(`→ ${line}`, '  ')));
    }
  } finally {
    await running.stop();
  }
  return results;
}

function table(rows: { name: string; results: ScenarioResult[] }[]): void {
  rule('Summary');
  const ids = selectScenarios(only).map((s) => s.id);
  const idWidth = Math.max(...ids.map((id) => id.length));
  console.log(`  ${''.padEnd(idWidth)}  ${rows.map((r) => r.name.padEnd(16)).join('')}`);
  const cell = (r: ScenarioResult | undefined) => {
    const text = (r?.status ?? '—').padEnd(16);
    if (r?.status === 'pass') return pc.green(text);
    if (r?.status === 'fail') return pc.red(text);
    return pc.yellow(text);
  };
  for (const id of ids) {
    console.log(`  ${id.padEnd(idWidth)}  ${rows.map((r) => cell(r.results.find((x) => x.id === id))).join('')}`);
  }
}

console.log(pc.bold(`\nEvent Store Workbench — the ${definition.title} lab`));
const rows = [{ name: definition.name, results: await tour(definition, `${definition.title}: the conformance scenarios, narrated`) }];
const twin = definition.pitfall ? backendByName(definition.pitfall) : undefined;
if (twin && !values['no-pitfalls']) {
  rows.push({ name: twin.name, results: await tour(twin, `Pitfalls: ${twin.title}`) });
}
table(rows);
const judged = rows.map((row) => ({ row, definition: backendByName(row.name) }));
const unexpected = judged.flatMap((j) => judgeResults(j.row.results, j.definition));
for (const j of judged) {
  for (const r of j.row.results) {
    const verdict = judgeScenario(r, j.definition);
    if (verdict.kind === 'flaky-failure') console.log(pc.yellow(`\n${j.row.name} ${r.id}: ${describeVerdict(verdict)}`));
  }
}
console.log(
  unexpected.length === 0
    ? pc.green(`\nEvery scenario behaved as the lab expects. Read on: docs/labs/${definition.name}.md`)
    : pc.red(`\n${unexpected.length} scenario(s) did not behave as expected: ${unexpected.map((r) => r.id).join(', ')}`),
);
process.exitCode = unexpected.length === 0 ? 0 : 1;
