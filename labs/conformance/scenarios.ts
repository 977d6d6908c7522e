/**
 * THE specification of an event store, as executable scenarios. Every backend runs exactly these.
 *
 * Each scenario states one property and fails with a message that says which event broke it. Scenarios
 * only look at streams whose ids start with their own prefix, so they can share a database with other
 * runs; concurrency scenarios use several store instances (several connections) at once. The scenarios
 * live in scenarios/, one file per family; this list fixes their order.
 */
import { anyContentionScenarios } from './scenarios/any-contention.ts';
import { appendScenarios } from './scenarios/append.ts';
import { consumeScenarios } from './scenarios/consume.ts';
import { asWrittenScenarios } from './scenarios/as-written.ts';
import { cryptoShreddingScenarios } from './scenarios/crypto-shredding.ts';
import { faithfulInputScenarios } from './scenarios/faithful-input.ts';
import { inputScenarios } from './scenarios/input.ts';
import { reliabilityScenarios } from './scenarios/reliability.ts';
import { replicationScenarios } from './scenarios/replication.ts';
import { storeScenarios } from './scenarios/store.ts';
import { modelScenarios } from './scenarios/model.ts';
import { readScenarios } from './scenarios/read.ts';
import { retentionScenarios } from './scenarios/retention.ts';
import { streamLifecycleScenarios } from './scenarios/stream-lifecycle.ts';
import { subscribeScenarios } from './scenarios/subscribe.ts';
import { SCENARIO_IDS, type Scenario } from './scenario.ts';

const order = (s: Scenario) => SCENARIO_IDS.indexOf(s.id);

/** Every scenario, in the order of SCENARIO_IDS (the documented order). */
export const scenarios: Scenario[] = [
  ...appendScenarios,
  ...readScenarios,
  ...subscribeScenarios,
  ...modelScenarios,
  ...inputScenarios,
  ...faithfulInputScenarios,
  ...storeScenarios,
  ...reliabilityScenarios,
  ...consumeScenarios,
  ...anyContentionScenarios,
  ...asWrittenScenarios,
  ...streamLifecycleScenarios,
  ...cryptoShreddingScenarios,
  ...retentionScenarios,
  ...replicationScenarios,
].sort((a, b) => order(a) - order(b));

export function scenarioById(id: string): Scenario | undefined {
  return scenarios.find((s) => s.id === id);
}
