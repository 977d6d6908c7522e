/**
 * Runs one workload against one target: prepare the data it reads, start the subscribers it measures,
 * run the schedule (open or closed loop), let the subscribers deliver the tail (or time their drain),
 * and summarise. The pieces live beside it: operations.ts, subscribers.ts, recorder.ts, summary.ts.
 */
import type { RunSummary, SaturationRule, SubscriberStats } from '../results-file/schema.ts';
import type { BenchTarget } from '../targets/target.ts';
import { seededRandom, type Workload } from '../workloads/workload.ts';
import { realClock, type Clock } from './clock.ts';
import { encodeHistogram, round } from './histograms.ts';
import { prepareData, runData, workloadOperation } from './operations.ts';
import { Recorder, classifyError, type TimeSeriesPoint, type Timing } from './recorder.ts';
import { runClosedLoop, runOpenLoop, type ScheduleResult } from './scheduler.ts';
import { GroupSubscribers } from './group-subscribers.ts';
import { SubscriberGroup, type LiveSubscribers } from './subscribers.ts';
import { summarise, type LoadMode } from './summary.ts';

export type { LoadMode };

export interface RunOptions {
  mode: LoadMode;
  clock?: Clock;
  /** Time-series resolution. */
  intervalMs?: number;
  /** Unique per run: prefixes stream ids and tags events, so runs never see each other's data. */
  runId: string;
  /** Called about once per second with a snapshot for the progress line (real clock only). */
  onProgress?: (progress: Progress) => void;
  saturationRule?: SaturationRule;
}

export interface Progress {
  phase: 'prepare' | 'warmup' | 'run' | 'drain' | 'finish';
  elapsedSeconds: number;
  totalSeconds: number;
  operations: number;
  errors: number;
  latest: TimeSeriesPoint | undefined;
  inFlight: number;
  pending: number;
  backlog: number;
}

export interface EncodedHistograms {
  /** Compressed base64 HdrHistograms of microseconds (hdr-histogram-js encodeIntoCompressedBase64). */
  corrected: string;
  service: string;
  sendDelay: string;
  lag: string | null;
}

export interface RunOutcome {
  status: 'ok';
  summary: RunSummary;
  histograms: EncodedHistograms;
  timeSeries: TimeSeriesPoint[];
  notes: string[];
}

export interface SkippedRun {
  status: 'skipped';
  reason: string;
}

/** Why a target cannot run a workload, or undefined if it can. */
export function unsupportedReason(target: BenchTarget, workload: Workload): string | undefined {
  for (const capability of workload.requires) {
    const reason = target.unsupported[capability];
    if (reason !== undefined) return `${target.label} does not support '${capability}': ${reason}`;
  }
  if (workload.subscribers > 0 && !target.subscribeToAll) return `${target.label} has no subscriptions`;
  if (workload.groupMembers && !target.processes) return `${target.label} cannot start consumer-group members in other processes (a store target of a labs backend can)`;
  return undefined;
}

/** Live subscribers without a handler cost get this long to deliver the tail after the last append. */
const LIVE_TAIL_SECONDS = 10;

export async function runWorkload(target: BenchTarget, workload: Workload, options: RunOptions): Promise<RunOutcome | SkippedRun> {
  const skip = unsupportedReason(target, workload);
  if (skip) return { status: 'skipped', reason: skip };

  const clock = options.clock ?? realClock();
  // The handler's cost is an I/O-like wait: a timer on the real clock (not the scheduler's busy wait).
  const wait = options.clock ? (ms: number) => clock.sleepUntil(clock.now() + ms) : sleepReal;
  const intervalMs = options.intervalMs ?? 1000;
  const data = runData(options.runId, workload);
  const notes: string[] = [];
  const live = workload.subscribers > 0 && workload.subscriberMode === 'live';

  let phase: Progress['phase'] = 'prepare';
  let inFlightNow = 0;
  let pendingNow = 0;
  let recorder: Recorder | undefined;
  const onLag = (sent: number, delivered: number) => recorder?.recordLag(sent, delivered);
  const group = workload.groupMembers && target.processes ? new GroupSubscribers({ processes: target.processes, workload, runId: options.runId, now: () => clock.now(), onLag }) : undefined;
  const subscribers: LiveSubscribers = group ?? new SubscriberGroup({ target, workload, runId: options.runId, now: () => clock.now(), wait, onLag });
  const timers: NodeJS.Timeout[] = [];
  const summaryExtras: Pick<RunSummary, 'consumerGroup'> = {};
  const t00 = clock.now();
  const rss = { start: process.memoryUsage.rss(), max: 0 };

  if (options.onProgress) {
    timers.push(
      every(1000, () => {
        const now = clock.now();
        options.onProgress!({
          phase,
          elapsedSeconds: recorder ? (now - recorder.options.t0) / 1000 : (now - t00) / 1000,
          totalSeconds: workload.durationSeconds,
          operations: recorder?.ok ?? 0,
          errors: recorder ? Object.values(recorder.errors).reduce((a, b) => a + b, 0) : 0,
          latest: recorder?.latest(now),
          inFlight: inFlightNow,
          pending: pendingNow,
          backlog: subscribers.backlog(),
        });
      }),
    );
  }

  try {
    // 1. Data the read workloads read (not measured).
    if (workload.prepare) await prepareData(target, workload, data);

    // 2. Subscribers read only what this run appends; live ones are caught up before the clock starts.
    if (workload.subscribers > 0) await subscribers.markStart();
    if (live) {
      subscribers.start();
      await withTimeout(subscribers.caughtUp(), 30_000, 'live subscribers did not catch up');
    }

    // 3. The schedule.
    const operation = workloadOperation(target, workload, data, seededRandom(workload.seed), () => clock.now(), (n) => subscribers.acknowledge(n));
    const cpuBefore = process.cpuUsage();
    const t0 = clock.now();
    const rec = (recorder = new Recorder({ t0, warmupMs: workload.warmupSeconds * 1000, intervalMs }));
    if (workload.subscribers > 0 && !options.clock) {
      // Memory: does a slow consumer make events pile up in this process, or does the subscription stop reading?
      timers.push(
        every(250, () => {
          const bytes = process.memoryUsage.rss();
          rss.max = Math.max(rss.max, bytes);
          rec.gauge(clock.now(), { rssBytes: bytes, backlog: subscribers.backlog() });
        }),
      );
    }
    phase = workload.warmupSeconds > 0 ? 'warmup' : 'run';
    const schedule = await runSchedule(operation, workload, options.mode, clock, rec, (now, g) => {
      inFlightNow = g.inFlight;
      pendingNow = g.pending;
      if (phase === 'warmup' && now >= rec.warmupEndMs) phase = 'run';
      rec.gauge(now, { ...g, backlog: subscribers.backlog() });
    });

    // 4. Subscribers: live ones deliver the tail (timed: the slow consumer's recovery); a paused one starts now.
    phase = live ? 'finish' : 'drain';
    const { drain, subscriberStats } = live
      ? { drain: null, subscriberStats: await deliverTail(subscribers, rec, clock, workload, wait, rss, notes) }
      : { drain: workload.subscribers > 0 ? await drainBacklog(subscribers, rec, clock, workload, wait, notes) : null, subscriberStats: null };
    notes.push(...(await subscribers.close()));
    if (group) {
      summaryExtras.consumerGroup = group.result();
      if (group.notSplit) notes.push(`the members never split the partitions between them (${group.notSplit}): each handles what the others handle`);
      else if (summaryExtras.consumerGroup.redelivered > 0) notes.push(`${summaryExtras.consumerGroup.redelivered} events were handled twice (at-least-once: ${summaryExtras.consumerGroup.killedAtSeconds !== null ? "the killed member's last events before its checkpoint" : 'a member lost a partition while handling'})`);
    }

    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = Math.max(1, clock.now() - t0);
    // Throughput: operations intended after the warm-up, over the time from its end to the last completion.
    const measuredMs = Math.max(1, schedule.endMs - rec.warmupEndMs);
    const timeSeries = rec.timeSeries();
    const summary = summarise({
      rec,
      workload,
      mode: options.mode,
      measuredMs,
      schedule,
      timeSeries,
      drain,
      subscribers: subscriberStats,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      saturationRule: options.saturationRule,
    });
    Object.assign(summary, summaryExtras);
    const histograms = encodeAll(rec);
    if (schedule.unsent > 0) {
      notes.push(`${schedule.unsent} operations were due but never sent: the in-flight bound (${workload.maxInFlight}) was reached; their latency is recorded at its lower bound (end of schedule - intended start)`);
    }
    rec.destroy();
    return { status: 'ok', summary, histograms, timeSeries, notes };
  } finally {
    for (const timer of timers) clearInterval(timer);
    await subscribers.close();
  }
}

/** The schedule (open or closed loop) of the workload's operations, each recorded as it completes. */
async function runSchedule(
  operation: (index: number) => Promise<number>,
  workload: Workload,
  mode: LoadMode,
  clock: Clock,
  rec: Recorder,
  onGauge: (now: number, gauges: { inFlight: number; pending: number }) => void,
): Promise<ScheduleResult> {
  const eventsOf = new Map<number, number>();
  const wrapped = async (index: number) => {
    eventsOf.set(index, await operation(index));
  };
  const hooks = {
    onSuccess: (t: Timing) => {
      rec.recordSuccess(t, eventsOf.get(t.index) ?? 0);
      eventsOf.delete(t.index);
    },
    onError: (t: Timing, error: unknown) => rec.recordError(t, classifyError(error)),
    onGauge,
  };
  const t0 = rec.options.t0;
  const durationMs = workload.durationSeconds * 1000;
  const schedule =
    mode === 'open'
      ? await runOpenLoop(wrapped, { clock, rate: workload.rate, durationMs, maxInFlight: workload.maxInFlight, t0 }, hooks)
      : await runClosedLoop(wrapped, { clock, concurrency: workload.concurrency, durationMs, t0 }, hooks);
  for (const intended of schedule.unsentIntendedMs) rec.recordUnsent(intended, schedule.unsentAtMs);
  return schedule;
}

function encodeAll(rec: Recorder): EncodedHistograms {
  return {
    corrected: encodeHistogram(rec.corrected),
    service: encodeHistogram(rec.service),
    sendDelay: encodeHistogram(rec.sendDelay),
    lag: rec.lag.totalCount > 0 ? encodeHistogram(rec.lag) : null,
  };
}

/**
 * Live subscribers after the last append: the time until they delivered the backlog (the slow consumer's
 * recovery), and with a handler cost, what they went through.
 */
async function deliverTail(
  subscribers: LiveSubscribers,
  rec: Recorder,
  clock: Clock,
  workload: Workload,
  wait: (ms: number) => Promise<void>,
  rss: { start: number; max: number },
  notes: string[],
): Promise<SubscriberStats | null> {
  const backlogAtEnd = subscribers.backlog();
  const start = clock.now();
  const limitSeconds = workload.handlerCostMs > 0 ? workload.drainTimeoutSeconds : LIVE_TAIL_SECONDS;
  await waitForBacklog(subscribers, rec, clock, start + limitSeconds * 1000, wait);
  const recovered = subscribers.backlog() === 0;
  if (!recovered) notes.push(`subscribers were still ${subscribers.backlog()} events behind ${limitSeconds} s after the last append`);
  if (workload.handlerCostMs === 0) return null;
  const lagMs = (p: number) => (rec.lag.totalCount > 0 ? round(rec.lag.getValueAtPercentile(p) / 1000, 3) : 0);
  return {
    subscribers: subscribers.count,
    handlerCostMs: workload.handlerCostMs,
    ...subscribers.bufferStats(),
    lagP50Ms: lagMs(50),
    lagP99Ms: lagMs(99),
    backlogAtEnd,
    recoverySeconds: recovered ? round((clock.now() - start) / 1000, 3) : null,
    rssStartBytes: rss.start,
    rssMaxBytes: Math.max(rss.max, rss.start),
  };
}

/** The backlog workload's second phase: one subscriber starts after the writes and is timed while it drains. */
async function drainBacklog(subscribers: LiveSubscribers, rec: Recorder, clock: Clock, workload: Workload, wait: (ms: number) => Promise<void>, notes: string[]): Promise<RunSummary['drain']> {
  const start = clock.now();
  rec.startDrain(start);
  subscribers.start();
  await waitForBacklog(subscribers, rec, clock, start + workload.drainTimeoutSeconds * 1000, wait);
  const seconds = (clock.now() - start) / 1000;
  const completed = subscribers.backlog() === 0;
  if (!completed) notes.push(`the subscriber had not drained the backlog after ${workload.drainTimeoutSeconds} s (${subscribers.backlog()} events left)`);
  const events = subscribers.acknowledgedEvents;
  return { events, seconds: round(seconds, 3), eventsPerSecond: round(seconds > 0 ? events / seconds : 0, 1), completed };
}

/** Until the subscribers have delivered everything acknowledged, or the deadline. */
async function waitForBacklog(subscribers: LiveSubscribers, rec: Recorder, clock: Clock, deadline: number, wait: (ms: number) => Promise<void>): Promise<void> {
  while (subscribers.backlog() > 0 && clock.now() < deadline) {
    rec.gauge(clock.now(), { backlog: subscribers.backlog() });
    await wait(10);
  }
  rec.gauge(clock.now(), { backlog: subscribers.backlog() });
}

/** A real-time interval that does not keep the process alive. */
function every(ms: number, tick: () => void): NodeJS.Timeout {
  const timer = setInterval(tick, ms);
  timer.unref();
  return timer;
}

function sleepReal(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
