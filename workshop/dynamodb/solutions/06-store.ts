/**
 * Reference solution after step 06 (subscriptions). Everything after step 06 is still a TODO.
 * What this step changed:
 *   git diff --no-index workshop/dynamodb/solutions/05-store.ts workshop/dynamodb/solutions/06-store.ts
 *
 * The table (created for you by the checker; key schema pk: string, sk: number):
 *   pk                      sk              item
 *   stream#<streamId>       first version   COMMIT: one per append, the whole batch in one item
 *   $all                    commit number   LOG ENTRY: the batch again, in global order (pending/committed/void)
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
import { isConditionalCheckFailed, mapDynamoDbError } from '../../../labs/dynamodb/errors.ts';
import { EVENTS_PER_COMMIT, packPosition, unpackPosition } from '../../../labs/dynamodb/keys.ts';
import { dynamoDbClientConfig } from '../../../labs/runtime/dynamodb.ts';
import { parseConnection } from '../connection.ts';

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connection: string): Promise<EventStore> {
  return new WorkshopDynamoDbStore(connection);
}

/**
 * A DynamoDB item holds at most 400 KB, and one append is one item: an event may use at most 384 KiB of
 * JSON, and a batch that does not fit is refused by DynamoDB (ValidationException -> InvalidInputError).
 */
const LIMITS: StoreLimits = { maxEventBytes: 384 * 1024, maxStreamIdLength: 200 };

/** How long a reader waits on a commit number that is not resolved before closing or finishing it. */
const ABANDON_AFTER_MS = 2000;

/** `any` / `stream_exists` appends that lose the race for the next slot try again, this many times. */
const MAX_ATTEMPTS = 25;

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
    'idempotent-append': 'TODO step 07',
    snapshots: 'TODO step 09',
    checkpoints: 'TODO step 10',
  };
  readonly limits = LIMITS;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Since when (this reader's clock) each commit number has been seen unresolved. */
  private readonly unresolvedSince = new Map<number, number>();

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
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // A consistent read of the stream: its last version. (TODO step 07: and every event id it holds.)
      const commits = await this.readCommits(input.streamId);
      const lastVersion = lastVersionOf(commits);
      checkExpectedVersion(input.streamId, input.expectedVersion, lastVersion);
      const result = await this.commit(input.streamId, input.events, lastVersion + 1);
      if (result) return result;
      // Another writer took the slot between our read and our put: read again. An exact expected
      // version now fails, `any` / `stream_exists` take the next slot.
    }
    throw new Error(`append to '${input.streamId}' lost the race for the next version ${MAX_ATTEMPTS} times; nothing was written`);
  }

  /**
   * Step 05: draw a commit number and write the PENDING log entry (the intent) first, then the commit
   * item under attribute_not_exists, then mark the entry committed. Undefined when the slot was taken.
   */
  private async commit(streamId: string, events: ValidatedEvent[], slot: number): Promise<AppendResult | undefined> {
    const batch: Commit = { streamId, first: slot, commit: 0, recordedAt: new Date().toISOString(), events: events.map(toStored) };
    batch.commit = await this.writeIntent(batch);
    if (!(await this.putCommit(batch))) {
      // The slot is taken: by another writer (then our entry is void), or by a reader that finished our
      // intent while we were slow (then it is ours). The commit number in the slot says which.
      const holder = await this.getItem(STREAM(streamId), slot);
      if (holder === undefined || num(holder.c) !== batch.commit) {
        await this.settle(batch.commit, 'void');
        return undefined;
      }
    }
    await this.settle(batch.commit, 'committed');
    const last = events.length - 1;
    return { nextExpectedVersion: slot + last, globalPosition: packPosition(batch.commit, last) };
  }

  /** Draws numbers until the intent lands: a reader may have closed a number we were too slow to use. */
  private async writeIntent(batch: Commit): Promise<number> {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const drawn = await this.send((c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key(COUNTER, 0),
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const commit = num(drawn.Attributes?.n);
      const intent = { ...logItem({ ...batch, commit, state: 'pending' }), w: { S: randomUUID() } };
      if (await this.putIfAbsent(intent)) return commit;
      const existing = await this.getItem(LOG, commit);
      if (existing?.w?.S === intent.w.S) return commit; // the SDK retried a put that had landed
    }
    throw new Error(`append to '${batch.streamId}': every commit number drawn was closed by readers before its intent was written`);
  }

  private putCommit(batch: Commit): Promise<boolean> {
    return this.putIfAbsent(commitItem(batch));
  }

  /** pending -> committed or void, once: whoever settles first wins, and both decide alike. */
  private async settle(commit: number, state: 'committed' | 'void'): Promise<void> {
    try {
      await this.send((c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key(LOG, commit),
            UpdateExpression: 'SET st = :st',
            ConditionExpression: 'st = :pending',
            ExpressionAttributeValues: { ':st': { S: state }, ':pending': { S: 'pending' } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  // ------------------------------------------------------------------------------------ read a stream

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    const events = (await this.readCommits(streamId)).flatMap(commitToRecorded);
    const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
    if (direction === 'backward') {
      const from = fromVersion ?? Number.MAX_SAFE_INTEGER;
      return events.filter((e) => e.streamVersion <= from).reverse().slice(0, limit);
    }
    return events.filter((e) => e.streamVersion >= (fromVersion ?? 0)).slice(0, limit);
  }

  /** Every commit item of a stream, in version order: one consistent Query of its partition, paged. */
  private async readCommits(streamId: string): Promise<Commit[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: STREAM(streamId) } } });
    return items.map((item) => decodeCommit(streamId, item));
  }

  // ----------------------------------------------------------------------------------------- read all

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    const limit = maxCount ?? DEFAULT_READ_ALL_PAGE;
    if (direction === 'backward') return this.readLogBackward(fromPosition, limit);
    const from = fromPosition ?? 0n;
    const events: RecordedEvent[] = [];
    let next = Math.max(unpackPosition(from).commit, 1); // the counter hands out 1 first
    page: while (events.length < limit) {
      const pageSize = 100;
      const items = await this.queryPage({
        KeyConditionExpression: 'pk = :pk AND sk >= :next',
        ExpressionAttributeValues: { ':pk': { S: LOG }, ':next': { N: String(next) } },
        Limit: pageSize,
      });
      for (const item of items) {
        let entry = decodeLogEntry(item);
        // Step 05: a number below this entry that has no entry yet was drawn by a writer that has not
        // written its intent. Never pass it while it can still turn into events: wait, then close it.
        while (next < entry.commit) {
          if (!this.waitedLongEnough(next)) return events;
          if (!(await this.closeMissing(next))) continue page; // its intent appeared meanwhile: read it
          this.unresolvedSince.delete(next);
          next++;
        }
        if (entry.state === 'pending') {
          if (!this.waitedLongEnough(entry.commit)) return events;
          entry = await this.resolvePending(entry);
        }
        this.unresolvedSince.delete(entry.commit);
        if (entry.state === 'committed') {
          for (const event of commitToRecorded(entry)) {
            if (event.globalPosition >= from && events.length < limit) events.push(event);
          }
        }
        next = entry.commit + 1;
        if (events.length >= limit) return events;
      }
      if (items.length < pageSize) return events; // the end of the log
    }
    return events;
  }

  /** True once `commit` has stayed unresolved for ABANDON_AFTER_MS of this reader's clock. */
  private waitedLongEnough(commit: number): boolean {
    const now = performance.now();
    const since = this.unresolvedSince.get(commit);
    if (since === undefined) this.unresolvedSince.set(commit, now);
    return since !== undefined && now - since >= ABANDON_AFTER_MS;
  }

  /** Closes a number nobody wrote in time (a void entry). False when its intent appeared meanwhile. */
  private closeMissing(commit: number): Promise<boolean> {
    return this.putIfAbsent({ ...key(LOG, commit), st: { S: 'void' } });
  }

  /**
   * An intent whose writer went quiet: the stream slot decides. Holding this commit: committed. Holding
   * another: void. Free: put the commit item from the intent on the writer's behalf (its checks still
   * hold: nothing was appended to the stream since it read it), and look again.
   */
  private async resolvePending(entry: LogEntry): Promise<LogEntry> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const holder = await this.getItem(STREAM(entry.streamId), entry.first);
      if (holder) {
        const state = num(holder.c) === entry.commit ? 'committed' : 'void';
        await this.settle(entry.commit, state);
        return { ...entry, state };
      }
      await this.putCommit(entry);
    }
    throw new Error(`log entry ${entry.commit} could not be resolved`);
  }

  /**
   * Newest first, committed entries only. Simpler than the lab (which keeps a "stable point" item): a
   * pending entry below the newest committed one is passed over here, so `headPosition` may name a
   * position before which an event still commits. The lab's readLogBackward shows the full answer.
   */
  private async readLogBackward(fromPosition: bigint | undefined, limit: number): Promise<RecordedEvent[]> {
    const from = fromPosition ?? packPosition(Number.MAX_SAFE_INTEGER, EVENTS_PER_COMMIT - 1);
    const events: RecordedEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send((c) =>
        c.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            KeyConditionExpression: 'pk = :pk AND sk <= :from',
            ExpressionAttributeValues: { ':pk': { S: LOG }, ':from': { N: String(unpackPosition(from).commit) } },
            ScanIndexForward: false,
            Limit: 100,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const entry of (page.Items ?? []).map(decodeLogEntry)) {
        if (entry.state !== 'committed') continue;
        for (const event of commitToRecorded(entry).reverse()) {
          if (event.globalPosition <= from && events.length < limit) events.push(event);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events;
  }

  // ------------------------------------------------------------------------------------ subscriptions

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return createPollingSubscription(
      {
        readAfter: async (after: bigint | undefined, maxCount) => {
          const events = await this.readAll({ fromPosition: after === undefined ? 0n : after + 1n, maxCount });
          return { events, cursor: events.at(-1)?.globalPosition ?? after };
        },
      },
      options.afterPosition,
      options,
    );
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    validateStreamId(streamId, this.limits);
    return createPollingSubscription(
      {
        readAfter: async (after: number | undefined, maxCount) => {
          const events = await this.readStream(streamId, { fromVersion: after === undefined ? 0 : after + 1, maxCount });
          return { events, cursor: events.at(-1)?.streamVersion ?? after };
        },
      },
      options.afterVersion,
      options,
    );
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

/** Step 02: throws WrongExpectedVersionError when `expected` does not hold for a stream at `lastVersion` (-1: none). */
function checkExpectedVersion(streamId: string, expected: ExpectedVersion, lastVersion: number): void {
  const exists = lastVersion >= 0;
  const holds = expected === 'any' || (expected === 'no_stream' ? !exists : expected === 'stream_exists' ? exists : expected === lastVersion);
  if (!holds) throw new WrongExpectedVersionError(streamId, expected, exists ? lastVersion : 'no_stream');
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
