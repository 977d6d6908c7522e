/**
 * The shape of the workshop's own scenarios: written like a conformance scenario (same context, same
 * runner), but checking a learner's domain module (work/cart.ts, work/customer.ts) on the learner's
 * store, not the store itself. The checker loads `file` afresh and checks it exports `exports`.
 */
import type { Scenario, ScenarioContext } from '../../labs/conformance/index.ts';

export const WORKSHOP_SCENARIO_IDS = ['workshop.aggregate', 'workshop.aggregate-from-snapshot', 'workshop.forget-customer'] as const;
export type WorkshopScenarioId = (typeof WORKSHOP_SCENARIO_IDS)[number];

export interface WorkshopScenario<Module = unknown> extends Omit<Scenario, 'id' | 'run'> {
  id: WorkshopScenarioId;
  /** The learner's module the scenario exercises (loaded by the checker from `file`). */
  file: string;
  /** The functions `file` must export. */
  exports: readonly string[];
  run(ctx: ScenarioContext, module: Module): Promise<void>;
}
