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
 * on a busy core (the harness reports its own CPU use): turns of the event loop (setImmediate, so
 * completions and other I/O are handled at least every `sliceMs`), each followed by a short spin on the
 * clock that allocates almost nothing.
 *
 * Why not simply `await setImmediate()` in a loop, as the first version did: every turn allocated a
 * promise and an Immediate, and every performance.now() read a boxed number, ~250-500 MB/s at 5,000
 * operations/s; the young-generation collections that caused (30-45 a second, 1-2 ms each when the
 * heap holds live data) were the largest send delays the harness added by itself. The spin reads the
 * clock every few hundred iterations instead: about 10 times fewer collections (docs/benchmarks.md,
 * "The harness's own cost"). Sleeping the slices away (Atomics.wait) allocates nothing either, but on
 * a shared machine a woken process waits for a core: its send delays measured 3-4 times worse.
 */
export function realClock(spinBelowMs = 1.5, sliceMs = 0.05): Clock {
  return {
    now: () => performance.now(),
    async sleepUntil(at) {
      const delta = at - performance.now();
      if (delta > spinBelowMs) {
        await new Promise<void>((resolve) => setTimeout(resolve, Math.floor(delta - spinBelowMs + 0.5)));
      }
      if (performance.now() >= at) return;
      await new Promise<void>((resolve) => {
        const turn = () => {
          spinUntil(Math.min(at, performance.now() + sliceMs));
          if (performance.now() >= at) resolve();
          else setImmediate(turn);
        };
        setImmediate(turn);
      });
    },
    yield: () => immediate(),
  };
}

let spinSink = 0;
/** Busy-waits until `until`, reading the clock only every ~400 iterations (a read allocates). */
function spinUntil(until: number): void {
  while (performance.now() < until) {
    for (let i = 0; i < 400; i++) spinSink = (spinSink * 31 + i) | 0;
  }
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
