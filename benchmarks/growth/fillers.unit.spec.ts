import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { checkFreeDisk, fillerFor, InsufficientDiskError } from './fillers.ts';

test('the free-disk check refuses, before anything is written, a size the disk cannot hold, and says how much it needs', async () => {
  await assert.rejects(checkFreeDisk(['postgres', 'kafka'], 900_000_000_000, [tmpdir()]), (e: unknown) => {
    assert.ok(e instanceof InsufficientDiskError);
    assert.ok(e.neededBytes > e.freeBytes);
    assert.match(e.message, /needs about [\d.]+ GiB free .* which has [\d.]+ GiB: lower the largest --stored size/);
    return true;
  });
});

test('the free-disk check passes a small size, and counts each server by its estimate', async () => {
  const small = await checkFreeDisk(['postgres'], 1_000, [tmpdir()]);
  const both = await checkFreeDisk(['postgres', 'kafka'], 1_000, [tmpdir()]);
  assert.ok(small.freeBytes > 0 && small.neededBytes < small.freeBytes);
  assert.equal(both.neededBytes - small.neededBytes, fillerFor('kafka')!.estimatedBytesPerEvent * 1_000);
});
