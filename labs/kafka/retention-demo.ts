/**
 * Retention by age, per topic, on a short clock: what a team sets when a topic is a buffer and not a
 * system of record. Two topics on one broker get their own `retention.ms` (topic configs override the
 * broker's `log.retention.*`): `short` keeps records 2 s, `kept` one hour. Records go to both; a tick
 * a second keeps appending so that the segment holding the first records closes (`segment.ms=1000`)
 * and can expire — Kafka deletes whole closed segments, never single records, and never the active one.
 * The measure: how long until the broker moved `short`'s log start offset past the first records, while
 * `kept`'s stays at 0.
 *
 * The broker looks for expired segments every `log.retention.check.interval.ms` — a broker setting, 5
 * minutes by default, that no topic can shorten — so the demo needs a broker started with
 * RETENTION_CHECK_EVERY_SECOND (labs/kafka/naive/retention.int.spec.ts starts one; on a default broker
 * the same topics lose their records within about five minutes after they expire).
 */
import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import { createKafka, ensureTopics } from './client.ts';
import { describeTopicRetention } from './retention.ts';

/** Broker properties that let retention run on a clock a test can wait for. */
export const RETENTION_CHECK_EVERY_SECOND: Record<string, string> = {
  // The broker looks for expired segments every second (default: 5 minutes).
  'log.retention.check.interval.ms': '1000',
  // The log manager starts its retention task 30 s after start by default: at once here.
  'log.initial.task.delay.ms': '0',
};

export interface TopicRetentionResult {
  /** `retention.ms` of each topic, as the broker reports it. */
  shortRetentionMs: number | undefined;
  keptRetentionMs: number | undefined;
  /** Records written to each topic before the ticks. */
  written: number;
  /** Milliseconds from the first records' write until the broker deleted them from `short`. */
  deletedAfterMs: number | undefined;
  /** Log start offsets at the end: `short` moved past the first records, `kept` is still 0. */
  shortLogStart: number;
  keptLogStart: number;
  ticks: number;
}

export async function runTopicRetentionDemo(brokers: readonly string[], options: { shortMs?: number; maxWaitMs?: number } = {}): Promise<TopicRetentionResult> {
  const shortMs = options.shortMs ?? 2_000;
  const run = randomBytes(3).toString('hex');
  const short = `retention-demo-${run}.short`;
  const kept = `retention-demo-${run}.kept`;
  const kafka = createKafka(brokers, 'retention-demo');
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await producer.connect();
  try {
    await ensureTopics(admin, [
      { topic: short, numPartitions: 1, config: { 'retention.ms': String(shortMs), 'segment.ms': '1000' } },
      { topic: kept, numPartitions: 1, config: { 'retention.ms': '3600000', 'segment.ms': '1000' } },
    ]);
    const written = 3;
    const records = Array.from({ length: written }, (_, n) => ({ key: 'ledger', value: JSON.stringify({ n }) }));
    const start = Date.now();
    await producer.send({ topic: short, messages: records });
    await producer.send({ topic: kept, messages: records });
    const logStart = async (topic: string) => Number((await admin.fetchTopicOffsets(topic))[0]?.low ?? '0');
    let deletedAfterMs: number | undefined;
    let ticks = 0;
    const deadline = start + (options.maxWaitMs ?? 60_000);
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      ticks++;
      // A tick to each topic: the append after segment.ms rolls the segment holding the first records.
      await producer.send({ topic: short, messages: [{ key: 'tick', value: String(ticks) }] });
      await producer.send({ topic: kept, messages: [{ key: 'tick', value: String(ticks) }] });
      if ((await logStart(short)) >= written) {
        deletedAfterMs = Date.now() - start;
        break;
      }
    }
    const [shortPolicy, keptPolicy] = [await describeTopicRetention(admin, short), await describeTopicRetention(admin, kept)];
    const result = {
      shortRetentionMs: shortPolicy.maxAgeMs,
      keptRetentionMs: keptPolicy.maxAgeMs,
      written,
      deletedAfterMs,
      shortLogStart: await logStart(short),
      keptLogStart: await logStart(kept),
      ticks,
    };
    await admin.deleteTopics({ topics: [short, kept], timeout: 10_000 }).catch(() => {});
    return result;
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}
