// Issue 16's untyped errors on Kafka, against the real broker: a 2 MB snapshot reached the broker and came
// back as a raw KafkaJSProtocolError; a negative checkpoint waited 10 s, then failed raw. Both are now
// refused by the store shell with a typed error, before any I/O, and nothing is written. The snapshot just
// under the workbench's default limit (1 MiB) is the case only Kafka's own limit catches: as one record
// with its envelope it is over the broker's message.max.bytes (measured: MESSAGE_TOO_LARGE, raw).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BackendUnavailableError, DEFAULT_LIMITS, InvalidCheckpointError, InvalidSnapshotError } from '../core/index.ts';
import { freePort } from '../runtime/ports.ts';
import { closeKafkaViews, KafkaEventStore } from './kafka-store.ts';
import { NaiveKafkaEventStore } from './naive/naive-store.ts';
import { useKafkaBroker } from './test-broker.ts';

const kafka = useKafkaBroker(closeKafkaViews);

for (const [name, connect] of [
  ['kafka', KafkaEventStore.connect],
  ['kafka-naive', NaiveKafkaEventStore.connect],
] as const) {
  test(`${name}: a snapshot over the broker's record limit and a negative checkpoint get typed errors, at once`, { timeout: 120_000 }, async (t) => {
    const broker = kafka.broker;
    if (!broker) return t.skip(kafka.skipMessage);
    const store = await connect({ brokers: broker.brokers });
    try {
      const streamId = `typed-errors-${randomBytes(4).toString('hex')}`;
      for (const bytes of [2 * 1024 * 1024, DEFAULT_LIMITS.maxSnapshotBytes - 100]) {
        const big = { blob: 'x'.repeat(bytes) };
        await assert.rejects(store.snapshots.save(streamId, { streamVersion: 0, schemaVersion: 1, state: big }), InvalidSnapshotError, `${bytes} bytes`);
      }
      assert.equal(await store.snapshots.load(streamId), undefined, 'nothing was written');
      // Under the limit it is stored and read back.
      const fits = { blob: 'y'.repeat(store.limits.maxSnapshotBytes - 20) };
      await store.snapshots.save(streamId, { streamVersion: 0, schemaVersion: 1, state: fits });
      assert.deepEqual((await store.snapshots.load(streamId))?.state, fits);

      const started = performance.now();
      await assert.rejects(store.checkpoints.store(`sub-${streamId}`, -1n), InvalidCheckpointError);
      assert.ok(performance.now() - started < 1_000, 'refused before any round trip, not after a 10 s wait');
      assert.equal(await store.checkpoints.load(`sub-${streamId}`), undefined, 'no checkpoint was stored');
    } finally {
      await store.close();
    }
  });
}

test('opening a store where no broker answers fails with BackendUnavailableError, not a raw kafkajs error', { timeout: 60_000 }, async () => {
  const port = await freePort(); // nothing listens there
  for (const connect of [KafkaEventStore.connect, NaiveKafkaEventStore.connect]) {
    await assert.rejects(connect({ brokers: [`127.0.0.1:${port}`] }), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError, String(error));
      assert.match(error.message, /no Kafka broker answered/);
      return true;
    });
  }
});
