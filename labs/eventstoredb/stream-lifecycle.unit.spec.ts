/**
 * The delete and truncate rules on EventStoreDB's calls, without a server: the expected revision a delete
 * sends, the metadata a truncation writes, and a stream's retention read from its metadata.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY, NO_STREAM } from '@eventstore/db-client';
import { StreamDeletedError, WrongExpectedVersionError } from '../core/index.ts';
import { deleteExpectedRevision, retentionFromMetadata, truncationLastVersion, truncationMetadata } from './stream-lifecycle.ts';

const never = async () => assert.fail('the head is read only for stream_exists');

test('a delete sends any, no_stream or the revision; stream_exists becomes the last revision, checked by the server', async () => {
  assert.equal(await deleteExpectedRevision('s', 'any', never), ANY);
  assert.equal(await deleteExpectedRevision('s', 'no_stream', never), NO_STREAM);
  assert.equal(await deleteExpectedRevision('s', 4, never), 4n);
  assert.equal(await deleteExpectedRevision('s', 'stream_exists', async () => ({ tombstoned: false, lastVersion: 7 })), 7n);
  const missing = await deleteExpectedRevision('s', 'stream_exists', async () => ({ tombstoned: false })).catch((e: unknown) => e);
  assert.ok(missing instanceof WrongExpectedVersionError);
  assert.equal(missing.actual, 'no_stream');
  const tombstoned = await deleteExpectedRevision('cart-1', 'stream_exists', async () => ({ tombstoned: true })).catch((e: unknown) => e);
  assert.ok(tombstoned instanceof StreamDeletedError, 'a tombstoned stream refuses with StreamDeletedError, not a version error');
  assert.equal(tombstoned.streamId, 'cart-1');
});

test('a truncation keeps the other metadata, never moves $tb back, and writes nothing for a no-op', () => {
  assert.deepEqual(truncationMetadata({ maxAge: 60, acl: { readRoles: ['ops'] }, owner: 'billing' }, 3), { maxAge: 60, acl: { readRoles: ['ops'] }, owner: 'billing', truncateBefore: 3 });
  assert.deepEqual(truncationMetadata(undefined, 2), { truncateBefore: 2 });
  assert.equal(truncationMetadata({ truncateBefore: 5 }, 3), undefined, 'lowering $tb would bring truncated events back until a scavenge');
  assert.equal(truncationMetadata({ truncateBefore: 5 }, 5), undefined);
  assert.deepEqual(truncationMetadata({ truncateBefore: 5 }, 6), { truncateBefore: 6 });
  assert.equal(truncationMetadata(undefined, 0), undefined, 'before version 0 removes nothing');
});

test('the end a truncation is judged against survives an earlier truncation of everything', () => {
  assert.equal(truncationLastVersion({ tombstoned: false, lastVersion: 4 }, { truncateBefore: 3 }), 4);
  assert.equal(truncationLastVersion({ tombstoned: false }, { truncateBefore: 6 }), 5, 'all truncated: the stream still ends at 5');
  assert.equal(truncationLastVersion({ tombstoned: false }, undefined), undefined, 'never written');
  assert.equal(truncationLastVersion({ tombstoned: false }, { truncateBefore: 2 ** 63 }), undefined, 'not a version this workbench represents');
});

test('retention from a stream\'s metadata: none set is forever; $maxAge and $maxCount are limits', () => {
  assert.equal(retentionFromMetadata('s', undefined).keepsEventsForever, true);
  assert.equal(retentionFromMetadata('s', { acl: {} }).keepsEventsForever, true);
  const aged = retentionFromMetadata('s', { maxAge: 3_600 });
  assert.equal(aged.keepsEventsForever, false);
  assert.equal(aged.maxAgeMs, 3_600_000);
  const counted = retentionFromMetadata('s', { maxCount: 3 });
  assert.equal(counted.keepsEventsForever, false);
  assert.match(counted.source, /\$maxCount 3/);
});
