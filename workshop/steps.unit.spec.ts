import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCENARIO_IDS } from '../labs/conformance/scenario.ts';
import { hintFiles, solutionFile, starterDir, stepDir } from './layout.ts';
import { WORKSHOP_PATHS, scenariosToCheck, stepById, stepOfScenario } from './steps.ts';

for (const path of WORKSHOP_PATHS) {
  test(`${path.backend}: by its last step the path checks every scenario of the suite, each introduced once`, () => {
    const introduced = path.steps.flatMap((s) => s.scenarios);
    assert.deepEqual([...introduced].sort(), [...SCENARIO_IDS].sort(), 'every scenario, exactly once');
    assert.deepEqual(scenariosToCheck(path, path.steps.at(-1)!), [...SCENARIO_IDS], 'the last step checks the whole suite');
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
    assert.equal(stepById(path, '11'), undefined);
    assert.equal(stepById(path, 'five'), undefined);
  });

  test(`${path.backend}: every step has a README, at least one hint, and a reference solution of every file`, () => {
    for (const file of path.files) assert.ok(existsSync(join(starterDir(path), file)), `starter/${file}`);
    for (const step of path.steps) {
      assert.ok(existsSync(join(stepDir(path, step), 'README.md')), `README of step ${step.id}`);
      assert.ok(hintFiles(path, step).length >= 1, `hints of step ${step.id}`);
      for (const file of path.files) assert.ok(existsSync(solutionFile(path, step, file)), `solution ${step.id}-${file}`);
    }
  });
}
