/**
 * THE specification of an event store, as executable scenarios. Every backend runs exactly these.
 *
 * Each scenario states one property and fails with a message that says which event broke it. Scenarios
 * only look at streams whose ids start with their own prefix, so they can share a database with other
 * runs; concurrency scenarios use several store instances (several connections) at once. The scenarios
 * live in scenarios/, one file per family; this list fixes their order.
 */
import { appendScenarios } from './scenarios/append.ts';
import { inputScenarios } from './scenarios/input.ts';
import { modelScenarios } from './scenarios/model.ts';
import { readScenarios } from './scenarios/read.ts';
import { subscribeScenarios } from './scenarios/subscribe.ts';
import type { Scenario } from './scenario.ts';

export const scenarios: Scenario[] = [
  ...appendScenarios,
  ...readScenarios,
  ...subscribeScenarios,
  ...modelScenarios,
  ...inputScenarios,
];

export function scenarioById(id: string): Scenario | undefined {
  return scenarios.find((s) => s.id === id);
}
