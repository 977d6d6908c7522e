/**
 * The two ways of generating load.
 *
 * Open loop (the default, as wrk2 and k6's constant-arrival-rate): operation i is intended to start at
 * t0 + i / rate whatever happened before. At most `maxInFlight` run at once; when the bound is reached
 * the next operations wait, their send delay grows, and the recorder reports it. Nothing queues without
 * bound: operations still unsent when the duration ends are counted as `unsent`, never silently dropped.
 *
 * Closed loop (as most "requests per second" tools): N workers, each starting its next operation when
 * its last one ends. It finds a throughput, but a slow response also slows the arrivals, so a stall
 * shows up as one slow sample instead of all the users who would have waited (coordinated omission).
 */
import type { Clock } from './clock.ts';
import type { Timing } from './recorder.ts';

export type Operation = (index: number) => Promise<void>;

export interface ScheduleHooks {
  onSuccess(timing: Timing): void;
  onError(timing: Timing, error: unknown): void;
  /** Called on every loop turn and completion with the current gauges. */
  onGauge?(nowMs: number, gauges: { inFlight: number; pending: number }): void;
}

export interface ScheduleResult {
  t0: number;
  /** Clock time when the last operation completed (or the schedule ended, if later). */
  endMs: number;
  dispatched: number;
  /** Open loop: operations whose intended start passed but that were never started (backpressure). */
  unsent: number;
  /** Their intended start times, and when the schedule gave up on them. */
  unsentIntendedMs: number[];
  unsentAtMs: number;
}

export interface OpenLoopOptions {
  clock: Clock;
  rate: number;
  durationMs: number;
  maxInFlight: number;
  /** Clock time to start at (default: now). */
  t0?: number;
}

export async function runOpenLoop(operation: Operation, options: OpenLoopOptions, hooks: ScheduleHooks): Promise<ScheduleResult> {
  const { clock, rate, durationMs, maxInFlight } = options;
  const t0 = options.t0 ?? clock.now();
  const intervalMs = 1000 / rate;
  const total = Math.max(1, Math.round((durationMs * rate) / 1000));
  const endMs = t0 + durationMs;
  const running = new Set<Promise<void>>();
  let next = 0;
  let inFlight = 0;
  let lastEnd = t0;
  let wakeOnCompletion: (() => void) | undefined;

  const dueCount = (now: number) => Math.min(total, Math.floor((now - t0) / intervalMs) + 1);

  const dispatch = (index: number, intendedMs: number) => {
    inFlight++;
    const startMs = clock.now();
    const finish = (error: unknown, failed: boolean) => {
      const end = clock.now();
      lastEnd = Math.max(lastEnd, end);
      inFlight--;
      const timing = { index, intendedMs, startMs, endMs: end };
      if (failed) hooks.onError(timing, error);
      else hooks.onSuccess(timing);
      running.delete(promise);
      const wake = wakeOnCompletion;
      wakeOnCompletion = undefined;
      wake?.();
    };
    const promise: Promise<void> = Promise.resolve()
      .then(() => operation(index))
      .then(
        () => finish(undefined, false),
        (error: unknown) => finish(error, true),
      );
    running.add(promise);
  };

  while (next < total) {
    const now = clock.now();
    if (now >= endMs) break;
    while (next < total && inFlight < maxInFlight && t0 + next * intervalMs <= clock.now()) {
      dispatch(next, t0 + next * intervalMs);
      next++;
    }
    hooks.onGauge?.(clock.now(), { inFlight, pending: Math.max(0, dueCount(clock.now()) - next) });
    if (next >= total) break;
    if (inFlight >= maxInFlight) {
      // Backpressure: wait for a completion. The operation's intended time does not move.
      await new Promise<void>((resolve) => (wakeOnCompletion = resolve));
    } else {
      await clock.sleepUntil(Math.min(t0 + next * intervalMs, endMs));
    }
  }
  const unsentAtMs = clock.now();
  const unsent = Math.max(0, Math.min(total, dueCount(Math.min(unsentAtMs, endMs))) - next);
  const unsentIntendedMs = Array.from({ length: unsent }, (_, k) => t0 + (next + k) * intervalMs);
  await Promise.all(running);
  return { t0, endMs: Math.max(lastEnd, endMs), dispatched: next, unsent, unsentIntendedMs, unsentAtMs };
}

export interface ClosedLoopOptions {
  clock: Clock;
  concurrency: number;
  durationMs: number;
  t0?: number;
}

export async function runClosedLoop(operation: Operation, options: ClosedLoopOptions, hooks: ScheduleHooks): Promise<ScheduleResult> {
  const { clock, concurrency, durationMs } = options;
  const t0 = options.t0 ?? clock.now();
  const endMs = t0 + durationMs;
  let next = 0;
  let inFlight = 0;
  let lastEnd = t0;

  const worker = async () => {
    while (clock.now() < endMs) {
      const index = next++;
      const startMs = clock.now();
      inFlight++;
      let failed = false;
      let error: unknown;
      try {
        await operation(index);
      } catch (e) {
        failed = true;
        error = e;
      }
      inFlight--;
      const end = clock.now();
      lastEnd = Math.max(lastEnd, end);
      // In a closed loop the intended start IS the actual start: there is no schedule to fall behind.
      const timing = { index, intendedMs: startMs, startMs, endMs: end };
      if (failed) hooks.onError(timing, error);
      else hooks.onSuccess(timing);
      hooks.onGauge?.(end, { inFlight, pending: 0 });
      if (index % 64 === 0) await clock.yield?.();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return { t0, endMs: Math.max(lastEnd, endMs), dispatched: next, unsent: 0, unsentIntendedMs: [], unsentAtMs: endMs };
}
