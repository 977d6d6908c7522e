/**
 * `any` under contention: an append that does not care about the stream's version must never be refused
 * because another writer got there first. A store that implements `any` as "read the version, then write
 * conditionally" without retrying refuses one of two racing appends — nothing else in the suite races
 * `any`, so such a store would pass everything else.
 */
import assert from 'node:assert/strict';
import type { AppendResult } from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event, versionsOf } from './support.ts';

const WRITERS = 4;
const ROUNDS = 8;

export const anyContentionScenarios: Scenario[] = [
  {
    id: 'append.any-under-contention',
    title: 'Racing appends with expected version any',
    property: `${WRITERS} store instances (own connections) append to one stream at once with expectedVersion any, ${ROUNDS} rounds, batches of 1 and 2: every append succeeds, each at versions of its own, the stream has no gap, and each event is stored at the version the store answered.`,
    requires: [],
    async run(ctx) {
      const streamId = ctx.streamId('any');
      const writers = await Promise.all(Array.from({ length: WRITERS }, () => ctx.openStore()));
      const acknowledged: { ids: string[]; result: AppendResult }[] = [];
      const refusals: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const outcomes = await Promise.allSettled(
          writers.map(async (writer, w) => {
            // Odd writers append two events: the versions they claim must be two consecutive ones.
            const batch = Array.from({ length: 1 + (w % 2) }, (_, i) => event('Noted', { round, writer: w, i }));
            const result = await writer.appendToStream(streamId, batch, { expectedVersion: 'any' });
            acknowledged.push({ ids: batch.map((e) => e.id!), result });
          }),
        );
        for (const o of outcomes) {
          if (o.status === 'rejected') refusals.push(o.reason instanceof Error ? `${o.reason.name}: ${o.reason.message}` : String(o.reason));
        }
      }
      assert.deepEqual(refusals.slice(0, 2), [], `every append with any succeeds (${refusals.length} of ${WRITERS * ROUNDS} were refused)`);
      const stored = await ctx.store.readStream(streamId);
      const expectedCount = ROUNDS * (WRITERS + Math.floor(WRITERS / 2));
      assert.equal(stored.length, expectedCount, 'every acknowledged event is stored, once');
      assert.deepEqual(versionsOf(stored), stored.map((_, i) => i), 'versions are 0..n-1: no gap, no duplicate');
      const storedAt = new Map(stored.map((e) => [e.id, e.streamVersion]));
      const answered = new Set<number>();
      for (const { ids, result } of acknowledged) {
        const last = result.nextExpectedVersion;
        assert.ok(!answered.has(last), `two appends were both answered version ${last}`);
        answered.add(last);
        ids.forEach((id, i) => assert.equal(storedAt.get(id), last - (ids.length - 1) + i, `event ${i} of an append answered ${last} is stored at the version the answer implies`));
      }
      ctx.narrate(`${WRITERS} writers x ${ROUNDS} rounds with any: ${acknowledged.length} appends all succeeded, ${stored.length} events at versions 0..${stored.length - 1}, each where the store said`);
    },
  },
];
