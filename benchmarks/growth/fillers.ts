/**
 * Growth fillers, by server (a backend definition's `server`), as benchmarks/baselines/index.ts lists
 * baselines. A backend whose server has no filler is refused by a growth run with the reason.
 *
 * Extension point: benchmarks/growth/<server>.ts exporting a `GrowthFiller` that writes what the lab's
 * store writes (and, for each raw baseline it fills, what that baseline writes), listed below.
 */
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dynamodbFiller } from './dynamodb.ts';
import { kafkaFiller } from './kafka.ts';
import { postgresFiller } from './postgres.ts';
import type { GrowthFiller } from './storage.ts';

export const FILLERS: Record<string, GrowthFiller> = {
  postgres: postgresFiller,
  kafka: kafkaFiller,
  dynamodb: dynamodbFiller,
};

export function fillerFor(server: string): GrowthFiller | undefined {
  return FILLERS[server];
}

export class InsufficientDiskError extends Error {
  constructor(
    readonly neededBytes: number,
    readonly freeBytes: number,
    readonly where: string,
  ) {
    const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
    super(`a growth run to these sizes needs about ${gib(neededBytes)} free on the disk of ${where}, which has ${gib(freeBytes)}: lower the largest --stored size or free some space`);
    this.name = 'InsufficientDiskError';
  }
}

/** Headroom for the servers' own files (WAL segments, the broker's logs) beyond the stored events. */
const HEADROOM_BYTES = 2 * 1024 ** 3;

/**
 * The disk the largest size needs, store and raw baseline together, against what the disk that holds
 * the embedded servers' data (the temporary directory and the working directory) has free. Throws
 * InsufficientDiskError before anything is written.
 */
export async function checkFreeDisk(servers: readonly string[], largestStored: number, dirs: readonly string[] = [tmpdir(), process.cwd()]): Promise<{ neededBytes: number; freeBytes: number }> {
  const neededBytes = HEADROOM_BYTES + servers.reduce((sum, s) => sum + (fillerFor(s)?.estimatedBytesPerEvent ?? 0) * largestStored, 0);
  let freeBytes = Infinity;
  let where = dirs[0] ?? '.';
  for (const dir of dirs) {
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize;
    if (free < freeBytes) [freeBytes, where] = [free, dir];
  }
  if (neededBytes > freeBytes) throw new InsufficientDiskError(neededBytes, freeBytes, where);
  return { neededBytes, freeBytes };
}
