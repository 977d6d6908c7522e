/**
 * The properties only this design has, against a real DynamoDB API (dynalite unless DYNAMODB_ENDPOINT):
 * writers that die mid-append do not make readers of $all skip or hang, and the round trips per
 * append are what docs/labs/dynamodb.md says.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { validateEvents, type NewEvent } from '../core/index.ts';
import { dynamoDbClientConfig, startDynamoDb, type RunningDynamoDb } from '../runtime/dynamodb.ts';
import { BatchTooLargeError } from './errors.ts';
import { COUNTER_KEY, LOG_KEY, unpackPosition } from './keys.ts';
import { DYNAMODB_LIMITS, DynamoDbEventStore, logIntentItem, prepareBatch } from './dynamodb-store.ts';

const TABLE = `event-store-int-${randomUUID().slice(0, 8)}`;
const ABANDON_AFTER_MS = 400;
const event = (data: number): NewEvent => ({ id: randomUUID(), type: 'Noted', data });

void describe('DynamoDB store: dead writers, sizes and costs', () => {
  let server: RunningDynamoDb;
  let store: DynamoDbEventStore;
  let raw: DynamoDBClient;

  before(async () => {
    server = await startDynamoDb();
    store = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: TABLE, ensureTable: true, abandonAfterMs: ABANDON_AFTER_MS });
    raw = new DynamoDBClient(dynamoDbClientConfig(server.endpoint));
  });

  after(async () => {
    raw.destroy();
    await store.close();
    await server.stop();
  });

  /** A writer that drew a commit number and died: returns the number. */
  async function drawAndDie(): Promise<number> {
    const drawn = await raw.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: COUNTER_KEY }, sk: { N: '0' } },
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(drawn.Attributes!.n!.N);
  }

  async function readAllAfter(position: bigint) {
    return store.readAll({ fromPosition: position + 1n });
  }

  test('a number drawn by a dead writer holds readers back, then is closed; the late writer cannot fill it', async () => {
    const start = await store.appendToStream(`s-${randomUUID()}`, [event(0)]);
    const dead = await drawAndDie();
    const later = await store.appendToStream(`s-${randomUUID()}`, [event(1)]);
    assert.ok(unpackPosition(later.globalPosition).commit > dead);

    assert.deepEqual(await readAllAfter(start.globalPosition), [], 'the reader does not pass the unresolved number');
    await new Promise((r) => setTimeout(r, ABANDON_AFTER_MS + 50));
    const page = await readAllAfter(start.globalPosition);
    assert.deepEqual(page.map((e) => e.data), [1], 'after the timeout the number is closed and the later event delivered');

    const closed = await raw.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: LOG_KEY }, sk: { N: String(dead) } }, ConsistentRead: true }));
    assert.equal(closed.Item?.st?.S, 'void');
    const batch = prepareBatch('late', validateEvents([event(2)], DYNAMODB_LIMITS, 'dynamodb'));
    await assert.rejects(
      raw.send(new PutItemCommand({ TableName: TABLE, Item: logIntentItem(batch, 0, dead, 'late-writer'), ConditionExpression: 'attribute_not_exists(pk)' })),
      (e: unknown) => e instanceof Error && e.name === 'ConditionalCheckFailedException',
      'a writer that was only slow loses the closed number (and would draw another)',
    );
  });

  test('an intent whose writer died before its commit item is completed by the reader, exactly once', async () => {
    const streamId = `s-${randomUUID()}`;
    const first = await store.appendToStream(streamId, [event(10)]);
    const dead = await drawAndDie();
    const batch = prepareBatch(streamId, validateEvents([event(11), event(12)], DYNAMODB_LIMITS, 'dynamodb'));
    await raw.send(new PutItemCommand({ TableName: TABLE, Item: logIntentItem(batch, 1, dead, 'dead-writer') }));
    const next = await store.appendToStream(`s-${randomUUID()}`, [event(13)]);

    assert.deepEqual((await readAllAfter(first.globalPosition)).map((e) => e.data), [], 'a young intent holds the reader back');
    await new Promise((r) => setTimeout(r, ABANDON_AFTER_MS + 50));
    const page = await readAllAfter(first.globalPosition);
    assert.deepEqual(page.map((e) => e.data), [11, 12, 13], 'the intent was rolled forward, in its place in the log');
    assert.deepEqual((await store.readStream(streamId)).map((e) => e.streamVersion), [0, 1, 2], 'and its commit item is in the stream');
    assert.equal(page.at(-1)!.globalPosition, next.globalPosition);
  });

  test('an intent whose slot another writer took is voided, not delivered', async () => {
    const streamId = `s-${randomUUID()}`;
    const first = await store.appendToStream(streamId, [event(20)]);
    const dead = await drawAndDie();
    const batch = prepareBatch(streamId, validateEvents([event(21)], DYNAMODB_LIMITS, 'dynamodb'));
    await raw.send(new PutItemCommand({ TableName: TABLE, Item: logIntentItem(batch, 1, dead, 'dead-writer') }));
    await store.appendToStream(streamId, [event(22)], { expectedVersion: 0 }); // takes slot 1
    assert.deepEqual(await readAllAfter(first.globalPosition), [], 'the pending intent holds the reader back (its clock starts now)');
    await new Promise((r) => setTimeout(r, ABANDON_AFTER_MS + 50));
    assert.deepEqual((await readAllAfter(first.globalPosition)).map((e) => e.data), [22]);
    assert.deepEqual((await store.readStream(streamId)).map((e) => e.data), [20, 22]);
  });

  test('round trips per append: 4 for a new stream, 5 at an expected version, 1 for a stale version', async () => {
    const streamId = `s-${randomUUID()}`;
    const count = async (action: () => Promise<unknown>) => {
      const before = store.requests.total;
      await action().catch(() => {});
      return store.requests.total - before;
    };
    assert.equal(await count(() => store.appendToStream(streamId, [event(1)], { expectedVersion: 'no_stream' })), 4);
    assert.equal(await count(() => store.appendToStream(streamId, [event(2), event(3)], { expectedVersion: 0 })), 5);
    assert.equal(await count(() => store.appendToStream(streamId, [event(4)])), 5);
    assert.equal(await count(() => store.appendToStream(streamId, [event(5)], { expectedVersion: 0 })), 1, 'a stale version fails on the read alone');
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
