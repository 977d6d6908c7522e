/** The workshop's own scenarios, by id (the suite's are in labs/conformance). */
import { aggregateFromSnapshotScenario, aggregateScenario } from './aggregate.ts';
import { forgetCustomerScenario } from './forget.ts';
import type { WorkshopScenario } from './scenario.ts';

export { WORKSHOP_SCENARIO_IDS, type WorkshopScenario, type WorkshopScenarioId } from './scenario.ts';

// Each scenario knows its module's type; the checker hands it whatever it loaded from `file`.
export const WORKSHOP_SCENARIOS = [aggregateScenario, aggregateFromSnapshotScenario, forgetCustomerScenario] as unknown as WorkshopScenario[];

export function workshopScenarioById(id: string): WorkshopScenario | undefined {
  return WORKSHOP_SCENARIOS.find((s) => s.id === id);
}
