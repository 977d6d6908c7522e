/**
 * Consumer groups on Kafka, native: a member of the store's group is a kafkajs consumer of a Kafka consumer
 * group, and the broker's group coordinator decides who owns which partition (docs/labs/kafka.md,
 * "Consumer groups").
 *
 * WHICH TOPIC. Kafka splits a group's work by partition: each partition is assigned to one member of the
 * group, so a group has at most as many active members as its topic has partitions. The store's events
 * topic has ONE partition (the total order `$all` needs, topology.ts): a group over it has one active
 * member and the others idle — the trade-off the tour and group-layouts.int.spec.ts measure. So the store
 * reads groups from `<ns>.by-stream`, a copy of the log partitioned by stream id, which the writer fills in
 * the same transaction as the log (group-commit-writer.ts): a read_committed consumer sees an event there
 * exactly when it is in the log. The partition count is the topic's (8 by default, chosen when the store
 * creates it): the group's `partitions` option cannot change it, and Delivery.partition is the Kafka
 * partition (murmur2 of the stream id, as the Java client's default partitioner computes it — not the
 * lease-based members' md5). The same class runs over the one-partition topic for the comparison.
 *
 * THE PROTOCOL. kafkajs 2.2.4 speaks the classic group protocol (JoinGroup / SyncGroup / Heartbeat; not
 * KIP-848's consumer protocol) with eager rebalancing: on any membership change every member gives up all
 * its partitions, rejoins, and gets a new assignment (round robin). Mapping of the contract's options:
 * - `leaseMs` is the consumer's `sessionTimeout`: a member whose heartbeats stop for that long (SIGKILL) is
 *   removed by the coordinator and its partitions go to the others at the next rebalance. Heartbeats are
 *   sent every leaseMs / 3. The broker refuses a session under `group.min.session.timeout.ms` (6 s by
 *   default; the embedded broker allows 1 s, labs/runtime/kafka/broker.ts).
 * - `streamPrefix` filters records by key (the stream id); other streams are read and skipped.
 * - `startAt`: a partition without a committed offset starts at its first record (`start`) or at its end
 *   when first assigned, committed at once so that later owners start there too (`end`, see
 *   commitStartAtEnd); `joined` resolves once the member's partitions know where they start.
 * - `maxDeliveries`, `retryBackoffMs`: retried in process (labs/core/delivery-queue.ts), then parked into
 *   `$parked-<group>` of the store (labs/core/parked-events.ts), as every backend parks.
 *
 * ONE IN FLIGHT PER PARTITION. `eachBatch` with `partitionsConsumedConcurrently` = the topic's partitions:
 * kafkajs runs one batch per partition at a time, and the batch loop hands out one record, waits until it
 * is acked (or parked), commits offset + 1 for that partition (autoCommit off: the offset moves only after
 * the handler said so — process, then commit), and only then hands out the next: one stream's events are
 * handled one at a time, in version order. A member killed between ack and commit hands that one record to
 * the next owner again (at-least-once, at most one redelivery per partition per crash).
 *
 * HEARTBEATS WHILE A HANDLER RUNS. kafkajs heartbeats between fetches; a batch waiting for a handler (or a
 * retry's backoff) longer than the session would be taken for a dead member. So while a delivery is out,
 * the batch heartbeats itself (the payload's `heartbeat()`). When that heartbeat says REBALANCE_IN_PROGRESS
 * (another member joined, left or died), the member behaves as the Java client's onPartitionsRevoked
 * advice: no new delivery and no retry, but the delivery already out may finish and its offset is
 * committed (the group accepts commits of the current generation until the rebalance completes), so a
 * planned hand-over redelivers nothing; then the batch returns and kafkajs rejoins. When the heartbeat
 * says the membership itself is gone (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION: our session expired, the
 * partition may be someone else's already), the delivery is revoked at once.
 *
 * Not fenced, as the lease-based members are not: a member paused past its session (SIGSTOP) may still
 * finish a handler for a record its partition's new owner also handles; only its commit is refused.
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import {
  ConsumerGroupClosedError,
  DeliveryQueue,
  deliverUntilSettled,
  parkedStreamId,
  parkEvent,
  readParked,
  replayParkedEvents,
  type ConsumerGroupMember,
  type ConsumerGroupMemberStats,
  type Delivery,
  type ParkedEvent,
  type ParkingStore,
  type RecordedEvent,
  type ValidatedConsumerGroupOptions,
  sleep,
} from '../core/index.ts';
import { isCoordinatorNotFound, kafkaErrorTypes } from './client.ts';
import { toRecorded } from './event-log-index.ts';
import type { LogView } from './log-view.ts';
import { eventIdOf } from './records.ts';

/** Which topic a member reads, and how many partitions it has. */
export interface GroupTopic {
  topic: string;
  partitions: number;
}

/** The Kafka group id of the store's group `group` in a namespace: stores of other namespaces share nothing. */
export function kafkaGroupId(namespace: string, group: string): string {
  return `${namespace}.group.${group}`;
}

const RESOLVE_TIMEOUT_MS = 15_000;
const MEMBERSHIP_GONE = ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID'];

/** What one generation (one assignment) of the member may still do. */
class Generation {
  /** No new delivery, no retry: a rebalance was announced. */
  readonly handOver = new AbortController();
  /** Outstanding deliveries are revoked: the membership is gone, or the member leaves. */
  readonly revoke = new AbortController();
  announced: unknown;
}

export class KafkaConsumerGroupMember implements ConsumerGroupMember {
  readonly #stats: ConsumerGroupMemberStats;
  readonly queue: DeliveryQueue;
  readonly joined: Promise<void>;
  readonly kafkaGroupId: string;
  readonly #consumer: Consumer;
  #generation = new Generation();
  readonly #inFlightSince = new Map<number, number>();
  #left: Promise<void> | undefined;
  #onJoined!: () => void;

  constructor(
    private readonly store: ParkingStore,
    private readonly view: LogView,
    readonly source: GroupTopic,
    readonly options: ValidatedConsumerGroupOptions,
  ) {
    this.#stats = { memberId: options.memberId, handled: 0, retried: 0, parked: 0, revoked: 0, partitions: [], lagMs: 0, rebalances: 0 };
    this.queue = new DeliveryQueue(options.group, options.memberId, this.#stats);
    this.kafkaGroupId = kafkaGroupId(view.topology.namespace, options.group);
    this.joined = new Promise((resolve) => (this.#onJoined = resolve));
    this.#consumer = view.kafka.consumer({
      groupId: this.kafkaGroupId,
      sessionTimeout: options.leaseMs,
      heartbeatInterval: Math.max(Math.floor(options.leaseMs / 3), 50),
      // How long the coordinator waits for every member to rejoin: a member finishing its delivery in
      // flight before it rejoins has this long (and a member that never rejoins costs the others this much).
      rebalanceTimeout: this.rebalanceTimeoutMs,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      // kafkajs restarts a crashed consumer on its own, but a restart that fails again is an unhandled
      // rejection that ends the process (seen: a broker refusing the session timeout, INVALID_SESSION_TIMEOUT).
      // So only retriable errors restart there; the CRASH handler below restarts after a lost coordinator
      // itself and fails the member, with the broker's reason, on anything else.
      retry: { restartOnFailure: async (error: Error) => this.#left === undefined && (error as { retriable?: boolean }).retriable !== false },
    });
    void this.start().catch((error: unknown) => this.fail(error));
  }

  get rebalanceTimeoutMs(): number {
    return Math.max(4 * this.options.leaseMs, 10_000);
  }

  get group(): string {
    return this.options.group;
  }

  get memberId(): string {
    return this.options.memberId;
  }

  get stats(): ConsumerGroupMemberStats {
    const oldest = Math.min(...this.#inFlightSince.values());
    this.#stats.lagMs = Number.isFinite(oldest) ? Date.now() - oldest : 0;
    return this.#stats;
  }

  private async start(): Promise<void> {
    const { events } = this.#consumer;
    this.#consumer.on(events.GROUP_JOIN, ({ payload }) => {
      const generation = (this.#generation = new Generation());
      const assigned = [...(payload.memberAssignment[this.source.topic] ?? [])].sort((a, b) => a - b);
      this.#stats.rebalances++;
      const held = () => {
        if (this.#generation !== generation) return;
        this.#stats.partitions = assigned;
        this.#onJoined();
      };
      if (this.options.startAt === 'start' || assigned.length === 0) return held();
      // startAt 'end': paused until the start of every partition without a committed offset is committed.
      this.#consumer.pause([{ topic: this.source.topic, partitions: assigned }]);
      void (async () => {
        // Until it is done, or a newer assignment does it again (a commit refused by a rebalance).
        while (this.#generation === generation && this.#left === undefined) {
          try {
            await this.commitStartAtEnd(assigned);
            break;
          } catch {
            await sleep(200);
          }
        }
        if (this.#generation !== generation) return;
        this.#consumer.resume([{ topic: this.source.topic, partitions: assigned }]);
        held();
      })();
    });
    // Between "a rebalance was announced" and the next join, the member owns nothing.
    this.#consumer.on(events.REBALANCING, () => (this.#stats.partitions = []));
    this.#consumer.on(events.CRASH, ({ payload }) => {
      if (payload.restart || this.#left !== undefined) return;
      // kafkajs does not restart after KafkaJSGroupCoordinatorNotFound (a broker restart; log-view.ts).
      if (isCoordinatorNotFound(payload.error)) void this.restartAfterCrash(payload.error);
      else this.fail(payload.error);
    });
    await this.#consumer.connect();
    await this.subscribeAndRun();
  }

  /**
   * `startAt: 'end'` (Kafka's auto.offset.reset=latest) for partitions no member of the group has committed
   * an offset for: their end now (the last stable offset: a transaction still open commits after it, so
   * its records are delivered) is committed at once, as the lease-based members store their first
   * checkpoint, so that a member taking the partition over later starts there too rather than at a later
   * end — kafkajs' own `fromBeginning: false` resolves "latest" per owner, and what was written between
   * two owners' "latest" would be skipped.
   */
  private async commitStartAtEnd(assigned: number[]): Promise<void> {
    const { topic } = this.source;
    const [committed] = await this.view.admin.fetchOffsets({ groupId: this.kafkaGroupId, topics: [topic] });
    const missing = assigned.filter((p) => {
      const offset = committed?.partitions.find((c) => c.partition === p)?.offset;
      return offset === undefined || offset === '-1';
    });
    if (missing.length === 0) return;
    const ends = await this.view.admin.fetchTopicOffsets(topic);
    const starts = missing.map((partition) => ({ topic, partition, offset: ends.find((e) => e.partition === partition)!.high }));
    await this.#consumer.commitOffsets(starts);
    for (const start of starts) this.#consumer.seek(start);
  }

  private async subscribeAndRun(): Promise<void> {
    // startAt 'start': a partition without a committed offset is read from its first record.
    await this.#consumer.subscribe({ topics: [this.source.topic], fromBeginning: this.options.startAt === 'start' });
    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.source.partitions,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async restartAfterCrash(cause: Error): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (this.#left === undefined) {
      if (Date.now() > deadline) return this.fail(cause);
      try {
        await this.#consumer.connect();
        await this.subscribeAndRun();
        return;
      } catch {
        await this.#consumer.disconnect().catch(() => {});
        await sleep(500);
      }
    }
  }

  private wanted(message: KafkaMessage): boolean {
    const streamId = message.key?.toString('utf8');
    return streamId !== undefined && streamId.startsWith(this.options.streamPrefix) && streamId !== parkedStreamId(this.group);
  }

  /**
   * The event a record stands for, from the log view (which knows its global position and version).
   * Committed in the same transaction as the log, but the coordinator writes the commit markers partition
   * by partition: the by-stream record can be readable a moment before the log's (measured: an event the
   * view did not have yet, even after a catch-up to the log's stable end). So wait for the view; never skip.
   */
  private async resolve(message: KafkaMessage, signal: AbortSignal): Promise<RecordedEvent | 'revoked'> {
    const id = eventIdOf(message);
    if (id === undefined) throw new Error(`record at offset ${message.offset} of ${this.source.topic} has no event id: not written by this store`);
    const deadline = Date.now() + RESOLVE_TIMEOUT_MS;
    for (;;) {
      const indexed = this.view.index.eventById(id);
      if (indexed) return toRecorded(indexed);
      if (signal.aborted) return 'revoked';
      if (Date.now() > deadline) {
        // Thrown, not skipped: kafkajs fetches the batch again, and the event is handled late, not lost.
        throw new Error(`event ${id} (offset ${message.offset} of ${this.source.topic}) did not reach this process's log view within ${RESOLVE_TIMEOUT_MS} ms`);
      }
      await this.view.waitForProgress(signal, 100);
    }
  }

  private async handleBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const generation = this.#generation;
    const { topic, partition } = batch;
    const stopBeating = this.heartbeatWhile(heartbeat, generation);
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || generation.handOver.signal.aborted || this.#left) break;
        const event = this.wanted(message) ? await this.resolve(message, generation.revoke.signal) : undefined;
        if (event === 'revoked') break;
        if (event) {
          this.#inFlightSince.set(partition, event.recordedAt.getTime());
          const outcome = await deliverUntilSettled({
            queue: this.queue,
            event,
            partition,
            options: this.options,
            stats: this.#stats,
            revoke: generation.revoke.signal,
            noRetry: generation.handOver.signal,
            park: (e, error, attempts) => this.park(e, error, attempts),
          });
          this.#inFlightSince.delete(partition);
          if (outcome === 'revoked') break;
          // Process, then commit: the offset passes this record only once it was acked or parked.
          await this.#consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        }
        resolveOffset(message.offset);
      }
    } finally {
      this.#inFlightSince.delete(partition);
      await stopBeating();
    }
    // kafkajs rejoins when a batch throws a rebalance error; without one it would fetch once more first.
    if (generation.announced !== undefined) throw generation.announced;
  }

  /**
   * Heartbeats until the returned function is called (see HEARTBEATS WHILE A HANDLER RUNS): a batch of
   * many records, or one slow handler, lasts longer than a session.
   */
  private heartbeatWhile(heartbeat: () => Promise<void>, generation: Generation): () => Promise<void> {
    const every = Math.max(Math.floor(this.options.leaseMs / 6), 25);
    const stop = new AbortController();
    const beats = (async () => {
      while (!stop.signal.aborted) {
        await sleep(every, stop.signal);
        if (stop.signal.aborted) break;
        try {
          await heartbeat();
        } catch (error) {
          const types = kafkaErrorTypes(error);
          if (types.some((t) => MEMBERSHIP_GONE.includes(t))) {
            generation.announced ??= error;
            generation.handOver.abort();
            generation.revoke.abort();
          } else if (types.includes('REBALANCE_IN_PROGRESS')) {
            generation.announced ??= error;
            if (!generation.handOver.signal.aborted) {
              generation.handOver.abort();
              // The delivery out may finish, but not past half the time the coordinator waits for us.
              setTimeout(() => generation.revoke.abort(), this.rebalanceTimeoutMs / 2).unref();
            }
          }
          // Anything else (a broker briefly away) is kafkajs' to retry: the next beat tries again.
        }
      }
    })();
    return async () => {
      stop.abort();
      await beats;
    };
  }

  private async park(event: RecordedEvent, error: string, attempts: number): Promise<void> {
    await parkEvent(this.store, this.group, this.memberId, event, error, attempts);
    this.#stats.parked++;
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return this.queue[Symbol.asyncIterator]();
  }

  async ack(delivery: Delivery): Promise<void> {
    this.queue.ack(delivery);
  }

  async nack(delivery: Delivery, error: unknown): Promise<void> {
    this.queue.nack(delivery, error);
  }

  parked(): Promise<ParkedEvent[]> {
    return readParked(this.store, this.group);
  }

  async replayParked(handler: (event: RecordedEvent) => Promise<void>): Promise<{ replayed: number; failed: number }> {
    if (this.#left) throw new ConsumerGroupClosedError(this.group, this.memberId, 'replayParked');
    return replayParkedEvents(this.store, this.group, this.memberId, handler);
  }

  private fail(error: unknown): void {
    this.queue.close(error);
    this.#onJoined();
    void this.leave();
  }

  /** Leaves the group (LeaveGroup): the coordinator rebalances at once, without waiting for the session. */
  leave(): Promise<void> {
    this.#left ??= (async () => {
      this.queue.close();
      // An outstanding delivery is revoked: it is not committed, and the next owner delivers it again.
      this.#generation.revoke.abort();
      this.#generation.handOver.abort();
      this.#onJoined();
      // Bounded: a broker that is gone must not keep the caller waiting (the session then expires instead).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#consumer.disconnect().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
      clearTimeout(timer);
      this.queue.clear();
      this.#stats.partitions = [];
    })();
    return this.#left;
  }
}
