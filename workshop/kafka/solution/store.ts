/**
 // @steps 00..00
 //| * Your Kafka event store: the file you grow, step by step, until it passes the whole conformance suite.
 //| * Each step's README (workshop/kafka/steps/) says which TODOs to fill; check your work with
 //| *   npm run workshop -- check kafka 01
 //| * and ask for a hint with
 //| *   npm run workshop -- hint kafka 01
 //| *
 //| * The contract you implement is `EventStore` in labs/core/event-store.ts. Validation, errors and the
 //| * subscription loop come from labs/core; the Kafka plumbing (quiet clients, topics, the record codec, the
 //| * read_committed tail that hands you every record) is in ../plumbing.ts. The event-store logic is yours.
 //| *
 //| * The topics (created for you by the checker, fresh for every check; names in `log.topology`):
 //| *   <ns>.events      1 partition   every event of every stream; key = stream id; position = offset + 1
 //| *   <ns>.snapshots   compacted     the latest snapshot per stream id (step 09)
 //| *   consumer group <ns>.checkpoint.<subscriber>: a subscriber's committed offset (step 10)
 // @end
 // @steps 01..
 * The reference solution of the Kafka path after step {{step}}, generated from
 * workshop/kafka/solution/store.ts (every step in one file, see its markers). What this step changes:
 *   npm run workshop -- solution kafka {{step}} --diff
 // @end
 // @steps 02..
 *
 // @end
 // @steps 04..04
 //| * This store passes steps 01-04 and FAILS step 05: each store instance has its own transactional
 //| * producer, appends lock only their stream, and the writer puts its records into the index as soon as
 //| * its commit returns. Step 05 is about why that skips events.
 // @end
 // @steps 05..
 * The design (docs/labs/kafka.md has the finished lab version, labs/kafka/):
 * - one single-partition events topic: key = stream id, the envelope in headers, position = offset + 1;
 * - an index per process, filled by the read_committed tail (plumbing.ts) in offset order;
 * - ONE writer per process: one transactional producer, every append of every store instance queued
 *   behind one mutex; it catches up, checks the expected version and the event ids, produces the batch
 *   in one transaction, and waits until the tail has read it back before the next append may check;
 * - subscriptions poll the index and wake on the tail's progress; checkpoints are committed offsets of a
 *   consumer group per subscriber; snapshots live in a compacted topic keyed by stream id.
 // @end
 */
// @steps 00..00
//| /* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
// @end
import { randomBytes } from 'node:crypto';
import type { KafkaMessage, Producer } from 'kafkajs';
import {
  DEFAULT_LIMITS,
  // @steps 04..
  DEFAULT_READ_ALL_PAGE,
  // @end
  // @steps 07..
  DuplicateEventIdError,
  // @end
  // @steps 02..
  WrongExpectedVersionError,
  // @end
  // @steps 06..
  createPollingSubscription,
  // @end
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  // @steps 02..
  type ExpectedVersion,
  // @end
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
  EVENTS_PARTITION,
  KafkaLog,
  decodeEvent,
  encodeEvent,
  // @steps 05..
  isConcurrentTransactionsError,
  // @end
  positionOfOffset,
  type DecodedEvent,
  type LogState,
} from '../plumbing.ts';

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connection: string): Promise<EventStore> {
  const { log, state } = await KafkaLog.open(connection, (kafkaLog) => new StoreState(kafkaLog));
  return new WorkshopKafkaStore(log, state);
}

/** The broker refuses record batches above message.max.bytes (1 MiB): events stay well under it. */
const LIMITS: StoreLimits = { ...DEFAULT_LIMITS, maxEventBytes: 512 * 1024 };
// @steps 05..
const MAX_ATTEMPTS = 5;
// @end

/**
 // @steps 00..04
 //| * What this process knows of the log: the index, shared by every store instance of the process. Records
 //| * come from two sides: the tail (everything committed, by any process, in offset order) and this
 //| * process's writers, right after their commit (so a read sees its own write without waiting for the
 //| * tail). The same record may come from both: its position tells.
 // @end
 // @steps 05..
 * What this process knows of the log: the index the tail fills, in offset order (one partition: the
 * offset IS the global order), and the single writer. Shared by every store instance of the process.
 // @end
 */
class StoreState implements LogState {
  // @steps 00..04
  //| /** Every event in position order: $all. */
  // @end
  // @steps 05..
  /** Every event in offset order: $all. */
  // @end
  readonly all: RecordedEvent[] = [];
  readonly streams = new Map<string, RecordedEvent[]>();
  // @steps 00..04
  //| private readonly positions = new Set<bigint>();
  // @end
  // @steps 02..04
  //| /** Appends to one stream queue here, so they check its version one at a time. */
  //| private readonly streamLocks = new Map<string, Promise<void>>();
  // @end
  // @steps 05..
  readonly byId = new Map<string, RecordedEvent>();
  readonly snapshots = new Map<string, Snapshot>();
  /** The single writer: one transactional producer, used by one append at a time. */
  private producer: Promise<Producer> | undefined;
  private writerQueue: Promise<void> = Promise.resolve();
  // @end

  constructor(readonly log: KafkaLog) {}

  onRecord(topic: string, message: KafkaMessage): void {
    if (topic === this.log.topology.events) {
      const decoded = decodeEvent(message);
      if (decoded) this.applyEvent(decoded);
    // @steps 05..
    } else if (topic === this.log.topology.snapshots) {
      this.applySnapshot(message);
    // @end
    }
  }

  // @steps 00..04
  //| /** A stream's events at the versions their writer claimed; $all by position. */
  //| applyEvent(decoded: DecodedEvent): void {
  // @end
    // @steps 00..00
    //| // TODO step 01: the event at globalPosition = positionOfOffset(decoded.offset), once (the same record
    //| // may come twice: remember positions), in its stream at the version its writer claimed
    //| // (decoded.claimedVersion) and in `all` at its place by position (indexOfPosition).
    // @end
    // @steps 01..04
    //| const globalPosition = positionOfOffset(decoded.offset);
    //| if (this.positions.has(globalPosition)) return;
    //| this.positions.add(globalPosition);
    // @end
  // @steps 05..
  /** Records arrive in offset order, so the n-th record with a key is version n-1 of that stream. */
  private applyEvent(decoded: DecodedEvent): void {
  // @end
    // @steps 01..
    let stream = this.streams.get(decoded.streamId);
    if (!stream) {
      stream = [];
      this.streams.set(decoded.streamId, stream);
    }
    const event: RecordedEvent = {
      id: decoded.id,
      streamId: decoded.streamId,
      type: decoded.type,
      data: decoded.data,
      metadata: decoded.metadata,
    // @end
      // @steps 01..04
      //| streamVersion: decoded.claimedVersion ?? stream.length,
      //| globalPosition,
      // @end
      // @steps 05..
      streamVersion: stream.length,
      globalPosition: positionOfOffset(decoded.offset),
      // @end
      // @steps 01..
      recordedAt: decoded.recordedAt,
    };
      // @end
    // @steps 01..04
    //| stream[event.streamVersion] = event;
    //| this.all.splice(this.indexOfPosition(globalPosition), 0, event);
    // @end
    // @steps 05..
    stream.push(event);
    this.all.push(event);
    if (!this.byId.has(event.id)) this.byId.set(event.id, event);
  }

  /** The snapshots topic is compacted by key (stream id); a record without a value is a tombstone. */
  private applySnapshot(message: KafkaMessage): void {
    const streamId = message.key?.toString('utf8');
    if (streamId === undefined) return;
    if (message.value === null) {
      this.snapshots.delete(streamId);
      return;
    }
    try {
      const { streamVersion, schemaVersion, state } = JSON.parse(message.value.toString('utf8')) as Snapshot;
      this.snapshots.set(streamId, { streamVersion, schemaVersion, state });
    } catch {
      // not a snapshot of this store
    }
    // @end
  }

  streamVersion(streamId: string): number | undefined {
    const stream = this.streams.get(streamId);
    return stream && stream.length > 0 ? stream.length - 1 : undefined;
  // @steps 02..
  }

  // @end
  // @steps 02..04
  //| /** Runs `action` when every earlier append to this stream (in this process) is done. */
  //| withStreamLock<T>(streamId: string, action: () => Promise<T>): Promise<T> {
    //| const previous = this.streamLocks.get(streamId) ?? Promise.resolve();
  // @end
  // @steps 05..
  /** Runs `action` when every earlier append of this process is done: one writer at a time. */
  withWriter<T>(action: (producer: () => Promise<Producer>) => Promise<T>): Promise<T> {
    const previous = this.writerQueue;
  // @end
    // @steps 02..
    let release!: () => void;
    // @end
    // @steps 02..04
    //| const mine = new Promise<void>((resolve) => (release = resolve));
    //| this.streamLocks.set(streamId, mine);
    //| return previous.then(action).finally(() => {
      //| release();
      //| if (this.streamLocks.get(streamId) === mine) this.streamLocks.delete(streamId);
    //| });
    // @end
    // @steps 05..
    this.writerQueue = new Promise<void>((resolve) => (release = resolve));
    return previous.then(() => action(() => this.connectProducer())).finally(release);
    // @end
  }

  // @steps 00..04
  //| /** Events at or after `position` in $all. */
  //| eventsFrom(position: bigint, maxCount: number): RecordedEvent[] {
    //| const start = this.indexOfPosition(position);
    //| return this.all.slice(start, start + maxCount);
  // @end
  // @steps 05..
  private connectProducer(): Promise<Producer> {
    this.producer ??= this.log.transactionalProducer(`${this.log.topology.writerTransactionalId}.${randomBytes(4).toString('hex')}`);
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  // @end
  }

  // @steps 00..04
  //| /** Index of the first event at or after `position` (binary search: positions grow along the array). */
  //| private indexOfPosition(position: bigint): number {
  // @end
  // @steps 05..
  async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }

  /** Events after `position` in $all (binary search: positions grow along the array). */
  eventsFrom(position: bigint, maxCount: number): RecordedEvent[] {
  // @end
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.all[middle]!.globalPosition < position) low = middle + 1;
      else high = middle;
    }
    // @steps 00..04
    //| return low;
    // @end
    // @steps 05..
    return this.all.slice(low, low + maxCount);
    // @end
  }
}

class WorkshopKafkaStore implements EventStore {
  readonly backend = 'kafka (workshop)';
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
  private closed = false;
  // @steps 00..04
  //| /** This store's own transactional producer (its own transactional id). */
  //| private producer: Promise<Producer> | undefined;
  // @end

  constructor(
    private readonly log: KafkaLog,
    private readonly state: StoreState,
  ) {
    // @steps 00..04
    //| this.checkpoints = new Checkpoints();
    //| this.snapshots = new Snapshots();
    // @end
    // @steps 05..
    this.checkpoints = new Checkpoints(log);
    this.snapshots = new Snapshots(log, state);
    // @end
  }

  // ------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    this.assertOpen();
    const topic = this.log.topology.events;
    // @steps 00..00
    //| // TODO step 01: produce the batch in ONE transaction (produceInTransaction) with this store's own
    //| // transactional producer (this.log.transactionalProducer, a unique transactional id), at versions
    //| // current + 1 …, then put the events into the index at once (this.state.applyEvent: the broker told
    //| // you their offsets), and return the version and position of the last one.
    //| // (TODO step 02 comes back here: check input.expectedVersion, and hold the check while others race.)
    //| throw todo('01', `appendToStream: produce the ${input.events.length} event(s) of '${input.streamId}' to ${topic} in one transaction`);
    // @end
    // @steps 01..01
    //| // TODO step 02: check input.expectedVersion, and make the check hold while other writers race.
    //| {
    // @end
    // @steps 02..04
    //| return this.state.withStreamLock(input.streamId, async () => {
    // @end
      // @steps 01..04
      //| const current = this.state.streamVersion(input.streamId);
      // @end
      // @steps 02..04
      //| checkExpectedVersion(input.streamId, input.expectedVersion, current);
      // @end
      // @steps 01..04
      //| this.producer ??= this.log.transactionalProducer(`${this.log.topology.namespace}.writer.${randomBytes(4).toString('hex')}`);
      //| const now = Date.now();
      //| const lastOffset = await produceInTransaction(await this.producer, topic, input.streamId, input.events, current, now);
      //| // The broker told us our offsets: into the index at once (the tail brings them a moment later).
      //| const firstOffset = lastOffset - BigInt(input.events.length - 1);
      //| input.events.forEach((event, i) =>
        //| this.state.applyEvent({
          //| offset: firstOffset + BigInt(i),
          //| streamId: input.streamId,
          //| id: event.id,
          //| type: event.type,
          //| data: structuredClone(event.data),
          //| metadata: {}, // TODO step 08: keep the metadata
          //| claimedVersion: (current ?? -1) + 1 + i,
          //| recordedAt: new Date(now),
        //| }),
      //| );
      //| return { nextExpectedVersion: (current ?? -1) + input.events.length, globalPosition: positionOfOffset(lastOffset) };
      // @end
    // @steps 01..01
    //| }
    // @end
    // @steps 05..
    return this.state.withWriter(async (producer) => {
      for (let attempt = 1; ; attempt++) {
        // Everything committed before now (by any process) is in the index after this.
        await this.log.catchUp(topic);
    // @end
        // @steps 05..06
        //| // TODO step 07: a batch whose event ids are stored already is a retry: answer it, write nothing.
        // @end
        // @steps 07..
        const earlier = findEarlierAppend(this.state, input.streamId, input.events);
        if (earlier) return earlier;
        // @end
        // @steps 05..
        const current = this.state.streamVersion(input.streamId);
        checkExpectedVersion(input.streamId, input.expectedVersion, current);
        try {
          const lastOffset = await produceInTransaction(await producer(), topic, input.streamId, input.events, current);
          // commit() returns before the markers make the records readable: wait until the tail has them,
          // so the caller reads its own write and the next append checks against it.
          await this.log.waitFor(topic, lastOffset + 1n);
          return { nextExpectedVersion: (current ?? -1) + input.events.length, globalPosition: positionOfOffset(lastOffset) };
        } catch (error) {
        // @end
          // @steps 05..06
          //| // The coordinator still writing the previous transaction's markers: nothing of ours is visible.
          // @end
          // @steps 07..
          // The coordinator still writing the previous transaction's markers: nothing of ours is visible
          // (or, if the commit did land, the event-id check above answers the retry).
          // @end
          // @steps 05..
          if (!isConcurrentTransactionsError(error) || attempt >= MAX_ATTEMPTS) throw error;
          await this.state.dropProducer();
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
          // @end
    // @steps 02..
    });
    // @end
  }

  // -------------------------------------------------------------------------------------------- reads

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    this.assertOpen();
    // @steps 00..00
    //| // TODO step 01: catch up (this.log.catchUp: everything committed is then in the index), then the
    //| // stream's events from `fromVersion` (default 0) in version order, at most `maxCount`, as copies.
    //| throw todo('01', `readStream: the events of '${streamId}' from the index, after catching up with the tail`);
    // @end
    // @steps 01..
    await this.log.catchUp(this.log.topology.events);
    const stream = this.state.streams.get(streamId) ?? [];
    const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
    if (direction === 'forward') {
      const start = fromVersion ?? 0;
      return stream.slice(start, start + Math.min(limit, stream.length)).map(copy);
    }
    // @end
    // @steps 01..02
    //| throw todo('03', 'readStream backwards: newest first, from fromVersion counting down');
    // @end
    // @steps 03..
    const result: RecordedEvent[] = [];
    for (let v = Math.min(fromVersion ?? stream.length - 1, stream.length - 1); v >= 0 && result.length < limit; v--) result.push(copy(stream[v]!));
    return result;
    // @end
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    // @steps 00..03
    //| validateReadAllOptions(options);
    //| throw todo('04', 'readAll: the index in position order (position = offset + 1), from fromPosition');
    // @end
    // @steps 04..
    const { direction, fromPosition, maxCount = DEFAULT_READ_ALL_PAGE } = validateReadAllOptions(options);
    this.assertOpen();
    await this.log.catchUp(this.log.topology.events);
    if (direction === 'forward') return this.state.eventsFrom(fromPosition ?? 0n, maxCount).map(copy);
    const all = this.state.all;
    const result: RecordedEvent[] = [];
    for (let i = all.length - 1; i >= 0 && result.length < maxCount; i--) {
      if (fromPosition === undefined || all[i]!.globalPosition <= fromPosition) result.push(copy(all[i]!));
    }
    return result;
    // @end
  }

  // ------------------------------------------------------------------------------------ subscriptions

  // @steps 00..05
  //| subscribeToAll(_options: SubscribeToAllOptions = {}): Subscription {
    //| throw todo('06', 'subscribe: createPollingSubscription from labs/core over the index, woken by the tail');
  // @end
  // @steps 06..
  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    return createPollingSubscription(
      {
        readAfter: async (after: bigint | undefined, maxCount) => {
          let events = this.state.eventsFrom(after === undefined ? 0n : after + 1n, maxCount);
          // Say "nothing more" (and so "caught up") only once the tail has read to the broker's end.
          if (events.length === 0) {
            await this.log.catchUp(this.log.topology.events);
            events = this.state.eventsFrom(after === undefined ? 0n : after + 1n, maxCount);
          }
          return { events: events.map(copy), cursor: events.at(-1)?.globalPosition ?? after };
        },
        waitForChange: (signal, timeoutMs) => this.log.waitForProgress(signal, timeoutMs),
      },
      options.afterPosition,
      options,
    );
  // @end
  }

  // @steps 00..05
  //| subscribeToStream(_streamId: string, _options: SubscribeToStreamOptions = {}): Subscription {
    //| throw todo('06', 'subscribe: createPollingSubscription from labs/core over the index, woken by the tail');
  // @end
  // @steps 06..
  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    validateStreamId(streamId, this.limits);
    this.assertOpen();
    const after = (version: number | undefined, maxCount: number) =>
      (this.state.streams.get(streamId) ?? []).slice(version === undefined ? 0 : version + 1).slice(0, maxCount);
    return createPollingSubscription(
      {
        readAfter: async (version: number | undefined, maxCount) => {
          let events = after(version, maxCount);
          if (events.length === 0) {
            await this.log.catchUp(this.log.topology.events);
            events = after(version, maxCount);
          }
          return { events: events.map(copy), cursor: events.at(-1)?.streamVersion ?? version };
        },
        waitForChange: (signal, timeoutMs) => this.log.waitForProgress(signal, timeoutMs),
      },
      options.afterVersion,
      options,
    );
  // @end
  }

  describePosition(position: bigint): string {
    return position > 0n ? `offset ${position - 1n}` : 'start';
  }

  async close(): Promise<void> {
    // @steps 00..04
    //| // The log and its tail belong to the process (the checker closes them); the producer is ours.
    // @end
    // @steps 05..
    // The log, its tail and the single writer belong to the process (the checker closes them).
    // @end
    this.closed = true;
    // @steps 00..04
    //| const producer = this.producer;
    //| this.producer = undefined;
    //| if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
    // @end
    // @steps 05..
    await (this.checkpoints as Checkpoints).close();
    await (this.snapshots as Snapshots).close();
    // @end
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`This ${this.backend} store is closed`);
  }
}

// ---------------------------------------------------------------------------------- the writer's pieces

// @steps 02..
function checkExpectedVersion(streamId: string, expected: ExpectedVersion, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(streamId, expected, current ?? 'no_stream');
}

// @end
// @steps 07..
/**
 * The idempotent producer only dedupes retries of ONE producer session: a client that retries after a
 * timeout with a new producer writes the batch again. So the event ids decide: all stored, in order, in
 * this stream -> the earlier append's result; some stored -> refused.
 */
function findEarlierAppend(state: StoreState, streamId: string, events: readonly ValidatedEvent[]): AppendResult | undefined {
  const stored = events.map((e) => state.byId.get(e.id));
  const found = stored.filter((e) => e !== undefined);
  if (found.length === 0) return undefined;
  const isRetry =
    found.length === events.length &&
    stored.every((e) => e!.streamId === streamId) &&
    stored.every((e, i) => i === 0 || e!.streamVersion === stored[i - 1]!.streamVersion + 1);
  if (!isRetry) {
    throw new DuplicateEventIdError(streamId, found.map((e) => e.id), 'they are already stored, and this batch is not an exact retry of the append that stored them');
  }
  const last = stored.at(-1)!;
  return { nextExpectedVersion: last.streamVersion, globalPosition: last.globalPosition };
}

// @end
/** One append = one transaction: all its records become visible to read_committed readers, or none. */
// @steps 00..04
//| async function produceInTransaction(producer: Producer, topic: string, streamId: string, events: readonly ValidatedEvent[], current: number | undefined, now: number): Promise<bigint> {
// @end
  // @steps 00..00
  //| // TODO step 01: producer.transaction(); transaction.send({ topic, acks: -1, messages }) where each message
  //| // is encodeEvent(streamId, event, itsVersion, EVENTS_PARTITION, now); commit (abort on error); return
  //| // the offset of the last record (baseOffset of the send's result + count - 1).
  //| throw todo('01', `produceInTransaction: one transaction holding the ${events.length} record(s) of '${streamId}'`);
  // @end
// @steps 05..
async function produceInTransaction(producer: Producer, topic: string, streamId: string, events: readonly ValidatedEvent[], current: number | undefined): Promise<bigint> {
// @end
  // @steps 01..
  const transaction = await producer.transaction();
  try {
  // @end
    // @steps 05..
    const now = Date.now();
    // @end
    // @steps 01..
    const [metadata] = await transaction.send({
      topic,
      acks: -1,
    // @end
      // @steps 01..07
      //| // TODO step 08: keep event.metadataJson
      //| messages: events.map((event, i) => encodeEvent(streamId, { ...event, metadataJson: '{}' }, (current ?? -1) + 1 + i, EVENTS_PARTITION, now)),
      // @end
      // @steps 08..
      messages: events.map((event, i) => encodeEvent(streamId, event, (current ?? -1) + 1 + i, EVENTS_PARTITION, now)),
      // @end
    // @steps 01..
    });
    if (!metadata?.baseOffset) throw new Error('The broker did not return the offset of the appended records');
    await transaction.commit();
    return BigInt(metadata.baseOffset) + BigInt(events.length - 1);
  } catch (error) {
    await transaction.abort().catch(() => {});
    throw error;
  }
    // @end
}

function copy(event: RecordedEvent): RecordedEvent {
  return { ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata) };
}

// @steps 00..04
//| // ------------------------------------------------------------------------------ snapshots, checkpoints
// @end
// @steps 05..
// ------------------------------------------------------------------------------------------ snapshots
// @end

// @steps 09..
/** The latest snapshot per stream in a compacted topic (key = stream id); the tail reads it into the state. */
// @end
class Snapshots implements SnapshotStore {
  // @steps 09..
  private producer: Promise<Producer> | undefined;

  // @end
  // @steps 05..
  constructor(
    private readonly log: KafkaLog,
    private readonly state: StoreState,
  ) {}

  // @end
  // @steps 00..08
  //| load(_streamId: string): Promise<Snapshot | undefined> {
  // @end
    // @steps 00..04
    //| throw todo('09', 'snapshots: a compacted topic keyed by stream id');
    // @end
    // @steps 05..08
    //| throw todo('09', `snapshots: ${this.log.topology.snapshots} (compacted, key = stream id) read by the tail into the state (${this.state.snapshots.size} so far)`);
    // @end
  // @steps 09..
  async load(streamId: string): Promise<Snapshot | undefined> {
    await this.log.catchUp(this.log.topology.snapshots);
    const snapshot = this.state.snapshots.get(streamId);
    return snapshot && structuredClone(snapshot);
  // @end
  }

  // @steps 00..08
  //| save(_streamId: string, _snapshot: Snapshot): Promise<void> {
  // @end
    // @steps 00..04
    //| throw todo('09', 'snapshots: a compacted topic keyed by stream id');
    // @end
    // @steps 05..08
    //| throw todo('09', `snapshots: produce the snapshot to ${this.log.topology.snapshots} and wait until the tail has read it`);
    // @end
  // @steps 09..
  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    const existing = await this.load(streamId);
    if (existing && existing.streamVersion > snapshot.streamVersion) return; // never go back in time
    this.producer ??= this.log.producer();
    const [metadata] = await (await this.producer).send({
      topic: this.log.topology.snapshots,
      acks: -1,
      messages: [{ key: streamId, value: JSON.stringify({ streamVersion: snapshot.streamVersion, schemaVersion: snapshot.schemaVersion, state: snapshot.state }) }],
    });
    if (metadata?.baseOffset) await this.log.waitFor(this.log.topology.snapshots, BigInt(metadata.baseOffset) + 1n);
  // @end
  }
// @steps 05..

// @end
  // @steps 05..08
  //| async close(): Promise<void> {}
  // @end
  // @steps 09..
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }
  // @end
}

// @steps 05..
// ---------------------------------------------------------------------------------------- checkpoints

// @end
// @steps 10..
/**
 * A subscriber's checkpoint is the committed offset of its own consumer group on the events partition:
 * position p (offset of the last handled record + 1) is exactly Kafka's "next offset to read", so a plain
 * consumer of that group would resume at the same place. The offset is committed by a transactional
 * producer (sendOffsets), without joining the group: no rebalance per checkpoint (admin.setOffsets would
 * start a consumer, join, seek and leave: seconds per call).
 */
// @end
class Checkpoints implements CheckpointStore {
  // @steps 10..
  private producer: Promise<Producer> | undefined;

  // @end
  // @steps 05..
  constructor(private readonly log: KafkaLog) {}

  // @end
  // @steps 00..09
  //| load(_subscriberId: string): Promise<bigint | undefined> {
  // @end
    // @steps 00..04
    //| throw todo('10', 'checkpoints: the committed offset of a consumer group per subscriber');
    // @end
    // @steps 05..09
    //| throw todo('10', `checkpoints: the committed offset of group ${this.log.topology.checkpointGroup('<subscriber>')}`);
    // @end
  // @steps 10..
  async load(subscriberId: string): Promise<bigint | undefined> {
    const [topic] = await this.log.admin.fetchOffsets({ groupId: this.log.topology.checkpointGroup(subscriberId), topics: [this.log.topology.events] });
    const offset = topic?.partitions.find((p) => p.partition === EVENTS_PARTITION)?.offset;
    return offset === undefined || offset === '-1' ? undefined : BigInt(offset);
  // @end
  }

  // @steps 00..09
  //| store(_subscriberId: string, _position: bigint): Promise<void> {
  // @end
    // @steps 00..04
    //| throw todo('10', 'checkpoints: the committed offset of a consumer group per subscriber');
    // @end
    // @steps 05..09
    //| throw todo('10', 'checkpoints: commit the offset with a transactional producer (sendOffsets)');
    // @end
  // @steps 10..
  async store(subscriberId: string, position: bigint): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.producer ??= this.log.transactionalProducer(`${this.log.topology.namespace}.checkpoints.${randomBytes(4).toString('hex')}`);
        const transaction = await (await this.producer).transaction();
        try {
          await transaction.sendOffsets({
            consumerGroupId: this.log.topology.checkpointGroup(subscriberId),
            topics: [{ topic: this.log.topology.events, partitions: [{ partition: EVENTS_PARTITION, offset: position.toString() }] }],
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => {});
          throw error;
        }
        break;
      } catch (error) {
        // Storing the same offset twice is harmless: a refused transaction is simply tried again.
        await this.close();
        if (attempt >= MAX_ATTEMPTS || !isConcurrentTransactionsError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
    // Like the events' markers, a transactional offset commit becomes visible a moment after commit().
    const deadline = Date.now() + 10_000;
    while ((await this.load(subscriberId)) !== position) {
      if (Date.now() > deadline) throw new Error(`Checkpoint ${position} of '${subscriberId}' was committed but not visible within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  // @end
  }
// @steps 05..

// @end
  // @steps 05..09
  //| async close(): Promise<void> {}
  // @end
  // @steps 10..
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }
  // @end
}

// @steps 00..09
//| function todo(step: string, what: string): Error {
  //| return new Error(`TODO step ${step}: ${what}`);
//| }
//|
// @end