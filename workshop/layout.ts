/**
 * Where the workshop's files live. Per path (`workshop/<backend>/`):
 *   steps/NN-slug/README.md, steps/NN-slug/hints/1.md …   what learners read
 *   work/                                                the learner's files, tracked by git (the starter
 *                                                        at first), reset from solution/ as step 00
 *   solution/<file>                                      the reference solution of every step in one file
 *                                                        per file, with step markers (see solutions.ts)
 * Progress (checks passed, hints shown) is per clone, in .workbench/workshop/progress.json (not in git).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LearnerCode } from './harness.ts';
import type { WorkshopPath, WorkshopStep } from './steps.ts';

export const WORKSHOP_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = join(WORKSHOP_DIR, '..');
export const PROGRESS_FILE = join(REPO_ROOT, '.workbench', 'workshop', 'progress.json');
export const BACKUP_DIR = join(REPO_ROOT, '.workbench', 'workshop', 'backups');

export function pathDir(path: WorkshopPath, workshopDir = WORKSHOP_DIR): string {
  return join(workshopDir, path.backend);
}

export function workDir(path: WorkshopPath, workshopDir = WORKSHOP_DIR): string {
  return join(pathDir(path, workshopDir), 'work');
}

export function stepDir(path: WorkshopPath, step: WorkshopStep, workshopDir = WORKSHOP_DIR): string {
  return join(pathDir(path, workshopDir), 'steps', `${step.id}-${step.slug}`);
}

/** The path's files in a directory laid out like work/ (work/, starter/, or a copy of work/). */
export function codeIn(path: WorkshopPath, dir: string): LearnerCode {
  return { label: `${relativeToRepo(dir)}/`, files: Object.fromEntries(path.files.map((f) => [f, join(dir, f)])) };
}

/** Hint files of a step, in order: hints/1.md, hints/2.md, … */
export function hintFiles(path: WorkshopPath, step: WorkshopStep, workshopDir = WORKSHOP_DIR): string[] {
  const dir = join(stepDir(path, step, workshopDir), 'hints');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+\.md$/.test(name))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((name) => join(dir, name));
}

export function relativeToRepo(file: string): string {
  return relative(REPO_ROOT, file) || '.';
}
