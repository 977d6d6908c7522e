/**
 * One event is one Kafka record (see docs/labs/kafka.md, "Record layout"):
 * - key: the stream id, so every event of a stream goes to the same partition and keeps its order there,
 *   and a compacted topic would keep the latest record per stream;
 * - headers: the envelope (`event-id`, `event-type`, `stream-version` as the writer claimed it), readable
 *   without parsing the payload;
 * - value: `{ "data": …, "metadata": … }` as JSON;
 * - timestamp: when the writer produced it (CreateTime), used as `recordedAt`.
 *
 * The global position of a record is its offset + 1: positions must be > 0 because a reader that has
 * seen nothing resumes "after position 0". Transaction markers take offsets too, so positions have gaps.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { EventMetadata, JsonValue } from '../core/index.ts';
import type { ValidatedEvent } from '../core/index.ts';

export const HEADER_EVENT_ID = 'event-id';
export const HEADER_EVENT_TYPE = 'event-type';
export const HEADER_STREAM_VERSION = 'stream-version';

export function positionOfOffset(offset: bigint): bigint {
  return offset + 1n;
}

export function offsetOfPosition(position: bigint): bigint {
  return position - 1n;
}

export function encodeEvent(streamId: string, event: ValidatedEvent, claimedVersion: number, partition: number, now: number): Message {
  return {
    key: streamId,
    partition,
    timestamp: String(now),
    headers: {
      [HEADER_EVENT_ID]: event.id,
      [HEADER_EVENT_TYPE]: event.type,
      [HEADER_STREAM_VERSION]: String(claimedVersion),
    },
    value: `{"data":${event.dataJson},"metadata":${event.metadataJson}}`,
  };
}

/** A record of the events topic as decoded, before the index gives it its stream version. */
export interface DecodedEvent {
  offset: bigint;
  streamId: string;
  id: string;
  type: string;
  data: JsonValue;
  metadata: EventMetadata;
  /** The version the writer claimed (a naive writer may claim one that another writer claimed too). */
  claimedVersion: number | undefined;
  recordedAt: Date;
}

/**
 * A record of the events topic with its envelope decoded and its payload left as the JSON text it is:
 * what the log view's index keeps. Parsing every payload at replay was a third of the replay's CPU and
 * the parsed objects most of its memory (docs/labs/kafka.md, "Opening a large log"); a payload is parsed
 * when it is read (`parsePayload`), which is a copy the reader owns anyway.
 */
export interface EventEnvelope {
  offset: bigint;
  streamId: string;
  id: string;
  type: string;
  claimedVersion: number | undefined;
  /** CreateTime of the record, ms since the epoch. */
  recordedAtMs: number;
  /** The record's value: `{"data":…,"metadata":…}` as encodeEvent wrote it. */
  payload: string;
}

/**
 * The envelope of a record of this store, without parsing its payload. Records that are not events of
 * this store (no key, no id or type header, a value that is not encodeEvent's `{"data":…}` object) are
 * ignored: undefined. The value's shape is checked by its ends, not parsed: the store's writers only
 * write JSON the shell validated.
 */
export function decodeEnvelope(message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>): EventEnvelope | undefined {
  const value = message.value;
  if (!message.key || !value || value.length < PAYLOAD_PREFIX.length + 1) return undefined;
  if (!value.subarray(0, PAYLOAD_PREFIX.length).equals(PAYLOAD_PREFIX) || value[value.length - 1] !== CLOSING_BRACE) return undefined;
  const id = header(message.headers, HEADER_EVENT_ID);
  const type = header(message.headers, HEADER_EVENT_TYPE);
  const streamId = message.key.toString('utf8');
  if (!streamId || !id || !type) return undefined;
  const claimed = header(message.headers, HEADER_STREAM_VERSION);
  return {
    offset: BigInt(message.offset),
    streamId,
    id,
    type,
    claimedVersion: claimed === undefined ? undefined : Number(claimed),
    recordedAtMs: Number(message.timestamp),
    payload: value.toString('utf8'),
  };
}

const PAYLOAD_PREFIX = Buffer.from('{"data":');
const CLOSING_BRACE = '}'.charCodeAt(0);

/** The data and metadata of a payload, as fresh objects. */
export function parsePayload(payload: string): { data: JsonValue; metadata: EventMetadata } {
  const parsed = JSON.parse(payload) as { data?: JsonValue; metadata?: EventMetadata };
  return { data: parsed.data ?? null, metadata: parsed.metadata ?? {} };
}

/** Records that are not events of this store (no key, no id header, no JSON value) are ignored: undefined. */
export function decodeEvent(message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>): DecodedEvent | undefined {
  const envelope = decodeEnvelope(message);
  if (!envelope) return undefined;
  let payload: { data: JsonValue; metadata: EventMetadata };
  try {
    payload = parsePayload(envelope.payload);
  } catch {
    return undefined;
  }
  return {
    offset: envelope.offset,
    streamId: envelope.streamId,
    id: envelope.id,
    type: envelope.type,
    data: payload.data,
    metadata: payload.metadata,
    claimedVersion: envelope.claimedVersion,
    recordedAt: new Date(envelope.recordedAtMs),
  };
}

/** The event id of a record of this store (either topic), without decoding its payload. */
export function eventIdOf(message: Pick<KafkaMessage, 'headers'>): string | undefined {
  return header(message.headers, HEADER_EVENT_ID);
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}
