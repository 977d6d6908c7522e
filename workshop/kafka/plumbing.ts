/**
 * The Kafka plumbing of the workshop, given to you (not a TODO): quiet kafkajs clients, the topics, the
 * record codec, and a TAIL: one read_committed consumer per check that reads the events and snapshots
 * topics from offset 0 and hands every record to your store's state (its index), in offset order.
 *
 * What is yours (store.ts): what an event record looks like, the index, the version check, the writer,
 * positions, subscriptions, checkpoints and snapshots. The pieces here come from the Kafka lab
 * (labs/kafka/client.ts, records.ts, topology.ts, log-view.ts), where their reasons are written down.
 *
 * - `KafkaLog.open(connection, createState)` returns the ONE log of this process for that connection,
 *   and the ONE state object your `createState` made for it: every store instance of the process (the
 *   checker opens several at once) shares both. The tail starts after the state exists, so the state sees
 *   every record from offset 0.
 * - `catchUp(topic)` asks the broker where the partition ends now and waits until the tail has read up
 *   to there: everything committed before the call is then in your state. (Commit markers take offsets
 *   too and arrive a moment after `commit()` returns: progress counts them.)
 * - `waitFor(topic, offset)` waits until the tail has read every offset below `offset`.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Partitioners, type Admin, type Consumer, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { createKafka, endOffset, ensureTopics, EVENTS_PARTITION, topologyFor, type KafkaTopology } from '../../labs/kafka/index.ts';
import { waitForWakeUp } from '../../labs/core/index.ts';
import { parseConnection } from './connection.ts';

export {
  decodeEvent,
  encodeEvent,
  EVENTS_PARTITION,
  isConcurrentTransactionsError,
  offsetOfPosition,
  positionOfOffset,
  type DecodedEvent,
  type KafkaTopology,
} from '../../labs/kafka/index.ts';

/** What your store keeps per log: it is told about every record the tail reads, in offset order per topic. */
export interface LogState {
  onRecord(topic: string, message: KafkaMessage): void;
}

const logs = new Map<string, Promise<{ log: KafkaLog; state: LogState }>>();

export class KafkaLog {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly topology: KafkaTopology;
  private readonly consumer: Consumer;
  private readonly groupId: string;
  private readonly positions = new Map<string, bigint>();
  private readonly progress = new EventEmitter();
  /** Every producer handed out, so closing the log leaves no connection behind (a test process exits). */
  private readonly producers = new Set<Producer>();
  private failure: Error | undefined;
  private closed = false;

  private constructor(brokers: string[], namespace: string) {
    this.topology = topologyFor(namespace);
    this.kafka = createKafka(brokers, `${namespace}-workshop`);
    this.admin = this.kafka.admin();
    this.groupId = `${namespace}.tail.${randomBytes(4).toString('hex')}`;
    this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false, // read_committed: records of open or aborted transactions are never delivered
      maxWaitTimeInMs: 50,
      retry: { restartOnFailure: async () => !this.closed },
    });
    this.progress.setMaxListeners(0);
  }

  /** The log of this process for `connection`, and the state `createState` made for it (once). */
  static open<S extends LogState>(connection: string, createState: (log: KafkaLog) => S): Promise<{ log: KafkaLog; state: S }> {
    let entry = logs.get(connection);
    if (!entry) {
      const { brokers, namespace } = parseConnection(connection);
      const log = new KafkaLog(brokers, namespace);
      entry = (async () => {
        const state = createState(log);
        await log.start(state);
        return { log, state };
      })();
      logs.set(connection, entry);
      entry.catch(() => logs.delete(connection));
    }
    return entry as Promise<{ log: KafkaLog; state: S }>;
  }

  private async start(state: LogState): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, this.topology.specs); // the checker made them; outside it, this does
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // Also batches of only transaction markers or aborted records, which eachBatch never sees.
      this.advance(payload.topic, BigInt(payload.lastOffset) + 1n);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) {
        this.failure = payload.error;
        this.progress.emit('progress');
      }
    });
    await this.consumer.subscribe({ topics: [this.topology.events, this.topology.snapshots], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= this.position(batch.topic)) state.onRecord(batch.topic, message);
        }
        this.advance(batch.topic, BigInt(batch.lastOffset()) + 1n);
      },
    });
    await this.catchUp(this.topology.events, 60_000);
    await this.catchUp(this.topology.snapshots, 60_000);
  }

  private advance(topic: string, offset: bigint): void {
    if (offset > this.position(topic)) this.positions.set(topic, offset);
    this.progress.emit('progress');
  }

  /** The offset the tail has read up to in the topic (exclusive; markers included). */
  position(topic: string): bigint {
    return this.positions.get(topic) ?? 0n;
  }

  /** A transactional producer (one transactional id per producer; the same id fences the older one). */
  async transactionalProducer(transactionalId: string): Promise<Producer> {
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producers.add(producer);
    await producer.connect();
    return producer;
  }

  /** A plain idempotent producer (no transactions). */
  async producer(): Promise<Producer> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.producers.add(producer);
    await producer.connect();
    return producer;
  }

  /** Waits until the tail has read every offset below `offset` of the topic's partition. */
  waitFor(topic: string, offset: bigint, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) return finish(new Error(`The Kafka tail stopped: ${this.failure.message}`));
        if (this.closed) return finish(new Error('The Kafka log is closed'));
        if (this.position(topic) >= offset) return finish();
      };
      const timer = setTimeout(() => finish(new Error(`The tail did not reach offset ${offset} of ${topic} within ${timeoutMs} ms (at ${this.position(topic)})`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.progress.off('progress', check);
        if (error) reject(error);
        else resolve();
      };
      this.progress.on('progress', check);
      check();
    });
  }

  /** Waits until everything in the topic's partition when this is called has been read by the tail. */
  async catchUp(topic: string, timeoutMs = 15_000): Promise<void> {
    await this.waitFor(topic, await endOffset(this.admin, topic, EVENTS_PARTITION, timeoutMs), timeoutMs);
  }

  /** Resolves at the tail's next progress, after `timeoutMs`, or on abort (a subscription's wait). */
  waitForProgress(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return waitForWakeUp(this.progress, 'progress', signal, timeoutMs);
  }

  private async close(): Promise<void> {
    this.closed = true;
    this.progress.emit('progress');
    await Promise.all([...this.producers].map((producer) => withTimeout(producer.disconnect(), 5_000)));
    await withTimeout(this.consumer.disconnect(), 10_000);
    await withTimeout(this.admin.deleteGroups([this.groupId]), 5_000);
    await withTimeout(this.admin.disconnect(), 5_000);
  }

  /** Closes every log of this process (the checker does, after each check, before deleting the topics). */
  static async closeAll(): Promise<void> {
    const entries = [...logs.values()];
    logs.clear();
    await Promise.allSettled(entries.map(async (entry) => (await entry).log.close()));
  }
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
