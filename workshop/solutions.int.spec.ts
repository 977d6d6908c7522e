/**
 * The facilitator's setup check, as tests: every step's reference solution (generated from the path's
 * solution source, workshop/<path>/solution/) passes its step's checker
 * (its own scenarios and all earlier ones) on every path whose backend starts here; and step 05's trap is
 * real: the step-04 solution (read all by position) fails the no-skip scenario; and step 11's leak is
 * caught: its checker fails the starter and the naive forget whose snapshot keeps the data in clear, and
 * passes the solution. Paths: every entry of
 * WORKSHOP_PATHS (PostgreSQL, DynamoDB, Kafka).
 *
 * Every step of every path, as `npm run workshop -- check --solutions` does (Kafka's ten add about
 * 25 s against a running broker, mostly the no-skip scenario of steps 05-10). The same server then
 * checks the deliberate mistakes of mistakes.ts (mistake-tests.ts) and the newcomer's first loop
 * (starter-tests.ts): one server start per path for all of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFile, writeFile } from 'node:fs/promises';
import { checkStep } from './checker.ts';
import { startHarnessForTests, type HarnessOrSkip } from './int-harness.ts';
import { mistakeTests } from './mistake-tests.ts';
import { MISTAKES } from './mistakes.ts';
import { starterTests } from './starter-tests.ts';
import { solutionCode } from './solutions.ts';
import { WORKSHOP_PATHS, previousStep, stepNumber, stepOfScenario } from './steps.ts';

for (const path of WORKSHOP_PATHS) {
  void describe(`workshop ${path.backend}: the reference solutions, deliberate mistakes, the first loop`, () => {
    let started: HarnessOrSkip = { skip: 'not started' };
    before(async () => {
      started = await startHarnessForTests(path);
    });
    after(async () => {
      await started.harness?.stop();
    });

    for (const step of path.steps) {
      test(`step ${step.id} (${step.title}): the reference solution passes the step's checker`, async (t) => {
        if (!started.harness) return t.skip(started.skip);
        const code = await solutionCode(path, stepNumber(step));
        const check = await checkStep({ path, step, code, harness: started.harness }).finally(() => code.dispose());
        assert.equal(check.codeError, undefined, check.codeError?.message);
        const failing = check.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status}: ${r.detail}`);
        assert.deepEqual(failing, [], `solutions/${step.id}-* does not pass step ${step.id}`);
        assert.equal(check.passed, true);
        assert.deepEqual(check.stepsDone, path.steps.slice(0, path.steps.indexOf(step) + 1).map((s) => s.id));
      });
    }

    const trap = stepOfScenario(path, 'read.all-no-skip-under-concurrent-commits');
    const before05 = trap && previousStep(path, trap);
    if (trap && before05) {
      test(`step ${trap.id}'s trap is real: the step-${before05.id} solution skips events under concurrent commits`, async (t) => {
        if (!started.harness) return t.skip(started.skip);
        const code = await solutionCode(path, stepNumber(before05));
        const check = await checkStep({ path, step: trap, code, harness: started.harness }).finally(() => code.dispose());
        assert.equal(check.codeError, undefined, check.codeError?.message);
        const failing = check.results.filter((r) => r.status !== 'pass');
        assert.deepEqual(failing.map((r) => `${r.id}: ${r.status}`), ['read.all-no-skip-under-concurrent-commits: fail'], 'only the trap fails');
        assert.match(failing[0]!.detail, /skipped \d+ of \d+ committed events/);
        t.diagnostic(failing[0]!.detail.split('\n')[0]!);
      });
    }

    const forgetting = stepOfScenario(path, 'workshop.forget-customer');
    const leak = MISTAKES.find((m) => m.backend === path.backend && m.scenario === 'workshop.forget-customer');
    if (forgetting && leak) {
      test(`step ${forgetting.id}'s checker fails the starter and the naive forget that leaves a plaintext snapshot, and passes the solution`, async (t) => {
        if (!started.harness) return t.skip(started.skip);
        const checkForget = async (step: number, change?: (text: string) => string) => {
          const code = await solutionCode(path, step);
          try {
            if (change) await writeFile(code.files['customer.ts']!, change(await readFile(code.files['customer.ts']!, 'utf8')));
            const check = await checkStep({ path, step: forgetting, code, harness: started.harness!, only: ['workshop.forget-customer'] });
            assert.equal(check.codeError, undefined, check.codeError?.message);
            return check.results[0]!;
          } finally {
            await code.dispose();
          }
        };
        // The starter: where step 11 begins (the step-10 solution, customer.ts still its TODOs).
        const starter = await checkForget(stepNumber(previousStep(path, forgetting)!));
        assert.equal(starter.status, 'fail', starter.detail);
        assert.match(starter.detail, /^TODO step 11: /);
        // The naive solution: events encrypted, key destroyed, the snapshot saved revealed.
        const naive = await checkForget(stepNumber(forgetting), (text) => {
          assert.ok(text.includes(leak.find), 'the solution contains the line the naive version changes');
          return text.replaceAll(leak.find, leak.replace);
        });
        assert.equal(naive.status, 'fail', 'the naive forget is caught');
        assert.match(naive.detail, /the snapshot taken before forget still holds the personal data in clear/);
        const solved = await checkForget(stepNumber(forgetting));
        assert.equal(solved.status, 'pass', solved.detail);
        t.diagnostic(`starter: ${starter.detail.split('\n')[0]} | naive: ${naive.detail.split('\n')[0]} | solution: pass`);
      });
    }

    mistakeTests(path, () => started);
    starterTests(path, () => started);
  });
}
