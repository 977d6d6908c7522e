/** The store's own life cycle: what a closed store does. */
import assert from 'node:assert/strict';
import { StoreClosedError } from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event } from './support.ts';

export const storeScenarios: Scenario[] = [
  {
    id: 'store.closed',
    title: 'A closed store refuses every call',
    property:
      'After close() every call of the contract fails with StoreClosedError and writes nothing; closing twice is harmless; a subscription open at close ends.',
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('after-close');
      const closing = await ctx.openStore();
      const live = closing.subscribeToStream(ctx.streamId('live'), { pollIntervalMs: 50 });
      const iteration = (async () => {
        let seen = 0;
        for await (const _ of live) seen++;
        return seen;
      })();
      await closing.close();
      await closing.close(); // harmless
      const ended = await Promise.race([iteration.then(() => true), new Promise((r) => setTimeout(() => r(false), 5_000))]);
      assert.equal(ended, true, 'a subscription open when the store closed has ended');
      const calls: [string, () => unknown][] = [
        ['appendToStream', () => closing.appendToStream(streamId, [event('A', 1)])],
        ['readStream', () => closing.readStream(streamId)],
        ['readAll', () => closing.readAll({ maxCount: 1 })],
        ['subscribeToAll', () => closing.subscribeToAll()],
        ['subscribeToStream', () => closing.subscribeToStream(streamId)],
        ['checkpoints.load', () => closing.checkpoints.load(ctx.streamId('subscriber'))],
        ['checkpoints.store', () => closing.checkpoints.store(ctx.streamId('subscriber'), 1n)],
        ['snapshots.load', () => closing.snapshots.load(streamId)],
        ['snapshots.save', () => closing.snapshots.save(streamId, { streamVersion: 0, schemaVersion: 1, state: 1 })],
      ];
      for (const [name, call] of calls) {
        let outcome: unknown;
        try {
          outcome = await call();
          outcome = 'succeeded';
        } catch (error) {
          outcome = error;
        }
        assert.ok(
          outcome instanceof StoreClosedError,
          `${name} on a closed store: expected StoreClosedError, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`,
        );
      }
      assert.deepEqual(await ctx.store.readStream(streamId), [], 'nothing was written by the closed store');
      ctx.narrate(`${calls.length} calls on a closed store refused with StoreClosedError; close() twice was harmless`);
    },
  },
];
