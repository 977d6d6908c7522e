/**
 * Reference solution after step 01 (events and streams). Everything after step 01 is still a TODO.
 * Compare it with the starter to see what step 01 fills in:
 *   git diff --no-index workshop/kafka/starter/store.ts workshop/kafka/solutions/01-store.ts
 */
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
    const globalPosition = positionOfOffset(decoded.offset);
    if (this.positions.has(globalPosition)) return;
    this.positions.add(globalPosition);
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
      streamVersion: decoded.claimedVersion ?? stream.length,
      globalPosition,
      recordedAt: decoded.recordedAt,
    };
    stream[event.streamVersion] = event;
    this.all.splice(this.indexOfPosition(globalPosition), 0, event);
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
    // TODO step 02: check input.expectedVersion, and make the check hold while other writers race.
    {
      const current = this.state.streamVersion(input.streamId);
      this.producer ??= this.log.transactionalProducer(`${this.log.topology.namespace}.writer.${randomBytes(4).toString('hex')}`);
      const now = Date.now();
      const lastOffset = await produceInTransaction(await this.producer, topic, input.streamId, input.events, current, now);
      // The broker told us our offsets: into the index at once (the tail brings them a moment later).
      const firstOffset = lastOffset - BigInt(input.events.length - 1);
      input.events.forEach((event, i) =>
        this.state.applyEvent({
          offset: firstOffset + BigInt(i),
          streamId: input.streamId,
          id: event.id,
          type: event.type,
          data: structuredClone(event.data),
          metadata: {}, // TODO step 08: keep the metadata
          claimedVersion: (current ?? -1) + 1 + i,
          recordedAt: new Date(now),
        }),
      );
      return { nextExpectedVersion: (current ?? -1) + input.events.length, globalPosition: positionOfOffset(lastOffset) };
    }
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
    throw todo('03', 'readStream backwards: newest first, from fromVersion counting down');
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
  const transaction = await producer.transaction();
  try {
    const [metadata] = await transaction.send({
      topic,
      acks: -1,
      // TODO step 08: keep event.metadataJson
      messages: events.map((event, i) => encodeEvent(streamId, { ...event, metadataJson: '{}' }, (current ?? -1) + 1 + i, EVENTS_PARTITION, now)),
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
