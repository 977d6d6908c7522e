/**
 * Records every operation three ways, in HdrHistograms of microseconds:
 * - service time: actual start -> completion (what a closed-loop tool reports);
 * - send delay: intended start -> actual start (the schedule slipping: the harness or the in-flight
 *   bound held the operation back);
 * - corrected latency: intended start -> completion = send delay + service time. This is what a user
 *   arriving at the intended time would have waited; it does not hide a stall (coordinated omission).
 * Plus, per interval, a time series, and error counts by kind (conflicts apart). Operations intended
 * during the warm-up are counted in the time series (flagged) but in no histogram or total.
 */
import { DuplicateEventIdError, InvalidInputError, WrongExpectedVersionError } from '../../labs/core/index.ts';
import type { TimeSeriesPoint } from '../results-file/schema.ts';
import { newHistogram, percentileMs, round, toMicros, type Histogram } from './histograms.ts';

export type { TimeSeriesPoint };

/** One operation as the scheduler saw it (clock milliseconds). */
export interface Timing {
  index: number;
  intendedMs: number;
  startMs: number;
  endMs: number;
}

/** Errors are counted by kind; a kind is stable text such as `conflict` or `pg:23505`. */
export function classifyError(error: unknown): string {
  if (error instanceof WrongExpectedVersionError) return 'conflict';
  if (error instanceof DuplicateEventIdError) return 'duplicate-event-id';
  if (error instanceof InvalidInputError) return 'invalid-input';
  if (error instanceof Error) {
    const kind = (error as { kind?: unknown }).kind;
    if (typeof kind === 'string') return kind;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' || typeof code === 'number' ? `${error.name}:${code}` : error.name;
  }
  return 'unknown';
}

interface IntervalAccumulator {
  ops: number;
  events: number;
  errors: number;
  conflicts: number;
  corrected: Histogram;
  service: Histogram;
  sendDelay: Histogram;
  lag: Histogram;
  inFlight: number;
  pending: number;
  backlog: number;
  rssBytes: number;
}

export interface RecorderOptions {
  /** Clock time when the schedule started. */
  t0: number;
  warmupMs: number;
  intervalMs: number;
}

export class Recorder {
  readonly corrected = newHistogram();
  readonly service = newHistogram();
  readonly sendDelay = newHistogram();
  readonly lag = newHistogram();
  /** Successful measured operations and the events they carried. */
  ok = 0;
  events = 0;
  /** Operations never sent, recorded at the lower bound of their latency. */
  unsent = 0;
  readonly errors: Record<string, number> = {};
  private readonly intervals = new Map<number, IntervalAccumulator>();
  private drainStartMs: number | undefined;
  private lastMs = -Infinity;

  constructor(readonly options: RecorderOptions) {}

  get warmupEndMs(): number {
    return this.options.t0 + this.options.warmupMs;
  }

  isMeasured(intendedMs: number): boolean {
    return intendedMs >= this.warmupEndMs;
  }

  recordSuccess(t: Timing, events: number): void {
    const acc = this.interval(t.endMs);
    const corrected = toMicros(t.endMs - t.intendedMs);
    const service = toMicros(t.endMs - t.startMs);
    const sendDelay = toMicros(t.startMs - t.intendedMs);
    acc.ops++;
    acc.events += events;
    acc.corrected.recordValue(corrected);
    acc.service.recordValue(service);
    acc.sendDelay.recordValue(sendDelay);
    if (!this.isMeasured(t.intendedMs)) return;
    this.ok++;
    this.events += events;
    this.corrected.recordValue(corrected);
    this.service.recordValue(service);
    this.sendDelay.recordValue(sendDelay);
  }

  recordError(t: Timing, kind: string): void {
    const acc = this.interval(t.endMs);
    acc.errors++;
    if (kind === 'conflict') acc.conflicts++;
    if (!this.isMeasured(t.intendedMs)) return;
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  /**
   * An operation that was due but never sent before the schedule ended (the in-flight bound held it
   * back). Its latency is unknown but at least `atMs - intendedMs`: recording that lower bound keeps an
   * overloaded run from looking better than it was.
   */
  recordUnsent(intendedMs: number, atMs: number): void {
    if (!this.isMeasured(intendedMs)) return;
    this.unsent++;
    this.corrected.recordValue(toMicros(atMs - intendedMs));
    this.sendDelay.recordValue(toMicros(atMs - intendedMs));
  }

  /** End-to-end subscription lag of one event: from the start of its append to its delivery. */
  recordLag(sentMs: number, deliveredMs: number): void {
    const value = toMicros(deliveredMs - sentMs);
    this.interval(deliveredMs).lag.recordValue(value);
    if (this.isMeasured(sentMs)) this.lag.recordValue(value);
  }

  /** Samples the gauges; each interval keeps the highest value seen. */
  gauge(nowMs: number, values: { inFlight?: number; pending?: number; backlog?: number; rssBytes?: number }): void {
    const acc = this.interval(nowMs);
    if (values.inFlight !== undefined) acc.inFlight = Math.max(acc.inFlight, values.inFlight);
    if (values.pending !== undefined) acc.pending = Math.max(acc.pending, values.pending);
    if (values.backlog !== undefined) acc.backlog = Math.max(acc.backlog, values.backlog);
    if (values.rssBytes !== undefined) acc.rssBytes = Math.max(acc.rssBytes, values.rssBytes);
  }

  /** Intervals from here on are labelled `drain` (the backlog workload's second phase). */
  startDrain(nowMs: number): void {
    this.drainStartMs = nowMs;
  }

  timeSeries(): TimeSeriesPoint[] {
    const { t0, intervalMs } = this.options;
    const last = Math.max(-1, ...this.intervals.keys());
    const points: TimeSeriesPoint[] = [];
    let backlogCarry = 0;
    for (let i = 0; i <= last; i++) {
      const acc = this.intervals.get(i) ?? this.emptyInterval();
      const endMs = t0 + (i + 1) * intervalMs;
      // The last interval is usually cut short by the end of the run: rates over the part it covers.
      const seconds = i === last ? Math.max(intervalMs / 10, Math.min(intervalMs, this.lastMs - (t0 + i * intervalMs))) / 1000 : intervalMs / 1000;
      // A backlog that was not sampled in an interval has not changed since the last sample.
      if (this.intervals.has(i)) backlogCarry = acc.backlog;
      points.push({
        t: round((i * intervalMs) / 1000 + seconds, 3),
        phase: this.drainStartMs !== undefined && endMs > this.drainStartMs ? 'drain' : endMs <= this.warmupEndMs ? 'warmup' : 'run',
        throughput: round(acc.ops / seconds, 1),
        eventsPerSecond: round(acc.events / seconds, 1),
        p50Ms: round(percentileMs(acc.corrected, 50), 3),
        p99Ms: round(percentileMs(acc.corrected, 99), 3),
        serviceP99Ms: round(percentileMs(acc.service, 99), 3),
        sendDelayP99Ms: round(percentileMs(acc.sendDelay, 99), 3),
        errors: acc.errors,
        conflicts: acc.conflicts,
        inFlight: acc.inFlight,
        pending: acc.pending,
        backlog: backlogCarry,
        lagP50Ms: round(percentileMs(acc.lag, 50), 3),
        lagP99Ms: round(percentileMs(acc.lag, 99), 3),
        ...(acc.rssBytes > 0 ? { rssMiB: round(acc.rssBytes / 2 ** 20, 1) } : {}),
      });
    }
    return points;
  }

  /** The newest complete interval, for the live progress line. */
  latest(nowMs: number): TimeSeriesPoint | undefined {
    const index = Math.floor((nowMs - this.options.t0) / this.options.intervalMs) - 1;
    if (index < 0) return undefined;
    return this.timeSeries()[index];
  }

  destroy(): void {
    for (const h of [this.corrected, this.service, this.sendDelay, this.lag]) h.destroy();
    for (const acc of this.intervals.values()) for (const h of [acc.corrected, acc.service, acc.sendDelay, acc.lag]) h.destroy();
  }

  private interval(nowMs: number): IntervalAccumulator {
    if (nowMs > this.lastMs) this.lastMs = nowMs;
    const index = Math.max(0, Math.floor((nowMs - this.options.t0) / this.options.intervalMs));
    let acc = this.intervals.get(index);
    if (!acc) {
      acc = this.emptyInterval();
      this.intervals.set(index, acc);
    }
    return acc;
  }

  private emptyInterval(): IntervalAccumulator {
    return {
      ops: 0,
      events: 0,
      errors: 0,
      conflicts: 0,
      corrected: newHistogram(2),
      service: newHistogram(2),
      sendDelay: newHistogram(2),
      lag: newHistogram(2),
      inFlight: 0,
      pending: 0,
      backlog: 0,
      rssBytes: 0,
    };
  }
}
