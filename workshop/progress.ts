/**
 * A learner's progress, per clone: which steps their last checks proved done, and how many hints of each
 * step they have seen. Kept in .workbench/workshop/progress.json (ignored by git: it is about this
 * laptop's attempts, not about the code). Every function takes the file or the object, so tests use a
 * temporary directory.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Failing } from './hints.ts';
import type { WorkshopPath, WorkshopStep } from './steps.ts';

export interface StepProgress {
  /** The last check that covered this step found all its scenarios (and all earlier ones) passing. */
  done?: boolean;
  /** ISO time of that check. */
  checkedAt?: string;
  /** Hints revealed so far: an older progress file counted them (hint 1 … hintsShown). */
  hintsShown?: number;
  /** The numbers of the hints revealed so far (hints are chosen by what fails, so not always 1, 2, 3). */
  hintsSeen?: number[];
  /** The scenarios of this step that failed in the last check of it, with their words (they choose the next hint). */
  failing?: Failing[];
}

export interface Progress {
  version: 1;
  paths: Record<string, { steps: Record<string, StepProgress> }>;
}

export function emptyProgress(): Progress {
  return { version: 1, paths: {} };
}

/** A missing or unreadable file is a fresh start (progress is a convenience, never a blocker). */
export async function loadProgress(file: string): Promise<Progress> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Progress>;
    if (parsed.version !== 1 || typeof parsed.paths !== 'object' || parsed.paths === null) return emptyProgress();
    return { version: 1, paths: parsed.paths };
  } catch {
    return emptyProgress();
  }
}

/** Written to a temporary file and renamed, so an interrupted write never leaves half a file. */
export async function saveProgress(file: string, progress: Progress): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(progress, null, 2)}\n`);
  await rename(temporary, file);
}

function stepProgress(progress: Progress, path: WorkshopPath, step: WorkshopStep): StepProgress {
  const entry = (progress.paths[path.backend] ??= { steps: {} });
  return (entry.steps[step.id] ??= {});
}

/**
 * Records a check of `checked`: every step up to it is done exactly when the check found it (and all
 * before it) passing. Later steps are left as they were: this check did not look at them.
 */
export function recordCheck(progress: Progress, path: WorkshopPath, checked: WorkshopStep, stepsDone: readonly string[], at = new Date()): void {
  for (const step of path.steps.slice(0, path.steps.indexOf(checked) + 1)) {
    const entry = stepProgress(progress, path, step);
    entry.done = stepsDone.includes(step.id);
    entry.checkedAt = at.toISOString();
  }
}

/** The numbers of the hints of a step seen so far. */
export function hintsSeen(progress: Progress, path: WorkshopPath, step: WorkshopStep): number[] {
  const entry = progress.paths[path.backend]?.steps[step.id];
  if (entry?.hintsSeen) return [...entry.hintsSeen];
  return Array.from({ length: entry?.hintsShown ?? 0 }, (_, i) => i + 1);
}

export function hintsShown(progress: Progress, path: WorkshopPath, step: WorkshopStep): number {
  return hintsSeen(progress, path, step).length;
}

/** Records hint `number` of a step as seen. */
export function markHintSeen(progress: Progress, path: WorkshopPath, step: WorkshopStep, number: number): void {
  const seen = hintsSeen(progress, path, step);
  const entry = stepProgress(progress, path, step);
  entry.hintsSeen = seen.includes(number) ? seen : [...seen, number];
  delete entry.hintsShown;
}

/** Counts one more hint as shown, in file order, up to `available` (when nothing failing is on record). */
export function revealNextHint(progress: Progress, path: WorkshopPath, step: WorkshopStep, available: number): number | undefined {
  const seen = hintsSeen(progress, path, step);
  const next = Array.from({ length: available }, (_, i) => i + 1).find((n) => !seen.includes(n));
  if (next !== undefined) markHintSeen(progress, path, step, next);
  return next;
}

/** What failed in the last check of `step` (its own scenarios): the next hint is chosen for them. */
export function recordFailing(progress: Progress, path: WorkshopPath, step: WorkshopStep, failing: readonly Failing[]): void {
  stepProgress(progress, path, step).failing = failing.map((f) => ({ ...f }));
}

export function failingOnRecord(progress: Progress, path: WorkshopPath, step: WorkshopStep): Failing[] {
  const entry = progress.paths[path.backend]?.steps[step.id]?.failing ?? [];
  return entry.filter((f): f is Failing => typeof f === 'object' && f !== null && typeof f.scenario === 'string');
}

/** After a reset to the start of `from` (or of the path), steps from there on are no longer done. Hints stay seen. */
export function forgetDone(progress: Progress, path: WorkshopPath, from: WorkshopStep = path.steps[0]!): void {
  for (const step of path.steps.slice(path.steps.indexOf(from))) {
    const entry = progress.paths[path.backend]?.steps[step.id];
    if (entry) {
      delete entry.done;
      delete entry.checkedAt;
    }
  }
}

export type StepState = 'done' | 'current' | 'next' | 'later';

/** done: proven by a check; current: the first step not done; next: the one after it; later: the rest. */
export function stepStates(progress: Progress, path: WorkshopPath): { step: WorkshopStep; state: StepState }[] {
  const steps = progress.paths[path.backend]?.steps ?? {};
  const current = path.steps.findIndex((s) => !steps[s.id]?.done);
  return path.steps.map((step, index) => {
    if (steps[step.id]?.done && (current === -1 || index < current)) return { step, state: 'done' };
    if (index === current) return { step, state: 'current' };
    if (steps[step.id]?.done) return { step, state: 'done' };
    return { step, state: index === current + 1 ? 'next' : 'later' };
  });
}

/** The step to work on now: the first not done (or the last, when all are). */
export function currentStep(progress: Progress, path: WorkshopPath): WorkshopStep {
  return stepStates(progress, path).find((s) => s.state === 'current')?.step ?? path.steps[path.steps.length - 1]!;
}
