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
import type { BenchTarget } from '../targets/target.ts';
import type { Baseline } from './baseline.ts';
import { LocalVersions, RAW_BASELINE_UNSUPPORTED, appendWorkloadsOnly } from './baseline.ts';

const TABLE = 'bench-raw-events';
const CONDITIONAL_TABLE = 'bench-raw-conditional-events';

/**
 * The SDK client for a local endpoint, the simplest way (written here, not shared with the lab: a
 * baseline is the bare driver). Credentials from the environment when there are some, otherwise
 * placeholders, which an emulator accepts.
 */
function clientFor(endpoint: string): DynamoDBClient {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'workbench', secretAccessKey: 'workbench' } }),
    maxAttempts: 4,
  });
}

function endpointOf(env: Record<string, string>): string {
  const endpoint = env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('the DynamoDB baseline needs DYNAMODB_ENDPOINT from the running backend');
  return endpoint;
}

async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
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
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(100);
  }
  throw new Error(`table ${table} did not become ACTIVE`);
}

/**
 * `conditional`: each PutItem carries `attribute_not_exists(pk)`, so the item for (stream, first version)
 * is written only if no append took that version: the conditional write the store's optimistic
 * concurrency rests on, alone (versions are still counted here, so the condition always holds).
 */
export async function createDynamoDbBaseline(env: Record<string, string>, options: { conditional?: boolean } = {}): Promise<BenchTarget> {
  const conditional = options.conditional ?? false;
  const table = conditional ? CONDITIONAL_TABLE : TABLE;
  const client = clientFor(endpointOf(env));
  await ensureTable(client, table);
  const versions = new LocalVersions();
  return {
    label: conditional ? 'dynamodb (raw SDK, conditional)' : 'dynamodb (raw SDK)',
    backend: 'dynamodb',
    kind: 'raw',
    unsupported: RAW_BASELINE_UNSUPPORTED,
    async append(streamId, events) {
      const first = versions.claim(streamId, events.length);
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: streamId },
            sk: { N: String(first) },
            events: { S: JSON.stringify(events.map((e) => ({ id: e.id ?? randomUUID(), type: e.type, data: e.data, metadata: e.metadata ?? {} }))) },
            count: { N: String(events.length) },
            recordedAt: { S: new Date().toISOString() },
          },
          ...(conditional ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
        }),
      );
      return { nextExpectedVersion: first + events.length - 1 };
    },
    async readStream(streamId) {
      let count = 0;
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: streamId } }, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) count += (JSON.parse(item.events?.S ?? '[]') as unknown[]).length;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },
    async readAllPage(cursor, maxCount) {
      const page = await client.send(
        new ScanCommand({ TableName: table, Limit: maxCount, ExclusiveStartKey: cursor ? (JSON.parse(cursor) as Record<string, AttributeValue>) : undefined }),
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
  create: (env) => createDynamoDbBaseline(env),
  serverSettings: async (env) => ({
    endpoint: endpointOf(env),
    'store writes': 'a log entry then a conditional commit item per append (two writes in sequence), group commit of the log',
    'raw writes': 'one unconditional PutItem per append',
  }),
};

export const dynamodbConditionalBaseline: Baseline = {
  server: 'dynamodb',
  label: 'dynamodb (raw SDK, conditional)',
  description: 'one conditional PutItem per append (attribute_not_exists on the (stream, version) key: the write optimistic concurrency rests on), its own table; appends only',
  sameGuarantee: true,
  scope: appendWorkloadsOnly,
  create: (env) => createDynamoDbBaseline(env, { conditional: true }),
};
