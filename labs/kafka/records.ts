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

/** Records that are not events of this store (no key, no id header, no JSON value) are ignored: undefined. */
export function decodeEvent(message: Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'offset' | 'timestamp'>): DecodedEvent | undefined {
  const streamId = message.key?.toString('utf8');
  const id = header(message.headers, HEADER_EVENT_ID);
  const type = header(message.headers, HEADER_EVENT_TYPE);
  if (!streamId || !id || !type || !message.value) return undefined;
  let payload: { data?: JsonValue; metadata?: EventMetadata };
  try {
    payload = JSON.parse(message.value.toString('utf8')) as { data?: JsonValue; metadata?: EventMetadata };
  } catch {
    return undefined;
  }
  const claimed = header(message.headers, HEADER_STREAM_VERSION);
  return {
    offset: BigInt(message.offset),
    streamId,
    id,
    type,
    data: payload.data ?? null,
    metadata: payload.metadata ?? {},
    claimedVersion: claimed === undefined ? undefined : Number(claimed),
    recordedAt: new Date(Number(message.timestamp)),
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
