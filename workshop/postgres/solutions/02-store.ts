/**
 * Reference solution after step 02 (append with an expected version). Appends check expectedVersion atomically; racing writers get WrongExpectedVersionError.
 * What this step changed:
 *   git diff --no-index workshop/postgres/solutions/01-store.ts workshop/postgres/solutions/02-store.ts
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
import pg from 'pg';
import {
  DEFAULT_LIMITS,
  UnsupportedCapabilityError,
  WrongExpectedVersionError,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedVersion,
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
      // Check the expected version and claim the versions in one statement (see claimVersions).
      const lastVersion = await claimVersions(client, input.streamId, input.expectedVersion, input.events.length);
      const current = lastVersion - input.events.length;
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

/**
 * Step 02: the concurrency check and the version claim in one statement. The row lock serialises writers
 * of one stream; a writer that waited re-checks its WHERE against the committed row and matches nothing.
 */
async function claimVersions(client: pg.PoolClient, streamId: string, expected: ExpectedVersion, count: number): Promise<number> {
  let claimed: pg.QueryResult<{ version: string }>;
  if (expected === 'no_stream') {
    claimed = await client.query('INSERT INTO streams (stream_id, version) VALUES ($1, $2 - 1) ON CONFLICT (stream_id) DO NOTHING RETURNING version', [streamId, count]);
  } else if (expected === 'any') {
    claimed = await client.query(
      'INSERT INTO streams (stream_id, version) VALUES ($1, $2 - 1) ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + $2 RETURNING version',
      [streamId, count],
    );
  } else if (expected === 'stream_exists') {
    claimed = await client.query('UPDATE streams SET version = version + $2 WHERE stream_id = $1 RETURNING version', [streamId, count]);
  } else {
    claimed = await client.query('UPDATE streams SET version = version + $2 WHERE stream_id = $1 AND version = $3 RETURNING version', [streamId, count, expected]);
  }
  const row = claimed.rows[0];
  if (row) return Number(row.version);
  const { rows } = await client.query<{ version: string }>('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
  throw new WrongExpectedVersionError(streamId, expected, rows[0] ? Number(rows[0].version) : 'no_stream');
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
