/**
 * The end of a stream's life on EventStoreDB, as pure rules (the store makes the calls; the semantics are
 * labs/core/stream-lifecycle.ts). Unit-tested without a server: stream-lifecycle.unit.spec.ts.
 *
 * - A delete takes `any`, `no_stream` or an exact revision, not "stream exists": `stream_exists` is sent as
 *   the stream's last revision, which the server then checks atomically with the delete.
 * - Truncation is `$tb` (truncate before) in the stream's metadata. Setting metadata replaces all of it, so
 *   the other settings of the stream ($maxAge, $maxCount, ACLs, custom keys) are carried over; and `$tb`
 *   never moves back: lowering it would make truncated events readable again until a scavenge removes
 *   them, which no truncation of the contract means.
 */
import { ANY, NO_STREAM, type StreamMetadata } from '@eventstore/db-client';
import { StreamDeletedError, WrongExpectedVersionError, type ExpectedVersion, type RetentionPolicy } from '../core/index.ts';

/** What a backwards read of one event says about a stream. */
export interface StreamHead {
  tombstoned: boolean;
  /** The last event's version; undefined when none is readable (never written, soft-deleted, truncated). */
  lastVersion?: number;
}

export type DeleteExpectedRevision = bigint | typeof ANY | typeof NO_STREAM;

/** The expected revision a delete sends; throws what the contract says when it is already refused. */
export async function deleteExpectedRevision(streamId: string, expected: ExpectedVersion, head: () => Promise<StreamHead>): Promise<DeleteExpectedRevision> {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected !== 'stream_exists') return BigInt(expected);
  const { tombstoned, lastVersion } = await head();
  if (tombstoned) throw new StreamDeletedError(streamId);
  if (lastVersion === undefined) throw new WrongExpectedVersionError(streamId, expected, 'no_stream', 'Delete of');
  return BigInt(lastVersion);
}

/**
 * The last version a truncation is judged against: the last readable event, or — when none is readable
 * because an earlier truncation removed them all — one before the `$tb` already set.
 */
export function truncationLastVersion(head: StreamHead, current: StreamMetadata | undefined): number | undefined {
  if (head.lastVersion !== undefined) return head.lastVersion;
  const before = current?.truncateBefore;
  return typeof before === 'number' && Number.isSafeInteger(before) && before > 0 ? before - 1 : undefined;
}

/** The metadata to write for `truncateStream(beforeVersion)`; undefined when nothing changes. */
export function truncationMetadata(current: StreamMetadata | undefined, beforeVersion: number): StreamMetadata | undefined {
  const before = current?.truncateBefore;
  if (typeof before === 'number' && before >= beforeVersion) return undefined;
  if (beforeVersion === 0) return undefined;
  return { ...current, truncateBefore: beforeVersion };
}

/**
 * A stream's retention as its metadata sets it: `$maxAge` (seconds) removes events older than that, and
 * `$maxCount` all but the newest N, each at the next scavenge (reads hide them at once). Neither: forever.
 */
export function retentionFromMetadata(streamId: string, metadata: StreamMetadata | undefined): RetentionPolicy {
  const maxAge = metadata?.maxAge;
  const maxCount = metadata?.maxCount;
  if (maxAge === undefined && maxCount === undefined) {
    return { keepsEventsForever: true, source: `EventStoreDB: no $maxAge or $maxCount in the metadata of '${streamId}' (the server's default: kept until deleted or truncated)` };
  }
  const limits = [maxAge !== undefined ? `$maxAge ${maxAge} s` : '', maxCount !== undefined ? `$maxCount ${maxCount}` : ''].filter(Boolean).join(', ');
  return {
    keepsEventsForever: false,
    ...(maxAge !== undefined ? { maxAgeMs: maxAge * 1_000 } : {}),
    source: `EventStoreDB: ${limits} in the metadata of '${streamId}' (events beyond it are hidden from reads, removed at a scavenge)`,
  };
}
