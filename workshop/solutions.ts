/**
 * The reference solutions as one source per file and path, with step markers, instead of a full copy per
 * step: `workshop/<path>/solution/store.ts` is the final solution (type-checked and linted like any file)
 * plus the lines earlier steps had, marked. A contract change is then one edit per path, and what a step
 * changes is exactly the lines marked with it.
 *
 *   // @steps 03..        lines from step 03 on (they are in the final solution: plain code)
 *   // @steps 00..04      lines up to step 04 only: each written `//| ` + the line, so the file stays
 *   //| const old = 1;    valid TypeScript (SQL: `-- @steps`, `--| `)
 *   // @end
 *
 * Step 00 is the starter (what `reset` gives a learner); `{{step}}` becomes the step's id. Blocks do not
 * nest. Generated files for a check go to `workshop/<path>/.solution-NN-xxxxxx/` (ignored by git).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LearnerCode } from './harness.ts';
import { codeIn, pathDir, relativeToRepo, WORKSHOP_DIR } from './layout.ts';
import type { WorkshopPath } from './steps.ts';

export class SolutionSourceError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${relativeToRepo(file)}:${line}: ${message}`);
    this.name = 'SolutionSourceError';
  }
}

const MARKER = /^\s*(?:\/\/|--) @steps (\d\d)\.\.(\d\d)?\s*$/;
const END = /^\s*(?:\/\/|--) @end\s*$/;
const HIDDEN = /^(\s*)(?:\/\/|--)\|(?: (.*))?$/;

/** The file as it is after step `step` (0 = the starter). */
export function renderStep(source: string, step: number, file = 'source'): string {
  const out: string[] = [];
  let block: { from: number; to: number | undefined; line: number } | undefined;
  for (const [index, line] of source.split('\n').entries()) {
    const marker = MARKER.exec(line);
    if (marker) {
      if (block) throw new SolutionSourceError(file, index + 1, `@steps inside the block opened on line ${block.line} (blocks do not nest)`);
      block = { from: Number(marker[1]), to: marker[2] === undefined ? undefined : Number(marker[2]), line: index + 1 };
      continue;
    }
    if (END.test(line)) {
      if (!block) throw new SolutionSourceError(file, index + 1, '@end without @steps');
      block = undefined;
      continue;
    }
    if (!block) {
      out.push(line);
      continue;
    }
    const hidden = HIDDEN.exec(line);
    if (block.to !== undefined && !hidden) throw new SolutionSourceError(file, index + 1, `a line of a block that ends at step ${block.to} must start with //| (or --| )`);
    if (block.from <= step && (block.to === undefined || step <= block.to)) {
      out.push(block.to === undefined ? line : hidden![2] === undefined ? '' : `${hidden![1]}${hidden![2]}`);
    }
  }
  if (block) throw new SolutionSourceError(file, block.line, '@steps without @end');
  return out.join('\n').replaceAll('{{step}}', String(step).padStart(2, '0'));
}

export function solutionSourceDir(path: WorkshopPath, workshopDir?: string): string {
  return join(pathDir(path, workshopDir), 'solution');
}

/** The source of `file`: the path's own, or the one every path shares (workshop/shared/solution/cart.ts). */
export function solutionSourceFile(path: WorkshopPath, file: string, workshopDir = WORKSHOP_DIR): string {
  const own = join(solutionSourceDir(path, workshopDir), file);
  return existsSync(own) ? own : join(workshopDir, 'shared', 'solution', file);
}

/** The text of `file` after `step` (0 = the starter). */
export async function solutionText(path: WorkshopPath, step: number, file: string, workshopDir?: string): Promise<string> {
  const source = solutionSourceFile(path, file, workshopDir);
  return renderStep(await readFile(source, 'utf8'), step, source);
}

/** Writes every file of the path after `step` into `dir` (created). */
export async function writeStep(path: WorkshopPath, step: number, dir: string, workshopDir?: string): Promise<LearnerCode> {
  await mkdir(dir, { recursive: true });
  for (const file of path.files) await writeFile(join(dir, file), await solutionText(path, step, file, workshopDir));
  return codeIn(path, dir);
}

export interface GeneratedCode extends LearnerCode {
  /** Removes the generated directory. */
  dispose(): Promise<void>;
}

/**
 * The reference solution after `step`, generated into a directory of its own beside work/ (so that its
 * `../../../labs/…` imports resolve as work/'s do; one directory per call, so parallel checks never read
 * a half-written file). Dispose of it after the check.
 */
export async function solutionCode(path: WorkshopPath, step: number, workshopDir?: string): Promise<GeneratedCode> {
  const id = String(step).padStart(2, '0');
  const dir = await mkdtemp(join(pathDir(path, workshopDir), `.solution-${id}-`));
  const code = await writeStep(path, step, dir, workshopDir);
  return {
    ...code,
    label: `the step-${id} solution (generated from ${relativeToRepo(solutionSourceDir(path, workshopDir))}/)`,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
