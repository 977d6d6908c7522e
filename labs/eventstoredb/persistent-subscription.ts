/**
 * The contract's consumer-group options (labs/core/consumer-group.ts) as an EventStoreDB persistent
 * subscription to `$all`: pure mapping, unit-tested without a server (persistent-subscription.unit.spec.ts).
 *
 * - `group` is the server's group name as given: members with the same name on the same server share it.
 *   The group is created by its first member with these settings; later members join the group as the
 *   server has it (settings are the server's, not re-sent: `createPersistentSubscriptionToAll` refuses an
 *   existing name with PersistentSubscriptionExistsError, which the member takes as "already there").
 * - Consumer strategy `Pinned`: the server hashes each event's stream id to one of 1024 buckets assigned
 *   to connections, so a stream tends to stay with one member. The server says nothing about which
 *   buckets a connection holds, so the store declares `consumer-groups-partitions` unsupported
 *   (`stats.partitions` is `[]`, `delivery.partition` is -1), and Pinned keeps a stream on one member
 *   only "on a best efforts basis" (`consumer-groups-stream-order` unsupported).
 * - `startAt`: `start` or `end` of `$all` when the group is created (the server keeps the group's
 *   checkpoint from then on: `$persistentsubscription-$all::<group>-checkpoint`).
 * - `streamPrefix`: a server-side stream-name prefix filter; without one, a regex that leaves out system
 *   streams (`$`-prefixed), as the store's `$all` subscriptions do. Either way the group's own parked
 *   list (`$parked-<group>`) and the server's `$persistentsubscription-…` streams are never delivered.
 * - `leaseMs` is `messageTimeout`: a delivery not settled within it is retried by the server (also when
 *   the member's connection is gone without a word: SIGKILL). A clean disconnect retries at once.
 * - `maxDeliveries`: the member parks on the last one itself (with the error, into `$parked-<group>`, as
 *   every backend parks) and then nacks it with `park`; the server's own `maxRetryCount` is set to the
 *   same count, so that a delivery that keeps timing out (a member that hangs) is parked by the server
 *   too, instead of going round forever.
 * - `bufferSize` is the connection's buffer: how many deliveries one member has unsettled at most.
 */
import {
  END,
  PINNED,
  START,
  persistentSubscriptionToAllSettingsFromDefaults,
  streamNameFilter,
  type Filter,
  type PersistentSubscriptionToAllInfo,
  type PersistentSubscriptionToAllSettings,
} from '@eventstore/db-client';
import { MAX_RETRY_BACKOFF_MS, type ValidatedConsumerGroupOptions } from '../core/index.ts';

export interface PersistentSubscriptionPlan {
  groupName: string;
  settings: PersistentSubscriptionToAllSettings;
  filter: Filter;
  /** The connection's buffer (`subscribeToPersistentSubscriptionToAll({ bufferSize })`). */
  bufferSize: number;
}

/** Escapes a string for a .NET regular expression (the server evaluates the filter). */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function persistentSubscriptionPlan(options: ValidatedConsumerGroupOptions): PersistentSubscriptionPlan {
  return {
    groupName: options.group,
    settings: persistentSubscriptionToAllSettingsFromDefaults({
      startFrom: options.startAt === 'start' ? START : END,
      consumerStrategyName: PINNED,
      messageTimeout: options.leaseMs,
      maxRetryCount: options.maxDeliveries,
      resolveLinkTos: false,
    }),
    // A prefix that starts with `$` would reach system streams; the prefix is the caller's category, and an
    // empty one means "every application stream", never the server's own.
    filter: options.streamPrefix === ''
      ? streamNameFilter({ regex: '^[^$]' })
      : streamNameFilter({ regex: `^${escapeRegex(options.streamPrefix)}` }),
    bufferSize: options.bufferSize,
  };
}

/**
 * The wait before a nacked delivery is handed back to the server for a retry (the server has no delayed
 * retry: the member waits, holding the delivery, then nacks with `retry`). Doubling from retryBackoffMs
 * as every backend's member does, but kept under half the message timeout: a wait longer than that
 * would let the server time the delivery out and retry it on its own, counting one retry twice.
 */
export function retryBackoffMs(attempt: number, options: Pick<ValidatedConsumerGroupOptions, 'retryBackoffMs' | 'leaseMs'>): number {
  return Math.min(options.retryBackoffMs * 2 ** (attempt - 1), MAX_RETRY_BACKOFF_MS, Math.floor(options.leaseMs / 2));
}

/** The attempt of a delivery, from the server's retry count of the event (0 on its first delivery). */
export function attemptOf(retryCount: number | undefined): number {
  return (retryCount ?? 0) + 1;
}

/** What the server knows of a group, for people (`getPersistentSubscriptionToAllInfo`). */
export interface ServerGroupStats {
  status: string;
  connections: number;
  inFlight: number;
  parkedOnServer: number;
  /** The server's checkpoint of the group, packed as the store packs positions; undefined before the first. */
  lastCheckpoint?: { commit: bigint; prepare: bigint };
}

export function serverGroupStats(info: Pick<PersistentSubscriptionToAllInfo, 'status' | 'connections' | 'stats'>): ServerGroupStats {
  return {
    status: info.status,
    connections: info.connections.length,
    inFlight: info.stats.totalInFlightMessages,
    parkedOnServer: Number(info.stats.parkedMessageCount),
    ...(info.stats.lastCheckpointedEventPosition ? { lastCheckpoint: info.stats.lastCheckpointedEventPosition } : {}),
  };
}
