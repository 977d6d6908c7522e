/**
 * Runs the conformance suite of one backend as node:test tests: one test per scenario.
 * A backend's spec file is one line: `defineConformanceTests('postgres')`.
 *
 * - The server comes from the environment (the test run starts embedded servers once and exports
 *   DATABASE_URL, DYNAMODB_ENDPOINT, KAFKA_BROKERS, …) or is started here when the file runs alone.
 * - A server that cannot start: with CI=true the tests fail (for servers the workbench embeds); otherwise each scenario is skipped with the
 *   reason, loudly. The test run's summary repeats it.
 * - A scenario needing a capability the backend declared unsupported is skipped as `unsupported: <reason>`.
 * - Pitfall stores must fail their expected scenarios, for real, on every run (other failures of theirs
 *   are reported as diagnostics: a naive store may get more wrong under load).
 * The report is also written to .workbench/results/conformance-<backend>.json for the summary.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backendByName, type RunningBackend } from '../backends.ts';
import { runScenario } from './runner.ts';
import { scenarios } from './scenarios.ts';
import type { ConformanceReport, ScenarioResult } from './scenario.ts';

export const RESULTS_DIR = new URL('../../.workbench/results/', import.meta.url);

/** The test run sets this when a server could not be started, so every file does not try again. */
export function unavailableReason(server: string): string | undefined {
  return process.env[`WORKBENCH_UNAVAILABLE_${server.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
}

export function defineConformanceTests(backendName: string): void {
  const definition = backendByName(backendName);
  if (!definition) throw new Error(`No backend named '${backendName}' in labs/backends.ts`);
  const expected = definition.expectedFailures ?? {};

  void describe(`conformance: ${definition.title}`, () => {
    let running: RunningBackend | undefined;
    let skipReason: string | undefined;
    const results: ScenarioResult[] = [];

    before(async () => {
      skipReason = unavailableReason(definition.server);
      if (skipReason) return;
      try {
        running = await definition.start();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (process.env.CI === 'true' && definition.embedded) throw new Error(`${definition.name} could not start and CI=true: ${reason}`);
        skipReason = reason;
      }
    });

    after(async () => {
      await running?.stop();
      const report: ConformanceReport = {
        backend: definition.name,
        startedAt: new Date().toISOString(),
        scenarios: skipReason
          ? scenarios.map((s) => ({ id: s.id, status: 'skipped', detail: skipReason!, durationMs: 0 }))
          : results,
      };
      await mkdir(RESULTS_DIR, { recursive: true });
      await writeFile(new URL(`conformance-${definition.name}.json`, RESULTS_DIR), JSON.stringify(report, null, 2));
    });

    for (const scenario of scenarios) {
      void test(`${scenario.id}: ${scenario.property}`, async (t) => {
        if (skipReason || !running) {
          t.skip(`SKIPPED, ${definition.title} is not available: ${skipReason ?? 'not started'}`);
          return;
        }
        const result = await runScenario(definition.name, running.createStore, scenario);
        results.push(result);
        if (result.status === 'unsupported') {
          t.skip(`unsupported by ${definition.name}: ${result.detail}`);
          return;
        }
        const why = expected[scenario.id];
        if (why) {
          assert.equal(result.status, 'fail', `pitfall store was expected to fail ${scenario.id} (${why}) but it passed`);
          t.diagnostic(`fails as expected: ${result.detail}`);
        } else if (definition.expectedFailures && result.status === 'fail') {
          // A pitfall store must show its lesson every time; under load it may get more wrong than
          // that (a timestamp order misses live events now and then). Report it, do not hide it.
          t.diagnostic(`the pitfall store also failed this scenario this time: ${result.detail}`);
        } else {
          assert.equal(result.status, 'pass', result.detail);
        }
      });
    }
  });
}
