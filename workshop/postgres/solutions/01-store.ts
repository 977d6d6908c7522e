/**
 * Reference solution after step 01 (events and streams). The store appends and reads streams; everything after step 01 is still a TODO.
 * What this step changed:
 *   git diff --no-index workshop/postgres/starter/store.ts workshop/postgres/solutions/01-store.ts
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
import pg from 'pg';
import {
  DEFAULT_LIMITS,
  UnsupportedCapabilityError,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type JsonValue,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
} from '../../../labs/core/index.ts';

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connectionString: string): Promise<EventStore> {
  return new WorkshopPostgresStore(connectionString);
}

/** One row of `events` (your schema.sql), as `pg` returns it: bigint columns arrive as strings. */
interface EventRow {
  position: string;
  event_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data: JsonValue;
  recorded_at: Date;
}

const EVENT_COLUMNS = 'position, event_id, stream_id, stream_version, type, data, recorded_at';

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    data: row.data,
    metadata: {}, // TODO step 08: store the metadata and return it here
    streamVersion: Number(row.stream_version),
    globalPosition: BigInt(row.position),
    recordedAt: row.recorded_at,
  };
}

class WorkshopPostgresStore implements EventStore {
  readonly backend = 'postgres (workshop)';
  /**
   * What your store cannot do yet. The checker only runs a scenario when the capabilities it needs are
   * not listed here, and counts a listed one as "not built yet". Delete a line when its step is done.
   */
  readonly unsupported: UnsupportedCapabilities = {
    'read-backward': 'TODO step 03',
    'global-order': 'TODO step 04',
    subscriptions: 'TODO step 06',
    'idempotent-append': 'TODO step 07',
    snapshots: 'TODO step 09',
    checkpoints: 'TODO step 10',
  };
  readonly limits = DEFAULT_LIMITS;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private readonly pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 5 });
    this.pool.on('error', () => {}); // an idle connection that drops must not crash the process
    this.checkpoints = new Checkpoints(this.pool);
    this.snapshots = new Snapshots(this.pool);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    // Given: validate before any I/O, so bad input never writes anything. `input.events` have ids, and
    // their data and metadata as JSON text (dataJson, metadataJson) ready for a jsonb parameter.
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    return this.inTransaction(async (client) => {
      // The stream's current version: -1 when it has no events yet. (Step 02 shows why reading it and
      // then inserting is not safe once several writers append to the same stream.)
      const { rows } = await client.query<{ current: string | null }>(
        'SELECT max(stream_version) AS current FROM events WHERE stream_id = $1',
        [input.streamId],
      );
      const current = rows[0]?.current == null ? -1 : Number(rows[0].current);
      let last: { position: string } | undefined;
      for (const [i, e] of input.events.entries()) {
        const inserted = await client.query<{ position: string }>(
          'INSERT INTO events (event_id, stream_id, stream_version, type, data) VALUES ($1, $2, $3, $4, $5) RETURNING position',
          [e.id, input.streamId, current + 1 + i, e.type, e.dataJson],
        );
        last = inserted.rows[0];
      }
      return { nextExpectedVersion: current + input.events.length, globalPosition: BigInt(last!.position) };
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    if (direction === 'backward') throw todo('03', 'readStream backwards: newest first, fromVersion counting down');
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE stream_id = $1 AND stream_version >= $2
        ORDER BY stream_version
        LIMIT $3`,
      [streamId, fromVersion ?? 0, maxCount ?? null],
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    throw todo('04', 'readAll: select the events of every stream in global position order');
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    throw todo('06', 'subscribeToAll: use createPollingSubscription from labs/core');
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    throw todo('06', 'subscribeToStream: use createPollingSubscription from labs/core');
  }

  /** Runs `work` in one transaction on one connection: all of it commits, or none of it. */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
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

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Step 09: the latest snapshot of each stream. */
class Snapshots implements SnapshotStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    throw new UnsupportedCapabilityError('postgres (workshop)', 'snapshots', 'TODO step 09');
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    throw new UnsupportedCapabilityError('postgres (workshop)', 'snapshots', 'TODO step 09');
  }
}

/** Step 10: how far each subscriber got. */
class Checkpoints implements CheckpointStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    throw new UnsupportedCapabilityError('postgres (workshop)', 'checkpoints', 'TODO step 10');
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    throw new UnsupportedCapabilityError('postgres (workshop)', 'checkpoints', 'TODO step 10');
  }
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
