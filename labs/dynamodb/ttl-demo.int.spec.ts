/**
 * DynamoDB's retention by age (TTL), measured on the endpoint the tests use (labs/dynamodb/ttl-demo.ts).
 * On dynalite, the lab's default, UpdateTimeToLive is refused and DescribeTimeToLive always says
 * DISABLED: TTL is NOT SHOWN working there, and this test asserts exactly that (so that the day dynalite
 * implements it, the test says so instead of passing for nothing). On DynamoDB Local or AWS
 * (DYNAMODB_ENDPOINT) it asserts that the endpoint accepted TTL; the deletion itself is eventual (days on
 * AWS) and is not waited for.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDynamoDb, type RunningDynamoDb } from '../runtime/dynamodb.ts';
import { createDynamoDbClient } from './client.ts';
import { runTtlDemo } from './ttl-demo.ts';

let server: RunningDynamoDb;
before(async () => {
  server = await startDynamoDb();
});
after(async () => {
  await server.stop();
});

test('TTL on the test endpoint: refused by dynalite (not shown there), accepted by DynamoDB Local or AWS', { timeout: 60_000 }, async (t) => {
  const client = createDynamoDbClient(server.endpoint);
  try {
    const result = await runTtlDemo(client, { waitMs: 2_000 });
    t.diagnostic(`${server.description}: ${JSON.stringify(result)}`);
    if (server.origin === 'embedded') {
      assert.equal(result.update.accepted, false, 'dynalite refuses UpdateTimeToLive');
      if (!result.update.accepted) assert.equal(result.update.error, 'UnknownOperationException', result.update.message);
      assert.equal(result.describedStatus, 'DISABLED', 'and DescribeTimeToLive says DISABLED');
      assert.equal(result.expiredItemStillThere, true, 'an item whose TTL lay 60 s in the past is still there: nothing expires on dynalite');
    } else {
      assert.equal(result.update.accepted, true, `the endpoint accepts UpdateTimeToLive: ${JSON.stringify(result.update)}`);
      assert.ok(['ENABLING', 'ENABLED'].includes(result.describedStatus ?? ''), `DescribeTimeToLive: ${result.describedStatus}`);
    }
  } finally {
    client.destroy();
  }
});
