import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCENARIO_IDS } from '../labs/conformance/index.ts';
import { loadHints } from './hints.ts';
import { stepDir } from './layout.ts';
import { solutionText } from './solutions.ts';
import { NOT_IN_WORKSHOP, WORKSHOP_PATHS, scenariosToCheck, stepById, stepNumber, stepOfScenario, stepsUpTo } from './steps.ts';

for (const path of WORKSHOP_PATHS) {
  test(`${path.backend}: by its last step the path checks every scenario of the suite (but those listed, with a reason), each introduced once`, () => {
    const introduced = path.steps.flatMap((s) => s.scenarios).filter((id) => !id.startsWith('workshop.'));
    const wanted = SCENARIO_IDS.filter((id) => !(id in NOT_IN_WORKSHOP));
    assert.deepEqual([...introduced].sort(), [...wanted].sort(), 'every scenario not listed in NOT_IN_WORKSHOP, exactly once');
    assert.deepEqual(scenariosToCheck(path, path.steps.at(-1)!), [...wanted, 'workshop.aggregate', 'workshop.aggregate-from-snapshot', 'workshop.forget-customer'], 'the last step checks the whole suite but the listed ones, and the workshop\'s own');
    for (const id of Object.keys(NOT_IN_WORKSHOP)) assert.ok((SCENARIO_IDS as readonly string[]).includes(id), `${id} is a scenario of the suite`);
  });

  test(`${path.backend}: a step checks its own scenarios and every earlier step's, never a later one's`, () => {
    for (const [index, step] of path.steps.entries()) {
      const checked = new Set(scenariosToCheck(path, step));
      for (const [other, otherStep] of path.steps.entries()) {
        for (const id of otherStep.scenarios) assert.equal(checked.has(id), other <= index, `step ${step.id} and ${id} (step ${otherStep.id})`);
      }
    }
    assert.equal(stepOfScenario(path, 'read.all-no-skip-under-concurrent-commits')?.id, '05', 'the out-of-order commit trap is step 05');
  });

  test(`${path.backend}: steps are numbered 01.. in order and found by number or folder name`, () => {
    path.steps.forEach((step, i) => assert.equal(step.id, String(i + 1).padStart(2, '0')));
    assert.equal(stepById(path, '5'), path.steps[4]);
    assert.equal(stepById(path, '05-out-of-order-commits'), path.steps[4]);
    assert.equal(stepById(path, '12'), undefined);
    assert.equal(stepById(path, 'five'), undefined);
  });

  test(`${path.backend}: every step has a README, and hints that each name scenarios the step checks`, () => {
    for (const step of path.steps) {
      assert.ok(existsSync(join(stepDir(path, step), 'README.md')), `README of step ${step.id}`);
      const hints = loadHints(path, step);
      assert.ok(hints.length >= 1, `hints of step ${step.id}`);
      const checked = new Set<string>(stepsUpTo(path, step).flatMap((s) => s.scenarios));
      for (const hint of hints) {
        assert.ok(hint.scenarios.length > 0, `${hint.file} names the scenarios it helps with (<!-- scenarios: … -->)`);
        for (const id of hint.scenarios) assert.ok(checked.has(id), `${hint.file}: ${id} is not checked by step ${step.id}`);
      }
      for (const id of step.scenarios) assert.ok(hints.some((h) => h.scenarios.includes(id)), `step ${step.id}: a hint for ${id}`);
    }
  });

  test(`${path.backend}: the solution source gives every step a different solution of every file (step 00: the starter)`, async () => {
    for (const file of path.files) {
      const texts = [await solutionText(path, 0, file)];
      for (const step of path.steps) texts.push(await solutionText(path, stepNumber(step), file));
      assert.doesNotMatch(texts.join('\n'), /@steps|@end|\{\{step\}\}/, 'no marker left in a generated file');
      assert.match(texts[0]!, /TODO step \d\d|todo\('\d\d'/, 'step 00 is the starter');
      assert.ok(!/\bthrow todo\(/.test(texts.at(-1)!), `the last step of ${file} has no TODO left`);
    }
  });
}
