/**
 * The end of a stream's life, stated once for every store: deleting, truncating, and how long events are
 * kept. Adapters implement the narrow ports of labs/core/store-base.ts; the rules are here.
 *
 * - SOFT DELETE (`deleteStream(id, { mode: 'soft' })`): the stream's events are gone from `readStream`
 *   (it reads as `[]`, like a stream never written) but its version is kept: an append expecting the last
 *   version (or `any`, or `stream_exists`) continues at the next one, so no version number is ever used
 *   twice (a projection keyed by stream version never confuses an old event with a new one). `no_stream`
 *   is refused: the stream has a version.
 * - HARD DELETE (`mode: 'hard'`): as soft, plus a tombstone: every later append, delete or truncate of the
 *   stream is refused with StreamDeletedError carrying the stream id. The name is never used again.
 *   Both delete the stream's snapshot (state folded from the deleted events). A stream never written:
 *   a soft delete is a no-op; a hard delete tombstones the name.
 * - TRUNCATE (`truncateStream(id, { beforeVersion })`): the events before `beforeVersion` are gone from
 *   `readStream`; the rest, and the stream's version, stay. `beforeVersion` may be one past the last event
 *   (everything goes, as a soft delete); further is TruncationPastEndError, negative an InvalidInputError.
 * - In every case the expected version is checked as an append checks it (labs/core/expected-version.ts):
 *   a wrong one is WrongExpectedVersionError and deletes nothing.
 * What `$all` and live subscriptions show afterwards differs per backend and is declared as a capability
 * (`deletion-removes-from-all`): PostgreSQL deletes the rows and DynamoDB rewrites both copies of each
 * event (commit item and log entry), so `$all` no longer has them; EventStoreDB keeps them in `$all` until
 * a scavenge; Kafka cannot remove one stream's records from a shared log at all (`stream-deletion`
 * unsupported).
 * A subscriber that already received an event keeps what it made of it: deletion is never retroactive
 * for read models (they must handle it themselves, or use crypto-shredding: labs/core/crypto-shredding.ts).
 */
import { StreamDeletedError, TruncationPastEndError } from './errors.ts';
import type { ExpectedVersion } from './types.ts';

export type DeleteMode = 'soft' | 'hard';

export interface DeleteStreamOptions {
  /** Checked as for an append (default `any`). */
  expectedVersion?: ExpectedVersion;
  mode: DeleteMode;
}

export interface TruncateStreamOptions {
  /** Events with a version below this are removed. At most one past the stream's last version. */
  beforeVersion: number;
}

/** A delete the shell has checked: a valid stream id, expected version and mode. */
export interface ValidatedDelete {
  streamId: string;
  expectedVersion: ExpectedVersion;
  mode: DeleteMode;
}

/** How long the store keeps events, as the backend itself reports it (not as the code hopes). */
export interface RetentionPolicy {
  /** True when no setting of the backend removes events by age, size or count. */
  keepsEventsForever: boolean;
  /** Events older than this are removed by the backend (Kafka `retention.ms`, DynamoDB TTL, `$maxAge`). */
  maxAgeMs?: number;
  /** Bytes kept per partition before the oldest records are removed (Kafka `retention.bytes`). */
  maxBytes?: number;
  /** Where the answer comes from: the setting read, and whether it is the backend's default. */
  source: string;
}

/** Throws StreamDeletedError when the stream carries a tombstone. */
export function assertNotTombstoned(streamId: string, tombstoned: boolean): void {
  if (tombstoned) throw new StreamDeletedError(streamId);
}

/** Throws TruncationPastEndError when `beforeVersion` lies beyond one past the stream's last event. */
export function assertTruncationWithinStream(streamId: string, beforeVersion: number, lastVersion: number | undefined): void {
  const end = lastVersion === undefined ? 0 : lastVersion + 1;
  if (beforeVersion > end) throw new TruncationPastEndError(streamId, beforeVersion, lastVersion);
}
