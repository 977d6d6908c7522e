/**
 * The DynamoDB growth filler writes a table the store reads as its own (benchmarks/growth/dynamodb.ts):
 * on a dynalite of this test's own, every filled stream reads back its events in version order, `$all`
 * delivers each filled event once in position order, an append continues a filled stream at its next
 * version (and a stale expected version is refused), and the count follows what the store holds; the
 * `$all` stable point is moved over a fill only when everything before it is decided.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { uuidV7, WrongExpectedVersionError } from '../../labs/core/index.ts';
import { DEFAULT_TABLE, dynamoDbClientConfig, LOG_KEY, logEntryItem, STABLE_KEY } from '../../labs/dynamodb/index.ts';
import { DynamoDbEventStore } from '../../labs/dynamodb/dynamodb-store.ts';
import { startDynamoDb, type RunningDynamoDb } from '../../labs/runtime/dynamodb.ts';
import { dynamodbFiller } from './dynamodb.ts';
import type { GrowthStorage } from './storage.ts';

let server: RunningDynamoDb;
let storage: GrowthStorage;

before(async () => {
  server = await startDynamoDb({ endpoint: undefined });
  storage = await dynamodbFiller.store({ DYNAMODB_ENDPOINT: server.endpoint });
});

after(async () => {
  await storage?.close();
  await server?.stop();
});

test('a filled DynamoDB table is one the store reads, continues and counts as its own', async () => {
  assert.equal(await storage.count(), 0);
  const progress: number[] = [];
  // 95 events: nine streams of 10, then one of 5 (the last chunk comes out exact).
  await storage.fill(95, { prefix: 'filled-', onProgress: (n) => progress.push(n), signal: new AbortController().signal });
  assert.equal(progress.at(-1), 95);
  assert.equal(await storage.count(), 95);

  const store = await DynamoDbEventStore.connect({ endpoint: server.endpoint });
  try {
    const first = await store.readStream('filled-0');
    assert.deepEqual(first.map((e) => e.streamVersion), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(first.map((e) => (e.data as { k: number }).k), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'each event holds its own payload');
    assert.equal((await store.readStream('filled-9')).length, 5);

    const all = await store.readAll({ fromPosition: 0n, maxCount: 1000 });
    assert.equal(all.length, 95);
    assert.equal(new Set(all.map((e) => e.id)).size, 95, 'every event once');
    assert.ok(all.every((e, i) => i === 0 || e.globalPosition > all[i - 1]!.globalPosition), '$all in position order');

    const next = await store.appendToStream('filled-0', [{ type: 'After', data: { n: 1 } }], { expectedVersion: 9 });
    assert.equal(next.nextExpectedVersion, 10);
    await assert.rejects(store.appendToStream('filled-0', [{ type: 'Stale', data: {} }], { expectedVersion: 5 }), WrongExpectedVersionError);
  } finally {
    await store.close();
  }
  assert.equal(await storage.count(), 96, 'the count includes what the store appended after the fill');
  const disk = await storage.disk();
  assert.ok(disk.bytes !== null && disk.bytes > 96 * 250, `${disk.bytes} bytes for 96 events`);
});

test('a new storage counts a filled table from scratch, paging through the log', async () => {
  // 2,400 events more: 120 log entries, more than one page of the count's query.
  await storage.fill(2_400, { prefix: 'paged-', onProgress: () => {}, signal: new AbortController().signal });
  const fresh = await dynamodbFiller.store({ DYNAMODB_ENDPOINT: server.endpoint });
  try {
    assert.equal(await fresh.count(), 96 + 2_400);
    assert.equal(await storage.count(), 96 + 2_400, 'and the storage that filled it agrees');
  } finally {
    await fresh.close();
  }
});

test('a fill moves the $all stable point over its entries, and never past an entry still pending', async () => {
  const client = new DynamoDBClient(dynamoDbClientConfig(server.endpoint));
  const newest = async () =>
    Number(
      (await client.send(new QueryCommand({ TableName: DEFAULT_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: LOG_KEY } }, ScanIndexForward: false, Limit: 1, ConsistentRead: true })))
        .Items![0]!.sk!.N,
    );
  const stable = async () =>
    Number((await client.send(new GetItemCommand({ TableName: DEFAULT_TABLE, Key: { pk: { S: STABLE_KEY }, sk: { N: '0' } }, ConsistentRead: true }))).Item?.c?.N ?? 0);
  try {
    await storage.fill(200, { prefix: 'stable-', onProgress: () => {}, signal: new AbortController().signal });
    const filledThrough = await newest();
    assert.equal(await stable(), filledThrough, 'every entry is decided: a reader from the end may start at the newest');

    // An append whose writer died between its two writes: its log entry stays pending until a reader
    // decides it. A fill after it must not move the stable point past it.
    const pending = logEntryItem(filledThrough + 1, 'a-writer-that-died', [{ batch: { streamId: `pending-${uuidV7()}`, events: [], recordedAt: new Date().toISOString() }, slot: 0, offset: 0 }]);
    await client.send(new PutItemCommand({ TableName: DEFAULT_TABLE, Item: pending }));
    await storage.fill(40, { prefix: 'after-pending-', onProgress: () => {}, signal: new AbortController().signal });
    assert.equal(await newest(), filledThrough + 1 + 2, 'the fill went on after the pending entry (40 events: 2 entries)');
    assert.equal(await stable(), filledThrough, 'the stable point stayed before the pending entry');
    const disk = await storage.disk();
    assert.match(disk.note ?? '', /stable point was left behind after 1 fill/);
  } finally {
    client.destroy();
  }
});
