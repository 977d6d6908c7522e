/**
 * The one store shell: guard once, then delegate (as SqlStreamStore's StreamStoreBase does).
 *
 * Every public call of the contract is checked here — the store is open, the input is valid and faithful
 * (labs/core/validation.ts) — before an adapter sees it; a lost connection is reported as
 * BackendUnavailableError; subscriptions poll through `labs/core/subscription.ts` unless the adapter has
 * native ones; closing is idempotent and ends the store's subscriptions. An adapter implements the narrow
 * port below (append validated events, read a page of a stream or of `$all`, wait for change, keep
 * checkpoints and snapshots) and nothing else. The lessons — the SQL, the conditional writes, the
 * transactions — live in the adapters; the rules every store must keep live here, once.
 */
import {
  BackendUnavailableError,
  EventStoreError,
  StoreClosedError,
  UnsupportedCapabilityError,
} from './errors.ts';
import {
  validateConsumerGroupOptions,
  type ConsumerGroupMember,
  type ConsumerGroupOptions,
  type LeasePort,
  type ValidatedConsumerGroupOptions,
} from './consumer-group.ts';
import { LeasedConsumerGroupMember } from './leased-member.ts';
import { uuidV7 } from './uuid-v7.ts';
import type { Capability } from './capabilities.ts';
import type { KeyStore } from './crypto-shredding.ts';
import type { DeleteStreamOptions, RetentionPolicy, TruncateStreamOptions, ValidatedDelete } from './stream-lifecycle.ts';
import type { UnsupportedCapabilities } from './capabilities.ts';
import type {
  CheckpointStore,
  EventStore,
  Snapshot,
  SnapshotStore,
  StoreLimits,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
  Subscription,
} from './event-store.ts';
import { subscribeToAllByPolling, subscribeToStreamByPolling } from './subscription.ts';
import type { AppendOptions, AppendResult, Direction, ExpectedVersion, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './types.ts';
import {
  DEFAULT_LIMITS,
  validateAppend,
  validateCheckpointPosition,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateSnapshot,
  validateStreamId,
  validateSubscriberId,
  validateSubscriptionOptions,
  validateDeleteStream,
  validateTruncateStream,
  type ValidatedEvent,
} from './validation.ts';

/** An append the shell has checked: a valid stream id and expected version, valid faithful events. */
export interface ValidatedAppend {
  streamId: string;
  events: ValidatedEvent[];
  expectedVersion: ExpectedVersion;
}

export interface StreamPageRequest {
  direction: Direction;
  fromVersion?: number;
  maxCount?: number;
}

export interface AllPageRequest {
  direction: Direction;
  fromPosition?: bigint;
  maxCount?: number;
}

/** What an adapter keeps checkpoints and snapshots with; the shell has validated every argument. */
export interface CheckpointPort {
  load(subscriberId: string): Promise<bigint | undefined>;
  store(subscriberId: string, position: bigint): Promise<void>;
}

export interface SnapshotPort {
  load(streamId: string): Promise<Snapshot | undefined>;
  /** `stateJson` is the state's JSON text, already checked to be faithful and within the size limit. */
  save(streamId: string, snapshot: Snapshot, stateJson: string): Promise<void>;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// PostgreSQL SQLSTATEs of class 08 (connection exception) and 57P0x (the server is shutting down or starting).
const SERVER_GONE_SQLSTATES = /^(08...|57P0[1-3])$/;
const CONNECTION_MESSAGES = /connection terminated|connection refused|socket hang up|server closed the connection|not connected|ECONNREFUSED|ECONNRESET/i;

/** True when `error` says the server could not be reached, rather than that the request was wrong. */
export function isConnectionLoss(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE_SQLSTATES.test(code))) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isConnectionLoss(inner))) return true;
    if (CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

export abstract class EventStoreBase implements EventStore {
  abstract readonly backend: string;
  readonly unsupported: UnsupportedCapabilities = {};
  readonly limits: StoreLimits;
  #closing: Promise<void> | undefined;
  readonly #subscriptions = new Set<Subscription>();
  readonly #members = new Set<ConsumerGroupMember>();
  #checkpoints: CheckpointStore | undefined;
  #snapshots: SnapshotStore | undefined;
  #subjectKeys: KeyStore | undefined;

  protected constructor(limits?: Partial<StoreLimits>) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  // ---- The port: what an adapter implements --------------------------------------------------------

  /** Appends the batch atomically after checking the expected version; the input is already valid. */
  protected abstract appendValidated(append: ValidatedAppend): Promise<AppendResult>;
  /** One page of one stream, in version order (forward from `fromVersion`, or backward). */
  protected abstract readStreamPage(streamId: string, request: StreamPageRequest): Promise<RecordedEvent[]>;
  /** One page of `$all`, in strictly increasing (or, backward, decreasing) global position. */
  protected abstract readAllPage(request: AllPageRequest): Promise<RecordedEvent[]>;
  protected abstract readonly checkpointPort: CheckpointPort;
  protected abstract readonly snapshotPort: SnapshotPort;
  /** Releases the adapter's connections (called once). */
  protected abstract closeResources(): Promise<void>;
  /** Optional push wake-up: resolves when new events may exist, at the latest after `timeoutMs`. */
  protected waitForChange?(signal: AbortSignal, timeoutMs: number): Promise<void>;
  /** Optional native subscriptions (EventStoreDB); otherwise the shell polls the pages. */
  protected openAllSubscription?(options: SubscribeToAllOptions): Subscription;
  protected openStreamSubscription?(streamId: string, options: SubscribeToStreamOptions): Subscription;
  /** Optional lease table: consumer groups as the KCL runs them (labs/core/leased-member.ts). */
  protected readonly leasePort?: LeasePort;
  /** Optional native consumer groups (Kafka's, EventStoreDB's persistent subscriptions, a twin's pitfall). */
  protected openConsumerGroupMember?(options: ValidatedConsumerGroupOptions): ConsumerGroupMember;
  /**
   * Optional: the end of a stream's life (labs/core/stream-lifecycle.ts states the rules). Input is
   * validated; the adapter checks the expected version (assertExpectedVersion), the tombstone
   * (assertNotTombstoned) and the end of the stream (assertTruncationWithinStream) atomically with its
   * write. Absent: the shell refuses with UnsupportedCapabilityError, naming the declared reason.
   */
  protected deleteStreamValidated?(request: ValidatedDelete): Promise<void>;
  protected truncateStreamValidated?(streamId: string, beforeVersion: number): Promise<void>;
  /** How long the backend keeps events, read from its own settings where it has them (a topic's config). */
  protected abstract retentionPort(): Promise<RetentionPolicy>;
  /** Optional: the backend's key store for crypto-shredding (subject ids validated like stream ids). */
  protected subjectKeyPort?: KeyStore;
  /** Adapters add their driver's ways of saying "the server is gone" (a Kafka connection error, …). */
  protected isUnavailable(error: unknown): boolean {
    return isConnectionLoss(error);
  }

  // ---- The contract: guarded once, then delegated ---------------------------------------------------

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  protected assertOpen(operation: string): void {
    if (this.#closing) throw new StoreClosedError(this.backend, operation);
  }

  /** Runs an adapter call; a lost connection becomes BackendUnavailableError, typed errors pass through. */
  protected async guard<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.assertOpen(operation);
    try {
      return await call();
    } catch (error) {
      if (error instanceof EventStoreError) throw error;
      if (this.#closing) throw new StoreClosedError(this.backend, operation);
      if (this.isUnavailable(error)) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new BackendUnavailableError(this.backend, `${operation} could not reach the server (${reason})`, { cause: error });
      }
      throw error;
    }
  }

  appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.guard('appendToStream', async () => {
      const input = validateAppend(streamId, events, options?.expectedVersion, this.limits, this.backend);
      return this.appendValidated(input);
    });
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.guard('readStream', async () => {
      const id = validateStreamId(streamId, this.limits);
      const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
      return this.readStreamPage(id, { direction, fromVersion, maxCount });
    });
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.guard('readAll', async () => {
      const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
      return this.readAllPage({ direction, fromPosition, maxCount });
    });
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen('subscribeToAll');
    validateSubscriptionOptions(options);
    const subscription = this.openAllSubscription
      ? this.openAllSubscription(options)
      : subscribeToAllByPolling(
          { readAll: (o) => this.guard('subscribeToAll', () => this.readAllPage({ direction: 'forward', ...o })) },
          options,
          this.waitForChange?.bind(this),
        );
    return this.track(subscription);
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    this.assertOpen('subscribeToStream');
    const id = validateStreamId(streamId, this.limits);
    validateSubscriptionOptions(options);
    const subscription = this.openStreamSubscription
      ? this.openStreamSubscription(id, options)
      : subscribeToStreamByPolling(
          { readStream: (s, o) => this.guard('subscribeToStream', () => this.readStreamPage(s, { direction: 'forward', ...o })) },
          id,
          options,
          this.waitForChange?.bind(this),
        );
    return this.track(subscription);
  }

  joinConsumerGroup(options: ConsumerGroupOptions): ConsumerGroupMember {
    this.assertOpen('joinConsumerGroup');
    const validated = validateConsumerGroupOptions(options, () => `member-${uuidV7().slice(-12)}`);
    const reason = this.unsupported['consumer-groups'];
    if (reason !== undefined) throw new UnsupportedCapabilityError(this.backend, 'consumer-groups', reason);
    let member: ConsumerGroupMember;
    if (this.openConsumerGroupMember) member = this.openConsumerGroupMember(validated);
    else if (this.leasePort) {
      const port = this.leasePort;
      const guarded: LeasePort = {
        acquire: (...a) => this.guard('consumerGroup.lease', () => port.acquire(...a)),
        release: (...a) => this.guard('consumerGroup.lease', () => port.release(...a)),
        live: (...a) => this.guard('consumerGroup.lease', () => port.live(...a)),
      };
      member = new LeasedConsumerGroupMember(this, guarded, validated);
    } else {
      throw new UnsupportedCapabilityError(this.backend, 'consumer-groups', 'this store has no lease table and no native consumer groups');
    }
    this.#members.add(member);
    const leave = member.leave.bind(member);
    return Object.assign(member, {
      leave: async () => {
        this.#members.delete(member);
        await leave();
      },
    });
  }

  deleteStream(streamId: string, options: DeleteStreamOptions): Promise<void> {
    return this.guard('deleteStream', async () => {
      const input = validateDeleteStream(streamId, options, this.limits);
      if (!this.deleteStreamValidated || this.unsupported['stream-deletion'] !== undefined) throw this.unsupportedError('stream-deletion');
      return this.deleteStreamValidated(input);
    });
  }

  truncateStream(streamId: string, options: TruncateStreamOptions): Promise<void> {
    return this.guard('truncateStream', async () => {
      const input = validateTruncateStream(streamId, options, this.limits);
      if (!this.truncateStreamValidated || this.unsupported['stream-truncation'] !== undefined) throw this.unsupportedError('stream-truncation');
      return this.truncateStreamValidated(input.streamId, input.beforeVersion);
    });
  }

  describeRetention(): Promise<RetentionPolicy> {
    return this.guard('describeRetention', () => this.retentionPort());
  }

  get subjectKeys(): KeyStore {
    const port = this.subjectKeyPort;
    const check = (subjectId: string) => {
      if (!port || this.unsupported['subject-keys'] !== undefined) throw this.unsupportedError('subject-keys');
      return { port, id: validateStreamId(subjectId, this.limits) };
    };
    this.#subjectKeys ??= {
      keyFor: (subjectId) => this.guard('subjectKeys.keyFor', async () => { const c = check(subjectId); return c.port.keyFor(c.id); }),
      find: (subjectId, keyId) => this.guard('subjectKeys.find', async () => { const c = check(subjectId); return c.port.find(c.id, keyId); }),
      destroy: (subjectId) => this.guard('subjectKeys.destroy', async () => { const c = check(subjectId); return c.port.destroy(c.id); }),
    };
    return this.#subjectKeys;
  }

  private unsupportedError(capability: Capability): UnsupportedCapabilityError {
    return new UnsupportedCapabilityError(this.backend, capability, this.unsupported[capability] ?? 'this store has no port for it');
  }

  get checkpoints(): CheckpointStore {
    this.#checkpoints ??= {
      load: (subscriberId) =>
        this.guard('checkpoints.load', async () => this.checkpointPort.load(validateSubscriberId(subscriberId))),
      store: (subscriberId, position) =>
        this.guard('checkpoints.store', async () =>
          this.checkpointPort.store(validateSubscriberId(subscriberId), validateCheckpointPosition(position)),
        ),
    };
    return this.#checkpoints;
  }

  get snapshots(): SnapshotStore {
    this.#snapshots ??= {
      load: (streamId) => this.guard('snapshots.load', async () => this.snapshotPort.load(validateStreamId(streamId, this.limits))),
      save: (streamId, snapshot) =>
        this.guard('snapshots.save', async () => {
          const id = validateStreamId(streamId, this.limits);
          const { stateJson } = validateSnapshot(snapshot, this.limits, this.backend);
          return this.snapshotPort.save(id, snapshot, stateJson);
        }),
    };
    return this.#snapshots;
  }

  /** Closes the store once; later calls of close() wait for the same close. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#members].map((m) => m.leave()));
      await Promise.allSettled([...this.#subscriptions].map((s) => s.close()));
      await this.closeResources();
    })();
    return this.#closing;
  }

  private track(subscription: Subscription): Subscription {
    this.#subscriptions.add(subscription);
    const close = subscription.close.bind(subscription);
    return Object.assign(subscription, {
      close: async () => {
        this.#subscriptions.delete(subscription);
        await close();
      },
    });
  }
}
