/**
 * The checker of one step: the conformance scenarios of that step and of every step before it, run
 * against the learner's store on a real server, each reported as pass or fail with the suite's own
 * explanation. A scenario whose capability the store still declares `unsupported` is NOT a pass: within
 * the steps checked, "not built yet" fails like any other gap.
 */
import type { Scenario, ScenarioId } from '../labs/conformance/scenario.ts';
import { runScenario } from '../labs/conformance/runner.ts';
import { scenarioById } from '../labs/conformance/scenarios.ts';
import { LearnerCodeError, type LearnerCode, type WorkshopHarness } from './harness.ts';
import { scenariosToCheck, stepOfScenario, stepsUpTo, type WorkshopPath, type WorkshopStep } from './steps.ts';

export type ScenarioCheckStatus = 'pass' | 'fail' | 'not-built';

export interface ScenarioCheck {
  id: ScenarioId;
  scenario: Scenario;
  /** The step that introduced this scenario. */
  step: WorkshopStep;
  status: ScenarioCheckStatus;
  /** The suite's message: what broke (fail), what the store declared (not-built), what it did (pass). */
  detail: string;
  durationMs: number;
}

export interface StepCheck {
  path: WorkshopPath;
  step: WorkshopStep;
  code: LearnerCode;
  /** Server and isolated place the check ran in. */
  where: string;
  /** The learner's files could not be loaded or applied: nothing ran. */
  codeError?: LearnerCodeError;
  results: ScenarioCheck[];
  /** Steps (up to the checked one) whose scenarios, and all earlier ones, passed in this check. */
  stepsDone: string[];
  passed: boolean;
}

export interface CheckOptions {
  path: WorkshopPath;
  step: WorkshopStep;
  code: LearnerCode;
  harness: WorkshopHarness;
  /** Called before each scenario (the live progress line). */
  onScenario?(index: number, total: number, scenario: Scenario): void;
  timeoutMs?: number;
}

export async function checkStep(options: CheckOptions): Promise<StepCheck> {
  const { path, step, code, harness } = options;
  const base = { path, step, code, where: harness.description };
  let prepared;
  try {
    prepared = await harness.prepare(code, step.id);
  } catch (error) {
    if (error instanceof LearnerCodeError) return { ...base, codeError: error, results: [], stepsDone: [], passed: false };
    throw error;
  }
  const results: ScenarioCheck[] = [];
  try {
    const ids = scenariosToCheck(path, step);
    for (const [index, id] of ids.entries()) {
      const scenario = scenarioById(id)!;
      options.onScenario?.(index, ids.length, scenario);
      const result = await runScenario(path.backend, prepared.createStore, scenario, { timeoutMs: options.timeoutMs ?? 45_000 });
      const status: ScenarioCheckStatus = result.status === 'pass' ? 'pass' : result.status === 'unsupported' ? 'not-built' : 'fail';
      results.push({ id, scenario, step: stepOfScenario(path, id)!, status, detail: result.detail, durationMs: result.durationMs });
    }
  } finally {
    await prepared.dispose();
  }
  const stepsDone: string[] = [];
  for (const s of stepsUpTo(path, step)) {
    const own = results.filter((r) => r.step === s);
    if (own.every((r) => r.status === 'pass')) stepsDone.push(s.id);
    else break; // a later step is not done while an earlier one is broken
  }
  return {
    ...base,
    where: `${harness.description}, ${prepared.where}`,
    results,
    stepsDone,
    passed: results.every((r) => r.status === 'pass'),
  };
}
