/**
 * The mapping between the workbench's types and `@eventstore/db-client`'s. Pure functions, no I/O: the
 * unit tests check them without a server.
 *
 * Positions. EventStoreDB orders `$all` by a pair (commit, prepare): log positions in its transaction
 * file. We pack the pair into one bigint, commit in the high 64 bits and prepare in the low 64 bits, so
 * comparing packed values compares pairs (as labs/postgres/positions.ts does with its own pair).
 *
 * The server only accepts positions whose commit half is the start of a record in its log: a made-up
 * position reads "from the middle of a record" and fails. Callers of the contract do make positions up:
 * they resume with `last.globalPosition + 1n`, which packs (commit, prepare + 1). Since every real position
 * has prepare <= commit (for events written by gRPC clients both are the event's own log position), we
 * send the server (commit, min(prepare, commit)), a real position at or before the one asked for, and
 * drop the events before the asked position on our side. That is why `readAll` asks for one event more
 * than it returns when it has to drop one.
 */
import {
  InvalidEventError,
  InvalidStreamIdError,
  type EventMetadata,
  type ExpectedVersion,
  type JsonValue,
  type RecordedEvent,
  type ValidatedEvent,
} from '../core/index.ts';
import { ANY, NO_STREAM, STREAM_EXISTS, jsonEvent } from '@eventstore/db-client';
import type { AppendExpectedRevision, EventData, Position, ResolvedEvent } from '@eventstore/db-client';

const SHIFT = 64n;
const LOW_MASK = (1n << SHIFT) - 1n;
/** The server sends 2^64 - 1 (ulong max) where it does not know a position. */
export const UNKNOWN_LOG_POSITION = LOW_MASK;

export function packPosition(position: Position): bigint {
  if (position.commit < 0n || position.prepare < 0n || position.commit > LOW_MASK || position.prepare > LOW_MASK) {
    throw new RangeError(`Not an EventStoreDB position: commit ${position.commit}, prepare ${position.prepare}`);
  }
  return (position.commit << SHIFT) | position.prepare;
}

export function unpackPosition(packed: bigint): Position {
  if (packed < 0n) throw new RangeError(`Not a position: ${packed}`);
  return { commit: (packed >> SHIFT) & LOW_MASK, prepare: packed & LOW_MASK };
}

/**
 * The real position at or before `packed` that the server can start reading from (see the file comment).
 * Events before `packed` that this lets through must be dropped by the caller.
 */
export function serverReadPosition(packed: bigint): Position {
  const { commit, prepare } = unpackPosition(packed);
  return { commit, prepare: prepare > commit ? commit : prepare };
}

/** For people: `C:1234/P:1234` is how EventStoreDB's own UI shows positions. */
export function describePosition(packed: bigint): string {
  const { commit, prepare } = unpackPosition(packed);
  return `C:${commit}/P:${prepare}`;
}

export function toExpectedRevision(expected: ExpectedVersion): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** The client's `expectedVersion`/`actualVersion` of a WrongExpectedVersionError, in our terms. */
export function fromExpectedRevision(revision: AppendExpectedRevision): ExpectedVersion {
  if (typeof revision === 'bigint') return revisionToVersion(revision);
  return revision;
}

export function fromCurrentRevision(revision: 'no_stream' | bigint): number | 'no_stream' {
  return revision === 'no_stream' ? revision : revisionToVersion(revision);
}

/** Stream revisions are 0-based like our versions; only the number type differs. */
export function revisionToVersion(revision: bigint): number {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Stream revision ${revision} is outside the versions this workbench can represent`);
  }
  return Number(revision);
}

/**
 * Stream ids and event types that start with `$` are EventStoreDB's own: metadata streams (`$$order-1`),
 * projection outputs (`$ce-order`), statistics, link events (`$>`), tombstones (`$streamDeleted`). The
 * contract's streams are the application's, so the store refuses to write them and leaves them out of
 * `readAll` and `$all` subscriptions; the tour reads them with the client directly.
 */
export function isSystemName(name: string): boolean {
  return name.startsWith('$');
}

export function isSystemEvent(event: { streamId: string; type: string }): boolean {
  return isSystemName(event.streamId) || isSystemName(event.type);
}

export function assertApplicationStream(streamId: string): void {
  if (isSystemName(streamId)) {
    throw new InvalidStreamIdError(
      streamId,
      "ids starting with '$' are EventStoreDB system streams (metadata, projections, statistics); use the client directly for those",
    );
  }
}

export function assertApplicationEventTypes(events: readonly ValidatedEvent[]): void {
  events.forEach((event, index) => {
    if (isSystemName(event.type)) {
      throw new InvalidEventError(index, 'type', "starts with '$', which EventStoreDB reserves for its own events");
    }
  });
}

/**
 * Our validated event as the client's JSON event. The client writes `JSON.stringify(data)` with content
 * type application/json (so projections can read it) and the metadata as JSON. We always send the
 * metadata object, even when empty, so that reading it back gives `{}` rather than nothing.
 */
export type EventToWrite = Pick<ValidatedEvent, 'id' | 'type' | 'data' | 'metadata'>;

export function toEventData(event: EventToWrite): EventData {
  // The client types JSON data as object | array | string; it stringifies any JSON value the same way.
  return jsonEvent({ id: event.id, type: event.type, data: event.data as Record<string, unknown>, metadata: event.metadata });
}

/** A resolved event from a read or a subscription, as ours; undefined for what is not an event of ours. */
export function fromResolvedEvent(resolved: ResolvedEvent | { event?: ResolvedEvent['event'] }): RecordedEvent | undefined {
  const recorded = resolved.event;
  if (!recorded) return undefined;
  if (isSystemEvent(recorded)) return undefined;
  const position = recorded.position;
  if (!position || position.commit === UNKNOWN_LOG_POSITION) {
    throw new Error(
      `EventStoreDB did not report the $all position of event ${recorded.id} in '${recorded.streamId}': the server is older than 22.6, which the workbench needs`,
    );
  }
  return {
    id: recorded.id.toLowerCase(),
    streamId: recorded.streamId,
    type: recorded.type,
    data: toJsonData(recorded.data),
    metadata: toMetadata(recorded.metadata),
    streamVersion: revisionToVersion(recorded.revision),
    globalPosition: packPosition(position),
    recordedAt: recorded.created,
  };
}

/** JSON events come back parsed; binary ones (written by other clients) come back as base64 text. */
export function toJsonData(data: unknown): JsonValue {
  if (data instanceof Uint8Array) return Buffer.from(data).toString('base64');
  return data as JsonValue;
}

/**
 * Metadata we wrote is a JSON object. Other clients may write none, a JSON array or string, or bytes:
 * those are kept under one field instead of being dropped or breaking the `EventMetadata` shape.
 */
export function toMetadata(metadata: unknown): EventMetadata {
  if (metadata === undefined || metadata === null) return {};
  if (metadata instanceof Uint8Array) {
    const text = Buffer.from(metadata).toString('utf8');
    try {
      return toMetadata(JSON.parse(text) as unknown);
    } catch {
      return { rawMetadataBase64: Buffer.from(metadata).toString('base64') };
    }
  }
  if (typeof metadata === 'object' && !Array.isArray(metadata)) return metadata as EventMetadata;
  return { rawMetadata: metadata as JsonValue };
}

/**
 * Where checkpoints and snapshots live: one stream per subscriber and per aggregate, each with stream
 * metadata `$maxCount: 1` so that only the newest event is kept (older ones are invisible at once and
 * removed by the next scavenge). The `$` prefix keeps them out of `$all` reads and subscriptions of the
 * contract (which skip system streams), so a projection never sees its own checkpoint writes.
 */
export function checkpointStreamId(subscriberId: string): string {
  return `$checkpoint-${subscriberId}`;
}

export function snapshotStreamId(streamId: string): string {
  return `$snapshot-${streamId}`;
}
