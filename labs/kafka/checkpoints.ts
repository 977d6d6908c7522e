/**
 * Checkpoints are what Kafka already has for them: the committed offset of a consumer group. Subscriber
 * `billing` stores position p as the committed offset p of group `<ns>.checkpoint.billing` on the events
 * partition; Kafka keeps it in `__consumer_offsets` (retained while the group exists, 7 days after it
 * empties by default: `offsets.retention.minutes`).
 *
 * Position p is the offset of the last handled record + 1, which is exactly Kafka's meaning of a
 * committed offset: "the next record to read". A plain consumer of that group would resume at the same
 * place as `subscribeToAll({ afterPosition: p })`.
 *
 * The offset is committed with a transactional producer (`sendOffsets`: AddOffsetsToTxn + TxnOffsetCommit),
 * not by joining the group: no rebalance per checkpoint, and the same call could commit a projection's
 * output records together with its offset (Kafka's consume-transform-produce exactly-once pattern).
 * kafkajs' OffsetFetch does not ask for stable offsets, so `store` waits until `load` sees the new value.
 */
import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
import type { CheckpointPort } from '../core/index.ts';
import { isConcurrentTransactionsError, LazyProducer } from './client.ts';
import type { LogView } from './log-view.ts';
import { EVENTS_PARTITION } from './topology.ts';

export class KafkaCheckpoints implements CheckpointPort {
  private readonly producer = new LazyProducer(() =>
    this.view.kafka.producer({ transactionalId: this.transactionalId, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }),
  );
  // One id per store instance: checkpoint writers do not need to fence each other.
  private readonly transactionalId: string;

  constructor(private readonly view: LogView) {
    this.transactionalId = `${view.topology.namespace}.checkpoints.${process.pid}-${randomBytes(4).toString('hex')}`;
  }

  async load(subscriberId: string): Promise<bigint | undefined> {
    const [topic] = await this.view.admin.fetchOffsets({ groupId: this.view.topology.checkpointGroup(subscriberId), topics: [this.view.topology.events] });
    const offset = topic?.partitions.find((p) => p.partition === EVENTS_PARTITION)?.offset;
    return offset === undefined || offset === '-1' ? undefined : BigInt(offset);
  }

  async store(subscriberId: string, position: bigint): Promise<void> {
    // Storing the same offset twice is harmless, so a transaction refused because the previous one's
    // markers are still being written (CONCURRENT_TRANSACTIONS, which kafkajs does not retry for
    // AddOffsetsToTxn) is simply tried again with a fresh producer, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commitOffset(subscriberId, position);
        break;
      } catch (error) {
        await this.close();
        if (attempt >= 8 || !isConcurrentTransactionsError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
    const deadline = Date.now() + 10_000;
    while ((await this.load(subscriberId)) !== position) {
      if (Date.now() > deadline) throw new Error(`Checkpoint ${position} of '${subscriberId}' was committed but not visible within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async commitOffset(subscriberId: string, position: bigint): Promise<void> {
    const producer = await this.producer.get();
    const transaction = await producer.transaction();
    try {
      await transaction.sendOffsets({
        consumerGroupId: this.view.topology.checkpointGroup(subscriberId),
        topics: [{ topic: this.view.topology.events, partitions: [{ partition: EVENTS_PARTITION, offset: position.toString() }] }],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
