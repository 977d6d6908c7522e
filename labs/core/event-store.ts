/**
 * The one contract. Every backend (PostgreSQL, EventStoreDB, Kafka, DynamoDB, and the deliberately naive
 * stores of the pitfall demos) implements `EventStore`, and the conformance suite is its specification.
 */
import type { UnsupportedCapabilities } from './capabilities.ts';
import type { ConsumerGroupMember, ConsumerGroupOptions } from './consumer-group.ts';
import type { KeyStore } from './crypto-shredding.ts';
import type { DeleteStreamOptions, RetentionPolicy, TruncateStreamOptions } from './stream-lifecycle.ts';
import type {
  AppendOptions,
  AppendResult,
  JsonValue,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from './types.ts';

export interface StoreLimits {
  /** Largest accepted event, measured as UTF-8 bytes of JSON of `{ type, data, metadata }`. */
  maxEventBytes: number;
  /** Longest accepted stream id, in characters. */
  maxStreamIdLength: number;
  /** Largest accepted snapshot state, as UTF-8 bytes of its JSON. */
  maxSnapshotBytes: number;
  /**
   * False when the backend cannot store the NUL character (U+0000) inside JSON text (PostgreSQL's jsonb):
   * such data is refused up front with a typed error instead of failing in the driver.
   */
  nulInText: boolean;
}

export interface EventStore {
  /** Short backend name used in results: `postgres`, `dynamodb`, `kafka`, `eventstoredb`, … */
  readonly backend: string;
  /** What this backend cannot do, and why. Empty when it does everything the contract describes. */
  readonly unsupported: UnsupportedCapabilities;
  readonly limits: StoreLimits;

  /** Appends atomically (all events or none) after checking `expectedVersion` (default `any`). */
  appendToStream(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;

  /** Events of one stream in version order. A missing stream reads as `[]`. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** One page of the global log, in strictly increasing (or, backwards, decreasing) global position. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Every event after `afterPosition` (or from the start), then live ones, until closed. */
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;

  /** Every event of one stream after `afterVersion` (or from its start), then live ones, until closed. */
  subscribeToStream(streamId: string, options?: SubscribeToStreamOptions): Subscription;

  /**
   * Joins (or forms) a consumer group: members with the same group name share the work, each event
   * delivered to one member at a time, at least once (labs/core/consumer-group.ts). Throws
   * UnsupportedCapabilityError when the backend declares `consumer-groups` unsupported. Optional in the
   * contract (a workshop learner's store need not have it); every store on the shell has it.
   */
  joinConsumerGroup?(options: ConsumerGroupOptions): ConsumerGroupMember;

  /** Durable subscriber checkpoints, kept by the backend itself. */
  readonly checkpoints: CheckpointStore;

  /** Durable aggregate snapshots, kept by the backend itself. */
  readonly snapshots: SnapshotStore;

  /*
   * The end of a stream's life (semantics: labs/core/stream-lifecycle.ts). Optional in the interface
   * because the workshop's stores implement it by hand; every store on EventStoreBase has them, and
   * refuses with UnsupportedCapabilityError what its backend cannot do (`stream-deletion`, …).
   */
  /** Soft: the stream reads as empty and its versions continue; hard: a tombstone refuses later appends. */
  deleteStream?(streamId: string, options: DeleteStreamOptions): Promise<void>;
  /** Removes the stream's events before `beforeVersion`. */
  truncateStream?(streamId: string, options: TruncateStreamOptions): Promise<void>;
  /** Per-subject keys for crypto-shredding, kept by the backend (capability `subject-keys`). */
  readonly subjectKeys?: KeyStore;
  /** How long the backend keeps events, read from the backend's own settings. */
  describeRetention?(): Promise<RetentionPolicy>;

  /** Optional: a global position as people read it (PostgreSQL: `tx 742 · #1001`). */
  describePosition?(position: bigint): string;

  /**
   * Releases connections and ends the store's subscriptions. Every later call throws StoreClosedError;
   * closing again is harmless.
   */
  close(): Promise<void>;
}

export interface SubscriptionOptions {
  /**
   * How long the subscription keeps retrying (with backoff) while its server cannot be reached, before it
   * fails with BackendUnavailableError. It resumes after the last event it read: nothing lost, nothing twice.
   */
  retryUnavailableForMs?: number;
  /**
   * Most events held in memory between the backend and a slow consumer. When full, the subscription
   * stops reading until the consumer takes some: memory stays bounded whatever the write rate.
   */
  bufferSize?: number;
  /** Longest wait between two polls once caught up (backends with push wake-ups poll less). */
  pollIntervalMs?: number;
}

export interface SubscribeToAllOptions extends SubscriptionOptions {
  /** Exclusive: resume after this position (a stored checkpoint). Absent: from the very start. */
  afterPosition?: bigint;
}

export interface SubscribeToStreamOptions extends SubscriptionOptions {
  /** Exclusive: resume after this stream version. Absent: from the stream's first event. */
  afterVersion?: number;
}

export interface SubscriptionStats {
  bufferSize: number;
  /** Events read from the backend and not yet taken by the consumer. */
  buffered: number;
  /** The most events ever buffered at once: never more than `bufferSize`. */
  maxBuffered: number;
  delivered: number;
  /** True once the subscription has read everything that existed and waits for new events. */
  caughtUp: boolean;
  /** Times the server could not be reached and the subscription waited for it (0 on a quiet run). */
  outages: number;
  /** Total time spent waiting for an unreachable server, in milliseconds. */
  outageMs: number;
  /** The last connection error seen, for people ("connect ECONNREFUSED 127.0.0.1:5432"). */
  lastOutageError?: string;
}

export interface Subscription extends AsyncIterable<RecordedEvent> {
  readonly stats: SubscriptionStats;
  /** Resolves when the subscription first reaches the end of what is stored. */
  readonly caughtUp: Promise<void>;
  /** Stops reading; the iteration ends. Safe to call more than once. */
  close(): Promise<void>;
}

/** Where subscribers remember how far they got. */
export interface CheckpointStore {
  load(subscriberId: string): Promise<bigint | undefined>;
  store(subscriberId: string, position: bigint): Promise<void>;
}

export interface Snapshot {
  /** Version of the last event folded into `state`. */
  streamVersion: number;
  state: JsonValue;
  /** Version of the state's schema; a snapshot of another schema version is ignored. */
  schemaVersion: number;
}

export interface SnapshotStore {
  load(streamId: string): Promise<Snapshot | undefined>;
  save(streamId: string, snapshot: Snapshot): Promise<void>;
}

/** Creates a fresh store instance (its own connections): the conformance suite uses several at once. */
export type EventStoreFactory = () => Promise<EventStore>;
