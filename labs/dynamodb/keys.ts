/**
 * Keys of the single DynamoDB table and the packing of global positions. Pure: no SDK calls.
 * The table design itself is described in table.ts.
 */

/** Partition key of a stream's commit items. The prefix keeps stream ids apart from the system items. */
export function streamKey(streamId: string): string {
  return `stream#${streamId}`;
}

/** Partition of the global log: one item per commit number, i.e. per group commit (the hot key of this design). */
export const LOG_KEY = '$all';
/** Highest commit number below which every log entry is known to be resolved (committed or closed). */
export const STABLE_KEY = '$all-stable';

export function checkpointKey(subscriberId: string): string {
  return `checkpoint#${subscriberId}`;
}

export function snapshotKey(streamId: string): string {
  return `snapshot#${streamId}`;
}

/**
 * Each log entry (one group commit of one or more appends) has a commit number, and its events are
 * numbered inside it in order, so
 * globalPosition = commit * 10 000 + index: commit 123, event 2 -> 1 230 002. Positions only grow in
 * log order, have gaps (unused indexes, closed commits) and never collide. Decimal so people can read
 * them; an entry therefore holds at most 10 000 events (the 400 KB item limit bites long before).
 */
export const EVENTS_PER_COMMIT = 10_000;
const SLOT = BigInt(EVENTS_PER_COMMIT);

export function packPosition(commit: number, index: number): bigint {
  if (!(Number.isSafeInteger(commit) && commit >= 0 && Number.isSafeInteger(index) && index >= 0 && index < EVENTS_PER_COMMIT)) {
    throw new RangeError(`cannot pack commit ${commit}, index ${index} into a position`);
  }
  return BigInt(commit) * SLOT + BigInt(index);
}

/** Splits a position into the commit holding it and the index inside that commit. */
export function unpackPosition(position: bigint): { commit: number; index: number } {
  const commit = position / SLOT;
  const index = Number(position % SLOT);
  // Beyond any real commit number: clamp, so that "read from far in the future" reads nothing.
  return { commit: commit > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(commit), index };
}

/** For people: `commit 123 · event 2`. */
export function describePosition(position: bigint): string {
  const { commit, index } = unpackPosition(position);
  return `commit ${commit} · event ${index}`;
}
