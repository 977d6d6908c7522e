/**
 * kafkajs 2.2.4 against a real Apache Kafka broker (the one `startKafka` starts, or KAFKA_BROKERS).
 * kafkajs' last release predates Kafka 4 and its removal of old protocol versions (KIP-896), so this is
 * the proof that the client still does what the Kafka lab needs: admin, produce, consumer groups, the
 * idempotent producer and transactions with read_committed isolation.
 *
 *   node --import tsx --test labs/runtime/kafka.int.spec.ts
 *
 * If the broker cannot start, every test fails under CI=true and is skipped, loudly, elsewhere.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import kafkajs, { Kafka, logLevel, Partitioners, type Admin, type Consumer, type KafkaMessage, type LogEntry } from 'kafkajs';
import { KAFKA_VERSION, type KafkaBroker } from './kafka.ts';
import { startKafkaForTest } from './kafka/testing.ts';

// kafkajs re-exports its error classes with an object spread, which Node cannot see as named ESM
// exports (the import type-checks, then fails at load): take them from the default export.
const { KafkaJSProtocolError } = kafkajs;

const WAIT_MS = 20_000;
const TEST_TIMEOUT_MS = 90_000;
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

let broker: KafkaBroker | undefined;
let startFailure: string | undefined;

// Availability (WORKBENCH_UNAVAILABLE_KAFKA from `npm test`) and CI=true (a broker that cannot start fails
// the file) are startBackend's policy, through startKafkaForTest.
before(
  async () => {
    ({ broker, skipReason: startFailure } = await startKafkaForTest({ readyTimeoutMs: 120_000 }));
  },
  { timeout: 10 * 60_000 }, // a first run fetches ~45 MB of jars with Maven
);

after(async () => {
  await broker?.stop();
});

/** The broker under test, or undefined after skipping, loudly, with the reason. */
function brokerOrSkip(t: TestContext): KafkaBroker | undefined {
  if (broker !== undefined) return broker;
  const reason = `Kafka broker could not start: ${startFailure ?? 'unknown reason'}`;
  process.stderr.write(`\n!!! SKIPPED '${t.name}': ${reason}\n`);
  t.skip(reason);
  return undefined;
}

/**
 * A kafkajs client whose log goes into an array instead of the terminal. kafkajs logs retriable broker
 * answers (a coordinator still loading, a transaction still completing) at ERROR level although it
 * retries them; the test reports them as diagnostics, and asserts on outcomes instead.
 */
function client(t: TestContext, kafkaBroker: KafkaBroker): Kafka {
  const entries: LogEntry[] = [];
  t.after(() => {
    const counts = new Map<string, number>();
    for (const entry of entries) {
      const error = typeof entry.log['error'] === 'string' ? `: ${entry.log['error']}` : '';
      const line = `kafkajs ${entry.label} ${entry.log.message}${error}`;
      counts.set(line, (counts.get(line) ?? 0) + 1);
    }
    for (const [line, count] of counts) t.diagnostic(`${line} (×${String(count)})`);
  });
  return new Kafka({
    clientId: `workbench-it-${runId}`,
    brokers: kafkaBroker.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      entries.push(entry);
    },
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
  });
}

/**
 * Creates a topic and waits until ListOffsets answers for it. `waitForLeaders` only waits for the
 * metadata to name a leader; right after that the broker can still answer ListOffsets with
 * NOT_LEADER_OR_FOLLOWER (seen on Kafka 4.4 in KRaft mode), and kafkajs' admin does not retry it.
 * Returns whether the topic was new, as `createTopics` does.
 */
async function createTopic(t: TestContext, admin: Admin, topic: string, numPartitions: number): Promise<boolean> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  let retries = 0;
  await within(WAIT_MS, `partition leaders of ${topic}`, (async () => {
    for (;;) {
      try {
        await admin.fetchTopicOffsets(topic);
        return;
      } catch (error) {
        if (!(error instanceof KafkaJSProtocolError) || !error.retriable) throw error;
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })());
  if (retries > 0) t.diagnostic(`ListOffsets on the new topic ${topic} needed ${String(retries)} retries (NOT_LEADER_OR_FOLLOWER right after createTopics)`);
  return created;
}

function topicName(label: string): string {
  return `workbench-it-${label}-${runId}`;
}

/** Rejects after `ms` with a message naming what was awaited, so a hang becomes a readable failure. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${String(ms)} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Received {
  partition: number;
  offset: string;
  key: string;
  value: string;
  message: KafkaMessage;
}

/**
 * Runs `consumer` on `topic` from the beginning and resolves with what it received once `done` says so
 * (bounded by WAIT_MS). The consumer keeps running; the caller disconnects it.
 */
async function consumeUntil(consumer: Consumer, topic: string, done: (received: Received[]) => boolean): Promise<Received[]> {
  const received: Received[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      received.push({ partition, offset: message.offset, key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', message });
      if (done(received)) finish();
    },
  });
  await within(WAIT_MS, `records of ${topic} (got ${String(received.length)} so far)`, finished);
  return received;
}

/** kafkajs puts the record batch header on each message, untyped; these are the fields the checks need. */
interface BatchContext {
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
}

function batchContextOf(message: KafkaMessage): BatchContext {
  const context: unknown = (message as { batchContext?: unknown }).batchContext;
  assert.ok(typeof context === 'object' && context !== null, 'kafkajs exposes the record batch header as message.batchContext');
  const fields = context as Record<string, unknown>;
  assert.equal(typeof fields['producerId'], 'string');
  assert.equal(typeof fields['producerEpoch'], 'number');
  assert.equal(typeof fields['firstSequence'], 'number');
  assert.equal(typeof fields['inTransaction'], 'boolean');
  return fields as unknown as BatchContext;
}

test('the broker is the expected Apache Kafka version (or KAFKA_BROKERS)', { timeout: TEST_TIMEOUT_MS }, (t) => {
  const kafkaBroker = brokerOrSkip(t);
  if (kafkaBroker === undefined) return;
  t.diagnostic(`brokers ${kafkaBroker.brokers.join(',')}, Apache Kafka ${kafkaBroker.version}, ready in ${String(kafkaBroker.startupMs)} ms`);
  assert.ok(kafkaBroker.brokers.length > 0);
  assert.equal(kafkaBroker.version, kafkaBroker.external ? 'unknown' : KAFKA_VERSION);
});

test('admin: createTopics, listTopics and fetchTopicOffsets', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const kafkaBroker = brokerOrSkip(t);
  if (kafkaBroker === undefined) return;
  const kafka = client(t, kafkaBroker);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = topicName('admin');

  assert.equal(await createTopic(t, admin, topic, 3), true, 'a new topic is created');
  assert.equal(await createTopic(t, admin, topic, 3), false, 'an existing topic is not created again');
  assert.ok((await admin.listTopics()).includes(topic));

  const empty = await admin.fetchTopicOffsets(topic);
  assert.deepEqual(
    empty.map(({ partition, low, high }) => ({ partition, low, high })).sort((a, b) => a.partition - b.partition),
    [0, 1, 2].map((partition) => ({ partition, low: '0', high: '0' })),
  );

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, value: `p${String(partition)}` })) });
  await producer.send({ topic, messages: [{ partition: 1, value: 'p1 again' }] });
  const written = await admin.fetchTopicOffsets(topic);
  const highs = Object.fromEntries(written.map(({ partition, high }) => [partition, high]));
  assert.deepEqual(highs, { 0: '1', 1: '2', 2: '1' }, 'the high watermark counts the records of each partition');
});

test('produce, then consume in a consumer group that commits and resumes', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const kafkaBroker = brokerOrSkip(t);
  if (kafkaBroker === undefined) return;
  const kafka = client(t, kafkaBroker);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = topicName('group');
  const groupId = `${topic}-readers`;
  await createTopic(t, admin, topic, 3);

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  t.after(() => producer.disconnect());
  const keys = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5'];
  const sent = keys.flatMap((key) => Array.from({ length: 6 }, (_, i) => ({ key, value: `${key}#${String(i)}` })));
  for (let i = 0; i < sent.length; i += 10) await producer.send({ topic, messages: sent.slice(i, i + 10) });

  const first = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await first.connect();
  let firstConnected = true;
  t.after(async () => {
    if (firstConnected) await first.disconnect();
  });
  const received = await consumeUntil(first, topic, (records) => records.length >= sent.length);
  assert.deepEqual(received.map((r) => r.value).sort(), sent.map((m) => m.value).sort(), 'every record once, none missing');
  for (const key of keys) {
    const ofKey = received.filter((r) => r.key === key);
    assert.equal(new Set(ofKey.map((r) => r.partition)).size, 1, `all records of ${key} are in one partition`);
    assert.deepEqual(ofKey.map((r) => r.value), sent.filter((m) => m.key === key).map((m) => m.value), `records of ${key} arrive in the order they were sent`);
  }

  // The group's committed offsets reach the end of every partition (kafkajs commits in the background).
  const ends = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, high]));
  const committedToEnd = async (): Promise<boolean> => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets !== undefined && offsets.partitions.every(({ partition, offset }) => offset === ends[partition]);
  };
  await within(WAIT_MS, `group ${groupId} to commit to the end`, (async () => {
    while (!(await committedToEnd())) await new Promise((resolve) => setTimeout(resolve, 200));
  })());
  await first.disconnect();
  firstConnected = false;

  // A new member of the same group starts at the committed offsets: it sees only what comes after.
  const second = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await second.connect();
  t.after(() => second.disconnect());
  await producer.send({ topic, messages: [{ key: 'order-1', value: 'order-1#after-restart' }] });
  const resumed = await consumeUntil(second, topic, (records) => records.length >= 1);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // room for a wrongly re-delivered record to show up
  assert.deepEqual(resumed.map((r) => r.value), ['order-1#after-restart'], 'a restarted group member resumes after the committed offsets');
});

test('idempotent producer: records carry a producer id and sequence numbers', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const kafkaBroker = brokerOrSkip(t);
  if (kafkaBroker === undefined) return;
  const kafka = client(t, kafkaBroker);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = topicName('idempotent');
  await createTopic(t, admin, topic, 1);

  const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await idempotent.connect();
  t.after(() => idempotent.disconnect());
  const baseOffsets: string[] = [];
  for (let batch = 0; batch < 3; batch++) {
    const [meta] = await idempotent.send({
      topic,
      acks: -1, // an idempotent producer must wait for all in-sync replicas
      messages: Array.from({ length: 10 }, (_, i) => ({ key: 'stream-1', value: `idempotent-${String(batch * 10 + i)}` })),
    });
    baseOffsets.push(meta?.baseOffset ?? 'missing');
  }
  assert.deepEqual(baseOffsets, ['0', '10', '20'], 'each batch is appended once, right after the previous one');

  const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await plain.connect();
  t.after(() => plain.disconnect());
  await plain.send({ topic, messages: [{ key: 'stream-1', value: 'plain' }] });

  const consumer = kafka.consumer({ groupId: `${topic}-readers`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  const received = await consumeUntil(consumer, topic, (records) => records.some((r) => r.value === 'plain'));
  assert.deepEqual(received.map((r) => r.offset), Array.from({ length: 31 }, (_, i) => String(i)), 'no gap and no duplicate');

  const idempotentBatches = received.filter((r) => r.value.startsWith('idempotent-')).map((r) => batchContextOf(r.message));
  const producerIds = new Set(idempotentBatches.map((b) => b.producerId));
  assert.equal(producerIds.size, 1, 'one producer id for the idempotent producer');
  assert.ok(Number([...producerIds][0]) >= 0, 'the broker assigned a producer id (InitProducerId)');
  assert.deepEqual([...new Set(idempotentBatches.map((b) => b.firstSequence))], [0, 10, 20], 'each batch continues the sequence');
  const plainRecord = received.find((r) => r.value === 'plain');
  assert.ok(plainRecord !== undefined);
  assert.equal(batchContextOf(plainRecord.message).producerId, '-1', 'a plain producer writes without a producer id');
});

test('transactions: committed records are read, aborted ones are not (read_committed)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const kafkaBroker = brokerOrSkip(t);
  if (kafkaBroker === undefined) return;
  const kafka = client(t, kafkaBroker);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = topicName('transactions');
  await createTopic(t, admin, topic, 1);

  const producer = kafka.producer({
    transactionalId: `${topic}-writer`,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  t.after(() => producer.disconnect());
  const inTransaction = async (values: string[], outcome: 'commit' | 'abort'): Promise<void> => {
    const transaction = await producer.transaction();
    try {
      await transaction.send({ topic, messages: values.map((value) => ({ key: 'stream-1', value })) });
    } catch (error) {
      await transaction.abort();
      throw error;
    }
    await (outcome === 'commit' ? transaction.commit() : transaction.abort());
  };
  await inTransaction(['committed-1', 'committed-2', 'committed-3'], 'commit');
  await inTransaction(['aborted-1', 'aborted-2'], 'abort');
  // Committed after the abort: once a reader sees it, the aborted records before it are decided too.
  await inTransaction(['committed-4'], 'commit');

  const committedReader = kafka.consumer({ groupId: `${topic}-committed`, readUncommitted: false, maxWaitTimeInMs: 200 });
  await committedReader.connect();
  t.after(() => committedReader.disconnect());
  const committed = await consumeUntil(committedReader, topic, (records) => records.some((r) => r.value === 'committed-4'));
  assert.deepEqual(committed.map((r) => r.value), ['committed-1', 'committed-2', 'committed-3', 'committed-4'], 'read_committed never shows aborted records');
  assert.deepEqual(committed.map((r) => r.offset), ['0', '1', '2', '7'], 'offsets skip the aborted records and the markers');
  assert.ok(committed.every((r) => batchContextOf(r.message).inTransaction), 'records were written inside transactions');

  // Only now is the end of the log known: commit() resolves once the coordinator has logged its decision,
  // and the commit markers are written after that. A read_committed reader seeing committed-4 proves the
  // last marker is in the log.
  const [offsets] = await admin.fetchTopicOffsets(topic);
  assert.equal(offsets?.high, '9', '6 records and 3 transaction markers (control records take offsets too)');

  // The aborted records are in the log: a read_uncommitted reader sees them. This is what makes the
  // check above meaningful.
  const uncommittedReader = kafka.consumer({ groupId: `${topic}-uncommitted`, readUncommitted: true, maxWaitTimeInMs: 200 });
  await uncommittedReader.connect();
  t.after(() => uncommittedReader.disconnect());
  const everything = await consumeUntil(uncommittedReader, topic, (records) => records.some((r) => r.value === 'committed-4'));
  assert.deepEqual(everything.map((r) => r.value), ['committed-1', 'committed-2', 'committed-3', 'aborted-1', 'aborted-2', 'committed-4']);
});
