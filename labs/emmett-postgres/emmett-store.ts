/**
 * The peer: Emmett's PostgreSQL event store (`@event-driven-io/emmett-postgresql` 0.42) behind the
 * workbench's `EventStore` contract, through Emmett's public API only.
 *
 * This adapter is deliberately thin. Where Emmett lacks something the contract has, it is declared in
 * `unsupported` (or, per scenario, in the backend definition) with the reason — it is NOT built here:
 * the point is to show what the library guarantees next to the lab's own stores. What the adapter does
 * translate, and why:
 * - versions: Emmett counts stream positions from 1 (a stream never written is at 0n); the contract
 *   counts versions from 0. `no_stream` is passed as 0n, which is what Emmett's own command handler
 *   passes for a stream it read as empty (Emmett's STREAM_DOES_NOT_EXIST constant is not checked by the
 *   PostgreSQL store: see findings.int.spec.ts).
 * - a refused append: Emmett throws ExpectedVersionConflictError without the stream's actual version
 *   (its source says "TODO: Return actual version"); the contract's error carries it, so the adapter
 *   reads it with Emmett's readStream afterwards, as the lab's store does with a second query.
 * - event ids: passed as Emmett's `metadata.messageId`, which Emmett stores in its message_id column.
 * - `$all`: Emmett's `readMessagesBatch` (what its consumers poll), ordered as Emmett orders it.
 */
import pg from 'pg';
import { dumbo, type Dumbo } from '@event-driven-io/dumbo';
import {
  EmmettError,
  NO_CONCURRENCY_CHECK,
  STREAM_EXISTS,
  type ExpectedStreamVersion,
  type Event as EmmettEvent,
} from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  readMessagesBatch,
  readProcessorCheckpoint,
  storeProcessorCheckpoint,
  type PostgresEventStore as EmmettLibraryStore,
} from '@event-driven-io/emmett-postgresql';
import {
  EventStoreBase,
  UnsupportedCapabilityError,
  WrongExpectedVersionError,
  DEFAULT_READ_ALL_PAGE,
  type AllPageRequest,
  type AppendResult,
  type CheckpointPort,
  type EventMetadata,
  type ExpectedVersion,
  type JsonValue,
  type RecordedEvent,
  type SnapshotPort,
  type StoreLimits,
  type RetentionPolicy,
  type StreamPageRequest,
  type ValidatedAppend,
} from '../core/index.ts';

export interface EmmettPostgresStoreOptions {
  connectionString: string;
  /** Connections in this instance's pool (the same default as the lab's store, so the two compare). */
  poolSize?: number;
  limits?: Partial<StoreLimits>;
}

/** What Emmett adds to an event's metadata when it reads it back; not part of the caller's metadata. */
const EMMETT_READ_METADATA = new Set(['messageId', 'streamName', 'streamPosition', 'globalPosition']);

/** Emmett's positions are 1-based (0n: no stream yet); the contract's versions are 0-based. */
const toVersion = (position: bigint): number => Number(position) - 1;

export const EMMETT_UNSUPPORTED = {
  'idempotent-append':
    'Emmett 0.42 stores the message id but has no unique index on it and does not look it up: a retried append is written a second time (or, with an expected version, refused as a conflict)',
  'read-backward': 'Emmett 0.42 reads a stream and the log forwards only (readStream has from/to, no direction)',
  snapshots: 'Emmett 0.42 has no snapshot store (it rebuilds state with aggregateStream, or keeps read models in projections)',
  'consumer-groups': "not compared: the peer is measured on the store contract; Emmett's own message processors are not wired into this lab's consumer-group contract",
  'consumer-groups-stream-order': 'not compared (see consumer-groups)',
  'stream-deletion':
    'Emmett 0.42 has no call to delete a stream: its tables have an is_archived flag that reads filter on, but no public API sets it',
  'stream-truncation': 'Emmett 0.42 has no call to truncate a stream',
  'deletion-removes-from-all': 'Emmett 0.42 cannot delete streams',
  'subject-keys': 'Emmett 0.42 has no key store for crypto-shredding (forgettable payloads are left to the application); the peer adapter adds none',
  'byte-exact-data':
    'Emmett 0.42 keeps message data and metadata in jsonb columns: they come back as equal JSON with keys sorted (shorter first, then by bytes), not as written',
} as const;

/** PostgreSQL jsonb cannot hold U+0000, whoever writes it: refused up front like the lab's store does. */
export const EMMETT_POSTGRES_LIMITS: Partial<StoreLimits> = { nulInText: false };

interface EmmettReadMessage {
  type: string;
  data: unknown;
  metadata: Record<string, unknown> & { messageId: string; streamName: string; streamPosition: bigint; globalPosition: bigint };
}

function toRecorded(message: EmmettReadMessage): RecordedEvent {
  const metadata: EventMetadata = {};
  for (const [key, value] of Object.entries(message.metadata)) {
    if (!EMMETT_READ_METADATA.has(key)) metadata[key] = value as JsonValue;
  }
  return {
    id: message.metadata.messageId,
    streamId: message.metadata.streamName,
    type: message.type,
    data: message.data as JsonValue,
    metadata,
    streamVersion: toVersion(message.metadata.streamPosition),
    globalPosition: message.metadata.globalPosition,
    // Emmett's read API does not return when an event was recorded (its `created` column is not read):
    // an invalid date says "unknown" rather than inventing a time.
    recordedAt: new Date(Number.NaN),
  };
}

/**
 * Emmett's ExpectedVersionConflictError. The PostgreSQL package bundles its own copy of Emmett's error
 * classes, so `instanceof` against `@event-driven-io/emmett`'s class is false: Emmett's error code
 * (412, a concurrency error) is what identifies it.
 */
function isConcurrencyError(error: unknown): boolean {
  return error instanceof Error && (error as { errorCode?: unknown }).errorCode === EmmettError.Codes.ConcurrencyError;
}

function toEmmettExpected(expected: ExpectedVersion): ExpectedStreamVersion {
  if (expected === 'any') return NO_CONCURRENCY_CHECK;
  if (expected === 'no_stream') return 0n;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected + 1);
}

export class EmmettPostgresEventStore extends EventStoreBase {
  readonly backend = 'emmett-postgres';
  override readonly unsupported = EMMETT_UNSUPPORTED;
  protected readonly checkpointPort: CheckpointPort;
  protected readonly snapshotPort: SnapshotPort = {
    load: () => Promise.reject(new UnsupportedCapabilityError('emmett-postgres', 'snapshots', EMMETT_UNSUPPORTED.snapshots)),
    save: () => Promise.reject(new UnsupportedCapabilityError('emmett-postgres', 'snapshots', EMMETT_UNSUPPORTED.snapshots)),
  };
  private readonly pool: pg.Pool;
  private readonly db: Dumbo;
  private readonly emmett: EmmettLibraryStore;

  constructor(options: EmmettPostgresStoreOptions) {
    super({ ...EMMETT_POSTGRES_LIMITS, ...options.limits });
    // A pool of our own, handed to Emmett: Emmett's default caches one pool per connection string for
    // the whole process, which several store instances (the conformance suite opens many) would share
    // and the first close() would end.
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 5 });
    this.pool.on('error', () => {});
    // A connection Emmett (dumbo) has checked out but is not querying on has no error listener: if the
    // server goes away then, pg emits 'error' on it and the process dies (seen once in a server-restart
    // scenario). A listener on every connection keeps the failure where it belongs: in the next query,
    // which the shell reports as BackendUnavailableError.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.db = dumbo({ connectionString: options.connectionString, pool: this.pool, pooled: true });
    this.emmett = getPostgreSQLEventStore(options.connectionString, {
      // The backend migrates once at start (migrate() below); Emmett would otherwise check on first use.
      schema: { autoMigration: 'None' },
      connectionOptions: { dumbo: this.db },
    });
    this.checkpointPort = new EmmettCheckpoints(this.db);
  }

  /**
   * Emmett 0.42 partitions emt_messages by LIST (partition, its tenant), then by is_archived: not by time,
   * and nothing of Emmett drops partitions or deletes messages by age or count. What could is a scheduler
   * in the database (pg_cron, pg_partman): looked up, like the lab's store does.
   */
  protected async retentionPort(): Promise<RetentionPolicy> {
    const { rows } = await this.pool.query<{ relkind: string | null; scheduler: string | null }>(
      `SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('emt_messages')) AS relkind,
              (SELECT string_agg(extname, ', ') FROM pg_extension WHERE extname IN ('pg_cron', 'pg_partman')) AS scheduler`,
    );
    const { relkind, scheduler } = rows[0] ?? { relkind: null, scheduler: null };
    return {
      keepsEventsForever: relkind !== null && scheduler === null,
      source: `table emt_messages: ${relkind === 'p' ? 'partitioned by tenant and archived flag, not by time' : relkind === 'r' ? 'a plain table' : 'not found'}; ${scheduler ? `scheduler installed: ${scheduler}` : 'no pg_cron or pg_partman installed'}; Emmett 0.42 deletes no messages by age or count`,
    };
  }

  protected async appendValidated({ streamId, events, expectedVersion }: ValidatedAppend): Promise<AppendResult> {
    const messages = events.map(
      (e) => ({ type: e.type, data: e.data, metadata: { ...e.metadata, messageId: e.id } }) as unknown as EmmettEvent,
    );
    try {
      const result = await this.emmett.appendToStream(streamId, messages, { expectedStreamVersion: toEmmettExpected(expectedVersion) });
      return { nextExpectedVersion: toVersion(result.nextExpectedStreamVersion), globalPosition: result.lastEventGlobalPosition };
    } catch (error) {
      if (!isConcurrencyError(error)) throw error;
      // Emmett does not say where the stream is; read it (after the refusal, as the lab's store does).
      const current = await this.emmett.readStream(streamId);
      throw new WrongExpectedVersionError(streamId, expectedVersion, current.streamExists ? toVersion(current.currentStreamVersion) : 'no_stream');
    }
  }

  protected async readStreamPage(streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
    if (direction === 'backward') throw new UnsupportedCapabilityError(this.backend, 'read-backward', EMMETT_UNSUPPORTED['read-backward']);
    // Emmett's readStream takes inclusive positions `from` and `to`. (Its `maxCount` reads one event too
    // many when `from` is given — to = from + maxCount — so the adapter passes `to`.)
    const from = BigInt((fromVersion ?? 0) + 1);
    const to = maxCount === undefined ? undefined : from + BigInt(maxCount) - 1n;
    if (to !== undefined && to < from) return [];
    const result = await this.emmett.readStream(streamId, { from, ...(to === undefined ? {} : { to }) });
    return (result.events as unknown as EmmettReadMessage[]).map(toRecorded);
  }

  protected async readAllPage({ direction, fromPosition, maxCount }: AllPageRequest): Promise<RecordedEvent[]> {
    if (direction === 'backward') throw new UnsupportedCapabilityError(this.backend, 'read-backward', EMMETT_UNSUPPORTED['read-backward']);
    const batch = await readMessagesBatch(this.db.execute, { from: fromPosition ?? 0n, batchSize: maxCount ?? DEFAULT_READ_ALL_PAGE });
    return (batch.messages as unknown as EmmettReadMessage[]).map(toRecorded);
  }

  protected async closeResources(): Promise<void> {
    await this.emmett.close().catch(() => {});
    await this.db.close().catch(() => {});
    await this.pool.end().catch(() => {});
  }
}

/**
 * Emmett keeps a processor's checkpoint in emt_processors, and only lets it move if the caller says
 * where it was (an optimistic check): the adapter reads it first. A failed check is an error here, as
 * Emmett reports it (IGNORED, MISMATCH, CURRENT_AHEAD).
 */
class EmmettCheckpoints implements CheckpointPort {
  constructor(private readonly db: Dumbo) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    const { lastProcessedCheckpoint } = await readProcessorCheckpoint(this.db.execute, { processorId: subscriberId });
    return lastProcessedCheckpoint ?? undefined;
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    const current = await this.load(subscriberId);
    const result = await storeProcessorCheckpoint(this.db.execute, {
      processorId: subscriberId,
      version: 1,
      newCheckpoint: position,
      lastProcessedCheckpoint: current ?? null,
    });
    if (!result.success) throw new Error(`Emmett refused checkpoint ${position} for '${subscriberId}': ${result.reason}`);
  }
}

/** Creates Emmett's schema (Emmett's own migrations) once, before any store is opened. */
export async function migrateEmmett(connectionString: string): Promise<void> {
  const pool = new pg.Pool({ connectionString, max: 1 });
  const db = dumbo({ connectionString, pool, pooled: true });
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { dumbo: db } });
  try {
    await store.schema.migrate();
  } finally {
    await store.close().catch(() => {});
    await db.close().catch(() => {});
    await pool.end().catch(() => {});
  }
}
