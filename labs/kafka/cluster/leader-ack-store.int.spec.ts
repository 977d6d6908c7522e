// The acks=1 twin (leader-ack-store.ts) is wrong in one way only: what it acknowledges may exist on the
// leader alone (the drill, scripts/drill/drill.int.spec.ts, shows the loss on a cluster). Everything else
// must hold as on the real store, on the single broker too: appends in a row at their expected versions
// (checked against the view plus this process's acknowledged appends the view has not read yet), reading
// one's own writes, exact retries answered without a second copy, refusals that write nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { WrongExpectedVersionError } from '../../core/index.ts';
import { closeKafkaViews } from '../kafka-store.ts';
import { useKafkaBroker } from '../test-broker.ts';
import { LeaderAckKafkaEventStore } from './leader-ack-store.ts';

const kafka = useKafkaBroker(closeKafkaViews);

test('kafka-cluster-acks1: appends in a row, concurrent streams, retries and refusals behave as on the real store', { timeout: 120_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const run = randomBytes(4).toString('hex');
  // A namespace of its own: the shared one's log carries the real store's by-stream copies.
  const store = await LeaderAckKafkaEventStore.connect({ brokers: broker.brokers, namespace: `workbench-acks1-${run}` });
  try {
    const streams = ['a', 'b', 'c'].map((s) => `acks1-${run}-${s}`);
    const ids = new Map<string, string[]>();
    // Three streams at once, 15 appends each, every one at the version the previous answer gave.
    await Promise.all(
      streams.map(async (streamId) => {
        let expected: number | 'no_stream' = 'no_stream';
        const written: string[] = [];
        for (let n = 0; n < 15; n++) {
          const id = crypto.randomUUID();
          const result = await store.appendToStream(streamId, [{ id, type: 'Counted', data: { n } }], { expectedVersion: expected });
          assert.equal(result.nextExpectedVersion, n, `${streamId}: append ${n} got version ${result.nextExpectedVersion}`);
          expected = result.nextExpectedVersion;
          written.push(id);
        }
        ids.set(streamId, written);
      }),
    );
    for (const streamId of streams) {
      const read = await store.readStream(streamId);
      assert.deepEqual(read.map((e) => e.id), ids.get(streamId), `${streamId} reads back its own writes, in order`);
    }

    // An exact retry is answered as the original, and nothing is written twice.
    const [streamId] = streams as [string];
    const id = crypto.randomUUID();
    const first = await store.appendToStream(streamId, [{ id, type: 'Counted', data: { n: 15 } }], { expectedVersion: 14 });
    const again = await store.appendToStream(streamId, [{ id, type: 'Counted', data: { n: 15 } }], { expectedVersion: 14 });
    assert.deepEqual(again, first, 'the retry gets the original answer');
    // A stale expected version is refused, and nothing is written.
    await assert.rejects(store.appendToStream(streamId, [{ type: 'Counted', data: { n: 99 } }], { expectedVersion: 3 }), WrongExpectedVersionError);
    const after = await store.readStream(streamId);
    assert.equal(after.length, 16, 'one copy of the retried event, none of the refused one');
    assert.equal(after.filter((e) => e.id === id).length, 1);
  } finally {
    await store.close();
  }
});
