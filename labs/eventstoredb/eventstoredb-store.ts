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
 * - Checkpoints and snapshots: one `$`-stream per subscriber or aggregate with `$maxCount: 1` (mapping.ts).
 * - Consumer groups: persistent subscriptions to `$all`, Pinned (persistent-member.ts); the server assigns
 *   streams to connections and does not say which, so `consumer-groups-partitions` is declared unsupported.
 */
import { randomUUID } from 'node:crypto';
import {
  ANY,
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
  type JsonValue,
  type RecordedEvent,
  type Snapshot,
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
import { PersistentConsumerGroupMember } from './persistent-member.ts';
import { BACKEND, translateError, translated } from './errors.ts';
import {
  assertApplicationEventTypes,
  assertApplicationStream,
  checkpointStreamId,
  fromResolvedEvent,
  packPosition,
  revisionToVersion,
  serverReadPosition,
  snapshotStreamId,
  toEventData,
  toExpectedRevision,
  type EventToWrite,
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
   * `tombstoneStream` (hard), with the expected revision checked by the server; the snapshot stream goes
   * with them. Not run on this machine (no server): the semantics follow EventStoreDB's documentation.
   */
  protected override async deleteStreamValidated({ streamId, expectedVersion, mode }: ValidatedDelete): Promise<void> {
    assertApplicationStream(streamId);
    // The delete calls take no "stream exists": the last revision, checked by the server, stands for it.
    let expectedRevision: bigint | typeof ANY | typeof NO_STREAM;
    if (expectedVersion === 'stream_exists') {
      const [last] = await this.readNative(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      if (!last) throw new WrongExpectedVersionError(streamId, expectedVersion, 'no_stream', 'Delete of');
      expectedRevision = BigInt(last.streamVersion);
    } else {
      expectedRevision = expectedVersion === 'any' ? ANY : expectedVersion === 'no_stream' ? NO_STREAM : BigInt(expectedVersion);
    }
    const options = { expectedRevision };
    try {
      if (mode === 'hard') await this.client.tombstoneStream(streamId, options);
      else await this.client.deleteStream(streamId, options);
    } catch (error) {
      if (error instanceof StreamNotFoundError && mode === 'soft') return; // nothing to delete
      throw translateError(error, { streamId, expectedVersion });
    }
    await this.client.deleteStream(snapshotStreamId(streamId)).catch((error: unknown) => {
      if (!(error instanceof StreamNotFoundError)) throw translateError(error, { streamId: snapshotStreamId(streamId) });
    });
  }

  /** `$tb` (truncate before) in the stream's metadata: the server hides earlier events, a scavenge removes them. */
  protected override async truncateStreamValidated(streamId: string, beforeVersion: number): Promise<void> {
    assertApplicationStream(streamId);
    const [last] = await this.readNative(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
    const lastVersion = last?.streamVersion;
    if (beforeVersion > (lastVersion === undefined ? 0 : lastVersion + 1)) throw new TruncationPastEndError(streamId, beforeVersion, lastVersion);
    await translated(() => this.client.setStreamMetadata(streamId, { truncateBefore: beforeVersion }));
  }

  /**
   * EventStoreDB removes events only when told to: deleted or truncated streams, and streams with $maxAge
   * or $maxCount in their metadata, lose them at the next scavenge. This store sets neither on the
   * application's streams (only its own checkpoint and snapshot streams have $maxCount: 1).
   */
  protected async retentionPort(): Promise<RetentionPolicy> {
    return { keepsEventsForever: true, source: 'EventStoreDB: no $maxAge or $maxCount set on application streams by this store (events leave only by delete, truncate, or such metadata, at a scavenge)' };
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

/** Writes `$maxCount: 1` on a stream created by this first append, so only its newest event is kept. */
async function keepOnlyNewest(client: EventStoreDBClient, streamId: string): Promise<void> {
  await translated(() => client.setStreamMetadata(streamId, { maxCount: 1 }), { streamId });
}

/**
 * Checkpoints: the stream `$checkpoint-<subscriber>` holds events `{ position }` (a decimal string: JSON
 * numbers lose precision past 2^53); `$maxCount: 1` keeps only the newest. Reading it is one
 * backwards read of one event.
 */
class EventStoreDbCheckpoints implements CheckpointPort {
  constructor(private readonly client: EventStoreDBClient) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    const [last] = await readNewest(this.client, checkpointStreamId(subscriberId));
    const position = (last?.data as { position?: unknown } | undefined)?.position;
    return typeof position === 'string' ? BigInt(position) : undefined;
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    const streamId = checkpointStreamId(subscriberId);
    const result = await translated(
      () => this.client.appendToStream(streamId, toEventData(systemEvent('Checkpoint', { position: position.toString() })), { expectedRevision: ANY }),
      { streamId },
    );
    if (result.nextExpectedRevision === 0n) await keepOnlyNewest(this.client, streamId);
  }
}

/**
 * Snapshots: the stream `$snapshot-<stream>` with `$maxCount: 1`. A save appends at the revision it read,
 * so two loaders racing cannot put an older snapshot over a newer one: the loser re-reads and decides again.
 */
class EventStoreDbSnapshots implements SnapshotPort {
  constructor(private readonly client: EventStoreDBClient) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    const [last] = await readNewest(this.client, snapshotStreamId(streamId));
    return last ? (last.data as unknown as Snapshot) : undefined;
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    const snapshotStream = snapshotStreamId(streamId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const [current] = await readNewest(this.client, snapshotStream);
      if (current && (current.data as unknown as Snapshot).streamVersion > snapshot.streamVersion) return;
      try {
        const data = { streamVersion: snapshot.streamVersion, schemaVersion: snapshot.schemaVersion, state: snapshot.state };
        const result = await this.client.appendToStream(snapshotStream, toEventData(systemEvent('Snapshot', data)), {
          expectedRevision: current ? BigInt(current.streamVersion) : NO_STREAM,
        });
        if (result.nextExpectedRevision === 0n) await keepOnlyNewest(this.client, snapshotStream);
        return;
      } catch (error) {
        const translatedError = translateError(error, { streamId: snapshotStream });
        if (!(translatedError instanceof WrongExpectedVersionError)) throw translatedError;
      }
    }
  }
}

/** The newest event of a `$`-stream of ours (read directly: the contract's reads skip `$`-streams). */
async function readNewest(client: EventStoreDBClient, streamId: string): Promise<{ data: unknown; streamVersion: number }[]> {
  try {
    const raw = await collectRaw(client.readStream(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    return raw.flatMap((r) => (r.event ? [{ data: r.event.data, streamVersion: revisionToVersion(r.event.revision) }] : []));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw translateError(error, { streamId });
  }
}

function systemEvent(type: string, data: JsonValue): EventToWrite {
  return { id: randomUUID(), type, data, metadata: {} };
}
