/** Reading and writing results files (validated by ./schema.ts both ways), and where they go. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsSchema, type Environment, type ResultsFile } from './schema.ts';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export function parseResults(data: unknown, source = 'results file'): ResultsFile {
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid ${source}:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export async function readResults(path: string): Promise<ResultsFile> {
  return parseResults(JSON.parse(await readFile(path, 'utf8')), path);
}

export async function writeResults(path: string, results: ResultsFile): Promise<void> {
  parseResults(results, 'results about to be written');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(results, null, 1)}\n`);
}

/** `2026-05-01T10-20-30Z`: sortable, and safe in file names. */
export function timestampName(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function resultsPaths(dir: string, startedAt: Date): { json: string; html: string; latest: string } {
  const base = join(dir, timestampName(startedAt));
  return { json: `${base}.json`, html: `${base}.html`, latest: join(dir, 'latest.json') };
}

/** One line for people: the machine, its load before (and after) the session, and the commit measured. */
export function describeEnvironment(env: Environment): string {
  const gib = (env.memoryBytes / 1024 ** 3).toFixed(1);
  const load = `load ${env.loadAverage.join(' / ')}${env.loadAverageAfter ? ` before, ${env.loadAverageAfter.join(' / ')} after` : ''}`;
  const busy = env.machine?.busy ? ` — BUSY MACHINE (${env.machine.why ?? ''})` : '';
  const commit = env.gitCommit ? `, commit ${env.gitCommit}` : '';
  return `${env.cpu.cores} × ${env.cpu.model}, ${gib} GiB, ${env.os.type} ${env.os.release}, Node ${env.node}, ${load}${busy}${commit}`;
}
