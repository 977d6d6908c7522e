/**
 * DELETING AND TRUNCATING STREAMS on the table (the rules: labs/core/stream-lifecycle.ts; the table:
 * table.ts). Commit items are never removed — the slot chain from version 0 is what makes every
 * conditional put land right after the tail (table.ts) — so erasing is rewriting them:
 * - an ERASED EVENT keeps its place in its commit item's `ev` as `{"i":<id>,"x":1}` (its data, metadata
 *   and type are gone; the id stays, for idempotent retries); readers skip it. A batch can be cut inside.
 * - a TOMBSTONE is an item in the slot after the stream's last version (`tomb`, no events, commit -1):
 *   it is put under attribute_not_exists like a commit, so it is the hard delete's commit point — an
 *   append that took the slot first makes the put fail (the delete reads again), and any append after it
 *   finds the slot taken, reads the stream, sees the tombstone and gets StreamDeletedError.
 * Soft delete and truncate need no such point: they erase what the consistent read saw (up to version L);
 * an append racing them lands at L+1 and is kept — as if it came right after the delete.
 * Every event is stored twice — in its commit item and in the log entry of its group commit ($all, shared
 * with other streams' appends), which readAll and subscriptions read — so both copies are rewritten, the
 * log entry's first (`deletion-removes-from-all`). What this does NOT erase: whatever point-in-time
 * recovery, backups, global-table replicas or Streams consumers hold (docs/labs/dynamodb.md).
 */
import { DeleteItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { assertExpectedVersion, assertNotTombstoned, assertTruncationWithinStream, type ValidatedDelete } from '../core/index.ts';
import { isConditionalCheckFailed } from './errors.ts';
import { num, str } from './items.ts';
import { LOG_KEY, snapshotKey, streamKey } from './keys.ts';
import type { StreamHead } from './stream-head.ts';
import type { TableAccess } from './table-access.ts';

/** A hard delete that keeps losing its slot to appends gives up (as an append does after 25 tries). */
const MAX_DELETE_ATTEMPTS = 25;

/** The tombstone: the slot after the last version, with no events; `last` keeps the chain's arithmetic. */
function tombstoneItem(streamId: string, slot: number) {
  return {
    pk: { S: streamKey(streamId) },
    sk: { N: String(slot) },
    last: { N: String(slot - 1) },
    c: { N: '-1' },
    o: { N: '-1' },
    ids: { S: '' },
    at: { S: new Date().toISOString() },
    ev: { S: '[]' },
    tomb: { BOOL: true },
  };
}

export class StreamLifecycle {
  constructor(
    private readonly table: TableAccess,
    private readonly readHead: (streamId: string) => Promise<StreamHead>,
  ) {}

  async delete({ streamId, expectedVersion, mode }: ValidatedDelete): Promise<void> {
    for (let attempt = 1; attempt <= MAX_DELETE_ATTEMPTS; attempt++) {
      const head = await this.readHead(streamId);
      if (head.tombstoned) {
        // A delete that crashed after its tombstone may have left data: finish it, then refuse.
        await this.erase(streamId, Number.MAX_SAFE_INTEGER);
        assertNotTombstoned(streamId, true);
      }
      assertExpectedVersion(streamId, expectedVersion, head.lastVersion, 'Delete of');
      const end = head.lastVersion === undefined ? 0 : head.lastVersion + 1;
      if (mode === 'hard') {
        const put = await this.table.putNew('PutItem tombstone', tombstoneItem(streamId, end));
        if (put !== 'written') {
          // Taken: by an append (read again, check again), or by this very tombstone when the SDK
          // retried a put that had landed ('unsure'), or by a racing hard delete (same outcome).
          const holder = await this.table.getItem('GetItem tombstone', streamKey(streamId), end);
          if (!holder?.tomb?.BOOL) continue;
        }
      } else if (head.lastVersion === undefined) {
        return; // nothing to delete
      }
      await this.erase(streamId, end);
      await this.table.send('DeleteItem snapshot', (c) =>
        c.send(new DeleteItemCommand({ TableName: this.table.tableName, Key: { pk: { S: snapshotKey(streamId) }, sk: { N: '0' } } })),
      );
      return;
    }
    throw new Error(`hard delete of stream '${streamId}' lost its slot to appends ${MAX_DELETE_ATTEMPTS} times`);
  }

  async truncate(streamId: string, beforeVersion: number): Promise<void> {
    const head = await this.readHead(streamId);
    assertNotTombstoned(streamId, head.tombstoned === true);
    assertTruncationWithinStream(streamId, beforeVersion, head.lastVersion);
    await this.erase(streamId, beforeVersion);
  }

  /** Erases every event below `beforeVersion` in the stream's commit items (idempotent). */
  private async erase(streamId: string, beforeVersion: number): Promise<void> {
    if (beforeVersion <= 0) return;
    const items = await this.table.queryAll('Query stream to erase', {
      KeyConditionExpression: 'pk = :pk AND sk < :before',
      ExpressionAttributeValues: { ':pk': { S: streamKey(streamId) }, ':before': { N: String(Math.min(beforeVersion, Number.MAX_SAFE_INTEGER)) } },
    });
    for (const item of items) {
      if (item.tomb?.BOOL) continue;
      const first = num(item.sk);
      const eraseBelow = (events: { i: string; x?: 1 }[]) => {
        let changed = false;
        const kept = events.map((e, index) => {
          if (e.x === 1 || first + index >= beforeVersion) return e;
          changed = true;
          return { i: e.i, x: 1 as const };
        });
        return changed ? JSON.stringify(kept) : undefined;
      };
      const erasedCommit = eraseBelow(JSON.parse(str(item.ev)) as { i: string; x?: 1 }[]);
      if (erasedCommit === undefined) continue;
      // The log entry's copy first: readAll and subscriptions read it (the commit item is the stream's).
      await this.eraseInLogEntry(streamId, first, num(item.c), eraseBelow);
      await this.rewrite('UpdateItem erase events', { pk: item.pk!, sk: item.sk! }, 'SET ev = :ev', { ':ev': { S: erasedCommit } });
    }
  }

  /**
   * Erases the same events in the log entry that holds the commit (its commit number `c`): the member of
   * this stream at this slot, found by reading the entry. Its other members (other streams' appends of the
   * same group commit) and its marks are other attributes of the item, untouched.
   */
  private async eraseInLogEntry(streamId: string, slot: number, commit: number, eraseBelow: (events: { i: string; x?: 1 }[]) => string | undefined): Promise<void> {
    const entry = await this.table.getItem('GetItem log entry to erase', LOG_KEY, commit);
    const index = (entry?.m?.L ?? []).findIndex((m) => m.M?.s?.S === streamId && m.M?.v?.N === String(slot));
    if (index < 0) return;
    const erased = eraseBelow(JSON.parse(str(entry!.m!.L![index]!.M!.ev)) as { i: string; x?: 1 }[]);
    if (erased === undefined) return;
    await this.rewrite('UpdateItem erase log entry', { pk: { S: LOG_KEY }, sk: { N: String(commit) } }, `SET m[${index}].ev = :ev`, { ':ev': { S: erased } });
  }

  private async rewrite(operation: string, key: Record<string, AttributeValue>, update: string, values: Record<string, AttributeValue>): Promise<void> {
    await this.table
      .send(operation, (c) =>
        c.send(
          new UpdateItemCommand({
            TableName: this.table.tableName,
            Key: key,
            UpdateExpression: update,
            // Never create an item: commit items and log entries are only ever rewritten here.
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: values,
          }),
        ),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  }
}
