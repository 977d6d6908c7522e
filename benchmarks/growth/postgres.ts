/**
 * Filling PostgreSQL: multi-row INSERT … SELECT generate_series, one transaction per batch, of exactly the
 * rows appendToStream writes (labs/postgres/schema.sql): an `event_store.events` row per event (a
 * time-ordered uuidv7 id, as the store generates; `transaction_id` and `recorded_at` by their defaults;
 * `position` by the identity) and the `event_store.streams` row holding each stream's last version.
 * The rows are made in the server, so the harness holds none of them: its memory does not grow with
 * the fill. The raw baseline's table (bench_raw.events) is filled the same way with its own columns.
 *
 * One difference from appends, said in the results: a batch is one transaction, so its 50,000 events
 * share one transaction id (an append's events share one too, but a batch holds many appends). The
 * global-order key (transaction_id, position) is as ordered as with appends; it only has fewer distinct
 * leading values. Within a batch each stream's events are interleaved with the others' (ORDER BY
 * version, stream), as streams written over time are, so reading one stream touches as many heap pages
 * as it would after years of appends, not one.
 */
import pg from 'pg';
import { rememberPostgresDataDir } from './cleanup.ts';
import { FILL_EVENTS_PER_STREAM, FILL_EVENT_BYTES, throwIfAborted, type DiskUsage, type FillOptions, type GrowthFiller, type GrowthStorage } from './storage.ts';

const BATCH_EVENTS = 50_000;
const PAD = 'x'.repeat(FILL_EVENT_BYTES - 110);

interface Layout {
  label: string;
  /** Tables whose size (with their indexes) is the store's: the first is the events table. */
  tables: string[];
  insert: string;
}

const STORE: Layout = {
  label: 'postgres',
  tables: ['event_store.events', 'event_store.streams'],
  // $1 prefix, $2 first stream number, $3 last stream number, $4 events per stream, $5 run tag, $6 pad
  insert: `WITH streams AS (
             INSERT INTO event_store.streams (stream_id, version)
             SELECT $1 || g, $4::bigint - 1 FROM generate_series($2::bigint, $3::bigint) g
           )
           INSERT INTO event_store.events (event_id, stream_id, stream_version, type, data, metadata)
           SELECT uuidv7(), $1 || g, v, 'BenchmarkEvent',
                  jsonb_build_object('run', $5::text, 'seq', -1, 'k', v, 'sentAt', 0, 'pad', $6::text), '{}'::jsonb
             FROM generate_series(0, $4::bigint - 1) v, generate_series($2::bigint, $3::bigint) g
            ORDER BY v, g`,
};

const RAW: Layout = {
  label: 'postgres (raw pg)',
  tables: ['bench_raw.events'],
  insert: `INSERT INTO bench_raw.events (event_id, stream_id, stream_version, type, data, metadata)
           SELECT gen_random_uuid(), $1 || g, v, 'BenchmarkEvent',
                  jsonb_build_object('run', $5::text, 'seq', -1, 'k', v, 'sentAt', 0, 'pad', $6::text), '{}'::jsonb
             FROM generate_series(0, $4::bigint - 1) v, generate_series($2::bigint, $3::bigint) g
            ORDER BY v, g`,
};

function connectionString(env: Record<string, string>): string {
  const url = env.DATABASE_URL;
  if (!url) throw new Error('filling PostgreSQL needs DATABASE_URL from the running backend');
  return url;
}

async function postgresStorage(layout: Layout, env: Record<string, string>): Promise<GrowthStorage> {
  const pool = new pg.Pool({ connectionString: connectionString(env), max: 2 });
  pool.on('error', () => {});
  const { rows: dir } = await pool.query<{ data_directory: string }>('SHOW data_directory');
  rememberPostgresDataDir(dir[0]!.data_directory);
  let walAtFillStart: string | undefined;
  let walWritten = 0;
  const events = layout.tables[0]!;
  return {
    label: layout.label,
    method: `INSERT … SELECT generate_series of ${layout.tables.join(' + ')} rows, made in the server, ${BATCH_EVENTS.toLocaleString('en-US')} events per transaction`,
    batchEvents: BATCH_EVENTS,
    async count() {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${events}`);
      return Number(rows[0]!.n);
    },
    async fill(total, options: FillOptions) {
      const wal = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      walAtFillStart = wal.rows[0]!.lsn;
      const perBatchStreams = BATCH_EVENTS / FILL_EVENTS_PER_STREAM;
      let written = 0;
      let stream = 0;
      while (written < total) {
        throwIfAborted(options.signal);
        const remaining = total - written;
        // The last batch may hold streams of fewer events, so that the count comes out exact.
        const perStream = remaining >= FILL_EVENTS_PER_STREAM ? FILL_EVENTS_PER_STREAM : remaining;
        const streams = Math.min(perBatchStreams, Math.floor(remaining / perStream));
        await pool.query(layout.insert, [options.prefix, stream, stream + streams - 1, perStream, options.prefix, PAD]);
        stream += streams;
        written += streams * perStream;
        options.onProgress(written);
      }
      const after = await pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS bytes', [walAtFillStart]);
      walWritten = Number(after.rows[0]!.bytes);
    },
    // After years of appends autovacuum has visited every page: vacuumed and analysed is the steady state.
    async settle() {
      await pool.query(`VACUUM (ANALYZE) ${layout.tables.join(', ')}`);
    },
    async disk(): Promise<DiskUsage> {
      const parts: Record<string, number> = {};
      for (const table of layout.tables) {
        const { rows } = await pool.query<{ name: string; bytes: string }>(
          `SELECT $1::text AS name, pg_table_size($1::regclass) AS bytes
           UNION ALL
           SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid) FROM pg_index i WHERE i.indrelid = $1::regclass`,
          [table],
        );
        for (const row of rows) parts[row.name] = Number(row.bytes);
      }
      const bytes = Object.values(parts).reduce((a, b) => a + b, 0);
      if (walWritten > 0) parts['WAL written by the last fill'] = walWritten;
      return { bytes, parts, note: `${layout.tables.join(' + ')}: pg_table_size (heap, TOAST, free-space and visibility maps) + pg_relation_size of each index; WAL not included` };
    },
    close: () => pool.end(),
  };
}

export const postgresFiller: GrowthFiller = {
  server: 'postgres',
  // Measured: ~560 B per event for the store's table and three indexes, ~420 for raw; WAL is recycled.
  estimatedBytesPerEvent: 1_100,
  store: (env) => postgresStorage(STORE, env),
  raw: (label, env) => (label === RAW.label ? postgresStorage(RAW, env) : undefined),
};
