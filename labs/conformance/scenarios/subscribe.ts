import assert from 'node:assert/strict';
import {
  headPosition,
} from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { assertStrictlyIncreasing, event, fromPrefix, take, versionsOf } from './support.ts';

export const subscribeScenarios: Scenario[] = [
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
];
