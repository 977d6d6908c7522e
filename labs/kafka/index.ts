/**
 * What other parts of the workbench may use from the Kafka lab: the workshop's plumbing and harness use
 * the lab's quiet clients, topic layout and record codec. Everything else in this folder is the lab's own.
 */
export { createKafka, endOffset, ensureTopics, isConcurrentTransactionsError } from './client.ts';
export { EVENTS_PARTITION, topologyFor, type KafkaTopology } from './topology.ts';
export { decodeEvent, encodeEvent, offsetOfPosition, positionOfOffset, type DecodedEvent } from './records.ts';
export { KafkaEventStore, closeKafkaViews, DEFAULT_STREAM_PARTITIONS } from './kafka-store.ts';
