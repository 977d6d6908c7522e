/**
 * The EventStoreDB event store: the contract on EventStoreDB's own features, with `@eventstore/db-client`.
 *
 * What the server does for us, and what this adapter adds:
 * - Optimistic concurrency: the server checks `any`, `no_stream`, `stream_exists` or an exact revision
 *   atomically with the write. Revisions are 0-based like our versions.
 * - Global order: `$all`, ordered by (commit, prepare) log positions, packed into one bigint (mapping.ts).
 *   `readAll` and `$all` subscriptions leave out system streams and events (`$`-prefixed).
 * - Subscriptions: native catch-up subscriptions (the server catches up, then pushes), with a server-side
 *   stream-name filter on `$all`; wrapped in the contract's bounded buffer (catch-up-subscription.ts).
 * - Idempotency: the server deduplicates a retried batch by event id, but only best-effort for `any`
 *   and without refusing a batch that mixes stored and new ids. So before appending a batch that carries
 *   caller-chosen ids, the adapter looks for them among the last `idempotencyWindow` events of the stream:
 *   an exact retry is answered with the original result, a mix is refused with DuplicateEventIdError.
 *   The server's own deduplication stays as the second line for two retries racing each other. Limits,
 *   stated plainly: ids are looked up in this stream only (EventStoreDB has no index by event id), and
 *   only within the window.
 * - Checkpoints and snapshots: one `$`-stream per subscriber or aggregate with `$maxCount: 1` (checkpoints-and-snapshots.ts).
 * - Consumer groups: persistent subscriptions to `$all`, Pinned (persistent-member.ts); the server assigns
 *   streams to connections and does not say which, so `consumer-groups-partitions` is declared unsupported.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ReadPosition,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  DEFAULT_READ_ALL_PAGE,
  EventStoreBase,
  StreamDeletedError,
  TruncationPastEndError,
  WrongExpectedVersionError,
  judgeEarlierAppend,
  type AllPageRequest,
  type AppendResult,
  type CheckpointPort,
  type RecordedEvent,
  type SnapshotPort,
  type StoreLimits,
  type RetentionPolicy,
  type StreamPageRequest,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
  type ValidatedAppend,
  type ValidatedConsumerGroupOptions,
  type ValidatedDelete,
  type ValidatedEvent,
} from '../core/index.ts';
import { createCatchUpSubscription } from './catch-up-subscription.ts';
import { EventStoreDbCheckpoints, EventStoreDbSnapshots } from './checkpoints-and-snapshots.ts';
import { PersistentConsumerGroupMember } from './persistent-member.ts';
import { deleteExpectedRevision, retentionFromMetadata, truncationLastVersion, truncationMetadata, type StreamHead } from './stream-lifecycle.ts';
import { BACKEND, translateError, translated } from './errors.ts';
import {
  assertApplicationEventTypes,
  assertApplicationStream,
  fromResolvedEvent,
  packPosition,
  revisionToVersion,
  serverReadPosition,
  snapshotStreamId,
  toEventData,
  toExpectedRevision,
} from './mapping.ts';

export interface EventStoreDbStoreOptions {
  /** `esdb://host:2113?tls=false` and friends; see the client's connection-string documentation. */
  connectionString: string;
  limits?: Partial<StoreLimits>;
  /** How many of a stream's newest events an append with caller-chosen ids is checked against. */
  idempotencyWindow?: number;
}

/** Events per server read while `readAll` skips system events to fill a page. */
const SYSTEM_SKIP_PAGE = 500;

export class EventStoreDbEventStore extends EventStoreBase {
  readonly backend = BACKEND;
  override readonly unsupported: UnsupportedCapabilities = {
    'consumer-groups-stream-order':
      "persistent subscriptions hand a member several events at once (up to its buffer), two of one stream included, and a retried event comes back after later ones; the Pinned strategy keeps a stream on one connection 'on a best efforts basis' only (KurrentDB docs, consumer strategies)",
    'consumer-groups-partitions':
      'the server assigns streams to connections itself (Pinned: stream-id hashes into 1024 buckets) and reports no assignment per connection: stats.partitions is [] and delivery.partition is -1',
    'subject-keys':
      "not built: a key kept in a stream per subject would be deleted with deleteStream but its bytes stay in the database's chunks until a scavenge, and neither can be measured here (no server); keep keys in another store's key store (CryptoShredder takes any KeyStore)",
    'deletion-removes-from-all':
      "EventStoreDB keeps a deleted or truncated stream's events in $all (readAll and $all subscriptions still deliver them) until a scavenge removes them; a scenario cannot start and await one",
  };
  protected readonly checkpointPort: CheckpointPort;
  protected readonly snapshotPort: SnapshotPort;
  private readonly client: EventStoreDBClient;
  private readonly idempotencyWindow: number;

  constructor(options: EventStoreDbStoreOptions) {
    super(options.limits);
    this.idempotencyWindow = options.idempotencyWindow ?? 1000;
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.checkpointPort = new EventStoreDbCheckpoints(this.client);
    this.snapshotPort = new EventStoreDbSnapshots(this.client);
  }

  /** The client, for what only EventStoreDB offers (the tour uses it). */
  get nativeClient(): EventStoreDBClient {
    return this.client;
  }

  static async connect(options: EventStoreDbStoreOptions): Promise<EventStoreDbEventStore> {
    return new EventStoreDbEventStore(options);
  }

  protected async appendValidated(input: ValidatedAppend): Promise<AppendResult> {
    assertApplicationStream(input.streamId);
    assertApplicationEventTypes(input.events);
    const callerChoseIds = input.events.some((e) => e.idSupplied);
    if (callerChoseIds) {
      const earlier = await this.findEarlierAppend(input.streamId, input.events);
      if (earlier) return earlier;
    }
    const context = { streamId: input.streamId, expectedVersion: input.expectedVersion };
    try {
      const result = await this.client.appendToStream(input.streamId, input.events.map(toEventData), {
        expectedRevision: toExpectedRevision(input.expectedVersion),
      });
      return { nextExpectedVersion: revisionToVersion(result.nextExpectedRevision), globalPosition: await this.positionOf(input.streamId, result.nextExpectedRevision) };
    } catch (error) {
      const translatedError = translateError(error, context);
      // A concurrent call with the same ids won the race: answer as a retry, or refuse.
      if (translatedError instanceof WrongExpectedVersionError && callerChoseIds) {
        const earlier = await this.findEarlierAppend(input.streamId, input.events);
        if (earlier) return earlier;
      }
      throw translatedError;
    }
  }

  /**
   * The `$all` position of the event at `revision`, read back. The append's own reply carries a position
   * too, but for a batch it need not be the position a reader sees for the last event (the server
   * reports the transaction's positions), and the contract promises exactly that one: one extra read,
   * by revision, so a concurrent writer cannot confuse it.
   */
  private async positionOf(streamId: string, revision: bigint): Promise<bigint> {
    const [last] = await this.readNative(streamId, { direction: FORWARDS, fromRevision: revision, maxCount: 1 });
    if (!last) throw new Error(`EventStoreDB acknowledged the append to '${streamId}' but revision ${revision} cannot be read back`);
    return last.globalPosition;
  }

  /**
   * None of the ids stored (in the window): undefined, go ahead. All stored, in this order, as one
   * contiguous run: the original result. Anything else: refused, nothing written.
   */
  private async findEarlierAppend(streamId: string, events: ValidatedEvent[]): Promise<AppendResult | undefined> {
    const recent = await this.readNative(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: this.idempotencyWindow });
    const byId = new Map(recent.map((e) => [e.id, e]));
    const last = judgeEarlierAppend(streamId, events.map((e) => e.id), events.map((e) => byId.get(e.id)));
    return last && { nextExpectedVersion: last.streamVersion, globalPosition: last.globalPosition };
  }

  /**
   * Native deletes: `deleteStream` (soft: the server hides the events and continues the revisions) and
   * `tombstoneStream` (hard: the client's StreamDeletedError for every later write, translated to ours),
   * with the expected revision checked by the server (stream-lifecycle.ts); the snapshot stream goes
   * with them. Not run on this machine (no server): the semantics follow EventStoreDB's documentation.
   */
  protected override async deleteStreamValidated({ streamId, expectedVersion, mode }: ValidatedDelete): Promise<void> {
    assertApplicationStream(streamId);
    const expectedRevision = await deleteExpectedRevision(streamId, expectedVersion, () => this.streamHead(streamId));
    try {
      if (mode === 'hard') await this.client.tombstoneStream(streamId, { expectedRevision });
      else await this.client.deleteStream(streamId, { expectedRevision });
    } catch (error) {
      if (error instanceof StreamNotFoundError && mode === 'soft') return; // nothing to delete
      throw translateError(error, { streamId, expectedVersion });
    }
    await this.client.deleteStream(snapshotStreamId(streamId)).catch((error: unknown) => {
      if (!(error instanceof StreamNotFoundError)) throw translateError(error, { streamId: snapshotStreamId(streamId) });
    });
  }

  /**
   * `$tb` (truncate before) in the stream's metadata, merged into what is there and never moved back
   * (stream-lifecycle.ts): the server hides earlier events at once, a scavenge removes them.
   */
  protected override async truncateStreamValidated(streamId: string, beforeVersion: number): Promise<void> {
    assertApplicationStream(streamId);
    const head = await this.streamHead(streamId);
    if (head.tombstoned) throw new StreamDeletedError(streamId);
    const { metadata, metastreamRevision } = await translated(() => this.client.getStreamMetadata(streamId), { streamId });
    const lastVersion = truncationLastVersion(head, metadata);
    if (beforeVersion > (lastVersion === undefined ? 0 : lastVersion + 1)) throw new TruncationPastEndError(streamId, beforeVersion, lastVersion);
    const next = truncationMetadata(metadata, beforeVersion);
    if (!next) return;
    // At the metadata revision read: a concurrent change of the metadata is not overwritten silently.
    await translated(() => this.client.setStreamMetadata(streamId, next, { expectedRevision: metastreamRevision ?? NO_STREAM }), { streamId });
  }

  /** The newest event of a stream, or that it is tombstoned (the store's reads say "empty" for both). */
  private async streamHead(streamId: string): Promise<StreamHead> {
    try {
      const [last] = await collectRaw(this.client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
      return { tombstoned: false, ...(last?.event ? { lastVersion: revisionToVersion(last.event.revision) } : {}) };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { tombstoned: false };
      if (translateError(error, { streamId }) instanceof StreamDeletedError) return { tombstoned: true };
      throw translateError(error, { streamId });
    }
  }

  /**
   * EventStoreDB removes events only when told to: deleted or truncated streams, and streams with $maxAge
   * or $maxCount in their metadata, lose them at the next scavenge. There is no server-wide retention
   * setting to read; this store sets neither on the application's streams (only its own checkpoint and
   * snapshot streams have $maxCount: 1). One stream's own: describeStreamRetention.
   */
  protected async retentionPort(): Promise<RetentionPolicy> {
    return { keepsEventsForever: true, source: 'EventStoreDB: retention is per stream ($maxAge, $maxCount in its metadata), none by default, and this store sets none on application streams (events leave only by delete, truncate, or such metadata, at a scavenge)' };
  }

  /** What a stream's own metadata says about how long it keeps events (another client may have set it). */
  async describeStreamRetention(streamId: string): Promise<RetentionPolicy> {
    return this.guard('describeStreamRetention', async () => {
      const { metadata } = await translated(() => this.client.getStreamMetadata(streamId), { streamId });
      return retentionFromMetadata(streamId, metadata);
    });
  }

  protected async readStreamPage(streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
    assertApplicationStream(streamId);
    const forward = direction === 'forward';
    return this.readNative(streamId, {
      direction: forward ? FORWARDS : BACKWARDS,
      fromRevision: fromVersion === undefined ? (forward ? START : END) : BigInt(fromVersion),
      maxCount,
    });
  }

  /** Reads a stream; a missing (or soft-deleted) stream reads as []. */
  private async readNative(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: typeof START | typeof END | bigint; maxCount?: number },
  ): Promise<RecordedEvent[]> {
    try {
      return await collect(this.client.readStream(streamId, options));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      const translatedError = translateError(error, { streamId });
      // A tombstoned stream reads as empty, as the contract says (labs/core/stream-lifecycle.ts).
      if (translatedError instanceof StreamDeletedError) return [];
      throw translatedError;
    }
  }

  protected async readAllPage({ direction, fromPosition, maxCount = DEFAULT_READ_ALL_PAGE }: AllPageRequest): Promise<RecordedEvent[]> {
    return direction === 'forward' ? this.readAllForward(fromPosition ?? 0n, maxCount) : this.readAllBackward(fromPosition, maxCount);
  }

  /** Events at or after `from`, system events skipped, until `maxCount` are found or the log ends. */
  private async readAllForward(from: bigint, maxCount: number): Promise<RecordedEvent[]> {
    const page: RecordedEvent[] = [];
    let next: ReadPosition = from === 0n ? START : serverReadPosition(from);
    while (page.length < maxCount) {
      // One more than needed: the first may lie before `from` (see serverReadPosition).
      const ask = Math.min(maxCount - page.length + 1, SYSTEM_SKIP_PAGE);
      const raw = await translated(() => collectRaw(this.client.readAll({ direction: FORWARDS, fromPosition: next, maxCount: ask })));
      for (const resolved of raw) {
        const event = fromResolvedEvent(resolved);
        if (event && event.globalPosition >= from && page.length < maxCount) page.push(event);
      }
      const last = raw.at(-1)?.event?.position;
      if (raw.length < ask || !last) break;
      // The server's start is inclusive: continue just after the last record read, dropped again above.
      next = last;
      from = maxBigint(from, packPosition(last) + 1n);
    }
    return page;
  }

  /** Events at or before `from` (the end when absent), newest first, system events skipped. */
  private async readAllBackward(from: bigint | undefined, maxCount: number): Promise<RecordedEvent[]> {
    const page: RecordedEvent[] = [];
    let upTo = from;
    if (from !== undefined) {
      // A backward read starts strictly before its position; the event at `from` itself comes forwards.
      const atFrom = await this.readAllForward(from, 1);
      if (atFrom[0] && atFrom[0].globalPosition === from) page.push(atFrom[0]);
    }
    let next: ReadPosition = from === undefined ? END : serverReadPosition(from);
    while (page.length < maxCount) {
      const ask = Math.min(maxCount - page.length, SYSTEM_SKIP_PAGE);
      const raw = await translated(() => collectRaw(this.client.readAll({ direction: BACKWARDS, fromPosition: next, maxCount: ask })));
      for (const resolved of raw) {
        const event = fromResolvedEvent(resolved);
        if (event && (upTo === undefined || event.globalPosition < upTo) && page.length < maxCount) page.push(event);
      }
      const last = raw.at(-1)?.event?.position;
      if (raw.length < ask || !last) break;
      next = last;
      upTo = packPosition(last);
    }
    return page;
  }

  /** Native consumer groups: a persistent subscription to `$all` per group (persistent-member.ts). */
  protected override openConsumerGroupMember(options: ValidatedConsumerGroupOptions): PersistentConsumerGroupMember {
    return new PersistentConsumerGroupMember(this.client, this, options);
  }

  /** Native catch-up subscriptions: the server pushes, inside the shared bounded buffer. */
  protected override openAllSubscription(options: SubscribeToAllOptions): Subscription {
    const after = options.afterPosition;
    return (
      createCatchUpSubscription<AllStreamResolvedEvent>(
        {
          prepare: async () => {
            const [newest] = await this.readAllPage({ direction: 'backward', maxCount: 1 });
            if (!newest || (after !== undefined && newest.globalPosition <= after)) return true;
            return (event) => event.globalPosition >= newest.globalPosition;
          },
          open: () =>
            this.client.subscribeToAll(
              {
                fromPosition: after === undefined || after === 0n ? START : serverReadPosition(after),
                // Server-side filter: system streams never cross the wire.
                filter: streamNameFilter({ regex: '^[^$]' }),
              },
              { highWaterMark: 1 },
            ),
          toEvent: (raw) => {
            const event = fromResolvedEvent(raw);
            return event && (after === undefined || event.globalPosition > after) ? event : undefined;
          },
          translateError: (error) => translateError(error),
        },
        options,
      )
    );
  }

  protected override openStreamSubscription(streamId: string, options: SubscribeToStreamOptions): Subscription {
    assertApplicationStream(streamId);
    const after = options.afterVersion;
    return (
      createCatchUpSubscription<ResolvedEvent>(
        {
          prepare: async () => {
            const [newest] = await this.readStreamPage(streamId, { direction: 'backward', maxCount: 1 });
            if (!newest || (after !== undefined && newest.streamVersion <= after)) return true;
            return (event) => event.streamVersion >= newest.streamVersion;
          },
          // The server starts after the given revision (exclusive), like our afterVersion.
          open: () =>
            this.client.subscribeToStream(streamId, { fromRevision: after === undefined ? START : BigInt(after) }, { highWaterMark: 1 }),
          toEvent: (raw) => {
            const event = fromResolvedEvent(raw);
            return event && (after === undefined || event.streamVersion > after) ? event : undefined;
          },
          translateError: (error) => translateError(error, { streamId }),
        },
        options,
      )
    );
  }

  protected async closeResources(): Promise<void> {
    await this.client.dispose();
  }
}

async function collectRaw<E>(read: StreamingRead<E>): Promise<E[]> {
  const items: E[] = [];
  for await (const item of read) items.push(item);
  return items;
}

async function collect(read: StreamingRead<ResolvedEvent>): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const resolved of read) {
    const event = fromResolvedEvent(resolved);
    if (event) events.push(event);
  }
  return events;
}

function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
