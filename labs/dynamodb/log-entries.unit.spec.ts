import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnresolvedTracker, decideLogStep } from './log-entries.ts';

test('committed entries are delivered and void ones passed, whatever their age', () => {
  assert.equal(decideLogStep('committed', 0, 1000), 'deliver');
  assert.equal(decideLogStep('void', 0, 1000), 'pass');
});

test('a pending member holds the reader back until the timeout, then is resolved', () => {
  assert.equal(decideLogStep('pending', 10, 1000), 'wait');
  assert.equal(decideLogStep('pending', 999, 1000), 'wait');
  assert.equal(decideLogStep('pending', 1000, 1000), 'resolve');
});

test('the tracker measures how long this reader has seen an entry unresolved, on its own clock', () => {
  let now = 1000;
  const tracker = new UnresolvedTracker(() => now);
  assert.equal(tracker.unresolvedFor(7), 0, 'first sight starts the clock');
  now += 250;
  assert.equal(tracker.unresolvedFor(7), 250);
  assert.equal(tracker.unresolvedFor(8), 0, 'each entry has its own clock');
  tracker.forget(7);
  assert.equal(tracker.unresolvedFor(7), 0, 'a forgotten entry starts again');
  tracker.forget(7);
  tracker.forget(8);
  assert.equal(tracker.size, 0);
});

test('walking a log with a dead writer: wait, then resolve; a slow writer is never skipped', () => {
  // Simulates a reader's successive polls over entries 1..3 where 2 holds a member nobody finished.
  let now = 0;
  const tracker = new UnresolvedTracker(() => now);
  const abandonAfterMs = 3000;
  const states = new Map<number, 'committed' | 'pending'>([[1, 'committed'], [2, 'pending'], [3, 'committed']]);
  const pollOnce = () => {
    const delivered: number[] = [];
    for (const [commit, state] of states) {
      const decision = decideLogStep(state, tracker.unresolvedFor(commit), abandonAfterMs);
      if (decision === 'wait') break;
      tracker.forget(commit);
      delivered.push(decision === 'resolve' ? -commit : commit);
    }
    return delivered;
  };
  assert.deepEqual(pollOnce(), [1], 'entry 3 is held back behind the pending entry 2');
  now = 2999;
  assert.deepEqual(pollOnce(), [1], 'still waiting just before the timeout');
  now = 3000;
  assert.deepEqual(pollOnce(), [1, -2, 3], 'after the timeout entry 2 is resolved and 3 delivered');
});
