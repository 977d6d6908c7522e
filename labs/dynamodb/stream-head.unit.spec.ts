import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateEventIdError, WrongExpectedVersionError } from '../core/index.ts';
import { assertExpectedVersion, findEarlierAppend, guessSlot, nextSlot, type StreamHead } from './stream-head.ts';

const head: StreamHead = {
  lastVersion: 3,
  ids: new Map([
    ['a', { streamVersion: 0, globalPosition: 10_000n }],
    ['b', { streamVersion: 1, globalPosition: 10_001n }],
    ['c', { streamVersion: 2, globalPosition: 20_000n }],
    ['d', { streamVersion: 3, globalPosition: 40_000n }],
  ]),
};

test('a batch of new ids goes ahead', () => {
  assert.equal(findEarlierAppend('s', head, ['x', 'y']), undefined);
});

test('an exact retry is answered with the original result', () => {
  assert.deepEqual(findEarlierAppend('s', head, ['a', 'b']), { nextExpectedVersion: 1, globalPosition: 10_001n });
  assert.deepEqual(findEarlierAppend('s', head, ['c', 'd']), { nextExpectedVersion: 3, globalPosition: 40_000n }, 'a run across commits');
});

test('stored ids in another order, with gaps, or mixed with new ones are refused', () => {
  assert.throws(() => findEarlierAppend('s', head, ['b', 'a']), DuplicateEventIdError);
  assert.throws(() => findEarlierAppend('s', head, ['a', 'c']), DuplicateEventIdError);
  const mixed = (() => {
    try {
      findEarlierAppend('s', head, ['a', 'new']);
    } catch (error) {
      return error;
    }
  })();
  assert.ok(mixed instanceof DuplicateEventIdError);
  assert.deepEqual(mixed.eventIds, ['a']);
});

test('expected versions are checked against the stream read before the conditional put', () => {
  assertExpectedVersion('s', 'any', undefined);
  assertExpectedVersion('s', 'no_stream', undefined);
  assertExpectedVersion('s', 'stream_exists', 0);
  assertExpectedVersion('s', 4, 4);
  const stale = (() => {
    try {
      assertExpectedVersion('s', 2, 4);
    } catch (error) {
      return error;
    }
  })();
  assert.ok(stale instanceof WrongExpectedVersionError);
  assert.equal(stale.actual, 4);
  assert.throws(() => assertExpectedVersion('s', 'no_stream', 0), WrongExpectedVersionError);
  assert.throws(() => assertExpectedVersion('s', 'stream_exists', undefined), (e: unknown) => e instanceof WrongExpectedVersionError && e.actual === 'no_stream');
  assert.throws(() => assertExpectedVersion('s', 0, undefined), WrongExpectedVersionError);
});

test('the next commit item starts right after the last version', () => {
  assert.equal(nextSlot(undefined), 0);
  assert.equal(nextSlot(3), 4);
});

test('a slot is guessed without a read only where a stale guess merely fails the conditional put', () => {
  assert.equal(guessSlot('no_stream', undefined), 0);
  assert.equal(guessSlot('no_stream', 3), undefined, 'known to exist: read, to answer with the actual version');
  assert.equal(guessSlot('any', undefined), 0, 'never seen: try an empty stream');
  assert.equal(guessSlot('any', 4), 5);
  assert.equal(guessSlot(4, 4), 5, 'the expected version is the known tail');
  assert.equal(guessSlot(2, 4), undefined, 'stale: the read reports the actual version');
  assert.equal(guessSlot(7, 4), undefined, 'beyond what this process saw: only a read can tell');
  assert.equal(guessSlot('stream_exists', undefined), undefined);
  assert.equal(guessSlot('stream_exists', 0), 1);
});
