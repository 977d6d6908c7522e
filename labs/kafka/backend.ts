/** Apache Kafka as the workbench runs it: the broker jars on the local JDK (or KAFKA_BROKERS) and the lab's store. */
import type { BackendDefinition, RunningBackend } from '../runtime/backend.ts';
import type { StartKafkaOptions } from '../runtime/kafka.ts';

const EMULATED_UNDER_ONE_WRITER_ROLE =
  'emulated by the store: a version and event-id check made while holding the one writer role of the events partition, which the broker enforces by transactional fencing (also between processes); every append of the store waits its turn for that role';

/** Which layout the consume.* passes were measured on (labs/kafka/group-member.ts, topology.ts). */
const ON_THE_BY_STREAM_TOPIC =
  "measured on the by-stream layout: Kafka's own consumer group (kafkajs 2.2.4, classic protocol, eager rebalancing) over `<ns>.by-stream`, 8 partitions keyed by stream id, which the writer fills in the same transaction as the one-partition log; leaseMs is the session timeout. On the one-partition events topic itself a group has one active member (group-layouts.int.spec.ts)";

export const kafkaBackend: BackendDefinition = {
  name: 'kafka',
  title: 'Apache Kafka',
  server: 'kafka',
  embedded: true,
  pitfall: 'kafka-naive',
  caveats: [
    "optimistic-concurrency and idempotent-append are emulated by the store: it checks the expected version and the event ids against its index while holding the events partition's writer role (one transactional id; taking it bumps the producer epoch and the broker fences the previous holder). Fencing was measured to hold between processes with kafkajs 2.2.4 and Kafka 4.4.0 once the role is taken by the transactional InitProducerId, which kafkajs sends at a producer's first transaction(), not at connect() (docs/labs/kafka.md, \"Fencing, measured\"). Writers in several processes take the role from each other: each take-over costs the loser an aborted transaction and a retry.",
    "global-order comes from a single-partition events topic: a total order, capped at one partition's throughput and one transaction at a time.",
    'Reading one stream is served from an in-process index built by replaying the whole log at start.',
    'consumer groups read a by-stream copy of the log (8 partitions, key = stream id), written in the same transaction as the one-partition events topic: every event is stored twice, and a group on the one-partition topic alone would have one active member.',
  ],
  qualifiedPasses: {
    'append.expected-version': EMULATED_UNDER_ONE_WRITER_ROLE,
    'append.concurrent-writers': EMULATED_UNDER_ONE_WRITER_ROLE,
    'append.concurrent-writers-across-processes': EMULATED_UNDER_ONE_WRITER_ROLE,
    'append.idempotent': EMULATED_UNDER_ONE_WRITER_ROLE,
    'consume.group-shares-the-work': ON_THE_BY_STREAM_TOPIC,
    'consume.member-crash-rebalances': `${ON_THE_BY_STREAM_TOPIC}; a killed member's partitions move once the coordinator's session timeout expires and the survivors rejoin`,
    'consume.poison-event-parked': ON_THE_BY_STREAM_TOPIC,
    'consume.scale-out': `${ON_THE_BY_STREAM_TOPIC}; every join and leave rebalances the whole group (each member gives up all its partitions and rejoins)`,
  },
  start: (log) => startKafkaBackend({ log }),
  async tour(running, narrate) {
    const { runKafkaTour } = await import('./tour.ts');
    await runKafkaTour(running.env.KAFKA_BROKERS!.split(','), narrate);
  },
};

/**
 * The broker (started here, or KAFKA_BROKERS) and the store on it. Tests that must restart the broker pass
 * `{ env: {} }` to start one of their own even when the test run shares one.
 */
export async function startKafkaBackend(options: StartKafkaOptions = {}): Promise<RunningBackend> {
  const { startKafka } = await import('../runtime/kafka.ts');
  const broker = await startKafka(options);
  const { KafkaEventStore, closeKafkaViews } = await import('./kafka-store.ts');
  return {
    description: broker.description,
    env: { KAFKA_BROKERS: broker.brokers.join(',') },
    createStore: () => KafkaEventStore.connect({ brokers: broker.brokers }),
    // The broker started here keeps its data directory until stop(): it comes back on it, same ports.
    restart: broker.restart ? (restartOptions) => broker.restart!(restartOptions) : undefined,
    // The stores' log views linger briefly after close; end them while the broker still answers.
    stop: async () => {
      await closeKafkaViews();
      await broker.stop();
    },
  };
}
