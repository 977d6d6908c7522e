/**
 * The expected-version rule and the retry rule, written once. Stores that check in the client (Kafka's
 * single writer, DynamoDB's commit items, the naive twins) call these; stores that check in the server
 * (PostgreSQL's conditional UPDATE, EventStoreDB's expected revision) encode the same rule there.
 */
import { DuplicateEventIdError, WrongExpectedVersionError } from './errors.ts';
import type { ExpectedVersion } from './types.ts';

/** Whether `expected` holds for a stream whose last event has `lastVersion` (undefined: no stream). */
export function expectedVersionHolds(expected: ExpectedVersion, lastVersion: number | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return lastVersion === undefined;
  if (expected === 'stream_exists') return lastVersion !== undefined;
  return expected === lastVersion;
}

/** Throws WrongExpectedVersionError (nothing is written) when `expected` does not hold. */
export function assertExpectedVersion(streamId: string, expected: ExpectedVersion, lastVersion: number | undefined, operation?: string): void {
  if (!expectedVersionHolds(expected, lastVersion)) throw new WrongExpectedVersionError(streamId, expected, lastVersion ?? 'no_stream', operation);
}

/** Where an already stored event is: enough to answer a retry with the original result. */
export interface StoredEventRef {
  streamId: string;
  streamVersion: number;
}

/**
 * Decides what an append whose event ids may already be stored is. `stored[i]` is where the batch's i-th
 * id is stored, or undefined. None stored: a new append (undefined). All stored, in this stream, in this
 * order, as one contiguous run: an exact retry (the last one's ref, to answer with). Anything else: a
 * DuplicateEventIdError, since the ids were reused for other events.
 */
export function judgeEarlierAppend<Ref extends StoredEventRef>(
  streamId: string,
  ids: readonly string[],
  stored: readonly (Ref | undefined)[],
): Ref | undefined {
  const found = stored.filter((r): r is Ref => r !== undefined);
  if (found.length === 0) return undefined;
  const isRetry =
    found.length === ids.length &&
    found.every((r) => r.streamId === streamId) &&
    found.every((r, i) => i === 0 || r.streamVersion === found[i - 1]!.streamVersion + 1);
  if (!isRetry) {
    throw new DuplicateEventIdError(
      streamId,
      ids.filter((_, i) => stored[i] !== undefined),
      'they are already stored, and this batch is not an exact retry of the append that stored them',
    );
  }
  return found[found.length - 1];
}
