/**
 * The Kafka event store: the contract on one Kafka topic. Read docs/labs/kafka.md first; the pieces:
 * - topology.ts        the topics (one single-partition events topic, a compacted snapshots topic)
 * - records.ts         one event = one record (key = stream id, envelope in headers, position = offset + 1)
 * - log-view.ts        one consumer per process replays the log into an index and follows it
 * - fenced-writer.ts   optimistic concurrency, emulated: one writing process, its writers serialised by a
 *                      mutex (cross-process fencing was not seen to work: see fenced-writer.ts); appends
 *                      that queue meanwhile are checked in order and committed together (group commit)
 * - checkpoints.ts     committed consumer-group offsets; snapshots.ts: a compacted topic
 */
import {
  DEFAULT_LIMITS,
  createPollingSubscription,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoreLimits,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
  type ValidatedEvent,
} from '../core/index.ts';
import { KafkaCheckpoints } from './checkpoints.ts';
import type { IndexedEvent } from './event-log-index.ts';
import { FencedWriter, type WriterStats } from './fenced-writer.ts';
import { LogView } from './log-view.ts';
import { KafkaSnapshots } from './snapshots.ts';

export const DEFAULT_NAMESPACE = 'workbench';

/**
 * The broker refuses record batches above `message.max.bytes` (1 MiB by default) and an event travels
 * with its headers: events are kept well under it, and big batches are split inside one transaction.
 */
export const KAFKA_LIMITS: StoreLimits = { ...DEFAULT_LIMITS, maxEventBytes: 512 * 1024 };

export interface KafkaStoreOptions {
  brokers: readonly string[];
  /** Prefix of the topic names (`<namespace>.events`, …): stores with different namespaces share nothing. */
  namespace?: string;
  limits?: Partial<StoreLimits>;
}

/** Decides and writes appends: the fenced writer here, the unchecked one in the naive twin. */
export interface AppendWriter {
  append(streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  close(): Promise<void>;
}

export class KafkaEventStore implements EventStore {
  readonly backend: string = 'kafka';
  readonly unsupported: UnsupportedCapabilities = {};
  readonly limits: StoreLimits;
  readonly checkpoints: KafkaCheckpoints;
  readonly snapshots: KafkaSnapshots;
  protected readonly writer: AppendWriter;
  private closed = false;

  protected constructor(
    protected readonly view: LogView,
    private readonly options: KafkaStoreOptions,
    createWriter: (view: LogView) => AppendWriter,
  ) {
    this.limits = { ...KAFKA_LIMITS, ...options.limits };
    this.writer = createWriter(view);
    this.checkpoints = new KafkaCheckpoints(view);
    this.snapshots = new KafkaSnapshots(view);
  }

  static async connect(options: KafkaStoreOptions): Promise<KafkaEventStore> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const view = await LogView.acquire(options.brokers, namespace);
    return new KafkaEventStore(view, { ...options, namespace }, (v) => new FencedWriter(v));
  }

  /** Replay time and size of this process's view of the log (the price of the in-process index). */
  viewStats() {
    return this.view.stats();
  }

  /** Appends, transactions (group commit: one carries several appends), take-overs of this store's writer. */
  writerStats(): WriterStats | undefined {
    return this.writer instanceof FencedWriter ? { ...this.writer.stats } : undefined;
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    return this.writer.append(input.streamId, input.events, input.expectedVersion);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    this.assertOpen();
    await this.view.catchUp(this.view.topology.events);
    return this.view.index.readStream(streamId, direction, fromVersion, maxCount).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const valid = validateReadAllOptions(options);
    this.assertOpen();
    await this.view.catchUp(this.view.topology.events);
    return this.view.index.readAll(valid).map(toRecorded);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    return createPollingSubscription(
      {
        readAfter: async (after: bigint | undefined, maxCount) => {
          let events = this.view.eventsAfter(after, maxCount);
          if (events.length === 0) {
            // Only report "nothing more" (and so "caught up") once the view has read to the broker's end.
            await this.view.catchUp(this.view.topology.events);
            events = this.view.eventsAfter(after, maxCount);
          }
          return { events: events.map(toRecorded), cursor: events.at(-1)?.globalPosition ?? after };
        },
        waitForChange: (signal, timeoutMs) => this.view.waitForProgress(signal, timeoutMs),
      },
      options.afterPosition,
      options,
    );
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    validateStreamId(streamId, this.limits);
    this.assertOpen();
    return createPollingSubscription(
      {
        readAfter: async (after: number | undefined, maxCount) => {
          const from = after === undefined ? 0 : after + 1;
          let events = this.view.index.readStream(streamId, 'forward', from, maxCount);
          if (events.length === 0) {
            await this.view.catchUp(this.view.topology.events);
            events = this.view.index.readStream(streamId, 'forward', from, maxCount);
          }
          return { events: events.map(toRecorded), cursor: events.at(-1)?.streamVersion ?? after };
        },
        waitForChange: (signal, timeoutMs) => this.view.waitForProgress(signal, timeoutMs),
      },
      options.afterVersion,
      options,
    );
  }

  describePosition(position: bigint): string {
    return position > 0n ? `offset ${position - 1n}` : 'start';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.writer.close(), this.checkpoints.close(), this.snapshots.close()]);
    LogView.release(this.options.brokers, this.options.namespace ?? DEFAULT_NAMESPACE);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`This ${this.backend} store is closed`);
  }
}

/**
 * Closes this process's log views (the consumers that feed every store's index) now, without the grace
 * period a closed store leaves them. Call before stopping the broker.
 */
export function closeKafkaViews(): Promise<void> {
  return LogView.closeAll();
}

/** A copy without the index's bookkeeping, so callers cannot change the view. */
function toRecorded(event: IndexedEvent): RecordedEvent {
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    data: structuredClone(event.data),
    metadata: structuredClone(event.metadata),
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt,
  };
}
