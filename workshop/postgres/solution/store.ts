/**
 // @steps 00..00
 //| * Your PostgreSQL event store: the file you grow, step by step, until it passes the whole conformance
 //| * suite. Each step's README (workshop/postgres/steps/) says which TODOs to fill; check your work with
 //| *   npm run workshop -- check postgres 01
 //| * and ask for a hint with
 //| *   npm run workshop -- hint postgres 01
 //| *
 //| * The contract you implement is `EventStore` in labs/core/event-store.ts. Validation, errors and the
 //| * subscription loop are given (labs/core/); the database work is yours.
 // @end
 // @steps 01..
 * The reference solution of the PostgreSQL path after step {{step}}, generated from
 * workshop/postgres/solution/store.ts (every step in one file, see its markers). What this step changes:
 *   npm run workshop -- solution postgres {{step}} --diff
 // @end
 */
// @steps 00..09
//| /* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
// @end
import pg from 'pg';
import {
  DEFAULT_LIMITS,
  // @steps 04..
  DEFAULT_READ_ALL_PAGE,
  // @end
  // @steps 07..
  DuplicateEventIdError,
  // @end
  // @steps 00..09
  //| UnsupportedCapabilityError,
  // @end
  // @steps 02..
  WrongExpectedVersionError,
  // @end
  // @steps 06..
  createPollingSubscription,
  // @end
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  // @steps 08..
  type EventMetadata,
  // @end
  type EventStore,
  // @steps 02..
  type ExpectedVersion,
  // @end
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
  // @steps 07..
  type ValidatedEvent,
  // @end
} from '../../../labs/core/index.ts';
// @steps 05..
import { MAX_POSITION, packPosition, unpackPosition } from '../../../labs/postgres/index.ts';
// @end

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connectionString: string): Promise<EventStore> {
  return new WorkshopPostgresStore(connectionString);
}

/** One row of `events` (your schema.sql), as `pg` returns it: bigint columns arrive as strings. */
interface EventRow {
  position: string;
  // @steps 05..
  transaction_id: string;
  // @end
  event_id: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data: JsonValue;
  // @steps 08..
  metadata: EventMetadata;
  // @end
  recorded_at: Date;
}

// @steps 00..04
//| const EVENT_COLUMNS = 'position, event_id, stream_id, stream_version, type, data, recorded_at';
// @end
// @steps 05..07
//| const EVENT_COLUMNS = 'position, transaction_id, event_id, stream_id, stream_version, type, data, recorded_at';
// @end
// @steps 08..
const EVENT_COLUMNS = 'position, transaction_id, event_id, stream_id, stream_version, type, data, metadata, recorded_at';
// @end

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    type: row.type,
    data: row.data,
    // @steps 00..07
    //| metadata: {}, // TODO step 08: store the metadata and return it here
    // @end
    // @steps 08..
    metadata: row.metadata,
    // @end
    streamVersion: Number(row.stream_version),
    // @steps 00..04
    //| globalPosition: BigInt(row.position),
    // @end
    // @steps 05..
    globalPosition: packPosition(BigInt(row.transaction_id), BigInt(row.position)),
    // @end
    recordedAt: row.recorded_at,
  };
}

class WorkshopPostgresStore implements EventStore {
  readonly backend = 'postgres (workshop)';
  /**
   * What your store cannot do yet. The checker only runs a scenario when the capabilities it needs are
   * not listed here, and counts a listed one as "not built yet". Delete a line when its step is done.
   */
  // @steps 00..09
  //| readonly unsupported: UnsupportedCapabilities = {
  // @end
    // @steps 00..02
    //| 'read-backward': 'TODO step 03',
    // @end
    // @steps 00..03
    //| 'global-order': 'TODO step 04',
    // @end
    // @steps 00..05
    //| subscriptions: 'TODO step 06',
    // @end
    // @steps 00..06
    //| 'idempotent-append': 'TODO step 07',
    // @end
    // @steps 00..08
    //| snapshots: 'TODO step 09',
    // @end
    // @steps 00..09
    //| checkpoints: 'TODO step 10',
  //| };
    // @end
  // @steps 10..
  readonly unsupported: UnsupportedCapabilities = {};
  // @end
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
    // @steps 07..
    // A retry of an append that already committed is answered from what is stored.
    const earlier = await this.findEarlierAppend(input.streamId, input.events);
    if (earlier) return earlier;
    try {
      return await this.appendNew(input);
    } catch (error) {
      // An identical retry racing us committed first (unique event_id, SQLSTATE 23505): answer as a retry.
      if ((error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'events_event_id_key') {
        const raced = await this.findEarlierAppend(input.streamId, input.events);
        if (raced) return raced;
      }
      throw error;
    }
  }

  /** None of the ids stored: undefined. An exact earlier append (same stream, ids, order): its result. Else refused. */
  private async findEarlierAppend(streamId: string, events: ValidatedEvent[]): Promise<AppendResult | undefined> {
    const ids = events.map((e) => e.id);
    const { rows } = await this.pool.query<{ event_id: string; stream_id: string; stream_version: string; position: string; transaction_id: string }>(
      'SELECT event_id, stream_id, stream_version, position, transaction_id FROM events WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    if (rows.length === 0) return undefined;
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    const stored = ids.map((id) => byId.get(id));
    const isRetry =
      stored.every((r) => r !== undefined && r.stream_id === streamId) &&
      stored.every((r, i) => i === 0 || Number(r!.stream_version) === Number(stored[i - 1]!.stream_version) + 1);
    if (!isRetry) {
      throw new DuplicateEventIdError(streamId, rows.map((r) => r.event_id), 'they are stored already, and this batch is not an exact retry');
    }
    const last = stored[stored.length - 1]!;
    return { nextExpectedVersion: Number(last.stream_version), globalPosition: packPosition(BigInt(last.transaction_id), BigInt(last.position)) };
  }

  /** The append of steps 01-02: claim the versions, insert the events, in one transaction. */
  private appendNew(input: ReturnType<typeof validateAppend>): Promise<AppendResult> {
    // @end
    return this.inTransaction(async (client) => {
      // @steps 00..00
      //| // TODO step 01: find the stream's current version (no events yet: -1), insert the events with
      //| // the versions after it, and return the version and position of the last one.
      //| throw todo('01', `appendToStream: insert the ${input.events.length} event(s) into the events table`);
      // @end
      // @steps 01..01
      //| // The stream's current version: -1 when it has no events yet. (Step 02 shows why reading it and
      //| // then inserting is not safe once several writers append to the same stream.)
      //| const { rows } = await client.query<{ current: string | null }>(
        //| 'SELECT max(stream_version) AS current FROM events WHERE stream_id = $1',
        //| [input.streamId],
      //| );
      //| const current = rows[0]?.current == null ? -1 : Number(rows[0].current);
      // @end
      // @steps 02..
      // Check the expected version and claim the versions in one statement (see claimVersions).
      const lastVersion = await claimVersions(client, input.streamId, input.expectedVersion, input.events.length);
      const current = lastVersion - input.events.length;
      // @end
      // @steps 01..04
      //| let last: { position: string } | undefined;
      // @end
      // @steps 05..
      let last: { position: string; transaction_id: string } | undefined;
      // @end
      // @steps 01..
      for (const [i, e] of input.events.entries()) {
      // @end
        // @steps 01..04
        //| const inserted = await client.query<{ position: string }>(
          //| 'INSERT INTO events (event_id, stream_id, stream_version, type, data) VALUES ($1, $2, $3, $4, $5) RETURNING position',
        // @end
        // @steps 05..
        const inserted = await client.query<{ position: string; transaction_id: string }>(
        // @end
          // @steps 05..07
          //| 'INSERT INTO events (event_id, stream_id, stream_version, type, data) VALUES ($1, $2, $3, $4, $5) RETURNING position, transaction_id',
          // @end
          // @steps 01..07
          //| [e.id, input.streamId, current + 1 + i, e.type, e.dataJson],
          // @end
          // @steps 08..
          'INSERT INTO events (event_id, stream_id, stream_version, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6) RETURNING position, transaction_id',
          [e.id, input.streamId, current + 1 + i, e.type, e.dataJson, e.metadataJson],
          // @end
        // @steps 01..
        );
        last = inserted.rows[0];
      }
        // @end
      // @steps 01..04
      //| return { nextExpectedVersion: current + input.events.length, globalPosition: BigInt(last!.position) };
      // @end
      // @steps 05..
      return { nextExpectedVersion: current + input.events.length, globalPosition: packPosition(BigInt(last!.transaction_id), BigInt(last!.position)) };
      // @end
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    // @steps 00..02
    //| if (direction === 'backward') throw todo('03', 'readStream backwards: newest first, fromVersion counting down');
    // @end
    // @steps 00..00
    //| // TODO step 01: select the stream's events from `fromVersion` (default 0) in version order, at most
    //| // `maxCount` of them (LIMIT NULL means no limit), and map the rows with toRecorded.
    //| throw todo('01', `readStream: select the events of '${streamId}' in version order`);
    // @end
    // @steps 03..
    const forward = direction === 'forward';
    // @end
    // @steps 01..02
    //| const { rows } = await this.pool.query<EventRow>(
      //| `SELECT ${EVENT_COLUMNS} FROM events
        //| WHERE stream_id = $1 AND stream_version >= $2
        //| ORDER BY stream_version
        //| LIMIT $3`,
      //| [streamId, fromVersion ?? 0, maxCount ?? null],
    //| );
    //| return rows.map(toRecorded);
    // @end
    // @steps 03..
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE stream_id = $1 AND stream_version ${forward ? '>=' : '<='} $2
        ORDER BY stream_version ${forward ? 'ASC' : 'DESC'}
        LIMIT $3`,
      [streamId, fromVersion ?? (forward ? 0 : Number.MAX_SAFE_INTEGER), maxCount ?? null],
    );
    return rows.map(toRecorded);
    // @end
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    // @steps 00..03
    //| throw todo('04', 'readAll: select the events of every stream in global position order');
    // @end
    // @steps 04..
    const forward = direction === 'forward';
    // @end
    // @steps 04..04
    //| // Looks right, passes read.all-ordered, and is the trap of step 05: positions are drawn at INSERT,
    //| // but transactions commit in any order.
    // @end
    // @steps 05..
    const { transactionId, position } = unpackPosition(fromPosition ?? (forward ? 0n : MAX_POSITION));
    // Only transactions older than every running one are returned, in (transaction_id, position) order:
    // a transaction still running cannot commit an event behind a position we hand out now.
    // @end
    // @steps 04..04
    //| const { rows } = await this.pool.query<EventRow>(
      //| `SELECT ${EVENT_COLUMNS} FROM events
        //| WHERE position ${forward ? '>=' : '<='} $1
        //| ORDER BY position ${forward ? 'ASC' : 'DESC'}
        //| LIMIT $2`,
      //| [(fromPosition ?? (forward ? 0n : (1n << 63n) - 1n)).toString(), maxCount ?? DEFAULT_READ_ALL_PAGE],
    //| );
    // @end
    // @steps 05..
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE (transaction_id, position) ${forward ? '>=' : '<='} ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id ${forward ? 'ASC' : 'DESC'}, position ${forward ? 'ASC' : 'DESC'}
        LIMIT $3`,
      [transactionId.toString(), position.toString(), maxCount ?? DEFAULT_READ_ALL_PAGE],
    );
    // @end
    // @steps 04..
    return rows.map(toRecorded);
    // @end
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    // @steps 00..05
    //| throw todo('06', 'subscribeToAll: use createPollingSubscription from labs/core');
    // @end
    // @steps 06..
    return createPollingSubscription(
      {
        // Read a page after the cursor; the loop asks for no more than its buffer has room for.
        readAfter: async (after: bigint | undefined, maxCount) => {
          const events = await this.readAll({ fromPosition: after === undefined ? 0n : after + 1n, maxCount });
          return { events, cursor: events.at(-1)?.globalPosition ?? after };
        },
      },
      options.afterPosition,
      options,
    );
    // @end
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    // @steps 00..05
    //| throw todo('06', 'subscribeToStream: use createPollingSubscription from labs/core');
    // @end
    // @steps 06..
    validateStreamId(streamId, this.limits);
    return createPollingSubscription(
      {
        readAfter: async (after: number | undefined, maxCount) => {
          const events = await this.readStream(streamId, { fromVersion: after === undefined ? 0 : after + 1, maxCount });
          return { events, cursor: events.at(-1)?.streamVersion ?? after };
        },
      },
      options.afterVersion,
      options,
    );
    // @end
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

// @steps 02..
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

// @end
/** Step 09: the latest snapshot of each stream. */
class Snapshots implements SnapshotStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    // @steps 00..08
    //| throw new UnsupportedCapabilityError('postgres (workshop)', 'snapshots', 'TODO step 09');
    // @end
    // @steps 09..
    const { rows } = await this.pool.query<{ stream_version: string; schema_version: number; state: JsonValue }>(
      'SELECT stream_version, schema_version, state FROM snapshots WHERE stream_id = $1',
      [streamId],
    );
    const row = rows[0];
    return row ? { streamVersion: Number(row.stream_version), schemaVersion: row.schema_version, state: row.state } : undefined;
    // @end
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    // @steps 00..08
    //| throw new UnsupportedCapabilityError('postgres (workshop)', 'snapshots', 'TODO step 09');
    // @end
    // @steps 09..
    // Never replace a newer snapshot with an older one (two loaders may race).
    await this.pool.query(
      `INSERT INTO snapshots (stream_id, stream_version, schema_version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET stream_version = EXCLUDED.stream_version,
         schema_version = EXCLUDED.schema_version, state = EXCLUDED.state
       WHERE snapshots.stream_version <= EXCLUDED.stream_version`,
      [streamId, snapshot.streamVersion, snapshot.schemaVersion, JSON.stringify(snapshot.state)],
    );
    // @end
  }
}

/** Step 10: how far each subscriber got. */
class Checkpoints implements CheckpointStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    // @steps 00..09
    //| throw new UnsupportedCapabilityError('postgres (workshop)', 'checkpoints', 'TODO step 10');
    // @end
    // @steps 10..
    const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM checkpoints WHERE subscriber_id = $1', [subscriberId]);
    return rows[0] ? BigInt(rows[0].position) : undefined;
    // @end
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    // @steps 00..09
    //| throw new UnsupportedCapabilityError('postgres (workshop)', 'checkpoints', 'TODO step 10');
    // @end
    // @steps 10..
    await this.pool.query(
      'INSERT INTO checkpoints (subscriber_id, position) VALUES ($1, $2) ON CONFLICT (subscriber_id) DO UPDATE SET position = EXCLUDED.position',
      [subscriberId, position.toString()],
    );
    // @end
  }
}

// @steps 00..09
//| function todo(step: string, what: string): Error {
  //| return new Error(`TODO step ${step}: ${what}`);
//| }
//|
// @end