import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnresolvedTracker, decideLogStep, withGaps } from './log-entries.ts';

test('committed entries are delivered and void ones passed, whatever their age', () => {
  assert.equal(decideLogStep('committed', 0, 1000), 'deliver');
  assert.equal(decideLogStep('void', 0, 1000), 'pass');
});

test('an unresolved number holds the reader back until the timeout, then is closed or resolved', () => {
  assert.equal(decideLogStep('missing', 999, 1000), 'wait');
  assert.equal(decideLogStep('missing', 1000, 1000), 'close');
  assert.equal(decideLogStep('pending', 10, 1000), 'wait');
  assert.equal(decideLogStep('pending', 5000, 1000), 'resolve');
});

test('gaps are the numbers missing before and between entries, never after the last one', () => {
  const walk = withGaps([{ commit: 3 }, { commit: 4 }, { commit: 7 }], 2);
  assert.deepEqual(
    walk.map((s) => (s.kind === 'gap' ? `gap ${s.commit}` : `entry ${s.entry.commit}`)),
    ['gap 2', 'entry 3', 'entry 4', 'gap 5', 'gap 6', 'entry 7'],
  );
  assert.deepEqual(withGaps([], 10), [], 'nothing above: nothing to wait for');
  assert.throws(() => withGaps([{ commit: 5 }, { commit: 5 }], 1), RangeError);
});

test('the tracker measures how long this reader has seen a number unresolved, on its own clock', () => {
  let now = 1000;
  const tracker = new UnresolvedTracker(() => now);
  assert.equal(tracker.unresolvedFor(7), 0, 'first sight starts the clock');
  now += 250;
  assert.equal(tracker.unresolvedFor(7), 250);
  assert.equal(tracker.unresolvedFor(8), 0, 'each number has its own clock');
  tracker.forget(7);
  assert.equal(tracker.unresolvedFor(7), 0, 'a forgotten number starts again');
  tracker.forget(7);
  tracker.forget(8);
  assert.equal(tracker.size, 0);
});

test('walking a log with a dead writer: wait, then close; a slow writer is never skipped', () => {
  // Simulates a reader's successive polls over commits 1..3 where 2 was drawn and never written.
  let now = 0;
  const tracker = new UnresolvedTracker(() => now);
  const abandonAfterMs = 3000;
  const pollOnce = () => {
    const delivered: number[] = [];
    for (const step of withGaps([{ commit: 1 }, { commit: 3 }], 1)) {
      const commit = step.kind === 'gap' ? step.commit : step.entry.commit;
      const decision = decideLogStep(step.kind === 'gap' ? 'missing' : 'committed', tracker.unresolvedFor(commit), abandonAfterMs);
      if (decision === 'wait') break;
      tracker.forget(commit);
      if (decision === 'deliver') delivered.push(commit);
      if (decision === 'close') delivered.push(-commit);
    }
    return delivered;
  };
  assert.deepEqual(pollOnce(), [1], 'commit 3 is held back behind the gap at 2');
  now = 2999;
  assert.deepEqual(pollOnce(), [1], 'still waiting just before the timeout');
  now = 3000;
  assert.deepEqual(pollOnce(), [1, -2, 3], 'after the timeout the gap is closed and 3 delivered');
});
