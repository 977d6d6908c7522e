/**
 * What a learner reads after a check, in plain words: for each scenario of the step (and of the steps
 * before it) whether it passes, and if not, what it checks and what went wrong; then one next move.
 * Pure functions from results to text, so the wording is tested without a database.
 */
import pc from 'picocolors';
import type { ScenarioCheck, StepCheck } from './checker.ts';
import type { FailureFacts } from './failure.ts';
import type { Hint } from './hints.ts';
import { relativeToRepo, stepDir, workDir } from './layout.ts';
import { nextStep, type WorkshopPath, type WorkshopStep } from './steps.ts';

export type Colors = ReturnType<typeof pc.createColors>;

export const cmd = (text: string) => `npm run workshop -- ${text}`;

/** The scenario failed on a `throw todo('NN', …)` of the starter: say so, with the step it belongs to. */
export function todoOf(detail: string): { step: string; what: string } | undefined {
  const match = /TODO step (\d{2}):?\s*(.*)/s.exec(detail);
  return match ? { step: match[1]!, what: match[2]!.split(/\n\s*\n/)[0]!.trim() } : undefined;
}

function explain(result: ScenarioCheck, path: WorkshopPath, c: Colors): string[] {
  const indent = '      ';
  const lines = [`${indent}${c.dim('checks:')} ${result.scenario.property}`];
  if (result.status === 'not-built') {
    lines.push(
      `${indent}${c.dim('why:')}    your store still lists it as unsupported (${result.detail}).`,
      `${indent}        Build it, then delete that line from \`unsupported\` in ${relativeToRepo(workDir(path))}/store.ts.`,
    );
    return lines;
  }
  const todo = todoOf(result.detail);
  if (todo) {
    lines.push(`${indent}${c.dim('why:')}    it reached a TODO of step ${todo.step} in your store: ${todo.what}`);
    if (result.failure?.learnerFrame) lines.push(`${indent}${c.dim('at:')}     ${c.cyan(result.failure.learnerFrame)}`);
    return lines;
  }
  if (result.failure) {
    lines.push(...describeFailure(result.failure, indent, c));
    return lines;
  }
  // No error object was kept (a time-out of the runner, say): the suite's whole message, not a cut of it.
  const [first, ...rest] = result.detail.trim().split('\n');
  lines.push(`${indent}${c.dim('why:')}    ${first}`);
  for (const line of rest.slice(0, 12)) lines.push(`${indent}        ${line}`);
  return lines;
}

/** The facts of a failed assertion, aligned like a test runner's: words, values, diff, where. */
export function describeFailure(f: FailureFacts, indent: string, c: Colors = pc): string[] {
  const label = (text: string) => c.dim(text.padEnd(10));
  const lines = [`${indent}${label('failed:')}${f.message}`];
  if (f.expected !== undefined) lines.push(`${indent}${label('expected:')}${c.green(f.expected)}`);
  if (f.actual !== undefined) lines.push(`${indent}${label('actual:')}${c.red(f.actual)}`);
  if (f.diff && f.diff.length > 0) {
    lines.push(`${indent}${label('diff:')}${c.dim('+ actual  - expected')}`);
    for (const line of f.diff) lines.push(`${indent}          ${line.startsWith('+') ? c.red(line) : line.startsWith('-') ? c.green(line) : line}`);
  }
  if (f.learnerFrame) lines.push(`${indent}${label('at:')}${c.cyan(f.learnerFrame)}`);
  else if (f.lastCall) {
    const where = f.lastCall.at ? ` ${c.cyan(f.lastCall.at)}` : '';
    lines.push(`${indent}${label('at:')}your ${f.lastCall.method}()${where} ${c.dim('(the last call into your store before the check failed)')}`);
  }
  if (f.scenarioFrame) lines.push(`${indent}${label('checked:')}${c.dim(f.scenarioFrame)}`);
  const short = (line: string) => (line.length > 160 ? `${line.slice(0, 159)}…` : line);
  if (f.narration.length > 0) {
    lines.push(`${indent}${label('it did:')}${short(f.narration[0]!)}`);
    for (const line of f.narration.slice(1)) lines.push(`${indent}          ${short(line)}`);
  }
  return lines;
}

/** The status word, padded before colouring (escape codes would count in padEnd). */
function mark(result: ScenarioCheck, c: Colors): string {
  if (result.status === 'pass') return c.green('✔ pass'.padEnd(15));
  if (result.status === 'not-built') return c.yellow('✘ not built yet');
  return c.red('✘ fail'.padEnd(15));
}

export interface HintState {
  shown: number;
  available: number;
  /** The hint `hint` would show now, chosen for what fails (see hints.ts); none when no unseen hint helps. */
  next?: Hint;
}

export function formatCheck(check: StepCheck, hints: HintState, c: Colors = pc): string {
  const { path, step } = check;
  const out: string[] = [];
  out.push(c.bold(`Step ${step.id} · ${step.title}`) + c.dim(`  (${path.title} path)`));
  out.push(c.dim(`Checked ${check.code.label} on ${check.where}`));

  if (check.codeError) {
    out.push('', c.red(`✘ ${relativeToRepo(check.codeError.file)} ${check.codeError.message}`));
    out.push(c.dim('  No scenario ran. Fix that first, then check again.'));
    out.push('', nextMove(check, hints, c));
    return out.join('\n');
  }

  const own = check.results.filter((r) => r.step === step);
  const earlier = check.results.filter((r) => r.step !== step);
  const width = Math.max(...check.results.map((r) => r.id.length));
  const line = (r: ScenarioCheck) => `  ${mark(r, c)} ${r.id.padEnd(width)}  ${c.dim(r.scenario.title)}`;

  out.push('', c.bold(`This step (${own.length} scenario${own.length === 1 ? '' : 's'})`));
  for (const r of own) {
    out.push(line(r));
    if (r.status !== 'pass') out.push(...explain(r, path, c));
  }
  if (earlier.length > 0) {
    const broken = earlier.filter((r) => r.status !== 'pass');
    const steps = [...new Set(earlier.map((r) => r.step.id))];
    const range = steps.length === 1 ? `step ${steps[0]}` : `steps ${steps[0]}–${steps[steps.length - 1]}`;
    out.push('', c.bold(`Earlier steps (${range}, ${earlier.length} scenarios: they must keep passing)`));
    if (broken.length === 0) out.push(`  ${c.green('✔')} all ${earlier.length} still pass`);
    for (const r of broken) {
      out.push(`${line(r)} ${c.dim(`(step ${r.step.id})`)}`);
      out.push(...explain(r, path, c));
    }
  }
  const failing = check.results.filter((r) => r.status !== 'pass').length;
  out.push('');
  out.push(
    failing === 0
      ? c.green(c.bold(`✔ Step ${step.id} passes: all ${check.results.length} scenarios.`))
      : c.red(c.bold(`✘ ${failing} of ${check.results.length} scenarios do not pass yet.`)),
  );
  out.push(nextMove(check, hints, c));
  return out.join('\n');
}

/** One next move: the next step, the earlier step that broke, or the next hint. */
export function nextMove(check: StepCheck, hints: HintState, c: Colors = pc): string {
  const { path, step } = check;
  const readme = (s: WorkshopStep) => `${relativeToRepo(stepDir(path, s))}/README.md`;
  if (check.passed) {
    const next = nextStep(path, step);
    if (!next) {
      return `${c.bold('Done:')} that was the last step. Your store passes the whole conformance suite.\n      Compare it with the lab's store in labs/${path.backend}/, and read docs/concepts/.`;
    }
    return `${c.bold('Next:')} step ${next.id} · ${next.title}. Read ${readme(next)},\n      then ${c.cyan(cmd(`check ${path.backend} ${next.id}`))}`;
  }
  const brokenEarlier = check.results.find((r) => r.status !== 'pass' && r.step !== step);
  if (brokenEarlier) {
    return `${c.bold('Next:')} something from step ${brokenEarlier.step.id} broke; fix it first: ${c.cyan(cmd(`check ${path.backend} ${brokenEarlier.step.id}`))}`;
  }
  const next = hints.next;
  if (next) {
    const failing = next.scenarios.filter((id) => check.results.some((r) => r.id === id && r.status !== 'pass'));
    const about = failing.length > 0 ? failing : next.scenarios;
    const helps = about.length > 0 ? `, for ${about.join(', ')}` : '';
    return `${c.bold('Stuck?')} ${c.cyan(cmd(`hint ${path.backend} ${step.id}`))}  ${c.dim(`(hint ${next.number} of ${hints.available}: "${next.title}"${helps}; the README: ${readme(step)})`)}`;
  }
  const seen = hints.shown >= hints.available ? `You have seen all ${hints.available} hints.` : 'No hint left for what fails.';
  return `${c.bold('Stuck?')} ${seen} Compare with the reference solution of this step:\n      ${c.cyan(cmd(`solution ${path.backend} ${step.id} --diff`))}  ${c.dim('(what the step changes)')}`;
}

/** Terminal rendering of the little markdown the READMEs and hints use: headings, `code`, **bold**. */
export function renderMarkdown(text: string, c: Colors = pc): string {
  let inCode = false;
  return text
    .trim()
    .split('\n')
    .map((line) => {
      if (line.startsWith('```')) {
        inCode = !inCode;
        return c.dim(line);
      }
      if (inCode) return c.cyan(line);
      if (line.startsWith('#')) return c.bold(line.replace(/^#+\s*/, ''));
      return line.replace(/`([^`]+)`/g, (_, code: string) => c.cyan(code)).replace(/\*\*([^*]+)\*\*/g, (_, b: string) => c.bold(b));
    })
    .join('\n');
}
