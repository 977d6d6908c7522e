/**
 * READING `$all`: the log entries in number order, each member committed (deliver), void (pass) or
 * pending (decide it from its stream slot; stop at one still pending; finish it after `abandonAfterMs`).
 * table.ts explains why this never skips and never hangs; log-entries.ts holds the pure decisions.
 */
import { BatchGetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AllPageRequest, RecordedEvent } from '../core/index.ts';
import { DEFAULT_READ_ALL_PAGE } from '../core/index.ts';
import { isConditionalCheckFailed } from './errors.ts';
import { advanceStablePoint, commitItem, decodeLogEntry, logEventToRecorded, num, str, toStored, type LogEntry } from './items.ts';
import { EVENTS_PER_COMMIT, LOG_KEY, STABLE_KEY, streamKey, unpackPosition } from './keys.ts';
import { UnresolvedTracker, decideLogStep } from './log-entries.ts';
import { BackgroundWork, getCommitItem, markMembers } from './log-marks.ts';
import type { TableAccess } from './table-access.ts';

/**
 * A reader marks an entry it decided from the slots only when the entry is older than this (by the
 * time its writer stamped): a younger one is about to be marked by its own writer, and a second mark
 * is one more write on the hot log partition for every read that gets there first (measured: half the
 * marks under a live subscriber). Older ones lost their writer's mark; marking spares later readers
 * the lookup (the idea of PostgreSQL's hint bits). Clocks only move this choice, never a result.
 */
export const READER_MARKS_AFTER_MS = 2000;

export class LogReader {
  private readonly unresolved = new UnresolvedTracker();
  private readonly marks = new BackgroundWork();

  /**
   * `settlingHere(commit)`: for an entry this process's own log writer wrote and has not marked yet,
   * the outcomes its members reported so far (see GroupCommitLog.settlingStates).
   */
  constructor(
    private readonly table: TableAccess,
    private readonly abandonAfterMs: number,
    private readonly settlingHere: (commit: number) => ReadonlyMap<number, 'committed' | 'void'> | undefined = () => undefined,
  ) {}

  /** Waits for the marks still in flight. */
  idle(): Promise<void> {
    return this.marks.idle();
  }

  async readPage({ direction, fromPosition, maxCount }: AllPageRequest): Promise<RecordedEvent[]> {
    const limit = maxCount ?? DEFAULT_READ_ALL_PAGE;
    if (direction === 'forward') {
      const { commit, index } = unpackPosition(fromPosition ?? 0n);
      return (await this.walkLog(commit, index, limit, true)).events;
    }
    return this.readBackward(fromPosition, limit);
  }

  /**
   * Walks the log forward from commit number `fromCommit` (its events from `fromIndex` on), delivering
   * committed entries in order and stopping at the first number that is not resolved yet.
   * `resolvedThrough`: every number up to it is committed or void (final).
   */
  private async walkLog(fromCommit: number, fromIndex: number, maxCount: number, collect: boolean): Promise<{ events: RecordedEvent[]; resolvedThrough: number }> {
    const events: RecordedEvent[] = [];
    let next = Math.max(fromCommit, 1); // the log starts at 1
    const done = () => ({ events, resolvedThrough: next - 1 });
    while (events.length < maxCount) {
      const pageSize = collect ? Math.min(Math.max(maxCount - events.length, 16), 500) : 500;
      const items = await this.table.queryPage('Query log', {
        KeyConditionExpression: 'pk = :pk AND sk >= :next',
        ExpressionAttributeValues: { ':pk': { S: LOG_KEY }, ':next': { N: String(next) } },
        Limit: pageSize,
      });
      for (let entry of await this.decideFromSlots(items.map(decodeLogEntry))) {
        // Entry n is only ever written once n-1 exists (group-commit.ts): a hole is a broken table.
        if (entry.commit !== next) throw new Error(`the log jumps from ${next - 1} to ${entry.commit}: entries are written gap-free, was one deleted?`);
        if (entry.members.some((m) => m.state === 'pending')) {
          const decision = decideLogStep('pending', this.unresolved.unresolvedFor(entry.commit), this.abandonAfterMs);
          if (decision === 'wait') return done();
          entry = await this.resolvePending(entry);
        }
        this.unresolved.forget(entry.commit);
        if (collect) {
          for (const member of entry.members) {
            if (member.state !== 'committed') continue;
            member.events.forEach((stored, i) => {
              if (!stored) return; // erased (stream-lifecycle.ts)
              const index = member.offset + i;
              if (entry.commit === fromCommit && index < fromIndex) return;
              if (events.length < maxCount) events.push(logEventToRecorded(entry.commit, member, stored, i));
            });
          }
        }
        next = entry.commit + 1;
        if (events.length >= maxCount) return done();
      }
      if (items.length < pageSize) return done();
    }
    return done();
  }

  /**
   * Decides the pending members of a page of entries from their stream slots, with one BatchGetItem
   * per 100 slots: the slot holds this (commit, offset) -> committed; another -> void; nothing -> still
   * pending (its writer is between its two puts, or dead).
   */
  private async decideFromSlots(entries: LogEntry[]): Promise<LogEntry[]> {
    // Entries of this process's own log writer, not marked yet, need no lookup: the writer knows what
    // its members reported. A member it has no outcome for yet is being committed by a live writer (this
    // process): the walk waits at it, and the mark that follows wakes this process's subscribers (past
    // abandonAfterMs the walk resolves it like any other).
    const own = new Set<number>();
    entries = entries.map((entry) => {
      const known = this.settlingHere(entry.commit);
      if (!known) return entry;
      own.add(entry.commit);
      return { ...entry, members: entry.members.map((m) => (m.state === 'pending' ? { ...m, state: known.get(m.index) ?? 'pending' } : m)) };
    });
    const pending = entries.flatMap((entry) => (own.has(entry.commit) ? [] : entry.members.filter((m) => m.state === 'pending')));
    if (pending.length === 0) return entries;
    const slots = new Map<string, Record<string, AttributeValue>>();
    const keyOf = (streamId: string, slot: number) => `${slot}:${streamId}`;
    const wanted = [...new Map(pending.map((m) => [keyOf(m.streamId, m.slot), m])).values()]; // BatchGetItem refuses duplicate keys
    for (let i = 0; i < wanted.length; i += 100) {
      let keys: Record<string, AttributeValue>[] = wanted.slice(i, i + 100).map((m) => ({ pk: { S: streamKey(m.streamId) }, sk: { N: String(m.slot) } }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === 10) throw new Error('BatchGetItem kept leaving slots unprocessed');
        const { Responses, UnprocessedKeys } = await this.table.send('BatchGetItem slots', (c) =>
          c.send(new BatchGetItemCommand({ RequestItems: { [this.table.tableName]: { Keys: keys, ConsistentRead: true, ProjectionExpression: 'pk, sk, c, o' } } })),
        );
        for (const item of Responses?.[this.table.tableName] ?? []) slots.set(keyOf(str(item.pk).slice(streamKey('').length), num(item.sk)), item);
        keys = UnprocessedKeys?.[this.table.tableName]?.Keys ?? [];
      }
    }
    const now = Date.now();
    return entries.map((entry) => {
      const decided = new Map<number, 'committed' | 'void'>();
      for (const m of entry.members) {
        const holder = m.state === 'pending' ? slots.get(keyOf(m.streamId, m.slot)) : undefined;
        if (holder) decided.set(m.index, num(holder.c) === entry.commit && num(holder.o) === m.offset ? 'committed' : 'void');
      }
      if (decided.size === 0) return entry;
      const stamped = Math.max(...entry.members.map((m) => Date.parse(m.recordedAt)));
      // Only a hint: the next reader looks the slots up again when it fails.
      if (now - stamped >= READER_MARKS_AFTER_MS && !this.table.closed) this.marks.run(() => markMembers(this.table, entry.commit, decided));
      return { ...entry, members: entry.members.map((m) => ({ ...m, state: decided.get(m.index) ?? m.state })) };
    });
  }

  /**
   * Finishes the members of an entry whose writer went quiet: the stream slot decides. Holding this
   * (commit, offset): committed. Holding another: void. Free: put the commit item from the entry on the
   * writer's behalf (its checks still hold, since nothing was appended to the stream since it read it),
   * then it holds this member.
   */
  private async resolvePending(entry: LogEntry): Promise<LogEntry> {
    const decided = new Map<number, 'committed' | 'void'>();
    for (const member of entry.members) {
      if (member.state !== 'pending') continue;
      for (let attempt = 0; !decided.has(member.index); attempt++) {
        if (attempt === 5) throw new Error(`log entry ${entry.commit}, member ${member.index} could not be resolved`); // unreachable: the slot is written below
        const holder = await getCommitItem(this.table, member.streamId, member.slot);
        if (holder !== undefined) {
          decided.set(member.index, num(holder.c) === entry.commit && num(holder.o) === member.offset ? 'committed' : 'void');
          break;
        }
        // Only committed events are ever erased, and this member's slot is free: all its events are there.
        const item = commitItem({ ...member, events: toStored(member.events.filter((e) => e !== undefined)) }, member.slot, entry.commit, member.offset);
        await this.table.putItem('PutItem commit (roll forward)', item, { expression: 'attribute_not_exists(pk)' });
      }
    }
    await markMembers(this.table, entry.commit, decided);
    return { ...entry, members: entry.members.map((m) => ({ ...m, state: decided.get(m.index) ?? m.state })) };
  }

  /**
   * Backwards from the end (or a position), but only below the stable point: a pending number below the
   * newest committed one may still commit, and a subscriber starting "after the newest position" would
   * then miss it. The stable point is kept in the $all-stable item and advanced by a forward walk.
   */
  private async readBackward(fromPosition: bigint | undefined, limit: number): Promise<RecordedEvent[]> {
    const stable = await this.stableCommit();
    let { commit: fromCommit, index: fromIndex } = fromPosition === undefined ? { commit: stable, index: EVENTS_PER_COMMIT } : unpackPosition(fromPosition);
    if (fromCommit > stable) ({ commit: fromCommit, index: fromIndex } = { commit: stable, index: EVENTS_PER_COMMIT });
    const events: RecordedEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    // Void entries hold no events, so page until enough events (not items) came back.
    while (fromCommit >= 1 && events.length < limit) {
      const page = await this.table.send('Query log', (c) =>
        c.send(
          new QueryCommand({
            TableName: this.table.tableName,
            ConsistentRead: true,
            KeyConditionExpression: 'pk = :pk AND sk <= :from',
            ExpressionAttributeValues: { ':pk': { S: LOG_KEY }, ':from': { N: String(fromCommit) } },
            ScanIndexForward: false,
            Limit: Math.min(Math.max(limit - events.length, 16), 500),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      // Below the stable point every member's slot holds its answer: the lookup decides them all.
      for (const entry of await this.decideFromSlots((page.Items ?? []).map(decodeLogEntry))) {
        for (const member of [...entry.members].reverse()) {
          if (member.state !== 'committed') continue;
          for (let i = member.events.length - 1; i >= 0 && events.length < limit; i--) {
            const stored = member.events[i];
            if (!stored || (entry.commit === fromCommit && member.offset + i > fromIndex)) continue;
            events.push(logEventToRecorded(entry.commit, member, stored, i));
          }
        }
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return events;
  }

  /** The highest number below which every entry is resolved, advanced (conditionally) by a forward walk. */
  private async stableCommit(): Promise<number> {
    const item = await this.table.getItem('GetItem stable', STABLE_KEY);
    const known = item ? num(item.c) : 0;
    const { resolvedThrough } = await this.walkLog(known + 1, 0, Number.MAX_SAFE_INTEGER, false);
    if (resolvedThrough > known) {
      try {
        await this.table.send('UpdateItem stable', (c) =>
          c.send(
            new UpdateItemCommand(advanceStablePoint(this.table.tableName, resolvedThrough)),
          ),
        );
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error; // another reader moved it further
      }
    }
    return resolvedThrough;
  }
}
