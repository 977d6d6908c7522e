/**
 * The raw-driver baseline for Kafka with the store's write guarantee: each append is ONE kafkajs
 * transaction (a transactional, idempotent producer: acks all, exactly-once into the partition) holding
 * the batch's records, on its own single-partition topic (bench-raw-tx-events). A producer has one
 * transaction open at a time, so appends wait for each other, as they would with the bare driver used
 * the simplest way; no version check, no reading back, no group commit. The plain baseline
 * (kafka.ts: one `send`, no transaction) beside it separates what the guarantee costs from what the
 * lab store's own code costs: store ÷ transactional = the code; transactional ÷ plain = the guarantee.
 * Appends only: a topic with transaction markers is read with read_committed consumers, which the
 * plain baseline's range reader does not model; the read workloads are measured on kafka.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import type { BenchTarget } from '../targets/target.ts';
import { appendWorkloadsOnly, LocalVersions, RAW_BASELINE_UNSUPPORTED, type Baseline } from './baseline.ts';
import { brokersOf, createKafka, ensureTopic } from './kafka-driver.ts';

const TOPIC = 'bench-raw-tx-events';

export async function createKafkaTransactionalBaseline(env: Record<string, string>): Promise<BenchTarget> {
  const kafka = createKafka(brokersOf(env), 'bench-raw-tx');
  const admin: Admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, TOPIC, { 'retention.ms': '-1', 'retention.bytes': '-1' });
  await admin.disconnect();
  const producer: Producer = kafka.producer({
    transactionalId: `bench-raw-tx-${process.pid}-${randomBytes(4).toString('hex')}`,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const versions = new LocalVersions();
  // One transaction at a time per producer: appends queue here.
  let last: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = last.then(work, work);
    last = run.catch(() => {});
    return run;
  };
  const appendsOnly = (): never => {
    throw new Error('the transactional Kafka baseline measures appends only');
  };
  return {
    label: 'kafka (raw kafkajs, transactional)',
    backend: 'kafka',
    kind: 'raw',
    unsupported: RAW_BASELINE_UNSUPPORTED,
    async append(streamId, events) {
      const first = versions.claim(streamId, events.length);
      await serially(async () => {
        const transaction = await producer.transaction();
        try {
          await transaction.send({
            topic: TOPIC,
            messages: events.map((e) => ({ key: streamId, partition: 0, value: JSON.stringify({ id: e.id ?? null, type: e.type, data: e.data, metadata: e.metadata ?? {} }) })),
          });
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => {});
          throw error;
        }
      });
      return { nextExpectedVersion: first + events.length - 1 };
    },
    readStream: async () => appendsOnly(),
    readAllPage: async () => appendsOnly(),
    close: () => producer.disconnect(),
  };
}

export const kafkaTransactionalBaseline: Baseline = {
  server: 'kafka',
  label: 'kafka (raw kafkajs, transactional)',
  description: 'one kafkajs transaction per append (transactional idempotent producer, acks all), one at a time, own single-partition topic; appends only',
  sameGuarantee: true,
  scope: appendWorkloadsOnly,
  create: createKafkaTransactionalBaseline,
};
