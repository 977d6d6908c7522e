/**
 * Your DynamoDB event store: the file you grow, step by step, until it passes the whole conformance
 * suite. Each step's README (workshop/dynamodb/steps/) says which TODOs to fill; check your work with
 *   npm run workshop -- check dynamodb 01
 * and ask for a hint with
 *   npm run workshop -- hint dynamodb 01
 *
 * The contract you implement is `EventStore` in labs/core/event-store.ts. Validation, errors, the
 * subscription loop and the item codecs at the bottom of this file are given; the DynamoDB work (keys,
 * conditions, queries, the global order) is yours. The checker creates a fresh table for every check.
 *
 * The table (created for you by the checker; key schema pk: string, sk: number):
 *   pk                      sk              item
 *   stream#<streamId>       first version   COMMIT: one per append, the whole batch in one item
 *   $all                    commit number   LOG ENTRY: the batch again, in global order (TODO step 05: pending first)
 *   $counter                0               the atomic counter that hands out commit numbers
 *   snapshot#<streamId>     0               the latest snapshot of a stream
 *   checkpoint#<id>         0               a subscriber's position
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_READ_ALL_PAGE,
  DuplicateEventIdError,
  UnsupportedCapabilityError,
  WrongExpectedVersionError,
  createPollingSubscription,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type StoreLimits,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
  type ValidatedEvent,
} from '../../../labs/core/index.ts';
import {
  dynamoDbClientConfig,
  EVENTS_PER_COMMIT,
  isConditionalCheckFailed,
  mapDynamoDbError,
  packPosition,
  unpackPosition,
} from '../../../labs/dynamodb/index.ts';
import { parseConnection } from '../connection.ts';

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connection: string): Promise<EventStore> {
  return new WorkshopDynamoDbStore(connection);
}

/**
 * A DynamoDB item holds at most 400 KB, and one append is one item: an event may use at most 384 KiB of
 * JSON, and a batch that does not fit is refused by DynamoDB (ValidationException -> InvalidInputError).
 */
const LIMITS: StoreLimits = { maxEventBytes: 384 * 1024, maxStreamIdLength: 200, maxSnapshotBytes: 384 * 1024, nulInText: true };

/** One event inside a commit item or a log entry (short attribute names: every byte counts in 400 KB). */
interface StoredEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

/** A commit item: one append, stored in the stream's partition under the version of its first event. */
interface Commit {
  streamId: string;
  /** Version of the first event (the sort key). */
  first: number;
  /** The commit number it got from the counter (its place in $all). */
  commit: number;
  recordedAt: string;
  events: StoredEvent[];
}

/** A log entry of $all: the same batch under its commit number. */
interface LogEntry extends Commit {
  state: 'pending' | 'committed' | 'void';
}

const STREAM = (streamId: string) => `stream#${streamId}`;
const LOG = '$all';
const COUNTER = '$counter';

class WorkshopDynamoDbStore implements EventStore {
  readonly backend = 'dynamodb (workshop)';
  readonly unsupported: UnsupportedCapabilities = {
    'read-backward': 'TODO step 03',
    'global-order': 'TODO step 04',
    subscriptions: 'TODO step 06',
    'idempotent-append': 'TODO step 07',
    snapshots: 'TODO step 09',
    checkpoints: 'TODO step 10',
  };
  readonly limits = LIMITS;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private readonly client: DynamoDBClient;
  readonly tableName: string;

  constructor(connection: string) {
    const { endpoint, tableName } = parseConnection(connection);
    this.client = new DynamoDBClient(dynamoDbClientConfig(endpoint));
    this.tableName = tableName;
    this.checkpoints = new Checkpoints(this);
    this.snapshots = new Snapshots(this);
  }

  // ------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    // TODO step 01: read the stream's commit items (readCommits), put ONE commit item holding the whole
    // batch at sort key = the stream's last version + 1 (commitItem builds it; until step 04 use that
    // version as its `commit` number too), and return the version and position of its last event.
    // (TODO step 02 comes back here: check input.expectedVersion and make the put conditional.)
    throw todo('01', `appendToStream: put one commit item holding the ${input.events.length} event(s)`);
  }

  // ------------------------------------------------------------------------------------ read a stream

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    // TODO step 01: the stream's events from `fromVersion` (default 0) in version order, at most `maxCount`
    // of them: readCommits, then commitToRecorded on each commit.
    throw todo('01', `readStream: query the partition of '${streamId}' and return its events in version order`);
  }

  /** Every commit item of a stream, in version order: one consistent Query of its partition, paged. */
  private async readCommits(streamId: string): Promise<Commit[]> {
    // TODO step 01: Query the items whose pk is STREAM(streamId) (queryAll does the paging and asks for
    // a strongly consistent read), and decode each with decodeCommit.
    throw todo('01', `readCommits: query the partition '${STREAM(streamId)}'`);
  }

  // ----------------------------------------------------------------------------------------- read all

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    throw todo('04', 'readAll: number every commit from an atomic counter and read the $all log partition in order');
  }

  // ------------------------------------------------------------------------------------ subscriptions

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    throw todo('06', 'subscribeToAll: use createPollingSubscription from labs/core');
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    throw todo('06', 'subscribeToStream: use createPollingSubscription from labs/core');
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  // --------------------------------------------------------------------------- requests (given helpers)

  /** Every request goes through here: SDK errors become the contract's typed errors (labs/dynamodb/errors.ts). */
  async send<Output>(request: (client: DynamoDBClient) => Promise<Output>): Promise<Output> {
    try {
      return await request(this.client);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      throw mapDynamoDbError(error, 'request', this.tableName);
    }
  }

  /** A PutItem that only writes when no item has this key. False when one exists. */
  async putIfAbsent(item: Record<string, AttributeValue>): Promise<boolean> {
    try {
      await this.send((c) => c.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async putItem(item: Record<string, AttributeValue>): Promise<void> {
    await this.send((c) => c.send(new PutItemCommand({ TableName: this.tableName, Item: item })));
  }

  /** A strongly consistent GetItem: it sees every write that was acknowledged before it. */
  async getItem(pk: string, sk: number): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.send((c) => c.send(new GetItemCommand({ TableName: this.tableName, Key: key(pk, sk), ConsistentRead: true })));
    return Item;
  }

  private async queryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, AttributeValue>[]> {
    const { Items } = await this.send((c) => c.send(new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ...input })));
    return Items ?? [];
  }

  /** A strongly consistent Query, every page of it (one page holds at most 1 MB). */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send((c) => c.send(new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ...input, ExclusiveStartKey: startKey })));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

// ------------------------------------------------------------------------------ versions, idempotency

function lastVersionOf(commits: Commit[]): number {
  const last = commits.at(-1);
  return last ? last.first + last.events.length - 1 : -1;
}

// ------------------------------------------------------------------------------------------ item codecs

function key(pk: string, sk: number): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { N: String(sk) } };
}

function toStored(event: ValidatedEvent): StoredEvent {
  return { id: event.id, type: event.type, dataJson: event.dataJson, metadataJson: '{}' }; // TODO step 08: keep event.metadataJson
}

function eventsAttribute(events: StoredEvent[]): AttributeValue {
  return { L: events.map((e) => ({ M: { i: { S: e.id }, t: { S: e.type }, d: { S: e.dataJson }, m: { S: e.metadataJson } } })) };
}

function decodeEvents(value: AttributeValue | undefined): StoredEvent[] {
  return (value?.L ?? []).map((v) => {
    const m = v.M ?? {};
    return { id: str(m.i), type: str(m.t), dataJson: str(m.d), metadataJson: str(m.m) };
  });
}

function commitItem(batch: Commit): Record<string, AttributeValue> {
  return { ...key(STREAM(batch.streamId), batch.first), c: { N: String(batch.commit) }, at: { S: batch.recordedAt }, ev: eventsAttribute(batch.events) };
}

function decodeCommit(streamId: string, item: Record<string, AttributeValue>): Commit {
  return { streamId, first: num(item.sk), commit: num(item.c), recordedAt: str(item.at), events: decodeEvents(item.ev) };
}

function logItem(entry: LogEntry): Record<string, AttributeValue> {
  return { ...key(LOG, entry.commit), st: { S: entry.state }, s: { S: entry.streamId }, v: { N: String(entry.first) }, at: { S: entry.recordedAt }, ev: eventsAttribute(entry.events) };
}

function decodeLogEntry(item: Record<string, AttributeValue>): LogEntry {
  const state = str(item.st);
  if (state !== 'pending' && state !== 'committed' && state !== 'void') throw new Error(`log entry ${item.sk?.N} has state '${state}'`);
  // A void entry closed by a reader holds no batch.
  return { state, commit: num(item.sk), streamId: item.s?.S ?? '', first: item.v ? num(item.v) : 0, recordedAt: item.at?.S ?? '', events: decodeEvents(item.ev) };
}

function commitToRecorded(commit: Commit): RecordedEvent[] {
  return commit.events.map((e, index) => ({
    id: e.id,
    streamId: commit.streamId,
    type: e.type,
    data: JSON.parse(e.dataJson) as RecordedEvent['data'],
    metadata: JSON.parse(e.metadataJson) as RecordedEvent['metadata'],
    streamVersion: commit.first + index,
    globalPosition: packPosition(commit.commit, index),
    recordedAt: new Date(commit.recordedAt),
  }));
}

function num(value: AttributeValue | undefined): number {
  if (value?.N === undefined) throw new Error(`expected a number attribute, got ${JSON.stringify(value)}`);
  return Number(value.N);
}

function str(value: AttributeValue | undefined): string {
  if (value?.S === undefined) throw new Error(`expected a string attribute, got ${JSON.stringify(value)}`);
  return value.S;
}

// ------------------------------------------------------------------------------- snapshots, checkpoints

/** Step 09: the latest snapshot of each stream, one item per stream. */
class Snapshots implements SnapshotStore {
  constructor(private readonly db: WorkshopDynamoDbStore) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'snapshots', 'TODO step 09');
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'snapshots', 'TODO step 09');
  }
}

/** Step 10: how far each subscriber got, one item per subscriber. */
class Checkpoints implements CheckpointStore {
  constructor(private readonly db: WorkshopDynamoDbStore) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'checkpoints', 'TODO step 10');
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'checkpoints', 'TODO step 10');
  }
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
