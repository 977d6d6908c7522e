/**
 * What a scenario result means for a backend: the one place that decides whether a result is an error.
 * Every binding (node:test, the CLI, the lab, the test summary) asks here.
 *
 * A real store: a failure is an error. A pitfall twin: its expected failures must fail on every run (the
 * lesson); a failure of a scenario its flaw makes flaky (named, with the reason) is reported but not an
 * error; any other failure is an error like on a real store — `input.invalid` or `read.stream-forward`
 * have no excuse.
 */
import type { ScenarioId, ScenarioNotes, ScenarioResult } from './scenario.ts';

export interface BackendPromises {
  expectedFailures?: ScenarioNotes;
  flakyUnderLoad?: ScenarioNotes;
}

export type Verdict =
  | { kind: 'pass'; error: false }
  | { kind: 'unsupported'; error: false; reason: string }
  | { kind: 'skipped'; error: false; reason: string }
  | { kind: 'lesson-shown'; error: false; why: string }
  | { kind: 'lesson-missing'; error: true; why: string }
  | { kind: 'flaky-failure'; error: false; why: string }
  | { kind: 'failure'; error: true };

export function judgeScenario(result: ScenarioResult, promises: BackendPromises = {}): Verdict {
  const lesson = promises.expectedFailures?.[result.id];
  if (result.status === 'unsupported') return { kind: 'unsupported', error: false, reason: result.detail };
  if (result.status === 'skipped') return { kind: 'skipped', error: false, reason: result.detail };
  if (lesson) {
    return result.status === 'fail' ? { kind: 'lesson-shown', error: false, why: lesson } : { kind: 'lesson-missing', error: true, why: lesson };
  }
  if (result.status === 'pass') return { kind: 'pass', error: false };
  const flaky = promises.flakyUnderLoad?.[result.id];
  if (flaky) return { kind: 'flaky-failure', error: false, why: flaky };
  return { kind: 'failure', error: true };
}

/** The results that make a run red, with their verdicts. */
export function judgeResults(results: readonly ScenarioResult[], promises: BackendPromises = {}): { id: ScenarioId; verdict: Verdict }[] {
  return results.map((r) => ({ id: r.id, verdict: judgeScenario(r, promises) })).filter((r) => r.verdict.error);
}

/** One line for people: why this result is (or is not) an error. */
export function describeVerdict(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'pass':
      return 'pass';
    case 'unsupported':
      return `unsupported: ${verdict.reason}`;
    case 'skipped':
      return `skipped: ${verdict.reason}`;
    case 'lesson-shown':
      return `fails, as the lesson expects: ${verdict.why}`;
    case 'lesson-missing':
      return `was expected to fail (${verdict.why}) but passed: the lesson did not show`;
    case 'flaky-failure':
      return `also failed this time (allowed for this scenario: ${verdict.why})`;
    case 'failure':
      return 'failed';
  }
}
