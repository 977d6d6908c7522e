/**
 * What `watch` does after each check, as a pure function (tested without a terminal): a step that passes
 * moves the watch on to the next step, and says so; a failing step is watched again; after the last
 * step there is nothing to move to.
 */
import { relativeToRepo, stepDir } from './layout.ts';
import { nextStep, type WorkshopPath, type WorkshopStep } from './steps.ts';

export interface WatchDecision {
  /** The step to check on the next save. */
  step: WorkshopStep;
  /** What to tell the learner (undefined: nothing changed). */
  message?: string;
  /** The last step passed: the watch can stop. */
  finished?: boolean;
}

export function afterWatchedCheck(path: WorkshopPath, step: WorkshopStep, passed: boolean): WatchDecision {
  if (!passed) return { step };
  const next = nextStep(path, step);
  if (!next) {
    return { step, finished: true, message: `Step ${step.id} passes, and it was the last one: your store passes the whole suite. Stopping the watch.` };
  }
  return {
    step: next,
    message:
      `Step ${step.id} passes. Moving on: now watching step ${next.id} · ${next.title}.\n` +
      `Read ${relativeToRepo(stepDir(path, next))}/README.md; every save checks step ${next.id} (and all before it).`,
  };
}
