/**
 * Time for the scheduler, in milliseconds (fractions allowed). The real clock is `performance.now()`;
 * the virtual clock lets tests run a schedule, a stalling backend and the recorder deterministically.
 */
import { setImmediate as immediate } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

export interface Clock {
  now(): number;
  /** Resolves at (or just after) `at`. */
  sleepUntil(at: number): Promise<void>;
  /** Lets timers and I/O run (real clock only): a loop of instantly resolving operations must not starve them. */
  yield?(): Promise<void>;
}

/**
 * Timers in Node fire no earlier than 1 ms and often later, which alone would add a millisecond of send
 * delay to every operation at high rates. So the last stretch before an intended start is waited for
 * by yielding to the event loop (setImmediate) and re-reading the clock: precise, at the price of a busy
 * core while operations are less than `spinBelowMs` apart (the harness reports its own CPU use).
 */
export function realClock(spinBelowMs = 1.5): Clock {
  return {
    now: () => performance.now(),
    async sleepUntil(at) {
      const delta = at - performance.now();
      if (delta > spinBelowMs) {
        await new Promise<void>((resolve) => setTimeout(resolve, Math.floor(delta - spinBelowMs + 0.5)));
      }
      while (performance.now() < at) await immediate();
    },
    yield: () => immediate(),
  };
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Time only moves when `run` moves it: to the next timer, once everything runnable has run. Code under
 * test must wait only through this clock (no real I/O), which the synthetic backends do.
 */
export class VirtualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: Math.max(at, this.time), seq: this.seq++, resolve });
    });
  }

  sleep(ms: number): Promise<void> {
    return this.sleepUntil(this.time + ms);
  }

  /** Drives time forward until `main` settles. */
  async run<T>(main: Promise<T>): Promise<T> {
    let settled = false;
    main.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (true) {
      // Let every promise chain that can run now, run (microtasks drain before the next macrotask).
      await immediate();
      if (settled) break;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('VirtualClock: nothing scheduled and the run has not finished (deadlock)');
      this.time = next.at;
      next.resolve();
    }
    return main;
  }
}
