import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_POSITION, describePosition, packPosition, unpackPosition } from './positions.ts';

const half = fc.bigInt({ min: 0n, max: (1n << 63n) - 1n });

test('packing round-trips and preserves the (transaction_id, position) order', () => {
  fc.assert(
    fc.property(half, half, half, half, (t1, p1, t2, p2) => {
      const a = packPosition(t1, p1);
      const b = packPosition(t2, p2);
      assert.deepEqual(unpackPosition(a), { transactionId: t1, position: p1 });
      const pairOrder = t1 === t2 ? Math.sign(Number(p1 - p2)) : Math.sign(Number(t1 - t2));
      assert.equal(Math.sign(Number(a - b)), pairOrder);
    }),
  );
});

test('the end position is the largest pair PostgreSQL can compare, and positions read well', () => {
  assert.deepEqual(unpackPosition(MAX_POSITION), { transactionId: (1n << 63n) - 1n, position: (1n << 63n) - 1n });
  assert.deepEqual(unpackPosition(1n << 127n), { transactionId: (1n << 63n) - 1n, position: 0n });
  assert.equal(describePosition(packPosition(742n, 1001n)), 'tx 742 · #1001');
});
