/** The naive producer-as-event-store on Kafka: the pitfall demo, and the failures it must show. */
import type { BackendDefinition } from '../../runtime/backend.ts';

export const kafkaNaiveBackend: BackendDefinition = {
  name: 'kafka-naive',
  title: 'Apache Kafka, naive producer-as-event-store (pitfall demo)',
  server: 'kafka',
  embedded: true,
  pitfallSource: 'labs/kafka/naive/naive-store.ts',
  expectedFailures: {
    'append.concurrent-writers': 'check the version, then produce: nothing stops a second writer between the two, so racing writers all "succeed" and the stream holds several events claiming the same version',
    'append.any-under-contention': 'the same check-then-produce with expectedVersion any: racing writers read the same version, each is answered the versions it computed, and the log holds their events at other versions than the answers said',
    'retention.events-kept-forever': "the events topic is created without retention.ms, so it inherits the broker's default (log.retention.hours=168: 7 days) and the broker deletes older events; shown by its topic configuration here, and by a broker with a short default in retention.int.spec.ts, where its events vanish",
    'append.idempotent': 'the idempotent producer only drops resends of one producer session: an append retried after a timeout is not recognised as the same append',
  },
  flakyUnderLoad: {
    'append.concurrent-writers-across-processes': 'the same check-then-produce race as append.concurrent-writers, between processes: whether it is hit depends on timing',
  },
  async start(log) {
    const { startKafka } = await import('../../runtime/kafka.ts');
    const broker = await startKafka({ log });
    const { NaiveKafkaEventStore } = await import('./naive-store.ts');
    const { closeKafkaViews } = await import('../kafka-store.ts');
    return {
      description: broker.description,
      env: { KAFKA_BROKERS: broker.brokers.join(',') },
      createStore: () => NaiveKafkaEventStore.connect({ brokers: broker.brokers }),
      restart: broker.restart ? (options) => broker.restart!(options) : undefined,
      // The stores' log views linger briefly after close; end them while the broker still answers.
      stop: async () => {
        await closeKafkaViews();
        await broker.stop();
      },
    };
  },
};
