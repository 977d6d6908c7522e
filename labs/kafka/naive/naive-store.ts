/**
 * The pitfall twin: the Kafka event store as it is often first written. Same topics layout (its own
 * namespace), same log view, same shell, but the writer:
 * - reads the stream's version, checks it, and produces: a check-then-act race with no exclusion. Two
 *   writers at the same expected version both pass the check, both produce, both "succeed", and the
 *   stream holds two events that each claim the same version (see the `stream-version` header);
 * - relies on the idempotent producer for idempotency. It only removes duplicates of one producer
 *   session's own retries; a client that times out and sends the append again writes it twice;
 * - creates its events topic without retention settings: the broker's default (7 days) deletes older
 *   events (retention.int.spec.ts shows them vanish on a broker with a short default).
 *
 * The conformance suite runs it and asserts that it fails exactly the scenarios its backend.ts lists
 * (expectedFailures), for real, on every run.
 */
import { Partitioners } from 'kafkajs';
import { LazyProducer } from '../client.ts';
import { assertExpectedVersion, type AppendResult, type ExpectedVersion, type UnsupportedCapabilities, type ValidatedEvent } from '../../core/index.ts';
import { acquireView, KAFKA_CANNOT_DELETE_ONE_STREAM, KafkaEventStore, type AppendWriter, type KafkaStoreOptions } from '../kafka-store.ts';
import type { LogView } from '../log-view.ts';
import { encodeEvent, positionOfOffset } from '../records.ts';
import { EVENTS_PARTITION } from '../topology.ts';

export const NAIVE_NAMESPACE = 'workbench-naive';

export class UncheckedWriter implements AppendWriter {
  // The idempotent producer: it dedupes this session's own resends, and nothing else.
  private readonly producer = new LazyProducer(() => this.view.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }));

  constructor(private readonly view: LogView) {}

  async append(streamId: string, events: readonly ValidatedEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    await this.view.catchUp(this.view.topology.events);
    // PITFALL(append.concurrent-writers, append.any-under-contention): the check is right; nothing keeps it
    // true until the write lands, so racing writers claim the same versions. (No event-id check either.)
    const current = this.view.index.streamVersion(streamId);
    assertExpectedVersion(streamId, expected, current);
    const producer = await this.producer.get();
    const now = Date.now();
    const first = (current ?? -1) + 1;
    const [metadata] = await producer.send({
      topic: this.view.topology.events,
      acks: -1,
      messages: events.map((event, i) => encodeEvent(streamId, event, first + i, EVENTS_PARTITION, now)),
    });
    const lastOffset = BigInt(metadata?.baseOffset ?? '0') + BigInt(events.length - 1);
    await this.view.waitFor(this.view.topology.events, lastOffset + 1n);
    return { nextExpectedVersion: first + events.length - 1, globalPosition: positionOfOffset(lastOffset) };
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}

export class NaiveKafkaEventStore extends KafkaEventStore {
  override readonly backend: string = 'kafka-naive';
  // Not inherited: the unchecked writer produces only the one-partition log, with no transaction that could
  // span a second topic; a group over that log has one active member (the real store's lesson). The twin's
  // lesson is the append race, not a second one about consumers.
  override readonly unsupported: UnsupportedCapabilities = {
    // As the store: one stream cannot be removed from a shared log (kafka-store.ts says why).
    'stream-deletion': KAFKA_CANNOT_DELETE_ONE_STREAM,
    'stream-truncation': KAFKA_CANNOT_DELETE_ONE_STREAM,
    'deletion-removes-from-all': KAFKA_CANNOT_DELETE_ONE_STREAM,
    'consumer-groups':
      "the naive twin's writer produces only the one-partition events topic (no by-stream copy, no transaction to write one atomically); Kafka's consumer groups split a topic by partition, so a group over its log has at most one active member. Consumer groups are shown on the real store",
    'consumer-groups-stream-order': 'no consumer groups (see consumer-groups)',
  };

  static override async connect(options: KafkaStoreOptions): Promise<NaiveKafkaEventStore> {
    const namespace = options.namespace ?? NAIVE_NAMESPACE;
    // PITFALL(retention.events-kept-forever): the events topic is created as most first versions create it,
    // without retention settings, so it inherits the broker's log.retention.* — 7 days by default — and
    // the broker deletes every event older than that. The store's topology sets retention.ms=-1.
    const view = await acquireView(options.brokers, namespace, 'kafka-naive', { eventsRetention: 'broker-default' });
    return new NaiveKafkaEventStore(view, { ...options, namespace }, (v) => new UncheckedWriter(v));
  }
}
