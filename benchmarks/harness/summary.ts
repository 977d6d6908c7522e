/** A run's summary, from what its recorder kept: the figures the results file and every table show. */
import type { RunSummary, SaturationRule, SubscriberStats } from '../results-file/schema.ts';
import type { Workload } from '../workloads/workload.ts';
import { percentileMs, round, type Histogram } from './histograms.ts';
import type { Recorder, TimeSeriesPoint } from './recorder.ts';
import { tooFewSamplesFor } from './sample-count.ts';
import { saturationReasons } from './saturation.ts';
import type { ScheduleResult } from './scheduler.ts';

export type LoadMode = 'open' | 'closed';

export interface SummaryInput {
  rec: Recorder;
  workload: Workload;
  mode: LoadMode;
  measuredMs: number;
  schedule: ScheduleResult;
  timeSeries: TimeSeriesPoint[];
  drain: RunSummary['drain'];
  subscribers: SubscriberStats | null;
  cpuPercent: number;
  saturationRule?: SaturationRule;
}

export function summarise({ rec, workload, mode, measuredMs, schedule, timeSeries, drain, subscribers, cpuPercent, saturationRule }: SummaryInput): RunSummary {
  const errorCount = Object.values(rec.errors).reduce((a, b) => a + b, 0);
  const conflicts = rec.errors.conflict ?? 0;
  const seconds = measuredMs / 1000;
  const ms = (h: Histogram, p: number) => round(percentileMs(h, p), 3);
  const latency = (h: Histogram) => ({ p50Ms: ms(h, 50), p99Ms: ms(h, 99), maxMs: round(h.maxValue / 1000, 3) });
  const samples = rec.corrected.totalCount;
  const thin = tooFewSamplesFor(samples);
  // A percentile too few samples support is given as the maximum (sample-count.ts says why).
  const maxMs = round(rec.corrected.maxValue / 1000, 3);
  const pct = (name: (typeof thin)[number], p: number) => (thin.includes(name) ? maxMs : ms(rec.corrected, p));
  const summary: RunSummary = {
    mode,
    targetRate: mode === 'open' ? workload.rate : null,
    concurrency: mode === 'closed' ? workload.concurrency : null,
    maxInFlight: mode === 'open' ? workload.maxInFlight : null,
    durationSeconds: workload.durationSeconds,
    warmupSeconds: workload.warmupSeconds,
    measuredSeconds: round(seconds, 3),
    operations: rec.ok,
    // Only operations intended after the warm-up: a warm-up's backlog completing later is not throughput.
    throughput: round(rec.ok / seconds, 1),
    eventsPerSecond: round(rec.events / seconds, 1),
    p50Ms: pct('p50', 50),
    p90Ms: pct('p90', 90),
    p99Ms: pct('p99', 99),
    p999Ms: pct('p99.9', 99.9),
    p9999Ms: pct('p99.99', 99.99),
    maxMs,
    meanMs: round(samples ? rec.corrected.mean / 1000 : 0, 3),
    samples,
    tooFewSamplesFor: thin,
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
    subscribers,
    processCpuPercent: round(cpuPercent, 1),
    saturated: false,
    saturation: [],
    baseline: null,
  };
  summary.saturation = saturationReasons(summary, saturationRule);
  summary.saturated = summary.saturation.length > 0;
  return summary;
}
