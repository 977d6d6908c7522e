/**
 * Replication: what an acknowledged append is worth when the node that took it dies. Run on backends
 * that declare a cluster; a single node reports it unsupported (no replica to fail over to).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { WrongExpectedVersionError, type EventStore, type ExpectedVersion } from '../../core/index.ts';
import type { Scenario } from '../scenario.ts';
import { event } from './support.ts';

const WRITERS = 3;
const BEFORE_MS = 1_000;
const AFTER_MS = 1_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Appends to its own stream until `stop()`, tracking the expected version. A failed attempt is retried
 * with the same event id and expected version (an exact retry: answered as the original if it committed).
 */
function writer(store: EventStore, streamId: string) {
  const acknowledged: string[] = [];
  const refused: WrongExpectedVersionError[] = [];
  let stopping = false;
  const done = (async () => {
    let expected: ExpectedVersion = 'no_stream';
    for (let n = 0; !stopping; n++) {
      const id = randomUUID();
      while (!stopping) {
        try {
          expected = (await store.appendToStream(streamId, [{ ...event('Written', n), id }], { expectedVersion: expected })).nextExpectedVersion;
          acknowledged.push(id);
          break;
        } catch (error) {
          // The stream is not at the version this writer was acknowledged: its last appends are gone
          // (the checker below counts them). This writer stops; the others go on.
          if (error instanceof WrongExpectedVersionError) {
            refused.push(error);
            return;
          }
          await delay(50);
        }
      }
    }
  })();
  return { acknowledged, refused, stop: async () => ((stopping = true), await done) };
}

export const replicationScenarios: Scenario[] = [
  {
    id: 'replication.acknowledged-survive-failover',
    title: 'Acknowledged appends survive a failover',
    property:
      'When the primary of a replicated cluster is killed while writers append, and a replica takes over, every append the store acknowledged before the kill is still readable afterwards.',
    requires: [],
    needs: ['failover'],
    timeoutMs: 180_000,
    async run(ctx) {
      const stores = await Promise.all(Array.from({ length: WRITERS }, () => ctx.openStore()));
      const writers = stores.map((store, i) => writer(store, ctx.streamId(`writer-${i}`)));
      await delay(BEFORE_MS);
      await ctx.failover!();
      await delay(AFTER_MS);
      for (const w of writers) await w.stop();
      let acknowledged = 0;
      const lost: string[] = [];
      for (const [i, w] of writers.entries()) {
        const stored = new Set((await ctx.store.readStream(ctx.streamId(`writer-${i}`))).map((e) => e.id));
        acknowledged += w.acknowledged.length;
        lost.push(...w.acknowledged.filter((id) => !stored.has(id)));
      }
      assert.ok(acknowledged > 0, 'no append was acknowledged: the writers never wrote');
      const refusals = writers.flatMap((w) => w.refused.map((e) => e.message));
      assert.equal(
        lost.length,
        0,
        `${lost.length} of ${acknowledged} acknowledged appends are gone after the failover (first: ${lost[0]})${refusals.length ? `; ${refusals.length} writer(s) then refused: ${refusals[0]}` : ''}`,
      );
      ctx.narrate(`${WRITERS} writers, primary killed and a replica promoted: ${acknowledged} appends acknowledged, every one readable afterwards`);
    },
  },
];
