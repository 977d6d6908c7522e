/**
 * The bare kafkajs set-up the Kafka baselines need: a client, a topic made sure of, a partition's end.
 * Written here rather than imported from labs/kafka: a baseline is the raw driver used the simplest way,
 * and must not share (or be slowed or sped up by) the lab store's client code.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';

/** KAFKA_BROKERS of the running backend: `host:port[,host:port…]`. */
export function brokersOf(env: Record<string, string>): string[] {
  // A cluster backend exports its own variable: the raw baseline then runs on the same three nodes.
  const raw = (env.KAFKA_BROKERS ?? env.KAFKA_CLUSTER_BROKERS)?.trim();
  if (!raw) throw new Error('the Kafka baseline needs KAFKA_BROKERS (or KAFKA_CLUSTER_BROKERS) from the running backend');
  const brokers = raw.split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of brokers) if (!/^.+:\d{1,5}$/.test(broker)) throw new Error(`KAFKA_BROKERS must be host:port[,host:port…], got '${raw}'`);
  return brokers;
}

export function createKafka(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { initialRetryTime: 20, maxRetryTime: 1_000, retries: 12 } });
}

const RETRIABLE = ['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'TOPIC_ALREADY_EXISTS'];

function retriable(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return (typeof type === 'string' && RETRIABLE.includes(type)) || /already exists|not the leader|leader not available|does not host this topic/i.test(String(error));
}

/** Creates a one-partition topic if missing, then waits until it answers (right after creation it may not). */
export async function ensureTopic(admin: Admin, topic: string, config: Record<string, string>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (!(await admin.listTopics()).includes(topic)) {
    try {
      // The broker's default replication factor, as the store's topics have (3 on a cluster: same durability).
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: -1, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }] });
    } catch (error) {
      if (!retriable(error)) throw error;
    }
  }
  for (;;) {
    try {
      if ((await admin.fetchTopicOffsets(topic)).length >= 1) return;
    } catch (error) {
      if (!retriable(error) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic} did not become ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The offset the next record of the partition will get (its high watermark). */
export async function endOffset(admin: Admin, topic: string, partition: number, timeoutMs = 15_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const entry = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
      if (!entry) throw new Error(`topic ${topic} has no partition ${partition}`);
      return BigInt(entry.high);
    } catch (error) {
      if (!retriable(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
