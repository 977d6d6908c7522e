import assert from 'node:assert/strict';
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { assertStrictlyIncreasing, event, expectError, versionsOf } from './support.ts';

export const appendScenarios: Scenario[] = [
  {
    id: 'append.new-stream',
    title: 'Append to a new stream',
    property: 'A batch appended with no_stream creates the stream with versions 0..n-1 and returns the last version and position.',
    requires: ['optimistic-concurrency'],
    async run(ctx) {
      const streamId = ctx.streamId('cart');
      const batch = [event('CartOpened', { customer: 'ann' }), event('ItemAdded', { sku: 'A-1', qty: 2 })];
      const result = await ctx.store.appendToStream(streamId, batch, { expectedVersion: 'no_stream' });
      ctx.narrate(`appended 2 events to '${streamId}' with expectedVersion no_stream -> nextExpectedVersion ${result.nextExpectedVersion}, globalPosition ${ctx.position(result.globalPosition)}`);
      assert.equal(result.nextExpectedVersion, 1, 'nextExpectedVersion after 2 events');
      const stored = await ctx.store.readStream(streamId);
      assert.deepEqual(versionsOf(stored), [0, 1], 'stream versions');
      assert.deepEqual(stored.map((e) => e.id), batch.map((e) => e.id), 'event ids kept');
      assert.deepEqual(stored.map((e) => e.type), ['CartOpened', 'ItemAdded'], 'types kept');
      assert.deepEqual(stored.map((e) => e.data), batch.map((e) => e.data), 'data kept');
      assert.ok(stored.every((e) => e.streamId === streamId), 'streamId on every event');
      assert.ok(stored.every((e) => e.recordedAt instanceof Date && !Number.isNaN(e.recordedAt.getTime())), 'recordedAt is a date');
      assertStrictlyIncreasing(stored, 'positions inside one batch');
      assert.equal(result.globalPosition, stored[1]!.globalPosition, 'returned position is the last event\'s');
    },
  },
  {
    id: 'append.expected-version',
    title: 'Optimistic concurrency with an exact expected version',
    property: 'An append with a stale expected version fails with WrongExpectedVersionError carrying expected and actual, and writes nothing.',
    requires: ['optimistic-concurrency'],
    async run(ctx) {
      const streamId = ctx.streamId('account');
      const first = await ctx.store.appendToStream(streamId, [event('Opened', {}), event('Deposited', { amount: 10 })], { expectedVersion: 'no_stream' });
      const second = await ctx.store.appendToStream(streamId, [event('Deposited', { amount: 5 })], { expectedVersion: first.nextExpectedVersion });
      assert.equal(second.nextExpectedVersion, 2);
      ctx.narrate(`appended at expectedVersion ${first.nextExpectedVersion} -> now at version ${second.nextExpectedVersion}`);
      const stale = await expectError(
        () => ctx.store.appendToStream(streamId, [event('Withdrawn', { amount: 20 })], { expectedVersion: first.nextExpectedVersion }),
        WrongExpectedVersionError,
        'append with stale expectedVersion 1',
      );
      ctx.narrate(`a writer still holding version 1 was refused: ${stale.message}`);
      assert.equal(stale.streamId, streamId, 'error names the stream');
      assert.equal(stale.expected, 1, 'error carries the expected version');
      assert.equal(stale.actual, 2, 'error carries the actual version');
      const noStream = await expectError(
        () => ctx.store.appendToStream(streamId, [event('Opened', {})], { expectedVersion: 'no_stream' }),
        WrongExpectedVersionError,
        'no_stream on an existing stream',
      );
      assert.equal(noStream.actual, 2, 'actual version when no_stream was expected');
      const missing = ctx.streamId('never-written');
      const onMissing = await expectError(
        () => ctx.store.appendToStream(missing, [event('Deposited', {})], { expectedVersion: 0 }),
        WrongExpectedVersionError,
        'exact version on a missing stream',
      );
      assert.equal(onMissing.actual, 'no_stream', 'actual is no_stream for a missing stream');
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId)), [0, 1, 2], 'refused appends wrote nothing');
      assert.deepEqual(await ctx.store.readStream(missing), [], 'refused append did not create the stream');
    },
  },
  {
    id: 'append.stream-exists-and-any',
    title: 'The symbolic expectations stream_exists and any',
    property: 'stream_exists refuses a missing stream and accepts an existing one; any accepts both.',
    requires: ['optimistic-concurrency'],
    async run(ctx) {
      const streamId = ctx.streamId('order');
      const refused = await expectError(
        () => ctx.store.appendToStream(streamId, [event('Shipped', {})], { expectedVersion: 'stream_exists' }),
        WrongExpectedVersionError,
        'stream_exists on a missing stream',
      );
      assert.equal(refused.actual, 'no_stream');
      assert.deepEqual(await ctx.store.readStream(streamId), [], 'refused append wrote nothing');
      const created = await ctx.store.appendToStream(streamId, [event('Placed', {})], { expectedVersion: 'any' });
      assert.equal(created.nextExpectedVersion, 0, 'any creates a missing stream');
      const exists = await ctx.store.appendToStream(streamId, [event('Paid', {})], { expectedVersion: 'stream_exists' });
      assert.equal(exists.nextExpectedVersion, 1, 'stream_exists accepts an existing stream');
      const any = await ctx.store.appendToStream(streamId, [event('Shipped', {})]);
      assert.equal(any.nextExpectedVersion, 2, 'default (any) appends to an existing stream');
      ctx.narrate(`stream_exists on a missing stream was refused (actual: no_stream); any created it; stream_exists and any then appended -> version ${any.nextExpectedVersion}`);
      assert.deepEqual((await ctx.store.readStream(streamId)).map((e) => e.type), ['Placed', 'Paid', 'Shipped']);
    },
  },
  {
    id: 'append.idempotent',
    title: 'Idempotent appends by event id',
    property: 'Retrying an append with the same event ids writes nothing new and returns the original result; reusing a stored id in a different batch is refused.',
    requires: ['idempotent-append'],
    async run(ctx) {
      const streamId = ctx.streamId('payment');
      const batch = [event('PaymentRequested', { amount: 42 }), event('PaymentAuthorised', { code: 'x1' })];
      const original = await ctx.store.appendToStream(streamId, batch, { expectedVersion: 'no_stream' });
      // A client that timed out does not know whether the first call committed, so it sends it again.
      const retry = await ctx.store.appendToStream(streamId, batch, { expectedVersion: 'no_stream' });
      assert.deepEqual(retry, original, 'retry with the same expected version returns the original result');
      const retryAny = await ctx.store.appendToStream(streamId, batch, { expectedVersion: 'any' });
      assert.deepEqual(retryAny, original, 'retry with expectedVersion any returns the original result');
      assert.equal((await ctx.store.readStream(streamId)).length, 2, 'the retried batch was written once');
      ctx.narrate(`the same 2 event ids appended three times: stored once, every call answered nextExpectedVersion ${original.nextExpectedVersion} at position ${ctx.position(original.globalPosition)}`);
      const mixed = [batch[0]!, event('PaymentCaptured', {})];
      await expectError(
        () => ctx.store.appendToStream(streamId, mixed, { expectedVersion: 'any' }),
        DuplicateEventIdError,
        'a batch mixing a stored id with a new one',
      );
      assert.equal((await ctx.store.readStream(streamId)).length, 2, 'the mixed batch wrote nothing');
    },
  },
  {
    id: 'append.concurrent-writers',
    title: 'Racing writers on one stream',
    property: 'When several writers append at the same expected version at once, exactly one wins each version; the others get WrongExpectedVersionError; no gaps, no duplicates.',
    requires: ['optimistic-concurrency'],
    async run(ctx) {
      const writerCount = 4;
      const rounds = 12;
      const streamId = ctx.streamId('contended');
      const writers = await Promise.all(Array.from({ length: writerCount }, () => ctx.openStore()));
      let expected: 'no_stream' | number = 'no_stream';
      let conflicts = 0;
      for (let round = 0; round < rounds; round++) {
        // Every writer read the same version and now appends at once: a real race, on separate connections.
        const outcomes = await Promise.allSettled(
          writers.map((writer, w) =>
            writer.appendToStream(streamId, [event('Reserved', { round, writer: w })], { expectedVersion: expected }),
          ),
        );
        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        for (const loser of losers) {
          const reason: unknown = loser.reason;
          if (!(reason instanceof WrongExpectedVersionError)) {
            const described = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
            assert.fail(`round ${round}: a losing writer got ${described} instead of WrongExpectedVersionError`);
          }
          assert.equal(reason.actual, round, `round ${round}: the loser's error reports the winner's version`);
        }
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} writers won version ${round} (exactly one must)`);
        conflicts += losers.length;
        expected = round;
      }
      const stored = await ctx.store.readStream(streamId);
      assert.deepEqual(versionsOf(stored), Array.from({ length: rounds }, (_, i) => i), 'versions are 0..n-1 with no gap or duplicate');
      assert.deepEqual(stored.map((e) => (e.data as { round: number }).round), Array.from({ length: rounds }, (_, i) => i), 'one event per round');
      ctx.narrate(`${writerCount} writers on ${writerCount} connections raced for ${rounds} versions: ${rounds} appends won, ${conflicts} refused with WrongExpectedVersionError, stream has versions 0..${rounds - 1}`);
    },
  },
];
