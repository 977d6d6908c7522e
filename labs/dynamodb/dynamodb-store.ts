/**
 * The DynamoDB event store: the contract implemented with conditional writes only (no transactions,
 * no Streams), so that it runs on dynalite, DynamoDB Local and AWS alike.
 * Read table.ts first: the table design carries the guarantees; this file drives it.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_LIMITS,
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
import { GroupCommitLog, type GroupMember, type MemberState, type Placement } from './group-commit.ts';
import {
  EVENTS_PER_COMMIT,
  LOG_KEY,
  STABLE_KEY,
  checkpointKey,
  packPosition,
  snapshotKey,
  streamKey,
  unpackPosition,
} from './keys.ts';
import { UnresolvedTracker, decideLogStep } from './log-entries.ts';
import { assertExpectedVersion, findEarlierAppend, guessSlot, nextSlot, type StreamHead } from './stream-head.ts';
import { DEFAULT_TABLE, ensureTable, probeEndpointFeatures, type EndpointFeatures } from './table.ts';

/**
 * One event may use at most 384 KiB of JSON: its commit item (and its log entry) adds the keys, the
 * stream id (up to 800 bytes of UTF-8), the event id and attribute names, and must stay under 400 KB.
 * Batches are checked as a whole against the item limit (BatchTooLargeError).
 */
export const DYNAMODB_LIMITS: StoreLimits = { ...DEFAULT_LIMITS, maxEventBytes: 384 * 1024, maxStreamIdLength: 200, maxSnapshotBytes: 384 * 1024 };

/** Default time a reader waits on an unresolved commit number before closing or completing it. */
export const DEFAULT_ABANDON_AFTER_MS = 3000;

/** `any` and `stream_exists` appends retry on the next slot when another writer took theirs. */
const MAX_APPEND_ATTEMPTS = 25;
/** Stream tails remembered by one store (see `guessSlot`); the oldest are forgotten first. */
const MAX_KNOWN_TAILS = 100_000;

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

/** An event as written (data and metadata already JSON, from validation). */
interface StoredEvent {
  id: string;
  type: string;
  dataJson: string;
  metadataJson: string;
}

/** An event as read back. */
interface LoadedEvent {
  id: string;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
}

/** One append inside a log entry. */
interface LogMember {
  /** Its index in the entry (its state is the attribute `st<index>`). */
  index: number;
  state: MemberState;
  streamId: string;
  slot: number;
  /** Index of its first event among the entry's events. */
  offset: number;
  recordedAt: string;
  events: LoadedEvent[];
}

interface LogEntry {
  commit: number;
  writer: string;
  members: LogMember[];
}

/** The batch as it will be written, with its item sizes already checked. */
interface PreparedBatch {
  streamId: string;
  events: StoredEvent[];
  recordedAt: string;
  /** Bytes it adds to a log entry. */
  memberBytes: number;
}

/** An append waiting for its place in the log. */
interface QueuedMember extends GroupMember {
  batch: PreparedBatch;
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
  /** Highest version this store has seen in each stream (a version, once written, stays). */
  private readonly knownTails = new Map<string, number>();
  private readonly log: GroupCommitLog<QueuedMember>;
  private readonly marking = new Set<Promise<void>>();
  private closed = false;

  constructor(options: DynamoDbStoreOptions) {
    this.limits = { ...DYNAMODB_LIMITS, ...options.limits };
    this.tableName = options.tableName ?? DEFAULT_TABLE;
    this.abandonAfterMs = options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
    this.client = new DynamoDBClient(dynamoDbClientConfig(options.endpoint));
    this.checkpoints = new DynamoDbCheckpoints(this);
    this.snapshots = new DynamoDbSnapshots(this);
    this.log = new GroupCommitLog<QueuedMember>({
      newestCommit: () => this.newestCommit(),
      putEntry: (commit, writer, members, offsets) =>
        this.putItem('PutItem log entry', logEntryItem(commit, writer, members.map((m, i) => ({ batch: m.batch, slot: m.slot, offset: offsets[i]! }))), {
          expression: 'attribute_not_exists(pk)',
        }),
      writerAt: (commit) => this.logWriterAt(commit),
      mark: (commit, states) => this.markMembers(commit, states),
    });
  }

  /** Log entries written and appends they held: the average group size under load. */
  get groupCommitStats(): { entries: number; members: number } {
    return { ...this.log.stats };
  }

  /** Waits for background work (readers marking log entries); close() does it, tests that count requests too. */
  async idle(): Promise<void> {
    await this.log.idle();
    while (this.marking.size > 0) await Promise.allSettled([...this.marking]);
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
    // Ids the caller chose may already be stored (a retry): only then must the stream be read first.
    const mayBeRetry = input.events.some((e) => e.idSupplied);

    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      let slot = attempt === 1 && !mayBeRetry ? guessSlot(input.expectedVersion, this.knownTails.get(input.streamId)) : undefined;
      if (slot === undefined) {
        const head = await this.readStreamHead(input.streamId);
        const earlier = findEarlierAppend(input.streamId, head, ids);
        if (earlier) return earlier;
        assertExpectedVersion(input.streamId, input.expectedVersion, head.lastVersion);
        slot = nextSlot(head.lastVersion);
      }
      const result = await this.commit(batch, slot);
      if (result) return result;
      // Another writer took the slot (or the guess was stale). Read again: the next pass answers
      // WrongExpectedVersion (exact expectations), the original result (a racing retry), or tries the
      // next slot (`any`, `stream_exists`).
      this.knownTails.delete(input.streamId);
    }
    throw new AppendContentionError(input.streamId, MAX_APPEND_ATTEMPTS);
  }

  private rememberTail(streamId: string, lastVersion: number): void {
    const known = this.knownTails.get(streamId);
    if (known !== undefined && known >= lastVersion) return;
    this.knownTails.delete(streamId); // re-inserted last: the Map's order is then oldest-first
    this.knownTails.set(streamId, lastVersion);
    if (this.knownTails.size > MAX_KNOWN_TAILS) this.knownTails.delete(this.knownTails.keys().next().value!);
  }

  /** The stream's last version and every stored event id, by one consistent Query (paged). */
  private async readStreamHead(streamId: string): Promise<StreamHead> {
    const head: StreamHead = { lastVersion: undefined, ids: new Map() };
    const items = await this.queryAll('Query stream head', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: streamKey(streamId) } },
      ProjectionExpression: 'sk, #last, #c, #o, #ids',
      ExpressionAttributeNames: { '#last': 'last', '#c': 'c', '#o': 'o', '#ids': 'ids' },
    });
    for (const item of items) {
      const first = num(item.sk);
      const commit = num(item.c);
      const offset = num(item.o);
      str(item.ids)
        .split(',')
        .forEach((id, index) => head.ids.set(id, { streamVersion: first + index, globalPosition: packPosition(commit, offset + index) }));
      head.lastVersion = Math.max(head.lastVersion ?? -1, num(item.last));
    }
    if (head.lastVersion !== undefined) this.rememberTail(streamId, head.lastVersion);
    return head;
  }

  /**
   * Writes the batch at `slot`: a place in the next log entry (the intent, shared with the appends that
   * arrived meanwhile), then the commit item under attribute_not_exists. Returns undefined when another
   * writer holds the slot (the member is then marked void, so readers pass it at once).
   */
  private async commit(batch: PreparedBatch, slot: number): Promise<AppendResult | undefined> {
    const placement: Placement = await this.log.place({ batch, streamId: batch.streamId, slot, eventCount: batch.events.length, sizeBytes: batch.memberBytes });
    const { commit, offset } = placement;
    const last = batch.events.length - 1;
    try {
      await this.send('PutItem commit', (c) =>
        c.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: commitItem(batch, slot, commit, offset),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) {
        placement.report('unknown'); // outcome unknown: the member stays pending; readers resolve it
        throw error;
      }
      // The slot is taken: by another writer, or by us (a reader completed our member, or the SDK
      // retried a put that had landed). The commit number and offset in the slot tell which.
      const holder = await this.getCommitItem(batch.streamId, slot).catch((e: unknown) => {
        placement.report('unknown');
        throw e;
      });
      if (holder === undefined || num(holder.c) !== commit || num(holder.o) !== offset) {
        placement.report('void');
        return undefined;
      }
    }
    placement.report('committed');
    this.rememberTail(batch.streamId, slot + last);
    return { nextExpectedVersion: slot + last, globalPosition: packPosition(commit, offset + last) };
  }

  /** Number of the newest log entry (0: empty log). */
  private async newestCommit(): Promise<number> {
    const [newest] = await this.queryPage('Query newest log entry', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: LOG_KEY } },
      ProjectionExpression: 'sk',
      ScanIndexForward: false,
      Limit: 1,
    });
    return newest ? num(newest.sk) : 0;
  }

  /**
   * pending -> committed or void, one UpdateItem for all the members given. Unconditional on purpose:
   * a member's state follows from its stream slot, which never changes once written, so every reader
   * that decides a member decides the same.
   */
  private async markMembers(commit: number, states: ReadonlyMap<number, 'committed' | 'void'>): Promise<void> {
    if (states.size === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = { ':committed': { S: 'committed' }, ':void': { S: 'void' } };
    const sets = [...states].map(([index, state]) => {
      names[`#st${index}`] = `st${index}`;
      return `#st${index} = :${state}`;
    });
    try {
      await this.send('UpdateItem mark log', (c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: LOG_KEY }, sk: { N: String(commit) } },
            UpdateExpression: `SET ${sets.join(', ')}`,
            // An update creates a missing item: never let it invent a log entry.
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: Object.fromEntries(Object.entries(values).filter(([k]) => sets.some((set) => set.endsWith(k)))),
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

  private async logWriterAt(commit: number): Promise<string | undefined> {
    const { Item } = await this.send('GetItem log writer', (c) =>
      c.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: LOG_KEY }, sk: { N: String(commit) } }, ProjectionExpression: 'w', ConsistentRead: true })),
    );
    return Item?.w?.S;
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
    let next = Math.max(fromCommit, 1); // the log starts at 1
    const done = () => ({ events, resolvedThrough: next - 1 });
    while (events.length < maxCount) {
      const pageSize = collect ? Math.min(Math.max(maxCount - events.length, 16), 500) : 500;
      const items = await this.queryPage('Query log', {
        KeyConditionExpression: 'pk = :pk AND sk >= :next',
        ExpressionAttributeValues: { ':pk': { S: LOG_KEY }, ':next': { N: String(next) } },
        Limit: pageSize,
      });
      for (let entry of await this.decideFromSlots(items.map(decodeLogEntry))) {
        // Entry n is only ever written once n-1 exists (group-commit.ts): a hole is a broken table.
        if (entry.commit !== next) throw new Error(`the log jumps from ${next - 1} to ${entry.commit}: entries are written gap-free, was one deleted?`);
        if (entry.members.some((m) => m.state === 'pending')) {
          const decision = decideLogStep('pending', this.unresolved.unresolvedFor(entry.commit), this.abandonAfterMs);
          if (decision === 'wait') return done();
          entry = await this.resolvePending(entry);
        }
        this.unresolved.forget(entry.commit);
        if (collect) {
          for (const member of entry.members) {
            if (member.state !== 'committed') continue;
            member.events.forEach((stored, i) => {
              const index = member.offset + i;
              if (entry.commit === fromCommit && index < fromIndex) return;
              if (events.length < maxCount) events.push(logEventToRecorded(entry.commit, member, stored, i));
            });
          }
        }
        next = entry.commit + 1;
        if (events.length >= maxCount) return done();
      }
      if (items.length < pageSize) return done();
    }
    return done();
  }

  /**
   * Decides the pending members of a page of entries from their stream slots, with one BatchGetItem
   * per 100 slots: the slot holds this (commit, offset) -> committed; another -> void; nothing -> still
   * pending (its writer is between its two puts, or dead). Writers mark their entries in the
   * background; a reader that gets there first does it here, so that later readers need no lookup
   * (the idea of PostgreSQL's hint bits).
   */
  private async decideFromSlots(entries: LogEntry[]): Promise<LogEntry[]> {
    const pending = entries.flatMap((entry) => entry.members.filter((m) => m.state === 'pending'));
    if (pending.length === 0) return entries;
    const slots = new Map<string, Record<string, AttributeValue>>();
    const keyOf = (streamId: string, slot: number) => `${slot}:${streamId}`;
    const wanted = [...new Map(pending.map((m) => [keyOf(m.streamId, m.slot), m])).values()]; // BatchGetItem refuses duplicate keys
    for (let i = 0; i < wanted.length; i += 100) {
      let keys: Record<string, AttributeValue>[] = wanted.slice(i, i + 100).map((m) => ({ pk: { S: streamKey(m.streamId) }, sk: { N: String(m.slot) } }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === 10) throw new Error('BatchGetItem kept leaving slots unprocessed');
        const { Responses, UnprocessedKeys } = await this.send('BatchGetItem slots', (c) =>
          c.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'pk, sk, c, o' } } })),
        );
        for (const item of Responses?.[this.tableName] ?? []) slots.set(keyOf(str(item.pk).slice(streamKey('').length), num(item.sk)), item);
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return entries.map((entry) => {
      const decided = new Map<number, 'committed' | 'void'>();
      for (const m of entry.members) {
        const holder = m.state === 'pending' ? slots.get(keyOf(m.streamId, m.slot)) : undefined;
        if (holder) decided.set(m.index, num(holder.c) === entry.commit && num(holder.o) === m.offset ? 'committed' : 'void');
      }
      if (decided.size === 0) return entry;
      this.markInBackground(entry.commit, decided);
      return { ...entry, members: entry.members.map((m) => ({ ...m, state: decided.get(m.index) ?? m.state })) };
    });
  }

  private markInBackground(commit: number, states: ReadonlyMap<number, 'committed' | 'void'>): void {
    if (this.closed) return;
    const marking: Promise<void> = this.markMembers(commit, states)
      .catch(() => {}) // only a hint: the next reader looks the slots up again
      .finally(() => this.marking.delete(marking));
    this.marking.add(marking);
  }

  /**
   * Finishes the members of an entry whose writer went quiet: the stream slot decides. Holding this
   * (commit, offset): committed. Holding another: void. Free: put the commit item from the entry on the
   * writer's behalf (its checks still hold, since nothing was appended to the stream since it read it),
   * then it holds this member.
   */
  private async resolvePending(entry: LogEntry): Promise<LogEntry> {
    const decided = new Map<number, 'committed' | 'void'>();
    for (const member of entry.members) {
      if (member.state !== 'pending') continue;
      for (let attempt = 0; !decided.has(member.index); attempt++) {
        if (attempt === 5) throw new Error(`log entry ${entry.commit}, member ${member.index} could not be resolved`); // unreachable: the slot is written below
        const holder = await this.getCommitItem(member.streamId, member.slot);
        if (holder !== undefined) {
          decided.set(member.index, num(holder.c) === entry.commit && num(holder.o) === member.offset ? 'committed' : 'void');
          break;
        }
        const item = commitItem({ ...member, events: toStored(member.events) }, member.slot, entry.commit, member.offset);
        await this.putItem('PutItem commit (roll forward)', item, { expression: 'attribute_not_exists(pk)' });
      }
    }
    await this.markMembers(entry.commit, decided);
    return { ...entry, members: entry.members.map((m) => ({ ...m, state: decided.get(m.index) ?? m.state })) };
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
      // Below the stable point every member's slot holds its answer: the lookup decides them all.
      for (const entry of await this.decideFromSlots((page.Items ?? []).map(decodeLogEntry))) {
        for (const member of [...entry.members].reverse()) {
          if (member.state !== 'committed') continue;
          for (let i = member.events.length - 1; i >= 0 && events.length < limit; i--) {
            if (entry.commit === fromCommit && member.offset + i > fromIndex) continue;
            events.push(logEventToRecorded(entry.commit, member, member.events[i]!, i));
          }
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
    await this.idle();
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

  async putItem(
    operation: string,
    item: Record<string, AttributeValue>,
    condition?: { expression: string; names?: Record<string, string>; values?: Record<string, AttributeValue> },
  ): Promise<boolean> {
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
    throw new InvalidEventError(EVENTS_PER_COMMIT, '(batch)', `a batch holds at most ${EVENTS_PER_COMMIT} events (they share one log entry)`);
  }
  events.forEach((e, index) => {
    if (LONE_SURROGATE.test(e.type)) throw new InvalidEventError(index, 'type', 'contains a lone UTF-16 surrogate, which DynamoDB cannot store');
  });
  const stored = {
    streamId,
    recordedAt: new Date().toISOString(),
    events: events.map((e) => ({ id: e.id, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson })),
  };
  const largestMember = { batch: stored, slot: Number.MAX_SAFE_INTEGER, offset: EVENTS_PER_COMMIT };
  const memberBytes = itemSizeBytes({ m: { L: [memberAttribute(largestMember)] }, st0: { S: 'committed' } });
  const batch: PreparedBatch = { ...stored, memberBytes };
  // Sized with the largest numbers the keys can take, so the real items are never bigger. Alone in a
  // log entry the batch must fit too; the group commit adds members only while the entry fits.
  const largest = Math.max(
    itemSizeBytes(commitItem(batch, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, EVENTS_PER_COMMIT)),
    itemSizeBytes(logEntryItem(Number.MAX_SAFE_INTEGER, randomUUID(), [largestMember])),
  );
  if (largest > MAX_ITEM_BYTES) throw new BatchTooLargeError(events.length, largest, MAX_ITEM_BYTES);
  return batch;
}

/**
 * A batch's events as ONE string of JSON, data and metadata embedded as they are: one attribute to
 * write, send and parse instead of a list of maps of strings (which cost dynalite and the SDK about
 * as much again as the request itself), and one JSON.parse on read. Data stays opaque JSON either way:
 * DynamoDB maps nest at most 32 levels and would turn numbers into JS numbers.
 */
function eventsAttribute(events: readonly StoredEvent[]): AttributeValue {
  let json = eventsJson.get(events);
  if (json === undefined) {
    json = `[${events.map((e) => `{"i":${JSON.stringify(e.id)},"t":${JSON.stringify(e.type)},"d":${e.dataJson},"m":${e.metadataJson}}`).join(',')}]`;
    eventsJson.set(events, json);
  }
  return { S: json };
}
/** A batch is sized, then written as a commit item and in a log entry: its JSON is built once. */
const eventsJson = new WeakMap<readonly StoredEvent[], string>();

/**
 * stream#<id> / first version: the batch, its last version, the log entry holding it (c) and its first
 * event's index there (o), and its ids.
 */
export function commitItem(
  batch: Pick<PreparedBatch, 'streamId' | 'events' | 'recordedAt'>,
  slot: number,
  commit: number,
  offset: number,
): Record<string, AttributeValue> {
  return {
    pk: { S: streamKey(batch.streamId) },
    sk: { N: String(slot) },
    last: { N: String(slot + batch.events.length - 1) },
    c: { N: String(commit) },
    o: { N: String(offset) },
    ids: { S: batch.events.map((e) => e.id).join(',') },
    at: { S: batch.recordedAt },
    ev: eventsAttribute(batch.events),
  };
}

export interface EntryMember {
  batch: Pick<PreparedBatch, 'streamId' | 'events' | 'recordedAt'>;
  slot: number;
  offset: number;
}

function memberAttribute({ batch, slot, offset }: EntryMember): AttributeValue {
  return { M: { s: { S: batch.streamId }, v: { N: String(slot) }, o: { N: String(offset) }, at: { S: batch.recordedAt }, ev: eventsAttribute(batch.events) } };
}

/**
 * $all / commit number: the appends of one group commit, each pending (st<i>), with everything a
 * reader needs to finish them.
 */
export function logEntryItem(commit: number, writer: string, members: readonly EntryMember[]): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: LOG_KEY },
    sk: { N: String(commit) },
    w: { S: writer },
    m: { L: members.map(memberAttribute) },
  };
  members.forEach((_, index) => (item[`st${index}`] = { S: 'pending' }));
  return item;
}

function decodeEvents(value: AttributeValue | undefined): LoadedEvent[] {
  const events = JSON.parse(str(value)) as { i: string; t: string; d: LoadedEvent['data']; m: LoadedEvent['metadata'] }[];
  return events.map((e) => ({ id: e.i, type: e.t, data: e.d, metadata: e.m }));
}

function toStored(events: readonly LoadedEvent[]): StoredEvent[] {
  return events.map((e) => ({ id: e.id, type: e.type, dataJson: JSON.stringify(e.data), metadataJson: JSON.stringify(e.metadata) }));
}

function decodeLogEntry(item: Record<string, AttributeValue>): LogEntry {
  const commit = num(item.sk);
  return {
    commit,
    writer: item.w?.S ?? '',
    members: (item.m?.L ?? []).map((value, index) => {
      const m = value.M ?? {};
      const state = item[`st${index}`]?.S;
      if (state !== 'pending' && state !== 'committed' && state !== 'void') throw new Error(`log entry ${commit}, member ${index} has state '${state}'`);
      return { index, state, streamId: str(m.s), slot: num(m.v), offset: num(m.o), recordedAt: str(m.at), events: decodeEvents(m.ev) };
    }),
  };
}

function toRecorded(streamId: string, stored: LoadedEvent, streamVersion: number, globalPosition: bigint, recordedAt: string): RecordedEvent {
  return {
    id: stored.id,
    streamId,
    type: stored.type,
    data: stored.data,
    metadata: stored.metadata,
    streamVersion,
    globalPosition,
    recordedAt: new Date(recordedAt),
  };
}

function logEventToRecorded(commit: number, member: LogMember, stored: LoadedEvent, i: number): RecordedEvent {
  return toRecorded(member.streamId, stored, member.slot + i, packPosition(commit, member.offset + i), member.recordedAt);
}

function decodeCommitItem(streamId: string, item: Record<string, AttributeValue>): RecordedEvent[] {
  const first = num(item.sk);
  const commit = num(item.c);
  const offset = num(item.o);
  const at = str(item.at);
  return decodeEvents(item.ev).map((stored, index) => toRecorded(streamId, stored, first + index, packPosition(commit, offset + index), at));
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
