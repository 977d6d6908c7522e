/**
 * Runs one workload against one target: prepare the data it reads, start the subscribers it measures,
 * run the schedule (open or closed loop), wait for or time the subscribers, and summarise.
 */
import * as hdr from 'hdr-histogram-js';
import { WrongExpectedVersionError, type ExpectedVersion, type NewEvent, type RecordedEvent, type Subscription } from '../../labs/core/index.ts';
import type { BenchTarget } from '../adapters/target.ts';
import { realClock, type Clock } from './clock.ts';
import { Recorder, classifyError, percentileMs, round, type Histogram, type TimeSeriesPoint } from './recorder.ts';
import { runClosedLoop, runOpenLoop, type ScheduleResult } from './scheduler.ts';
import { pickKind, seededRandom, type Workload } from './workload.ts';

export type LoadMode = 'open' | 'closed';

export interface RunOptions {
  mode: LoadMode;
  clock?: Clock;
  /** Time-series resolution. */
  intervalMs?: number;
  /** Unique per run: prefixes stream ids and tags events, so runs never see each other's data. */
  runId: string;
  /** Called about once per second with a snapshot for the progress line (real clock only). */
  onProgress?: (progress: Progress) => void;
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

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RunSummary {
  mode: LoadMode;
  /** Open loop: intended operations per second. */
  targetRate: number | null;
  /** Closed loop: workers. */
  concurrency: number | null;
  maxInFlight: number | null;
  durationSeconds: number;
  warmupSeconds: number;
  measuredSeconds: number;
  /** Successful operations intended after the warm-up: the ones in the latency histograms. */
  operations: number;
  /** Successful operations completed after the warm-up, per second (from its end to the last completion). */
  throughput: number;
  eventsPerSecond: number;
  /** Corrected latency (intended start -> completion). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  p9999Ms: number;
  maxMs: number;
  meanMs: number;
  /** Service time (actual start -> completion): what a closed-loop tool would report. */
  service: LatencySummary;
  /** Intended start -> actual start. */
  sendDelay: LatencySummary;
  errors: Record<string, number>;
  errorCount: number;
  conflicts: number;
  /** Conflicts / (successes + errors). */
  conflictRate: number;
  /** Operations due before the end but never started: the in-flight bound held them back. */
  unsent: number;
  /** Highest number of operations due but not started at any time. */
  maxPending: number;
  /** End-to-end subscription lag, append start -> delivery (live subscribers). */
  lag: LatencySummary | null;
  /** Highest subscription backlog (events acknowledged, not yet delivered to the slowest subscriber). */
  maxBacklog: number;
  /** Backlog build-and-drain: how long the paused subscriber took to catch up. */
  drain: { events: number; seconds: number; eventsPerSecond: number; completed: boolean } | null;
  /** CPU used by this process during the run, in percent of one core (the harness, plus in-process backends). */
  processCpuPercent: number;
  /** Filled in when the same run has a raw-driver baseline for this workload and mode. */
  baseline: { label: string; throughputRatio: number; p99Ratio: number } | null;
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
  if (workload.subscribers > 0 && !target.subscribeToAll) return `${target.label} has no subscriptions (${target.kind} target)`;
  return undefined;
}

interface Subscriber {
  subscription: Subscription;
  delivered: number;
  done: Promise<void>;
}

export async function runWorkload(target: BenchTarget, workload: Workload, options: RunOptions): Promise<RunOutcome | SkippedRun> {
  const skip = unsupportedReason(target, workload);
  if (skip) return { status: 'skipped', reason: skip };

  const clock = options.clock ?? realClock();
  const intervalMs = options.intervalMs ?? 1000;
  const { runId } = options;
  const random = seededRandom(workload.seed);
  const notes: string[] = [];
  const streamOf = (i: number) => `bench-${runId}-${i}`;
  const preparedStreamOf = (i: number) => `bench-${runId}-p${i}`;
  const pad = 'x'.repeat(Math.max(0, workload.eventSizeBytes - 110));
  const makeEvents = (count: number, seq: number, sentAt: number): NewEvent[] =>
    Array.from({ length: count }, (_, k) => ({ type: 'BenchmarkEvent', data: { run: runId, seq, k, sentAt, pad } }));

  let phase: Progress['phase'] = 'prepare';
  let inFlightNow = 0;
  let pendingNow = 0;
  let recorder: Recorder | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  const t00 = clock.now();
  const totalSeconds = workload.durationSeconds;
  let ackedEvents = 0;
  const subscribers: Subscriber[] = [];
  const backlog = () => (subscribers.length === 0 ? 0 : Math.max(0, ackedEvents - Math.min(...subscribers.map((s) => s.delivered))));

  if (options.onProgress) {
    const report = options.onProgress;
    progressTimer = setInterval(() => {
      const now = clock.now();
      report({
        phase,
        elapsedSeconds: recorder ? (now - recorder.options.t0) / 1000 : (now - t00) / 1000,
        totalSeconds,
        operations: recorder?.ok ?? 0,
        errors: recorder ? Object.values(recorder.errors).reduce((a, b) => a + b, 0) : 0,
        latest: recorder?.latest(now),
        inFlight: inFlightNow,
        pending: pendingNow,
        backlog: backlog(),
      });
    }, 1000);
    progressTimer.unref();
  }

  try {
    // 1. Data the read workloads read (not measured).
    if (workload.prepare) await prepare(target, workload, preparedStreamOf, makeEvents);

    // 2. Live subscribers start at the current end of the log, and are caught up before the clock starts.
    const startAfter = target.head && workload.subscribers > 0 ? await target.head() : 0n;
    const onDelivered = (event: RecordedEvent, sub: Subscriber) => {
      const data = event.data as { run?: unknown; sentAt?: unknown } | null;
      if (data === null || typeof data !== 'object' || data.run !== runId) return;
      sub.delivered++;
      if (workload.subscriberMode === 'live' && typeof data.sentAt === 'number') recorder?.recordLag(data.sentAt, clock.now());
    };
    const startSubscribers = () => {
      for (let i = 0; i < workload.subscribers; i++) {
        const subscription = target.subscribeToAll!(startAfter === 0n ? undefined : startAfter, 1000);
        const sub: Subscriber = { subscription, delivered: 0, done: Promise.resolve() };
        sub.done = (async () => {
          for await (const event of subscription) onDelivered(event, sub);
        })();
        subscribers.push(sub);
      }
    };
    if (workload.subscribers > 0 && workload.subscriberMode === 'live') {
      startSubscribers();
      await withTimeout(Promise.all(subscribers.map((s) => s.subscription.caughtUp)), 30_000, 'live subscribers did not catch up');
    }

    // 3. The schedule.
    const knownVersions = new Map<string, number>();
    let readAllCursor: string | undefined;
    const operation = async (index: number): Promise<number> => {
      const kind = pickKind(workload.mix, random);
      if (kind === 'append') {
        const streamId = streamOf(Math.floor(random() * workload.streams));
        let expected: ExpectedVersion = 'any';
        if (workload.expectedVersion === 'tracked') expected = knownVersions.get(streamId) ?? 'no_stream';
        try {
          const result = await target.append(streamId, makeEvents(workload.eventsPerAppend, index, clock.now()), expected);
          ackedEvents += workload.eventsPerAppend;
          if (workload.expectedVersion === 'tracked') knownVersions.set(streamId, Math.max(knownVersions.get(streamId) ?? -1, result.nextExpectedVersion));
        } catch (error) {
          // The loser learns the actual version, as a real command handler would after reloading.
          if (error instanceof WrongExpectedVersionError) {
            if (typeof error.actual === 'number') knownVersions.set(streamId, error.actual);
            else knownVersions.delete(streamId);
          }
          throw error;
        }
        return workload.eventsPerAppend;
      }
      if (kind === 'readStream') {
        return target.readStream(preparedStreamOf(Math.floor(random() * workload.prepare!.streams)));
      }
      const page = await target.readAllPage(readAllCursor, workload.readPageSize);
      readAllCursor = page.next; // undefined at the end: the next page starts over from the beginning
      return page.count;
    };

    const cpuBefore = process.cpuUsage();
    const wallBefore = clock.now();
    const t0 = clock.now();
    recorder = new Recorder({ t0, warmupMs: workload.warmupSeconds * 1000, intervalMs });
    const rec = recorder;
    phase = workload.warmupSeconds > 0 ? 'warmup' : 'run';
    const eventsOf = new Map<number, number>();
    const wrapped = async (index: number) => {
      eventsOf.set(index, await operation(index));
    };
    const hooks = {
      onSuccess: (t: Parameters<Recorder['recordSuccess']>[0]) => {
        rec.recordSuccess(t, eventsOf.get(t.index) ?? 0);
        eventsOf.delete(t.index);
      },
      onError: (t: Parameters<Recorder['recordSuccess']>[0], error: unknown) => rec.recordError(t, classifyError(error)),
      onGauge: (now: number, g: { inFlight: number; pending: number }) => {
        inFlightNow = g.inFlight;
        pendingNow = g.pending;
        if (phase === 'warmup' && now >= rec.warmupEndMs) phase = 'run';
        rec.gauge(now, { ...g, backlog: backlog() });
      },
    };
    const durationMs = workload.durationSeconds * 1000;
    let schedule: ScheduleResult;
    if (options.mode === 'open') {
      schedule = await runOpenLoop(wrapped, { clock, rate: workload.rate, durationMs, maxInFlight: workload.maxInFlight, t0 }, hooks);
    } else {
      schedule = await runClosedLoop(wrapped, { clock, concurrency: workload.concurrency, durationMs, t0 }, hooks);
    }

    for (const intended of schedule.unsentIntendedMs) rec.recordUnsent(intended, schedule.unsentAtMs);

    // 4. Subscribers: live ones get a moment to deliver the tail; a paused one is started now and timed.
    let drain: RunSummary['drain'] = null;
    if (workload.subscribers > 0 && workload.subscriberMode === 'live') {
      phase = 'finish';
      const tailDeadline = clock.now() + 10_000;
      while (backlog() > 0 && clock.now() < tailDeadline) {
        rec.gauge(clock.now(), { backlog: backlog() });
        await sleepReal(20);
      }
      if (backlog() > 0) notes.push(`subscribers were still ${backlog()} events behind 10 s after the last append`);
    } else if (workload.subscribers > 0) {
      phase = 'drain';
      const drainStart = clock.now();
      rec.startDrain(drainStart);
      startSubscribers();
      const deadline = drainStart + workload.drainTimeoutSeconds * 1000;
      while (backlog() > 0 && clock.now() < deadline) {
        rec.gauge(clock.now(), { backlog: backlog() });
        await sleepReal(10);
      }
      const seconds = (clock.now() - drainStart) / 1000;
      const completed = backlog() === 0;
      rec.gauge(clock.now(), { backlog: backlog() });
      if (!completed) notes.push(`the subscriber had not drained the backlog after ${workload.drainTimeoutSeconds} s (${backlog()} events left)`);
      drain = { events: ackedEvents, seconds: round(seconds, 3), eventsPerSecond: round(seconds > 0 ? ackedEvents / seconds : 0, 1), completed };
    }
    await Promise.all(subscribers.map((s) => s.subscription.close()));
    await Promise.all(subscribers.map((s) => s.done.catch((e: unknown) => notes.push(`subscriber failed: ${String(e)}`))));

    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = Math.max(1, clock.now() - wallBefore);
    // Throughput counts completions after the warm-up, over the time from its end to the last completion.
    const measuredMs = Math.max(1, schedule.endMs - rec.warmupEndMs);
    const timeSeries = rec.timeSeries();
    const summary = summarise(rec, workload, options.mode, measuredMs, schedule, timeSeries, drain, ((cpu.user + cpu.system) / 1000 / wallMs) * 100);
    const histograms: EncodedHistograms = {
      corrected: encode(rec.corrected),
      service: encode(rec.service),
      sendDelay: encode(rec.sendDelay),
      lag: rec.lag.totalCount > 0 ? encode(rec.lag) : null,
    };
    if (schedule.unsent > 0) {
      notes.push(`${schedule.unsent} operations were due but never sent: the in-flight bound (${workload.maxInFlight}) was reached; their latency is recorded at its lower bound (end of schedule - intended start)`);
    }
    rec.destroy();
    return { status: 'ok', summary, histograms, timeSeries, notes };
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await Promise.all(subscribers.map((s) => s.subscription.close().catch(() => {})));
  }
}

function summarise(
  rec: Recorder,
  workload: Workload,
  mode: LoadMode,
  measuredMs: number,
  schedule: ScheduleResult,
  timeSeries: TimeSeriesPoint[],
  drain: RunSummary['drain'],
  cpuPercent: number,
): RunSummary {
  const errorCount = Object.values(rec.errors).reduce((a, b) => a + b, 0);
  const conflicts = rec.errors.conflict ?? 0;
  const seconds = measuredMs / 1000;
  const ms = (h: Histogram, p: number) => round(percentileMs(h, p), 3);
  const latency = (h: Histogram): LatencySummary => ({ p50Ms: ms(h, 50), p99Ms: ms(h, 99), maxMs: round(h.maxValue / 1000, 3) });
  return {
    mode,
    targetRate: mode === 'open' ? workload.rate : null,
    concurrency: mode === 'closed' ? workload.concurrency : null,
    maxInFlight: mode === 'open' ? workload.maxInFlight : null,
    durationSeconds: workload.durationSeconds,
    warmupSeconds: workload.warmupSeconds,
    measuredSeconds: round(seconds, 3),
    operations: rec.ok,
    throughput: round(rec.completed / seconds, 1),
    eventsPerSecond: round(rec.completedEvents / seconds, 1),
    p50Ms: ms(rec.corrected, 50),
    p90Ms: ms(rec.corrected, 90),
    p99Ms: ms(rec.corrected, 99),
    p999Ms: ms(rec.corrected, 99.9),
    p9999Ms: ms(rec.corrected, 99.99),
    maxMs: round(rec.corrected.maxValue / 1000, 3),
    meanMs: round(rec.corrected.totalCount ? rec.corrected.mean / 1000 : 0, 3),
    service: latency(rec.service),
    sendDelay: latency(rec.sendDelay),
    errors: { ...rec.errors },
    errorCount,
    conflicts,
    conflictRate: round(conflicts / Math.max(1, rec.ok + errorCount), 4),
    // (the unsent operations are also in the corrected and send-delay histograms, at their lower bound)
    unsent: schedule.unsent,
    maxPending: Math.max(0, ...timeSeries.map((p) => p.pending)),
    lag: rec.lag.totalCount > 0 ? latency(rec.lag) : null,
    maxBacklog: Math.max(0, ...timeSeries.map((p) => p.backlog)),
    drain,
    processCpuPercent: round(cpuPercent, 1),
    baseline: null,
  };
}

async function prepare(
  target: BenchTarget,
  workload: Workload,
  streamOf: (i: number) => string,
  makeEvents: (count: number, seq: number, sentAt: number) => NewEvent[],
): Promise<void> {
  const { streams, eventsPerStream } = workload.prepare!;
  const batch = Math.min(eventsPerStream, 100);
  let nextStream = 0;
  const worker = async () => {
    while (nextStream < streams) {
      const streamId = streamOf(nextStream++);
      for (let written = 0; written < eventsPerStream; written += batch) {
        await target.append(streamId, makeEvents(Math.min(batch, eventsPerStream - written), -1, 0), 'any');
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, () => worker()));
}

function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
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
