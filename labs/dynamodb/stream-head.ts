/**
 * What an append decides from the stream's commits, read just before its conditional put: whether it
 * is a retry of an earlier append (answered with the original result), reuses stored ids (refused), or
 * meets its expected version. Pure; the conditional put makes the decision race-free (table.ts).
 */
import { judgeEarlierAppend, type AppendResult, type ExpectedVersion } from '../core/index.ts';

// The expected-version rule is the core's, once for every store.
export { assertExpectedVersion } from '../core/index.ts';

export interface StoredEventRef {
  streamVersion: number;
  globalPosition: bigint;
}

export interface StreamHead {
  /** Version of the stream's last event; undefined when the stream does not exist. */
  lastVersion: number | undefined;
  /** Every event id stored in the stream. */
  ids: Map<string, StoredEventRef>;
  /** True when the stream was hard-deleted: its tombstone holds the slot after the last version. */
  tombstoned?: boolean;
}

/**
 * The core's retry rule (`judgeEarlierAppend`) on what the stream's read returned: none of the ids
 * stored: undefined (go ahead); all stored, as one run of consecutive versions in the batch's order:
 * the original result; anything else: DuplicateEventIdError. Ids are kept per stream here.
 */
export function findEarlierAppend(streamId: string, head: StreamHead, batchIds: readonly string[]): AppendResult | undefined {
  const stored = batchIds.map((id) => {
    const ref = head.ids.get(id);
    return ref && { ...ref, streamId };
  });
  const last = judgeEarlierAppend(streamId, batchIds, stored);
  return last && { nextExpectedVersion: last.streamVersion, globalPosition: last.globalPosition };
}

/** The sort key the next commit item takes: the version of its first event. */
export function nextSlot(lastVersion: number | undefined): number {
  return lastVersion === undefined ? 0 : lastVersion + 1;
}

/**
 * The slot an append can try WITHOUT reading the stream first, from the highest version this process
 * has seen in it (`knownTail`; versions, once written, stay), or undefined when only a read can tell.
 * A guess is safe because the put is conditional: a stale one fails, and the append then reads.
 * - `no_stream`: slot 0 (an empty stream), unless the stream is known to exist;
 * - `any`: the slot after the known tail, or 0 for a stream never seen (a new stream: one request
 *   saved; an existing one: a failed put, then the read);
 * - an exact version E: E + 1 when E is the known tail; anything else needs the actual version;
 * - `stream_exists`: the slot after the known tail.
 */
export function guessSlot(expected: ExpectedVersion, knownTail: number | undefined): number | undefined {
  if (expected === 'no_stream') return knownTail === undefined ? 0 : undefined;
  if (expected === 'any') return knownTail === undefined ? 0 : knownTail + 1;
  if (expected === 'stream_exists') return knownTail === undefined ? undefined : knownTail + 1;
  return knownTail === expected ? expected + 1 : undefined;
}
