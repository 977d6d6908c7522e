/**
 * DynamoDB's retention by age (TTL), measured on the endpoint the tests use (labs/dynamodb/ttl-demo.ts).
 * On dynalite, the lab's default, UpdateTimeToLive is refused and DescribeTimeToLive always says
 * DISABLED: TTL is NOT SHOWN working there, and this test asserts exactly that (so that the day dynalite
 * implements it, the test says so instead of passing for nothing). It starts a dynalite of its own,
 * whatever DYNAMODB_ENDPOINT says: the test run's shared endpoint is dynalite too, but started by another
 * process, so "external" does not mean "real DynamoDB" (CI failed on that). On DynamoDB Local or AWS,
 * `runTtlDemo` (ttl-demo.ts) would find TTL accepted, and the deletion eventual (days on AWS): not a test
 * here, since no such endpoint runs on these machines.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDynamoDb, type RunningDynamoDb } from '../runtime/dynamodb.ts';
import { createDynamoDbClient } from './client.ts';
import { runTtlDemo } from './ttl-demo.ts';

let server: RunningDynamoDb;
before(async () => {
  server = await startDynamoDb({ endpoint: undefined });
});
after(async () => {
  await server.stop();
});

test('TTL on dynalite: refused (not shown on the emulator), and an expired item stays', { timeout: 60_000 }, async (t) => {
  const client = createDynamoDbClient(server.endpoint);
  try {
    const result = await runTtlDemo(client, { waitMs: 2_000 });
    t.diagnostic(`${server.description}: ${JSON.stringify(result)}`);
    assert.equal(server.origin, 'embedded', 'the test runs on a dynalite of its own');
    assert.equal(result.update.accepted, false, 'dynalite refuses UpdateTimeToLive');
    if (!result.update.accepted) assert.equal(result.update.error, 'UnknownOperationException', result.update.message);
    assert.equal(result.describedStatus, 'DISABLED', 'and DescribeTimeToLive says DISABLED');
    assert.equal(result.expiredItemStillThere, true, 'an item whose TTL lay 60 s in the past is still there: nothing expires on dynalite');
  } finally {
    client.destroy();
  }
});
