/**
 * A consumer-group member for every backend with a lease table (PostgreSQL, DynamoDB): the Kinesis Client
 * Library's design, on top of the store's own subscriptions and checkpoints.
 *
 * - Membership: each member holds a lease `member:<id>` and renews it every `leaseMs / 3`. The live
 *   members are the unexpired member leases, so every member computes the same fair share,
 *   ceil(partitions / live members).
 * - Ownership: partition `p` belongs to whoever holds lease `partition:<p>`. A member renews what it holds,
 *   takes free or expired partitions up to its share, and gives back what is over its share (only between
 *   deliveries, so nothing is handled twice on a planned hand-over). A killed member stops renewing: its
 *   leases expire after `leaseMs` and the others take them.
 * - Work: one subscription to `$all` per owned partition, from that partition's checkpoint
 *   (`<group>/p<p>` in the store's checkpoint table), keeping only its streams; one event in flight per
 *   partition, so a stream's events are handled one at a time in version order. The checkpoint moves after
 *   each ack or park: a member killed between the two hands that one event to the next owner again
 *   (at-least-once, at most one redelivery per partition per crash).
 *
 * Not fenced: a member paused longer than `leaseMs` (SIGSTOP, a long GC) still believes it owns its
 * partitions until its next renewal fails, and may handle an event the new owner also handles. Systems
 * that need more add a fencing token to the handler's writes (the lease's generation), as the KCL does
 * with its lease counter.
 */
import {
  partitionOf,
  parkedStreamId,
  type ConsumerGroupMember,
  type ConsumerGroupMemberStats,
  type Delivery,
  type LeasePort,
  type ParkedEvent,
  type ValidatedConsumerGroupOptions,
} from './consumer-group.ts';
import { BackendUnavailableError, ConsumerGroupClosedError } from './errors.ts';
import { DeliveryQueue, deliverUntilSettled, type PendingDelivery } from './delivery-queue.ts';
import type { EventStore, Subscription } from './event-store.ts';
import { parkEvent, readParked, replayParkedEvents } from './parked-events.ts';
import { headPosition } from './positions.ts';
import { sleep } from './subscription.ts';
import type { RecordedEvent } from './types.ts';

type Store = Pick<EventStore, 'subscribeToAll' | 'checkpoints' | 'appendToStream' | 'readStream' | 'readAll' | 'unsupported'>;

const MEMBER_KEY = 'member:';
const PARTITION_KEY = 'partition:';

/** One owned partition: its subscription and the one event it has in flight. */
class PartitionWorker {
  readonly abort = new AbortController();
  subscription: Subscription | undefined;
  current: PendingDelivery | undefined;
  oldestRecordedAt: number | undefined;
  readonly done: Promise<void>;
  /** Resolves once the worker knows where it starts (its subscription is open), or has stopped. */
  readonly ready: Promise<void>;
  #ready!: () => void;

  constructor(
    readonly partition: number,
    private readonly member: LeasedConsumerGroupMember,
  ) {
    this.ready = new Promise((resolve) => (this.#ready = resolve));
    this.done = this.run()
      .catch((error: unknown) => member.fail(error))
      .finally(() => this.#ready());
  }

  private async run(): Promise<void> {
    const { store, options } = this.member;
    const checkpointId = `${options.group}/p${this.partition}`;
    let after = await store.checkpoints.load(checkpointId);
    if (after === undefined && options.startAt === 'end') {
      // A new partition starts at the end of the log as its first owner finds it; the checkpoint is stored
      // at once, so an owner that takes it over later starts there too.
      after = await headPosition(store);
      await store.checkpoints.store(checkpointId, after);
    }
    if (this.abort.signal.aborted) return;
    this.subscription = store.subscribeToAll({ afterPosition: after, bufferSize: options.bufferSize, pollIntervalMs: 100 });
    this.#ready();
    const parked = parkedStreamId(options.group);
    for await (const event of this.subscription) {
      if (this.abort.signal.aborted) break;
      if (!event.streamId.startsWith(options.streamPrefix) || event.streamId === parked) continue;
      if (partitionOf(event.streamId, options.partitions) !== this.partition) continue;
      this.oldestRecordedAt = event.recordedAt.getTime();
      const settled = await deliverUntilSettled({
        queue: this.member.queue,
        event,
        partition: this.partition,
        options,
        stats: this.member.stats,
        revoke: this.abort.signal,
        track: (pending) => (this.current = pending),
        park: (e, error, attempts) => this.member.park(e, error, attempts),
      });
      this.oldestRecordedAt = undefined;
      if (settled === 'revoked') break;
      await store.checkpoints.store(checkpointId, event.globalPosition);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.subscription?.close();
    await this.done;
  }
}

export class LeasedConsumerGroupMember implements ConsumerGroupMember {
  readonly #stats: ConsumerGroupMemberStats;
  readonly joined: Promise<void>;
  readonly queue: DeliveryQueue;
  readonly #workers = new Map<number, PartitionWorker>();
  #left: Promise<void> | undefined;
  readonly #stopTicking = new AbortController();

  constructor(
    readonly store: Store,
    private readonly leases: LeasePort,
    readonly options: ValidatedConsumerGroupOptions,
  ) {
    this.#stats = { memberId: options.memberId, handled: 0, retried: 0, parked: 0, revoked: 0, partitions: [], lagMs: 0, rebalances: 0 };
    this.queue = new DeliveryQueue(options.group, options.memberId, this.#stats);
    let firstTick!: () => void;
    this.joined = new Promise((resolve) => (firstTick = resolve));
    void this.tickForever(firstTick);
  }

  get group(): string {
    return this.options.group;
  }

  get memberId(): string {
    return this.options.memberId;
  }

  private async tickForever(firstTick: () => void): Promise<void> {
    const every = Math.max(Math.floor(this.options.leaseMs / 3), 30);
    try {
      while (!this.#stopTicking.signal.aborted) {
        try {
          await this.tick();
        } catch (error) {
          // A server that cannot be reached: keep trying. Our leases may expire meanwhile and the others
          // take our partitions (a renewal that fails then drops them); we rejoin when it is back.
          if (!(error instanceof BackendUnavailableError)) throw error;
        }
        firstTick();
        await sleep(every, this.#stopTicking.signal);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      firstTick();
    }
  }

  /** Renew what we hold, then move towards our fair share. */
  private async tick(): Promise<void> {
    const { group, memberId, leaseMs, partitions } = this.options;
    await this.leases.acquire(group, `${MEMBER_KEY}${memberId}`, memberId, leaseMs);
    for (const [partition, worker] of this.#workers) {
      const held = await this.leases.acquire(group, `${PARTITION_KEY}${partition}`, memberId, leaseMs);
      if (!held) await this.drop(partition, worker);
    }
    const live = await this.leases.live(group);
    const members = new Set(live.filter((l) => l.key.startsWith(MEMBER_KEY)).map((l) => l.owner));
    members.add(memberId);
    const share = Math.ceil(partitions / members.size);
    // Give back what is over our share, idle partitions first: a planned hand-over loses no delivery.
    for (const [partition, worker] of [...this.#workers].sort(([, a], [, b]) => Number(a.current !== undefined) - Number(b.current !== undefined))) {
      if (this.#workers.size <= share) break;
      if (worker.current !== undefined) continue;
      await this.drop(partition, worker);
      await this.leases.release(group, `${PARTITION_KEY}${partition}`, memberId);
    }
    if (this.#workers.size >= share || this.#stopTicking.signal.aborted) return;
    const taken = new Set(live.filter((l) => l.key.startsWith(PARTITION_KEY)).map((l) => Number(l.key.slice(PARTITION_KEY.length))));
    // Start the search at a member-specific offset so that joining members do not all race for partition 0.
    const offset = partitionOf(memberId, partitions);
    const started: PartitionWorker[] = [];
    for (let i = 0; i < partitions && this.#workers.size < share; i++) {
      const partition = (offset + i) % partitions;
      if (taken.has(partition) || this.#workers.has(partition)) continue;
      if (await this.leases.acquire(group, `${PARTITION_KEY}${partition}`, memberId, leaseMs)) {
        const worker = new PartitionWorker(partition, this);
        started.push(worker);
        this.#workers.set(partition, worker);
        this.stats.rebalances++;
      }
    }
    // A partition counts as held once its worker knows where it starts (`startAt: 'end'` reads the head).
    await Promise.all(started.map((w) => w.ready));
    this.stats.partitions = [...this.#workers.keys()].sort((a, b) => a - b);
  }

  private async drop(partition: number, worker: PartitionWorker): Promise<void> {
    this.#workers.delete(partition);
    this.stats.rebalances++;
    this.stats.partitions = [...this.#workers.keys()].sort((a, b) => a - b);
    await worker.stop();
  }

  fail(error: unknown): void {
    this.queue.close(error);
    void this.leave();
  }

  async park(event: RecordedEvent, error: string, attempts: number): Promise<void> {
    await parkEvent(this.store, this.group, this.memberId, event, error, attempts);
    this.stats.parked++;
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

  get stats(): ConsumerGroupMemberStats {
    const oldest = Math.min(...[...this.#workers.values()].map((w) => w.oldestRecordedAt ?? Infinity));
    this.#stats.lagMs = Number.isFinite(oldest) ? Date.now() - oldest : 0;
    return this.#stats;
  }

  leave(): Promise<void> {
    this.#left ??= (async () => {
      this.#stopTicking.abort();
      this.queue.close();
      const workers = [...this.#workers];
      this.#workers.clear();
      await Promise.allSettled(workers.map(([, w]) => w.stop()));
      this.queue.clear();
      // Give everything back at once (best effort: a server that is gone lets the leases expire instead).
      await Promise.allSettled([
        ...workers.map(([p]) => this.leases.release(this.group, `${PARTITION_KEY}${p}`, this.memberId)),
        this.leases.release(this.group, `${MEMBER_KEY}${this.memberId}`, this.memberId),
      ]);
      this.stats.partitions = [];
    })();
    return this.#left;
  }
}

