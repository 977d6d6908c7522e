/**
 * PITFALL DEMO. A store written the way many tutorials write one:
 * - optimistic concurrency by "SELECT MAX(version), compare, then INSERT" (a check-then-act race);
 * - no idempotency: event ids are not unique;
 * - read all by a BIGSERIAL position, "WHERE position > last" (skips out-of-order commits);
 * - subscriptions that poll once a second.
 * It implements the same contract and runs through the same conformance suite; the lab prints which
 * scenarios it fails and why. The fixes are in ../postgres-store.ts and ../schema.sql.
 */
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import {
  DEFAULT_READ_ALL_PAGE,
  EventStoreBase,
  assertExpectedVersion,
  type AllPageRequest,
  type ConsumerGroupMember,
  type ValidatedConsumerGroupOptions,
  type AppendResult,
  type CheckpointPort,
  type RecordedEvent,
  type Snapshot,
  type SnapshotPort,
  type RetentionPolicy,
  type StreamPageRequest,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
  type ValidatedAppend,
  subscribeToAllByPolling,
  subscribeToStreamByPolling,
} from '../../core/index.ts';
import { naiveGroupMember } from './naive-group.ts';
import { STORE_TYPE_PARSERS } from '../type-parsers.ts';
import { JSONB_NOT_BYTE_EXACT } from '../postgres-store.ts';
import { describeTableRetention } from '../retention.ts';

interface NaiveRow {
  position: string;
  event_id: string;
  stream_id: string;
  version: string;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  created_at: Date;
}

const toRecorded = (row: NaiveRow): RecordedEvent => ({
  id: row.event_id,
  streamId: row.stream_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  streamVersion: Number(row.version),
  globalPosition: BigInt(row.position),
  recordedAt: row.created_at,
});

export async function migrateNaive(connectionString: string): Promise<void> {
  const sql = await readFile(new URL('./naive-schema.sql', import.meta.url), 'utf8');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['naive_event_store.migrate']);
    await client.query(sql);
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['naive_event_store.migrate']);
  } finally {
    await client.end();
  }
}

export class NaivePostgresEventStore extends EventStoreBase {
  readonly backend = 'postgres-naive';
  // The same jsonb columns as the lab's store: the same (declared) loss of key order, not this twin's lesson.
  override readonly unsupported: UnsupportedCapabilities = {
    'byte-exact-data': JSONB_NOT_BYTE_EXACT,
    // Not this twin's lesson: the tutorial it copies never deletes, and the lab's store shows how.
    'stream-deletion': 'not built in the naive twin (its lessons are concurrency and ordering); see the lab\'s store, labs/postgres/stream-lifecycle.ts',
    'stream-truncation': 'not built in the naive twin (its lessons are concurrency and ordering); see the lab\'s store',
    'deletion-removes-from-all': 'not built in the naive twin: it cannot delete streams',
    'subject-keys': "not built in the naive twin (its lessons are concurrency and ordering); the lab's store keeps keys in labs/postgres/subject-keys.ts",
  };
  protected readonly checkpointPort: CheckpointPort;
  protected readonly snapshotPort: SnapshotPort;
  private readonly pool: pg.Pool;

  /** The tutorial's "scale out": every instance subscribes on its own (naive-group.ts). */
  protected override openConsumerGroupMember(options: ValidatedConsumerGroupOptions): ConsumerGroupMember {
    return naiveGroupMember(this, options);
  }

  constructor(connectionString: string) {
    // jsonb cannot hold U+0000; the shell refuses it with a typed error (not the naive part of the lesson).
    super({ nulInText: false });
    this.pool = new pg.Pool({ connectionString, max: 5, types: STORE_TYPE_PARSERS });
    this.pool.on('error', () => {});
    this.checkpointPort = {
      load: async (id) => {
        const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM naive_event_store.checkpoints WHERE subscriber_id = $1', [id]);
        return rows[0] ? BigInt(rows[0].position) : undefined;
      },
      store: async (id, position) => {
        await this.pool.query(
          'INSERT INTO naive_event_store.checkpoints VALUES ($1, $2) ON CONFLICT (subscriber_id) DO UPDATE SET position = EXCLUDED.position',
          [id, position.toString()],
        );
      },
    };
    this.snapshotPort = {
      load: async (id) => {
        const { rows } = await this.pool.query<{ stream_version: string; schema_version: number; state: Snapshot['state'] }>(
          'SELECT stream_version, schema_version, state FROM naive_event_store.snapshots WHERE stream_id = $1',
          [id],
        );
        const row = rows[0];
        return row ? { streamVersion: Number(row.stream_version), schemaVersion: row.schema_version, state: row.state } : undefined;
      },
      save: async (id, s, stateJson) => {
        await this.pool.query(
          `INSERT INTO naive_event_store.snapshots VALUES ($1, $2, $3, $4)
           ON CONFLICT (stream_id) DO UPDATE SET stream_version = EXCLUDED.stream_version, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state`,
          [id, s.streamVersion, s.schemaVersion, stateJson],
        );
      },
    };
  }

  protected retentionPort(): Promise<RetentionPolicy> {
    return describeTableRetention(this.pool, 'naive_event_store.events');
  }

  protected async appendValidated(input: ValidatedAppend): Promise<AppendResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // PITFALL(append.concurrent-writers, append.concurrent-writers-across-processes, append.any-under-contention): check-then-act.
      // Two writers can both read the same MAX(version) here…
      const { rows } = await client.query<{ current: string | null }>(
        'SELECT MAX(version) AS current FROM naive_event_store.events WHERE stream_id = $1',
        [input.streamId],
      );
      const current = rows[0]?.current == null ? -1 : Number(rows[0].current);
      assertExpectedVersion(input.streamId, input.expectedVersion, current < 0 ? undefined : current);
      // …and both insert here: the unique key rejects the second with a raw 23505 error.
      let last: { position: string } | undefined;
      for (const [i, e] of input.events.entries()) {
        const inserted = await client.query<{ position: string }>(
          `INSERT INTO naive_event_store.events (event_id, stream_id, version, type, data, metadata)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING position`,
          [e.id, input.streamId, current + 1 + i, e.type, e.dataJson, e.metadataJson],
        );
        last = inserted.rows[0];
      }
      await client.query('COMMIT');
      return { nextExpectedVersion: current + input.events.length, globalPosition: BigInt(last!.position) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  protected async readStreamPage(streamId: string, { direction, fromVersion, maxCount }: StreamPageRequest): Promise<RecordedEvent[]> {
    const forward = direction === 'forward';
    const { rows } = await this.pool.query<NaiveRow>(
      `SELECT * FROM naive_event_store.events WHERE stream_id = $1 AND version ${forward ? '>=' : '<='} $2
       ORDER BY version ${forward ? 'ASC' : 'DESC'} LIMIT $3`,
      [streamId, fromVersion ?? (forward ? 0 : Number.MAX_SAFE_INTEGER), maxCount ?? null],
    );
    return rows.map(toRecorded);
  }

  protected async readAllPage({ direction, fromPosition, maxCount }: AllPageRequest): Promise<RecordedEvent[]> {
    const forward = direction === 'forward';
    // PITFALL(read.all-no-skip-under-concurrent-commits, subscribe.catch-up-then-live): ordered by a
    // position that is drawn before commit. Looks right, skips under load.
    const { rows } = await this.pool.query<NaiveRow>(
      `SELECT * FROM naive_event_store.events WHERE position ${forward ? '>=' : '<='} $1
       ORDER BY position ${forward ? 'ASC' : 'DESC'} LIMIT $2`,
      [(fromPosition ?? (forward ? 0n : (1n << 63n) - 1n)).toString(), maxCount ?? DEFAULT_READ_ALL_PAGE],
    );
    return rows.map(toRecorded);
  }

  // PITFALL: poll once a second, following the position order above.
  protected override openAllSubscription(options: SubscribeToAllOptions): Subscription {
    return subscribeToAllByPolling({ readAll: (o) => this.readAll(o) }, { ...options, pollIntervalMs: options.pollIntervalMs ?? 1000 });
  }

  protected override openStreamSubscription(streamId: string, options: SubscribeToStreamOptions): Subscription {
    return subscribeToStreamByPolling({ readStream: (s, o) => this.readStream(s, o) }, streamId, { ...options, pollIntervalMs: options.pollIntervalMs ?? 1000 });
  }

  protected async closeResources(): Promise<void> {
    await this.pool.end();
  }
}
