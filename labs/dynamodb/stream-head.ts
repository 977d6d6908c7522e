/**
 * What an append decides from the stream's commits, read just before its conditional put: whether it
 * is a retry of an earlier append (answered with the original result), reuses stored ids (refused), or
 * meets its expected version. Pure; the conditional put makes the decision race-free (table.ts).
 */
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
  type AppendResult,
  type ExpectedVersion,
} from '../core/index.ts';

export interface StoredEventRef {
  streamVersion: number;
  globalPosition: bigint;
}

export interface StreamHead {
  /** Version of the stream's last event; undefined when the stream does not exist. */
  lastVersion: number | undefined;
  /** Every event id stored in the stream. */
  ids: Map<string, StoredEventRef>;
}

/**
 * None of the ids stored: undefined (go ahead). All stored, as one run of consecutive versions in the
 * batch's order: the original result. Anything else: DuplicateEventIdError.
 */
export function findEarlierAppend(streamId: string, head: StreamHead, batchIds: readonly string[]): AppendResult | undefined {
  const stored = batchIds.map((id) => head.ids.get(id));
  const found = batchIds.filter((_, i) => stored[i] !== undefined);
  if (found.length === 0) return undefined;
  const isRetry =
    found.length === batchIds.length &&
    stored.every((ref, i) => i === 0 || ref!.streamVersion === stored[i - 1]!.streamVersion + 1);
  if (!isRetry) {
    throw new DuplicateEventIdError(
      streamId,
      found,
      'they are already stored in this stream, and this batch is not an exact retry of the append that stored them',
    );
  }
  const last = stored[stored.length - 1]!;
  return { nextExpectedVersion: last.streamVersion, globalPosition: last.globalPosition };
}

/** Throws WrongExpectedVersionError when `expected` does not hold for a stream at `lastVersion`. */
export function assertExpectedVersion(streamId: string, expected: ExpectedVersion, lastVersion: number | undefined): void {
  const actual = lastVersion ?? 'no_stream';
  const holds =
    expected === 'any' ||
    (expected === 'no_stream' && lastVersion === undefined) ||
    (expected === 'stream_exists' && lastVersion !== undefined) ||
    expected === lastVersion;
  if (!holds) throw new WrongExpectedVersionError(streamId, expected, actual);
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
