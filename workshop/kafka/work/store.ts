/**
 * Your Kafka event store: the file you grow, step by step, until it passes the whole conformance suite.
 * Each step's README (workshop/kafka/steps/) says which TODOs to fill; check your work with
 *   npm run workshop -- check kafka 01
 * and ask for a hint with
 *   npm run workshop -- hint kafka 01
 *
 * The contract you implement is `EventStore` in labs/core/event-store.ts. Validation, errors and the
 * subscription loop come from labs/core; the Kafka plumbing (quiet clients, topics, the record codec, the
 * read_committed tail that hands you every record) is in ../plumbing.ts. The event-store logic is yours.
 *
 * The topics (created for you by the checker, fresh for every check; names in `log.topology`):
 *   <ns>.events      1 partition   every event of every stream; key = stream id; position = offset + 1
 *   <ns>.snapshots   compacted     the latest snapshot per stream id (step 09)
 *   consumer group <ns>.checkpoint.<subscriber>: a subscriber's committed offset (step 10)
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
import { randomBytes } from 'node:crypto';
import type { KafkaMessage, Producer } from 'kafkajs';
import {
  DEFAULT_LIMITS,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
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
  type UnsupportedCapabilities,
  type ValidatedEvent,
} from '../../../labs/core/index.ts';
import {
  EVENTS_PARTITION,
  KafkaLog,
  decodeEvent,
  encodeEvent,
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

/**
 * What this process knows of the log: the index, shared by every store instance of the process. Records
 * come from two sides: the tail (everything committed, by any process, in offset order) and this
 * process's writers, right after their commit (so a read sees its own write without waiting for the
 * tail). The same record may come from both: its position tells.
 */
class StoreState implements LogState {
  /** Every event in position order: $all. */
  readonly all: RecordedEvent[] = [];
  readonly streams = new Map<string, RecordedEvent[]>();
  private readonly positions = new Set<bigint>();

  constructor(readonly log: KafkaLog) {}

  onRecord(topic: string, message: KafkaMessage): void {
    if (topic === this.log.topology.events) {
      const decoded = decodeEvent(message);
      if (decoded) this.applyEvent(decoded);
    }
  }

  /** A stream's events at the versions their writer claimed; $all by position. */
  applyEvent(decoded: DecodedEvent): void {
    // TODO step 01: the event at globalPosition = positionOfOffset(decoded.offset), once (the same record
    // may come twice: remember positions), in its stream at the version its writer claimed
    // (decoded.claimedVersion) and in `all` at its place by position (indexOfPosition).
  }

  streamVersion(streamId: string): number | undefined {
    const stream = this.streams.get(streamId);
    return stream && stream.length > 0 ? stream.length - 1 : undefined;
  }

  /** Events at or after `position` in $all. */
  eventsFrom(position: bigint, maxCount: number): RecordedEvent[] {
    const start = this.indexOfPosition(position);
    return this.all.slice(start, start + maxCount);
  }

  /** Index of the first event at or after `position` (binary search: positions grow along the array). */
  private indexOfPosition(position: bigint): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.all[middle]!.globalPosition < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

class WorkshopKafkaStore implements EventStore {
  readonly backend = 'kafka (workshop)';
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
  private closed = false;
  /** This store's own transactional producer (its own transactional id). */
  private producer: Promise<Producer> | undefined;

  constructor(
    private readonly log: KafkaLog,
    private readonly state: StoreState,
  ) {
    this.checkpoints = new Checkpoints();
    this.snapshots = new Snapshots();
  }

  // ------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    this.assertOpen();
    const topic = this.log.topology.events;
    // TODO step 01: produce the batch in ONE transaction (produceInTransaction) with this store's own
    // transactional producer (this.log.transactionalProducer, a unique transactional id), at versions
    // current + 1 …, then put the events into the index at once (this.state.applyEvent: the broker told
    // you their offsets), and return the version and position of the last one.
    // (TODO step 02 comes back here: check input.expectedVersion, and hold the check while others race.)
    throw todo('01', `appendToStream: produce the ${input.events.length} event(s) of '${input.streamId}' to ${topic} in one transaction`);
  }

  // -------------------------------------------------------------------------------------------- reads

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    this.assertOpen();
    // TODO step 01: catch up (this.log.catchUp: everything committed is then in the index), then the
    // stream's events from `fromVersion` (default 0) in version order, at most `maxCount`, as copies.
    throw todo('01', `readStream: the events of '${streamId}' from the index, after catching up with the tail`);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    validateReadAllOptions(options);
    throw todo('04', 'readAll: the index in position order (position = offset + 1), from fromPosition');
  }

  // ------------------------------------------------------------------------------------ subscriptions

  subscribeToAll(_options: SubscribeToAllOptions = {}): Subscription {
    throw todo('06', 'subscribe: createPollingSubscription from labs/core over the index, woken by the tail');
  }

  subscribeToStream(_streamId: string, _options: SubscribeToStreamOptions = {}): Subscription {
    throw todo('06', 'subscribe: createPollingSubscription from labs/core over the index, woken by the tail');
  }

  describePosition(position: bigint): string {
    return position > 0n ? `offset ${position - 1n}` : 'start';
  }

  async close(): Promise<void> {
    // The log and its tail belong to the process (the checker closes them); the producer is ours.
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`This ${this.backend} store is closed`);
  }
}

// ---------------------------------------------------------------------------------- the writer's pieces

/** One append = one transaction: all its records become visible to read_committed readers, or none. */
async function produceInTransaction(producer: Producer, topic: string, streamId: string, events: readonly ValidatedEvent[], current: number | undefined, now: number): Promise<bigint> {
  // TODO step 01: producer.transaction(); transaction.send({ topic, acks: -1, messages }) where each message
  // is encodeEvent(streamId, event, itsVersion, EVENTS_PARTITION, now); commit (abort on error); return
  // the offset of the last record (baseOffset of the send's result + count - 1).
  throw todo('01', `produceInTransaction: one transaction holding the ${events.length} record(s) of '${streamId}'`);
}

function copy(event: RecordedEvent): RecordedEvent {
  return { ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata) };
}

// ------------------------------------------------------------------------------ snapshots, checkpoints

class Snapshots implements SnapshotStore {
  load(_streamId: string): Promise<Snapshot | undefined> {
    throw todo('09', 'snapshots: a compacted topic keyed by stream id');
  }

  save(_streamId: string, _snapshot: Snapshot): Promise<void> {
    throw todo('09', 'snapshots: a compacted topic keyed by stream id');
  }
}

class Checkpoints implements CheckpointStore {
  load(_subscriberId: string): Promise<bigint | undefined> {
    throw todo('10', 'checkpoints: the committed offset of a consumer group per subscriber');
  }

  store(_subscriberId: string, _position: bigint): Promise<void> {
    throw todo('10', 'checkpoints: the committed offset of a consumer group per subscriber');
  }
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
