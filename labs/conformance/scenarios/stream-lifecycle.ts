/**
 * The end of a stream's life: soft delete, hard delete (tombstone), truncation, and physical erasure of a
 * deleted stream from every read path. The rules are labs/core/stream-lifecycle.ts; these scenarios are
 * their specification. What `$all` shows after a delete is a capability (`deletion-removes-from-all`):
 * the per-stream scenarios never look at `$all`, erasure.delete-stream does.
 */
import assert from 'node:assert/strict';
import {
  InvalidInputError,
  StreamDeletedError,
  TruncationPastEndError,
  WrongExpectedVersionError,
  headPosition,
  type EventStore,
  type RecordedEvent,
} from '../../core/index.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { event, expectError, take, versionsOf } from './support.ts';

/** The contract's optional methods, present on every store of the shell (the workshop's may lack them). */
function lifecycleOf(store: EventStore): Required<Pick<EventStore, 'deleteStream' | 'truncateStream'>> {
  assert.ok(store.deleteStream && store.truncateStream, `the ${store.backend} store has no deleteStream/truncateStream`);
  return { deleteStream: store.deleteStream.bind(store), truncateStream: store.truncateStream.bind(store) };
}

const hasSnapshots = (store: EventStore) => store.unsupported.snapshots === undefined;
const canTruncate = (store: EventStore) => store.unsupported['stream-truncation'] === undefined;

/** Every event of `$all` from `from` to the head as it is now, in pages. */
async function readAllFrom(store: EventStore, from: bigint): Promise<RecordedEvent[]> {
  const head = await headPosition(store);
  const events: RecordedEvent[] = [];
  for (let next = from; next <= head; ) {
    const page = await store.readAll({ fromPosition: next, maxCount: 500 });
    if (page.length === 0) break;
    events.push(...page);
    next = page.at(-1)!.globalPosition + 1n;
  }
  return events;
}

export const streamLifecycleScenarios: Scenario[] = [
  {
    id: 'stream.delete-soft',
    title: 'Soft-deleting a stream',
    property:
      'After a soft delete the stream reads as empty and can be written again, continuing its versions (no version is used twice); a wrong expected version is WrongExpectedVersionError and deletes nothing; other streams are untouched.',
    requires: ['stream-deletion'],
    async run(ctx) {
      const { deleteStream } = lifecycleOf(ctx.store);
      const streamId = ctx.streamId('cart');
      const neighbour = ctx.streamId('neighbour');
      await ctx.store.appendToStream(streamId, [event('Opened', 1), event('Added', 2)], { expectedVersion: 'no_stream' });
      await ctx.store.appendToStream(streamId, [event('Added', 3)], { expectedVersion: 1 });
      await ctx.store.appendToStream(neighbour, [event('Opened', 'n')]);
      const stale = await expectError(() => deleteStream(streamId, { expectedVersion: 1, mode: 'soft' }), WrongExpectedVersionError, 'a delete with a stale expected version');
      assert.equal(stale.actual, 2, 'the refusal carries the actual version');
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId)), [0, 1, 2], 'the refused delete deleted nothing');
      await expectError(() => deleteStream(streamId, { mode: 'sideways' as unknown as 'soft' }), InvalidInputError, 'an unknown delete mode');
      await expectError(() => deleteStream('', { mode: 'soft' }), InvalidInputError, 'an empty stream id');

      await deleteStream(streamId, { expectedVersion: 2, mode: 'soft' });
      assert.deepEqual(await ctx.store.readStream(streamId), [], 'a soft-deleted stream reads as empty');
      if (ctx.store.unsupported['read-backward'] === undefined) {
        assert.deepEqual(await ctx.store.readStream(streamId, { direction: 'backward' }), [], 'and backwards too');
      }
      await expectError(() => ctx.store.appendToStream(streamId, [event('Opened', 4)], { expectedVersion: 'no_stream' }), WrongExpectedVersionError, 'no_stream on a soft-deleted stream (it keeps its version)');
      const again = await ctx.store.appendToStream(streamId, [event('Reopened', 5)], { expectedVersion: 2 });
      assert.equal(again.nextExpectedVersion, 3, 'the next append continues at the next version');
      const after = await ctx.store.readStream(streamId);
      assert.deepEqual(versionsOf(after), [3], 'only the new event is read, at version 3');
      assert.equal(after[0]!.type, 'Reopened');
      assert.equal((await ctx.store.readStream(neighbour)).length, 1, 'the other stream is untouched');
      // A stream never written has nothing to delete: a no-op, and it still reads as empty.
      await deleteStream(ctx.streamId('never-written'), { mode: 'soft' });
      assert.deepEqual(await ctx.store.readStream(ctx.streamId('never-written')), [], 'a soft delete of a missing stream is a no-op');
      ctx.narrate(`soft-deleted a stream at version 2 (a stale delete at version 1 was refused: "${stale.message}"); it read as empty, and the next append took version 3`);
    },
  },
  {
    id: 'stream.delete-hard',
    title: 'Hard-deleting a stream (tombstone)',
    property:
      'After a hard delete the stream reads as empty and every later append, delete or truncate is refused with StreamDeletedError carrying the stream id, also for appends racing the delete from other store instances; a wrong expected version deletes nothing.',
    requires: ['stream-deletion'],
    async run(ctx) {
      const { deleteStream, truncateStream } = lifecycleOf(ctx.store);
      const streamId = ctx.streamId('account');
      await ctx.store.appendToStream(streamId, [event('Opened', 1), event('Deposited', 2)]);
      await expectError(() => deleteStream(streamId, { expectedVersion: 'no_stream', mode: 'hard' }), WrongExpectedVersionError, 'a hard delete expecting no_stream');
      assert.equal((await ctx.store.readStream(streamId)).length, 2, 'the refused delete deleted nothing');
      await deleteStream(streamId, { expectedVersion: 1, mode: 'hard' });
      assert.deepEqual(await ctx.store.readStream(streamId), [], 'a hard-deleted stream reads as empty');
      for (const expectedVersion of ['any', 'no_stream', 1, 'stream_exists'] as const) {
        const refused = await expectError(() => ctx.store.appendToStream(streamId, [event('Deposited', 3)], { expectedVersion }), StreamDeletedError, `an append (${expectedVersion}) to a tombstoned stream`);
        assert.equal(refused.streamId, streamId, 'the error names the stream');
      }
      await expectError(() => deleteStream(streamId, { mode: 'soft' }), StreamDeletedError, 'deleting a tombstoned stream again');
      if (canTruncate(ctx.store)) await expectError(() => truncateStream(streamId, { beforeVersion: 0 }), StreamDeletedError, 'truncating a tombstoned stream');
      assert.deepEqual(await ctx.store.readStream(streamId), [], 'nothing was written by the refused calls');

      // A name can be tombstoned before it is ever used.
      const reserved = ctx.streamId('never-written');
      await deleteStream(reserved, { expectedVersion: 'no_stream', mode: 'hard' });
      await expectError(() => ctx.store.appendToStream(reserved, [event('Opened', 1)]), StreamDeletedError, 'an append to a name tombstoned before its first event');

      // Appends racing the delete from other store instances: each lands before the tombstone (and is
      // deleted with the stream) or is refused; none survives it.
      const raced = ctx.streamId('raced');
      await ctx.store.appendToStream(raced, [event('Opened', 0)]);
      const writers = await Promise.all(Array.from({ length: 3 }, () => ctx.openStore()));
      let firstWritten!: () => void;
      const oneWritten = new Promise<void>((resolve) => (firstWritten = resolve));
      const appends = writers.map(async (w, i) => {
        const outcomes: string[] = [];
        for (let n = 0; n < 8; n++) {
          const outcome = await w.appendToStream(raced, [event('Raced', { i, n })]).then(
            () => 'written',
            (e: unknown) => (e instanceof StreamDeletedError ? 'refused' : `other: ${e instanceof Error ? e.message : String(e)}`),
          );
          if (outcome === 'written') firstWritten();
          outcomes.push(outcome);
        }
        firstWritten(); // all refused: nothing to wait for
        return outcomes;
      });
      // Delete once the racing writers are under way, while they go on appending.
      await oneWritten;
      await deleteStream(raced, { mode: 'hard' });
      const outcomes = (await Promise.all(appends)).flat();
      assert.deepEqual(outcomes.filter((o) => o.startsWith('other')), [], 'racing appends either succeed or get StreamDeletedError');
      assert.deepEqual(await ctx.store.readStream(raced), [], 'no append survives the tombstone');
      ctx.narrate(`hard-deleted a stream: it reads as empty; appends with any, no_stream, 1 and stream_exists were refused with StreamDeletedError; of ${outcomes.length} appends racing the delete ${outcomes.filter((o) => o === 'written').length} landed before it (and went with it), ${outcomes.filter((o) => o === 'refused').length} were refused`);
    },
  },
  {
    id: 'stream.truncate',
    title: 'Truncating a stream before a version',
    property:
      'truncateStream removes the events before beforeVersion (also inside one appended batch) and keeps the rest and the stream version; one past the last event removes all; past the end is TruncationPastEndError and a negative or fractional version InvalidInputError, both removing nothing.',
    requires: ['stream-truncation'],
    async run(ctx) {
      const { truncateStream } = lifecycleOf(ctx.store);
      const streamId = ctx.streamId('ledger');
      await ctx.store.appendToStream(streamId, [event('E', 0), event('E', 1)]);
      await ctx.store.appendToStream(streamId, [event('E', 2), event('E', 3), event('E', 4)]);
      const past = await expectError(() => truncateStream(streamId, { beforeVersion: 7 }), TruncationPastEndError, 'truncating past the end');
      assert.equal(past.lastVersion, 4, 'the error carries the last version');
      await expectError(() => truncateStream(streamId, { beforeVersion: -1 }), InvalidInputError, 'a negative beforeVersion');
      await expectError(() => truncateStream(streamId, { beforeVersion: 1.5 }), InvalidInputError, 'a fractional beforeVersion');
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId)), [0, 1, 2, 3, 4], 'the refused truncations removed nothing');
      // 3 falls inside the second batch (versions 2..4): a store must cut inside a batch.
      await truncateStream(streamId, { beforeVersion: 3 });
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId)), [3, 4], 'versions 3 and 4 remain');
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId, { fromVersion: 1 })), [3, 4], 'reading from a removed version starts at the first kept one');
      if (ctx.store.unsupported['read-backward'] === undefined) {
        assert.deepEqual(versionsOf(await ctx.store.readStream(streamId, { direction: 'backward' })), [4, 3], 'backwards too');
      }
      assert.equal((await ctx.store.appendToStream(streamId, [event('E', 5)], { expectedVersion: 4 })).nextExpectedVersion, 5, 'the stream keeps its version');
      await truncateStream(streamId, { beforeVersion: 6 });
      assert.deepEqual(await ctx.store.readStream(streamId), [], 'one past the last event removes all');
      assert.equal((await ctx.store.appendToStream(streamId, [event('E', 6)], { expectedVersion: 5 })).nextExpectedVersion, 6, 'and the versions still continue');
      await truncateStream(ctx.streamId('never-written'), { beforeVersion: 0 });
      await expectError(() => truncateStream(ctx.streamId('never-written'), { beforeVersion: 1 }), TruncationPastEndError, 'truncating a missing stream past version 0');
      ctx.narrate(`truncated 5 events before version 3 (inside a batch): versions 3..4 remain; "${past.message}"`);
    },
  },
  {
    id: 'erasure.delete-stream',
    title: 'A deleted stream is gone from every read path',
    property:
      'After a hard delete no read path returns the stream\'s events or its snapshot: readStream, readAll over the whole range, a subscription to $all from before them and one to the stream; the other streams\' events written around them stay.',
    requires: ['stream-deletion', 'deletion-removes-from-all', 'global-order', 'subscriptions'],
    async run(ctx: ScenarioContext) {
      const { deleteStream } = lifecycleOf(ctx.store);
      const subject = ctx.streamId('customer');
      const neighbour = ctx.streamId('neighbour');
      const secret = `ssn-${ctx.prefix}`;
      const first = await ctx.store.appendToStream(neighbour, [event('Noted', 'before')]);
      await ctx.store.appendToStream(subject, [event('Registered', { name: 'Ada', secret }), event('Moved', { secret })]);
      await ctx.store.appendToStream(neighbour, [event('Noted', 'after')]);
      if (hasSnapshots(ctx.store)) await ctx.store.snapshots.save(subject, { streamVersion: 1, schemaVersion: 1, state: { secret } });
      await deleteStream(subject, { mode: 'hard' });

      const leaks = (events: RecordedEvent[]) => events.filter((e) => e.streamId === subject || JSON.stringify(e.data).includes(secret));
      assert.deepEqual(await ctx.store.readStream(subject), [], 'readStream');
      const all = await readAllFrom(ctx.store, first.globalPosition);
      assert.deepEqual(leaks(all), [], 'readAll returns none of the deleted events');
      assert.deepEqual(all.filter((e) => e.streamId === neighbour).map((e) => e.data), ['before', 'after'], 'readAll keeps the other stream\'s events');
      const fromAll = ctx.store.subscribeToAll({ afterPosition: first.globalPosition - 1n });
      const delivered = await take(fromAll, 2, (e) => e.streamId === neighbour || e.streamId === subject, 15_000);
      await fromAll.close();
      assert.deepEqual(leaks(delivered), [], 'a subscription to $all from before them delivers none of them');
      const toStream = ctx.store.subscribeToStream(subject);
      await toStream.caughtUp;
      assert.equal(toStream.stats.delivered + toStream.stats.buffered, 0, 'a subscription to the stream delivers nothing');
      await toStream.close();
      if (hasSnapshots(ctx.store)) assert.equal(await ctx.store.snapshots.load(subject), undefined, 'the stream\'s snapshot is deleted with it');
      ctx.narrate(`hard-deleted a stream with personal data: readStream, readAll (${all.length} events read), a subscription to $all and one to the stream return none of it${hasSnapshots(ctx.store) ? ', nor its snapshot' : ''}; the neighbour's 2 events stay`);
    },
  },
];
