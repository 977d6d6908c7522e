/**
 * What a growth step measures on a target at one stored size, with the harness's existing rules: the
 * appends and the reads are open-loop rate steps (benchmarks/session/rate-step.ts: corrected latency,
 * the sample count a percentile needs, the saturation verdict); the catch-up of a new subscriber from
 * the start of $all (events/s over a bounded time) and from its end (time until live).
 */
import type { Subscription } from '../../labs/core/index.ts';
import type { RunOutcome } from '../harness/run-workload.ts';
import { runRateStep, type StepOptions } from '../session/rate-step.ts';
import type { BenchTarget } from '../targets/target.ts';
import type { Workload } from '../workloads/workload.ts';

export interface CatchUp {
  events: number;
  seconds: number;
  reachedEnd: boolean;
}

/** The target, its readStream pointed at one stream (the read workload's own prepared stream is ignored). */
export function readingStream(target: BenchTarget, streamId: string): BenchTarget {
  return {
    label: target.label,
    backend: target.backend,
    kind: target.kind,
    unsupported: target.unsupported,
    append: (s, events, expected) => target.append(s, events, expected),
    readStream: () => target.readStream(streamId),
    readAllPage: (cursor, max) => target.readAllPage(cursor, max),
    close: async () => {},
  };
}

export async function measureRate(target: BenchTarget, workload: Workload, runId: string, step: StepOptions): Promise<RunOutcome> {
  const outcome = await runRateStep(target, workload, workload.rate, runId, step);
  if (outcome.status === 'skipped') throw new Error(`${target.label} cannot run ${workload.name} in a growth step: ${outcome.reason}`);
  return outcome;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * A new subscriber from the start of $all, for at most `seconds`: events delivered per second. Raw
 * baselines have no subscriptions: they page through the log with readAllPage (what a raw reader does).
 */
export async function catchUpFromStart(target: BenchTarget, seconds: number, pageSize = 1000): Promise<CatchUp> {
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  if (!target.subscribeToAll) {
    let events = 0;
    let cursor: string | undefined;
    do {
      const page = await target.readAllPage(cursor, pageSize);
      events += page.count;
      cursor = page.next;
    } while (cursor !== undefined && performance.now() < deadline);
    return { events, seconds: (performance.now() - t0) / 1000, reachedEnd: cursor === undefined };
  }
  const subscription = target.subscribeToAll(undefined, pageSize);
  let events = 0;
  let reachedEnd = false;
  const loop = (async () => {
    for await (const _event of subscription) {
      events++;
      if (performance.now() > deadline) break;
    }
  })();
  const caughtUp = subscription.caughtUp.then(async () => {
    // caught up = a page came back empty; what it had buffered is still being delivered.
    while (subscription.stats.buffered > 0 && performance.now() < deadline) await sleep(5);
    reachedEnd = true;
  });
  await Promise.race([loop, caughtUp, sleep(seconds * 1000)]);
  const elapsed = (performance.now() - t0) / 1000;
  // Read before closing: closing a subscription settles its caughtUp promise too.
  const result = { events, seconds: elapsed, reachedEnd };
  await closeAndWait(subscription, loop);
  return result;
}

/** A new subscriber from the current end of $all: milliseconds until it is live. Null without subscriptions. */
export async function catchUpFromTail(target: BenchTarget, timeoutMs = 30_000): Promise<number | null> {
  if (!target.subscribeToAll || !target.head) return null;
  const head = await target.head();
  const t0 = performance.now();
  const subscription = target.subscribeToAll(head === 0n ? undefined : head, 1000);
  const loop = (async () => {
    for await (const _event of subscription) {
      // events appended after head: none are written meanwhile
    }
  })();
  const live = await Promise.race([subscription.caughtUp.then(() => true), sleep(timeoutMs).then(() => false)]);
  const ms = performance.now() - t0;
  await closeAndWait(subscription, loop);
  if (!live) throw new Error(`${target.label}: a subscriber from the end of $all was not live within ${timeoutMs} ms`);
  return ms;
}

async function closeAndWait(subscription: Subscription, loop: Promise<void>): Promise<void> {
  await subscription.close().catch(() => {});
  await loop.catch(() => {});
}
