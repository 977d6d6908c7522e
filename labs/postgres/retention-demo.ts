/**
 * Retention by age on PostgreSQL, on a short clock: what a team builds when a retention policy is wanted
 * (an archive kept N days, an audit trail kept N years and then removed). PostgreSQL deletes no row on its
 * own; the tool is a table PARTITIONED BY RANGE of time, and a scheduled job that DETACHes and DROPs
 * every partition wholly older than the cut. Dropping a partition is a catalogue change: no row-by-row
 * DELETE, no dead rows for VACUUM, no bloat; the rows of a partition go together, so the granularity of
 * retention is the partition's width. In production the partitions are days or months and the job is
 * pg_partman's `run_maintenance()` (its `retention` setting) run by pg_cron, or any scheduler calling the
 * same SQL; here they are one second wide and the job runs every 250 ms.
 *
 * The demo is an ARCHIVE table (events older than a cut, moved out of the system of record), never the
 * lab's `event_store.events`: the system of record keeps every event (retention.events-kept-forever), and
 * a partitioned table cannot enforce the store's own invariants — a unique constraint on a partitioned
 * table must include the partition key, so `UNIQUE (stream_id, stream_version)` (optimistic concurrency)
 * and `UNIQUE (event_id)` (idempotency) could only be unique per time range. The demo asks PostgreSQL and
 * reports its refusal.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PartitionRetentionResult {
  /** `retention` of the policy, and the width of one partition. */
  retentionMs: number;
  partitionMs: number;
  written: number;
  partitionsCreated: number;
  /** Partitions the job detached and dropped, and the rows that went with them. */
  partitionsDropped: number;
  rowsDropped: number;
  rowsLeft: number;
  /** The oldest row left, in ms before the end of the run: at most retention + one partition's width. */
  oldestLeftAgeMs: number | undefined;
  /** Rows older than the last cut minus one partition's width still in the table (must be 0: only the
   *  partition that straddles the cut may hold rows a little older than the cut). */
  rowsOlderThanCut: number;
  /** The slowest DETACH + DROP of one partition, ms. */
  slowestDropMs: number;
  /** PostgreSQL's answer to UNIQUE (stream_id, stream_version) on a table partitioned by time. */
  uniqueConstraintRefusal: string;
}

export interface PartitionRetentionOptions {
  retentionMs?: number;
  partitionMs?: number;
  /** How long events are written for (one batch every 100 ms). */
  writeForMs?: number;
}

export async function runPartitionRetentionDemo(connectionString: string, options: PartitionRetentionOptions = {}): Promise<PartitionRetentionResult> {
  const retentionMs = options.retentionMs ?? 2_000;
  const partitionMs = options.partitionMs ?? 1_000;
  const writeForMs = options.writeForMs ?? 5_000;
  const schema = `retention_demo_${randomBytes(3).toString('hex')}`;
  const table = `${schema}.event_archive`;
  const pool = new pg.Pool({ connectionString, max: 3 });
  pool.on('error', () => {});
  const partitions = new Map<number, string>(); // lower bound (epoch ms) -> partition name
  let partitionsCreated = 0;
  try {
    await pool.query(`CREATE SCHEMA ${schema}`);
    // The archive: what was in the log, and when it was recorded. Partitioned by the time it was recorded.
    await pool.query(`CREATE TABLE ${table} (
      global_position bigint      NOT NULL,
      stream_id       text        NOT NULL,
      stream_version  bigint      NOT NULL,
      type            text        NOT NULL,
      data            jsonb       NOT NULL,
      recorded_at     timestamptz NOT NULL
    ) PARTITION BY RANGE (recorded_at)`);
    const uniqueConstraintRefusal = await pool
      .query(`CREATE TABLE ${schema}.events_by_time (stream_id text, stream_version bigint, recorded_at timestamptz, UNIQUE (stream_id, stream_version)) PARTITION BY RANGE (recorded_at)`)
      .then(
        () => 'accepted',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );

    const ensurePartition = async (at: number) => {
      const lower = Math.floor(at / partitionMs) * partitionMs;
      if (partitions.has(lower)) return;
      const name = `event_archive_p${lower}`;
      // DDL takes no parameters: the bounds are numbers this code computed.
      await pool.query(
        `CREATE TABLE ${schema}.${name} PARTITION OF ${table}
           FOR VALUES FROM (to_timestamp(${lower} / 1000.0)) TO (to_timestamp(${lower + partitionMs} / 1000.0))`,
      );
      partitions.set(lower, name);
      partitionsCreated++;
    };

    // The scheduled job: every partition whose upper bound lies before the cut goes, whole.
    let partitionsDropped = 0;
    let rowsDropped = 0;
    let slowestDropMs = 0;
    let lastCut = 0;
    const retentionJob = async () => {
      lastCut = Date.now() - retentionMs;
      for (const [lower, name] of [...partitions].sort(([a], [b]) => a - b)) {
        if (lower + partitionMs > lastCut) break;
        const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${name}`);
        const started = performance.now();
        // DETACH first (CONCURRENTLY in production: it does not block readers of the archive), then DROP.
        await pool.query(`ALTER TABLE ${table} DETACH PARTITION ${schema}.${name}`);
        await pool.query(`DROP TABLE ${schema}.${name}`);
        slowestDropMs = Math.max(slowestDropMs, performance.now() - started);
        partitions.delete(lower);
        partitionsDropped++;
        rowsDropped += Number(rows[0]!.n);
      }
    };

    let written = 0;
    const start = Date.now();
    let nextJob = start + 250;
    while (Date.now() - start < writeForMs) {
      const now = Date.now();
      await ensurePartition(now);
      // Ten events a batch, recorded now (this process's clock: the same one that chose the partitions).
      const batch = Array.from({ length: 10 }, (_, i) => written + i);
      await pool.query(
        `INSERT INTO ${table} (global_position, stream_id, stream_version, type, data, recorded_at)
         SELECT p, 'ledger-' || (p % 5), p / 5, 'Posted', jsonb_build_object('n', p), to_timestamp($2::float8 / 1000)
           FROM unnest($1::bigint[]) AS p`,
        [batch, now],
      );
      written += batch.length;
      if (Date.now() >= nextJob) {
        await retentionJob();
        nextJob += 250;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await retentionJob();
    const end = Date.now();
    const { rows } = await pool.query<{ left: string; oldest: Date | null; older: string }>(
      `SELECT count(*) AS left, min(recorded_at) AS oldest, count(*) FILTER (WHERE recorded_at < to_timestamp($1::float8 / 1000)) AS older FROM ${table}`,
      [lastCut - partitionMs],
    );
    const row = rows[0]!;
    return {
      retentionMs,
      partitionMs,
      written,
      partitionsCreated,
      partitionsDropped,
      rowsDropped,
      rowsLeft: Number(row.left),
      oldestLeftAgeMs: row.oldest ? end - row.oldest.getTime() : undefined,
      rowsOlderThanCut: Number(row.older),
      slowestDropMs: Math.round(slowestDropMs * 10) / 10,
      uniqueConstraintRefusal,
    };
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await pool.end();
  }
}
