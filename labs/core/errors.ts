/**
 * Typed errors carry the facts a person needs to understand what happened, and what was not written.
 * Every error a caller can cause is an `InvalidInputError` (nothing is written when it is thrown) or a
 * `WrongExpectedVersionError` (nothing is written either: the batch is atomic).
 */
import type { ExpectedVersion } from './types.ts';
import type { Capability } from './capabilities.ts';

export class EventStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  /** Version of the stream's last event at the time of the check, or `no_stream`. */
  readonly actual: number | 'no_stream';

  /** `operation`: what was refused, for the message ("Append to", "Delete of"). */
  constructor(streamId: string, expected: ExpectedVersion, actual: number | 'no_stream', operation = 'Append to') {
    super(
      `${operation} stream '${streamId}' expected version ${String(expected)} but the stream is at ` +
        `${actual === 'no_stream' ? 'no_stream (it does not exist)' : `version ${actual}`}; nothing was written.`,
    );
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Bad input from the caller. The message says what is wrong and what is allowed; nothing was written. */
export class InvalidInputError extends EventStoreError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${message} (nothing was written)`);
    this.field = field;
  }
}

export class InvalidStreamIdError extends InvalidInputError {
  readonly streamId: unknown;
  constructor(streamId: unknown, reason: string) {
    super('streamId', `Invalid stream id ${describeValue(streamId)}: ${reason}`);
    this.streamId = streamId;
  }
}

export class InvalidEventError extends InvalidInputError {
  readonly index: number;
  constructor(index: number, field: string, reason: string) {
    super(`events[${index}].${field}`, `Invalid event at index ${index}, field '${field}': ${reason}`);
    this.index = index;
  }
}

export class EventTooLargeError extends InvalidInputError {
  readonly index: number;
  readonly sizeBytes: number;
  readonly maxBytes: number;
  constructor(index: number, sizeBytes: number, maxBytes: number, backend: string) {
    super(
      `events[${index}]`,
      `Event at index ${index} is ${sizeBytes} bytes of JSON; the ${backend} store accepts at most ${maxBytes} bytes per event`,
    );
    this.index = index;
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }
}

export class InvalidExpectedVersionError extends InvalidInputError {
  constructor(value: unknown) {
    super(
      'expectedVersion',
      `Invalid expected version ${describeValue(value)}: use 'any', 'no_stream', 'stream_exists' or a whole number >= 0`,
    );
  }
}

export class InvalidReadOptionsError extends InvalidInputError {}

/** A checkpoint call with a subscriber id or position the store cannot keep as given. */
export class InvalidCheckpointError extends InvalidInputError {}

/** A snapshot the store cannot keep as given (not JSON, too large, bad versions). */
export class InvalidSnapshotError extends InvalidInputError {}

/** Subscription options out of range (buffer size, poll interval, start position). */
export class InvalidSubscriptionOptionsError extends InvalidInputError {}

/** The store was closed: every call after `close()` gets this, and nothing is read or written. */
export class StoreClosedError extends EventStoreError {
  readonly backend: string;
  readonly operation: string;
  constructor(backend: string, operation: string) {
    super(`The ${backend} store is closed: ${operation} was refused (nothing was read or written). Create a new store to go on.`);
    this.backend = backend;
    this.operation = operation;
  }
}

/**
 * The batch reuses event ids that are already stored, but not as an exact retry of one earlier append
 * (same stream, same ids, same order). A retry is answered with the original result instead.
 */
export class DuplicateEventIdError extends EventStoreError {
  readonly streamId: string;
  readonly eventIds: string[];
  constructor(streamId: string, eventIds: string[], detail: string) {
    super(`Append to stream '${streamId}' reuses event id(s) ${eventIds.join(', ')}: ${detail}; nothing was written.`);
    this.streamId = streamId;
    this.eventIds = eventIds;
  }
}

/** A backend was asked for something it declared it cannot do. */
export class UnsupportedCapabilityError extends EventStoreError {
  readonly backend: string;
  readonly capability: Capability;
  readonly reason: string;
  constructor(backend: string, capability: Capability, reason: string) {
    super(`The ${backend} store does not support '${capability}': ${reason}`);
    this.backend = backend;
    this.capability = capability;
    this.reason = reason;
  }
}

/** Consumer-group options out of range: an empty or invalid group name, a member count or a bound below 1. */
export class InvalidConsumerGroupOptionsError extends InvalidInputError {}

/**
 * `ack` or `nack` of a delivery this member does not hold: it was never delivered by this member, or it was
 * already settled. Nothing is checkpointed or parked.
 */
export class UnknownDeliveryError extends EventStoreError {
  readonly group: string;
  readonly deliveryId: string;
  constructor(group: string, deliveryId: string, detail: string) {
    super(`Consumer group '${group}': delivery ${deliveryId} ${detail}; nothing was acknowledged, retried or parked.`);
    this.group = group;
    this.deliveryId = deliveryId;
  }
}

/** The member has left its group (or its store was closed): ack, nack and replay are refused. */
export class ConsumerGroupClosedError extends EventStoreError {
  readonly group: string;
  readonly memberId: string;
  readonly operation: string;
  constructor(group: string, memberId: string, operation: string) {
    super(`Member '${memberId}' has left consumer group '${group}': ${operation} was refused (nothing was acknowledged or parked). Join the group again to go on.`);
    this.group = group;
    this.memberId = memberId;
    this.operation = operation;
  }
}

/** The backend could not be reached or started. */
export class BackendUnavailableError extends EventStoreError {
  readonly backend: string;
  constructor(backend: string, reason: string, options?: ErrorOptions) {
    super(`The ${backend} backend is not available: ${reason}`, options);
    this.backend = backend;
  }
}

/**
 * The stream was hard-deleted (it carries a tombstone): it can never be written, deleted or truncated
 * again, and nothing was written now.
 */
export class StreamDeletedError extends EventStoreError {
  readonly streamId: string;
  constructor(streamId: string, options?: ErrorOptions) {
    super(`Stream '${streamId}' was hard-deleted (tombstoned): it cannot be written again; nothing was written.`, options);
    this.streamId = streamId;
  }
}

/** `truncateStream` was asked to remove events the stream does not have; nothing was removed. */
export class TruncationPastEndError extends EventStoreError {
  readonly streamId: string;
  readonly beforeVersion: number;
  /** Version of the stream's last event, or undefined when the stream has none. */
  readonly lastVersion: number | undefined;
  constructor(streamId: string, beforeVersion: number, lastVersion: number | undefined) {
    super(
      `Truncating stream '${streamId}' before version ${beforeVersion} goes past its end ` +
        `(${lastVersion === undefined ? 'it has no events' : `its last version is ${lastVersion}`}; at most ${lastVersion === undefined ? 0 : lastVersion + 1} is allowed); nothing was removed.`,
    );
    this.streamId = streamId;
    this.beforeVersion = beforeVersion;
    this.lastVersion = lastVersion;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}… (${value.length} characters)` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
