import assert from 'node:assert/strict';
import { test } from 'node:test';
import pc from 'picocolors';
import { scenarioById, type ScenarioId } from '../labs/conformance/index.ts';
import type { ScenarioCheck, ScenarioCheckStatus, StepCheck } from './checker.ts';
import { failureFacts, type FailureFacts } from './failure.ts';
import { chooseHint, parseHint, type Hint } from './hints.ts';
import { formatCheck, todoOf } from './report.ts';
import { afterWatchedCheck } from './watch.ts';
import { workshopScenarioById } from './scenarios/index.ts';
import { postgresPath as path, scenariosToCheck, stepOfScenario, type CheckedScenarioId } from './steps.ts';

const plain = pc.createColors(false);
const step = (id: string) => path.steps.find((s) => s.id === id)!;

function fakeCheck(
  stepId: string,
  outcome: Partial<Record<CheckedScenarioId, [ScenarioCheckStatus, string]>>,
  failures: Partial<Record<CheckedScenarioId, FailureFacts>> = {},
): StepCheck {
  const results: ScenarioCheck[] = scenariosToCheck(path, step(stepId)).map((id) => {
    const [status, detail] = outcome[id] ?? ['pass', 'ok'];
    const scenario = scenarioById(id as ScenarioId) ?? workshopScenarioById(id)!;
    return { id, scenario, step: stepOfScenario(path, id)!, status, detail, failure: failures[id], durationMs: 1 };
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

const hint = (number: number, scenarios: string[], title = `hint ${number}`): Hint => ({ number, file: `${number}.md`, title, scenarios, body: '' });

test('a TODO reached in the starter is named as such, with its step, and the hint for that scenario is offered', () => {
  assert.deepEqual(todoOf('TODO step 01: appendToStream: insert'), { step: '01', what: 'appendToStream: insert' });
  assert.equal(todoOf('the reader skipped 3 of 600'), undefined);
  const text = formatCheck(
    fakeCheck('01', { 'append.new-stream': ['fail', 'TODO step 01: appendToStream: insert the 2 event(s)'] }),
    { shown: 0, available: 3, next: hint(2, ['append.new-stream'], 'Appending') },
    plain,
  );
  assert.match(text, /✘ fail\s+append\.new-stream/);
  assert.match(text, /it reached a TODO of step 01 in your store: appendToStream: insert the 2 event\(s\)/);
  assert.match(text, /1 of 4 scenarios do not pass yet/);
  assert.match(text, /Stuck\? npm run workshop -- hint postgres 01 {2}\(hint 2 of 3: "Appending", for append\.new-stream/);
});

test('a capability still declared unsupported is reported as not built, never as a pass', () => {
  const text = formatCheck(fakeCheck('04', { 'read.all-ordered': ['not-built', 'global-order: TODO step 04'] }), { shown: 0, available: 2 }, plain);
  assert.match(text, /✘ not built yet read\.all-ordered/);
  assert.match(text, /delete that line from `unsupported`/);
  assert.doesNotMatch(text, /Step 04 passes/);
});

test('without the error itself, the suite\'s whole message is shown: the values below its first paragraph are kept', () => {
  const text = formatCheck(
    fakeCheck('05', { 'read.all-no-skip-under-concurrent-commits': ['fail', 'the reader skipped 232 of 600 committed events\n\n232 !== 0\n'] }),
    { shown: 1, available: 3, next: hint(2, ['read.all-no-skip-under-concurrent-commits']) },
    plain,
  );
  assert.match(text, /why: {4}the reader skipped 232 of 600 committed events\n/);
  assert.match(text, /232 !== 0/, 'the values are not cut');
  assert.match(text, /all 11 still pass/);
  assert.match(text, /hint postgres 05 {2}\(hint 2 of 3/);
});

/** The error a scenario throws, as the checker keeps it. */
function thrown(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

test('defect: a failed comparison shows the scenario\'s words, the expected and the actual value (step 01, first event at version 1)', () => {
  // What append.new-stream asserts when the learner's first event gets version 1: COALESCE(MAX(stream_version), 0).
  const error = thrown(() => assert.equal(2, 1, 'nextExpectedVersion after 2 events'));
  const failure = failureFacts(error, { learnerFiles: ['/x/workshop/postgres/work/store.ts'], calls: ['appendToStream'], narration: ['appended 2 events'], readSource: () => 'class S {\n  async appendToStream(streamId: string) {\n  }\n}' });
  const text = formatCheck(fakeCheck('01', { 'append.new-stream': ['fail', 'nextExpectedVersion after 2 events'] }, { 'append.new-stream': failure }), { shown: 0, available: 3 }, plain);
  assert.match(text, /failed: {3}nextExpectedVersion after 2 events/);
  assert.match(text, /expected: 1\n/);
  assert.match(text, /actual: {3}2\n/);
  assert.match(text, /at: {7}your appendToStream\(\) \.\.\/x\/workshop\/postgres\/work\/store\.ts:2|at: {7}your appendToStream\(\) .*store\.ts:2 /);
  assert.match(text, /it did: {3}appended 2 events/);
});

test('objects are compared as a diff; a frame in the learner\'s file is named with its line', () => {
  const error = thrown(() => assert.deepEqual({ versions: [0, 1, 3], type: 'ItemAdded' }, { versions: [0, 1, 2], type: 'ItemAdded' }, 'versions read back'));
  const failure = failureFacts(error, { learnerFiles: [], calls: [], narration: [] });
  const lists = failureFacts(thrown(() => assert.deepEqual([1, 2, 3, 4, 5], [0, 1, 2, 3, 4])), { learnerFiles: [], calls: [], narration: [] });
  assert.equal(lists.diff, undefined, 'two short lists of numbers: the expected and actual lines compare them already');
  assert.equal(lists.message, 'the values read back are not the ones expected', 'an assertion without words of its own is named in words');
  assert.deepEqual(failure.diff?.filter((l) => /^[+-]/.test(l)).map((l) => l.replace(/\s+/g, ' ')), ['+ 3', '- 2']);
  const inLearner = new Error('relation "events" does not exist');
  inLearner.stack = `Error: relation "events" does not exist\n    at WorkshopPostgresStore.appendToStream (file:///r/workshop/postgres/work/store.ts?check=3:97:11)\n    at run (file:///r/labs/conformance/scenarios/append.ts:20:5)`;
  const located = failureFacts(inLearner, { learnerFiles: ['/r/workshop/postgres/work/store.ts'], calls: ['appendToStream'], narration: [] });
  assert.match(located.learnerFrame ?? '', /workshop\/postgres\/work\/store\.ts:97 \(WorkshopPostgresStore\.appendToStream\)$/);
  assert.equal(located.lastCall, undefined, 'the stack names the line: no guess from the last call');
  assert.match(located.scenarioFrame ?? '', /labs\/conformance\/scenarios\/append\.ts:20$/, 'and the scenario\'s line that saw it');
});

test('a broken earlier step is shown with its step, and fixing it comes first', () => {
  const text = formatCheck(fakeCheck('05', { 'append.concurrent-writers': ['fail', 'round 0: 2 writers won version 0 (exactly one must)'] }), { shown: 0, available: 3 }, plain);
  assert.match(text, /append\.concurrent-writers .*\(step 02\)/);
  assert.match(text, /something from step 02 broke; fix it first: npm run workshop -- check postgres 02/);
});

test('a pass points at the next step; when no hint is left for what fails, at the step\'s solution', () => {
  assert.match(formatCheck(fakeCheck('05', {}), { shown: 0, available: 3 }, plain), /Step 05 passes: all 12 scenarios\.\nNext: step 06/);
  assert.match(formatCheck(fakeCheck('11', {}), { shown: 0, available: 2 }, plain), /that was the last step/);
  const stuck = formatCheck(fakeCheck('02', { 'append.expected-version': ['fail', 'x'] }), { shown: 3, available: 3 }, plain);
  assert.match(stuck, /You have seen all 3 hints\. Compare with the reference solution of this step:\n\s+npm run workshop -- solution postgres 02 --diff/);
});

test('hints are chosen by the failing scenario, escalate within it, and never offer another scenario\'s hint', () => {
  const hints = [hint(1, ['read.stream-forward']), hint(2, ['append.new-stream']), hint(3, ['append.new-stream', 'read.missing-stream'])];
  const failing = [{ scenario: 'append.new-stream', message: 'nextExpectedVersion after 2 events' }];
  assert.equal(chooseHint(hints, [], failing)?.number, 2, 'not hint 1: it is about another scenario');
  assert.equal(chooseHint(hints, [2], failing)?.number, 3, 'then the next one for the same scenario');
  assert.equal(chooseHint(hints, [2, 3], failing), undefined, 'then the solution, not an unrelated hint');
  const table = { ...hint(4, ['append.new-stream'], 'The table'), when: /does not exist/i };
  assert.equal(chooseHint([table, ...hints], [], failing)?.number, 2, 'a hint for another message is not offered');
  assert.equal(chooseHint([...hints, table], [], [{ scenario: 'append.new-stream', message: 'relation "events" does not exist' }])?.number, 4, 'a hint for this message comes first');
  assert.equal(chooseHint(hints, [], [])?.number, 1, 'no check on record: in order');
  assert.deepEqual(parseHint(1, 'x', '<!-- scenarios: a.b, c.d -->\n# Title\n\nbody').scenarios, ['a.b', 'c.d']);
  assert.equal(parseHint(1, 'x', '<!-- scenarios: a.b -->\n# Title\n\nbody').title, 'Title');
});

test('watch moves on to the next step when the watched one passes, and says so; stays on a failure', () => {
  assert.deepEqual(afterWatchedCheck(path, step('02'), false), { step: step('02') });
  const moved = afterWatchedCheck(path, step('02'), true);
  assert.equal(moved.step, step('03'));
  assert.match(moved.message ?? '', /Step 02 passes\. Moving on: now watching step 03/);
  const last = afterWatchedCheck(path, step('11'), true);
  assert.equal(last.finished, true);
  assert.match(last.message ?? '', /the last one/);
});
