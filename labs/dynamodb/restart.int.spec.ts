/**
 * dynalite on LevelDB files restarts on its data: what the restart drills need (RunningBackend.restart).
 * In memory it has nothing to restart on, and says so by having no restart at all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../core/index.ts';
import { startDynamoDb, type RunningDynamoDb } from '../runtime/dynamodb.ts';
import { DynamoDbEventStore } from './dynamodb-store.ts';

void describe('dynalite restarted on its data under a live subscriber', () => {
  let server: RunningDynamoDb;
  let store: DynamoDbEventStore;

  before(async () => {
    server = await startDynamoDb({ persistent: true, endpoint: undefined });
    store = await DynamoDbEventStore.connect({ endpoint: server.endpoint, tableName: `restart-${randomUUID().slice(0, 8)}`, ensureTable: true });
  });

  after(async () => {
    await store?.close();
    await server?.stop();
  });

  // Its own dynalite (endpoint: undefined), whatever DYNAMODB_ENDPOINT says: it stops and starts it.
  test('in memory there is no restart; on files the table, the events and the subscription survive one', async () => {
    const inMemory = await startDynamoDb({ endpoint: undefined });
    try {
      assert.equal(inMemory.restart, undefined, 'dynalite in memory cannot restart on its data');
    } finally {
      await inMemory.stop();
    }
    assert.ok(server.restart, 'dynalite on LevelDB files can restart');

    const streamId = `s-${randomUUID()}`;
    const received: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({ pollIntervalMs: 50, retryUnavailableForMs: 20_000 });
    const reading = (async () => {
      for await (const event of subscription) {
        received.push(event);
        if (received.length === 10) break;
      }
    })();
    for (let i = 0; i < 5; i++) await store.appendToStream(streamId, [{ type: 'Before', data: i }], { expectedVersion: i === 0 ? 'no_stream' : i - 1 });
    await server.restart({ downMs: 500 });
    for (let i = 5; i < 10; i++) await store.appendToStream(streamId, [{ type: 'After', data: i }], { expectedVersion: i - 1 });
    await reading;

    assert.deepEqual((await store.readStream(streamId)).map((e) => e.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the events written before the restart are still there');
    assert.deepEqual(received.map((e) => e.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the subscriber got every event once, in order');
    assert.ok(subscription.stats.outages >= 1, `the subscription saw the outage (outages: ${subscription.stats.outages})`);
  });
});
