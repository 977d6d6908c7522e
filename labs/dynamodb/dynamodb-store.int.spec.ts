/**
 * The properties only this design has, against a real DynamoDB API (dynalite unless DYNAMODB_ENDPOINT):
 * the log stays gap-free with several writers, appends arriving together share a log entry, writers
 * that die mid-append do not make readers of $all skip or hang, and the round trips per append are what
 * docs/labs/dynamodb.md says.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidSnapshotError, WrongExpectedVersionError, validateEvents, type NewEvent } from '../core/index.ts';
import { startDynamoDb, type RunningDynamoDb } from '../runtime/dynamodb.ts';
import { createDynamoDbClient } from './client.ts';
import { BatchTooLargeError } from './errors.ts';
import { commitItem, logEntryItem, prepareBatch } from './items.ts';
import { LOG_KEY, unpackPosition } from './keys.ts';
import { READER_MARKS_AFTER_MS } from './log-reader.ts';
import { DYNAMODB_LIMITS, DynamoDbEventStore } from './dynamodb-store.ts';

const TABLE = `event-store-int-${randomUUID().slice(0, 8)}`;
const ABANDON_AFTER_MS = 400;
/** Ids left to the store, as most callers do (a caller-chosen id makes the append check for a retry). */
const event = (data: number): NewEvent => ({ type: 'Noted', data });

void describe('DynamoDB store: group commit, dead writers, sizes and costs', () => {
  let server: RunningDynamoDb;
  let store: DynamoDbEventStore;
  let raw: DynamoDBClient;

  before(async () => {
    server = await startDynamoDb();
    store = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: TABLE, ensureTable: true, abandonAfterMs: ABANDON_AFTER_MS });
    raw = createDynamoDbClient(server.endpoint);
  });

  after(async () => {
    raw.destroy();
    await store.close();
    await server.stop();
  });

  async function readAllAfter(position: bigint) {
    return store.readAll({ fromPosition: position + 1n });
  }

  async function logNumbers(): Promise<number[]> {
    const numbers: number[] = [];
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await raw.send(
        new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: LOG_KEY } }, ProjectionExpression: 'sk', ConsistentRead: true, ExclusiveStartKey: start }),
      );
      numbers.push(...(page.Items ?? []).map((item) => Number(item.sk!.N)));
      start = page.LastEvaluatedKey;
    } while (start);
    return numbers;
  }

  /** A writer that put its log entry at the next number and died before its commit items. */
  async function writeEntryAndDie(streamId: string, slot: number, data: number[]): Promise<number> {
    const numbers = await logNumbers();
    const commit = (numbers.at(-1) ?? 0) + 1;
    const batch = prepareBatch(streamId, validateEvents(data.map(event), DYNAMODB_LIMITS, 'dynamodb'));
    await raw.send(new PutItemCommand({ TableName: TABLE, Item: logEntryItem(commit, 'dead-writer', [{ batch, slot, offset: 0 }]), ConditionExpression: 'attribute_not_exists(pk)' }));
    return commit;
  }

  test('appends arriving together share a log entry, and every one is delivered once, in order', async () => {
    const before = store.groupCommitStats;
    const start = await store.appendToStream(`s-${randomUUID()}`, [event(-1)]);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.appendToStream(`g-${i}-${randomUUID()}`, [event(i), event(i + 100)])));
    const after = store.groupCommitStats;
    assert.ok(after.entries - before.entries < 31, `31 appends took ${after.entries - before.entries} log entries: they must be grouped`);
    const positions = results.map((r) => r.globalPosition);
    assert.equal(new Set(positions).size, 30, 'no two appends share a position');
    const page = await store.readAll({ fromPosition: start.globalPosition + 1n, maxCount: 1000 });
    assert.equal(page.length, 60, 'every event of every append, once');
    for (let i = 1; i < page.length; i++) assert.ok(page[i]!.globalPosition > page[i - 1]!.globalPosition, 'in position order');
    for (const r of results) assert.ok(page.some((e) => e.globalPosition === r.globalPosition), 'each append result names a delivered position');
  });

  test('stores of one process share one log writer: their appends share entries instead of racing for numbers', async () => {
    const second = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: TABLE });
    try {
      const before = store.groupCommitStats;
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? store : second).appendToStream(`p-${i}-${randomUUID()}`, [event(i)])));
      const after = second.groupCommitStats;
      assert.equal(after.members - before.members, 16, 'both stores placed their appends in the same group commit');
      assert.ok(after.entries - before.entries < 16, `16 appends from two stores took ${after.entries - before.entries} entries: they must be grouped`);
      assert.equal(after.lostRaces, before.lostRaces, 'no store lost a log number to the other');
      assert.equal(new Set(results.map((r) => r.globalPosition)).size, 16);
    } finally {
      await second.close();
    }
    await store.appendToStream(`s-${randomUUID()}`, [event(0)]); // closing one store leaves the shared writer to the other
  });

  test('two writers (two clients, two group commits) keep the log gap-free and lose nothing', async () => {
    // A log writer of its own, as a store in another process has: the two race for every log number.
    const other = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: TABLE, abandonAfterMs: ABANDON_AFTER_MS, shareLogWriter: false });
    try {
      const start = await store.appendToStream(`s-${randomUUID()}`, [event(0)]);
      const writes = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? store : other).appendToStream(`w-${i % 5}-${TABLE}`, [event(i)]));
      const results = await Promise.all(writes);
      await Promise.all([store.idle(), other.idle()]);
      const numbers = await logNumbers();
      numbers.forEach((n, i) => assert.equal(n, i + 1, `log entry ${i + 1} exists: the log has no hole`));
      const page = await store.readAll({ fromPosition: start.globalPosition + 1n, maxCount: 1000 });
      assert.deepEqual(page.map((e) => e.data).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 40 }, (_, i) => i), 'all 40 appends, once each');
      assert.deepEqual(page.map((e) => e.globalPosition), [...results.map((r) => r.globalPosition)].sort((a, b) => (a < b ? -1 : 1)));
    } finally {
      await other.close();
    }
  });

  test('an entry whose writer died before its commit item is completed by the reader, exactly once', async () => {
    const streamId = `s-${randomUUID()}`;
    const first = await store.appendToStream(streamId, [event(10)]);
    await store.idle();
    const dead = await writeEntryAndDie(streamId, 1, [11, 12]);
    const next = await store.appendToStream(`s-${randomUUID()}`, [event(13)]);
    assert.ok(unpackPosition(next.globalPosition).commit > dead, 'the live writer found the dead one\'s entry and wrote after it');

    assert.deepEqual((await readAllAfter(first.globalPosition)).map((e) => e.data), [], 'a young pending member holds the reader back');
    await new Promise((r) => setTimeout(r, ABANDON_AFTER_MS + 50));
    const page = await readAllAfter(first.globalPosition);
    assert.deepEqual(page.map((e) => e.data), [11, 12, 13], 'the member was rolled forward, in its place in the log');
    assert.deepEqual((await store.readStream(streamId)).map((e) => e.streamVersion), [0, 1, 2], 'and its commit item is in the stream');
    assert.equal(page.at(-1)!.globalPosition, next.globalPosition);
  });

  test('a member whose slot another writer took is void at once, not delivered', async () => {
    const streamId = `s-${randomUUID()}`;
    const first = await store.appendToStream(streamId, [event(20)]);
    await store.idle();
    await writeEntryAndDie(streamId, 1, [21]);
    await store.appendToStream(streamId, [event(22)], { expectedVersion: 0 }); // takes slot 1
    // No waiting: the slot already answers for the dead member (it holds another append).
    assert.deepEqual((await readAllAfter(first.globalPosition)).map((e) => e.data), [22], 'the dead member is void at once, the winner delivered');
    assert.deepEqual((await store.readStream(streamId)).map((e) => e.data), [20, 22]);
  });

  test('round trips per append: 3 when the slot is known, +1 read when it is not, 1 for a stale version', async () => {
    const streamId = `s-${randomUUID()}`;
    const count = async (action: () => Promise<unknown>) => {
      await store.idle();
      const before = store.requests.total;
      await action();
      await store.idle();
      return store.requests.total - before;
    };
    assert.equal(await count(() => store.appendToStream(streamId, [event(1)], { expectedVersion: 'no_stream' })), 3, 'log entry, commit item, mark (in the background)');
    assert.equal(await count(() => store.appendToStream(streamId, [event(2), event(3)], { expectedVersion: 0 })), 3, 'this store knows version 0 is the tail');
    assert.equal(await count(() => store.appendToStream(streamId, [event(4)])), 3);
    assert.equal(await count(() => store.appendToStream(streamId, [{ ...event(5), id: randomUUID() }])), 4, 'ids chosen by the caller: read the stream first (idempotency)');
    const stale = () => assert.rejects(store.appendToStream(streamId, [event(6)], { expectedVersion: 0 }), WrongExpectedVersionError);
    assert.equal(await count(stale), 1, 'a stale version fails with WrongExpectedVersion on the read alone');
    const other = `s-${randomUUID()}`;
    await store.appendToStream(other, [event(7)]);
    const fresh = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: TABLE, shareLogWriter: false });
    try {
      const before = fresh.requests.total;
      await fresh.appendToStream(other, [event(8)], { expectedVersion: 0 });
      await fresh.idle();
      assert.equal(fresh.requests.total - before, 5, 'a store that never saw the stream reads it, and first finds where the log ends');
    } finally {
      await fresh.close();
    }
  });

  test('a reader in the writing process reads its appends at once, before their marks, without a slot lookup', async () => {
    const start = await store.appendToStream(`s-${randomUUID()}`, [event(60)]);
    await store.idle();
    const lookups = () => store.requests.byOperation.get('BatchGetItem slots') ?? 0;
    const before = lookups();
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.appendToStream(`o-${i}-${randomUUID()}`, [event(61 + i)])));
    // No idle(): the marks may still be in flight. The log writer of this process knows the outcomes.
    assert.equal((await readAllAfter(start.globalPosition)).length, 12, 'every append that returned is read back');
    assert.equal(lookups(), before, 'no slot lookup for entries of this process');
  });

  test('writers mark their entries; an entry not marked yet is decided from its slots at once, and marked', async () => {
    const start = await store.appendToStream(`s-${randomUUID()}`, [event(30)]);
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.appendToStream(`m-${i}-${randomUUID()}`, [event(31 + i)])));
    await store.idle();
    const lookups = () => store.requests.byOperation.get('BatchGetItem slots') ?? 0;
    let before = lookups();
    assert.equal((await readAllAfter(start.globalPosition)).length, 12);
    assert.equal(lookups(), before, 'the writer marked its entries: no lookup');

    // Writers that put their entry and their commit item and died before marking: one that stamped its
    // batch long ago, then one that stamped it just now.
    const unmarked = async (after: bigint, stampedAgoMs: number, data: number) => {
      const prepared = prepareBatch(`s-${randomUUID()}`, validateEvents([event(data)], DYNAMODB_LIMITS, 'dynamodb'));
      const batch = { ...prepared, recordedAt: new Date(Date.now() - stampedAgoMs).toISOString() };
      const commit = unpackPosition(after).commit + 1;
      await raw.send(new PutItemCommand({ TableName: TABLE, Item: logEntryItem(commit, 'unmarked-writer', [{ batch, slot: 0, offset: 0 }]) }));
      await raw.send(new PutItemCommand({ TableName: TABLE, Item: commitItem(batch, 0, commit, 0) }));
    };
    const last = (await readAllAfter(start.globalPosition)).at(-1)!;
    await unmarked(last.globalPosition, READER_MARKS_AFTER_MS + 1000, 50);
    before = lookups();
    const old = await readAllAfter(last.globalPosition);
    assert.deepEqual(old.map((e) => e.data), [50], 'delivered at once, without the timeout');
    assert.ok(lookups() > before, 'decided by a lookup of the slot');
    await store.idle();
    before = lookups();
    assert.deepEqual((await readAllAfter(last.globalPosition)).map((e) => e.data), [50]);
    assert.equal(lookups(), before, 'the reader marked the old entry: the next read needed no lookup');

    await unmarked(old[0]!.globalPosition, 0, 51);
    assert.deepEqual((await readAllAfter(old[0]!.globalPosition)).map((e) => e.data), [51], 'a young unmarked entry is delivered at once too');
    await store.idle();
    before = lookups();
    assert.deepEqual((await readAllAfter(old[0]!.globalPosition)).map((e) => e.data), [51]);
    assert.ok(lookups() > before, 'a young entry is left to its own writer to mark: readers add no write to the hot log partition');
  });

  test('the largest accepted snapshot fits its item with the longest stream id; one byte more is InvalidSnapshotError', async () => {
    const streamId = '漢'.repeat(DYNAMODB_LIMITS.maxStreamIdLength); // 3 bytes each in UTF-8
    const state = 'x'.repeat(DYNAMODB_LIMITS.maxSnapshotBytes - 2); // its JSON adds the two quotes
    await store.snapshots.save(streamId, { streamVersion: 7, schemaVersion: 1, state });
    assert.equal((await store.snapshots.load(streamId))?.state, state, 'stored and read back whole');
    await assert.rejects(store.snapshots.save(streamId, { streamVersion: 8, schemaVersion: 1, state: `${state}x` }), InvalidSnapshotError);
    assert.equal((await store.snapshots.load(streamId))?.streamVersion, 7, 'nothing was written');
  });

  test('the largest accepted event is stored and read back; a batch past 400 KB is a typed error', async () => {
    const streamId = `s-${randomUUID()}`;
    const overhead = Buffer.byteLength(JSON.stringify({ type: 'Big', data: '', metadata: {} }));
    const data = 'é'.repeat((DYNAMODB_LIMITS.maxEventBytes - overhead) / 2);
    await store.appendToStream(streamId, [{ id: randomUUID(), type: 'Big', data }]);
    assert.equal((await store.readStream(streamId))[0]!.data, data);
    await assert.rejects(
      store.appendToStream(streamId, [{ type: 'Big', data: 'x'.repeat(300_000) }, { type: 'Big', data: 'y'.repeat(300_000) }]),
      BatchTooLargeError,
    );
    assert.equal((await store.readStream(streamId)).length, 1, 'nothing was written');
  });
});
