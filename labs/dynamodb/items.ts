/**
 * The items of the table (table.ts) as code: building a batch's commit item and log entry, and decoding
 * them back into events. Pure: no SDK calls.
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { InvalidEventError, type RecordedEvent, type ValidatedEvent } from '../core/index.ts';
import { BatchTooLargeError } from './errors.ts';
import type { MemberState } from './group-commit.ts';
import { MAX_ITEM_BYTES, itemSizeBytes } from './item-size.ts';
import { EVENTS_PER_COMMIT, LOG_KEY, packPosition, STABLE_KEY, streamKey } from './keys.ts';

/** An event as written (data and metadata already JSON, from validation). */
export interface StoredEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

/** An event as read back. */
export interface LoadedEvent {
  id: string;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
}

/** One append inside a log entry. */
export interface LogMember {
  /** Its index in the entry (its state is the attribute `st<index>`). */
  index: number;
  state: MemberState;
  streamId: string;
  slot: number;
  /** Index of its first event among the entry's events. */
  offset: number;
  recordedAt: string;
  /** Undefined where an event was erased by a delete or truncate (stream-lifecycle.ts): skipped by readers. */
  events: (LoadedEvent | undefined)[];
}

export interface LogEntry {
  commit: number;
  writer: string;
  members: LogMember[];
}

/** The batch as it will be written, with its item sizes already checked. */
export interface PreparedBatch {
  streamId: string;
  events: StoredEvent[];
  recordedAt: string;
  /** Bytes it adds to a log entry. */
  memberBytes: number;
}

export interface EntryMember {
  batch: Pick<PreparedBatch, 'streamId' | 'events' | 'recordedAt'>;
  slot: number;
  offset: number;
}

/**
 * Sizes the batch's items with the largest numbers the keys can take, so the real items are never
 * bigger, and refuses a batch that would not fit (BatchTooLargeError): alone in a log entry it must fit
 * too; the group commit adds members only while the entry fits.
 */
export function prepareBatch(streamId: string, events: readonly ValidatedEvent[]): PreparedBatch {
  if (events.length > EVENTS_PER_COMMIT) {
    throw new InvalidEventError(EVENTS_PER_COMMIT, '(batch)', `a batch holds at most ${EVENTS_PER_COMMIT} events (they share one log entry)`);
  }
  const stored = {
    streamId,
    recordedAt: new Date().toISOString(),
    events: events.map((e) => ({ id: e.id, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson })),
  };
  const largestMember = { batch: stored, slot: Number.MAX_SAFE_INTEGER, offset: EVENTS_PER_COMMIT };
  const memberBytes = itemSizeBytes({ m: { L: [memberAttribute(largestMember)] }, st0: { S: 'committed' } });
  const batch: PreparedBatch = { ...stored, memberBytes };
  const largest = Math.max(
    itemSizeBytes(commitItem(batch, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, EVENTS_PER_COMMIT)),
    itemSizeBytes(logEntryItem(Number.MAX_SAFE_INTEGER, randomUUID(), [largestMember])),
  );
  if (largest > MAX_ITEM_BYTES) throw new BatchTooLargeError(events.length, largest, MAX_ITEM_BYTES);
  return batch;
}

/**
 * A batch's events as ONE string of JSON, data and metadata embedded as they are: one attribute to
 * write, send and parse instead of a list of maps of strings (which cost dynalite and the SDK about
 * as much again as the request itself), and one JSON.parse on read. Data stays opaque JSON either way:
 * DynamoDB maps nest at most 32 levels and would turn numbers into JS numbers.
 */
function eventsAttribute(events: readonly StoredEvent[]): AttributeValue {
  let json = eventsJson.get(events);
  if (json === undefined) {
    json = `[${events.map((e) => `{"i":${JSON.stringify(e.id)},"t":${JSON.stringify(e.type)},"d":${e.dataJson},"m":${e.metadataJson}}`).join(',')}]`;
    eventsJson.set(events, json);
  }
  return { S: json };
}
/** A batch is sized, then written as a commit item and in a log entry: its JSON is built once. */
const eventsJson = new WeakMap<readonly StoredEvent[], string>();

/**
 * stream#<id> / first version: the batch, its last version, the log entry holding it (c) and its first
 * event's index there (o), and its ids.
 */
export function commitItem(
  batch: Pick<PreparedBatch, 'streamId' | 'events' | 'recordedAt'>,
  slot: number,
  commit: number,
  offset: number,
): Record<string, AttributeValue> {
  return {
    pk: { S: streamKey(batch.streamId) },
    sk: { N: String(slot) },
    last: { N: String(slot + batch.events.length - 1) },
    c: { N: String(commit) },
    o: { N: String(offset) },
    ids: { S: batch.events.map((e) => e.id).join(',') },
    at: { S: batch.recordedAt },
    ev: eventsAttribute(batch.events),
  };
}

function memberAttribute({ batch, slot, offset }: EntryMember): AttributeValue {
  return { M: { s: { S: batch.streamId }, v: { N: String(slot) }, o: { N: String(offset) }, at: { S: batch.recordedAt }, ev: eventsAttribute(batch.events) } };
}

/**
 * $all / commit number: the appends of one group commit, each pending (st<i>), with everything a
 * reader needs to finish them.
 */
export function logEntryItem(commit: number, writer: string, members: readonly EntryMember[]): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: LOG_KEY },
    sk: { N: String(commit) },
    w: { S: writer },
    m: { L: members.map(memberAttribute) },
  };
  members.forEach((_, index) => (item[`st${index}`] = { S: 'pending' }));
  return item;
}

function decodeEvents(value: AttributeValue | undefined): (LoadedEvent | undefined)[] {
  // `x`: erased by a delete or truncate (stream-lifecycle.ts); it keeps its place, so versions stay right.
  const events = JSON.parse(str(value)) as { i: string; t: string; d: LoadedEvent['data']; m: LoadedEvent['metadata']; x?: 1 }[];
  return events.map((e) => (e.x === 1 ? undefined : { id: e.i, type: e.t, data: e.d, metadata: e.m }));
}

/** A member's events as a writer would have stored them: for a reader finishing a dead writer's append. */
export function toStored(events: readonly LoadedEvent[]): StoredEvent[] {
  return events.map((e) => ({ id: e.id, type: e.type, dataJson: JSON.stringify(e.data), metadataJson: JSON.stringify(e.metadata) }));
}

export function decodeLogEntry(item: Record<string, AttributeValue>): LogEntry {
  const commit = num(item.sk);
  return {
    commit,
    writer: item.w?.S ?? '',
    members: (item.m?.L ?? []).map((value, index) => {
      const m = value.M ?? {};
      const state = item[`st${index}`]?.S;
      if (state !== 'pending' && state !== 'committed' && state !== 'void') throw new Error(`log entry ${commit}, member ${index} has state '${state}'`);
      return { index, state, streamId: str(m.s), slot: num(m.v), offset: num(m.o), recordedAt: str(m.at), events: decodeEvents(m.ev) };
    }),
  };
}

function toRecorded(streamId: string, stored: LoadedEvent, streamVersion: number, globalPosition: bigint, recordedAt: string): RecordedEvent {
  return {
    id: stored.id,
    streamId,
    type: stored.type,
    data: stored.data,
    metadata: stored.metadata,
    streamVersion,
    globalPosition,
    recordedAt: new Date(recordedAt),
  };
}

/** The i-th event of a committed member of entry `commit`. */
export function logEventToRecorded(commit: number, member: LogMember, stored: LoadedEvent, i: number): RecordedEvent {
  return toRecorded(member.streamId, stored, member.slot + i, packPosition(commit, member.offset + i), member.recordedAt);
}

export function decodeCommitItem(streamId: string, item: Record<string, AttributeValue>): RecordedEvent[] {
  const first = num(item.sk);
  const commit = num(item.c);
  const offset = num(item.o);
  const at = str(item.at);
  return decodeEvents(item.ev).flatMap((stored, index) => (stored ? [toRecorded(streamId, stored, first + index, packPosition(commit, offset + index), at)] : []));
}

export function num(value: AttributeValue | undefined): number {
  const n = Number(value?.N);
  if (value?.N === undefined || !Number.isSafeInteger(n)) throw new Error(`expected a whole number attribute, got ${JSON.stringify(value)}`);
  return n;
}

export function str(value: AttributeValue | undefined): string {
  if (value?.S === undefined) throw new Error(`expected a string attribute, got ${JSON.stringify(value)}`);
  return value.S;
}

/** The `$all-stable` item: the number below which every log entry is decided (log-reader.ts). */
export const STABLE_ITEM_KEY: Record<string, AttributeValue> = { pk: { S: STABLE_KEY }, sk: { N: '0' } };

/**
 * Moves the stable point to `commit`, never back: a writer of the point that finds it already further
 * (another reader moved it) gets ConditionalCheckFailed, which it may ignore.
 */
export function advanceStablePoint(tableName: string, commit: number): UpdateItemCommandInput {
  return {
    TableName: tableName,
    Key: STABLE_ITEM_KEY,
    UpdateExpression: 'SET #c = :c',
    ConditionExpression: 'attribute_not_exists(pk) OR #c < :c',
    ExpressionAttributeNames: { '#c': 'c' },
    ExpressionAttributeValues: { ':c': { N: String(commit) } },
  };
}
