/**
 * A synthetic backend that serves one request at a time in a fixed service time, except once, when it
 * stalls for a known time (a GC pause, a failover, a checkpoint). It waits only through the given
 * clock, so with a VirtualClock a test knows exactly what every operation experienced, and can check
 * which latency measure shows the stall at which percentile.
 */
import { UnsupportedCapabilityError } from '../../labs/core/index.ts';
import type { BenchTarget } from './target.ts';

/** The clock it waits on (the harness's Clock fits): only what the stall needs, so targets do not depend on the harness. */
export interface StallClock {
  now(): number;
  sleepUntil(at: number): Promise<void>;
}

export interface StallOnceOptions {
  clock: StallClock;
  serviceMs: number;
  /** The operation (0-based, in arrival order) that stalls… */
  stallAtOperation?: number;
  /** …or the first operation that starts at or after this clock time. */
  stallAtMs?: number;
  stallMs: number;
}

export function stallOnceTarget(options: StallOnceOptions): BenchTarget & { readonly stalledOperation: number | undefined } {
  const { clock } = options;
  let busyUntil = -Infinity;
  let arrivals = 0;
  let stalledOperation: number | undefined;
  const serve = async () => {
    const n = arrivals++;
    const start = Math.max(clock.now(), busyUntil);
    const stallNow =
      stalledOperation === undefined &&
      (options.stallAtOperation !== undefined ? n === options.stallAtOperation : options.stallAtMs !== undefined && start >= options.stallAtMs);
    if (stallNow) stalledOperation = n;
    busyUntil = start + (stallNow ? options.stallMs : options.serviceMs);
    await clock.sleepUntil(busyUntil);
  };
  const unsupported = (what: string) => new UnsupportedCapabilityError('stall-once', 'subscriptions', `${what} is not simulated`);
  return {
    label: 'stall-once',
    backend: 'stall-once',
    kind: 'synthetic',
    unsupported: { subscriptions: 'synthetic: appends and reads only', 'global-order': 'synthetic: no log is kept' },
    get stalledOperation() {
      return stalledOperation;
    },
    async append() {
      await serve();
      return { nextExpectedVersion: 0 };
    },
    async readStream() {
      await serve();
      return 0;
    },
    async readAllPage() {
      await serve();
      return { count: 0, next: undefined };
    },
    subscribeToAll() {
      throw unsupported('subscribing');
    },
    close: async () => {},
  };
}
