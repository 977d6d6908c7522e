/**
 * Whether rows of the events table can leave on their own, as the database says: PostgreSQL removes rows
 * only when told to (DELETE, TRUNCATE, dropping a partition). A time-partitioned table whose old
 * partitions a job drops (pg_partman, pg_cron) is how retention by age is built on it; the lab's table is
 * neither partitioned nor has such a scheduler installed.
 */
import type pg from 'pg';
import type { RetentionPolicy } from '../core/index.ts';

export async function describeTableRetention(pool: pg.Pool, table: string): Promise<RetentionPolicy> {
  const { rows } = await pool.query<{ relkind: string; scheduler: string | null }>(
    `SELECT c.relkind::text AS relkind,
            (SELECT string_agg(extname, ', ') FROM pg_extension WHERE extname IN ('pg_cron', 'pg_partman')) AS scheduler
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [table],
  );
  const row = rows[0];
  if (!row) throw new Error(`table ${table} not found`);
  const partitioned = row.relkind === 'p';
  return {
    keepsEventsForever: !partitioned && row.scheduler === null,
    source: `table ${table}: ${partitioned ? 'partitioned (partitions can be dropped)' : 'a plain table: rows leave only by DELETE (deleteStream, truncateStream)'}; ${row.scheduler ? `scheduler installed: ${row.scheduler}` : 'no pg_cron or pg_partman installed'}`,
  };
}
