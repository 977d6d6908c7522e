/**
 * THE specification of an event store, as executable scenarios. Every backend runs exactly these.
 *
 * Each scenario states one property and fails with a message that says which event broke it. Scenarios
 * only look at streams whose ids start with their own prefix, so they can share a database with other
 * runs; concurrency scenarios use several store instances (several connections) at once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  DuplicateEventIdError,
  InvalidInputError,
  WrongExpectedVersionError,
  createUpcaster,
  headPosition,
  loadAggregate,
  runProjection,
  type AggregateDefinition,
  type JsonValue,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../core/index.ts';
import type { Scenario, ScenarioContext } from './scenario.ts';

const event = (type: string, data: JsonValue, extra: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  ...extra,
});

function versionsOf(events: RecordedEvent[]): number[] {
  return events.map((e) => e.streamVersion);
}

function assertStrictlyIncreasing(events: RecordedEvent[], what: string): void {
  for (let i = 1; i < events.length; i++) {
    const previous = events[i - 1]!;
    const current = events[i]!;
    assert.ok(
      current.globalPosition > previous.globalPosition,
      `${what}: position ${current.globalPosition} (event ${current.id}) does not come after ${previous.globalPosition}`,
    );
  }
}

async function expectError<E extends Error>(
  action: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  what: string,
): Promise<E> {
  try {
    await action();
  } catch (error) {
    if (error instanceof type) return error;
    const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    assert.fail(`${what}: expected ${type.name}, got ${described}`);
  }
  assert.fail(`${what}: expected ${type.name}, but the call succeeded`);
}

/** Takes events from a subscription until `count` of ours arrived (or time runs out). */
async function take(
  subscription: Subscription,
  count: number,
  ours: (event: RecordedEvent) => boolean,
  timeoutMs: number,
  onEvent?: (event: RecordedEvent) => Promise<void> | void,
): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  if (count === 0) return taken;
  const iterator = subscription[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (taken.length < count) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(remaining, 0)))),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') {
      assert.fail(`subscription delivered ${taken.length} of ${count} expected events within ${timeoutMs} ms`);
    }
    if (next.done) assert.fail(`subscription ended after ${taken.length} of ${count} expected events`);
    if (!ours(next.value)) continue;
    taken.push(next.value);
    await onEvent?.(next.value);
  }
  return taken;
}

const fromPrefix = (ctx: ScenarioContext) => (e: RecordedEvent) => e.streamId.startsWith(ctx.prefix);

export const scenarios: Scenario[] = [
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
  {
    id: 'read.stream-forward',
    title: 'Read a stream forwards',
    property: 'Events of a stream come back in version order, with paging by maxCount.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('ledger');
      await ctx.store.appendToStream(streamId, [event('A', 1), event('B', 2)]);
      await ctx.store.appendToStream(streamId, [event('C', 3), event('D', 4), event('E', 5)]);
      const all = await ctx.store.readStream(streamId);
      assert.deepEqual(all.map((e) => e.type), ['A', 'B', 'C', 'D', 'E']);
      assert.deepEqual(versionsOf(all), [0, 1, 2, 3, 4]);
      assertStrictlyIncreasing(all, 'stream read forwards');
      const page = await ctx.store.readStream(streamId, { maxCount: 2 });
      assert.deepEqual(versionsOf(page), [0, 1], 'maxCount 2');
      ctx.narrate(`read 5 events forwards: versions ${versionsOf(all).join(', ')}; with maxCount 2: ${versionsOf(page).join(', ')}`);
    },
  },
  {
    id: 'read.stream-backward',
    title: 'Read a stream backwards',
    property: 'Reading backwards returns the newest events first, from a version and with paging.',
    requires: ['read-backward'],
    async run(ctx) {
      const streamId = ctx.streamId('ledger');
      await ctx.store.appendToStream(streamId, [event('A', 1), event('B', 2), event('C', 3), event('D', 4), event('E', 5)]);
      const all = await ctx.store.readStream(streamId, { direction: 'backward' });
      assert.deepEqual(versionsOf(all), [4, 3, 2, 1, 0]);
      const last = await ctx.store.readStream(streamId, { direction: 'backward', maxCount: 1 });
      assert.deepEqual(last.map((e) => e.type), ['E'], 'the newest event alone');
      const fromThree = await ctx.store.readStream(streamId, { direction: 'backward', fromVersion: 3, maxCount: 2 });
      assert.deepEqual(versionsOf(fromThree), [3, 2], 'backwards from version 3, 2 events');
      ctx.narrate(`backwards: ${versionsOf(all).join(', ')}; newest only: ${last[0]?.type}; from version 3, 2 events: ${versionsOf(fromThree).join(', ')}`);
    },
  },
  {
    id: 'read.stream-from-version',
    title: 'Read a stream from a version',
    property: 'fromVersion is inclusive; past the end the read is empty.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('ledger');
      await ctx.store.appendToStream(streamId, [event('A', 1), event('B', 2), event('C', 3), event('D', 4), event('E', 5)]);
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId, { fromVersion: 2 })), [2, 3, 4]);
      assert.deepEqual(versionsOf(await ctx.store.readStream(streamId, { fromVersion: 2, maxCount: 2 })), [2, 3]);
      assert.deepEqual(await ctx.store.readStream(streamId, { fromVersion: 5 }), [], 'past the end');
      ctx.narrate('from version 2: 2, 3, 4; from version 2 with maxCount 2: 2, 3; from version 5: nothing');
    },
  },
  {
    id: 'read.missing-stream',
    title: 'Read a stream that does not exist',
    property: 'A stream never written reads as empty, in both directions, without error.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('ghost');
      assert.deepEqual(await ctx.store.readStream(streamId), []);
      if (ctx.store.unsupported['read-backward'] === undefined) {
        assert.deepEqual(await ctx.store.readStream(streamId, { direction: 'backward' }), []);
      }
      ctx.narrate(`'${streamId}' was never written: reading it gives an empty list`);
    },
  },
  {
    id: 'read.all-ordered',
    title: 'Read all streams in global order',
    property: 'readAll returns every event once in strictly increasing global position, consistent with commit order, across pages.',
    requires: ['global-order'],
    async run(ctx) {
      const before = await headPosition(ctx.store);
      const streams = ['a', 'b', 'c'].map((s) => ctx.streamId(s));
      const appended: string[] = [];
      for (let i = 0; i < 4; i++) {
        for (const streamId of streams) {
          const e = event('Noted', { i });
          await ctx.store.appendToStream(streamId, [e]);
          appended.push(e.id!);
        }
      }
      const ours: RecordedEvent[] = [];
      let next = before + 1n;
      let pages = 0;
      // Other clients may be writing to the same log: a store may hold readers back while their
      // transactions are open (an empty page means "nothing readable yet", not "the end"), so poll.
      const deadline = Date.now() + 10_000;
      while (ours.length < appended.length && Date.now() < deadline) {
        const page = await ctx.store.readAll({ fromPosition: next, maxCount: 5 });
        if (page.length === 0) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        pages++;
        assertStrictlyIncreasing(page, `page ${pages}`);
        assert.ok(page.length <= 5, 'a page holds at most maxCount events');
        ours.push(...page.filter(fromPrefix(ctx)));
        next = page[page.length - 1]!.globalPosition + 1n;
      }
      assertStrictlyIncreasing(ours, 'across pages');
      assert.deepEqual(ours.map((e) => e.id), appended, 'every event once, in the order the appends committed');
      if (ctx.store.unsupported['read-backward'] === undefined) {
        const backward = await ctx.store.readAll({ direction: 'backward', maxCount: 3 });
        for (let i = 1; i < backward.length; i++) {
          assert.ok(backward[i]!.globalPosition < backward[i - 1]!.globalPosition, 'backwards: strictly decreasing');
        }
      }
      ctx.narrate(`12 events over 3 streams read back in ${pages} pages of 5: positions strictly increasing, same order as the appends (${ctx.position(ours[0]?.globalPosition)} … ${ctx.position(ours.at(-1)?.globalPosition)})`);
    },
  },
  {
    id: 'read.all-no-skip-under-concurrent-commits',
    title: 'A reader of all never skips an event while writers commit concurrently',
    property: 'A reader following $all by position, while several writers commit concurrently and out of order, sees every committed event exactly once.',
    requires: ['global-order'],
    async run(ctx) {
      const writerCount = 6;
      const appendsPerWriter = 25;
      const batchSize = 4;
      const writers = await Promise.all(Array.from({ length: writerCount }, () => ctx.openStore()));
      const reader = await ctx.openStore();
      const before = await headPosition(reader);
      const written = new Set<string>();
      let writing = true;

      const writeAll = Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < appendsPerWriter; i++) {
            const batch = Array.from({ length: batchSize }, (_, k) => event('Ticked', { w, i, k }));
            await writer.appendToStream(ctx.streamId(`writer-${w}`), batch);
            for (const e of batch) written.add(e.id!);
          }
        }),
      ).finally(() => (writing = false));

      // The reader follows the log the way every subscriber does: remember the last position, ask for more.
      const seen = new Map<string, bigint>();
      const duplicates: string[] = [];
      let next = before + 1n;
      let lastPosition = before;
      const readPage = async () => {
        const page = await reader.readAll({ fromPosition: next, maxCount: 200 });
        for (const e of page) {
          assert.ok(e.globalPosition > lastPosition, `position ${e.globalPosition} came after ${lastPosition}: order broken`);
          lastPosition = e.globalPosition;
          if (!e.streamId.startsWith(ctx.prefix)) continue;
          if (seen.has(e.id)) duplicates.push(e.id);
          seen.set(e.id, e.globalPosition);
        }
        if (page.length > 0) next = page[page.length - 1]!.globalPosition + 1n;
        return page.length;
      };
      while (writing) await readPage();
      await writeAll;
      // Drain: everything is committed now. A correct store shows the rest at once; allow a few seconds
      // for transactions of other clients that may still hold the visibility horizon back.
      const deadline = Date.now() + 5000;
      while (seen.size < written.size && Date.now() < deadline) {
        if ((await readPage()) === 0) await new Promise((r) => setTimeout(r, 50));
      }
      const missing = [...written].filter((id) => !seen.has(id));
      ctx.narrate(`${writerCount} writers committed ${written.size} events in batches of ${batchSize} while a reader followed $all by position: seen ${seen.size}, missed ${missing.length}, duplicates ${duplicates.length}`);
      assert.equal(duplicates.length, 0, `the reader saw ${duplicates.length} events twice`);
      assert.equal(
        missing.length,
        0,
        `the reader skipped ${missing.length} of ${written.size} committed events (they committed below a position it had already passed)`,
      );
    },
  },
  {
    id: 'subscribe.catch-up-then-live',
    title: 'Catch-up then live subscription',
    property: 'A subscription first delivers stored events, then events appended after it caught up, in order, to $all and to a stream.',
    requires: ['subscriptions', 'global-order'],
    async run(ctx) {
      const before = await headPosition(ctx.store);
      const streamId = ctx.streamId('feed');
      await ctx.store.appendToStream(streamId, [event('Posted', 1), event('Posted', 2), event('Posted', 3)]);
      const toAll = ctx.store.subscribeToAll({ afterPosition: before, pollIntervalMs: 50 });
      const toStream = ctx.store.subscribeToStream(streamId, { pollIntervalMs: 50 });
      try {
        const catchUp = await take(toAll, 3, fromPrefix(ctx), 10_000);
        const streamCatchUp = await take(toStream, 3, () => true, 10_000);
        await toAll.caughtUp;
        await ctx.store.appendToStream(streamId, [event('Posted', 4), event('Posted', 5)]);
        const live = await take(toAll, 2, fromPrefix(ctx), 10_000);
        const streamLive = await take(toStream, 2, () => true, 10_000);
        const delivered = [...catchUp, ...live];
        assert.deepEqual(delivered.map((e) => e.data), [1, 2, 3, 4, 5], '$all: stored then live, in order');
        assertStrictlyIncreasing(delivered, '$all subscription');
        assert.deepEqual(versionsOf([...streamCatchUp, ...streamLive]), [0, 1, 2, 3, 4], 'stream subscription in version order');
        ctx.narrate(`subscribed after position ${ctx.position(before)}: 3 stored events caught up, then 2 appended later arrived live, in order (also on the stream subscription)`);
      } finally {
        await Promise.all([toAll.close(), toStream.close()]);
      }
    },
  },
  {
    id: 'subscribe.resume-from-checkpoint',
    title: 'Resume a subscription from a stored checkpoint',
    property: 'A subscriber stopped mid-stream resumes from its stored checkpoint and receives exactly the events after it: no gap, no duplicate.',
    requires: ['subscriptions', 'checkpoints', 'global-order'],
    async run(ctx) {
      const subscriberId = ctx.streamId('billing-subscriber');
      const before = await headPosition(ctx.store);
      await ctx.store.checkpoints.store(subscriberId, before);
      const streamId = ctx.streamId('invoices');
      const appended = Array.from({ length: 10 }, (_, i) => event('Invoiced', i));
      await ctx.store.appendToStream(streamId, appended.slice(0, 5));
      await ctx.store.appendToStream(streamId, appended.slice(5));

      const first = ctx.store.subscribeToAll({ afterPosition: await ctx.store.checkpoints.load(subscriberId), bufferSize: 4 });
      const firstPart = await take(first, 4, fromPrefix(ctx), 10_000, (e) => ctx.store.checkpoints.store(subscriberId, e.globalPosition));
      await first.close(); // the subscriber stops (a deploy, a crash after checkpointing)

      // Resume on another connection, as a restarted process would.
      const restarted = await ctx.openStore();
      const checkpoint = await restarted.checkpoints.load(subscriberId);
      assert.equal(checkpoint, firstPart[3]!.globalPosition, 'the stored checkpoint is the last handled position');
      const second = restarted.subscribeToAll({ afterPosition: checkpoint, bufferSize: 4 });
      try {
        const rest = await take(second, 6, fromPrefix(ctx), 10_000);
        const ids = [...firstPart, ...rest].map((e) => e.id);
        assert.deepEqual(ids, appended.map((e) => e.id), 'every event exactly once, in order');
        ctx.narrate(`handled 4 events, stored checkpoint ${ctx.position(checkpoint)}, stopped; restarted from the checkpoint on a new connection and got exactly the other 6`);
      } finally {
        await second.close();
      }
    },
  },
  {
    id: 'subscribe.backpressure',
    title: 'Backpressure: a slow consumer keeps memory bounded',
    property: 'However far behind a consumer is, the subscription never buffers more than its bufferSize, and still delivers everything in order.',
    requires: ['subscriptions', 'global-order'],
    async run(ctx) {
      const before = await headPosition(ctx.store);
      const streamId = ctx.streamId('firehose');
      const total = 300;
      for (let i = 0; i < total; i += 50) {
        await ctx.store.appendToStream(streamId, Array.from({ length: 50 }, (_, k) => event('Tick', i + k)));
      }
      const bufferSize = 16;
      const subscription = ctx.store.subscribeToAll({ afterPosition: before, bufferSize });
      let peak = 0;
      try {
        const delivered = await take(subscription, total, fromPrefix(ctx), 30_000, async (e) => {
          peak = Math.max(peak, subscription.stats.buffered);
          if ((e.data as number) < 40) await new Promise((r) => setTimeout(r, 3)); // the slow part
        });
        assert.deepEqual(delivered.map((e) => e.data), Array.from({ length: total }, (_, i) => i), 'all events, in order');
        assert.ok(subscription.stats.maxBuffered <= bufferSize, `buffered ${subscription.stats.maxBuffered} events, more than bufferSize ${bufferSize}`);
        assert.ok(peak <= bufferSize, `consumer saw ${peak} events buffered, more than bufferSize ${bufferSize}`);
        ctx.narrate(`${total} stored events, consumer sleeping 3 ms per event at first: at most ${subscription.stats.maxBuffered} events were ever held in memory (bufferSize ${bufferSize}), all ${total} delivered in order`);
      } finally {
        await subscription.close();
      }
    },
  },
  {
    id: 'metadata.correlation-causation',
    title: 'Metadata: correlation and causation ids',
    property: 'Correlation id, causation id and free metadata fields are stored and read back unchanged, by stream and by $all.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('shipment');
      const correlationId = randomUUID();
      const cause = event('OrderPlaced', { order: 7 }, { metadata: { correlationId, tenant: 'acme', trace: { hops: [1, 2] } } });
      await ctx.store.appendToStream(streamId, [cause]);
      const effect = event('ShipmentRequested', { order: 7 }, { metadata: { correlationId, causationId: cause.id, tenant: 'acme' } });
      await ctx.store.appendToStream(streamId, [effect]);
      const stored = await ctx.store.readStream(streamId);
      assert.deepEqual(stored[0]!.metadata, cause.metadata, 'metadata of the cause');
      assert.deepEqual(stored[1]!.metadata, effect.metadata, 'metadata of the effect');
      assert.equal(stored[1]!.metadata.causationId, stored[0]!.id, 'causation id points at the cause');
      if (ctx.store.unsupported['global-order'] === undefined) {
        const fromAll = await ctx.store.readAll({ fromPosition: stored[0]!.globalPosition, maxCount: 1 });
        assert.deepEqual(fromAll[0]?.metadata, cause.metadata, 'metadata by $all');
      }
      ctx.narrate(`correlation ${correlationId.slice(0, 8)}…: ${stored[0]!.type} caused ${stored[1]!.type} (causationId = the cause's event id); free fields kept`);
    },
  },
  {
    id: 'schema.upcasting',
    title: 'Event versioning by upcasting',
    property: 'Old event shapes are converted on read by upcasters; the stored events are never rewritten.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('customer');
      // Version 1 stored the name as one string; version 2 splits it.
      await ctx.store.appendToStream(streamId, [event('CustomerRegistered', { name: 'Ada Lovelace' })]);
      await ctx.store.appendToStream(streamId, [
        event('CustomerRegistered', { name: { first: 'Grace', last: 'Hopper' } }, { metadata: { schemaVersion: 2 } }),
      ]);
      const upcast = createUpcaster([
        {
          type: 'CustomerRegistered',
          fromSchemaVersion: 1,
          upcast: (data) => {
            const [first = '', ...rest] = String((data as { name: string }).name).split(' ');
            return { data: { name: { first, last: rest.join(' ') } } };
          },
        },
      ]);
      type Names = { [key: string]: JsonValue; names: string[] };
      const definition: AggregateDefinition<Names> = {
        initialState: () => ({ names: [] }),
        evolve: (state, e) => {
          const name = (e.data as { name: { first: string; last: string } }).name;
          return { names: [...state.names, `${name.last}, ${name.first}`] };
        },
        upcast,
      };
      const loaded = await loadAggregate(ctx.store, streamId, definition);
      assert.deepEqual(loaded.state.names, ['Lovelace, Ada', 'Hopper, Grace'], 'both versions folded in the new shape');
      const raw = await ctx.store.readStream(streamId);
      assert.deepEqual(raw[0]!.data, { name: 'Ada Lovelace' }, 'the stored v1 event is unchanged');
      assert.equal(raw[0]!.metadata.schemaVersion, undefined, 'the stored v1 event has no schemaVersion');
      ctx.narrate(`a v1 event {name: 'Ada Lovelace'} was read as v2 {first, last}; the stored event is still v1`);
    },
  },
  {
    id: 'snapshot.load-from-snapshot',
    title: 'Load an aggregate from a snapshot',
    property: 'With a snapshot, loading reads only the events after it and yields the same state as a full replay.',
    requires: ['snapshots'],
    async run(ctx) {
      const streamId = ctx.streamId('wallet');
      await ctx.store.appendToStream(streamId, Array.from({ length: 10 }, (_, i) => event('Deposited', { amount: i + 1 })));
      type Balance = { [key: string]: JsonValue; balance: number; deposits: number };
      const wallet: AggregateDefinition<Balance> = {
        initialState: () => ({ balance: 0, deposits: 0 }),
        evolve: (s, e) => ({ balance: s.balance + (e.data as { amount: number }).amount, deposits: s.deposits + 1 }),
      };
      const first = await loadAggregate(ctx.store, streamId, wallet, { useSnapshots: true, snapshotEvery: 5 });
      assert.equal(first.snapshotVersion, undefined, 'no snapshot existed yet');
      assert.equal(first.eventsRead, 10);
      const saved = await ctx.store.snapshots.load(streamId);
      assert.equal(saved?.streamVersion, 9, 'a snapshot was saved at version 9');
      await ctx.store.appendToStream(streamId, [event('Deposited', { amount: 100 }), event('Deposited', { amount: 200 })]);
      const fromSnapshot = await loadAggregate(ctx.store, streamId, wallet, { useSnapshots: true });
      const full = await loadAggregate(ctx.store, streamId, wallet);
      assert.equal(fromSnapshot.snapshotVersion, 9, 'loaded from the snapshot');
      assert.equal(fromSnapshot.eventsRead, 2, 'only the events after the snapshot were read');
      assert.deepEqual(fromSnapshot.state, full.state, 'same state as a full replay');
      assert.equal(fromSnapshot.streamVersion, 11);
      ctx.narrate(`snapshot at version 9 (balance ${(saved?.state as Balance).balance}); loading after 2 more events read 2 events instead of 12, balance ${fromSnapshot.state.balance} as with a full replay`);
    },
  },
  {
    id: 'projection.read-model',
    title: 'A projection builds a read model with checkpoints',
    property: 'A projection handles every event once across restarts, resuming from its checkpoint, and its read model equals a full fold.',
    requires: ['subscriptions', 'checkpoints', 'global-order'],
    async run(ctx) {
      const name = ctx.streamId('orders-per-customer');
      await ctx.store.checkpoints.store(name, await headPosition(ctx.store));
      const customers = ['ann', 'bob', 'cy'];
      let lastPosition = 0n;
      const place = async (customer: string, n: number) => {
        for (let i = 0; i < n; i++) {
          const result = await ctx.store.appendToStream(ctx.streamId(`order-${customer}-${i}-${randomUUID().slice(0, 4)}`), [event('OrderPlaced', { customer })]);
          lastPosition = result.globalPosition;
        }
      };
      await place('ann', 3);
      await place('bob', 1);
      const readModel = new Map<string, number>();
      const handledIds = new Set<string>();
      const projection = {
        name,
        handle(e: RecordedEvent) {
          if (!e.streamId.startsWith(ctx.prefix)) return;
          assert.ok(!handledIds.has(e.id), `event ${e.id} handled twice`);
          handledIds.add(e.id);
          const customer = (e.data as { customer: string }).customer;
          readModel.set(customer, (readModel.get(customer) ?? 0) + 1);
        },
      };
      // Run until our last event is handled (other clients may be writing to the same log).
      await runProjection(ctx.store, projection, { untilPosition: lastPosition });
      assert.deepEqual(Object.fromEntries(readModel), { ann: 3, bob: 1 }, 'read model after the first run');
      await place('cy', 2);
      await place('bob', 1);
      const restarted = await ctx.openStore();
      await runProjection(restarted, projection, { untilPosition: lastPosition });
      assert.deepEqual(Object.fromEntries(readModel), { ann: 3, bob: 2, cy: 2 }, 'read model after the restart');
      assert.equal(handledIds.size, 7, 'every event handled once');
      ctx.narrate(`projection ran, stopped, and resumed from its checkpoint on a new connection: orders per customer ${customers.map((c) => `${c}=${readModel.get(c)}`).join(', ')}, each event handled once`);
    },
  },
  {
    id: 'input.invalid',
    title: 'Bad input gets a typed error and writes nothing',
    property: 'Invalid stream ids, events, sizes, versions and read options are refused with InvalidInputError before anything is written.',
    requires: [],
    async run(ctx) {
      const store = ctx.store;
      const good = ctx.streamId('valid');
      const cases: { what: string; call: () => Promise<unknown>; stream?: string }[] = [
        { what: 'empty stream id', call: () => store.appendToStream('', [event('A', 1)]) },
        { what: 'over-long stream id', call: () => store.appendToStream(ctx.prefix + 'x'.repeat(store.limits.maxStreamIdLength), [event('A', 1)]) },
        { what: 'stream id with a NUL character', call: () => store.appendToStream(`${ctx.prefix}a\u0000b`, [event('A', 1)]) },
        { what: 'stream id with a newline', call: () => store.appendToStream(`${ctx.prefix}a\nb`, [event('A', 1)]) },
        { what: 'stream id that is not a string', call: () => store.appendToStream(42 as unknown as string, [event('A', 1)]) },
        { what: 'events that are not an array', stream: good, call: () => store.appendToStream(good, { type: 'A' } as unknown as NewEvent[]) },
        { what: 'an empty batch', stream: good, call: () => store.appendToStream(good, []) },
        { what: 'an event without a type', stream: good, call: () => store.appendToStream(good, [{ data: 1 } as unknown as NewEvent]) },
        { what: 'data with NaN', stream: good, call: () => store.appendToStream(good, [event('A', { x: Number.NaN })]) },
        { what: 'data with a function', stream: good, call: () => store.appendToStream(good, [event('A', { f: (() => 1) as unknown as JsonValue })]) },
        { what: 'data with a bigint', stream: good, call: () => store.appendToStream(good, [event('A', { n: 1n as unknown as JsonValue })]) },
        { what: 'data with a Date', stream: good, call: () => store.appendToStream(good, [event('A', { at: new Date() as unknown as JsonValue })]) },
        { what: 'an event id that is not a UUID', stream: good, call: () => store.appendToStream(good, [event('A', 1, { id: 'not-a-uuid' })]) },
        { what: 'the same id twice in one batch', stream: good, call: () => { const e = event('A', 1); return store.appendToStream(good, [e, { ...e }]); } },
        { what: 'an oversized event', stream: good, call: () => store.appendToStream(good, [event('A', 'x'.repeat(store.limits.maxEventBytes + 1))]) },
        { what: 'a valid event followed by an oversized one', stream: good, call: () => store.appendToStream(good, [event('A', 1), event('B', 'x'.repeat(store.limits.maxEventBytes + 1))]) },
        { what: 'a negative expected version', stream: good, call: () => store.appendToStream(good, [event('A', 1)], { expectedVersion: -1 }) },
        { what: 'a fractional expected version', stream: good, call: () => store.appendToStream(good, [event('A', 1)], { expectedVersion: 1.5 }) },
        { what: 'an unknown expected version', stream: good, call: () => store.appendToStream(good, [event('A', 1)], { expectedVersion: 'latest' as unknown as number }) },
        { what: 'a negative fromVersion', call: () => store.readStream(good, { fromVersion: -1 }) },
        { what: 'maxCount 0', call: () => store.readStream(good, { maxCount: 0 }) },
        { what: 'an unknown direction', call: () => store.readStream(good, { direction: 'sideways' as unknown as 'forward' }) },
        { what: 'a negative fromPosition', call: () => store.readAll({ fromPosition: -1n }) },
        { what: 'readStream of an empty stream id', call: () => store.readStream('') },
      ];
      for (const c of cases) {
        const error = await expectError(c.call, InvalidInputError, c.what);
        assert.ok(error.message.length > 20, `${c.what}: the message explains the problem`);
        if (c.stream) assert.deepEqual(await store.readStream(c.stream), [], `${c.what}: nothing was written`);
      }
      ctx.narrate(`${cases.length} kinds of bad input refused with typed errors, e.g. "${await store.appendToStream('', [event('A', 1)]).catch((e: Error) => e.message)}"`);
    },
  },
];

export function scenarioById(id: string): Scenario | undefined {
  return scenarios.find((s) => s.id === id);
}
