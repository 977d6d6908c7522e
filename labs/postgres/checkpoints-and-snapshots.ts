/** Checkpoints and snapshots of the PostgreSQL store: one row per subscriber, one per aggregate (schema.sql). */
import type pg from 'pg';
import type { CheckpointPort, Snapshot, SnapshotPort } from '../core/index.ts';

export class PostgresCheckpoints implements CheckpointPort {
  constructor(private readonly pool: pg.Pool) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT position FROM event_store.subscription_checkpoints WHERE subscriber_id = $1`,
      [subscriberId],
    );
    return rows[0] ? BigInt(rows[0].position) : undefined;
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    await this.pool.query(
      `INSERT INTO event_store.subscription_checkpoints (subscriber_id, position) VALUES ($1, $2)
       ON CONFLICT (subscriber_id) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [subscriberId, position.toString()],
    );
  }
}

export class PostgresSnapshots implements SnapshotPort {
  constructor(private readonly pool: pg.Pool) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    const { rows } = await this.pool.query<{ stream_version: string; schema_version: number; state: Snapshot['state'] }>(
      `SELECT stream_version, schema_version, state FROM event_store.snapshots WHERE stream_id = $1`,
      [streamId],
    );
    const row = rows[0];
    return row ? { streamVersion: Number(row.stream_version), schemaVersion: row.schema_version, state: row.state } : undefined;
  }

  async save(streamId: string, snapshot: Snapshot, stateJson: string): Promise<void> {
    // Never replace a newer snapshot with an older one (two loaders may race).
    await this.pool.query(
      `INSERT INTO event_store.snapshots (stream_id, stream_version, schema_version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET stream_version = EXCLUDED.stream_version, schema_version = EXCLUDED.schema_version,
         state = EXCLUDED.state, saved_at = now()
       WHERE event_store.snapshots.stream_version <= EXCLUDED.stream_version`,
      [streamId, snapshot.streamVersion, snapshot.schemaVersion, stateJson],
    );
  }
}
