// Group commit of the writer (group-commit-writer.ts) against a real broker: appends that queue while a transaction is in
// flight share the next one, and inside a group each append is decided in queue order against the log
// plus the appends accepted before it (as if they had been appended one by one).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { DuplicateEventIdError, WrongExpectedVersionError, type AppendResult, type NewEvent } from '../core/index.ts';
import { KafkaEventStore, closeKafkaViews } from './kafka-store.ts';
import { useKafkaBroker } from './test-broker.ts';

const kafka = useKafkaBroker(closeKafkaViews);

/** A namespace of its own: a small log, and no other test's writer in the way. */
async function freshStore(brokers: readonly string[]): Promise<KafkaEventStore> {
  return KafkaEventStore.connect({ brokers, namespace: `group-commit-${randomBytes(4).toString('hex')}` });
}

const event = (n: number, id?: string): NewEvent => ({ ...(id ? { id } : {}), type: 'Counted', data: { n } });

function transactionsOf(store: KafkaEventStore): number {
  const stats = store.writerStats();
  assert.ok(stats, 'the Kafka store has a fenced writer');
  return stats.transactions;
}

test('appends that queue while a transaction is in flight share the next one, each with its exact result', { timeout: 90_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const store = await freshStore(broker.brokers);
  try {
    await store.appendToStream(`warm-up-${randomUUID()}`, [event(0)]); // the writer takes its role once
    const before = store.writerStats()!;

    // 10 workers in a closed loop, 3 appends each, every append to a stream of its own: 30 appends.
    const results = new Map<string, AppendResult>();
    await Promise.all(
      Array.from({ length: 10 }, async (_, worker) => {
        for (let i = 0; i < 3; i++) {
          const streamId = `gc-${worker}-${i}-${randomUUID()}`;
          results.set(streamId, await store.appendToStream(streamId, [event(i), event(i + 1)], { expectedVersion: 'no_stream' }));
        }
      }),
    );

    const stats = store.writerStats()!;
    const appends = stats.appends - before.appends;
    const transactions = stats.transactions - before.transactions;
    t.diagnostic(`30 appends in ${transactions} transactions, largest group ${stats.largestGroup}`);
    assert.equal(appends, 30, 'every append was written');
    assert.ok(transactions < 30, `30 appends took ${transactions} transactions: they were not grouped`);
    assert.ok(stats.largestGroup > 1);

    // Each caller's result is the truth of the log: its version, and the position of its last event.
    const log = await store.readAll({ maxCount: 1_000 });
    for (const [streamId, result] of results) {
      const stream = log.filter((e) => e.streamId === streamId);
      assert.deepEqual(stream.map((e) => e.streamVersion), [0, 1], `${streamId} holds its two events`);
      assert.equal(result.nextExpectedVersion, 1);
      assert.equal(result.globalPosition, stream[1]!.globalPosition, `${streamId}: the result's position is its last event's`);
    }
    const positions = log.map((e) => e.globalPosition);
    assert.deepEqual(positions, [...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'the log is in position order');
    assert.equal(new Set(positions).size, positions.length, 'no position twice');
  } finally {
    await store.close();
  }
});

test('inside one group, appends are decided in queue order and see each other', { timeout: 90_000 }, async (t) => {
  const broker = kafka.broker;
  if (!broker) return t.skip(kafka.skipMessage);
  const store = await freshStore(broker.brokers);
  try {
    const account = `account-${randomUUID()}`;
    const fresh = `fresh-${randomUUID()}`;
    const [cart, other] = [`cart-${randomUUID()}`, `other-${randomUUID()}`];
    const sharedId = randomUUID();
    await store.appendToStream(account, [event(0)], { expectedVersion: 'no_stream' }); // account at version 0
    const before = transactionsOf(store);

    // Issued together: the writer is idle, the first starts a group and the others queue into it before
    // it is taken. Sequentially, this is what each one would get:
    const outcomes = await Promise.allSettled([
      store.appendToStream(account, [event(1)], { expectedVersion: 0 }), //       A: wins version 1
      store.appendToStream(account, [event(2)], { expectedVersion: 0 }), //       B: refused, the stream is at 1 (after A)
      store.appendToStream(account, [event(3)], { expectedVersion: 1 }), //       C: accepted after A: version 2
      store.appendToStream(fresh, [event(4)], { expectedVersion: 'no_stream' }), // D: creates the stream
      store.appendToStream(fresh, [event(5)], { expectedVersion: 'no_stream' }), // E: refused, D created it
      store.appendToStream(cart, [event(6, sharedId)]), //                          F: stores id X
      store.appendToStream(other, [event(7, sharedId)]), //                         G: id X again, elsewhere: a duplicate
      store.appendToStream(cart, [event(6, sharedId)]), //                          H: F again: an exact retry, F's result
    ]);
    const [a, b, c, d, e, f, g, h] = outcomes;
    assert.equal(transactionsOf(store) - before, 1, 'the eight appends went in one transaction');

    const value = (o: PromiseSettledResult<AppendResult> | undefined): AppendResult => {
      assert.equal(o?.status, 'fulfilled', o?.status === 'rejected' ? String(o.reason) : 'missing');
      return (o as PromiseFulfilledResult<AppendResult>).value;
    };
    const refusal = (o: PromiseSettledResult<AppendResult> | undefined): unknown => {
      assert.equal(o?.status, 'rejected', 'expected a refusal');
      return (o as PromiseRejectedResult).reason;
    };

    assert.equal(value(a).nextExpectedVersion, 1);
    const bError = refusal(b);
    assert.ok(bError instanceof WrongExpectedVersionError, String(bError));
    assert.equal(bError.actual, 1, 'B was checked against the stream as A left it');
    assert.equal(value(c).nextExpectedVersion, 2);
    assert.equal(value(d).nextExpectedVersion, 0);
    const eError = refusal(e);
    assert.ok(eError instanceof WrongExpectedVersionError, String(eError));
    assert.equal(eError.actual, 0);
    assert.equal(value(f).nextExpectedVersion, 0);
    assert.ok(refusal(g) instanceof DuplicateEventIdError, 'the same id in another stream of the group is a duplicate');
    assert.deepEqual(value(h), value(f), 'an exact retry inside the group gets the original result');

    const accountEvents = await store.readStream(account);
    assert.deepEqual(accountEvents.map((x) => x.data), [{ n: 0 }, { n: 1 }, { n: 3 }], 'A then C; B was left out');
    assert.equal(accountEvents[1]!.globalPosition, value(a).globalPosition);
    assert.equal(accountEvents[2]!.globalPosition, value(c).globalPosition);
    assert.ok(value(a).globalPosition < value(c).globalPosition, 'written in queue order');
    assert.deepEqual((await store.readStream(fresh)).map((x) => [x.data, x.globalPosition]), [[{ n: 4 }, value(d).globalPosition]]);
    assert.deepEqual((await store.readStream(cart)).map((x) => [x.id, x.globalPosition]), [[sharedId, value(f).globalPosition]]);
    assert.deepEqual(await store.readStream(other), [], 'nothing of G was written');
  } finally {
    await store.close();
  }
});
