// The naive twin's retention lesson on a real broker with a short default: the broker is started with
// log.retention.ms=3000 (a stand-in for the 7 days of log.retention.hours=168, on a clock a test can wait
// for). The twin's events topic inherits it and its events vanish from the log; the store's topic, created
// with retention.ms=-1, keeps every event on the same broker. See PITFALL(retention.events-kept-forever)
// in naive-store.ts and the scenario labs/conformance/scenarios/retention.ts. The same broker shows
// retention chosen per topic (labs/kafka/retention-demo.ts): a topic's retention.ms overrides the default.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipMessage, startBackend, type RunningBackend } from '../../runtime/backend.ts';
import { kafkaBackend, startKafkaBackend } from '../backend.ts';
import { closeKafkaViews, KafkaEventStore } from '../kafka-store.ts';
import { RETENTION_CHECK_EVERY_SECOND, runTopicRetentionDemo } from '../retention-demo.ts';
import { NaiveKafkaEventStore } from './naive-store.ts';

const SHORT_RETENTION = {
  'log.retention.ms': '3000',
  // The broker looks for expired segments every second (default: 5 minutes), from its start on.
  ...RETENTION_CHECK_EVERY_SECOND,
  // A segment rolls at its first append after a second (default: 7 days), so the old events' one can go.
  'log.roll.ms': '1000',
};

let running: RunningBackend | undefined;
let skipReason: string | undefined;
before(async () => {
  const outcome = await startBackend({ ...kafkaBackend, start: (log) => startKafkaBackend({ log, env: {}, brokerProperties: SHORT_RETENTION }) }, { log: () => {} });
  if (outcome.status === 'skipped') skipReason = outcome.reason;
  else running = outcome.running;
}, { timeout: 240_000 });
after(async () => {
  await closeKafkaViews();
  await running?.stop();
});

test('on a broker whose default retention is 3 s, the naive twin loses its events and the store keeps them', { timeout: 240_000 }, async (t) => {
  if (!running) return t.skip(skipMessage('Kafka', skipReason));
  const brokers = running.env.KAFKA_BROKERS!.split(',');
  const run = randomBytes(3).toString('hex');
  const naiveNamespace = `retention-naive-${run}`;
  const storeNamespace = `retention-store-${run}`;
  const streamId = `ledger-${run}`;
  const events = () => [1, 2, 3].map((n) => ({ id: randomUUID(), type: 'Posted', data: { n } }));

  const naive = await NaiveKafkaEventStore.connect({ brokers, namespace: naiveNamespace });
  const store = await KafkaEventStore.connect({ brokers, namespace: storeNamespace });
  await naive.appendToStream(streamId, events());
  await store.appendToStream(streamId, events());
  const naivePolicy = await naive.describeRetention();
  const storePolicy = await store.describeRetention();
  assert.equal(naivePolicy.keepsEventsForever, false, naivePolicy.source);
  assert.equal(naivePolicy.maxAgeMs, 3000, `the twin's topic inherits the broker's default: ${naivePolicy.source}`);
  assert.equal(storePolicy.keepsEventsForever, true, storePolicy.source);

  // Keep appending elsewhere for a while: each append after a second rolls the segment, so the one with
  // the ledger's events closes, expires and is deleted by the broker.
  // Until the broker moved the twin's log start past the ledger's three records (at most a minute).
  const admin = naive.viewAdmin();
  let logStart = 0n;
  for (let tick = 0; tick < 60 && logStart < 3n; tick++) {
    await sleep(1_000);
    await naive.appendToStream(`ticks-${run}`, [{ type: 'Tick', data: tick }]);
    await store.appendToStream(`ticks-${run}`, [{ type: 'Tick', data: tick }]);
    const [partition] = await admin.fetchTopicOffsets(`${naiveNamespace}.events`);
    logStart = BigInt(partition?.low ?? '0');
  }
  assert.ok(logStart >= 3n, `the broker deleted the twin's oldest records (log start offset ${logStart})`);
  await naive.close();
  await store.close();
  // Fresh stores replay their topics from the broker: what they read is what the log still holds.
  await closeKafkaViews();
  const naiveAgain = await NaiveKafkaEventStore.connect({ brokers, namespace: naiveNamespace });
  const storeAgain = await KafkaEventStore.connect({ brokers, namespace: storeNamespace });
  try {
    assert.deepEqual(await naiveAgain.readStream(streamId), [], "the twin's events vanished: the broker deleted them (retention)");
    assert.equal((await storeAgain.readStream(streamId)).length, 3, "the store's events are all there (retention.ms=-1)");
  } finally {
    await naiveAgain.close();
    await storeAgain.close();
  }
});

test('retention.ms per topic: a topic set to 2 s loses its first records, one set to an hour keeps them, on the same broker', { timeout: 120_000 }, async (t) => {
  if (!running) return t.skip(skipMessage('Kafka', skipReason));
  const result = await runTopicRetentionDemo(running.env.KAFKA_BROKERS!.split(','));
  t.diagnostic(JSON.stringify(result));
  assert.equal(result.shortRetentionMs, 2000, 'the broker reports the short topic\'s own retention.ms');
  assert.equal(result.keptRetentionMs, 3_600_000, 'and the kept topic\'s, overriding the broker default of 3 s');
  assert.ok(result.deletedAfterMs !== undefined && result.shortLogStart >= result.written, `the broker deleted the short topic's first ${result.written} records (log start ${result.shortLogStart})`);
  assert.ok(result.deletedAfterMs >= 2000, `not before they were 2 s old (${result.deletedAfterMs} ms)`);
  assert.equal(result.keptLogStart, 0, 'the kept topic still starts at offset 0: nothing deleted');
});
