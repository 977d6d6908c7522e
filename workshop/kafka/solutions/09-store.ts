/**
 * Reference solution after step 09 (snapshots). Everything after step 09 is still a TODO.
 * Compare neighbours to see what a step changes:
 *   git diff --no-index workshop/kafka/solutions/08-store.ts workshop/kafka/solutions/09-store.ts
 *
 * The design (docs/labs/kafka.md has the finished lab version, labs/kafka/):
 * - one single-partition events topic: key = stream id, the envelope in headers, position = offset + 1;
 * - an index per process, filled by the read_committed tail (plumbing.ts) in offset order;
 * - ONE writer per process: one transactional producer, every append of every store instance queued
 *   behind one mutex; it catches up, checks the expected version and the event ids, produces the batch
 *   in one transaction, and waits until the tail has read it back before the next append may check;
 * - subscriptions poll the index and wake on the tail's progress; checkpoints are committed offsets of a
 *   consumer group per subscriber; snapshots live in a compacted topic keyed by stream id.
 */
import { randomBytes } from 'node:crypto';
import type { KafkaMessage, Producer } from 'kafkajs';
import {
  DEFAULT_LIMITS,
  DEFAULT_READ_ALL_PAGE,
  DuplicateEventIdError,
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
  EVENTS_PARTITION,
  KafkaLog,
  decodeEvent,
  encodeEvent,
  isConcurrentTransactionsError,
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
const MAX_ATTEMPTS = 5;

/**
 * What this process knows of the log: the index the tail fills, in offset order (one partition: the
 * offset IS the global order), and the single writer. Shared by every store instance of the process.
 */
class StoreState implements LogState {
  /** Every event in offset order: $all. */
  readonly all: RecordedEvent[] = [];
  readonly streams = new Map<string, RecordedEvent[]>();
  readonly byId = new Map<string, RecordedEvent>();
  readonly snapshots = new Map<string, Snapshot>();
  /** The single writer: one transactional producer, used by one append at a time. */
  private producer: Promise<Producer> | undefined;
  private writerQueue: Promise<void> = Promise.resolve();

  constructor(readonly log: KafkaLog) {}

  onRecord(topic: string, message: KafkaMessage): void {
    if (topic === this.log.topology.events) {
      const decoded = decodeEvent(message);
      if (decoded) this.applyEvent(decoded);
    } else if (topic === this.log.topology.snapshots) {
      this.applySnapshot(message);
    }
  }

  /** Records arrive in offset order, so the n-th record with a key is version n-1 of that stream. */
  private applyEvent(decoded: DecodedEvent): void {
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
      streamVersion: stream.length,
      globalPosition: positionOfOffset(decoded.offset),
      recordedAt: decoded.recordedAt,
    };
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
  }

  streamVersion(streamId: string): number | undefined {
    const stream = this.streams.get(streamId);
    return stream && stream.length > 0 ? stream.length - 1 : undefined;
  }

  /** Runs `action` when every earlier append of this process is done: one writer at a time. */
  withWriter<T>(action: (producer: () => Promise<Producer>) => Promise<T>): Promise<T> {
    const previous = this.writerQueue;
    let release!: () => void;
    this.writerQueue = new Promise<void>((resolve) => (release = resolve));
    return previous.then(() => action(() => this.connectProducer())).finally(release);
  }

  private connectProducer(): Promise<Producer> {
    this.producer ??= this.log.transactionalProducer(`${this.log.topology.writerTransactionalId}.${randomBytes(4).toString('hex')}`);
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }

  async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }

  /** Events after `position` in $all (binary search: positions grow along the array). */
  eventsFrom(position: bigint, maxCount: number): RecordedEvent[] {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.all[middle]!.globalPosition < position) low = middle + 1;
      else high = middle;
    }
    return this.all.slice(low, low + maxCount);
  }
}

class WorkshopKafkaStore implements EventStore {
  readonly backend = 'kafka (workshop)';
  readonly unsupported: UnsupportedCapabilities = {
    checkpoints: 'TODO step 10',
  };
  readonly limits = LIMITS;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private closed = false;

  constructor(
    private readonly log: KafkaLog,
    private readonly state: StoreState,
  ) {
    this.checkpoints = new Checkpoints(log);
    this.snapshots = new Snapshots(log, state);
  }

  // ------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    this.assertOpen();
    const topic = this.log.topology.events;
    return this.state.withWriter(async (producer) => {
      for (let attempt = 1; ; attempt++) {
        // Everything committed before now (by any process) is in the index after this.
        await this.log.catchUp(topic);
        const earlier = findEarlierAppend(this.state, input.streamId, input.events);
        if (earlier) return earlier;
        const current = this.state.streamVersion(input.streamId);
        checkExpectedVersion(input.streamId, input.expectedVersion, current);
        try {
          const lastOffset = await produceInTransaction(await producer(), topic, input.streamId, input.events, current);
          // commit() returns before the markers make the records readable: wait until the tail has them,
          // so the caller reads its own write and the next append checks against it.
          await this.log.waitFor(topic, lastOffset + 1n);
          return { nextExpectedVersion: (current ?? -1) + input.events.length, globalPosition: positionOfOffset(lastOffset) };
        } catch (error) {
          // The coordinator still writing the previous transaction's markers: nothing of ours is visible
          // (or, if the commit did land, the event-id check above answers the retry).
          if (!isConcurrentTransactionsError(error) || attempt >= MAX_ATTEMPTS) throw error;
          await this.state.dropProducer();
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    });
  }

  // -------------------------------------------------------------------------------------------- reads

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    this.assertOpen();
    await this.log.catchUp(this.log.topology.events);
    const stream = this.state.streams.get(streamId) ?? [];
    const limit = maxCount ?? Number.MAX_SAFE_INTEGER;
    if (direction === 'forward') {
      const start = fromVersion ?? 0;
      return stream.slice(start, start + Math.min(limit, stream.length)).map(copy);
    }
    const result: RecordedEvent[] = [];
    for (let v = Math.min(fromVersion ?? stream.length - 1, stream.length - 1); v >= 0 && result.length < limit; v--) result.push(copy(stream[v]!));
    return result;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
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
  }

  // ------------------------------------------------------------------------------------ subscriptions

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
  }

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
  }

  describePosition(position: bigint): string {
    return position > 0n ? `offset ${position - 1n}` : 'start';
  }

  async close(): Promise<void> {
    // The log, its tail and the single writer belong to the process (the checker closes them).
    this.closed = true;
    await (this.checkpoints as Checkpoints).close();
    await (this.snapshots as Snapshots).close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`This ${this.backend} store is closed`);
  }
}

// ---------------------------------------------------------------------------------- the writer's pieces

function checkExpectedVersion(streamId: string, expected: ExpectedVersion, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(streamId, expected, current ?? 'no_stream');
}

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

/** One append = one transaction: all its records become visible to read_committed readers, or none. */
async function produceInTransaction(producer: Producer, topic: string, streamId: string, events: readonly ValidatedEvent[], current: number | undefined): Promise<bigint> {
  const transaction = await producer.transaction();
  try {
    const now = Date.now();
    const [metadata] = await transaction.send({
      topic,
      acks: -1,
      messages: events.map((event, i) => encodeEvent(streamId, event, (current ?? -1) + 1 + i, EVENTS_PARTITION, now)),
    });
    if (!metadata?.baseOffset) throw new Error('The broker did not return the offset of the appended records');
    await transaction.commit();
    return BigInt(metadata.baseOffset) + BigInt(events.length - 1);
  } catch (error) {
    await transaction.abort().catch(() => {});
    throw error;
  }
}

function copy(event: RecordedEvent): RecordedEvent {
  return { ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata) };
}

// ------------------------------------------------------------------------------------------ snapshots

/** The latest snapshot per stream in a compacted topic (key = stream id); the tail reads it into the state. */
class Snapshots implements SnapshotStore {
  private producer: Promise<Producer> | undefined;

  constructor(
    private readonly log: KafkaLog,
    private readonly state: StoreState,
  ) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    await this.log.catchUp(this.log.topology.snapshots);
    const snapshot = this.state.snapshots.get(streamId);
    return snapshot && structuredClone(snapshot);
  }

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
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------- checkpoints

class Checkpoints implements CheckpointStore {
  constructor(private readonly log: KafkaLog) {}

  load(_subscriberId: string): Promise<bigint | undefined> {
    throw todo('10', `checkpoints: the committed offset of group ${this.log.topology.checkpointGroup('<subscriber>')}`);
  }

  store(_subscriberId: string, _position: bigint): Promise<void> {
    throw todo('10', 'checkpoints: commit the offset with a transactional producer (sendOffsets)');
  }

  async close(): Promise<void> {}
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
