/**
 * What every consumer-group member does the same way, whoever assigns the partitions (a lease table,
 * leased-member.ts; the Kafka broker, labs/kafka/group-member.ts):
 *
 * - `DeliveryQueue`: the book of deliveries between the partitions that hand them out and the one
 *   consumer that iterates them. A delivery is settled once, by `ack` or `nack` of the member it was
 *   handed to; a delivery whose partition was lost meanwhile is *revoked*: settling it changes nothing
 *   (the partition's next owner delivers that event again — at-least-once).
 * - `deliverUntilSettled`: one event of one partition, delivered until acked, retried after a doubling
 *   backoff on each nack, parked after `maxDeliveries`. The caller keeps one in flight per partition, so
 *   a stream's events are handled one at a time, in order.
 */
import type { ConsumerGroupMemberStats, Delivery, ValidatedConsumerGroupOptions } from './consumer-group.ts';
import { ConsumerGroupClosedError, UnknownDeliveryError } from './errors.ts';
import { sleep } from './subscription.ts';
import type { RecordedEvent } from './types.ts';
import { randomUUID } from 'node:crypto';

export const MAX_RETRY_BACKOFF_MS = 5_000;

export type Settlement = { acked: true } | { acked: false; error: string };

export interface PendingDelivery {
  readonly delivery: Delivery;
  settle(outcome: Settlement): void;
  revoked: boolean;
}

export class DeliveryQueue implements AsyncIterable<Delivery> {
  readonly #pending = new Map<string, PendingDelivery>();
  readonly #ready: PendingDelivery[] = [];
  #wakeConsumer: (() => void) | undefined;
  #closed = false;
  #failure: unknown;

  constructor(
    private readonly group: string,
    private readonly memberId: string,
    private readonly stats: ConsumerGroupMemberStats,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** A partition hands a delivery to the consumer. */
  offer(pending: PendingDelivery): void {
    this.#pending.set(pending.delivery.deliveryId, pending);
    this.#ready.push(pending);
    this.#wakeConsumer?.();
  }

  /** The partition was lost before the delivery was settled: its ack or nack will change nothing. */
  revoke(pending: PendingDelivery): void {
    if (!this.#pending.has(pending.delivery.deliveryId)) return;
    pending.revoked = true;
    this.stats.revoked++;
    const index = this.#ready.indexOf(pending);
    if (index >= 0) this.#ready.splice(index, 1);
  }

  /** The member is leaving (with `failure`, the error its iterator ends with): no more ack or nack. */
  close(failure?: unknown): void {
    if (failure !== undefined) this.#failure ??= failure;
    this.#closed = true;
    this.#wakeConsumer?.();
  }

  /** Forgets every outstanding delivery (once the partitions have stopped). */
  clear(): void {
    this.#pending.clear();
    this.#ready.length = 0;
    this.#wakeConsumer?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery> {
    while (true) {
      const next = this.#ready.shift();
      if (next) {
        if (!next.revoked) yield next.delivery;
        continue;
      }
      if (this.#closed) break;
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      this.#wakeConsumer = undefined;
    }
    if (this.#failure) throw this.#failure;
  }

  private take(delivery: Delivery, operation: string): PendingDelivery | undefined {
    if (this.#closed) throw new ConsumerGroupClosedError(this.group, this.memberId, operation);
    const pending = this.#pending.get(delivery?.deliveryId);
    if (!pending) throw new UnknownDeliveryError(this.group, String(delivery?.deliveryId), 'was not delivered to this member, or was already settled');
    this.#pending.delete(delivery.deliveryId);
    return pending.revoked ? undefined : pending;
  }

  ack(delivery: Delivery): void {
    const pending = this.take(delivery, 'ack');
    if (!pending) return;
    this.stats.handled++;
    pending.settle({ acked: true });
  }

  nack(delivery: Delivery, error: unknown): void {
    const pending = this.take(delivery, 'nack');
    if (!pending) return;
    pending.settle({ acked: false, error: error instanceof Error ? error.message : String(error) });
  }
}

export interface HandOut {
  queue: DeliveryQueue;
  event: RecordedEvent;
  partition: number;
  options: Pick<ValidatedConsumerGroupOptions, 'maxDeliveries' | 'retryBackoffMs'>;
  stats: ConsumerGroupMemberStats;
  /** Aborted: the partition is gone now; an outstanding delivery is revoked at once. */
  revoke: AbortSignal;
  /**
   * Aborted: the partition is being handed over. A delivery out now may still be settled (a planned
   * hand-over waits for it, so it is not handled twice), but no retry is made: the next owner makes it.
   */
  noRetry?: AbortSignal;
  /** Told of each delivery handed out (and `undefined` once it is settled). */
  track?: (pending: PendingDelivery | undefined) => void;
  park(event: RecordedEvent, error: string, attempts: number): Promise<void>;
}

/** Delivers until acked or parked ('done'); 'revoked' when the partition was lost or handed over first. */
export async function deliverUntilSettled({ queue, event, partition, options, stats, revoke, noRetry, track, park }: HandOut): Promise<'done' | 'revoked'> {
  for (let attempt = 1; ; attempt++) {
    if (revoke.aborted) return 'revoked';
    let pending!: PendingDelivery;
    let onRevoke: (() => void) | undefined;
    const outcome = await new Promise<Settlement | 'revoked'>((resolve) => {
      pending = { delivery: { deliveryId: randomUUID(), event, attempt, partition }, settle: resolve, revoked: false };
      onRevoke = () => {
        queue.revoke(pending);
        resolve('revoked');
      };
      revoke.addEventListener('abort', onRevoke, { once: true });
      track?.(pending);
      queue.offer(pending);
    });
    revoke.removeEventListener('abort', onRevoke!);
    track?.(undefined);
    if (outcome === 'revoked' || revoke.aborted) return 'revoked';
    if (outcome.acked) return 'done';
    if (attempt >= options.maxDeliveries) {
      await park(event, outcome.error, attempt);
      return 'done';
    }
    if (noRetry?.aborted) return 'revoked';
    stats.retried++;
    const wake = noRetry ? AbortSignal.any([revoke, noRetry]) : revoke;
    await sleep(Math.min(options.retryBackoffMs * 2 ** (attempt - 1), MAX_RETRY_BACKOFF_MS), wake);
    if (noRetry?.aborted) return 'revoked';
  }
}
