/**
 * Input validation shared by every backend, run before any I/O so that bad input never writes anything.
 * The schema (zod) describes the shape; the checks below add what a schema cannot say clearly
 * (JSON-serialisable data, sizes in bytes, control characters).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  EventTooLargeError,
  InvalidEventError,
  InvalidExpectedVersionError,
  InvalidReadOptionsError,
  InvalidStreamIdError,
} from './errors.ts';
import type { StoreLimits } from './event-store.ts';
import type {
  ExpectedVersion,
  JsonValue,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  EventMetadata,
} from './types.ts';

export const DEFAULT_LIMITS: StoreLimits = { maxEventBytes: 1024 * 1024, maxStreamIdLength: 200 };

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators: invisible in logs,
// dangerous in keys, and never meant as part of an identifier.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateStreamId(streamId: unknown, limits: StoreLimits = DEFAULT_LIMITS): string {
  if (typeof streamId !== 'string') throw new InvalidStreamIdError(streamId, 'it must be a string');
  if (streamId.length === 0) throw new InvalidStreamIdError(streamId, 'it must not be empty');
  if (streamId.length > limits.maxStreamIdLength) {
    throw new InvalidStreamIdError(streamId, `it is longer than ${limits.maxStreamIdLength} characters`);
  }
  if (CONTROL_CHARACTERS.test(streamId)) {
    throw new InvalidStreamIdError(streamId, 'it contains control characters');
  }
  if (streamId.trim() !== streamId) {
    throw new InvalidStreamIdError(streamId, 'it starts or ends with white space');
  }
  return streamId;
}

export function validateExpectedVersion(value: unknown): ExpectedVersion {
  if (value === undefined) return 'any';
  if (value === 'any' || value === 'no_stream' || value === 'stream_exists') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidExpectedVersionError(value);
}

const eventShape = z.object({
  id: z.string().regex(UUID, 'must be a UUID (it makes retries idempotent)').optional(),
  type: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
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
    assertJson(event.data, index, 'data');
    const metadata = (event.metadata ?? {}) as Record<string, unknown>;
    assertJson(metadata, index, 'metadata');
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
    const id = (event.id ?? randomUUID()).toLowerCase();
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
 * JSON.stringify silently drops or mangles what JSON cannot hold (undefined, functions, NaN, Infinity,
 * Dates, class instances); an event store must refuse it instead of storing something else.
 */
function assertJson(value: unknown, index: number, path: string, depth = 0): void {
  if (depth > 64) throw new InvalidEventError(index, path, 'is nested more than 64 levels deep');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidEventError(index, path, `is ${value}, which JSON cannot represent`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJson(item, index, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (value as object).constructor?.name ?? 'object';
      throw new InvalidEventError(index, path, `is a ${name}, not plain JSON (convert it first)`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue; // JSON drops undefined properties; that is the documented meaning
      assertJson(item, index, `${path}.${key}`, depth + 1);
    }
    return;
  }
  throw new InvalidEventError(index, path, `is a ${typeof value}, which is not JSON`);
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
