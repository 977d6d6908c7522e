/**
 * PITFALL DEMO: "scaling out" a projection by starting it N times.
 *
 * The tutorial way: each instance of the service runs the same subscription to `$all` with its own
 * checkpoint, and the handler logs and moves on when it throws. Nothing decides which instance handles
 * which event, so with three instances every event is handled three times, concurrently (three emails,
 * three charges, a read model updated three times out of order), and a poison event is simply dropped.
 * The real stores lease partitions of the streams instead (labs/core/leased-member.ts).
 */
import { randomUUID } from 'node:crypto';
import type {
  ConsumerGroupMember,
  ConsumerGroupMemberStats,
  Delivery,
  EventStore,
  ParkedEvent,
  ValidatedConsumerGroupOptions,
} from '../../core/index.ts';

export function naiveGroupMember(store: Pick<EventStore, 'subscribeToAll'>, options: ValidatedConsumerGroupOptions): ConsumerGroupMember {
  // PITFALL(consume.group-shares-the-work, consume.scale-out, consume.member-crash-rebalances): every
  // instance reads everything; each believes it owns every partition.
  const subscription = store.subscribeToAll({ bufferSize: options.bufferSize, pollIntervalMs: 100 });
  const stats: ConsumerGroupMemberStats = {
    memberId: options.memberId,
    handled: 0,
    retried: 0,
    parked: 0,
    revoked: 0,
    partitions: Array.from({ length: options.partitions }, (_, p) => p),
    lagMs: 0,
    rebalances: 0,
  };
  const held = new Set<string>();
  let left = false;
  return {
    group: options.group,
    memberId: options.memberId,
    stats,
    joined: Promise.resolve(),
    async *[Symbol.asyncIterator](): AsyncIterator<Delivery> {
      for await (const event of subscription) {
        if (!event.streamId.startsWith(options.streamPrefix)) continue;
        const delivery = { deliveryId: randomUUID(), event, attempt: 1, partition: -1 };
        held.add(delivery.deliveryId);
        yield delivery;
      }
    },
    async ack(delivery) {
      if (held.delete(delivery.deliveryId)) stats.handled++;
    },
    async nack(delivery) {
      // PITFALL(consume.poison-event-parked): log and move on — the event is lost, not retried or parked.
      held.delete(delivery.deliveryId);
    },
    async parked(): Promise<ParkedEvent[]> {
      return [];
    },
    async replayParked() {
      return { replayed: 0, failed: 0 };
    },
    async leave() {
      if (left) return;
      left = true;
      stats.partitions = [];
      await subscription.close();
    },
  };
}
