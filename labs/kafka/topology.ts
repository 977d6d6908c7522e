/**
 * The topics of one store namespace (`KAFKA_NAMESPACE`, default `workbench`):
 *
 * | topic                    | partitions | cleanup  | holds                                                |
 * | ------------------------ | ---------- | -------- | ---------------------------------------------------- |
 * | `<ns>.events`            | 1          | delete*  | every event of every stream: the global log          |
 * | `<ns>.snapshots`         | 1          | compact  | the latest snapshot per stream id (the record key)   |
 * | `<ns>.by-stream`         | N (8)      | delete*  | the same events again, partitioned by stream id      |
 * | `<ns>.subject-keys`      | 1          | compact  | crypto-shredding keys, key = `<subject>/<key id>`;   |
 * |                          |            |          | forgetting writes tombstones (subject-keys.ts)       |
 *
 * (*) `retention.ms=-1`: an event log must not expire. Checkpoints are no topic of ours: they are the
 * committed offsets of a consumer group per subscriber, on `<ns>.events`, stored by Kafka itself in
 * `__consumer_offsets`.
 *
 * Why ONE partition for events: Kafka orders records only within a partition. One partition gives a total
 * order (the offset), which readAll, subscriptions to all and projections need, and makes one writer's
 * fencing cover every stream. The cost is that the whole store has one writer at a time and one
 * partition's throughput (docs/labs/kafka.md). The category-topic layout most Kafka designs use (a topic
 * per aggregate type, key = stream id, many partitions) is shown in the lab's tour, with what it cannot do.
 *
 * Why a SECOND topic, `<ns>.by-stream` (when `streamPartitions` > 0; the store's default is 8): Kafka
 * shares work between the members of a consumer group by partition, so a group over the one-partition
 * events topic has at most one active member. The writer produces every event to both topics in the same
 * transaction (group-commit-writer.ts), so a read_committed consumer sees an event in both or in neither;
 * the record key is the stream id and kafkajs' default partitioner (murmur2 of the key, as the Java
 * client's) picks the partition, so one stream's events are in one partition, in commit order. Consumer
 * groups read it (group-member.ts). The cost is a second record per event (measured: docs/labs/kafka.md).
 * The layout is a property of the namespace: every writer of it must write both topics, or a group misses
 * events; events written before the topic existed are not in it.
 */
import type { TopicSpec } from './client.ts';

export const EVENTS_PARTITION = 0;

export interface KafkaTopology {
  namespace: string;
  events: string;
  snapshots: string;
  /** The events partitioned by stream id, for consumer groups; undefined when the namespace has none. */
  byStream: string | undefined;
  /** Partitions of `byStream` (0: no such topic). */
  streamPartitions: number;
  /** Crypto-shredding keys (subject-keys.ts). */
  subjectKeys: string;
  /** The one transactional id every writer of the events partition uses: sharing it is what fences. */
  writerTransactionalId: string;
  /** Consumer group whose committed offset is a subscriber's checkpoint. */
  checkpointGroup(subscriberId: string): string;
  specs: TopicSpec[];
}

export interface TopologyOptions {
  /**
   * `forever` (the store): the events topic is created with retention.ms=-1 and retention.bytes=-1.
   * `broker-default` (the naive twin's lesson): created without them, so it inherits the broker's
   * log.retention.* — 7 days by default — and loses older events.
   */
  eventsRetention?: 'forever' | 'broker-default';
  /** Partitions of the by-stream copy the consumer groups read (0: no such topic). */
  streamPartitions?: number;
}

export function topologyFor(namespace: string, { eventsRetention = 'forever', streamPartitions = 0 }: TopologyOptions = {}): KafkaTopology {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(namespace)) {
    throw new RangeError(`Kafka namespace must be 1-100 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(namespace)}`);
  }
  const events = `${namespace}.events`;
  const snapshots = `${namespace}.snapshots`;
  if (!(Number.isSafeInteger(streamPartitions) && streamPartitions >= 0 && streamPartitions <= 1024)) {
    throw new RangeError(`streamPartitions must be a whole number from 0 to 1024, got ${streamPartitions}`);
  }
  const byStream = streamPartitions > 0 ? `${namespace}.by-stream` : undefined;
  const subjectKeys = `${namespace}.subject-keys`;
  return {
    namespace,
    events,
    snapshots,
    byStream,
    streamPartitions,
    subjectKeys,
    writerTransactionalId: `${events}-${EVENTS_PARTITION}.writer`,
    checkpointGroup: (subscriberId) => `${namespace}.checkpoint.${subscriberId}`,
    specs: [
      { topic: events, numPartitions: 1, config: eventsRetention === 'forever' ? { 'retention.ms': '-1', 'retention.bytes': '-1' } : {} },
      { topic: snapshots, numPartitions: 1, config: { 'cleanup.policy': 'compact' } },
      // Kept as long as the log: a group created later starts from the beginning, as one on $all would.
      ...(byStream ? [{ topic: byStream, numPartitions: streamPartitions, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } }] : []),
      // A destroyed key must leave the disk: compaction removes a tombstoned key's record once its segment
      // is no longer the active one, so segments roll after an hour (the default is 7 days) and the
      // cleaner takes them as soon as anything is dirty. The tombstone itself stays delete.retention.ms
      // (1 day), long enough for every view to see it.
      {
        topic: subjectKeys,
        numPartitions: 1,
        config: { 'cleanup.policy': 'compact', 'segment.ms': '3600000', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '86400000' },
      },
    ],
  };
}
