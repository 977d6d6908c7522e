/**
 * EventStoreDB's native catch-up subscriptions, in the workbench's `Subscription` shape.
 *
 * The server does the catching up and then pushes live events over one gRPC stream; nothing here polls.
 * Backpressure: the client's subscription is a Node stream opened with `highWaterMark: 1`, and this pump
 * only pulls the next event when the buffer has room. A paused Node stream stops reading from gRPC, so
 * HTTP/2 flow control stops the server: a slow consumer slows the server's sending down, and the memory
 * held here stays at most `bufferSize` events (plus the handful of gRPC messages in flight below it).
 *
 * Caught up: the server says so (a `caughtUp` message, EventStoreDB 23.10 and later). For older servers
 * the subscription also counts as caught up once it delivered the event that was the newest when it
 * started (`caughtUpAt`), or at once when there was nothing to catch up.
 */
import type { Readable } from 'node:stream';
import { DEFAULT_BUFFER_SIZE, type RecordedEvent, type Subscription, type SubscriptionStats } from '../core/index.ts';

/** The part of the client's `StreamSubscription` / `AllStreamSubscription` the pump uses. */
export type NativeCatchUp = Readable & { unsubscribe(): Promise<void> };

export interface CatchUpPlan<Raw> {
  /** Opens the native subscription (called once, after `prepare`). */
  open(): NativeCatchUp;
  /** Our event, or undefined to skip it (system events, events at or before the start). */
  toEvent(raw: Raw): RecordedEvent | undefined;
  /**
   * Runs before opening: returns a predicate telling whether a delivered event means "caught up"
   * (the newest event at start was reached), or `true` when there is nothing to catch up.
   */
  prepare?(): Promise<((event: RecordedEvent) => boolean) | true>;
  /** Translates errors of the native stream into the workbench's. */
  translateError?(error: unknown): unknown;
}

export function createCatchUpSubscription<Raw>(plan: CatchUpPlan<Raw>, options: { bufferSize?: number } = {}): Subscription {
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  if (!(Number.isSafeInteger(bufferSize) && bufferSize >= 1)) {
    throw new RangeError(`bufferSize must be a whole number >= 1, got ${bufferSize}`);
  }
  const buffer: RecordedEvent[] = [];
  const stats: SubscriptionStats = { bufferSize, buffered: 0, maxBuffered: 0, delivered: 0, caughtUp: false, outages: 0, outageMs: 0 };
  const abort = new AbortController();
  let failure: unknown;
  let finished = false;
  let native: NativeCatchUp | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  const markCaughtUp = () => {
    if (stats.caughtUp) return;
    stats.caughtUp = true;
    resolveCaughtUp();
  };
  const notifyConsumer = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const waitForRoom = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        abort.signal.removeEventListener('abort', done);
        resolve();
      };
      wakeReader = done;
      abort.signal.addEventListener('abort', done, { once: true });
    });

  const pump = async () => {
    try {
      const caughtUpAt = plan.prepare ? await plan.prepare() : undefined;
      if (caughtUpAt === true) markCaughtUp();
      if (abort.signal.aborted) return;
      native = plan.open();
      native.on('caughtUp', markCaughtUp);
      const iterator = native[Symbol.asyncIterator]() as AsyncIterator<Raw>;
      while (!abort.signal.aborted) {
        if (buffer.length >= bufferSize) {
          await waitForRoom();
          continue;
        }
        const next = await iterator.next();
        if (abort.signal.aborted || next.done) break;
        const event = plan.toEvent(next.value);
        if (!event) continue;
        buffer.push(event);
        stats.buffered = buffer.length;
        stats.maxBuffered = Math.max(stats.maxBuffered, buffer.length);
        if (typeof caughtUpAt === 'function' && caughtUpAt(event)) markCaughtUp();
        notifyConsumer();
      }
    } catch (error) {
      if (!abort.signal.aborted) failure = plan.translateError ? plan.translateError(error) : error;
    } finally {
      finished = true;
      resolveCaughtUp();
      notifyConsumer();
    }
  };
  const pumping = pump();

  const close = async () => {
    if (!abort.signal.aborted) {
      abort.abort();
      wakeReader?.();
      const stream = native;
      if (stream) {
        // Cancel the gRPC call, then end the Node stream so a pending read returns.
        await stream.unsubscribe().catch(() => {});
        stream.destroy();
      }
    }
    await pumping;
  };

  async function* iterate(): AsyncGenerator<RecordedEvent> {
    try {
      while (true) {
        const event = buffer.shift();
        if (event) {
          stats.buffered = buffer.length;
          stats.delivered++;
          const wake = wakeReader;
          wakeReader = undefined;
          wake?.();
          yield event;
          continue;
        }
        if (failure) throw failure;
        if (finished) return;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
    } finally {
      await close();
    }
  }

  const iterator = iterate();
  return { stats, caughtUp, close, [Symbol.asyncIterator]: () => iterator };
}
