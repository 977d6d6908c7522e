/**
 * Retention by age on DynamoDB is Time to Live: enable it on a number attribute (epoch seconds) with
 * UpdateTimeToLive, and DynamoDB deletes items whose value lies in the past — in the background, for
 * free, EVENTUALLY: best effort, "typically within two days of expiration" (the UpdateTimeToLive API
 * reference), and until then an expired item is still returned by reads, queries and scans (filter on the
 * attribute to hide it); enabling TTL itself takes up to an hour to process. Deleted items go to the
 * table's stream as service deletions. (developerguide/TTL.html, ttl-expired-items.html,
 * APIReference/API_UpdateTimeToLive.html.)
 *
 * What this demo measures, on whatever endpoint it is given: a table, an item whose TTL attribute lies
 * 60 s in the past, then UpdateTimeToLive on that attribute, DescribeTimeToLive, and after a short wait
 * whether the item is still there. dynalite (the lab's in-memory default) implements only
 * DescribeTimeToLive, which always answers DISABLED; UpdateTimeToLive is refused as an unknown operation,
 * so retention by age is NOT SHOWN on the emulator: the demo reports the refusal instead of pretending.
 * On DynamoDB Local or AWS (DYNAMODB_ENDPOINT) it reports the status the endpoint gives (ENABLING,
 * ENABLED); the deletion itself is not waited for (days on AWS).
 */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { errorName } from './errors.ts';
import { ensureTable } from './table.ts';

export interface TtlDemoResult {
  table: string;
  /** UpdateTimeToLive: accepted (with the status it answered), or refused (with the error's name and message). */
  update: { accepted: true; status: string | undefined } | { accepted: false; error: string; message: string };
  /** DescribeTimeToLive afterwards. */
  describedStatus: string | undefined;
  /** The item whose TTL lay in the past, read with a strongly consistent GetItem after `waitedMs`. */
  expiredItemStillThere: boolean;
  waitedMs: number;
}

export async function runTtlDemo(client: DynamoDBClient, options: { waitMs?: number } = {}): Promise<TtlDemoResult> {
  const table = `ttl-demo-${randomUUID().slice(0, 8)}`;
  const waitMs = options.waitMs ?? 3_000;
  await ensureTable(client, table);
  try {
    const expiredAt = Math.floor(Date.now() / 1000) - 60;
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'ledger' }, sk: { N: '0' }, expiresAt: { N: String(expiredAt) } } }));
    let update: TtlDemoResult['update'];
    try {
      const answer = await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }));
      update = { accepted: true, status: answer.TimeToLiveSpecification?.Enabled ? 'Enabled: true' : undefined };
    } catch (error) {
      update = { accepted: false, error: errorName(error) ?? 'unknown', message: error instanceof Error ? error.message : String(error) };
    }
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'ledger' }, sk: { N: '0' } }, ConsistentRead: true }));
    return { table, update, describedStatus: TimeToLiveDescription?.TimeToLiveStatus, expiredItemStillThere: Item !== undefined, waitedMs: waitMs };
  } finally {
    await client.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
  }
}
