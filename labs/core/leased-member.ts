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
import { randomUUID } from 'node:crypto';
import {
  parkedStreamId,
  partitionOf,
  type ConsumerGroupMember,
  type ConsumerGroupMemberStats,
  type Delivery,
  type LeasePort,
  type ParkedEvent,
  type ValidatedConsumerGroupOptions,
} from './consumer-group.ts';
import { BackendUnavailableError, ConsumerGroupClosedError, UnknownDeliveryError } from './errors.ts';
import type { EventStore, Subscription } from './event-store.ts';
import { headPosition } from './positions.ts';
import { sleep } from './subscription.ts';
import type { JsonObject, RecordedEvent } from './types.ts';

type Store = Pick<EventStore, 'subscribeToAll' | 'checkpoints' | 'appendToStream' | 'readStream' | 'readAll' | 'unsupported'>;

const MEMBER_KEY = 'member:';
const PARTITION_KEY = 'partition:';
const MAX_BACKOFF_MS = 5_000;

interface Pending {
  delivery: Delivery;
  settle: (outcome: { acked: true } | { acked: false; error: string }) => void;
  revoked: boolean;
}

/** One owned partition: its subscription and the one event it has in flight. */
class PartitionWorker {
  readonly abort = new AbortController();
  subscription: Subscription | undefined;
  current: Pending | undefined;
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
      const settled = await this.handOut(event);
      this.oldestRecordedAt = undefined;
      if (settled === 'revoked') break;
      await store.checkpoints.store(checkpointId, event.globalPosition);
    }
  }

  /** Delivers until acked or parked; 'revoked' when the partition was lost meanwhile. */
  private async handOut(event: RecordedEvent): Promise<'done' | 'revoked'> {
    const { options } = this.member;
    for (let attempt = 1; ; attempt++) {
      let onAbort: (() => void) | undefined;
      const outcome = await new Promise<{ acked: true } | { acked: false; error: string } | 'revoked'>((resolve) => {
        const pending: Pending = {
          delivery: { deliveryId: randomUUID(), event, attempt, partition: this.partition },
          settle: resolve,
          revoked: false,
        };
        this.current = pending;
        onAbort = () => resolve('revoked');
        this.abort.signal.addEventListener('abort', onAbort, { once: true });
        this.member.offer(pending);
      });
      this.abort.signal.removeEventListener('abort', onAbort!);
      this.current = undefined;
      if (outcome === 'revoked' || this.abort.signal.aborted) return 'revoked';
      if (outcome.acked) return 'done';
      if (attempt >= options.maxDeliveries) {
        await this.member.park(event, outcome.error, attempt);
        return 'done';
      }
      this.member.stats.retried++;
      await sleep(Math.min(options.retryBackoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), this.abort.signal);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.current) this.member.revoke(this.current);
    await this.subscription?.close();
    await this.done;
  }
}

export class LeasedConsumerGroupMember implements ConsumerGroupMember {
  readonly #stats: ConsumerGroupMemberStats;
  readonly joined: Promise<void>;
  readonly #workers = new Map<number, PartitionWorker>();
  readonly #pending = new Map<string, Pending>();
  readonly #ready: Pending[] = [];
  #wakeConsumer: (() => void) | undefined;
  #left: Promise<void> | undefined;
  #failure: unknown;
  readonly #stopTicking = new AbortController();

  constructor(
    readonly store: Store,
    private readonly leases: LeasePort,
    readonly options: ValidatedConsumerGroupOptions,
  ) {
    this.#stats = { memberId: options.memberId, handled: 0, retried: 0, parked: 0, revoked: 0, partitions: [], lagMs: 0, rebalances: 0 };
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

  /** A partition worker hands a delivery to the consumer. */
  offer(pending: Pending): void {
    this.#pending.set(pending.delivery.deliveryId, pending);
    this.#ready.push(pending);
    this.#wakeConsumer?.();
  }

  revoke(pending: Pending): void {
    if (!this.#pending.has(pending.delivery.deliveryId)) return;
    pending.revoked = true;
    this.stats.revoked++;
    const index = this.#ready.indexOf(pending);
    if (index >= 0) this.#ready.splice(index, 1);
  }

  fail(error: unknown): void {
    this.#failure ??= error;
    void this.leave();
  }

  async park(event: RecordedEvent, error: string, attempts: number): Promise<void> {
    const data: JsonObject = {
      streamId: event.streamId,
      eventId: event.id,
      streamVersion: event.streamVersion,
      globalPosition: event.globalPosition.toString(),
      eventType: event.type,
      error,
      attempts,
      parkedBy: this.memberId,
    };
    await this.store.appendToStream(parkedStreamId(this.group), [{ type: 'EventParked', data }]);
    this.stats.parked++;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery> {
    while (true) {
      const next = this.#ready.shift();
      if (next) {
        if (!next.revoked) yield next.delivery;
        continue;
      }
      if (this.#left) break;
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      this.#wakeConsumer = undefined;
    }
    if (this.#failure) throw this.#failure;
  }

  private take(delivery: Delivery, operation: string): Pending | undefined {
    if (this.#left) throw new ConsumerGroupClosedError(this.group, this.memberId, operation);
    const pending = this.#pending.get(delivery?.deliveryId);
    if (!pending) throw new UnknownDeliveryError(this.group, String(delivery?.deliveryId), 'was not delivered to this member, or was already settled');
    this.#pending.delete(delivery.deliveryId);
    // A partition lost meanwhile: its new owner delivers the event again; this settlement changes nothing.
    return pending.revoked ? undefined : pending;
  }

  async ack(delivery: Delivery): Promise<void> {
    const pending = this.take(delivery, 'ack');
    if (!pending) return;
    this.stats.handled++;
    pending.settle({ acked: true });
  }

  async nack(delivery: Delivery, error: unknown): Promise<void> {
    const pending = this.take(delivery, 'nack');
    if (!pending) return;
    pending.settle({ acked: false, error: error instanceof Error ? error.message : String(error) });
  }

  async parked(): Promise<ParkedEvent[]> {
    const entries = await this.store.readStream(parkedStreamId(this.group));
    const replayed = new Set(entries.filter((e) => e.type === 'ParkedEventReplayed').map((e) => (e.data as JsonObject).eventId));
    const parked: ParkedEvent[] = [];
    for (const entry of entries) {
      const d = entry.data as JsonObject;
      if (entry.type !== 'EventParked' || replayed.has(d.eventId!)) continue;
      const [original] = await this.store.readStream(String(d.streamId), { fromVersion: Number(d.streamVersion), maxCount: 1 });
      if (!original) continue;
      parked.push({ event: original, error: String(d.error), attempts: Number(d.attempts), parkedBy: String(d.parkedBy), parkedAt: entry.recordedAt.toISOString() });
    }
    return parked;
  }

  async replayParked(handler: (event: RecordedEvent) => Promise<void>): Promise<{ replayed: number; failed: number }> {
    if (this.#left) throw new ConsumerGroupClosedError(this.group, this.memberId, 'replayParked');
    let replayed = 0;
    let failed = 0;
    for (const parked of await this.parked()) {
      try {
        await handler(parked.event);
      } catch {
        failed++;
        continue;
      }
      await this.store.appendToStream(parkedStreamId(this.group), [
        { type: 'ParkedEventReplayed', data: { eventId: parked.event.id, replayedBy: this.memberId } },
      ]);
      replayed++;
    }
    return { replayed, failed };
  }

  get stats(): ConsumerGroupMemberStats {
    const oldest = Math.min(...[...this.#workers.values()].map((w) => w.oldestRecordedAt ?? Infinity));
    this.#stats.lagMs = Number.isFinite(oldest) ? Date.now() - oldest : 0;
    return this.#stats;
  }

  leave(): Promise<void> {
    this.#left ??= (async () => {
      this.#stopTicking.abort();
      this.#wakeConsumer?.();
      const workers = [...this.#workers];
      this.#workers.clear();
      await Promise.allSettled(workers.map(([, w]) => w.stop()));
      this.#pending.clear();
      this.#ready.length = 0;
      // Give everything back at once (best effort: a server that is gone lets the leases expire instead).
      await Promise.allSettled([
        ...workers.map(([p]) => this.leases.release(this.group, `${PARTITION_KEY}${p}`, this.memberId)),
        this.leases.release(this.group, `${MEMBER_KEY}${this.memberId}`, this.memberId),
      ]);
      this.stats.partitions = [];
    })();
    this.#wakeConsumer?.();
    return this.#left;
  }
}

