/**
 * The PostgreSQL event store: the contract implemented on plain SQL with `pg`.
 * Read `schema.sql` first: the table design carries the guarantees; this file drives it.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import {
  DEFAULT_READ_ALL_PAGE,
  EventStoreBase,
  StreamDeletedError,
  WrongExpectedVersionError,
  judgeEarlierAppend,
  type AllPageRequest,
  type AppendResult,
  type CheckpointPort,
  type ExpectedVersion,
  type RecordedEvent,
  type SnapshotPort,
  type StoreLimits,
  type RetentionPolicy,
  type StreamPageRequest,
  type UnsupportedCapabilities,
  type ValidatedAppend,
  type ValidatedDelete,
  type ValidatedEvent,
  waitForWakeUp,
} from '../core/index.ts';
import { PostgresCheckpoints, PostgresSnapshots } from './checkpoints-and-snapshots.ts';
import { describePosition, packPosition, unpackPosition, MAX_POSITION } from './positions.ts';
import { PostgresLeases } from './leases.ts';
import { STORE_TYPE_PARSERS } from './type-parsers.ts';
import { deleteStream, truncateStream } from './stream-lifecycle.ts';
import { describeTableRetention } from './retention.ts';
import { PostgresSubjectKeys } from './subject-keys.ts';

const NOTIFY_CHANNEL = 'event_store_appended';
/** Under a steady stream of appends, at most one NOTIFY per this many milliseconds (wakeSubscribers). */
const NOTIFY_INTERVAL_MS = 20;
const UNIQUE_VIOLATION = '23505';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections in this instance's pool. */
  poolSize?: number;
  limits?: Partial<StoreLimits>;
}

/** Applies schema.sql once per database; an advisory lock keeps concurrent starters from colliding. */
export async function migrate(connectionString: string): Promise<void> {
  const sql = await readFile(new URL('./schema.sql', import.meta.url), 'utf8');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['event_store.migrate']);
    try {
      await client.query(sql);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['event_store.migrate']);
    }
  } finally {
    await client.end();
  }
}

interface EventRow {
  position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}

const EVENT_COLUMNS = 'position, transaction_id, event_id, stream_id, stream_version, type, data, metadata, recorded_at';

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    streamVersion: Number(row.stream_version),
    globalPosition: packPosition(BigInt(row.transaction_id), BigInt(row.position)),
    recordedAt: row.recorded_at,
  };
}

/** PostgreSQL text (and so jsonb) cannot hold U+0000: the shell refuses it up front with a typed error. */
export const POSTGRES_LIMITS: Partial<StoreLimits> = { nulInText: false };

/** What jsonb does to event JSON: the lesson of the lab's json vs jsonb section (docs/labs/postgres.md). */
export const JSONB_NOT_BYTE_EXACT =
  'data and metadata are jsonb: PostgreSQL stores them parsed, returns keys sorted (shorter first, then by bytes) and number text normalised, so they come back as equal JSON, not as the bytes written (a json column would keep the text; the lab keeps jsonb to query and index it)';

export class PostgresEventStore extends EventStoreBase {
  readonly backend = 'postgres';
  override readonly unsupported: UnsupportedCapabilities = { 'byte-exact-data': JSONB_NOT_BYTE_EXACT };
  protected readonly checkpointPort: CheckpointPort;
  protected readonly snapshotPort: SnapshotPort;
  protected override readonly leasePort: PostgresLeases;
  private readonly pool: pg.Pool;
  private readonly connectionString: string;
  private readonly appended = new EventEmitter();
  private listener: Promise<pg.Client> | undefined;
  private notifyState: 'idle' | 'waiting' | 'sending' = 'idle';
  private notifyAgain = false;
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotifyAt = Number.NEGATIVE_INFINITY;

  constructor(options: PostgresStoreOptions) {
    super({ ...POSTGRES_LIMITS, ...options.limits });
    this.connectionString = options.connectionString;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 5, types: STORE_TYPE_PARSERS });
    // An idle client that loses its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    this.appended.setMaxListeners(0);
    this.checkpointPort = new PostgresCheckpoints(this.pool);
    this.snapshotPort = new PostgresSnapshots(this.pool);
    this.leasePort = new PostgresLeases(this.pool);
    this.subjectKeyPort = new PostgresSubjectKeys(this.pool);
  }

  static async connect(options: PostgresStoreOptions & { migrate?: boolean }): Promise<PostgresEventStore> {
    if (options.migrate !== false) await migrate(options.connectionString);
    return new PostgresEventStore(options);
  }

  protected async appendValidated(input: ValidatedAppend): Promise<AppendResult> {
    // A retry of an append that already committed is answered from what is stored. Only ids the caller
    // chose can repeat an earlier append; ids generated just now cannot, so that look-up is skipped.
    if (input.events.some((e) => e.idSupplied)) {
      const earlier = await this.findEarlierAppend(input.streamId, input.events);
      if (earlier) return earlier;
    }
    try {
      return await this.appendInOneStatement(input.streamId, input.expectedVersion, input.events);
    } catch (error) {
      if (isUniqueViolation(error, 'events_event_id_key')) {
        // Another call with the same event ids committed first: answer as a retry, or refuse.
        const earlier = await this.findEarlierAppend(input.streamId, input.events);
        if (earlier) return earlier;
      }
      throw error;
    }
  }

  /**
   * The whole append as ONE statement, so one round trip and its own transaction: claim the versions
   * (the optimistic concurrency check, see claimVersionsSql) and insert the events only if the claim
   * returned a row. A single statement is atomic: either the streams row moved and every event is
   * stored, or nothing happened.
   */
  private async appendInOneStatement(streamId: string, expected: ExpectedVersion, events: ValidatedEvent[]): Promise<AppendResult> {
    // Ids generated for events that came without one are time-ordered (labs/core/uuid-v7.ts): they land
    // at the end of the unique index on event_id instead of on a random page of it.
    const ids = events.map((e) => e.id);
    const single = events.length === 1;
    const params: unknown[] = single
      ? // One event (the common case): plain parameters. No array literal to build and escape on the
        // client (the JSON text would be quoted once more inside it), none to parse and unnest on the server.
        [streamId, 1, ids[0], events[0]!.type, events[0]!.dataJson, events[0]!.metadataJson]
      : [streamId, events.length, ids, events.map((e) => e.type), events.map((e) => e.dataJson), events.map((e) => e.metadataJson)];
    // $7 is the exact expected version, when there is one.
    if (typeof expected === 'number') params.push(expected);
    const kind = typeof expected === 'number' ? 'exact' : expected;
    // A named statement is parsed and planned once per connection: planning this CTE costs more than
    // running it (measured: about a third of the append's throughput).
    const { rows } = await this.pool.query<{ stream_version: string; position: string; transaction_id: string }>(
      single
        ? {
            name: `event_store.append-one.${kind}`,
            text: `WITH claimed AS (${claimVersionsSql(expected)})
               INSERT INTO event_store.events (event_id, stream_id, stream_version, type, data, metadata)
               SELECT $3::uuid, $1, c.version, $4::text, $5::jsonb, $6::jsonb FROM claimed c
               RETURNING stream_version, position, transaction_id`,
            values: params,
          }
        : {
            name: `event_store.append.${kind}`,
            text: `WITH claimed AS (${claimVersionsSql(expected)}),
               inserted AS (
                 INSERT INTO event_store.events (event_id, stream_id, stream_version, type, data, metadata)
                 SELECT e.id, $1, c.version - $2 + e.n, e.type, e.data, e.metadata
                   FROM claimed c,
                        unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, n)
                  ORDER BY e.n
                 RETURNING stream_version, position, transaction_id
               )
               SELECT stream_version, position, transaction_id FROM inserted ORDER BY stream_version DESC LIMIT 1`,
            values: params,
          },
    );
    const row = rows[0];
    if (!row) {
      // Nothing was claimed, so nothing was written: tell the writer what the stream is at now.
      const actual = await this.pool.query<{ version: string; tombstoned: boolean }>(`SELECT version, tombstoned FROM event_store.streams WHERE stream_id = $1`, [streamId]);
      const current = actual.rows[0];
      if (current?.tombstoned) throw new StreamDeletedError(streamId);
      throw new WrongExpectedVersionError(streamId, expected, current ? Number(current.version) : 'no_stream');
    }
    this.wakeSubscribers();
    return {
      nextExpectedVersion: Number(row.stream_version),
      globalPosition: packPosition(BigInt(row.transaction_id), BigInt(row.position)),
    };
  }

  /**
   * Wakes LISTENers after a commit: at once after a quiet spell, then at most one NOTIFY per
   * NOTIFY_INTERVAL_MS while appends keep coming. Why not NOTIFY inside the append: every notifying
   * transaction takes a database-wide lock at commit, which serialises all appends (measured: about 40%
   * of append throughput). Why the interval: under load one NOTIFY per few appends was a query of its
   * own each time — client and server CPU spent on wake-ups nobody needs that often (see
   * docs/labs/postgres.md). Sent after the commit, a wake-up only arrives once the events are there; a
   * late or lost one costs a listener in another process at most that interval (or a poll), never an
   * event. Subscribers of this store instance are woken at once, without a round trip.
   */
  private wakeSubscribers(): void {
    this.appended.emit('append');
    if (this.notifyState !== 'idle') {
      this.notifyAgain = true;
      return;
    }
    this.scheduleNotify();
  }

  private scheduleNotify(): void {
    const wait = this.lastNotifyAt + NOTIFY_INTERVAL_MS - performance.now();
    if (wait <= 0) return this.sendNotify();
    this.notifyState = 'waiting';
    this.notifyTimer = setTimeout(() => this.sendNotify(), wait);
  }

  private sendNotify(): void {
    this.notifyTimer = undefined;
    if (this.closed) {
      this.notifyState = 'idle';
      return;
    }
    this.notifyState = 'sending';
    this.notifyAgain = false;
    this.lastNotifyAt = performance.now();
    this.pool
      .query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, ''])
      .catch(() => {}) // a missed wake-up is covered by polling
      .finally(() => {
        this.notifyState = 'idle';
        if (this.notifyAgain && !this.closed) {
          this.notifyAgain = false;
          this.scheduleNotify();
        }
      });
  }

  /**
   * Looks the batch's event ids up. None stored: undefined (go ahead and append). All stored, in this
   * stream, in this order, as one contiguous run: the original result. Anything else: refused.
   */
  private async findEarlierAppend(streamId: string, events: ValidatedEvent[]): Promise<AppendResult | undefined> {
    const ids = events.map((e) => e.id);
    const { rows } = await this.pool.query<{ event_id: string; stream_id: string; stream_version: string; position: string; transaction_id: string }>(
      `SELECT event_id, stream_id, stream_version, position, transaction_id FROM event_store.events WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    if (rows.length === 0) return undefined;
    const byId = new Map(rows.map((r) => [r.event_id, { ...r, streamId: r.stream_id, streamVersion: Number(r.stream_version) }]));
    const last = judgeEarlierAppend(streamId, ids, ids.map((id) => byId.get(id)));
    return last && {
      nextExpectedVersion: last.streamVersion,
      globalPosition: packPosition(BigInt(last.transaction_id), BigInt(last.position)),
    };
  }

  protected async readStreamPage(streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
    const forward = direction === 'forward';
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store.events
        WHERE stream_id = $1 AND ${forward ? 'stream_version >= $2' : 'stream_version <= $2'}
        ORDER BY stream_version ${forward ? 'ASC' : 'DESC'}
        LIMIT $3`,
      [streamId, fromVersion ?? (forward ? 0 : Number.MAX_SAFE_INTEGER), maxCount ?? null],
    );
    return rows.map(toRecorded);
  }

  protected async readAllPage({ direction, fromPosition, maxCount }: AllPageRequest): Promise<RecordedEvent[]> {
    const forward = direction === 'forward';
    const { transactionId, position } = unpackPosition(fromPosition ?? (forward ? 0n : MAX_POSITION));
    // Only transactions older than every running one are visible to readers: a row that is still
    // uncommitted can then never end up behind a position we return now.
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM event_store.events
        WHERE (transaction_id, position) ${forward ? '>=' : '<='} ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id ${forward ? 'ASC' : 'DESC'}, position ${forward ? 'ASC' : 'DESC'}
        LIMIT $3`,
      [transactionId.toString(), position.toString(), maxCount ?? DEFAULT_READ_ALL_PAGE],
    );
    return rows.map(toRecorded);
  }

  /**
   * LISTEN/NOTIFY only wakes readers early; it guarantees nothing (notifications are not stored, and a
   * woken reader may still see nothing new while an older transaction is running). Correctness comes
   * from the read; the timeout is the polling fallback.
   */
  protected override waitForChange(signal: AbortSignal, timeoutMs: number): Promise<void> {
    void this.ensureListener().catch(() => {});
    return waitForWakeUp(this.appended, 'append', signal, timeoutMs);
  }

  private ensureListener(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    this.listener ??= (async () => {
      // LISTEN needs a connection of its own for as long as we listen: not one borrowed from the pool.
      const client = new pg.Client({ connectionString: this.connectionString });
      client.on('notification', () => this.appended.emit('append'));
      client.on('error', () => {
        this.listener = undefined; // reconnect on the next wait; polling covers the gap
      });
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      return client;
    })();
    return this.listener;
  }

  protected override deleteStreamValidated(request: ValidatedDelete): Promise<void> {
    return deleteStream(this.pool, request);
  }

  protected override truncateStreamValidated(streamId: string, beforeVersion: number): Promise<void> {
    return truncateStream(this.pool, streamId, beforeVersion);
  }

  protected retentionPort(): Promise<RetentionPolicy> {
    return describeTableRetention(this.pool, 'event_store.events');
  }

  describePosition(position: bigint): string {
    return describePosition(position);
  }

  protected async closeResources(): Promise<void> {
    clearTimeout(this.notifyTimer);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) await listener.then((c) => c.end()).catch(() => {});
    await this.pool.end();
  }
}

/**
 * The optimistic concurrency check and the version claim, one conditional statement per expectation
 * ($1 stream id, $2 number of events, $7 the exact expected version). It returns the version of the
 * batch's last event, or no row when the expectation does not hold. The row lock it takes makes a
 * second writer with the same expectation wait, re-check after the first commits, and match nothing.
 * A tombstoned stream (hard-deleted, stream-lifecycle.ts) claims nothing: the append is refused with
 * StreamDeletedError, also when it waited behind the delete's lock.
 */
function claimVersionsSql(expected: ExpectedVersion): string {
  if (expected === 'no_stream') {
    return `INSERT INTO event_store.streams (stream_id, version) VALUES ($1, $2 - 1) ON CONFLICT (stream_id) DO NOTHING RETURNING version`;
  }
  if (expected === 'any') {
    return `INSERT INTO event_store.streams (stream_id, version) VALUES ($1, $2 - 1)
            ON CONFLICT (stream_id) DO UPDATE SET version = event_store.streams.version + $2
            WHERE NOT event_store.streams.tombstoned RETURNING version`;
  }
  if (expected === 'stream_exists') {
    return `UPDATE event_store.streams SET version = version + $2 WHERE stream_id = $1 AND NOT tombstoned RETURNING version`;
  }
  return `UPDATE event_store.streams SET version = version + $2 WHERE stream_id = $1 AND version = $7 AND NOT tombstoned RETURNING version`;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof Error &&
    (error as { code?: string }).code === UNIQUE_VIOLATION &&
    (error as { constraint?: string }).constraint === constraint
  );
}
