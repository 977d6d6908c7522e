/**
 * `npm test`: type-check, lint (eslint and the dependency rules), start every real server the workbench
 * can start (once), run every `*.spec.ts` with Node's test runner against them, and end with a summary of
 * which backends ran, which were skipped, every other skipped part with its reason, and the counts.
 *
 * `npm run test:unit` (`--unit`): only `*.unit.spec.ts`, no server started, no type-check or lint: seconds.
 *
 * Servers: one per distinct `server` in labs/backends.ts. An external server given in the environment
 * (DATABASE_URL, DYNAMODB_ENDPOINT, KAFKA_BROKERS, EVENTSTORE_CONNECTION_STRING) is used as is; otherwise
 * the embedded one is started. A server that cannot start is a failure under CI=true (when the workbench
 * embeds it), and a loud skip otherwise: its reason goes to the test processes as
 * WORKBENCH_UNAVAILABLE_<SERVER>, and every test that needs it reports it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import { BACKENDS, type RunningBackend } from '../labs/backends.ts';
import { judgeResults, type ConformanceReport } from '../labs/conformance/index.ts';
import { settings, unavailableVariable } from '../labs/runtime/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, '.workbench', 'results');
const ci = settings.ci;
const args = process.argv.slice(2);
const fileFilter = args.filter((a) => !a.startsWith('--'));
const unitOnly = args.includes('--unit');
const skipChecks = args.includes('--no-checks') || unitOnly;

function run(command: string, commandArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function findSpecFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (['node_modules', '.git', '.workbench'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findSpecFiles(path)));
    else if (entry.name.endsWith('.spec.ts')) found.push(relative(root, path));
  }
  return found.sort();
}

const step = (text: string) => console.log(`\n${pc.bold(pc.cyan('▶'))} ${pc.bold(text)}`);

if (!skipChecks) {
  step('Type-check (tsc --noEmit)');
  if ((await run('npx', ['tsc', '--noEmit'])) !== 0) process.exit(1);
  console.log(pc.green('  types ok'));
  step('Lint (eslint and the dependency rules of docs/architecture.md)');
  if ((await run('npm', ['run', '-s', 'lint'])) !== 0) process.exit(1);
  console.log(pc.green('  lint ok'));
}

let files = await findSpecFiles(root);
if (unitOnly) files = files.filter((f) => f.endsWith('.unit.spec.ts'));
if (fileFilter.length > 0) files = files.filter((f) => fileFilter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(pc.red('No test files found.'));
  process.exit(1);
}

const servers = new Map<string, { title: string; embedded: boolean; running?: RunningBackend; reason?: string }>();
for (const backend of BACKENDS) {
  if (!servers.has(backend.server)) servers.set(backend.server, { title: backend.title, embedded: backend.embedded });
}
const childEnv: NodeJS.ProcessEnv = { ...process.env };
if (!unitOnly) step('Start the real servers the tests need');
await Promise.all(
  [...servers.entries()].filter(() => !unitOnly).map(async ([server, entry]) => {
    const definition = BACKENDS.find((b) => b.server === server)!;
    const started = performance.now();
    try {
      entry.running = await definition.start((line) => console.log(pc.dim(`  [${server}] ${line}`)));
      Object.assign(childEnv, entry.running.env);
      console.log(`  ${pc.green('✔')} ${server}: ${entry.running.description} ${pc.dim(`(${Math.round(performance.now() - started)} ms)`)}`);
    } catch (error) {
      entry.reason = error instanceof Error ? error.message : String(error);
      childEnv[unavailableVariable(server)] = entry.reason;
      const loud = entry.embedded ? pc.red : pc.yellow;
      console.log(`  ${loud('✘')} ${server}: ${loud('NOT AVAILABLE')} — ${entry.reason}`);
    }
  }),
);
const stopAll = () => Promise.allSettled([...servers.values()].map((s) => s.running?.stop()));
const failedEmbedded = [...servers.entries()].filter(([, s]) => s.embedded && s.reason);
if (ci && failedEmbedded.length > 0) {
  console.error(pc.red(`\nCI=true: ${failedEmbedded.map(([n]) => n).join(', ')} could not start; that is a failure, not a skip.`));
  await stopAll();
  process.exit(1);
}

await rm(resultsDir, { recursive: true, force: true });
await mkdir(resultsDir, { recursive: true });
const tapFile = join(resultsDir, 'tests.tap');

step(`Run ${files.length} ${unitOnly ? 'unit ' : ''}test files (node --test)`);
const code = await run(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  childEnv,
);
await stopAll();

// ---- Summary ---------------------------------------------------------------------------------------
step('Summary');
if (!unitOnly) {
  console.log(pc.bold('  Backends'));
  for (const [server, entry] of servers) {
    if (entry.running) console.log(`    ${pc.green('ran     ')} ${server.padEnd(14)} ${entry.running.description}`);
    else console.log(`    ${pc.yellow('SKIPPED ')} ${server.padEnd(14)} ${entry.reason?.split('\n')[0]}`);
  }
  console.log(pc.bold('  Conformance (scenarios: pass / fail / unsupported / skipped)'));
  for (const backend of BACKENDS) {
    const file = join(resultsDir, `conformance-${backend.name}.json`);
    if (!existsSync(file)) {
      console.log(`    ${backend.name.padEnd(22)} ${pc.dim('not run in this test run')}`);
      continue;
    }
    const report = JSON.parse(await readFile(file, 'utf8')) as ConformanceReport;
    const count = (status: string) => report.scenarios.filter((s) => s.status === status).length;
    const lessons = Object.keys(backend.expectedFailures ?? {}).length;
    const note = lessons > 0 ? pc.dim(` (pitfall demo: ${lessons} failures expected and asserted)`) : '';
    const errors = judgeResults(report.scenarios, backend).length;
    console.log(
      `    ${backend.name.padEnd(22)} ${pc.green(String(count('pass')).padStart(2))} / ${pc.red(String(count('fail')).padStart(2))} / ` +
        `${pc.yellow(String(count('unsupported')).padStart(2))} / ${pc.magenta(String(count('skipped')).padStart(2))}${note}${errors ? pc.red(` — ${errors} not as expected`) : ''}`,
    );
    for (const s of report.scenarios.filter((r) => r.status === 'unsupported')) {
      console.log(pc.dim(`        unsupported ${s.id}: ${s.detail}`));
    }
  }
}

const tap = existsSync(tapFile) ? await readFile(tapFile, 'utf8') : '';
const total = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
const passed = total('pass');
const failed = total('fail') + total('cancelled');
const skipped = total('skipped');
// Every skipped test, grouped by its reason: a part that did not run must say so (a browser test on a
// machine without Chromium, a backend with no server), not vanish into a count.
const skipReasons = new Map<string, number>();
for (const match of tap.matchAll(/^\s*ok \d+ - .*# SKIP ?(.*)$/gm)) {
  const reason = (match[1] ?? '').trim().replace(/\s+/g, ' ').slice(0, 160) || '(no reason given)';
  skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
}
if (skipReasons.size > 0) {
  console.log(pc.bold(`  Skipped parts (${skipped} tests), by reason`));
  for (const [reason, n] of [...skipReasons].sort((a, b) => b[1] - a[1])) console.log(`    ${pc.yellow(String(n).padStart(4))}  ${reason}`);
}
console.log('');
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code !== 0 || failed > 0 ? 1 : 0);
