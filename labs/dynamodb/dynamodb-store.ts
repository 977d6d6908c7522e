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
import {
  DEFAULT_LIMITS,
  EventStoreBase,
  type AllPageRequest,
  type AppendResult,
  type RecordedEvent,
  type StoreLimits,
  type RetentionPolicy,
  type StreamPageRequest,
  type ValidatedAppend,
  type ValidatedDelete,
  waitForWakeUp,
} from '../core/index.ts';
import { DynamoDbCheckpoints, DynamoDbSnapshots } from './checkpoints-and-snapshots.ts';
import { DynamoDbLeases } from './leases.ts';
import { AWS_CONNECTION, type AwsConnection } from './client.ts';
import { isDynamoDbUnavailable } from './errors.ts';
import { describePosition } from './keys.ts';
import { LogReader } from './log-reader.ts';
import { readStreamPage } from './stream-reader.ts';
import { describeTableRetention } from './retention.ts';
import { StreamLifecycle } from './stream-lifecycle.ts';
import { DynamoDbSubjectKeys } from './subject-keys.ts';
import { StreamWriter } from './stream-writer.ts';
import { DEFAULT_TABLE, ensureTable, probeEndpointFeatures, type EndpointFeatures } from './table.ts';
import { RequestCounter, type TableAccess } from './table-access.ts';
import { acquireSession, type TableSession } from './table-session.ts';

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
  /**
   * True (default): share the client, the request counter and the group commit of the log with the
   * other stores of this process on the same endpoint and table (table-session.ts). False: a client and
   * a group commit of its own, as a store in another process has (tests of racing log writers).
   */
  shareLogWriter?: boolean;
}

export class DynamoDbEventStore extends EventStoreBase {
  readonly backend = 'dynamodb';
  readonly tableName: string;
  /** What the endpoint was found to support, when the store was opened with `connect`. */
  features: EndpointFeatures | undefined;
  protected readonly checkpointPort: DynamoDbCheckpoints;
  protected readonly snapshotPort: DynamoDbSnapshots;
  protected override readonly leasePort: DynamoDbLeases;
  private readonly session: TableSession;
  private readonly table: TableAccess;
  private readonly writer: StreamWriter;
  private readonly reader: LogReader;
  private readonly lifecycle: StreamLifecycle;

  constructor(options: DynamoDbStoreOptions) {
    super({ ...DYNAMODB_LIMITS, ...options.limits });
    this.tableName = options.tableName ?? DEFAULT_TABLE;
    this.session = acquireSession(options.endpoint, this.tableName, options.connection ?? AWS_CONNECTION, options.shareLogWriter ?? true);
    this.table = this.session.table;
    this.writer = new StreamWriter(this.table, this.session.log);
    const log = this.session.log;
    this.reader = new LogReader(this.table, options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS, (commit) => log.settlingStates(commit));
    this.lifecycle = new StreamLifecycle(this.table, (streamId) => this.writer.readStreamHead(streamId));
    this.subjectKeyPort = new DynamoDbSubjectKeys(this.table);
    this.checkpointPort = new DynamoDbCheckpoints(this.table);
    this.snapshotPort = new DynamoDbSnapshots(this.table);
    this.leasePort = new DynamoDbLeases(this.table);
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

  /**
   * Requests sent, by operation: the lab, the tests and the stress script read round trips from it.
   * Counted per session: the stores of one process on one table share it (table-session.ts).
   */
  get requests(): RequestCounter {
    return this.table.requests;
  }

  /** Log entries written, appends they held (the average group size) and races lost, for the session. */
  get groupCommitStats(): { entries: number; members: number; lostRaces: number } {
    return { ...this.session.log.stats };
  }

  /** Waits for background work (marks of log entries); close() does it, tests that count requests too. */
  async idle(): Promise<void> {
    await Promise.all([this.session.log.idle(), this.reader.idle()]);
  }

  describePosition(position: bigint): string {
    return describePosition(position);
  }

  protected appendValidated(append: ValidatedAppend): Promise<AppendResult> {
    return this.writer.append(append);
  }

  protected retentionPort(): Promise<RetentionPolicy> {
    return describeTableRetention(this.table.client, this.tableName);
  }

  protected override deleteStreamValidated(request: ValidatedDelete): Promise<void> {
    return this.lifecycle.delete(request);
  }

  protected override truncateStreamValidated(streamId: string, beforeVersion: number): Promise<void> {
    return this.lifecycle.truncate(streamId, beforeVersion);
  }

  protected readStreamPage(streamId: string, request: StreamPageRequest): Promise<RecordedEvent[]> {
    return readStreamPage(this.table, streamId, request);
  }

  protected readAllPage(request: AllPageRequest): Promise<RecordedEvent[]> {
    return this.reader.readPage(request);
  }

  /**
   * Subscriptions poll (dynalite has no Streams, and reading the log is what resolves it anyway). A
   * subscriber in the process that wrote is woken once the log writer marked the entry, so it reads the
   * new events without waiting for its poll interval, and finds them marked (no slot lookup). Other
   * processes' appends are found by the poll.
   */
  protected override waitForChange(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return waitForWakeUp(this.session.changes, 'change', signal, timeoutMs);
  }

  protected override isUnavailable(error: unknown): boolean {
    return isDynamoDbUnavailable(error);
  }

  protected async closeResources(): Promise<void> {
    await this.reader.idle();
    await this.session.release();
  }
}
