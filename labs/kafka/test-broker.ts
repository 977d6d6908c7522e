/**
 * For Kafka integration tests: the real broker, started once per test file through `startBackend` (or the
 * one the test run started, through KAFKA_BROKERS), and the reason when there is none. Availability and the
 * CI=true policy are labs/runtime/backend.ts's: under CI=true a broker that cannot start fails the file.
 */
import { after, before } from 'node:test';
import { skipMessage, startBackend, type RunningBackend } from '../runtime/backend.ts';
import { kafkaBackend } from './backend.ts';

export interface RunningTestBroker {
  /** `host:port` strings for kafkajs. */
  brokers: string[];
  /** The backend as the conformance suite gets it (createStore, restart when the broker was started here). */
  running: RunningBackend;
}

export interface TestBroker {
  /** The running broker, or undefined with `skipReason` saying why. */
  readonly broker: RunningTestBroker | undefined;
  readonly skipReason: string | undefined;
  /** The message a test passes to `t.skip` when there is no broker. */
  readonly skipMessage: string;
}

export function useKafkaBroker(afterAll?: () => Promise<void>): TestBroker {
  let broker: RunningTestBroker | undefined;
  let skipReason: string | undefined;
  before(async () => {
    const outcome = await startBackend(kafkaBackend, { log: () => {} });
    if (outcome.status === 'skipped') {
      skipReason = outcome.reason;
      return;
    }
    broker = { brokers: outcome.running.env.KAFKA_BROKERS!.split(','), running: outcome.running };
  }, { timeout: 150_000 });
  after(async () => {
    await afterAll?.();
    await broker?.running.stop();
  });
  return {
    get broker() {
      return broker;
    },
    get skipReason() {
      return skipReason;
    },
    get skipMessage() {
      return skipMessage('Kafka', skipReason);
    },
  };
}
