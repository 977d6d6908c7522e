/**
 * `reset <backend> [step]`: puts the learner's work/ back to a known state, after copying what was there
 * to .workbench/workshop/backups/ (git keeps it too, once committed).
 * - no step, or the first step: the starter files (step 00 of the solution source);
 * - step NN: the reference solution of the step before it, i.e. where step NN starts (to catch up).
 * Both are generated from workshop/<path>/solution/ (see solutions.ts).
 */
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workDir, WORKSHOP_DIR, BACKUP_DIR } from './layout.ts';
import { writeStep } from './solutions.ts';
import { previousStep, stepNumber, type WorkshopPath, type WorkshopStep } from './steps.ts';

export interface ResetOptions {
  path: WorkshopPath;
  step?: WorkshopStep;
  /** Defaults to the repository's workshop/ (tests pass a temporary copy). */
  workshopDir?: string;
  backupDir?: string;
  now?: Date;
}

export interface ResetResult {
  /** What work/ now holds, for people: `the starter files` or `the reference solution of step 04`. */
  restoredFrom: string;
  files: string[];
  /** Where the previous content of work/ was copied, when there was any. */
  backup: string | undefined;
}

export async function resetWork(options: ResetOptions): Promise<ResetResult> {
  const { path } = options;
  const workshopDir = options.workshopDir ?? WORKSHOP_DIR;
  const work = workDir(path, workshopDir);
  const before = options.step ? previousStep(path, options.step) : undefined;

  let backup: string | undefined;
  const existing = existsSync(work) ? await readdir(work) : [];
  if (existing.length > 0) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    backup = join(options.backupDir ?? BACKUP_DIR, `${path.backend}-${stamp}`);
    await mkdir(backup, { recursive: true });
    await cp(work, backup, { recursive: true });
  }
  await rm(work, { recursive: true, force: true });
  const written = await writeStep(path, before ? stepNumber(before) : 0, work, workshopDir);
  return {
    restoredFrom: before ? `the reference solution of step ${before.id} (where step ${options.step!.id} starts)` : 'the starter files',
    files: Object.keys(written.files),
    backup,
  };
}
