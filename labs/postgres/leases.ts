/**
 * Consumer-group leases on PostgreSQL: a lease row per key, taken in one conditional upsert.
 *
 * `INSERT … ON CONFLICT DO UPDATE … WHERE` either inserts a free key, or updates it only when it is
 * already ours or has expired; the row lock it takes makes two racing members see each other's write, so
 * at most one of them gets a row back. (`FOR UPDATE SKIP LOCKED` is the other idiom: it suits a work queue
 * of jobs, where it lets workers skip rows others are busy with — but a queue of single events handles two
 * events of one stream on two workers at once, out of order. Leasing whole partitions of streams keeps
 * each stream on one member.)
 */
import type pg from 'pg';
import type { LeasePort } from '../core/index.ts';

export class PostgresLeases implements LeasePort {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(group: string, key: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO event_store.consumer_group_leases AS lease (group_name, lease_key, owner, expires_at)
       VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond')
       ON CONFLICT (group_name, lease_key) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE lease.owner = EXCLUDED.owner OR lease.expires_at < clock_timestamp()`,
      [group, key, owner, leaseMs],
    );
    return rowCount === 1;
  }

  async release(group: string, key: string, owner: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM event_store.consumer_group_leases WHERE group_name = $1 AND lease_key = $2 AND owner = $3`,
      [group, key, owner],
    );
  }

  async live(group: string): Promise<{ key: string; owner: string }[]> {
    const { rows } = await this.pool.query<{ lease_key: string; owner: string }>(
      `SELECT lease_key, owner FROM event_store.consumer_group_leases WHERE group_name = $1 AND expires_at >= clock_timestamp()`,
      [group],
    );
    return rows.map((r) => ({ key: r.lease_key, owner: r.owner }));
  }
}
