/**
 * The EventStoreDB baseline's paging, without a server: the cursor keeps a `$all` position exactly, and a
 * page neither counts the record at its cursor twice nor counts the server's own records.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor, pageOf, type AllRecord } from './eventstoredb.ts';

const MAX = (1n << 64n) - 1n;
const at = (commit: bigint, streamId = 'bench-1', type = 'BenchmarkEvent'): AllRecord => ({ position: { commit, prepare: commit }, streamId, type });

void describe('EventStoreDB baseline cursor', () => {
  void test('round-trips any (commit, prepare) pair, up to unsigned 64 bits', () => {
    for (const position of [
      { commit: 0n, prepare: 0n },
      { commit: 1234n, prepare: 1200n },
      { commit: MAX, prepare: MAX },
      { commit: 2n ** 53n + 1n, prepare: 7n }, // past what a JSON number keeps
    ]) {
      assert.deepEqual(decodeCursor(encodeCursor(position)), position);
    }
  });

  void test('refuses what it did not make', () => {
    for (const bad of ['', '12', '12/', '/12', '-1/0', '1/2/3', 'a/b', ' 1/2', `${MAX + 1n}/0`, '1.5/2']) {
      assert.throws(() => decodeCursor(bad), RangeError, JSON.stringify(bad));
    }
  });
});

void describe('EventStoreDB baseline page', () => {
  void test('the first page counts every record; a full page continues from its last position', () => {
    const page = pageOf([at(10n), at(20n), at(30n)], undefined, 3);
    assert.deepEqual(page, { count: 3, next: encodeCursor({ commit: 30n, prepare: 30n }) });
  });

  void test('the record at the cursor was on the previous page: dropped, not counted twice', () => {
    const cursor = { commit: 30n, prepare: 30n };
    // Asked maxCount + 1 = 3 from the cursor (inclusive): 30 again, then two new ones.
    const page = pageOf([at(30n), at(40n), at(50n)], cursor, 3);
    assert.deepEqual(page, { count: 2, next: encodeCursor({ commit: 50n, prepare: 50n }) });
  });

  void test('a first record at another position than the cursor is kept (the cursor event is gone)', () => {
    const page = pageOf([at(40n), at(50n)], { commit: 30n, prepare: 30n }, 3);
    assert.equal(page.count, 2);
  });

  void test('a position equal in commit but not prepare is another record', () => {
    const page = pageOf([{ position: { commit: 30n, prepare: 29n }, streamId: 's', type: 't' }], { commit: 30n, prepare: 30n }, 2);
    assert.equal(page.count, 1);
  });

  void test('a short read is the end of $all: no next page', () => {
    assert.deepEqual(pageOf([at(10n)], undefined, 500), { count: 1, next: undefined });
    assert.deepEqual(pageOf([], { commit: 10n, prepare: 10n }, 501), { count: 0, next: undefined });
  });

  void test("the server's own records are read (they take page room) but not counted", () => {
    const records = [at(10n), at(20n, '$ce-bench'), at(30n, 'bench-2', '$>'), at(40n, '$stats-127.0.0.1:2113', '$statsCollected'), at(50n)];
    const page = pageOf(records, undefined, 5);
    assert.deepEqual(page, { count: 2, next: encodeCursor({ commit: 50n, prepare: 50n }) });
  });

  void test('a full page whose last record has no position is an error, not a silent restart', () => {
    assert.throws(() => pageOf([at(10n), { position: undefined, streamId: 's', type: 't' }], undefined, 2), /position/);
  });
});
