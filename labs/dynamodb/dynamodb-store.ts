/**
 * The DynamoDB event store: the contract implemented with conditional writes only (no transactions,
 * no Streams), so that it runs on dynalite, DynamoDB Local and AWS alike.
 * Read table.ts first: the table design carries the guarantees. This file wires the parts onto the
 * store shell (labs/core/store-base.ts), which validates every call and keeps the contract's rules:
 *   stream-writer.ts  appending (group-commit.ts writes the log, stream-head.ts decides)
 *   log-reader.ts     reading $all (log-entries.ts decides what a reader does with an unfinished entry)
 *   stream-reader.ts  reading one stream
 *   checkpoints-and-snapshots.ts, items.ts (the item codecs), table-access.ts (every request, counted)
 */
import { EventEmitter } from 'node:events';
import {
  DEFAULT_LIMITS,
  EventStoreBase,
  type AllPageRequest,
  type AppendResult,
  type RecordedEvent,
  type StoreLimits,
  type StreamPageRequest,
  type ValidatedAppend,
} from '../core/index.ts';
import { DynamoDbCheckpoints, DynamoDbSnapshots } from './checkpoints-and-snapshots.ts';
import { AWS_CONNECTION, createDynamoDbClient, type AwsConnection } from './client.ts';
import { isDynamoDbUnavailable } from './errors.ts';
import { describePosition } from './keys.ts';
import { LogReader } from './log-reader.ts';
import { readStreamPage } from './stream-reader.ts';
import { StreamWriter } from './stream-writer.ts';
import { DEFAULT_TABLE, ensureTable, probeEndpointFeatures, type EndpointFeatures } from './table.ts';
import { RequestCounter, TableAccess } from './table-access.ts';

export { RequestCounter };

/**
 * One event may use at most 384 KiB of JSON: its commit item (and its log entry) adds the keys, the
 * stream id (up to 800 bytes of UTF-8), the event id and attribute names, and must stay under 400 KB.
 * Batches are checked as a whole against the item limit (BatchTooLargeError). A snapshot's state gets
 * the same 384 KiB: its item adds `snapshot#` and the stream id (at most ~810 bytes) and four short
 * attributes, so it always fits, and a bigger one is refused by the shell with InvalidSnapshotError.
 */
export const DYNAMODB_LIMITS: StoreLimits = { ...DEFAULT_LIMITS, maxEventBytes: 384 * 1024, maxStreamIdLength: 200, maxSnapshotBytes: 384 * 1024 };

/** Default time a reader waits on an unresolved commit number before closing or completing it. */
export const DEFAULT_ABANDON_AFTER_MS = 3000;

export interface DynamoDbStoreOptions {
  endpoint: string;
  tableName?: string;
  /** Creates the table when it is missing (the lab and tests do this once, at start). */
  ensureTable?: boolean;
  abandonAfterMs?: number;
  limits?: Partial<StoreLimits>;
  /** Region and credentials; by default this process's environment, read once (client.ts). */
  connection?: AwsConnection;
}

export class DynamoDbEventStore extends EventStoreBase {
  readonly backend = 'dynamodb';
  readonly tableName: string;
  /** What the endpoint was found to support, when the store was opened with `connect`. */
  features: EndpointFeatures | undefined;
  protected readonly checkpointPort: DynamoDbCheckpoints;
  protected readonly snapshotPort: DynamoDbSnapshots;
  private readonly table: TableAccess;
  private readonly writer: StreamWriter;
  private readonly reader: LogReader;
  /** Emits 'change' once this store's writer marked a log entry: its own subscribers need no poll. */
  private readonly changes = new EventEmitter().setMaxListeners(0);

  constructor(options: DynamoDbStoreOptions) {
    super({ ...DYNAMODB_LIMITS, ...options.limits });
    this.tableName = options.tableName ?? DEFAULT_TABLE;
    this.table = new TableAccess(createDynamoDbClient(options.endpoint, options.connection ?? AWS_CONNECTION), this.tableName);
    this.writer = new StreamWriter(this.table, () => this.changes.emit('change'));
    this.reader = new LogReader(this.table, options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS);
    this.checkpointPort = new DynamoDbCheckpoints(this.table);
    this.snapshotPort = new DynamoDbSnapshots(this.table);
  }

  static async connect(options: DynamoDbStoreOptions & { probe?: boolean }): Promise<DynamoDbEventStore> {
    const store = new DynamoDbEventStore(options);
    try {
      if (options.ensureTable) await ensureTable(store.table.client, store.tableName);
      if (options.probe) store.features = await probeEndpointFeatures(store.table.client, store.tableName);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Requests sent, by operation: the lab, the tests and the stress script read round trips from it. */
  get requests(): RequestCounter {
    return this.table.requests;
  }

  /** Log entries written, appends they held (the average group size) and races lost to other processes. */
  get groupCommitStats(): { entries: number; members: number; lostRaces: number } {
    return this.writer.stats;
  }

  /** Waits for background work (marks of log entries); close() does it, tests that count requests too. */
  async idle(): Promise<void> {
    await Promise.all([this.writer.idle(), this.reader.idle()]);
  }

  describePosition(position: bigint): string {
    return describePosition(position);
  }

  protected appendValidated(append: ValidatedAppend): Promise<AppendResult> {
    return this.writer.append(append);
  }

  protected readStreamPage(streamId: string, request: StreamPageRequest): Promise<RecordedEvent[]> {
    return readStreamPage(this.table, streamId, request);
  }

  protected readAllPage(request: AllPageRequest): Promise<RecordedEvent[]> {
    return this.reader.readPage(request);
  }

  /**
   * Subscriptions poll (dynalite has no Streams, and reading the log is what resolves it anyway). A
   * subscriber of the store that wrote is woken once the writer marked its entry, so it reads the new
   * events without waiting for its poll interval, and finds them marked (no slot lookup). Other
   * processes' appends are found by the poll.
   */
  protected override waitForChange(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.changes.off('change', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.changes.on('change', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  protected override isUnavailable(error: unknown): boolean {
    return isDynamoDbUnavailable(error);
  }

  protected async closeResources(): Promise<void> {
    await this.idle();
    this.table.close();
  }
}
