import assert from 'node:assert/strict';
import {
  headPosition,
  type RecordedEvent,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { assertStrictlyIncreasing, event, fromPrefix, versionsOf } from './support.ts';

export const readScenarios: Scenario[] = [
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
      let stopWriters = false;

      const writeAll = Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < appendsPerWriter && !stopWriters; i++) {
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
      try {
        while (writing) await readPage();
      } catch (error) {
        // The reader found the order broken: stop the writers before the stores close under them, so the
        // failure reported is the reader's assertion, not a writer's StoreClosedError.
        stopWriters = true;
        await writeAll.catch(() => {});
        throw error;
      }
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
];
