/**
 * Deleting and truncating streams on PostgreSQL (the rules: labs/core/stream-lifecycle.ts).
 *
 * Each is one transaction that first locks the stream's row in `event_store.streams`, the same row an
 * append's conditional UPDATE locks (schema.sql): a delete and an append of one stream are serialised,
 * and an append waiting behind a hard delete re-checks its condition on the new row version, finds
 * `tombstoned` and claims nothing. The events are removed with DELETE: `readStream`, `readAll` and
 * subscriptions started afterwards no longer see them (`deletion-removes-from-all`). What DELETE does
 * not reach — dead row versions until VACUUM, the WAL, replicas' WAL and backups — is said in
 * docs/labs/postgres.md ("Erasure").
 */
import type pg from 'pg';
import { assertExpectedVersion, assertNotTombstoned, assertTruncationWithinStream, type ValidatedDelete } from '../core/index.ts';

interface StreamRow {
  version: string;
  tombstoned: boolean;
  inserted?: boolean;
}

/** -1 is the version of a tombstone recorded for a stream that never had an event (schema.sql). */
const lastVersionOf = (row: StreamRow | undefined): number | undefined => (row && Number(row.version) >= 0 ? Number(row.version) : undefined);

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export function deleteStream(pool: pg.Pool, { streamId, expectedVersion, mode }: ValidatedDelete): Promise<void> {
  return inTransaction(pool, async (client) => {
    // Hard: lock the row even when the stream has none yet (an upsert that changes nothing when it
    // exists), so an append creating the stream meanwhile waits for the tombstone. Soft: a stream
    // without a row has nothing to delete, and an append creating it meanwhile simply comes after.
    const { rows } =
      mode === 'hard'
        ? await client.query<StreamRow>(
            `INSERT INTO event_store.streams (stream_id, version, tombstoned) VALUES ($1, -1, true)
             ON CONFLICT (stream_id) DO UPDATE SET version = event_store.streams.version
             RETURNING version, tombstoned, (xmax = 0) AS inserted`,
            [streamId],
          )
        : await client.query<StreamRow>(`SELECT version, tombstoned FROM event_store.streams WHERE stream_id = $1 FOR UPDATE`, [streamId]);
    const row = rows[0];
    const existed = row !== undefined && !row.inserted;
    assertNotTombstoned(streamId, existed && row.tombstoned);
    // A wrong expected version throws here: ROLLBACK undoes the upsert, nothing is deleted.
    assertExpectedVersion(streamId, expectedVersion, existed ? lastVersionOf(row) : undefined, 'Delete of');
    if (!existed) return;
    await client.query(`DELETE FROM event_store.events WHERE stream_id = $1`, [streamId]);
    // The snapshot is state folded from those events (personal data included): it goes with them.
    await client.query(`DELETE FROM event_store.snapshots WHERE stream_id = $1`, [streamId]);
    // The stream's row stays: its version is where a soft-deleted stream continues.
    if (mode === 'hard') await client.query(`UPDATE event_store.streams SET tombstoned = true WHERE stream_id = $1`, [streamId]);
  });
}

export function truncateStream(pool: pg.Pool, streamId: string, beforeVersion: number): Promise<void> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<StreamRow>(`SELECT version, tombstoned FROM event_store.streams WHERE stream_id = $1 FOR UPDATE`, [streamId]);
    assertNotTombstoned(streamId, rows[0]?.tombstoned === true);
    assertTruncationWithinStream(streamId, beforeVersion, lastVersionOf(rows[0]));
    await client.query(`DELETE FROM event_store.events WHERE stream_id = $1 AND stream_version < $2`, [streamId, beforeVersion]);
  });
}
