/**
 * The checker of one step: the conformance scenarios of that step and of every step before it, run
 * against the learner's store on a real server, each reported as pass or fail with the suite's own
 * explanation. A scenario whose capability the store still declares `unsupported` is NOT a pass: within
 * the steps checked, "not built yet" fails like any other gap.
 */
import { runScenario, scenarioById, type Scenario, type ScenarioId } from '../labs/conformance/index.ts';
import type { EventStore, EventStoreFactory } from '../labs/core/index.ts';
import { failureFacts, type FailureFacts } from './failure.ts';
import type { Failing } from './hints.ts';
import { LearnerCodeError, loadLearnerModule, type LearnerCode, type WorkshopHarness } from './harness.ts';
import { workshopScenarioById } from './scenarios/index.ts';
import { scenariosToCheck, stepOfScenario, stepsUpTo, type CheckedScenarioId, type WorkshopPath, type WorkshopStep } from './steps.ts';

export type ScenarioCheckStatus = 'pass' | 'fail' | 'not-built';

export interface ScenarioCheck {
  id: CheckedScenarioId;
  scenario: Pick<Scenario, 'title' | 'property'>;
  /** The step that introduced this scenario. */
  step: WorkshopStep;
  status: ScenarioCheckStatus;
  /** The suite's message: what broke (fail), what the store declared (not-built), what it did (pass). */
  detail: string;
  /** For a failure: the scenario's words, expected and actual values, where in the learner's file. */
  failure?: FailureFacts;
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
  onScenario?(index: number, total: number, scenario: Pick<Scenario, 'id' | 'title'>): void;
  timeoutMs?: number;
  /** Only these of the step's scenarios (tests of deliberate mistakes run the one they are about). */
  only?: readonly CheckedScenarioId[];
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
    const ids = scenariosToCheck(path, step).filter((id) => !options.only || options.only.includes(id));
    for (const [index, id] of ids.entries()) {
      const scenario = scenarioById(id as ScenarioId) ?? (await workshopScenario(id, code));
      options.onScenario?.(index, ids.length, scenario);
      const watched = watchScenario(scenario, prepared.createStore);
      const result = await runScenario(path.backend, watched.factory, watched.scenario, {
        timeoutMs: options.timeoutMs ?? 45_000,
        observer: { narrate: (_s, line) => watched.narration.push(line) },
      });
      const status: ScenarioCheckStatus = result.status === 'pass' ? 'pass' : result.status === 'unsupported' ? 'not-built' : 'fail';
      const failure =
        status === 'fail' && watched.error !== undefined
          ? failureFacts(watched.error, { learnerFiles: Object.values(code.files), calls: watched.calls, narration: watched.narration })
          : undefined;
      results.push({ id, scenario, step: stepOfScenario(path, id)!, status, detail: result.detail, failure, durationMs: result.durationMs });
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

/**
 * One of the workshop's own scenarios, bound to the learner's module it exercises (work/cart.ts, work/customer.ts), in the
 * shape the suite's runner takes. Its id is not one of the suite's (the cast is the one place that says so).
 */
async function workshopScenario(id: CheckedScenarioId, code: LearnerCode): Promise<Scenario> {
  const own = workshopScenarioById(id);
  if (!own) throw new Error(`unknown scenario ${id}`);
  const file = code.files[own.file];
  if (!file) throw new Error(`the path has no ${own.file} for ${id}`);
  let module: unknown;
  return {
    ...own,
    id: own.id as unknown as ScenarioId,
    async run(ctx) {
      // Loaded when the scenario runs, so a file that does not load fails this scenario, not the check.
      module ??= await loadLearnerModule<unknown>(file, own.exports);
      await own.run(ctx, module);
    },
  };
}

/**
 * The runner keeps only an error's message; the checker needs the error itself (its values and its
 * stack) and the learner's methods the scenario called before it failed. So the scenario is wrapped to
 * keep what it throws, and every store it opens is wrapped to record its calls (calls the store makes on
 * itself are not recorded: the wrapper calls the method on the store itself).
 */
function watchScenario(scenario: Scenario, createStore: EventStoreFactory) {
  const watched = {
    error: undefined as unknown,
    calls: [] as string[],
    narration: [] as string[],
    scenario: {
      ...scenario,
      async run(ctx) {
        try {
          await scenario.run(ctx);
        } catch (error) {
          watched.error = error;
          throw error;
        }
      },
    } satisfies Scenario,
    factory: async () => recordCalls(await createStore(), watched.calls),
  };
  return watched;
}

function recordCalls<T extends object>(target: T, calls: string[], prefix = ''): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property); // `this` is the store itself: private fields work
      if (typeof property !== 'string' || property === 'close' || property === 'describePosition') return value;
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          calls.push(`${prefix}${property}`);
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        };
      }
      if (!prefix && (property === 'snapshots' || property === 'checkpoints') && value && typeof value === 'object') {
        return recordCalls(value, calls, `${property}.`);
      }
      return value;
    },
  }) as T & EventStore;
}

/** The step's own scenarios that failed, with their words: what chooses the next hint (hints.ts). */
export function failingOf(check: StepCheck): Failing[] {
  return check.results
    .filter((r) => r.status !== 'pass' && r.step === check.step)
    .map((r) => ({ scenario: r.id, message: r.failure?.message ?? r.detail.split('\n')[0] }));
}
