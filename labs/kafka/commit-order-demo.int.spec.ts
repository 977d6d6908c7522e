// The "commit before processing" pitfall against a real broker: the naive consumer loses events on a
// crash, the correct one loses none (and handles some twice: at-least-once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommitOrderDemo } from './commit-order-demo.ts';
import { useKafkaBroker } from './test-broker.ts';

const kafka = useKafkaBroker();

test('a consumer that commits before processing loses the rest of the batch on a crash', { timeout: 90_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const result = await runCommitOrderDemo(broker.brokers, 'commit-before-processing');
  t.diagnostic(JSON.stringify(result));
  assert.equal(result.handledBeforeCrash, 7);
  assert.equal(result.committedAtCrash, 20, 'the whole batch was committed before it was handled');
  assert.equal(result.handledAfterRestart, 0, 'the restart resumed after the committed batch');
  assert.equal(result.lost, 13, '13 events were received, committed, and never handled');
});

test('a consumer that commits after processing loses nothing on a crash (and re-handles some)', { timeout: 90_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const result = await runCommitOrderDemo(broker.brokers, 'process-then-commit');
  t.diagnostic(JSON.stringify(result));
  assert.equal(result.committedAtCrash, 0, 'nothing was committed before the crash');
  assert.equal(result.lost, 0, 'no event lost');
  assert.equal(result.handledTwice, 7, 'the 7 handled before the crash were handled again: at-least-once');
  assert.equal(result.handledAfterRestart, 20);
});
