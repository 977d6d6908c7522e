/**
 * Runs the conformance suite of one backend as node:test tests: one test per scenario. A backend's spec
 * file is one line: `defineConformanceTests(postgresBackend)`.
 *
 * - The server comes from the environment (the test run starts embedded servers once and exports
 *   DATABASE_URL, DYNAMODB_ENDPOINT, KAFKA_BROKERS, …) or is started here when the file runs alone;
 *   availability and the CI=true policy are decided by `startBackend`, like everywhere else.
 * - A scenario needing a capability the backend declared unsupported is skipped as `unsupported: <reason>`.
 * - Whether a result is an error is decided by `judgeScenario` (labs/conformance/verdict.ts).
 * The report is also written to .workbench/results/conformance-<backend>.json for the summary.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeVerdict,
  judgeScenario,
  runScenario,
  scenarios,
  type ConformanceReport,
  type ScenarioResult,
} from '../conformance/index.ts';
import { skipMessage, startBackend, type BackendDefinition, type RunningBackend } from '../runtime/backend.ts';
import { withOwnServers } from '../runtime/settings.ts';
import { fixtureExtras } from './fixture.ts';

export const RESULTS_DIR = new URL('../../.workbench/results/', import.meta.url);

export function defineConformanceTests(definition: BackendDefinition): void {
  void describe(`conformance: ${definition.title}`, () => {
    let running: RunningBackend | undefined;
    let skipReason: string | undefined;
    const results: ScenarioResult[] = [];

    before(async () => {
      const outcome = await startBackend(definition);
      if (outcome.status === 'ran') running = outcome.running;
      else skipReason = outcome.reason;
    }, { timeout: 180_000 });

    after(async () => {
      await running?.stop();
      const report: ConformanceReport = {
        backend: definition.name,
        startedAt: new Date().toISOString(),
        scenarios: skipReason ? scenarios.map((s) => ({ id: s.id, status: 'skipped', detail: skipReason!, durationMs: 0 })) : results,
      };
      await mkdir(RESULTS_DIR, { recursive: true });
      await writeFile(new URL(`conformance-${definition.name}.json`, RESULTS_DIR), JSON.stringify(report, null, 2));
    });

    for (const scenario of scenarios) {
      void test(`${scenario.id}: ${scenario.property}`, async (t) => {
        if (skipReason || !running) {
          t.skip(skipMessage(definition.title, skipReason));
          return;
        }
        // A drill that restarts the server cannot use the run's shared server (the other tests use it):
        // a server the workbench embeds is started for it alone.
        const own =
          scenario.needs?.includes('server-restart') && !running.restart && definition.embedded
            ? await withOwnServers(() => definition.start())
            : undefined;
        const target = own ?? running;
        let result: ScenarioResult;
        try {
          result = await runScenario(definition.name, target.createStore, scenario, { extras: fixtureExtras(definition, target) });
        } finally {
          await own?.stop();
        }
        results.push(result);
        const verdict = judgeScenario(result, definition);
        if (verdict.kind === 'unsupported') {
          t.skip(`unsupported by ${definition.name}: ${verdict.reason}`);
          return;
        }
        if (verdict.kind === 'lesson-shown' || verdict.kind === 'flaky-failure') t.diagnostic(`${describeVerdict(verdict)} — ${result.detail}`);
        assert.equal(verdict.error, false, `${definition.name} ${scenario.id}: ${describeVerdict(verdict)}: ${result.detail}`);
      });
    }
  });
}
