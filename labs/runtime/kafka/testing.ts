/**
 * For the runtime's own Kafka tests, which need the broker itself (its options, restart, pid), not a store:
 * `startBackend` decides availability and the CI=true policy, as for every other caller.
 */
import { startBackend, type BackendDefinition } from '../backend.ts';
import { startKafka, type KafkaBroker, type StartKafkaOptions } from './broker.ts';

export type KafkaForTest = { broker: KafkaBroker; skipReason?: undefined } | { broker?: undefined; skipReason: string };

/** Starts a broker with `options` (or takes KAFKA_BROKERS, unless `options.env` says otherwise). */
export async function startKafkaForTest(options: StartKafkaOptions = {}): Promise<KafkaForTest> {
  let broker: KafkaBroker | undefined;
  const definition: BackendDefinition = {
    name: 'kafka',
    title: 'Apache Kafka (the runtime test broker)',
    server: 'kafka',
    embedded: true,
    async start() {
      broker = await startKafka({ log: () => {}, ...options });
      const started = broker;
      return {
        description: started.description,
        env: { KAFKA_BROKERS: started.brokers.join(',') },
        createStore: () => Promise.reject(new Error('the runtime tests use the broker, not a store')),
        stop: () => started.stop(),
      };
    },
  };
  const outcome = await startBackend(definition);
  if (outcome.status === 'skipped' || broker === undefined) return { skipReason: outcome.status === 'skipped' ? outcome.reason : 'not started' };
  return { broker };
}
