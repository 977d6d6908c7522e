/**
 * kafkajs clients for the Kafka lab: quiet, with short retries, and the helpers every piece needs.
 *
 * kafkajs logs retried coordinator errors (COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS, …) at
 * ERROR level although it retries them (docs/labs/kafka-broker.md), so the lab's clients log nothing.
 * Retries start after 20 ms instead of kafkajs' 300 ms: a transactional writer taking over a partition
 * often meets CONCURRENT_TRANSACTIONS for a few milliseconds while the previous commit's markers are
 * written, and a 300 ms back-off per take-over would dominate every append.
 */
import kafkajs, { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';

const { KafkaJSProtocolError } = kafkajs;

export function createKafka(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 20, maxRetryTime: 1_000, retries: 12 },
  });
}

/** kafkajs error types (the broker's error names) found anywhere in an error's cause chain. */
export function kafkaErrorTypes(error: unknown): string[] {
  const types: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (current instanceof KafkaJSProtocolError) types.push(current.type);
    const fields = current as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof fields.type === 'string' && !types.includes(fields.type)) types.push(fields.type);
    current = fields.originalError ?? fields.cause;
  }
  return types;
}

/** Another producer with the same transactional id took over (it bumped the epoch): this one is a zombie. */
export function isFencedError(error: unknown): boolean {
  const types = kafkaErrorTypes(error);
  if (types.some((t) => ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING'].includes(t))) return true;
  // kafkajs 2.2.4 does not know PRODUCER_FENCED (90, Kafka 2.7+) by name.
  return error instanceof Error && /fenced|epoch/i.test(error.message);
}

const UNREACHABLE_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSRequestTimeoutError',
]);

/** Broker answers meaning "not ready yet" (a broker starting, a coordinator loading): retried, then given up. */
const SERVER_NOT_READY = ['LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR'];

/**
 * True when kafkajs says the broker could not be reached (rather than that the request was wrong): a
 * connection error, no broker or a request timeout anywhere in the cause chain (kafkajs wraps the last one
 * in KafkaJSNumberOfRetriesExceeded), or a broker that kept answering "not ready" until retries ran out.
 */
export function isKafkaUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = (e as { originalError?: unknown }).originalError ?? e.cause) {
    seen.add(e);
    // By name: kafkajs does not export every one of these classes (KafkaJSNoBrokerAvailableError).
    if (UNREACHABLE_ERRORS.has(e.name)) return true;
  }
  return kafkaErrorTypes(error).some((t) => SERVER_NOT_READY.includes(t));
}

/**
 * No broker answered FindCoordinator (kafkajs' KafkaJSGroupCoordinatorNotFound, which it treats as
 * non-retriable and does not restart a consumer after): during a broker restart, a transient state.
 */
export function isCoordinatorNotFound(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = (e as { originalError?: unknown }).originalError ?? e.cause) {
    seen.add(e);
    if (e.name === 'KafkaJSGroupCoordinatorNotFound' || /failed to find group coordinator/i.test(e.message)) return true;
  }
  return false;
}

/** The transaction coordinator is still completing this producer's previous transaction (markers). */
export function isConcurrentTransactionsError(error: unknown): boolean {
  return kafkaErrorTypes(error).includes('CONCURRENT_TRANSACTIONS') || (error instanceof Error && /concurrent operation on the same transaction/i.test(error.message));
}

function isRetriableMetadataError(error: unknown): boolean {
  const types = kafkaErrorTypes(error);
  return (
    (error instanceof KafkaJSProtocolError && error.retriable) ||
    types.some((t) => ['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE'].includes(t))
  );
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Topic-level configuration, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Record<string, string>;
}

/**
 * Creates topics that do not exist yet (the broker runs with auto.create.topics.enable=false), then waits
 * until every partition answers ListOffsets: right after createTopics the leader can still answer
 * NOT_LEADER_OR_FOLLOWER, and kafkajs' fetchTopicOffsets does not retry that (docs/labs/kafka-broker.md).
 * Safe to call concurrently from several processes: "already exists" is success.
 */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          // The broker's default.replication.factor: 1 on the single node, 3 on the cluster.
          replicationFactor: -1,
          configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // waitForLeaders reads the new topics' metadata at once and kafkajs bails on the broker's
      // UNKNOWN_TOPIC_OR_PARTITION (it only retries LEADER_NOT_AVAILABLE): the topics were created, and
      // the loop below waits until they answer.
      const alreadyExists = kafkaErrorTypes(error).includes('TOPIC_ALREADY_EXISTS') || /already exists/i.test(String(error));
      const notReadyYet = kafkaErrorTypes(error).some((t) => ['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'].includes(t));
      if (!alreadyExists && !notReadyYet) throw error;
    }
  }
  for (const spec of specs) {
    for (;;) {
      try {
        const offsets = await admin.fetchTopicOffsets(spec.topic);
        if (offsets.length >= spec.numPartitions) break;
      } catch (error) {
        if (!isRetriableMetadataError(error) || Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`Topic ${spec.topic} did not become ready within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** End offset of one partition: the offset the next record will get (the high watermark). */
export async function endOffset(admin: Admin, topic: string, partition: number, timeoutMs = 15_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      const entry = offsets.find((o) => o.partition === partition);
      if (!entry) throw new Error(`Topic ${topic} has no partition ${partition}`);
      return BigInt(entry.high);
    } catch (error) {
      if (!isRetriableMetadataError(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * A producer made and connected on first use, then shared; one whose connection failed is forgotten, so
 * the next use tries again. `close()` disconnects it and forgets it (a later use makes a fresh one).
 */
export class LazyProducer {
  private producer: Promise<Producer> | undefined;

  constructor(private readonly create: () => Producer) {}

  get(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.create();
      await producer.connect();
      return producer;
    })();
    this.producer.catch(() => (this.producer = undefined));
    return this.producer;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await producer.then((p) => p.disconnect()).catch(() => {});
  }
}
