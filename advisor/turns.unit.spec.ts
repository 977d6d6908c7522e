import { test } from 'node:test';
import assert from 'node:assert/strict';
import { myTurn, waitingTurns } from './turns.ts';

test('turns are given in arrival order, one per turn of the event loop, with I/O callbacks in between', async () => {
  const order: string[] = [];
  const handlers = [1, 2, 3].map(async (n) => {
    await myTurn();
    order.push(`scored ${n}`);
    // Something that arrives while the handlers wait gets in before the next one is scored.
    if (n === 1) setImmediate(() => order.push('cheap request'));
  });
  assert.equal(waitingTurns(), 3);
  await Promise.all(handlers);
  // The callback queued while handler 1 ran comes before handler 3: handlers do not all run in one turn.
  assert.deepEqual(order, ['scored 1', 'scored 2', 'cheap request', 'scored 3']);
  assert.equal(waitingTurns(), 0);
});
