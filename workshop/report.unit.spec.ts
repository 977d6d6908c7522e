import assert from 'node:assert/strict';
import { test } from 'node:test';
import pc from 'picocolors';
import { scenarioById } from '../labs/conformance/scenarios.ts';
import type { ScenarioId } from '../labs/conformance/scenario.ts';
import type { ScenarioCheck, ScenarioCheckStatus, StepCheck } from './checker.ts';
import { firstParagraph, formatCheck, todoOf } from './report.ts';
import { postgresPath as path, scenariosToCheck, stepOfScenario } from './steps.ts';

const plain = pc.createColors(false);
const step = (id: string) => path.steps.find((s) => s.id === id)!;

function fakeCheck(stepId: string, outcome: Partial<Record<ScenarioId, [ScenarioCheckStatus, string]>>): StepCheck {
  const results: ScenarioCheck[] = scenariosToCheck(path, step(stepId)).map((id) => {
    const [status, detail] = outcome[id] ?? ['pass', 'ok'];
    return { id, scenario: scenarioById(id)!, step: stepOfScenario(path, id)!, status, detail, durationMs: 1 };
  });
  return {
    path,
    step: step(stepId),
    code: { label: 'workshop/postgres/work/', files: {} },
    where: 'a test server',
    results,
    stepsDone: [],
    passed: results.every((r) => r.status === 'pass'),
  };
}

test('a TODO reached in the starter is named as such, with its step', () => {
  assert.deepEqual(todoOf('TODO step 01: appendToStream: insert'), { step: '01', what: 'appendToStream: insert' });
  assert.equal(todoOf('the reader skipped 3 of 600'), undefined);
  const text = formatCheck(fakeCheck('01', { 'append.new-stream': ['fail', 'TODO step 01: appendToStream: insert the 2 event(s)'] }), { shown: 0, available: 3 }, plain);
  assert.match(text, /✘ fail\s+append\.new-stream/);
  assert.match(text, /it reached a TODO of step 01 in your store: appendToStream: insert the 2 event\(s\)/);
  assert.match(text, /1 of 4 scenarios do not pass yet/);
  assert.match(text, /Stuck\? npm run workshop -- hint postgres 01 {2}\(hint 1 of 3/);
});

test('a capability still declared unsupported is reported as not built, never as a pass', () => {
  const text = formatCheck(fakeCheck('04', { 'read.all-ordered': ['not-built', 'global-order: TODO step 04'] }), { shown: 0, available: 2 }, plain);
  assert.match(text, /✘ not built yet read\.all-ordered/);
  assert.match(text, /delete that line from `unsupported`/);
  assert.doesNotMatch(text, /Step 04 passes/);
});

test('the suite\'s message is shown as its first paragraph (assert\'s "232 !== 0" is dropped)', () => {
  assert.equal(firstParagraph('the reader skipped 232 of 600 committed events\n\n232 !== 0\n'), 'the reader skipped 232 of 600 committed events');
  const text = formatCheck(
    fakeCheck('05', { 'read.all-no-skip-under-concurrent-commits': ['fail', 'the reader skipped 232 of 600 committed events\n\n232 !== 0\n'] }),
    { shown: 1, available: 3 },
    plain,
  );
  assert.match(text, /why: {4}the reader skipped 232 of 600 committed events\n/);
  assert.match(text, /all 10 still pass/);
  assert.match(text, /hint postgres 05 {2}\(hint 2 of 3/);
});

test('a broken earlier step is shown with its step, and fixing it comes first', () => {
  const text = formatCheck(fakeCheck('05', { 'append.concurrent-writers': ['fail', 'round 0: 2 writers won version 0 (exactly one must)'] }), { shown: 0, available: 3 }, plain);
  assert.match(text, /append\.concurrent-writers .*\(step 02\)/);
  assert.match(text, /something from step 02 broke; fix it first: npm run workshop -- check postgres 02/);
});

test('a pass points at the next step; when all hints were seen, at the reference solution', () => {
  assert.match(formatCheck(fakeCheck('05', {}), { shown: 0, available: 3 }, plain), /Step 05 passes: all 11 scenarios\.\nNext: step 06/);
  assert.match(formatCheck(fakeCheck('10', {}), { shown: 0, available: 2 }, plain), /that was the last step/);
  const stuck = formatCheck(fakeCheck('02', { 'append.expected-version': ['fail', 'x'] }), { shown: 3, available: 3 }, plain);
  assert.match(stuck, /git diff --no-index workshop\/postgres\/work\/store\.ts workshop\/postgres\/solutions\/02-store\.ts/);
});
