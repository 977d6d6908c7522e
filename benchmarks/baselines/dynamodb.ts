/**
 * The raw-driver baseline for DynamoDB: the same logical writes done the simplest way with the AWS SDK.
 * An append is ONE unconditional PutItem of one item holding the batch (the lab store also keeps a batch
 * in one item, so the bytes written per append match), keyed (stream, first version) with versions
 * counted in this process: no condition, no read of the stream, no commit counter, no global log entry.
 * Reading a stream is one Query of its partition; "reading all" is a Scan page, the only order-free way
 * to read a whole table (DynamoDB has no global order: that is what the store pays to build).
 * Its own table (bench-raw-events) keeps it apart from the store's.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dynamoDbClientConfig } from '../../labs/runtime/dynamodb.ts';
import type { BenchTarget } from '../adapters/target.ts';
import type { Baseline } from './index.ts';
import { LocalVersions, RAW_BASELINE_UNSUPPORTED } from './raw.ts';

const TABLE = 'bench-raw-events';

function endpointOf(env: Record<string, string>): string {
  const endpoint = env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('the DynamoDB baseline needs DYNAMODB_ENDPOINT from the running backend');
  return endpoint;
}

async function ensureTable(client: DynamoDBClient): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(100);
  }
  throw new Error(`table ${TABLE} did not become ACTIVE`);
}

export async function createDynamoDbBaseline(env: Record<string, string>): Promise<BenchTarget> {
  const client = new DynamoDBClient(dynamoDbClientConfig(endpointOf(env)));
  await ensureTable(client);
  const versions = new LocalVersions();
  return {
    label: 'dynamodb (raw SDK)',
    backend: 'dynamodb',
    kind: 'raw',
    unsupported: RAW_BASELINE_UNSUPPORTED,
    async append(streamId, events) {
      const first = versions.claim(streamId, events.length);
      await client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: {
            pk: { S: streamId },
            sk: { N: String(first) },
            events: { S: JSON.stringify(events.map((e) => ({ id: e.id ?? randomUUID(), type: e.type, data: e.data, metadata: e.metadata ?? {} }))) },
            count: { N: String(events.length) },
            recordedAt: { S: new Date().toISOString() },
          },
        }),
      );
      return { nextExpectedVersion: first + events.length - 1 };
    },
    async readStream(streamId) {
      let count = 0;
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: streamId } }, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) count += (JSON.parse(item.events?.S ?? '[]') as unknown[]).length;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },
    async readAllPage(cursor, maxCount) {
      const page = await client.send(
        new ScanCommand({ TableName: TABLE, Limit: maxCount, ExclusiveStartKey: cursor ? (JSON.parse(cursor) as Record<string, AttributeValue>) : undefined }),
      );
      let count = 0;
      for (const item of page.Items ?? []) count += (JSON.parse(item.events?.S ?? '[]') as unknown[]).length;
      return { count, next: page.LastEvaluatedKey ? JSON.stringify(page.LastEvaluatedKey) : undefined };
    },
    close: async () => client.destroy(),
  };
}

export const dynamodbBaseline: Baseline = {
  server: 'dynamodb',
  label: 'dynamodb (raw SDK)',
  description: 'one unconditional PutItem per append (the batch in one item, as the store keeps it), Query per stream, Scan pages for "all"',
  create: createDynamoDbBaseline,
};
