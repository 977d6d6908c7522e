import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_STORED_LADDER, parseStoredLadder, StoredLadderError } from './stored-ladder.ts';

test('--stored: a comma-separated ladder, sorted and without repeats; absent: the default ladder', () => {
  assert.deepEqual(parseStoredLadder(['1000000,0', '100_000']), [0, 100_000, 1_000_000]);
  assert.deepEqual(parseStoredLadder(['5,5']), [5]);
  assert.deepEqual(parseStoredLadder(undefined), [...DEFAULT_STORED_LADDER]);
});

test('--stored: negative, non-numeric, fractional, empty and absurd sizes are refused with a typed error naming the value', () => {
  for (const bad of ['-5', 'abc', '1.5', '1e6', '0,,10', '2000000000']) {
    assert.throws(() => parseStoredLadder([bad]), (e: unknown) => e instanceof StoredLadderError && e.message.includes('--stored'), bad);
  }
  assert.throws(() => parseStoredLadder(['-5']), /cannot be negative/);
});
