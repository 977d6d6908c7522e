/**
 * The bounded-buffer pump around a native catch-up subscription, fed by a plain Node object stream
 * standing in for the client's subscription stream (a Readable with `unsubscribe()` and a `caughtUp`
 * event). This checks our code — order, the buffer bound, caught-up, close, errors — not the server:
 * the server's behaviour is checked by the conformance suite against a real EventStoreDB.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { RecordedEvent } from '../core/index.ts';
import { createCatchUpSubscription, type NativeCatchUp } from './catch-up-subscription.ts';

function fakeEvent(n: number): RecordedEvent {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    streamId: 'feed-1',
    type: 'Posted',
    data: n,
    metadata: {},
    streamVersion: n,
    globalPosition: BigInt(n),
    recordedAt: new Date(0),
  };
}

type FakeNative = NativeCatchUp & PassThrough & { unsubscribed: boolean; written: number };

function nativeStream(): FakeNative {
  const stream = new PassThrough({ objectMode: true, highWaterMark: 1 }) as PassThrough & { unsubscribed: boolean; written: number; unsubscribe(): Promise<void> };
  stream.unsubscribed = false;
  stream.written = 0;
  stream.unsubscribe = async () => {
    stream.unsubscribed = true;
  };
  return stream;
}

/** Writes n raw events, waiting on backpressure like gRPC's pipe does; resolves when all were accepted. */
async function produce(stream: FakeNative, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) {
    if (!stream.write(n)) await new Promise((resolve) => stream.once('drain', resolve));
    stream.written++;
  }
}

test('delivers in order, never buffers more than bufferSize, and slows the producer down', async () => {
  const stream = nativeStream();
  const subscription = createCatchUpSubscription<number>({ open: () => stream, toEvent: fakeEvent }, { bufferSize: 4 });
  const producing = produce(stream, 0, 100);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(subscription.stats.buffered <= 4, `buffered ${subscription.stats.buffered}`);
  assert.ok(stream.written < 20, `the producer was not held back: ${stream.written} of 100 accepted with nobody consuming`);
  const seen: number[] = [];
  for await (const event of subscription) {
    seen.push(event.data as number);
    assert.ok(subscription.stats.buffered <= 4);
    if (seen.length === 100) break;
  }
  await producing;
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
  assert.ok(subscription.stats.maxBuffered <= 4, `maxBuffered ${subscription.stats.maxBuffered}`);
  assert.equal(subscription.stats.delivered, 100);
  assert.ok(stream.unsubscribed, 'leaving the loop cancels the native subscription');
});

test('caught up on the server\'s signal, or at once when prepare says there is nothing to catch up', async () => {
  const stream = nativeStream();
  const subscription = createCatchUpSubscription<number>({ open: () => stream, toEvent: fakeEvent });
  await produce(stream, 0, 2);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(subscription.stats.caughtUp, false);
  stream.emit('caughtUp');
  await subscription.caughtUp;
  assert.equal(subscription.stats.caughtUp, true);
  await subscription.close();

  const empty = createCatchUpSubscription<number>({ open: nativeStream, toEvent: fakeEvent, prepare: async () => true });
  await empty.caughtUp;
  assert.equal(empty.stats.caughtUp, true);
  await empty.close();
});

test('caught up when the newest event at start is delivered (servers without the caughtUp message)', async () => {
  const stream = nativeStream();
  const subscription = createCatchUpSubscription<number>({
    open: () => stream,
    toEvent: fakeEvent,
    prepare: async () => (event) => event.streamVersion >= 2,
  });
  await produce(stream, 0, 2);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(subscription.stats.caughtUp, false, 'not yet: version 2 was the newest');
  await produce(stream, 2, 1);
  await subscription.caughtUp;
  await subscription.close();
});

test('skipped raw items are not buffered; a stream error reaches the consumer translated', async () => {
  const stream = nativeStream();
  const subscription = createCatchUpSubscription<number>({
    open: () => stream,
    toEvent: (n) => (n % 2 === 0 ? fakeEvent(n) : undefined),
    translateError: (error) => new Error(`translated: ${(error as Error).message}`),
  });
  await produce(stream, 0, 5);
  const seen: number[] = [];
  const iterator = subscription[Symbol.asyncIterator]();
  for (let i = 0; i < 3; i++) seen.push((await iterator.next()).value!.data as number);
  assert.deepEqual(seen, [0, 2, 4]);
  stream.destroy(new Error('server went away'));
  await assert.rejects(iterator.next(), /translated: server went away/);
});

test('close() ends a waiting consumer and is safe to call twice', async () => {
  const stream = nativeStream();
  const subscription = createCatchUpSubscription<number>({ open: () => stream, toEvent: fakeEvent });
  const iterator = subscription[Symbol.asyncIterator]();
  const pending = iterator.next();
  await subscription.close();
  await subscription.close();
  assert.equal((await pending).done, true);
  assert.ok(stream.unsubscribed);
  assert.throws(() => createCatchUpSubscription({ open: nativeStream, toEvent: fakeEvent }, { bufferSize: 0 }), RangeError);
});
