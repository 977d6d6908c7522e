import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsumerGroupMemberStats, Delivery } from './consumer-group.ts';
import { DeliveryQueue, deliverUntilSettled } from './delivery-queue.ts';
import { ConsumerGroupClosedError, UnknownDeliveryError } from './errors.ts';
import type { RecordedEvent } from './types.ts';

const stats = (): ConsumerGroupMemberStats => ({ memberId: 'm', handled: 0, retried: 0, parked: 0, revoked: 0, partitions: [], lagMs: 0, rebalances: 0 });
const event: RecordedEvent = { id: 'e1', streamId: 's', type: 'T', data: {}, metadata: {}, streamVersion: 0, globalPosition: 1n, recordedAt: new Date() };

/** The next delivery the queue yields. */
async function next(queue: DeliveryQueue): Promise<Delivery> {
  const { value, done } = await queue[Symbol.asyncIterator]().next();
  assert.equal(done, false);
  return value as Delivery;
}

test('a nacked event is retried with a doubling backoff, then parked after maxDeliveries', async () => {
  const s = stats();
  const queue = new DeliveryQueue('g', 'm', s);
  const parked: { error: string; attempts: number }[] = [];
  const revoke = new AbortController();
  const started = Date.now();
  const outcome = deliverUntilSettled({
    queue, event, partition: 3, options: { maxDeliveries: 3, retryBackoffMs: 20 }, stats: s, revoke: revoke.signal,
    park: async (_, error, attempts) => void parked.push({ error, attempts }),
  });
  const attempts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const d = await next(queue);
    attempts.push(d.attempt);
    assert.equal(d.partition, 3);
    queue.nack(d, new Error('boom'));
  }
  assert.equal(await outcome, 'done');
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.deepEqual(parked, [{ error: 'boom', attempts: 3 }]);
  assert.equal(s.retried, 2);
  assert.ok(Date.now() - started >= 20 + 40 - 5, 'waited the backoff before each retry (20 ms, then 40 ms)');
});

test('settling is exact: a second ack, or an ack of what was never delivered, is UnknownDeliveryError', async () => {
  const s = stats();
  const queue = new DeliveryQueue('g', 'm', s);
  const outcome = deliverUntilSettled({ queue, event, partition: 0, options: { maxDeliveries: 3, retryBackoffMs: 0 }, stats: s, revoke: new AbortController().signal, park: async () => {} });
  const d = await next(queue);
  queue.ack(d);
  assert.equal(await outcome, 'done');
  assert.equal(s.handled, 1);
  assert.throws(() => queue.ack(d), UnknownDeliveryError);
  assert.throws(() => queue.ack({ ...d, deliveryId: 'never' }), UnknownDeliveryError);
  queue.close();
  assert.throws(() => queue.nack(d, 'late'), ConsumerGroupClosedError);
});

test('a revoked delivery ends the hand-out at once; its late ack changes nothing', async () => {
  const s = stats();
  const queue = new DeliveryQueue('g', 'm', s);
  const revoke = new AbortController();
  const outcome = deliverUntilSettled({ queue, event, partition: 0, options: { maxDeliveries: 3, retryBackoffMs: 0 }, stats: s, revoke: revoke.signal, park: async () => {} });
  const d = await next(queue);
  revoke.abort();
  assert.equal(await outcome, 'revoked');
  assert.equal(s.revoked, 1);
  queue.ack(d);
  assert.equal(s.handled, 0, 'the ack of a revoked delivery is not counted');
});

test('a hand-over lets the delivery out finish but makes no retry', async () => {
  const s = stats();
  const queue = new DeliveryQueue('g', 'm', s);
  const handOver = new AbortController();
  const outcome = deliverUntilSettled({
    queue, event, partition: 0, options: { maxDeliveries: 5, retryBackoffMs: 10_000 }, stats: s,
    revoke: new AbortController().signal, noRetry: handOver.signal, park: async () => assert.fail('nothing is parked'),
  });
  const first = await next(queue);
  queue.nack(first, 'fails once');
  handOver.abort(); // during the 10 s backoff: the wait ends now, and the next owner retries
  assert.equal(await outcome, 'revoked');
  const ackedOutcome = deliverUntilSettled({
    queue, event, partition: 0, options: { maxDeliveries: 5, retryBackoffMs: 0 }, stats: s,
    revoke: new AbortController().signal, noRetry: handOver.signal, park: async () => {},
  });
  queue.ack(await next(queue));
  assert.equal(await ackedOutcome, 'done', 'noRetry stops retries only: a delivery that is out is settled by its ack');
});
