/**
 * Capability flags. A backend lists what it cannot do, with the reason; the conformance suite then
 * reports the scenarios that need it as `unsupported` (never as a silent pass).
 */
export const CAPABILITIES = [
  /** `no_stream`, `stream_exists` and exact versions enforced atomically with the write. */
  'optimistic-concurrency',
  /** A retried append with the same event ids is answered with the original result, written once. */
  'idempotent-append',
  /** One total order over all streams that readers can follow without skipping. */
  'global-order',
  /** Reading a stream or the log from the end towards the start. */
  'read-backward',
  /** Catch-up then live subscriptions with a bounded buffer. */
  'subscriptions',
  /** Durable subscriber checkpoints stored by the backend. */
  'checkpoints',
  /** Durable snapshots stored by the backend. */
  'snapshots',
  /**
   * Consumer groups: several members share one subscription, each event delivered to one member at a time,
   * at least once, with retries and a parked (dead-letter) list (labs/core/consumer-group.ts).
   */
  'consumer-groups',
  /** Within a consumer group, one stream's events are handled one at a time, in version order. */
  'consumer-groups-stream-order',
  /**
   * A group's work is split into partitions of streams that members own and report: `stats.partitions`
   * lists what a member holds and `delivery.partition` where an event came from. Without it (EventStoreDB's
   * persistent subscriptions: the server assigns streams to connections internally and tells no one),
   * `stats.partitions` is `[]` and `delivery.partition` is -1, and the consume.* scenarios check what holds
   * for a group without visible partitions (labs/conformance/scenarios/consume.ts).
   */
  'consumer-groups-partitions',
  /**
   * Event data and metadata come back byte for byte as written (key order, number spelling), not only as
   * equal JSON. PostgreSQL's jsonb keeps neither: it sorts keys and normalises numbers.
   */
  'byte-exact-data',
  /** `deleteStream`, soft (the stream can be written again, its versions continue) and hard (a tombstone). */
  'stream-deletion',
  /** `truncateStream`: the events before a version are removed from the stream. */
  'stream-truncation',
  /** After a delete or truncate, `$all` and subscriptions started afterwards no longer return those events. */
  'deletion-removes-from-all',
  /** A key store of the backend for crypto-shredding (`subjectKeys`: labs/core/crypto-shredding.ts). */
  'subject-keys',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** Capabilities a backend lacks, each with the reason a person can read. */
export type UnsupportedCapabilities = Partial<Record<Capability, string>>;

export function isSupported(unsupported: UnsupportedCapabilities, capability: Capability): boolean {
  return unsupported[capability] === undefined;
}
