/**
 * Your DynamoDB event store: the file you grow, step by step, until it passes the whole conformance
 * suite. Each step's README (workshop/dynamodb/steps/) says which TODOs to fill; check your work with
 *   npm run workshop -- check dynamodb 01
 * and ask for a hint with
 *   npm run workshop -- hint dynamodb 01
 *
 * The contract you implement is `EventStore` in labs/core/event-store.ts. Validation, errors and the
 * subscription loop are given (labs/core); so are the table's items and plain requests (../table.ts).
 * The DynamoDB work (keys, conditions, queries, the global order) is yours. The checker creates a
 * fresh table for every check.
 *
 * The table's layout, the item codecs (commitItem, decodeCommit, logItem, …) and the plain requests
 * (table.putItem, getItem, queryAll, queryPage, send) are given in workshop/dynamodb/table.ts.
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
import { randomUUID } from 'node:crypto';
import { PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_READ_ALL_PAGE,
  DuplicateEventIdError,
  UnsupportedCapabilityError,
  WrongExpectedVersionError,
  createPollingSubscription,
  validateAppend,
  validateReadAllOptions,
  validateReadStreamOptions,
  validateStreamId,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type StoreLimits,
  type SubscribeToAllOptions,
  type SubscribeToStreamOptions,
  type Subscription,
  type UnsupportedCapabilities,
  type ValidatedEvent,
} from '../../../labs/core/index.ts';
import { EVENTS_PER_COMMIT, isConditionalCheckFailed, packPosition, unpackPosition } from '../../../labs/dynamodb/index.ts';
import {
  COUNTER,
  LOG,
  STREAM,
  Table,
  commitItem,
  commitToRecorded,
  decodeCommit,
  decodeEvents,
  decodeLogEntry,
  eventsAttribute,
  key,
  logItem,
  num,
  str,
  type Commit,
  type LogEntry,
  type StoredEvent,
} from '../table.ts';

/** The checker calls this for every store instance it needs (the suite opens several at once). */
export async function createStore(connection: string): Promise<EventStore> {
  return new WorkshopDynamoDbStore(connection);
}

/**
 * A DynamoDB item holds at most 400 KB, and one append is one item: an event may use at most 384 KiB of
 * JSON, and a batch that does not fit is refused by DynamoDB (ValidationException -> InvalidInputError).
 */
const LIMITS: StoreLimits = { maxEventBytes: 384 * 1024, maxStreamIdLength: 200, maxSnapshotBytes: 384 * 1024, nulInText: true };

class WorkshopDynamoDbStore implements EventStore {
  readonly backend = 'dynamodb (workshop)';
  readonly unsupported: UnsupportedCapabilities = {
    'read-backward': 'TODO step 03',
    'global-order': 'TODO step 04',
    subscriptions: 'TODO step 06',
    'idempotent-append': 'TODO step 07',
    snapshots: 'TODO step 09',
    checkpoints: 'TODO step 10',
  };
  readonly limits = LIMITS;
  readonly checkpoints: CheckpointStore;
  readonly snapshots: SnapshotStore;
  private readonly table: Table;

  constructor(connection: string) {
    this.table = new Table(connection);
    this.checkpoints = new Checkpoints(this.table);
    this.snapshots = new Snapshots(this.table);
  }

  // ------------------------------------------------------------------------------------------- append

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const input = validateAppend(streamId, events, options.expectedVersion, this.limits, this.backend);
    // TODO step 01: read the stream's commit items (readCommits), put ONE commit item holding the whole
    // batch at sort key = the stream's last version + 1 (commitItem builds it; until step 04 use that
    // version as its `commit` number too), and return the version and position of its last event.
    // (TODO step 02 comes back here: check input.expectedVersion and make the put conditional.)
    throw todo('01', `appendToStream: put one commit item holding the ${input.events.length} event(s)`);
  }

  // ------------------------------------------------------------------------------------ read a stream

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    validateStreamId(streamId, this.limits);
    const { direction, fromVersion, maxCount } = validateReadStreamOptions(options);
    // TODO step 01: the stream's events from `fromVersion` (default 0) in version order, at most `maxCount`
    // of them: readCommits, then commitToRecorded on each commit.
    throw todo('01', `readStream: query the partition of '${streamId}' and return its events in version order`);
  }

  /** Every commit item of a stream, in version order: one consistent Query of its partition, paged. */
  private async readCommits(streamId: string): Promise<Commit[]> {
    // TODO step 01: Query the items whose pk is STREAM(streamId) (queryAll does the paging and asks for
    // a strongly consistent read), and decode each with decodeCommit.
    throw todo('01', `readCommits: query the partition '${STREAM(streamId)}'`);
  }

  // ----------------------------------------------------------------------------------------- read all

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { direction, fromPosition, maxCount } = validateReadAllOptions(options);
    throw todo('04', 'readAll: number every commit from an atomic counter and read the $all log partition in order');
  }

  // ------------------------------------------------------------------------------------ subscriptions

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    throw todo('06', 'subscribeToAll: use createPollingSubscription from labs/core');
  }

  subscribeToStream(streamId: string, options: SubscribeToStreamOptions = {}): Subscription {
    throw todo('06', 'subscribeToStream: use createPollingSubscription from labs/core');
  }

  async close(): Promise<void> {
    this.table.close();
  }

  // ------------------------------------------------------------------------ the conditional put

  /** A PutItem that only writes when no item has this key. False when one exists. */
  private async putIfAbsent(item: Record<string, AttributeValue>): Promise<boolean> {
    try {
      await this.table.send((c) => c.send(new PutItemCommand({ TableName: this.table.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

// ------------------------------------------------------------------------------ versions, idempotency

function lastVersionOf(commits: Commit[]): number {
  const last = commits.at(-1);
  return last ? last.first + last.events.length - 1 : -1;
}

// --------------------------------------------------------------------------------- events as stored

function toStored(event: ValidatedEvent): StoredEvent {
  return { id: event.id, type: event.type, dataJson: event.dataJson, metadataJson: '{}' }; // TODO step 08: keep event.metadataJson
}

// ------------------------------------------------------------------------------- snapshots, checkpoints

/** Step 09: the latest snapshot of each stream, one item per stream. */
class Snapshots implements SnapshotStore {
  constructor(private readonly table: Table) {}

  async load(streamId: string): Promise<Snapshot | undefined> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'snapshots', 'TODO step 09');
  }

  async save(streamId: string, snapshot: Snapshot): Promise<void> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'snapshots', 'TODO step 09');
  }
}

/** Step 10: how far each subscriber got, one item per subscriber. */
class Checkpoints implements CheckpointStore {
  constructor(private readonly table: Table) {}

  async load(subscriberId: string): Promise<bigint | undefined> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'checkpoints', 'TODO step 10');
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    throw new UnsupportedCapabilityError('dynamodb (workshop)', 'checkpoints', 'TODO step 10');
  }
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
