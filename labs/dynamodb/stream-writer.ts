/**
 * APPENDING: a batch becomes a member of the next log entry (the intent, group-commit.ts), then its
 * commit item goes in under attribute_not_exists at the stream slot it may take (the commit point).
 * table.ts explains why each step is there; stream-head.ts holds the pure decisions.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { assertNotTombstoned, type AppendResult, type ValidatedAppend } from '../core/index.ts';
import { AppendContentionError, isConditionalCheckFailed } from './errors.ts';
import { GroupCommitLog, type GroupMember, type Placement } from './group-commit.ts';
import { commitItem, logEntryItem, num, prepareBatch, str, type PreparedBatch } from './items.ts';
import { LOG_KEY, packPosition, streamKey } from './keys.ts';
import { getCommitItem, markMembers } from './log-marks.ts';
import { assertExpectedVersion, findEarlierAppend, guessSlot, nextSlot, type StreamHead } from './stream-head.ts';
import type { TableAccess } from './table-access.ts';

/** `any` and `stream_exists` appends retry on the next slot when another writer took theirs. */
const MAX_APPEND_ATTEMPTS = 25;
/** Stream tails remembered by one store (see `guessSlot`); the oldest are forgotten first. */
const MAX_KNOWN_TAILS = 100_000;

/** An append waiting for its place in the log. */
interface QueuedMember extends GroupMember {
  batch: PreparedBatch;
}

/** The group commit of the global log, with its I/O; one per process and table (table-session.ts). */
export type AppendLog = GroupCommitLog<QueuedMember>;

/** `onMarked`: called once the writer marked a log entry (readers in this process may wake up). */
export function createLog(table: TableAccess, onMarked: () => void): AppendLog {
  return new GroupCommitLog<QueuedMember>({
    newestCommit: () => newestCommit(table),
    putEntry: (commit, writer, members, offsets) =>
      table.putNew('PutItem log entry', logEntryItem(commit, writer, members.map((m, i) => ({ batch: m.batch, slot: m.slot, offset: offsets[i]! })))),
    writerAt: async (commit) => (await table.getItem('GetItem log writer', LOG_KEY, commit, 'w'))?.w?.S,
    mark: (commit, states) => markMembers(table, commit, states).finally(onMarked),
  });
}

/** Number of the newest log entry (0: empty log). */
async function newestCommit(table: TableAccess): Promise<number> {
  const [newest] = await table.queryPage('Query newest log entry', {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': { S: LOG_KEY } },
    ProjectionExpression: 'sk',
    ScanIndexForward: false,
    Limit: 1,
  });
  return newest ? num(newest.sk) : 0;
}

export class StreamWriter {
  /** Highest version this store has seen in each stream (a version, once written, stays). */
  private readonly knownTails = new Map<string, number>();

  constructor(
    private readonly table: TableAccess,
    private readonly log: AppendLog,
  ) {}

  /** Remembers the highest version seen in a stream: the next append there can guess its slot. */
  private rememberTail(streamId: string, lastVersion: number): void {
    const known = this.knownTails.get(streamId);
    if (known !== undefined && known >= lastVersion) return;
    this.knownTails.delete(streamId); // re-inserted last: the Map's order is then oldest-first
    this.knownTails.set(streamId, lastVersion);
    if (this.knownTails.size > MAX_KNOWN_TAILS) this.knownTails.delete(this.knownTails.keys().next().value!);
  }

  async append(input: ValidatedAppend): Promise<AppendResult> {
    const batch = prepareBatch(input.streamId, input.events);
    const ids = batch.events.map((e) => e.id);
    // Ids the caller chose may already be stored (a retry): only then must the stream be read first.
    const mayBeRetry = input.events.some((e) => e.idSupplied);

    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
      let slot = attempt === 1 && !mayBeRetry ? guessSlot(input.expectedVersion, this.knownTails.get(input.streamId)) : undefined;
      if (slot === undefined) {
        const head = await this.readStreamHead(input.streamId);
        assertNotTombstoned(input.streamId, head.tombstoned === true);
        const earlier = findEarlierAppend(input.streamId, head, ids);
        if (earlier) return earlier;
        assertExpectedVersion(input.streamId, input.expectedVersion, head.lastVersion);
        slot = nextSlot(head.lastVersion);
      }
      const result = await this.commit(batch, slot);
      if (result) return result;
      // Another writer took the slot (or the guess was stale). Read again: the next pass answers
      // WrongExpectedVersion (exact expectations), the original result (a racing retry), or tries the
      // next slot (`any`, `stream_exists`).
      this.knownTails.delete(input.streamId);
    }
    throw new AppendContentionError(input.streamId, MAX_APPEND_ATTEMPTS);
  }

  /** The stream's last version, every stored event id and its tombstone, by one consistent Query (paged). */
  async readStreamHead(streamId: string): Promise<StreamHead> {
    const head: StreamHead = { lastVersion: undefined, ids: new Map() };
    const items = await this.table.queryAll('Query stream head', {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: streamKey(streamId) } },
      ProjectionExpression: 'sk, #last, #c, #o, #ids, tomb',
      ExpressionAttributeNames: { '#last': 'last', '#c': 'c', '#o': 'o', '#ids': 'ids' },
    });
    for (const item of items) {
      if (item.tomb?.BOOL) {
        head.tombstoned = true; // holds no events; the versions before it are the commits' (stream-lifecycle.ts)
        continue;
      }
      const first = num(item.sk);
      const commit = num(item.c);
      const offset = num(item.o);
      str(item.ids)
        .split(',')
        .forEach((id, index) => head.ids.set(id, { streamVersion: first + index, globalPosition: packPosition(commit, offset + index) }));
      head.lastVersion = Math.max(head.lastVersion ?? -1, num(item.last));
    }
    if (head.lastVersion !== undefined) this.rememberTail(streamId, head.lastVersion);
    return head;
  }

  /**
   * Writes the batch at `slot`: a place in the next log entry (the intent, shared with the appends that
   * arrived meanwhile), then the commit item under attribute_not_exists. Returns undefined when another
   * writer holds the slot (the member is then marked void, so readers pass it at once).
   */
  private async commit(batch: PreparedBatch, slot: number): Promise<AppendResult | undefined> {
    const placement: Placement = await this.log.place({ batch, streamId: batch.streamId, slot, eventCount: batch.events.length, sizeBytes: batch.memberBytes });
    const { commit, offset } = placement;
    const last = batch.events.length - 1;
    try {
      await this.table.send('PutItem commit', (c) =>
        c.send(new PutItemCommand({ TableName: this.table.tableName, Item: commitItem(batch, slot, commit, offset), ConditionExpression: 'attribute_not_exists(pk)' })),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) {
        placement.report('unknown'); // outcome unknown: the member stays pending; readers resolve it
        throw error;
      }
      // The slot is taken: by another writer, or by us (a reader completed our member, or the SDK
      // retried a put that had landed). The commit number and offset in the slot tell which.
      const holder = await getCommitItem(this.table, batch.streamId, slot).catch((e: unknown) => {
        placement.report('unknown');
        throw e;
      });
      if (holder === undefined || num(holder.c) !== commit || num(holder.o) !== offset) {
        placement.report('void');
        return undefined;
      }
    }
    placement.report('committed');
    this.rememberTail(batch.streamId, slot + last);
    return { nextExpectedVersion: slot + last, globalPosition: packPosition(commit, offset + last) };
  }
}
