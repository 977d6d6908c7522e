// The subscription's buffering logic, driven by an in-memory page source (pure logic, no backend).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPollingSubscription, type PollingSource } from './subscription.ts';
import type { RecordedEvent } from './types.ts';

function recorded(n: number): RecordedEvent {
  return { id: `id-${n}`, streamId: 's', type: 'T', data: n, metadata: {}, streamVersion: n, globalPosition: BigInt(n + 1), recordedAt: new Date() };
}

function memorySource(log: RecordedEvent[], pageLog: number[] = []): PollingSource<number> {
  return {
    async readAfter(cursor, maxCount) {
      pageLog.push(maxCount);
      const events = log.slice(cursor, cursor + maxCount);
      return { events, cursor: cursor + events.length };
    },
  };
}

test('delivers stored events, reports caught up, then delivers live ones in order', async () => {
  const log = [0, 1, 2].map(recorded);
  const subscription = createPollingSubscription(memorySource(log), 0, { pollIntervalMs: 5 });
  const seen: number[] = [];
  for await (const e of subscription) {
    seen.push(e.data as number);
    if (seen.length === 3) {
      await subscription.caughtUp;
      assert.equal(subscription.stats.caughtUp, true);
      log.push(recorded(3), recorded(4));
    }
    if (seen.length === 5) break;
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('never asks for more than the free buffer room, however far behind the consumer is', async () => {
  const log = Array.from({ length: 500 }, (_, i) => recorded(i));
  const pages: number[] = [];
  const subscription = createPollingSubscription(memorySource(log, pages), 0, { bufferSize: 8, pollIntervalMs: 5 });
  let count = 0;
  for await (const e of subscription) {
    assert.equal(e.data, count);
    assert.ok(subscription.stats.buffered <= 8);
    count++;
    if (count % 50 === 0) await new Promise((r) => setTimeout(r, 2));
    if (count === 500) break;
  }
  assert.ok(subscription.stats.maxBuffered <= 8, `max buffered ${subscription.stats.maxBuffered}`);
  assert.ok(Math.max(...pages) <= 8, `asked for a page of ${Math.max(...pages)}`);
  assert.equal(subscription.stats.delivered, 500);
});

test('close() ends the iteration, and a failing source surfaces its error to the consumer', async () => {
  const idle = createPollingSubscription(memorySource([]), 0, { pollIntervalMs: 5 });
  const iterating = (async () => {
    for await (const _ of idle) assert.fail('nothing to deliver');
    return 'ended';
  })();
  await idle.caughtUp;
  await idle.close();
  assert.equal(await iterating, 'ended');

  const broken = createPollingSubscription<number>({ readAfter: async () => Promise.reject(new Error('connection lost')) }, 0);
  await assert.rejects(async () => {
    for await (const _ of broken) assert.fail('no events');
  }, /connection lost/);
});

test('refuses a buffer size that cannot hold an event', () => {
  assert.throws(() => createPollingSubscription(memorySource([]), 0, { bufferSize: 0 }), RangeError);
});

test('an outage is ridden out: retried with backoff, resumed after the last event read, counted in stats', async () => {
  const { BackendUnavailableError } = await import('./errors.ts');
  const log = [0, 1, 2, 3, 4, 5].map(recorded);
  let failuresLeft = 3;
  const source: PollingSource<number> = {
    async readAfter(cursor, maxCount) {
      if (cursor === 3 && failuresLeft-- > 0) throw new BackendUnavailableError('memory', 'connect ECONNREFUSED (simulated restart)');
      const events = log.slice(cursor, Math.min(cursor + maxCount, cursor + 3));
      return { events, cursor: cursor + events.length };
    },
  };
  const subscription = createPollingSubscription(source, 0, { pollIntervalMs: 5, retryUnavailableForMs: 5_000 });
  const seen: number[] = [];
  for await (const e of subscription) {
    seen.push(e.data as number);
    if (seen.length === 6) break;
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5], 'nothing lost, nothing twice');
  assert.equal(subscription.stats.outages, 1);
  assert.match(subscription.stats.lastOutageError ?? '', /ECONNREFUSED/);
});

test('an outage longer than retryUnavailableForMs ends the subscription with BackendUnavailableError', async () => {
  const { BackendUnavailableError } = await import('./errors.ts');
  const source: PollingSource<number> = {
    async readAfter() {
      throw new BackendUnavailableError('memory', 'connect ECONNREFUSED');
    },
  };
  const subscription = createPollingSubscription(source, 0, { pollIntervalMs: 5, retryUnavailableForMs: 200 });
  await assert.rejects(async () => {
    for await (const _ of subscription) void _;
  }, (error: Error) => error instanceof BackendUnavailableError && /gave up/.test(error.message));
});
