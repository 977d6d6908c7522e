/**
 * PITFALL DEMO. A DynamoDB event store written the way many tutorials write one:
 * - one item per event (pk = stream id, sk = version), versions computed client-side from a Query of
 *   the last version, then an UNCONDITIONAL BatchWriteItem: "optimistic concurrency" that is only a
 *   check-then-act in the client. Two writers that read the same version both write it; the second
 *   PutRequest silently overwrites the first: a lost update, and both callers are told they succeeded.
 *   (BatchWriteItem also takes at most 25 items and is not atomic: a batch of 50 is two requests.)
 * - no idempotency: a retried append is refused (the version moved) or written again;
 * - global order from a GSI on the writer's timestamp in milliseconds (`Date.now()`, taken when the
 *   events are built, as tutorials do), position = ms * 1000 + index in the batch. Timestamps are not
 *   unique: appends stamped in the same millisecond get the same positions, and a reader that resumes
 *   "after the last position" skips the ones it had not seen yet (or sees positions go backwards). A
 *   writer that stamped earlier can also commit later, after a reader passed its timestamp; across
 *   servers, clock skew adds to it. (GSIs are also eventually consistent on AWS; dynalite updates them
 *   at once, so that part is not what fails here.)
 * Same contract, same conformance suite; the fixes are in ../dynamodb-store.ts and ../table.ts.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_READ_ALL_PAGE,
  EventStoreBase,
  assertExpectedVersion,
  type AllPageRequest,
  type AppendResult,
  type CheckpointPort,
  type RecordedEvent,
  type Snapshot,
  type SnapshotPort,
  type RetentionPolicy,
  type StreamPageRequest,
  type ValidatedAppend,
  type UnsupportedCapabilities,
} from '../../core/index.ts';
import { createDynamoDbClient } from '../client.ts';
import { describeTableRetention } from '../retention.ts';
import { DYNAMODB_LIMITS } from '../dynamodb-store.ts';
import { errorName, isDynamoDbUnavailable, mapDynamoDbError } from '../errors.ts';
import { waitForActive } from '../table.ts';

export const NAIVE_TABLE = 'event-store-naive';
const TIME_INDEX = 'by-time';

/** The tutorial's table: events keyed by stream and version, plus a GSI on a timestamp for "all events". */
export async function ensureNaiveTable(endpoint: string, tableName = NAIVE_TABLE): Promise<void> {
  const client = createDynamoDbClient(endpoint);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'streamId', AttributeType: 'S' },
          { AttributeName: 'version', AttributeType: 'N' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'ts', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'streamId', KeyType: 'HASH' },
          { AttributeName: 'version', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: TIME_INDEX,
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'ts', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw mapDynamoDbError(error, 'CreateTable', tableName);
  } finally {
    // waitForActive needs a client too; a second short-lived one keeps this function self-contained.
    client.destroy();
  }
  const waiter = createDynamoDbClient(endpoint);
  try {
    await waitForActive(waiter, tableName, 60_000);
  } finally {
    waiter.destroy();
  }
}

/** The tutorial's clock: milliseconds since the epoch (the position is ms × 1000 + index in the batch). */
function nowMillis(): bigint {
  return BigInt(Date.now());
}

export class NaiveDynamoDbEventStore extends EventStoreBase {
  readonly backend = 'dynamodb-naive';
  // Not this twin's lesson: the tutorial it copies never deletes; the lab's store shows how (stream-lifecycle.ts).
  override readonly unsupported: UnsupportedCapabilities = {
    'stream-deletion': "not built in the naive twin (its lessons are concurrency and ordering); see the lab's store, labs/dynamodb/stream-lifecycle.ts",
    'stream-truncation': "not built in the naive twin (its lessons are concurrency and ordering); see the lab's store",
    'deletion-removes-from-all': 'not built in the naive twin: it cannot delete streams',
    'subject-keys': "not built in the naive twin (its lessons are concurrency and ordering); the lab's store keeps keys in labs/dynamodb/subject-keys.ts",
    'consumer-groups': "not part of this twin's lesson: a group reads $all, and this twin's timestamp-ordered $all skips events (read.all-no-skip); the lease table is the real store's",
    'consumer-groups-stream-order': 'no consumer groups (see consumer-groups)',
  };
  protected readonly checkpointPort: CheckpointPort;
  protected readonly snapshotPort: SnapshotPort;
  private readonly client: DynamoDBClient;

  constructor(endpoint: string, private readonly tableName = NAIVE_TABLE) {
    super(DYNAMODB_LIMITS);
    this.client = createDynamoDbClient(endpoint);
    this.checkpointPort = {
      load: async (id) => {
        const item = await this.get(`checkpoint#${id}`);
        return item?.p?.S ? BigInt(item.p.S) : undefined;
      },
      store: async (id, position) => {
        await this.put({ streamId: { S: `checkpoint#${id}` }, version: { N: '0' }, p: { S: position.toString() } });
      },
    };
    this.snapshotPort = {
      load: async (streamId) => {
        const item = await this.get(`snapshot#${streamId}`);
        return item?.state?.S ? (JSON.parse(item.state.S) as Snapshot) : undefined;
      },
      save: async (streamId, snapshot) => {
        await this.put({ streamId: { S: `snapshot#${streamId}` }, version: { N: '0' }, state: { S: JSON.stringify(snapshot) } });
      },
    };
  }

  protected retentionPort(): Promise<RetentionPolicy> {
    return describeTableRetention(this.client, this.tableName);
  }

  protected async appendValidated(input: ValidatedAppend): Promise<AppendResult> {
    // The tutorial stamps the events when it builds them, before it talks to the database.
    const createdAt = nowMillis();
    // "Optimistic concurrency": read the last version, compare in the client (the rule is right; that
    // nothing ties the check to the write below is the flaw)...
    const last = await this.lastVersion(input.streamId);
    assertExpectedVersion(input.streamId, input.expectedVersion, last);
    const first = last === undefined ? 0 : last + 1;
    // PITFALL(append.concurrent-writers, append.any-under-contention): ...then write without any condition,
    // 25 items per request (the BatchWriteItem maximum): racing writers overwrite each other.
    const requests: WriteRequest[] = input.events.map((e, i) => ({
      PutRequest: {
        Item: {
          streamId: { S: input.streamId },
          version: { N: String(first + i) },
          eventId: { S: e.id },
          type: { S: e.type },
          data: { S: e.dataJson },
          metadata: { S: e.metadataJson },
          createdAt: { S: new Date(Number(createdAt)).toISOString() },
          gsi1pk: { S: 'all' },
          ts: { N: (createdAt * 1000n + BigInt(i)).toString() },
        },
      },
    }));
    for (let i = 0; i < requests.length; i += 25) {
      let pending: WriteRequest[] = requests.slice(i, i + 25);
      while (pending.length > 0) {
        const result = await this.call('BatchWriteItem', () => this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })));
        pending = result.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
    return { nextExpectedVersion: first + input.events.length - 1, globalPosition: createdAt * 1000n + BigInt(input.events.length - 1) };
  }

  private async lastVersion(streamId: string): Promise<number | undefined> {
    const { Items } = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'streamId = :s',
          ExpressionAttributeValues: { ':s': { S: streamId } },
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    const version = Items?.[0]?.version?.N;
    return version === undefined ? undefined : Number(version);
  }

  protected async readStreamPage(streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
    const forward = direction === 'forward';
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: `streamId = :s AND version ${forward ? '>=' : '<='} :v`,
            ExpressionAttributeValues: { ':s': { S: streamId }, ':v': { N: String(fromVersion ?? (forward ? 0 : Number.MAX_SAFE_INTEGER)) } },
            ScanIndexForward: forward,
            Limit: maxCount,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (maxCount === undefined || items.length < maxCount));
    return items.slice(0, maxCount).map(toRecorded);
  }

  /** "All events" by the timestamp GSI: ordered by when writers stamped them, not when they committed. */
  protected async readAllPage({ direction, fromPosition, maxCount }: AllPageRequest): Promise<RecordedEvent[]> {
    const forward = direction === 'forward';
    const { Items } = await this.call('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TIME_INDEX,
          KeyConditionExpression: `gsi1pk = :all AND ts ${forward ? '>=' : '<='} :from`,
          ExpressionAttributeValues: {
            ':all': { S: 'all' },
            ':from': { N: (fromPosition ?? (forward ? 0n : 10n ** 30n)).toString() },
          },
          ScanIndexForward: forward,
          Limit: maxCount ?? DEFAULT_READ_ALL_PAGE,
        }),
      ),
    );
    return (Items ?? []).map(toRecorded);
  }

  protected override isUnavailable(error: unknown): boolean {
    return isDynamoDbUnavailable(error);
  }

  protected async closeResources(): Promise<void> {
    this.client.destroy();
  }

  private async get(key: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.call('GetItem', () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { streamId: { S: key }, version: { N: '0' } } })),
    );
    return Item;
  }

  private async put(item: Record<string, AttributeValue>): Promise<void> {
    await this.call('PutItem', () => this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })));
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapDynamoDbError(error, operation, this.tableName);
    }
  }
}

function toRecorded(item: Record<string, AttributeValue>): RecordedEvent {
  return {
    id: item.eventId?.S ?? '',
    streamId: item.streamId?.S ?? '',
    type: item.type?.S ?? '',
    data: JSON.parse(item.data?.S ?? 'null') as RecordedEvent['data'],
    metadata: JSON.parse(item.metadata?.S ?? '{}') as RecordedEvent['metadata'],
    streamVersion: Number(item.version?.N),
    globalPosition: BigInt(item.ts?.N ?? '0'),
    recordedAt: new Date(item.createdAt?.S ?? 0),
  };
}
