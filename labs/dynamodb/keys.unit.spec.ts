import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS_PER_COMMIT, describePosition, packPosition, snapshotKey, streamKey, unpackPosition, LOG_KEY } from './keys.ts';

test('positions pack commit and index so that log order is numeric order', () => {
  assert.equal(packPosition(123, 2), 1_230_002n);
  assert.deepEqual(unpackPosition(1_230_002n), { commit: 123, index: 2 });
  assert.ok(packPosition(5, EVENTS_PER_COMMIT - 1) < packPosition(6, 0), 'the last event of a commit comes before the next commit');
  for (const [commit, index] of [[1, 0], [1, 9999], [987654321, 17]] as const) {
    assert.deepEqual(unpackPosition(packPosition(commit, index)), { commit, index });
  }
  assert.equal(describePosition(1_230_002n), 'commit 123 · event 2');
});

test('packing refuses what would collide', () => {
  assert.throws(() => packPosition(1, EVENTS_PER_COMMIT), RangeError);
  assert.throws(() => packPosition(-1, 0), RangeError);
  assert.throws(() => packPosition(1.5, 0), RangeError);
});

test('a position beyond every real commit is clamped, not wrapped', () => {
  assert.equal(unpackPosition(10n ** 40n).commit, Number.MAX_SAFE_INTEGER);
});

test('stream, snapshot and system keys never collide', () => {
  assert.equal(streamKey('$all'), 'stream#$all');
  assert.notEqual(streamKey('$all'), LOG_KEY);
  assert.notEqual(streamKey('x'), snapshotKey('x'));
});
