// The Kafka store across a broker restart (issue 16): what was written before is read after, the store's
// calls during the outage fail with the typed BackendUnavailableError, and appends go on afterwards.
// The file starts a broker of its own (a shared one from KAFKA_BROKERS cannot be restarted from here).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { BackendUnavailableError, type EventStore } from '../core/index.ts';
import { skipMessage, startBackend, type BackendDefinition, type RunningBackend } from '../runtime/backend.ts';
import { kafkaBackend, startKafkaBackend } from './backend.ts';
import { closeKafkaViews } from './kafka-store.ts';

const ownBroker: BackendDefinition = { ...kafkaBackend, start: (log) => startKafkaBackend({ log, env: {} }) };
let running: RunningBackend | undefined;
let skipReason: string | undefined;

before(async () => {
  const outcome = await startBackend(ownBroker, { log: () => {} });
  if (outcome.status === 'ran') running = outcome.running;
  else skipReason = outcome.reason;
}, { timeout: 150_000 });

after(async () => {
  await running?.stop();
});

/** Retries a call while the broker is still coming back (BackendUnavailableError), for at most `withinMs`. */
async function once<T>(call: () => Promise<T>, withinMs = 60_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof BackendUnavailableError) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

test('events written before a broker restart are read after it, by this store and by a fresh one', { timeout: 240_000 }, async (t) => {
  if (!running) return t.skip(skipMessage('Kafka', skipReason));
  assert.ok(running.restart, 'a broker started here can be restarted');
  const streamId = `restart-${randomBytes(4).toString('hex')}`;
  let store: EventStore = await running.createStore();
  try {
    await store.appendToStream(streamId, [0, 1, 2].map((n) => ({ id: randomUUID(), type: 'BeforeRestart', data: { n } })), { expectedVersion: 'no_stream' });

    // Down for 20 s: long enough for the client's retries to give up, so the outage is seen.
    const restarting = running.restart({ downMs: 20_000 });
    await sleep(5_000);
    const duringOutage = await store.readStream(streamId).then(
      () => 'answered',
      (error: unknown) => error,
    );
    assert.ok(duringOutage instanceof BackendUnavailableError, `a read while the broker is down fails with BackendUnavailableError (got ${String(duringOutage)})`);
    await restarting;

    const afterRestart = await once(() => store.readStream(streamId));
    assert.deepEqual(afterRestart.map((e) => e.type), ['BeforeRestart', 'BeforeRestart', 'BeforeRestart']);
    const appended = await once(() => store.appendToStream(streamId, [{ id: randomUUID(), type: 'AfterRestart', data: null }], { expectedVersion: 2 }));
    assert.equal(appended.nextExpectedVersion, 3);

    // A fresh store replays the log from the broker (not from this process's memory): the data was on disk.
    await store.close();
    await closeKafkaViews();
    store = await running.createStore();
    const replayed = await once(() => store.readStream(streamId));
    assert.deepEqual(replayed.map((e) => [e.streamVersion, e.type]), [[0, 'BeforeRestart'], [1, 'BeforeRestart'], [2, 'BeforeRestart'], [3, 'AfterRestart']]);
  } finally {
    await store.close();
  }
});
