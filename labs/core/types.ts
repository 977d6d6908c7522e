/**
 * The shapes every backend speaks. Nothing here knows about a driver.
 *
 * Versions and positions:
 * - `streamVersion` is the 0-based index of an event inside its stream (the first event is version 0),
 *   as in EventStoreDB's "revision". An empty or missing stream has no version (`no_stream`).
 * - `globalPosition` orders every event of the store. It is a `bigint` that only ever grows in the order
 *   `readAll` returns events; it need not be dense (gaps are allowed, skips are not) and a backend may pack
 *   more than one number into it (PostgreSQL packs transaction id and sequence), so treat it as an opaque,
 *   ordered checkpoint: compare it, store it, resume after it.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Well-known metadata plus free fields. Correlation/causation ids let one trace a business process. */
export interface EventMetadata {
  /** Id of the request or process that started the chain of events. */
  correlationId?: string;
  /** Id of the event or command that directly caused this one. */
  causationId?: string;
  /** Version of the event's data schema; upcasters read it. Absent means 1. */
  schemaVersion?: number;
  [key: string]: JsonValue | undefined;
}

/** An event to append. `id` makes retries idempotent; when omitted the store generates one. */
export interface NewEvent<Type extends string = string, Data extends JsonValue = JsonValue> {
  id?: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

/** An event as stored. */
export interface RecordedEvent<Type extends string = string, Data extends JsonValue = JsonValue> {
  id: string;
  streamId: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  streamVersion: number;
  globalPosition: bigint;
  recordedAt: Date;
}

/**
 * What the writer believes about the stream:
 * - `any`: no check;
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: the stream must have at least one event;
 * - a number: the version of the stream's last event must be exactly this.
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  /** Version of the last event now in the stream: pass it as `expectedVersion` for the next append. */
  nextExpectedVersion: number;
  /** Global position of the last appended event. */
  globalPosition: bigint;
}

export type Direction = 'forward' | 'backward';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive. Forward default: 0; backward default: the last event. */
  fromVersion?: number;
  /** Default: the whole stream (adapters page internally). */
  maxCount?: number;
}

export const START: bigint = 0n;

export interface ReadAllOptions {
  direction?: Direction;
  /** Inclusive. Forward default: the start; backward default: the end. */
  fromPosition?: bigint;
  /** Default: 1000. `readAll` always pages. */
  maxCount?: number;
}

export const DEFAULT_READ_ALL_PAGE = 1000;
