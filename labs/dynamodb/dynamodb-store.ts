/**
 * The DynamoDB event store: the contract implemented with conditional writes only (no transactions,
 * no Streams), so that it runs on dynalite, DynamoDB Local and AWS alike.
 * Read table.ts first: the table design carries the guarantees; this file drives it.
 */
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
  InvalidEventError,
  InvalidInputError,
  InvalidStreamIdError,
  subscribeToAllByPolling,
  subscribeToStreamByPolling,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  DEFAULT_READ_ALL_PAGE,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
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
  type ValidatedEvent,
} from '../core/index.ts';
import { dynamoDbClientConfig } from '../runtime/dynamodb.ts';
import { AppendContentionError, BatchTooLargeError, isConditionalCheckFailed, mapDynamoDbError } from './errors.ts';
import { MAX_ITEM_BYTES, itemSizeBytes } from './item-size.ts';
import {
  COUNTER_KEY,
  EVENTS_PER_COMMIT,
  LOG_KEY,
  STABLE_KEY,
  checkpointKey,
  packPosition,
  snapshotKey,
  streamKey,
  unpackPosition,
} from './keys.ts';
import { UnresolvedTracker, decideLogStep, withGaps } from './log-entries.ts';
import { assertExpectedVersion, findEarlierAppend, nextSlot, type StreamHead } from './stream-head.ts';
import { DEFAULT_TABLE, ensureTable, probeEndpointFeatures, type EndpointFeatures } from './table.ts';

/**
 * One event may use at most 384 KiB of JSON: its commit item (and its log entry) adds the keys, the
 * stream id (up to 800 bytes of UTF-8), the event id and attribute names, and must stay under 400 KB.
 * Batches are checked as a whole against the item limit (BatchTooLargeError).
 */
export const DYNAMODB_LIMITS: StoreLimits = { maxEventBytes: 384 * 1024, maxStreamIdLength: 200 };

/** Default time a reader waits on an unresolved commit number before closing or completing it. */
export const DEFAULT_ABANDON_AFTER_MS = 3000;

/** `any` and `stream_exists` appends retry on the next slot when another writer took theirs. */
const MAX_APPEND_ATTEMPTS = 25;
/** A writer whose intents keep being closed by readers (it is slower than abandonAfterMs) gives up. */
const MAX_INTENT_ATTEMPTS = 10;

// Lone UTF-16 surrogates cannot be encoded as UTF-8: DynamoDB would store U+FFFD instead, and two
// different stream ids could land on the same key.
const LONE_SURROGATE = /\p{Surrogate}/u;

export interface DynamoDbStoreOptions {
  endpoint: string;
  tableName?: string;
  /** Creates the table when it is missing (the lab and tests do this once, at start). */
  ensureTable?: boolean;
  abandonAfterMs?: number;
  limits?: Partial<StoreLimits>;
}

interface StoredEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

interface LogEntry {
  commit: number;
  state: 'pending' | 'committed' | 'void';
  streamId: string;
  slot: number;
  recordedAt: string;
  events: StoredEvent[];
  writer: string;
}

/** The batch as it will be written, with its two item sizes already checked. */
interface PreparedBatch {
  streamId: string;
  events: StoredEvent[];
  recordedAt: string;
}

/** Counts requests per operation: the lab and the docs report round trips per append from it. */
export class RequestCounter {
  readonly byOperation = new Map<string, number>();
  total = 0;
  count(operation: string): void {
    this.total++;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
  }
  snapshot(): { total: number; byOperation: Record<string, number> } {
    return { total: this.total, byOperation: Object.fromEntries(this.byOperation) };
  }
}

export class DynamoDbEventStore implements EventStore {
  readonly backend = 'dynamodb';
  readonly unsupported = {};
  readonly limits: StoreLimits;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  readonly tableName: string;
  readonly requests = new RequestCounter();
  /** What the endpoint was found to support, when the store was opened with `connect`. */
  features: EndpointFeatures | undefined;
  private readonly client: DynamoDBClient;
  private readonly abandonAfterMs: number;
  private readonly unresolved = new UnresolvedTracker();
  private closed = false;

  constructor(options: DynamoDbStoreOptions) {
    this.limits = { ...DYNAMODB_LIMITS, ...options.limits };
    this.tableName = options.tableName ?? DEFAULT_TABLE;
    this.abandonAfterMs = options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
    this.client = new DynamoDBClient(dynamoDbClientConfig(options.endpoint));
    this.checkpoints = new DynamoDbCheckpoints(this);
    this.snapshots = new DynamoDbSnapshots(this);
  }

  static async connect(options: DynamoDbStoreOptions & { probe?: boolean }): Promise<DynamoDbEventStore> {
    const store = new DynamoDbEventStore(options);
    try {
      if (options.ensureTable) await ensureTable(store.client, store.tableName);
      if (options.probe) store.features = await probeEndpointFeatures(store.client, store.tableName);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Every request goes through here: counted, and SDK errors mapped to typed ones. */
  async send<Output>(operation: string, run: (client: DynamoDBClient) => Promise<Output>): Promise<Output> {
    if (this.closed) throw new Error('the DynamoDB store is closed');
    this.requests.count(operation);
    try {
      return await run(this.client);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw error;
      throw mapDynamoDbError(error, operation, this.tableName);
    }
  }

  // ---------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    if (LONE_SURROGATE.test(input.streamId)) throw new InvalidStreamIdError(input.streamId, 'it contains a lone UTF-16 surrogate, which DynamoDB cannot store');
    const batch = prepareBatch(input.streamId, input.events);
    const ids = batch.events.map((e) => e.id);

    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      let slot: number;
      if (attempt === 1 && input.expectedVersion === 'no_stream') {
        // A new stream can only start at slot 0, and an empty stream holds no ids: no read needed. If
        // the slot is taken, the next pass reads the stream (a retry, or WrongExpectedVersion).
        slot = 0;
      } else {
        const head = await this.readStreamHead(input.streamId);
        const earlier = findEarlierAppend(input.streamId, head, ids);
        if (earlier) return earlier;
        assertExpectedVersion(input.streamId, input.expectedVersion, head.lastVersion);
        slot = nextSlot(head.lastVersion);
      }
      const result = await this.commit(batch, slot);
      if (result) return result;
      // Another writer took the slot between our read and our put. Read again: the next pass answers
      // WrongExpectedVersion (exact expectations), the original result (a racing retry), or tries the
      // next slot (`any`, `stream_exists`).
    }
    throw new AppendContentionError(input.streamId, MAX_APPEND_ATTEMPTS);
  }

  /** The stream's last version and every stored event id, by one consistent Query (paged). */
  private async readStreamHead(streamId: string): Promise<StreamHead> {
    const head: StreamHead = { lastVersion: undefined, ids: new Map() };
    const items = await this.queryAll('Query stream head', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: streamKey(streamId) } },
      ProjectionExpression: 'sk, #last, #c, #ids',
      ExpressionAttributeNames: { '#last': 'last', '#c': 'c', '#ids': 'ids' },
    });
    for (const item of items) {
      const first = num(item.sk);
      const commit = num(item.c);
      str(item.ids)
        .split(',')
        .forEach((id, index) => head.ids.set(id, { streamVersion: first + index, globalPosition: packPosition(commit, index) }));
      head.lastVersion = Math.max(head.lastVersion ?? -1, num(item.last));
    }
    return head;
  }

  /**
   * Writes the batch at `slot`: draw a commit number, write the pending log entry (the intent), put the
   * commit item under attribute_not_exists, mark the entry committed. Returns undefined when another
   * writer holds the slot (our entry is then voided, so readers pass it at once).
   */
  private async commit(batch: PreparedBatch, slot: number): Promise<AppendResult | undefined> {
    const commit = await this.writeIntent(batch, slot);
    const last = batch.events.length - 1;
    try {
      await this.send('PutItem commit', (c) =>
        c.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: commitItem(batch, slot, commit),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error; // outcome unknown: the intent stays pending; readers resolve it
      // The slot is taken: by another writer, or by us (a reader completed our intent, or the SDK
      // retried a put that had landed). The commit number in the slot tells which.
      const holder = await this.getCommitItem(batch.streamId, slot);
      if (holder === undefined || num(holder.c) !== commit) {
        await this.settleLogEntry(commit, 'void');
        return undefined;
      }
    }
    // The append is committed now; marking the entry only saves readers a lookup, so a failure here is
    // not the caller's problem (readers resolve a pending entry from its slot).
    await this.settleLogEntry(commit, 'committed').catch(() => {});
    return { nextExpectedVersion: slot + last, globalPosition: packPosition(commit, last) };
  }

  /** Draws a commit number and writes the pending log entry at it; redraws if a reader closed it first. */
  private async writeIntent(batch: PreparedBatch, slot: number): Promise<number> {
    for (let attempt = 1; attempt <= MAX_INTENT_ATTEMPTS; attempt++) {
      const drawn = await this.send('UpdateItem counter', (c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: COUNTER_KEY }, sk: { N: '0' } },
            UpdateExpression: 'ADD #n :one',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: { ':one': { N: '1' } },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const commit = num(drawn.Attributes?.n);
      const writer = randomUUID();
      try {
        await this.send('PutItem log intent', (c) =>
          c.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: logIntentItem(batch, slot, commit, writer),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
        return commit;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // Ours after all (the SDK retried a put that had landed), or closed by a reader that gave up
        // waiting for it: then this number is dead and we draw another.
        const existing = await this.getLogEntry(commit);
        if (existing?.writer === writer) return commit;
      }
    }
    throw new AppendContentionError(batch.streamId, MAX_INTENT_ATTEMPTS);
  }

  /** pending -> committed or void. Conditional: whoever settles first wins, and both decide alike. */
  private async settleLogEntry(commit: number, state: 'committed' | 'void'): Promise<void> {
    try {
      await this.send('UpdateItem settle log', (c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: LOG_KEY }, sk: { N: String(commit) } },
            // A void entry no longer needs its copy of the batch.
            UpdateExpression: state === 'void' ? 'SET #st = :st REMOVE ev' : 'SET #st = :st',
            ConditionExpression: '#st = :pending',
            ExpressionAttributeNames: { '#st': 'st' },
            ExpressionAttributeValues: { ':st': { S: state }, ':pending': { S: 'pending' } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  private async getCommitItem(streamId: string, slot: number): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.send('GetItem commit', (c) =>
      c.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: streamKey(streamId) }, sk: { N: String(slot) } }, ConsistentRead: true })),
    );
    return Item;
  }

  private async getLogEntry(commit: number): Promise<LogEntry | undefined> {
    const { Item } = await this.send('GetItem log', (c) =>
      c.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: LOG_KEY }, sk: { N: String(commit) } }, ConsistentRead: true })),
    );
    return Item ? decodeLogEntry(Item) : undefined;
  }

  // ------------------------------------------------------------------------------------- read a stream

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    if (LONE_SURROGATE.test(streamId)) throw new InvalidStreamIdError(streamId, 'it contains a lone UTF-16 surrogate, which DynamoDB cannot store');
    const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
    const pk = { ':pk': { S: streamKey(streamId) } };
    const events: RecordedEvent[] = [];
    if (direction === 'forward') {
      const from = fromVersion ?? 0;
      // The commit holding `from` starts at or before it: find it and the commits after it at once.
      const [holding, after] = await Promise.all([
        from === 0
          ? Promise.resolve([])
          : this.queryPage('Query stream', {
              KeyConditionExpression: 'pk = :pk AND sk <= :from',
              ExpressionAttributeValues: { ...pk, ':from': { N: String(from) } },
              ScanIndexForward: false,
              Limit: 1,
            }),
        this.queryUntil('Query stream', {
          KeyConditionExpression: from === 0 ? 'pk = :pk' : 'pk = :pk AND sk > :from',
          ExpressionAttributeValues: from === 0 ? pk : { ...pk, ':from': { N: String(from) } },
        }, limit),
      ]);
      for (const item of [...holding, ...after]) {
        for (const event of decodeCommitItem(streamId, item)) {
          if (event.streamVersion >= from && events.length < limit) events.push(event);
        }
      }
    } else {
      const from = fromVersion ?? Number.MAX_SAFE_INTEGER;
      const items = await this.queryUntil('Query stream', {
        KeyConditionExpression: 'pk = :pk AND sk <= :from',
        ExpressionAttributeValues: { ...pk, ':from': { N: String(from) } },
        ScanIndexForward: false,
      }, limit);
      for (const item of items) {
        for (const event of decodeCommitItem(streamId, item).reverse()) {
          if (event.streamVersion <= from && events.length < limit) events.push(event);
        }
      }
    }
    return events;
  }

  // -------------------------------------------------------------------------------------------- read all

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    const limit = maxCount ?? DEFAULT_READ_ALL_PAGE;
    if (direction === 'forward') {
      const { commit, index } = unpackPosition(fromPosition ?? 0n);
      return (await this.walkLog(commit, index, limit, true)).events;
    }
    return this.readLogBackward(fromPosition, limit);
  }

  /**
   * Walks the log forward from commit number `fromCommit` (its events from `fromIndex` on), delivering
   * committed entries in order and stopping at the first number that is not resolved yet.
   * `resolvedThrough`: every number up to it is committed or void (final).
   */
  private async walkLog(
    fromCommit: number,
    fromIndex: number,
    maxCount: number,
    collect: boolean,
  ): Promise<{ events: RecordedEvent[]; resolvedThrough: number }> {
    const events: RecordedEvent[] = [];
    let next = Math.max(fromCommit, 1); // the counter hands out 1 first
    const done = () => ({ events, resolvedThrough: next - 1 });
    page: while (events.length < maxCount) {
      const pageSize = collect ? Math.min(Math.max(maxCount - events.length, 16), 500) : 500;
      const items = await this.queryPage('Query log', {
        KeyConditionExpression: 'pk = :pk AND sk >= :next',
        ExpressionAttributeValues: { ':pk': { S: LOG_KEY }, ':next': { N: String(next) } },
        Limit: pageSize,
      });
      for (const step of withGaps(items.map(decodeLogEntry), next)) {
        if (step.kind === 'gap') {
          // A number was drawn and nothing is written at it, yet a later one exists.
          const decision = decideLogStep('missing', this.unresolved.unresolvedFor(step.commit), this.abandonAfterMs);
          if (decision === 'wait') return done();
          if (!(await this.closeMissing(step.commit))) continue page; // something appeared there: read again from it
          this.unresolved.forget(step.commit);
          next = step.commit + 1;
          continue;
        }
        let entry = step.entry;
        if (entry.state === 'pending') {
          const decision = decideLogStep('pending', this.unresolved.unresolvedFor(entry.commit), this.abandonAfterMs);
          if (decision === 'wait') return done();
          entry = await this.resolvePending(entry);
        }
        const resolved = entry;
        this.unresolved.forget(entry.commit);
        if (entry.state === 'committed' && collect) {
          resolved.events.forEach((stored, index) => {
            if (resolved.commit === fromCommit && index < fromIndex) return;
            if (events.length < maxCount) events.push(logEventToRecorded(resolved, stored, index));
          });
        }
        next = entry.commit + 1;
        if (events.length >= maxCount) return done();
      }
      if (items.length < pageSize) return done();
    }
    return done();
  }

  /** Closes a number nobody wrote in time. False when an entry appeared there meanwhile. */
  private async closeMissing(commit: number): Promise<boolean> {
    try {
      await this.send('PutItem close position', (c) =>
        c.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              pk: { S: LOG_KEY },
              sk: { N: String(commit) },
              st: { S: 'void' },
              reason: { S: `closed by a reader after ${this.abandonAfterMs} ms without a write` },
              at: { S: new Date().toISOString() },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Finishes the intent of a writer that went quiet: the slot decides. Holding this commit: committed.
   * Holding another: void. Free: put the commit item from the intent (the writer's checks still hold,
   * since nothing was appended to the stream since it read it), then it holds this commit.
   */
  private async resolvePending(entry: LogEntry): Promise<LogEntry> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const holder = await this.getCommitItem(entry.streamId, entry.slot);
      if (holder !== undefined) {
        const state = num(holder.c) === entry.commit ? 'committed' : 'void';
        await this.settleLogEntry(entry.commit, state);
        return { ...entry, state };
      }
      try {
        await this.send('PutItem commit (roll forward)', (c) =>
          c.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: commitItem(entry, entry.slot, entry.commit),
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(`log entry ${entry.commit} could not be resolved`); // unreachable: the slot is written above
  }

  /**
   * Backwards from the end (or a position), but only below the stable point: a pending number below the
   * newest committed one may still commit, and a subscriber starting "after the newest position" would
   * then miss it. The stable point is kept in the $all-stable item and advanced by a forward walk.
   */
  private async readLogBackward(fromPosition: bigint | undefined, limit: number): Promise<RecordedEvent[]> {
    const stable = await this.stableCommit();
    let { commit: fromCommit, index: fromIndex } = fromPosition === undefined ? { commit: stable, index: EVENTS_PER_COMMIT } : unpackPosition(fromPosition);
    if (fromCommit > stable) ({ commit: fromCommit, index: fromIndex } = { commit: stable, index: EVENTS_PER_COMMIT });
    const events: RecordedEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    // Void entries hold no events, so page until enough events (not items) came back.
    while (fromCommit >= 1 && events.length < limit) {
      const page = await this.send('Query log', (c) =>
        c.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            KeyConditionExpression: 'pk = :pk AND sk <= :from',
            ExpressionAttributeValues: { ':pk': { S: LOG_KEY }, ':from': { N: String(fromCommit) } },
            ScanIndexForward: false,
            Limit: Math.min(Math.max(limit - events.length, 16), 500),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const entry of (page.Items ?? []).map(decodeLogEntry)) {
        if (entry.state !== 'committed') continue;
        for (let index = entry.events.length - 1; index >= 0 && events.length < limit; index--) {
          if (entry.commit === fromCommit && index > fromIndex) continue;
          events.push(logEventToRecorded(entry, entry.events[index]!, index));
        }
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return events;
  }

  private async stableCommit(): Promise<number> {
    const { Item } = await this.send('GetItem stable', (c) =>
      c.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: STABLE_KEY }, sk: { N: '0' } }, ConsistentRead: true })),
    );
    const known = Item ? num(Item.c) : 0;
    const { resolvedThrough } = await this.walkLog(known + 1, 0, Number.MAX_SAFE_INTEGER, false);
    if (resolvedThrough > known) {
      try {
        await this.send('UpdateItem stable', (c) =>
          c.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: STABLE_KEY }, sk: { N: '0' } },
              UpdateExpression: 'SET #c = :c',
              ConditionExpression: 'attribute_not_exists(pk) OR #c < :c',
              ExpressionAttributeNames: { '#c': 'c' },
              ExpressionAttributeValues: { ':c': { N: String(resolvedThrough) } },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error; // another reader moved it further
      }
    }
    return resolvedThrough;
  }

  // ------------------------------------------------------------------------------------- subscriptions

  /** Polling: dynalite has no Streams, and polling the log is what makes resolution happen anyway. */
  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return subscribeToAllByPolling(this, options);
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    validateStreamId(streamId, this.limits);
    return subscribeToStreamByPolling(this, streamId, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
  }

  // ----------------------------------------------------------------------------------------- queries

  async queryPage(operation: string, input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, AttributeValue>[]> {
    const { Items } = await this.send(operation, (c) => c.send(new QueryCommand({ TableName: this.tableName, ConsistentRead: true, ...input })));
    return Items ?? [];
  }

  /** Pages through a Query until `enough` items (each holds at least one event) or the end. */
  private async queryUntil(operation: string, input: Omit<QueryCommandInput, 'TableName'>, enough: number): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.send(operation, (c) =>
        c.send(
          new QueryCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ...input,
            ...(enough < 1000 ? { Limit: Math.max(enough - items.length, 1) } : {}),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < enough);
    return items;
  }

  private queryAll(operation: string, input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, AttributeValue>[]> {
    return this.queryUntil(operation, input, Number.MAX_SAFE_INTEGER);
  }

  /** For the checkpoint and snapshot stores. */
  async getItem(operation: string, pk: string): Promise<Record<string, AttributeValue> | undefined> {
    const { Item } = await this.send(operation, (c) =>
      c.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk }, sk: { N: '0' } }, ConsistentRead: true })),
    );
    return Item;
  }

  async putItem(operation: string, item: Record<string, AttributeValue>, condition?: { expression: string; names?: Record<string, string>; values?: Record<string, AttributeValue> }): Promise<boolean> {
    try {
      await this.send(operation, (c) =>
        c.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: condition?.expression,
            ExpressionAttributeNames: condition?.names,
            ExpressionAttributeValues: condition?.values,
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

// ------------------------------------------------------------------------------------------ item codecs

export function prepareBatch(streamId: string, events: readonly ValidatedEvent[]): PreparedBatch {
  if (events.length > EVENTS_PER_COMMIT) {
    throw new InvalidEventError(EVENTS_PER_COMMIT, '(batch)', `a batch holds at most ${EVENTS_PER_COMMIT} events (they share one commit number)`);
  }
  events.forEach((e, index) => {
    if (LONE_SURROGATE.test(e.type)) throw new InvalidEventError(index, 'type', 'contains a lone UTF-16 surrogate, which DynamoDB cannot store');
  });
  const batch: PreparedBatch = {
    streamId,
    recordedAt: new Date().toISOString(),
    events: events.map((e) => ({ id: e.id, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson })),
  };
  // Sized with the largest numbers the keys can take, so the real items are never bigger.
  const largest = Math.max(
    itemSizeBytes(commitItem(batch, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)),
    itemSizeBytes(logIntentItem(batch, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, randomUUID())),
  );
  if (largest > MAX_ITEM_BYTES) throw new BatchTooLargeError(events.length, largest, MAX_ITEM_BYTES);
  return batch;
}

function eventsAttribute(events: readonly StoredEvent[]): AttributeValue {
  return { L: events.map((e) => ({ M: { i: { S: e.id }, t: { S: e.type }, d: { S: e.dataJson }, m: { S: e.metadataJson } } })) };
}

/** stream#<id> / first version: the batch, its last version, its commit number and its ids. */
export function commitItem(batch: Pick<PreparedBatch, 'streamId' | 'events' | 'recordedAt'>, slot: number, commit: number): Record<string, AttributeValue> {
  return {
    pk: { S: streamKey(batch.streamId) },
    sk: { N: String(slot) },
    last: { N: String(slot + batch.events.length - 1) },
    c: { N: String(commit) },
    ids: { S: batch.events.map((e) => e.id).join(',') },
    at: { S: batch.recordedAt },
    ev: eventsAttribute(batch.events),
  };
}

/** $all / commit number: the pending intent, with everything a reader needs to finish it. */
export function logIntentItem(batch: PreparedBatch, slot: number, commit: number, writer: string): Record<string, AttributeValue> {
  return {
    pk: { S: LOG_KEY },
    sk: { N: String(commit) },
    st: { S: 'pending' },
    s: { S: batch.streamId },
    v: { N: String(slot) },
    at: { S: batch.recordedAt },
    w: { S: writer },
    ev: eventsAttribute(batch.events),
  };
}

function decodeEvents(value: AttributeValue | undefined): StoredEvent[] {
  return (value?.L ?? []).map((v) => {
    const m = v.M ?? {};
    return { id: str(m.i), type: str(m.t), dataJson: str(m.d), metadataJson: str(m.m) };
  });
}

function decodeLogEntry(item: Record<string, AttributeValue>): LogEntry {
  const state = str(item.st);
  if (state !== 'pending' && state !== 'committed' && state !== 'void') throw new Error(`log entry ${item.sk?.N} has state '${state}'`);
  return {
    commit: num(item.sk),
    state,
    streamId: item.s?.S ?? '',
    slot: item.v ? num(item.v) : 0,
    recordedAt: item.at?.S ?? '',
    events: decodeEvents(item.ev),
    writer: item.w?.S ?? '',
  };
}

function toRecorded(streamId: string, stored: StoredEvent, streamVersion: number, globalPosition: bigint, recordedAt: string): RecordedEvent {
  return {
    id: stored.id,
    streamId,
    type: stored.type,
    data: JSON.parse(stored.dataJson) as RecordedEvent['data'],
    metadata: JSON.parse(stored.metadataJson) as RecordedEvent['metadata'],
    streamVersion,
    globalPosition,
    recordedAt: new Date(recordedAt),
  };
}

function logEventToRecorded(entry: LogEntry, stored: StoredEvent, index: number): RecordedEvent {
  return toRecorded(entry.streamId, stored, entry.slot + index, packPosition(entry.commit, index), entry.recordedAt);
}

function decodeCommitItem(streamId: string, item: Record<string, AttributeValue>): RecordedEvent[] {
  const first = num(item.sk);
  const commit = num(item.c);
  const at = str(item.at);
  return decodeEvents(item.ev).map((stored, index) => toRecorded(streamId, stored, first + index, packPosition(commit, index), at));
}

function num(value: AttributeValue | undefined): number {
  const n = Number(value?.N);
  if (value?.N === undefined || !Number.isSafeInteger(n)) throw new Error(`expected a whole number attribute, got ${JSON.stringify(value)}`);
  return n;
}

function str(value: AttributeValue | undefined): string {
  if (value?.S === undefined) throw new Error(`expected a string attribute, got ${JSON.stringify(value)}`);
  return value.S;
}

// ------------------------------------------------------------------------------- checkpoints, snapshots

function validateKeyName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 500 || LONE_SURROGATE.test(value)) {
    throw new InvalidInputError(field, `${field} must be a non-empty string of at most 500 characters without lone surrogates`);
  }
  return value;
}

class DynamoDbCheckpoints implements CheckpointStore {
  constructor(private readonly events: DynamoDbEventStore) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    const item = await this.events.getItem('GetItem checkpoint', checkpointKey(validateKeyName(subscriberId, 'subscriberId')));
    return item ? BigInt(str(item.p)) : undefined;
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    if (typeof position !== 'bigint' || position < 0n) throw new InvalidInputError('position', `a checkpoint is a bigint >= 0n, got ${String(position)}`);
    // A string, not N: positions are bigints, and N would come back through a JS number.
    await this.events.putItem('PutItem checkpoint', {
      pk: { S: checkpointKey(validateKeyName(subscriberId, 'subscriberId')) },
      sk: { N: '0' },
      p: { S: position.toString() },
      at: { S: new Date().toISOString() },
    });
  }
}

class DynamoDbSnapshots implements SnapshotStore {
  constructor(private readonly store: DynamoDbEventStore) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    const item = await this.store.getItem('GetItem snapshot', snapshotKey(validateKeyName(streamId, 'streamId')));
    if (!item) return undefined;
    return { streamVersion: num(item.v), schemaVersion: num(item.sv), state: JSON.parse(str(item.state)) as Snapshot['state'] };
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    const item = {
      pk: { S: snapshotKey(validateKeyName(streamId, 'streamId')) },
      sk: { N: '0' },
      v: { N: String(snapshot.streamVersion) },
      sv: { N: String(snapshot.schemaVersion) },
      state: { S: JSON.stringify(snapshot.state) },
    };
    const size = itemSizeBytes(item);
    if (size > MAX_ITEM_BYTES) {
      throw new InvalidInputError('snapshot.state', `the snapshot needs a ${size}-byte item; DynamoDB holds at most ${MAX_ITEM_BYTES} bytes per item`);
    }
    // Never replace a newer snapshot with an older one (two loaders may race); losing that race is fine.
    await this.store.putItem('PutItem snapshot', item, {
      expression: 'attribute_not_exists(pk) OR #v <= :v',
      names: { '#v': 'v' },
      values: { ':v': { N: String(snapshot.streamVersion) } },
    });
  }
}
