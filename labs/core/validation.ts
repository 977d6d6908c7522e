/**
 * Input validation shared by every backend, run before any I/O so that bad input never writes anything.
 * The schema (zod) describes the shape; the checks below add what a schema cannot say clearly
 * (JSON-serialisable data, sizes in bytes, control characters).
 */
import { z } from 'zod';
import {
  InvalidCheckpointError,
  InvalidSnapshotError,
  InvalidSubscriptionOptionsError,
  EventTooLargeError,
  InvalidEventError,
  InvalidExpectedVersionError,
  InvalidReadOptionsError,
  InvalidStreamIdError,
  InvalidInputError,
} from './errors.ts';
import type { StoreLimits } from './event-store.ts';
import type { ValidatedDelete } from './stream-lifecycle.ts';
import { CONTROL_CHARACTERS, identifierProblem, isFaithfulText, LONE_SURROGATE } from './identifiers.ts';
import { uuidV7 } from './uuid-v7.ts';
import type {
  ExpectedVersion,
  JsonValue,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  EventMetadata,
} from './types.ts';

export const DEFAULT_LIMITS: StoreLimits = {
  maxEventBytes: 1024 * 1024,
  maxStreamIdLength: 200,
  maxSnapshotBytes: 1024 * 1024,
  nulInText: true,
};

export { isFaithfulText };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateStreamId(streamId: unknown, limits: StoreLimits = DEFAULT_LIMITS): string {
  const problem = identifierProblem(streamId, limits.maxStreamIdLength);
  if (problem) throw new InvalidStreamIdError(streamId, problem);
  return streamId as string;
}

export function validateExpectedVersion(value: unknown): ExpectedVersion {
  if (value === undefined) return 'any';
  if (value === 'any' || value === 'no_stream' || value === 'stream_exists') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidExpectedVersionError(value);
}

const eventShape = z.object({
  id: z
    .string()
    .regex(UUID_ANY_CASE, 'must be a UUID (it makes retries idempotent)')
    .regex(UUID, 'must be a lower-case UUID: the store compares ids as text, so upper-case would come back changed')
    .optional(),
  type: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .refine((t) => isFaithfulText(t), `must not contain a lone UTF-16 surrogate (it has no UTF-8 form)`)
    .refine((t) => !CONTROL_CHARACTERS.test(t), 'must not contain control characters'),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** A validated event: id assigned, metadata normalised, JSON size known. */
export interface ValidatedEvent {
  id: string;
  /** True when the caller chose the id (only such ids can repeat an earlier append). */
  idSupplied: boolean;
  type: string;
  data: JsonValue;
  metadata: EventMetadata;
  /** UTF-8 bytes of the JSON text of `data`. */
  dataJson: string;
  metadataJson: string;
  sizeBytes: number;
}

export function validateEvents(
  events: unknown,
  limits: StoreLimits,
  backend: string,
): ValidatedEvent[] {
  if (!Array.isArray(events)) throw new InvalidEventError(0, '(batch)', 'events must be an array');
  if (events.length === 0) throw new InvalidEventError(0, '(batch)', 'append at least one event');
  const seen = new Set<string>();
  return events.map((raw: unknown, index) => {
    const parsed = eventShape.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || '(event)';
      throw new InvalidEventError(index, field, issue?.message ?? 'not an event');
    }
    const event = parsed.data;
    if (!('data' in (raw as object))) throw new InvalidEventError(index, 'data', 'is required (use null for none)');
    const refuse = (path: string, reason: string) => new InvalidEventError(index, path, reason);
    assertFaithfulJson(event.data, 'data', limits, refuse);
    const metadata = (event.metadata ?? {}) as Record<string, unknown>;
    assertFaithfulJson(metadata, 'metadata', limits, refuse);
    for (const key of ['correlationId', 'causationId'] as const) {
      if (metadata[key] !== undefined && typeof metadata[key] !== 'string') {
        throw new InvalidEventError(index, `metadata.${key}`, 'must be a string');
      }
    }
    if (
      metadata.schemaVersion !== undefined &&
      !(Number.isSafeInteger(metadata.schemaVersion) && (metadata.schemaVersion as number) >= 1)
    ) {
      throw new InvalidEventError(index, 'metadata.schemaVersion', 'must be a whole number >= 1');
    }
    // Generated ids are time-ordered: they land at the end of a unique index (see uuid-v7.ts).
    const id = event.id ?? uuidV7();
    if (seen.has(id)) throw new InvalidEventError(index, 'id', `repeats id ${id} of an earlier event in the batch`);
    seen.add(id);
    const dataJson = JSON.stringify(event.data);
    const metadataJson = JSON.stringify(metadata);
    // The bytes of JSON.stringify({ type, data, metadata }), without building that string again.
    const sizeBytes =
      Buffer.byteLength(dataJson, 'utf8') +
      Buffer.byteLength(metadataJson, 'utf8') +
      Buffer.byteLength(JSON.stringify(event.type), 'utf8') +
      '{"type":,"data":,"metadata":}'.length;
    if (sizeBytes > limits.maxEventBytes) throw new EventTooLargeError(index, sizeBytes, limits.maxEventBytes, backend);
    return {
      id,
      idSupplied: event.id !== undefined,
      type: event.type,
      data: event.data as JsonValue,
      metadata: metadata as EventMetadata,
      dataJson,
      metadataJson,
      sizeBytes,
    };
  });
}

/**
 * JSON.stringify silently drops or changes what JSON cannot hold: undefined, functions, NaN and
 * Infinity (become null), -0 (becomes 0), holes of sparse arrays (become null), BigInt (throws), Dates and
 * class instances (become strings or {}), cycles (throw). An event store must refuse such a value with a
 * typed error before any I/O instead of storing something else. Text must round-trip through UTF-8 (no
 * lone surrogates), and must not hold NUL where the backend cannot store it.
 */
export function assertFaithfulJson(
  value: unknown,
  path: string,
  limits: Pick<StoreLimits, 'nulInText'>,
  refuse: (path: string, reason: string) => Error,
): void {
  const ancestors: object[] = [];
  // The path of the value being looked at, as segments: joined into text only when something is refused
  // (building it for every value cost a third of the walk).
  const segments: (string | number)[] = [];
  const where = () => segments.reduce<string>((text, s) => (typeof s === 'number' ? `${text}[${s}]` : `${text}.${s}`), path);
  const fail = (reason: string) => refuse(where(), reason);
  const text = (t: string, what: string) => {
    if (!isFaithfulText(t)) throw fail(`${what} ${LONE_SURROGATE}`);
    if (!limits.nulInText && t.includes('\u0000')) throw fail(`${what} contains the NUL character (U+0000), which this backend cannot store`);
  };
  const visit = (item: unknown): void => {
    if (item === null || typeof item === 'boolean') return;
    if (typeof item === 'string') return text(item, 'text');
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw fail(`is ${item}, which JSON cannot represent`);
      if (Object.is(item, -0)) throw fail('is -0, which JSON writes as 0 (it would come back changed)');
      return;
    }
    if (typeof item === 'bigint') throw fail(`is a bigint (${item}n), which JSON cannot represent: store it as a string`);
    if (typeof item !== 'object') throw fail(`is a ${typeof item}, which is not JSON`);
    if (ancestors.includes(item)) throw fail('refers back to itself (a cycle), which JSON cannot represent');
    if (ancestors.length >= 64) throw fail('is nested more than 64 levels deep');
    ancestors.push(item);
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        segments.push(i);
        if (!(i in item)) throw fail('is a hole in a sparse array, which JSON writes as null (it would come back changed)');
        if (item[i] === undefined) throw fail('is undefined, which JSON writes as null in an array');
        visit(item[i]);
        segments.pop();
      }
    } else {
      const prototype = Object.getPrototypeOf(item) as unknown;
      if (prototype !== Object.prototype && prototype !== null) {
        const name = (item as object).constructor?.name ?? 'object';
        throw fail(`is a ${name}, not plain JSON (convert it first)`);
      }
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        segments.push(key);
        text(key, 'the key');
        const child = (item as Record<string, unknown>)[key];
        // JSON drops undefined properties; that is the documented meaning.
        if (child !== undefined) visit(child);
        segments.pop();
      }
    }
    ancestors.pop();
  };
  visit(value);
}

function assertCount(value: unknown, field: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 1)) {
    throw new InvalidReadOptionsError(field, `${field} must be a whole number >= 1, got ${String(value)}`);
  }
}

function assertDirection(value: unknown): void {
  if (value !== undefined && value !== 'forward' && value !== 'backward') {
    throw new InvalidReadOptionsError('direction', `direction must be 'forward' or 'backward', got ${String(value)}`);
  }
}

export function validateReadStreamOptions(options: ReadStreamOptions = {}): Required<Pick<ReadStreamOptions, 'direction'>> & ReadStreamOptions {
  assertDirection(options.direction);
  assertCount(options.maxCount, 'maxCount');
  const from = options.fromVersion;
  if (from !== undefined && !(Number.isSafeInteger(from) && from >= 0)) {
    throw new InvalidReadOptionsError('fromVersion', `fromVersion must be a whole number >= 0, got ${String(from)}`);
  }
  return { ...options, direction: options.direction ?? 'forward' };
}

export function validateReadAllOptions(options: ReadAllOptions = {}): Required<Pick<ReadAllOptions, 'direction'>> & ReadAllOptions {
  assertDirection(options.direction);
  assertCount(options.maxCount, 'maxCount');
  const from = options.fromPosition;
  if (from !== undefined && !(typeof from === 'bigint' && from >= 0n)) {
    throw new InvalidReadOptionsError('fromPosition', `fromPosition must be a bigint >= 0n, got ${String(from)}`);
  }
  return { ...options, direction: options.direction ?? 'forward' };
}

export function validateSubscriberId(subscriberId: unknown): string {
  const problem = identifierProblem(subscriberId, 200);
  if (problem) throw new InvalidCheckpointError('subscriberId', `Invalid subscriber id: ${problem}`);
  return subscriberId as string;
}

export function validateCheckpointPosition(position: unknown): bigint {
  if (!(typeof position === 'bigint' && position >= 0n)) {
    throw new InvalidCheckpointError('position', `A checkpoint position must be a bigint >= 0n (a global position), got ${describe(position)}`);
  }
  return position;
}

/** A snapshot the store can keep as given: whole-number versions, faithful JSON state within the size limit. */
export function validateSnapshot(snapshot: unknown, limits: StoreLimits, backend: string): { state: JsonValue; stateJson: string } {
  const refuse = (field: string, reason: string) => new InvalidSnapshotError(field, `Invalid snapshot, field '${field}': ${reason}`);
  if (typeof snapshot !== 'object' || snapshot === null) throw refuse('snapshot', 'must be an object { streamVersion, schemaVersion, state }');
  const { streamVersion, schemaVersion, state } = snapshot as Record<string, unknown>;
  if (!(Number.isSafeInteger(streamVersion) && (streamVersion as number) >= 0)) throw refuse('streamVersion', `must be a whole number >= 0, got ${describe(streamVersion)}`);
  if (!(Number.isSafeInteger(schemaVersion) && (schemaVersion as number) >= 1)) throw refuse('schemaVersion', `must be a whole number >= 1, got ${describe(schemaVersion)}`);
  if (state === undefined) throw refuse('state', 'is required (use null for none)');
  assertFaithfulJson(state, 'state', limits, refuse);
  const stateJson = JSON.stringify(state);
  const bytes = Buffer.byteLength(stateJson, 'utf8');
  if (bytes > limits.maxSnapshotBytes) {
    throw refuse('state', `is ${bytes} bytes of JSON; the ${backend} store keeps snapshots of at most ${limits.maxSnapshotBytes} bytes`);
  }
  return { state: state as JsonValue, stateJson };
}

export function validateSubscriptionOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new InvalidSubscriptionOptionsError('options', 'Subscription options must be an object');
  const o = options as Record<string, unknown>;
  const whole = (field: string, min: number) => {
    const v = o[field];
    if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= min)) {
      throw new InvalidSubscriptionOptionsError(field, `${field} must be a whole number >= ${min}, got ${describe(v)}`);
    }
  };
  whole('bufferSize', 1);
  whole('pollIntervalMs', 1);
  whole('retryUnavailableForMs', 0);
  whole('afterVersion', 0);
  if (o.afterPosition !== undefined && !(typeof o.afterPosition === 'bigint' && o.afterPosition >= 0n)) {
    throw new InvalidSubscriptionOptionsError('afterPosition', `afterPosition must be a bigint >= 0n, got ${describe(o.afterPosition)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Everything an append needs, validated in one call at the top of every adapter's `appendToStream`. */
export function validateAppend(
  streamId: unknown,
  events: unknown,
  expectedVersion: unknown,
  limits: StoreLimits,
  backend: string,
): { streamId: string; events: ValidatedEvent[]; expectedVersion: ExpectedVersion } {
  return {
    streamId: validateStreamId(streamId, limits),
    expectedVersion: validateExpectedVersion(expectedVersion),
    events: validateEvents(events, limits, backend),
  };
}

export type { NewEvent };

/** A delete: valid stream id, expected version (default `any`) and mode `soft` or `hard`. */
export function validateDeleteStream(streamId: unknown, options: unknown, limits: StoreLimits): ValidatedDelete {
  const id = validateStreamId(streamId, limits);
  const { expectedVersion, mode } = (options ?? {}) as { expectedVersion?: unknown; mode?: unknown };
  if (mode !== 'soft' && mode !== 'hard') throw new InvalidInputError('mode', `Invalid delete mode ${describe(mode)}: use 'soft' or 'hard'`);
  return { streamId: id, expectedVersion: validateExpectedVersion(expectedVersion), mode };
}

/** A truncation: valid stream id and a whole `beforeVersion` >= 0 (past the end is the adapter's check). */
export function validateTruncateStream(streamId: unknown, options: unknown, limits: StoreLimits): { streamId: string; beforeVersion: number } {
  const id = validateStreamId(streamId, limits);
  const beforeVersion = (options as { beforeVersion?: unknown } | undefined)?.beforeVersion;
  if (typeof beforeVersion !== 'number' || !Number.isSafeInteger(beforeVersion) || beforeVersion < 0) {
    throw new InvalidInputError('beforeVersion', `Invalid beforeVersion ${describe(beforeVersion)}: use a whole number >= 0`);
  }
  return { streamId: id, beforeVersion };
}
