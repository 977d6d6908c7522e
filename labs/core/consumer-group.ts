/**
 * Consumer groups: several workers share one subscription.
 *
 * A member joins a named group and receives deliveries; each event is delivered to one member at a time and
 * redelivered until someone acknowledges it — **at least once**, never exactly once: a member that dies
 * after handling an event and before its checkpoint is stored hands that event to the next owner. A
 * handler that keeps failing does not stop the group: after `maxDeliveries` the event is **parked** (a
 * dead-letter list kept in the store itself, as EventStoreDB keeps `$persistentsubscription-…::parked`)
 * with its error, and the group moves on; parked events can be read and replayed.
 *
 * How the work is split is the backend's lesson:
 * - lease-based (PostgreSQL, DynamoDB; `leased-member.ts`): streams are hashed into a fixed number of
 *   partitions; a member owns a partition while it holds that partition's lease (a conditional write:
 *   PostgreSQL's `INSERT … ON CONFLICT … WHERE`, DynamoDB's `ConditionExpression`, the KCL's lease table)
 *   and renews it; a dead member's leases expire and the others take them; per-partition checkpoints.
 *   One event in flight per partition keeps each stream's events in version order.
 * - native (Kafka consumer groups, EventStoreDB persistent subscriptions): the broker or server assigns.
 *
 * The ordering a backend keeps is the capability `consumer-groups-stream-order`.
 */
import { createHash } from 'node:crypto';
import { InvalidConsumerGroupOptionsError } from './errors.ts';
import { identifierProblem } from './identifiers.ts';
import type { RecordedEvent } from './types.ts';

export interface ConsumerGroupOptions {
  /** The group's name: members with the same name share the work. 1-100 characters, no control characters. */
  group: string;
  /** This member's id (default: a random one). Two live members must not share an id. */
  memberId?: string;
  /** Only streams whose id starts with this (a category, as Message DB's consumer groups read one). */
  streamPrefix?: string;
  /** Streams are hashed into this many partitions, the unit of ownership (default 8). Fixed for a group. */
  partitions?: number;
  /** Deliveries of one event before it is parked (default 5). */
  maxDeliveries?: number;
  /** First retry waits this long, doubling per attempt up to 5 s (default 100 ms). */
  retryBackoffMs?: number;
  /** A member that has not renewed its leases for this long is presumed dead (default 3,000 ms). */
  leaseMs?: number;
  /** Events each partition reads ahead of its handler (default 64): memory stays bounded. */
  bufferSize?: number;
  /**
   * Where a partition nobody has a checkpoint for starts (a new group): `start` of `$all` (default: every
   * event ever written, as a new projection needs), or its `end` when its first owner takes it (only what
   * is written from then on, as Kafka's `auto.offset.reset=latest`).
   */
  startAt?: 'start' | 'end';
}

export type ValidatedConsumerGroupOptions = Required<Omit<ConsumerGroupOptions, 'memberId'>> & { memberId: string };

export interface Delivery {
  /** Unique per delivery: ack or nack exactly this delivery. */
  readonly deliveryId: string;
  readonly event: RecordedEvent;
  /** 1 for the first delivery of this event to the group, 2 for its first retry, … */
  readonly attempt: number;
  /** The partition (lease) it came from; -1 when the backend does not partition. */
  readonly partition: number;
}

export interface ConsumerGroupMemberStats {
  readonly memberId: string;
  /** Events this member acknowledged. */
  handled: number;
  /** Negative acknowledgements that led to another delivery. */
  retried: number;
  /** Events this member parked after their last allowed delivery. */
  parked: number;
  /** Deliveries whose partition this member lost before they were settled (another member redelivers them). */
  revoked: number;
  /** Partitions (leases) held now. */
  partitions: number[];
  /** Age of the oldest event handed out and not yet settled, in ms (0 when idle). */
  lagMs: number;
  /** Times this member took or gave up a partition. */
  rebalances: number;
}

export interface ParkedEvent {
  event: RecordedEvent;
  /** The last error the handler gave. */
  error: string;
  attempts: number;
  parkedBy: string;
  parkedAt: string;
}

export interface ConsumerGroupMember extends AsyncIterable<Delivery> {
  readonly group: string;
  readonly memberId: string;
  readonly stats: ConsumerGroupMemberStats;
  /** Resolves once the member has registered and made its first claim of partitions. */
  readonly joined: Promise<void>;
  /** Done with this delivery: the checkpoint moves past it. UnknownDeliveryError when not held. */
  ack(delivery: Delivery): Promise<void>;
  /** Failed: delivered again after a backoff, or parked after `maxDeliveries`. */
  nack(delivery: Delivery, error: unknown): Promise<void>;
  /** The group's parked events not yet replayed, oldest first. */
  parked(): Promise<ParkedEvent[]>;
  /** Hands every parked event to `handler`; those it handles leave the parked list. */
  replayParked(handler: (event: RecordedEvent) => Promise<void>): Promise<{ replayed: number; failed: number }>;
  /** Leaves the group: gives its partitions back at once, so the others take them without waiting. */
  leave(): Promise<void>;
}

/**
 * What a lease-based backend implements (the KCL's lease table, in one conditional write per call). The
 * shell has validated every argument. Expiry is judged by one clock (the server's, where it has one).
 */
export interface LeasePort {
  /**
   * Takes `key` for `owner` until `leaseMs` from now when it is free, expired, or already `owner`'s, in one
   * atomic conditional write; true when `owner` holds it now. Two owners never both get true for one key
   * at overlapping times.
   */
  acquire(group: string, key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Gives `key` up if `owner` holds it (a no-op otherwise). */
  release(group: string, key: string, owner: string): Promise<void>;
  /** Every unexpired lease of the group. */
  live(group: string): Promise<{ key: string; owner: string }[]>;
}

export const CONSUMER_GROUP_DEFAULTS = {
  partitions: 8,
  maxDeliveries: 5,
  retryBackoffMs: 100,
  leaseMs: 3_000,
  bufferSize: 64,
} as const;

/** Where a group's parked events are kept: a stream of the store itself. */
export function parkedStreamId(group: string): string {
  return `$parked-${group}`;
}

/**
 * The partition of a stream: a stable hash of its id (MD5's first 32 bits, as every member and every
 * language computes it alike), modulo the group's partition count. All of a stream's events share one.
 */
export function partitionOf(streamId: string, partitions: number): number {
  return createHash('md5').update(streamId, 'utf8').digest().readUInt32BE(0) % partitions;
}

export function validateConsumerGroupOptions(options: unknown, newMemberId: () => string): ValidatedConsumerGroupOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidConsumerGroupOptionsError('options', 'Consumer group options must be an object with at least a group name');
  }
  const o = options as Record<string, unknown>;
  const groupProblem = identifierProblem(o.group, 100);
  if (groupProblem) throw new InvalidConsumerGroupOptionsError('group', `Invalid consumer group name ${JSON.stringify(o.group) ?? String(o.group)}: ${groupProblem}`);
  if (o.memberId !== undefined) {
    const problem = identifierProblem(o.memberId, 100);
    if (problem) throw new InvalidConsumerGroupOptionsError('memberId', `Invalid member id: ${problem}`);
  }
  if (o.streamPrefix !== undefined && typeof o.streamPrefix !== 'string') {
    throw new InvalidConsumerGroupOptionsError('streamPrefix', 'streamPrefix must be a string');
  }
  if (o.startAt !== undefined && o.startAt !== 'start' && o.startAt !== 'end') {
    throw new InvalidConsumerGroupOptionsError('startAt', `startAt must be 'start' or 'end', got ${JSON.stringify(o.startAt) ?? String(o.startAt)}`);
  }
  const whole = (field: keyof typeof CONSUMER_GROUP_DEFAULTS, min: number, max: number): number => {
    const v = o[field] ?? CONSUMER_GROUP_DEFAULTS[field];
    if (!(Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max)) {
      throw new InvalidConsumerGroupOptionsError(field, `${field} must be a whole number from ${min} to ${max}, got ${String(v)}`);
    }
    return v as number;
  };
  return {
    group: o.group as string,
    memberId: (o.memberId as string | undefined) ?? newMemberId(),
    streamPrefix: (o.streamPrefix as string | undefined) ?? '',
    partitions: whole('partitions', 1, 1024),
    maxDeliveries: whole('maxDeliveries', 1, 1000),
    retryBackoffMs: whole('retryBackoffMs', 0, 60_000),
    leaseMs: whole('leaseMs', 100, 600_000),
    bufferSize: whole('bufferSize', 1, 10_000),
    startAt: (o.startAt as 'start' | 'end' | undefined) ?? 'start',
  };
}

/**
 * Runs `handler` for every delivery of `member` until it leaves: resolve = ack, throw = nack. Deliveries of
 * different partitions run concurrently; one partition never has two in flight (the member sees to it).
 */
export async function consume(member: ConsumerGroupMember, handler: (delivery: Delivery) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for await (const delivery of member) {
    const settled = handler(delivery).then(
      () => member.ack(delivery),
      (error: unknown) => member.nack(delivery, error),
    );
    const tracked = settled.catch(() => {}).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.allSettled(inFlight);
}
