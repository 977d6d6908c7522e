/**
 * The Kafka event store: the contract on one Kafka topic. Read docs/labs/kafka.md first; the pieces:
 * - topology.ts              the topics (one single-partition events topic, a compacted snapshots topic)
 * - records.ts               one event = one record (key = stream id, envelope in headers, position = offset + 1)
 * - log-view.ts              one consumer per process replays the log into an index and follows it
 * - group-commit-writer.ts   optimistic concurrency, emulated: one writer role per events partition, held
 *                            through transactional fencing; appends that queue meanwhile are checked in
 *                            order (append-checks.ts) and committed together (group commit)
 * - checkpoints.ts           committed consumer-group offsets; snapshots.ts: a compacted topic
 * - group-member.ts          consumer groups: Kafka's own, over the by-stream copy of the log
 * The shell (labs/core/store-base.ts) validates every call, refuses calls on a closed store and turns a
 * lost broker into BackendUnavailableError; this file is only the port.
 */
import {
  BackendUnavailableError,
  DEFAULT_LIMITS,
  EventStoreBase,
  type AllPageRequest,
  type AppendResult,
  type ExpectedVersion,
  type RecordedEvent,
  type StoreLimits,
  type RetentionPolicy,
  type StreamPageRequest,
  type UnsupportedCapabilities,
  type ValidatedAppend,
  type ValidatedEvent,
  type ConsumerGroupMember,
  type ConsumerGroupOptions,
  type ValidatedConsumerGroupOptions,
  uuidV7,
  validateConsumerGroupOptions,
} from '../core/index.ts';
import { KafkaCheckpoints } from './checkpoints.ts';
import { isKafkaUnavailable } from './client.ts';
import { toRecorded } from './event-log-index.ts';
import { GroupCommitWriter, type WriterStats } from './group-commit-writer.ts';
import { KafkaConsumerGroupMember } from './group-member.ts';
import { LogView } from './log-view.ts';
import { describeTopicRetention } from './retention.ts';
import { KafkaSnapshots } from './snapshots.ts';
import { KafkaSubjectKeys } from './subject-keys.ts';
import type { TopologyOptions } from './topology.ts';

export const DEFAULT_NAMESPACE = 'workbench';

/**
 * The broker refuses record batches above `message.max.bytes` (1 MiB by default) and an event travels
 * with its headers: events are kept well under it, and big batches are split inside one transaction.
 * A snapshot is one record (its state's JSON plus the stream id and two numbers), so its state is kept
 * under the same bound: a larger one is refused by the shell with InvalidSnapshotError, not by the broker.
 */
export const KAFKA_LIMITS: StoreLimits = { ...DEFAULT_LIMITS, maxEventBytes: 512 * 1024, maxSnapshotBytes: 512 * 1024 };

export interface KafkaStoreOptions {
  brokers: readonly string[];
  /** Prefix of the topic names (`<namespace>.events`, …): stores with different namespaces share nothing. */
  namespace?: string;
  limits?: Partial<StoreLimits>;
  /**
   * Partitions of the by-stream copy of the log that consumer groups read (topology.ts); 0: no copy, no
   * consumer groups, one record per event. Every store of a namespace must agree. Default 8.
   */
  streamPartitions?: number;
}

export const DEFAULT_STREAM_PARTITIONS = 8;

/** Decides and writes appends: the group-commit writer here, the unchecked one in the naive twin. */
export interface AppendWriter {
  append(streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  close(): Promise<void>;
}

/**
 * Why a Kafka store cannot delete one stream (issue #22): the events topic is one shared log. Records
 * leave it only by retention (by age or size, from the oldest, every stream's), by DeleteRecords (every
 * record below an offset, every stream's) or by compaction (keeps the LAST record per key: on a log keyed
 * by stream id it would drop all but each stream's newest event). What it can do instead: crypto-shredding
 * (labs/core/crypto-shredding.ts, scenario erasure.crypto-shredding) leaves every record in place and makes
 * the personal fields unreadable by destroying their key, a tombstone in a compacted key topic.
 */
export const KAFKA_CANNOT_DELETE_ONE_STREAM =
  "Kafka cannot remove one stream's records from the shared events log: records leave a partition only by retention or DeleteRecords (everything below an offset, every stream's) or by compaction (which keeps each key's latest record); erase personal data by crypto-shredding instead (erasure.crypto-shredding)";

export class KafkaEventStore extends EventStoreBase {
  readonly backend: string = 'kafka';
  override readonly unsupported: UnsupportedCapabilities;
  protected readonly checkpointPort: KafkaCheckpoints;
  protected readonly snapshotPort: KafkaSnapshots;
  protected readonly writer: AppendWriter;
  private readonly keys: KafkaSubjectKeys;

  protected constructor(
    protected readonly view: LogView,
    private readonly options: KafkaStoreOptions & { namespace: string },
    createWriter: (view: LogView) => AppendWriter,
  ) {
    super({ ...KAFKA_LIMITS, ...options.limits });
    this.unsupported = {
      'stream-deletion': KAFKA_CANNOT_DELETE_ONE_STREAM,
      'stream-truncation': KAFKA_CANNOT_DELETE_ONE_STREAM,
      'deletion-removes-from-all': KAFKA_CANNOT_DELETE_ONE_STREAM,
      ...(view.topology.byStream
        ? {}
        : {
            'consumer-groups':
              "this store was opened with streamPartitions: 0, so there is no by-stream topic; Kafka's consumer groups split a topic by partition, and the events topic has ONE partition (the total order $all needs): a group over it has at most one active member",
            'consumer-groups-stream-order': 'no consumer groups (see consumer-groups)',
          }),
    };
    this.writer = createWriter(view);
    this.checkpointPort = new KafkaCheckpoints(view);
    this.snapshotPort = new KafkaSnapshots(view);
    this.subjectKeyPort = this.keys = new KafkaSubjectKeys(view);
  }

  static async connect(options: KafkaStoreOptions): Promise<KafkaEventStore> {
    const namespace = options.namespace ?? DEFAULT_NAMESPACE;
    const view = await acquireView(options.brokers, namespace, 'kafka', { streamPartitions: options.streamPartitions ?? DEFAULT_STREAM_PARTITIONS });
    return new KafkaEventStore(view, { ...options, namespace }, (v) => new GroupCommitWriter(v));
  }

  /** Replay time and size of this process's view of the log (the price of the in-process index). */
  viewStats() {
    return this.view.stats();
  }

  /** The admin client of this store's view (topic offsets and configs, for labs and tests). */
  viewAdmin() {
    return this.view.admin;
  }

  /** Appends, transactions (group commit: one carries several appends), take-overs of this store's writer. */
  writerStats(): WriterStats | undefined {
    return this.writer instanceof GroupCommitWriter ? { ...this.writer.stats } : undefined;
  }

  describePosition(position: bigint): string {
    return position > 0n ? `offset ${position - 1n}` : 'start';
  }

  // ---- the port ----------------------------------------------------------------------------------------

  protected appendValidated({ streamId, events, expectedVersion }: ValidatedAppend): Promise<AppendResult> {
    return this.writer.append(streamId, events, expectedVersion);
  }

  protected async readStreamPage(streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
    const read = () => this.view.index.readStream(streamId, direction, fromVersion, maxCount);
    // A full forward page already in the view is the answer: the view reads the log in order, so nothing
    // the broker has could come before these. Anything else first catches up (sees what was committed).
    const page = read();
    if (direction === 'forward' && maxCount !== undefined && page.length === maxCount) return page.map(toRecorded);
    await this.view.catchUp(this.view.topology.events);
    return read().map(toRecorded);
  }

  protected async readAllPage({ direction, fromPosition, maxCount }: AllPageRequest): Promise<RecordedEvent[]> {
    const read = () => this.view.index.readAll({ direction, fromPosition, maxCount });
    // As above: a polling subscription behind the head reads full pages from memory, without a round trip.
    const page = read();
    if (direction === 'forward' && maxCount !== undefined && page.length === maxCount) return page.map(toRecorded);
    await this.view.catchUp(this.view.topology.events);
    return read().map(toRecorded);
  }

  protected retentionPort(): Promise<RetentionPolicy> {
    return describeTopicRetention(this.view.admin, this.view.topology.events);
  }

  protected override waitForChange(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.view.waitForProgress(signal, timeoutMs);
  }

  /** Kafka's consumer groups over the by-stream topic (group-member.ts); the shell validated the options. */
  protected override openConsumerGroupMember(options: ValidatedConsumerGroupOptions): ConsumerGroupMember {
    const { byStream, streamPartitions } = this.view.topology;
    return new KafkaConsumerGroupMember(this, this.view, { topic: byStream!, partitions: streamPartitions }, options);
  }

  /**
   * The lesson's other layout: a member of a Kafka group over the ONE-partition events topic. Kafka gives
   * that partition to one member of the group; the others are idle (the tour and group-layouts.int.spec.ts
   * measure it). Not tracked by the store: the caller leaves.
   */
  joinGroupOnEventsTopic(options: ConsumerGroupOptions): KafkaConsumerGroupMember {
    const validated = validateConsumerGroupOptions(options, () => `member-${uuidV7().slice(-12)}`);
    return new KafkaConsumerGroupMember(this, this.view, { topic: this.view.topology.events, partitions: 1 }, validated);
  }

  protected override isUnavailable(error: unknown): boolean {
    return isKafkaUnavailable(error) || super.isUnavailable(error);
  }

  protected async closeResources(): Promise<void> {
    await Promise.allSettled([this.writer.close(), this.checkpointPort.close(), this.snapshotPort.close(), this.keys.close()]);
    LogView.release(this.options.brokers, this.options.namespace, this.view.topologyOptions);
  }
}

/**
 * The process's view of the namespace, started on first use. Opening a store is outside the shell's guard,
 * so a broker that cannot be reached is reported here, as the shell would: BackendUnavailableError.
 */
export async function acquireView(brokers: readonly string[], namespace: string, backend: string, topologyOptions: TopologyOptions = {}): Promise<LogView> {
  try {
    return await LogView.acquire(brokers, namespace, topologyOptions);
  } catch (error) {
    if (!isKafkaUnavailable(error)) throw error;
    throw new BackendUnavailableError(backend, `no Kafka broker answered at ${brokers.join(',')} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

/**
 * Closes this process's log views (the consumers that feed every store's index) now, without the grace
 * period a closed store leaves them. Call before stopping the broker.
 */
export function closeKafkaViews(): Promise<void> {
  return LogView.closeAll();
}
