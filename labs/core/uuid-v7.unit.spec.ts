import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidV7 } from './uuid-v7.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a v7 id is a lower-case UUID of version 7, variant 10, that starts with the time in milliseconds', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
  const id = uuidV7(now);
  assert.match(id, UUID);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), now, 'the first 48 bits are the Unix milliseconds');
});

test('v7 ids of later milliseconds sort after earlier ones, and ids never repeat', () => {
  const ids = Array.from({ length: 5000 }, (_, i) => uuidV7(1_760_000_000_000 + i));
  assert.deepEqual([...ids].sort(), ids, 'text order is time order');
  const many = new Set(Array.from({ length: 20_000 }, () => uuidV7(1_760_000_000_000)));
  assert.equal(many.size, 20_000, 'ids drawn in the same millisecond differ');
  assert.ok([...many].every((id) => UUID.test(id)));
});
