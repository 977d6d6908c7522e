/**
 * npm run workshop [-- <command>]
 *
 *   (nothing)                       the paths, with your progress: done / current / next
 *   check <backend> <step>          run the step's scenarios (and earlier ones) against your work/
 *   check --solutions [backend]     the setup check: every step's reference solution passes
 *   hint <backend> <step>           the next hint of that step, chosen by what failed in your last check
 *   watch <backend> <step>          re-check on every save; on a pass, move on to the next step
 *   solution <backend> <step> [--diff]   the reference solution after a step, or what the step changes
 *   reset <backend> [step]          restore work/ to the starter files (or to where <step> starts)
 *
 * Exit code: 0 when the check passes, 1 when it does not, 2 for a usage error.
 */
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { checkStep, failingOf, type StepCheck } from './checker.ts';
import type { LearnerCode, WorkshopHarness } from './harness.ts';
import { chooseHint, loadHints } from './hints.ts';
import { codeIn, hintFiles, PROGRESS_FILE, REPO_ROOT, relativeToRepo, stepDir, workDir } from './layout.ts';
import {
  currentStep,
  failingOnRecord,
  forgetDone,
  hintsSeen,
  hintsShown,
  loadProgress,
  markHintSeen,
  recordCheck,
  recordFailing,
  saveProgress,
  stepStates,
} from './progress.ts';
import { cmd, formatCheck, renderMarkdown } from './report.ts';
import { resetWork } from './reset.ts';
import { solutionCode, solutionText, writeStep } from './solutions.ts';
import { afterWatchedCheck } from './watch.ts';
import { PLANNED_PATHS, WORKSHOP_PATHS, pathByBackend, stepById, stepNumber, type WorkshopPath, type WorkshopStep } from './steps.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    solutions: { type: 'boolean', default: false },
    diff: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const backends = WORKSHOP_PATHS.map((p) => p.backend).join('|');
const usage = `Usage:
  npm run workshop                                   your progress on every path
  npm run workshop -- check <${backends}> <step>          check your work on one step, e.g. check postgres 01
  npm run workshop -- hint <${backends}> <step>           reveal the next hint of a step
  npm run workshop -- watch <${backends}> <step>          check again every time you save
  npm run workshop -- reset <${backends}> [step]          restore work/ to the starter files (or to where <step> starts)
  npm run workshop -- solution <${backends}> <step> [--diff]   the reference solution after a step (--diff: what the step changes)
  npm run workshop -- check --solutions [${backends}]     facilitators: check every reference solution first`;

const tty = Boolean(process.stderr.isTTY);
const progressLine = (text: string) => {
  if (tty) process.stderr.write(`\r\x1b[2K${pc.dim(text)}`);
};
const clearProgressLine = () => {
  if (tty) process.stderr.write('\r\x1b[2K');
};

function fail(message: string, code = 2): never {
  console.error(`${pc.red(message)}\n\n${usage}`);
  process.exit(code);
}

function resolvePath(backend: string | undefined): WorkshopPath {
  if (!backend) fail('Which path? Name the backend.');
  const path = pathByBackend(backend);
  if (path) return path;
  const planned = PLANNED_PATHS.find((p) => p.backend === backend);
  if (planned) fail(`There is no ${planned.title} path yet: ${planned.reason}`);
  return fail(`No workshop path for '${backend}'. Paths: ${WORKSHOP_PATHS.map((p) => p.backend).join(', ')}.`);
}

function resolveStep(path: WorkshopPath, id: string | undefined): WorkshopStep {
  if (!id) fail(`Which step? ${path.steps[0]!.id} to ${path.steps[path.steps.length - 1]!.id}.`);
  return stepById(path, id) ?? fail(`No step '${id}' on the ${path.title} path: ${path.steps[0]!.id} to ${path.steps[path.steps.length - 1]!.id}.`);
}

async function startHarness(path: WorkshopPath): Promise<WorkshopHarness> {
  progressLine(`Starting ${path.title} (the first start can take 10–20 s) …`);
  try {
    return await path.startHarness((line) => progressLine(line));
  } finally {
    clearProgressLine();
  }
}

/** For a learner, a server that does not start is a set-up problem with a next move, not a stack trace. */
async function startHarnessOrExplain(path: WorkshopPath): Promise<WorkshopHarness> {
  try {
    return await startHarness(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(pc.red(`${path.title} could not start: ${reason}`));
    console.error(`Ask the facilitator, or use a server of your own (DATABASE_URL and friends: docs/docker.md).`);
    process.exit(1);
  }
}

async function runCheck(path: WorkshopPath, step: WorkshopStep, code: LearnerCode, harness: WorkshopHarness): Promise<StepCheck> {
  try {
    return await checkStep({
      path,
      step,
      code,
      harness,
      onScenario: (index, total, scenario) => progressLine(`  checking ${index + 1}/${total} · ${scenario.id} …`),
    });
  } finally {
    clearProgressLine();
  }
}

// ---- commands ----------------------------------------------------------------------------------------

async function list(): Promise<number> {
  const progress = await loadProgress(PROGRESS_FILE);
  console.log(pc.bold('Event Store Workbench — the workshop'));
  console.log('Build an event store yourself, one step at a time; the conformance suite checks each step.');
  console.log(`New here? Read ${pc.cyan('workshop/README.md')} first.\n`);
  for (const path of WORKSHOP_PATHS) {
    console.log(`${pc.bold(path.title)}  ${pc.dim(`your code: ${relativeToRepo(workDir(path))}/`)}`);
    for (const { step, state } of stepStates(progress, path)) {
      const hints = hintsShown(progress, path, step);
      const hintNote = hints > 0 ? pc.dim(`  hints seen: ${hints}/${hintFiles(path, step).length}`) : '';
      const label = `${step.id}  ${step.title}`.padEnd(52);
      if (state === 'done') console.log(`  ${pc.green('✔')} ${label}${pc.green('done')}${hintNote}`);
      else if (state === 'current') console.log(`  ${pc.cyan('▶')} ${pc.bold(label)}${pc.cyan('current')}${hintNote}`);
      else if (state === 'next') console.log(`  ${pc.dim('·')} ${label}${pc.dim('next')}${hintNote}`);
      else console.log(`  ${pc.dim('·')} ${pc.dim(label)}${hintNote}`);
    }
    const current = currentStep(progress, path);
    console.log(`\n  ${pc.bold('Now:')} read ${relativeToRepo(stepDir(path, current))}/README.md and do what it asks,`);
    console.log(`       then ${pc.cyan(cmd(`check ${path.backend} ${current.id}`))}\n`);
  }
  for (const planned of PLANNED_PATHS) console.log(pc.dim(`${planned.title}: no path yet (${planned.reason}).`));
  console.log(pc.dim(`\nCommands: check, hint, watch, reset, solution, check --solutions — ${cmd('--help')}`));
  return 0;
}

async function check(backend: string | undefined, stepId: string | undefined): Promise<number> {
  const path = resolvePath(backend);
  const step = resolveStep(path, stepId);
  const harness = await startHarnessOrExplain(path);
  try {
    const result = await runCheck(path, step, codeIn(path, workDir(path)), harness);
    const progress = await loadProgress(PROGRESS_FILE);
    const failing = failingOf(result);
    if (!result.codeError) {
      recordCheck(progress, path, step, result.stepsDone);
      recordFailing(progress, path, step, failing);
      await saveProgress(PROGRESS_FILE, progress);
    }
    const hints = loadHints(path, step);
    const next = chooseHint(hints, hintsSeen(progress, path, step), failing);
    console.log(formatCheck(result, { shown: hintsShown(progress, path, step), available: hints.length, next }));
    return result.passed ? 0 : 1;
  } finally {
    await harness.stop();
  }
}

async function checkSolutions(backend: string | undefined): Promise<number> {
  const paths = backend ? [resolvePath(backend)] : WORKSHOP_PATHS;
  let failures = 0;
  for (const path of paths) {
    console.log(pc.bold(`${path.title} path: every step's reference solution, checked like a learner's work`));
    let harness: WorkshopHarness;
    try {
      harness = await startHarness(path);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.log(pc.yellow(`  SKIPPED: ${path.title} could not start: ${reason.split('\n')[0]}`));
      if (process.env.CI === 'true') failures++;
      continue;
    }
    console.log(pc.dim(`  on ${harness.description}`));
    try {
      for (const step of path.steps) {
        const started = performance.now();
        const code = await solutionCode(path, stepNumber(step));
        const result = await runCheck(path, step, code, harness).finally(() => code.dispose());
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const scenarios = `${result.results.filter((r) => r.status === 'pass').length}/${result.results.length} scenarios`;
        if (result.passed) {
          console.log(`  ${pc.green('✔')} ${step.id}  ${step.title.padEnd(46)} ${pc.dim(`${scenarios}, ${seconds} s`)}`);
        } else {
          failures++;
          console.log(`  ${pc.red('✘')} ${step.id}  ${step.title.padEnd(46)} ${pc.red(result.codeError ? result.codeError.message : scenarios)}`);
          for (const r of result.results.filter((x) => x.status !== 'pass')) console.log(pc.dim(`       ${r.id}: ${r.detail.split('\n')[0]}`));
        }
      }
    } finally {
      await harness.stop();
    }
  }
  for (const planned of PLANNED_PATHS) console.log(pc.dim(`${planned.title}: no path yet (${planned.reason}).`));
  console.log(failures === 0 ? pc.green('\nEvery solution passes: this machine is ready for the workshop.') : pc.red(`\n${failures} step(s) failed.`));
  return failures === 0 ? 0 : 1;
}

async function hint(backend: string | undefined, stepId: string | undefined): Promise<number> {
  const path = resolvePath(backend);
  const step = resolveStep(path, stepId);
  const hints = loadHints(path, step);
  const progress = await loadProgress(PROGRESS_FILE);
  const failing = failingOnRecord(progress, path, step);
  const chosen = chooseHint(hints, hintsSeen(progress, path, step), failing);
  if (!chosen) {
    const why = hintsShown(progress, path, step) >= hints.length ? `You have seen all ${hints.length} hints of step ${step.id}` : `No hint of step ${step.id} you have not seen is about ${failing.map((f) => f.scenario).join(', ')}`;
    console.log(`${why} (they are in ${relativeToRepo(stepDir(path, step))}/hints/).`);
    console.log(`What the step changes in the reference solution: ${pc.cyan(cmd(`solution ${path.backend} ${step.id} --diff`))}`);
    return 0;
  }
  markHintSeen(progress, path, step, chosen.number);
  await saveProgress(PROGRESS_FILE, progress);
  const about = chosen.scenarios.filter((id) => failing.some((f) => f.scenario === id));
  const why = about.length > 0 ? ` · for ${about.join(', ')}, which failed in your last check` : '';
  console.log(pc.bold(`Hint ${chosen.number} of ${hints.length} · step ${step.id} · ${step.title}`) + pc.dim(why) + '\n');
  console.log(renderMarkdown(chosen.body));
  const after = chooseHint(hints, hintsSeen(progress, path, step), failing);
  console.log(
    pc.dim(
      after
        ? `\nNot enough? ${cmd(`hint ${path.backend} ${step.id}`)} shows hint ${after.number} ("${after.title}").`
        : `\nThat was the last hint for this. Check your work with ${cmd(`check ${path.backend} ${step.id}`)}, or compare: ${cmd(`solution ${path.backend} ${step.id} --diff`)}`,
    ),
  );
  return 0;
}

/** Prints the reference solution after a step, or (--diff) what the step changes, as `git diff` shows it. */
async function solution(backend: string | undefined, stepId: string | undefined, diff: boolean): Promise<number> {
  const path = resolvePath(backend);
  const step = resolveStep(path, stepId);
  const number = stepNumber(step);
  if (!diff) {
    for (const file of path.files) {
      if (path.files.length > 1) console.log(pc.bold(`// ---- ${file} after step ${step.id} ----`));
      console.log(await solutionText(path, number, file));
    }
    return 0;
  }
  // git's diff, not a hand-written one: the two states are written to temporary directories first.
  const dir = await mkdtemp(join(tmpdir(), 'workshop-solution-'));
  try {
    const before = number === 1 ? 'starter' : `step-${String(number - 1).padStart(2, '0')}`;
    await writeStep(path, number - 1, join(dir, before));
    await writeStep(path, number, join(dir, `step-${step.id}`));
    const color = process.stdout.isTTY ? '--color=always' : '--color=never';
    const child = spawn('git', ['diff', '--no-index', color, '--', before, `step-${step.id}`], { cwd: dir, stdio: 'inherit' });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    return code <= 1 ? 0 : code; // git diff exits 1 when the files differ
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function reset(backend: string | undefined, stepId: string | undefined): Promise<number> {
  const path = resolvePath(backend);
  const step = stepId ? resolveStep(path, stepId) : undefined;
  const result = await resetWork({ path, step });
  const progress = await loadProgress(PROGRESS_FILE);
  forgetDone(progress, path, step);
  await saveProgress(PROGRESS_FILE, progress);
  console.log(`${pc.green('✔')} ${relativeToRepo(workDir(path))}/ now holds ${result.restoredFrom}: ${result.files.join(', ')}.`);
  if (result.backup) console.log(pc.dim(`  What was there before is saved in ${relativeToRepo(result.backup)}/`));
  console.log(`  Next: ${pc.cyan(cmd(`check ${path.backend} ${step?.id ?? path.steps[0]!.id}`))}`);
  return 0;
}

/**
 * Starts the server once and re-runs the check in a fresh child process on every save (debounced): a new
 * process imports the changed store.ts (Node caches modules), and it reaches the same server through
 * the harness's environment (DATABASE_URL), so a re-check takes seconds. When the watched step passes,
 * the watch moves on to the next step and says so (watch.ts).
 */
async function watchStep(backend: string | undefined, stepId: string | undefined): Promise<number> {
  const path = resolvePath(backend);
  let step = resolveStep(path, stepId);
  const dir = workDir(path);
  if (!existsSync(dir)) fail(`${relativeToRepo(dir)}/ is missing: ${cmd(`reset ${path.backend}`)} restores it.`);
  const harness = await startHarnessOrExplain(path);
  const cli = fileURLToPath(import.meta.url);
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

  const runOnce = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    console.log(pc.dim(`\n── ${new Date().toLocaleTimeString()} · checking step ${step.id} ${'─'.repeat(40)}`));
    const exitCode = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, 'check', path.backend, step.id], {
        cwd: REPO_ROOT,
        // The child's output goes straight to this terminal: keep its colours when there are any.
        env: { ...process.env, ...harness.env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) },
        stdio: 'inherit',
      });
      child.on('exit', (code) => resolve(code ?? 1));
    });
    const decision = afterWatchedCheck(path, step, exitCode === 0);
    if (decision.message) console.log(`\n${pc.green(pc.bold(decision.message))}`);
    step = decision.step;
    running = false;
    if (decision.finished) return stop();
    console.log(pc.dim(`\nWatching ${relativeToRepo(dir)}/ for step ${step.id} — save a file to check again, Ctrl-C to stop.`));
    if (again) {
      again = false;
      await runOnce();
    }
  };

  const watcher = watch(dir, { recursive: true }, (_event, file) => {
    if (file && !/\.(ts|sql)$/.test(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void runOnce(), 300);
  });
  await runOnce();
  await stopped;
  watcher.close();
  clearTimeout(timer);
  await harness.stop();
  return 0;
}

// ---- dispatch ----------------------------------------------------------------------------------------

const [command, first, second] = positionals;
if (values.help || command === 'help') {
  console.log(usage);
  process.exit(0);
}
let code: number;
switch (command) {
  case undefined:
  case 'list':
    code = await list();
    break;
  case 'check':
    code = values.solutions ? await checkSolutions(first) : await check(first, second);
    break;
  case 'hint':
    code = await hint(first, second);
    break;
  case 'watch':
    code = await watchStep(first, second);
    break;
  case 'reset':
    code = await reset(first, second);
    break;
  case 'solution':
    code = await solution(first, second, values.diff);
    break;
  default:
    fail(`Unknown command '${command}'.`);
}
process.exit(code);
