/**
 * What a learner reads after a check, in plain words: for each scenario of the step (and of the steps
 * before it) whether it passes, and if not, what it checks and what went wrong; then one next move.
 * Pure functions from results to text, so the wording is tested without a database.
 */
import pc from 'picocolors';
import type { ScenarioCheck, StepCheck } from './checker.ts';
import { relativeToRepo, solutionFile, stepDir, workDir } from './layout.ts';
import { nextStep, type WorkshopPath, type WorkshopStep } from './steps.ts';

export type Colors = ReturnType<typeof pc.createColors>;

export const cmd = (text: string) => `npm run workshop -- ${text}`;

/** The part of a suite message a person needs: its first paragraph (assert adds "232 !== 0" below it). */
export function firstParagraph(detail: string): string {
  return detail.split(/\n\s*\n/)[0]!.trim();
}

/** The scenario failed on a `throw todo('NN', …)` of the starter: say so, with the step it belongs to. */
export function todoOf(detail: string): { step: string; what: string } | undefined {
  const match = /TODO step (\d{2}):?\s*(.*)/s.exec(detail);
  return match ? { step: match[1]!, what: firstParagraph(match[2]!) } : undefined;
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
    return lines;
  }
  const [first, ...rest] = firstParagraph(result.detail).split('\n');
  lines.push(`${indent}${c.dim('why:')}    ${first}`);
  for (const line of rest.slice(0, 6)) lines.push(`${indent}        ${line}`);
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
  if (hints.shown < hints.available) {
    return `${c.bold('Stuck?')} ${c.cyan(cmd(`hint ${path.backend} ${step.id}`))}  ${c.dim(`(hint ${hints.shown + 1} of ${hints.available}; the README: ${readme(step)})`)}`;
  }
  const solution = relativeToRepo(solutionFile(path, step, path.storeFile));
  return `${c.bold('Stuck?')} You have seen all ${hints.available} hints. Compare with the reference solution:\n      ${c.cyan(`git diff --no-index ${relativeToRepo(workDir(path))}/${path.storeFile} ${solution}`)}`;
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
