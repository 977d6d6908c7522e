/**
 * The consumer-group options as a persistent subscription to $all, without a server: the settings the
 * group is created with, the filter, the attempt number and the retry backoff.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { END, PINNED, START } from '@eventstore/db-client';
import { validateConsumerGroupOptions } from '../core/index.ts';
import { attemptOf, persistentSubscriptionPlan, retryBackoffMs, serverGroupStats } from './persistent-subscription.ts';

const options = (o: Record<string, unknown>) => validateConsumerGroupOptions(o, () => 'member-1');

test('a group is created Pinned, from the start or end of $all, with the lease as message timeout', () => {
  const plan = persistentSubscriptionPlan(options({ group: 'billing', leaseMs: 1_500, maxDeliveries: 3, bufferSize: 4, startAt: 'start' }));
  assert.equal(plan.groupName, 'billing');
  assert.equal(plan.settings.consumerStrategyName, PINNED);
  assert.equal(plan.settings.startFrom, START);
  assert.equal(plan.settings.messageTimeout, 1_500, 'a delivery not settled within the lease is retried by the server');
  assert.equal(plan.settings.maxRetryCount, 3, 'the server parks what keeps timing out; the member parks on the last nack itself');
  assert.equal(plan.settings.resolveLinkTos, false);
  assert.equal(plan.bufferSize, 4, 'the connection buffer bounds what one member has unsettled');
  assert.equal(persistentSubscriptionPlan(options({ group: 'billing', startAt: 'end' })).settings.startFrom, END);
});

test('the filter keeps to the stream prefix, or to application streams when there is none', () => {
  const byPrefix = persistentSubscriptionPlan(options({ group: 'g', streamPrefix: 'order.v1-(eu)' })).filter;
  const { filterOn, regex } = byPrefix as { filterOn: string; regex: string };
  assert.equal(filterOn, 'streamName', 'filtered on the server, by stream name');
  assert.equal(regex, '^order\\.v1-\\(eu\\)');
  const pattern = new RegExp(regex);
  assert.ok(pattern.test('order.v1-(eu)-42'));
  assert.ok(!pattern.test('orderXv1-(eu)-42'), 'regex characters of the prefix are literal');
  const everything = persistentSubscriptionPlan(options({ group: 'g' })).filter as { regex: string };
  assert.equal(everything.regex, '^[^$]', 'system streams, the parked list among them, are never delivered');
});

test('attempts count the server retries, and a retry waits a doubling backoff kept under the message timeout', () => {
  assert.equal(attemptOf(0), 1);
  assert.equal(attemptOf(2), 3);
  assert.equal(attemptOf(undefined), 1);
  const o = { retryBackoffMs: 100, leaseMs: 3_000 };
  assert.deepEqual([1, 2, 3, 4, 5].map((a) => retryBackoffMs(a, o)), [100, 200, 400, 800, 1_500]);
  assert.equal(retryBackoffMs(10, { retryBackoffMs: 100, leaseMs: 60_000 }), 5_000, 'never more than the contract cap');
});

test("the server's view of a group, for people", () => {
  const stats = serverGroupStats({
    status: 'Live',
    connections: [{}, {}] as never,
    stats: { totalInFlightMessages: 3, parkedMessageCount: 2n, lastCheckpointedEventPosition: { commit: 10n, prepare: 10n } } as never,
  });
  assert.deepEqual(stats, { status: 'Live', connections: 2, inFlight: 3, parkedOnServer: 2, lastCheckpoint: { commit: 10n, prepare: 10n } });
});
