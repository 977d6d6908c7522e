/**
 * The raw-driver baseline for EventStoreDB: the same logical writes and reads done the simplest way with
 * `@eventstore/db-client`, one client as the store has.
 * - append: ONE `appendToStream(stream, jsonEvents, { expectedRevision: ANY })`: the server still writes
 *   the batch atomically, but nothing is checked, no ids are looked up and no position is read back
 *   (the store does both: labs/eventstoredb/eventstoredb-store.ts).
 * - readStream: one forward `readStream`, collected (a missing stream counts 0).
 * - readAllPage: ONE forward `readAll` of `$all` from a position, never more. The cursor is the last
 *   record's (commit, prepare) position; the server's start is inclusive, so the next page asks one record
 *   more and drops the one at the cursor. Only application events are counted: `$all` also holds the
 *   server's own (`$`-prefixed streams and types, e.g. projection link events), which the store skips by
 *   reading further to fill its page. The baseline does not: one server read per page is its cost.
 * Its streams are named after the raw run's own id (`bench-<run>-raw-<n>`), apart from the store's.
 */
import { ANY, EventStoreDBClient, FORWARDS, START, StreamNotFoundError, jsonEvent, type Position } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import type { BenchTarget, ReadAllPage } from '../targets/target.ts';
import type { Baseline } from './baseline.ts';

function connectionString(env: Record<string, string>): string {
  const value = env.EVENTSTORE_CONNECTION_STRING;
  if (!value) throw new Error('the EventStoreDB baseline needs EVENTSTORE_CONNECTION_STRING from the running backend');
  return value;
}

/** A `$all` position as an opaque cursor: `<commit>/<prepare>`, both decimal (they are unsigned 64-bit). */
export function encodeCursor(position: Position): string {
  return `${position.commit.toString()}/${position.prepare.toString()}`;
}

export function decodeCursor(cursor: string): Position {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(cursor);
  const commit = match ? BigInt(match[1]!) : -1n;
  const prepare = match ? BigInt(match[2]!) : -1n;
  const max = (1n << 64n) - 1n;
  if (commit < 0n || prepare < 0n || commit > max || prepare > max) throw new RangeError(`Not an EventStoreDB baseline cursor: ${JSON.stringify(cursor)}`);
  return { commit, prepare };
}

/** What a page needs of each record `readAll` returned. */
export interface AllRecord {
  position: Position | undefined;
  streamId: string;
  type: string;
}

/**
 * The page made of what one `readAll` returned for `asked` records from `cursor` (inclusive): the record at
 * the cursor was on the previous page and is dropped; system records are read but not counted; a short
 * read means the end of `$all`.
 */
export function pageOf(records: readonly AllRecord[], cursor: Position | undefined, asked: number): ReadAllPage {
  const first = records[0]?.position;
  const fresh = cursor && first && first.commit === cursor.commit && first.prepare === cursor.prepare ? records.slice(1) : records;
  const count = fresh.filter((r) => !r.streamId.startsWith('$') && !r.type.startsWith('$')).length;
  if (records.length < asked) return { count, next: undefined };
  const last = records.at(-1)?.position;
  if (!last) throw new Error('EventStoreDB did not report the $all position of a record: the server is older than 22.6');
  return { count, next: encodeCursor(last) };
}

export async function createEventStoreDbBaseline(env: Record<string, string>): Promise<BenchTarget> {
  const client = EventStoreDBClient.connectionString(connectionString(env));
  return {
    label: 'eventstoredb (raw client)',
    backend: 'eventstoredb',
    kind: 'raw',
    unsupported: {
      subscriptions: 'the raw baseline has no subscriptions',
      'optimistic-concurrency': 'the raw baseline appends with expected revision `any`',
    },
    async append(streamId, events) {
      const result = await client.appendToStream(
        streamId,
        // The client types JSON data as object | array | string; it stringifies any JSON value the same way.
        events.map((e) => jsonEvent({ id: e.id ?? randomUUID(), type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata ?? {} })),
        { expectedRevision: ANY },
      );
      return { nextExpectedVersion: Number(result.nextExpectedRevision) };
    },
    async readStream(streamId) {
      let count = 0;
      try {
        for await (const _event of client.readStream(streamId, { direction: FORWARDS, fromRevision: START })) count++;
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      return count;
    },
    async readAllPage(cursor, maxCount) {
      const from = cursor === undefined ? undefined : decodeCursor(cursor);
      const asked = from ? maxCount + 1 : maxCount;
      const records: AllRecord[] = [];
      for await (const resolved of client.readAll({ direction: FORWARDS, fromPosition: from ?? START, maxCount: asked })) {
        const event = resolved.event;
        records.push({ position: event?.position, streamId: event?.streamId ?? '$unresolved', type: event?.type ?? '$unresolved' });
      }
      return pageOf(records, from, asked);
    },
    close: () => client.dispose(),
  };
}

export const eventstoredbBaseline: Baseline = {
  server: 'eventstoredb',
  label: 'eventstoredb (raw client)',
  description: 'one appendToStream per append with expected revision any (no id lookup, no position read back), readStream collected, one readAll per page of $all',
  create: createEventStoreDbBaseline,
  async serverVersion(env) {
    const client = EventStoreDBClient.connectionString(connectionString(env));
    try {
      // The client asks the server's ServerFeatures service once per connection and keeps the answer in
      // a protected getter; it is the version the server itself reports.
      const features = await (client as unknown as { capabilities: Promise<{ serverVersion: string }> }).capabilities;
      return `EventStoreDB ${features.serverVersion}`;
    } finally {
      await client.dispose();
    }
  },
};
