/**
 * Consumer groups on EventStoreDB, native: a member is one connection to a persistent subscription to
 * `$all` (persistent-subscription.ts maps the options). The server keeps the group: its checkpoint, who
 * has which event in flight, retries after a timeout or a dropped connection, and its parked messages.
 *
 * What the member adds, and why:
 * - The contract's deliveries (labs/core/delivery-queue.ts): each event the server pushes is offered once;
 *   `ack` acks it to the server, `nack` waits the backoff (the server has no delayed retry) and nacks it
 *   with `retry`, or — on the last allowed delivery — parks it into `$parked-<group>` with its error (as
 *   every backend parks, labs/core/parked-events.ts, so `parked()` and `replayParked()` read the same
 *   everywhere) and then nacks it with `park`, so the server's parked count and UI show it too.
 *   `attempt` is the server's retry count + 1: a delivery the server retried after a timeout counts.
 * - No partitions: the server assigns streams to connections (Pinned: 1024 buckets of stream-id hashes)
 *   and does not say which a connection holds. So `stats.partitions` is `[]`, `delivery.partition` is -1,
 *   and the store declares `consumer-groups-partitions` unsupported. Deliveries run concurrently up to the
 *   connection's buffer (`bufferSize`), two of one stream included: `consumer-groups-stream-order` is
 *   declared unsupported (Pinned keeps a stream on one connection on a best-effort basis only).
 * - A dropped connection (the server restarting, a network blip): every delivery out is revoked (its ack
 *   or nack changes nothing; the server hands the event out again) and the member reconnects with
 *   backoff until it leaves. A member killed outright (SIGKILL) is noticed by the server when its
 *   connection closes, or after `messageTimeout` (= `leaseMs`) per delivery at the latest.
 * - `leave()`: unsubscribes; the server retries what the member still had in flight with the others.
 * - `stats.rebalances` counts the member's connections to the group (its first join and every reconnect).
 *
 * Written against @eventstore/db-client 6.2.1 and its documentation; run by the consume.* scenarios only
 * where a server is reachable (never on the machine it was written on).
 */
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  PARK,
  RETRY,
  START,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  StreamNotFoundError,
  type EventStoreDBClient,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  BackendUnavailableError,
  ConsumerGroupClosedError,
  DeliveryQueue,
  parkEvent,
  parkedStreamId,
  readParked,
  replayParkedEvents,
  sleep,
  type AppendResult,
  type ConsumerGroupMember,
  type ConsumerGroupMemberStats,
  type Delivery,
  type EventStore,
  type NewEvent,
  type ParkedEvent,
  type ParkingStore,
  type PendingDelivery,
  type ReadStreamOptions,
  type RecordedEvent,
  type Settlement,
  type ValidatedConsumerGroupOptions,
} from '../core/index.ts';
import { translateError } from './errors.ts';
import { fromResolvedEvent, packPosition, revisionToVersion, toEventData, toJsonData, toMetadata } from './mapping.ts';
import { attemptOf, persistentSubscriptionPlan, retryBackoffMs, serverGroupStats, type ServerGroupStats } from './persistent-subscription.ts';

const RECONNECT_MS = [200, 500, 1_000, 2_000, 5_000];

/** One connection to the group and the deliveries it has out. */
interface Connection {
  subscription: PersistentSubscriptionToAll;
  outstanding: Map<string, PendingDelivery>;
  /** Aborted when the connection is gone: waits (a retry's backoff) end, deliveries are revoked. */
  gone: AbortController;
}

export class PersistentConsumerGroupMember implements ConsumerGroupMember {
  readonly #stats: ConsumerGroupMemberStats;
  readonly queue: DeliveryQueue;
  readonly joined: Promise<void>;
  readonly #plan;
  readonly #parking: ParkingStore;
  readonly #since = new Map<string, number>();
  #connection: Connection | undefined;
  #left: Promise<void> | undefined;
  readonly #leaving = new AbortController();
  #onJoined!: () => void;

  constructor(
    private readonly client: EventStoreDBClient,
    store: Pick<EventStore, 'appendToStream' | 'readStream'>,
    readonly options: ValidatedConsumerGroupOptions,
  ) {
    this.#stats = { memberId: options.memberId, handled: 0, retried: 0, parked: 0, revoked: 0, partitions: [], lagMs: 0, rebalances: 0 };
    this.queue = new DeliveryQueue(options.group, options.memberId, this.#stats);
    this.#plan = persistentSubscriptionPlan(options);
    this.#parking = parkingStore(client, store, parkedStreamId(options.group));
    this.joined = new Promise((resolve) => (this.#onJoined = resolve));
    void this.run().catch((error: unknown) => this.fail(error));
  }

  get group(): string {
    return this.options.group;
  }

  get memberId(): string {
    return this.options.memberId;
  }

  get stats(): ConsumerGroupMemberStats {
    const oldest = Math.min(...this.#since.values());
    this.#stats.lagMs = Number.isFinite(oldest) ? Date.now() - oldest : 0;
    return this.#stats;
  }

  /** What the server reports of the group (connections, in flight, its own parked count, checkpoint). */
  async serverStats(): Promise<ServerGroupStats> {
    try {
      return serverGroupStats(await this.client.getPersistentSubscriptionToAllInfo(this.#plan.groupName));
    } catch (error) {
      throw translateError(error);
    }
  }

  /** Creates the group unless it exists: its first member's settings are the group's. */
  private async ensureGroup(): Promise<void> {
    try {
      await this.client.createPersistentSubscriptionToAll(this.#plan.groupName, this.#plan.settings, { filter: this.#plan.filter });
    } catch (error) {
      if (!(error instanceof PersistentSubscriptionExistsError)) throw error;
    }
  }

  private async run(): Promise<void> {
    for (let failures = 0; this.#left === undefined; ) {
      try {
        await this.ensureGroup();
        if (this.#left !== undefined) return;
        await this.connectAndConsume(() => (failures = 0));
      } catch (error) {
        const translated = translateError(error);
        if (this.#left !== undefined) return;
        // A lost connection or a server going away: ride it out, as the lease-based members do.
        if (!(translated instanceof BackendUnavailableError) && !isDropped(error)) throw translated;
      }
      if (this.#left !== undefined) return;
      await sleep(RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]!, this.#leaving.signal);
    }
  }

  /** One connection: joined once the server confirms it, then every event it pushes is offered. */
  private async connectAndConsume(connected: () => void): Promise<void> {
    const subscription = this.client.subscribeToPersistentSubscriptionToAll(this.#plan.groupName, { bufferSize: this.#plan.bufferSize });
    const connection: Connection = { subscription, outstanding: new Map(), gone: new AbortController() };
    this.#connection = connection;
    this.#stats.rebalances++;
    subscription.once('confirmation', () => {
      connected();
      this.#onJoined();
    });
    try {
      for await (const resolved of subscription) {
        if (this.#left !== undefined) break;
        this.#onJoined(); // an older server may push before it confirms
        this.offer(connection, resolved);
      }
    } finally {
      this.drop(connection);
    }
  }

  /** The connection is gone: what it had out is revoked (the server hands it out again). */
  private drop(connection: Connection): void {
    connection.gone.abort();
    for (const pending of connection.outstanding.values()) {
      this.queue.revoke(pending);
      this.#since.delete(pending.delivery.deliveryId);
    }
    connection.outstanding.clear();
    if (this.#connection === connection) this.#connection = undefined;
    connection.subscription.destroy();
  }

  private offer(connection: Connection, resolved: PersistentSubscriptionToAllResolvedEvent): void {
    const event = fromResolvedEvent(resolved);
    const raw = resolved as unknown as ResolvedEvent;
    // Not ours to handle (a system event the filter let through, our own parked list): settled at once.
    if (!event || event.streamId === parkedStreamId(this.group)) {
      void connection.subscription.ack(raw).catch(() => {});
      return;
    }
    const delivery: Delivery = { deliveryId: randomUUID(), event, attempt: attemptOf(resolved.retryCount), partition: -1 };
    const pending: PendingDelivery = {
      delivery,
      revoked: false,
      settle: (outcome) => {
        connection.outstanding.delete(delivery.deliveryId);
        this.#since.delete(delivery.deliveryId);
        void this.settle(connection, raw, delivery, outcome).catch((error: unknown) => {
          // The connection went away meanwhile: the server retries the event; anything else ends the member.
          if (!connection.gone.signal.aborted && !(translateError(error) instanceof BackendUnavailableError)) this.fail(error);
        });
      },
    };
    connection.outstanding.set(delivery.deliveryId, pending);
    this.#since.set(delivery.deliveryId, event.recordedAt.getTime());
    this.queue.offer(pending);
  }

  private async settle(connection: Connection, raw: ResolvedEvent, delivery: Delivery, outcome: Settlement): Promise<void> {
    const { subscription, gone } = connection;
    if (outcome.acked) return subscription.ack(raw);
    if (delivery.attempt >= this.options.maxDeliveries) {
      await parkEvent(this.#parking, this.group, this.memberId, delivery.event, outcome.error, delivery.attempt);
      this.#stats.parked++;
      return subscription.nack(PARK, truncateReason(outcome.error), raw);
    }
    this.#stats.retried++;
    await sleep(retryBackoffMs(delivery.attempt, this.options), gone.signal);
    if (gone.signal.aborted) return; // the server retries it anyway
    return subscription.nack(RETRY, truncateReason(outcome.error), raw);
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
    return readParked(this.#parking, this.group);
  }

  async replayParked(handler: (event: RecordedEvent) => Promise<void>): Promise<{ replayed: number; failed: number }> {
    if (this.#left) throw new ConsumerGroupClosedError(this.group, this.memberId, 'replayParked');
    return replayParkedEvents(this.#parking, this.group, this.memberId, handler);
  }

  private fail(error: unknown): void {
    this.queue.close(error);
    this.#onJoined();
    void this.leave();
  }

  /** Unsubscribes: the server gives what this member had in flight to the others. The group stays. */
  leave(): Promise<void> {
    this.#left ??= (async () => {
      this.#leaving.abort();
      this.queue.close();
      this.#onJoined();
      const connection = this.#connection;
      if (connection) {
        // Bounded: a server that is gone must not keep the caller waiting (its timeouts then retry instead).
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([connection.subscription.unsubscribe().catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
        clearTimeout(timer);
        this.drop(connection);
      }
      this.queue.clear();
      this.#stats.partitions = [];
    })();
    return this.#left;
  }
}

/**
 * The server dropped this connection (the subscription subsystem restarted), or the group is gone (an
 * operator deleted it): connect again, creating the group anew where it is gone.
 */
function isDropped(error: unknown): boolean {
  return error instanceof PersistentSubscriptionDroppedError || error instanceof PersistentSubscriptionDoesNotExistError;
}

/** The server keeps a nack's reason with the parked message; a handler's error can be long. */
function truncateReason(reason: string): string {
  return reason.length > 500 ? `${reason.slice(0, 497)}...` : reason;
}

/**
 * The contract's parked list lives in `$parked-<group>`, a `$`-stream (kept out of `$all`, as the store's
 * checkpoints are), which the store's own calls refuse; so it is written and read with the client here,
 * and every other stream (the parked events themselves) through the store.
 */
function parkingStore(client: EventStoreDBClient, store: Pick<EventStore, 'appendToStream' | 'readStream'>, parkedStream: string): ParkingStore {
  return {
    async appendToStream(streamId: string, events: readonly NewEvent[], options?: Parameters<EventStore['appendToStream']>[2]): Promise<AppendResult> {
      if (streamId !== parkedStream) return store.appendToStream(streamId, events, options);
      try {
        const written = events.map((e) => toEventData({ id: e.id ?? randomUUID(), type: e.type, data: e.data, metadata: e.metadata ?? {} }));
        const result = await client.appendToStream(streamId, written);
        const position = result.position ? packPosition(result.position) : 0n;
        return { nextExpectedVersion: revisionToVersion(result.nextExpectedRevision), globalPosition: position };
      } catch (error) {
        throw translateError(error, { streamId });
      }
    },
    async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
      if (streamId !== parkedStream) return store.readStream(streamId, options);
      const backward = options?.direction === 'backward';
      const from = options?.fromVersion === undefined ? (backward ? END : START) : BigInt(options.fromVersion);
      const read = client.readStream(streamId, { direction: backward ? BACKWARDS : FORWARDS, fromRevision: from, ...(options?.maxCount ? { maxCount: options.maxCount } : {}) });
      const events: RecordedEvent[] = [];
      try {
        for await (const resolved of read) {
          const e = resolved.event;
          if (!e) continue;
          events.push({
            id: e.id.toLowerCase(),
            streamId: e.streamId,
            type: e.type,
            data: toJsonData(e.data),
            metadata: toMetadata(e.metadata),
            streamVersion: revisionToVersion(e.revision),
            globalPosition: e.position ? packPosition(e.position) : 0n,
            recordedAt: e.created,
          });
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw translateError(error, { streamId });
      }
      return events;
    },
  };
}
