/**
 * For Kafka integration tests: the real broker, started once per test file (or the one the test run
 * started, through KAFKA_BROKERS), and the reason when there is none. Under CI=true a broker that fails
 * to start fails the file instead of skipping it.
 */
import { after, before } from 'node:test';
import { unavailableReason } from '../runtime/settings.ts';
import { startKafka, type KafkaBroker } from '../runtime/kafka.ts';

export interface TestBroker {
  /** The running broker, or undefined with `skipReason` saying why. */
  readonly broker: KafkaBroker | undefined;
  readonly skipReason: string | undefined;
  /** The message a test passes to `t.skip` when there is no broker. */
  readonly skipMessage: string;
}

export function useKafkaBroker(afterAll?: () => Promise<void>): TestBroker {
  let broker: KafkaBroker | undefined;
  let skipReason = unavailableReason('kafka');
  before(async () => {
    if (skipReason) return;
    try {
      broker = await startKafka({ log: () => {} });
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      skipReason = error instanceof Error ? error.message : String(error);
    }
  }, { timeout: 150_000 });
  after(async () => {
    await afterAll?.();
    await broker?.stop();
  });
  return {
    get broker() {
      return broker;
    },
    get skipReason() {
      return skipReason;
    },
    get skipMessage() {
      return `SKIPPED, Kafka is not available: ${skipReason ?? 'not started'}`;
    },
  };
}
