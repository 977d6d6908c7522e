/** Apache Kafka as the workbench runs it: the broker jars on the local JDK (or KAFKA_BROKERS) and the lab's store. */
import type { BackendDefinition } from '../runtime/backend.ts';

const ONE_WRITING_PROCESS =
  'emulated by the store (a version and event-id check before a transactional write) for ONE writing process: its writers are serialised in-process';

export const kafkaBackend: BackendDefinition = {
  name: 'kafka',
  title: 'Apache Kafka',
  server: 'kafka',
  embedded: true,
  pitfall: 'kafka-naive',
  caveats: [
    'optimistic-concurrency and idempotent-append are emulated by the store (a version and event-id check before a transactional write), for ONE writing process: its writers are serialised by a mutex. Transactional fencing between processes was not seen to work with kafkajs 2.2.4 against Kafka 4.4.0 (the tour measures it), so two writing processes are not protected.',
    "global-order comes from a single-partition events topic: a total order, capped at one partition's throughput.",
    'Reading one stream is served from an in-process index built by replaying the whole log at start.',
  ],
  qualifiedPasses: {
    'append.expected-version': ONE_WRITING_PROCESS,
    'append.concurrent-writers': ONE_WRITING_PROCESS,
    'append.idempotent': ONE_WRITING_PROCESS,
  },
  async start(log) {
    const { startKafka } = await import('../runtime/kafka.ts');
    const broker = await startKafka({ log });
    const { KafkaEventStore, closeKafkaViews } = await import('./kafka-store.ts');
    return {
      description: broker.description,
      env: { KAFKA_BROKERS: broker.brokers.join(',') },
      createStore: () => KafkaEventStore.connect({ brokers: broker.brokers }),
      // The stores' log views linger briefly after close; end them while the broker still answers.
      stop: async () => {
        await closeKafkaViews();
        await broker.stop();
      },
    };
  },
  async tour(running, narrate) {
    const { runKafkaTour } = await import('./tour.ts');
    await runKafkaTour(running.env.KAFKA_BROKERS!.split(','), narrate);
  },
};
