/**
 * The broker keeps its data (issue 16): `restart()` brings it back on the same data and address, a
 * `dataDir` outlives `stop()` (and a later start comes back on the same ports), and `wipe` starts clean.
 * Each test starts brokers of its own (a shared KAFKA_BROKERS broker cannot be restarted from here).
 *
 *   node --import tsx --test labs/runtime/kafka-restart.int.spec.ts
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { type KafkaBroker, type StartKafkaOptions } from './kafka.ts';
import { startKafkaForTest } from './kafka/testing.ts';
import { skipMessage } from './backend.ts';

const TOPIC = `workbench-it-durable-${randomBytes(3).toString('hex')}`;

/** A broker of this test's own (never KAFKA_BROKERS), or undefined with the test skipped and the reason. */
async function ownBroker(t: TestContext, options: StartKafkaOptions = {}): Promise<KafkaBroker | undefined> {
  const { broker, skipReason } = await startKafkaForTest({ ...options, env: {} });
  if (!broker) t.skip(skipMessage('Kafka', skipReason));
  return broker;
}

async function retriable<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function client(broker: KafkaBroker): Kafka {
  return new Kafka({ clientId: 'workbench-it-durable', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 20, maxRetryTime: 1_000 } });
}

/** Creates the topic and commits `values` in one transaction, and commits offset `values.length` for a group. */
async function write(broker: KafkaBroker, values: string[]): Promise<void> {
  const kafka = client(broker);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ transactionalId: `${TOPIC}.writer`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true }).catch(() => {});
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({ topic: TOPIC, messages: values.map((value) => ({ key: 'k', value })) });
    await transaction.commit();
    await admin.setOffsets({ groupId: `${TOPIC}.reader`, topic: TOPIC, partitions: [{ partition: 0, offset: String(values.length) }] });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

/** The committed values of the topic (read_committed) and the group's committed offset; undefined: no topic. */
async function read(broker: KafkaBroker): Promise<{ values: string[]; committed: string | undefined } | undefined> {
  const kafka = client(broker);
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(TOPIC)) return undefined;
    const [high] = (await admin.fetchTopicOffsets(TOPIC)).map((o) => Number(o.high));
    // Right after a start on old data the group coordinator is still loading __consumer_offsets
    // (COORDINATOR_LOAD_IN_PROGRESS, retriable), which kafkajs' admin does not retry for OffsetFetch.
    const [offsets] = await retriable(() => admin.fetchOffsets({ groupId: `${TOPIC}.reader`, topics: [TOPIC] }));
    const consumer = kafka.consumer({ groupId: `${TOPIC}.check-${randomBytes(3).toString('hex')}`, readUncommitted: false });
    const values: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${values.length} records of ${TOPIC} within 30 s`)), 30_000);
        void consumer.run({
          eachBatch: async ({ batch }) => {
            values.push(...batch.messages.map((m) => m.value?.toString() ?? ''));
            if (Number(batch.lastOffset()) + 1 >= (high ?? 0)) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return { values, committed: offsets?.partitions[0]?.offset };
  } finally {
    await admin.disconnect();
  }
}

test('restart() brings the broker back on its data, on the same address', { timeout: 300_000 }, async (t) => {
  const broker = await ownBroker(t);
  if (!broker) return;
  try {
    await write(broker, ['a', 'b', 'c']);
    const pidBefore = broker.pid;
    const brokersBefore = [...broker.brokers];
    await broker.restart!({ downMs: 500 });
    assert.notEqual(broker.pid, pidBefore, 'a new JVM');
    assert.deepEqual(broker.brokers, brokersBefore, 'the same address');
    assert.deepEqual(await read(broker), { values: ['a', 'b', 'c'], committed: '3' }, 'records and committed offsets survived');
  } finally {
    await broker.stop();
  }
});

test('a dataDir outlives stop(): the next start finds the data on the same ports; wipe starts clean', { timeout: 300_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'workbench-kafka-data-'));
  try {
    const first = await ownBroker(t, { dataDir });
    if (!first) return;
    await write(first, ['x', 'y']).finally(() => first.stop());

    const second = await ownBroker(t, { dataDir });
    if (!second) return;
    try {
      assert.deepEqual(second.brokers, first.brokers, 'the ports the data directory remembers');
      assert.deepEqual(await read(second), { values: ['x', 'y'], committed: '2' }, 'what was committed before the stop is there');
    } finally {
      await second.stop();
    }

    const wiped = await ownBroker(t, { dataDir, wipe: true });
    if (!wiped) return;
    try {
      assert.equal(await read(wiped), undefined, 'after wipe the topic is gone');
    } finally {
      await wiped.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
