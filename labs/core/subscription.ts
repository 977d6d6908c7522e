/**
 * Catch-up-then-live subscriptions with a bounded buffer, for every backend that reads in pages.
 *
 * The reader loop only asks the backend for as many events as there is room for, so a slow consumer
 * slows the reader down instead of growing memory: that is the backpressure. Once a page comes back
 * empty the subscription is caught up and waits for a wake-up (a backend's push signal such as
 * PostgreSQL's LISTEN/NOTIFY) or, at the latest, the poll interval: wake-ups only shorten the wait, the
 * read itself is what guarantees nothing is missed.
 */
import type { EventStore, SubscribeToAllOptions, SubscribeToStreamOptions, Subscription, SubscriptionStats } from './event-store.ts';
import type { EventEmitter } from 'node:events';
import { BackendUnavailableError } from './errors.ts';
import type { RecordedEvent } from './types.ts';

export interface PollingSource<Cursor> {
  /** Reads up to `maxCount` events after `cursor`, and the cursor after the last one returned. */
  readAfter(cursor: Cursor, maxCount: number): Promise<{ events: RecordedEvent[]; cursor: Cursor }>;
  /** Resolves when new events may exist, or when `signal` aborts. Optional: otherwise plain polling. */
  waitForChange?(signal: AbortSignal, timeoutMs: number): Promise<void>;
}

export interface PollingSubscriptionOptions {
  bufferSize?: number;
  pollIntervalMs?: number;
  /** Largest page asked of the backend at once (also bounded by free buffer room). */
  maxPageSize?: number;
  /** How long to keep retrying while the server is unreachable (BackendUnavailableError) before failing. */
  retryUnavailableForMs?: number;
}

export const DEFAULT_BUFFER_SIZE = 256;
export const DEFAULT_POLL_INTERVAL_MS = 250;
export const DEFAULT_RETRY_UNAVAILABLE_MS = 30_000;

export function createPollingSubscription<Cursor>(
  source: PollingSource<Cursor>,
  start: Cursor,
  options: PollingSubscriptionOptions = {},
): Subscription {
  const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
  if (!(Number.isSafeInteger(bufferSize) && bufferSize >= 1)) {
    throw new RangeError(`bufferSize must be a whole number >= 1, got ${bufferSize}`);
  }
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const maxPageSize = options.maxPageSize ?? 500;

  const buffer: RecordedEvent[] = [];
  const retryFor = options.retryUnavailableForMs ?? DEFAULT_RETRY_UNAVAILABLE_MS;
  const stats: SubscriptionStats = { bufferSize, buffered: 0, maxBuffered: 0, delivered: 0, caughtUp: false, outages: 0, outageMs: 0 };
  const abort = new AbortController();
  let failure: unknown;
  let finished = false;
  // Wakes the consumer when an event arrives or the subscription ends.
  let wakeConsumer: (() => void) | undefined;
  // Wakes the reader when the consumer frees buffer room.
  let wakeReader: (() => void) | undefined;
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));

  const notifyConsumer = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };

  /**
   * A server that restarts under a live subscriber is an outage, not the end: retry the same read (from
   * the cursor after the last event taken, so nothing is lost or read twice) with backoff, and give up
   * with BackendUnavailableError only after `retryFor`.
   */
  const readThroughOutages = async (cursor: Cursor, maxCount: number) => {
    let outageStarted: number | undefined;
    let backoff = 50;
    for (;;) {
      try {
        const page = await source.readAfter(cursor, maxCount);
        if (outageStarted !== undefined) stats.outageMs += Math.round(performance.now() - outageStarted);
        return page;
      } catch (error) {
        if (abort.signal.aborted || !(error instanceof BackendUnavailableError)) throw error;
        if (outageStarted === undefined) {
          outageStarted = performance.now();
          stats.outages++;
        }
        stats.lastOutageError = error.message;
        const waited = performance.now() - outageStarted;
        if (waited >= retryFor) {
          stats.outageMs += Math.round(waited);
          throw new BackendUnavailableError(
            error.backend,
            `the subscription retried for ${Math.round(waited)} ms (retryUnavailableForMs: ${retryFor}) and gave up: ${error.message}`,
            { cause: error },
          );
        }
        await sleep(Math.min(backoff, retryFor - waited), abort.signal);
        backoff = Math.min(backoff * 2, 2_000);
      }
    }
  };

  const readerLoop = async () => {
    let cursor = start;
    try {
      while (!abort.signal.aborted) {
        const room = bufferSize - buffer.length;
        if (room <= 0) {
          await new Promise<void>((resolve) => {
            const done = () => {
              abort.signal.removeEventListener('abort', done);
              resolve();
            };
            wakeReader = done;
            abort.signal.addEventListener('abort', done, { once: true });
          });
          continue;
        }
        const page = await readThroughOutages(cursor, Math.min(room, maxPageSize));
        if (abort.signal.aborted) break;
        cursor = page.cursor;
        if (page.events.length > 0) {
          buffer.push(...page.events);
          stats.buffered = buffer.length;
          stats.maxBuffered = Math.max(stats.maxBuffered, buffer.length);
          notifyConsumer();
          if (page.events.length === Math.min(room, maxPageSize)) continue; // more may be waiting
        }
        if (!stats.caughtUp && page.events.length === 0) {
          stats.caughtUp = true;
          resolveCaughtUp();
        }
        if (page.events.length === 0) {
          if (source.waitForChange) await source.waitForChange(abort.signal, pollIntervalMs);
          else await sleep(pollIntervalMs, abort.signal);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) failure = error;
    } finally {
      finished = true;
      resolveCaughtUp();
      notifyConsumer();
    }
  };
  const reader = readerLoop();

  const close = async () => {
    abort.abort();
    wakeReader?.();
    await reader;
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
      // Leaving the loop (break, return, throw) ends the subscription.
      await close();
    }
  }

  const iterator = iterate();
  return {
    stats,
    caughtUp,
    close,
    [Symbol.asyncIterator]: () => iterator,
  };
}

/**
 * The wait of a subscription whose store has push wake-ups: resolves at the next `event` of `emitter`,
 * after `timeoutMs` (the polling fallback), or when `signal` aborts — whichever comes first. A wake-up
 * only shortens the wait; the read that follows is what guarantees nothing is missed.
 */
export function waitForWakeUp(
  emitter: Pick<EventEmitter, 'once' | 'off'>,
  event: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      emitter.off(event, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    emitter.once(event, done);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The usual subscription to $all for a store that reads the log in pages: follow `readAll` from the
 * position after the last delivered event. `waitForChange` is the store's push wake-up, if it has one.
 */
export function subscribeToAllByPolling(
  store: Pick<EventStore, 'readAll'>,
  options: SubscribeToAllOptions = {},
  waitForChange?: PollingSource<bigint | undefined>['waitForChange'],
): Subscription {
  return createPollingSubscription<bigint | undefined>(
    {
      readAfter: async (after, maxCount) => {
        const events = await store.readAll({ fromPosition: after === undefined ? 0n : after + 1n, maxCount });
        return { events, cursor: events.at(-1)?.globalPosition ?? after };
      },
      waitForChange,
    },
    options.afterPosition,
    options,
  );
}

/** The same for one stream: follow `readStream` from the version after the last delivered event. */
export function subscribeToStreamByPolling(
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  options: SubscribeToStreamOptions = {},
  waitForChange?: PollingSource<number | undefined>['waitForChange'],
): Subscription {
  return createPollingSubscription<number | undefined>(
    {
      readAfter: async (after, maxCount) => {
        const events = await store.readStream(streamId, { fromVersion: after === undefined ? 0 : after + 1, maxCount });
        return { events, cursor: events.at(-1)?.streamVersion ?? after };
      },
      waitForChange,
    },
    options.afterVersion,
    options,
  );
}
