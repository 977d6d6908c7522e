/**
 // @steps 00..00
 //| * Your DynamoDB event store: the file you grow, step by step, until it passes the whole conformance
 //| * suite. Each step's README (workshop/dynamodb/steps/) says which TODOs to fill; check your work with
 //| *   npm run workshop -- check dynamodb 01
 //| * and ask for a hint with
 //| *   npm run workshop -- hint dynamodb 01
 //| *
 //| * The contract you implement is `EventStore` in labs/core/event-store.ts. Validation, errors and the
 //| * subscription loop are given (labs/core); so are the table's items and plain requests (../table.ts).
 //| * The DynamoDB work (keys, conditions, queries, the global order) is yours. The checker creates a
 //| * fresh table for every check.
 // @end
 // @steps 01..
 * The reference solution of the DynamoDB path after step {{step}}, generated from
 * workshop/dynamodb/solution/store.ts (every step in one file, see its markers). What this step changes:
 *   npm run workshop -- solution dynamodb {{step}} --diff
 // @end
 *
 * The table's layout, the item codecs (commitItem, decodeCommit, logItem, …) and the plain requests
 * (table.putItem, getItem, queryAll, queryPage, send) are given in workshop/dynamodb/table.ts.
 */
// @steps 00..09
//| /* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
// @end
import { randomUUID } from 'node:crypto';
import { PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_READ_ALL_PAGE,
  DuplicateEventIdError,
  // @steps 00..09
  //| UnsupportedCapabilityError,
  // @end
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
import { EVENTS_PER_COMMIT, isConditionalCheckFailed, packPosition, unpackPosition } from '../../../labs/dynamodb/index.ts';
import {
  COUNTER,
  LOG,
  STREAM,
  Table,
  commitItem,
  commitToRecorded,
  decodeCommit,
  // @steps 00..04
  //| decodeEvents,
  // @end
  decodeLogEntry,
  // @steps 00..04
  //| eventsAttribute,
  // @end
  key,
  logItem,
  num,
  str,
  type Commit,
  type LogEntry,
  type StoredEvent,
} from '../table.ts';

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connection: string): Promise<EventStore> {
  return new WorkshopDynamoDbStore(connection);
}

/**
 * A DynamoDB item holds at most 400 KB, and one append is one item: an event may use at most 384 KiB of
 * JSON, and a batch that does not fit is refused by DynamoDB (ValidationException -> InvalidInputError).
 */
const LIMITS: StoreLimits = { maxEventBytes: 384 * 1024, maxStreamIdLength: 200, maxSnapshotBytes: 384 * 1024, nulInText: true };

// @steps 05..
/** How long a reader waits on a commit number that is not resolved before closing or finishing it. */
const ABANDON_AFTER_MS = 2000;

// @end
// @steps 02..
/** `any` / `stream_exists` appends that lose the race for the next slot try again, this many times. */
const MAX_ATTEMPTS = 25;

// @end
class WorkshopDynamoDbStore implements EventStore {
  readonly backend = 'dynamodb (workshop)';
  // @steps 00..09
  //| readonly unsupported: UnsupportedCapabilities = {
  // @end
    // @steps 00..02
    //| 'read-backward': 'TODO step 03',
    // @end
    // @steps 00..03
    //| 'global-order': 'TODO step 04',
    // @end
    // @steps 00..05
    //| subscriptions: 'TODO step 06',
    // @end
    // @steps 00..06
    //| 'idempotent-append': 'TODO step 07',
    // @end
    // @steps 00..08
    //| snapshots: 'TODO step 09',
    // @end
    // @steps 00..09
    //| checkpoints: 'TODO step 10',
  //| };
    // @end
  // @steps 10..
  readonly unsupported: UnsupportedCapabilities = {};
  // @end
  readonly limits = LIMITS;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private readonly table: Table;
  // @steps 05..
  /** Since when (this reader's clock) each commit number has been seen unresolved. */
  private readonly unresolvedSince = new Map<number, number>();
  // @end

  constructor(connection: string) {
    this.table = new Table(connection);
    this.checkpoints = new Checkpoints(this.table);
    this.snapshots = new Snapshots(this.table);
  }

  // ------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    // @steps 00..00
    //| // TODO step 01: read the stream's commit items (readCommits), put ONE commit item holding the whole
    //| // batch at sort key = the stream's last version + 1 (commitItem builds it; until step 04 use that
    //| // version as its `commit` number too), and return the version and position of its last event.
    //| // (TODO step 02 comes back here: check input.expectedVersion and make the put conditional.)
    //| throw todo('01', `appendToStream: put one commit item holding the ${input.events.length} event(s)`);
    // @end
    // @steps 01..01
    //| // A consistent read of the stream: its last version (-1: no events yet).
    //| const commits = await this.readCommits(input.streamId);
    //| // TODO step 02: check input.expectedVersion, and make the put conditional.
    //| const slot = lastVersionOf(commits) + 1;
    // @end
    // @steps 02..
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // @end
      // @steps 02..06
      //| // A consistent read of the stream: its last version. (TODO step 07: and every event id it holds.)
      // @end
      // @steps 07..
      // A consistent read of the stream: its last version, and (step 07) every event id it holds.
      // @end
      // @steps 02..
      const commits = await this.readCommits(input.streamId);
      // @end
      // @steps 07..
      const earlier = findEarlierAppend(input.streamId, commits, input.events);
      if (earlier) return earlier;
      // @end
      // @steps 02..
      const lastVersion = lastVersionOf(commits);
      checkExpectedVersion(input.streamId, input.expectedVersion, lastVersion);
      const result = await this.commit(input.streamId, input.events, lastVersion + 1);
      if (result) return result;
      // Another writer took the slot between our read and our put: read again. An exact expected
      // @end
      // @steps 02..06
      //| // version now fails, `any` / `stream_exists` take the next slot.
      // @end
      // @steps 07..
      // version now fails, a racing retry finds its ids, `any` / `stream_exists` take the next slot.
      // @end
    // @steps 02..
    }
    throw new Error(`append to '${input.streamId}' lost the race for the next version ${MAX_ATTEMPTS} times; nothing was written`);
  }

    // @end
  // @steps 02..03
  //| /** Puts the commit item under attribute_not_exists. Undefined when the slot was taken. */
  // @end
  // @steps 04..
  /**
  // @end
   // @steps 04..04
   //| * Step 04: draw a commit number from the atomic counter, put the commit item under
   //| * attribute_not_exists, then write the batch's events to $all. Undefined when the slot was taken (the
   //| * number drawn stays unused: a gap in $all that readers step over).
   // @end
   // @steps 05..
   * Step 05: draw a commit number and write the PENDING log entry (the intent) first, then the commit
   * item under attribute_not_exists, then mark the entry committed. Undefined when the slot was taken.
   // @end
   // @steps 04..
   */
   // @end
  // @steps 02..
  private async commit(streamId: string, events: ValidatedEvent[], slot: number): Promise<AppendResult | undefined> {
  // @end
    // @steps 01..03
    //| // TODO step 04: a commit number from an atomic counter. Until then the slot stands in for it, which
    //| // keeps positions increasing inside one stream (and only there).
    // @end
    // @steps 01..01
    //| const batch: Commit = { streamId: input.streamId, first: slot, commit: slot, recordedAt: new Date().toISOString(), events: input.events.map(toStored) };
    //| await this.table.putItem(commitItem(batch));
    //| const last = input.events.length - 1;
    // @end
    // @steps 02..03
    //| const batch: Commit = { streamId, first: slot, commit: slot, recordedAt: new Date().toISOString(), events: events.map(toStored) };
    // @end
    // @steps 04..04
    //| const commit = await this.drawCommitNumber();
    //| const batch: Commit = { streamId, first: slot, commit, recordedAt: new Date().toISOString(), events: events.map(toStored) };
    // @end
    // @steps 02..04
    //| if (!(await this.putCommit(batch))) return undefined;
    // @end
    // @steps 04..04
    //| // $all: one item per event, its sort key the event's position, so readers can page by position.
    //| for (const [index, event] of batch.events.entries()) {
      //| await this.table.putItem({
        //| ...key(LOG, Number(packPosition(commit, index))),
        //| s: { S: streamId },
        //| v: { N: String(slot + index) },
        //| at: { S: batch.recordedAt },
        //| ev: eventsAttribute([event]),
      //| });
    // @end
    // @steps 05..
    const batch: Commit = { streamId, first: slot, commit: 0, recordedAt: new Date().toISOString(), events: events.map(toStored) };
    batch.commit = await this.writeIntent(batch);
    if (!(await this.putCommit(batch))) {
      // The slot is taken: by another writer (then our entry is void), or by a reader that finished our
      // intent while we were slow (then it is ours). The commit number in the slot says which.
      const holder = await this.table.getItem(STREAM(streamId), slot);
      if (holder === undefined || num(holder.c) !== batch.commit) {
        await this.settle(batch.commit, 'void');
        return undefined;
      }
    // @end
    // @steps 04..
    }
    // @end
    // @steps 05..
    await this.settle(batch.commit, 'committed');
    // @end
    // @steps 02..
    const last = events.length - 1;
    // @end
    // @steps 01..03
    //| return { nextExpectedVersion: slot + last, globalPosition: packPosition(batch.commit, last) };
    // @end
    // @steps 04..04
    //| return { nextExpectedVersion: slot + last, globalPosition: packPosition(commit, last) };
    // @end
    // @steps 05..
    return { nextExpectedVersion: slot + last, globalPosition: packPosition(batch.commit, last) };
    // @end
  // @steps 04..
  }

  // @end
  // @steps 04..04
  //| /** UpdateItem ADD on one item: DynamoDB applies concurrent increments one after the other. */
  //| private async drawCommitNumber(): Promise<number> {
    //| const drawn = await this.table.send((c) =>
      //| c.send(
        //| new UpdateItemCommand({
          //| TableName: this.table.name,
          //| Key: key(COUNTER, 0),
          //| UpdateExpression: 'ADD n :one',
          //| ExpressionAttributeValues: { ':one': { N: '1' } },
          //| ReturnValues: 'UPDATED_NEW',
        //| }),
      //| ),
    //| );
    //| return num(drawn.Attributes?.n);
  // @end
  // @steps 05..
  /** Draws numbers until the intent lands: a reader may have closed a number we were too slow to use. */
  private async writeIntent(batch: Commit): Promise<number> {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const drawn = await this.table.send((c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.table.name,
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
      const existing = await this.table.getItem(LOG, commit);
      if (existing?.w?.S === intent.w.S) return commit; // the SDK retried a put that had landed
    }
    throw new Error(`append to '${batch.streamId}': every commit number drawn was closed by readers before its intent was written`);
  // @end
  // @steps 02..
  }

  private putCommit(batch: Commit): Promise<boolean> {
    return this.putIfAbsent(commitItem(batch));
  // @end
  // @steps 05..
  }

  /** pending -> committed or void, once: whoever settles first wins, and both decide alike. */
  private async settle(commit: number, state: 'committed' | 'void'): Promise<void> {
    try {
      await this.table.send((c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.table.name,
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
  // @end
  }

  // ------------------------------------------------------------------------------------ read a stream

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    // @steps 00..00
    //| // TODO step 01: the stream's events from `fromVersion` (default 0) in version order, at most `maxCount`
    //| // of them: readCommits, then commitToRecorded on each commit.
    //| throw todo('01', `readStream: query the partition of '${streamId}' and return its events in version order`);
    // @end
    // @steps 01..
    const events = (await this.readCommits(streamId)).flatMap(commitToRecorded);
    const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
    // @end
    // @steps 01..02
    //| if (direction === 'backward') throw todo('03', 'readStream backwards: newest first, fromVersion counting down');
    // @end
    // @steps 03..
    if (direction === 'backward') {
      const from = fromVersion ?? Number.MAX_SAFE_INTEGER;
      return events.filter((e) => e.streamVersion <= from).reverse().slice(0, limit);
    }
    // @end
    // @steps 01..
    return events.filter((e) => e.streamVersion >= (fromVersion ?? 0)).slice(0, limit);
    // @end
  }

  /** Every commit item of a stream, in version order: one consistent Query of its partition, paged. */
  private async readCommits(streamId: string): Promise<Commit[]> {
    // @steps 00..00
    //| // TODO step 01: Query the items whose pk is STREAM(streamId) (queryAll does the paging and asks for
    //| // a strongly consistent read), and decode each with decodeCommit.
    //| throw todo('01', `readCommits: query the partition '${STREAM(streamId)}'`);
    // @end
    // @steps 01..
    const items = await this.table.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: STREAM(streamId) } } });
    return items.map((item) => decodeCommit(streamId, item));
    // @end
  }

  // ----------------------------------------------------------------------------------------- read all

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    // @steps 00..03
    //| throw todo('04', 'readAll: number every commit from an atomic counter and read the $all log partition in order');
    // @end
    // @steps 04..
    const limit = maxCount ?? DEFAULT_READ_ALL_PAGE;
    if (direction === 'backward') return this.readLogBackward(fromPosition, limit);
    const from = fromPosition ?? 0n;
    const events: RecordedEvent[] = [];
    // @end
    // @steps 04..04
    //| // The log partition in position order, from `from` on.
    // @end
    // @steps 05..
    let next = Math.max(unpackPosition(from).commit, 1); // the counter hands out 1 first
    page: while (events.length < limit) {
      const pageSize = 100;
      const items = await this.table.queryPage({
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
      const holder = await this.table.getItem(STREAM(entry.streamId), entry.first);
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
    // @end
    // @steps 04..
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.send((c) =>
        c.send(
          new QueryCommand({
            TableName: this.table.name,
            ConsistentRead: true,
    // @end
            // @steps 04..04
            //| KeyConditionExpression: 'pk = :pk AND sk >= :from',
            //| ExpressionAttributeValues: { ':pk': { S: LOG }, ':from': { N: from.toString() } },
            //| Limit: Math.min(limit, 100),
            // @end
            // @steps 05..
            KeyConditionExpression: 'pk = :pk AND sk <= :from',
            ExpressionAttributeValues: { ':pk': { S: LOG }, ':from': { N: String(unpackPosition(from).commit) } },
            ScanIndexForward: false,
            Limit: 100,
            // @end
            // @steps 04..
            ExclusiveStartKey: startKey,
          }),
        ),
      );
            // @end
      // @steps 04..04
      //| for (const item of page.Items ?? []) if (events.length < limit) events.push(logEventToRecorded(item));
      // @end
      // @steps 05..
      for (const entry of (page.Items ?? []).map(decodeLogEntry)) {
        if (entry.state !== 'committed') continue;
        for (const event of commitToRecorded(entry).reverse()) {
          if (event.globalPosition <= from && events.length < limit) events.push(event);
        }
      }
      // @end
      // @steps 04..
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return events;
      // @end
  // @steps 04..04
  //| }
  //|
  //| /** Newest first. */
  //| private async readLogBackward(fromPosition: bigint | undefined, limit: number): Promise<RecordedEvent[]> {
    //| const page = await this.table.send((c) =>
      //| c.send(
        //| new QueryCommand({
          //| TableName: this.table.name,
          //| ConsistentRead: true,
          //| KeyConditionExpression: 'pk = :pk AND sk <= :from',
          //| ExpressionAttributeValues: { ':pk': { S: LOG }, ':from': { N: (fromPosition ?? BigInt(Number.MAX_SAFE_INTEGER)).toString() } },
          //| ScanIndexForward: false,
          //| Limit: limit,
        //| }),
      //| ),
    //| );
    //| return (page.Items ?? []).map(logEventToRecorded);
  // @end
  }

  // ------------------------------------------------------------------------------------ subscriptions

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    // @steps 00..05
    //| throw todo('06', 'subscribeToAll: use createPollingSubscription from labs/core');
    // @end
    // @steps 06..
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
    // @end
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    // @steps 00..05
    //| throw todo('06', 'subscribeToStream: use createPollingSubscription from labs/core');
    // @end
    // @steps 06..
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
    // @end
  }

  async close(): Promise<void> {
    this.table.close();
  }

  // ------------------------------------------------------------------------ the conditional put

  /** A PutItem that only writes when no item has this key. False when one exists. */
  private async putIfAbsent(item: Record<string, AttributeValue>): Promise<boolean> {
    try {
      await this.table.send((c) => c.send(new PutItemCommand({ TableName: this.table.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

// ------------------------------------------------------------------------------ versions, idempotency

function lastVersionOf(commits: Commit[]): number {
  const last = commits.at(-1);
  return last ? last.first + last.events.length - 1 : -1;
}

// @steps 02..
/** Step 02: throws WrongExpectedVersionError when `expected` does not hold for a stream at `lastVersion` (-1: none). */
function checkExpectedVersion(streamId: string, expected: ExpectedVersion, lastVersion: number): void {
  const exists = lastVersion >= 0;
  const holds = expected === 'any' || (expected === 'no_stream' ? !exists : expected === 'stream_exists' ? exists : expected === lastVersion);
  if (!holds) throw new WrongExpectedVersionError(streamId, expected, exists ? lastVersion : 'no_stream');
}

// @end
// @steps 07..
/**
 * Step 07: none of the batch's ids stored in the stream: undefined (append). All of them, as one run of
 * consecutive versions in the batch's order: an exact retry, answered with the original result.
 * Anything else reuses stored ids: refused.
 */
function findEarlierAppend(streamId: string, commits: Commit[], events: ValidatedEvent[]): AppendResult | undefined {
  const stored = new Map(commits.flatMap(commitToRecorded).map((e) => [e.id, e]));
  const found = events.map((e) => stored.get(e.id));
  const known = found.filter((e) => e !== undefined);
  if (known.length === 0) return undefined;
  const isRetry = known.length === events.length && known.every((e, i) => i === 0 || e.streamVersion === known[i - 1]!.streamVersion + 1);
  if (!isRetry) {
    throw new DuplicateEventIdError(streamId, known.map((e) => e.id), 'they are stored in this stream already, and this batch is not an exact retry');
  }
  const last = known[known.length - 1]!;
  return { nextExpectedVersion: last.streamVersion, globalPosition: last.globalPosition };
}

// @end
// --------------------------------------------------------------------------------- events as stored

function toStored(event: ValidatedEvent): StoredEvent {
  // @steps 00..07
  //| return { id: event.id, type: event.type, dataJson: event.dataJson, metadataJson: '{}' }; // TODO step 08: keep event.metadataJson
  // @end
  // @steps 08..
  return { id: event.id, type: event.type, dataJson: event.dataJson, metadataJson: event.metadataJson };
  // @end
}

// @steps 04..04
//| /** Step 04: an event of $all, one item each, its position in the sort key. */
//| function logEventToRecorded(item: Record<string, AttributeValue>): RecordedEvent {
  //| const [event] = commitToRecorded({ streamId: str(item.s), first: num(item.v), commit: 0, recordedAt: str(item.at), events: decodeEvents(item.ev) });
  //| return { ...event!, globalPosition: BigInt(num(item.sk)) };
//| }
//|
// @end
// ------------------------------------------------------------------------------- snapshots, checkpoints

/** Step 09: the latest snapshot of each stream, one item per stream. */
class Snapshots implements SnapshotStore {
  constructor(private readonly table: Table) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    // @steps 00..08
    //| throw new UnsupportedCapabilityError('dynamodb (workshop)', 'snapshots', 'TODO step 09');
    // @end
    // @steps 09..
    const item = await this.table.getItem(`snapshot#${streamId}`, 0);
    if (!item) return undefined;
    return { streamVersion: num(item.v), schemaVersion: num(item.sv), state: JSON.parse(str(item.state)) as Snapshot['state'] };
    // @end
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    // @steps 00..08
    //| throw new UnsupportedCapabilityError('dynamodb (workshop)', 'snapshots', 'TODO step 09');
    // @end
    // @steps 09..
    // Never replace a newer snapshot with an older one (two loaders may race); losing that race is fine.
    try {
      await this.table.send((c) =>
        c.send(
          new PutItemCommand({
            TableName: this.table.name,
            Item: {
              ...key(`snapshot#${streamId}`, 0),
              v: { N: String(snapshot.streamVersion) },
              sv: { N: String(snapshot.schemaVersion) },
              state: { S: JSON.stringify(snapshot.state) },
            },
            ConditionExpression: 'attribute_not_exists(pk) OR v <= :v',
            ExpressionAttributeValues: { ':v': { N: String(snapshot.streamVersion) } },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // @end
  }
}

/** Step 10: how far each subscriber got, one item per subscriber. */
class Checkpoints implements CheckpointStore {
  constructor(private readonly table: Table) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    // @steps 00..09
    //| throw new UnsupportedCapabilityError('dynamodb (workshop)', 'checkpoints', 'TODO step 10');
    // @end
    // @steps 10..
    const item = await this.table.getItem(`checkpoint#${subscriberId}`, 0);
    return item ? BigInt(str(item.p)) : undefined;
    // @end
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    // @steps 00..09
    //| throw new UnsupportedCapabilityError('dynamodb (workshop)', 'checkpoints', 'TODO step 10');
    // @end
    // @steps 10..
    // A string, not a number attribute: positions are bigints, and N comes back through a JS number.
    await this.table.putItem({ ...key(`checkpoint#${subscriberId}`, 0), p: { S: position.toString() } });
    // @end
  }
}

// @steps 00..09
//| function todo(step: string, what: string): Error {
  //| return new Error(`TODO step ${step}: ${what}`);
//| }
//|
// @end