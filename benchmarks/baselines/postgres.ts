/**
 * The raw-driver baseline for PostgreSQL: the same logical writes and reads as the workloads, done the
 * simplest way with `pg` on a pool of the same size as the lab store's. An append is ONE statement
 * (one implicit transaction) inserting the event rows into a table with no unique constraints, with
 * versions counted in this process: no expected-version check, no idempotency lookup, no notification.
 * It is what the hardware and server give here; the lab store's ratio to it is the price of its
 * guarantees. Its own table (bench_raw.events) keeps it apart from the stores' data.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BenchTarget } from '../targets/target.ts';
import type { Baseline } from './baseline.ts';
import { LocalVersions, RAW_BASELINE_UNSUPPORTED } from './baseline.ts';

/** PostgresEventStore's default pool size (labs/postgres/postgres-store.ts): the baseline uses the same. */
export const POSTGRES_STORE_POOL_SIZE = 5;

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS bench_raw;
CREATE TABLE IF NOT EXISTS bench_raw.events (
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid   NOT NULL,
  stream_id      text   NOT NULL,
  stream_version bigint NOT NULL,
  type           text   NOT NULL,
  data           jsonb  NOT NULL,
  metadata       jsonb  NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
-- Not unique: the baseline checks nothing. The index is what makes reading one stream a range scan.
CREATE INDEX IF NOT EXISTS events_stream ON bench_raw.events (stream_id, stream_version);`;

function connectionString(env: Record<string, string>): string {
  // A cluster backend exports its own variable (the primary, through its proxy): the raw baseline beside it
  // is what a synchronous standby costs.
  const url = env.DATABASE_URL ?? env.POSTGRES_CLUSTER_URL;
  if (!url) throw new Error('the PostgreSQL baseline needs DATABASE_URL (or POSTGRES_CLUSTER_URL) from the running backend');
  return url;
}

export async function createPostgresBaseline(env: Record<string, string>): Promise<BenchTarget> {
  const pool = new pg.Pool({ connectionString: connectionString(env), max: POSTGRES_STORE_POOL_SIZE });
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['bench_raw.migrate']);
    await client.query(SCHEMA);
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['bench_raw.migrate']);
  } finally {
    client.release();
  }
  const versions = new LocalVersions();
  return {
    label: 'postgres (raw pg)',
    backend: 'postgres',
    kind: 'raw',
    unsupported: RAW_BASELINE_UNSUPPORTED,
    async append(streamId, events) {
      const first = versions.claim(streamId, events.length);
      await pool.query(
        `INSERT INTO bench_raw.events (event_id, stream_id, stream_version, type, data, metadata)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])`,
        [
          events.map((e) => e.id ?? randomUUID()),
          events.map(() => streamId),
          events.map((_, i) => first + i),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata ?? {})),
        ],
      );
      return { nextExpectedVersion: first + events.length - 1 };
    },
    async readStream(streamId) {
      const { rows } = await pool.query(
        `SELECT position, event_id, stream_id, stream_version, type, data, metadata, recorded_at
           FROM bench_raw.events WHERE stream_id = $1 ORDER BY stream_version`,
        [streamId],
      );
      return rows.length;
    },
    async readAllPage(cursor, maxCount) {
      const { rows } = await pool.query<{ position: string }>(
        `SELECT position, event_id, stream_id, stream_version, type, data, metadata, recorded_at
           FROM bench_raw.events WHERE position >= $1 ORDER BY position LIMIT $2`,
        [cursor ?? '0', maxCount],
      );
      const last = rows.at(-1);
      return { count: rows.length, next: rows.length < maxCount || !last ? undefined : (BigInt(last.position) + 1n).toString() };
    },
    close: () => pool.end(),
  };
}

export const postgresBaseline: Baseline = {
  server: 'postgres',
  label: 'postgres (raw pg)',
  description: 'one INSERT … SELECT unnest(…) per append (one implicit transaction, no concurrency check), plain SELECTs for reads, pool of 5',
  create: createPostgresBaseline,
  async serverVersion(env) {
    const client = new pg.Client({ connectionString: connectionString(env) });
    await client.connect();
    try {
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
    } finally {
      await client.end();
    }
  },
  async serverSettings(env) {
    const client = new pg.Client({ connectionString: connectionString(env) });
    await client.connect();
    try {
      const settings: Record<string, string> = {};
      // The settings that decide what a commit waits for, and so an append's latency.
      for (const name of ['fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'shared_buffers']) {
        const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
        settings[name] = rows[0]?.[name] ?? '?';
      }
      return settings;
    } finally {
      await client.end();
    }
  },
};
