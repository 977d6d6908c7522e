/**
 * The newcomer's first loop, as tests: the starter (step 00 of the solution source) fails step 01 on
 * its TODOs, and the same check passes once the step-01 solution is written into the work copy. On the
 * PostgreSQL path also: a store that still declares a capability unsupported fails the step about it
 * (never a pass), and a broken schema.sql is reported with its line instead of running anything.
 * Registered by solutions.int.spec.ts inside its describe, so one server per path serves every test.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkStep } from './checker.ts';
import type { HarnessOrSkip } from './int-harness.ts';
import { codeIn, pathDir } from './layout.ts';
import { solutionCode, writeStep } from './solutions.ts';
import type { WorkshopPath } from './steps.ts';

export function starterTests(path: WorkshopPath, harness: () => HarnessOrSkip): void {
  const [step01, , step03] = path.steps as [WorkshopPath['steps'][0], WorkshopPath['steps'][0], WorkshopPath['steps'][0]];

  void describe('from the starter to a passing step 01', () => {
    // A copy of work/ at the same depth as work/ (its imports are relative), removed afterwards.
    let work: string | undefined;
    before(async () => {
      work = await mkdtemp(join(pathDir(path), '.spec-work-'));
      await writeStep(path, 0, work);
    });
    after(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    test('the starter fails every scenario of step 01, each on a TODO of step 01', async (t) => {
      const { harness: server, skip } = harness();
      if (!server) return t.skip(skip);
      const check = await checkStep({ path, step: step01, code: codeIn(path, work!), harness: server });
      assert.equal(check.passed, false);
      assert.deepEqual(check.results.map((r) => [r.id, r.status]), step01.scenarios.map((id) => [id, 'fail']));
      for (const r of check.results) assert.match(r.detail, /^TODO step 01: /, r.id);
      assert.deepEqual(check.stepsDone, []);
    });

    test('after filling step 01 (its solution written into the work copy), the same check passes', async (t) => {
      const { harness: server, skip } = harness();
      if (!server) return t.skip(skip);
      await writeStep(path, 1, work!);
      const check = await checkStep({ path, step: step01, code: codeIn(path, work!), harness: server });
      assert.deepEqual(check.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.detail}`), []);
      assert.equal(check.passed, true);
      assert.deepEqual(check.stepsDone, ['01']);
    });

    if (path.backend !== 'postgres') return;

    test('a capability still declared unsupported fails its step as "not built", never passes', async (t) => {
      const { harness: server, skip } = harness();
      if (!server) return t.skip(skip);
      const code = await solutionCode(path, 2);
      const check = await checkStep({ path, step: step03, code, harness: server }).finally(() => code.dispose());
      const backward = check.results.find((r) => r.id === 'read.stream-backward');
      assert.equal(backward?.status, 'not-built');
      assert.match(backward.detail, /read-backward: TODO step 03/);
      assert.equal(check.passed, false);
      assert.deepEqual(check.stepsDone, ['01', '02']);
    });

    test('a schema.sql that does not apply is reported with its line, and nothing runs', async (t) => {
      const { harness: server, skip } = harness();
      if (!server) return t.skip(skip);
      await writeFile(join(work!, 'schema.sql'), 'CREATE TABLE events (\n  position bigint PRIMARY KEY,\n  oops oops oops\n);\n');
      const check = await checkStep({ path, step: step01, code: codeIn(path, work!), harness: server });
      assert.equal(check.results.length, 0);
      assert.match(check.codeError?.message ?? '', /did not apply \(line 3\): syntax error at or near "oops"/);
    });
  });
}
